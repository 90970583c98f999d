"""Files as tables of raw values: CSV and tab-separated text, GeoJSON, JSON lists of records, TimeMap.

Nothing here knows what a column means (that is :mod:`geo.imports.schemas`); each reader only
turns bytes into rows, remembers where each row is in the file (a line, or a record's number),
and keeps the rows it cannot read with the reason. A broken row costs only itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..csvrows import csv_records
from ..export import from_spreadsheet
from ..frames import INCIDENT_COLUMNS
from ..limits import Limits
from ..problems import DataError, Problem

Progress = Callable[[float, str], None]
# A check of a list or mapping cell: its value → (the value to keep, a reason it is not of the schema or None).
CellCheck = Callable[[Any], tuple[Any, str | None]]
# The columns whose lists and mappings are kept as JSON text as they are read, each with its check or None.
JsonColumns = frozenset[str] | Mapping[str, CellCheck | None]
BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 10_000
# Records are packed into columns every PACK_ROWS of them, a column of text into one Arrow buffer: a file's
# values are never all Python objects at once (a million rows of them took gigabytes). Shorter runs of
# records of the same keys than PACK_MIN_ROWS stay as they are.
PACK_ROWS, PACK_MIN_ROWS = 16_384, 1_024
# A property of a JSON file becomes a column when at least one record in SPARSE_SHARE carries it (or the
# schema reads it); rarer ones stay in each record's own mapping, so a table costs at most SPARSE_SHARE
# cells per property value in the file.
SPARSE_SHARE = 32
# The collection header of a GeoJSON written one feature per line (as `python -m geo incidents` does).
_LINE_PER_FEATURE_HEAD = re.compile(rb'^\s*\{\s*"type"\s*:\s*"FeatureCollection"\s*,\s*"features"\s*:\s*\[\s*$')
KNOWN_JSON = ("a GeoJSON FeatureCollection of Points", "a list of records (objects), such as Bellingcat's "
              "civilian-harm export", "a TimeMap export {events, sources, associations}")


class JsonText(str):
    """A list or mapping of a JSON record kept as its JSON text while the file is read (see :class:`Records`).

    A type of its own, not a plain string: a text cell that merely looks like JSON is never taken for one.
    """

    __slots__ = ()

    def value(self) -> Any:
        """Return the list or mapping the text was made from."""
        return orjson.loads(str.__str__(self))  # orjson reads exact strings only


EMPTY_LIST = JsonText("[]")  # one object for every empty list (most cells of most list columns)
JSON_GROWTH = 4  # how much longer than its bytes in a file a value's JSON text can be (see Records.add)


def json_value(cell: Any) -> Any:
    """Return a cell as read: a :class:`JsonText` as the list or mapping it was made from, anything else as it is."""
    return cell.value() if type(cell) is JsonText else cell


def restore_json(table: Table) -> None:
    """Turn the table's JSON text made by the reader back into the lists and mappings it was made from, in place."""
    for name in table.values.columns:
        column = table.values[name]
        if name in table.json_columns:
            table.values[name] = pd.Series(object_array(column.tolist(), _listed), index=column.index, dtype=object)
        elif column.dtype == object and any(type(cell) is JsonText for cell in column):
            table.values[name] = pd.Series(object_array(column.tolist(), json_value), index=column.index, dtype=object)
    table.json_columns = set()


def _listed(cell: Any) -> Any:
    """Return a cell of a column of the reader's JSON text as its value (a missing cell: None)."""
    return orjson.loads(cell) if isinstance(cell, str) else None


class Numbered(Sequence[str]):
    """The names of a file's records ("feature 1", "feature 2"…), made when one is read, not kept a million times."""

    def __init__(self, noun: str, first: int = 1, count: int = 0) -> None:
        self.noun, self.first, self.count = noun, first, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, row: Any) -> Any:
        if isinstance(row, slice):
            return [f"{self.noun} {i + self.first}" for i in range(*row.indices(self.count))]
        row = range(self.count)[row]  # IndexError past the end, as a list's; negative rows from the end
        return f"{self.noun} {row + self.first}"


