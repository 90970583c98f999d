"""The page's panels: time controls, timeline, legend, reader, incident detail, table, export."""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

import geo
from geo.export import csv_text, geojson_text

from . import loaders
from .filters import monthly_counts
from .mapping import TYPE_COLOURS
from .reader import READER_CSS, reader_document
from .state import View

PLAY_INTERVAL_S = 1.5


def _shift(months: list[pd.Period], by: int) -> None:
    lo, hi = st.session_state.window
    i, j = months.index(lo), months.index(hi)
    width = j - i
    i = min(max(i + by, 0), len(months) - 1 - width)
    st.session_state.window = (months[i], months[i + width])


def _step(months: list[pd.Period], direction: int) -> None:
    """Move the window by its own width (the step buttons), staying inside the span."""
    lo, hi = st.session_state.window
    _shift(months, direction * (months.index(hi) - months.index(lo) + 1))


def time_controls(view: View, months: list[pd.Period]) -> tuple[pd.Period, pd.Period]:
    """Draw the month-range slider with step and play buttons; return the window."""
    if "window" not in st.session_state:
        st.session_state.window = view.window or (months[0], months[-1])
    back, slider, forward, play = st.columns([1, 12, 1, 2], vertical_alignment="bottom")
    back.button("◀", help="Move the window back by its own width", on_click=_step, args=(months, -1),
                use_container_width=True, key="step_back")
    forward.button("▶", help="Move the window forward by its own width", on_click=_step, args=(months, 1),
                   use_container_width=True, key="step_forward")
    play.toggle("Play", key="playing", help="Walk the window through time, one month at a time")
    window = slider.select_slider(
        "Time window (an incident is shown if its dates overlap it: 'March 2022' counts for every day of March)",
        options=months, value=(months[0], months[-1]), key="window", format_func=lambda p: p.strftime("%b %Y"),
    )
    if not isinstance(window, tuple | list):  # a one-month window can come back as a single value
        window = (window, window)
    view.window = (window[0], window[1])
    return view.window


def player(view: View, months: list[pd.Period]) -> None:
    """While Play is on, advance the window one month every few seconds until it reaches the end."""
    if not st.session_state.get("playing"):
        return

    @st.fragment(run_every=PLAY_INTERVAL_S)
    def tick() -> None:
        if st.session_state.window[1] == months[-1]:
            st.session_state.playing = False
        else:
            _shift(months, 1)
        st.rerun(scope="app")

    tick()


def timeline(frame: pd.DataFrame, span: tuple[date, date], window: tuple[date, date]) -> None:
    """Draw incidents per month over the whole span, the current window highlighted."""
    counts = monthly_counts(frame, span, window)
    chart = (
        alt.Chart(counts)
        .mark_bar(width={"band": 0.9})
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="year")),
            y=alt.Y("incidents:Q", title="incidents", axis=alt.Axis(tickMinStep=1)),
            color=alt.condition("datum.in_window", alt.value("#c0392b"), alt.value("#d5d8dc")),
            tooltip=[alt.Tooltip("yearmonth(month):T", title="month"), "incidents:Q"],
        )
        .properties(height=90)
    )
    st.altair_chart(chart, use_container_width=True)


def legend() -> None:
    """Draw the incident-type colours and the marker conventions."""
    chips = " ".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
        f'<span style="width:12px;height:12px;border-radius:6px;background:{colour};display:inline-block;'
        f'margin-right:4px"></span>{html.escape(kind)}</span>'
        for kind, colour in TYPE_COLOURS.items()
    )
    st.html(f'<div style="font-size:13px;line-height:1.8">{chips}</div>')


def how_to_read() -> None:
    """Explain the map when nothing is selected."""
    st.markdown(
        "#### How to read this map\n"
        "- **Click a marker** to see what the sources say and open each source at the quoted passage.\n"
        "- **Dashed markers** rest on a single source; solid ones are corroborated by two or more.\n"
        "- **Faint circles** and **orange districts** show how precisely a place is known: "
        "*Odesa region* is not a street address.\n"
        "- **Move the time window** (or press Play); the table and export follow the map.\n"
        "- Switch basemaps and layers with the control at the map's top right. "
        "The default base layer works offline."
    )


def _badges(row: pd.Series) -> str:
    corroborated = row["corroboration"] > 1
    parts = [f"`{row['type']}`", f"**{row['date_label']}**",
             f":green[{row['corroboration']} sources]" if corroborated else ":orange[single source]"]
    if row["conflicts"]:
        parts.append(":red[sources disagree]")
    return " · ".join(parts)


