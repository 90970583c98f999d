"""The store: the page's questions (a window and filters in; counts, cells, markers, rows out), checked against
answers worked out here from the frame's own columns."""

from __future__ import annotations

import inspect
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.data import dataset as datasets
from dashboard.data.filters import Filters
from dashboard.map.viewport import MAX_ZOOM, Box, query_box
from dashboard.store import MemoryStore, Selection, Store, store_of
from geo.synthetic import synthetic_incidents

WORLD = Box(2, 0.0, 0.0, 1.0, 1.0)
DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"


@pytest.fixture(scope="module")
def data() -> datasets.Dataset:
    frame = synthetic_incidents(3_000, seed=7)
    # 600 incidents coded at one spot (a town's centre, as ACLED codes many): a stack at the last zoom.
    frame.loc[frame.index[:600], "geometry"] = frame.geometry.iloc[0]
    frame = frame.sort_values(["date_start", "id"]).reset_index(drop=True)
    return datasets.Dataset(frame=frame, label="synthetic", rows=len(frame))


def expected_rows(data: datasets.Dataset, start: date, end: date, types: tuple[str, ...] = ()) -> pd.Series:
    """The window and the types, from the frame's ISO date text (not the dataset's day arrays)."""
    frame = data.frame
    inside = (frame["date_start"] <= end.isoformat()) & (frame["date_end"] >= start.isoformat())
    if types:
        inside &= frame["type"].isin(types)
    return inside


WINDOWS = [(date(2022, 1, 1), date(2030, 1, 1)), (date(2023, 3, 1), date(2023, 5, 31)), (date(2024, 2, 29), date(2024, 2, 29))]


@pytest.mark.parametrize(("start", "end"), WINDOWS)
@pytest.mark.parametrize("types", [(), ("airstrike",), ("airstrike", "shelling")])
def test_a_selection_is_the_window_and_the_filters(data: datasets.Dataset, start: date, end: date, types: tuple) -> None:
    selection = store_of(data).select(start, end, Filters(types=types))
    expected = expected_rows(data, start, end, types)
    assert selection.count == int(expected.sum())
    assert set(store_of(data).rows(selection)["id"]) == set(data.frame.loc[expected, "id"])


@pytest.mark.parametrize("types", [(), ("shelling",)])
def test_month_counts_are_the_filtered_incidents_by_their_first_month(data: datasets.Dataset, types: tuple) -> None:
    counts = store_of(data).month_counts(Filters(types=types))
    frame = data.frame if not types else data.frame[data.frame["type"].isin(types)]
    by_month = Counter(frame["date_start"].str[:7])
    assert len(counts) == len(data.months)
    assert counts.tolist() == [by_month.get(str(month), 0) for month in data.months]
    assert counts.sum() == len(frame) > 0


def test_a_view_draws_each_selected_incident_once(data: datasets.Dataset) -> None:
    store = store_of(data)
    selection = store.select(date(2022, 1, 1), date(2030, 1, 1), Filters())
    items = store.view(selection, WORLD)
    assert len(items.cluster_count) and items.clustered + len(items.points) == items.in_box == selection.count
    markers = store.markers(items)
    ids = [feature["id"] for feature in markers["features"]]
    assert len(ids) == len(items.points) == len(set(ids))
    assert set(ids) <= set(data.frame["id"])
    assert items.point_types.tolist() == [data.type_codes[1].index(f["properties"]["type"]) for f in markers["features"]]


def test_a_kept_incident_stays_a_marker_inside_a_cluster(data: datasets.Dataset) -> None:
    store = store_of(data)
    selection = store.select(date(2022, 1, 1), date(2030, 1, 1), Filters())
    stacked = str(data.frame["id"].iloc[int(np.flatnonzero(data.frame.geometry == data.frame.geometry.iloc[0])[0])])
    assert stacked not in {f["id"] for f in store.markers(store.view(selection, WORLD))["features"]}
    kept = store.markers(store.view(selection, WORLD, keep=stacked))["features"]
    assert stacked in {f["id"] for f in kept}


def test_a_stacks_rows_are_the_incidents_at_its_spot(data: datasets.Dataset) -> None:
    store = store_of(data)
    selection = store.select(date(2022, 1, 1), date(2030, 1, 1), Filters())
    spot = data.frame.geometry.iloc[int(np.flatnonzero(data.frame.geometry == data.frame.geometry.iloc[0])[0])]
    d = 0.001
    box = query_box({"_southWest": {"lat": spot.y - d, "lng": spot.x - d},
                     "_northEast": {"lat": spot.y + d, "lng": spot.x + d}}, MAX_ZOOM)
    items = store.view(selection, box)
    assert items.stacks and len(items.cluster_count) == 1
    cell = tuple(int(c) for c in items.cluster_cells[0])
    at_spot = data.frame.geometry.geom_equals(spot)
    stack = store.in_cell(selection, cell)
    assert stack.count == int(at_spot.sum()) == 600
    listed = store.rows(stack, limit=50)
    assert len(listed) == 50 and listed.geometry.geom_equals(spot).all()
    assert listed["date_start"].is_monotonic_increasing
    assert set(store.rows(stack)["id"]) == set(data.frame.loc[at_spot, "id"])


