"""What each known format's columns mean: each schema turns a table of raw values into a draft.

A draft holds the incident schema's columns (id, title, description, type, dates with precision,
place names, precision and radius, sources, casualties, weapon…) and, as extra fields, every other
column of the file under its own name. Where a field is derived from a cell rather than copied
(a date read into an interval, a cell of links split into sources, a precision code turned into a
radius, a count turned into a casualty statement) the file's own cell is kept beside it too, so
that nothing the file said is lost or silently changed.

The schemas, told apart by their headers or structure (:func:`detect`):

* ``geojson`` / ``export-csv``: this tool's own export (a GeoJSON of other origin is read through a
  mapping, like a CSV).
* ``acled``: ACLED's CSV, the pre-2023 columns ("15 April 2022", numeric ``inter`` codes) and the
  current ones (ISO dates, ``disorder_type``, ``civilian_targeting``, ``tags``). time_precision
  1 → the day, 2 → the week around it, 3 → the month; geo_precision 1 → the town (±5 km),
  2 → part of a region (±25 km), 3 → a region (±100 km).
* ``ucdp-ged``: UCDP's Georeferenced Event Dataset. date_start/date_end give the days; where_prec
  1 exact (±1 km), 2 within 25 km, 3 second-order division (±50 km), 4 first-order division
  (±150 km), 5 a linear feature (±100 km), 6 the country (±500 km), 7 waters or airspace (±500 km).
* ``cir``: the Centre for Information Resilience's Russia–Ukraine monitor CSV.
* ``gdelt``: GDELT 1.0 (57 or 58 columns) and 2.0 (61) event files: tab-separated, no header.
  ActionGeo_Type 1 country (±500 km), 2 US state and 5 other first-order division (±150 km),
  3 US city and 4 world city (±10 km); the type is the CAMEO root code's name.
* ``bellingcat``: Bellingcat's civilian-harm JSON (dates MM/DD/YYYY as its schema says; each
  ``filters`` key becomes a field of its own).
* ``timemap``: Forensic Architecture's TimeMap export, {events, sources, associations} in one file
  or a folder of events.json, sources.json and associations.json.
* ``csv`` and ``json``: any other CSV or list of records, through a column mapping (guessed from
  common names, or given with ``--map``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..frames import INCIDENT_COLUMNS, SPARSE_COLUMN
from ..json_cells import BLOCK_ROWS, cell_text
from ..limits import Limits
from .days import DateOrderError, DayColumn, read_days
from .distinct import per_distinct
from .fields import FIELDS, GUESSES, REQUIRED, ImportOptions, guess_mapping
from .links import links_of, split_links, split_outlets
from .tables import JsonText, Table, empty_lists, object_array, restore_json

Flag = Callable[..., None]  # flag(row, reason, code="…")

LIST_COLUMNS = ("places", "place_names", "casualties", "sources", "conflicts", "location_evidence", "flags")
DATE_PRECISIONS = ("day", "week", "month", "year", "range")
# Read from our own export but derived again on import.
DERIVED = ("date_label", "corroboration", "flags")

ACLED_TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
ACLED_GEO_PRECISION = {"1": ("city", 5_000.0), "2": ("district", 25_000.0), "3": ("region", 100_000.0)}
UCDP_WHERE_PRECISION = {
    "1": ("site", 1_000.0), "2": ("city", 25_000.0), "3": ("district", 50_000.0), "4": ("region", 150_000.0),
    "5": ("region", 100_000.0), "6": ("country", 500_000.0), "7": ("country", 500_000.0),
}
UCDP_VIOLENCE = {"1": "state-based conflict", "2": "non-state conflict", "3": "one-sided violence"}
GDELT_GEO_TYPE = {"1": ("country", 500_000.0), "2": ("region", 150_000.0), "3": ("city", 10_000.0),
                  "4": ("city", 10_000.0), "5": ("region", 150_000.0)}
CAMEO_ROOTS = {
    "01": "Make public statement", "02": "Appeal", "03": "Express intent to cooperate", "04": "Consult",
    "05": "Engage in diplomatic cooperation", "06": "Engage in material cooperation", "07": "Provide aid",
    "08": "Yield", "09": "Investigate", "10": "Demand", "11": "Disapprove", "12": "Reject", "13": "Threaten",
    "14": "Protest", "15": "Exhibit force posture", "16": "Reduce relations", "17": "Coerce", "18": "Assault",
    "19": "Fight", "20": "Use unconventional mass violence",
}
_ACTOR = ("Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code", "Religion2Code",
          "Type1Code", "Type2Code", "Type3Code")
_GEO1 = ("Type", "FullName", "CountryCode", "ADM1Code", "Lat", "Long", "FeatureID")
_GEO2 = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")
_GDELT_HEAD = ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
               *(f"Actor1{a}" for a in _ACTOR), *(f"Actor2{a}" for a in _ACTOR),
               "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
               "NumMentions", "NumSources", "NumArticles", "AvgTone"]
GDELT_COLUMNS = {
    57: [*_GDELT_HEAD, *(f"{who}Geo_{g}" for who in ("Actor1", "Actor2", "Action") for g in _GEO1), "DATEADDED"],
    58: [*_GDELT_HEAD, *(f"{who}Geo_{g}" for who in ("Actor1", "Actor2", "Action") for g in _GEO1), "DATEADDED",
         "SOURCEURL"],
    61: [*_GDELT_HEAD, *(f"{who}Geo_{g}" for who in ("Actor1", "Actor2", "Action") for g in _GEO2), "DATEADDED",
         "SOURCEURL"],
}
_GRAPHIC_RE = re.compile(r"\bGRAPHIC\b")
_TRUE = frozenset({"true", "yes", "y", "1", "graphic", "x"})


class MappingError(ValueError):
    """A field the file cannot be read without has no column; the message says how to give one."""


@dataclass
class Draft:
    """The schema's columns before the shared checks (coordinates, dates, ids), and the file's other columns."""

    ident: pd.Series
    lat: pd.Series
    lon: pd.Series
    days: DayColumn
    raw_date: pd.Series
    columns: dict[str, Any]
    extra: dict[str, pd.Series]
    mapping: dict[str, str] = field(default_factory=dict)  # {field: column} as read
    notices: list[str] = field(default_factory=list)
    end_problems: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, code)


# ---- cells ----------------------------------------------------------------------------------------


def none_column(values: pd.DataFrame) -> pd.Series:
    """Return a column of None as long as the table."""
    return pd.Series(None, index=values.index, dtype=object)


def text(series: pd.Series) -> pd.Series:
    """Return cells as stripped strings; None for missing or empty cells (lists and mappings as JSON)."""
    def one(value: Any) -> Any:
        if isinstance(value, list | dict):
            return orjson.dumps(value).decode("utf-8")
        return value

    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        series = series.map(one)  # JSON records: a list or mapping in a text field is shown as JSON
    stripped = series.astype("string").str.strip()
    return stripped.astype(object).where(stripped.notna() & (stripped != ""), None)


def kept_text(series: pd.Series) -> pd.Series:
    """Return cells as :func:`text` does, as pandas' text (missing: NaN): a column of text stays in Arrow.

    For a column only copied into the frame: as Python strings, a million rows of one took a hundred megabytes.
    """
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        stripped = _stripped(series)
        empty = stripped == ""
        kept = stripped.mask(empty) if empty.any() else stripped
    elif series.isna().all():  # a column of the schema no row fills (a million rows: 0.15 s each, a cell at a time)
        return none_column(series.to_frame())
    else:
        kept = text(series).astype("str")
    # A column with no text at all is a column of None, as pandas makes of text()'s None (not of text)
    return kept if kept.notna().any() else none_column(series.to_frame())


def _stripped(series: pd.Series) -> pd.Series:
    """Return a column of Arrow text stripped as ``series.str.strip()`` strips it (the same Arrow kernel), block by
    block: a block with nothing to strip is the column's own, not a copy.

    A million ACLED rows' notes (100 MB) and event types were copied whole, while the file's columns were still held:
    a copy, at the fields' peak, of text that had no space to strip.
    """
    arrow = pa.array(series.array)  # the column's own chunks (pandas hands them over, not a copy)
    chunks = []
    for chunk in arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]:
        trimmed = pc.utf8_trim_whitespace(chunk)
        # Trimming only takes bytes away: as many bytes after as before, and nothing was trimmed.
        same = pc.sum(pc.binary_length(trimmed)).as_py() == pc.sum(pc.binary_length(chunk)).as_py()
        chunks.append(chunk if same else trimmed)
    return pd.Series(pd.array(pa.chunked_array(chunks, arrow.type), dtype=series.dtype),
                     index=series.index, name=series.name)


def numbers(series: pd.Series) -> pd.Series:
    """Return cells as floats; NaN for anything that is not a number (booleans included)."""
    if not isinstance(series.dtype, pd.StringDtype) and pd.api.types.infer_dtype(series, skipna=True) not in (
            "floating", "integer", "mixed-integer-float", "empty"):  # a column of text holds no booleans
        series = series.where(~series.map(lambda v: isinstance(v, bool)))  # numbers only (a million rows' points: 0.6 s)
    return pd.to_numeric(series, errors="coerce").astype(float)


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and np.isnan(value))


class Columns:
    """A table's columns found by name whatever their case ('Event_Date' is 'event_date')."""

    def __init__(self, values: pd.DataFrame) -> None:
        self.values = values
        self.by_lower = {}
        for name in values.columns:
            self.by_lower.setdefault(str(name).strip().lower(), name)

    def name(self, *names: str) -> str | None:
        """Return the file's spelling of the first of `names` it has."""
        for wanted in names:
            found = self.by_lower.get(wanted.lower())
            if found is not None:
                return found
        return None

    def get(self, *names: str) -> pd.Series:
        """Return the first of `names` present as a column, else a column of None."""
        found = self.name(*names)
        return self.values[found] if found is not None else none_column(self.values)

    def text(self, *names: str) -> pd.Series:
        """Return a column as stripped text (None where empty)."""
        return text(self.get(*names))


