"""End-to-end tests: the Streamlit app in headless Chromium (system `chromium`, driven by Playwright).

One app server and one browser are shared by the whole module; every test gets a
fresh browser context, hence a fresh Streamlit session. Nothing leaves 127.0.0.1.

Screenshots: `UPDATE_SCREENSHOTS=1 python -m pytest tests/test_e2e_browser.py -k screenshots`
rewrites dashboard/static/screenshots/{desktop,phone}.png (the README shows desktop.png).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geo  # noqa: E402
from dashboard.map.assets import map_bundle  # noqa: E402
from tests.e2e import a11y  # noqa: E402
from tests.e2e.browser import DESKTOP, INCIDENT_TABLE, TIMEOUT_S, app_server  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = ROOT / "dashboard" / "static" / "screenshots"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
READER_FRAME = 'iframe[srcdoc*="sim-reader"]'
PHONE = {"width": 390, "height": 844}
KHARKIV = "kharkiv-consulate-2022-03"
DEEP_LINK = "?from=2025-08&to=2025-11&incident=embassy-kyiv-iskander-2025-11-14&source=003_553f20544c4195fd"

# Inside the map frame: the ids of the incident markers on the map. Incident markers are the
# CircleMarkers whose feature carries the popup fields; uncertainty circles (L.Circle, only
# id/type/radius_m), district highlights and context places are left out.
JS_INCIDENT_IDS = """() => {
  if (!window.L) return null;
  let m = window.map instanceof L.Map ? window.map : null;
  if (!m) for (const k of Object.keys(window)) { try { if (window[k] instanceof L.Map) { m = window[k]; break; } } catch (e) {} }
  if (!m) return null;
  const ids = [];
  m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.badges !== undefined && l instanceof L.CircleMarker && !(l instanceof L.Circle)
        && l._path && l._path.isConnected) ids.push(p.id);
  });
  return ids;
}"""

# Inside the map frame: the container pixel of an incident's marker, after bringing it into view.
# The body of a function of an incident id that finds its marker (`found`, on map `m`), or returns null.
_JS_FIND_MARKER = """
  const m = window.map;
  let found = null;
  m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.id === id && p.badges !== undefined && !(l instanceof L.Circle)) found = l;
  });
  if (!found) return null;"""
JS_MARKER_POINT = "(id) => {" + _JS_FIND_MARKER + """
  if (!m.getBounds().pad(-0.1).contains(found.getLatLng())) m.setView(found.getLatLng(), m.getZoom(), {animate: false});
  const pt = m.latLngToContainerPoint(found.getLatLng());
  return [pt.x, pt.y];
}"""


# ---- helpers ---------------------------------------------------------------------------------


def _poll(probe: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = TIMEOUT_S, every: float = 0.2) -> Any:
    """Call probe until ok(result) or the timeout; return the last result (exceptions count as None)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except Exception:  # a frame detached during a rerun, a page still navigating…
            value = None
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(every)


def _map_frame(page):
    """Return the map iframe's Frame (waiting for Leaflet and its map object).

    Polled, not waited on once: after a rerun that swaps the dataset (a mapping step's submit, an upload) the
    iframe found first can be the old one, detached a moment later, whose frame is gone.
    """
    def ready():
        handle = page.query_selector(MAP_FRAME)
        frame = handle.content_frame() if handle is not None else None
        if frame is not None and frame.evaluate("() => !!(window.L && window.map instanceof L.Map)"):
            return frame
        return None

    page.wait_for_selector(MAP_FRAME, timeout=TIMEOUT_S * 1000)
    frame = _poll(ready, lambda f: f is not None)
    assert frame is not None, "the map's frame never came up with Leaflet and its map"
    return frame


def _marker_ids(page) -> list[str] | None:
    return page.wait_for_selector(MAP_FRAME, timeout=2000).content_frame().evaluate(JS_INCIDENT_IDS)


def _wait_for_markers(page, expected: set[str]) -> list[str]:
    """Wait until exactly the expected incidents are drawn; return what is drawn (fails if they never are)."""
    wanted = sorted(expected)
    drawn = _poll(lambda: _marker_ids(page), lambda ids: ids is not None and sorted(ids) == wanted)
    assert drawn is not None and sorted(drawn) == wanted, (sorted(drawn or []), wanted)
    return drawn


def _query(page) -> dict[str, str]:
    """Return the query of the address bar, as the page's own location has it.

    Not Playwright's `page.url`: with a request listener on the context it missed Streamlit's history.replaceState
    (still without the clicked incident 30 s after the click, while the page's location had it within 1 s).
    """
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.evaluate("() => location.href")).query).items()}


