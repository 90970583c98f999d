"""The checks every import shares, and the frame they leave: rejected rows, flagged rows, duplicates.

A row is **rejected** (an error) when it cannot be drawn honestly: no coordinates or coordinates
out of range, exactly (0, 0), no date or a date that does not exist, or (with ``--duplicates
reject``) an id used twice. A row is **flagged** (a warning: it loads, and says why it is suspect)
when it is plausible but odd: within about 1 km of (0, 0); far from the bulk of the dataset;
its latitude and longitude look swapped; its date lies more than a year away from the bulk, or in
the future. Exact repeats (same id, date, point and title) merge into one incident, with a note;
the same id with other content is kept under a new id (``-2``, ``-3``…) with a warning.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..dates import DateInterval
from ..frames import CRS, INCIDENT_COLUMNS, SPARSE_COLUMN, text_array
from ..json_cells import JsonTextArray, cell_text, non_empty_lists
from ..limits import Limits
from ..memory import give_back, no_cycle_collection
from ..problems import Problem
from .distinct import per_distinct
from .fields import ImportOptions
from .links import outlet_counts
from .schemas import LIST_COLUMNS, Draft
from .tables import Table, empty_lists, object_array

NEAR_ZERO_DEGREES = 0.01  # about 1 km at the equator
MIN_ROWS_FOR_BULK = 20  # fewer rows have no "bulk" to be far from
MIN_ROWS_FOR_SWAP = 5  # a swapped point stands out among a handful already
# Far: over 5 × the distance within which three quarters of the points lie (robust to a quarter of outliers),
# and over 1,000 km.
FAR_FACTOR, FAR_MIN_KM = 5.0, 1_000.0
ISOLATED_DAYS, ISOLATED_SHARE = 365, 0.05  # a group of dates over a year from the rest, with at most 5 % of the rows
# Names the export writes itself: a free column of that name is kept under another name.
_RESERVED = ("lat", "lon", "geometry", SPARSE_COLUMN)


@dataclass
class ImportResult:
    """What a dataset file gave: the usable incidents, and every row that was rejected or flagged and why."""

    frame: gpd.GeoDataFrame  # sorted by date_start, then id
    problems: list[Problem]
    rejected: list[str]
    rows: int
    format: str
    file: str
    extra_columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # {field: column} the file was read with
    date_format: str | None = None  # the date order or format the file was read with
    merged: int = 0  # exact repeats merged into the incident they repeat
    renamed: dict[str, str] = field(default_factory=dict)  # {file column: the name it is kept under}, where they differ
    # The file's columns and first rows as read (what the mapping step shows, without reading the file again).
    columns_read: list[str] = field(default_factory=list)
    first_rows: list[dict] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """Return how many rows loaded (exact repeats included, though they merged): loaded + rejected = rows."""
        return len(self.frame) + self.merged

    @property
    def warnings(self) -> list[Problem]:
        """Return the problems that did not reject their row (flags, notices, merges)."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def flagged(self) -> int:
        """Return how many incidents carry a plausibility flag."""
        return int(non_empty_lists(self.frame["flags"]).sum()) if len(self.frame) else 0

    def summary(self) -> str:
        """Return 'N of M rows loaded, K rejected, F flagged' for messages."""
        text = f"{self.loaded:,} of {self.rows:,} rows loaded, {len(self.rejected):,} rejected"
        if self.flagged:
            text += f", {self.flagged:,} flagged"
        if self.merged:
            text += f", {self.merged:,} exact repeat(s) merged"
        return text

    def to_json(self) -> dict:
        """Return the result as `python -m geo validate --json` prints it."""
        return {"file": self.file, "format": self.format, "rows": self.rows, "loaded": self.loaded,
                "rejected": len(self.rejected), "incidents": len(self.frame), "flagged": self.flagged,
                "mapping": self.mapping, "date_format": self.date_format,
                "problems": [p.to_dict() for p in self.problems]}


def _day_text(days: pd.DataFrame) -> pd.Series:
    return days[0].dt.strftime("%Y-%m-%d")


