"""A read file kept as Parquet, so that a server started again does not parse it again (issue 15).

The key is the SHA-256 of everything the result depends on: the file's bytes and name, how it is read (format,
mapping, date order, duplicates, caps), the day (plausibility flags look at today's date) and the importer's own
source code, so that a change to any of them reads the file afresh. A cached result is the same result: the
frame column by column (values, types and order), the problems, the counts, the mapping. What Parquet cannot
hold as it is (a column of lists, mappings or mixed values) is kept as JSON text per cell and read back with
orjson; a frame with a value JSON cannot carry exactly (NaN in a column of mixed values, a huge integer) is not
cached at all, never cached approximately.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from ..frames import point_coordinates
from ..json_cells import JsonTextArray, JsonTextDtype, as_values, cell_text
from ..memory import give_back
from ..problems import Problem

CACHE_ENV = "SIM_CACHE_DIR"
FORMAT_VERSION = 1  # of the files written here


KEPT = 8  # results kept; older ones are deleted when a new one is written


def default_dir() -> Path | None:
    """Return where read files are kept: $SIM_CACHE_DIR ("off": nowhere), else the user's cache folder."""
    value = os.environ.get(CACHE_ENV)
    if value == "off":
        return None
    return Path(value) if value else Path.home() / ".cache" / "sourced-incident-map" / "imports"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """Return a digest of the importer's source (geo/): a cached result of older code is never used."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


DIGEST_BLOCK = 16 * 2**20  # bytes hashed at a time


def digest_of(source: bytes | Path) -> str:
    """Return the SHA-256 of bytes, or of a file's bytes read in blocks (a large file is never held whole).

    The blocks are large: taken beside a parse (on another core), each block's return for the GIL made the
    parse wait its turn, and hashlib.file_digest's quarter-megabyte blocks slowed a million-row read by 3 s.
    """
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest, block = hashlib.sha256(), bytearray(DIGEST_BLOCK)
    view = memoryview(block)
    with source.open("rb", buffering=0) as file:
        while read := file.readinto(block):
            digest.update(view[:read])
    return digest.hexdigest()


def key_of(digest: str, file: str, how: Any, today: date | None = None, size: int | None = None) -> str:
    """Return the cache key of reading bytes of this digest (named `file`) in the way `how` describes.

    With the bytes' `size`, the key starts with it: :func:`may_hold` then tells a file of a size never kept
    without reading it for its digest.
    """
    parts = [FORMAT_VERSION, _code_digest(), digest, file, repr(how), (today or date.today()).isoformat()]
    key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return key if size is None else f"{size}-{key}"


def may_hold(folder: Path, size: int) -> bool:
    """Return whether a result of a file of `size` bytes may be kept in `folder` (False: it is certainly not)."""
    return any(folder.glob(f"{size}-*.json"))


def load(folder: Path, key: str, json_text: bool = False):
    """Return the cached ImportResult of a key, or None (absent, unreadable or of another version).

    With `json_text`, the columns of lists and mappings stay JSON text (:class:`~geo.json_cells.JsonTextArray`),
    read into values only where a row or a column is read: a million rows load in a third of the time and
    memory.
    """
    from .checks import ImportResult

    table_path, meta_path = folder / f"{key}.parquet", folder / f"{key}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("version") != FORMAT_VERSION:
            return None
        texts = pq.read_table(table_path, columns=meta["json_columns"])
        frame = pd.read_parquet(table_path, columns=[c for c in pq.read_schema(table_path).names
                                                     if c not in meta["json_columns"]])
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None
    for column in meta["json_columns"]:
        frame[column] = pd.Series(JsonTextArray(texts.column(column)), index=frame.index)
    if not json_text:
        as_values(frame)
    lon, lat = frame.pop("__lon"), frame.pop("__lat")
    frame = frame[meta["columns"]]  # no copy: pandas' copy-on-write keeps a selection apart from what it came from
    # What Parquet's decoding freed (malloc keeps it for its own reuse: a million ACLED rows, 110 MB held after the
    # load, a restarted server's peak) goes back before the points take pages of their own.
    give_back()
    frame[meta["geometry"]] = gpd.points_from_xy(lon, lat)
    frame = gpd.GeoDataFrame(frame[meta["order"]], geometry=meta["geometry"], crs=meta["crs"], copy=False)
    result = meta["result"]
    result["problems"] = [Problem(**p) for p in result["problems"]]
    return ImportResult(frame=frame, **result)


def save(folder: Path, key: str, result) -> bool:
    """Keep an ImportResult under its key; return False (and keep nothing) when it cannot be kept exactly."""
    frame = result.frame
    geometry = frame.geometry
    # Type ids, not geom_type's names: a million Python strings to check a column of points.
    if len(frame) and not (shapely.get_type_id(geometry.array) == shapely.GeometryType.POINT).all():
        return False
    # The frame's own columns, not a copy of them (frame.drop copied a million rows' columns of Python values).
    plain = pd.DataFrame({column: frame[column] for column in frame.columns if column != geometry.name}, copy=False)
    json_columns = []
    # Kept as text already: written as it is, from Arrow to Parquet (through Python strings, a million rows' lists
    # took seconds of a server's GIL beside its first visitors' pages).
    texts = {column: plain.pop(column).array.text for column in list(plain.columns)
             if isinstance(plain[column].dtype, JsonTextDtype)}
    json_columns.extend(texts)
    for column in plain.columns:
        if plain[column].dtype != object:
            continue
        values = plain[column].tolist()
        if all(v is None or type(v) is str for v in values):
            continue
        try:
            encoded = [cell_text(value) for value in values]
        except ValueError:
            return False
        plain[column] = pd.Series(encoded, index=plain.index, dtype=object)
        json_columns.append(column)
    # The server keeps a copy beside its first visitors' pages, at its peak: what each step freed (malloc keeps a
    # million-row column's freed pages for its own reuse) is given back before the next takes more.
    give_back()
    plain["__lon"], plain["__lat"] = point_coordinates(geometry)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "frame"}
    fields["problems"] = [dataclasses.asdict(p) for p in result.problems]
    meta = {"version": FORMAT_VERSION, "columns": [c for c in frame.columns if c != frame.geometry.name],
            "order": list(frame.columns), "geometry": frame.geometry.name,
            "json_columns": json_columns, "crs": frame.crs.to_string() if frame.crs else None, "result": fields}
    folder.mkdir(parents=True, exist_ok=True)
    # Written beside, then renamed: a server stopped half-way never leaves half a file under the key.
    with tempfile.TemporaryDirectory(dir=folder) as work:
        table = pa.Table.from_pandas(plain, preserve_index=True)
        del plain
        for column, text in texts.items():
            table = table.append_column(column, text)
        give_back()  # what the conversion freed, before the writer takes pages of its own
        pq.write_table(table, Path(work) / "table.parquet")
        (Path(work) / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.replace(Path(work) / "table.parquet", folder / f"{key}.parquet")
        os.replace(Path(work) / "meta.json", folder / f"{key}.json")
    _forget_old(folder)
    return True


def _forget_old(folder: Path) -> None:
    """Delete all but the KEPT most recently written results (a result of an edited file is never used again)."""
    kept = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for meta in kept[KEPT:]:
        meta.with_suffix(".parquet").unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
