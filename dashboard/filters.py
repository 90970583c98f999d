"""Which incidents are in view: time window, filters, timeline counts. Plain functions on DataFrames."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from geo.normalize import fold

from .dataset import Dataset

CORROBORATION_CHOICES = ("all", "single source", "corroborated")


@dataclass(frozen=True)
class Filters:
    """What the user asked to see, besides the time window."""

    types: tuple[str, ...] = ()
    corroboration: str = "all"
    sources: tuple[str, ...] = ()
    text: str = ""
    extra: dict = field(default_factory=dict)


def catalogue_span(frame: pd.DataFrame) -> tuple[date, date]:
    """Return the first and last day any incident covers (whole months at the edges)."""
    start = date.fromisoformat(frame["date_start"].min())
    end = date.fromisoformat(frame["date_end"].max())
    last_day = (pd.Timestamp(end) + pd.offsets.MonthEnd(0)).date()
    return start.replace(day=1), last_day


def in_window(frame: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Return a mask of incidents whose date interval shares at least one day with [start, end]."""
    return (frame["date_start"] <= end.isoformat()) & (frame["date_end"] >= start.isoformat())


def matches_filters(frame: pd.DataFrame, filters: Filters) -> pd.Series:
    """Return a mask of incidents that pass the type, corroboration, source and text filters."""
    mask = pd.Series(True, index=frame.index)
    if filters.types:
        mask &= frame["type"].isin(filters.types)
    if filters.corroboration == "single source":
        mask &= frame["corroboration"] == 1
    elif filters.corroboration == "corroborated":
        mask &= frame["corroboration"] >= 2
    if filters.sources:
        wanted = set(filters.sources)
        mask &= frame["sources"].map(lambda items: any(s["source"] in wanted for s in items))
    needle = fold(filters.text)
    if needle:
        mask &= frame.apply(lambda row: needle in _search_text(row), axis=1)
    return mask


def _search_text(row: pd.Series) -> str:
    parts: list[str] = [row["title"], row["type"], *row["place_names"], *(s["quote"] for s in row["sources"])]
    if isinstance(row.get("weapon"), str):  # a missing weapon is NaN in the frame, not None
        parts.append(row["weapon"])
    return fold(" ".join(parts))


def visible(frame: pd.DataFrame, start: date, end: date, filters: Filters) -> pd.DataFrame:
    """Return the incidents in the window that pass the filters."""
    return frame[in_window(frame, start, end) & matches_filters(frame, filters)]


FILTER_MASKS_KEPT = 16


def filter_mask(dataset: Dataset, filters: Filters) -> np.ndarray:
    """Return which incidents pass the filters, whatever their dates (read-only; remembered per filters).

    The filters change only when the sidebar does, while the window changes at every slider step:
    a text search over 100,000 incidents is done once, not twice per step (the window and the timeline).
    """
    key = (tuple(filters.types), filters.corroboration, tuple(filters.sources), fold(filters.text))
    masks = dataset.memo.setdefault("filter_masks", {})
    mask = masks.get(key)
    if mask is not None:
        return mask
    mask = np.ones(len(dataset.frame), dtype=bool)
    if filters.types:
        codes, types = dataset.type_codes
        wanted = [i for i, t in enumerate(types) if t in set(filters.types)]
        mask &= np.isin(codes, wanted)
    if filters.corroboration == "single source":
        mask &= dataset.corroboration == 1
    elif filters.corroboration == "corroborated":
        mask &= dataset.corroboration >= 2
    if filters.sources:
        citing = np.zeros(len(mask), dtype=bool)
        for source in filters.sources:
            citing[dataset.source_rows.get(source, np.zeros(0, dtype=np.int64))] = True
        mask &= citing
    if key[3]:
        mask &= dataset.search_text.str.contains(key[3], regex=False).to_numpy(dtype=bool)
    mask.flags.writeable = False  # shared by every session on this dataset
    if len(masks) >= FILTER_MASKS_KEPT:
        masks.clear()
    masks[key] = mask
    return mask


def dataset_mask(dataset: Dataset, start: date, end: date, filters: Filters) -> np.ndarray:
    """Return a boolean array of the dataset's incidents in the window that pass the filters.

    The same rules as :func:`visible`, on the dataset's precomputed arrays: a few
    milliseconds at 100,000 incidents instead of a pass over Python objects.
    """
    first, last = dataset.days
    return (first <= np.datetime64(end, "D")) & (last >= np.datetime64(start, "D")) & filter_mask(dataset, filters)


def named_places(dataset: Dataset, mask: np.ndarray, place_ids: Iterable[str]) -> list[str]:
    """Return which of the given places (Kyiv's districts) an incident passing `mask` names."""
    return [p for p in place_ids if p in dataset.place_rows and bool(mask[dataset.place_rows[p]].any())]


def monthly_counts(frame: pd.DataFrame, span: tuple[date, date], window: tuple[date, date]) -> pd.DataFrame:
    """Return incidents per month over the whole span, flagging the months inside the window.

    An incident is counted in the month its interval starts; a month-precision
    incident counts once, in its month.
    """
    starts = pd.to_datetime(frame["date_start"], format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    return counts_by_month(starts, span, window)


def counts_by_month(starts: np.ndarray, span: tuple[date, date], window: tuple[date, date]) -> pd.DataFrame:
    """Return how many of the given first days fall in each month of the span, flagging the window's months."""
    months = pd.period_range(span[0], span[1], freq="M")
    first = np.datetime64(months[0].start_time.date(), "M")
    index = (starts.astype("datetime64[M]") - first).astype(np.int64)
    index = index[(index >= 0) & (index < len(months))]
    counts = np.bincount(index, minlength=len(months))
    lo, hi = pd.Period(window[0], "M"), pd.Period(window[1], "M")
    return pd.DataFrame({
        "month": months.to_timestamp(),
        "incidents": counts.astype(int),
        "in_window": [lo <= m <= hi for m in months],
    })


def step_window(window: tuple[date, date], span: tuple[date, date], direction: int) -> tuple[date, date]:
    """Move the window by its own length (at least one day) forward or back, staying inside the span."""
    start, end = window
    length = end - start
    shift = max(length, timedelta(days=0)) + timedelta(days=1)
    if direction > 0:
        new_end = min(end + shift, span[1])
        return new_end - length, new_end
    new_start = max(start - shift, span[0])
    return new_start, new_start + length
