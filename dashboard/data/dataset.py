"""A loaded incident dataset and the indexes the page needs to stay fast at 100,000 rows.

The frame is the export's schema (what :mod:`geo` produces); it is shared by every
session and never mutated. What the filters, the timeline and the map need beyond it
(first and last days, the months spanned, the folded search text, which rows cite which
source and which outlet, which rows are flagged, the categorical columns' codes, where each
id is) is derived once per dataset, on first use, as typed properties.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import geo

BUNDLED = "bundled catalogue"
# A free column is a filter when it has this many distinct values (a category), each this short (not free text).
CATEGORY_VALUES = (2, 50)
CATEGORY_CHARS = 80
CATEGORY_SHARE = 0.8  # at most this share of its rows' values distinct: an id column has as many values as rows
# Schema columns that hold codes or numbers, not words anyone searches for ("city" would match every town).
SEARCH_BLOCK_ROWS = 100_000
FOLD_AT_ONCE = 50_000  # a column with more distinct cells is folded for the search a block of rows at a time
UNSEARCHED = frozenset({"geometry", "radius_m", "corroboration", "graphic", "date_precision", "precision"})


def iso_days(texts: pd.Series) -> np.ndarray:
    """Return ISO dates (YYYY-MM-DD) as numpy days, NaT where missing, each distinct date read once.

    A million incidents fall on a few thousand days: read a row at a time, the two date columns took 0.37 s of a
    million-row server's first page (py-spy).
    """
    codes, distinct = pd.factorize(texts, use_na_sentinel=True)
    days = pd.to_datetime(pd.Series(distinct, dtype=object), format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    return np.append(days, np.datetime64("NaT"))[codes]  # the sentinel -1 picks the last entry: NaT


class MapDrawn:
    """When browsers drew a dataset's map: the first time (what its indexes wait for), and the last (what its copy
    kept for a restart waits to be long past). Set by the map section on every run that draws it."""

    def __init__(self) -> None:
        self._first = threading.Event()
        self._last = 0.0  # time.monotonic() of the last drawing

    def set(self) -> None:
        """Note that a browser drew the map now."""
        self._last = time.monotonic()
        self._first.set()

    def is_set(self) -> bool:
        """Return whether a browser has drawn the map yet."""
        return self._first.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until a browser has drawn the map (at most `timeout` seconds); return whether one has."""
        return self._first.wait(timeout)

    def wait_quiet(self, quiet_s: float, timeout: float) -> bool:
        """Wait until no browser has drawn the map for `quiet_s` seconds (at most `timeout`); return whether none has."""
        deadline = time.monotonic() + timeout
        while (left := self._last + quiet_s - time.monotonic()) > 0:
            if time.monotonic() + left > deadline:
                time.sleep(max(deadline - time.monotonic(), 0.0))
                return False
            time.sleep(left)
        return True


