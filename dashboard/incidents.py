"""The incidents beside and under the map: one incident's detail, the table of those in view, the downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import geo

from . import session
from .markdown import escape_markdown
from .record import conflict_fields, incident_record, plural
from .session import PageState
from .store import Selection, Store

TABLE_ROWS = 1_000
EAGER_EXPORT_ROWS = 200  # a larger export is built only when its button is clicked
BADGE_STYLE = {"type": ":gray-badge[{}]", "corroborated": ":green[{}]", "single": ":orange[{}]", "none": ":gray[{}]",
               "conflict": ":red[{}]", "flag": ":violet[{}]", "graphic": ":red-badge[{}]"}


def how_to_read() -> None:
    """Explain the map when nothing is selected."""
    st.markdown(
        "### How to read this map\n"
        "- **Click a marker** to see what the sources say and open each source at the quoted passage.\n"
        "- **Dashed markers** rest on a single source; solid ones are corroborated by two or more outlets; "
        "**dotted, faded** ones have no usable source at all.\n"
        "- **Faint circles** and **orange districts** show how precisely a place is known: "
        "*Odesa region* is not a street address.\n"
        "- **Move the time window** (or press Play); the table and export follow the map.\n"
        "- **By keyboard:** Tab to the map; the arrow keys move between incidents (west to east), Enter opens "
        "one, Escape closes it. In a source's text, Escape goes back to the map.\n"
        "- Switch basemaps and layers with the control at the map's top right. "
        "The default base layer works offline."
    )


def record_of(store: Store, incident: str) -> dict | None:
    """Return an incident's display record (its whole free columns), or None if it is not in the data."""
    found = store.find(incident)
    if found is None:
        return None
    data = store.dataset
    return incident_record(store.rows(found).iloc[0], titles=data.source_titles, readable=data.readable_sources,
                           extra_columns=data.extra_columns, skip=data.mapped_columns, headers=data.column_headers)


def fact_markdown(fact: dict) -> str:
    """Return a fact as one line of Markdown: its text escaped, its http(s) links (as the record marked them) links."""
    if fact.get("parts"):
        value = "".join(f"[{escape_markdown(part['text'])}](<{part['url']}>)" if part.get("url")
                        else escape_markdown(part["text"]) for part in fact["parts"])
    else:
        value = escape_markdown(fact["value"])
    note = f" *({escape_markdown(fact['note'])})*" if fact.get("note") else ""
    return f"**{escape_markdown(fact['label'])}:** {value}{note}"


def _sources(record: dict, state: PageState) -> None:
    for i, source in enumerate(record["sources"]):
        with st.container(border=True):
            if source["quote"]:
                st.markdown(f"> {escape_markdown(source['quote'])}")
            if source["url"]:
                st.link_button(f"Open {source['id'][:60]}", source["url"])
            else:
                st.caption(escape_markdown(source["label"]))
            if source["readable"]:
                st.button("Open in source reader", key=f"open_{record['id']}_{i}", on_click=state.open_source,
                          args=(source["id"],))


def detail(store: Store, state: PageState) -> None:
    """Show the selected incident: every field, disagreements and each source's quote with a reader button."""
    record = record_of(store, state.incident or "")
    if record is None:
        st.info("That incident is not in the current data.")
        return
    st.markdown(f"### {escape_markdown(record['title'])}")
    st.markdown(" · ".join(BADGE_STYLE.get(b["tone"], "{}").format(escape_markdown(b["text"])) for b in record["badges"]))
    for fact in record["facts"]:
        st.markdown(fact_markdown(fact))
    for disagreement in record["disagreements"]:
        st.error(f"Sources disagree on **{escape_markdown(disagreement['field'])}**: "
                 f"{escape_markdown(disagreement['sides'])}", icon="⚖️")
    if record["coding_note"]:
        st.caption(f"Coding note: {escape_markdown(record['coding_note'])}")
    _sources(record, state)
    reveal = record["reveal"]
    # A graphic incident: its description, links and sources only once the reader asks (each incident starts hidden).
    # The toggle says what it does: show, or once on, hide (its key, not its label, keeps its value across the change).
    if reveal and st.toggle(reveal["hide_label"] if state.revealed(record["id"]) else reveal["label"],
                            key=session.reveal_key(record["id"])):
        for fact in reveal["facts"]:
            st.markdown(fact_markdown(fact))
        _sources({**record, "sources": reveal["sources"]}, state)
    st.button("Close", key="close_incident", on_click=state.close_incident)


def table(store: Store, shown: Selection, state: PageState) -> None:
    """Show the incidents in view, or a stack's (the first TABLE_ROWS); selecting a row centres the map on it."""
    listing = shown if state.cell is None else store.in_cell(shown, state.cell)
    count = listing.count
    if state.cell is not None:
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.caption(f"Listing the **{plural(count, 'incident')}** of the stack you clicked on the map (one spot at the "
                     "closest zoom). The downloads hold every incident in view.")
        right.button("List all in view", key="list_all", width="stretch", on_click=state.list_all)
    rows = store.rows(listing, limit=TABLE_ROWS)
    listed = pd.DataFrame({
        "date": rows["date_label"], "title": rows["title"], "type": rows["type"],
        "places": rows["place_names"].map("; ".join), "sources": rows["corroboration"],
        "disagreement": rows["conflicts"].map(conflict_fields),
        "id": rows["id"],
    })
    if count > TABLE_ROWS:
        where = "of the stack" if state.cell is not None else "in view"
        st.caption(f"The table lists the first {TABLE_ROWS:,} of {plural(count, 'incident')} {where}, by date; "
                   "narrow the window or the filters to see the others. The downloads hold all incidents in view.")

    def picked() -> None:
        chosen = state.table_rows_picked()
        if chosen and chosen[0] < len(listed):
            state.select(str(listed["id"].iat[chosen[0]]), move_map=True)

    st.dataframe(listed, hide_index=True, width="stretch", on_select=picked, selection_mode="single-row",
                 key=session.TABLE, column_config={"sources": st.column_config.NumberColumn("sources", format="%d")})
    st.caption("Click a row to open its incident. By keyboard: the arrow keys move through the table, Shift+Space "
               "opens the row's incident.")


def exports(store: Store, shown: Selection) -> None:
    """Offer the incidents in view as GeoJSON and CSV (the `python -m geo incidents` schema), built on click."""
    geojson, csv = (lambda: geo.geojson_text(store.rows(shown))), (lambda: geo.csv_text(store.rows(shown)))
    if shown.count <= EAGER_EXPORT_ROWS:  # small: ready at once; large: built only when the button is clicked
        geojson, csv = geojson(), csv()
    left, right, note = st.columns([1, 1, 3], vertical_alignment="center")
    left.download_button("Download GeoJSON", geojson,
                         file_name="incidents.geojson", mime="application/geo+json", width="stretch",
                         on_click="ignore", key="download_geojson")
    right.download_button("Download CSV", csv, file_name="incidents.csv",
                          mime="text/csv", width="stretch", on_click="ignore", key="download_csv")
    note.caption(f"{plural(shown.count, 'incident')} in the window and filters.")


def details_pending(state: PageState) -> None:
    """Say where the table and the downloads are while the map is drawn first, with a way to ask for them."""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption("The table of incidents and the downloads follow as soon as the map is drawn.")
    right.button("Show them now", key="details_now", width="stretch", on_click=state.mark_map_drawn)