def test_rows_come_by_date_up_to_the_limit(data: datasets.Dataset) -> None:
    store = store_of(data)
    selection = store.select(date(2023, 1, 1), date(2023, 12, 31), Filters(types=("airstrike",)))
    listed = store.rows(selection, limit=25)
    assert len(listed) == 25 and listed["date_start"].is_monotonic_increasing
    assert listed["type"].eq("airstrike").all() and (listed["date_end"] >= "2023-01-01").all()
    everything = store.rows(selection)
    assert len(everything) == selection.count and list(listed["id"]) == list(everything["id"][:25])  # the first 25


def test_finding_and_framing(data: datasets.Dataset) -> None:
    store = store_of(data)
    assert store.find("no such incident") is None and store.find("") is None
    one = data.frame.iloc[1234]
    found = store.find(str(one["id"]))
    assert found is not None and found.count == 1
    assert list(store.rows(found)["id"]) == [one["id"]]
    (lat, lon), zoom = store.framing(found)
    assert (lat, lon) == (pytest.approx(one.geometry.y), pytest.approx(one.geometry.x)) and zoom >= 6
    everything = store.select(date(2022, 1, 1), date(2030, 1, 1), Filters())
    nothing = store.select(date(2022, 1, 1), date(2022, 1, 1), Filters(types=("no such type",)))
    assert nothing.count == 0
    assert store.framing() == store.framing(everything) == store.framing(nothing)  # the whole dataset's


def test_the_memory_store_answers_every_question_of_the_interface() -> None:
    asked = {name for name, _ in inspect.getmembers(Store, inspect.isfunction) if not name.startswith("_")}
    assert asked >= {"select", "month_counts", "view", "markers", "rows"}
    for name in asked:
        assert inspect.signature(getattr(MemoryStore, name)) == inspect.signature(getattr(Store, name)), name
    assert Selection(0, None).count == 0


@pytest.mark.parametrize("name", ["app.py", "map/section.py", "incidents.py", "timeline.py"])
def test_the_page_asks_the_store_for_the_view(name: str) -> None:
    """The map, the timeline, the table and the downloads reach the incidents only through the store."""
    code = (DASHBOARD / name).read_text(encoding="utf-8")
    for reach in ("dataset_mask(", "filter_mask(", "view_items(", "point_features(", "named_places(", "frame.iloc[",
                  "flatnonzero(", "cell_mask("):
        assert reach not in code, f"{name} calls {reach}"


def _same_view(a, b) -> bool:
    """Whether two views draw the same: every array equal, every list equal."""
    from dataclasses import fields

    return all(np.array_equal(getattr(a, f.name), getattr(b, f.name)) if isinstance(getattr(a, f.name), np.ndarray)
               else getattr(a, f.name) == getattr(b, f.name) for f in fields(a))


def test_a_view_asked_again_is_the_one_made_before_and_any_other_is_made_anew(data: datasets.Dataset) -> None:
    """Every visitor's first map asks the same view (the whole span, the home framing): it is made once and kept,
    read-only, for the dataset's last few views; another window, filter, box or kept marker is another view, and a
    selection the store cannot describe (a stack's, a found incident's) is never kept."""
    from dashboard import store as stores
    from dashboard.map.viewport import view_items, world_of

    store = MemoryStore(data)
    span, box = (date(2022, 1, 1), date(2023, 12, 31)), query_box(None, 6, (49.0, 32.0))
    first = store.view(store.select(*span, Filters()), box)
    again = MemoryStore(data).view(MemoryStore(data).select(*span, Filters()), box)  # another session's store
    assert again is first
    fresh = view_items(world_of(data), *data.latlon, data.type_codes[0], store.select(*span, Filters()).handle, box)
    assert _same_view(first, fresh) and not first.points.flags.writeable
    others = [store.view(store.select(date(2022, 1, 1), date(2022, 6, 30), Filters()), box),
              store.view(store.select(*span, Filters(types=("airstrike",))), box),
              store.view(store.select(*span, Filters()), query_box(None, 8, (49.0, 32.0))),
              store.view(store.select(*span, Filters()), box, keep=str(data.frame["id"].iloc[5]))]
    for other in others:
        assert other is not first
    stack = store.in_cell(store.select(*span, Filters()), (0, 0))
    assert stack.key is None and store.view(stack, box) is not store.view(stack, box)
    for day in range(2, stores.VIEWS_KEPT + 2):  # as many other views as are kept: the first one is made anew
        store.view(store.select(date(2022, 1, day), date(2023, 12, 31), Filters()), box)
    remade = store.view(store.select(*span, Filters()), box)
    assert remade is not first and _same_view(remade, first)
    stores.forget_views(data)  # what the benchmark does before it times making a view
    assert store.view(store.select(*span, Filters()), box) is not remade