def _shared_query(page) -> dict[str, str]:
    """Return the query of the 'Link to this view' the sidebar shows."""
    link = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]').first.inner_text()
    return {k: v[-1] for k, v in parse_qs(urlsplit(link.replace("\n", "").strip()).query).items()}


def _sliders(page):
    """Return the start and end thumbs of the time-window slider (react-aria range inputs)."""
    thumbs = page.locator('[data-testid="stSlider"] input[type="range"]')
    thumbs.first.wait_for(state="attached", timeout=TIMEOUT_S * 1000)
    assert thumbs.count() == 2, "the time window should be a range slider with two thumbs"
    return thumbs.nth(0), thumbs.nth(1)


def _label(month: pd.Period) -> str:
    return month.strftime("%b %Y")


def _move_thumb(page, thumb, months: list[pd.Period], target: pd.Period) -> None:
    """Move a slider thumb with the keyboard to the target month.

    Each key press reruns the app; a press that lands while the slider re-renders can be lost on a
    busy machine, so the thumb is moved from wherever it is until it shows the target.
    """
    deadline = time.monotonic() + TIMEOUT_S
    shown = thumb.get_attribute("aria-valuetext")
    while shown != _label(target) and time.monotonic() < deadline:
        delta = months.index(target) - int(thumb.get_attribute("value"))
        thumb.focus()
        for _ in range(abs(delta)):
            page.keyboard.press("ArrowRight" if delta > 0 else "ArrowLeft")
        shown = _poll(lambda: thumb.get_attribute("aria-valuetext"), lambda v: v == _label(target), timeout=5)
    assert shown == _label(target)


def _expected_ids(incidents: pd.DataFrame, first: pd.Period, last: pd.Period) -> set[str]:
    """Incidents whose date interval shares a day with [first day of `first`, last day of `last`]."""
    start, end = first.start_time.date(), last.end_time.date()
    return {
        row.id for row in incidents.itertuples()
        if date.fromisoformat(row.date_start) <= end and date.fromisoformat(row.date_end) >= start
    }


def _idle(page, quiet_s: float = 0.6) -> None:
    """Wait until the app's script has run to its end and stayed so for `quiet_s` (a rerun can follow a rerun)."""
    app = page.locator('[data-testid="stApp"]')
    still_since = None
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if app.get_attribute("data-test-script-state") == "notRunning":
            still_since = still_since or time.monotonic()
            if time.monotonic() - still_since >= quiet_s:
                return
        else:
            still_since = None
        time.sleep(0.1)
    raise AssertionError(f"the app was still running after {TIMEOUT_S} s")


def _open_popup(page, incident_id: str):
    """Click an incident's marker; return the map's frame and the popup, open, once the click's rerun has ended.

    A click reruns the page (the incident is shown beside the map). In a few clean-clone runs (stops 24-27; never
    reproduced here, even under load) the map's frame was made anew by that rerun, and the popup opened in the old
    frame was gone before the test used it. The marker is then clicked once more, as a person would, and a
    warning says so in the run's summary, so that each time it happens is counted, not hidden.
    """
    _click_marker(page, incident_id)
    for attempt in (1, 2):
        _poll(lambda: _shared_query(page), lambda q: q.get("incident") == incident_id)
        _idle(page)
        frame = _map_frame(page)
        popup = frame.locator(f'.sim-popup[data-incident="{incident_id}"]')
        if attempt == 2 or popup.is_visible():
            break
        warnings.warn(f"the popup of {incident_id} was gone after its click's rerun "
                      f"(the map's frame made anew: {frame.evaluate('() => !window.__simClicked')}); clicked again",
                      stacklevel=2)
        _click_marker(page, incident_id)
    popup.wait_for(state="visible")
    return frame, popup


def _close_popup(frame) -> None:
    """Close the map's popup and wait until it is gone (Leaflet fades it out, and meanwhile it takes clicks)."""
    frame.evaluate("() => { window.map.closePopup(); }")
    _poll(lambda: frame.evaluate("() => document.querySelectorAll('.leaflet-popup').length"), lambda n: n == 0)


def _open(page, server: str, query: str = "") -> None:
    """Open the page and wait until it is whole: the map drawn, then the table that follows it."""
    page.goto(server + "/" + query)
    _sliders(page)
    _map_frame(page)
    page.locator(INCIDENT_TABLE).wait_for(timeout=TIMEOUT_S * 1000)


