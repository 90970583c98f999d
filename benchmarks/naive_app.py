"""The baselines the benchmark measures the dashboard against: the textbook folium + streamlit-folium map.

``--mode markers``: one ``folium.Marker`` with a ``folium.Popup`` per incident in the window (the naive
approach). ``--mode fastcluster``: folium's ``FastMarkerCluster`` with every incident in the window.
Same data, same month-range slider, same offline assets as the dashboard; only the map differs.

    streamlit run benchmarks/naive_app.py -- --data FILE [--mode markers|fastcluster]

Streamlit serves the ``static/`` folder beside the main script, and no file from outside it:
``benchmarks/static/vendor/`` holds everything folium's defaults load (jQuery, Bootstrap, Font Awesome,
awesome-markers, MarkerCluster, and its own copy of Leaflet), refreshed by
``dashboard/static/vendor/fetch.sh``, so the baselines load offline what they would from CDNs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import folium
import streamlit as st
from folium.plugins import FastMarkerCluster
from streamlit_folium import st_folium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from benchmarks.assets import BASELINE_ASSETS
from dashboard.map.assets import use_local_assets
from dashboard.timeline import month_window
from geo import read_incidents

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--mode", choices=("markers", "fastcluster"), default="markers")
args, _ = parser.parse_known_args(sys.argv[1:])


@st.cache_resource
def incidents(path: str):
    """Parse the dataset once per server, as the dashboard does."""
    return read_incidents(Path(path)).frame


frame = incidents(args.data)
months = list(pd.period_range(frame["date_start"].min(), frame["date_end"].max(), freq="M"))
window = st.select_slider("Time window", options=months, value=(months[0], months[-1]), key="window",
                          format_func=lambda p: p.strftime("%b %Y"))
start, end = month_window(*window)
shown = frame[(frame["date_start"] <= end.isoformat()) & (frame["date_end"] >= start.isoformat())]
m = folium.Map(location=(48.5, 32.0), zoom_start=5, tiles=None)
if args.mode == "markers":
    for row in shown.itertuples():
        folium.Marker((row.geometry.y, row.geometry.x), popup=folium.Popup(f"{row.title} — {row.date_label}"),
                      tooltip=row.title).add_to(m)
else:
    FastMarkerCluster([(p.y, p.x) for p in shown.geometry]).add_to(m)
st.caption(f"{len(shown):,} incidents")
st_folium(use_local_assets(m, assets=BASELINE_ASSETS), key="map", height=560, use_container_width=True, returned_objects=[])