@dataclass
class Table:
    """Rows as read, where each one is in the file, and what could not be read.

    A column of text is pandas' text (in Arrow, as pandas reads text); any other column holds the values as read.
    """

    values: pd.DataFrame
    where: Sequence[str]  # "line 12" or "feature 3"
    lines: Sequence[int | None]
    errors: dict[int, str] = field(default_factory=dict)  # rows that could not be read at all, and why
    points: tuple[list[Any], list[Any]] | None = None  # GeoJSON: each feature's longitude and latitude
    sparse: list[dict | None] | None = None  # JSON: per record, the properties too rare to be columns
    notices: list[Problem] = field(default_factory=list)  # about the file as a whole (a column renamed…)
    side: dict[str, Any] = field(default_factory=dict)  # what else the file holds (TimeMap's sources, associations)
    # Columns of text whose every text is a list or mapping kept as JSON text by the reader (see Records).
    json_columns: set[str] = field(default_factory=set)
    # Of those, the columns whose every list or mapping passed its check as it was read, kept as it was: read again,
    # each cell would come out as the text it is (see Records).
    checked_columns: set[str] = field(default_factory=set)


def object_array(values: Sequence[Any], pick: Callable[[Any], Any] | None = None) -> np.ndarray:
    """Return a sequence (or `pick` of each of its items) as a 1-D object array (lists inside stay lists)."""
    # fromiter never reads lists of equal length as a second dimension, as an assignment would.
    return np.fromiter(values if pick is None else map(pick, values), dtype=object, count=len(values))


def empty_lists(count: int) -> pa.Array:
    """Return `count` cells of JSON text that are each an empty list, "[]"."""
    return pa.repeat(pa.scalar("[]", pa.large_string()), count)


def too_long(limits: Limits, name: str, value: Any) -> str:
    """Return why a cell over the cap rejects its row."""
    what = "characters" if isinstance(value, str) and type(value) is not JsonText else "characters as JSON text"
    return (f"the cell in column {name!r} has {cell_chars(value):,} {what}, over the cap of {limits.cell_chars:,} "
            f"({limits.how_to_raise('cell_chars')})")


def cell_chars(value: Any) -> int:
    """Return a cell's length in characters: text as it is, a list or mapping as its JSON text (as the export writes
    it in one cell), anything else 0. A quote of millions of characters inside a list of sources is one long cell."""
    if isinstance(value, str):
        return len(value)
    if type(value) in (list, dict):
        try:
            return len(orjson.dumps(value).decode("utf-8"))
        except orjson.JSONEncodeError:  # not JSON's (an integer past 64 bits): its text is measured as written
            return len(str(value))
    return 0


# ---- JSON ---------------------------------------------------------------------------------------


def _json_error(file: str, exc: orjson.JSONDecodeError, line_offset: int = 0) -> Problem:
    message = str(exc.msg if hasattr(exc, "msg") else exc)
    if "utf-8" in message.lower() or "surrogates" in message.lower():
        message = "not UTF-8 text; save the file as UTF-8"
    else:
        message = f"JSON syntax error: {message} (column {exc.colno})"
    return Problem(file, exc.lineno + line_offset, None, message)


