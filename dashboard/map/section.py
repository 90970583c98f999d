"""The map on the page: where it looks, what it draws for the visitor's viewport, clicks on it, caption and legend.

The map in the browser reports its bounds and zoom back (st_folium's value); the next run draws the
markers and clusters for that viewport (:mod:`dashboard.map.viewport`), as one incidents layer
(:mod:`dashboard.map.layer`) over a base map that never changes (:mod:`dashboard.map.basemap`).
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import geo

from .. import session
from ..data import loaders
from ..data.dataset import Dataset
from ..record import plural
from ..session import PageState
from ..store import Selection, Store
from .basemap import CONTEXT_PLACE_IDS, base_map, stable_ids
from .layer import DENSITY_COLOURS, DENSITY_MAX_ZOOM, incidents_layer, map_payload, type_colour
from .viewport import POINT_BUDGET, ViewItems, query_box

MAP_HEIGHT_PX = 560
MAX_LEGEND_TYPES = 16
# How a marker's outline says it is sourced: the same looks as SUPPORT_STYLES in static/js/sim-map.js.
SUPPORT_LEGEND = (
    ("corroborated (two or more outlets)", "#ffffff", "", 0.95),
    ("single source", "#1b2631", "3 2", 0.95),
    ("no source", "#1b2631", "1 3", 0.45),
)


@st.cache_data(show_spinner=False)
def district_ids() -> list[str]:
    """Return the ids of Kyiv's districts (the ones the map can highlight)."""
    return list(geo.districts_frame(loaders.catalogue().places)["id"])


@st.cache_data(show_spinner=False)
def context_places() -> gpd.GeoDataFrame:
    """Return the landmarks drawn for orientation (the Artem plant, Lukianivska metro…)."""
    places = geo.places_frame(loaders.catalogue().places)
    return places[places["id"].isin(CONTEXT_PLACE_IDS)]


def camera(store: Store, selection: Selection, state: PageState) -> tuple[tuple[float, float], int]:
    """Return the centre and zoom asked of the map: the incident it was sent to, else the session's first view.

    The map keeps its own position otherwise: streamlit-folium moves it only when these change.
    """
    target = store.find(state.map_target or "")
    if target is not None:
        return store.framing(target)
    if state.home is None:
        state.set_home(store.framing(selection))
    return state.home


def reported_by_browser(returned: dict | None) -> bool:
    """Tell whether st_folium's value comes from the map in the browser (its bounds), not from its defaults."""
    try:
        return isinstance(returned["bounds"]["_southWest"]["lat"], int | float)
    except (TypeError, KeyError):
        return False


def stack_cell(properties: dict) -> tuple[int, int] | None:
    """Return the grid cell of a stack clicked on the map (its feature's properties), or None for anything else."""
    cell = properties.get("cell")
    if properties.get("stack") and isinstance(cell, list) and len(cell) == 2 and all(type(v) is int for v in cell):
        return cell[0], cell[1]
    return None


@st.fragment
def incident_map(store: Store, selection: Selection, state: PageState, window: tuple[pd.Period, pd.Period]) -> None:
    """Draw the map of a selection for the current viewport; panning reruns only this fragment."""
    if state.upload_changed():
        session.rerun(session.Rerun.NEW_UPLOAD)
    data = store.dataset
    center, zoom = camera(store, selection, state)
    reported = state.map_report()
    box = query_box(reported.get("bounds"), reported.get("zoom") or zoom, center)
    items = store.view(selection, box, keep=state.map_target)
    payload = map_payload(data.type_codes[1], items, markers=store.markers(items),
                          districts=store.places_named(selection, district_ids()), selected=state.map_target,
                          shown=selection.count)
    returned = st_folium(
        # render=False: the map is new on every run, and st_folium renders it once more anyway. The base map's
        # own view is the whole dataset's, fixed: its script never changes, so its frame is never reloaded.
        base_map(context_places(), *store.framing()), key=session.MAP, height=MAP_HEIGHT_PX, use_container_width=True,
        center=center, zoom=zoom, render=False, feature_group_to_add=incidents_layer(payload),
        returned_objects=["last_active_drawing", "last_object_clicked_count", "bounds", "zoom"],
        layer_control=stable_ids(folium.LayerControl(collapsed=True), "control"),
    )
    caption(items, selection.count, len(data.frame), window)
    clicked = ((returned or {}).get("last_active_drawing") or {}).get("properties") or {}
    # st_folium returns the last drawing clicked on every rerun; the stamp each click leaves on the feature
    # (static/js/sim-map.js) tells a new click from it, so the same marker clicked again after its detail was
    # closed opens again, even in a map frame made anew (whose click count starts again).
    stamp = clicked.get("click") or (returned or {}).get("last_object_clicked_count")
    if state.is_new_map_click((clicked.get("id"), stamp)):
        cell = stack_cell(clicked)
        if cell is not None:  # a stack at the last zoom: the table lists its incidents
            state.list_stack(cell)
            session.rerun(session.Rerun.MAP_CLICK)
        if store.find(clicked["id"]) is not None:
            state.select(clicked["id"])
            session.rerun(session.Rerun.MAP_CLICK)
    drawn = reported_by_browser(returned)
    if drawn:
        data.map_drawn.set()  # the dataset's indexes may be built now (loaders._settle)
    if drawn and not state.map_drawn:
        # The page's first run left out the timeline, the table and the link to the view (the browser scripts
        # that draw them are large), so that the browser drew the map first; now that it has, draw them.
        state.mark_map_drawn()
        session.rerun(session.Rerun.MAP_DRAWN)


