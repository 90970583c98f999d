"""Read incident datasets from the formats analysts already have, into the export's schema.

Four formats, told apart by extension and header:

* ``geojson``: a FeatureCollection of Points in the schema ``python -m geo incidents`` writes
  (so the export round-trips); other properties are kept as extra columns.
* ``export-csv``: the CSV ``python -m geo incidents --format csv`` writes (list cells are JSON).
* ``acled``: an ACLED export (event_id_cnty, event_date, time_precision, event_type, …), dates
  in both "15 April 2022" and ISO style. ACLED's precision codes map onto ours:
  time_precision 1 → the day, 2 → the week (seven days centred on event_date), 3 → the month;
  geo_precision 1 → town (±5 km), 2 → part of a region (±25 km), 3 → a region (±100 km).
* ``csv``: any CSV with latitude, longitude and date columns (common names accepted); every
  other column is kept as it is.

A row that cannot be used (no coordinates, out of range or swapped, (0, 0), an unparseable or
impossible date, a duplicate id…) is rejected with a :class:`~geo.problems.Problem` naming the
file, the line (CSV, and GeoJSON written one feature per line) or the feature number, and the
entry id; the rest load. Callers rely on ``len(result.frame) + len(result.rejected) == result.rows``.
A file that cannot be read at all raises :class:`~geo.problems.DataError`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd

from .csvrows import csv_records
from .dates import DateInterval
from .export import from_spreadsheet
from .frames import CRS, INCIDENT_COLUMNS, SPARSE_COLUMN
from .limits import Limits
from .problems import DataError, Problem, display_path

Progress = Callable[[float, str], None]
FORMATS = ("geojson", "export-csv", "acled", "csv")
DATE_PRECISIONS = ("day", "week", "month", "year", "range")

ACLED_TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
ACLED_GEO_PRECISION = {"1": ("city", 5_000.0), "2": ("district", 25_000.0), "3": ("region", 100_000.0)}
ACLED_REQUIRED = ("event_id_cnty", "event_date", "latitude", "longitude")
# ACLED writes "15 April 2022"; its API and some tools write ISO or day-first numbers.
DAY_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d/%m/%Y")

# Plain CSV: the first header (lower-cased) found in each list.
LAT_NAMES = ("latitude", "lat", "y")
LON_NAMES = ("longitude", "lon", "lng", "long", "x")
DATE_NAMES = ("date", "event_date", "date_start", "start_date", "day")

LIST_COLUMNS = ("places", "place_names", "casualties", "sources", "conflicts")
# Read from a file but not kept as such: the schema derives them, or they say where the point is.
_DERIVED = ("date_label", "corroboration", "date_end", "end_date", "date_precision", "name", "event_type")
# A property of a GeoJSON file becomes a column when at least one feature in SPARSE_SHARE carries it (or the
# schema reads it); rarer ones stay in each feature's own mapping, so a table costs at most SPARSE_SHARE
# cells per property value in the file.
SPARSE_SHARE = 32
_SCHEMA_NAMES = frozenset((*INCIDENT_COLUMNS, *_DERIVED, *LAT_NAMES, *LON_NAMES, *DATE_NAMES, "lat", "lon"))
# Names the export writes itself: a free column of that name is kept under another name (see _free_name).
_RESERVED = ("lat", "lon", "geometry", SPARSE_COLUMN)
_BOM = b"\xef\xbb\xbf"
_PROGRESS_EVERY = 10_000
# The collection header of a GeoJSON written one feature per line (as `python -m geo incidents` does).
_LINE_PER_FEATURE_HEAD = re.compile(rb'^\s*\{\s*"type"\s*:\s*"FeatureCollection"\s*,\s*"features"\s*:\s*\[\s*$')


@dataclass
class ImportResult:
    """What a dataset file gave: the usable incidents, and every row that was not usable and why."""

    frame: gpd.GeoDataFrame
    problems: list[Problem]
    rejected: list[str]
    rows: int
    format: str
    file: str
    extra_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return 'N of M rows loaded, K rejected' for messages."""
        return f"{len(self.frame):,} of {self.rows:,} rows loaded, {len(self.rejected):,} rejected"


@dataclass
class _Table:
    """Rows as read (raw values, object dtype), where each one is in the file, and what could not be read."""

    values: pd.DataFrame
    where: list[str]  # "line 12" or "feature 3"
    lines: list[int | None]
    errors: dict[int, str] = field(default_factory=dict)  # rows that could not be read at all, and why
    points: tuple[list[Any], list[Any]] | None = None  # GeoJSON: each feature's longitude and latitude
    sparse: list[dict | None] | None = None  # GeoJSON: per feature, the properties too rare to be columns
    notices: list[Problem] = field(default_factory=list)  # about the file as a whole (a column renamed…)


