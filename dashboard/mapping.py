"""The folium map: a base map that never changes, and an incidents layer that follows the window.

st_folium keys its iframe on the base map's JavaScript, so everything that depends
on the time window or the filters lives in the feature group passed as
``feature_group_to_add``: swapping it keeps the user's zoom and position.

Popups are built in the browser from each feature's properties with
``textContent`` (never ``innerHTML``), so article text cannot become markup.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element
from folium.plugins import Fullscreen
from folium.utilities import JsCode

from .assets import STATIC_URL_PREFIX, iter_elements, use_local_assets

TYPE_COLOURS = {
    "missile strike": "#c0392b",
    "airstrike": "#e67e22",
    "drone attack": "#8e44ad",
    "attack": "#7f8c8d",
    "aircraft crash": "#2471a3",
    "police raid": "#16a085",
    "arrest": "#b7950b",
}
FALLBACK_COLOUR = "#34495e"
# Places whose point is only a rough guess get their uncertainty drawn.
IMPRECISE = ("neighbourhood", "district", "city", "region", "country")
CONTEXT_PLACE_IDS = ("artem-plant", "lukianivska-metro", "lukianivka", "institute-otolaryngology-kyiv")
POPUP_FIELDS = (
    "id", "title", "type", "date_label", "time", "place_names", "precision", "radius_m", "weapon",
    "casualties", "corroboration", "conflicts", "sources", "coding_note",
)

TILE_LAYERS = (
    ("OpenStreetMap", "OpenStreetMap", None),
    # CARTO's light tiles now want an API key; Esri's light-grey canvas does not.
    (
        "Light (Esri World Light Gray)",
        "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
        "Tiles © Esri — Esri, HERE, Garmin, © OpenStreetMap contributors, and the GIS User Community",
    ),
    (
        "Satellite (Esri World Imagery)",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Tiles © Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community",
    ),
)

_POPUP_JS = Path(__file__).with_name("static").joinpath("js", "incident-popup.js")


def stable_ids(root: Element, prefix: str) -> Element:
    """Give every element under `root` a deterministic id instead of folium's random one.

    streamlit-folium redraws the incidents layer (closing any open popup) whenever
    its JavaScript differs from the last run's, and random ids make it differ on
    every run. With stable ids, an unchanged window sends an identical layer.
    """
    for index, element in enumerate(iter_elements(root)):
        element._id = f"{prefix}{index}"
    return root


def type_colour(incident_type: str) -> str:
    """Return the marker colour of an incident type."""
    return TYPE_COLOURS.get(incident_type, FALLBACK_COLOUR)


def base_map(
    districts: gpd.GeoDataFrame, context: gpd.GeoDataFrame, countries: dict | None, center: tuple[float, float],
    zoom: int,
) -> folium.Map:
    """Return the map's fixed part: base layers, country outlines, Kyiv's districts, context places."""
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True, max_zoom=18)
    offline = folium.FeatureGroup(name="Offline outlines (no internet needed)", overlay=False, show=True)
    if countries:
        folium.GeoJson(
            countries,
            style_function=lambda _: {"color": "#8a9aa9", "weight": 1, "fillColor": "#f4f1ea", "fillOpacity": 1},
            interactive=False,
        ).add_to(offline)
    offline.add_to(m)
    for name, tiles, attribution in TILE_LAYERS:
        folium.TileLayer(tiles, name=name, attr=attribution, show=False, max_zoom=19).add_to(m)
    folium.GeoJson(
        json.loads(districts[["id", "name", "geometry"]].to_json()),
        name="Kyiv districts (OpenStreetMap, ODbL)",
        style_function=lambda _: {"color": "#5d6d7e", "weight": 1, "fillOpacity": 0.03, "dashArray": "3 3"},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        attribution="Kyiv districts © OpenStreetMap contributors, ODbL",
    ).add_to(m)
    context_layer = folium.FeatureGroup(name="Context places", show=True)
    for row in context.itertuples():
        folium.CircleMarker(
            (row.geometry.y, row.geometry.x), radius=4, color="#2c3e50", weight=1, fill=True,
            fill_color="#ffffff", fill_opacity=1, tooltip=row.name,
        ).add_to(context_layer)
    context_layer.add_to(m)
    Fullscreen(position="topleft").add_to(m)
    # Appended to the map's own stylesheet list: streamlit-folium loads exactly those into its frame.
    m.default_css = [*m.default_css, ("sim_map_css", f"{STATIC_URL_PREFIX}/css/map.css")]
    return stable_ids(use_local_assets(m), "base")


def _json_safe(value: object) -> object:
    """Return None for a missing value: the frame holds NaN, which is not JSON and shows as 'NaN' in popups."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _json_value(value: object) -> object:
    """Return the value with pandas' missing markers (NaN, NA) turned into None."""
    if isinstance(value, list | dict | tuple):
        return value
    return None if pd.isna(value) else value


