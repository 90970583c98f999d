"""The mapping step: how an imported file is read (which column holds which field, the date order, duplicates).

A file from another tool rarely names its columns as the incident schema does, and a column of dates such
as 03/04/2022 cannot say by itself which part is the month. The step shows what the importer made of the
file (its format, the mapping it used or guessed, its first rows) and lets the analyst change it; the file
is then read again with those choices, and the choices can be saved beside the data as NAME.mapping.yaml,
which the command line (`python -m geo validate`) and `-- --data` read too.

It is open when the file could not be read, so that the way out is in front of the analyst.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

import geo

from ..markdown import escape_markdown
from ..record import plural
from ..session import NO_COLUMN, PageState, reading_key
from . import loaders
from .dataset import Dataset

# The date orders offered; any other strptime format can be typed.
DATE_ORDERS = {
    "": "read the order from the column (refused if every date fits both)",
    "%d/%m/%Y": "day first: 31/12/2024",
    "%m/%d/%Y": "month first: 12/31/2024",
    "%d.%m.%Y": "day first with dots: 31.12.2024",
    "%Y-%m-%d": "ISO: 2024-12-31",
    "excel": "Excel serial days: 45657",
}
DUPLICATE_CHOICES = {"suffix": "keep as ID-2, with a warning", "reject": "reject the row"}
PREVIEW_ROWS = 5


@dataclass
class ImportedFile:
    """A file the page was asked to show (an upload or `--data`), how it was read, and what came of it."""

    id: str  # "upload:<sha-256>" or "path:<path>": whose mapping-step choices these are
    name: str  # the file's name (never the server's path)
    source: Callable[[], bytes | Path]  # its bytes, or its path (a TimeMap folder is a path)
    key: tuple  # the preview's cache key: changes when the file does
    given: geo.ImportOptions  # how the command line says to read it (nothing, for an upload)
    options: geo.ImportOptions  # how it was read this time
    dataset: Dataset | None = None  # what came of it (None: it could not be read)
    error: str | None = None  # why it could not be read

    @property
    def stem(self) -> str:
        """Return the file's name without its extension (its mapping file is STEM.mapping.yaml)."""
        return Path(self.name).stem


def _label(file: ImportedFile, found: dict) -> str:
    kind = file.dataset.format if file.dataset else found.get("format", "")
    what = geo.LABELS.get(kind, "an unreadable file")
    if file.dataset is None:
        return f"How {file.name} is read: {what}, not loaded. Choose its columns and date order here"
    if _as_export(file, found):
        return f"How {file.name} is read: {what} in this tool's export schema, every column a field by its name"
    return f"How {file.name} is read: {what}, {plural(len(file.dataset.mapping), 'field')} from its columns"


def _as_export(file: ImportedFile, found: dict) -> bool:
    """Return True for a file read back as this tool's own export (its columns are the schema's: no mapping)."""
    return (file.dataset is not None and not file.dataset.mapping and file.dataset.format in geo.MAPPED_FORMATS
            and "date_start" in found.get("columns", ()))