def _click_marker(page, incident_id: str) -> None:
    """Click an incident's marker with the mouse, at the pixel Leaflet puts it.

    The map is first brought wholly into view, as a person would see it: a map partly scrolled off the
    page is scrolled into view by the browser when the mouse press focuses its frame, and the release
    then lands beside the marker.
    """
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    frame = _map_frame(page)
    point = _poll(lambda: frame.evaluate(JS_MARKER_POINT, incident_id), lambda p: p is not None)
    assert point is not None, f"no marker for {incident_id}"
    box = page.locator(MAP_FRAME).bounding_box()
    frame.evaluate("() => { window.__simClicked = true; }")  # a frame made anew after the click has no such mark
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return pd.DataFrame(geo.load_incidents().drop(columns="geometry"))


@pytest.fixture(scope="module")
def months(incidents: pd.DataFrame) -> list[pd.Period]:
    """The slider's months: the catalogue's first month to its last."""
    return list(pd.period_range(incidents["date_start"].min(), incidents["date_end"].max(), freq="M"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the dashboard on the bundled catalogue on a free local port; yield its base URL."""
    with app_server(tmp_path_factory.mktemp("streamlit")) as base:
        yield base


# ---- tests -----------------------------------------------------------------------------------


def test_every_incident_has_a_marker_in_the_default_window(server, new_page, incidents, months):
    page = new_page()
    _open(page, server)
    start, end = _sliders(page)
    assert (start.get_attribute("aria-valuetext"), end.get_attribute("aria-valuetext")) == (
        _label(months[0]), _label(months[-1]))
    ids = _wait_for_markers(page, set(incidents["id"]))
    assert ids is not None, "no Leaflet map in the map frame"
    assert len(ids) == len(incidents)
    assert sorted(ids) == sorted(incidents["id"])


def test_scrubbing_the_window_redraws_exactly_the_overlapping_incidents(server, new_page, incidents, months):
    page = new_page()
    _open(page, server)
    start, end = _sliders(page)
    _wait_for_markers(page, set(incidents["id"]))
    august_2022 = incidents[incidents["id"] == "embassy-kyiv-2022-08"].iloc[0]
    assert (august_2022["date_start"], august_2022["date_end"]) == ("2022-08-01", "2022-08-31")  # month precision
    july_2025 = incidents[incidents["id"] == "embassy-kyiv-2025-07"].iloc[0]
    assert (july_2025["date_start"], july_2025["date_end"]) == ("2025-07-01", "2025-07-31")

    steps = [  # (thumb, month), each checked against the overlap rule
        (end, pd.Period("2022-08", "M")),    # the August 2022 month-precision incident sits at the right edge: in
        (end, pd.Period("2022-07", "M")),    # one month earlier: out
        (end, months[-1]),
        (start, pd.Period("2025-08", "M")),  # July 2025 (month precision) ends the day before the window: out
    ]
    for thumb, month in steps:
        _move_thumb(page, thumb, months, month)
        first = pd.Period(start.get_attribute("aria-valuetext"), "M")
        last = pd.Period(end.get_attribute("aria-valuetext"), "M")
        expected = _expected_ids(incidents, first, last)
        drawn = _wait_for_markers(page, expected)
        wanted = (str(first), str(last))
        # The link to this view, as the page shows it (sidebar). The address bar holds the same link but
        # Streamlit 1.67 can leave it one rerun behind when reruns come fast (streamlit/streamlit#7961).
        query = _poll(lambda: _shared_query(page), lambda q, wanted=wanted: (q.get("from"), q.get("to")) == wanted)
        assert (query.get("from"), query.get("to")) == (str(first), str(last)), (page.url, query)
        assert drawn is not None and sorted(drawn) == sorted(expected), (
            f"window {first}–{last}: drew {sorted(drawn or [])}, expected {sorted(expected)}")
        verb = "overlaps" if len(expected) == 1 else "overlap"  # "1 of 10 incidents overlaps"
        summary = f"{len(expected)} of {len(incidents)} incidents {verb} {_label(first)} – {_label(last)}"
        caption = _poll(lambda: page.get_by_text("incidents overlap").inner_text(),
                        lambda t, summary=summary: t and t.startswith(summary))
        assert caption and caption.startswith(summary), caption
        if last == pd.Period("2022-08", "M"):
            assert "embassy-kyiv-2022-08" in drawn
        if last == pd.Period("2022-07", "M"):
            assert "embassy-kyiv-2022-08" not in drawn
        if first == pd.Period("2025-08", "M"):
            assert "embassy-kyiv-2025-07" not in drawn and "socar-depot-odesa-2025-08-08" in drawn


def test_marker_popup_opens_the_source_reader_at_the_quote(server, new_page, incidents):
    page = new_page()
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    row = incidents[incidents["id"] == KHARKIV].iloc[0]
    _, popup = _open_popup(page, KHARKIV)
    assert popup.locator(".sim-title").inner_text() == row["title"]
    badge = popup.locator(".sim-corroborated" if row["corroboration"] > 1 else ".sim-single")
    assert badge.inner_text() == (f"{row['corroboration']} sources" if row["corroboration"] > 1 else "single source")
    links = popup.locator("a.sim-open[data-source]")
    assert links.count() == len(row["sources"])

    source = links.first.get_attribute("data-source")
    quotes = {item["source"]: item["quote"] for item in row["sources"]}
    assert source in quotes
    assert links.first.get_attribute("target") == "_top"
    links.first.click()
    # The view's link as the sidebar shows it: Streamlit 1.67 can leave the address bar one rerun behind when
    # reruns come fast (streamlit/streamlit#7961), as a clean-clone run saw here once.
    query = _poll(lambda: _shared_query(page), lambda q: q.get("source") == source and q.get("incident") == KHARKIV)
    assert (query.get("source"), query.get("incident")) == (source, KHARKIV), (page.url, query)

    mark = page.frame_locator(READER_FRAME).locator("mark.sim-selected")
    mark.first.wait_for(state="attached")
    assert mark.count() == 1
    assert mark.first.get_attribute("data-incident") == KHARKIV
    assert mark.first.text_content() == quotes[source]
    assert page.get_by_text(source, exact=True).first.is_visible()


def test_deep_link_restores_window_incident_and_reader(server, new_page, incidents):
    page = new_page()
    _open(page, server, DEEP_LINK)
    start, end = _sliders(page)
    assert (start.get_attribute("aria-valuetext"), end.get_attribute("aria-valuetext")) == ("Aug 2025", "Nov 2025")
    expected = _expected_ids(incidents, pd.Period("2025-08", "M"), pd.Period("2025-11", "M"))
    assert "embassy-kyiv-2025-07" not in expected and "embassy-kyiv-iskander-2025-11-14" in expected
    # The link's incident is in Kyiv: the map opens on it, so it draws the window's Kyiv incidents
    # (the view), not the Odesa depot ones far outside it.
    in_view = {i for i in expected if i.startswith("embassy-kyiv")}
    drawn = _wait_for_markers(page, in_view)
    assert drawn is not None and sorted(drawn) == sorted(in_view)
    view = _map_frame(page).evaluate("() => window.simView")
    assert view["shown"] == len(expected) and view["points"] == len(in_view)

    incident = "embassy-kyiv-iskander-2025-11-14"
    source = "003_553f20544c4195fd"
    # This incident cites several passages of source 003: each is marked as the focus, and nothing else.
    quotes = [s["quote"] for s in incidents[incidents["id"] == incident].iloc[0]["sources"] if s["source"] == source]
    mark = page.frame_locator(READER_FRAME).locator("mark.sim-selected")
    mark.first.wait_for(state="attached")
    assert [m.get_attribute("data-incident") for m in mark.all()] == [incident] * mark.count()
    assert sorted(mark.all_text_contents()) == sorted(quotes)
    assert page.get_by_text(source, exact=True).first.is_visible()
    query = _query(page)
    assert {k: query.get(k) for k in ("from", "to", "incident", "source")} == {
        "from": "2025-08", "to": "2025-11", "incident": incident, "source": source}


def test_no_request_leaves_localhost(server, new_page, incidents):
    page = new_page()
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    _click_marker(page, KHARKIV)
    _map_frame(page).locator(f'.sim-popup[data-incident="{KHARKIV}"]').wait_for(state="visible")
    query = _poll(lambda: _query(page), lambda q: q.get("incident") == KHARKIV)  # the rerun the click causes
    assert query.get("incident") == KHARKIV, query
    page.wait_for_load_state("networkidle")

    local = (f"{server}/", f"ws://127.0.0.1:{server.rsplit(':', 1)[1]}/")
    outside = [u for u in requests if not u.startswith(local) and urlsplit(u).scheme not in ("data", "blob", "about")]
    assert requests, "no request was recorded"
    # Leaflet, its full-screen control and the map's script come from the app, as one file (map_bundle).
    assert any(u.endswith(f"/app/static/{map_bundle()}") for u in requests), "Leaflet should come from the app"
    frame = _map_frame(page)
    assert frame.evaluate("() => typeof L.Control.FullScreen === 'function' && typeof SIM.draw === 'function'")
    assert frame.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert outside == []


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots(server, new_page, incidents, tmp_path, name, viewport):
    page = new_page(viewport)
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    box = page.locator(MAP_FRAME).bounding_box()
    assert page.locator(MAP_FRAME).is_visible()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, "the map overflows the page width"

    # Streamlit scrolls inside <main>, so a "full page" screenshot needs a viewport as tall as the content.
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return Math.ceil(Math.max(m ? m.scrollHeight : 0, document.documentElement.scrollHeight)); }")
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]), 6000)})
    _wait_for_markers(page, set(incidents["id"]))
    page.wait_for_timeout(500)  # let Leaflet and Vega settle after the resize
    target = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    box = page.locator(MAP_FRAME).bounding_box()
    assert page.locator(MAP_FRAME).is_visible() and box["width"] > 0 and box["height"] > 0


def test_a_marker_inside_a_kyiv_district_takes_the_click(server, new_page, incidents):
    # Regression: the district outlines arrive after the markers; drawn above them, they took the clicks.
    page = new_page()
    _open(page, server, "?from=2025-08&to=2025-08")
    incident = "embassy-kyiv-2025-08-28"
    _wait_for_markers(page, _expected_ids(incidents, pd.Period("2025-08", "M"), pd.Period("2025-08", "M")))
    frame = _map_frame(page)
    frame.wait_for_function("() => window.map.getPane('simDistricts') !== undefined")
    _click_marker(page, incident)
    frame.locator(f'.sim-popup[data-incident="{incident}"]').wait_for(state="visible", timeout=TIMEOUT_S * 1000)


def test_incidents_at_the_same_spot_are_each_clickable(server, new_page, incidents):
    # Five incidents are coded at the embassy itself: drawn on one point, only the top one could be opened.
    page = new_page()
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    frame = _map_frame(page)
    same = incidents[incidents["place_names"].map(lambda names: names[:1] == ["Embassy of Azerbaijan in Kyiv"])]
    embassy = list(same["id"])
    assert len(embassy) >= 3
    frame.evaluate("() => { window.map.setView([50.4609, 30.4891], 16, {animate: false}); }")
    # Zoomed in, the map draws what is near the embassy (the layer for the new view replaces the old one).
    _poll(lambda: frame.evaluate("() => window.simView.shown > window.simView.points && window.simView.points"),
          lambda n: bool(n))
    points = frame.evaluate("""(ids) => { const out = {}; window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && ids.includes(p.id) && p.badges !== undefined) {
          const c = window.map.latLngToContainerPoint(l.getLatLng()); out[p.id] = [c.x, c.y]; } });
        return out; }""", embassy)
    assert sorted(points) == sorted(embassy)
    coords = list(points.values())
    for i, a in enumerate(coords):
        for b in coords[i + 1:]:
            assert ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 >= 10, points
    titles = dict(zip(same["id"], same["title"], strict=True))
    for incident in embassy:
        # Once in a full run the map's frame was made anew after a click (at the dataset's view: the zoom lost;
        # once more, in stop 24, at zoom 16 away from the embassy; neither reproduced alone, see the closing
        # notes): the map is found again and brought back to the embassy.
        frame = _map_frame(page)
        if frame.evaluate("() => window.map.getZoom() !== 16 || !window.map.getBounds().contains([50.4609, 30.4891])"):
            frame.evaluate("() => { window.map.setView([50.4609, 30.4891], 16, {animate: false}); }")
            _poll(lambda frame=frame: frame.evaluate("() => window.simView.points"), lambda n: bool(n))
        _close_popup(frame)  # an open popup would cover its neighbours
        _click_marker(page, incident)
        frame.locator(f'.sim-popup[data-incident="{incident}"]').wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        # The page shows it beside the map too; the next click waits for that, as a reader would.
        page.get_by_role("heading", name=titles[incident]).wait_for(timeout=TIMEOUT_S * 1000)


def test_a_marker_clicked_again_after_its_detail_was_closed_opens_it_again(server, new_page, incidents):
    # Regression: st_folium returns the last drawing clicked on every rerun, and the page took a second
    # click on the same marker for that stale value.
    page = new_page()
    _open(page, server, "?from=2022-03&to=2022-03")
    incident = "kharkiv-consulate-2022-03"
    _wait_for_markers(page, _expected_ids(incidents, pd.Period("2022-03", "M"), pd.Period("2022-03", "M")))
    close = page.get_by_role("button", name="Close", exact=True)
    stamps = []
    for _ in range(2):
        _click_marker(page, incident)
        # Each click leaves its own stamp on what st_folium reports: the page tells a new click by it, not by
        # st_folium's count, which starts again when the map's frame is made anew.
        stamps.append(_poll(lambda: _map_frame(page).evaluate(
            "() => ((window.__GLOBAL_DATA__.last_active_drawing || {}).properties || {}).click"), bool))
        close.wait_for(timeout=TIMEOUT_S * 1000)
        close.click()
        close.wait_for(state="detached", timeout=TIMEOUT_S * 1000)
        _close_popup(_map_frame(page))
    assert all(stamps) and stamps[0] != stamps[1], stamps


JS_MARKER_TO_TOP_RIGHT = "(id) => {" + _JS_FIND_MARKER + """
  // Pan so that the marker sits just under the layer control, in the map's top-right corner.
  const size = m.getSize();
  const want = L.point(size.x - 30, 75);
  const now = m.latLngToContainerPoint(found.getLatLng());
  m.panBy(now.subtract(want), {animate: false});
  const pt = m.latLngToContainerPoint(found.getLatLng());
  return [pt.x, pt.y];
}"""


# The focused element, through the frames it is in: "frame title > TAG class | accessible name".
JS_ACTIVE = """() => {
  let doc = document, node = doc.activeElement;
  const frames = [];
  while (node && node.tagName === "IFRAME") {
    frames.push(node.title);
    try { doc = node.contentDocument; node = doc.activeElement; } catch (e) { break; }
  }
  if (!node) return null;
  const cls = typeof node.className === "string" ? node.className : node.className.baseVal;
  const popup = node.querySelector && node.querySelector(".sim-popup");
  return {frames, tag: node.tagName, cls, name: node.getAttribute("aria-label") || "",
          incident: node.getAttribute("data-incident") || (popup && popup.getAttribute("data-incident")) || "",
          text: (node.textContent || "").slice(0, 80)};
}"""


def _focused(page) -> dict:
    return page.evaluate(JS_ACTIVE) or {}


def _on_incident(focus: dict) -> bool:
    return focus.get("frames") == ["streamlit_folium.st_folium"] and "sim-key" in focus.get("cls", "")


def test_the_keyboard_alone_reaches_an_incident_its_source_and_back(server, new_page, incidents):
    page = new_page()
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    for _ in range(60):  # Tab from the top of the page until the focus is on an incident of the map
        page.keyboard.press("Tab")
        if _on_incident(_focused(page)):
            break
    assert _on_incident(_focused(page)), _focused(page)

    # The arrow keys visit every incident on the map once, each a button named by its title, date and type.
    names = {(row.title, row.date_label, row.type) for row in incidents.itertuples()}
    visited = []
    for _ in range(len(incidents)):
        focus = _focused(page)
        assert _on_incident(focus), focus
        visited.append(focus["name"])
        page.keyboard.press("ArrowRight")
    assert len(set(visited)) == len(incidents), visited
    assert {next(n for n in names if name.startswith(", ".join(n))) for name in visited} == names
    assert _focused(page)["name"] == visited[0]  # and come round again

    kharkiv = incidents[incidents["id"] == KHARKIV].iloc[0]
    for _ in range(visited.index(next(v for v in visited if v.startswith(kharkiv["title"])))):
        page.keyboard.press("ArrowRight")
    marker = _focused(page)["name"]
    assert marker.startswith(kharkiv["title"])
    # Enter opens its popup, which takes the focus; Escape closes it and gives the focus back to the marker.
    page.keyboard.press("Enter")
    focus = _poll(lambda: _focused(page), lambda f: f and f.get("incident") == KHARKIV)
    assert focus.get("incident") == KHARKIV and "leaflet-popup-content" in focus["cls"], focus
    page.keyboard.press("Escape")
    focus = _poll(lambda: _focused(page), lambda f: f and f.get("name") == marker)
    assert focus.get("name") == marker and _on_incident(focus), focus
    frame = _map_frame(page)
    popups = _poll(lambda: frame.evaluate("() => document.querySelectorAll('.leaflet-popup').length"), lambda n: n == 0)
    assert popups == 0  # gone (Leaflet fades it out first)

    # Again, then Tab to the popup's first source and follow it: the reader takes the focus at the cited passage.
    page.keyboard.press("Enter")
    _poll(lambda: _focused(page), lambda f: f and f.get("incident") == KHARKIV)
    for _ in range(10):
        page.keyboard.press("Tab")
        if _focused(page).get("cls") == "sim-open":
            break
    focus = _focused(page)
    assert focus.get("cls") == "sim-open", focus
    page.keyboard.press("Enter")
    focus = _poll(lambda: _focused(page), lambda f: f and f.get("tag") == "MARK", timeout=TIMEOUT_S)
    assert focus.get("tag") == "MARK" and focus.get("incident") == KHARKIV, focus
    assert "sim-selected" in focus["cls"]
    # Escape in the reader: back on the map, at the incident, once the page (opened anew at the link, the map framing
    # the incident) has drawn it. Not every incident: waiting for all of them, unasserted, took 30 s whenever the
    # map had moved to the incident before the test looked.
    drawn = _poll(lambda: _marker_ids(page), lambda ids: ids is not None and KHARKIV in ids)
    assert drawn is not None and KHARKIV in drawn, drawn
    _idle(page)
    page.keyboard.press("Escape")
    focus = _poll(lambda: _focused(page), lambda f: f and _on_incident(f))
    assert _on_incident(focus) and focus["name"] == marker, focus


def test_a_table_row_opens_by_keyboard(server, new_page, incidents):
    page = new_page()
    _open(page, server)
    page.locator(INCIDENT_TABLE).scroll_into_view_if_needed()
    for _ in range(80):  # Tab on from the top of the page to the table
        page.keyboard.press("Tab")
        if _focused(page).get("tag") == "CANVAS":
            break
    assert _focused(page).get("tag") == "CANVAS", _focused(page)
    cell = {}
    for _ in range(3):  # the grid may take the first key press to put its focus on a cell
        page.keyboard.press("ArrowDown")
        cell = _poll(lambda: _focused(page), lambda f: f and f.get("tag") == "TD", timeout=3)
        if cell and cell.get("tag") == "TD":
            break
    assert cell.get("tag") == "TD", cell
    query = {}
    for _ in range(3):  # a key pressed while the grid redraws its focus can be lost on a busy machine: again
        page.wait_for_timeout(300)
        page.keyboard.press("Shift+Space")
        query = _poll(lambda: _query(page), lambda q: "incident" in q, timeout=5)
        if "incident" in query:
            break
    opened = incidents[incidents["id"] == query.get("incident")]
    assert len(opened) == 1 and opened.iloc[0]["date_label"] == cell["text"], (query, cell)


def test_a_popup_and_the_reader_fit_a_phone(server, new_page, incidents):
    page = new_page(PHONE)
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    frame, _ = _open_popup(page, KHARKIV)  # the popup has panned into view by the end of the click's rerun
    popup, map_box = frame.locator(".leaflet-popup").bounding_box(), page.locator(MAP_FRAME).bounding_box()
    # Inside the map, clear of the zoom buttons on the left (its width was 387 px in a 358-px map).
    assert map_box["x"] + 44 <= popup["x"] and popup["x"] + popup["width"] <= map_box["x"] + map_box["width"], \
        (popup, map_box)
    frame.locator("a.sim-open").first.click()
    reader = page.frame_locator(READER_FRAME)
    reader.locator("mark.sim-selected").first.wait_for(state="attached")
    width, room = reader.locator("body").evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert width <= room and page.locator(READER_FRAME).bounding_box()["width"] <= PHONE["width"]


def test_a_slider_step_is_announced(server, new_page, incidents, months):
    page = new_page()
    _open(page, server)
    status = page.locator('[role="status"].sim-live')
    assert status.inner_text() == f"{len(incidents)} incidents shown, March 2022 to November 2025"
    start, _ = _sliders(page)
    _move_thumb(page, start, months, pd.Period("2025-08", freq="M"))
    expected = _expected_ids(incidents, pd.Period("2025-08", freq="M"), months[-1])
    _poll(lambda: status.inner_text(), lambda text: text.startswith(f"{len(expected)} incidents"))
    assert status.inner_text() == f"{len(expected)} incidents shown, August 2025 to November 2025"
    assert status.get_attribute("aria-live") == "polite"


def test_a_popup_in_the_corner_clears_the_layer_control_and_hides_tooltips(server, new_page, incidents):
    page = new_page()
    page.goto(server)
    frame = _map_frame(page)
    incident = incidents["id"].iloc[0]
    point = _poll(lambda: frame.evaluate(JS_MARKER_TO_TOP_RIGHT, incident), lambda p: p is not None)
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    close = frame.locator(".leaflet-popup-close-button")
    close.wait_for(timeout=TIMEOUT_S * 1000)
    control = frame.locator(".leaflet-control-layers").bounding_box()

    def clear(button) -> bool:
        return (button["x"] + button["width"] <= control["x"] or button["y"] >= control["y"] + control["height"]
                or button["x"] >= control["x"] + control["width"] or button["y"] + button["height"] <= control["y"])

    assert _poll(lambda: clear(close.bounding_box()), bool), (close.bounding_box(), control)
    # Hovering the marker (or a neighbour) while the popup is open shows no tooltip over it.
    page.mouse.move(box["x"] + point[0] + 1, box["y"] + point[1] + 1)
    assert frame.locator(".leaflet-tooltip:visible").count() == 0


# Issue 16: at the region, a city and a building, the offline base map names places a person knows.
LABEL_VIEWS = [
    ("the continent", [50.0, 40.0], 3, {"UKRAINE", "KAZAKHSTAN"}),  # countries from zoom 2, before any city
    ("the region", [48.5, 33.0], 5, {"UKRAINE", "Kyiv", "Kharkiv", "Odesa"}),
    ("Kharkiv", [49.99, 36.23], 11, {"Kharkiv", "Saltivka"}),
    ("the embassy in Lukianivka", [50.4608, 30.4891], 15, {"Embassy of Azerbaijan in Kyiv", "Artem plant"}),
]
JS_LABELS = """() => Array.from(document.querySelectorAll('.sim-place')).map(e => {
  const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


def test_place_labels_name_the_view_offline_and_let_markers_take_clicks(server, new_page, incidents):
    page = new_page()
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    _open(page, server)
    _wait_for_markers(page, set(incidents["id"]))
    frame = _map_frame(page)
    for name, centre, zoom, expected in LABEL_VIEWS:
        # A block returning nothing: setView returns the map, which Playwright would serialise (7 s per call).
        frame.evaluate("([centre, zoom]) => { window.map.setView(centre, zoom, {animate: false}); }", [centre, zoom])
        shown = _poll(lambda: frame.evaluate(JS_LABELS),
                      lambda found, expected=expected: expected <= {f[0] for f in found or ()})
        assert expected <= {f[0] for f in shown}, (name, shown)
        for i, a in enumerate(shown):  # no label covers another
            for b in shown[i + 1:]:
                assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (name, a, b)
    # At the embassy, five incidents ring its point. A label moved over one of them does not take its click:
    # the labels' pane lets every click through to the marker under it.
    incident = "embassy-kyiv-2025-08-28"
    # First the server's layer for this view: until it comes, the ring drawn for an earlier, lower zoom is still
    # there, its markers degrees away from the embassy (JS_MARKER_POINT would move the map to one of them).
    in_view = "(id) => {" + _JS_FIND_MARKER + " return m.getBounds().pad(-0.1).contains(found.getLatLng()); }"
    assert _poll(lambda: frame.evaluate(in_view, incident), bool), "the embassy's ring was not drawn for its view"
    x, y = frame.evaluate(JS_MARKER_POINT, incident)
    frame.evaluate("""([x, y]) => { const label = document.querySelector('.sim-place');
        const r = label.getBoundingClientRect();
        label.style.transform += ` translate(${x - (r.left + r.right) / 2}px, ${y - (r.top + r.bottom) / 2}px)`; }""",
                   [x, y])
    assert frame.evaluate("([x, y]) => { const r = document.querySelector('.sim-place').getBoundingClientRect();"
                          " return r.left < x && x < r.right && r.top < y && y < r.bottom; }", [x, y])
    _click_marker(page, incident)
    frame.locator(f'.sim-popup[data-incident="{incident}"]').wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    labels = [u for u in requests if "/app/static/data/labels/" in u]
    assert any(u.endswith("/index.json") for u in labels) and any("/z11/" in u for u in labels)
    port = server.rsplit(":", 1)[1]
    assert [u for u in requests if not u.startswith((f"{server}/", f"ws://127.0.0.1:{port}/"))
            and urlsplit(u).scheme not in ("data", "blob", "about")] == []


# Issue 17: axe-core (tests/e2e/a11y.py) finds no serious or critical violation in the page or any of its
# frames: the map's, the reader's. Moderate ones (landmarks inside the map's frame…) are printed, not refused.
@pytest.mark.parametrize("name, viewport, query", [
    ("the main page", DESKTOP, ""),
    ("an open incident with its source", DESKTOP, DEEP_LINK),
    ("the phone width", PHONE, ""),
])
def test_axe_core_finds_no_violation(server, new_page, incidents, name, viewport, query):
    page = new_page(viewport)
    _open(page, server, query)
    if query:
        page.frame_locator("iframe[title='st.iframe']").last.locator("mark.sim-selected").first.wait_for()
    found = a11y.violations(page)
    print(f"axe-core on {name}:\n{a11y.report(found)}")
    assert any(frame != "page" for frame, _ in a11y.frames_of(page)), "the frames were not reached"
    # None of any impact: the serious and critical ones the issue asks for, and the moderate ones since
    # stop 25 (landmarks, headings and the viewport in the map's and the reader's frames).
    assert found == [], a11y.report(found)
