"""What the map draws for a viewport: every incident when few are in view, server-side clusters otherwise.

The page never carries the whole dataset. For the map's current zoom and bounds, the
query box is the view widened by one 256-pixel tile on each side and snapped to the tile
grid: a small pan gives the same box, hence the same layer, and streamlit-folium does not
redraw it. Inside the box, if at most ``POINT_BUDGET`` incidents pass the filters, each is
drawn as a marker with its popup; otherwise incidents are binned on a grid of
``CELL_PX``-pixel cells anchored to the world (so cells do not jump as the map pans), and
each cell with more than one incident becomes a cluster: its count, its centroid, its
bounds (a click zooms there) and its most frequent types.

The budget holds at the last zoom too, where a cluster cannot be zoomed into: there the
cells become *stacks* (thousands of events coded at one town's centre are common in ACLED).
A stack is drawn with its count, and a click lists its incidents in the table
(:func:`cell_mask` finds them again from the cell's index).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

import geo

from ..data.dataset import Dataset

TILE_PX = 256
CELL_PX = 56
POINT_BUDGET = 400
MAX_ZOOM = 18
# Map size assumed before the browser reports the real bounds (the first run of a page).
NOMINAL_SIZE_PX = (1200, 600)
# A view of several incidents is fitted to those near their middle (the median point): one further from it than
# FIT_FACTOR times their median distance to it, and than FIT_MIN_KM, is left out of the fit (still drawn: pan or
# zoom out to it), so that one row coded in the Atlantic does not decide the view. Fewer than FIT_MIN_POINTS have
# no middle to be far from; points all within FIT_MIN_KM of it are all in view.
FIT_MIN_POINTS = 3
FIT_FACTOR, FIT_MIN_KM = 5.0, 2_500.0


@dataclass(frozen=True)
class Box:
    """A query box in world units (Web Mercator scaled to [0, 1]; y grows southwards), at a zoom."""

    zoom: int
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class ViewItems:
    """What to draw: single incidents (the store's keys: row positions in memory), and clusters (parallel arrays)."""

    points: np.ndarray
    cluster_lat: np.ndarray
    cluster_lon: np.ndarray
    cluster_count: np.ndarray
    cluster_bounds: np.ndarray  # (n, 4): south, west, north, east
    cluster_types: list[list[tuple[int, int]]]  # per cluster: (type code, count), most frequent first
    in_box: int  # incidents in the query box that pass the filters
    cluster_cells: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))  # (n, 2): cell x, y
    stacks: bool = False  # at the last zoom: the clusters cannot be zoomed into, a click lists them
    zoom: int = 0  # the zoom the cells were drawn for
    point_types: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # each marker's type code

    def cell_bounds(self, cell_px: int = CELL_PX) -> np.ndarray:
        """Return each cluster's grid cell as (south, west, north, east): the square its incidents fell in."""
        return self._cell_part(0.0, 1.0, cell_px)

    def cell_centres(self, cell_px: int = CELL_PX) -> np.ndarray:
        """Return the centre of each cluster's grid cell as (lat, lon): where its badge is drawn."""
        return self._cell_part(0.5, 0.5, cell_px)[:, :2]

    def _cell_part(self, low: float, high: float, cell_px: int) -> np.ndarray:
        """Return (south, west, north, east) of the cells' parts between fractions `low` and `high` of their side."""
        cells_per_unit = TILE_PX * 2**self.zoom / cell_px
        x0, y0 = (self.cluster_cells[:, 0] + low) / cells_per_unit, (self.cluster_cells[:, 1] + low) / cells_per_unit
        x1, y1 = (self.cluster_cells[:, 0] + high) / cells_per_unit, (self.cluster_cells[:, 1] + high) / cells_per_unit
        return np.column_stack([from_world_y(y1), x0 * 360.0 - 180.0, from_world_y(y0), x1 * 360.0 - 180.0])

    @property
    def clustered(self) -> int:
        """Return how many incidents are drawn inside clusters."""
        return int(self.cluster_count.sum())


T = TypeVar("T")
MAX_LATITUDE = 85.05112878  # Web Mercator's square world


def from_world_y(y: np.ndarray) -> np.ndarray:
    """Return the latitudes of world y coordinates (the inverse of :func:`to_world`'s y)."""
    return np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * np.asarray(y, dtype=float)))))


