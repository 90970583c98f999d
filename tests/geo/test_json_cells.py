"""geo.json_cells: a column of lists and mappings kept as JSON text reads as the same values, in every way pandas reads it."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import geo
from geo.imports import read_incidents
from geo.json_cells import JsonTextArray, JsonTextDtype, cell_text
from geo.synthetic import synthetic_incidents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VALUES = [[{"source": "https://a.example/1", "quote": "«Київ» – 3"}], [], None, math.nan, {"k": [1, 2.5, True, None]},
          ["Odesa", "Kyiv"], "text", 7, -0.0, [[]]]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def same(a: object, b: object) -> bool:
    """Equal, NaN equal to NaN, and of the same types throughout (1 is not 1.0, True is not 1)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def column() -> pd.Series:
    return pd.Series(JsonTextArray.from_values(VALUES), index=range(10, 20))


@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, max_size=30))
def test_any_json_value_reads_back_as_itself(values: list) -> None:
    array = JsonTextArray.from_values(values)
    assert len(array) == len(values)
    assert all(map(same, list(array), values))
    assert all(same(array[i], v) for i, v in enumerate(values))


def test_a_cell_reads_as_its_value_however_it_is_read() -> None:
    series = column()
    assert series.dtype == JsonTextDtype() and isinstance(series.array, JsonTextArray)
    assert all(map(same, series.tolist(), VALUES))
    assert all(map(same, list(series), VALUES))
    assert all(map(same, series.to_numpy(), VALUES)) and series.to_numpy().dtype == object
    assert all(map(same, series.astype(object).tolist(), VALUES))
    assert same(series.iloc[0], VALUES[0]) and same(series.iloc[-1], VALUES[-1]) and same(series.loc[13], math.nan)
    assert series.isna().tolist() == [v is None or v is math.nan for v in VALUES]
    assert series.iloc[[5, 0]].tolist() == [VALUES[5], VALUES[0]]
    assert series.iloc[2:4].isna().all() and len(series.iloc[2:4]) == 2
    assert series[series.notna()].tolist()[:2] == VALUES[:2]
    assert series.map(lambda v: len(v) if isinstance(v, list) else -1).tolist() == [1, 0, -1, -1, -1, 2, -1, -1, -1, 1]
    joined = series.iloc[[5]].map("; ".join)
    assert joined.tolist() == ["Odesa; Kyiv"] and joined.dtype != JsonTextDtype()  # a string, not JSON text
    with pytest.raises(IndexError):
        series.array[10]
    with pytest.raises(TypeError):
        series.iloc[0] = []


def test_a_frame_of_json_text_sorts_filters_and_joins_like_the_values() -> None:
    plain = pd.DataFrame({"n": range(10), "cells": pd.Series(VALUES, dtype=object, index=range(10, 20))},
                         index=range(10, 20))
    kept = plain.assign(cells=column())
    for op in (lambda f: f.sort_values("n", ascending=False), lambda f: f.iloc[[3, 3, 0]], lambda f: f[f["n"] > 4],
               lambda f: f.reset_index(drop=True), lambda f: f.copy(), lambda f: f.head(0)):
        a, b = op(plain), op(kept)
        assert list(a.index) == list(b.index) and all(map(same, a["cells"].tolist(), b["cells"].tolist()))
        assert b["cells"].dtype == JsonTextDtype()
    both = pd.concat([kept, kept])
    assert both["cells"].dtype == JsonTextDtype() and len(both) == 20
    mixed = pd.concat([kept, plain])  # with a column of Python values: the values, as objects
    assert mixed["cells"].dtype == object and all(map(same, mixed["cells"].tolist(), VALUES + VALUES))
    wider = kept.reindex([10, 99])  # a row that is not there is missing
    assert same(wider["cells"].iloc[0], VALUES[0]) and wider["cells"].iloc[1] is None


