"""A column of lists and mappings kept as JSON text in one Arrow buffer, read into Python values when asked for.

An incident's sources, places, casualties, conflicts and flags are lists (of mappings). As Python objects a
million rows of them take gigabytes and seconds to build; as JSON text they are one Arrow buffer a tenth the
size. :class:`JsonTextArray` is a pandas extension array over that text: a cell is its value (a list, a
mapping), so whatever reads the frame (a row, a column, an export) reads the values, decoded a block of rows at
a time, and only the rows it reads. The frame is read-only: a cell cannot be set.

A cell is JSON text, or null for a missing value (None), or ``NaN`` (pandas' missing value in a column of
mixed values, which JSON has no text for). Only values that JSON carries back exactly are ever encoded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from pandas.api.extensions import ExtensionArray, ExtensionDtype, register_extension_dtype

from .memory import no_cycle_collection

NAN = "NaN"  # a NaN cell: never a JSON text itself (a string "NaN" is written '"NaN"')
BLOCK_ROWS = 8_192  # rows decoded at a time when a column is read whole
READ_ROWS = 65_536  # rows read at a time by Arrow's JSON reader (rows_by_field)


def exact_in_json(value: Any) -> bool:
    """Return whether JSON carries a value back exactly (no NaN or infinity, integers within 64 bits, plain types)."""
    if value is None or type(value) in (str, bool):
        return True
    if type(value) is int:
        return -(2**63) <= value < 2**64
    if type(value) is float:
        return math.isfinite(value)
    # Text and None inside a list or mapping are taken without a call: nearly every item of a file's lists is text
    # (a million rows of sources checked in 1.3 s, one call per item and per mapping's value).
    if type(value) is list:
        for item in value:
            if item is not None and type(item) is not str and not exact_in_json(item):
                return False
        return True
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str or (item is not None and type(item) is not str and not exact_in_json(item)):
                return False
        return True
    return False


def cell_text(value: Any) -> str | None:
    """Return one value as its cell: JSON text, None for None, NAN for NaN; ValueError if JSON cannot carry it."""
    if value is None:
        return None
    if type(value) is float and math.isnan(value):
        return NAN
    if not exact_in_json(value):
        raise ValueError(f"JSON cannot carry {type(value).__name__} value {value!r:.80} back exactly")
    return orjson.dumps(value).decode("utf-8")


def decoded(cells: list[str | None]) -> list[Any]:
    """Return cells as values, read as one JSON array (one call, not one per cell)."""
    # A null comes back from Parquet through pandas as None or as NaN, depending on its version: "no value".
    with no_cycle_collection():  # many containers, no cycles
        values = orjson.loads("[" + ",".join(v if type(v) is str and v != NAN else "null" for v in cells) + "]")
    for row in (i for i, v in enumerate(cells) if v == NAN):
        values[row] = math.nan
    return values


def as_values(frame: pd.DataFrame) -> None:
    """Read a frame's columns of JSON text into lists and mappings, in place, one column at a time."""
    for name in frame.columns:
        if isinstance(frame[name].array, JsonTextArray):
            values = decoded(frame[name].array.text.to_pylist())
            # fromiter: lists of equal length are never read as a second dimension
            frame[name] = pd.Series(np.fromiter(values, dtype=object, count=len(values)), index=frame.index,
                                    dtype=object)


def non_empty_lists(column: pd.Series) -> np.ndarray:
    """Return which cells of a column hold a list with something in it (read from the text, when kept as text)."""
    if isinstance(column.array, JsonTextArray):
        text = column.array.text
        filled = pc.and_(pc.starts_with(text, "["), pc.not_equal(text, "[]"))  # orjson writes an empty list as []
        return pc.fill_null(filled, False).to_numpy(zero_copy_only=False).astype(bool)
    return np.fromiter((type(v) is list and bool(v) for v in column), dtype=bool, count=len(column))


