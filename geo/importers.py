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
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd

from .frames import CRS, INCIDENT_COLUMNS
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
    """Rows as read (raw values, object dtype), and where each one is in the file."""

    values: pd.DataFrame
    where: list[str]  # "line 12" or "feature 3"
    lines: list[int | None]


def _noop(_fraction: float, _message: str) -> None:
    return None


def detect_format(name: str, head: bytes) -> str:
    """Return the format of a dataset from its file name and its first line."""
    if Path(name).suffix.lower() in (".geojson", ".json") or head.lstrip()[:1] == b"{":
        return "geojson"
    first = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:1] or [""]
    header = {h.strip().lower() for h in next(csv.reader(first), [])}
    if {"event_id_cnty", "event_date"} <= header:
        return "acled"
    if {"id", "date_start", "date_end", "sources", "lat", "lon"} <= header:
        return "export-csv"
    return "csv"


def read_incidents(
    source: str | Path | bytes, name: str | None = None, *, format: str | None = None, progress: Progress | None = None
) -> ImportResult:
    """Read a dataset (a path, or bytes with their file name) into the incidents schema."""
    progress = progress or _noop
    if isinstance(source, bytes):
        raw, file = source, name or "upload"
    else:
        path = Path(source)
        file = name or display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError([Problem(file, None, None, f"cannot read file: {exc.strerror or exc}")]) from None
    kind = format or detect_format(file, raw[:4096])
    if kind not in FORMATS:
        raise DataError([Problem(file, None, None, f"unknown format {kind!r} (known: {', '.join(FORMATS)})")])
    progress(0.0, f"Reading {file}")
    table = _geojson_table(raw, file, progress) if kind == "geojson" else _csv_table(raw, file, kind, progress)
    progress(0.8, f"Checking {len(table.where):,} rows")
    result = _finish(table, file, kind)
    progress(1.0, result.summary())
    return result


# ---- GeoJSON ------------------------------------------------------------------------------------


def _json_error(file: str, exc: orjson.JSONDecodeError, line_offset: int = 0) -> Problem:
    message = str(exc.msg if hasattr(exc, "msg") else exc)
    if "utf-8" in message.lower() or "surrogates" in message.lower():
        message = "not UTF-8 text; save the file as UTF-8"
    else:
        message = f"JSON syntax error: {message} (column {exc.colno})"
    return Problem(file, exc.lineno + line_offset, None, message)


def _feature_values(feature: Any) -> dict[str, Any]:
    """Return a feature's properties with its coordinates as _lon/_lat (or an _error)."""
    if not isinstance(feature, dict):
        return {"_error": "feature is not a JSON object"}
    props = feature.get("properties")
    values = dict(props) if isinstance(props, dict) else {}
    if values.get("id") is None and feature.get("id") is not None:
        values["id"] = feature["id"]
    geometry = feature.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
    if isinstance(coords, list) and len(coords) >= 2:
        values["_lon"], values["_lat"] = coords[0], coords[1]
    else:
        values["_error"] = "geometry is not a GeoJSON Point with [longitude, latitude]"
    return values


def _geojson_table(raw: bytes, file: str, progress: Progress) -> _Table:
    """Read features; a file written one feature per line is read line by line, keeping line numbers."""
    first_end = raw.find(b"\n")
    if first_end > 0 and _LINE_PER_FEATURE_HEAD.match(raw[:first_end]):
        return _geojson_lines(raw, file, progress)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DataError([_json_error(file, exc)]) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        raise DataError([Problem(file, 1, None, "not a GeoJSON FeatureCollection with a 'features' list")])
    records = []
    for index, feature in enumerate(features):
        if index % _PROGRESS_EVERY == 0 and index:
            progress(0.8 * index / len(features), f"Read {index:,} of {len(features):,} features")
        records.append(_feature_values(feature))
    return _Table(pd.DataFrame.from_records(records), [f"feature {i + 1}" for i in range(len(records))],
                  [None] * len(records))


def _geojson_lines(raw: bytes, file: str, progress: Progress) -> _Table:
    """Read a FeatureCollection written one feature per line; a broken line costs only its feature."""
    records, where, lines = [], [], []
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
            index = len(records)
            if index % _PROGRESS_EVERY == 0 and index:
                progress(0.8 * position / total, f"Read {index:,} features")
            try:
                values = _feature_values(orjson.loads(chunk))
            except orjson.JSONDecodeError as exc:
                values = {"_error": _json_error(file, exc).message}
            records.append(values)
            where.append(f"feature {index + 1}")
            lines.append(line)
        position, line = stop + 1, line + 1
    if not closed:
        raise DataError([Problem(file, line - 1, None, "JSON syntax error: the collection is not closed (truncated file?)")])
    return _Table(pd.DataFrame.from_records(records), where, lines)


