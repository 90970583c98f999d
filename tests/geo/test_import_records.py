"""Records (the JSON reader's gatherer) against a plain reference, and a file read a line at a time against its bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo.export import geojson_text
from geo.imports import read_incidents, tables
from geo.imports.tables import BOM, SPARSE_SHARE, Records, geojson_lines_file, object_array, restore_json
from geo.limits import Limits
from geo.problems import DataError
from geo.synthetic import synthetic_incidents

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


# (rows packed at a time, the shortest run packed): the reader's own, and small enough to pack runs of a few records.
PACKING = [(tables.PACK_ROWS, tables.PACK_MIN_ROWS), (4, 1), (5, 3)]


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORD, max_size=80), st.booleans(), st.sampled_from(PACKING))
def test_a_table_of_records_is_the_plain_scatter(records: list[Any], schema: bool, packing: tuple[int, int]) -> None:
    columns = frozenset({"id", "x"}) if schema else frozenset()
    with mock.patch.object(tables, "PACK_ROWS", packing[0]), mock.patch.object(tables, "PACK_MIN_ROWS", packing[1]):
        # "x": its lists and mappings are kept as JSON text while the file is read, and read back as values
        gathered = Records("f.json", Limits(), "record", columns, as_json=frozenset({"x"}))
        for i, props in enumerate(records):
            gathered.add(props, i + 1)
        table = gathered.table(points=False)
    restore_json(table)
    expected_columns, expected_sparse = reference(records, columns)
    assert list(table.values.columns) == list(expected_columns)
    for key, column in expected_columns.items():
        # pandas keeps a column of text as text, its missing cells as its own NA
        assert [None if _missing(cell) else cell for cell in table.values[key]] == column
        # packed or not, a column has the dtype pandas gives the values as read
        assert table.values[key].dtype == pd.DataFrame({key: object_array(column)})[key].dtype, key
    has_sparse = any(item is not None for item in expected_sparse)
    assert table.sparse == (expected_sparse if has_sparse else None)
    assert sorted(table.errors) == [i for i, props in enumerate(records) if not isinstance(props, dict)]
    assert [list(item) for item in (table.sparse or [])] == [list(item) for item in (expected_sparse if has_sparse
                                                                                       else [])]  # key order


def _missing(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell) or cell is pd.NA


def test_a_cell_over_the_cap_rejects_its_record_by_its_first_long_key() -> None:
    gathered = Records("f.json", Limits(cell_chars=12), "record")
    gathered.add({"a": "ok", "b": "x" * 13, "c": "x" * 14}, 1)
    # a record of 3 bytes cannot hold a cell over 12 characters, even as JSON text (JSON_GROWTH): not measured
    gathered.add({"a": "x" * 13}, 2, size=3)
    gathered.add({"a": "x"}, 3, error="broken")
    assert gathered.errors[0].startswith("the cell in column 'b' has 13 characters")
    assert 1 not in gathered.errors and gathered.errors[2] == "broken"


def _lines_file(body: list[bytes], newline: bytes = b"\n", bom: bool = False) -> bytes:
    head = (BOM if bom else b"") + b'{"type": "FeatureCollection", "features": ['
    return newline.join([head, *body, b"]}"]) + newline


GOOD = [orjson.dumps(f) + b"," for f in json.loads(geojson_text(synthetic_incidents(40, seed=3)))["features"]]


@pytest.mark.parametrize(("name", "raw"), [
    ("plain", _lines_file(GOOD)),
    ("crlf and a byte-order mark", _lines_file(GOOD, b"\r\n", bom=True)),
    ("broken lines", _lines_file([GOOD[0], b'{"type": "Feature", "geometry":', GOOD[1], b"[1, 2],", GOOD[2]])),
    ("no closing line", _lines_file(GOOD[:3])[:-4]),
    ("text after the end", _lines_file(GOOD[:3]) + b'{"x": 1}\n'),
])
def test_a_file_read_a_line_at_a_time_is_read_as_its_bytes_are(tmp_path: Path, name: str, raw: bytes) -> None:
    path = tmp_path / "lines.geojson"
    path.write_bytes(raw)
    assert geojson_lines_file(path) is not None  # read a line at a time

    def read(source):
        try:
            result = read_incidents(source, "lines.geojson", limits=Limits())
        except DataError as exc:
            return "refused", [str(p) for p in exc.problems]
        return (result.frame.to_json(), [str(p) for p in result.problems], result.rows, result.loaded,
                result.format)

    assert read(path) == read(raw)
    if name == "plain":
        assert read(path)[2] == len(GOOD)


@pytest.mark.parametrize("forced", ["json", "csv"])
def test_a_line_per_feature_file_forced_as_another_format_is_refused_as_before(tmp_path: Path, forced: str) -> None:
    path = tmp_path / "lines.geojson"
    path.write_bytes(_lines_file(GOOD[:3]))

    def refusal(source) -> str:
        with pytest.raises(DataError) as caught:
            read_incidents(source, "lines.geojson", format=forced, limits=Limits())
        return str(caught.value)

    assert refusal(path) == refusal(path.read_bytes())


@pytest.mark.parametrize("features", [40, 3_000])  # 3,000: runs packed into Arrow while the file is read
def test_another_tools_lists_under_the_exports_names_are_read_as_that_tool_wrote_them(tmp_path: Path,
                                                                                       features: int) -> None:
    """A GeoJSON in another schema: its "places" and "sources" are its own properties, lists read back as lists."""
    rows = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5 + i / 1e4, 50.4]},
             "properties": {"id": f"e{i}", "date": "2024-05-01", "places": ["Kyiv", f"block {i}"] if i % 3 else [],
                            "sources": [f"https://a.example/{i}", "https://b.example/x"],
                            "note": {"by": "me"} if i % 2 else None}} for i in range(features)]
    path = tmp_path / "other.geojson"
    path.write_bytes(b"\n".join([b'{"type": "FeatureCollection", "features": [',
                                 b",\n".join(orjson.dumps(row) for row in rows), b"]}"]) + b"\n")
    result = read_incidents(path, limits=Limits())
    frame = result.frame.set_index("id")
    assert result.loaded == features
    for row in rows[:50]:
        props = row["properties"]
        assert frame.at[props["id"], "places_2"] == props["places"]  # kept beside the export's own "places"
        assert frame.at[props["id"], "sources"] == [{"source": url, "quote": ""} for url in props["sources"]]
        assert frame.at[props["id"], "corroboration"] == 2
    assert result.first_rows[1]["places"] == rows[1]["properties"]["places"]


def test_a_long_files_text_and_lists_are_packed_however_its_last_run_ends() -> None:
    """17,000 records: the last 616 (a run too short to pack while reading) do not keep their columns in Python."""
    gathered = Records("f.geojson", Limits(), "feature", frozenset({"id", "title", "sources"}), frozenset({"sources"}))
    for i in range(17_000):
        gathered.add({"id": f"e{i}", "title": "t", "sources": [{"source": f"s{i}", "quote": ""}]}, i + 2, lon=1.0, lat=2.0)
    table = gathered.table()
    assert {str(table.values[name].dtype) for name in ("id", "title", "sources")} == {"str"}
    assert table.json_columns == {"sources"}
    assert table.where[16_999] == "feature 17000" and len(table.where) == 17_000
    restore_json(table)
    assert table.values["sources"].iat[16_999] == [{"source": "s16999", "quote": ""}]


def test_a_rows_problems_come_bad_json_first_in_the_columns_order_then_its_conflicts(tmp_path: Path) -> None:
    """The order a row's problems are listed in does not depend on how its lists were read (as text or values)."""
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5, 50.4]},
               "properties": {"id": "e1", "date_start": "2024-05-01", "sources": "[", "conflicts": [{"field": 1}],
                              "places": "{", "flags": "[1,"}}
    path = tmp_path / "bad.geojson"
    path.write_bytes(b'{"type": "FeatureCollection", "features": [\n' + orjson.dumps(feature) + b"\n]}\n")
    reasons = [p.message.split(": ", 1)[1].split(" (")[0].split(" is ")[0] for p in read_incidents(path).problems]
    assert reasons == ["places", "sources", "flags", "conflicts item 1"], reasons


