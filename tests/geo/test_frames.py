"""geo.frames: points' coordinates read as geopandas reads them."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import point_coordinates
from geo.frames import one_dictionary, text_array
from geo.imports.schemas import _stripped

COORDINATE = st.floats(-180, 180, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(()), st.tuples(COORDINATE, COORDINATE)), max_size=30))
def test_point_coordinates_are_geopandas_x_and_y(points: list[tuple[float, float] | tuple[()] | None]) -> None:
    """The same longitudes and latitudes, NaN where a geometry is missing or an empty point."""
    series = gpd.GeoSeries([None if p is None else shapely.Point(*p) for p in points], crs="EPSG:4326")
    lon, lat = point_coordinates(series)
    np.testing.assert_array_equal(lon, series.x.to_numpy())
    np.testing.assert_array_equal(lat, series.y.to_numpy())


def test_point_coordinates_refuse_other_geometries_as_geopandas_does() -> None:
    series = gpd.GeoSeries([shapely.Point(30.5, 50.4), shapely.LineString([(0, 0), (1, 1)])])
    with pytest.raises(ValueError):
        _ = series.x
    with pytest.raises(ValueError):
        point_coordinates(series)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "Shelling", "Air strike", "Ä", "z", "a\x00b"]), st.text()),
                max_size=60))
def test_text_held_as_categories_reads_back_as_the_same_cells(cells: list[str | None]) -> None:
    for width in (pa.string(), pa.large_string()):
        held = pd.Series(text_array(pa.array(cells, width)))
        assert [None if pd.isna(v) else v for v in held.tolist()] == cells
        assert held.isna().tolist() == [c is None for c in cells]


def _runs(cells: list[str | None], cuts: list[int], width: pa.DataType) -> pa.ChunkedArray:
    """Return `cells` as a column of Arrow text in several runs, cut at `cuts` (as Arrow's CSV reader gives a file)."""
    bounds = [0, *sorted({min(c, len(cells)) for c in cuts}), len(cells)]
    return pa.chunked_array([pa.array(cells[a:b], width) for a, b in itertools.pairwise(bounds)], width)


def _chunks(column: pd.Series) -> list[pa.Array]:
    arrow = pa.array(column.array)
    return arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]


CELLS = st.lists(st.one_of(st.none(), st.sampled_from(["", " Shelling", "Air strike ", "Ä", "z", "\u3000x"]), st.text()),
                 max_size=60)


@settings(max_examples=120, deadline=None)
@given(CELLS, st.lists(st.integers(0, 60), max_size=5))
def test_text_in_several_runs_is_held_as_it_is_held_joined(cells: list[str | None], cuts: list[int]) -> None:
    # Encoded run by run (a million rows' notes are not joined into one copy first): the same categories and codes.
    for width in (pa.string(), pa.large_string()):
        given = _runs(cells, cuts, width)
        runs, joined = text_array(given), text_array(pa.array(cells, width))
        assert runs.dtype == joined.dtype
        if isinstance(joined.dtype, pd.CategoricalDtype):
            assert list(runs.categories) == list(joined.categories)
            np.testing.assert_array_equal(runs.codes, joined.codes)
        else:  # text that does not repeat is held as it came: the runs themselves, not a joined copy
            assert pd.Series(runs).equals(pd.Series(joined))
            assert [c.buffers()[2].address for c in _chunks(pd.Series(runs)) if len(c)] == [
                c.buffers()[2].address for c in given.chunks if len(c)]


def test_runs_with_dictionaries_of_their_own_are_joined_first() -> None:
    # Arrow gives every run the whole column's dictionary; text_array checks it rather than trust it.
    shared = pa.chunked_array([pa.array(["a", "b", "a"]), pa.array(["b"])]).dictionary_encode()
    assert one_dictionary(shared)
    own = pa.chunked_array([pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int32()), pa.array(["a"])),
                            pa.DictionaryArray.from_arrays(pa.array([0], pa.int32()), pa.array(["b"]))])
    assert not one_dictionary(own)


