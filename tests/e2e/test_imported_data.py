"""An analyst's own CSV in a real browser: popups with real links only, graphic content behind a click (in the
popup and the side panel), the flagged filter, a column filter, the data checks, the legend's sourcing outlines,
and an incident of unknown radius focused close up.

The file is tests/fixtures/monitor_plain.csv (23 incidents; PL004 is graphic, PL-FAR is coded in Buenos Aires).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import geo
from tests.e2e.browser import INCIDENT_TABLE, TIMEOUT_S, app_server
from tests.e2e.test_browser import _map_frame, _open_popup, _poll

pytestmark = pytest.mark.browser

MONITOR = Path(__file__).resolve().parents[1] / "fixtures" / "monitor_plain.csv"
POPUP = ".leaflet-popup-content"


@pytest.fixture(scope="module", params=["parsed", "restarted"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the file: parsed by the server, or (restarted) loaded from the import cache as JSON text."""
    folder = tmp_path_factory.mktemp("imported")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIM_CACHE_DIR", str(folder / "cache"))
        if request.param == "restarted":  # what a server that read the file before kept: read here the same way
            geo.read_incidents(MONITOR, MONITOR.name, limits=geo.Limits.from_env(), options=geo.ImportOptions(),
                               cache=folder / "cache")
        with app_server(folder, "--data", str(MONITOR)) as base:
            yield base


def test_a_restarted_server_reads_the_file_it_kept(new_page, server: str) -> None:
    """The restarted server's page comes from the cache: the kept copy is read, not written again."""
    kept = sorted(Path(os.environ["SIM_CACHE_DIR"]).glob("*.parquet"))
    written = [p.stat().st_mtime_ns for p in kept]
    page = new_page()
    _open(page, server, "?from=2023-04&to=2023-04")
    _popup_of(page, "PL004")
    time.sleep(1)  # a server that parsed the file keeps it a moment after its first map
    now = sorted(Path(os.environ["SIM_CACHE_DIR"]).glob("*.parquet"))
    if written:  # restarted: the same copy, untouched
        assert now == kept and [p.stat().st_mtime_ns for p in now] == written
    else:  # parsed: it is kept for the next start
        assert _poll(lambda: len(list(Path(os.environ["SIM_CACHE_DIR"]).glob("*.parquet"))), lambda n: n == 1) == 1


def _open(page, server: str, query: str = "") -> None:
    page.goto(f"{server}/{query}")
    _map_frame(page)
    page.locator(INCIDENT_TABLE).wait_for(timeout=TIMEOUT_S * 1000)


def _popup_of(page, incident: str):
    """Click an incident's marker and return its popup's content (inside the map's frame)."""
    frame, _ = _open_popup(page, incident)
    return frame, frame.locator(POPUP)


def test_a_popup_links_only_to_http_addresses(new_page, server: str, tmp_path: Path) -> None:
    page = new_page()
    _open(page, server, "?incident=PL003&from=2023-03&to=2023-03")
    frame = _map_frame(page)
    # An unknown radius (a plain CSV has none) is a point: the map comes close, it does not zoom out.
    zoom = _poll(lambda: frame.evaluate("() => window.map.getZoom()"), lambda z: z is not None and z >= 14)
    assert zoom is not None and zoom >= 14
    _, popup = _popup_of(page, "PL003")
    hrefs = popup.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # PL003: its source is HIDDEN and its archive cell is javascript:…: neither is a link.
    assert not [h for h in hrefs if h and not h.startswith(("http://", "https://"))], hrefs
    # The archive cell is shown as the text it is, never as something to click.
    assert popup.get_by_text("javascript:alert(1)").count() == 1
    assert popup.locator("[href*='javascript'], [onclick]").count() == 0
    assert "no source" in popup.inner_text()
    page.screenshot(path=str(tmp_path / "popup-plain.png"))


def test_graphic_content_waits_for_a_click(new_page, server: str, tmp_path: Path) -> None:
    page = new_page()
    _open(page, server, "?from=2023-04&to=2023-04")
    frame, popup = _popup_of(page, "PL004")
    details = popup.locator("details.sim-reveal")
    assert details.count() == 1
    description = popup.get_by_text("Video shows the wounded after the strike")
    assert not description.is_visible()
    summary = details.locator("summary")
    assert summary.inner_text() == "Show graphic content"
    summary.click()
    description.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    # Open, the summary says what a click does now.
    assert _poll(lambda: summary.inner_text(), lambda t: t == "Hide graphic content") == "Hide graphic content"
    link = details.locator("a[href='https://maps.example.org/geo/dnipro-3']")
    assert link.count() == 1
    # The taller popup is panned into the map again: its title stays in view.
    title = popup.locator(".sim-title")
    inside = _poll(lambda: frame.evaluate("""() => {
        const t = document.querySelector('.leaflet-popup-content .sim-title').getBoundingClientRect();
        const m = document.querySelector('.leaflet-container').getBoundingClientRect();
        return t.top >= m.top && t.bottom <= m.bottom;
      }"""), lambda ok: ok is True)
    assert inside is True and title.inner_text().startswith("Shelling in Dnipro")
    page.screenshot(path=str(tmp_path / "popup-graphic.png"))