def _label_text(intervals: pd.DataFrame) -> pd.Series:
    """Return human date labels ('10 March 2022', 'week of …', 'March 2022', '2022', a range): DateInterval's rule."""
    return pd.Series([DateInterval(first.date(), last.date(), kind).label() if pd.notna(first) and pd.notna(last)
                      and isinstance(kind, str) else None
                      for first, last, kind in zip(intervals[0], intervals[1], intervals[2], strict=True)])


def _free_name(name: str, taken: set[str]) -> str:
    """Return `name`, or `name_2`, `name_3`… when the export writes a column of that name itself."""
    if name not in _RESERVED and name not in taken:
        return name
    number = 2
    while f"{name}_{number}" in taken or f"{name}_{number}" in _RESERVED:
        number += 1
    return f"{name}_{number}"


def distance_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Return great-circle distances (km) from one point: the haversine, to the bit."""
    # The haversine, 2R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2))), in three arrays worked in place: written as
    # one expression, a million rows made a dozen arrays, each a fresh 8 MB (slow to touch on these machines).
    # The same operations in the same order: the same numbers (tested against the expression).
    one = np.ndim(lat) == 0 and np.ndim(lon) == 0
    lat, lon = np.broadcast_arrays(np.atleast_1d(np.asarray(lat, dtype=float)), np.atleast_1d(np.asarray(lon, dtype=float)))
    cos2 = np.cos(np.radians(lat0))
    p1 = np.radians(lat)
    haversine = np.subtract(np.radians(lat0), p1)  # Δφ, then sin²(Δφ/2)
    np.sin(np.divide(haversine, 2, out=haversine), out=haversine)
    np.square(haversine, out=haversine)
    dlmb = np.radians(np.subtract(lon0, lon, dtype=float))  # Δλ, then sin²(Δλ/2)
    np.sin(np.divide(dlmb, 2, out=dlmb), out=dlmb)
    np.square(dlmb, out=dlmb)
    np.cos(p1, out=p1)  # cos φ1 cos φ2 sin²(Δλ/2)
    np.multiply(p1, cos2, out=p1)
    np.multiply(p1, dlmb, out=p1)
    np.add(haversine, p1, out=haversine)
    np.clip(haversine, 0, 1, out=haversine)
    np.arcsin(np.sqrt(haversine, out=haversine), out=haversine)
    np.multiply(2 * 6371.0, haversine, out=haversine)
    return haversine[0] if one else haversine  # one point given: a number, as the expression gives


def plausibility(lat: np.ndarray, lon: np.ndarray, start: np.ndarray, good: np.ndarray,
                 today: date | None = None) -> dict[int, list[tuple[str, str]]]:
    """Return, per row, the (code, message) of each plausibility warning it raises (among the `good` rows)."""
    flags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = np.flatnonzero(good)
    if not len(rows):
        return flags
    la, lo = lat[rows], lon[rows]
    near = (np.abs(la) < NEAR_ZERO_DEGREES) & (np.abs(lo) < NEAR_ZERO_DEGREES)
    for i in rows[near]:
        flags[int(i)].append(("near_null_island", f"point ({lat[i]}, {lon[i]}) is within about 1 km of (0, 0), "
                                                  "a common placeholder"))
    if len(rows) >= MIN_ROWS_FOR_SWAP:
        # The bulk's centre: the median point; "far" is against the spread of the dataset itself.
        lat0, lon0 = float(np.median(la)), float(np.median(lo))
        distance = distance_km(la, lo, lat0, lon0)
        typical = float(np.median(distance))
        quartile = float(np.quantile(distance, 0.75))
        limit = max(FAR_FACTOR * quartile, FAR_MIN_KM)
        # Only a point over FAR_MIN_KM away can be taken for swapped: the others' swapped distance is never asked.
        swappable = np.flatnonzero((distance > FAR_MIN_KM) & (np.abs(lo) <= 90))
        swapped_distance = np.full(len(rows), np.inf)
        swapped_distance[swappable] = distance_km(lo[swappable], la[swappable], lat0, lon0)
        # Swapped: far as given, among the rest once swapped (a small file has a bulk for this too).
        swapped = (distance > FAR_MIN_KM) & (swapped_distance < np.minimum(distance / 3, 2 * typical + 50))
        far = (distance > limit) & ~swapped if len(rows) >= MIN_ROWS_FOR_BULK else np.zeros(len(rows), dtype=bool)
        for k in np.flatnonzero(swapped):
            i = int(rows[k])
            flags[i].append(("lat_lon_swapped", f"latitude and longitude look swapped: ({lat[i]}, {lon[i]}) is "
                                                f"{distance[k]:,.0f} km from the rest, ({lon[i]}, {lat[i]}) would be "
                                                f"{swapped_distance[k]:,.0f} km"))
        for k in np.flatnonzero(far):
            i = int(rows[k])
            flags[i].append(("far_from_the_rest", f"point ({lat[i]}, {lon[i]}) is {distance[k]:,.0f} km from the "
                                                  f"middle of the dataset; three quarters are within {quartile:,.0f} km"))
    days = start[rows].astype("datetime64[D]")
    order = np.argsort(days, kind="stable")
    gaps = np.diff(days[order]).astype(np.int64)
    breaks = np.flatnonzero(gaps > ISOLATED_DAYS)
    if len(breaks):
        groups = np.split(order, breaks + 1)
        biggest = max(len(g) for g in groups)
        for group in groups:
            if len(group) < biggest and len(group) <= ISOLATED_SHARE * len(rows):
                for k in group:
                    i = int(rows[k])
                    flags[i].append(("date_isolated", f"date {days[k]!s} is more than a year away from the other "
                                                      "rows' dates (a typo in the year?)"))
    today64 = np.datetime64(today or date.today(), "D")
    for k in np.flatnonzero(days > today64):
        i = int(rows[k])
        flags[i].append(("date_in_future", f"date {days[k]!s} is in the future"))
    return flags


# Cells taken between two gives back in the checks: each column of a million rows (as before), a few of a wide small
# file (a trim per column of 990 columns of 3,000 rows took 26 s of a 27 s read).
GIVE_BACK_CELLS = 1_000_000


def finish(table: Table, draft: Draft, file: str, kind: str, options: ImportOptions, limits: Limits,
           reasons: dict[int, list[tuple[str, str]]], sparse: list[dict | None] | None,
           categories: bool = False) -> ImportResult:
    """Check every row; build the frame from the usable ones; a problem for each reason a row is bad or odd.

    With `categories`, the text columns that repeat are held as pandas categories (:func:`~geo.frames.text_array`).

    The draft is spent: its columns are let go as they are taken into the frame.

    The frame's columns of lists are JSON text (:class:`~geo.json_cells.JsonTextArray`; :func:`as_values` reads
    them), unless a value in one is not JSON's to carry back exactly.
    """
    n = len(table.where)
    # Each row's outlets, counted beside the checks (Arrow's JSON reader lets go of the GIL: a million rows' sources,
    # 0.5 s), from the draft's sources in the file's order, and taken with the usable rows below.
    counting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-outlets")
    outlets = counting.submit(outlet_counts, draft.columns["sources"])
    counting.shutdown(wait=False)

    def flag(i: int, reason: str, code: str) -> None:
        if int(i) not in table.errors:
            reasons[int(i)].append((reason, code))

    for i, reason, code in draft.end_problems:
        flag(i, reason, code)
    lat, lon = draft.lat, draft.lon
    for i in np.flatnonzero((lat.isna() | lon.isna()).to_numpy()):
        flag(i, "no usable latitude/longitude", "no_coordinates")
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    swapped = (lat.abs() > 90) & (lon.abs() <= 90) & (lat.abs() <= 180)
    for i in np.flatnonzero(out_of_range.to_numpy()):
        hint = " (are latitude and longitude swapped?)" if swapped.iloc[i] else ""
        flag(i, f"coordinates (lat {lat.iloc[i]}, lon {lon.iloc[i]}) are out of range{hint}", "coordinates_out_of_range")
    for i in np.flatnonzero(((lat == 0) & (lon == 0)).to_numpy()):
        flag(i, "coordinates are (0, 0), a placeholder, not a place", "null_island")
    days = draft.days
    for i in np.flatnonzero(days.start.isna().to_numpy()):
        shown = draft.raw_date.iloc[i]
        if shown is None:
            flag(i, "no date", "no_date")
        elif days.outside.iloc[i]:
            flag(i, f"date {shown!r} is outside the years {limits.years} (a placeholder or a typo?; "
                    f"{limits.how_to_raise('years')})", "date_outside_years")
        else:
            how = f" in the format {days.format!r}" if days.format not in (None, "ISO") else ""
            flag(i, f"date {shown!r} is not a valid date{how} (or does not exist)", "invalid_date")

    ident = draft.ident.copy()
    unnamed = ident.isna().to_numpy()
    ident[unnamed] = [f"row-{i + 1}" for i in np.flatnonzero(unnamed)]
    bad = np.zeros(n, dtype=bool)
    bad[[i for i in reasons if reasons[i]]] = True
    merged_into: dict[int, int] = {}
    warnings: dict[int, list[tuple[str, str]]] = defaultdict(list)
    _duplicates(ident, draft, table, bad, options, flag, merged_into, warnings)
    bad[[i for i in reasons if reasons[i]]] = True

    problems = list(table.notices)
    problems += [Problem(file, None, None, notice, "warning", "notice") for notice in draft.notices]
    flags_of = plausibility(lat.to_numpy(dtype=float), lon.to_numpy(dtype=float),
                            days.start.to_numpy(dtype="datetime64[ns]"), ~bad & ~np.isin(np.arange(n), list(merged_into)))
    for i in flags_of:
        warnings[i].extend(flags_of[i])
    for i in sorted(set(reasons) | set(warnings)):
        label = None if unnamed[i] else str(draft.ident.iloc[i])
        for reason, code in reasons.get(i, ()):
            problems.append(Problem(file, table.lines[i], label, f"{table.where[i]}: {reason}", "error", code))
        for code, reason in warnings.get(i, ()):
            problems.append(Problem(file, table.lines[i], label, f"{table.where[i]}: {reason}", "warning", code))
    rejected = [str(ident.iloc[i]) for i in sorted(i for i in reasons if reasons[i])]

    good = ~bad
    good[list(merged_into)] = False
    ids = ident.to_numpy(dtype=object)
    # The usable rows, by first day then id, taken in that order once: sorting the frame afterwards copied it whole.
    kept = np.flatnonzero(good)
    kept = kept[np.lexsort((ids[kept], days.start.to_numpy(dtype="datetime64[ns]")[kept]))]
    # A file already in that order with every row usable (this tool's own exports) needs no copy of its text.
    whole = len(kept) == n and bool((kept == np.arange(n)).all())
    columns: dict[str, np.ndarray] = {"id": ids[kept]}

    # The columns already held as categories where their text repeats (or found not to repeat enough); and the ids,
    # which name a row each.
    decided: set[str] = {"id"}

    def as_text(name: str, text: Any) -> Any:
        if not categories:
            return text
        decided.add(name)
        return text_array(text)

    def taken(name: str, column: Any) -> Any:
        if isinstance(column, pa.Array | pa.ChunkedArray):  # JSON text (an export's lists): taken in Arrow
            return column if whole else column.take(kept)
        if isinstance(column, pd.Series) and isinstance(column.dtype, pd.StringDtype):  # text in Arrow, taken there
            if name in LIST_COLUMNS:
                return column.array if whole else column.array.take(kept)
            # Held as categories where it repeats, here in the pool: Arrow's hashing lets go of the GIL too.
            if categories and len(kept) == n:
                # Every row kept (perhaps in another order): the same text, so the same categories. Held as categories
                # first, then only their codes are taken (a text taken whole, then encoded, was a copy at the peak).
                held = as_text(name, column.array)
                return held if whole else held.take(kept)
            return as_text(name, column.array if whole else column.array.take(kept))
        array = column.to_numpy() if isinstance(column, pd.Series) else (
            column if isinstance(column, np.ndarray) else object_array(column))
        return array[kept]

    # Two columns at a time: Arrow's take lets go of the GIL (a million rows' text: 1.3 s on one core). Each of the
    # draft's columns is let go once taken: the taken copy and the draft's are never all held at once. Its pages are
    # given back as each copy is done: the copies are made in the pool's threads, which malloc serves from arenas of
    # their own, and the freed originals, in this thread's arena, could not be reused for them (a million rows'
    # checks peaked 330 MB higher).
    # The file's other columns are taken in the same pool (a million ACLED rows: 17 columns, 5 s on one core).
    extra_names, renamed = _extra_names(draft.extra, kind, file, problems)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="import-take") as pool:
        taking = {name: pool.submit(taken, name, draft.columns.pop(name)) for name in list(draft.columns)}
        taking.update((kept_name, pool.submit(taken, kept_name, draft.extra.pop(name)))
                      for kept_name, name in zip(extra_names, list(draft.extra), strict=True))
        taken_cells = 0  # since the last give_back: a trim walks the whole heap, whatever a column freed
        for name, future in taking.items():
            columns[name] = future.result()
            taken_cells += n
            if taken_cells >= GIVE_BACK_CELLS:
                give_back()
                taken_cells = 0
        del taking
        give_back()
    start, end, precision = days.start.iloc[kept], days.end.iloc[kept], days.precision.iloc[kept]
    columns["date_start"] = as_text("date_start", per_distinct([start], _day_text))
    columns["date_end"] = as_text("date_end", per_distinct([end], _day_text))
    columns["date_precision"] = precision.array if isinstance(precision.dtype, pd.StringDtype) else precision.to_numpy(
        dtype=object)
    columns["date_label"] = as_text("date_label", per_distinct([start, end, precision], _label_text))
    columns["corroboration"] = np.asarray(outlets.result(), dtype=np.int64)[kept]
    count = len(kept)
    columns["flags"] = _flag_column(kept, warnings)
    for name in INCIDENT_COLUMNS:
        if name not in columns:  # a list column no draft fills is "[]" in every row, in Arrow (not a list per row)
            columns[name] = empty_lists(count) if name in LIST_COLUMNS else object_array([None] * count)
    for name in LIST_COLUMNS:
        columns[name] = list_column(columns[name])
    if sparse is not None:
        kept_sparse = object_array(sparse)[kept]
        if any(item is not None for item in kept_sparse):
            extra_names.append(SPARSE_COLUMN)
            columns[SPARSE_COLUMN] = kept_sparse
    # One build, not 5,000 inserts; with the columns as they are: consolidated, a million rows' columns of Python
    # values (ACLED's) were copied into one block, 77 MB more at the read's peak.
    frame = pd.DataFrame({name: pd.array(columns[name], dtype="str") if isinstance(columns[name], pa.Array)
                          else columns[name] for name in (*INCIDENT_COLUMNS, *extra_names)}, copy=False)
    # Text that pandas made of Python strings is held as categories where it repeats too, as Arrow's is: either
    # reader gives the same frame. Made again at once, not a column set at a time (each copies the column index).
    if categories and any(_is_text(column) and name not in decided for name, column in frame.items()):
        frame = pd.DataFrame({name: text_array(column.array) if _is_text(column) and name not in decided
                              else column for name, column in frame.items()}, copy=False)
    frame["radius_m"] = pd.to_numeric(frame["radius_m"], errors="coerce")
    if frame["graphic"].dtype != bool:  # a column of booleans (every schema's) is already what this makes
        frame["graphic"] = frame["graphic"].map(lambda v: v is True or v is np.True_)
    # The points are the last thing made, at the read's peak: the ids and dates as the file wrote them (a million
    # rows' Python strings, in the frame as Arrow text now) are let go first, and their pages given back.
    xs, ys = lon.to_numpy()[kept], lat.to_numpy()[kept]
    columns.clear()
    del ids, ident, lat, lon
    draft.ident = draft.raw_date = draft.lat = draft.lon = None  # type: ignore[assignment]  # the draft is spent
    give_back()
    with no_cycle_collection():  # a million shapely points, no cycles
        points = gpd.points_from_xy(xs, ys, crs=CRS)
    # copy=False: given a DataFrame, geopandas copies it (and pandas consolidates the copy into blocks): 0.4 s and
    # every column's memory again at a million rows, for nothing this frame is not already.
    result = gpd.GeoDataFrame(frame, geometry=points, crs=CRS, copy=False)
    return ImportResult(result, problems, rejected, n, kind, file, extra_names, dict(draft.mapping), days.format,
                        len(merged_into), renamed)


def _is_text(column: pd.Series) -> bool:
    """Return whether a frame's column is text held in Arrow (pandas' str)."""
    return isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"


def _extra_names(extra: dict[str, pd.Series], kind: str, file: str, problems: list[Problem]) -> tuple[list[str], dict]:
    """Return the names the file's other columns are kept under, and those renamed (a warning for each, first)."""
    names, taken, renamed = [], set(INCIDENT_COLUMNS), {}
    for name in extra:
        kept_name = _free_name(str(name), taken)
        if kept_name != name:
            renamed[str(name)] = kept_name
            problems.insert(0, Problem(file, 1 if kind not in ("geojson", "json", "bellingcat", "timemap") else None, None,
                                       f"column {name!r} is kept as {kept_name!r}: the export writes {name!r} itself",
                                       "warning", "column_renamed"))
        taken.add(kept_name)
        names.append(kept_name)
    return names, renamed


