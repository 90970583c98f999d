"""GeoDataFrames of incidents, places and districts: what the dashboard draws.

One row per incident, located at its first (most specific) place, in EPSG:4326.
List-valued columns (places, sources, conflicts) hold plain Python lists so that
the GeoJSON export carries them as JSON arrays.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry import Point

from .catalogue import SEEDS_DIR, Catalogue, Incident, load_catalogue
from .places import DATA_DIR, Place

CRS = "EPSG:4326"
SPARSE_COLUMN = "other_properties"  # per row: the properties too rare to be a column of their own
INCIDENT_COLUMNS = (
    "id", "title", "description", "type", "date_start", "date_end", "date_precision", "date_label", "time", "timezone",
    "places", "place_names", "precision", "radius_m", "location_evidence", "weapon", "casualties", "sources",
    "corroboration", "conflicts", "coding_note", "graphic", "flags",
)
# description: the entry's own text, verbatim, when its format carries one (an import's notes);
# location_evidence: links that prove where it happened (a geolocation); graphic: its text and media are
# shown only on request; flags: the plausibility warnings its row raised on import (far from the rest…).


def point_coordinates(geometry: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Return points' longitudes and latitudes (NaN where a geometry is missing or empty), as geopandas' .x and .y do.

    Read by shapely in one call each: geopandas' .x and .y first name every geometry's type as a Python string to
    check it is a point (a million points: 0.2 s, against 0.04). Anything but points is refused, as there.
    """
    array = geometry.array
    kinds = shapely.get_type_id(array)
    if not ((kinds == shapely.GeometryType.POINT) | (kinds == shapely.GeometryType.MISSING)).all():
        raise ValueError("x and y are only defined for points")
    empty = shapely.is_empty(array)
    if not empty.any():
        return shapely.get_x(array), shapely.get_y(array)
    lon, lat = np.full(len(array), np.nan), np.full(len(array), np.nan)  # an empty point has no coordinates
    lon[~empty], lat[~empty] = shapely.get_x(array[~empty]), shapely.get_y(array[~empty])
    return lon, lat


def text_array(values: pa.Array | pa.ChunkedArray | pd.api.extensions.ExtensionArray) -> pd.api.extensions.ExtensionArray:
    """Return Arrow text as pandas' text, or as a category when its distinct values and codes take half its bytes.

    A million ACLED rows name a few dozen event types and a few thousand days and outlet lists: held as categories,
    their text took 475 MB less (issue 15). Only the storage differs: every cell reads back as the same str, or as
    missing. The categories are sorted, so that a sort by the column is the sort of its text.
    """
    arrow = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    dictionary, indices = _encoded(arrow)
    distinct = len(dictionary)
    code_bytes = 1 if distinct < 2**7 else 2 if distinct < 2**15 else 4  # pandas' codes: the smallest signed type
    # Measured by the values' own bytes (and 4 per offset), whichever width of offsets either reader gave them.
    plain = (pc.sum(pc.binary_length(arrow)).as_py() or 0) + 4 * len(arrow)
    coded = (pc.sum(pc.binary_length(dictionary)).as_py() or 0) + 4 * distinct + code_bytes * len(arrow)
    if 2 * coded > plain:
        return pd.array(arrow, dtype="str")
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(distinct + 1, dtype=np.int64)
    rank[order], rank[distinct] = np.arange(distinct), -1  # a null's code (filled as `distinct`) is -1
    codes = rank[indices.fill_null(distinct).to_numpy()]
    categories = pd.Index(pd.array(dictionary.take(order), dtype="str"))
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


def _encoded(arrow: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array | pa.ChunkedArray]:
    """Return Arrow text's distinct values and each cell's index among them (null where the cell is missing).

    A column in several runs is encoded as it is: joined into one first, a million rows' notes were copied whole
    (100 MB) for a code of each cell. Arrow gives every run the one dictionary of the whole column; should a run come
    with another, the runs are joined and encoded again.
    """
    encoded = arrow.dictionary_encode()
    if isinstance(encoded, pa.Array):
        return encoded.dictionary, encoded.indices
    if encoded.num_chunks == 0:
        return pa.array([], arrow.type), pa.array([], pa.int32())
    if not one_dictionary(encoded):
        return _encoded(arrow.combine_chunks())
    return encoded.chunk(0).dictionary, pa.chunked_array([chunk.indices for chunk in encoded.chunks],
                                                         encoded.type.index_type)