@dataclass(eq=False)
class Dataset:
    """Incidents to draw, where they came from, and what was rejected on the way."""

    frame: gpd.GeoDataFrame
    label: str
    problems: list[str] = field(default_factory=list)  # errors: each rejected a row (or names a clash)
    rejected: list[str] = field(default_factory=list)
    rows: int = 0
    readable_sources: frozenset[str] = frozenset()  # sources whose text the reader can open
    source_titles: dict[str, str] = field(default_factory=dict)  # the readable sources' titles, by id
    key: tuple = ()  # what the loaders' registry knows it by (a file's path and time, an upload's digest)
    warnings: list[str] = field(default_factory=list)  # rows that loaded but are flagged, merges, notices
    merged: int = 0  # exact repeats merged into the incident they repeat (loaded, but no row of their own)
    mapped_columns: frozenset[str] = frozenset()  # the file's columns read into schema fields (kept as written too)
    column_headers: dict[str, str] = field(default_factory=dict)  # {column: the file's header}, where they differ
    format: str = ""  # how the file was read: one of geo.FORMATS ("" for the bundled catalogue)
    mapping: dict[str, str] = field(default_factory=dict)  # {field: column} the file was read with
    date_format: str | None = None  # the date order or format the file was read with
    # What the mapping step shows of the file (its format, columns, guessed mapping, first rows as read), from
    # the import itself: reading a million-row file again for five rows took a third of its first load.
    preview: dict = field(default_factory=dict)
    _place_rows: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False)  # rows_naming, by place
    # Set each time a browser draws this dataset's map: its indexes are built after the first time, and the copy
    # kept for a restart once none has for a while (loaders._settle).
    map_drawn: MapDrawn = field(default_factory=MapDrawn, init=False, repr=False)
    # Set once its indexes are built and its pages pause (loaders._settle): the copy kept for a restart is written
    # after that, not beside them.
    settled: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def warm(self) -> None:
        """Compute every index now (called in a background thread after a load)."""
        # Not the search text: at a million rows it took 20 s and 2 GB, on the server's second core, for a
        # search nobody may type. It is built on the first search (about 10 s there; instant at 100,000).
        for name in ("positions", "days", "corroboration", "latlon", "type_codes", "source_rows", "outlet_rows",
                     "outlets", "flagged_mask", "column_values", "months"):
            getattr(self, name)

    @property
    def loaded(self) -> int:
        """Return how many rows loaded, exact repeats included: loaded + rejected = rows."""
        return len(self.frame) + self.merged

    @property
    def flagged(self) -> int:
        """Return how many incidents carry a plausibility flag."""
        return int(self.flagged_mask.sum())

    @cached_property
    def flagged_mask(self) -> np.ndarray:
        """Return which incidents carry at least one plausibility flag (far from the rest, swapped…)."""
        if "flags" not in self.frame:
            return np.zeros(len(self.frame), dtype=bool)
        return geo.non_empty_lists(self.frame["flags"])

    @cached_property
    def positions(self) -> IdPositions:
        """Return each incident id's row position."""
        return IdPositions(self.frame["id"])

    @cached_property
    def days(self) -> tuple[np.ndarray, np.ndarray]:
        """Return each incident's first and last day as numpy dates (the time filter compares these)."""
        return iso_days(self.frame["date_start"]), iso_days(self.frame["date_end"])

    @cached_property
    def span(self) -> tuple[date, date]:
        """Return the first and last day any incident covers, in whole months (this month if there is none)."""
        if not len(self.frame):
            return date.today().replace(day=1), date.today()
        first, last = self.days[0].min().item(), self.days[1].max().item()
        return first.replace(day=1), (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()

    @cached_property
    def months(self) -> list[pd.Period]:
        """Return every month of the span, first to last (the time slider's options)."""
        return list(pd.period_range(self.span[0], self.span[1], freq="M"))

    @cached_property
    def corroboration(self) -> np.ndarray:
        """Return each incident's number of distinct sources."""
        return self.frame["corroboration"].to_numpy(dtype=np.int64)

    @cached_property
    def latlon(self) -> tuple[np.ndarray, np.ndarray]:
        """Return latitudes and longitudes as arrays."""
        lon, lat = geo.point_coordinates(self.frame.geometry)
        return lat, lon

    @cached_property
    def type_codes(self) -> tuple[np.ndarray, list[str]]:
        """Return each row's type as a small integer, and the types in code order."""
        codes, types = pd.factorize(self.frame["type"], sort=True)
        return codes.astype(np.int32), [str(t) for t in types]  # int16 overflowed past 32,767 types

    def build_search(self) -> None:
        """Build the search text now (the first search would)."""
        _ = self.search_text

    @property
    def search_ready(self) -> bool:
        """Return True once the search text is built (the first search builds it)."""
        return "search_text" in self.__dict__

    @cached_property
    def search_text(self) -> pd.Series:
        """Return each incident's folded text, every column's words (free and sparse columns too), for search.

        Arrow strings: a substring search over them runs in C, and a million rows of text are one buffer. Each
        column's distinct cells are folded once (a million ACLED rows name a few thousand days, outlets and places:
        row by row, the text took 30 s), and a block of rows' words are joined by Arrow, the runs of spaces an empty
        cell leaves made one: the text folding the joined cells would give.
        """
        names = [name for name in self.frame.columns if name not in UNSEARCHED]
        columns = [distinct_cells(self.frame[name]) for name in names]
        # The columns of few distinct cells: all their words folded in one call (a call per column cost a small file
        # 0.1 s), as Arrow text with the empty words last, where missing cells point. A column without a word is left
        # out: the spaces it would add are made one anyway. A column of more (ids, notes) is read and folded a block
        # of rows at a time, as Python strings that live only while the block is made (a million features' at once
        # took a gigabyte).
        once = [k for k, cells in enumerate(columns) if cells is not None]
        folded = geo.fold_many(pd.Series([word for k in once for word in cells_words(columns[k][0], columns[k][2])],
                                         dtype=object)).tolist()
        words: dict[int, pa.Array] = {}
        start = 0
        for k in once:
            own, start = folded[start:start + len(columns[k][0])], start + len(columns[k][0])
            if any(own):
                words[k] = pa.array([*own, ""], type=pa.large_string())
        shown = [k for k in range(len(columns)) if k in words or k not in once]
        space = pa.scalar(" ", pa.large_string())
        chunks = []
        for low in range(0, len(self.frame), SEARCH_BLOCK_ROWS):
            high = min(low + SEARCH_BLOCK_ROWS, len(self.frame))
            parts = []
            for k in shown:
                if k in words:
                    distinct, rows, _ = columns[k]
                    block = rows[low:high]
                    parts.append(words[k].take(pa.array(np.where(block < 0, len(distinct), block))))
                else:
                    cells = column_words(self.frame[names[k]].iloc[low:high])
                    parts.append(pa.array(geo.fold_many(pd.Series(cells, dtype=object)).tolist(), type=pa.large_string()))
            if not parts:
                chunks.append(pa.array([""] * (high - low), type=pa.large_string()))
                continue
            joined = pc.binary_join_element_wise(*parts, space) if len(parts) > 1 else parts[0]
            chunks.append(pc.utf8_trim(pc.replace_substring_regex(joined, "  +", " "), " "))
        text = pa.chunked_array(chunks, type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(text), index=self.frame.index)

    @cached_property
    def source_rows(self) -> dict[str, np.ndarray]:
        """Return, per source, the row positions of the incidents that cite it."""
        return geo.rows_by_field(self.frame["sources"], "source")

    @cached_property
    def outlet_rows(self) -> dict[str, np.ndarray]:
        """Return, per outlet (a web domain, a t.me or x.com channel, a name), the rows citing any of its sources."""
        found: dict[str, list[np.ndarray]] = defaultdict(list)
        for source, rows in self.source_rows.items():
            found[geo.outlet(source)].append(rows)
        return {name: parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts)) for name, parts in found.items()}

    @cached_property
    def outlets(self) -> list[str]:
        """Return every outlet cited, the most cited first (the "Reported by" filter's options)."""
        return sorted(self.outlet_rows, key=lambda name: (-len(self.outlet_rows[name]), name))

    @cached_property
    def column_values(self) -> dict[str, tuple[np.ndarray, list[str]]]:
        """Return, per categorical free column, each row's value as a code (-1: empty) and the values in code order.

        A free column is categorical when it has 2 to 50 distinct short values, repeated (not an id), none
        a link, and its cells are not the file's own copy of a schema field (its dates, links, counts).
        """
        found = {}
        for name in self.extra_columns:
            if name in self.mapped_columns or name == geo.SPARSE_COLUMN:
                continue
            coded = category_codes(self.frame[name])
            if coded is not None:
                found[name] = coded
        return found

    def rows_naming(self, place: str) -> np.ndarray:
        """Return the rows that name a gazetteer place (to highlight the districts in view), found once per place."""
        found = self._place_rows.get(place)
        if found is None:
            found = self._place_rows[place] = geo.rows_holding(self.frame["places"], place).astype(np.int64)
        return found

    @cached_property
    def sources(self) -> list[str]:
        """Return every source cited, bundled articles first, then by name."""
        return sorted(self.source_rows, key=lambda s: (s not in self.readable_sources, s))

    @cached_property
    def extra_columns(self) -> list[str]:
        """Return the columns beyond the export's schema (an import's free columns)."""
        return [c for c in self.frame.columns if c not in (*geo.INCIDENT_COLUMNS, "geometry")]


