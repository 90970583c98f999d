"""The data on the page: which dataset (upload, --data, the bundled catalogue), the filters, and the checks."""

from __future__ import annotations

import streamlit as st

from .. import session
from ..markdown import escape_markdown
from ..record import source_label
from ..session import PageState
from . import loaders
from .dataset import BUNDLED, Dataset
from .filters import CORROBORATION_CHOICES

PROBLEMS_SHOWN = 200


def picker(state: PageState) -> Dataset:
    """Draw the data chooser (upload, bundled catalogue beside or not) and return the dataset to show."""
    path = loaders.data_argument()
    with st.expander("Data", expanded=False):
        upload = st.file_uploader(
            "Open a dataset: GeoJSON (this tool's export), ACLED CSV, or CSV with latitude, longitude, date",
            type=["geojson", "json", "csv"], key=session.UPLOAD,
        )
        include = st.toggle("Also show the bundled catalogue", value=False, key=session.INCLUDE_BUNDLED,
                            help="Draw the five articles' incidents beside the imported ones.")
    imported = None
    state.saw_upload(getattr(upload, "file_id", None))
    if upload is not None:
        digest = loaders.upload_digest(upload, state.upload_digests)
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


def heading(data: Dataset) -> str:
    """Return the page's heading for a dataset (its name escaped: it comes from a file)."""
    return "Incidents reported in the articles" if data.label == BUNDLED else f"Incidents in {escape_markdown(data.label)}"


def filters(data: Dataset) -> None:
    """Draw the sidebar's filters (their values are the page state's)."""
    st.multiselect("Incident type", data.type_codes[1], key=session.FILTER_TYPES)
    st.radio("Corroboration", CORROBORATION_CHOICES, horizontal=True, key=session.FILTER_CORROBORATION)
    st.multiselect("Reported by", data.sources, format_func=lambda s: source_label(s, data.source_titles),
                   key=session.FILTER_SOURCES)
    st.text_input("Search titles, places and quotes", key=session.FILTER_TEXT)


def checks(data: Dataset) -> None:
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
