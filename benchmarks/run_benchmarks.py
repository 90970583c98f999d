"""Benchmark the dashboard's map against the textbook approaches, in one run, on the same synthetic data.

For each dataset size (deterministic synthetic incidents, the export's schema) and each approach:

- ``dashboard``: ``streamlit run dashboard/app.py -- --data FILE`` (viewport-aware layer, server-side clusters);
- ``naive``: one ``folium.Marker`` with a popup per incident through ``st_folium`` (benchmarks/naive_app.py);
- ``fastcluster``: folium's ``FastMarkerCluster`` through ``st_folium``.

it measures

- **build**: server time to build the map for the whole span, in this process (dataset parsing excluded,
  as every approach caches it): folium objects and the HTML/JS st_folium sends;
- **data**: what the app sends the browser over its websocket for one page load (the map, the page's
  elements; uncompressed payloads), and **page**: that plus every HTTP body (Streamlit's and Leaflet's
  scripts, styles, the outlines), counted until the page has settled;
- **ready**: time from navigation (and from the page's load event) until the markers are on the map in
  headless Chromium (median of loads in a warm browser, after one warm-up load that also fills the
  server's dataset cache);
- **step**: slider-step latency, from the keydown that moves the window's end thumb until the map shows
  the new window (median of several steps).

Both are timed in the page, not by the harness: a script in every frame checks every 10 ms what the
map shows and notes when that changes; the harness reads those notes afterwards, so its own round
trips to the browser are not counted.
- **rss**: the server process's peak resident memory; "+ helper" is its child processes' peak, summed (the
  reading helper that reads half of a large file: `geo/imports/split.py`).
- **restarted** (the dashboard): a new server on the same file once the first has kept it in its import cache
  (what a restart, or a second worker, does): its first map, and its peak resident memory.
- **launched** (the dashboard): a server started by `python -m dashboard`, which reads `--data` as it starts, the
  page opened as soon as the server answers (no import cache): its first map from the page's navigation, and (in
  brackets) how long after the server's start the page was opened, the head start its read had.

Each row is printed with its ratio to the dashboard at the same size. Run from the repository root:

    python -m benchmarks.run_benchmarks            # 1k, 10k, 100k (naive up to 10k): a few minutes
    python -m benchmarks.run_benchmarks --sizes 1000 --loads 1 --steps 2    # quick check
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.server import AppServer, status_mib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
APPS = {
    "floor": ["benchmarks/floor_app.py"],
    "dashboard": ["dashboard/app.py"],
    "naive": ["benchmarks/naive_app.py", "--mode", "markers"],
    "fastcluster": ["benchmarks/naive_app.py", "--mode", "fastcluster"],
}
NAIVE_MAX = 10_000  # one folium.Marker per incident: about 29 s and 7 MB per page at 10k, minutes at 100k

# In the map frame: a string that changes whenever the drawn markers change, or null before any are drawn.
# The dashboard says what it drew in window.simView; a baseline redraws a whole new Leaflet map each time,
# so each new map object (with its markers on the page) gets a new tag.
_NEW_MAP_TAG = """() => {
  const m = window.map;
  if (!window.L || !m || !document.querySelector('.leaflet-marker-icon')) return null;
  m.__benchTag = m.__benchTag || Math.random().toString(36).slice(2);
  return m.__benchTag;
}"""
MAP_STATE_JS = {
    # Streamlit's floor has no map: its probe reads the window it prints, in the top page.
    "floor": "() => { const e = [...document.querySelectorAll('p')].find(p => p.innerText.startsWith('Window: '));"
             " return e ? e.innerText : null; }",
    "dashboard": "() => window.simView ? JSON.stringify(window.simView) : null",
    "naive": _NEW_MAP_TAG,
    "fastcluster": _NEW_MAP_TAG,
}
# Run in every frame before its own scripts. The top page notes its keydowns; a map frame checks the map's
# state every 10 ms, on the page's own main thread (so a check waits, as painting does, while the page is
# busy), and notes each change in the top page, where the notes outlive a redrawn frame. Times are epoch
# milliseconds, comparable across frames. (Animation frames would be closer to painting, but headless
# Chromium stops running them in an idle frame.)
_FRAME_NOTES_JS = """(() => {
  if (window.top === window) {
    window.__benchKeys = [];
    window.__benchFrames = [];
    addEventListener("keydown", (e) => window.__benchKeys.push(performance.timeOrigin + e.timeStamp), true);
    if (!TOP_PROBE) return;
  }
  const probe = PROBE;
  let last = null;
  setInterval(() => {
    let value = null;
    try { value = probe(); } catch (e) { value = null; }
    if (value && value !== last) {
      last = value;
      try { window.top.__benchFrames.push([performance.timeOrigin + performance.now(), value]); } catch (e) {}
    }
  }, 10);
})();"""


@dataclass
class Result:
    """One approach at one size."""

    approach: str
    size: int
    data: str = "geojson"  # the file's format: "geojson" (the export's schema) or "acled" (an ACLED-style CSV)
    build_s: float | None = None
    ws_bytes: int | None = None
    page_bytes: int | None = None
    ready_s: float | None = None
    after_load_s: float | None = None
    step_s: float | None = None
    cold_s: float | None = None  # the first load of a server that never saw the file (no import cache either)
    # How long after the server's start that page was opened (as soon as it answers): the dashboard's server begins
    # reading --data as it starts (dashboard/app.py's st.App), so the read has this head start.
    cold_head_start_s: float | None = None
    rss_mb: float | None = None
    helper_rss_mb: float | None = None  # the server's child processes' (the reading helper's) peak, summed
    # What the server holds once the pages are done and the copy kept for a restart is written (VmRSS): less the
    # floor's, per incident, the bytes an incident costs to hold.
    held_mb: float | None = None
    restarted_s: float | None = None  # the first map of a new server whose import cache holds the file
    restarted_rss_mb: float | None = None  # that server's peak resident memory
    # The first map of a server started by `python -m dashboard` (which reads --data as it starts), the page opened
    # as soon as the server answers (no import cache either); and how long after the server's start that was.
    launched_s: float | None = None
    head_start_s: float | None = None
    labels_ms: float | None = None  # the place labels' pass after each map draw, median (the dashboard only)
    notes: list[str] = field(default_factory=list)
    step_times: list[float] = field(default_factory=list)  # every step's time, in order (the table gives the median)


def write_datasets(sizes: list[int], folder: Path, data: str = "geojson") -> dict[int, Path]:
    """Write the synthetic datasets and return their paths: GeoJSON in the export's schema (streamed, as `geo synth`
    does), or the same incidents as an ACLED-style CSV (`benchmarks/acled_like.py`)."""
    from benchmarks.acled_like import write_acled_like
    from geo.cli import main as geo_main

    paths = {}
    for size in sizes:
        if data == "acled":
            paths[size] = write_acled_like(size, folder / f"synthetic-{size}.acled.csv")
            continue
        path = folder / f"synthetic-{size}.geojson"
        geo_main(["synth", "--count", str(size), "--seed", "2022", "-o", str(path)])
        paths[size] = path
    return paths


# ---- server build time (in process) -------------------------------------------------------------


def build_dashboard(path: Path) -> Callable[[], int]:
    """Return a function that builds the dashboard's map for the whole span and returns its size in bytes."""
    from datetime import date

    from streamlit_folium import _get_feature_group_string

    import geo
    from dashboard.data import dataset as datasets
    from dashboard.data.filters import Filters
    from dashboard.map.basemap import CONTEXT_PLACE_IDS, base_map
    from dashboard.map.layer import incidents_layer, map_payload
    from dashboard.map.viewport import query_box
    from dashboard.store import forget_views, store_of

    data = datasets.from_import(geo.read_incidents(path))
    data.warm()
    places = geo.places_frame(geo.load_catalogue().places)
    context = places[places["id"].isin(CONTEXT_PLACE_IDS)]

    def build() -> int:
        forget_views(data)  # the store keeps the views it made: each build makes its own, as a new view would
        store = store_of(data)
        selection = store.select(date(1900, 1, 1), date(2100, 1, 1), Filters())
        center, zoom = store.framing(selection)
        items = store.view(selection, query_box(None, zoom, center))
        payload = map_payload(data.type_codes[1], items, markers=store.markers(items), districts=[], selected=None,
                              shown=selection.count)
        m = base_map(context, center, zoom)
        html = m.get_root().render()
        return len(html) + len(_get_feature_group_string(incidents_layer(payload), m))

    return build