def rows_holding(column: pd.Series, value: str) -> np.ndarray:
    """Return the positions of the cells whose list holds `value` (a string).

    Kept as text, only the cells whose text holds `value` as a JSON string are read: a million rows' places
    were read whole in 2 s to find a handful that name one of Kyiv's districts.
    """
    if isinstance(column.array, JsonTextArray):
        written = orjson.dumps(value).decode("utf-8")  # as orjson writes it in a cell: quoted, escaped
        found = pc.fill_null(pc.match_substring(column.array.text, written), False)
        candidates = np.flatnonzero(found.to_numpy(zero_copy_only=False))
        cells = column.array.take(candidates) if len(candidates) else []
        return candidates[np.fromiter((type(c) is list and value in c for c in cells), dtype=bool,
                                      count=len(candidates))]
    return np.flatnonzero(np.fromiter((type(c) is list and value in c for c in column), dtype=bool,
                                      count=len(column)))


def rows_by_field(column: pd.Series, key: str) -> dict[str, np.ndarray]:
    """Return, per text value of `key` in the mappings of each cell's list, the positions of the cells holding one.

    A column of sources gives, per source, the incidents that cite it. Kept as text, the lists are read by Arrow's
    JSON reader, in C++ (a million rows' sources took 2 s a cell at a time); a column it cannot read exactly (a
    cell that is no list of mappings, a value of `key` that is no text) is read a cell at a time, as plain values.
    """
    if isinstance(column.array, JsonTextArray):
        found = _rows_by_field_in_text(column.array.text, key)
        if found is not None:
            return found
    rows: dict[str, list[int]] = {}
    for i, items in enumerate(column):
        for value in {item[key] for item in items or ()}:
            rows.setdefault(value, []).append(i)
    return {value: np.asarray(found, dtype=np.int64) for value, found in rows.items()}


def _rows_by_field_in_text(text: pa.ChunkedArray, key: str) -> dict[str, np.ndarray] | None:
    """rows_by_field on JSON text; None when a cell or a value is not what Arrow can read exactly.

    Each cell becomes one line, ``{"v": CELL}``, read as a list of mappings with `key`'s text alone, a block of
    rows at a time (the lines of a million rows at once took 0.4 GB more). A cell that is no list of mappings
    (NaN, a mapping, a number, a list of text) or a value of `key` that is no text makes the read fail, and an
    item without `key` (or null) shows as a null: either way, None.
    """
    found = items_field(text, key)
    if found is None:
        return None
    values, rows = found
    if not len(values):
        return {}
    encoded = values.combine_chunks().dictionary_encode()
    codes, names = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()
    pairs = sorted_unique(codes * len(text) + rows)
    by_code, positions = np.divmod(pairs, len(text))
    bounds = np.searchsorted(by_code, np.arange(len(names) + 1))
    return {name: positions[bounds[i]:bounds[i + 1]] for i, name in enumerate(names)}


def items_field(text: pa.ChunkedArray, key: str) -> tuple[pa.ChunkedArray, np.ndarray] | None:
    """Return `key`'s text in each item of each cell's list of mappings (JSON text), and the row of each; None when
    a cell or a value is not what Arrow's JSON reader can read exactly (see :func:`_rows_by_field_in_text`)."""
    values, rows = [], []
    for start, found in items_field_slices(text, key):
        if found is None:
            return None
        values.append(found[0])
        rows.append(found[1] + start)
    return pa.chunked_array(values, pa.string()), np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)


def items_field_slices(text: pa.ChunkedArray, key: str) -> Iterator[tuple[int, tuple[pa.Array, np.ndarray] | None]]:
    """Yield, for each slice of READ_ROWS cells, its first row and :func:`items_field`'s answer for it (the rows
    counted from the slice's start), or None where Arrow's JSON reader cannot read that slice exactly.

    What the reader made of one slice is let go before the next is read."""
    for start in range(0, len(text), READ_ROWS):
        yield start, _field_of_items(text.slice(start, READ_ROWS), key)


