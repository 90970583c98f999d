"""The page's panels: time controls, timeline, legend, reader, incident detail, table, export."""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit.delta_generator import DeltaGenerator

import geo
from geo.export import csv_text, geojson_text

from . import loaders, mapping
from .dataset import Dataset
from .filters import counts_by_month, named_places
from .mapping import focus_of_points, type_colour
from .markdown import escape_markdown
from .reader import READER_CSS, reader_document
from .state import View, view_params
from .viewport import ViewItems, cell_mask

PLAY_INTERVAL_S = 1.5
TIMELINE_HEIGHT_PX = 90  # the timeline chart's height, and its placeholder's until the map is drawn
TABLE_ROWS = 1_000
EAGER_EXPORT_ROWS = 200  # a larger export is built only when its button is clicked
PROBLEMS_SHOWN = 200
MAX_LEGEND_TYPES = 16


def dataset_picker() -> Dataset:
    """Draw the data chooser (upload, bundled catalogue beside or not) and return the dataset to show."""
    path = loaders.data_argument()
    with st.expander("Data", expanded=False):
        upload = st.file_uploader(
            "Open a dataset: GeoJSON (this tool's export), ACLED CSV, or CSV with latitude, longitude, date",
            type=["geojson", "json", "csv"], key="upload",
        )
        include = st.toggle("Also show the bundled catalogue", value=False, key="include_bundled",
                            help="Draw the five articles' incidents beside the imported ones.")
    imported = None
    st.session_state.upload_seen = _upload_id(upload)
    if upload is not None:
        digest = loaders.upload_digest(upload, st.session_state.setdefault("upload_digests", {}))
        imported = loaders.load_with_progress(
            lambda progress: loaders.dataset_from_upload(upload.name, digest, upload.getvalue, progress), upload.name)
    elif path is not None:
        if path.is_file():
            imported = loaders.load_with_progress(lambda progress: loaders.dataset_from_path(path, progress), path.name)
        else:
            st.error(f"--data / {loaders.DATA_ENV}: no such file: {escape_markdown(path.name)}. "
                     "Showing the bundled catalogue.", icon="🚫")
    if imported is None:
        data = loaders.bundled()
    elif include:
        data = loaders.combined(imported)
    else:
        data = imported
    st.caption(f"Showing **{escape_markdown(data.label)}**: {len(data.frame):,} incidents.")
    return data


def _upload_id(upload: object) -> str | None:
    return getattr(upload, "file_id", None) if upload is not None else None


def upload_changed() -> bool:
    """Tell whether the uploader holds another file than the page's last full run read.

    A new upload reruns the whole page; but when the map's fragment asks for a rerun at the same
    moment, Streamlit can let the fragment's rerun replace the page's, and the new file would sit
    in the uploader unread. The fragment notices (widget values reach every run) and reruns the page.
    """
    return "upload_seen" in st.session_state and _upload_id(st.session_state.get("upload")) != st.session_state.upload_seen


def share_link(view: View) -> None:
    """Show the link that restores this view, with a copy button.

    The address bar holds the same link, but Streamlit can leave it one rerun behind when reruns come
    fast; this one is written by the run that drew the page.
    """
    base = (st.context.url or "").split("?")[0]
    query = urlencode(view_params(view))
    st.caption("Link to this view")
    st.code(f"{base}?{query}" if query else base or "/", language=None, wrap_lines=True)


def sync_url(view: View) -> None:
    """Put the view in the page's URL (only when it changed: each change is a message to the browser)."""
    params = view_params(view)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def start_session(data: Dataset, months: list[pd.Period]) -> None:
    """Start the view afresh when the dataset changes (an upload, the bundled catalogue toggled).

    Windows, ids and map positions belong to the old dataset. The window is set, not just
    forgotten: the slider reports its thumbs as positions in its options, which now mean other months.
    """
    key = data.memo.get("key", data.label)
    if st.session_state.get("dataset_key", key) != key:
        for name in ("view", "map", "focus", "camera", "last_click", "table_pick", "upload_digests"):
            st.session_state.pop(name, None)
        st.session_state.update(window=(months[0], months[-1]), playing=False, filter_types=[], filter_sources=[],
                                filter_corroboration="all", filter_text="")
        st.query_params.clear()
    st.session_state.dataset_key = key