def _feature_collection(frame: pd.DataFrame, fields: tuple[str, ...]) -> dict:
    """Return points as a GeoJSON dict with only the given properties (keeps the page small)."""
    features = []
    for row in frame.itertuples(index=False):
        props = {name: _json_safe(getattr(row, name)) for name in fields}
        features.append({
            "type": "Feature",
            "id": row.id,
            "geometry": {"type": "Point", "coordinates": [round(row.geometry.x, 6), round(row.geometry.y, 6)]},
            "properties": props,
        })
    return {"type": "FeatureCollection", "features": features}


def incidents_layer(
    incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, source_titles: dict[str, str]
) -> folium.FeatureGroup:
    """Return the layer of incidents in view: markers, uncertainty circles and the districts they name."""
    group = folium.FeatureGroup(name="Incidents in the window")
    named = {p for places in incidents["places"] for p in places}
    hit_districts = districts[districts["id"].isin(named)]
    if len(hit_districts):
        folium.GeoJson(
            json.loads(hit_districts[["id", "name", "geometry"]].to_json()),
            style_function=lambda _: {"color": "#d35400", "weight": 2, "fillColor": "#e67e22", "fillOpacity": 0.25},
            interactive=False,
        ).add_to(group)
    imprecise = incidents[incidents["precision"].isin(IMPRECISE)]
    if len(imprecise):
        folium.GeoJson(
            _feature_collection(imprecise, ("id", "type", "radius_m")),
            marker=folium.Circle(fill=True),
            style_function=lambda f: {
                "radius": f["properties"]["radius_m"], "color": type_colour(f["properties"]["type"]), "weight": 1,
                "fillOpacity": 0.07, "dashArray": "4 4", "interactive": False,
            },
        ).add_to(group)
    if len(incidents):
        data = _feature_collection(incidents, POPUP_FIELDS)
        for feature in data["features"]:
            for item in feature["properties"]["sources"]:
                item["title"] = source_titles.get(item["source"], item["source"])
        folium.GeoJson(
            data,
            marker=folium.CircleMarker(radius=9, fill=True),
            style_function=lambda f: {
                "radius": 9, "fillColor": type_colour(f["properties"]["type"]), "fillOpacity": 0.95,
                "color": "#ffffff" if f["properties"]["corroboration"] > 1 else "#1b2631", "weight": 2,
                "dashArray": None if f["properties"]["corroboration"] > 1 else "3 2",
            },
            on_each_feature=JsCode(_POPUP_JS.read_text(encoding="utf-8")),
        ).add_to(group)
    return stable_ids(use_local_assets(group), "incidents")


def focus_of(incidents: pd.DataFrame) -> tuple[tuple[float, float], int]:
    """Return a centre and zoom that frame the given incidents."""
    if not len(incidents):
        return (48.5, 35.0), 4
    if len(incidents) == 1:
        # One incident: show its whole uncertainty, not a street-level view of a city-wide guess.
        point, radius = incidents.geometry.iloc[0], float(incidents["radius_m"].iloc[0])
        for zoom, metres in ((16, 100), (15, 400), (14, 1_500), (12, 5_000), (10, 15_000), (9, 50_000), (6, 300_000)):
            if radius <= metres:
                return (float(point.y), float(point.x)), zoom
        return (float(point.y), float(point.x)), 4
    ys, xs = incidents.geometry.y, incidents.geometry.x
    center = (float((ys.min() + ys.max()) / 2), float((xs.min() + xs.max()) / 2))
    extent = max(float(ys.max() - ys.min()), float(xs.max() - xs.min()))
    for zoom, degrees in ((15, 0.01), (13, 0.05), (11, 0.2), (9, 1), (7, 4), (5, 15), (4, 30)):
        if extent <= degrees:
            return center, zoom
    return center, 3
