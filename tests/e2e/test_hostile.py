"""Hostile input in a real browser: payloads in every field of an imported dataset and of an article.

Every payload, if it ever ran, would set a flag on `window` or open a dialog. The test opens every
marker's popup and tooltip, clicks one with the mouse, opens incidents beside the map, the table and
the legend, and reads an article full of payloads in the source reader; nothing may run, in the page
or in the map's frame, and only http(s) sources become links.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pandas as pd
import pytest

from dashboard.reader.document import reader_document
from geo.annotate import Span
from geo.synthetic import synthetic_incidents
from tests.e2e.browser import INCIDENT_TABLE, TIMEOUT_S, app_on_frame
from tests.e2e.test_browser import MAP_FRAME, _map_frame, _poll

pytestmark = pytest.mark.browser

FLAG = "window.__pwned"
PAYLOADS = [
    "<script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<svg onload=window.__pwned=1>",
    '"><img src=x onerror=window.__pwned=1>',
    "'><svg/onload=window.__pwned=1>",
    "javascript:window.__pwned=1;alert(1)",
    "data:text/html,<script>window.__pwned=1</script>",
    '<iframe srcdoc="<script>parent.__pwned=1;parent.alert(1)</script>"></iframe>',
    "${window.__pwned=1}",
    "`;window.__pwned=1;`",
    "\\x3cimg src=x onerror=window.__pwned=1\\x3e",
    "\\`;window.__pwned=1;//",
    "</script><script>window.__pwned=1</script>",
    "<a href=javascript:window.__pwned=1>click</a>",
    "{{constructor.constructor('window.__pwned=1')()}}",
    "\u2028window.__pwned=1\u2029",
]

JS_OPEN_EVERYTHING = """() => {
  const opened = [];
  window.map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.badges !== undefined && l.getPopup && l.getPopup()) {
      l.openPopup(); l.openTooltip && l.openTooltip();
      opened.push(p.id);
    }
  });
  return opened;
}"""
JS_LINKS = "() => Array.from(document.querySelectorAll('.sim-popup a')).map(a => a.getAttribute('href'))"


def hostile_frame() -> pd.DataFrame:
    """Incidents whose every text field carries a payload (one payload per incident, cycling)."""
    frame = synthetic_incidents(len(PAYLOADS), seed=3).reset_index(drop=True)
    for i, payload in enumerate(PAYLOADS):
        frame.loc[i, ["title", "type", "coding_note", "weapon", "time"]] = [
            f"T{i} {payload}", payload, payload, payload, payload]
        frame.at[i, "place_names"] = [payload, "Kyiv"]
        frame.at[i, "casualties"] = [payload]
        frame.at[i, "sources"] = [
            {"source": payload, "quote": payload},
            {"source": "https://example.org/report?x=" + quote(payload), "quote": ""},
        ]
        frame.at[i, "conflicts"] = [{"field": payload, "values": [{"value": payload, "source": payload}]}]
        # Side by side in Kyiv, so the first view shows them all as markers.
        frame.loc[i, "geometry"] = frame.geometry.iloc[0].__class__(30.40 + 0.012 * (i % 8), 50.42 + 0.012 * (i // 8))
    frame["notes"] = PAYLOADS  # a free column: shown in popups and beside the map
    frame["corroboration"] = 2
    return frame


@pytest.fixture(scope="module")
def hostile() -> pd.DataFrame:
    return hostile_frame()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, hostile: pd.DataFrame) -> Iterator[str]:
    with app_on_frame(tmp_path_factory.mktemp("hostile"), hostile, "hostile.geojson") as base:
        yield base


def _watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _nothing_ran(page, dialogs: list[str]) -> None:
    assert dialogs == []
    for frame in page.frames:
        try:
            flag = frame.evaluate(f"() => {FLAG} || (window.parent && window.parent.__pwned) || null")
        except Exception:  # a frame detached meanwhile
            continue
        assert flag is None, f"a payload ran in {frame.url}"


def test_popups_tooltips_table_and_legend_run_nothing(server, new_page, hostile: pd.DataFrame) -> None:
    page = new_page()
    dialogs = _watch(page)
    page.goto(server + "/")
    frame = _map_frame(page)
    view = _poll(lambda: frame.evaluate("() => window.simView || null"), lambda v: v is not None and v["points"] > 0)
    assert view["points"] == len(PAYLOADS), view
    # One real click, then every popup and tooltip opened in turn.
    point = frame.evaluate("""() => { let f = null; window.map.eachLayer(l => {
        if (!f && l.feature && l.feature.properties.badges !== undefined) f = l; });
        const p = window.map.latLngToContainerPoint(f.getLatLng()); return [p.x, p.y]; }""")
    box = page.locator(MAP_FRAME).bounding_box()

    def click_opens_a_popup() -> bool:
        # Right after the first draw the map reports its real size and may redraw once, closing a popup.
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.wait_for_timeout(700)
        return frame.locator(".sim-popup").count() > 0

    assert _poll(click_opens_a_popup, bool, timeout=TIMEOUT_S, every=0.5)
    opened = frame.evaluate(JS_OPEN_EVERYTHING)
    assert sorted(opened) == sorted(hostile["id"])
    page.wait_for_timeout(500)
    _nothing_ran(page, dialogs)
    # The payloads are there, as text.
    frame.evaluate("(id) => { window.map.eachLayer(l => { if (l.feature && l.feature.properties.id === id) l.openPopup(); }); }",
                   hostile["id"].iloc[1])
    popup = frame.locator(f'.sim-popup[data-incident="{hostile["id"].iloc[1]}"]')
    assert PAYLOADS[1] in popup.inner_text()
    # Only http(s) sources are links; "javascript:" and "data:" ones are plain text.
    for frame_links in (frame.evaluate(JS_LINKS),):
        for href in frame_links:
            assert href.startswith("https://example.org/"), href
    # The page around the map: the table (drawn once the map is) and the legend hold the payloads as text.
    page.locator(INCIDENT_TABLE).wait_for(timeout=TIMEOUT_S * 1000)
    assert page.locator(INCIDENT_TABLE).count() == 1
    assert page.get_by_text(PAYLOADS[2], exact=False).count() >= 1  # in the legend, as text
    _nothing_ran(page, dialogs)


@pytest.mark.parametrize("index", [0, 1, 7, 13])
def test_an_incident_beside_the_map_runs_nothing(server, new_page, hostile: pd.DataFrame, index: int) -> None:
    page = new_page()
    dialogs = _watch(page)
    page.goto(server + f"/?incident={hostile['id'].iloc[index]}")
    page.get_by_role("button", name="Close").first.wait_for(timeout=TIMEOUT_S * 1000)
    _map_frame(page)
    page.wait_for_timeout(500)
    _nothing_ran(page, dialogs)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert PAYLOADS[index].strip() in body or PAYLOADS[index].replace("\\", "") in body.replace("\\", "")


def test_an_article_full_of_payloads_in_the_reader_runs_nothing(new_page) -> None:
    text = "Before. " + " ".join(f"[{p}]" for p in PAYLOADS) + " After Kyiv."
    spans = []
    for i, payload in enumerate(PAYLOADS):
        start = text.index(f"[{payload}]") + 1
        evil_id = f"evil-{i}\"><script>window.__pwned=1</script>"
        spans.append(Span(start, start + len(payload), "quote", evil_id, evil_id))
    kyiv = text.rindex("Kyiv")
    spans.append(Span(kyiv, kyiv + 4, "place", "<svg onload=window.__pwned=1>", "<img src=x onerror=window.__pwned=1>"))
    page = new_page()
    dialogs = _watch(page)
    page.set_content(reader_document(text, sorted(spans, key=lambda s: s.start), spans[3].ref))
    page.wait_for_timeout(500)
    _nothing_ran(page, dialogs)
    marks = page.locator("mark")
    assert marks.count() >= len(PAYLOADS)
    assert page.locator("body").inner_text().count("__pwned") >= len(PAYLOADS)  # every payload shown as text
