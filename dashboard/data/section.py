"""The data on the page: which dataset (upload, --data, the bundled catalogue), the filters, and the checks."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

import geo

from .. import session
from ..markdown import escape_markdown
from ..record import outlet_label, plural
from ..session import PageState
from . import loaders
from .dataset import BUNDLED, Dataset
from .filters import CORROBORATION_CHOICES
from .reading import ImportedFile

PROBLEMS_SHOWN = 200


def picker(state: PageState, progress_slot: Any = None) -> tuple[Dataset, ImportedFile | None]:
    """Draw the data chooser (upload, bundled catalogue beside or not); return the dataset to show and the import.

    A file's load shows its progress in `progress_slot` (an st.empty on the page), else in the chooser.
    """
    path = loaders.data_argument()
    with st.expander("Data", expanded=False):
        upload = st.file_uploader(
            "Open a dataset: this tool's GeoJSON or CSV, ACLED, UCDP GED, CIR, GDELT, Bellingcat or TimeMap "
            "exports, or any CSV or JSON list (map its columns after)",
            type=["geojson", "json", "csv", "tsv", "txt"], key=session.UPLOAD,
        )
        include = st.toggle("Also show the bundled catalogue", value=False, key=session.INCLUDE_BUNDLED,
                            help="Draw the five articles' incidents beside the imported ones.")
    state.saw_upload(getattr(upload, "file_id", None))
    file = None
    if upload is not None:
        digest = loaders.upload_digest(upload, state.upload_digests)
        file = ImportedFile(f"upload:{digest}", upload.name, upload.getvalue, ("upload", digest, upload.name),
                            geo.ImportOptions(), geo.ImportOptions())
        load = partial(loaders.dataset_from_upload, upload.name, digest, upload.getvalue)
    elif path is not None and path.exists():
        try:
            given = loaders.data_options()
        except ValueError as exc:
            st.error(f"--data: {escape_markdown(exc)}. Showing the bundled catalogue.", icon="🚫")
        else:
            stat = path.stat()
            file = ImportedFile(f"path:{path}", path.name, lambda: path, ("path", str(path), stat.st_size,
                                stat.st_mtime_ns), given, given)
            load = partial(loaders.dataset_from_path, path)
    elif path is not None:
        st.error(f"--data / {loaders.DATA_ENV}: no such file: {escape_markdown(path.name)}. "
                 "Showing the bundled catalogue.", icon="🚫")
    if file is not None:
        file.options = state.reading_options(file.id, file.given)
        file.dataset, file.error = loaders.load_with_progress(lambda progress: load(progress, file.options), file.name,
                                                              progress_slot)
        if file.error:  # the whole message is in the mapping step, with the way to fix it
            st.error(f"Could not load {escape_markdown(file.name)}: see how it is read, above the map. "
                     "Showing the bundled catalogue meanwhile.", icon="🚫")
    if file is None or file.dataset is None:
        data = loaders.bundled()
    elif include:
        data = loaders.combined(file.dataset)
    else:
        data = file.dataset
    st.caption(f"Showing **{escape_markdown(data.label)}**: {plural(len(data.frame), 'incident')}.")
    return data, file


def heading(data: Dataset) -> str:
    """Return the page's heading for a dataset (its name escaped: it comes from a file)."""
    return "Incidents reported in the articles" if data.label == BUNDLED else f"Incidents in {escape_markdown(data.label)}"


def filters(data: Dataset) -> None:
    """Draw the sidebar's filters (their values are the page state's)."""
    st.multiselect("Incident type", data.type_codes[1], key=session.FILTER_TYPES)
    st.radio("Corroboration", CORROBORATION_CHOICES, horizontal=True, key=session.FILTER_CORROBORATION,
             help="By distinct outlets (a web domain, a Telegram or X channel); placeholders such as HIDDEN or n/a "
                  "are no source.")
    if data.flagged:
        st.toggle(f"Only flagged incidents ({data.flagged:,})", key=session.FILTER_FLAGGED,
                  help="Rows that loaded with a plausibility warning: far from the rest, latitude and longitude that "
                       "look swapped, a date far from the others or in the future. Data checks says why.")
    counts = data.outlet_rows
    # Outlets, not links: thousands of URLs are a few hundred sites and channels, the most cited first (type to search).
    st.multiselect("Reported by", data.outlets, format_func=lambda o: outlet_label(o, len(counts[o]), data.source_titles),
                   key=session.FILTER_SOURCES, placeholder="Type to search the outlets")
    st.text_input("Search every field", key=session.FILTER_TEXT)
    if data.column_values:
        with st.expander(f"Filter by column ({len(data.column_values)})", expanded=len(data.column_values) <= 3):
            for name, (_, values) in data.column_values.items():
                # The column's name is the file's: escaped, since a widget's label is Markdown.
                st.multiselect(escape_markdown(name), values, key=session.column_filter_key(name))


def prepare_search(data: Dataset, state: PageState) -> None:
    """Read every incident's text for the first search, under a spinner, before the map filters by it."""
    if state.filters.text and not data.search_ready:
        with st.spinner(f"Reading the {len(data.frame):,} incidents' text for the search (once)…"):
            data.build_search()


def checks(data: Dataset) -> None:
    """Say how many rows loaded, were rejected (errors) and flagged (warnings), and list each with its line and id."""
    loaded, rejected, flagged = data.loaded, len(data.rejected), data.flagged
    problems = len(data.problems) + len(data.warnings)
    label = (f"Data checks: {loaded:,} of {plural(data.rows, 'row')} loaded, {rejected:,} rejected, {flagged:,} "
             f"flagged, {plural(problems, 'problem')}")
    with st.expander(label, expanded=bool(problems) and problems <= 20):
        merged = f" (exact repeats merged into the incident they repeat: {data.merged:,})" if data.merged else ""
        st.markdown(f"**{escape_markdown(data.label)}**: {loaded:,} loaded{merged} + {rejected:,} rejected = "
                    f"{plural(data.rows, 'row')} read; {plural(flagged, 'loaded incident')} flagged.")
        if not problems:
            st.write("No problems: every row is usable.")
        for title, items in ((f"Rejected rows (errors): {len(data.problems):,}", data.problems),
                             (f"Flagged rows and notices (warnings): {len(data.warnings):,}", data.warnings)):
            if not items:
                continue
            st.markdown(f"**{title}**")
            for problem in items[:PROBLEMS_SHOWN]:
                st.text(f"- {problem}")
            if len(items) > PROBLEMS_SHOWN:
                st.caption(f"… and {len(items) - PROBLEMS_SHOWN:,} more. "
                           "`python -m geo validate FILE` lists every one with its line.")
        st.caption("Kyiv district boundaries © OpenStreetMap contributors (ODbL). "
                   "Country outlines: Natural Earth (public domain). Cities: GeoNames (CC BY 4.0).")
