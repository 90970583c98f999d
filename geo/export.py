"""Export incidents as GeoJSON and CSV: the schema `python -m geo incidents` and the dashboard share.

GeoJSON is written one feature per line inside the FeatureCollection: still one valid
JSON document, but a reviewer reads a change to one incident as a one-line diff, and
:mod:`geo.importers` reads it back line by line with exact line numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd

# List and mapping columns go into CSV cells as JSON, so nothing is flattened away.
JSON_COLUMNS = ("places", "place_names", "casualties", "sources", "conflicts")
GEOJSON_HEAD = '{"type": "FeatureCollection", "features": ['


def _plain_column(series: pd.Series) -> list[Any]:
    """Return a column as JSON-safe Python values: None for missing, no numpy scalars."""
    if series.dtype == object:
        return [None if (isinstance(v, float) and v != v) or v is pd.NA else v for v in series.tolist()]
    values = series.astype(object).where(series.notna(), None)
    return values.tolist()


def _columns(frame: gpd.GeoDataFrame) -> tuple[list[str], list[list[Any]], list[float], list[float]]:
    frame = frame.to_crs("EPSG:4326")
    names = [c for c in frame.columns if c != frame.geometry.name]
    values = [_plain_column(frame[c]) for c in names]
    xs = frame.geometry.x.round(6).tolist()
    ys = frame.geometry.y.round(6).tolist()
    return names, values, xs, ys


def iter_features(frame: gpd.GeoDataFrame) -> Iterator[dict]:
    """Yield each incident as a GeoJSON Feature (EPSG:4326, properties as in the catalogue)."""
    names, values, xs, ys = _columns(frame)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        properties = {name: column[i] for name, column in zip(names, values, strict=True)}
        yield {
            "type": "Feature",
            "id": properties.get("id"),
            "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": properties,
        }


def to_geojson(frame: gpd.GeoDataFrame) -> dict:
    """Return incidents as a GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(iter_features(frame))}


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """Return the GeoJSON export as text: UTF-8, one feature per line."""
    lines = [orjson.dumps(feature).decode("utf-8") for feature in iter_features(frame)]
    return GEOJSON_HEAD + "\n" + ",\n".join(lines) + ("\n" if lines else "") + "]}"


def csv_text(frame: gpd.GeoDataFrame) -> str:
    """Return incidents as CSV with lat/lon columns; list columns are JSON in their cells."""
    names, values, xs, ys = _columns(frame)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*names, "lat", "lon"])
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        cells = []
        for name, column in zip(names, values, strict=True):
            value = column[i]
            if name in JSON_COLUMNS or isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            cells.append("" if value is None else value)
        writer.writerow([*cells, y, x])
    return out.getvalue()
