"""The folium map: a small base map that never changes, and an incidents layer that carries only data.

st_folium keys its iframe on the base map's JavaScript, so everything that depends on
the time window, the filters or the viewport lives in the feature group passed as
``feature_group_to_add``: swapping it keeps the user's zoom and position.

Both parts are kept small, because Streamlit sends them on every rerun:

- the base map holds no geometry; the offline outlines (countries, Kyiv's districts)
  are one static file that the map's frame fetches once (:mod:`dashboard.outlines`);
- the incidents layer is one call, ``SIM.draw(group, payload)``, whose payload holds the
  markers and clusters of the current view (:mod:`dashboard.viewport`) as JSON.
  ``static/js/sim-map.js`` draws them and builds popups with ``textContent`` (never
  ``innerHTML``), so article text and imported files cannot become markup.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import folium
import numpy as np
import orjson
import pandas as pd
import xyzservices.providers as xyz
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.plugins import Fullscreen
from jinja2 import Template

from .assets import STATIC_URL_PREFIX, iter_elements, use_local_assets
from .dataset import Dataset
from .outlines import OUTLINES_FILE
from .viewport import ViewItems

TYPE_COLOURS = {
    "missile strike": "#c0392b",
    "airstrike": "#e67e22",
    "drone attack": "#8e44ad",
    "attack": "#7f8c8d",
    "shelling": "#d35400",
    "aircraft crash": "#2471a3",
    "police raid": "#16a085",
    "arrest": "#b7950b",
}
# Types no curated colour knows (an import's own vocabulary) get one of these, always the same per type.
SPARE_COLOURS = ("#1abc9c", "#2e86c1", "#a04000", "#6c3483", "#117864", "#b03a2e", "#7d6608", "#1f618d")
CONTEXT_PLACE_IDS = ("artem-plant", "lukianivska-metro", "lukianivka", "institute-otolaryngology-kyiv")
POPUP_FIELDS = (
    "id", "title", "type", "date_label", "time", "place_names", "precision", "radius_m", "weapon",
    "casualties", "corroboration", "conflicts", "coding_note",
)
DETAIL_CHARS = 600  # an imported free column (ACLED's notes…) is cut to this in a popup
DETAIL_COLUMNS = 8

# Online base layers, off until the user picks one. Given as xyzservices providers: a URL string makes folium
# search every provider by name first, which cost a few milliseconds per layer on every rerun.
TILE_LAYERS = (
    ("OpenStreetMap", xyz.OpenStreetMap.Mapnik, None),
    # CARTO's light tiles now want an API key; Esri's light-grey canvas does not.
    ("Light (Esri World Light Gray)", xyz.Esri.WorldGrayCanvas,
     "Tiles © Esri — Esri, HERE, Garmin, © OpenStreetMap contributors, and the GIS User Community"),
    ("Satellite (Esri World Imagery)", xyz.Esri.WorldImagery,
     "Tiles © Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community"),
)


def stable_ids(root: Element, prefix: str) -> Element:
    """Give every element under `root` a deterministic id instead of folium's random one.

    streamlit-folium redraws the incidents layer (closing any open popup) whenever
    its JavaScript differs from the last run's, and random ids make it differ on
    every run. With stable ids, an unchanged view sends an identical layer.
    """
    for index, element in enumerate(iter_elements(root)):
        element._id = f"{prefix}{index}"
    return root


def type_colour(incident_type: str) -> str:
    """Return the marker colour of an incident type (a fixed spare colour for types we do not curate)."""
    if incident_type in TYPE_COLOURS:
        return TYPE_COLOURS[incident_type]
    return SPARE_COLOURS[zlib.crc32(str(incident_type).encode("utf-8")) % len(SPARE_COLOURS)]


def script_json(value: object) -> str:
    """Return `value` as JSON that is safe inside an inline <script> and through streamlit-folium's templating.

    No '<', '>', '&' or line separators (they could end the script or the line). No '_' or '{{' either:
    streamlit-folium renames folium's variables in the script it is given by pattern (``_<element id>``,
    ``{{'name'}}``, the map's own name), and would rewrite a title that happens to contain one. JSON's
    \\u escapes mean the same characters to the browser.
    """
    text = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode("utf-8")
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("_", "\\u005f"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    while "{{" in text:  # '{{' is never JSON's own structure: it can only be inside a string
        text = text.replace("{{", "{\\u007b")
    return text


class _Script(MacroElement):
    """A line of JavaScript run in the map's frame, with an optional JSON argument.

    ``{parent}`` in the code stands for the parent layer's variable, ``{name}`` for the
    variable of the element passed as ``name=``: names are filled in at render time,
    after :func:`stable_ids` has renamed everything. ``{data}`` stands for `data` as JSON,
    put in last, so that text in the data is never taken for a name.
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, code: str, data: object = None, **elements: Element) -> None:
        super().__init__()
        self._name = "Script"
        self._code = code
        self._data = data
        self._elements = elements

    def code(self) -> str:
        """Return the script with the variable names filled in, then the data."""
        code = self._code.replace("{parent}", self._parent.get_name())
        for key, element in self._elements.items():
            code = code.replace("{" + key + "}", element.get_name())
        head, marker, tail = code.partition("{data}")
        return head + script_json(self._data) + tail if marker else code