# ---- dates -----------------------------------------------------------------------------------------


def days_of(start: pd.Series, end: pd.Series | None, options: ImportOptions, limits: Limits, row_of: Callable[[int], str],
            start_name: str, end_name: str | None, fixed_format: str | None = None) -> tuple[DayColumn, list]:
    """Read a start (and optional end) date column; an end widens the interval. Returns the problems of the ends."""
    date_format = options.date_format or fixed_format
    days = read_days(start, limits, column=start_name, date_format=date_format, row_of=row_of)
    problems: list[tuple[int, str, str]] = []
    if end is None or not end.notna().any():
        return days, problems
    try:
        until = read_days(end, limits, column=end_name or "date_end", date_format=date_format, row_of=row_of)
    except DateOrderError:
        if days.format not in ("%d/%m/%Y", "%m/%d/%Y"):
            raise
        # The end column alone does not settle the order; the start column, in the same file, did.
        until = read_days(end, limits, column=end_name or "date_end", date_format=days.format, row_of=row_of)
    given = end.notna()
    for i in np.flatnonzero((given & until.outside).to_numpy()):
        problems.append((i, f"{end_name} {end.iloc[i]!r} is outside the years {limits.years} (a placeholder or a typo?; "
                            f"{limits.how_to_raise('years')})", "date_outside_years"))
    for i in np.flatnonzero((given & until.start.isna() & ~until.outside).to_numpy()):
        problems.append((i, f"{end_name} {end.iloc[i]!r} is not a valid date", "invalid_date"))
    before = given & until.end.notna() & days.start.notna() & (until.end < days.start)
    for i in np.flatnonzero(before.to_numpy()):
        problems.append((i, f"{end_name} {end.iloc[i]} is before the start {start.iloc[i]}", "date_end_before_start"))
    widened = given & until.end.notna() & days.start.notna() & (until.end != days.end) & ~before
    days.end[widened] = until.end[widened]
    days.precision[widened] = "range"
    days.notices.extend(until.notices)
    return days, problems


# ---- building drafts ----------------------------------------------------------------------------------


def _titles(titles: pd.Series, kinds: pd.Series, places: list[list[str]]) -> list[str]:
    return [t or f"{k or 'Incident'}{' in ' + p[0] if p else ''}" for t, k, p in zip(titles, kinds, places, strict=True)]


def _mapped_titles(rows: pd.DataFrame) -> list[str]:
    """Return :func:`_titles` of distinct (title, type, place) cells, the place being the only place name."""
    return _titles(text(rows[0]), text(rows[1]), [[p] if p else [] for p in text(rows[2])])


def _true_cells(cells: pd.Series) -> np.ndarray:
    """Return, per cell of the export's graphic column, whether it is JSON's true or the text "true" (any case,
    spaces around); a missing cell is not, without a call (nearly every cell of an export)."""
    found = np.zeros(len(cells), dtype=bool)
    filled = np.flatnonzero(cells.notna().to_numpy())
    found[filled] = [value is True or str(value).strip().lower() == "true" for value in cells.iloc[filled]]
    return found


