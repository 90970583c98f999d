"""The page's state: one typed object per browser session, and the only code that touches ``st.session_state``.

What a visitor has chosen lives here and nowhere else: the selected incident, the source open in the
reader, the stack listed in the table, where the map was sent, whether the map has been drawn, which
dataset all this belongs to. The time window, the filters and Play are widgets: Streamlit keeps their
values under the keys named below, and :class:`PageState` reads them from there (never a second copy).

Every change is a named transition (:meth:`PageState.select`, :meth:`PageState.open_source`,
:meth:`PageState.step`, :meth:`PageState.reset_for`…), most of them run as widget callbacks, so that the
run they trigger already draws the new state. A few changes come from places a callback cannot reach (a
click on the map, a new upload, Play's clock); they rerun the page through :func:`rerun`, with a reason.

The URL is the shareable part of the state: :mod:`dashboard.state` reads and writes it.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

import geo

from .data.dataset import Dataset
from .data.filters import Filters
from .state import View, WhenAsked, parse_view, view_params

# Widget keys: Streamlit keeps each widget's value in st.session_state under its key.
WINDOW = "window"
PLAYING = "playing"
FILTER_TYPES, FILTER_CORROBORATION = "filter_types", "filter_corroboration"
FILTER_SOURCES, FILTER_TEXT = "filter_sources", "filter_text"
FILTER_FLAGGED = "filter_flagged"
_COLUMN_FILTER = "filter_column:"  # + a categorical column's name: one multiselect per column of the dataset
_REVEAL = "reveal:"  # + an incident's id: the side panel's "Show graphic content" toggle
_READING = "reading:"  # + a file's identity and a part: the mapping step's widgets, one set per file
NO_COLUMN = "(none)"  # the mapping step's choice for a field read from no column
UPLOAD = "upload"
INCLUDE_BUNDLED = "include_bundled"
MAP = "map"  # st_folium's key: its value is what the map in the browser last reported
TABLE = "incident_table"
_PAGE = "page"

log = logging.getLogger(__name__)


class Rerun(enum.Enum):
    """Why the whole page is run again (rather than the fragment a widget belongs to)."""

    MAP_CLICK = "a click on the map selects an incident or a stack: the side panel and the table change"
    MAP_DRAWN = "the map is drawn: now the timeline, the table and the link that its first run left out"
    NEW_UPLOAD = "a new file is in the uploader, and a fragment's rerun took the place of the page's own"
    PLAY = "Play moved the window one month on"
    CURATED = "a curator filed an article or decided on a candidate: the catalogue, the map and the reader change"


def column_filter_key(column: str) -> str:
    """Return the widget key of a categorical column's filter (the column's name is the file's own)."""
    return f"{_COLUMN_FILTER}{column}"


def reveal_key(incident: str) -> str:
    """Return the widget key of an incident's "Show graphic content" toggle (each incident starts hidden)."""
    return f"{_REVEAL}{incident}"


def curate_key(part: str) -> str:
    """Return the session key of a curation widget (the article form, a candidate's controls)."""
    return f"curate:{part}"


def reading_key(file: str, part: str) -> str:
    """Return the widget key of one part of a file's mapping step ("field:lat", "date_order"…)."""
    return f"{_READING}{file}:{part}"


def rerun(reason: Rerun) -> NoReturn:
    """Run the whole page again, for `reason`."""
    log.debug("rerun: %s", reason.value)
    st.rerun(scope="app")