def test_the_flagged_filter_and_a_column_filter_narrow_the_table(new_page, server: str) -> None:
    page = new_page()
    _open(page, server)
    # The first view frames the incidents in Ukraine, not the Atlantic between them and the one in Buenos Aires.
    frame = _map_frame(page)
    view = _poll(lambda: frame.evaluate("""() => { const b = window.map.getBounds();
        return [b.contains([50.45, 30.52]), b.contains([46.48, 30.72]), b.contains([-34.6037, -58.3816])]; }"""),
                 lambda v: v == [True, True, False])
    assert view == [True, True, False], view
    page.get_by_text("Data checks: 23 of 23 rows loaded, 0 rejected, 1 flagged").wait_for(timeout=TIMEOUT_S * 1000)
    page.get_by_text("23 incidents in the window and filters.").wait_for(timeout=TIMEOUT_S * 1000)
    page.get_by_text("Only flagged incidents (1)").click()
    page.get_by_text("1 incident in the window and filters.", exact=True).wait_for(timeout=TIMEOUT_S * 1000)
    page.get_by_text("Only flagged incidents (1)").click()
    page.get_by_text("23 incidents in the window and filters.").wait_for(timeout=TIMEOUT_S * 1000)
    # The column filter: with the keyboard alone, from its box.
    box = page.get_by_role("combobox", name="violence level")
    box.focus()
    page.keyboard.type("high")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    high = sum(1 for line in MONITOR.read_text().splitlines()[1:] if ",high," in line)
    page.get_by_text(f"{high} incidents in the window and filters.").wait_for(timeout=TIMEOUT_S * 1000)
    href = page.evaluate("() => location.href")  # the address bar (Playwright's page.url can miss replaceState)
    assert "c.violence+level=high" in href or "c.violence%20level=high" in href


def test_the_side_panel_and_the_data_checks_of_a_plain_csv(new_page, server: str, tmp_path: Path) -> None:
    page = new_page()
    _open(page, server, "?incident=PL004&from=2023-04&to=2023-04")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Shelling in Dnipro, casualties filmed").first.wait_for(timeout=TIMEOUT_S * 1000)
    # The legend draws each sourcing outline (an <svg> there was dropped by st.html's sanitiser: text alone).
    chips = main.locator(".sim-outline-chip")
    chips.first.wait_for(timeout=TIMEOUT_S * 1000)
    looks = chips.evaluate_all("""chips => chips.map(c => {
        const s = getComputedStyle(c), box = c.getBoundingClientRect();
        return [s.borderTopStyle, box.width > 0 && box.height > 0, c.parentElement.innerText.trim()];
      })""")
    assert looks == [["solid", True, "corroborated (two or more outlets)"], ["dashed", True, "single source"],
                     ["dotted", True, "no source"]]
    # The side panel names the incident and says it is graphic; its description and its links wait for the toggle.
    # (The toggle comes after every fact: once it is drawn, a description shown would be drawn too.)
    toggle = main.get_by_text("Show graphic content", exact=True)
    toggle.wait_for(timeout=TIMEOUT_S * 1000)
    description = main.get_by_text("Video shows the wounded after the strike")
    assert description.count() == 0
    assert main.locator("a[href*='maps.example.org']").count() == 0
    toggle.click()
    description.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    # Shown, the toggle offers to hide it again (the same toggle: its label follows its state).
    main.get_by_text("Hide graphic content", exact=True).wait_for(timeout=TIMEOUT_S * 1000)
    assert main.get_by_text("Show graphic content", exact=True).count() == 0
    # The geolocation as evidence for the point, a real link, shown once (the file's `geolocation` cell as written
    # only repeats it); the file's `graphic` column by its own header, not the name it is kept under.
    assert main.locator("a[href='https://maps.example.org/geo/dnipro-3']").count() == 1
    main.get_by_text("graphic (as written):", exact=False).wait_for(timeout=TIMEOUT_S * 1000)
    assert main.get_by_text("Graphic 2", exact=False).count() == 0
    page.screenshot(path=str(tmp_path / "side-panel-revealed.png"))
    # Data checks, open by itself (two notices): the flagged row by its line and id, no rejected rows.
    checks = page.locator('[data-testid="stExpander"]').filter(has_text="Data checks: 23 of 23 rows loaded")
    checks.get_by_text("Flagged rows and notices (warnings): 2").wait_for(timeout=TIMEOUT_S * 1000)
    assert checks.get_by_text("line 24", exact=False).filter(has_text="PL-FAR").count() == 1
    assert checks.get_by_text("Rejected rows").count() == 0
    checks.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "data-checks.png"))