def _noop(_fraction: float, _message: str) -> None:
    return None


def detect_format(name: str, head: bytes) -> str:
    """Return the format of a dataset from its file name and its first line."""
    head = head.removeprefix(_BOM)
    if Path(name).suffix.lower() in (".geojson", ".json") or head.lstrip()[:1] == b"{":
        return "geojson"
    first = head.decode("utf-8", "replace").splitlines()[:1] or [""]
    header = {h.strip().lower() for h in next(csv.reader(first), [])}
    if {"event_id_cnty", "event_date"} <= header:
        return "acled"
    if {"id", "date_start", "date_end", "sources", "lat", "lon"} <= header:
        return "export-csv"
    return "csv"


def read_incidents(
    source: str | Path | bytes, name: str | None = None, *, format: str | None = None, progress: Progress | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Read a dataset (a path, or bytes with their file name) into the incidents schema, within `limits`.

    `limits` defaults to :meth:`Limits.from_env` (the SIM_MAX_* settings).
    """
    progress = progress or _noop
    limits = limits or Limits.from_env()
    if isinstance(source, bytes):
        raw, file = source, name or "upload"
    else:
        path = Path(source)
        file = name or display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError([Problem(file, None, None, f"cannot read file: {exc.strerror or exc}")]) from None
        except MemoryError:
            raise DataError([_out_of_memory(file, path.stat().st_size)]) from None
    kind = format or detect_format(file, raw[:4096])
    if kind not in FORMATS:
        raise DataError([Problem(file, None, None, f"unknown format {kind!r} (known: {', '.join(FORMATS)})")])
    try:
        progress(0.0, f"Reading {file}")
        table = _geojson_table(raw, file, progress, limits) if kind == "geojson" else _csv_table(raw, file, kind, progress,
                                                                                                    limits)
        progress(0.8, f"Checking {len(table.where):,} rows")
        result = _finish(table, file, kind, limits)
    except MemoryError:
        raise DataError([_out_of_memory(file, len(raw))]) from None
    progress(1.0, result.summary())
    return result


def _out_of_memory(file: str, size: int) -> Problem:
    return Problem(file, None, None, f"not enough memory to read this file ({size / 1e6:,.1f} MB); "
                   "split it, or lower the caps (SIM_MAX_ROWS, SIM_MAX_COLUMNS) so that it is refused early")


def _too_long(limits: Limits, name: str, value: str) -> str:
    return (f"the cell in column {name!r} has {len(value):,} characters, over the cap of {limits.cell_chars:,} "
            f"({limits.how_to_raise('cell_chars')})")


# ---- GeoJSON ------------------------------------------------------------------------------------


def _json_error(file: str, exc: orjson.JSONDecodeError, line_offset: int = 0) -> Problem:
    message = str(exc.msg if hasattr(exc, "msg") else exc)
    if "utf-8" in message.lower() or "surrogates" in message.lower():
        message = "not UTF-8 text; save the file as UTF-8"
    else:
        message = f"JSON syntax error: {message} (column {exc.colno})"
    return Problem(file, exc.lineno + line_offset, None, message)


class _Features:
    """Features gathered property by property, so that reading costs what the file holds.

    A table of features × distinct property names would be quadratic: a file in which each feature
    carries a name of its own (1 MB, 8,000 features) would fill 64 million cells. Here every property
    is kept with the row it belongs to; a property that enough features carry becomes a column, and
    the rare ones stay in one mapping per feature (:data:`geo.frames.SPARSE_COLUMN`).
    """

    def __init__(self, file: str, limits: Limits) -> None:
        self.file, self.limits = file, limits
        self.properties: dict[str, tuple[list[int], list[Any]]] = {}
        self.lon: list[Any] = []
        self.lat: list[Any] = []
        self.errors: dict[int, str] = {}
        self.where: list[str] = []
        self.lines: list[int | None] = []

    def add(self, feature: Any, line: int | None, error: str | None = None) -> None:
        """Add one feature (or, with `error`, a feature that could not be read)."""
        row = len(self.where)
        where = f"feature {row + 1}"
        if row >= self.limits.rows:
            raise DataError([Problem(self.file, line, None, f"{where}: {self.limits.cap_message('rows', 'features')}")])
        self.where.append(where)
        self.lines.append(line)
        lon = lat = None
        if error is None and not isinstance(feature, dict):
            error = "feature is not a JSON object"
        if error is None:
            props = feature.get("properties")
            props = props if isinstance(props, dict) else {}
            if props.get("id") is None and feature.get("id") is not None:
                props = {**props, "id": feature["id"]}
            geometry = feature.get("geometry")
            coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
            if isinstance(coords, list) and len(coords) >= 2:
                lon, lat = coords[0], coords[1]
            else:
                error = "geometry is not a GeoJSON Point with [longitude, latitude]"
            for key, value in props.items():
                slot = self.properties.get(key)
                if slot is None:
                    if len(self.properties) >= self.limits.property_keys:
                        raise DataError([Problem(self.file, line, None, f"{where}: " + self.limits.cap_message(
                            "property_keys", "distinct property keys"))])
                    slot = self.properties[key] = ([], [])
                if type(value) is str and len(value) > self.limits.cell_chars and error is None:
                    error = _too_long(self.limits, key, value)
                slot[0].append(row)
                slot[1].append(value)
        if error is not None:
            self.errors[row] = error
        self.lon.append(lon)
        self.lat.append(lat)

    def table(self) -> _Table:
        """Return the features as a table: common properties as columns, rare ones in per-row mappings."""
        n = len(self.where)
        columns: dict[str, list[Any]] = {}
        sparse: list[dict | None] = [None] * n
        for key, (rows, values) in self.properties.items():
            if key in _SCHEMA_NAMES or len(rows) * SPARSE_SHARE >= n:
                column: list[Any] = [None] * n
                for row, value in zip(rows, values, strict=True):
                    column[row] = value
                columns[key] = column
            else:
                for row, value in zip(rows, values, strict=True):
                    if sparse[row] is None:
                        sparse[row] = {}
                    sparse[row][key] = value
        frame = pd.DataFrame({key: _object_array(column) for key, column in columns.items()}, index=pd.RangeIndex(n))
        has_sparse = any(item is not None for item in sparse)
        return _Table(frame, self.where, self.lines, self.errors, (self.lon, self.lat), sparse if has_sparse else None)


def _object_array(values: list[Any]) -> np.ndarray:
    """Return a list as a 1-D object array (lists inside stay lists, whatever their lengths)."""
    array = np.empty(len(values), dtype=object)
    try:
        array[:] = values
    except ValueError:  # numpy read lists of equal length as a second dimension
        for i, value in enumerate(values):
            array[i] = value
    return array


def _geojson_table(raw: bytes, file: str, progress: Progress, limits: Limits) -> _Table:
    """Read features; a file written one feature per line is read line by line, keeping line numbers."""
    raw = raw.removeprefix(_BOM)  # a byte-order mark is allowed in UTF-8 and means nothing
    first_end = raw.find(b"\n")
    if first_end > 0 and _LINE_PER_FEATURE_HEAD.match(raw[:first_end]):
        return _geojson_lines(raw, file, progress, limits)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DataError([_json_error(file, exc)]) from None
    except RecursionError:
        raise DataError([Problem(file, None, None, "JSON nested too deeply to read")]) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        raise DataError([Problem(file, 1, None, "not a GeoJSON FeatureCollection with a 'features' list")])
    gathered = _Features(file, limits)
    for index, feature in enumerate(features):
        if index % _PROGRESS_EVERY == 0 and index:
            progress(0.8 * index / len(features), f"Read {index:,} of {len(features):,} features")
        gathered.add(feature, None)
    return gathered.table()


def _geojson_lines(raw: bytes, file: str, progress: Progress, limits: Limits) -> _Table:
    """Read a FeatureCollection written one feature per line; a broken line costs only its feature."""
    gathered = _Features(file, limits)
    view = memoryview(raw)
    position, line, total, closed = raw.find(b"\n") + 1, 2, max(len(raw), 1), False
    while position < len(raw):
        stop = raw.find(b"\n", position)
        stop = len(raw) if stop < 0 else stop
        chunk = bytes(view[position:stop]).strip()
        if chunk.endswith(b","):
            chunk = chunk[:-1].rstrip()
        if chunk in (b"]}", b"]", b"] }"):
            closed = True
        elif closed and chunk:
            raise DataError([Problem(file, line, None, "JSON syntax error: text after the end of the collection")])
        elif chunk:
            index = len(gathered.where)
            if index % _PROGRESS_EVERY == 0 and index:
                progress(0.8 * position / total, f"Read {index:,} features")
            try:
                gathered.add(orjson.loads(chunk), line)
            except orjson.JSONDecodeError as exc:
                gathered.add(None, line, _json_error(file, exc).message)
        position, line = stop + 1, line + 1
    if not closed:
        raise DataError([Problem(file, line - 1, None, "JSON syntax error: the collection is not closed (truncated file?)")])
    return gathered.table()


# ---- CSV ----------------------------------------------------------------------------------------


def _csv_table(raw: bytes, file: str, kind: str, progress: Progress, limits: Limits) -> _Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(file, line, None, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]) from None
    records = csv_records(text)
    first = next(records, None)
    if first is None:
        raise DataError([Problem(file, 1, None, "the file is empty (no header row)")])
    if first.cells is None:
        raise DataError([Problem(file, 1, None, f"{first.error} (in the header row)")])
    if len(first.cells) > limits.columns:
        raise DataError([Problem(file, 1, None, limits.cap_message("columns", "columns"))])
    spreadsheet = kind == "export-csv"  # our own CSV export: its formula guards come off again
    header = [(from_spreadsheet(h) if spreadsheet else h).strip().lower() for h in first.cells]
    required = {"acled": [(c, (c,)) for c in ACLED_REQUIRED],
                "csv": [("latitude", LAT_NAMES), ("longitude", LON_NAMES), ("date", DATE_NAMES)],
                "export-csv": [(c, (c,)) for c in ("id", "date_start", "lat", "lon")]}[kind]
    for label, names in required:
        if not any(n in header for n in names):
            raise DataError([Problem(file, 1, None, f"no {label} column (looked for: {', '.join(names)})")])
    twice = {name: count for name, count in Counter(header).items() if count > 1}
    if twice:
        listed = ", ".join(f"{name!r} ({count} times)" for name, count in sorted(twice.items()))
        raise DataError([Problem(file, 1, None, f"column name(s) used twice: {listed}")])
    width = len(header)
    rows: list[list[str]] = []
    where: list[str] = []
    lines: list[int | None] = []
    errors: dict[int, str] = {}
    total_lines = max(text.count("\n"), 1)
    for record in records:  # csv_records took the width from the header, its first record
        cells = record.cells
        if cells is not None and not any(cell.strip() for cell in cells):
            continue  # a blank line is not a row
        if len(rows) >= limits.rows:
            raise DataError([Problem(file, record.line, None, limits.cap_message("rows", "rows"))])
        if len(rows) % _PROGRESS_EVERY == 0 and rows:
            progress(0.8 * record.line / total_lines, f"Read {len(rows):,} rows")
        if cells is None:
            errors[len(rows)] = str(record.error)
            cells = [""] * width
        elif len(cells) != width:
            errors[len(rows)] = f"has {len(cells)} cells, the header has {width}"
            cells = (cells + [""] * width)[:width]
        longest = max(range(width), key=lambda i: len(cells[i])) if width else 0
        if width and len(cells[longest]) > limits.cell_chars:
            errors.setdefault(len(rows), _too_long(limits, header[longest], cells[longest]))
            cells = [""] * width  # the row is rejected; its text need not be kept
        if spreadsheet:
            cells = [from_spreadsheet(cell) if cell[:1] == "'" else cell for cell in cells]
        rows.append(cells)
        where.append(f"line {record.line}")
        lines.append(record.line)
    values = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    return _Table(values, where, lines, errors)


# ---- Turning raw values into the schema --------------------------------------------------------


def _get(values: pd.DataFrame, *names: str) -> pd.Series:
    """Return the first of `names` present as a column, else a column of None."""
    for name in names:
        if name in values:
            return values[name]
    return pd.Series(None, index=values.index, dtype=object)


def _text(series: pd.Series) -> pd.Series:
    """Return cells as stripped strings; None for missing or empty cells."""
    text = series.astype("string").str.strip()
    return text.mask(text == "").astype(object).where(text.notna() & (text != ""), None)


def _numbers(series: pd.Series) -> pd.Series:
    """Return cells as floats; NaN for anything that is not a number (booleans included)."""
    numbers = pd.to_numeric(series.where(~series.map(lambda v: isinstance(v, bool))), errors="coerce")
    return numbers.astype(float)


def _python_year(text: str, formats: tuple[str, ...]) -> float:
    """Return the year of a date pandas cannot hold (year 1, 9999…) if it is a real date in one of `formats`, else NaN."""
    for fmt in formats:
        try:
            return float(datetime.strptime(text, fmt).year)
        except ValueError:
            continue
    return float("nan")


def _parse_days(text: pd.Series, formats: tuple[str, ...], limits: Limits) -> tuple[pd.Series, pd.Series]:
    """Return datetime64 days for cells in any of `formats` (NaT otherwise), and which cells name a real day
    outside the accepted years (a placeholder such as 9999-12-31, or a typo): those are NaT too.

    Dates repeat a lot (a hundred thousand rows have a few thousand distinct days),
    so each distinct string is parsed once.
    """
    unique = pd.Series(text.dropna().unique(), dtype=object)
    # Seconds, not pandas' usual nanoseconds: they hold any year, so a placeholder such as 9999-12-31 is
    # recognised as a date (outside the accepted years) instead of overflowing.
    parsed = pd.Series(pd.NaT, index=unique.index, dtype="datetime64[s]")
    for fmt in formats:
        todo = parsed.isna().to_numpy()
        if not todo.any():
            break
        found = pd.to_datetime(unique[todo], format=fmt, errors="coerce")
        parsed[todo] = found.astype("datetime64[s]").to_numpy()
    year = parsed.dt.year.astype(float)
    # Older pandas says NaT both for garbage and for days it cannot hold: Python's own dates tell them apart.
    for i in np.flatnonzero(parsed.isna().to_numpy()):
        year.iat[i] = _python_year(str(unique.iat[i]), formats)
    outside = ((year < limits.first_year) | (year > limits.last_year)).to_numpy()
    parsed[outside] = pd.NaT
    lookup = dict(zip(unique, parsed.astype("datetime64[ns]"), strict=True))  # accepted years fit in nanoseconds
    days = pd.to_datetime(text.map(lookup), errors="coerce").astype("datetime64[ns]")
    return days, text.isin(set(unique[outside]))


def _claim_intervals(text: pd.Series, limits: Limits) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Parse 'YYYY-MM-DD', 'YYYY-MM', 'YYYY' (or a day in another DAY_FORMATS style) into start, end, precision,
    and which cells are dates outside the accepted years."""
    start, outside = _parse_days(text, DAY_FORMATS, limits)
    end = start.copy()
    precision = pd.Series(np.where(start.notna(), "day", None), index=text.index, dtype=object)
    for fmt, name, offset in (("%Y-%m", "month", pd.offsets.MonthEnd(0)), ("%Y", "year", pd.offsets.YearEnd(0))):
        todo = start.isna() & text.notna() & ~outside
        if not todo.any():
            break
        found, far = _parse_days(text[todo], (fmt,), limits)
        outside = outside | far.reindex(text.index, fill_value=False)
        ok = found.notna().reindex(text.index, fill_value=False)
        start[ok] = found[found.notna()]
        end[ok] = found[found.notna()] + offset
        precision[ok] = name
    return start, end, precision, outside


def _labels(start: pd.Series, end: pd.Series, precision: pd.Series) -> pd.Series:
    """Return human date labels ('10 March 2022', 'week of …', 'March 2022', '2022', a range): DateInterval's rule.

    Computed once per distinct (start, end, precision): a large dataset has few distinct days.
    """
    keys = start.dt.strftime("%Y-%m-%d") + "|" + end.dt.strftime("%Y-%m-%d") + "|" + precision.astype(str)

    def label(key: str) -> str:
        first, last, kind = key.split("|")
        return DateInterval(date.fromisoformat(first), date.fromisoformat(last), kind).label()

    lookup = {key: label(key) for key in keys.unique()}
    return keys.map(lookup)


def _json_cells(series: pd.Series, name: str, flag: Callable[[int, str], None]) -> list:
    """Return cells as Python values; JSON text (the CSV export's list cells) is decoded."""
    out = []
    for i, value in enumerate(series):
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                flag(i, f"{name} is not valid JSON ({exc})")
                value = None
        out.append(value)
    return out


def _strings(value: Any) -> list[str]:
    """Return a cell as a list of strings (a lone value becomes a one-item list)."""
    if type(value) is list and all(type(x) is str for x in value):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return []
    if isinstance(value, list):
        return [str(x) for x in value if x is not None]
    return [str(value)]


def _sources(value: Any) -> list[dict]:
    """Return a sources cell as [{source, quote}]; plain names are accepted too."""
    if type(value) is list and all(
        type(x) is dict and len(x) == 2 and type(x.get("source")) is str and x["source"] and type(x.get("quote")) is str
        for x in value
    ):
        return value  # already in the schema (the export's own files): no copy
    out = []
    for item in value if isinstance(value, list) else _strings(value):
        if isinstance(item, dict) and item.get("source") not in (None, ""):
            out.append({"source": str(item["source"]), "quote": str(item.get("quote") or "")})
        elif isinstance(item, str) and item.strip():
            out.append({"source": item.strip(), "quote": ""})
    return out


def _conflict_problem(value: Any) -> str | None:
    """Return why a conflicts cell is not a list of {field, values: [{value, source}]}, or None if it is."""
    shape = "{field, values: [{value, source}]}"
    if not isinstance(value, list):
        return f"conflicts is not a list of {shape}"
    for number, conflict in enumerate(value, start=1):
        sides = conflict.get("values") if isinstance(conflict, dict) else None
        if not (isinstance(conflict, dict) and isinstance(conflict.get("field"), str) and conflict["field"]
                and isinstance(sides, list) and sides
                and all(isinstance(side, dict) and isinstance(side.get("source"), str)
                        and type(side.get("value")) in (str, int, float) for side in sides)):
            return f"conflicts item {number} is not {shape} (a text field, and each value a text or number with its source)"
    return None


@dataclass
class _Draft:
    """The schema's columns before the shared checks (coordinates, dates, ids)."""

    ident: pd.Series
    lat: pd.Series
    lon: pd.Series
    start: pd.Series
    end: pd.Series
    date_precision: pd.Series
    raw_date: pd.Series
    outside: pd.Series  # the date is real but outside the accepted years
    columns: dict[str, Any]
    extra: dict[str, pd.Series]


def _acled_draft(values: pd.DataFrame, flag: Callable[[int, str], None], limits: Limits) -> _Draft:
    raw_date = _text(_get(values, "event_date"))
    day, outside = _parse_days(raw_date, DAY_FORMATS, limits)
    time_code = _text(_get(values, "time_precision")).fillna("1")
    date_precision = time_code.map(ACLED_TIME_PRECISION)
    for i in np.flatnonzero(date_precision.isna().to_numpy()):
        flag(i, f"time_precision {time_code.iloc[i]!r} is not 1, 2 or 3")
    start, end = day.copy(), day.copy()
    week, month = date_precision == "week", date_precision == "month"
    start[week], end[week] = day[week] - pd.Timedelta(days=3), day[week] + pd.Timedelta(days=3)
    start[month] = day[month].dt.to_period("M").dt.start_time
    end[month] = day[month] + pd.offsets.MonthEnd(0)
    geo_code = _text(_get(values, "geo_precision")).fillna("1")
    precision = geo_code.map(lambda c: ACLED_GEO_PRECISION.get(c, (None, None))[0])
    for i in np.flatnonzero(precision.isna().to_numpy()):
        flag(i, f"geo_precision {geo_code.iloc[i]!r} is not 1, 2 or 3")
    event_type = _text(_get(values, "event_type")).fillna("unspecified")
    sub_type, location, admin1 = (_text(_get(values, c)) for c in ("sub_event_type", "location", "admin1"))
    fatalities = _numbers(_get(values, "fatalities"))
    columns = {
        "title": [f"{s or t}{' in ' + loc if loc else ''}" for s, t, loc in zip(sub_type, event_type, location, strict=True)],
        "type": event_type,
        "place_names": [[x for x in pair if x] for pair in zip(location, admin1, strict=True)],
        "precision": precision,
        "radius_m": geo_code.map(lambda c: ACLED_GEO_PRECISION.get(c, (None, np.nan))[1]).astype(float),
        # ACLED's "source" lists outlets separated by ";"; its notes are its own summary, not a quote.
        "sources": [
            [{"source": s, "quote": ""} for s in dict.fromkeys(x.strip() for x in (o or "").split(";")) if s]
            for o in _text(_get(values, "source"))
        ],
        "casualties": [[f"{int(f)} killed (ACLED)"] if not np.isnan(f) else [] for f in fatalities],
    }
    extra = {"sub_event_type": sub_type, "actor1": _text(_get(values, "actor1")), "location": location,
             "admin1": admin1, "notes": _text(_get(values, "notes")), "fatalities": fatalities}
    return _Draft(_text(_get(values, "event_id_cnty")), _numbers(_get(values, "latitude")),
                  _numbers(_get(values, "longitude")), start, end, date_precision, raw_date, outside, columns, extra)


def _schema_draft(table: _Table, kind: str, flag: Callable[[int, str], None], limits: Limits) -> _Draft:
    """The export's own schema (GeoJSON or CSV), or a plain CSV with free columns."""
    values = table.values
    if kind == "csv":
        names = list(values.columns)
        lat_name, lon_name, date_name = (next(n for n in group if n in names) for group in (LAT_NAMES, LON_NAMES, DATE_NAMES))
        read = {lat_name, lon_name, date_name}
        lat, lon = _numbers(_get(values, lat_name)), _numbers(_get(values, lon_name))
    elif kind == "export-csv":
        date_name, read = "date_start", {"lat", "lon"}
        lat, lon = _numbers(_get(values, "lat")), _numbers(_get(values, "lon"))
    else:  # GeoJSON: the point is the geometry's; every property is data
        date_name, read = "date_start", set()
        assert table.points is not None
        lon, lat = (_numbers(pd.Series(_object_array(c), index=values.index)) for c in table.points)
    raw_date = _text(_get(values, date_name))
    start, end, date_precision, outside = _claim_intervals(raw_date, limits)
    given_end = _text(_get(values, "date_end", "end_date"))
    has_end = given_end.notna()
    if has_end.any():
        _, until, _, end_outside = _claim_intervals(given_end, limits)
        for i in np.flatnonzero((has_end & end_outside).to_numpy()):
            flag(i, f"date_end {given_end.iloc[i]!r} is outside the years {limits.years} (a placeholder or a typo?; "
                    f"{limits.how_to_raise('years')})")
        for i in np.flatnonzero((has_end & until.isna() & ~end_outside).to_numpy()):
            flag(i, f"date_end {given_end.iloc[i]!r} is not a valid date")
        for i in np.flatnonzero((has_end & until.notna() & start.notna() & (until < start)).to_numpy()):
            flag(i, f"date_end {given_end.iloc[i]} is before the start {raw_date.iloc[i]}")
        widened = has_end & until.notna() & start.notna() & (until != end)
        end[widened] = until[widened]
        stated = _text(_get(values, "date_precision"))
        date_precision[widened] = stated[widened].where(stated[widened].isin(DATE_PRECISIONS), "range")
    cells = {name: _json_cells(_get(values, name), name, flag) for name in LIST_COLUMNS}
    kinds = _text(_get(values, "type", "event_type"))
    place_names = [_strings(v) for v in cells["place_names"]]
    titles = _text(_get(values, "title", "name"))
    conflicts = []
    for i, value in enumerate(cells["conflicts"]):
        problem = None if _missing(value) else _conflict_problem(value)
        if problem:
            flag(i, problem)
        conflicts.append(value if not _missing(value) and problem is None else [])
    columns = {
        "title": [t or f"{k or 'Incident'}{' in ' + p[0] if p else ''}"
                  for t, k, p in zip(titles, kinds, place_names, strict=True)],
        "type": kinds.fillna("unspecified"),
        "places": [_strings(v) for v in cells["places"]],
        "place_names": place_names,
        "precision": _text(_get(values, "precision")),
        "radius_m": _numbers(_get(values, "radius_m")),
        "sources": [_sources(v) for v in cells["sources"]],
        "casualties": [_strings(v) for v in cells["casualties"]],
        "conflicts": conflicts,
        **{name: _text(_get(values, name)) for name in ("time", "timezone", "weapon", "coding_note")},
    }
    schema = {*INCIDENT_COLUMNS, *_DERIVED, *read}
    if kind == "export-csv":
        schema.add(SPARSE_COLUMN)  # our own: read back by _sparse_cells, not a free column
    extra = {name: values[name] for name in values.columns if name not in schema}
    return _Draft(_text(_get(values, "id")), lat, lon, start, end, date_precision, raw_date, outside, columns, extra)


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and np.isnan(value))