def _field_of_items(text: pa.ChunkedArray, key: str) -> tuple[pa.Array, np.ndarray] | None:
    """Return `key`'s value in each item of each cell's list, and the position of its cell; None if unreadable."""
    cells = pc.fill_null(text, "[]")
    before, after, between = (pa.scalar(part, pa.large_string()) for part in ('{"v":', "}\n", ""))
    lines = pc.binary_join_element_wise(before, cells, after, between)
    data = b"".join(_text_bytes(chunk) for chunk in lines.chunks if len(chunk))
    schema = pa.schema([("v", pa.list_(pa.struct([(key, pa.string())])))])
    longest = pc.max(pc.binary_length(lines)).as_py() or 0
    try:
        table = pa_json.read_json(  # a block holds whole lines: the longest (a long quote) sets its size
            pa.BufferReader(data), read_options=pa_json.ReadOptions(block_size=max(1 << 20, 2 * longest)),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != len(text) or table.column_names != ["v"]:  # a line break inside a cell, a stray field
        return None
    lists = table.column("v").combine_chunks()
    if lists.null_count:
        return None
    items = pc.list_flatten(lists)
    values = pc.struct_field(items, key)
    if items.null_count or values.null_count:
        return None
    return values, pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Return an integer array's distinct values, sorted (numpy 2.4's np.unique took 1.2 s on 1.4 million, a sort 0.1)."""
    ordered = np.sort(values, kind="stable")
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _text_bytes(array: pa.LargeStringArray) -> memoryview:
    """Return the bytes of an Arrow text array's cells, one after the other (no nulls)."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    return memoryview(array.buffers()[2])[offsets[0]:offsets[-1]]


def _one(cell: str | None) -> Any:
    if cell is None:
        return None
    return math.nan if cell == NAN else orjson.loads(cell)


@register_extension_dtype
class JsonTextDtype(ExtensionDtype):
    """The dtype of a column of JSON values kept as text."""

    name = "json_text"
    type = object
    kind = "O"
    na_value = None

    @classmethod
    def construct_array_type(cls) -> type[JsonTextArray]:
        """Return the array type of this dtype."""
        return JsonTextArray


