"""A loaded incident dataset and the indexes the page needs to stay fast at 100,000 rows.

The frame is the export's schema (what :mod:`geo` produces); it is shared by every
session and never mutated. What the filters, the timeline and the map need beyond it
(first and last days, the months spanned, the folded search text, which rows cite which
source, where each id is) is derived once per dataset, on first use, as typed properties.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

import geo

BUNDLED = "bundled catalogue"


@dataclass(eq=False)
class Dataset:
    """Incidents to draw, where they came from, and what was rejected on the way."""

    frame: gpd.GeoDataFrame
    label: str
    problems: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    rows: int = 0
    readable_sources: frozenset[str] = frozenset()  # sources whose text the reader can open
    source_titles: dict[str, str] = field(default_factory=dict)  # the readable sources' titles, by id
    key: tuple = ()  # what the loaders' registry knows it by (a file's path and time, an upload's digest)

    def warm(self) -> None:
        """Compute every index now (called in a background thread after a load)."""
        for name in ("positions", "days", "corroboration", "latlon", "type_codes", "source_rows",
                     "place_rows", "search_text", "months"):
            getattr(self, name)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Return each incident id's row position."""
        return {ident: i for i, ident in enumerate(self.frame["id"])}

    @cached_property
    def days(self) -> tuple[np.ndarray, np.ndarray]:
        """Return each incident's first and last day as numpy dates (the time filter compares these)."""
        start = pd.to_datetime(self.frame["date_start"], format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
        end = pd.to_datetime(self.frame["date_end"], format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
        return start, end

    @cached_property
    def span(self) -> tuple[date, date]:
        """Return the first and last day any incident covers, in whole months (this month if there is none)."""
        if not len(self.frame):
            return date.today().replace(day=1), date.today()
        first, last = self.days[0].min().item(), self.days[1].max().item()
        return first.replace(day=1), (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()

    @cached_property
    def months(self) -> list[pd.Period]:
        """Return every month of the span, first to last (the time slider's options)."""
        return list(pd.period_range(self.span[0], self.span[1], freq="M"))

    @cached_property
    def corroboration(self) -> np.ndarray:
        """Return each incident's number of distinct sources."""
        return self.frame["corroboration"].to_numpy(dtype=np.int64)

    @cached_property
    def latlon(self) -> tuple[np.ndarray, np.ndarray]:
        """Return latitudes and longitudes as arrays."""
        return self.frame.geometry.y.to_numpy(), self.frame.geometry.x.to_numpy()

    @cached_property
    def type_codes(self) -> tuple[np.ndarray, list[str]]:
        """Return each row's type as a small integer, and the types in code order."""
        codes, types = pd.factorize(self.frame["type"], sort=True)
        return codes.astype(np.int32), [str(t) for t in types]  # int16 overflowed past 32,767 types

    @cached_property
    def search_text(self) -> pd.Series:
        """Return each incident's folded text (title, type, places, quotes, weapon, notes) for free-text search."""
        frame = self.frame
        parts = [frame["title"].fillna(""), frame["type"].fillna("")]
        parts.append(frame["place_names"].map(lambda names: " ".join(names or ())))
        parts.append(frame["sources"].map(lambda items: " ".join(f"{s['source']} {s['quote']}" for s in items or ())))
        for column in ("weapon", "notes", "location", "actor1", "sub_event_type"):
            if column in frame:
                parts.append(frame[column].map(lambda v: v if isinstance(v, str) else ""))
        joined = parts[0].astype(str)
        for part in parts[1:]:
            joined = joined + " " + part.astype(str)
        return geo.fold_many(joined)

    @cached_property
    def source_rows(self) -> dict[str, np.ndarray]:
        """Return, per source, the row positions of the incidents that cite it."""
        rows: dict[str, list[int]] = defaultdict(list)
        for i, items in enumerate(self.frame["sources"]):
            for name in {s["source"] for s in items or ()}:
                rows[name].append(i)
        return {name: np.asarray(found, dtype=np.int64) for name, found in rows.items()}

    @cached_property
    def place_rows(self) -> dict[str, np.ndarray]:
        """Return, per gazetteer place id, the rows that name it (to highlight the districts in view)."""
        rows: dict[str, list[int]] = defaultdict(list)
        for i, places in enumerate(self.frame["places"]):
            for place in places or ():
                rows[place].append(i)
        return {place: np.asarray(found, dtype=np.int64) for place, found in rows.items()}

    @cached_property
    def sources(self) -> list[str]:
        """Return every source cited, bundled articles first, then by name."""
        return sorted(self.source_rows, key=lambda s: (s not in self.readable_sources, s))

    @cached_property
    def extra_columns(self) -> list[str]:
        """Return the columns beyond the export's schema (an import's free columns)."""
        return [c for c in self.frame.columns if c not in (*geo.INCIDENT_COLUMNS, "geometry")]


def source_titles(catalogue: geo.Catalogue) -> dict[str, str]:
    """Return each of a catalogue's sources' title by id."""
    return {s.id: s.title for s in catalogue.sources.values()}


def from_catalogue(catalogue: geo.Catalogue) -> Dataset:
    """Return the bundled catalogue as a dataset."""
    frame = geo.incidents_frame(catalogue).sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    return Dataset(
        frame=frame, label=BUNDLED, problems=[str(p) for p in catalogue.problems], rejected=list(catalogue.rejected),
        rows=len(catalogue.incidents) + len(catalogue.rejected), readable_sources=frozenset(catalogue.sources),
        source_titles=source_titles(catalogue),
    )


def from_import(result: geo.ImportResult, readable: geo.Catalogue | None = None) -> Dataset:
    """Return an imported file as a dataset; the sources it shares with `readable` can be opened in the reader."""
    frame = result.frame.sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    return Dataset(
        frame=frame, label=result.file, problems=[str(p) for p in result.problems],
        rejected=list(result.rejected), rows=result.rows,
        readable_sources=frozenset(readable.sources) if readable else frozenset(),
        source_titles=source_titles(readable) if readable else {},
    )


def combine(first: Dataset, second: Dataset) -> Dataset:
    """Return both datasets as one; an id already in the first is rejected from the second, with a problem."""
    clash = second.frame["id"].isin(set(first.frame["id"]))
    problems = [*first.problems, *second.problems]
    problems += [f"{second.label}: {ident}: id already used by {first.label}; left out" for ident in second.frame["id"][clash]]
    frame = pd.concat([first.frame, second.frame[~clash]], ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=first.frame.crs)
    frame = frame.sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    return Dataset(
        frame=frame, label=f"{first.label} + {second.label}", problems=problems,
        rejected=[*first.rejected, *second.rejected, *second.frame["id"][clash]], rows=first.rows + second.rows,
        readable_sources=first.readable_sources | second.readable_sources,
        source_titles={**second.source_titles, **first.source_titles},
    )
