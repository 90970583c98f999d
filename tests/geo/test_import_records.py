"""Records (the JSON reader's gatherer) against a plain reference: the same table, however keys come and go."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.imports.tables import SPARSE_SHARE, Records
from geo.limits import Limits

KEYS = ["id", "title", "date_start", "rare", "x", "y"]
VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.sampled_from("ab"), st.integers(), max_size=1))
RECORD = st.one_of(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6), st.integers(), st.none())


def reference(records: list[Any], columns: frozenset[str]) -> tuple[dict[str, list], list[dict | None]]:
    """Return the columns and the rare properties as a plain per-key scatter reads them."""
    n = len(records)
    seen: dict[str, list[tuple[int, Any]]] = {}
    for row, props in enumerate(records):
        if isinstance(props, dict):
            for key, value in props.items():
                seen.setdefault(key, []).append((row, value))
    out: dict[str, list] = {}
    sparse: list[dict | None] = [None] * n
    for key, cells in seen.items():
        if key in columns or len(cells) * SPARSE_SHARE >= n:
            column: list[Any] = [None] * n
            for row, value in cells:
                column[row] = value
            out[key] = column
        else:
            for row, value in cells:
                sparse[row] = {**(sparse[row] or {}), key: value}
    return out, sparse


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORD, max_size=80), st.booleans())
def test_a_table_of_records_is_the_plain_scatter(records: list[Any], schema: bool) -> None:
    columns = frozenset({"id"}) if schema else frozenset()
    gathered = Records("f.json", Limits(), "record", columns)
    for i, props in enumerate(records):
        gathered.add(props, i + 1)
    table = gathered.table(points=False)
    expected_columns, expected_sparse = reference(records, columns)
    assert list(table.values.columns) == list(expected_columns)
    for key, column in expected_columns.items():
        # pandas keeps a column of text as text, its missing cells as its own NA
        assert [None if _missing(cell) else cell for cell in table.values[key]] == column
    has_sparse = any(item is not None for item in expected_sparse)
    assert table.sparse == (expected_sparse if has_sparse else None)
    assert sorted(table.errors) == [i for i, props in enumerate(records) if not isinstance(props, dict)]
    assert [list(item) for item in (table.sparse or [])] == [list(item) for item in (expected_sparse if has_sparse
                                                                                       else [])]  # key order


def _missing(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell) or cell is pd.NA


def test_a_cell_over_the_cap_rejects_its_record_by_its_first_long_key() -> None:
    gathered = Records("f.json", Limits(cell_chars=3), "record")
    gathered.add({"a": "ok", "b": "long", "c": "longer"}, 1)
    gathered.add({"a": "fine"}, 2, size=2)  # a record of 2 bytes cannot hold a long cell: not measured
    gathered.add({"a": "x"}, 3, error="broken")
    assert gathered.errors[0].startswith("the cell in column 'b' has 4 characters")
    assert 1 not in gathered.errors and gathered.errors[2] == "broken"
