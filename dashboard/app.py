"""Sourced incident map: explore reported incidents in space and time, and read the passage behind each marker.

Run on the bundled catalogue: ``streamlit run dashboard/app.py``; on a dataset file:
``streamlit run dashboard/app.py -- --data PATH`` (or ``SIM_DATA=PATH``); to add articles and decide on
their candidates: ``streamlit run dashboard/app.py -- --curate`` (otherwise the page is read-only). A server
started on a file begins reading it as it starts (``app`` below; ``SIM_READ_AT_START=off`` waits for a page).

The page, top to bottom: the sidebar (data, filters), the time window, the map beside the selected
incident or source, the timeline, the table and the downloads, the data checks. Each section is a
function of the dataset and the page's state (:mod:`dashboard.session`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ != "__main__":
    # `streamlit run` imports this file once, as the server starts, for `app` (Streamlit's st.App, run by uvicorn),
    # then runs it as the page (`__main__`) for each visit. The server begins reading --data then, not when the
    # first page asks: the page finds the file read, or its read under way (as `python -m dashboard` did alone).
    from dashboard.data.loaders import reading_as_the_server_starts

    app = st.App(__file__, lifespan=reading_as_the_server_starts)
else:  # the page, top to bottom
    import logging

    from dashboard import incidents, session, timeline
    from dashboard.curate import section as curate
    from dashboard.data import reading as data_reading
    from dashboard.data import section as data_section
    from dashboard.data.dataset import Dataset
    from dashboard.map import section as map_section
    from dashboard.reader import section as reader_section
    from dashboard.session import PageState
    from dashboard.store import store_of

    st.set_page_config(page_title="Sourced incident map", layout="wide")
    # The step and Play buttons move the window slider through st.session_state, on purpose; Streamlit logs a
    # warning with a stack trace for that on every run, which would bury the server log.
    logging.getLogger("streamlit.elements.lib.policies").setLevel(logging.ERROR)

    state = session.page()
    # A file's load shows its progress here, at the top of the page: in the sidebar, folded away on a phone, a reader
    # there saw a blank page for the whole read (15 s at a million incidents).
    loading = st.empty()
    with st.sidebar:
        st.title("Sourced incident map")
        st.caption("Every marker opens the passage it comes from. Sources disagree; the map shows where.")
        data, imported_file = data_section.picker(state, loading)
        state.begin(data)
        # Drawn after the map, in their place here: their "Reported by" outlets (2 s at a million incidents, gathered
        # from every row's sources) need not hold up the first map, nor their widgets' rendering in the browser, once
        # the browser has drawn it. Their values are the page state's all along.
        filters_slot = st.container()
        curate.panel(state)  # only on a server started with `-- --curate`
    for notice in state.notices:
        st.warning(notice, icon="⚠️")
    st.header(data_section.heading(data))
    data_reading.step(imported_file, state)


    @st.fragment
    def window_view(data: Dataset, state: PageState) -> None:
        """Draw everything the time window changes; moving the slider reruns only this fragment, not the filters."""
        if state.upload_changed():
            session.rerun(session.Rerun.NEW_UPLOAD)
        start, end = timeline.controls(state, data.months)
        store = store_of(data)
        shown = store.select(start, end, state.filters)
        # Early, right after the controls: an update sent at the end of a run can be lost when reruns come fast.
        state.sync_url()
        chart_slot = timeline.chart_slot()  # filled after the map, so the map's update reaches the browser first
        map_column, side_column = st.columns([3, 2], gap="medium")
        with map_column:
            map_section.incident_map(store, shown, state, state.window)
            map_section.legend(data)
        with chart_slot:
            if state.map_drawn:
                timeline.chart(store.month_counts(state.filters), data.months, (start, end))
            else:
                timeline.chart_pending()
        with side_column:
            if state.source and state.source in data.readable_sources:
                reader_section.source_reader(state, curate.candidate_spans(state.source), state.candidate)
                curate.review(state)
            elif state.incident:
                incidents.detail(store, state)
            else:
                incidents.how_to_read()
        if state.map_drawn:  # the table's and the link's browser scripts are large: they wait for the map
            incidents.table(store, shown, state)
            incidents.exports(store, shown)
            with st.sidebar:
                st.caption("Link to this view")
                st.code(state.link(), language=None, wrap_lines=True)
        else:
            incidents.details_pending(state)


    data_section.prepare_search(data, state)
    window_view(data, state)
    with filters_slot:
        if state.map_drawn:
            data_section.filters(data)
        else:  # their widgets' scripts and the outlets' list would hold up the map's frame in the browser
            st.caption("The filters follow as soon as the map is drawn.")
    if state.map_drawn:  # under the table, which waits for the map too; a file's problems can be hundreds of lines
        data_section.checks(data)
    timeline.player(state, data.months)
