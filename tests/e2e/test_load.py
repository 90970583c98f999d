"""Many users at once: 10 browser sessions on one server, each with its own window and source.

A bounded load test on 127.0.0.1: every session opens its own deep link, scrubs the time window and
reads its own source; each must see exactly its own incidents and passages (no state shared between
sessions), and no page may show an error.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import (  # noqa: F401  (server is a fixture)
    READER_FRAME,
    _expected_ids,
    _marker_ids,
    _poll,
    _sliders,
    incidents,
    months,
    server,
)

pytestmark = pytest.mark.browser
SESSIONS = 10  # ten windows and three sources at once: as many sessions as this 2-core machine serves in ~1 min
SOURCES = ("003_553f20544c4195fd", "001_fa2f07d2642b260d", "004_3b4953951239fc73")


def test_ten_sessions_at_once_get_their_own_results(server, new_page, incidents, months) -> None:  # noqa: F811
    sessions = []
    for i in range(SESSIONS):
        first = months[(i * 3) % (len(months) - 6)]
        last = months[min(months.index(first) + 3 + i % 12, len(months) - 1)]
        source = SOURCES[i % len(SOURCES)] if i % 2 else None
        query = f"?from={first}&to={last}" + (f"&source={source}" if source else "")
        page = new_page()
        page.goto(server + "/" + query, wait_until="commit")  # all twenty load at once
        sessions.append({"page": page, "first": first, "last": last, "source": source})

    def drawn(session) -> list[str] | None:
        try:
            return _marker_ids(session["page"])
        except Exception:  # still loading
            return None

    # Each session draws exactly its own window's incidents.
    for s in sessions:
        expected = sorted(_expected_ids(incidents, s["first"], s["last"]))
        got = _poll(lambda s=s: drawn(s), lambda ids, e=expected: ids is not None and sorted(ids) == e, timeout=120)
        assert got is not None and sorted(got) == expected, (s["first"], s["last"], got)
    # Each scrubs its window's end back by one month, all at once, then checks its own result.
    for s in sessions:
        _, end = _sliders(s["page"])
        if s["last"] > s["first"]:
            end.focus()
            s["page"].keyboard.press("ArrowLeft")
            s["last"] = s["last"] - 1
    for s in sessions:
        expected = sorted(_expected_ids(incidents, s["first"], s["last"]))
        got = _poll(lambda s=s: drawn(s), lambda ids, e=expected: ids is not None and sorted(ids) == e, timeout=120)
        assert got is not None and sorted(got) == expected, (s["first"], s["last"], got)
        start, end = _sliders(s["page"])
        assert (start.get_attribute("aria-valuetext"), end.get_attribute("aria-valuetext")) == (
            s["first"].strftime("%b %Y"), s["last"].strftime("%b %Y"))
        # Not asserted here: the address bar. Under this load Streamlit 1.67 sometimes leaves it one rerun
        # behind (its known query-string race, streamlit/streamlit#7961); the page's state is right.
    # The sessions reading a source see that source's text, and no session shows an error.
    for s in sessions:
        page = s["page"]
        if s["source"]:
            # As long as the markers above: ten sessions rerunning at once on two cores can take that long.
            page.get_by_text(s["source"], exact=True).first.wait_for(timeout=120_000)
            assert page.frame_locator(READER_FRAME).locator("mark").count() > 0
            for other in set(SOURCES) - {s["source"]}:
                assert page.get_by_text(other, exact=True).count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