def map_camera(data: Dataset, shown_mask: np.ndarray) -> tuple[tuple[float, float], int]:
    """Return the centre and zoom asked of the map: the focused incident's, else the first view's framing.

    The map keeps its own position otherwise: streamlit-folium moves it only when these change.
    """
    focus = data.positions.get(st.session_state.get("focus") or "")
    lat, lon = data.latlon
    if focus is not None:
        return focus_of_points(lat[[focus]], lon[[focus]], float(data.frame["radius_m"].iat[focus]))
    if "camera" not in st.session_state:
        rows = np.flatnonzero(shown_mask)
        st.session_state.camera = focus_of_points(lat[rows], lon[rows]) if len(rows) else loaders.initial_frame(data)
    return st.session_state.camera


def map_payload(data: Dataset, items: ViewItems, shown_mask: np.ndarray, selected: str | None) -> dict:
    """Return the incidents layer's data for this view, with the Kyiv districts named in the window."""
    named = named_places(data, shown_mask, loaders.district_ids())
    return mapping.map_payload(data, items, districts=named, selected=selected, shown=int(shown_mask.sum()),
                               source_titles=loaders.source_titles())


def map_caption(items: ViewItems, shown: int, total: int, window: tuple[pd.Period, pd.Period]) -> None:
    """Say what the map shows: how many incidents overlap the window, and how they are drawn."""
    when = f"{window[0].strftime('%b %Y')} – {window[1].strftime('%b %Y')}"
    text = f"**{shown:,}** of {total:,} incidents overlap {when}."
    if len(items.cluster_count) and items.stacks:
        markers, stacks = len(items.points), len(items.cluster_count)
        text += (f" At the closest zoom: {markers:,} marker{'s' * (markers != 1)} and {stacks:,} "
                 f"stack{'s' * (stacks != 1)} holding {items.clustered:,}, too many to draw one by one; "
                 "click a stack to list its incidents in the table.")
    elif len(items.cluster_count):
        markers, clusters = len(items.points), len(items.cluster_count)
        text += (f" Near the map view: {markers:,} marker{'s' * (markers != 1)} and {clusters:,} "
                 f"cluster{'s' * (clusters != 1)} holding {items.clustered:,}; zoom in or click a cluster "
                 "to see single incidents.")
    text += " Dashed outline: single source. Faint circles: location uncertainty."
    st.caption(text)


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
                width="stretch", key="step_back")
    forward.button("▶", help="Move the window forward by its own width", on_click=_step, args=(months, 1),
                   width="stretch", key="step_forward")
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


def timeline(data: Dataset, mask: np.ndarray, span: tuple[date, date], window: tuple[date, date]) -> None:
    """Draw incidents per month (those passing `mask`) over the whole span, the current window highlighted."""
    counts = counts_by_month(data.days[0][mask], span, window)
    chart = (
        alt.Chart(counts)
        .mark_bar(width={"band": 0.9})
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="year")),
            y=alt.Y("incidents:Q", title="incidents", axis=alt.Axis(tickMinStep=1)),
            color=alt.condition("datum.in_window", alt.value("#c0392b"), alt.value("#d5d8dc")),
            tooltip=[alt.Tooltip("yearmonth(month):T", title="month"), "incidents:Q"],
        )
        .properties(height=TIMELINE_HEIGHT_PX)
    )
    st.altair_chart(chart, width="stretch")


def map_has_reported(returned: dict | None) -> bool:
    """Tell whether st_folium's value comes from the map in the browser (its bounds), not from its defaults."""
    try:
        return isinstance(returned["bounds"]["_southWest"]["lat"], int | float)
    except (TypeError, KeyError):
        return False


def timeline_slot() -> DeltaGenerator:
    """Return the timeline's place: its fixed height keeps the map from jumping when the chart comes in."""
    return st.container(height=TIMELINE_HEIGHT_PX, border=False)


def timeline_pending() -> None:
    """Say what goes here while the map is drawn first."""
    st.caption("Incidents per month: drawn after the map…")


def details_pending() -> None:
    """Say where the table and the downloads are while the map is drawn first, with a way to ask for them."""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption("The table of incidents and the downloads follow as soon as the map is drawn.")
    if right.button("Show them now", key="details_now", width="stretch"):
        st.session_state.map_drawn = True
        st.rerun()