def test_a_value_json_cannot_carry_is_refused_not_changed() -> None:
    for value in (math.inf, [math.nan], 2**64, {1: "a"}, (1, 2), np.int64(3), {"a": {"b": float("-inf")}},
                  # a bad item after text and None, which are taken without a call
                  ["a", None, math.nan], [None, "b", 2**64], {"a": "x", "b": None, "c": math.inf}, ["x", {"k": ("t",)}],
                  {"a": None, 1: "x"}):
        with pytest.raises(ValueError, match="cannot carry"):
            cell_text(value)
    assert cell_text(None) is None and cell_text(math.nan) == "NaN" and cell_text("NaN") == '"NaN"'


def dataset_file(name: str, folder: Path) -> Path:
    """Return a file to read: a format fixture, or the bundled catalogue exported as GeoJSON or CSV."""
    if name == "synthetic.geojson":  # more rows than the reader packs at a time (tables.PACK_ROWS)
        path = folder / name
        path.write_text(geo.geojson_text(synthetic_incidents(20_000, seed=5)), encoding="utf-8")
        return path
    if name.startswith("catalogue."):
        frame = geo.incidents_frame(geo.load_catalogue())
        path = folder / name
        path.write_text(geo.geojson_text(frame) if name.endswith(".geojson") else geo.csv_text(frame), encoding="utf-8")
        return path
    return FIXTURES / "formats" / name


@pytest.mark.parametrize("name", ["catalogue.geojson", "catalogue.csv", "acled_2024.csv", "bellingcat.json",
                                  "synthetic.geojson"])
@pytest.mark.parametrize("how", ["cached", "parsed"])
def test_a_file_read_as_json_text_has_the_same_values_and_exports(name: str, how: str, tmp_path: Path) -> None:
    """Read as JSON text, from the cache (a restarted server) or from the file itself: the values, read as values."""
    path = dataset_file(name, tmp_path)
    tmp_path = tmp_path / "cache"
    parsed = read_incidents(path, cache=tmp_path)
    kept = read_incidents(path, cache=tmp_path if how == "cached" else None, json_text=True)
    assert kept.problems == parsed.problems and kept.rejected == parsed.rejected
    texts = [c for c in kept.frame.columns if kept.frame[c].dtype == JsonTextDtype()]
    assert "sources" in texts
    for name_ in parsed.frame.columns:
        assert all(map(same, kept.frame[name_].tolist(), parsed.frame[name_].tolist())), name_
    values = gpd.GeoDataFrame(kept.frame.astype({c: object for c in texts}), geometry="geometry")
    assert_frame_equal(values, parsed.frame, check_exact=True)
    assert geo.geojson_text(kept.frame) == geo.geojson_text(parsed.frame)
    assert geo.csv_text(kept.frame) == geo.csv_text(parsed.frame)
    # Kept again from JSON text, it is the same file.
    from geo.imports import cache as kept_cache

    assert kept_cache.save(tmp_path / "again", "k", kept)
    assert_frame_equal(kept_cache.load(tmp_path / "again", "k").frame, parsed.frame, check_exact=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=5), st.data())
def test_rows_are_taken_across_chunks_in_the_order_asked(sizes: list[int], data: st.DataObject) -> None:
    values = [[n, str(n)] for n in range(sum(sizes))]
    cells = [cell_text(v) for v in values]
    starts = np.cumsum([0, *sizes])
    chunked = pa.chunked_array([pa.array(cells[a:b], pa.large_string()) for a, b in itertools.pairwise(starts)],
                               type=pa.large_string())
    array = JsonTextArray(chunked)
    n = len(values)
    if not n:
        assert array.take([]).tolist() == []
        return
    positions = data.draw(st.lists(st.integers(-n, n - 1), max_size=12))
    assert array.take(positions).tolist() == [values[p] for p in positions]
    filled = data.draw(st.lists(st.integers(-1, n - 1), max_size=12))
    assert array.take(filled, allow_fill=True).tolist() == [values[p] if p >= 0 else None for p in filled]
    with pytest.raises(IndexError):
        array.take([n])


