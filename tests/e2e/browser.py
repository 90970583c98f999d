"""Headless Chromium for the end-to-end tests (the system `chromium`, driven by Playwright), and the app to test.

Shared by tests/e2e/ through its conftest.py. With CI=true a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server import AppServer, AppServerError

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"width": 1400, "height": 1000}
# The incident table (its widget key), not the mapping step's preview of an imported file's first rows.
INCIDENT_TABLE = '.st-key-incident_table [data-testid="stDataFrame"]'
TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless system Chromium. Missing: skipped locally, a failure in CI (browser tests never skip there)."""
    in_ci = os.environ.get("CI") == "true"

    def unavailable(reason: str) -> None:
        if in_ci:
            pytest.fail(f"{reason} (CI=true: browser tests must run)")
        pytest.skip(reason)

    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        unavailable(f"Chromium not found at {CHROMIUM}; run `python -m tests.setup_browser`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:
            unavailable(f"Chromium at {CHROMIUM} did not start: {error}")
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh contexts (fresh Streamlit sessions); all closed after the test."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP):
        context = browser.new_context(viewport=viewport, service_workers="block")
        context.set_default_timeout(TIMEOUT_S * 1000)
        contexts.append(context)
        page = context.new_page()
        _keep_a_log(page)
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _describe_pages(contexts, request.node.name)
    for context in contexts:
        context.close()


def _describe_pages(contexts: list[Any], test_name: str) -> None:
    """Print what each page of a failed test showed (address, text) and save its screenshot: a CI log is all
    that is left of a run that failed there and not here."""
    shots = Path(os.environ.get("SIM_E2E_FAILURES", "/tmp/sim-e2e-failures"))
    shots.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(page for context in contexts for page in context.pages):
        try:
            text = page.locator("body").inner_text(timeout=5000)
            path = shots / f"{test_name}-{number}.png"
            page.screenshot(path=str(path), full_page=True, timeout=10000)
        except Exception as error:  # the page may be what broke
            print(f"page {number}: could not be read: {error}")
            continue
        print(f"page {number}: {page.url}\nscreenshot: {path}\n{text[:4000]}")
        print(f"page {number}'s last events (seconds since it opened):")
        for entry in getattr(page, "sim_log", [])[-60:]:
            print("  ", entry)


def _keep_a_log(page: Any) -> None:
    """Record what a page did (its navigations, console messages, errors, failed requests), for a failed test's report.

    A click that seems lost in a CI run (the page never went where the link said) is told apart from a page that
    went there and came back, or from a script error, only by such a log.
    """
    started = time.monotonic()
    log: list[str] = []
    page.sim_log = log

    def note(kind: str, text: str) -> None:
        log.append(f"{time.monotonic() - started:7.2f} {kind}: {text[:300]}")

    page.on("framenavigated", lambda frame: note("navigated" if frame == page.main_frame else "frame navigated",
                                                 frame.url))
    # A frame made anew (the map's after a rerun) shows as a frame detached, then one attached.
    page.on("frameattached", lambda frame: note("frame attached", frame.name or "(unnamed)"))
    page.on("framedetached", lambda frame: note("frame detached", frame.url))
    page.on("console", lambda message: note(f"console {message.type}", message.text))
    page.on("pageerror", lambda error: note("page error", str(error)))
    page.on("requestfailed", lambda request: note("request failed", f"{request.url} {request.failure}"))

    def dismiss(dialog: Any) -> None:  # as Playwright does with a dialog nobody listens for, after noting it
        note("dialog", f"{dialog.type} {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.add_init_script(_NOTE_CLICKS_AND_RUNS)


# In the page itself (not its frames): each press, release and click with where it landed, and each change of the
# script's run state, as console messages that the log above keeps. A click that did nothing in a CI run is then
# told apart: one that landed elsewhere (the page moved between press and release), or one that came during a run.
_NOTE_CLICKS_AND_RUNS = """
if (window === window.top) {
  const where = (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const owner = target && target.closest('[data-testid]');
    const text = target ? (target.innerText || target.getAttribute('aria-label') || '').slice(0, 40) : '';
    return `${event.type} at ${event.clientX},${event.clientY} on ${target ? target.tagName : '?'} `
      + `in ${owner ? owner.getAttribute('data-testid') : '-'} ${JSON.stringify(text)}`;
  };
  for (const type of ['mousedown', 'mouseup', 'click']) {
    document.addEventListener(type, (event) => console.debug('sim ' + where(event)), true);
  }
  new MutationObserver((changes) => {
    for (const change of changes) {
      console.debug('sim script ' + change.target.getAttribute('data-test-script-state'));
    }
  }).observe(document, {subtree: true, attributes: true,
                    attributeFilter: ['data-test-script-state']});
}
"""


@contextlib.contextmanager
def app_server(folder: Path, *app_args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the dashboard with APP_ARGS (and `env`, if given) on a free local port (tests/server.py); yield its base
    URL."""
    try:
        server = AppServer("dashboard/app.py", *app_args, log=folder / "server.log", env=env)
    except AppServerError as error:
        pytest.fail(str(error))
    with server:
        yield server.url


@contextlib.contextmanager
def app_on_frame(folder: Path, frame: Any, name: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Write `frame` as GeoJSON (the export schema) into `folder` and run the app on it with --data (and `env`)."""
    from geo import geojson_text

    path = folder / name
    path.write_text(geojson_text(frame), encoding="utf-8")
    with app_server(folder, "--data", str(path), env=env) as base:
        yield base
