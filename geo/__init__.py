"""The geocoding layer: gazetteer, geocoder, extraction, imports and the sourced incident catalogue.

Article text goes in; places, dates and incidents with their evidence come out,
as plain objects and as GeoDataFrames in EPSG:4326. Nothing here imports Streamlit.
This module is geo's public face: the dashboard imports from here, never from a submodule.
"""

from .annotate import MENTIONS_FILE, Span, mentions_text, place_mentions, source_spans
from .catalogue import Catalogue, Incident, Source, load_catalogue
from .export import csv_text, geojson_text
from .frames import INCIDENT_COLUMNS, SPARSE_COLUMN, districts_frame, incidents_frame, load_incidents, places_frame
from .gazetteer import Gazetteer, GazetteerGeocoder
from .imports import (
    FIELDS,
    FORMATS,
    LABELS,
    MAPPED_FORMATS,
    ImportOptions,
    ImportResult,
    Progress,
    add_reading_arguments,
    guess_mapping,
    mapping_text,
    options_from_arguments,
    preview,
    read_incidents,
)
from .imports.checks import distance_km
from .imports.links import outlet, split_links
from .limits import Limits
from .normalize import fold, fold_many
from .outlines import build_outlines, outlines_text
from .places import DATA_DIR, OSM_ATTRIBUTION, Place, load_places
from .problems import DataError, Problem

__all__ = [
    "DATA_DIR",
    "FIELDS",
    "FORMATS",
    "INCIDENT_COLUMNS",
    "LABELS",
    "MAPPED_FORMATS",
    "MENTIONS_FILE",
    "OSM_ATTRIBUTION",
    "SPARSE_COLUMN",
    "Catalogue",
    "DataError",
    "Gazetteer",
    "GazetteerGeocoder",
    "ImportOptions",
    "ImportResult",
    "Incident",
    "Limits",
    "Place",
    "Problem",
    "Progress",
    "Source",
    "Span",
    "add_reading_arguments",
    "build_outlines",
    "csv_text",
    "distance_km",
    "districts_frame",
    "fold",
    "fold_many",
    "geojson_text",
    "guess_mapping",
    "incidents_frame",
    "load_catalogue",
    "load_incidents",
    "load_places",
    "mapping_text",
    "mentions_text",
    "options_from_arguments",
    "outlet",
    "outlines_text",
    "place_mentions",
    "places_frame",
    "preview",
    "read_incidents",
    "source_spans",
    "split_links",
]