class Records:
    """Records gathered in runs of the same keys, so that reading costs what the file holds.

    A table of records × distinct property names would be quadratic: a file in which each record
    carries a name of its own (1 MB, 8,000 records) would fill 64 million cells. Here consecutive records
    with the same keys in the same order (nearly all of them, in an export) form a run, kept as one tuple
    of values per record and turned into columns at the end in one pass; a property that enough records
    carry becomes a column, and the rare ones stay in one mapping per record
    (:data:`geo.frames.SPARSE_COLUMN`).
    """

    def __init__(self, file: str, limits: Limits, noun: str = "feature", columns: frozenset[str] = frozenset(),
                 as_json: JsonColumns = frozenset()) -> None:
        self.file, self.limits, self.noun, self.columns = file, limits, noun, columns
        # Of these columns (always columns), a list or mapping is kept as its JSON text (JsonText) as it is read:
        # a million records' sources and places as Python lists and dicts took gigabytes; as text, a fraction.
        self.as_json = frozenset(as_json) & columns
        # A column's check, if `as_json` gives one, is run on each list or mapping while it is a Python value anyway;
        # a column whose every value passed, kept as it is, need not be parsed again to be checked (Table.checked_columns).
        # Measured on an export: a third of a 100,000-row read's fields, most of it parsing the text back.
        self.checks: dict[str, CellCheck] = {key: check for key, check in as_json.items() if check is not None} if (
            isinstance(as_json, Mapping)) else {}
        self.unchecked: set[str] = set()  # columns with a value that failed its check, or could not be checked
        # Where in the current run's records those columns are, each one's name and check (None: not checked).
        self.json_at: tuple[tuple[int, str, CellCheck | None], ...] = ()
        # Per property: (its first row, its cells, whether they are JSON text) for each run packed so far.
        self.pieces: dict[str, list[tuple[int, np.ndarray | pa.Array, bool]]] = {}
        self.packed = 0  # rows packed into pieces
        self.keys: dict[str, None] = {}  # every property name, in the order first seen
        # Each run: (its keys, the row of its first record, one tuple of values per record).
        self.runs: list[tuple[tuple[str, ...], int, list[tuple[Any, ...]]]] = []
        self.run: tuple[tuple[str, ...], int, list[tuple[Any, ...]]] | None = None  # the last run, if it goes on
        self.run_end = 0  # the row after its last record
        self.lon: list[Any] = []
        self.lat: list[Any] = []
        self.errors: dict[int, str] = {}
        self.where = Numbered(noun)
        self.lines: list[int | None] = []

    def add_feature(self, feature: Any, line: int | None, error: str | None = None, size: int | None = None) -> None:
        """Add one GeoJSON feature (or, with `error`, a feature that could not be read); `size`: its bytes."""
        props: dict = {}
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
        self.add(props, line, error, lon, lat, size)

    def add(self, props: Any, line: int | None, error: str | None = None, lon: Any = None, lat: Any = None,
            size: int | None = None) -> None:
        """Add one record's properties (or, with `error`, a record that could not be read).

        A cell over the cap on a cell's characters rejects the record; a list or mapping is measured as its JSON
        text (:func:`cell_chars`). `size` is the record's length in bytes when known: a record much shorter than
        the cap cannot hold a cell over it, and its values need not be measured one by one.
        """
        where = self.where
        row = where.count
        if row >= self.limits.rows:
            raise DataError([Problem(self.file, line, None,
                                     f"{self.noun} {row + 1}: {self.limits.cap_message('rows', self.noun + 's')}")])
        where.count = row + 1
        self.lines.append(line)
        if not isinstance(props, dict):
            error = error or f"{self.noun} is not a JSON object"
        elif props:  # kept even when the record is rejected: its id names it in the problem
            shape = tuple(props)
            run = self.run
            if run is None or run[0] != shape or self.run_end != row:
                self._new_keys(shape, line, row)
                run = self.run = (shape, row, [])
                self.runs.append(run)
                self.json_at = tuple((k, key, self.checks.get(key)) for k, key in enumerate(shape) if key in self.as_json)
            self.run_end = row + 1
            values = tuple(props.values()) if not self.json_at else self._json_text(props)
            run[2].append(values)
            # A record of `size` bytes holds no text longer, and no list whose JSON text is over JSON_GROWTH times
            # longer (a number JSON writes anew: "1e15" is 1000000000000000.0): shorter ones need no measuring.
            if error is None and (size is None or size * JSON_GROWTH > self.limits.cell_chars):
                error = next((too_long(self.limits, key, value) for key, value in zip(shape, values, strict=True)
                              if cell_chars(value) > self.limits.cell_chars), None)
        if error is not None:
            self.errors[row] = error
        self.lon.append(lon)
        self.lat.append(lat)
        if row + 1 - self.packed >= PACK_ROWS:
            self.pack()

    def pack(self) -> None:
        """Turn the runs gathered since the last time into pieces of columns."""
        for shape, first, rows in self.runs:
            # A run is at most PACK_ROWS records: zip(*rows) turns it into columns in one pass, and Arrow takes each
            # column as the tuple it is (picking the cells a column at a time into arrays first took twice as long).
            for key, cells in zip(shape, zip(*rows, strict=True), strict=True):
                self.pieces.setdefault(key, []).append((first, *self._packed(key, cells)))
        self.runs, self.run = [], None
        self.packed = len(self.where)

    def _packed(self, key: str, cells: tuple[Any, ...]) -> tuple[np.ndarray | pa.Array, bool]:
        """Return a run's cells of one property packed (:func:`packed`), or as an array if the run is short."""
        if len(cells) < PACK_MIN_ROWS:
            return object_array(cells), False
        text, json = packed(cells, key in self.as_json)
        return (object_array(cells), False) if text is None else (text, json)

    def _json_text(self, props: dict) -> tuple[Any, ...]:
        """Return a record's values with its lists and mappings in the `as_json` columns as JSON text, each checked
        by its column's check (an empty list or a missing value needs none: every check keeps it as it is)."""
        cells = list(props.values())
        unchecked = self.unchecked
        for k, key, check in self.json_at:
            value = cells[k]
            kind = type(value)
            if kind is list and not value:
                cells[k] = EMPTY_LIST
            elif kind is list or kind is dict:
                try:
                    cells[k] = JsonText(orjson.dumps(value), "utf-8")  # decoded into one straight away
                except orjson.JSONEncodeError:  # not from a JSON file (an integer past 64 bits): kept as it is
                    unchecked.add(key)
                    continue
                if key not in unchecked:
                    if check is None:
                        unchecked.add(key)
                    else:
                        kept, problem = check(value)
                        if kept is not value or problem is not None:
                            unchecked.add(key)
            elif value is not None:
                unchecked.add(key)
        return tuple(cells)

    def _new_keys(self, shape: tuple[str, ...], line: int | None, row: int) -> None:
        """Note the property names a record brings, refusing the file past the cap on distinct names."""
        for key in shape:
            if key not in self.keys:
                if len(self.keys) >= self.limits.property_keys:
                    raise DataError([Problem(self.file, line, None, f"{self.noun} {row + 1}: " + self.limits.cap_message(
                        "property_keys", "distinct property keys"))])
                self.keys[key] = None

    def extend(self, later: Records, line_offset: int) -> None:
        """Append the records another reader gathered from the lines after these (its line 0 is `line_offset`).

        The caps are the caller's to check: `later`'s rows and property names were counted on their own.
        """
        self.pack()
        later.pack()
        row = len(self.where)
        for key, parts in later.pieces.items():
            self.pieces.setdefault(key, []).extend((first + row, cells, json) for first, cells, json in parts)
        self.keys.update(later.keys)
        self.unchecked |= later.unchecked
        self.lon += later.lon
        self.lat += later.lat
        self.errors.update((first + row, error) for first, error in later.errors.items())
        self.lines += [None if line is None else line + line_offset for line in later.lines]
        self.where.count += len(later.where)
        self.packed = len(self.where)

    def table(self, points: bool = True) -> Table:
        """Return the records as a table: common properties as columns, rare ones in per-row mappings."""
        self.pack()
        n = len(self.where)
        columns: dict[str, Any] = {}
        json_columns: set[str] = set()
        sparse: list[dict | None] = [None] * n
        for key in self.keys:
            parts = self.pieces.pop(key, [])
            if key in self.columns or sum(len(cells) for _, cells, _ in parts) * SPARSE_SHARE >= n:
                columns[key], json = _column(parts, n, key in self.as_json)
                if json:
                    json_columns.add(key)
            else:
                for first, cells, json in parts:
                    for row, value in enumerate(_unpacked(cells, json), first):
                        if sparse[row] is None:
                            sparse[row] = {}
                        sparse[row][key] = value
        # copy=False: pandas would otherwise copy the columns of Python values into one block (a million rows: 0.1 s
        # and a copy's memory per column), and these arrays are the frame's alone.
        frame = pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)
        has_sparse = any(item is not None for item in sparse)
        checked = {key for key in json_columns if key in self.checks and key not in self.unchecked}
        return Table(frame, self.where, self.lines, self.errors, (self.lon, self.lat) if points else None,
                     sparse if has_sparse else None, json_columns=json_columns, checked_columns=checked)


