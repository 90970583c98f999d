"""The URL codec: the view a link describes: time window, selected incident and source, filters.

Parsing is strict and never raises: anything unusable is dropped with a message
for the page, so a bad or hostile link shows a clear notice instead of a trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Container, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote

import pandas as pd

from .data.filters import CORROBORATION_CHOICES, Filters
from .map.viewport import cells_at
from .record import plural

_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")
_CELL_RE = re.compile(r"^(\d{1,9}),(\d{1,9})$")
COLUMN_PARAM = "c."  # `c.<column>=value,value`: a categorical column's filter
FLAGGED_PARAM = "flagged"


@dataclass
class View:
    """Everything a shareable link restores."""

    window: tuple[pd.Period, pd.Period] | None = None
    incident: str | None = None
    source: str | None = None
    cell: tuple[int, int] | None = None  # a stack on the map (a grid cell at the last zoom) listed in the table
    filters: Filters = field(default_factory=Filters)
    notices: list[str] = field(default_factory=list)


def _one(params: Mapping[str, str | list[str]], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def join_values(values: tuple[str, ...]) -> str:
    """Return values as one parameter, separated by commas (a comma or % inside a value is escaped)."""
    return ",".join(v.replace("%", "%25").replace(",", "%2C") for v in values)


def split_values(text: str | None) -> list[str]:
    """Return the values of a parameter written by :func:`join_values`."""
    return [unquote(v) for v in (text or "").split(",") if v]


class WhenAsked(Collection[str]):
    """A set of names made only when first asked about.

    A link rarely names a source or an outlet, and gathering those of a million incidents took 2 s before the
    first map.
    """

    def __init__(self, make: Callable[[], Collection[str]]) -> None:
        self._make = make

    @cached_property
    def _names(self) -> frozenset[str]:
        return frozenset(self._make())

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def parse_view(
    params: Mapping[str, str | list[str]],
    months: list[pd.Period],
    incident_ids: Container[str],
    source_ids: Collection[str],
    types: set[str],
    *,
    outlets: Collection[str] | None = None,
    columns: Mapping[str, Collection[str]] | None = None,
    flagged: bool = False,
) -> View:
    """Read a View from query parameters, keeping only values that name real things.

    `outlets` are the "Reported by" choices (the source ids when not given), `columns` the values of each
    categorical column, `flagged` whether the dataset has flagged incidents to show.
    """
    outlets = source_ids if outlets is None else outlets
    columns = columns or {}
    view = View()
    start, end = _one(params, "from"), _one(params, "to")
    if start or end:
        try:
            lo = pd.Period(start, "M") if start and _MONTH_RE.match(start) else months[0]
            hi = pd.Period(end, "M") if end and _MONTH_RE.match(end) else months[-1]
        except ValueError:
            lo, hi = months[0], months[-1]
            view.notices.append("The time window in the link is not a pair of months (YYYY-MM); showing everything.")
        lo, hi = max(lo, months[0]), min(hi, months[-1])
        view.window = (lo, hi) if lo <= hi else (months[0], months[-1])
    incident = _one(params, "incident")
    if incident is not None:
        if _ID_RE.match(incident) and incident in incident_ids:
            view.incident = incident
        else:
            view.notices.append("The link names an incident that is not in this catalogue.")
    source = _one(params, "source")
    if source is not None:
        if _ID_RE.match(source) and source in source_ids:
            view.source = source
        else:
            view.notices.append("The link names a source that is not in this catalogue; only the bundled sources can be opened.")
    cell = _one(params, "cell")
    if cell is not None:
        found = _CELL_RE.match(cell)
        if found and all(int(v) < cells_at() for v in found.groups()):
            view.cell = (int(found.group(1)), int(found.group(2)))
        else:
            view.notices.append("The link names a stack of incidents that is not on this map.")
    chosen_types = _known(params, "type", types, "incident type", view)
    corroboration = _one(params, "corroboration")
    if corroboration is not None and corroboration.strip() and corroboration not in CORROBORATION_CHOICES:
        view.notices.append(f"The link's corroboration filter is not one of: {', '.join(CORROBORATION_CHOICES)}; "
                            "showing all.")
    chosen_sources = _known(params, "sources", outlets, "outlet", view, " (Reported by)")
    only_flagged = _one(params, FLAGGED_PARAM) == "1"
    if only_flagged and not flagged:
        view.notices.append("The link asks for flagged incidents only; this dataset has none, so all are shown.")
    chosen_columns, unknown = [], False
    for key in sorted(k for k in params if isinstance(k, str) and k.startswith(COLUMN_PARAM)):
        name = key[len(COLUMN_PARAM):]
        known = columns.get(name) or ()
        wanted = split_values(_one(params, key))
        values = tuple(dict.fromkeys(v for v in wanted if v in known))
        unknown |= len(values) < len(set(wanted)) or not wanted
        if values:
            chosen_columns.append((name, values))
    if unknown:
        view.notices.append("The link filters on a column or a value that is not in this dataset; that part is left out.")
    view.filters = Filters(
        types=chosen_types,
        corroboration=corroboration if corroboration in CORROBORATION_CHOICES else "all",
        sources=chosen_sources,
        text=(_one(params, "q") or "")[:200],
        flagged=only_flagged and flagged,
        columns=tuple(chosen_columns),
    )
    return view


def _known(params: Mapping, key: str, known: Collection[str], noun: str, view: View, aside: str = "") -> tuple[str, ...]:
    """Return a link's comma-separated values of `key` that are `known`; the others get a notice that counts them.

    Blanks (a trailing comma) are no values; `known` is not asked when the link has none (it may be costly)."""
    wanted = [value for value in (_one(params, key) or "").split(",") if value.strip()]
    chosen = tuple(value for value in wanted if value in known) if wanted else ()
    if len(chosen) < len(wanted):
        view.notices.append(f"The link filters on {plural(len(wanted) - len(chosen), noun)}{aside} not in this dataset; "
                            "left out.")
    return chosen


def view_params(view: View) -> dict[str, str]:
    """Return the query parameters that restore a view (empty values left out)."""
    params: dict[str, str] = {}
    if view.window is not None:
        params["from"], params["to"] = str(view.window[0]), str(view.window[1])
    if view.incident:
        params["incident"] = view.incident
    if view.source:
        params["source"] = view.source
    if view.cell:
        params["cell"] = f"{view.cell[0]},{view.cell[1]}"
    f = view.filters
    if f.types:
        params["type"] = ",".join(f.types)
    if f.corroboration != "all":
        params["corroboration"] = f.corroboration
    if f.sources:
        params["sources"] = ",".join(f.sources)
    if f.text:
        params["q"] = f.text
    if f.flagged:
        params[FLAGGED_PARAM] = "1"
    for name, values in f.columns:
        if values:
            params[f"{COLUMN_PARAM}{name}"] = join_values(values)
    return params