def _kept_titles(titles: pd.Series, kinds: pd.Series, place_names: pa.ChunkedArray) -> pd.Series:
    """Return :func:`_titles` of columns of :func:`kept_text`, given each row's place names as read (JSON text of a
    list of texts): a title is made only where it is missing, and names the row's first place."""
    missing = np.flatnonzero(titles.isna().to_numpy())
    if not len(missing):
        return titles
    firsts = [(orjson.loads(names) or [None])[0] for names in place_names.take(pa.array(missing)).to_pylist()]
    made = [f"{kind if isinstance(kind, str) else 'Incident'}{'' if first is None else ' in ' + first}"
            for kind, first in zip(kinds.iloc[missing], firsts, strict=True)]
    filled = titles.copy()
    filled.iloc[missing] = made
    return filled


_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$")


def _times(cells: pd.Series) -> tuple[pd.Series, bool]:
    """Return each cell's time of day as HH:MM (None where it is not one), and whether every filled cell was one."""
    def one(cell: object) -> str | None:
        found = _TIME_RE.match(cell.strip()) if isinstance(cell, str) else None
        return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None

    times = cells.map(one).astype(object)
    times = times.where(times.notna(), None)
    filled = cells.map(lambda v: isinstance(v, str) and bool(v.strip()))
    return times, bool((times.notna() == filled).all())


def _graphic(flag_cells: pd.Series, *texts: pd.Series) -> np.ndarray:
    """Return which rows carry a graphic-content mark: a true flag cell, or GRAPHIC in capitals in their text."""
    marked = np.array(flag_cells.map(lambda v: v is True or (isinstance(v, str) and v.strip().lower() in _TRUE)), dtype=bool)
    for cells in texts:
        found = cells.astype("string").str.contains(_GRAPHIC_RE, na=False)
        marked |= found.to_numpy(dtype=bool)
    return marked


def _counts(cells: pd.Series, word: str) -> list[list[str]]:
    values = numbers(cells)
    return [[f"{v:g} {word}"] if not np.isnan(v) else [] for v in values]


# A draft's lists and titles are made once per distinct value of the cells they come from (a million events name a
# few thousand places, outlet lists and tolls), as the JSON text the frame keeps, in Arrow: made a row at a time as
# Python lists of strings and mappings, they were most of a million ACLED rows' read, and a gigabyte of its peak.

def _json_lists(columns: list[pd.Series], make: Callable[[pd.DataFrame], list[Any]]) -> pa.Array:
    """Return the JSON text of the list `make` gives each row of `columns`, made once per distinct row."""
    return per_distinct(columns, lambda rows: [cell_text(value) for value in make(rows)], missing_is_null=False)


def _filled_names(rows: pd.DataFrame) -> list[list[str]]:
    """Return, per row, its cells as text (:func:`text`), the filled ones, in column order."""
    return [[x for x in parts if x] for parts in zip(*(text(rows[i]) for i in rows.columns), strict=True)]


def _place_names(*columns: pd.Series) -> pa.Array:
    """Return each row's place names (JSON text): the filled cells of `columns`, the most precise first."""
    return _json_lists(list(columns), _filled_names)


def _outlet_sources(cells: pd.Series, separator: str = ";") -> pa.Array:
    """Return each row's sources (JSON text): one per outlet its cell names (ACLED's "A; B")."""
    return _json_lists([cells], lambda rows: [[{"source": name, "quote": ""} for name in split_outlets(cell, separator)]
                                              for cell in rows[0]])


def _url_sources(cells: pd.Series) -> pa.Array:
    """Return each row's sources (JSON text): one per web address in its cell."""
    return _json_lists([cells], lambda rows: [[{"source": url, "quote": ""} for url in urls] for urls in links_of(rows[0])])


def _links(cells: pd.Series) -> pa.Array:
    """Return each row's web addresses (JSON text)."""
    return _json_lists([cells], lambda rows: links_of(rows[0]))


def _casualties(killed: pd.Series, injured: pd.Series) -> pa.Array:
    """Return each row's casualties (JSON text): its killed and injured counts."""
    return _json_lists([killed, injured], lambda rows: [a + b for a, b in zip(
        _counts(rows[0], "killed"), _counts(rows[1], "injured"), strict=True)])


def _event_titles(first: pd.Series, second: pd.Series, place: pd.Series) -> pa.Array:
    """Return titles such as 'Air/drone strike in Kyiv': the first filled of two cells ('Event' if neither), then
    the place, if any."""
    return per_distinct([first, second, place], lambda rows: [
        f"{a or b or 'Event'}{' in ' + where if where else ''}"
        for a, b, where in zip(text(rows[0]), text(rows[1]), text(rows[2]), strict=True)], missing_is_null=False)


def _precision(codes: pd.Series, table: dict[str, tuple[str, float]], name: str, flag: Flag) -> tuple[pd.Series, pd.Series]:
    """Return the precision word and radius (metres) of each code; a code not in `table` is flagged."""
    words = codes.map(lambda c: table.get(c, (None, None))[0] if c is not None else None)
    for i in np.flatnonzero((codes.notna() & words.isna()).to_numpy()):
        flag(i, f"{name} {codes.iloc[i]!r} is not one of {', '.join(table)}", "invalid_code")
    radius = codes.map(lambda c: table.get(c, (None, np.nan))[1] if c is not None else np.nan).astype(float)
    return words, radius


def _extras(values: pd.DataFrame, consumed: set[str]) -> dict[str, pd.Series]:
    return {name: values[name] for name in values.columns if name not in consumed}


def _required(mapping: dict[str, str], kind: str) -> None:
    for name in REQUIRED:
        if name not in mapping:
            looked = ", ".join(GUESSES[name])
            raise MappingError(f"no {FIELDS[name].split(' (')[0]} column for the field {name!r} (looked for: {looked}); "
                               f"say which column it is with --map {name}=COLUMN, a mapping file beside the data "
                               "(NAME.mapping.yaml) or the page's mapping step")


