"""axe-core in the page under test and in each of its frames (issue 17).

The script is the npm package's own file, vendored under tests/e2e/vendor/axe-core/: each frame gets it
by evaluation, so nothing is fetched while the tests run and the app never serves it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

_RUN = """async () => {
  const result = await axe.run(document, {iframes: false, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1])}));
}"""


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def frames_of(page: Any) -> list[tuple[str, Any]]:
    """Return the page's frames, nested ones too, each with a name for reports (its title, else its URL)."""
    found = [("page", page.main_frame)]
    pending = [page.main_frame]
    while pending:
        frame = pending.pop()
        for handle in frame.query_selector_all("iframe"):
            child = handle.content_frame()
            if child is not None:
                found.append((handle.get_attribute("title") or child.url[:60], child))
                pending.append(child)
    return found


def violations(page: Any) -> list[dict]:
    """Return axe-core's violations in the page and each frame: {frame, id, impact, help, nodes}."""
    out = []
    for name, frame in frames_of(page):
        if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
            frame.evaluate(_axe_source())
        out.extend({"frame": name, **v} for v in frame.evaluate(_RUN))
    return out


def report(found: list[dict]) -> str:
    """Return the violations one per line, for an assertion's message."""
    return "\n".join(f"{v['impact']:>8} {v['id']} in {v['frame']}: {v['help']} — {v['nodes']}" for v in found)