def _flag_column(kept: np.ndarray, warnings: dict[int, list[tuple[str, str]]]) -> pa.Array:
    """Return each kept row's flags (the codes of its warnings that mark a row as suspect) as JSON text."""
    flagged = {i: codes for i in warnings
               if (codes := list(dict.fromkeys(code for code, _ in warnings[i] if code in _FLAG_CODES)))}
    empty = empty_lists(len(kept))
    if not flagged:
        return empty
    where = np.isin(kept, np.fromiter(flagged, dtype=np.int64, count=len(flagged)))
    texts = [orjson.dumps(flagged[i]).decode("utf-8") for i in kept[where]]
    return pc.replace_with_mask(empty, pa.array(where), pa.array(texts, pa.large_string()))


def list_column(cells: np.ndarray | pa.Array | pa.ChunkedArray) -> np.ndarray | JsonTextArray:
    """Return a column of lists (their JSON text, or the lists) as JSON text; as lists if JSON cannot carry one."""
    if isinstance(cells, pa.Array | pa.ChunkedArray):
        return JsonTextArray(cells)
    try:
        return JsonTextArray(pa.array([cell if isinstance(cell, str) else cell_text(cell) for cell in cells],
                                      type=pa.large_string()))
    except ValueError:  # a value JSON cannot carry back exactly: the column stays as it is, every cell a list
        pass
    with no_cycle_collection():
        return object_array(cells, lambda cell: orjson.loads(cell) if isinstance(cell, str) else cell)