class OutlineLayer(Layer):
    """An empty GeoJSON layer that SIM.outlines fills from the static outlines file."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.geoJSON(null, {{ this.options|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, name: str, *, overlay: bool, attribution: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=overlay, show=show)
        self._name = "OutlineLayer"
        self.options = {"attribution": attribution, "interactive": overlay}


def base_map(context: pd.DataFrame, center: tuple[float, float], zoom: int) -> folium.Map:
    """Return the map's fixed part: base layers, outline layers, context places, controls."""
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True, max_zoom=18)
    countries = OutlineLayer("Offline outlines (no internet needed)", overlay=False,
                             attribution="Country outlines: Natural Earth")
    countries.add_to(m)
    for name, tiles, attribution in TILE_LAYERS:
        # Past a provider's last zoom level, Leaflet enlarges its tiles instead of asking for missing ones.
        folium.TileLayer(tiles, name=name, attr=attribution, show=False, max_zoom=19,
                         max_native_zoom=tiles.get("max_zoom", 19)).add_to(m)
    districts = OutlineLayer("Kyiv districts (OpenStreetMap, ODbL)", overlay=True,
                             attribution="Kyiv districts © OpenStreetMap contributors, ODbL")
    districts.add_to(m)
    places = [{"name": row.name, "lat": round(row.geometry.y, 6), "lon": round(row.geometry.x, 6)}
              for row in context.itertuples()]
    context_layer = folium.FeatureGroup(name="Context places", show=True)
    context_layer.add_child(_Script("SIM.context({parent}, {data});", places))
    context_layer.add_to(m)
    m.add_child(_Script("SIM.outlines({data}, {countries}, {districts});", OUTLINES_FILE,
                        countries=countries, districts=districts))
    Fullscreen(position="topleft").add_to(m)
    # streamlit-folium loads exactly the map's own lists into its frame. We draw with plain Leaflet and our
    # script, so jQuery, Bootstrap and the icon fonts folium lists by default would only slow the frame.
    m.default_js = [*(item for item in m.default_js if item[0] == "leaflet"),
                    ("sim_map_js", f"{STATIC_URL_PREFIX}/js/sim-map.js")]
    m.default_css = [*(item for item in m.default_css if item[0] == "leaflet_css"),
                     ("sim_map_css", f"{STATIC_URL_PREFIX}/css/map.css")]
    return stable_ids(use_local_assets(m), "base")


def _plain(value: object) -> object:
    """Return a JSON-ready value: None for pandas' missing markers, Python numbers for numpy ones."""
    if isinstance(value, list | tuple | dict):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or value is pd.NA:
        return None
    return value


def _details(row: dict, columns: Sequence[str]) -> dict[str, object]:
    details = {}
    for column in columns[:DETAIL_COLUMNS]:
        value = _plain(row.get(column))
        if value is None or value == "":
            continue
        text = str(value)
        details[column.replace("_", " ")] = text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 1] + "…"
    return details


def point_features(dataset: Dataset, rows: np.ndarray, source_titles: dict[str, str]) -> dict:
    """Return the incidents at the given row positions as a GeoJSON FeatureCollection with popup properties."""
    frame = dataset.frame
    subset = frame.iloc[rows]
    lon, lat = subset.geometry.x.to_numpy(), subset.geometry.y.to_numpy()
    extra = dataset.extra_columns
    records = subset[[*POPUP_FIELDS, "sources", *extra]].to_dict("records")
    features = []
    for record, x, y in zip(records, lon, lat, strict=True):
        props = {name: _plain(record[name]) for name in POPUP_FIELDS}
        props["sources"] = [
            {"source": s["source"], "quote": s.get("quote") or "",
             "title": source_titles.get(s["source"], s["source"]),
             "readable": s["source"] in dataset.readable_sources}
            for s in record["sources"] or ()
        ]
        if extra:
            props["details"] = _details(record, extra)
        features.append({
            "type": "Feature", "id": props["id"],
            "geometry": {"type": "Point", "coordinates": [round(float(x), 6), round(float(y), 6)]},
            "properties": props,
        })
    return {"type": "FeatureCollection", "features": features}


