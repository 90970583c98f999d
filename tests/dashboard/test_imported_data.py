"""What the page does with an analyst's own export (issue 12): sources counted by outlet, "no source" apart from
"single source", flagged rows, categorical columns as filters, search over every field, links only where they
are http(s), graphic content behind a click, and an unknown radius focused as a point.

The file is tests/fixtures/monitor_plain.csv: a monitor-style CSV written for these tests (ids in `entry`,
links several to a cell or placeholders, a graphic flag, a point coded in Buenos Aires by mistake).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geo
from dashboard.data import dataset as datasets
from dashboard.data.filters import Filters, filter_mask
from dashboard.incidents import fact_markdown
from dashboard.map.viewport import framing
from dashboard.markdown import escape_markdown
from dashboard.record import incident_record, link_parts, safe_url, support
from dashboard.session import FILTER_FLAGGED, column_filter_key, reveal_key
from dashboard.state import join_values, parse_view, split_values, view_params

from .test_app import incident_table, run_on

pytestmark = pytest.mark.filterwarnings("ignore")
MONITOR = Path(__file__).resolve().parents[1] / "fixtures" / "monitor_plain.csv"


@pytest.fixture(scope="module")
def monitor() -> datasets.Dataset:
    return datasets.from_import(geo.read_incidents(MONITOR, MONITOR.name))


def ids(data: datasets.Dataset, filters: Filters) -> set[str]:
    return set(data.frame["id"][filter_mask(data, filters)])


def row(data: datasets.Dataset, ident: str) -> pd.Series:
    return data.frame.set_index("id").loc[ident]


def test_sources_are_counted_by_outlet_and_placeholders_are_no_source(monitor: datasets.Dataset) -> None:
    # PL001: kyivindependent.com, t.me/ukrainenow and x.com/osint_one: three outlets in one cell.
    assert row(monitor, "PL001")["corroboration"] == 3
    # PL020: two posts of one Telegram channel are one outlet; PL021: pravda.com.ua and its mobile site are one.
    assert row(monitor, "PL020")["corroboration"] == 1
    assert row(monitor, "PL021")["corroboration"] == 1
    # PL003 "HIDDEN", PL004 "n/a", PL019 empty: no source at all, never one.
    for ident in ("PL003", "PL004", "PL019"):
        assert row(monitor, ident)["corroboration"] == 0 and row(monitor, ident)["sources"] == []
    none, single, many = (ids(monitor, Filters(corroboration=c)) for c in ("no source", "single source", "corroborated"))
    assert {"PL003", "PL004", "PL019"} <= none and "PL020" in single and "PL001" in many
    assert none.isdisjoint(single) and single.isdisjoint(many) and none | single | many == set(monitor.frame["id"])
    assert support(0) == ("no source", "none") and support(1) == ("single source", "single")
    assert support(3) == ("3 sources", "corroborated")


def test_reported_by_groups_links_by_outlet_most_cited_first(monitor: datasets.Dataset) -> None:
    assert monitor.outlets[0] == "kyivindependent.com"  # PL001, PL002, PL022 and PL-FAR cite it
    assert "t.me/ukrainenow" in monitor.outlets and "pravda.com.ua" in monitor.outlets
    assert not [o for o in monitor.outlets if o.lower() in ("hidden", "n/a")]
    citing = ids(monitor, Filters(sources=("t.me/ukrainenow",)))
    assert {"PL001", "PL020", "PL022"} <= citing
    assert all(any(geo.outlet(s["source"]) == "t.me/ukrainenow" for s in row(monitor, i)["sources"]) for i in citing)


def test_only_flagged_keeps_the_rows_with_a_plausibility_warning(monitor: datasets.Dataset) -> None:
    assert monitor.flagged == 1 and ids(monitor, Filters(flagged=True)) == {"PL-FAR"}
    assert any("PL-FAR" in w and "line 24" in w and "km from the middle" in w for w in monitor.warnings)
    assert monitor.problems == []  # a warning is no error: nothing was rejected


def test_categorical_columns_become_filters(monitor: datasets.Dataset) -> None:
    columns = monitor.column_values
    # A few short values, repeated: a category. Not the id-like ref, the free-text notes, nor a column of links.
    assert columns["violence level"][1] == ["high", "low", "medium"]
    assert columns["area type"][1] == ["rural", "urban"]
    for name in ("ref", "reporter note", "archive", "link", "geolocation", "entry", "title"):
        assert name not in columns, name
    kept = ids(monitor, Filters(columns=(("violence level", ("high",)),)))
    assert kept == set(monitor.frame["id"][monitor.frame["violence level"] == "high"]) and kept
    both = ids(monitor, Filters(columns=(("violence level", ("high",)), ("area type", ("rural",)))))
    assert both == {i for i in kept if row(monitor, i)["area type"] == "rural"}


def test_category_rules() -> None:
    assert datasets.category_codes(pd.Series(["a", "b", "a", None])) == (pytest.approx(np.array([0, 1, 0, -1])),
                                                                         ["a", "b"])
    assert datasets.category_codes(pd.Series([f"id{i}" for i in range(20)])) is None  # every value distinct
    assert datasets.category_codes(pd.Series(["x" * 90, "y" * 90] * 3)) is None  # free text, not a category
    assert datasets.category_codes(pd.Series([1.5, 2.25] * 3)) is None  # a measurement
    assert datasets.category_codes(pd.Series(["https://a.org/x", "https://b.org/y"] * 3)) is None


def test_a_column_filter_travels_in_the_link_with_commas_and_percents() -> None:
    values = ("low, very", "50%", "plain")
    assert split_values(join_values(values)) == list(values)
    months = list(pd.period_range("2023-01", "2023-12", freq="M"))
    view = parse_view({"c.violence level": join_values(("low, very", "50%")), "c.nope": "x", "flagged": "1"}, months,
                      set(), set(), set(), columns={"violence level": {"low, very", "50%", "high"}}, flagged=True)
    assert view.filters.columns == (("violence level", ("low, very", "50%")),) and view.filters.flagged
    assert any("column or a value that is not in this dataset" in n for n in view.notices)
    again = parse_view(view_params(view), months, set(), set(), set(), columns={"violence level": {"low, very", "50%"}},
                       flagged=True)
    assert again.filters == view.filters
    unflagged = parse_view({"flagged": "1"}, months, set(), set(), set(), flagged=False)
    assert not unflagged.filters.flagged and unflagged.notices


def test_the_search_covers_every_column(monitor: datasets.Dataset) -> None:
    # Words only in free columns: the reporter's note, the ref, the area type.
    assert "PL005" in ids(monitor, Filters(text="volunteer team 4"))
    assert ids(monitor, Filters(text="R-1002")) == {"PL003"}
    assert datasets.value_text([1, 2.5, {"a": "x"}, None, float("nan")]) == "1 2.5 x  "
    assert datasets.column_words(pd.Series([None, None], dtype=object)) == ["", ""]


def test_only_http_links_become_links() -> None:
    parts = link_parts("see https://a.org/x y and javascript:alert(1) then http://b.org/<b>")
    # A link ends where markup begins: the "<b>" after it stays text.
    assert parts == [{"text": "see "}, {"text": "https://a.org/x", "url": "https://a.org/x"},
                     {"text": " y and javascript:alert(1) then "}, {"text": "http://b.org/", "url": "http://b.org/"},
                     {"text": "<b>"}]
    assert link_parts("HIDDEN") is None and safe_url("javascript:alert(1)") is None
    assert safe_url('https://a.org/a b"c<d>') == "https://a.org/a%20b%22c%3Cd%3E"
    fact = {"label": "Geolocation", "value": "https://maps.example.org/geo/0", "note": "evidence for the location",
            "parts": link_parts("https://maps.example.org/geo/0")}
    # The link's text is escaped like any text from a file; its target is the checked address.
    assert fact_markdown(fact) == (f"**Geolocation:** [{escape_markdown('https://maps.example.org/geo/0')}]"
                                   "(<https://maps.example.org/geo/0>) *(evidence for the location)*")


def test_a_graphic_incident_hides_its_description_links_and_sources(monitor: datasets.Dataset) -> None:
    graphic = monitor.frame.set_index("id").loc["PL004"]
    assert graphic["graphic"] is True or graphic["graphic"] == np.True_
    record = incident_record(graphic.to_dict() | {"id": "PL004"}, titles={}, readable=frozenset(),
                             extra_columns=monitor.extra_columns)
    shown = {f["label"] for f in record["facts"]}
    assert "Description" not in shown and "Geolocation" not in shown and record["sources"] == []
    hidden = {f["label"]: f for f in record["reveal"]["facts"]}
    assert hidden["Description"]["value"] == "Video shows the wounded after the strike (graphic)."
    assert hidden["Geolocation"]["parts"][0]["url"] == "https://maps.example.org/geo/dnipro-3"
    assert {"text": "graphic", "tone": "graphic"} in record["badges"]
    plain = incident_record(monitor.frame.set_index("id").loc["PL002"].to_dict() | {"id": "PL002"}, titles={},
                            readable=frozenset(), extra_columns=monitor.extra_columns)
    assert plain["reveal"] is None and "Description" in {f["label"] for f in plain["facts"]}


@pytest.mark.parametrize("radius", [math.nan, 0.0, -5.0, math.inf])
def test_an_unknown_radius_is_focused_as_a_point(radius: float) -> None:
    assert framing(np.array([50.45]), np.array([30.52]), radius) == ((50.45, 30.52), 16)


def test_a_known_radius_is_shown_whole() -> None:
    assert framing(np.array([50.45]), np.array([30.52]), 5_000.0)[1] == 12
    assert framing(np.array([50.45]), np.array([30.52]), 100_000.0)[1] == 6


def _shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_the_page_lists_errors_and_warnings_and_filters_flagged_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_on(monkeypatch, MONITOR)
    assert not at.exception
    checks = [e for e in at.expander if e.label.startswith("Data checks")]
    assert checks[0].label.startswith("Data checks: 23 of 23 rows loaded, 0 rejected, 1 flagged")
    texts = [t.value for t in at.text]
    assert any("line 24" in t and "PL-FAR" in t for t in texts)
    assert "**Flagged rows and notices (warnings): 2**" in [_shown(m.value) for m in at.markdown]
    assert len(incident_table(at)) == 23
    at.toggle(key=FILTER_FLAGGED).set_value(True).run()
    assert len(incident_table(at)) == 1
    at.toggle(key=FILTER_FLAGGED).set_value(False).run()
    at.multiselect(key=column_filter_key("violence level")).set_value(["high"]).run()
    assert len(incident_table(at)) == (pd.read_csv(MONITOR)["violence level"] == "high").sum()
    assert at.query_params["c.violence level"] == "high"  # the link to this view keeps the column's filter


def test_the_side_panel_hides_graphic_content_until_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_on(monkeypatch, MONITOR, incident="PL004")
    assert not at.exception
    page = [m.value for m in at.markdown]
    assert not any("Video shows the wounded" in m for m in page)
    toggle = at.toggle(key=reveal_key("PL004"))
    toggle.set_value(True).run()
    assert any("Video shows the wounded" in _shown(m.value) for m in at.markdown)
    assert any("maps.example.org/geo/dnipro-3" in m.value for m in at.markdown)


def test_a_columns_own_copy_of_a_field_is_labelled_and_left_out_of_the_popup(monitor: datasets.Dataset) -> None:
    # "graphic" is read into the schema's graphic flag and kept as written; the export writes "graphic" itself,
    # so the copy is kept as "graphic_2". Either way it is the file's copy: labelled so, not offered as a filter.
    assert {"date", "link", "geolocation", "graphic_2"} <= monitor.mapped_columns
    assert "graphic_2" not in monitor.column_values
    row = monitor.frame.set_index("id").loc["PL002"].to_dict() | {"id": "PL002"}
    whole = incident_record(row, titles={}, readable=frozenset(), extra_columns=monitor.extra_columns,
                            skip=monitor.mapped_columns)
    labels = [f["label"] for f in whole["facts"]]
    assert "Date (as written)" in labels and "Date" in labels and "Link (as written)" in labels
    brief = incident_record(row, titles={}, readable=frozenset(), extra_columns=monitor.extra_columns, brief=True,
                            skip=monitor.mapped_columns)
    assert not [f for f in brief["facts"] if f["label"].startswith(("Graphic", "Link"))]