@settings(max_examples=120, deadline=None)
@given(CELLS, st.lists(st.integers(0, 60), max_size=5))
def test_text_is_stripped_as_pandas_strips_it_and_a_run_with_nothing_to_strip_is_not_copied(
        cells: list[str | None], cuts: list[int]) -> None:
    column = pd.Series(pd.array(_runs(cells, cuts, pa.large_string()), dtype="str"))
    stripped = _stripped(column)
    pd.testing.assert_series_equal(stripped, column.str.strip())
    for before, after in zip(_chunks(column), _chunks(stripped), strict=True):
        untouched = all(c is None or c == c.strip() for c in before.to_pylist())
        assert (before.buffers()[2].address == after.buffers()[2].address) == untouched or not len(before)


def test_repeated_text_is_held_as_sorted_categories_and_unique_text_as_text() -> None:
    repeated = ["Shelling", "Air strike", None, "Shelling", "Air strike", "Drone strike"] * 50
    held = text_array(pa.array(repeated))
    assert isinstance(held.dtype, pd.CategoricalDtype)
    assert list(held.categories) == ["Air strike", "Drone strike", "Shelling"]  # a sort by the column sorts its text
    assert held.codes.dtype == np.int8 and held.codes[2] == -1
    assert pd.Series(held).sort_values().tolist()[:50] == ["Air strike"] * 50
    unique = text_array(pa.array([f"event {i}" for i in range(300)]))
    assert isinstance(unique.dtype, pd.StringDtype) and unique.dtype.storage == "pyarrow"
    # The choice looks at the values, not at how wide Arrow's offsets are: either reader's text is held alike.
    for cells in (repeated, [f"event {i % 150}" for i in range(300)], [f"event {i % 40}" for i in range(300)]):
        assert text_array(pa.array(cells, pa.string())).dtype == text_array(pa.array(cells, pa.large_string())).dtype
    assert len(text_array(pa.array([], pa.string()))) == 0


def test_a_read_files_repeated_text_is_held_as_categories_when_asked(tmp_path) -> None:
    from benchmarks.acled_like import write_acled_like
    from geo import read_incidents

    path = write_acled_like(400, tmp_path / "acled.csv", seed=3)
    frame = read_incidents(path, path.name, categories=True).frame
    assert isinstance(frame["type"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["sub_event_type"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["id"].dtype, pd.StringDtype)  # an id names one row: never held as categories
    text = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    # Every row kept, in another order than the file's (the codes are taken in date order, not the text): the
    # categories are the column's sorted distinct values, no more.
    assert len(frame) == len(text) and not text["event_date"].is_monotonic_increasing
    for name in ("type", "sub_event_type"):
        assert list(frame[name].cat.categories) == sorted(set(frame[name].astype(str)))
    assert (frame.set_index("id")["sub_event_type"].astype(str) == text.loc[frame["id"], "sub_event_type"].values).all()
    # Asked for as text (the default: a category refuses `<` and `min`, which a caller may do), the same cells as str.
    plain = read_incidents(path, path.name).frame
    assert not any(isinstance(dtype, pd.CategoricalDtype) for dtype in plain.dtypes)
    assert plain["date_start"].min() == frame["date_start"].astype(str).min()
    pd.testing.assert_frame_equal(plain, frame.astype({name: "str" for name in frame.columns
                                                       if isinstance(frame[name].dtype, pd.CategoricalDtype)}))


def _datasets() -> list[Path]:
    """Return the fixtures the reader takes (the folder also holds TimeMap's sources and associations files)."""
    from geo import DataError, read_incidents

    found = []
    for path in sorted((Path(__file__).resolve().parents[1] / "fixtures").rglob("*")):
        try:
            if path.is_file():
                read_incidents(path)
                found.append(path)
        except DataError:
            pass
    return found


@pytest.mark.parametrize("path", _datasets(), ids=lambda p: p.name)
def test_an_export_of_a_file_read_with_categories_is_the_export_of_it_read_as_text(path: Path) -> None:
    # The command line and the dashboard read with categories; what they write must not know it.
    from geo import csv_text, geojson_text, read_incidents

    plain = read_incidents(path)
    held = read_incidents(path, json_text=True, categories=True)
    assert csv_text(held.frame) == csv_text(plain.frame)
    assert geojson_text(held.frame) == geojson_text(plain.frame)