_JSON_OR_NONE = frozenset({JsonText, type(None)})


def packed(cells: Sequence[Any], json_column: bool) -> tuple[pa.Array | None, bool]:
    """Return cells as Arrow text when they are all text (or missing), and whether they are the reader's JSON
    text (of a `json_column`); None when they are not all text, or mix JSON text and other text."""
    json = False
    if json_column:
        kinds = set(map(type, cells))  # one pass in C, not two of Python generators over every cell
        json = JsonText in kinds
        if json and not kinds <= _JSON_OR_NONE:
            return None, False  # JSON text and other text: each cell keeps its kind
    try:
        return pa.array(cells, type=pa.large_string()), json
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all text: numbers, lists…
        return None, False


def _unpacked(cells: np.ndarray | pa.Array, json: bool) -> np.ndarray:
    """Return a piece's cells as Python values (the reader's JSON text marked as such)."""
    if isinstance(cells, np.ndarray):
        return cells
    values = cells.to_numpy(zero_copy_only=False)
    return object_array(values, lambda cell: None if cell is None else JsonText(cell)) if json else values


def _column(parts: list[tuple[int, np.ndarray | pa.Array, bool]], n: int,
            json_column: bool) -> tuple[pd.Series, bool]:
    """Return one property's column from its pieces, and whether it is the reader's JSON text.

    Text throughout is one Arrow column (pandas' text dtype, as pandas makes of a column of text); anything
    else is a column of Python values, cell for cell as read. The runs too short to be packed as the file was
    read are packed here, or the last few hundred records of a file would keep a million-row column in Python.
    """
    chunks: list[pa.Array] = []
    kinds: set[bool] = set()
    row = 0
    for first, cells, json in parts:
        if isinstance(cells, np.ndarray):
            text, json = packed(cells, json_column)
            if text is None:
                break
            cells = text
        if cells.null_count < len(cells):
            kinds.add(json)
        if first > row:  # records without this property
            chunks.append(pa.nulls(first - row, pa.large_string()))
        chunks.append(cells)
        row = first + len(cells)
    else:
        if len(kinds) == 1:
            if row < n:
                chunks.append(pa.nulls(n - row, pa.large_string()))
            text = pa.chunked_array(_grouped(chunks), pa.large_string())
            return pd.Series(pd.array(text, dtype="str")), kinds.pop()
    column = np.full(n, None, dtype=object)
    for first, cells, json in parts:
        column[first:first + len(cells)] = _unpacked(cells, json)  # 1-D object arrays: copied cell for cell
    # Python values, said so: pandas would look through every cell for text (a million rows' numbers: 0.15 s a
    # column), and take a column of the reader's JSON text and other text for text, losing the mark.
    return pd.Series(column, dtype=object, copy=False), False


