"""Curating on the page: add an article, then accept, merge or reject each candidate it gave, beside its text.

Drawn only when the server was started with ``-- --curate`` (:mod:`dashboard.curate.actions` refuses every
write otherwise). Nothing here reads an article or decides what a passage claims: geo does, through
:mod:`.actions`; this module draws the form, the queue and the buttons.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import streamlit as st

import geo

from ..markdown import escape_markdown
from ..record import plural
from ..session import PageState, Rerun, curate_key, rerun
from . import actions

PASTED_NAME = "pasted.txt"
QUOTE_PREVIEW_CHARS = 240


def enabled() -> bool:
    """Return whether this server curates (the panel and the reader's buttons are drawn only then)."""
    return actions.curating()


def panel(state: PageState) -> None:
    """Draw the sidebar's "Add an article" form and the review queue's pending articles."""
    if not enabled():
        return
    if not state.source:  # with an article open, what a decision did is said beside its candidates
        _say(state)
    with st.expander("Add an article", expanded=False):
        with st.form(curate_key("add"), clear_on_submit=True, border=False):
            pasted = st.text_area("Paste the article's text", height=140)
            upload = st.file_uploader("…or upload it", type=["txt", "html", "htm"],
                                      help="A .txt in UTF-8, or a saved web page: its main text is read.")
            published = st.date_input("Published on", value=None, format="YYYY-MM-DD",
                                      help="'On Thursday', 'overnight', 'in July' are read against this day.")
            url = st.text_input("Address (URL)")
            title = st.text_input("Title", help="Empty: the article's first line.")
            outlet = st.text_input("Outlet")
            sent = st.form_submit_button("Find candidates", type="primary")
        if sent:
            _add(state, pasted, upload, geo.ArticleInfo(published, url.strip() or None, title.strip() or None,
                                                         outlet.strip() or None))
    pending = Counter(e["source"] for e in actions.queue() if e["status"] == "pending")
    st.caption(f"Review queue: {plural(sum(pending.values()), 'candidate')} pending")
    for source, count in sorted(pending.items()):
        st.button(f"Review {source} ({count})", key=curate_key(f"open:{source}"), width="stretch",
                  on_click=state.focus_candidate, args=(source, None))


def _add(state: PageState, pasted: str, upload, info: geo.ArticleInfo) -> None:
    """File the article given in the form and open it in the reader; say what went wrong otherwise."""
    if pasted.strip() and upload is not None:
        st.error("Paste the text or upload a file, not both.")
        return
    if not pasted.strip() and upload is None:
        st.error("Paste the article's text or upload it.")
        return
    raw, name = (upload.getvalue(), upload.name) if upload is not None else (pasted.encode("utf-8"), PASTED_NAME)
    try:
        with st.spinner("Reading the article…"):
            source, queued = actions.submit(raw, name, info)
    except (ValueError, actions.NotCurating) as exc:
        st.error(escape_markdown(exc))
        return
    state.focus_candidate(source, None)
    state.curated("success", f"{Path(name).name} filed as {source}: {plural(queued, 'candidate')} to review.")
    rerun(Rerun.CURATED)


def candidate_spans(source: str) -> list[geo.Span]:
    """Return the source's pending candidates as marks for the reader (none unless curating)."""
    if not enabled():
        return []
    return [geo.Span(e["candidate"]["start"], e["candidate"]["end"], "candidate",
                     f"Candidate {e['id']} ({e['candidate'].get('type')}): waiting for review", e["id"])
            for e in actions.queue() if e["source"] == source and e["status"] == "pending"]


def review(state: PageState) -> None:
    """Draw, under the reader, the open source's candidates with accept, merge and reject controls."""
    if not enabled() or not state.source:
        return
    catalogue = actions.catalogue()
    entries = [e for e in actions.queue() if e["source"] == state.source]
    if not entries:
        return
    pending = [e for e in entries if e["status"] == "pending"]
    st.markdown(f"**Candidates from this article ({len(pending)} of {len(entries)} waiting)**")
    _say(state)
    st.caption("Blue dashed in the text: passages waiting for a decision. Accepting adds the passage and its "
               "claims to an incident's evidence; rejecting keeps the reason, and the passage is not proposed again.")
    titles = {i.id: f"{i.date.label()} — {i.title}" for i in catalogue.incidents}
    for entry in pending:
        _candidate(state, entry, titles)
    decided = [e for e in entries if e["status"] != "pending"]
    if decided:
        with st.expander(f"Decided ({len(decided)})"):
            for entry in decided:
                decision = entry.get("decision") or {}
                what = f"into `{decision.get('into')}`" if entry["status"] == "accepted" else \
                    f"why: {escape_markdown(decision.get('why', ''))}"
                st.markdown(f"- `{entry['id']}` {entry['status']} on {decision.get('decided_on')}, {what}")


def _candidate(state: PageState, entry: dict, titles: dict[str, str]) -> None:
    """Draw one pending candidate: what it says, where it matches, and the three decisions."""
    ident, c = entry["id"], entry["candidate"]
    with st.container(border=True, key=curate_key(f"card:{ident}")):
        when = c.get("date_start") if c.get("date_start") == c.get("date_end") else \
            f"{c.get('date_start')} – {c.get('date_end')}"
        where = ", ".join(c.get("place_names") or ()) or "no place"
        flags = " · ".join(f"⚠ {escape_markdown(f)}" for f in (*c.get("hedges", ()), *c.get("negations", ())))
        st.markdown(f"**{escape_markdown(c.get('type') or 'event')}** · {escape_markdown(when or 'no date')} · "
                    f"{escape_markdown(where)} · confidence {c.get('confidence', 0):.2f}"
                    + (f" · {flags}" if flags else ""))
        quote = c.get("quote", "")
        st.markdown(f"> {escape_markdown(quote[:QUOTE_PREVIEW_CHARS])}{'…' if len(quote) > QUOTE_PREVIEW_CHARS else ''}")
        claims = c.get("claims") or {}
        if claims:
            st.caption("Claims: " + "; ".join(f"{k}: {escape_markdown(v)}" for k, v in claims.items()))
        if c.get("reason"):
            st.caption(f"Missing: {escape_markdown(c['reason'])}")
        for conflict in c.get("conflicts") or ():
            sides = " vs ".join(f"{escape_markdown(v['value'])} ({escape_markdown(v['source'])})"
                                for v in conflict["values"])
            st.caption(f"Conflicts on {escape_markdown(conflict['field'])}: {sides}")
        matched = c.get("matches")
        st.button("Show in the text", key=curate_key(f"show:{ident}"), on_click=state.focus_candidate,
                  args=(entry["source"], ident))
        if matched:
            st.markdown(f"Corroborates **{escape_markdown(titles.get(matched, matched))}**")
            if st.button("Accept into it", key=curate_key(f"accept:{ident}"), type="primary"):
                _decide(state, lambda: f"{ident} added to {actions.accept(ident)}.")
        possible = [i for i in c.get("possible_matches") or () if i in titles]
        if possible and not matched:
            st.markdown("Its dates fit several incidents here; it may corroborate one of:\n"
                        + "\n".join(f"- {escape_markdown(titles[i])}" for i in possible))
        # The incidents it may corroborate come first among the ones to merge into.
        into = st.selectbox("Merge into", [*possible, *(i for i in titles if i not in possible)], index=None,
                            format_func=lambda i: titles[i],
                            key=curate_key(f"into:{ident}"), placeholder="an incident of the catalogue")
        left, right = st.columns(2)
        if left.button("Merge", key=curate_key(f"merge:{ident}"), disabled=into is None):
            _decide(state, lambda: f"{ident} added to {actions.accept(ident, into=into)}.")
        if right.button("Accept as new", key=curate_key(f"new:{ident}")):
            _decide(state, lambda: f"{ident} is the new incident {actions.accept(ident, as_new=True)}.")
        why = st.text_input("Reason to reject", key=curate_key(f"why:{ident}"),
                            placeholder="e.g. commentary, no event")
        if st.button("Reject", key=curate_key(f"reject:{ident}"), disabled=not why.strip()):
            _decide(state, lambda: actions.reject(ident, why) or f"{ident} rejected.")


def _say(state: PageState) -> None:
    """Show what the last curator's action did (once)."""
    notice = state.take_curation_notice()
    if notice is not None:
        (st.success if notice[0] == "success" else st.error)(escape_markdown(notice[1]))


def _decide(state: PageState, step) -> None:
    """Run one decision; say what it did or why it was refused, after the rerun that redraws the map."""
    try:
        state.curated("success", step())
    except (geo.ReviewError, actions.NotCurating) as exc:
        state.curated("error", str(exc))
    rerun(Rerun.CURATED)