def mapped_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                 row_of: Callable[[int], str], base: dict[str, str] | None = None, *, fixed_format: str | None = None,
                 points: bool = False) -> Draft:
    """Read any table through a mapping: the guesses (or a known schema's `base`), with the options' over them."""
    values = table.values
    cols = Columns(values)
    guessed = base if base is not None else guess_mapping(values.columns)
    mapping = {**guessed, **options.mapping}
    if points:
        mapping.pop("lat", None)
        mapping.pop("lon", None)
    for name, column in options.mapping.items():
        if column and cols.name(column) is None:  # "" is "from no column": a guess taken back
            raise MappingError(f"--map {name}={column}: the file has no column {column!r} "
                               f"(it has: {', '.join(map(str, values.columns[:40]))})")
    mapping = {name: cols.name(column) for name, column in mapping.items() if column and cols.name(column) is not None}
    _required({**mapping, **({"lat": "", "lon": ""} if points else {})}, kind)

    def get(name: str) -> pd.Series:
        return values[mapping[name]] if name in mapping else none_column(values)

    if points:
        assert table.points is not None
        lon, lat = (numbers(pd.Series(object_array(c), index=values.index)) for c in table.points)
    else:
        lat, lon = numbers(get("lat")), numbers(get("lon"))
    raw_date = text(get("date"))
    days, end_problems = days_of(raw_date, text(get("date_end")) if "date_end" in mapping else None, options, limits,
                                 row_of, mapping["date"], mapping.get("date_end"), fixed_format)
    kinds = text(get("type"))
    descriptions = text(get("description"))
    source_cells = get("sources")
    times, every_time = _times(text(get("time"))) if "time" in mapping else (none_column(values), False)
    columns = {
        "title": per_distinct([get("title"), get("type"), get("place")], _mapped_titles, missing_is_null=False),
        "description": descriptions,
        "time": times,
        "type": kinds.fillna("unspecified"),
        "place_names": _place_names(get("place")),
        "sources": _url_sources(source_cells),
        "weapon": text(get("weapon")),
        "graphic": _graphic(get("graphic"), text(get("title")), descriptions, text(source_cells)),
    }  # a list no column is mapped to (evidence, casualties) is "[]" in every row: the checks write it
    if "geolocation" in mapping:
        columns["location_evidence"] = _links(get("geolocation"))
    if {"killed", "injured"} & set(mapping):
        columns["casualties"] = _casualties(get("killed"), get("injured"))
    # Copied as they are: not kept twice. Everything else (dates, links, counts, flags) keeps its cell too.
    consumed = {mapping[name] for name in ("id", "lat", "lon", "title", "description", "type", "place", "weapon")
                if name in mapping}
    if every_time:  # each cell copied as it is (a cell that is no time of day keeps the column as written)
        consumed.add(mapping["time"])
    return Draft(text(get("id")), lat, lon, days, raw_date, columns, _extras(values, consumed), mapping,
                 list(days.notices), end_problems)


# ---- the known schemas -----------------------------------------------------------------------------------


def export_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                 row_of: Callable[[int], str]) -> Draft:
    """This tool's own export (GeoJSON or CSV): every column is the schema's, read back as written."""
    values = table.values
    cols = Columns(values)
    if kind == "export-csv":
        lat, lon = numbers(cols.get("lat")), numbers(cols.get("lon"))
    else:
        assert table.points is not None
        lon, lat = (numbers(pd.Series(object_array(c), index=values.index)) for c in table.points)
    raw_date = cols.text("date_start")
    days, end_problems = days_of(raw_date, cols.text("date_end"), options, limits, row_of, "date_start", "date_end")
    ranged = days.precision == "range"
    stated = text(cols.get("date_precision")[ranged])  # only where an end made a range
    days.precision[ranged] = stated.where(stated.isin(DATE_PRECISIONS), "range")
    kinds = kept_text(cols.get("type"))
    # A column the reader checked as it read it (see LIST_CHECKS) is as it will stay: read again, every cell would come
    # out as it is, with nothing to note.
    checked = {name for name in LIST_COLUMNS if cols.name(name) in table.checked_columns}
    lists = _list_columns({name: (cols.get(name), cols.name(name) in table.json_columns) for name in LIST_COLUMNS
                           if name not in checked})
    lists |= {name: ListCells(_reader_lists(cols.get(name))) for name in checked}
    for name in LIST_COLUMNS:  # a row's problems in LIST_COLUMNS' order, and its bad conflicts after its bad JSON
        for i, reason, code in lists[name].flags:
            flag(i, reason, code)
    for i, problem in lists["conflicts"].problems:
        flag(i, problem, "invalid_conflicts")
    lists = {name: cells.text for name, cells in lists.items()}
    del lists["flags"]  # only checked: the checks work out each row's flags anew
    columns = {
        "title": _kept_titles(kept_text(cols.get("title", "name")), kinds, lists["place_names"]),
        "description": kept_text(cols.get("description")),
        "type": kinds.fillna("unspecified"),
        "precision": kept_text(cols.get("precision")),
        "radius_m": numbers(cols.get("radius_m")),
        **lists,
        "graphic": _true_cells(cols.get("graphic")),
        **{name: kept_text(cols.get(name)) for name in ("time", "timezone", "weapon", "coding_note")},
    }
    schema = {*INCIDENT_COLUMNS, *DERIVED}
    if kind == "export-csv":
        schema |= {"lat", "lon", SPARSE_COLUMN}  # SPARSE_COLUMN: our own, read back by the importer
    extra = {name: values[name] for name in values.columns if name not in schema}
    return Draft(cols.text("id"), lat, lon, days, raw_date, columns, extra, {}, list(days.notices), end_problems)


def geojson_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                  row_of: Callable[[int], str]) -> Draft:
    """A GeoJSON file: this tool's export read back as written; another tool's properties through a mapping."""
    if "date_start" in table.values and not options.mapping:
        return export_draft(table, kind, options, flag, limits, row_of)
    restore_json(table)  # another tool's properties of the export's names are read as that tool wrote them
    return mapped_draft(table, kind, options, flag, limits, row_of, points=True)


