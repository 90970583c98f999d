"""The source reader: article text is escaped, quotes are marked at exactly the right place, tags nest."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import geo
from dashboard.reader.document import READER_CSS, SCROLL_TO_SELECTED, reader_document, render_source
from geo import Span, source_spans

ROOT = Path(__file__).resolve().parents[2]
TAG_RE = re.compile(r"<[^>]*>")


def plain(rendered: str) -> str:
    """Return the text a reader shows: tags stripped, entities decoded."""
    return html.unescape(TAG_RE.sub("", rendered))


class Tags(HTMLParser):
    """Record the elements of a fragment with their text, failing on bad nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict, list[str]]] = []
        self.closed: list[tuple[str, dict, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.stack.append((tag, dict(attrs), []))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        open_tag, attrs, text = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>: tags do not nest"
        self.closed.append((tag, attrs, "".join(text)))

    def handle_data(self, data: str) -> None:
        for _, _, text in self.stack:
            text.append(data)


def elements(rendered: str) -> list[tuple[str, dict, str]]:
    parser = Tags()
    parser.feed(rendered)
    parser.close()
    assert not parser.stack, "unclosed tags"
    return parser.closed


def marks(rendered: str) -> list[tuple[dict, str]]:
    return [(attrs, text) for tag, attrs, text in elements(rendered) if tag == "mark"]


def places(rendered: str) -> list[tuple[dict, str]]:
    return [(attrs, text) for tag, attrs, text in elements(rendered) if tag == "span"]


def quote(text: str, passage: str, incident: str, label: str = "An incident") -> Span:
    start = text.index(passage)
    return Span(start, start + len(passage), "quote", label, incident)


def place(text: str, name: str, place_id: str) -> Span:
    start = text.index(name)
    return Span(start, start + len(name), "place", name, place_id)


# ---- escaping -----------------------------------------------------------------------------------

HOSTILE_TEXT = (
    "Officials said <script>alert(1)</script> the embassy in Kyiv was hit. "
    'A caption read <img src=x onerror=alert(1)> and then "><svg onload=alert(1)> & more. '
    "Quotes 'single' and \"double\" & ampersands &amp; stay text."
)


def test_article_text_is_escaped_everywhere() -> None:
    spans = [
        quote(HOSTILE_TEXT, "<script>alert(1)</script> the embassy", "inc-1"),
        quote(HOSTILE_TEXT, '"><svg onload=alert(1)>', "inc-2"),
        place(HOSTILE_TEXT, "Kyiv", "kyiv"),
    ]
    for focus in (None, "inc-1", "inc-2"):
        rendered = render_source(HOSTILE_TEXT, spans, focus)
        for raw in ("<script", "<img", "<svg", '"><'):
            assert raw not in rendered
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
        assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
        assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in rendered
        assert plain(rendered) == HOSTILE_TEXT
        # Our markup only: the reader div, marks and place spans.
        assert {tag for tag, _, _ in elements(rendered)} == {"div", "mark", "span"}


def test_hostile_ids_and_labels_stay_inside_attributes() -> None:
    text = "A quiet sentence about Kyiv."
    spans = [
        Span(0, 7, "quote", '"><script>alert(1)</script>', '"><img src=x onerror=alert(1)>'),
        Span(23, 27, "place", "<svg onload=alert(1)>", "'><svg>"),
    ]
    rendered = render_source(text, spans, '"><img src=x onerror=alert(1)>')
    for raw in ("<script", "<img", "<svg"):
        assert raw not in rendered
    (attrs, marked), = marks(rendered)
    assert attrs["data-incident"] == '"><img src=x onerror=alert(1)>'
    assert attrs["title"] == 'Cited for: "><script>alert(1)</script>'
    assert "sim-selected" in attrs["class"]
    assert marked == "A quiet"
    (place_attrs, named), = places(rendered)
    assert place_attrs["data-place"] == "'><svg>" and named == "Kyiv"
    assert plain(rendered) == text


def test_no_spans_is_just_the_escaped_text() -> None:
    assert render_source("a < b & c", []) == '<div class="sim-reader" id="sim-reader">a &lt; b &amp; c</div>'


# ---- quotes and places ---------------------------------------------------------------------------

ARTICLE = (
    "KYIV — Overnight, a missile exploded near the embassy in Kyiv, shattering windows. "
    "Officials in Odesa region said a drone hit a depot. Later, a missile exploded near the embassy again."
)


def test_quotes_are_marked_at_exactly_their_text() -> None:
    first = quote(ARTICLE, "a missile exploded near the embassy in Kyiv", "strike")
    second = quote(ARTICLE, "a drone hit a depot", "drone")
    rendered = render_source(ARTICLE, [second, first])
    assert [text for _, text in marks(rendered)] == [ARTICLE[first.start:first.end], ARTICLE[second.start:second.end]]
    assert [a["data-incident"] for a, _ in marks(rendered)] == ["strike", "drone"]
    assert plain(rendered) == ARTICLE
    # Without a focus, no quote is the focused one.
    assert "sim-selected" not in rendered


def test_focus_quote_has_the_focus_class_only() -> None:
    spans = [quote(ARTICLE, "shattering windows", "strike"), quote(ARTICLE, "a drone hit a depot", "drone")]
    rendered = render_source(ARTICLE, spans, selected_incident="drone")
    classes = {a["data-incident"]: a["class"].split() for a, _ in marks(rendered)}
    assert classes == {"strike": ["sim-quote"], "drone": ["sim-quote", "sim-selected"]}
    assert rendered.count("sim-selected") == 1


def test_places_inside_quotes_nest() -> None:
    spans = [
        quote(ARTICLE, "Officials in Odesa region said", "drone"),
        place(ARTICLE, "Odesa region", "odesa-oblast"),
        place(ARTICLE, "Kyiv,", "kyiv"),
        place(ARTICLE, "KYIV", "kyiv"),
    ]
    rendered = render_source(ARTICLE, spans, "drone")
    assert '<mark class="sim-quote sim-selected" data-incident="drone" title="Cited for: An incident" ' \
           'aria-description="Cited for: An incident">Officials in ' \
           '<span class="sim-place" data-place="odesa-oblast" title="Odesa region">Odesa region</span> said</mark>' in rendered
    assert [text for _, text in places(rendered)] == ["KYIV", "Kyiv,", "Odesa region"]
    assert plain(rendered) == ARTICLE


def test_places_at_a_quotes_edges_nest() -> None:
    text = "Kyiv was hit in Kyiv"
    spans = [Span(0, 12, "quote", "x", "q"), Span(0, 4, "place", "Kyiv", "kyiv"), Span(16, 20, "place", "Kyiv", "kyiv")]
    rendered = render_source(text, spans)
    assert rendered.startswith('<div class="sim-reader" id="sim-reader"><mark ')
    assert '<span class="sim-place" data-place="kyiv" title="Kyiv">Kyiv</span> was hit</mark> in <span' in rendered
    spans = [Span(5, 20, "quote", "x", "q"), Span(16, 20, "place", "Kyiv", "kyiv")]
    assert render_source(text, spans).endswith('title="Kyiv">Kyiv</span></mark></div>')


@pytest.mark.parametrize(
    ("place_span", "quote_span"),
    [
        ((4, 15), (9, 23)),  # the place straddles the quote's start
        ((4, 15), (9, 15)),  # the quote ends where the place ends, but starts inside it
        ((4, 15), (4, 9)),  # the place straddles the quote's end (same start)
        ((9, 23), (4, 15)),  # the place straddles the quote's end
    ],
)
def test_a_place_straddling_a_quote_is_dropped_not_misnested(place_span: tuple, quote_span: tuple) -> None:
    # Regression: a place that began before a quote and ended inside it produced <span><mark></span></mark>.
    text = "The Kyiv region was hit hard"
    spans = [Span(*place_span, "place", "Kyiv region", "kyiv-oblast"), Span(*quote_span, "quote", "x", "inc")]
    rendered = render_source(text, spans, "inc")
    assert marks(rendered) == [(marks(rendered)[0][0], text[quote_span[0]:quote_span[1]])]
    assert places(rendered) == []
    assert plain(rendered) == text


def test_a_place_around_a_quote_nests() -> None:
    text = "The Kyiv Oblast Administration said"
    rendered = render_source(text, [Span(4, 30, "place", "KOA", "koa"), Span(9, 15, "quote", "x", "inc")])
    assert [text for _, text in places(rendered)] == ["Kyiv Oblast Administration"]
    assert [text for _, text in marks(rendered)] == ["Oblast"]


def test_identical_quotes_keep_the_focused_incidents_mark() -> None:
    passage = "a missile exploded near the embassy"
    start = ARTICLE.index(passage)
    spans = [Span(start, start + len(passage), "quote", f"Incident {ref}", ref) for ref in ("a", "b", "c")]
    for focus in ("a", "b", "c"):
        found = marks(render_source(ARTICLE, spans, focus))
        assert len(found) == 1
        attrs, text = found[0]
        assert attrs["data-incident"] == focus
        assert "sim-selected" in attrs["class"]
        assert text == passage
    # With no focus one mark is kept, not three.
    assert len(marks(render_source(ARTICLE, spans))) == 1


def test_overlapping_quotes_never_nest() -> None:
    a = Span(10, 40, "quote", "A", "a")
    b = Span(30, 60, "quote", "B", "b")
    rendered = render_source(ARTICLE, [a, b])
    assert [x["data-incident"] for x, _ in marks(rendered)] == ["a"]
    assert plain(rendered) == ARTICLE


# ---- property: any spans give well-nested markup over the unchanged text -----------------------


@st.composite
def annotated(draw: st.DrawFn) -> tuple[str, list[Span], str | None]:
    text = draw(st.text(st.sampled_from("ab <>&\"'\n—é"), min_size=1, max_size=60))
    n = len(text)
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        kind = draw(st.sampled_from(["quote", "place"]))
        ref = draw(st.sampled_from(["i1", "i2", "i3"] if kind == "quote" else ["p1", "p2"]))
        spans.append(Span(start, end, kind, f"label {ref}", ref))
    focus = draw(st.none() | st.sampled_from(["i1", "i2", "i3"]))
    return text, spans, focus


@given(annotated())
def test_any_annotation_nests_and_keeps_the_text(case: tuple[str, list[Span], str | None]) -> None:
    text, spans, focus = case
    rendered = render_source(text, spans, focus)
    assert plain(rendered) == text
    found = elements(rendered)  # raises on bad nesting
    quote_texts = {text[s.start:s.end] for s in spans if s.kind == "quote"}
    place_texts = {text[s.start:s.end] for s in spans if s.kind == "place"}
    for tag, _attrs, inner in found:
        if tag == "mark":
            assert inner in quote_texts
        elif tag == "span":
            assert inner in place_texts
    # Every mark of the focused incident, and only those, carries the focus class.
    for attrs, _ in marks(rendered):
        assert ("sim-selected" in attrs["class"].split()) == (attrs["data-incident"] == focus)
    if focus and any(s.kind == "quote" and s.ref == focus for s in spans):
        # A focused quote is dropped only when it overlaps an earlier quote.
        focused = [s for s in spans if s.kind == "quote" and s.ref == focus]
        earliest = min(s.start for s in spans if s.kind == "quote")
        if min(s.start for s in focused) == earliest:
            assert "sim-selected" in rendered


# ---- on the bundled sources --------------------------------------------------------------------


def test_every_bundled_source_renders_its_quotes(catalogue: geo.Catalogue, gazetteer: geo.Gazetteer) -> None:
    for source_id, source in catalogue.sources.items():
        spans = source_spans(catalogue, source_id)
        citing = [i for i in catalogue.incidents if source_id in i.sources]
        for incident in citing:
            rendered = render_source(source.text, spans, incident.id)
            assert plain(rendered) == source.text
            found = marks(rendered)
            focus = [(a, t) for a, t in found if "sim-selected" in a["class"]]
            assert focus, f"{incident.id} has no focused quote in {source_id}"
            quoted = {e.quote for e in incident.evidence if e.source == source_id}
            for attrs, marked in focus:
                assert attrs["data-incident"] == incident.id
                assert marked in quoted
            for _attrs, marked in found:
                assert marked in source.text


def test_the_reader_names_itself_and_its_language_for_screen_readers() -> None:
    document = reader_document(ARTICLE, [], None, title='Source text: "A" & <B>', language="uk")
    assert document.startswith('<!DOCTYPE html><html lang="uk"><head>')
    assert "<title>Source text: &quot;A&quot; &amp; &lt;B&gt;</title>" in document


def test_reader_document_has_css_and_the_scroll_script() -> None:
    spans = [quote(ARTICLE, "shattering windows", "strike")]
    document = reader_document(ARTICLE, spans, "strike")
    assert READER_CSS in document.split("</head>")[0]
    assert document.endswith(SCROLL_TO_SELECTED + "</body></html>")
    assert render_source(ARTICLE, spans, "strike") in document
    assert "scrollIntoView" in document and 'querySelector("mark.sim-selected")' in document
    # The only script is ours.
    assert document.count("<script") == 1


def test_a_short_article_gets_a_short_reader_and_a_long_one_the_cap() -> None:
    from dashboard.reader.section import READER_HEIGHT_PX, reader_height

    short = reader_height("Headline\nOne short line.")
    assert short < 150
    assert reader_height("Headline\n" + "word " * 40) > short  # a wrapped line counts as the lines it takes
    long = "\n".join(["A paragraph of a real article, long enough to wrap twice in the side column."] * 40)
    assert reader_height(long) == READER_HEIGHT_PX
    for seed in (ROOT / "seeds").glob("*.txt"):  # every bundled article is long: it scrolls, as before
        assert reader_height(seed.read_text(encoding="utf-8")) == READER_HEIGHT_PX
