"""The source reader: an article's text as HTML, quotes in <mark>, place mentions underlined.

Every character of the article is escaped; the only markup is ours.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from geo import Span

READER_CSS = """
<style>
body { margin: 0; }
.sim-reader { font: 15px/1.6 Georgia, 'Times New Roman', serif; white-space: pre-wrap; color: #1b2631;
  padding: 12px 16px; border: 1px solid #d5d8dc; border-radius: 6px; background: #fffdf8; }
.sim-reader mark { background: #fde68a; padding: 1px 0; }
.sim-reader mark.sim-selected { background: #f59e0b; color: #111; outline: 2px solid #b45309; }
.sim-reader .sim-place { border-bottom: 2px dotted #2471a3; }
.sim-reader mark.sim-candidate { background: #dbeafe; outline: 1px dashed #1d4ed8; }
.sim-reader mark.sim-candidate.sim-selected { background: #93c5fd; outline: 2px solid #1d4ed8; }
.sim-reader mark:focus { outline: 3px solid #111318; outline-offset: 2px; }
.sim-visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
</style>
"""


def _opening(span: Span, selected: str | None) -> str:
    if span.kind == "candidate":  # a passage a curator has still to decide on
        classes = "sim-candidate sim-selected" if span.ref == selected else "sim-candidate"
        return (f'<mark class="{classes}" data-candidate="{html.escape(span.ref, quote=True)}" '
                f'title="{html.escape(span.label, quote=True)}" aria-description="{html.escape(span.label, quote=True)}">')
    if span.kind == "quote":
        classes = "sim-quote sim-selected" if span.ref == selected else "sim-quote"
        cited = html.escape("Cited for: " + span.label, quote=True)  # a title for the mouse, a description for
        return (f'<mark class="{classes}" data-incident="{html.escape(span.ref, quote=True)}" '  # screen readers
                f'title="{cited}" aria-description="{cited}">')
    return (f'<span class="sim-place" data-place="{html.escape(span.ref, quote=True)}" '
            f'title="{html.escape(span.label, quote=True)}">')


def _crosses(place: Span, quote: Span) -> bool:
    """Return whether a place overlaps a quote without nesting cleanly inside it or strictly around it."""
    if place.end <= quote.start or quote.end <= place.start:
        return False
    inside = quote.start <= place.start and place.end <= quote.end
    around = place.start < quote.start and quote.end < place.end
    return not (inside or around)


def render_source(text: str, spans: Iterable[Span], selected_incident: str | None = None) -> str:
    """Return the text as escaped HTML with quotes marked; places inside quotes are kept, overlaps skipped."""
    events: list[tuple[int, int, str]] = []  # (offset, order, markup): closings sort before openings
    open_until = {"quote": -1, "place": -1}  # a candidate is a kind of quote: marks never nest
    # At one offset: quotes before places, and the selected incident's quote before other quotes
    # of the same passage, so that it is the one kept when two incidents cite the same words.
    def group(span: Span) -> str:
        return "place" if span.kind == "place" else "quote"

    ordered = sorted(spans, key=lambda s: (s.start, group(s) != "quote", s.ref != selected_incident))
    # Quotes are chosen first, so that a place can be checked against every quote, also later ones.
    kept: list[Span] = []
    for kind in ("quote", "place"):
        for span in (s for s in ordered if group(s) == kind):
            # A place may sit inside a quote; two quotes or two places never overlap in the output.
            if span.start < open_until[kind]:
                continue
            if kind == "place" and any(_crosses(span, q) for q in kept if group(q) == "quote"):
                continue  # a place straddling a quote's start or end would break the nesting
            open_until[kind] = span.end
            kept.append(span)
    for span in kept:
        marked = group(span) == "quote"
        events.append((span.start, 2 if marked else 3, _opening(span, selected_incident)))
        events.append((span.end, 1 if marked else 0, "</mark>" if marked else "</span>"))
    events.sort(key=lambda e: (e[0], e[1]))
    out, cursor = [], 0
    for offset, _, markup in events:
        out.append(html.escape(text[cursor:offset]))
        out.append(markup)
        cursor = offset
    out.append(html.escape(text[cursor:]))
    return f'<div class="sim-reader" id="sim-reader">{"".join(out)}</div>'


SCROLL_TO_SELECTED = """
<script>
  // Bring the cited passage into view inside the reader frame.
  const cited = document.querySelector("mark.sim-selected") || document.querySelector("mark");
  if (cited) cited.scrollIntoView({block: "center"});
  // Opened from a map popup's link (sim-map.js leaves a note): the focus goes to the cited passage, and Escape
  // takes it back to the map, at the incident.
  try {
    const store = window.parent.sessionStorage;
    if (cited && store.getItem("sim-focus-reader")) {
      store.removeItem("sim-focus-reader");
      cited.tabIndex = -1;
      cited.focus({preventScroll: true});
    }
  } catch (e) { /* a frame of another origin, or storage turned off */ }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    try {
      const map = window.parent.document.querySelector('iframe[title="streamlit_folium.st_folium"]');
      if (map && map.contentWindow.SIM) map.contentWindow.SIM.focusMap();
    } catch (e) { /* no map on the page */ }
  });
</script>
"""


def reader_document(text: str, spans: Iterable[Span], selected_incident: str | None = None, *,
                    title: str = "Source", language: str = "en") -> str:
    """Return a standalone HTML document of the reader, which scrolls to the selected incident's quote.

    It names itself and its language: a screen reader announces the frame by its title and reads the
    article in the article's language.
    """
    # One main landmark holding the text, and a heading (read, not drawn: the page shows the title above).
    return (f'<!DOCTYPE html><html lang="{html.escape(language, quote=True)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>{READER_CSS}</head><body><main>"
            f'<h1 class="sim-visually-hidden">{html.escape(title)}</h1>'
            + render_source(text, spans, selected_incident) + "</main>" + SCROLL_TO_SELECTED + "</body></html>")
