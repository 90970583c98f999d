"""The files the benchmarks' textbook folium map loads, from ``benchmarks/static/`` (Streamlit serves no other).

A default folium.Map lists jQuery, Bootstrap, Font Awesome and awesome-markers; FastMarkerCluster adds
MarkerCluster. The dashboard drops all of them (``dashboard/map/basemap.py``); the baseline keeps them, as
the textbook approach does, but loads them offline, like the dashboard.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.map.assets import LEAFLET_DEFAULTS_JS, REMOTE_TO_LOCAL, LocalAssets

_AWESOME = "ajax/libs/Leaflet.awesome-markers/2.0.2"
_CLUSTER = "ajax/libs/leaflet.markercluster/1.1.0"
#: What a default folium.Map, its markers and FastMarkerCluster load, beyond the dashboard's own files.
BASELINE_ASSETS = LocalAssets({
    **REMOTE_TO_LOCAL,
    "jquery-3.7.1.min.js": "vendor/jquery/jquery.min.js",
    "npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "vendor/bootstrap/js/bootstrap.bundle.min.js",
    f"{_AWESOME}/leaflet.awesome-markers.js": "vendor/leaflet-awesome-markers/leaflet.awesome-markers.js",
    "npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "vendor/bootstrap/css/bootstrap.min.css",
    "bootstrap/3.0.0/css/bootstrap-glyphicons.css": "vendor/bootstrap3-glyphicons/css/bootstrap-glyphicons.css",
    "npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": "vendor/fontawesome-free/css/all.min.css",
    f"{_AWESOME}/leaflet.awesome-markers.css": "vendor/leaflet-awesome-markers/leaflet.awesome-markers.css",
    "gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (
        "vendor/folium/leaflet.awesome.rotate.min.css"),
    f"{_CLUSTER}/leaflet.markercluster.js": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    f"{_CLUSTER}/MarkerCluster.css": "vendor/leaflet.markercluster/MarkerCluster.css",
    f"{_CLUSTER}/MarkerCluster.Default.css": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
}, Path(__file__).resolve().parent / "static", icon_defaults_js=LEAFLET_DEFAULTS_JS)

