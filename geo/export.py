"""Export incidents as GeoJSON and CSV: the schema `python -m geo incidents` and the dashboard share."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import geopandas as gpd

# List and mapping columns go into CSV cells as JSON, so nothing is flattened away.
_JSON_COLUMNS = ("places", "place_names", "casualties", "sources", "conflicts")


def _plain(value: Any) -> Any:
    """Return a JSON-safe value (no NaN, no numpy scalars)."""
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_geojson(frame: gpd.GeoDataFrame) -> dict:
    """Return incidents as a GeoJSON FeatureCollection (EPSG:4326, properties as in the catalogue)."""
    features = []
    for row in frame.to_crs("EPSG:4326").itertuples(index=False):
        record = row._asdict()
        geometry = record.pop("geometry")
        features.append({
            "type": "Feature",
            "id": record["id"],
            "geometry": {"type": "Point", "coordinates": [round(geometry.x, 6), round(geometry.y, 6)]},
            "properties": {key: _plain(value) for key, value in record.items()},
        })
    return {"type": "FeatureCollection", "features": features}


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """Return the GeoJSON export as text (UTF-8, non-ASCII kept readable)."""
    return json.dumps(to_geojson(frame), ensure_ascii=False, indent=1)


def csv_text(frame: gpd.GeoDataFrame) -> str:
    """Return incidents as CSV with lat/lon columns; list columns are JSON in their cells."""
    columns = [c for c in frame.columns if c != "geometry"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns, "lat", "lon"])
    for row in frame.to_crs("EPSG:4326").itertuples(index=False):
        record = row._asdict()
        cells = []
        for column in columns:
            value = _plain(record[column])
            if column in _JSON_COLUMNS:
                value = json.dumps(value, ensure_ascii=False)
            cells.append("" if value is None else value)
        writer.writerow([*cells, round(record["geometry"].y, 6), round(record["geometry"].x, 6)])
    return out.getvalue()