# ---- the export's list cells: a missing cell and "[]" are "[]" without a reader's call ---------------------

LIST_CELL = st.one_of(st.none(), st.just([]), st.just([""]), st.lists(st.sampled_from(["Kyiv", "", "Київ"]), max_size=2),
                      st.just([{"source": "Reuters", "quote": "q"}]), st.just([{"source": "", "quote": 1}]),
                      st.just("not a list"), st.just({"field": "x"}), st.just([None]), st.just([1]),
                      st.just([{"field": "date", "values": [{"value": "2023", "source": "a"}]}]))


MIXED_EMPTY = [{"places": [], "place_names": ["Kyiv"], "casualties": None, "sources": [{"source": "R", "quote": "q"}],
                "conflicts": [], "flags": None},
               {"places": None, "place_names": [], "casualties": [""], "sources": [], "conflicts": None, "flags": []}]


@settings(max_examples=150, deadline=None)
@example(MIXED_EMPTY)
@example([*MIXED_EMPTY, {**MIXED_EMPTY[0], "sources": [{"source": "", "quote": 1}]}])
@given(st.lists(st.fixed_dictionaries({name: LIST_CELL for name in
                                       ("places", "place_names", "casualties", "sources", "conflicts", "flags")}),
                min_size=1, max_size=12))
