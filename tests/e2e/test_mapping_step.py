"""The mapping step in a real browser: a monitor's CSV that cannot be read as it is gets mapped, then loads.

Its latitude and longitude are in columns named N and E (no common name), and its dates are US-style with
every one fitting both orders. The analyst picks the columns with the mouse, the date order with the keyboard
alone, and the page reads the file again; at phone width the step is usable too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import TIMEOUT_S, app_server
from tests.e2e.test_browser import _map_frame, _poll

pytestmark = pytest.mark.browser

SUBMIT = "Read the file again with these choices"
PHONE = {"width": 390, "height": 844}
# 03/04/2023 is 4 March here; 3 April would be wrong, and nothing in the file says which.
MONITOR = """entry,When,What,N,E,link
M-1,03/04/2023,shelling,50.45,30.52,https://kyivindependent.com/a; https://t.me/chan/1
M-2,05/06/2023,drone attack,50.0,36.23,HIDDEN
M-3,11/12/2023,shelling,46.48,30.73,https://www.reuters.com/b
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mapping")
    data = folder / "monitor.csv"
    data.write_text(MONITOR, encoding="utf-8")
    with app_server(folder, "--data", str(data)) as base:
        yield base


def _form(page):
    return page.get_by_test_id("stForm")


def _choose_with_mouse(page, label: str, option: str) -> None:
    box = _form(page).get_by_role("combobox", name=label, exact=True)
    # Scrolled to first, as a person would: a dropdown opened while the page scrolls closes at once.
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def _table_dates(page) -> list[str]:
    """Return the incident table's date column, as the grid draws it (its cells are canvas: read them as text)."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(
        e => e.textContent).join('\\n')""")


def test_a_file_is_mapped_with_the_mouse_and_its_date_order_chosen_with_the_keyboard(new_page, tmp_path: Path,
                                                                                        server: str) -> None:
    page = new_page()
    page.goto(server)
    page.get_by_role("button", name=SUBMIT).wait_for(timeout=TIMEOUT_S * 1000)
    assert page.get_by_text("no latitude column for the field 'lat'").count() == 1
    assert page.get_by_role("heading", name="Incidents reported in the articles").count() == 1
    _choose_with_mouse(page, "lat (required)", "N")
    _choose_with_mouse(page, "lon (required)", "E")
    _choose_with_mouse(page, "date (required)", "When")
    page.get_by_role("button", name=SUBMIT).click()
    # Every date fits both orders: refused, with the way out named.
    page.get_by_text("every date fits both day/month and month/day order").wait_for(timeout=TIMEOUT_S * 1000)

    # The keyboard alone: focus the date order, type to filter, Enter to choose, then Enter on the button.
    order = _form(page).get_by_role("combobox", name="Date order", exact=True)
    order.focus()
    page.keyboard.type("month first")
    page.keyboard.press("Enter")
    assert _poll(lambda: order.input_value(), lambda v: v == "month first: 12/31/2024") == "month first: 12/31/2024"
    page.get_by_role("button", name=SUBMIT).focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Incidents in monitor.csv").wait_for(timeout=TIMEOUT_S * 1000)
    frame = _map_frame(page)
    assert frame is not None
    assert page.get_by_text("Showing monitor.csv: 3 incidents.").count() == 1
    # 4 March, never 3 April: the table lists its incidents by their dates as read.
    page.get_by_text("Data checks: 3 of 3 rows loaded, 0 rejected").wait_for(timeout=TIMEOUT_S * 1000)
    page.screenshot(path=str(tmp_path / "mapped-desktop.png"))
    text = _poll(lambda: _table_dates(page), lambda t: t is not None and "4 March 2023" in t)
    assert "4 March 2023" in text and "3 April 2023" not in text


def test_the_step_is_usable_at_phone_width(new_page, tmp_path: Path, server: str) -> None:
    page = new_page(PHONE)
    page.goto(server)
    button = page.get_by_role("button", name=SUBMIT)
    button.wait_for(timeout=TIMEOUT_S * 1000)
    # The fields stack into one column, in the fields' order: none wider than the phone.
    boxes = _form(page).get_by_role("combobox")
    # The page streams in: wait for the whole form, not its first widgets (16 fields and the date order).
    assert _poll(boxes.count, lambda n: n == 17) == 17
    tops = []
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], i
        tops.append(box["y"])
    assert tops == sorted(tops)  # id, date, date_end, lat, lon… one under the other
    assert [boxes.nth(i).get_attribute("aria-label") for i in range(5)] == [
        "id", "date (required)", "date_end", "time", "lat (required)"]
    _choose_with_mouse(page, "lat (required)", "N")
    _choose_with_mouse(page, "lon (required)", "E")
    _choose_with_mouse(page, "date (required)", "When")
    _choose_with_mouse(page, "Date order", "month first: 12/31/2024")
    button.scroll_into_view_if_needed()
    button.click()
    page.get_by_role("heading", name="Incidents in monitor.csv").wait_for(timeout=TIMEOUT_S * 1000)
    page.screenshot(path=str(tmp_path / "mapped-phone.png"), full_page=True)
