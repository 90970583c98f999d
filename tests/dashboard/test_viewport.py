"""Viewport queries and server-side clustering: what the map draws for a view, at any size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.map.viewport import MAX_ZOOM, Box, query_box, to_world, view_items


def bounds(south: float, west: float, north: float, east: float) -> dict:
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def world_of(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pairs = [to_world(a, b) for a, b in zip(lat, lon, strict=True)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def random_points(count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat = np.clip(rng.normal(49.0, 2.0, count), -80, 80)
    lon = np.clip(rng.normal(32.0, 4.0, count), -179, 179)
    types = rng.integers(0, 4, count).astype(np.int16)
    return lat, lon, types


def test_world_coordinates() -> None:
    assert to_world(0, 0) == pytest.approx((0.5, 0.5))
    x, y = to_world(50.45, 30.52)
    assert 0.5 < x < 0.6 and 0 < y < 0.5  # north-east of null island; y grows southwards
    assert to_world(90, 180)[1] == pytest.approx(0.0, abs=1e-6)  # clamped to Web Mercator's edge


def test_query_box_contains_the_view_and_snaps_to_tiles() -> None:
    box = query_box(bounds(49.0, 35.0, 51.0, 38.0), 8)
    x0, y1 = to_world(49.0, 35.0)
    x1, y0 = to_world(51.0, 38.0)
    assert box.x0 < x0 and box.y0 < y0 and box.x1 > x1 and box.y1 > y1
    tile = 1 / 2**8
    for edge in (box.x0, box.y0, box.x1, box.y1):
        assert edge / tile == pytest.approx(round(edge / tile))


def test_a_small_pan_gives_the_same_box() -> None:
    # The same box means the same layer: streamlit-folium then leaves the markers (and open popups) alone.
    assert query_box(bounds(49.0, 35.0, 51.0, 38.0), 8) == query_box(bounds(49.01, 35.01, 51.01, 38.01), 8)
    assert query_box(bounds(49.0, 35.0, 51.0, 38.0), 8) != query_box(bounds(49.0, 35.0, 51.0, 38.0), 9)


@pytest.mark.parametrize("reported", [None, {}, {"_southWest": {"lat": "x"}}, bounds(float("nan"), 0, 1, 1)])
def test_query_box_without_usable_bounds_uses_the_centre(reported: dict | None) -> None:
    box = query_box(reported, 6, (50.0, 36.0))
    x, y = to_world(50.0, 36.0)
    assert box.zoom == 6 and box.x0 < x < box.x1 and box.y0 < y < box.y1


def test_query_box_clamps_zoom_and_the_world() -> None:
    assert query_box(bounds(-89, -400, 89, 400), -3).zoom == 0
    box = query_box(bounds(-89, -400, 89, 400), 2)
    assert (box.x0, box.y0, box.x1, box.y1) == (0.0, 0.0, 1.0, 1.0)
    assert query_box(None, 99).zoom == MAX_ZOOM


def test_few_incidents_are_all_markers() -> None:
    lat, lon, types = random_points(50)
    items = view_items(world_of(lat, lon), lat, lon, types, np.ones(50, bool), Box(5, 0, 0, 1, 1))
    assert sorted(items.points) == list(range(50)) and len(items.cluster_count) == 0 and items.in_box == 50


def test_many_incidents_are_clustered_and_none_lost() -> None:
    lat, lon, types = random_points(20_000)
    mask = np.ones(len(lat), dtype=bool)
    items = view_items(world_of(lat, lon), lat, lon, types, mask, Box(5, 0, 0, 1, 1), budget=400)
    assert len(items.cluster_count) > 0
    assert len(items.points) + items.clustered == items.in_box == 20_000
    assert len(items.points) + len(items.cluster_count) < 2_000  # the page carries a fraction of the data
    south, west, north, east = items.cluster_bounds.T
    assert (south <= items.cluster_lat).all() and (items.cluster_lat <= north).all()
    assert (west <= items.cluster_lon).all() and (items.cluster_lon <= east).all()
    for top in items.cluster_types:
        counts = [c for _, c in top]
        assert counts == sorted(counts, reverse=True) and 1 <= len(top) <= 3


def test_only_the_masked_rows_inside_the_box_are_drawn() -> None:
    lat, lon, types = random_points(5_000)
    mask = np.zeros(len(lat), dtype=bool)
    mask[::3] = True
    box = query_box(bounds(48.0, 30.0, 50.0, 34.0), 8)
    x, y = world_of(lat, lon)
    items = view_items((x, y), lat, lon, types, mask, box, budget=10**6)
    expected = np.flatnonzero(mask & (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1))
    assert list(items.points) == list(expected)


def test_the_selected_incident_stays_a_marker() -> None:
    lat, lon, types = random_points(10_000)
    keep = 1234
    items = view_items(world_of(lat, lon), lat, lon, types, np.ones(len(lat), bool), Box(4, 0, 0, 1, 1), keep=keep)
    assert keep in set(items.points)
    assert len(items.points) + items.clustered == items.in_box


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 3_000), zoom=st.integers(0, MAX_ZOOM), seed=st.integers(0, 10_000),
       budget=st.integers(0, 500))
def test_every_incident_in_the_box_is_drawn_exactly_once(count: int, zoom: int, seed: int, budget: int) -> None:
    lat, lon, types = random_points(count, seed)
    mask = np.random.default_rng(seed).random(count) < 0.7
    items = view_items(world_of(lat, lon), lat, lon, types, mask, Box(zoom, 0, 0, 1, 1), budget=budget)
    assert len(set(items.points)) == len(items.points)
    assert all(mask[items.points])
    assert len(items.points) + items.clustered == items.in_box == int(mask.sum())
    assert list(items.points) == sorted(items.points)
    # Clusters come west to east, then north to south (their cells' order), one per cell, each of two or more.
    cells = [tuple(c) for c in items.cluster_cells]
    assert cells == sorted(set(cells)) and all(items.cluster_count >= 2)


@settings(max_examples=25, deadline=None)
@given(zoom=st.integers(2, 12), seed=st.integers(0, 1000))
def test_a_clusters_square_holds_all_its_incidents(zoom: int, seed: int) -> None:
    # The density layer shades each cluster's grid square: the square drawn must be the one its incidents fell in.
    lat, lon, types = random_points(3_000, seed)
    box = query_box(None, zoom, (49.0, 32.0))
    items = view_items(world_of(lat, lon), lat, lon, types, np.ones(len(lat), dtype=bool), box)
    squares = items.cell_bounds()
    assert len(squares) == len(items.cluster_count)
    for (south, west, north, east), bounds_ in zip(squares, items.cluster_bounds, strict=True):
        assert south < north and west < east
        b_south, b_west, b_north, b_east = bounds_
        assert south - 1e-9 <= b_south and b_north <= north + 1e-9 and west - 1e-9 <= b_west and b_east <= east + 1e-9


def test_the_payload_shades_squares_only_when_zoomed_out() -> None:
    from dashboard.data.dataset import Dataset
    from dashboard.map.layer import DENSITY_MAX_ZOOM, map_payload, point_features
    from geo.synthetic import synthetic_incidents

    data = Dataset(frame=synthetic_incidents(2_000, seed=3), label="synthetic")
    lat, lon = data.latlon
    everything = np.ones(len(lat), dtype=bool)
    for zoom, shaded in ((4, True), (DENSITY_MAX_ZOOM, True), (DENSITY_MAX_ZOOM + 1, False)):
        box = query_box(None, zoom, (float(np.median(lat)), float(np.median(lon))))
        items = view_items(world_of(lat, lon), lat, lon, data.type_codes[0], everything, box, budget=50)
        payload = map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                              districts=[], selected=None, shown=len(lat))
        assert len(payload["clusters"]) > 0
        assert payload["view"]["density"] is shaded
        assert all(("square" in c) is shaded for c in payload["clusters"])
        if shaded:
            assert payload["density"]["max"] == max(c["count"] for c in payload["clusters"])


@settings(max_examples=20, deadline=None)
@given(zoom=st.integers(3, 16), seed=st.integers(0, 1000))
def test_cluster_badges_never_cover_each_other(zoom: int, seed: int) -> None:
    # Badges sit at the centres of their grid squares (CELL_PX apart) and are at most BADGE_MAX_PX wide.
    from dashboard.map.layer import BADGE_MAX_PX, map_payload, point_features
    from dashboard.map.viewport import CELL_PX, TILE_PX

    assert BADGE_MAX_PX < CELL_PX
    data = _synthetic_dataset(seed)
    lat, lon = data.latlon
    box = query_box(None, zoom, (float(np.median(lat)), float(np.median(lon))))
    items = view_items(world_of(lat, lon), lat, lon, data.type_codes[0], np.ones(len(lat), dtype=bool), box, budget=50)
    clusters = map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                           districts=[], selected=None, shown=len(lat))["clusters"]
    x, y = world_of(np.array([c["lat"] for c in clusters]), np.array([c["lon"] for c in clusters]))
    px = np.column_stack([x, y]) * TILE_PX * 2**zoom
    for i in range(len(px)):
        for j in range(i + 1, len(px)):
            assert max(abs(px[i] - px[j])) >= CELL_PX - 0.01, (clusters[i], clusters[j])


_DATASETS: dict = {}


def _synthetic_dataset(seed: int):
    """Return one of three small synthetic datasets (built once each)."""
    from dashboard.data.dataset import Dataset
    from geo.synthetic import synthetic_incidents

    key = seed % 3
    if key not in _DATASETS:
        _DATASETS[key] = Dataset(frame=synthetic_incidents(2_000, seed=key), label="synthetic")
    return _DATASETS[key]