def to_world(lat: np.ndarray | float, lon: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Return Web Mercator coordinates scaled to [0, 1] (x east, y south) of points, or of one point."""
    sin = np.sin(np.radians(np.clip(lat, -MAX_LATITUDE, MAX_LATITUDE)))
    return (np.asarray(lon, dtype=float) + 180.0) / 360.0, 0.5 - np.log((1 + sin) / (1 - sin)) / (4 * np.pi)


# What the map derives from a dataset, computed once and forgotten with the dataset.
_derived: weakref.WeakKeyDictionary[Dataset, dict[str, object]] = weakref.WeakKeyDictionary()
_derived_lock = threading.Lock()


def once_per_dataset(data: Dataset, name: str, compute: Callable[[], T]) -> T:
    """Return what `compute` makes of a dataset under `name`, made once and forgotten with the dataset."""
    with _derived_lock:
        found = _derived.setdefault(data, {}).get(name)
    if found is None:
        found = compute()  # outside the lock: two sessions may both compute it, once
        with _derived_lock:
            _derived.setdefault(data, {})[name] = found
    return found  # type: ignore[return-value]


def world_of(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Return the dataset's incidents in world coordinates, the grid the map clusters on."""
    return once_per_dataset(data, "world", lambda: to_world(*data.latlon))


def framing_of_dataset(data: Dataset) -> tuple[tuple[float, float], int]:
    """Return a centre and zoom that frame the dataset's incidents, far outliers aside (the base map's fixed view)."""
    return once_per_dataset(data, "framing", lambda: framing_of_rows(data, np.arange(len(data.frame))))


def fitted(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return which of the points a view of them is fitted to: all but those far from the rest (see FIT_FACTOR)."""
    if len(lat) < FIT_MIN_POINTS:
        return np.ones(len(lat), dtype=bool)
    distance = geo.distance_km(lat, lon, float(np.median(lat)), float(np.median(lon)))
    return distance <= max(FIT_FACTOR * float(np.median(distance)), FIT_MIN_KM)  # half of them at least


def framing(lat: np.ndarray, lon: np.ndarray, radius_m: float = 0.0) -> tuple[tuple[float, float], int]:
    """Return a centre and zoom that frame the given points (one point: with its uncertainty radius).

    Points far from the rest (:func:`fitted`) are left out of the frame; they are drawn all the same.
    """
    if not len(lat):
        return (48.5, 35.0), 4
    if len(lat) == 1:
        # One incident: show its whole uncertainty, not a street-level view of a city-wide guess. An unknown
        # radius (NaN: any plain CSV) is no uncertainty known: a point, not the whole region.
        point = (float(lat[0]), float(lon[0]))
        radius_m = radius_m if math.isfinite(radius_m) and radius_m > 0 else 0.0
        for zoom, metres in ((16, 100), (15, 400), (14, 1_500), (12, 5_000), (10, 15_000), (9, 50_000), (6, 300_000)):
            if radius_m <= metres:
                return point, zoom
        return point, 4
    near = fitted(lat, lon)
    ys, xs = lat[near], lon[near]
    # Of many incidents, the middle 98 % too: a few stray import rows at the antimeridian should not zoom out the world.
    if len(ys) > 50:
        ys, xs = ys[(ys >= np.quantile(ys, 0.01)) & (ys <= np.quantile(ys, 0.99))], xs[
            (xs >= np.quantile(xs, 0.01)) & (xs <= np.quantile(xs, 0.99))]
    center = (float((ys.min() + ys.max()) / 2), float((xs.min() + xs.max()) / 2))
    extent = max(float(ys.max() - ys.min()), float(xs.max() - xs.min()))
    for zoom, degrees in ((15, 0.01), (13, 0.05), (11, 0.2), (9, 1), (7, 4), (5, 15), (4, 30)):
        if extent <= degrees:
            return center, zoom
    return center, 3


def framing_of_rows(data: Dataset, rows: np.ndarray) -> tuple[tuple[float, float], int]:
    """Return a centre and zoom that frame the incidents at the given row positions (one: with its radius)."""
    lat, lon = data.latlon
    radius = float(data.frame["radius_m"].iat[int(rows[0])]) if len(rows) == 1 else 0.0
    return framing(lat[rows], lon[rows], radius)


def _zoom_level(zoom: object, default: int = 4) -> int:
    """Return a zoom reported by the map as a whole level in [0, MAX_ZOOM]; the default if it is not a number."""
    try:
        value = float(zoom)  # type: ignore[arg-type]  # the browser may send a number, a string or nothing
    except (TypeError, ValueError):
        return default
    if not math.isfinite(value):
        return default
    return int(min(max(round(value), 0), MAX_ZOOM))


def query_box(bounds: dict | None, zoom: object, center: tuple[float, float] | None = None) -> Box:
    """Return the tile-snapped query box for the map's reported bounds (or centre, before it reports any)."""
    z = _zoom_level(zoom)
    world_px = TILE_PX * 2**z
    corners = None
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]
        corners = (float(sw["lat"]), float(sw["lng"]), float(ne["lat"]), float(ne["lng"]))
        if any(not math.isfinite(c) for c in corners):
            corners = None
    except (TypeError, KeyError, ValueError):
        corners = None
    if corners is None:
        lat, lon = center or (48.5, 31.0)
        cx, cy = (float(v) for v in to_world(lat, lon))
        half_w, half_h = NOMINAL_SIZE_PX[0] / 2 / world_px, NOMINAL_SIZE_PX[1] / 2 / world_px
        x0, x1, y0, y1 = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    else:
        south, west, north, east = corners
        x0, y1 = (float(v) for v in to_world(south, west))
        x1, y0 = (float(v) for v in to_world(north, east))
        if east - west >= 360:
            x0, x1 = 0.0, 1.0
    tile = TILE_PX / world_px
    x0, y0 = (math.floor(x0 / tile) - 1) * tile, (math.floor(y0 / tile) - 1) * tile
    x1, y1 = (math.ceil(x1 / tile) + 1) * tile, (math.ceil(y1 / tile) + 1) * tile
    return Box(z, max(x0, 0.0), max(y0, 0.0), min(x1, 1.0), min(y1, 1.0))


def view_items(
    world: tuple[np.ndarray, np.ndarray], lat: np.ndarray, lon: np.ndarray, types: np.ndarray, mask: np.ndarray,
    box: Box, *, keep: int | None = None, budget: int = POINT_BUDGET, cell_px: int = CELL_PX,
) -> ViewItems:
    """Return the markers and clusters to draw for the rows in `mask` inside `box`.

    `keep` is a row drawn as a marker whatever the clustering (the selected incident).
    """
    x, y = world
    inside = mask & (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)
    rows = np.flatnonzero(inside)
    empty = np.zeros(0)
    if len(rows) <= budget:
        return ViewItems(rows, empty, empty, np.zeros(0, dtype=np.int64), np.zeros((0, 4)), [], len(rows),
                         point_types=types[rows])
    stacks = box.zoom >= MAX_ZOOM
    cells_per_unit = TILE_PX * 2**box.zoom / cell_px
    cx = np.floor(x[rows] * cells_per_unit).astype(np.int64)
    cy = np.floor(y[rows] * cells_per_unit).astype(np.int64)
    stride = int(cells_per_unit) + 2
    keys = cx * stride + cy
    # Cells by hashing, not sorting: at a million rows in view the sort was most of a slider step.
    cell_of, cell_keys = pd.factorize(keys)
    in_cell = np.bincount(cell_of)
    single = in_cell[cell_of] == 1
    if keep is not None:
        single |= rows == keep
    points = rows[single]  # ascending, as `rows` is
    grouped = ~single
    rows_c, cell_c = rows[grouped], cell_of[grouped]
    if not len(rows_c):
        return ViewItems(points, empty, empty, np.zeros(0, dtype=np.int64), np.zeros((0, 4)), [], int(inside.sum()),
                         stacks=stacks, point_types=types[points])
    # Clusters in the order of their cells' keys (west to east, then north to south), as a sort gave them.
    clustered_cells = np.flatnonzero(in_cell > 1)  # a cell of two or more keeps one at least (only one is `keep`)
    clustered_cells = clustered_cells[np.argsort(cell_keys[clustered_cells], kind="stable")]
    cluster_of = np.empty(len(cell_keys), dtype=np.int64)
    cluster_of[clustered_cells] = np.arange(len(clustered_cells))
    member_c = cluster_of[cell_c]
    n = len(clustered_cells)
    count = np.bincount(member_c, minlength=n)
    lat_c, lon_c = lat[rows_c], lon[rows_c]
    mean_lat = np.bincount(member_c, lat_c, n) / count
    mean_lon = np.bincount(member_c, lon_c, n) / count
    bounds = np.empty((n, 4))
    for column, values, reducer, start in ((0, lat_c, np.minimum, np.inf), (1, lon_c, np.minimum, np.inf),
                                           (2, lat_c, np.maximum, -np.inf), (3, lon_c, np.maximum, -np.inf)):
        bounds[:, column] = start
        reducer.at(bounds[:, column], member_c, values)
    n_types = int(types.max()) + 1 if len(types) else 1
    histogram = np.bincount(member_c * n_types + types[rows_c], minlength=n * n_types).reshape(n, n_types)
    top = np.argsort(-histogram, axis=1, kind="stable")[:, :3]
    cluster_types = [[(int(t), int(histogram[i, t])) for t in top[i] if histogram[i, t]] for i in range(n)]
    first_keys = cell_keys[clustered_cells]
    cells = np.column_stack([first_keys // stride, first_keys % stride]).astype(np.int64)
    return ViewItems(points, mean_lat, mean_lon, count, bounds, cluster_types, int(inside.sum()), cells, stacks,
                     box.zoom, types[points])


def cell_mask(world: tuple[np.ndarray, np.ndarray], cell: tuple[int, int], zoom: int = MAX_ZOOM,
              cell_px: int = CELL_PX) -> np.ndarray:
    """Return which rows lie in the grid cell `cell` (x, y) at `zoom`: the incidents of a stack."""
    cells_per_unit = TILE_PX * 2**zoom / cell_px
    x, y = world
    return (np.floor(x * cells_per_unit) == cell[0]) & (np.floor(y * cells_per_unit) == cell[1])


def cells_at(zoom: int = MAX_ZOOM, cell_px: int = CELL_PX) -> int:
    """Return how many grid cells span the world, across or down, at `zoom`."""
    return int(TILE_PX * 2**zoom / cell_px) + 1