# ---- CSV ----------------------------------------------------------------------------------------


def _csv_table(raw: bytes, file: str, kind: str, progress: Progress) -> _Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(file, line, None, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DataError([Problem(file, 1, None, "the file is empty (no header row)")]) from None
    except csv.Error as exc:
        raise DataError([Problem(file, 1, None, f"CSV syntax error: {exc}")]) from None
    required = {"acled": [(c, (c,)) for c in ACLED_REQUIRED],
                "csv": [("latitude", LAT_NAMES), ("longitude", LON_NAMES), ("date", DATE_NAMES)],
                "export-csv": [(c, (c,)) for c in ("id", "date_start", "lat", "lon")]}[kind]
    for label, names in required:
        if not any(n in header for n in names):
            raise DataError([Problem(file, 1, None, f"no {label} column (looked for: {', '.join(names)})")])
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise DataError([Problem(file, 1, None, f"column name(s) used twice: {', '.join(twice)}")])
    rows, where, lines, errors = [], [], [], {}
    total_lines, previous_end = max(text.count("\n"), 1), reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError([Problem(file, reader.line_num, None, f"CSV syntax error: {exc}")]) from None
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # a blank line is not a row
        if len(record) != len(header):
            errors[len(rows)] = f"has {len(record)} cells, the header has {len(header)}"
            record = (record + [""] * len(header))[: len(header)]
        if len(rows) % _PROGRESS_EVERY == 0 and rows:
            progress(0.8 * line / total_lines, f"Read {len(rows):,} rows")
        rows.append(record)
        where.append(f"line {line}")
        lines.append(line)
    values = pd.DataFrame(rows, columns=header, dtype=object)
    values["_error"] = pd.Series(errors, index=list(errors), dtype=object).reindex(values.index)
    return _Table(values, where, lines)


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


def _parse_days(text: pd.Series, formats: tuple[str, ...] = DAY_FORMATS) -> pd.Series:
    """Return datetime64 days for cells in any of `formats`, NaT otherwise (impossible dates too).

    Dates repeat a lot (a hundred thousand rows have a few thousand distinct days),
    so each distinct string is parsed once.
    """
    unique = pd.Series(text.dropna().unique(), dtype=object)
    parsed = pd.Series(pd.NaT, index=unique.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(unique[todo], format=fmt, errors="coerce")
    lookup = dict(zip(unique, parsed, strict=True))
    return pd.to_datetime(text.map(lookup), errors="coerce")


def _claim_intervals(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse 'YYYY-MM-DD', 'YYYY-MM', 'YYYY' (or a day in another DAY_FORMATS style) into start, end, precision."""
    start = _parse_days(text)
    end = start.copy()
    precision = pd.Series(np.where(start.notna(), "day", None), index=text.index, dtype=object)
    for fmt, name, offset in (("%Y-%m", "month", pd.offsets.MonthEnd(0)), ("%Y", "year", pd.offsets.YearEnd(0))):
        todo = start.isna() & text.notna()
        if not todo.any():
            break
        found = _parse_days(text[todo], (fmt,))
        ok = found.notna().reindex(text.index, fill_value=False)
        start[ok] = found[found.notna()]
        end[ok] = found[found.notna()] + offset
        precision[ok] = name
    return start, end, precision


def _labels(start: pd.Series, end: pd.Series, precision: pd.Series) -> pd.Series:
    """Return human date labels ('10 March 2022', 'week of …', 'March 2022', '2022', a range).

    Computed once per distinct (start, end, precision): a large dataset has few distinct days.
    """
    keys = start.dt.strftime("%Y-%m-%d") + "|" + end.dt.strftime("%Y-%m-%d") + "|" + precision.astype(str)

    def label(key: str) -> str:
        first, last, kind = key.split("|")
        s = pd.Timestamp(first)
        if kind == "day":
            return f"{s.day} {s:%B %Y}"
        if kind == "week":
            return f"week of {s.day} {s:%B %Y}"
        if kind == "month":
            return f"{s:%B %Y}"
        if kind == "year":
            return f"{s:%Y}"
        return f"{first} – {last}"

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
    columns: dict[str, Any]
    extra: dict[str, pd.Series]


def _acled_draft(values: pd.DataFrame, flag: Callable[[int, str], None]) -> _Draft:
    raw_date = _text(_get(values, "event_date"))
    day = _parse_days(raw_date)
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
                  _numbers(_get(values, "longitude")), start, end, date_precision, raw_date, columns, extra)


def _schema_draft(values: pd.DataFrame, kind: str, flag: Callable[[int, str], None]) -> _Draft:
    """The export's own schema (GeoJSON or CSV), or a plain CSV with free columns."""
    if kind == "csv":
        names = list(values.columns)
        lat_name, lon_name, date_name = (next(n for n in group if n in names) for group in (LAT_NAMES, LON_NAMES, DATE_NAMES))
        coordinates = {lat_name, lon_name, date_name}
    else:
        lat_name, lon_name, date_name = ("_lat", "_lon", "date_start") if kind == "geojson" else ("lat", "lon", "date_start")
        coordinates = {"lat", "lon"}
    raw_date = _text(_get(values, date_name))
    start, end, date_precision = _claim_intervals(raw_date)
    given_end = _text(_get(values, "date_end", "end_date"))
    has_end = given_end.notna()
    if has_end.any():
        _, until, _ = _claim_intervals(given_end)
        for i in np.flatnonzero((has_end & until.isna()).to_numpy()):
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
        "conflicts": [v if isinstance(v, list) else [] for v in cells["conflicts"]],
        **{name: _text(_get(values, name)) for name in ("time", "timezone", "weapon", "coding_note")},
    }
    derived = {"date_label", "corroboration", "date_end", "end_date", "date_precision", "name", "event_type"}
    schema = {*INCIDENT_COLUMNS, *derived, *coordinates, lat_name, lon_name, date_name}
    extra = {name: values[name] for name in values.columns if name not in schema and not name.startswith("_")}
    return _Draft(_text(_get(values, "id")), _numbers(_get(values, lat_name)), _numbers(_get(values, lon_name)),
                  start, end, date_precision, raw_date, columns, extra)


def _finish(table: _Table, file: str, kind: str) -> ImportResult:
    """Check every row; build the frame from the good ones and a problem for each reason a row is bad."""
    values = table.values.reset_index(drop=True)
    n = len(values)
    reasons: dict[int, list[str]] = defaultdict(list)

    # A row that could not be read at all (broken JSON, wrong cell count) is reported for that alone.
    broken = _get(values, "_error").dropna()
    for i, error in broken.items():
        reasons[int(i)].append(str(error))

    def flag(i: int, reason: str) -> None:
        if int(i) not in broken.index:
            reasons[int(i)].append(reason)

    draft = _acled_draft(values, flag) if kind == "acled" else _schema_draft(values, kind, flag)
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
        flag(i, "no date" if shown is None else f"date {shown!r} is not a valid date (or does not exist)")

    ident = draft.ident.copy()
    unnamed = ident.isna().to_numpy()
    ident[unnamed] = [f"row-{i + 1}" for i in np.flatnonzero(unnamed)]
    first = ident.drop_duplicates()
    for i in np.flatnonzero(ident.duplicated().to_numpy()):
        earlier = first.index[first == ident.iloc[i]][0]
        flag(i, f"duplicate id (first used at {table.where[earlier]})")

    bad = np.zeros(n, dtype=bool)
    bad[list(reasons)] = True
    problems = []
    for i in sorted(reasons):
        label = None if unnamed[i] else str(ident.iloc[i])
        for reason in reasons[i]:
            problems.append(Problem(file, table.lines[i], label, f"{table.where[i]}: {reason}"))
    rejected = [str(ident.iloc[i]) for i in sorted(reasons)]

    good = ~bad
    frame = pd.DataFrame({"id": ident}, index=values.index)
    for name, column in draft.columns.items():
        frame[name] = column.to_numpy() if isinstance(column, pd.Series) else pd.Series(column, dtype=object).to_numpy()
    frame["date_start"] = draft.start.dt.strftime("%Y-%m-%d")
    frame["date_end"] = draft.end.dt.strftime("%Y-%m-%d")
    frame["date_precision"] = draft.date_precision
    frame = frame[good].copy()
    frame["date_label"] = _labels(draft.start[good], draft.end[good], draft.date_precision[good])
    frame["corroboration"] = [len({s["source"] for s in items}) for items in frame["sources"]]
    for name in INCIDENT_COLUMNS:
        if name not in frame:
            frame[name] = [[] for _ in range(len(frame))] if name in LIST_COLUMNS else None
    extra_names = [name for name in draft.extra if name not in frame]
    for name in extra_names:
        frame[name] = draft.extra[name][good].to_numpy()
    frame["radius_m"] = pd.to_numeric(frame["radius_m"], errors="coerce")
    points = gpd.points_from_xy(lon[good], lat[good], crs=CRS)
    result = gpd.GeoDataFrame(frame[[*INCIDENT_COLUMNS, *extra_names]], geometry=points, crs=CRS)
    result = result.sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    return ImportResult(result, problems, rejected, n, kind, file, extra_names)
