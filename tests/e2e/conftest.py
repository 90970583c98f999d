"""The end-to-end tier: every test here runs a real server and headless Chromium, and is marked `browser`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import browser, new_page  # noqa: F401  (fixtures)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so that `pytest -m "not browser"` leaves them out."""
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """Keep the call phase's report on the test, so that `new_page` can describe the pages of a failed test."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.report_call = report  # type: ignore[attr-defined]
