"""The geocoding layer: gazetteer, geocoder, extraction, imports and the sourced incident catalogue.

Article text goes in; places, dates and incidents with their evidence come out,
as plain objects and as GeoDataFrames in EPSG:4326. Nothing here imports Streamlit.
This module is geo's public face: the dashboard imports from here, never from a submodule.
"""

from .annotate import MENTIONS_FILE, Span, mentions_text, place_mentions, source_spans
from .catalogue import INCIDENT_TYPES, SEEDS_DIR, Catalogue, Incident, Source, load_catalogue
from .export import csv_text, geojson_text
from .frames import (
    INCIDENT_COLUMNS,
    SPARSE_COLUMN,
    districts_frame,
    incidents_frame,
    load_incidents,
    places_frame,
    point_coordinates,
)
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
from .imports.cache import default_dir as import_cache_dir
from .imports.checks import distance_km
from .imports.links import outlet, split_links
from .ingest import ArticleInfo, Candidate, article_text, file_for_review, propose
from .ingest import ingest as find_candidates
from .json_cells import JsonTextArray, non_empty_lists, rows_by_field, rows_holding
from .limits import Limits
from .memory import give_back, no_cycle_collection, use_system_allocator
from .normalize import fold, fold_many
from .outlines import build_outlines, outlines_text
from .places import DATA_DIR, OSM_ATTRIBUTION, Place, load_places
from .problems import DataError, Problem
from .review import ReviewError, load_queue
from .review import accept as accept_candidate
from .review import reject as reject_candidate

# Every Arrow buffer in the C library's heap, beside Python's (why: geo.memory.use_system_allocator).
use_system_allocator()

__all__ = [
    "DATA_DIR",
    "FIELDS",
    "FORMATS",
    "INCIDENT_COLUMNS",
    "INCIDENT_TYPES",
    "LABELS",
    "MAPPED_FORMATS",
    "MENTIONS_FILE",
    "OSM_ATTRIBUTION",
    "SEEDS_DIR",
    "SPARSE_COLUMN",
    "ArticleInfo",
    "Candidate",
    "Catalogue",
    "DataError",
    "Gazetteer",
    "GazetteerGeocoder",
    "ImportOptions",
    "ImportResult",
    "Incident",
    "JsonTextArray",
    "Limits",
    "Place",
    "Problem",
    "Progress",
    "ReviewError",
    "Source",
    "Span",
    "accept_candidate",
    "add_reading_arguments",
    "article_text",
    "build_outlines",
    "csv_text",
    "distance_km",
    "districts_frame",
    "file_for_review",
    "find_candidates",
    "fold",
    "fold_many",
    "geojson_text",
    "give_back",
    "guess_mapping",
    "import_cache_dir",
    "incidents_frame",
    "load_catalogue",
    "load_incidents",
    "load_places",
    "load_queue",
    "mapping_text",
    "mentions_text",
    "no_cycle_collection",
    "non_empty_lists",
    "options_from_arguments",
    "outlet",
    "outlines_text",
    "place_mentions",
    "places_frame",
    "point_coordinates",
    "preview",
    "propose",
    "read_incidents",
    "reject_candidate",
    "rows_by_field",
    "rows_holding",
    "source_spans",
    "split_links",
]
