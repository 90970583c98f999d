"""The map's fixed part: base layers, outline layers, place labels, context places and controls, drawn once per session.

st_folium keys its iframe on the base map's JavaScript, so the base map never changes while a
visitor explores: everything that depends on the window, the filters or the viewport travels in the
incidents layer (:mod:`dashboard.map.layer`). It holds no geometry either: the offline outlines
(countries, Kyiv's districts) are one static file, ``static/data/outlines.json`` (built by
``python -m geo outlines``), that the map's frame fetches once; the place labels are files by zoom band and
tile under ``static/data/labels/`` (built by ``python -m geo labels``), of which it fetches those of its view.
"""

from __future__ import annotations

import folium
import orjson
import pandas as pd
import xyzservices.providers as xyz
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.plugins import Fullscreen
from jinja2 import Template

from .assets import STATIC_URL_PREFIX, iter_elements, map_bundle, use_local_assets

OUTLINES_FILE = "data/outlines.json"  # under dashboard/static/: the map fetches it relative to its script
LABELS_INDEX = "data/labels/index.json"  # the place labels' bands and tiles (python -m geo labels)
CONTEXT_PLACE_IDS = ("artem-plant", "lukianivska-metro", "lukianivka", "institute-otolaryngology-kyiv")
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


class Script(MacroElement):
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
    context_layer.add_child(Script("SIM.context({parent}, {data});", places))
    context_layer.add_to(m)
    m.add_child(Script("SIM.outlines({data}, {countries}, {districts});", OUTLINES_FILE,
                        countries=countries, districts=districts))
    m.add_child(Script("SIM.labels({data});", LABELS_INDEX))
    fullscreen = Fullscreen(position="topleft").add_to(m)
    # streamlit-folium loads exactly the map's own lists into its frame. We draw with plain Leaflet and our
    # script, so jQuery, Bootstrap and the icon fonts folium lists by default would only slow the frame.
    bundle = map_bundle()
    if bundle is not None:  # Leaflet, the full-screen control and our script as one file
        m.default_js = [("sim_map_bundle", f"{STATIC_URL_PREFIX}/{bundle}")]
        fullscreen.default_js = []
    else:
        m.default_js = [*(item for item in m.default_js if item[0] == "leaflet"),
                        ("sim_map_js", f"{STATIC_URL_PREFIX}/js/sim-map.js")]
    m.default_css = [*(item for item in m.default_css if item[0] == "leaflet_css"),
                     ("sim_map_css", f"{STATIC_URL_PREFIX}/css/map.css")]
    return stable_ids(use_local_assets(m), "base")