def acled_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                row_of: Callable[[int], str]) -> Draft:
    """ACLED, both schemas: event_date in either style, precision codes into intervals and radii."""
    values = table.values
    cols = Columns(values)
    raw_date = cols.text("event_date")
    days = read_days(raw_date, limits, column="event_date", date_format=options.date_format, row_of=row_of)
    time_code = cols.text("time_precision").fillna("1")
    date_precision = time_code.map(ACLED_TIME_PRECISION)
    for i in np.flatnonzero(date_precision.isna().to_numpy()):
        flag(i, f"time_precision {time_code.iloc[i]!r} is not 1, 2 or 3", "invalid_code")
    day = days.start
    week, month = (date_precision == "week").to_numpy(), (date_precision == "month").to_numpy()
    days.start[week], days.end[week] = day[week] - pd.Timedelta(days=3), day[week] + pd.Timedelta(days=3)
    days.start[month] = day[month].dt.to_period("M").dt.start_time
    days.end[month] = day[month] + pd.offsets.MonthEnd(0)
    days.precision = date_precision.where(days.start.notna(), None)
    precision, radius = _precision(cols.text("geo_precision").fillna("1"), ACLED_GEO_PRECISION, "geo_precision", flag)
    location = cols.get("location")
    columns = {
        "title": _event_titles(cols.get("sub_event_type"), cols.get("event_type"), location),
        # ACLED's notes are its coders' own summary of the sources: the text the format carries, kept verbatim (in
        # Arrow: a million rows of notes as Python strings were 200 MB).
        "description": kept_text(cols.get("notes")),
        "type": kept_text(cols.get("event_type")).fillna("unspecified"),
        "place_names": _place_names(location, cols.get("admin2"), cols.get("admin1"), cols.get("country")),
        "precision": precision,
        "radius_m": radius,
        # ACLED's "source" names outlets separated by ";" (no links).
        "sources": _outlet_sources(cols.get("source")),
        "casualties": _json_lists([cols.get("fatalities")], lambda rows: [
            [f"{v:g} killed (ACLED fatalities)"] if not np.isnan(v) else [] for v in numbers(rows[0])]),
        "graphic": np.zeros(len(values), dtype=bool),
    }
    mapping = {"id": "event_id_cnty", "date": "event_date", "lat": "latitude", "lon": "longitude", "type": "event_type",
               "description": "notes", "sources": "source", "place": "location", "killed": "fatalities"}
    mapping = {k: cols.name(v) for k, v in mapping.items() if cols.name(v)}
    consumed = {cols.name(n) for n in ("event_id_cnty", "latitude", "longitude", "event_type", "notes")} - {None}
    return Draft(cols.text("event_id_cnty"), numbers(cols.get("latitude")), numbers(cols.get("longitude")), days,
                 raw_date, columns, _extras(values, consumed), mapping, list(days.notices))


def ucdp_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
               row_of: Callable[[int], str]) -> Draft:
    """UCDP GED: the days from date_start/date_end, the radius from where_prec, the toll from best/low/high."""
    values = table.values
    cols = Columns(values)
    raw_date = cols.text("date_start")
    days, end_problems = days_of(raw_date, cols.text("date_end"), options, limits, row_of, "date_start", "date_end")
    # date_prec 4 (known to the month) or 5 (to the year) over a whole calendar month or year reads as that month
    # or year ("June 2022"), not as thirty days; other spans stay the range the file gives.
    code = cols.text("date_prec")
    start, end = days.start, days.end
    whole_month = (start.dt.day == 1) & (end == start + pd.offsets.MonthEnd(0))
    whole_year = (start.dt.day_of_year == 1) & (end == start + pd.offsets.YearEnd(0))
    days.precision = days.precision.where(~((code == "4") & whole_month).to_numpy(), "month")
    days.precision = days.precision.where(~((code == "5") & whole_year).to_numpy(), "year")
    precision, radius = _precision(cols.text("where_prec"), UCDP_WHERE_PRECISION, "where_prec", flag)
    violence = cols.text("type_of_violence")
    kinds = violence.map(lambda c: UCDP_VIOLENCE.get(c, c) if c else None)
    where = cols.get("where_description")

    def casualties(rows: pd.DataFrame) -> list[list[str]]:
        best, low, high = (numbers(rows[i]) for i in range(3))
        return [[f"{b:g} killed (UCDP best estimate; low {lo:g}, high {hi:g})"] if not np.isnan(b) else []
                for b, lo, hi in zip(best, low, high, strict=True)]

    columns = {
        "title": _event_titles(cols.get("dyad_name"), cols.get("conflict_name"), where),
        "description": none_column(values),
        "type": kinds.fillna("unspecified"),
        "place_names": _place_names(where, cols.get("adm_2"), cols.get("adm_1"), cols.get("country")),
        "precision": precision,
        "radius_m": radius,
        # source_article lists the articles UCDP coded from, separated by ";" (names and dates, rarely links).
        "sources": _outlet_sources(cols.get("source_article")),
        "casualties": _json_lists([cols.get(n) for n in ("best", "low", "high")], casualties),
        "graphic": np.zeros(len(values), dtype=bool),
    }
    mapping = {"id": "id", "date": "date_start", "date_end": "date_end", "lat": "latitude", "lon": "longitude",
               "type": "type_of_violence", "sources": "source_article", "place": "where_description", "killed": "best"}
    mapping = {k: cols.name(v) for k, v in mapping.items() if cols.name(v)}
    consumed = {cols.name(n) for n in ("id", "latitude", "longitude", "where_description")} - {None}
    return Draft(cols.text("id"), numbers(cols.get("latitude")), numbers(cols.get("longitude")), days, raw_date,
                 columns, _extras(values, consumed), mapping, list(days.notices), end_problems)


def cir_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
              row_of: Callable[[int], str]) -> Draft:
    """The CIR monitor: a mapping, plus the place from town/city, district and province."""
    cols = Columns(table.values)
    base = {"id": "entry", "date": "date", "type": "event_group", "title": "title", "description": "brief description",
            "lat": "lat", "lon": "lon", "weapon": "arms/munition", "sources": "link", "geolocation": "geolocation",
            "place": "town/city"}
    draft = mapped_draft(table, kind, options, flag, limits, row_of, {k: v for k, v in base.items() if cols.name(v)})
    draft.columns["place_names"] = _place_names(*(cols.get(name) for name in ("town/city", "district", "province",
                                                                              "country")))
    return draft


