"""The geocoding layer: gazetteer, geocoder, extraction and the sourced incident catalogue.

Article text goes in; places, dates and incidents with their evidence come out,
as plain objects and as GeoDataFrames in EPSG:4326. Nothing here imports Streamlit.
"""

from .catalogue import Catalogue, Incident, Source, load_catalogue
from .frames import districts_frame, incidents_frame, load_incidents, places_frame
from .gazetteer import Gazetteer, GazetteerGeocoder
from .places import Place, load_places

__all__ = [
    "Catalogue",
    "Gazetteer",
    "GazetteerGeocoder",
    "Incident",
    "Place",
    "Source",
    "districts_frame",
    "incidents_frame",
    "load_catalogue",
    "load_incidents",
    "load_places",
    "places_frame",
]