class IdPositions:
    """Each incident id's row position, found in the id column when asked (ids are unique in a dataset).

    Not a dict of every id: a million ids' Python strings and entries took 160 MB of a server's peak and 0.4 s of
    its load, for a lookup a click or a link makes once (Arrow finds an id among a million in a few milliseconds).
    """

    def __init__(self, ids: pd.Series) -> None:
        array = ids.array
        self._ids: pa.ChunkedArray = array.__arrow_array__() if isinstance(array, pd.arrays.ArrowStringArray) else (
            pa.chunked_array([pa.array(ids.astype(object).tolist(), pa.large_string())]))  # Arrow's own, not a copy

    def get(self, incident: object, default: int | None = None) -> int | None:
        """Return the row of an incident id, or `default` if no incident has it."""
        if not isinstance(incident, str):
            return default
        found = pc.index(self._ids, pa.scalar(incident, self._ids.type)).as_py()
        return default if found < 0 else found

    def __getitem__(self, incident: str) -> int:
        found = self.get(incident)
        if found is None:
            raise KeyError(incident)
        return found

    def __contains__(self, incident: object) -> bool:
        return self.get(incident) is not None

    def __iter__(self) -> Iterator[str]:
        """Yield the ids in row order."""
        for chunk in self._ids.chunks:
            yield from chunk.to_pylist()

    def __len__(self) -> int:
        return len(self._ids)