def _grouped(chunks: list[pa.Array]) -> list[pa.Array]:
    """Return a column's pieces joined into chunks of at least PACK_ROWS rows, the pieces let go as they are joined.

    A file read in blocks on two cores, or of many short runs, comes in hundreds of pieces; every later step over
    the column (a filter, a take, a page's rows) pays per chunk (a million rows in 2,700-row pieces: the slider step
    was 0.19-0.30 s in three benchmark runs, 0.15 s in one after). Joining costs a million rows' read 0.6 s.
    """
    if len(chunks) <= 64:
        return chunks
    out: list[pa.Array] = []
    group: list[pa.Array] = []
    rows = 0
    chunks.reverse()  # popped from the end: each piece is let go once joined
    while chunks:
        group.append(chunks.pop())
        rows += len(group[-1])
        if rows >= PACK_ROWS or not chunks:
            out.append(group[0] if len(group) == 1 else pa.concat_arrays(group))
            group, rows = [], 0
    return out


def json_table(raw: bytes, file: str, progress: Progress, limits: Limits, columns: frozenset[str],
               as_json: JsonColumns = frozenset()) -> tuple[str, Table]:
    """Read a JSON file: return its shape ("geojson", "records" or "timemap") and its rows.

    A GeoJSON file written one feature per line is read line by line, keeping line numbers.
    `columns` are the property names that are always columns (the schema's), however rare; of a GeoJSON
    feature's, those in `as_json` keep a list or mapping as JSON text (:class:`JsonText`), checked by the check
    `as_json` maps each to, if any (see :class:`Records`).
    """
    raw = raw.removeprefix(BOM)  # a byte-order mark is allowed in UTF-8 and means nothing
    first_end = raw.find(b"\n")
    if first_end > 0 and _LINE_PER_FEATURE_HEAD.match(raw[:first_end]):
        return "geojson", geojson_lines(_lines_after(raw, first_end + 1), len(raw), file, progress, limits, columns,
                                        as_json)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DataError([_json_error(file, exc)]) from None
    except RecursionError:
        raise DataError([Problem(file, None, None, "JSON nested too deeply to read")]) from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection" and isinstance(
            document.get("features"), list):
        gathered = Records(file, limits, "feature", columns, as_json)
        features = document["features"]
        for index, feature in enumerate(features):
            if index % PROGRESS_EVERY == 0 and index:
                progress(0.8 * index / len(features), f"Read {index:,} of {len(features):,} features")
            gathered.add_feature(feature, None)
        return "geojson", gathered.table()
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        table = _records(document["events"], file, progress, limits, columns, "event")
        table.side = {"sources": document.get("sources"), "associations": document.get("associations")}
        return "timemap", table
    if isinstance(document, list) and document and all(isinstance(item, dict) for item in document[:100]):
        return "records", _records(document, file, progress, limits, columns, "record")
    shape = "an empty list" if document == [] else f"a JSON {type(document).__name__}"
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        shape = "a FeatureCollection without a 'features' list"
    raise DataError([Problem(file, 1, None, f"not a JSON format this tool knows: it is {shape}. Known: "
                                            f"{'; '.join(KNOWN_JSON)}. For a list of records with other names, "
                                            "say which key holds what with --map FIELD=KEY")])


