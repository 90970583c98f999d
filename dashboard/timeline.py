"""The time window: the month-range slider with its step and Play buttons, and the incidents-per-month chart.

An incident is in the window when its dates share at least one day with it ('March 2022' counts for
every day of March). The window's value is the slider's; :mod:`dashboard.session` moves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from . import session
from .session import PageState

PLAY_INTERVAL_S = 1.5
CHART_HEIGHT_PX = 90  # the chart's height, and its placeholder's until the map is drawn


def month_window(start: pd.Period, end: pd.Period) -> tuple[date, date]:
    """Return the first day of the start month and the last day of the end month."""
    return start.start_time.date(), end.end_time.date()


# On a phone Streamlit stacks columns: the step buttons became two full-width bars around the slider, and the
# map fell below the fold. The time window's row keeps them beside the slider at any width.
ONE_ROW_CSS = """<style>
@media (max-width: 640px) {
  .st-key-time_window [data-testid="stHorizontalBlock"] { flex-wrap: nowrap; gap: 0.4rem; }
  .st-key-time_window [data-testid="stColumn"] { min-width: 0; width: auto; flex: 0 0 auto; }
  .st-key-time_window [data-testid="stColumn"]:nth-child(2) { flex: 1 1 0; }
}
</style>"""


def controls(state: PageState, months: list[pd.Period]) -> tuple[date, date]:
    """Draw the month-range slider with step and Play buttons; return the window's first and last day."""
    row = st.container(key="time_window")
    row.html(ONE_ROW_CSS)
    back, slider, forward, play = row.columns([1, 12, 1, 2], vertical_alignment="bottom")
    back.button("◀", help="Move the window back by its own width", on_click=state.step, args=(months, -1),
                width="stretch", key="step_back")
    forward.button("▶", help="Move the window forward by its own width", on_click=state.step, args=(months, 1),
                   width="stretch", key="step_forward")
    play.toggle("Play", key=session.PLAYING, help="Walk the window through time, one month at a time")
    slider.select_slider(
        "Time window", help="An incident is shown if its dates overlap the window: 'March 2022' counts for every "
                            "day of March.",
        # The value makes it a range slider; the window itself is the session's (set before the first run).
        options=months, value=(months[0], months[-1]), key=session.WINDOW, format_func=lambda p: p.strftime("%b %Y"),
    )
    return month_window(*state.window)


def player(state: PageState, months: list[pd.Period]) -> None:
    """While Play is on, advance the window one month every few seconds until it reaches the end."""
    if not state.playing:
        return

    @st.fragment(run_every=PLAY_INTERVAL_S)
    def tick() -> None:
        state.advance(months)
        session.rerun(session.Rerun.PLAY)

    tick()


def counts_by_month(counts: np.ndarray, months: Sequence[pd.Period], window: tuple[date, date]) -> pd.DataFrame:
    """Return the timeline's table: each month of the span, how many incidents start in it, and if it is in the window.

    The counts are the store's (:meth:`~dashboard.store.Store.month_counts`): an incident is counted in the month
    its interval starts; a month-precision incident counts once.
    """
    lo, hi = pd.Period(window[0], "M"), pd.Period(window[1], "M")
    return pd.DataFrame({
        "month": pd.PeriodIndex(list(months), freq="M").to_timestamp(),
        "incidents": np.asarray(counts).astype(int),
        "in_window": [lo <= m <= hi for m in months],
    })


def chart_slot() -> DeltaGenerator:
    """Return the chart's place: its fixed height keeps the map from jumping when the chart comes in."""
    return st.container(height=CHART_HEIGHT_PX, border=False)


def chart(counts: np.ndarray, months: Sequence[pd.Period], window: tuple[date, date]) -> None:
    """Draw incidents per month (by their first days) over the whole span, the window's months highlighted."""
    st.vega_lite_chart(counts_by_month(counts, months, window), chart_spec(), width="stretch")


def chart_spec() -> dict:
    """Return the timeline's Vega-Lite spec: a bar per month, red in the window, grey outside it.

    Written as Vega-Lite itself, not built with altair: altair's import took half a second of the server's first
    chart (py-spy, a cold 100,000-incident page), in the run right after the first map, while the map was drawn.
    """
    month = {"field": "month", "type": "temporal", "timeUnit": "yearmonth"}
    return {
        "mark": {"type": "bar", "width": {"band": 0.9}},
        "encoding": {
            "x": {**month, "title": None, "axis": {"format": "%b %Y", "labelAngle": 0, "tickCount": "year"}},
            "y": {"field": "incidents", "type": "quantitative", "title": "incidents", "axis": {"tickMinStep": 1}},
            "color": {"condition": {"test": "datum.in_window", "value": "#c0392b"}, "value": "#d5d8dc"},
            "tooltip": [{**month, "title": "month"}, {"field": "incidents", "type": "quantitative"}],
        },
        "height": CHART_HEIGHT_PX,
    }


def chart_pending() -> None:
    """Say what goes here while the map is drawn first."""
    st.caption("Incidents per month: drawn after the map…")