def caption(items: ViewItems, shown: int, total: int, window: tuple[pd.Period, pd.Period]) -> None:
    """Say what the map shows: how many incidents overlap the window, and how they are drawn."""
    when = f"{window[0].strftime('%b %Y')} – {window[1].strftime('%b %Y')}"
    text = f"**{shown:,}** of {plural(total, 'incident')} {'overlaps' if shown == 1 else 'overlap'} {when}."
    if len(items.cluster_count) and items.stacks:
        text += (f" At the closest zoom: {plural(len(items.points), 'marker')} and "
                 f"{plural(len(items.cluster_count), 'stack')} holding {items.clustered:,}, too many to draw one by "
                 "one; click a stack to list its incidents in the table.")
    elif len(items.cluster_count):
        text += (f" Near the map view: {plural(len(items.points), 'marker')} and "
                 f"{plural(len(items.cluster_count), 'cluster')} holding {items.clustered:,}; zoom in or click a "
                 "cluster to see single incidents.")
    if len(items.cluster_count) and not items.stacks and items.zoom <= DENSITY_MAX_ZOOM:
        text += " Shaded squares: how many incidents each holds, light (few) to dark (many)."
    text += " Dashed outline: single source; dotted and faded: no source. Faint circles: location uncertainty."
    st.caption(text + live_status(shown, window), unsafe_allow_html=True)


# Read by screen readers, not drawn: the visible caption above says the same and more.
_VISUALLY_HIDDEN = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;"
                    "clip:rect(0,0,0,0);white-space:nowrap;border:0")


def live_status(shown: int, window: tuple[pd.Period, pd.Period]) -> str:
    """Return the live region a screen reader announces after each step: "12 incidents, March 2023 to May 2023"."""
    when = window[0].strftime("%B %Y") + ("" if window[0] == window[1] else " to " + window[1].strftime("%B %Y"))
    return (f'<span role="status" aria-live="polite" aria-atomic="true" class="sim-live" '
            f'style="{_VISUALLY_HIDDEN}">{html.escape(plural(shown, "incident"))} shown, {html.escape(when)}</span>')


def _outline_chip(text: str, stroke: str, dash: str, opacity: float) -> str:
    """Return a legend chip: a marker drawn with one sourcing outline, and what it means."""
    # A CSS circle, not an <svg>: st.html sanitises its markup and drops svg elements, which left the three
    # chips empty in the browser (their text alone). The outline's dashes as a border: "3 2" dashed, "1 3" dotted.
    border = {"": "solid", "3 2": "dashed", "1 3": "dotted"}.get(dash, "dashed")
    return (f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
            f'<span class="sim-outline-chip" style="display:inline-block;box-sizing:border-box;width:14px;'
            f'height:14px;border-radius:7px;margin-right:4px;background:rgba(127,140,141,{opacity});'
            f'border:2px {border} {stroke}"></span>{html.escape(text)}</span>')


def legend(data: Dataset) -> None:
    """Draw the colours of the dataset's incident types and the marker conventions."""
    _, types = data.type_codes
    chips = " ".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
        f'<span style="width:12px;height:12px;border-radius:6px;background:{type_colour(kind)};display:inline-block;'
        f'margin-right:4px"></span>{html.escape(kind)}</span>'
        for kind in types[:MAX_LEGEND_TYPES]
    )
    more = f" … and {plural(len(types) - MAX_LEGEND_TYPES, 'more type')}" if len(types) > MAX_LEGEND_TYPES else ""
    cluster = ('<span style="display:inline-flex;align-items:center;margin-right:12px">'
               '<span style="min-width:18px;height:18px;border-radius:9px;border:3px solid #7f8c8d;background:#fff;'
               'font-size:10px;text-align:center;line-height:18px;margin-right:4px">12</span>'
               'cluster (click to zoom in; ring: its most frequent type)</span>')
    outlines = " ".join(_outline_chip(*look) for look in SUPPORT_LEGEND)
    if len(data.frame) > POINT_BUDGET:  # only a view of more incidents than markers is clustered, and shaded
        ramp = "".join(f'<span style="display:inline-block;width:10px;height:14px;background:{c}"></span>'
                       for c in DENSITY_COLOURS)
        outlines += (f' <span style="display:inline-flex;align-items:center;margin-right:12px">'
                     f'<span class="sim-density-ramp" style="display:inline-flex;margin-right:4px;opacity:.8">{ramp}</span>'
                     'zoomed out: incidents per square, few to many</span>')
    st.html(f'<div style="font-size:13px;line-height:1.8">{chips}{html.escape(more)} {cluster}</div>'
            f'<div style="font-size:13px;line-height:1.8">{outlines}</div>')