def one_dictionary(encoded: pa.ChunkedArray) -> bool:
    """Return whether every run of a dictionary-encoded column holds the very same dictionary (the same buffers)."""
    def where(chunk: pa.DictionaryArray) -> list[int | None]:
        return [buffer.address if buffer is not None else None for buffer in chunk.dictionary.buffers()]

    first = where(encoded.chunk(0))
    return all(where(chunk) == first for chunk in encoded.chunks)


def _casualties(incident: Incident) -> list[str]:
    """Return each distinct casualty statement, with its scope and source."""
    statements = []
    for e in incident.evidence:
        parts = [f"{e.claims[k]} {k}" for k in ("killed", "injured") if k in e.claims]
        if "aboard" in e.claims:
            parts.append(f"{e.claims['aboard']} aboard")
        if parts:
            scope = f" ({e.claims['casualties_scope']})" if e.claims.get("casualties_scope") else ""
            statements.append(f"{', '.join(parts)}{scope} [{e.source}]")
    return list(dict.fromkeys(statements))


def incident_record(incident: Incident, places: dict[str, Place]) -> dict:
    """Return one incident as a flat record with its geometry."""
    primary = places[incident.places[0]]
    times = incident.claimed("time")
    zones = incident.claimed("timezone")
    return {
        "id": incident.id,
        "title": incident.title,
        "description": None,
        "type": incident.type,
        "date_start": incident.date.start.isoformat(),
        "date_end": incident.date.end.isoformat(),
        "date_precision": incident.date.precision,
        "date_label": incident.date.label(),
        "time": " / ".join(map(str, times)) or None,
        "timezone": " / ".join(map(str, zones)) or None,
        "places": list(incident.places),
        "place_names": [places[p].name for p in incident.places],
        "precision": primary.precision,
        "radius_m": primary.radius_m,
        "location_evidence": [],
        "weapon": " / ".join(map(str, incident.claimed("weapon"))) or None,
        "casualties": _casualties(incident),
        "sources": [{"source": e.source, "quote": e.quote} for e in incident.evidence],
        "corroboration": incident.corroboration,
        "conflicts": [c.to_dict() for c in incident.conflicts],
        "coding_note": incident.coding_note,
        "graphic": False,
        "flags": [],
        "geometry": Point(primary.lon, primary.lat),
    }


def incidents_frame(catalogue: Catalogue) -> gpd.GeoDataFrame:
    """Return the catalogue's valid incidents as a GeoDataFrame; problems ride along in .attrs."""
    records = [incident_record(i, catalogue.places) for i in catalogue.incidents]
    frame = gpd.GeoDataFrame(records, columns=[*INCIDENT_COLUMNS, "geometry"], geometry="geometry", crs=CRS)
    frame.attrs["problems"] = [str(p) for p in catalogue.problems]
    frame.attrs["rejected"] = list(catalogue.rejected)
    return frame


def places_frame(places: dict[str, Place] | list[Place]) -> gpd.GeoDataFrame:
    """Return places as points with precision, radius and reference (districts included)."""
    items = list(places.values()) if isinstance(places, dict) else list(places)
    records = [
        {
            "id": p.id, "name": p.name, "kind": p.kind, "precision": p.precision, "radius_m": p.radius_m,
            "country": p.country, "parent": p.parent, "reference": p.reference, "note": p.note,
            "geometry": Point(p.lon, p.lat),
        }
        for p in items
    ]
    return gpd.GeoDataFrame(records, geometry="geometry", crs=CRS)


def districts_frame(places: dict[str, Place] | list[Place]) -> gpd.GeoDataFrame:
    """Return the places that have a boundary (Kyiv's districts) as polygons."""
    items = list(places.values()) if isinstance(places, dict) else list(places)
    records = [
        {"id": p.id, "name": p.name, "reference": p.reference, "geometry": p.geometry}
        for p in items
        if p.geometry is not None
    ]
    return gpd.GeoDataFrame(records, geometry="geometry", crs=CRS)


def load_incidents(data_dir: Path = DATA_DIR, seeds_dir: Path = SEEDS_DIR) -> gpd.GeoDataFrame:
    """Load the bundled catalogue as a GeoDataFrame in EPSG:4326, one row per valid incident."""
    return incidents_frame(load_catalogue(data_dir, seeds_dir))