def incident_detail(frame: pd.DataFrame, catalogue: geo.Catalogue, view: View) -> None:
    """Show one incident: its facts, disagreements and each source's quote with a reader button."""
    row = frame[frame["id"] == view.incident]
    if row.empty:
        st.info("That incident is not in the current data.")
        return
    row = row.iloc[0]
    st.markdown(f"#### {row['title']}")
    st.markdown(_badges(row))
    facts = {"Places": "; ".join(row["place_names"]), "Weapon": row["weapon"],
             "Casualties": "; ".join(row["casualties"]), "Time": row["time"]}
    for label, value in facts.items():
        if isinstance(value, str) and value:  # missing values are NaN in the frame
            st.markdown(f"**{label}:** {value}")
    for conflict in row["conflicts"]:
        sides = " vs ".join(f"“{v['value']}” ({v['source'][:3]})" for v in conflict["values"])
        st.error(f"Sources disagree on **{conflict['field']}**: {sides}", icon="⚖️")
    if isinstance(row["coding_note"], str) and row["coding_note"]:
        st.caption(f"Coding note: {row['coding_note']}")
    for i, item in enumerate(row["sources"]):
        with st.container(border=True):
            st.markdown(f"> {item['quote']}")
            st.caption(loaders.source_label(item["source"]))
            if st.button("Open in source reader", key=f"open_{view.incident}_{i}"):
                view.source = item["source"]
                st.rerun()
    if st.button("Close", key="close_incident"):
        view.incident = None
        st.rerun()


def source_reader(catalogue: geo.Catalogue, view: View) -> None:
    """Show a source's metadata, its text with the cited passage marked, and the incidents citing it."""
    source = catalogue.sources[view.source]
    st.markdown(f"#### {source.title}")
    published = source.published or {}
    meta = [f"`{source.id}`"]
    if source.outlet:
        meta.append(f"outlet: **{source.outlet}**")
    if published.get("not_before"):
        meta.append(f"published on or after {published['not_before']}")
    st.markdown(" · ".join(meta))
    if published.get("basis"):
        st.caption(f"Dating: {published['basis']}")
    if source.reliability:
        with st.expander(f"Reliability notes ({len(source.reliability)})", expanded=False):
            for note in source.reliability:
                st.markdown(f"- **{note.get('kind', 'note').replace('_', ' ')}**: {note.get('detail', '')}")
    components.html(reader_document(source.text, loaders.spans(source.id), view.incident), height=460,
                    scrolling=True)
    st.caption("Highlighted: passages cited as evidence (the selected incident's in orange). "
               "Dotted underline: places the gazetteer recognised.")
    citing = [i for i in catalogue.incidents if source.id in i.sources]
    st.markdown(f"**Incidents citing this source ({len(citing)})**")
    for incident in citing:
        if st.button(f"{incident.date.label()} — {incident.title}", key=f"focus_{source.id}_{incident.id}",
                     use_container_width=True):
            view.incident = incident.id
            st.rerun()
    if st.button("Close reader", key="close_reader"):
        view.source = None
        st.rerun()


def incident_table(shown: gpd.GeoDataFrame, view: View) -> None:
    """Show the incidents in view; selecting a row focuses the map on it."""
    table = pd.DataFrame({
        "date": shown["date_label"], "title": shown["title"], "type": shown["type"],
        "places": shown["place_names"].map("; ".join), "sources": shown["corroboration"],
        "disagreement": shown["conflicts"].map(lambda c: ", ".join(x["field"] for x in c)),
        "id": shown["id"],
    })
    event = st.dataframe(table, hide_index=True, use_container_width=True, on_select="rerun",
                         selection_mode="single-row", key="incident_table",
                         column_config={"sources": st.column_config.NumberColumn("sources", format="%d")})
    rows = event.selection.rows if event and event.selection else []
    if rows:
        chosen = table.iloc[rows[0]]["id"]
        if chosen != st.session_state.get("table_pick"):
            st.session_state.table_pick = chosen
            view.incident, view.source = chosen, None
            st.rerun()


def exports(shown: gpd.GeoDataFrame) -> None:
    """Offer the incidents in view as GeoJSON and CSV (the `python -m geo incidents` schema)."""
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("Download GeoJSON", geojson_text(shown), file_name="incidents.geojson",
                         mime="application/geo+json", use_container_width=True)
    right.download_button("Download CSV", csv_text(shown), file_name="incidents.csv", mime="text/csv",
                          use_container_width=True)


def data_quality(catalogue: geo.Catalogue) -> None:
    """List what the catalogue rejected, so nothing is dropped silently."""
    total = len(catalogue.incidents) + len(catalogue.rejected)
    label = f"Data checks: {len(catalogue.incidents)} of {total} incidents loaded, {len(catalogue.problems)} problem(s)"
    with st.expander(label, expanded=bool(catalogue.problems)):
        if not catalogue.problems:
            st.write("Every quote is verbatim in its source, every place resolves, every date is valid.")
        for problem in catalogue.problems:
            st.write(f"- {problem}")
        st.caption("Kyiv district boundaries © OpenStreetMap contributors (ODbL). "
                   "Country outlines: Natural Earth (public domain). Cities: GeoNames (CC BY 4.0).")


__all__ = ["READER_CSS"]
