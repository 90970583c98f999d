"""Export incidents as GeoJSON and CSV: the schema `python -m geo incidents` and the dashboard share.

GeoJSON is written one feature per line inside the FeatureCollection: still one valid
JSON document, but a reviewer reads a change to one incident as a one-line diff, and
:mod:`geo.importers` reads it back line by line with exact line numbers. A feature's rare
properties (kept per row in :data:`geo.frames.SPARSE_COLUMN`) are its own properties again.

CSV is opened in spreadsheets, which run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(…)`` from an imported title would be a live link). Such text cells
get a leading ``'``, the spreadsheets' own mark for "this is text"; numbers do not. The
importer takes the mark off again, so a round trip is exact; the GeoJSON export is never marked.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd

from .frames import SPARSE_COLUMN, point_coordinates

# List and mapping columns go into CSV cells as JSON, so nothing is flattened away.
JSON_COLUMNS = ("places", "place_names", "location_evidence", "casualties", "sources", "conflicts", "flags", SPARSE_COLUMN)
GEOJSON_HEAD = '{"type": "FeatureCollection", "features": ['
# Text a spreadsheet would run as a formula: it starts with = + - @, a tab or a carriage return (after any
# number of the quote marks this module adds, so that marking stays reversible). Plain numbers are safe.
_FORMULA_RE = re.compile(r"^'*[=+\-@\t\r]")
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_MARKED_RE = re.compile(r"^'+[=+\-@\t\r]")


def to_spreadsheet(text: str) -> str:
    """Return text that a spreadsheet shows as text, never runs: formula-like text gets a leading quote mark."""
    if _FORMULA_RE.match(text) and not _NUMBER_RE.match(text):
        return "'" + text
    return text


def from_spreadsheet(text: str) -> str:
    """Return the text :func:`to_spreadsheet` was given (its quote mark taken off; other text unchanged)."""
    return text[1:] if _MARKED_RE.match(text) else text


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
    lon, lat = point_coordinates(frame.geometry)
    xs, ys = np.round(lon, 6).tolist(), np.round(lat, 6).tolist()
    return names, values, xs, ys


def iter_features(frame: gpd.GeoDataFrame) -> Iterator[dict]:
    """Yield each incident as a GeoJSON Feature (EPSG:4326, properties as in the catalogue)."""
    names, values, xs, ys = _columns(frame)
    sparse = values.pop(names.index(SPARSE_COLUMN)) if SPARSE_COLUMN in names else None
    names = [name for name in names if name != SPARSE_COLUMN]
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        properties = {name: column[i] for name, column in zip(names, values, strict=True)}
        if sparse is not None and sparse[i]:
            properties.update(sparse[i])  # the feature's rare properties, as they were in its file
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
    out = io.StringIO()
    write_geojson([frame], out)
    return out.getvalue()


def write_geojson(frames: Iterable[gpd.GeoDataFrame], out: TextIO) -> None:
    """Write frames, one after another, as one GeoJSON export (the same text as geojson_text of them joined)."""
    write_features((iter_features(frame) for frame in frames), out)


def write_features(chunks: Iterable[Iterable[dict]], out: TextIO) -> None:
    """Write chunks of GeoJSON features as one export: the head, one feature per line, the tail."""
    out.write(GEOJSON_HEAD + "\n")
    written = False
    for chunk in chunks:
        lines = [orjson.dumps(feature).decode("utf-8") for feature in chunk]
        if lines:
            out.write((",\n" if written else "") + ",\n".join(lines))
            written = True
    out.write(("\n" if written else "") + "]}")


def _quoted_row(cells: list) -> str:
    """Return one CSV row whose cells may hold a carriage return, which must be quoted like a newline.

    csv quotes only the characters of its own line terminator ("\n" here), so a lone "\r" in a cell
    would be written bare and read back as the end of a line.
    """
    row = io.StringIO()
    csv.writer(row, lineterminator="\r\n").writerow(cells)
    return row.getvalue()[:-2] + "\n"


def csv_text(frame: gpd.GeoDataFrame) -> str:
    """Return incidents as CSV with lat/lon columns; list columns are JSON in their cells; formula-like text is marked."""
    out = io.StringIO()
    write_csv([frame], out)
    return out.getvalue()


def write_csv(frames: Iterable[gpd.GeoDataFrame], out: TextIO) -> None:
    """Write frames of the same columns, one after another, as one CSV export (one header)."""
    for k, frame in enumerate(frames):
        _csv_rows(frame, out, header=k == 0)


def _csv_rows(frame: gpd.GeoDataFrame, out: TextIO, header: bool) -> None:
    names, values, xs, ys = _columns(frame)
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow([*(to_spreadsheet(name) for name in names), "lat", "lon"])
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        cells = []
        for name, column in zip(names, values, strict=True):
            value = column[i]
            if value is None or (name == SPARSE_COLUMN and not value):
                value = ""
            elif name in JSON_COLUMNS or isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, str):
                value = to_spreadsheet(value)
            cells.append(value)
        if any(isinstance(cell, str) and "\r" in cell for cell in cells):
            out.write(_quoted_row([*cells, y, x]))
        else:
            writer.writerow([*cells, y, x])