def legend(data: Dataset) -> None:
    """Draw the colours of the dataset's incident types and the marker conventions."""
    _, types = data.type_codes
    chips = " ".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:12px">'
        f'<span style="width:12px;height:12px;border-radius:6px;background:{type_colour(kind)};display:inline-block;'
        f'margin-right:4px"></span>{html.escape(kind)}</span>'
        for kind in types[:MAX_LEGEND_TYPES]
    )
    more = f" … and {len(types) - MAX_LEGEND_TYPES} more types" if len(types) > MAX_LEGEND_TYPES else ""
    cluster = ('<span style="display:inline-flex;align-items:center;margin-right:12px">'
               '<span style="min-width:18px;height:18px;border-radius:9px;border:3px solid #7f8c8d;background:#fff;'
               'font-size:10px;text-align:center;line-height:18px;margin-right:4px">12</span>'
               'cluster (click to zoom in; ring: its most frequent type)</span>')
    st.html(f'<div style="font-size:13px;line-height:1.8">{chips}{html.escape(more)} {cluster}</div>')


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
    parts = [f":gray-badge[{escape_markdown(row['type'])}]", f"**{escape_markdown(row['date_label'])}**",
             f":green[{row['corroboration']} sources]" if corroborated else ":orange[single source]"]
    if isinstance(row["conflicts"], list) and row["conflicts"]:
        parts.append(":red[sources disagree]")
    return " · ".join(parts)


def conflict_sides(conflict: object) -> tuple[str, list[tuple[str, str]]]:
    """Return a conflict's field and its (value, source) sides; missing or malformed parts become '?'.

    The importer checks the shape of every conflict; the page still reads them defensively, so that
    one odd row can never take the table, the downloads or the detail down with it.
    """
    if not isinstance(conflict, dict):
        return "?", []
    field = conflict.get("field")
    sides = conflict.get("values")
    pairs = [(str(side.get("value", "?")), str(side.get("source", "?")))
             for side in (sides if isinstance(sides, list) else []) if isinstance(side, dict)]
    return (field if isinstance(field, str) and field else "?"), pairs


def conflict_fields(conflicts: object) -> str:
    """Return the fields an incident's sources disagree on, for the table ('date, killed')."""
    return ", ".join(conflict_sides(c)[0] for c in conflicts) if isinstance(conflicts, list) else ""


def stack_cell(properties: dict) -> tuple[int, int] | None:
    """Return the grid cell of a stack clicked on the map (its feature's properties), or None for anything else."""
    cell = properties.get("cell")
    if properties.get("stack") and isinstance(cell, list) and len(cell) == 2 and all(type(v) is int for v in cell):
        return cell[0], cell[1]
    return None


def incident_detail(data: Dataset, view: View) -> None:
    """Show one incident: its facts, disagreements and each source's quote with a reader button."""
    position = data.positions.get(view.incident or "")
    if position is None:
        st.info("That incident is not in the current data.")
        return
    row = data.frame.iloc[position]
    st.markdown(f"#### {escape_markdown(row['title'])}")
    st.markdown(_badges(row))
    facts = {"Places": "; ".join(row["place_names"]), "Weapon": row["weapon"],
             "Casualties": "; ".join(row["casualties"]), "Time": row["time"]}
    facts.update({column.replace("_", " ").capitalize(): row[column] for column in data.extra_columns})
    for label, value in facts.items():
        if isinstance(value, float | int) and not isinstance(value, bool) and not pd.isna(value):
            value = f"{value:g}"
        if isinstance(value, str) and value:  # missing values are NaN in the frame
            st.markdown(f"**{escape_markdown(label)}:** {escape_markdown(value)}")
    for conflict in row["conflicts"] if isinstance(row["conflicts"], list) else []:
        field, pairs = conflict_sides(conflict)
        sides = " vs ".join(f"“{escape_markdown(value)}” ({escape_markdown(source[:3])})" for value, source in pairs)
        st.error(f"Sources disagree on **{escape_markdown(field)}**: {sides}", icon="⚖️")
    if isinstance(row["coding_note"], str) and row["coding_note"]:
        st.caption(f"Coding note: {escape_markdown(row['coding_note'])}")
    for i, item in enumerate(row["sources"]):
        with st.container(border=True):
            if item.get("quote"):
                st.markdown(f"> {escape_markdown(item['quote'])}")
            source = str(item["source"])
            if source.startswith(("http://", "https://")):
                st.link_button(f"Open {source[:60]}", source)
            else:
                st.caption(escape_markdown(loaders.source_label(source)))
            if source in data.readable_sources and st.button("Open in source reader", key=f"open_{view.incident}_{i}"):
                view.source = source
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
                     width="stretch"):
            view.incident = st.session_state.focus = incident.id
            st.rerun()
    if st.button("Close reader", key="close_reader"):
        view.source = None
        st.rerun()