def map_payload(
    dataset: Dataset, items: ViewItems, *, districts: Sequence[str], selected: str | None, shown: int,
    source_titles: dict[str, str],
) -> dict:
    """Return what SIM.draw needs for one view: markers with popups, clusters or stacks, colours, districts.

    Only the types drawn in this view are sent (a dataset can have thousands); a cluster names its
    types by their position in the payload's own list.
    """
    codes, types = dataset.type_codes
    used = sorted({*codes[items.points].tolist(), *(code for found in items.cluster_types for code, _ in found)})
    position = {code: i for i, code in enumerate(used)}
    clusters = []
    for i in range(len(items.cluster_count)):
        cluster = {
            "lat": round(float(items.cluster_lat[i]), 5), "lon": round(float(items.cluster_lon[i]), 5),
            "count": int(items.cluster_count[i]), "bounds": [round(float(b), 5) for b in items.cluster_bounds[i]],
            "types": [[position[code], count] for code, count in items.cluster_types[i]],
        }
        if items.stacks:  # the last zoom: a click lists the stack's incidents (found again by its cell)
            cluster["cell"] = [int(c) for c in items.cluster_cells[i]]
        clusters.append(cluster)
    return {
        "points": point_features(dataset, items.points, source_titles),
        "clusters": clusters,
        "types": [types[code] for code in used],
        "colours": {types[code]: type_colour(types[code]) for code in used},
        "districts": sorted(districts),
        "selected": selected,
        "view": {"points": len(items.points), "clusters": len(clusters), "clustered": items.clustered,
                 "in_box": items.in_box, "shown": shown, "stacks": items.stacks},
    }


def incidents_layer(payload: dict) -> folium.FeatureGroup:
    """Return the layer of incidents in view: one SIM.draw call with the view's payload."""
    group = folium.FeatureGroup(name="Incidents in the window")
    group.add_child(_Script("SIM.draw({parent}, {data});", payload))
    return stable_ids(group, "incidents")


def focus_of(frame: pd.DataFrame) -> tuple[tuple[float, float], int]:
    """Return a centre and zoom that frame the given incidents."""
    if len(frame) == 1:
        point = frame.geometry.iloc[0]
        return focus_of_points(np.array([point.y]), np.array([point.x]), float(frame["radius_m"].iloc[0]))
    return focus_of_points(frame.geometry.y.to_numpy(), frame.geometry.x.to_numpy())


def focus_of_points(lat: np.ndarray, lon: np.ndarray, radius_m: float = 0.0) -> tuple[tuple[float, float], int]:
    """Return a centre and zoom that frame the given points (one point: with its uncertainty radius)."""
    if not len(lat):
        return (48.5, 35.0), 4
    if len(lat) == 1:
        # One incident: show its whole uncertainty, not a street-level view of a city-wide guess.
        point = (float(lat[0]), float(lon[0]))
        for zoom, metres in ((16, 100), (15, 400), (14, 1_500), (12, 5_000), (10, 15_000), (9, 50_000), (6, 300_000)):
            if radius_m <= metres:
                return point, zoom
        return point, 4
    ys, xs = lat, lon
    # The middle 98 % of incidents: one stray import row at the antimeridian should not zoom out the world.
    if len(ys) > 50:
        ys, xs = ys[(ys >= np.quantile(ys, 0.01)) & (ys <= np.quantile(ys, 0.99))], xs[
            (xs >= np.quantile(xs, 0.01)) & (xs <= np.quantile(xs, 0.99))]
    center = (float((ys.min() + ys.max()) / 2), float((xs.min() + xs.max()) / 2))
    extent = max(float(ys.max() - ys.min()), float(xs.max() - xs.min()))
    for zoom, degrees in ((15, 0.01), (13, 0.05), (11, 0.2), (9, 1), (7, 4), (5, 15), (4, 30)):
        if extent <= degrees:
            return center, zoom
    return center, 3
