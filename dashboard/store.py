"""The one interface through which the page asks about its incidents: a window and filters in; counts, cells, markers
and rows out.

:class:`Store` is that interface; :class:`MemoryStore` answers it from a loaded :class:`~dashboard.data.dataset.Dataset`
(numpy over its columns and indexes, the same for every session). The page's features (the map, the timeline, the
table and the downloads) ask only these questions, with a :class:`Selection` as the answer's handle, so that a shared
database could answer them instead for a team's deployment (PostGIS, or DuckDB over Parquet: see the README). What
describes a dataset rather than a view of it (its name, span, types, outlets, checks) stays on the dataset.

A selection's rows are the store's own keys: row positions here, ids or a query in a database. The page never does
arithmetic on them; it hands them back (the markers of a view, the rows of a stack).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .data.dataset import Dataset
from .data.filters import Filters, dataset_mask
from .map.layer import named_places, point_features
from .map.viewport import (
    Box,
    ViewItems,
    cell_mask,
    framing_of_dataset,
    framing_of_rows,
    once_per_dataset,
    view_items,
    world_of,
)


@dataclass(frozen=True, eq=False)
class Selection:
    """The incidents in a time window that pass the filters: how many, and the store's handle on them."""

    count: int
    handle: Any  # MemoryStore: a read-only boolean mask over the dataset's rows
    key: Hashable | None = None  # what decides it (the window and the filters), when a store can say: views are kept


class Store(Protocol):
    """What the page asks of its incidents (see the module)."""

    dataset: Dataset

    def select(self, start: date, end: date, filters: Filters) -> Selection:
        """Return the incidents sharing a day with [start, end] that pass the filters."""
        ...

    def month_counts(self, filters: Filters) -> np.ndarray:
        """Return how many incidents passing the filters start in each month of the dataset's span."""
        ...

    def view(self, selection: Selection, box: Box, keep: str | None = None) -> ViewItems:
        """Return the markers and the clusters (cells) of a selection inside a map's box; `keep` stays a marker."""
        ...

    def markers(self, items: ViewItems) -> dict:
        """Return a view's markers as a GeoJSON FeatureCollection of display records."""
        ...

    def rows(self, selection: Selection, limit: int | None = None) -> pd.DataFrame:
        """Return a selection's rows, by date, up to `limit`."""
        ...

    def in_cell(self, selection: Selection, cell: tuple[int, int]) -> Selection:
        """Return the incidents of a selection in one grid cell at the last zoom (a stack)."""
        ...

    def framing(self, selection: Selection | None = None) -> tuple[tuple[float, float], int]:
        """Return a centre and zoom framing a selection (None: the whole dataset)."""
        ...

    def find(self, incident: str) -> Selection | None:
        """Return the one incident of an id, or None if the dataset has none of that id."""
        ...

    def places_named(self, selection: Selection, places: Sequence[str]) -> list[str]:
        """Return which of the given gazetteer places an incident of the selection names."""
        ...


@dataclass(eq=False)
class MemoryStore:
    """The store of a loaded dataset, in this process: boolean masks over its rows, its indexes in numpy."""

    dataset: Dataset

    def select(self, start: date, end: date, filters: Filters) -> Selection:
        """Return the incidents sharing a day with [start, end] that pass the filters."""
        mask = dataset_mask(self.dataset, start, end, filters)
        mask.flags.writeable = False
        return Selection(int(mask.sum()), mask, (start, end, filters.key()))

    def month_counts(self, filters: Filters) -> np.ndarray:
        """Return how many incidents passing the filters start in each month of the dataset's span."""
        data = self.dataset
        starts = data.days[0][dataset_mask(data, *data.span, filters)]
        first = np.datetime64(data.span[0], "M")
        months = len(data.months)
        index = (starts.astype("datetime64[M]") - first).astype(np.int64)
        return np.bincount(index[(index >= 0) & (index < months)], minlength=months)

    def view(self, selection: Selection, box: Box, keep: str | None = None) -> ViewItems:
        """Return the markers and the clusters (cells) of a selection inside a map's box; `keep` stays a marker."""
        data = self.dataset
        kept = data.positions.get(keep or "")

        def made() -> ViewItems:
            return view_items(world_of(data), *data.latlon, data.type_codes[0], selection.handle, box, keep=kept)

        return made() if selection.key is None else _kept_view(data, (selection.key, box, kept), made)

    def markers(self, items: ViewItems) -> dict:
        """Return a view's markers as a GeoJSON FeatureCollection of display records."""
        return point_features(self.dataset, items.points)

    def rows(self, selection: Selection, limit: int | None = None) -> pd.DataFrame:
        """Return a selection's rows, by date, up to `limit`."""
        return self.dataset.frame.iloc[np.flatnonzero(selection.handle)[:limit]]

    def in_cell(self, selection: Selection, cell: tuple[int, int]) -> Selection:
        """Return the incidents of a selection in one grid cell at the last zoom (a stack)."""
        mask = selection.handle & cell_mask(world_of(self.dataset), cell)
        mask.flags.writeable = False
        return Selection(int(mask.sum()), mask)

    def framing(self, selection: Selection | None = None) -> tuple[tuple[float, float], int]:
        """Return a centre and zoom framing a selection (None, none or all of it: the whole dataset's framing)."""
        if selection is None or selection.count in (0, len(self.dataset.frame)):
            return framing_of_dataset(self.dataset)  # made once per dataset (1.2 s at a million incidents)
        return framing_of_rows(self.dataset, np.flatnonzero(selection.handle))

    def find(self, incident: str) -> Selection | None:
        """Return the one incident of an id, or None if the dataset has none of that id."""
        position = self.dataset.positions.get(incident)
        if position is None:
            return None
        mask = np.zeros(len(self.dataset.frame), dtype=bool)
        mask[position] = True
        return Selection(1, mask)

    def places_named(self, selection: Selection, places: Sequence[str]) -> list[str]:
        """Return which of the given gazetteer places an incident of the selection names."""
        return named_places(self.dataset, selection.handle, places)


# The views last made of each dataset, shared by every session. Every visitor's first map asks the same one (the whole
# span, the home framing), and so does the run that follows it once the map is drawn: at a million incidents, all of
# them in view, a view took 0.1-0.15 s of each.
VIEWS_KEPT = 8
_views_lock = threading.Lock()


def _views_of(data: Dataset) -> OrderedDict[Hashable, ViewItems]:
    """Return the views kept of a dataset, the oldest first (forgotten with the dataset)."""
    return once_per_dataset(data, "views", OrderedDict)


def _kept_view(data: Dataset, key: Hashable, made: Callable[[], ViewItems]) -> ViewItems:
    """Return the view of `data` under `key`, made (and kept, its arrays read-only) if it is not among the last few."""
    views = _views_of(data)
    with _views_lock:
        found = views.get(key)
        if found is not None:
            views.move_to_end(key)
            return found
    found = made()  # outside the lock: another session's view need not wait for this one
    for field in fields(found):
        value = getattr(found, field.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every session that asks the same view
    with _views_lock:
        views[key] = found
        while len(views) > VIEWS_KEPT:
            views.popitem(last=False)
    return found


def forget_views(data: Dataset) -> None:
    """Forget the views kept of a dataset (the next ask makes each anew: what a benchmark of making one times)."""
    with _views_lock:
        _views_of(data).clear()


def store_of(data: Dataset) -> Store:
    """Return the store of a loaded dataset (a view of it: what it keeps, the dataset keeps, shared by every session)."""
    return MemoryStore(data)