class JsonTextArray(ExtensionArray):
    """JSON values kept as text (Arrow large strings); a cell read is its value. Read-only."""

    def __init__(self, text: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(text, pa.Array):
            text = pa.chunked_array([text])
        if text.type != pa.large_string():
            text = text.cast(pa.large_string())
        self._text = text
        self._starts = np.cumsum([0, *(len(chunk) for chunk in text.chunks)])

    @classmethod
    def from_values(cls, values: Iterable[Any]) -> JsonTextArray:
        """Return values as JSON text cells; ValueError if JSON cannot carry one of them back exactly."""
        return cls(pa.array([cell_text(v) for v in values], type=pa.large_string()))

    @property
    def text(self) -> pa.ChunkedArray:
        """Return the cells as they are kept: JSON text, null for None, NAN for NaN."""
        return self._text

    # ---- what pandas needs of an extension array ----

    @classmethod
    def _from_sequence(cls, scalars: Iterable[Any], *, dtype: Any = None, copy: bool = False) -> JsonTextArray:
        return cls.from_values(scalars)

    @classmethod
    def _from_scalars(cls, scalars: Any, *, dtype: Any) -> JsonTextArray:
        # What a pointwise operation (Series.map) returns is never read back as JSON text: "Kyiv; Odesa" joined from
        # a list stays a string, not the JSON text of one.
        raise TypeError("a pointwise result is not a JSON text column")

    @classmethod
    def _from_factorized(cls, values: np.ndarray, original: JsonTextArray) -> JsonTextArray:
        return cls(pa.array(values, type=pa.large_string()))

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return self._text.to_numpy(zero_copy_only=False), None  # equal text, equal value

    @property
    def dtype(self) -> JsonTextDtype:
        """Return the column's dtype."""
        return JsonTextDtype()

    @property
    def nbytes(self) -> int:
        """Return the bytes the text takes."""
        return self._text.nbytes

    def __len__(self) -> int:
        return len(self._text)

    def __getitem__(self, item: Any) -> Any:
        if pd.api.types.is_integer(item):
            position = int(item) + (len(self) if item < 0 else 0)
            if not 0 <= position < len(self):
                raise IndexError(f"index {item} is out of bounds for a column of {len(self)}")
            return _one(self._text[position].as_py())
        if isinstance(item, tuple) and len(item) == 1:
            item = item[0]
        item = pd.api.indexers.check_array_indexer(self, item)
        if isinstance(item, slice):
            return type(self)(self._text[item])
        if item.dtype == bool:
            return type(self)(self._text.filter(pa.array(item)))
        return self.take(item)

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._text.chunks:
            for low in range(0, len(chunk), BLOCK_ROWS):
                yield from decoded(chunk.slice(low, BLOCK_ROWS).to_pylist())

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError("a column of JSON text is read-only")

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        others = other if pd.api.types.is_list_like(other) and len(other) == len(self) and not isinstance(other, dict) \
            else [other] * len(self)
        return np.fromiter((a == b for a, b in zip(self, others, strict=True)), dtype=bool, count=len(self))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.fromiter(self, dtype=object, count=len(self))

    def to_numpy(self, dtype: Any = None, copy: bool = False, na_value: Any = None) -> np.ndarray:  # type: ignore[override]
        """Return the values as an object array."""
        return np.asarray(self)

    def tolist(self) -> list[Any]:
        """Return the values as a list."""
        return list(self)

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        """Return the column as another dtype (object: the values)."""
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, JsonTextDtype):
            return self.copy() if copy else self
        if dtype == np.dtype(object):
            return np.asarray(self)
        return super().astype(dtype, copy=copy)

    def isna(self) -> np.ndarray:
        """Return which cells are missing (None or NaN)."""
        missing = pc.or_kleene(self._text.is_null(), pc.equal(self._text, NAN))
        return pc.fill_null(missing, True).to_numpy(zero_copy_only=False).astype(bool)

    def take(self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None) -> JsonTextArray:
        """Return the cells at these positions (with allow_fill, -1 is a missing cell)."""
        positions = np.asarray(indices, dtype=np.int64)
        if allow_fill:
            if (positions < -1).any():
                raise ValueError("take: with allow_fill, the only negative position is -1")
            missing = positions == -1
            if len(self) == 0 and not missing.all():
                raise IndexError("cannot take from an empty column")
            fill = None if fill_value is None or (isinstance(fill_value, float) and math.isnan(fill_value)) \
                else cell_text(fill_value)
            taken = self._cells_at(np.where(missing, 0, positions)) if len(self) else \
                pa.nulls(len(positions), pa.large_string())
            return type(self)(pc.if_else(pa.array(missing), pa.scalar(fill, pa.large_string()), taken))
        positions = np.where(positions < 0, positions + len(self), positions)
        if len(positions) and (positions.min() < 0 or positions.max() >= len(self)):
            raise IndexError(f"position out of bounds for a column of {len(self)}")
        return type(self)(self._cells_at(positions))

    def _cells_at(self, positions: np.ndarray) -> pa.Array:
        """Return the text at positions (in bounds), taken chunk by chunk.

        Arrow's take over a chunked column joins its chunks first: a copy of a million rows' text for a popup's row.
        """
        if self._text.num_chunks == 1:
            return self._text.chunk(0).take(pa.array(positions))
        chunk_of = np.searchsorted(self._starts, positions, side="right") - 1
        order = np.argsort(chunk_of, kind="stable")  # the rows grouped by chunk, each group in the order asked
        parts = [self._text.chunk(k).take(pa.array(positions[order][chunk_of[order] == k] - self._starts[k]))
                 for k in np.unique(chunk_of)]
        grouped = pa.concat_arrays(parts) if parts else pa.array([], pa.large_string())
        return grouped.take(pa.array(np.argsort(order, kind="stable")))

    def copy(self) -> JsonTextArray:
        """Return the column (the text is immutable, so it is shared)."""
        return type(self)(self._text)

    @classmethod
    def _concat_same_type(cls, to_concat: Iterable[JsonTextArray]) -> JsonTextArray:
        chunks = [chunk for array in to_concat for chunk in array._text.chunks]
        return cls(pa.chunked_array(chunks, type=pa.large_string()))

    def _formatter(self, boxed: bool = False):
        return repr