def gdelt_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                row_of: Callable[[int], str]) -> Draft:
    """GDELT events: the action's place and type, SQLDATE as the day, SOURCEURL as the source."""
    values = table.values
    cols = Columns(values)
    raw_date = cols.text("SQLDATE")
    days = read_days(raw_date, limits, column="SQLDATE", date_format=options.date_format or "%Y%m%d", row_of=row_of)
    precision, radius = _precision(cols.text("ActionGeo_Type"), GDELT_GEO_TYPE, "ActionGeo_Type", flag)
    root = cols.text("EventRootCode").map(lambda c: CAMEO_ROOTS.get(c.zfill(2), f"CAMEO {c}") if c else None)
    place = cols.text("ActionGeo_FullName")
    actors = [" – ".join(a for a in pair if a) for pair in zip(cols.text("Actor1Name"), cols.text("Actor2Name"),
                                                               strict=True)]
    columns = {
        "title": [f"{r or 'Event'}{': ' + a if a else ''}{' in ' + p if p else ''}"
                  for r, a, p in zip(root, actors, place, strict=True)],
        "description": none_column(values),
        "type": root.fillna("unspecified"),
        "place_names": _place_names(cols.get("ActionGeo_FullName")),
        "precision": precision,
        "radius_m": radius,
        "sources": _url_sources(cols.get("SOURCEURL")),  # casualties: none (the checks write "[]" in every row)
        "graphic": np.zeros(len(values), dtype=bool),
    }
    mapping = {"id": "GLOBALEVENTID", "date": "SQLDATE", "lat": "ActionGeo_Lat", "lon": "ActionGeo_Long",
               "type": "EventRootCode", "place": "ActionGeo_FullName", "sources": "SOURCEURL"}
    mapping = {k: v for k, v in mapping.items() if cols.name(v)}
    consumed = {"GLOBALEVENTID", "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FullName"}
    return Draft(cols.text("GLOBALEVENTID"), numbers(cols.get("ActionGeo_Lat")), numbers(cols.get("ActionGeo_Long")),
                 days, raw_date, columns, _extras(values, consumed), mapping, list(days.notices))


def bellingcat_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                     row_of: Callable[[int], str]) -> Draft:
    """Bellingcat's civilian-harm records: sources' paths as links, each filter a field of its own."""
    values = table.values.copy()
    filters = _filter_fields(values.get("filters"), flag)
    for name, column in filters.items():
        values[name if name not in values else f"filter: {name}"] = column
    base = {"id": "id", "date": "date", "lat": "latitude", "lon": "longitude", "place": "location",
            "description": "description", "sources": "sources"}
    # The civilian-harm sheet names the weapon in a filter of its own.
    weapon = next((name for name in filters if name.strip().lower() in ("weapon system", "weapon")), None)
    if weapon is not None:
        base["weapon"] = weapon if weapon in values else f"filter: {weapon}"
    draft = mapped_draft(Table(values, table.where, table.lines, table.errors, sparse=table.sparse), kind, options,
                         flag, limits, row_of, base, fixed_format="%m/%d/%Y")
    draft.columns["sources"] = [_path_sources(cell) for cell in values.get("sources", none_column(values))]
    graphic = values.get("graphic", none_column(values))
    draft.columns["graphic"] = draft.columns["graphic"] | graphic.map(lambda v: v is True).to_numpy(dtype=bool)
    draft.extra.pop("filters", None)  # each filter is a field of its own now
    return draft


def timemap_draft(table: Table, kind: str, options: ImportOptions, flag: Flag, limits: Limits,
                  row_of: Callable[[int], str]) -> Draft:
    """TimeMap events, with their sources and associations looked up in the export's other parts."""
    values = table.values.copy()
    sources = table.side.get("sources") or {}
    if isinstance(sources, list):
        sources = {str(s.get("id")): s for s in sources if isinstance(s, dict)}
    associations = table.side.get("associations") or []
    by_id = {str(a.get("id")): a for a in associations if isinstance(a, dict)}
    labels = []
    for cell in values.get("associations", none_column(values)):
        ids = cell if isinstance(cell, list) else []
        labels.append([str(by_id.get(str(i), {}).get("title") or i) for i in ids])
    filter_ids = {key for key, a in by_id.items() if str(a.get("mode", "")).upper() == "FILTER"}
    values["filters"] = [[str(by_id[str(i)].get("title") or i) for i in (cell if isinstance(cell, list) else [])
                          if str(i) in filter_ids] for cell in values.get("associations", none_column(values))]
    values["narratives"] = [[label for i, label in zip(cell if isinstance(cell, list) else [], names, strict=False)
                             if str(i) not in filter_ids] for cell, names in
                            zip(values.get("associations", none_column(values)), labels, strict=True)]
    type_column = "category" if "category" in values else None
    if type_column is None:
        values["category"] = [f[0] if f else None for f in values["filters"]]
    base = {"id": "id", "date": "date", "time": "time", "lat": "latitude", "lon": "longitude", "place": "location",
            "description": "description", "type": "category"}
    base = {name: column for name, column in base.items() if name != "time" or column in values}
    draft = mapped_draft(Table(values, table.where, table.lines, table.errors, sparse=table.sparse), kind, options,
                         flag, limits, row_of, base, fixed_format="%m/%d/%Y")
    cited = values.get("sources", none_column(values))
    draft.columns["sources"] = [_timemap_sources(cell, sources) for cell in cited]
    draft.extra.pop("associations", None)  # read into filters and narratives
    if type_column is None:
        draft.extra.pop("category", None)
    return draft


def _filter_fields(cells: pd.Series | None, flag: Flag) -> dict[str, list]:
    """Return Bellingcat's filters [{key, value}] as one column per key (several values joined by '; ')."""
    if cells is None:
        return {}
    columns: dict[str, list] = {}
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        if not isinstance(cell, list):
            flag(i, "filters is not a list of {key, value}", "invalid_value")
            continue
        for item in cell:
            if isinstance(item, dict) and item.get("key") not in (None, ""):
                column = columns.setdefault(str(item["key"]), [None] * len(cells))
                value = "" if item.get("value") is None else str(item["value"])
                column[i] = value if column[i] is None else f"{column[i]}; {value}"
    return columns


def _path_sources(cell: Any) -> list[dict]:
    """Return the links of Bellingcat's sources [{id, path, description}]."""
    items = cell if isinstance(cell, list) else []
    urls = [url for item in items if isinstance(item, dict) for url in split_links(item.get("path"))]
    return [{"source": url, "quote": ""} for url in dict.fromkeys(urls)]


def _timemap_sources(cell: Any, sources: dict) -> list[dict]:
    """Return the links (or, failing those, the titles) of the TimeMap sources an event cites."""
    out = []
    for ident in cell if isinstance(cell, list) else []:
        source = sources.get(str(ident)) if isinstance(sources, dict) else None
        if not isinstance(source, dict):
            continue
        urls = split_links(source.get("url"))
        for path in source.get("paths") or []:
            urls += split_links(path)
        out += [{"source": url, "quote": ""} for url in urls]
    seen: dict[str, dict] = {}
    for item in out:
        seen.setdefault(item["source"], item)
    return list(seen.values())


# ---- our own list cells -------------------------------------------------------------------------------


_EMPTY: list = []  # the value of every "[]" cell: never changed, only read and compared