def _sparse_cells(table: _Table, kind: str, flag: Callable[[int, str], None]) -> list[dict | None] | None:
    """Return each row's rare properties: gathered from a GeoJSON file, or our CSV export's JSON cells."""
    if kind != "export-csv" or SPARSE_COLUMN not in table.values:
        return table.sparse
    out: list[dict | None] = []
    for i, cell in enumerate(table.values[SPARSE_COLUMN]):
        value = None
        if isinstance(cell, str) and cell.strip():
            try:
                value = orjson.loads(cell)
            except orjson.JSONDecodeError as exc:
                flag(i, f"{SPARSE_COLUMN} is not valid JSON ({exc})")
            if value is not None and not isinstance(value, dict):
                flag(i, f"{SPARSE_COLUMN} is not a JSON object of properties")
                value = None
        out.append(value or None)
    return out if any(item is not None for item in out) else None


def _free_name(name: str, taken: set[str]) -> str:
    """Return `name`, or `name_2`, `name_3`… when the export writes a column of that name itself."""
    if name not in _RESERVED and name not in taken:
        return name
    number = 2
    while f"{name}_{number}" in taken or f"{name}_{number}" in _RESERVED:
        number += 1
    return f"{name}_{number}"


def _finish(table: _Table, file: str, kind: str, limits: Limits) -> ImportResult:
    """Check every row; build the frame from the good ones and a problem for each reason a row is bad."""
    values = table.values
    n = len(table.where)
    reasons: dict[int, list[str]] = defaultdict(list)

    # A row that could not be read at all (broken JSON, a CSV syntax error) is reported for that alone.
    for i, error in table.errors.items():
        reasons[i].append(error)

    def flag(i: int, reason: str) -> None:
        if int(i) not in table.errors:
            reasons[int(i)].append(reason)

    draft = _acled_draft(values, flag, limits) if kind == "acled" else _schema_draft(table, kind, flag, limits)
    sparse = _sparse_cells(table, kind, flag)
    lat, lon = draft.lat, draft.lon
    for i in np.flatnonzero((lat.isna() | lon.isna()).to_numpy()):
        flag(i, "no usable latitude/longitude")
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    swapped = (lat.abs() > 90) & (lon.abs() <= 90) & (lat.abs() <= 180)
    for i in np.flatnonzero(out_of_range.to_numpy()):
        hint = " (are latitude and longitude swapped?)" if swapped.iloc[i] else ""
        flag(i, f"coordinates (lat {lat.iloc[i]}, lon {lon.iloc[i]}) are out of range{hint}")
    for i in np.flatnonzero(((lat == 0) & (lon == 0)).to_numpy()):
        flag(i, "coordinates are (0, 0), a placeholder, not a place")
    for i in np.flatnonzero(draft.start.isna().to_numpy()):
        shown = draft.raw_date.iloc[i]
        if shown is None:
            flag(i, "no date")
        elif draft.outside.iloc[i]:
            flag(i, f"date {shown!r} is outside the years {limits.years} (a placeholder or a typo?; "
                    f"{limits.how_to_raise('years')})")
        else:
            flag(i, f"date {shown!r} is not a valid date (or does not exist)")

    ident = draft.ident.copy()
    unnamed = ident.isna().to_numpy()
    ident[unnamed] = [f"row-{i + 1}" for i in np.flatnonzero(unnamed)]
    first = ident.drop_duplicates()
    for i in np.flatnonzero(ident.duplicated().to_numpy()):
        earlier = first.index[first == ident.iloc[i]][0]
        flag(i, f"duplicate id (first used at {table.where[earlier]})")

    bad = np.zeros(n, dtype=bool)
    bad[list(reasons)] = True
    problems = list(table.notices)
    for i in sorted(reasons):
        label = None if unnamed[i] else str(ident.iloc[i])
        for reason in reasons[i]:
            problems.append(Problem(file, table.lines[i], label, f"{table.where[i]}: {reason}"))
    rejected = [str(ident.iloc[i]) for i in sorted(reasons)]

    good = ~bad
    columns: dict[str, np.ndarray] = {"id": ident.to_numpy(dtype=object)[good]}
    for name, column in draft.columns.items():
        array = column.to_numpy() if isinstance(column, pd.Series) else _object_array(column)
        columns[name] = array[good]
    columns["date_start"] = draft.start.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)[good]
    columns["date_end"] = draft.end.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)[good]
    columns["date_precision"] = draft.date_precision.to_numpy(dtype=object)[good]
    columns["date_label"] = _labels(draft.start[good], draft.end[good], draft.date_precision[good]).to_numpy(dtype=object)
    columns["corroboration"] = np.array([len({s["source"] for s in items}) for items in columns["sources"]], dtype=np.int64)
    count = int(good.sum())
    for name in INCIDENT_COLUMNS:
        if name not in columns:
            columns[name] = _object_array([[] for _ in range(count)] if name in LIST_COLUMNS else [None] * count)
    extra_names, taken = [], set(INCIDENT_COLUMNS)
    for name, column in draft.extra.items():
        kept = _free_name(name, taken)
        if kept != name:
            problems.insert(0, Problem(file, 1 if kind != "geojson" else None, None,
                                       f"column {name!r} is kept as {kept!r}: the export writes {name!r} itself"))
        taken.add(kept)
        extra_names.append(kept)
        columns[kept] = column.to_numpy(dtype=object if column.dtype == object else None)[good]
    if sparse is not None:
        kept_sparse = _object_array(sparse)[good]
        if any(item is not None for item in kept_sparse):
            extra_names.append(SPARSE_COLUMN)
            columns[SPARSE_COLUMN] = kept_sparse
    frame = pd.DataFrame({name: columns[name] for name in (*INCIDENT_COLUMNS, *extra_names)})  # one build, not 5,000 inserts
    frame["radius_m"] = pd.to_numeric(frame["radius_m"], errors="coerce")
    points = gpd.points_from_xy(lon[good], lat[good], crs=CRS)
    result = gpd.GeoDataFrame(frame, geometry=points, crs=CRS)
    result = result.sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    return ImportResult(result, problems, rejected, n, kind, file, extra_names)