def value_text(value: object) -> str:
    """Return one cell as the words it holds: text as it is, numbers as written, lists and mappings item by item."""
    if type(value) is str:
        return value
    if value is None or isinstance(value, bool | np.bool_):
        return ""
    if isinstance(value, float | np.floating):
        return f"{value:g}" if np.isfinite(value) else ""
    if isinstance(value, int | np.integer):
        return str(value)
    if isinstance(value, dict):
        return " ".join(value_text(v) for v in value.values())
    if isinstance(value, list | tuple | np.ndarray):
        return " ".join(value_text(v) for v in value)
    return "" if value is pd.NA or value is pd.NaT else str(value)


def column_words(series: pd.Series) -> list[str]:
    """Return a column's cells as words for the search (an empty column costs one check, not a pass)."""
    if series.dtype == object and not series.notna().any():
        return [""] * len(series)
    return [v if type(v) is str else value_text(v) for v in series.tolist()]


def distinct_cells(series: pd.Series) -> tuple[list[str] | pa.Array, np.ndarray, bool] | None:
    """Return a column's distinct cells (their words, or Arrow text), each row's position among them (-1: a missing
    cell), and whether that text is JSON (a cell's words are its value's); None if it has over FOLD_AT_ONCE."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [value_text(value) for value in series.cat.categories], series.cat.codes.to_numpy(dtype=np.int32), False
    if series.dtype == object and not series.notna().any():
        return [], np.full(len(series), -1, dtype=np.int32), False
    json = isinstance(series.array, geo.JsonTextArray)
    if json:
        text = series.array.text
    elif isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        text = pa.array(series.array)
    else:
        text = pa.array(column_words(series), type=pa.large_string())
    encoded = (text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text).dictionary_encode()
    if len(encoded.dictionary) > FOLD_AT_ONCE:  # mostly distinct (ids, notes): read a block of rows at a time
        return None
    # Positions as 32-bit integers (at most FOLD_AT_ONCE): a million rows' of 35 columns are held through the search.
    return encoded.dictionary, encoded.indices.fill_null(-1).to_numpy().astype(np.int32), json


def cells_words(distinct: list[str] | pa.Array, json: bool) -> list[str]:
    """Return the words of a column's distinct cells (:func:`distinct_cells`)."""
    if isinstance(distinct, list):
        return distinct
    return column_words(pd.Series(geo.JsonTextArray(distinct))) if json else distinct.to_pylist()