@dataclass
class ListCells:
    """A list column's cells as read: their JSON text, and what the reading found per row."""

    text: pa.ChunkedArray
    flags: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, code): cells that are not JSON
    problems: list[tuple[int, str]] = field(default_factory=list)  # (row, reason): cells JSON, but not of the schema

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the text's visible cells only: a slice of an Arrow array pickles its whole buffer (the helper's
        half, kept as slices of what it was sent, came back eight times over)."""
        state = dict(self.__dict__)
        if self.text.num_chunks:
            state["text"] = pa.chunked_array([_on_its_own(self.text)], pa.large_string())
        return state


def _on_its_own(cells: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return cells as one array of their own (a slice of an Arrow array pickles its whole buffer)."""
    return pa.concat_arrays(cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells])


def _read_strings(value: Any) -> tuple[list[str], None]:
    return _strings(value), None


def _read_sources(value: Any) -> tuple[list[dict], None]:
    return _sources(value), None


def _read_conflicts(value: Any) -> tuple[Any, str | None]:
    problem = None if _missing(value) else _conflict_problem(value)
    return (value if not _missing(value) and problem is None else []), problem


# How the export's list columns are read: each cell's value to (the value kept, or the reason it is not of the
# schema). Every one reads a missing cell and an empty list as an empty list, with no reason (see _list_cells).
_CELL_READERS: dict[str, Callable[[Any], tuple[Any, str | None]] | None] = {
    "places": _read_strings, "place_names": _read_strings, "casualties": _read_strings, "sources": _read_sources,
    "conflicts": _read_conflicts, "location_evidence": _read_strings, "flags": None}


def _json_only(value: Any) -> tuple[Any, None]:
    """A cell only checked to be JSON (the flags, worked out anew by the checks): a value read from JSON is."""
    return value, None


# The checks a JSON reader runs on the export's lists as it reads them (:class:`~geo.imports.tables.Records`): a
# column whose every value passed, kept as it is, is not parsed again by _list_cells, whose reading it would pass
# unchanged (a million-row export: each list's text was written, then parsed back to be checked).
LIST_CHECKS: dict[str, Callable[[Any], tuple[Any, str | None]]] = {
    name: read or _json_only for name, read in _CELL_READERS.items()}
# A file of at least this many rows has the second half of its list columns read by the reading helper, beside the
# first half read here (a million rows' lists: 4.4 s on one core); a smaller one is not worth the helper's start.
LISTS_BESIDE_MIN_ROWS = 150_000


def _list_columns(columns: dict[str, tuple[pd.Series, bool]]) -> dict[str, ListCells]:
    """Return the export's list columns read (`columns`: each one's cells, and whether they are the reader's JSON text).

    A long table's second half is read by the reading helper (:func:`~geo.imports.split.beside`) while this process
    reads the first; the halves are joined in order, the same cells and the same problems at the same rows. If the
    helper cannot (none, or it broke), this process reads the second half too.
    """
    from .split import beside

    if not columns:
        return {}
    n = len(next(iter(columns.values()))[0])
    # A column with nothing in it (a property no feature fills) is "[]" in every row, and nothing to note.
    empty = {name: ListCells(pa.chunked_array([empty_lists(n)] if _CELL_READERS[name] else [], pa.large_string()))
             for name, (series, _) in columns.items() if _all_missing(series)}
    if empty:
        rest = _list_columns({name: cells for name, cells in columns.items() if name not in empty})
        return {name: empty[name] if name in empty else rest[name] for name in columns}
    half = n // 2

    def rows(picked: Callable[[pd.Series], Any]) -> dict[str, tuple[Any, bool]]:
        return {name: (picked(series), json) for name, (series, json) in columns.items()}

    waiting = beside(_read_list_columns, rows(lambda series: _compact(series, half)), half) if (
        n >= LISTS_BESIDE_MIN_ROWS) else None
    if waiting is None:
        return _read_list_columns(columns)
    first = _read_list_columns(rows(lambda series: series.iloc[:half]))
    try:
        second = waiting()
    except Exception:  # the helper broke: its half is read here
        second = _read_list_columns(rows(lambda series: series.iloc[half:]), half)
    return {name: ListCells(pa.chunked_array([*first[name].text.chunks, *second[name].text.chunks], pa.large_string()),
                            first[name].flags + second[name].flags, first[name].problems + second[name].problems)
            for name in columns}


def _all_missing(series: pd.Series) -> bool:
    """Return whether every cell of a column of Python values is None or NaN, which every list reader reads as an
    empty list with nothing to note (a million rows of a property no feature fills: a million calls, and half of
    them a round trip to the helper)."""
    if series.dtype != object or not series.isna().all():
        return False
    return all(value is None or isinstance(value, float) for value in series.array)  # not pd.NA or NaT: not read so


