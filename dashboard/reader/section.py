"""The source reader beside the map: a source's metadata, its text with the cited passages marked, who cites it."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

import geo

from ..data import loaders
from ..markdown import escape_markdown
from ..session import PageState
from .document import reader_document

READER_HEIGHT_PX = 460  # the most the reader takes: a longer article scrolls inside it
_LINE_PX, _PADDING_PX, _CHARS_PER_LINE = 24, 40, 42  # 15 px Georgia, 1.6 line height, in the side column


def reader_height(text: str) -> int:
    """Return the reader frame's height: a short article's own, so no blank box sits under it; at most the cap."""
    lines = sum(max(1, -(-len(line) // _CHARS_PER_LINE)) for line in text.split("\n"))
    return min(READER_HEIGHT_PX, _PADDING_PX + _LINE_PX * lines)


@st.cache_data(show_spinner=False)
def spans(source_id: str) -> list[geo.Span]:
    """Return the quotes and place mentions of a bundled source (stored by geo: nothing is parsed here)."""
    return geo.source_spans(loaders.catalogue(), source_id, loaders.catalogue_dirs()[0])


@st.cache_data(show_spinner=False)
def mention_problems(source_id: str) -> list[str]:
    """Return what is wrong with the source's stored place mentions (those are left unmarked)."""
    found = geo.place_mentions(loaders.catalogue(), loaders.catalogue_dirs()[0])[1]
    return [str(p) for p in found if p.entry in (source_id, None)]


def forget() -> None:
    """Forget the marks read for every source (after a curator's edit changed what cites what)."""
    spans.clear()
    mention_problems.clear()


def source_reader(state: PageState, candidates: list[geo.Span] = (), selected: str | None = None) -> None:
    """Show the open source: metadata, its text with the cited passages marked, and the incidents citing it.

    `candidates` are passages waiting for a curator's decision (marked apart); `selected` is the one in focus.
    """
    catalogue = loaders.catalogue()
    source = catalogue.sources[state.source]
    st.markdown(f"### {source.title}")  # the bundled, curated sources only
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
    components.html(reader_document(source.text, [*spans(source.id), *candidates], selected or state.incident,
                                    title=f"Source text: {source.title}", language=source.language or "en"),
                    height=reader_height(source.text), scrolling=True)
    st.caption("Highlighted: passages cited as evidence (the selected incident's in orange). "
               + ("Blue, dashed: passages waiting for a curator's decision. " if candidates else "")
               + "Dotted underline: places the gazetteer recognised. Escape in the text goes back to the map.")
    for problem in mention_problems(source.id):
        st.warning(f"Place mentions not shown: {escape_markdown(problem)}", icon="⚠️")
    citing = [i for i in catalogue.incidents if source.id in i.sources]
    st.markdown(f"**Incidents citing this source ({len(citing)})**")
    for incident in citing:
        st.button(f"{incident.date.label()} — {incident.title}", key=f"cited_{source.id}_{incident.id}",
                  width="stretch", on_click=state.select_in_reader, args=(incident.id,))
    st.button("Close reader", key="close_reader", on_click=state.close_source)