def _records(items: list, file: str, progress: Progress, limits: Limits, columns: frozenset[str], noun: str) -> Table:
    gathered = Records(file, limits, noun, columns)
    for index, item in enumerate(items):
        if index % PROGRESS_EVERY == 0 and index:
            progress(0.8 * index / len(items), f"Read {index:,} of {len(items):,} {noun}s")
        gathered.add(item, None)
    return gathered.table(points=False)


def _lines_after(raw: bytes, start: int) -> Iterator[bytes]:
    """Yield the lines of `raw` from offset `start`, one at a time (never a list of them all)."""
    view = memoryview(raw)
    position = start
    while position < len(raw):
        stop = raw.find(b"\n", position)
        stop = len(raw) if stop < 0 else stop
        yield bytes(view[position:stop])
        position = stop + 1


def geojson_lines_file(path: Path) -> Iterator[bytes] | None:
    """Return the lines after the header of a file written one GeoJSON feature per line, read as they come; None
    for any other file. A million features are 786 MB: read a line at a time, the file is never held whole."""
    with path.open("rb") as file:
        head = file.readline(4096).removeprefix(BOM)
    if not _LINE_PER_FEATURE_HEAD.match(head.rstrip(b"\r\n")):
        return None

    def lines() -> Iterator[bytes]:
        with path.open("rb") as file:
            file.readline()
            for line in file:
                yield line.removesuffix(b"\n")

    return lines()


def geojson_lines(lines: Iterable[bytes], total: int, file: str, progress: Progress, limits: Limits,
                  columns: frozenset[str], as_json: JsonColumns = frozenset()) -> Table:
    """Read the features of a FeatureCollection written one feature per line (`lines`: those after its header,
    `total` bytes in all); a broken line costs only its feature. `columns`, `as_json`: as :func:`json_table`."""
    gathered = Records(file, limits, "feature", columns, as_json)
    line, closed = add_feature_lines(gathered, lines, file, 2, progress, total)
    if not closed:
        raise DataError([Problem(file, line - 1, None, "JSON syntax error: the collection is not closed (truncated file?)")])
    return gathered.table()


def add_feature_lines(gathered: Records, lines: Iterable[bytes], file: str, line: int, progress: Progress | None = None,
                      total: int = 1) -> tuple[int, bool]:
    """Add the features of lines of a line-per-feature FeatureCollection, the first of them line number `line`.

    Return the number the next line would have, and whether the collection's end was read. Text after the end
    is refused (DataError); `progress` is told every PROGRESS_EVERY features, the fraction of `total` bytes read.
    """
    position, total, closed = 0, max(total, 1), False
    for text in lines:
        position += len(text) + 1
        chunk = text.strip()
        if chunk.endswith(b","):
            chunk = chunk[:-1].rstrip()
        if chunk in (b"]}", b"]", b"] }"):
            closed = True
        elif closed and chunk:
            raise DataError([Problem(file, line, None, "JSON syntax error: text after the end of the collection")])
        elif chunk:
            index = len(gathered.where)
            if progress is not None and index % PROGRESS_EVERY == 0 and index:
                progress(0.8 * position / total, f"Read {index:,} features")
            try:
                gathered.add_feature(orjson.loads(chunk), line, size=len(chunk))
            except orjson.JSONDecodeError as exc:
                gathered.add_feature(None, line, _json_error(file, exc).message)
        line += 1
    return line, closed