def build_folium(path: Path, mode: str) -> Callable[[], int]:
    """Return a function that builds a baseline map (markers with popups, or FastMarkerCluster)."""
    import folium
    from folium.plugins import FastMarkerCluster

    from geo.imports import read_incidents

    frame = read_incidents(path).frame

    def build() -> int:
        m = folium.Map(location=(48.5, 32.0), zoom_start=5, tiles=None)
        if mode == "markers":
            for row in frame.itertuples():
                folium.Marker((row.geometry.y, row.geometry.x), popup=folium.Popup(f"{row.title} — {row.date_label}"),
                              tooltip=row.title).add_to(m)
        else:
            FastMarkerCluster([(p.y, p.x) for p in frame.geometry]).add_to(m)
        return len(m.get_root().render())

    return build


def _let_go_of_memory() -> None:
    """Give back what the in-process build held (its freed heap, its reading helper) before a server runs.

    Held, they cost the server a third of its cold first map at a million rows (22.6-23.7 -> 15.7 s): the host of
    these machines takes back guest memory left idle, and a page touched for the first time since is slow. The
    build's pages had just been touched; kept by this process, the server's read was served pages long idle.
    """
    import geo
    from geo.imports import split

    before = _rss_mb()
    split.stop_helper()
    geo.give_back()
    print(f"harness RSS {before:.0f} MB -> {_rss_mb():.0f} MB once the build let go", file=sys.stderr, flush=True)