@dataclass
class PageState:
    """What one visitor has chosen on the page, and what the page remembers to draw it."""

    dataset_key: object = None  # the dataset this state belongs to (ids, windows and cells mean nothing in another)
    incident: str | None = None  # the incident shown beside the map
    source: str | None = None  # the source open in the reader
    cell: tuple[int, int] | None = None  # a stack at the last zoom whose incidents the table lists
    map_target: str | None = None  # the incident the page last sent the map to: centred and highlighted
    home: tuple[tuple[float, float], int] | None = None  # the map's first centre and zoom in this session
    map_drawn: bool = False  # the browser has drawn the map: the rest of the page may follow
    map_click: tuple | None = None  # the last map click acted on: (feature id, click count)
    upload_seen: str | None = None  # the uploader's file id when the page last ran whole
    upload_digests: dict[str, str] = field(default_factory=dict)  # an upload's SHA-256, by file id
    notices: list[str] = field(default_factory=list)  # what the link asked for that could not be shown
    filter_columns: tuple[str, ...] = ()  # the dataset's categorical columns: each has a filter widget
    reading: dict[str, geo.ImportOptions] = field(default_factory=dict)  # the mapping step's choice, by file
    candidate: str | None = None  # curating: the queued candidate marked in the reader
    curation_notice: tuple[str, str] | None = None  # curating: ("success" or "error", what the last decision did)

    # ---- values kept by widgets ---------------------------------------------------------------------

    @property
    def window(self) -> tuple[pd.Period, pd.Period]:
        """Return the time window: the slider's first and last month."""
        value = st.session_state[WINDOW]
        if not isinstance(value, tuple | list):  # a one-month window can come back as a single value
            return value, value
        return value[0], value[1]

    @property
    def filters(self) -> Filters:
        """Return the sidebar's filters."""
        columns = tuple((name, tuple(chosen)) for name in self.filter_columns
                        if (chosen := st.session_state.get(column_filter_key(name))))
        return Filters(tuple(st.session_state.get(FILTER_TYPES) or ()), st.session_state.get(FILTER_CORROBORATION, "all"),
                       tuple(st.session_state.get(FILTER_SOURCES) or ()), st.session_state.get(FILTER_TEXT) or "",
                       bool(st.session_state.get(FILTER_FLAGGED)), columns)

    def revealed(self, incident: str) -> bool:
        """Return whether an incident's graphic content is shown (its toggle is on)."""
        return bool(st.session_state.get(reveal_key(incident)))

    @property
    def playing(self) -> bool:
        """Return whether Play is on."""
        return bool(st.session_state.get(PLAYING))

    def view(self) -> View:
        """Return the shareable part of the state (what a link restores)."""
        return View(window=self.window, incident=self.incident, source=self.source, cell=self.cell,
                    filters=self.filters)

    # ---- the dataset ----------------------------------------------------------------------------------

    def begin(self, data: Dataset) -> None:
        """Take the page's dataset: on the session's first run, read the link; on a new dataset, start afresh."""
        key = data.key or data.label
        self.filter_columns = tuple(data.column_values)
        if self.dataset_key is None:
            self.dataset_key = key
            self._from_link(data)
        elif self.dataset_key != key:
            self.reset_for(data)

    def _from_link(self, data: Dataset) -> None:
        view = parse_view(st.query_params.to_dict(), data.months, data.positions, WhenAsked(lambda: data.sources),
                          set(data.type_codes[1]), outlets=WhenAsked(lambda: data.outlets),
                          columns={name: set(values) for name, (_, values) in data.column_values.items()},
                          flagged=data.flagged > 0)
        self.incident, self.source, self.cell, self.map_target = view.incident, view.source, view.cell, view.incident
        self.notices = view.notices
        self._set_widgets(view.window or (data.months[0], data.months[-1]), view.filters)

    def reset_for(self, data: Dataset) -> None:
        """Start afresh on another dataset (an upload, the bundled catalogue toggled).

        Windows, ids, cells and map positions belong to the old dataset. The window is set, not just
        forgotten: the slider reports its thumbs as positions in its options, which now mean other months.
        """
        self.dataset_key = data.key or data.label
        self.incident = self.source = self.cell = self.map_target = self.home = self.map_click = None
        self.upload_digests.clear()
        self.notices = []
        st.session_state.pop(MAP, None)
        self._set_widgets((data.months[0], data.months[-1]), Filters())
        st.session_state[PLAYING] = False
        st.query_params.clear()

    @staticmethod
    def _set_widgets(window: tuple[pd.Period, pd.Period], filters: Filters) -> None:
        # Another dataset's column filters must not carry over to a column of the same name in this one.
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(_COLUMN_FILTER)]:
            del st.session_state[key]
        st.session_state.update({WINDOW: window, FILTER_TYPES: list(filters.types),
                                 FILTER_CORROBORATION: filters.corroboration, FILTER_SOURCES: list(filters.sources),
                                 FILTER_TEXT: filters.text, FILTER_FLAGGED: filters.flagged})
        st.session_state.update({column_filter_key(name): list(values) for name, values in filters.columns})

    def reading_options(self, file: str, given: geo.ImportOptions) -> geo.ImportOptions:
        """Return how to read an imported file: the mapping step's choice, else what the command line gave."""
        return self.reading.get(file, given)

    # ---- transitions ----------------------------------------------------------------------------------

    def apply_reading(self, file: str, fields: tuple[str, ...], mapped_before: tuple[str, ...]) -> None:
        """Read a file again as its mapping step says: each field's column, the date order, the duplicates policy.

        The mapping is whole (every field shown, "" for a field taken back from the column it was read
        from), so it is the same whether it goes over the guesses, a mapping file or the command line.
        """
        state = st.session_state
        mapping = {}
        for name in fields:
            column = state.get(reading_key(file, f"field:{name}"), NO_COLUMN)
            if column != NO_COLUMN:
                mapping[name] = column
            elif name in mapped_before:
                mapping[name] = ""
        custom = (state.get(reading_key(file, "date_custom")) or "").strip()
        date_format = custom or state.get(reading_key(file, "date_order")) or None
        duplicates = state.get(reading_key(file, "duplicates")) or "suffix"
        self.reading = {file: geo.ImportOptions(mapping, date_format, duplicates)}  # one file's choice at a time

    def reset_reading(self, file: str) -> None:
        """Forget the mapping step's choice for a file: it is read as the command line and the guesses say."""
        self.reading.pop(file, None)
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{_READING}{file}:")]:
            del st.session_state[key]


    def select(self, incident: str, *, move_map: bool = False) -> None:
        """Show an incident beside the map (and, from the table, centre the map on it)."""
        self.incident, self.source = incident, None
        if move_map:
            self.map_target = incident

    def select_in_reader(self, incident: str) -> None:
        """Show an incident that cites the open source: the reader stays open, marking its passage."""
        self.incident = self.map_target = incident

    def close_incident(self) -> None:
        """Close the incident's detail."""
        self.incident = None

    def open_source(self, source: str) -> None:
        """Open a source in the reader."""
        self.source = source

    def close_source(self) -> None:
        """Close the reader."""
        self.source = self.candidate = None

    def focus_candidate(self, source: str, candidate: str | None) -> None:
        """Open a source in the reader with one of its queued candidates marked (curating)."""
        self.source, self.candidate, self.incident = source, candidate, None

    def curated(self, kind: str, message: str) -> None:
        """Remember what the last curator's action did, to say it after the rerun it causes."""
        self.curation_notice = (kind, message)

    def take_curation_notice(self) -> tuple[str, str] | None:
        """Return the last curator's action's message once."""
        notice, self.curation_notice = self.curation_notice, None
        return notice

    def list_stack(self, cell: tuple[int, int]) -> None:
        """List a stack's incidents in the table."""
        self.cell = cell

    def list_all(self) -> None:
        """List every incident in view in the table again."""
        self.cell = None

    def mark_map_drawn(self) -> None:
        """Draw the timeline, the table and the link from now on (the map is drawn, or the visitor asked)."""
        self.map_drawn = True

    def set_home(self, home: tuple[tuple[float, float], int]) -> None:
        """Remember the map's first centre and zoom in this session (it stays there until sent elsewhere)."""
        self.home = home

    def step(self, months: list[pd.Period], direction: int) -> None:
        """Move the window by its own width (the step buttons), staying inside the months."""
        lo, hi = self.window
        self._shift(months, direction * (months.index(hi) - months.index(lo) + 1))  # the next window, adjacent

    def advance(self, months: list[pd.Period]) -> None:
        """Move the window one month on (Play), and stop playing at the end."""
        if self.window[1] == months[-1]:
            st.session_state[PLAYING] = False
        else:
            self._shift(months, 1)

    def _shift(self, months: list[pd.Period], by: int) -> None:
        st.session_state[WINDOW] = shifted(months, self.window, by)

    # ---- what the page reports back -----------------------------------------------------------------

    def map_report(self) -> dict[str, Any]:
        """Return what the map in the browser last reported (bounds, zoom, last click), or {}."""
        return st.session_state.get(MAP) or {}

    def is_new_map_click(self, click: tuple) -> bool:
        """Tell a new click on the map from the last one, which st_folium reports again on every run."""
        if click[0] is None or click == self.map_click:
            return False
        self.map_click = click
        return True

    def table_rows_picked(self) -> list[int]:
        """Return the table rows the visitor selected."""
        event = st.session_state.get(TABLE) or {}
        return list((event.get("selection") or {}).get("rows") or [])

    def saw_upload(self, file_id: str | None) -> None:
        """Remember which upload the page's last whole run read."""
        self.upload_seen = file_id

    def upload_changed(self) -> bool:
        """Tell whether the uploader holds another file than the page's last whole run read.

        A new upload reruns the whole page; but when the map's fragment asks for a rerun at the same
        moment, Streamlit can let the fragment's rerun replace the page's, and the new file would sit
        in the uploader unread. The fragments notice (widget values reach every run) and rerun the page.
        """
        upload = st.session_state.get(UPLOAD)
        return self.dataset_key is not None and getattr(upload, "file_id", None) != self.upload_seen

    def link(self) -> str:
        """Return the link that restores this view.

        The address bar holds the same link, but Streamlit can leave it one rerun behind when reruns come
        fast; this one is written by the run that draws the page.
        """
        base = (st.context.url or "").split("?")[0]
        query = urlencode(view_params(self.view()))
        return f"{base}?{query}" if query else base or "/"

    def sync_url(self) -> None:
        """Put the view in the page's URL (only when it changed: each change is a message to the browser)."""
        params = view_params(self.view())
        if st.query_params.to_dict() != params:
            st.query_params.from_dict(params)


def shifted(months: list[pd.Period], window: tuple[pd.Period, pd.Period], by: int) -> tuple[pd.Period, pd.Period]:
    """Return the window moved `by` months, keeping its width and staying inside the months."""
    i, j = months.index(window[0]), months.index(window[1])
    width = j - i
    i = min(max(i + by, 0), len(months) - 1 - width)
    return months[i], months[i + width]


def page() -> PageState:
    """Return this session's page state (created on its first run)."""
    if _PAGE not in st.session_state:
        st.session_state[_PAGE] = PageState()
    return st.session_state[_PAGE]