_FLAG_CODES = frozenset({"near_null_island", "far_from_the_rest", "lat_lon_swapped", "date_isolated", "date_in_future",
                         "duplicate_id"})


def _duplicates(ident: pd.Series, draft: Draft, table: Table, bad: np.ndarray, options: ImportOptions, flag,
                merged_into: dict[int, int], warnings: dict[int, list[tuple[str, str]]]) -> None:
    """Merge exact repeats; give a repeated id with other content a new id (or reject it, if so asked)."""
    repeated = ident.duplicated(keep=False).to_numpy() & ~bad
    if not repeated.any():
        return
    taken = set(ident)
    first_of: dict[str, int] = {}
    titles = draft.columns["title"]

    def title(row: int) -> Any:
        value = titles[row]
        return value.as_py() if isinstance(value, pa.Scalar) else value  # a column of Arrow text (made per distinct)

    for i in np.flatnonzero(repeated):
        key = ident.iloc[i]
        if key not in first_of:
            first_of[key] = i
            continue
        j = first_of[key]
        same = (draft.raw_date.iloc[i] == draft.raw_date.iloc[j] and draft.lat.iloc[i] == draft.lat.iloc[j]
                and draft.lon.iloc[i] == draft.lon.iloc[j] and title(i) == title(j))
        if same:
            merged_into[i] = j
            warnings[i].append(("duplicate_merged", f"an exact repeat of {table.where[j]} (same id, date, point and "
                                                    "title): merged into one incident"))
        elif options.duplicates == "reject":
            flag(i, f"duplicate id (first used at {table.where[j]})", "duplicate_id")
        else:
            number = 2
            while f"{key}-{number}" in taken:
                number += 1
            ident.iloc[i] = f"{key}-{number}"
            taken.add(ident.iloc[i])
            warnings[i].append(("duplicate_id", f"id {key!r} is used again with other content (first at "
                                                f"{table.where[j]}); kept as {ident.iloc[i]!r}"))