# ---- CSV and tab-separated text -------------------------------------------------------------------


def decode(raw: bytes, file: str) -> str:
    """Return a file's text (UTF-8, with or without a byte-order mark); DataError names the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(file, line, None, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]) from None


def csv_table(text: str | None, file: str, progress: Progress, limits: Limits, *, names: list[str] | None = None,
              delimiter: str = ",", spreadsheet: bool = False, raw: bytes | None = None) -> Table:
    """Read CSV text whose first record is the header (or, with `names`, a file with no header).

    Column names keep their spelling (trimmed); `spreadsheet` takes this tool's formula guards off
    (its own CSV export). Given the file's `raw` bytes (and no `text`, which is then decoded only if needed),
    a file with nothing unusual is read by Arrow (:func:`plain_csv_table`): the same table, its text in Arrow.
    """
    if raw is not None and not spreadsheet:
        plain = plain_csv_table(raw, limits, names=names, delimiter=delimiter)
        if plain is not None:
            progress(0.79, f"Read {len(plain.where):,} rows")  # the table is read: the fields start at 0.8
            return plain
    if text is None:
        assert raw is not None, "csv_table needs the text or the file's bytes"
        text = decode(raw, file)
    records = csv_records(text, delimiter=delimiter)
    if names is None:
        first = next(records, None)
        if first is None:
            raise DataError([Problem(file, 1, None, "the file is empty (no header row)")])
        if first.cells is None:
            raise DataError([Problem(file, 1, None, f"{first.error} (in the header row)")])
        if len(first.cells) > limits.columns:
            raise DataError([Problem(file, 1, None, limits.cap_message("columns", "columns"))])
        header = [(from_spreadsheet(h) if spreadsheet else h).strip() for h in first.cells]
        twice = {name: count for name, count in Counter(h.lower() for h in header).items() if count > 1}
        if twice:
            listed = ", ".join(f"{name!r} ({count} times)" for name, count in sorted(twice.items()))
            raise DataError([Problem(file, 1, None, f"column name(s) used twice: {listed}")])
    else:
        header = names
    width = len(header)
    rows: list[list[str]] = []
    where: list[str] = []
    lines: list[int | None] = []
    errors: dict[int, str] = {}
    total_lines = max(text.count("\n"), 1)
    for record in records:
        cells = record.cells
        if cells is not None and not any(cell.strip() for cell in cells):
            continue  # a blank line is not a row
        if len(rows) >= limits.rows:
            raise DataError([Problem(file, record.line, None, limits.cap_message("rows", "rows"))])
        if len(rows) % PROGRESS_EVERY == 0 and rows:
            progress(0.8 * record.line / total_lines, f"Read {len(rows):,} rows")
        if cells is None:
            errors[len(rows)] = str(record.error)
            cells = [""] * width
        elif len(cells) != width:
            errors[len(rows)] = f"has {len(cells)} cells, the {'header' if names is None else 'format'} has {width}"
            cells = (cells + [""] * width)[:width]
        if width and max(map(len, cells)) > limits.cell_chars:
            longest = max(range(width), key=lambda i: len(cells[i]))
            errors.setdefault(len(rows), too_long(limits, header[longest], cells[longest]))
            cells = [""] * width  # the row is rejected; its text need not be kept
        if spreadsheet:
            cells = [from_spreadsheet(cell) if cell[:1] == "'" else cell for cell in cells]
        rows.append(cells)
        where.append(f"line {record.line}")
        lines.append(record.line)
    values = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    return Table(values, where, lines, errors)


# The export's own column names: always columns of a JSON table, however rare.
SCHEMA_COLUMNS = frozenset(INCIDENT_COLUMNS)


ARROW_CSV = True  # False: every CSV file is read a record at a time (the tests compare both readers)
# What Python's str.strip() takes off (every character whose str.isspace() is true; a test holds it to that): a row
# whose every cell is only these is a blank line, not a row.
_PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                  "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def plain_csv_table(raw: bytes, limits: Limits, *, names: list[str] | None = None,
                    delimiter: str = ",") -> Table | None:
    """Return a CSV file's table read by Arrow's reader, or None if the file is not plain (then read a record at a time).

    Plain: UTF-8; every record on a line of its own, of the header's width, read without a syntax error by
    Python's csv reader as :func:`~geo.csvrows.csv_records` reads it (strict: text after a closing quote is an
    error there, and Arrow would join it to the cell); no blank row, no cell over the cap, no more rows than the
    cap. Python's reader checks that in one pass that keeps nothing (the file decoded as it goes, never held as
    text), while Arrow reads the cells on the other core. The table is the one :func:`csv_table` makes, row for
    row, but its text stays in Arrow: a million rows of ACLED's 22 columns as Python strings took 26 s and 3.7 GB.
    """
    import csv
    import io
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.csv as arrow_csv

    from ..csvrows import _dialect
    from ..memory import give_back

    if not ARROW_CSV:
        return None
    body = raw[len(BOM):] if raw.startswith(BOM) else raw
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline=""), **_dialect(delimiter))
    try:
        header = names if names is not None else [cell.strip() for cell in next(reader)]
    except (StopIteration, csv.Error, UnicodeDecodeError):
        return None
    start = reader.line_num  # the lines before the first row (the header's)
    if not header or len(header) > limits.columns or len({name.lower() for name in header}) < len(header):
        return None  # read a record at a time, which names what is wrong
    options = (arrow_csv.ReadOptions(column_names=header, skip_rows=start),
               arrow_csv.ParseOptions(delimiter=delimiter, quote_char=False if delimiter == "\t" else '"',
                                      newlines_in_values=False, ignore_empty_lines=False),
               arrow_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.large_string()), null_values=[],
                                        strings_can_be_null=False, quoted_strings_can_be_null=False))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-arrow") as pool:
        reading = pool.submit(arrow_csv.read_csv, pa.py_buffer(body), *options)  # lets go of the GIL
        rows, width = 0, len(header)
        try:
            for cells in reader:
                rows += 1
                if len(cells) != width or reader.line_num != start + rows:
                    break  # a record of another width, over several lines, or a blank line
            else:
                width = -1  # every record plain
        except (csv.Error, UnicodeDecodeError):
            pass
        try:
            table = reading.result()
        except pa.ArrowException:  # a row Arrow cannot read: the reader a record at a time names it
            return None
    give_back()  # the parser's buffers (a million rows of ACLED: 450 MB beside the table's 460)
    if width != -1 or rows == 0 or rows > limits.rows or table.num_rows != rows:
        return None
    if any(_over(column, limits.cell_chars) for column in table.columns) or _has_blank_row(table):
        return None
    values = pd.DataFrame({name: pd.Series(pd.array(table.column(i), dtype="str")) for i, name in enumerate(header)},
                          index=pd.RangeIndex(rows))
    first = start + 1
    return Table(values, Numbered("line", first, rows), range(first, first + rows), {})


def _over(column: pa.ChunkedArray, chars: int) -> bool:
    """Return whether a cell of a column of text has more than `chars` characters (counted only if its bytes do)."""
    if (pc.max(pc.binary_length(column)).as_py() or 0) <= chars:
        return False  # no cell has more characters than bytes
    return (pc.max(pc.utf8_length(column)).as_py() or 0) > chars


def _has_blank_row(table: pa.Table) -> bool:
    """Return whether a row has only whitespace in every cell (as Python's str.strip() sees it).

    Column by column, over the rows still blank so far: one column with text in every row (an id) ends it.
    """
    rows = None
    for column in table.columns:
        cells = column if rows is None else column.take(rows)
        blank = pc.equal(pc.utf8_length(pc.utf8_trim(cells, _PY_WHITESPACE)), 0)
        found = np.flatnonzero(blank.to_numpy(zero_copy_only=False))
        rows = found if rows is None else rows[found]
        if len(rows) == 0:
            return False
    return True