def test_the_export_reads_a_list_column_in_arrow_as_it_reads_one_of_python_text(cells: list[dict]) -> None:
    """The same lists, titles and flags from the reader's text in Arrow, as Python text, and checked as it was read."""
    from geo.imports import SCHEMA_COLUMNS
    from geo.imports.fields import ImportOptions
    from geo.imports.schemas import LIST_CHECKS, LIST_COLUMNS, export_draft
    from geo.imports.tables import JsonText

    def read(as_json: frozenset[str] | dict) -> tables.Table:
        gathered = Records("f.geojson", Limits(), "feature", SCHEMA_COLUMNS, as_json)
        for i, props in enumerate(cells):
            gathered.add_feature({"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5, 50.4]},
                                  "properties": {"id": f"f{i}", "date_start": "2023-05-01", **props}}, i + 2)
        return gathered.table()

    in_arrow, checked = read(frozenset(LIST_COLUMNS)), read(LIST_CHECKS)
    assert not in_arrow.checked_columns and checked.checked_columns <= checked.json_columns == in_arrow.json_columns
    in_python = tables.Table(in_arrow.values.copy(), in_arrow.where, in_arrow.lines, dict(in_arrow.errors),
                             in_arrow.points, in_arrow.sparse)
    for name in in_arrow.json_columns:  # the same text, as Python strings marked as the reader's
        in_python.values[name] = pd.Series(object_array(
            [None if _missing(cell) else JsonText(cell) for cell in in_arrow.values[name]]), dtype=object)
    assert all(isinstance(in_arrow.values[name].dtype, pd.StringDtype) for name in in_arrow.json_columns)
    if cells == MIXED_EMPTY:  # the columns of the reader's text the test is about
        assert in_arrow.json_columns == {"places", "place_names", "casualties", "sources", "conflicts", "flags"}

    def drafted(table: tables.Table) -> tuple:
        flags: list[tuple] = []
        draft = export_draft(table, "geojson", ImportOptions(), lambda *flagged: flags.append(flagged), Limits(),
                             lambda i: f"feature {i + 1}")
        lists = {name: draft.columns[name].to_pylist() for name in LIST_COLUMNS if name in draft.columns}
        return lists, list(draft.columns["title"]), flags

    assert drafted(in_arrow) == drafted(in_python) == drafted(checked)
    if cells == MIXED_EMPTY:  # the shortcut is taken where every list passed its check…
        assert checked.checked_columns == in_arrow.json_columns
    if any(row["sources"] == [{"source": "", "quote": 1}] for row in cells):  # …and not where one did not
        assert "sources" not in checked.checked_columns
    if cells == MIXED_EMPTY:  # a row without a title is named by its first place; one without places is not
        assert "Kyiv" in drafted(in_arrow)[1][0] and "Kyiv" not in drafted(in_arrow)[1][1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([None, float("nan"), np.float64("nan")]), min_size=1, max_size=9),
       st.lists(st.sampled_from([None, "[]", '["Kyiv"]', "not json", '[{"source": "a", "quote": ""}]']), min_size=9,
                max_size=9))
def test_a_list_column_with_nothing_in_it_reads_as_each_of_its_cells_would(missing: list, filled: list) -> None:
    """A column of None and NaN only is "[]" in every row with nothing noted, as reading it cell by cell gives; the
    columns beside it are read as they were, in the same order."""
    from geo.imports import schemas

    n = len(missing)
    columns = {"places": (pd.Series(object_array(missing), dtype=object), False),
               "sources": (pd.Series(object_array(filled[:n]), dtype=object), False),
               "flags": (pd.Series(object_array(missing), dtype=object), False)}
    assert schemas._all_missing(columns["places"][0])
    assert schemas._all_missing(columns["sources"][0]) == all(cell is None for cell in filled[:n])
    fast, cell_by_cell = schemas._list_columns(columns), schemas._read_list_columns(columns)
    assert list(fast) == list(columns)
    for name in columns:
        assert fast[name].text.to_pylist() == cell_by_cell[name].text.to_pylist()
        assert (fast[name].flags, fast[name].problems) == (cell_by_cell[name].flags, cell_by_cell[name].problems)


def test_a_list_column_holding_pandas_missing_values_is_read_cell_by_cell() -> None:
    """pd.NA and NaT are not None or NaN: such a column is not taken for empty (it is read as it always was)."""
    from geo.imports import schemas

    assert schemas._all_missing(pd.Series(object_array([None, float("nan")]), dtype=object))
    assert not schemas._all_missing(pd.Series(object_array([None, pd.NA]), dtype=object))
    assert not schemas._all_missing(pd.Series(object_array([None, pd.NaT]), dtype=object))
    assert not schemas._all_missing(pd.Series(["[]", None], dtype="str"))  # text in Arrow: read as text
