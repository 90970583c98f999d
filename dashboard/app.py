"""Sourced incident map: explore reported incidents in space and time, and read the passage behind each marker.

Run on the bundled catalogue: ``streamlit run dashboard/app.py``; on a dataset file:
``streamlit run dashboard/app.py -- --data PATH`` (or ``SIM_DATA=PATH``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import folium
import numpy as np
import streamlit as st
from streamlit_folium import st_folium

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import loaders, panels
from dashboard.dataset import Dataset
from dashboard.filters import CORROBORATION_CHOICES, Filters, dataset_mask
from dashboard.mapping import base_map, incidents_layer, stable_ids
from dashboard.state import View, month_window, parse_view
from dashboard.viewport import query_box, view_items

st.set_page_config(page_title="Sourced incident map", layout="wide")
# The step and play buttons move the window slider through st.session_state, on purpose; Streamlit logs a
# warning with a stack trace for that on every run, which would bury the server log.
logging.getLogger("streamlit.elements.lib.policies").setLevel(logging.ERROR)

# ---- Sidebar: which data, filters ------------------------------------------------------------
with st.sidebar:
    st.title("Sourced incident map")
    st.caption("Every marker opens the passage it comes from. Sources disagree; the map shows where.")
    data = panels.dataset_picker()
span, months = loaders.time_span(data)
panels.start_session(data, months)
if "view" not in st.session_state:
    st.session_state.view = parse_view(st.query_params.to_dict(), months, data.positions, set(data.sources),
                                       set(data.type_codes[1]))
    st.session_state.focus = st.session_state.view.incident
    for notice in st.session_state.view.notices:
        st.warning(notice, icon="⚠️")
view: View = st.session_state.view

with st.sidebar:
    # Keyed: an unkeyed widget whose default changes (the defaults follow view.filters) becomes a new
    # widget, so the user's next change to it was lost.
    types = st.multiselect("Incident type", data.type_codes[1], default=list(view.filters.types), key="filter_types")
    corroboration = st.radio("Corroboration", CORROBORATION_CHOICES, horizontal=True,
                             index=CORROBORATION_CHOICES.index(view.filters.corroboration), key="filter_corroboration")
    chosen_sources = st.multiselect("Reported by", data.sources, default=list(view.filters.sources),
                                    format_func=loaders.source_label, key="filter_sources")
    text = st.text_input("Search titles, places and quotes", value=view.filters.text, key="filter_text")
    view.filters = Filters(tuple(types), corroboration, tuple(chosen_sources), text)

# ---- Time window, map, side panel, table: what a slider step changes --------------------------
st.subheader("Incidents reported in the articles" if data.label == "bundled catalogue"
             else f"Incidents in {panels.escape_markdown(data.label)}")


@st.fragment
def incident_map(data: Dataset, shown_mask: np.ndarray, view: View, window: tuple) -> None:
    """Draw the map for the current viewport; panning reruns only this fragment."""
    if panels.upload_changed():
        st.rerun(scope="app")
    center, zoom = panels.map_camera(data, shown_mask)
    reported = st.session_state.get("map") or {}
    box = query_box(reported.get("bounds"), reported.get("zoom") or zoom, center)
    focus = data.positions.get(st.session_state.get("focus") or "")
    lat, lon = data.latlon
    items = view_items(data.world, lat, lon, data.type_codes[0], shown_mask, box, keep=focus)
    payload = panels.map_payload(data, items, shown_mask, st.session_state.get("focus"))
    fig = base_map(loaders.context_places(), *loaders.initial_frame(data))
    clicked = st_folium(
        # render=False: the map is new on every run, and st_folium renders it once more anyway.
        fig, key="map", height=560, use_container_width=True, center=center, zoom=zoom, render=False,
        feature_group_to_add=incidents_layer(payload),
        returned_objects=["last_active_drawing", "last_object_clicked_count", "bounds", "zoom"],
        layer_control=stable_ids(folium.LayerControl(collapsed=True), "control"),
    )
    panels.map_caption(items, int(shown_mask.sum()), len(data.frame), window)
    drawn = ((clicked or {}).get("last_active_drawing") or {}).get("properties") or {}
    picked = drawn.get("id")
    # st_folium returns the last drawing clicked on every rerun; the click count tells a new click from it
    # (so the same marker, clicked again after its detail was closed, opens again).
    click = (picked, (clicked or {}).get("last_object_clicked_count"))
    if picked and click != st.session_state.get("last_click"):
        if panels.stack_cell(drawn):  # a stack at the last zoom: the table lists its incidents
            st.session_state.last_click, view.cell = click, panels.stack_cell(drawn)
            st.rerun(scope="app")
        elif picked in data.positions:
            st.session_state.last_click, view.incident = click, picked
            view.source = None
            st.rerun(scope="app")  # the side panel shows the incident
    if not st.session_state.get("map_drawn") and panels.map_has_reported(clicked):
        # The page's first run left out the timeline, the table and the link to the view (the browser scripts
        # that draw them are large), so that the browser drew the map first; now that it has, draw them.
        st.session_state.map_drawn = True
        st.rerun(scope="app")


@st.fragment
def window_view(data: Dataset, view: View, span: tuple, months: list) -> None:
    """Draw everything the time window changes; moving the slider reruns only this fragment, not the filters."""
    if panels.upload_changed():
        st.rerun(scope="app")
    window = panels.time_controls(view, months)
    start, end = month_window(*window)
    shown_mask = dataset_mask(data, start, end, view.filters)
    # Early, right after the controls: an update sent at the end of a run can be lost when reruns come fast.
    # Whatever changes the view later in this run (a table row, a detail button) reruns the page.
    panels.sync_url(view)
    timeline_slot = panels.timeline_slot()  # filled after the map, so the map's update reaches the browser first
    map_column, side_column = st.columns([3, 2], gap="medium")
    with map_column:
        incident_map(data, shown_mask, view, window)
        panels.legend(data)
    details = st.session_state.get("map_drawn", False)
    with timeline_slot:
        if details:
            panels.timeline(data, dataset_mask(data, span[0], span[1], view.filters), span, (start, end))
        else:
            panels.timeline_pending()
    with side_column:
        if view.source and view.source in data.readable_sources:
            panels.source_reader(loaders.catalogue(), view)
        elif view.incident:
            panels.incident_detail(data, view)
        else:
            panels.how_to_read()
    if details:
        panels.incident_table(data, shown_mask, view)
        panels.exports(data, shown_mask)
    else:
        panels.details_pending()
    if details:  # st.code's script is large too: the link also waits for the map
        with st.sidebar:
            panels.share_link(view)


window_view(data, view, span, months)
panels.data_quality(data)
panels.player(view, months)