def _compact(series: pd.Series, start: int) -> pa.Array | np.ndarray:
    """Return a column's cells from row `start` on, on their own, to be sent to the helper."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        return _on_its_own(pa.array(series.iloc[start:], type=pa.large_string()))
    return series.to_numpy(dtype=object)[start:].copy()


def _read_list_columns(columns: dict[str, tuple[Any, bool]], first_row: int = 0) -> dict[str, ListCells]:
    """Read the export's list columns (each one's cells, and whether they are the reader's JSON text), the first cell
    being row `first_row`."""
    return {name: _list_cells(cells, name, _CELL_READERS[name], json, first_row) for name, (cells, json) in columns.items()}


def _reader_lists(cells: pd.Series) -> pa.ChunkedArray:
    """Return a column of the reader's checked JSON text as the list column's text: a missing cell is "[]", as
    :func:`_list_cells` makes it; the others are the cells themselves, not a copy."""
    text = pa.array(cells, type=pa.large_string())
    text = text if isinstance(text, pa.ChunkedArray) else pa.chunked_array([text])
    return pc.fill_null(text, "[]") if text.null_count else text


def _list_cells(cells: pd.Series | pa.Array | np.ndarray, name: str, read: Callable[[Any], tuple[Any, str | None]] | None,
                reader_json: bool = False, first_row: int = 0) -> ListCells:
    """Return a list column's cells, each read by `read` (value → the value kept, and a reason it is not of the
    schema, or None), as JSON text in Arrow; the first cell is row `first_row`.

    A cell is a value (a list, a mapping), or JSON text: the CSV export's list cells, or a GeoJSON feature's
    lists kept as text while the file was read (:class:`~geo.imports.tables.JsonText`). One row's value at a time
    is a Python object: a million rows of sources and places as lists took gigabytes. A value `read` returns
    unchanged keeps the text it came as, when the reader wrote it (orjson's, the same as a dump: a JsonText, or
    any text of a column of them, `reader_json`); any other is written anew. Without `read`, the cells are only
    checked (and the text is empty).

    In a column of the reader's text, a missing cell and "[]" are "[]" without a call: every `read` here reads
    both as an empty list and notes nothing (a test holds each to it), and they were half of a million rows' calls.
    """
    found = ListCells(pa.chunked_array([], pa.large_string()))
    blocks: list[pa.Array] = []
    rewritten = [False]  # whether a cell of the block at hand comes out as other text than it came in

    def one(i: int, value: Any) -> str | None:
        ours = reader_json or type(value) is JsonText
        # orjson reads only exact strings: a JsonText is copied into one (which is kept, if the value is)
        text = str.__str__(value) if isinstance(value, str) and value.strip()[:1] in ("[", "{") else None
        if text == "[]":
            value = _EMPTY
        elif text is not None:
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                found.flags.append((i, f"{name} is not valid JSON ({exc})", "invalid_json"))
                value = text = None
        if read is None:
            return None
        kept, problem = read(value)
        if problem is not None:
            found.problems.append((i, problem))
        if kept is value and ours and text is not None:
            return text
        rewritten[0] = True
        return "[]" if kept == [] else orjson.dumps(kept).decode("utf-8")

    if isinstance(cells, pd.Series):  # text in Arrow stays there; any other column is read a Python value at a time
        in_arrow = isinstance(cells.dtype, pd.StringDtype) and cells.dtype.storage == "pyarrow"
        cells = pa.array(cells, type=pa.large_string()) if in_arrow else cells.to_numpy(dtype=object)
    arrow = isinstance(cells, pa.Array | pa.ChunkedArray)
    for start in range(0, len(cells), BLOCK_ROWS):  # a block of Python values at a time, never the column's
        if not arrow:
            out = [one(i, value) for i, value in enumerate(cells[start:start + BLOCK_ROWS].tolist(), first_row + start)]
            blocks.append(pa.array(out if read is not None else [], type=pa.large_string()))
            continue
        part = cells.slice(start, BLOCK_ROWS)
        flat = part.combine_chunks() if isinstance(part, pa.ChunkedArray) else part  # a column of several runs
        full = pc.invert(pc.fill_null(pc.equal(flat, "[]"), True))  # neither missing nor "[]"
        rows = np.flatnonzero(full.to_numpy(zero_copy_only=False)) + first_row + start
        rewritten[0] = False
        out = [one(int(i), value) for i, value in zip(rows, pc.filter(flat, full).to_pylist(), strict=True)]
        if read is None:
            blocks.append(pa.array([], type=pa.large_string()))
        elif not rewritten[0] and flat.null_count == 0:
            # Every cell kept as it came (nearly every block of an export): the cells themselves, not a copy (a million
            # rows' sources are 200 MB, and the file's column is let go only after the checks' own copy).
            blocks.extend(part.chunks if isinstance(part, pa.ChunkedArray) else [part])
        else:
            empty = empty_lists(len(flat))
            blocks.append(pc.replace_with_mask(empty, full, pa.array(out, type=pa.large_string())))
    found.text = pa.chunked_array(blocks, pa.large_string())
    return found


def _strings(value: Any) -> list[str]:
    """Return a cell as a list of strings (a lone value becomes a one-item list)."""
    if type(value) is list:
        for x in value:  # a loop, not all() over a generator: run for every list of every row of a file
            if type(x) is not str:
                break
        else:
            return value
    if _missing(value):
        return []
    if isinstance(value, list):
        return [str(x) for x in value if x is not None]
    return [str(value)]


def _sources(value: Any) -> list[dict]:
    """Return a sources cell as [{source, quote}]; plain names are accepted too."""
    if type(value) is list:
        for x in value:  # a loop, not all() over a generator: run for every list of every row of a file
            if not (type(x) is dict and len(x) == 2 and type(x.get("source")) is str and x["source"]
                    and type(x.get("quote")) is str):
                break
        else:
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


# ---- which schema ------------------------------------------------------------------------------------------

DRAFTS: dict[str, Callable[..., Draft]] = {
    "geojson": geojson_draft, "export-csv": export_draft, "acled": acled_draft, "ucdp-ged": ucdp_draft,
    "cir": cir_draft, "gdelt": gdelt_draft, "bellingcat": bellingcat_draft, "timemap": timemap_draft,
    "csv": mapped_draft, "json": mapped_draft,
}
FORMATS = tuple(DRAFTS)
# Formats read through a column mapping, which --map and the page's mapping step change. The others are read by
# their own schema alone: a mapping given for one is refused, never ignored.
MAPPED_FORMATS = ("csv", "json", "geojson", "cir")
LABELS = {
    "geojson": "GeoJSON", "export-csv": "this tool's CSV export", "acled": "ACLED CSV", "ucdp-ged": "UCDP GED CSV",
    "cir": "CIR Russia–Ukraine monitor CSV", "gdelt": "GDELT event file", "bellingcat": "Bellingcat civilian-harm JSON",
    "timemap": "TimeMap export", "csv": "CSV (column mapping)", "json": "JSON records (column mapping)",
}
_HEADER_SCHEMAS = (
    ("export-csv", {"id", "date_start", "date_end", "sources", "lat", "lon"}),
    ("acled", {"event_id_cnty", "event_date", "latitude", "longitude"}),
    ("ucdp-ged", {"id", "date_start", "date_end", "date_prec", "where_prec", "latitude", "longitude"}),
    ("cir", {"entry", "date", "event_group", "lat", "lon", "link"}),
)
BELLINGCAT_KEYS = {"id", "date", "latitude", "longitude", "sources", "filters"}


def detect_table(header: list[str]) -> str:
    """Return the schema a CSV header belongs to ('csv' when none is known)."""
    names = {h.strip().lower() for h in header}
    return next((kind for kind, needed in _HEADER_SCHEMAS if needed <= names), "csv")


def gdelt_width(first_line: str) -> int | None:
    """Return the column count of a GDELT event file's first line (57, 58 or 61), or None if it is not one."""
    cells = first_line.rstrip("\r\n").split("\t")
    if len(cells) in GDELT_COLUMNS and cells[0].strip().isdigit() and re.fullmatch(r"\d{8}", cells[1].strip()):
        return len(cells)
    return None