def test_filled_lists_are_told_from_the_text_as_from_the_values() -> None:
    values = [[], ["far_from_the_rest"], None, math.nan, [[]], {"a": 1}, "[x]", [0]]
    plain = pd.Series(values, dtype=object)
    kept = pd.Series(JsonTextArray.from_values(values))
    assert geo.non_empty_lists(plain).tolist() == [False, True, False, False, True, False, False, True]
    assert geo.non_empty_lists(kept).tolist() == geo.non_empty_lists(plain).tolist()


PLACE_NAMES = st.sampled_from(["kyiv", "kyiv-x", "x-kyiv", 'ky"iv', "ky\\iv", "Київ", "a,b", "[kyiv]", ""])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.lists(PLACE_NAMES | json_values, max_size=4), json_values), max_size=25), PLACE_NAMES)
def test_rows_holding_a_value_are_found_in_the_text_as_in_the_values(values: list, wanted: str) -> None:
    expected = [i for i, cell in enumerate(values) if type(cell) is list and wanted in cell]
    plain = pd.Series(values, dtype=object)
    kept = pd.Series(JsonTextArray.from_values(values))
    assert geo.rows_holding(plain, wanted).tolist() == expected
    assert geo.rows_holding(kept, wanted).tolist() == expected


SOURCE_NAMES = st.sampled_from(["a.example", "Київ TV", 'quote"d', "back\\slash", "", "line\nbreak", "é"])
source_items = st.fixed_dictionaries({"source": SOURCE_NAMES}, optional={"quote": st.text(max_size=6) | st.none(),
                                                                         "n": st.integers(-5, 5)})


def rows_by_field_plainly(values: list, key: str) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, items in enumerate(values):
        for value in {item[key] for item in items or ()}:
            rows.setdefault(value, []).append(i)
    return rows


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(source_items, max_size=4)), max_size=30))
def test_rows_by_a_field_are_read_from_the_text_as_from_the_values(values: list) -> None:
    from unittest import mock

    from geo import json_cells

    expected = rows_by_field_plainly(values, "source")
    for read_rows in (3, json_cells.READ_ROWS):  # blocks of 3 rows: the pieces are joined in order
        with mock.patch.object(json_cells, "READ_ROWS", read_rows):
            for column in (pd.Series(values, dtype=object), pd.Series(JsonTextArray.from_values(values))):
                found = geo.rows_by_field(column, "source")
                assert {k: v.tolist() for k, v in found.items()} == expected


@pytest.mark.parametrize("values", [
    [[{"source": 1}], [{"source": "a"}]],  # a value that is no text
    [[{"source": "a"}], {"source": "b"}],  # a cell that is a mapping
    [[{"source": "a"}], ["b"]],  # an item that is no mapping
    [[{"source": "a"}], math.nan],
    [[{"source": "a", "n": 2**64 - 1}]],  # a number Arrow cannot hold
])
def test_rows_by_a_field_read_what_arrow_cannot_as_plain_values(values: list) -> None:
    plain = pd.Series(values, dtype=object)
    kept = pd.Series(JsonTextArray.from_values(values))
    try:
        expected = {k: v.tolist() for k, v in geo.rows_by_field(plain, "source").items()}
    except (TypeError, KeyError) as error:  # the plain reading's own refusal: the text's is the same
        with pytest.raises(type(error)):
            geo.rows_by_field(kept, "source")
        return
    assert {k: v.tolist() for k, v in geo.rows_by_field(kept, "source").items()} == expected


def test_rows_by_a_field_of_well_formed_text_are_read_by_arrow() -> None:
    # The fast way is taken for what the import writes (not only the cell-at-a-time way, which is always right).
    from geo.json_cells import _rows_by_field_in_text

    values = [[{"source": "a", "quote": "x"}, {"source": "b"}], None, [], [{"source": "a"}, {"source": "a"}],
              [{"source": "c", "quote": "y" * 3_000_000}]]  # longer than Arrow's reading block of 1 MB
    found = _rows_by_field_in_text(JsonTextArray.from_values(values).text, "source")
    assert found is not None and {k: v.tolist() for k, v in found.items()} == {"a": [0, 3], "b": [0], "c": [4]}
