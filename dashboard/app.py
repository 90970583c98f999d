"""Sourced incident map: explore reported incidents in space and time, and read the passage behind each marker."""

from __future__ import annotations

import sys
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import loaders, panels
from dashboard.filters import CORROBORATION_CHOICES, Filters, visible
from dashboard.mapping import base_map, focus_of, incidents_layer, stable_ids
from dashboard.state import month_window, parse_view, view_params

st.set_page_config(page_title="Sourced incident map", layout="wide")

catalogue = loaders.catalogue()
incidents = loaders.incidents_frame()
districts = loaders.districts()
span, months = loaders.time_span()
view = parse_view(st.query_params.to_dict(), months, set(incidents["id"]), set(catalogue.sources),
                  set(incidents["type"]))
if "view" not in st.session_state:
    st.session_state.view = view
    for notice in view.notices:
        st.warning(notice, icon="⚠️")
view = st.session_state.view

# ---- Sidebar: filters, export, data quality -------------------------------------------------
with st.sidebar:
    st.title("Sourced incident map")
    st.caption("Every marker opens the passage it comes from. Sources disagree; the map shows where.")
    # Keyed: an unkeyed widget whose default changes (the defaults follow view.filters) becomes a new
    # widget, so the user's next change to it was lost.
    types = st.multiselect("Incident type", sorted(incidents["type"].unique()), default=list(view.filters.types),
                           key="filter_types")
    corroboration = st.radio("Corroboration", CORROBORATION_CHOICES, horizontal=True,
                             index=CORROBORATION_CHOICES.index(view.filters.corroboration), key="filter_corroboration")
    chosen_sources = st.multiselect("Reported by", list(catalogue.sources), default=list(view.filters.sources),
                                    format_func=loaders.source_label, key="filter_sources")
    text = st.text_input("Search titles, places and quotes", value=view.filters.text, key="filter_text")
    view.filters = Filters(tuple(types), corroboration, tuple(chosen_sources), text)

# ---- Time window ----------------------------------------------------------------------------
st.subheader("Incidents reported in the articles")
window = panels.time_controls(view, months)
start, end = month_window(*window)
shown = visible(incidents, start, end, view.filters)
panels.timeline(incidents[incidents.index.isin(visible(incidents, span[0], span[1], view.filters).index)],
                span, (start, end))

# ---- Map and side panel -----------------------------------------------------------------------
map_column, side_column = st.columns([3, 2], gap="medium")
with map_column:
    st.caption(f"**{len(shown)}** of {len(incidents)} incidents overlap {window[0].strftime('%b %Y')} – "
               f"{window[1].strftime('%b %Y')}. Dashed outline: single source. Circles: location uncertainty.")
    center, zoom = focus_of(shown if len(shown) else incidents)
    if view.incident and view.incident in set(incidents["id"]):
        center, zoom = focus_of(incidents[incidents["id"] == view.incident])
    fig = base_map(districts, loaders.context_places(), loaders.countries(), *loaders.initial_frame())
    clicked = st_folium(
        fig, key="map", height=560, use_container_width=True, center=center, zoom=zoom,
        feature_group_to_add=incidents_layer(shown, districts, loaders.source_titles()),
        returned_objects=["last_active_drawing"], layer_control=stable_ids(folium.LayerControl(collapsed=True), "control"),
    )
    panels.legend()
selected = (clicked or {}).get("last_active_drawing") or {}
if selected.get("properties", {}).get("id") and selected["properties"]["id"] != st.session_state.get("last_click"):
    st.session_state.last_click = view.incident = selected["properties"]["id"]

with side_column:
    if view.source:
        panels.source_reader(catalogue, view)
    elif view.incident:
        panels.incident_detail(incidents, catalogue, view)
    else:
        panels.how_to_read()

# ---- Table and export -------------------------------------------------------------------------
panels.incident_table(shown, view)
panels.exports(shown)
panels.data_quality(catalogue)
panels.player(view, months)

st.query_params.from_dict(view_params(view))