def step(file: ImportedFile | None, state: PageState) -> None:
    """Draw the mapping step of an imported file (nothing for the bundled catalogue)."""
    if file is None:
        return
    # A loaded file's import kept what the step shows; only a file that could not be loaded is read again for it.
    found = (file.dataset.preview if file.dataset is not None and file.dataset.preview
             else loaders.file_preview(file.key, file.name, file.source, PREVIEW_ROWS))
    with st.expander(escape_markdown(_label(file, found)), expanded=file.dataset is None):
        if file.dataset is not None and not state.map_drawn:
            # Collapsed: its pickers and first rows wait for the map. Their browser scripts (the table's is over
            # a megabyte) held the map's first drawing back by about half a second.
            st.caption("The mapping step follows as soon as the map is drawn.")
            return
        if file.error:
            st.error(f"Not loaded: {escape_markdown(file.error)}.", icon="🚫")
        if "error" in found:
            st.info("Its columns cannot be read either, so there is nothing to map: the message above says where the "
                    "file breaks.")
            return
        kind, columns = found["format"], found["columns"]
        mapped = kind in geo.MAPPED_FORMATS
        current = file.dataset.mapping if file.dataset else {**found["guessed"], **_chosen(file.options.mapping)}
        with st.form(key=reading_key(file.id, "form"), border=False):
            if mapped and _as_export(file, found):
                st.markdown("**Read as this tool's own export:** every column is the field of its name. Choose "
                            "columns below only to read it another way.")
                _field_pickers(file, columns, current)
            elif mapped:
                st.markdown("**Which column holds which field.** Unmapped columns stay fields of their own, "
                            "shown in the side panel and searchable.")
                _field_pickers(file, columns, current)
            else:
                st.markdown(f"**{escape_markdown(geo.LABELS[kind])}** is read by its own schema: "
                            + escape_markdown(", ".join(f"{f} ← {c}" for f, c in current.items()) or "no field mapped")
                            + ". To map its columns yourself, convert it with `python -m geo convert` after "
                              "`--input-format csv`.")
            left, right = st.columns(2)
            with left:
                _date_pickers(file)
            with right:
                st.radio("An id used again with other content", list(DUPLICATE_CHOICES),
                         format_func=DUPLICATE_CHOICES.get, key=reading_key(file.id, "duplicates"),
                         index=list(DUPLICATE_CHOICES).index(file.options.duplicates))
            st.form_submit_button("Read the file again with these choices", type="primary", on_click=state.apply_reading,
                                  args=(file.id, tuple(geo.FIELDS) if mapped else (), tuple(current)))
        st.markdown(f"**Its first {plural(min(PREVIEW_ROWS, len(found['rows'])), 'row')}, as written** (a mapped column's "
                    "heading names its field):")
        st.dataframe(preview_frame(found["rows"], columns, current), hide_index=True, width="stretch")
        saved, reset = st.columns(2)
        saved.download_button(f"Save these choices as {file.stem}.mapping.yaml", mapping_file_text(file, mapped),
                              file_name=f"{file.stem}.mapping.yaml", mime="application/yaml",
                              help="Put it beside the data file: `python -m geo validate` and `-- --data` read it too.")
        if file.id in state.reading:
            reset.button("Back to the guesses and the command line", on_click=state.reset_reading, args=(file.id,))


def _chosen(mapping: dict[str, str]) -> dict[str, str]:
    return {name: column for name, column in mapping.items() if column}


def _field_pickers(file: ImportedFile, columns: list[str], current: dict[str, str]) -> None:
    """One choice of column per field, three to a row, starting at the mapping the file was read with."""
    choices = [NO_COLUMN, *columns]
    fields = list(geo.FIELDS.items())
    for i, (name, meaning) in enumerate(fields):
        if i % 3 == 0:  # a row of three at a time: on a phone they stack in the fields' own order
            row = iter(st.columns(3))
        column = current.get(name)
        with next(row):
            st.selectbox(name + (" (required)" if name in ("lat", "lon", "date") else ""), choices,
                         index=choices.index(column) if column in choices else 0,
                         key=reading_key(file.id, f"field:{name}"), help=meaning)


def _date_pickers(file: ImportedFile) -> None:
    """The date order: read from the column, a common order, or any strptime format."""
    given = file.options.date_format or ""
    orders = list(DATE_ORDERS)
    st.selectbox("Date order", orders, format_func=DATE_ORDERS.get, key=reading_key(file.id, "date_order"),
                 index=orders.index(given) if given in orders else 0,
                 help="03/04/2022 is 3 April or 4 March: one date whose first part is over 12 settles it; a column "
                      "where every date fits both is refused until you say which.")
    st.text_input("…or a format of your own (strptime)", value="" if given in orders else given,
                  key=reading_key(file.id, "date_custom"), placeholder="%d %b %Y")


def preview_frame(rows: list[dict], columns: list[str], mapping: dict[str, str]) -> pd.DataFrame:
    """Return the first rows as written, the mapped columns first, each headed "field ← column"."""
    field_of = {column: name for name, column in mapping.items() if column}
    order = [c for c in (mapping[name] for name in geo.FIELDS if mapping.get(name)) if c in columns]
    order += [c for c in columns if c not in order]
    frame = pd.DataFrame(rows, columns=columns)[order].astype(object)
    frame.columns = [f"{field_of[c]} ← {c}" if c in field_of else c for c in order]
    return frame.map(lambda v: "" if v is None else str(v))


def mapping_file_text(file: ImportedFile, mapped: bool) -> str:
    """Return how the file was read as a mapping file: the columns it was read with (a file read by its own
    schema has none to give), the date format if one was chosen (an order read from the column needs none)."""
    mapping = (file.dataset.mapping if file.dataset else _chosen(file.options.mapping)) if mapped else {}
    taken_back = {name: "" for name, column in file.options.mapping.items() if not column} if mapped else {}
    return geo.mapping_text(geo.ImportOptions({**taken_back, **mapping}, file.options.date_format,
                                              file.options.duplicates))
