"""The baselines the benchmark measures the dashboard against: the textbook folium + streamlit-folium map.

``--mode markers``: one ``folium.Marker`` with a ``folium.Popup`` per incident in the window (the naive
approach). ``--mode fastcluster``: folium's ``FastMarkerCluster`` with every incident in the window.
Same data, same month-range slider, same offline assets as the dashboard; only the map differs.

    streamlit run benchmarks/naive_app.py -- --data FILE [--mode markers|fastcluster]

Streamlit serves the ``static/`` folder beside the main script: ``benchmarks/static`` is a symlink to
``dashboard/static``, so the baselines load the same vendored Leaflet, offline.
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

from dashboard.assets import use_local_assets
from dashboard.filters import in_window
from dashboard.state import month_options, month_window
from geo.importers import read_incidents

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--mode", choices=("markers", "fastcluster"), default="markers")
args, _ = parser.parse_known_args(sys.argv[1:])


@st.cache_resource
def incidents(path: str):
    """Parse the dataset once per server, as the dashboard does."""
    return read_incidents(Path(path)).frame


frame = incidents(args.data)
months = month_options((frame["date_start"].min()[:7] + "-01", frame["date_end"].max()))
window = st.select_slider("Time window", options=months, value=(months[0], months[-1]), key="window",
                          format_func=lambda p: p.strftime("%b %Y"))
start, end = month_window(*window)
shown = frame[in_window(frame, start, end)]
m = folium.Map(location=(48.5, 32.0), zoom_start=5, tiles=None)
if args.mode == "markers":
    for row in shown.itertuples():
        folium.Marker((row.geometry.y, row.geometry.x), popup=folium.Popup(f"{row.title} — {row.date_label}"),
                      tooltip=row.title).add_to(m)
else:
    FastMarkerCluster([(p.y, p.x) for p in shown.geometry]).add_to(m)
st.caption(f"{len(shown):,} incidents")
st_folium(use_local_assets(m), key="map", height=560, use_container_width=True, returned_objects=[])