def category_codes(series: pd.Series) -> tuple[np.ndarray, list[str]] | None:
    """Return a column's values as codes (-1 for empty) and its values, if it is categorical; else None."""
    present = series[series.notna()]
    if len(present) < CATEGORY_VALUES[0]:
        return None
    try:
        distinct = pd.unique(present)
    except TypeError:  # lists or mappings in its cells: not a category
        return None
    if len(distinct) > 4 * CATEGORY_VALUES[1]:  # quick exit: an id, a date, free text (a few spellings may fold together)
        return None
    words: dict[object, str] = {}
    for value in distinct:
        if isinstance(value, list | dict | tuple) or (isinstance(value, float) and not float(value).is_integer()):
            return None  # a measurement, not a category
        text = value_text(value).strip()
        if len(text) > CATEGORY_CHARS or "://" in text:
            return None
        words[value] = text
    values = sorted({t for t in words.values() if t})
    position = {value: i for i, value in enumerate(values)}
    # Each row's code through its distinct value's, not a Python call per row (a million rows of ACLED's fifteen
    # free columns: 8.9 s of the first page's run). A missing cell (None, NaN) is -1, as an empty text is.
    rows, kinds = pd.factorize(series, use_na_sentinel=True)
    of_kind = np.array([position.get(words.get(kind, ""), -1) for kind in kinds] + [-1], dtype=np.int32)
    codes = of_kind[rows]  # the sentinel -1 picks the last entry: -1
    if not CATEGORY_VALUES[0] <= len(values) <= CATEGORY_VALUES[1] or len(values) > max(
            2, CATEGORY_SHARE * int((codes >= 0).sum())):
        return None
    return codes, values


def source_titles(catalogue: geo.Catalogue) -> dict[str, str]:
    """Return each of a catalogue's sources' title by id."""
    return {s.id: s.title for s in catalogue.sources.values()}


def from_catalogue(catalogue: geo.Catalogue) -> Dataset:
    """Return the bundled catalogue as a dataset."""
    frame = geo.incidents_frame(catalogue).sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    errors, warnings = by_severity(catalogue.problems)
    return Dataset(
        frame=frame, label=BUNDLED, problems=errors, rejected=list(catalogue.rejected),
        rows=len(catalogue.incidents) + len(catalogue.rejected), readable_sources=frozenset(catalogue.sources),
        source_titles=source_titles(catalogue), warnings=warnings,
    )


def by_severity(problems: list[geo.Problem]) -> tuple[list[str], list[str]]:
    """Return the errors (rejected rows) and the warnings (flagged rows, notices) among problems, as text."""
    return ([str(p) for p in problems if p.severity != "warning"], [str(p) for p in problems if p.severity == "warning"])


def from_import(result: geo.ImportResult, readable: geo.Catalogue | None = None) -> Dataset:
    """Return an imported file as a dataset; the sources it shares with `readable` can be opened in the reader."""
    frame = result.frame  # an import comes in date order already: sorting again copied every column
    if not in_date_order(frame):
        frame = frame.sort_values(["date_start", "id"], kind="stable")
    frame = frame.reset_index(drop=True)
    errors, warnings = by_severity(result.problems)
    return Dataset(
        frame=frame, label=result.file, problems=errors, rejected=list(result.rejected), rows=result.rows,
        readable_sources=frozenset(readable.sources) if readable else frozenset(),
        source_titles=source_titles(readable) if readable else {}, warnings=warnings, merged=result.merged,
        # The columns read into fields and also kept as written (dates, links), under the names they are kept by.
        mapped_columns=frozenset(result.renamed.get(c, c) for c in result.mapping.values()),
        # A column the export writes itself is kept under another name ("graphic_2"): the page shows the file's.
        column_headers={kept: header for header, kept in result.renamed.items()},
        format=result.format, mapping=dict(result.mapping), date_format=result.date_format,
        preview={"format": result.format, "columns": list(result.columns_read),
                 "guessed": geo.guess_mapping(list(result.columns_read)), "rows": list(result.first_rows)}
        if result.columns_read else {},
    )