def _rss_mb() -> float:
    return status_mib(os.getpid(), "VmRSS") or float("nan")


def time_build(build: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Return the median build time and the built size."""
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = build()
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


# ---- the app in a browser -------------------------------------------------------------------------


def _frames_past(page: Any, seen: int, timeout: float) -> None:
    """Wait until the page has noted more than `seen` map frames.

    The page checks for itself, each animation frame: asked from here 50 times a second instead (a round trip through
    Playwright's driver each time), the harness took CPU from the two cores the server reads a file on.
    """
    page.wait_for_function("(seen) => window.__benchFrames.length > seen", arg=seen, timeout=timeout * 1000)


def load_page(browser: Any, url: str, approach: str, timeout: float) -> tuple[float, float, int, int, Any, Any]:
    """Open the app in a fresh context.

    Return the seconds until markers show, counted from navigation and from the page's load event,
    the websocket bytes, all bytes, the page and its context.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    notes = _FRAME_NOTES_JS.replace("TOP_PROBE", "true" if approach == "floor" else "false")
    context.add_init_script(notes.replace("PROBE", MAP_STATE_JS[approach]))
    page = context.new_page()
    http, ws = [0], [0]

    def on_response(response: Any) -> None:
        try:
            http[0] += len(response.body())
        except Exception:  # a redirect or an aborted request has no body
            pass

    def on_socket(socket: Any) -> None:
        socket.on("framereceived", lambda payload: ws.__setitem__(0, ws[0] + len(payload)))

    page.on("response", on_response)
    page.on("websocket", on_socket)
    page.goto(url, timeout=timeout * 1000)  # returns at the load event
    _frames_past(page, 0, timeout)
    page.wait_for_timeout(2000)  # the rest of the run and lazily loaded scripts arrive before counting
    started, loaded, shown = page.evaluate("""() => [performance.timeOrigin,
        performance.timeOrigin + performance.getEntriesByType("navigation")[0].loadEventEnd,
        window.__benchFrames[0][0]]""")
    return (shown - started) / 1000, (shown - loaded) / 1000, ws[0], ws[0] + http[0], page, context


def step_latency(page: Any, approach: str, steps: int, timeout: float) -> list[float]:
    """Move the window's end thumb back one month at a time; return each step's time until the map changes."""
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').nth(1)
    times = []
    for _ in range(steps):
        page.wait_for_timeout(800)  # the previous rerun is over
        seen = page.evaluate("() => window.__benchFrames.length")
        thumb.focus()
        page.keyboard.press("ArrowLeft")
        _frames_past(page, seen, timeout)
        pressed, shown = page.evaluate("""(seen) => [window.__benchKeys[window.__benchKeys.length - 1],
            window.__benchFrames[seen][0]]""", seen)
        times.append((shown - pressed) / 1000)
    return times


def label_pass_ms(page: Any) -> float | None:
    """Return the median time the map frame spent placing its place labels after a draw (sim-map.js notes each)."""
    frame = page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]').content_frame()
    times = frame.evaluate("() => window.simLabelMs || []") if frame is not None else []
    return statistics.median(times) if times else None


def measure_in_browser(result: Result, path: Path, loads: int, steps: int, logs: Path) -> None:
    """Fill the result's bytes, ready, step and rss from a real server and headless Chromium."""
    from playwright.sync_api import sync_playwright

    timeout = 600.0
    script = APPS[result.approach]
    server = AppServer(script[0], "--data", str(path), *script[1:], log=logs / f"{result.approach}-{result.size}.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            result.cold_head_start_s = time.monotonic() - server.started
            cold = load_page(browser, server.url, result.approach, timeout)  # the parse, the caches
            result.cold_s = cold[0]
            cold[-1].close()
            readies, after_loads, ws_sizes, page_sizes = [], [], [], []
            for _ in range(loads):
                ready, after_load, ws_size, page_size, page, context = load_page(
                    browser, server.url, result.approach, timeout)
                readies.append(ready)
                after_loads.append(after_load)
                ws_sizes.append(ws_size)
                page_sizes.append(page_size)
                if len(readies) < loads:
                    context.close()
            result.ready_s, result.after_load_s = statistics.median(readies), statistics.median(after_loads)
            result.ws_bytes, result.page_bytes = int(statistics.median(ws_sizes)), int(statistics.median(page_sizes))
            result.step_times = step_latency(page, result.approach, steps, timeout)
            result.step_s = statistics.median(result.step_times)
            if result.approach == "dashboard":
                result.labels_ms = label_pass_ms(page)
            context.close()
            browser.close()
        # The copy kept for a restart is written in the background, once the pages are quiet: its peak counts too.
        kept = result.approach == "dashboard" and _kept_copy(timeout)
        result.rss_mb, result.helper_rss_mb = server.peak_rss_mb(), server.helpers_peak_rss_mb()
        result.held_mb = status_mib(server.process.pid, "VmRSS")
    finally:
        server.stop()
    if kept:
        measure_restart(result, path, timeout, logs)
    if result.approach == "dashboard":
        measure_launched(result, path, timeout, logs)


def _kept_copy(timeout: float) -> bool:
    """Return whether the import cache ($SIM_CACHE_DIR) holds a kept file, waiting up to `timeout` seconds."""
    folder = os.environ.get("SIM_CACHE_DIR")
    if not folder or folder == "off":
        return False
    deadline = time.monotonic() + timeout
    while not any(Path(folder).glob("*.json")):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def measure_restart(result: Result, path: Path, timeout: float, logs: Path) -> None:
    """Fill the result's first map and peak memory of a new server on a file its import cache holds."""
    from playwright.sync_api import sync_playwright

    script = APPS[result.approach]
    server = AppServer(script[0], "--data", str(path), *script[1:], log=logs / f"{result.approach}-{result.size}-again.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            loaded = load_page(browser, server.url, result.approach, timeout)
            result.restarted_s = loaded[0]
            loaded[-1].close()
            browser.close()
        result.restarted_rss_mb = server.peak_rss_mb()
    finally:
        server.stop()


def measure_launched(result: Result, path: Path, timeout: float, logs: Path) -> None:
    """Fill the first map of a server started by `python -m dashboard` (--data read as it starts), cold."""
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "SIM_CACHE_DIR": tempfile.mkdtemp(prefix="cache-launched-")}
    server = AppServer("dashboard/app.py", "--data", str(path), log=logs / f"launched-{result.size}.log",
                       launcher=True, env=env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            result.head_start_s = time.monotonic() - server.started
            loaded = load_page(browser, server.url, result.approach, timeout)
            result.launched_s = loaded[0]
            loaded[-1].close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(env["SIM_CACHE_DIR"], ignore_errors=True)


# ---- report -----------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "B":
        return f"{value / 1e6:.2f} MB" if value >= 1e5 else f"{value / 1e3:.0f} kB"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def _held(result: Result, floor: Result | None) -> str:
    """Return what a server holds once settled, and for the dashboard the bytes per incident above the floor's."""
    if result.held_mb is None:
        return "—"
    if result.approach != "dashboard" or floor is None or floor.held_mb is None or not result.size:
        return _fmt(result.held_mb, "MB")
    per_incident = (result.held_mb - floor.held_mb) * 2**20 / result.size
    return f"{_fmt(result.held_mb, 'MB')} ({per_incident:,.0f} B)"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    return f" (×{value / base:.1f})"


FLOOR_RATIOS = ("cold_s", "ready_s", "after_load_s", "step_s", "rss_mb", "restarted_s", "restarted_rss_mb",
                "launched_s")
# A restarted or launched server's figures are given against the floor's cold boot and memory.
FLOOR_OF = {"restarted_s": "cold_s", "restarted_rss_mb": "rss_mb", "launched_s": "cold_s"}


def table(results: list[Result]) -> str:
    """Return the results as a Markdown table.

    Streamlit's floor (a bare page with one slider) comes first; the dashboard's page loads and steps are also
    given as multiples of it (×floor), and each other baseline as a multiple of the dashboard at the same size.
    """
    floor = next((r for r in results if r.approach == "floor"), None)
    base = {r.size: r for r in results if r.approach == "dashboard"}
    lines = [
        "| incidents | approach | build (server) | data (websocket) | page total | first map, cold (page opened after) "
        "| markers shown "
        "| … after load event | slider step | server peak RSS | held once settled (per incident, above the floor) "
        "| first map, restarted | peak RSS, restarted "
        "| first map, launched (page opened after) | place labels per draw |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results, key=lambda r: (r.approach != "floor", r.size, list(APPS).index(r.approach))):
        b = base.get(r.size) if r.approach not in ("dashboard", "floor") else None

        def against(value: float | None, attribute: str, r: Result = r, b: Result | None = b) -> str:
            if b is not None:
                return _ratio(value, getattr(b, attribute))
            if r.approach == "dashboard" and floor is not None and attribute in FLOOR_RATIOS:
                floor_value = getattr(floor, FLOOR_OF.get(attribute, attribute))  # cold against the bare page's cold
                return _ratio(value, floor_value).replace(")", " floor)") if _ratio(value, floor_value) else ""
            return ""

        cells = [
            "—" if r.approach == "floor" else f"{r.size:,}" + (" (ACLED CSV)" if r.data == "acled" else ""), r.approach,
            _fmt(r.build_s, "s") + against(r.build_s, "build_s"),
            _fmt(r.ws_bytes, "B") + against(r.ws_bytes, "ws_bytes"),
            _fmt(r.page_bytes, "B") + against(r.page_bytes, "page_bytes"),
            _fmt(r.cold_s, "s") + against(r.cold_s, "cold_s") + (
                f" ({r.cold_head_start_s:.1f} s)" if r.cold_head_start_s is not None and r.approach == "dashboard" else ""),
            _fmt(r.ready_s, "s") + against(r.ready_s, "ready_s"),
            _fmt(r.after_load_s, "s") + against(r.after_load_s, "after_load_s"),
            _fmt(r.step_s, "s") + against(r.step_s, "step_s"),
            _fmt(r.rss_mb, "MB") + against(r.rss_mb, "rss_mb") + (
                f" + helper {r.helper_rss_mb:.0f} MB" if r.helper_rss_mb else ""),
            _held(r, floor),
            _fmt(r.restarted_s, "s") + against(r.restarted_s, "restarted_s"),
            _fmt(r.restarted_rss_mb, "MB") + against(r.restarted_rss_mb, "restarted_rss_mb"),
            _fmt(r.launched_s, "s") + against(r.launched_s, "launched_s") + (
                f" ({r.head_start_s:.1f} s)" if r.head_start_s is not None else ""),
            "—" if r.labels_ms is None else f"{r.labels_ms:.1f} ms",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table (and write it to benchmarks/results.md)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    # FastMarkerCluster is left out by default: through streamlit-folium 0.27 its map never renders here
    # (the frame stays empty), so there is nothing to time. `--approaches dashboard fastcluster` tries it.
    parser.add_argument("--approaches", nargs="+", choices=list(APPS), default=["floor", "dashboard", "naive"])
    parser.add_argument("--loads", type=int, default=3, help="measured page loads per app (after one warm-up)")
    parser.add_argument("--steps", type=int, default=9, help="slider steps per app (the median is reported)")
    parser.add_argument("--no-browser", action="store_true", help="only the in-process build time")
    parser.add_argument("--data", choices=("geojson", "acled"), default="geojson",
                        help="the synthetic incidents as GeoJSON (the export's schema) or as an ACLED-style CSV")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args(argv)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as folder:
        paths = write_datasets(args.sizes, Path(folder), args.data)
        if "floor" in args.approaches and not args.no_browser:
            floor = Result("floor", 0)
            measure_in_browser(floor, paths[min(args.sizes)], args.loads, args.steps, Path(folder))
            results.append(floor)
            print(json.dumps(floor.__dict__), file=sys.stderr, flush=True)
        for size in args.sizes:
            for approach in args.approaches:
                if approach == "floor" or (approach == "naive" and size > NAIVE_MAX):
                    continue
                # Cold means cold: a server that never saw the file, and an empty import cache.
                os.environ["SIM_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"cache-{approach}-{size}-", dir=folder)
                result = Result(approach, size, data=args.data)
                build = build_dashboard(paths[size]) if approach == "dashboard" else build_folium(
                    paths[size], "markers" if approach == "naive" else "fastcluster")
                result.build_s, _ = time_build(build, 1 if approach == "naive" else 3)
                # The build's dataset is let go before the browser runs: held here, a million rows' Python objects
                # were scanned by this process's collector while Playwright ran, on the cores the server needs.
                del build
                gc.collect()
                _let_go_of_memory()
                if not args.no_browser:
                    measure_in_browser(result, paths[size], 1 if approach == "naive" else args.loads,
                                       min(args.steps, 2) if approach == "naive" else args.steps, Path(folder))
                results.append(result)
                print(json.dumps(result.__dict__), file=sys.stderr, flush=True)
    report = table(results)
    print(report)
    command = " ".join(["python -m benchmarks.run_benchmarks", *(argv if argv is not None else sys.argv[1:])])
    header = f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPUs with `{command}`.\n\n"
    args.output.write_text(header + report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