def incident_table(data: Dataset, shown_mask: np.ndarray, view: View) -> None:
    """Show the incidents in view, or a stack's (the first TABLE_ROWS); selecting a row focuses the map on it."""
    if view.cell is not None:
        rows = np.flatnonzero(shown_mask & cell_mask(data.world, view.cell))
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.caption(f"Listing the **{len(rows):,}** incidents of the stack you clicked on the map (one spot at the "
                     "closest zoom). The downloads hold every incident in view.")
        if right.button("List all in view", key="list_all", width="stretch"):
            view.cell = None
            st.rerun()
    else:
        rows = np.flatnonzero(shown_mask)
    shown = data.frame.iloc[rows[:TABLE_ROWS]]
    table = pd.DataFrame({
        "date": shown["date_label"], "title": shown["title"], "type": shown["type"],
        "places": shown["place_names"].map("; ".join), "sources": shown["corroboration"],
        "disagreement": shown["conflicts"].map(conflict_fields),
        "id": shown["id"],
    })
    if len(rows) > TABLE_ROWS:
        where = "of the stack" if view.cell is not None else "in view"
        st.caption(f"The table lists the first {TABLE_ROWS:,} of {len(rows):,} incidents {where}, by date; "
                   "narrow the window or the filters to see the others. The downloads hold all incidents in view.")
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="incident_table",
                         column_config={"sources": st.column_config.NumberColumn("sources", format="%d")})
    picked = event.selection.rows if event and event.selection else []
    if picked:
        chosen = table.iloc[picked[0]]["id"]
        if chosen != st.session_state.get("table_pick"):
            st.session_state.table_pick = chosen
            view.incident, view.source = chosen, None
            st.session_state.focus = chosen
            st.rerun()


def exports(data: Dataset, shown_mask: np.ndarray) -> None:
    """Offer the incidents in view as GeoJSON and CSV (the `python -m geo incidents` schema), built on click."""
    rows = np.flatnonzero(shown_mask)
    geojson, csv = (lambda: geojson_text(data.frame.iloc[rows])), (lambda: csv_text(data.frame.iloc[rows]))
    if len(rows) <= EAGER_EXPORT_ROWS:  # small: ready at once; large: built only when the button is clicked
        geojson, csv = geojson(), csv()
    left, right, note = st.columns([1, 1, 3], vertical_alignment="center")
    left.download_button("Download GeoJSON", geojson,
                         file_name="incidents.geojson", mime="application/geo+json", width="stretch",
                         on_click="ignore", key="download_geojson")
    right.download_button("Download CSV", csv, file_name="incidents.csv",
                          mime="text/csv", width="stretch", on_click="ignore", key="download_csv")
    note.caption(f"{len(rows):,} incidents in the window and filters.")


def data_quality(data: Dataset) -> None:
    """Say how many rows loaded and list what was rejected and why, so nothing is dropped silently."""
    loaded, rejected = len(data.frame), len(data.rejected)
    label = (f"Data checks: {loaded:,} of {data.rows:,} incidents loaded, {rejected:,} rejected, "
             f"{len(data.problems):,} problem(s)")
    with st.expander(label, expanded=bool(data.problems) and len(data.problems) <= 20):
        st.markdown(f"**{escape_markdown(data.label)}**: {loaded:,} loaded + {rejected:,} rejected = {data.rows:,} rows read.")
        if not data.problems:
            st.write("No problems: every row is usable.")
        for problem in data.problems[:PROBLEMS_SHOWN]:
            st.text(f"- {problem}")
        if len(data.problems) > PROBLEMS_SHOWN:
            st.caption(f"… and {len(data.problems) - PROBLEMS_SHOWN:,} more. "
                       "`python -m geo validate FILE` lists every one with its line.")
        st.caption("Kyiv district boundaries © OpenStreetMap contributors (ODbL). "
                   "Country outlines: Natural Earth (public domain). Cities: GeoNames (CC BY 4.0).")


__all__ = ["READER_CSS"]