def in_date_order(frame: pd.DataFrame) -> bool:
    """Return whether rows are sorted by first day, then id (compared in Arrow, without Python strings)."""
    if len(frame) < 2:
        return True
    try:
        days, ids = pa.array(frame["date_start"]), pa.array(frame["id"])
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: let pandas sort it
        return False
    before, after = days[:-1], days[1:]
    ordered = pc.or_(pc.less(before, after), pc.and_(pc.equal(before, after), pc.less_equal(ids[:-1], ids[1:])))
    return bool(pc.all(pc.fill_null(ordered, False)).as_py())


def _same_categories(first: pd.DataFrame, second: pd.DataFrame) -> list[pd.DataFrame]:
    """Return the two frames with every column of text held as categories in either held as categories in both,
    over the same sorted categories, so that pandas joins them as categories.

    pandas joins a category and plain text (or two categories of different values) as a column of Python strings:
    an import's repeated text held as categories (a million ACLED rows: 475 MB less) came back whole beside the
    bundled catalogue. A column one frame lacks is missing in each of its rows; a column whose other side is not
    text (numbers, lists), or is more rows of text than the categories hold, is left to pandas.
    """
    first, second = first.copy(deep=False), second.copy(deep=False)
    for name in dict.fromkeys([*first.columns, *second.columns]):
        sides = [frame[name] if name in frame.columns else None for frame in (first, second)]
        held = [side for side in sides if side is not None and isinstance(side.dtype, pd.CategoricalDtype)]
        plain = [side for side in sides if side is not None and not isinstance(side.dtype, pd.CategoricalDtype)]
        if not held or not all(_is_text(side) for side in plain):
            continue
        if sum(map(len, plain)) > sum(map(len, held)):
            continue  # most of it is text that does not repeat enough (geo.frames.text_array): it stays text
        values = {value for side in held for value in side.cat.categories} | {
            value for side in plain for value in side.dropna()}
        # Sorted, as geo.frames.text_array makes them: a sort by the column is the sort of its text.
        categories = pd.Index(pd.array(sorted(values), dtype="str"))
        for frame, side in zip((first, second), sides, strict=True):
            if side is not None and isinstance(side.dtype, pd.CategoricalDtype):
                frame[name] = side.cat.set_categories(categories)  # the codes only are made anew
            else:
                frame[name] = pd.Categorical([None] * len(frame) if side is None else side, categories=categories)
    return [first, second]


def _is_text(column: pd.Series) -> bool:
    """Return whether every value of a column is a str or missing."""
    return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


def combine(first: Dataset, second: Dataset) -> Dataset:
    """Return both datasets as one; an id already in the first is rejected from the second, with a problem."""
    clash = second.frame["id"].isin(set(first.frame["id"]))
    problems = [*first.problems, *second.problems]
    problems += [f"{second.label}: {ident}: id already used by {first.label}; left out" for ident in second.frame["id"][clash]]
    frame = pd.concat(_same_categories(first.frame, second.frame[~clash]), ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=first.frame.crs)
    frame = frame.sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    return Dataset(
        frame=frame, label=f"{first.label} + {second.label}", problems=problems,
        rejected=[*first.rejected, *second.rejected, *second.frame["id"][clash]], rows=first.rows + second.rows,
        readable_sources=first.readable_sources | second.readable_sources,
        source_titles={**second.source_titles, **first.source_titles}, warnings=[*first.warnings, *second.warnings],
        merged=first.merged + second.merged, mapped_columns=first.mapped_columns | second.mapped_columns,
        column_headers={**second.column_headers, **first.column_headers},
    )
