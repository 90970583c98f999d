"""What the page does with an analyst's own export (issue 12): sources counted by outlet, "no source" apart from
"single source", flagged rows, categorical columns as filters, search over every field, links only where they
are http(s), graphic content behind a click, and an unknown radius focused as a point.

The file is tests/fixtures/monitor_plain.csv: a monitor-style CSV written for these tests (ids in `entry`,
links several to a cell or placeholders, a graphic flag, a point coded in Buenos Aires by mistake).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo
from dashboard.data import dataset as datasets
from dashboard.data.filters import Filters, filter_mask
from dashboard.incidents import fact_markdown
from dashboard.map.layer import point_features
from dashboard.map.viewport import framing, framing_of_rows
from dashboard.markdown import escape_markdown
from dashboard.record import incident_record, link_parts, outlet_label, safe_url, support
from dashboard.session import (
    FILTER_CORROBORATION,
    FILTER_FLAGGED,
    FILTER_SOURCES,
    column_filter_key,
    reveal_key,
)
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


def _category_codes_a_row_at_a_time(series: pd.Series):
    """category_codes as it was written first: each row's text and code found one row at a time (the reference)."""
    present = series[series.notna()]
    if len(present) < datasets.CATEGORY_VALUES[0]:
        return None
    try:
        distinct = pd.unique(present)
    except TypeError:
        return None
    if len(distinct) > 4 * datasets.CATEGORY_VALUES[1]:
        return None
    words = {}
    for value in distinct:
        if isinstance(value, list | dict | tuple) or (isinstance(value, float) and not float(value).is_integer()):
            return None
        text = datasets.value_text(value).strip()
        if len(text) > datasets.CATEGORY_CHARS or "://" in text:
            return None
        words[value] = text
    texts = series.map(lambda v: words.get(v, "") if not (isinstance(v, float) and np.isnan(v)) else "")
    filled = texts.to_numpy(dtype=object) != ""
    values = sorted({t for t in words.values() if t})
    if not datasets.CATEGORY_VALUES[0] <= len(values) <= datasets.CATEGORY_VALUES[1] or len(values) > max(
            2, datasets.CATEGORY_SHARE * filled.sum()):
        return None
    position = {value: i for i, value in enumerate(values)}
    return np.fromiter((position.get(t, -1) for t in texts), dtype=np.int32, count=len(texts)), values


CELLS = st.one_of(st.sampled_from(["a", "b", " a ", "B", "", "  ", "c d", "é"]), st.none(), st.just(float("nan")),
                  st.integers(-2, 3), st.sampled_from([1.0, 2.0, 0.5]), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(CELLS, min_size=0, max_size=30), st.booleans())
def test_category_codes_are_the_ones_found_a_row_at_a_time(cells: list, as_text: bool) -> None:
    series = pd.Series(cells, dtype=object)
    if as_text:  # a column of text read into Arrow, its missing cells NA
        series = pd.Series([c if isinstance(c, str) else None for c in cells], dtype="str")
    expected, found = _category_codes_a_row_at_a_time(series), datasets.category_codes(series)
    assert (expected is None) == (found is None)
    if found is not None:
        assert found[1] == expected[1] and found[0].tolist() == expected[0].tolist() and found[0].dtype == np.int32


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
    assert (record["reveal"]["label"], record["reveal"]["hide_label"]) == ("Show graphic content", "Hide graphic content")
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
    # The toggle says what it does, in both states; its key (hence its value) stays as its label changes.
    assert (toggle.label, toggle.value) == ("Show graphic content", False)
    toggle.set_value(True).run()
    assert any("Video shows the wounded" in _shown(m.value) for m in at.markdown)
    assert any("maps.example.org/geo/dnipro-3" in m.value for m in at.markdown)
    toggle = at.toggle(key=reveal_key("PL004"))
    assert (toggle.label, toggle.value) == ("Hide graphic content", True)
    at.run()  # another run (a pan of the map, a filter) keeps it shown
    assert at.toggle(key=reveal_key("PL004")).value is True
    assert any("Video shows the wounded" in _shown(m.value) for m in at.markdown)
    at.toggle(key=reveal_key("PL004")).set_value(False).run()
    assert at.toggle(key=reveal_key("PL004")).label == "Show graphic content"
    assert not any("Video shows the wounded" in _shown(m.value) for m in at.markdown)


def test_a_columns_own_copy_of_a_field_is_labelled_and_left_out_of_the_popup(monitor: datasets.Dataset) -> None:
    # "graphic" is read into the schema's graphic flag and kept as written; the export writes "graphic" itself,
    # so the copy is kept as "graphic_2". Either way it is the file's copy: labelled so, not offered as a filter.
    assert {"date", "link", "geolocation", "graphic_2"} <= monitor.mapped_columns
    assert "graphic_2" not in monitor.column_values
    row = monitor.frame.set_index("id").loc["PL002"].to_dict() | {"id": "PL002"}
    whole = incident_record(row, titles={}, readable=frozenset(), extra_columns=monitor.extra_columns,
                            skip=monitor.mapped_columns)
    labels = [f["label"] for f in whole["facts"]]
    assert "date (as written)" in labels and "Date" in labels and "link (as written)" in labels
    brief = incident_record(row, titles={}, readable=frozenset(), extra_columns=monitor.extra_columns, brief=True,
                            skip=monitor.mapped_columns)
    assert not [f for f in brief["facts"] if "as written" in f["label"] or f["label"].lower().startswith(("graphic", "link"))]


def test_a_copy_as_written_is_named_by_the_files_header_and_never_repeats_a_fact(monitor: datasets.Dataset) -> None:
    assert monitor.column_headers == {"graphic_2": "graphic"}  # the one column kept under another name
    record = incident_record(row(monitor, "PL004").to_dict() | {"id": "PL004"}, titles={}, readable=frozenset(),
                             extra_columns=monitor.extra_columns, skip=monitor.mapped_columns,
                             headers=monitor.column_headers)
    facts = [*record["facts"], *record["reveal"]["facts"]]
    labels = [f["label"] for f in facts]
    # The file's header as it wrote it: "graphic", not the name it is kept under ("Graphic 2").
    assert "graphic (as written)" in labels and not [label for label in labels if "2" in label], labels
    assert {f["label"]: f["value"] for f in facts}["graphic (as written)"] == "yes"
    # The geolocation: once, as the evidence for the point; its cell as written only repeated it.
    assert [f["label"] for f in facts if "maps.example.org/geo/dnipro-3" in f["value"]] == ["Geolocation"]
    # A cell that says more than the evidence (its words, not only its links) is still shown as written.
    noted = row(monitor, "PL004").to_dict() | {"id": "PL004", "geolocation": "geolocated by team 3: "
                                               "https://maps.example.org/geo/dnipro-3"}
    again = incident_record(noted, titles={}, readable=frozenset(), extra_columns=monitor.extra_columns,
                            skip=monitor.mapped_columns, headers=monitor.column_headers)
    assert "geolocation (as written)" in [f["label"] for f in again["reveal"]["facts"]]


def test_the_side_panel_shows_the_files_headers_and_the_geolocation_once(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_on(monkeypatch, MONITOR, incident="PL001")
    assert not at.exception
    panel = [_shown(m.value) for m in at.markdown]
    geolocation = [line for line in panel if "(<https://maps.example.org/geo/0>)" in line]
    assert len(geolocation) == 1 and geolocation[0].startswith("**Geolocation:**"), geolocation
    assert geolocation[0].endswith("*(evidence for the location)*")
    assert "**date (as written):** 2023-01-01" in panel
    at = run_on(monkeypatch, MONITOR, incident="PL004")
    at.toggle(key=reveal_key("PL004")).set_value(True).run()
    panel = [_shown(m.value) for m in at.markdown]
    assert "**graphic (as written):** yes" in panel and not [line for line in panel if "Graphic 2" in line]
    assert len([line for line in panel if "maps.example.org/geo/dnipro-3" in line]) == 1


# The values below are read off tests/fixtures/monitor_plain.csv by hand (its `link` column), not from the code.
NO_SOURCE = {"PL003", "PL004", "PL005", "PL010", "PL011", "PL012", "PL017", "PL018", "PL019"}  # HIDDEN, n/a, empty
CORROBORATED = {"PL001", "PL008", "PL015", "PL022"}  # kyivindependent.com, t.me/ukrainenow and x.com/osint_one
OUTLETS = {"kyivindependent.com": 8, "t.me/ukrainenow": 7, "x.com/osint_one": 4, "pravda.com.ua": 3}


def test_every_incident_is_no_source_single_or_corroborated_as_its_links_say(monitor: datasets.Dataset) -> None:
    everyone = set(monitor.frame["id"])
    assert ids(monitor, Filters(corroboration="no source")) == NO_SOURCE
    assert ids(monitor, Filters(corroboration="corroborated")) == CORROBORATED
    assert ids(monitor, Filters(corroboration="single source")) == everyone - NO_SOURCE - CORROBORATED
    # PL006: "t.me/ukrainenow/102, t.me/s/ukrainenow/103" are two posts of one channel, its web preview included.
    assert row(monitor, "PL006")["corroboration"] == 1
    # The badge and the marker's outline say the same, in the side panel and in the popup's record.
    for ident, wording, tone in (("PL010", "no source", "none"), ("PL006", "single source", "single"),
                                 ("PL022", "3 sources", "corroborated")):
        record = incident_record(row(monitor, ident).to_dict() | {"id": ident}, titles={}, readable=frozenset(),
                                 extra_columns=monitor.extra_columns)
        assert {"text": wording, "tone": tone} in record["badges"] and record["support"] == tone, ident
        assert record["corroborated"] is (tone == "corroborated")
    payload = point_features(monitor, np.array([monitor.positions["PL011"], monitor.positions["PL002"]]))
    assert [f["properties"]["support"] for f in payload["features"]] == ["none", "single"]


def test_reported_by_lists_each_outlet_with_the_incidents_citing_it(monitor: datasets.Dataset) -> None:
    assert monitor.outlets == list(OUTLETS)  # the most cited first
    assert {name: len(rows) for name, rows in monitor.outlet_rows.items()} == OUTLETS
    assert outlet_label("kyivindependent.com", 8, {}) == "kyivindependent.com (8)"
    assert outlet_label("t.me/" + "x" * 100, 12_345, {}) == "t.me/" + "x" * 75 + " (12,345)"  # cut, counted
    titles = {"003_553f20544c4195fd": "An article bundled with the page"}
    assert outlet_label("003_553f20544c4195fd", 1, titles) == "003 — An article bundled with the page"
    assert ids(monitor, Filters(sources=("pravda.com.ua",))) == {"PL007", "PL014", "PL021"}
    # Two outlets: the incidents citing either (PL001, PL008, PL015, PL022 cite x.com/osint_one too).
    assert ids(monitor, Filters(sources=("pravda.com.ua", "x.com/osint_one"))) == {"PL007", "PL014", "PL021"} | CORROBORATED
    assert ids(monitor, Filters(sources=("nowhere.example",))) == set()
    months = list(pd.period_range("2023-01", "2023-09", freq="M"))
    view = parse_view({"sources": "pravda.com.ua,nowhere.example"}, months, set(), set(), set(),
                      outlets=set(monitor.outlets))
    assert view.filters.sources == ("pravda.com.ua",)


def test_the_page_filters_by_outlet_and_by_no_source(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_on(monkeypatch, MONITOR)
    assert not at.exception
    reported_by = at.multiselect(key=FILTER_SOURCES)
    assert reported_by.options[:4] == [f"{name} ({count})" for name, count in OUTLETS.items()]
    reported_by.set_value(["pravda.com.ua"]).run()
    assert set(incident_table(at)["id"]) == {"PL007", "PL014", "PL021"}
    assert at.query_params["sources"] == "pravda.com.ua"
    at.multiselect(key=FILTER_SOURCES).set_value([]).run()
    at.radio(key=FILTER_CORROBORATION).set_value("no source").run()
    listed = incident_table(at)
    assert set(listed["id"]) == NO_SOURCE and (listed["sources"] == 0).all()


def test_data_checks_list_rejected_rows_apart_from_flagged_ones(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    bad = tmp_path / "monitor_bad.csv"
    bad.write_text(MONITOR.read_text(encoding="utf-8")
                   + "PL-NODATE,,Strike with no date,x,shelling,50.45,30.52,low,urban,R-2000,n,https://a.org/1,,,\n"
                   + "PL-NOWHERE,2023-05-06,Strike off the globe,x,shelling,123.0,30.52,low,urban,R-2001,n,,,,\n",
                   encoding="utf-8")
    at = run_on(monkeypatch, bad)
    assert not at.exception
    checks = [e for e in at.expander if e.label.startswith("Data checks")]
    assert checks[0].label.startswith("Data checks: 23 of 25 rows loaded, 2 rejected, 1 flagged")
    page = [_shown(m.value) for m in at.markdown]
    assert "**Rejected rows (errors): 2**" in page and "**Flagged rows and notices (warnings): 2**" in page
    texts = [t.value for t in at.text]
    # Each listed under its own heading, with its line and its id: errors first, then warnings.
    error_at = next(i for i, t in enumerate(texts) if "line 25" in t and "PL-NODATE" in t and "no date" in t)
    other_error = next(i for i, t in enumerate(texts) if "line 26" in t and "PL-NOWHERE" in t)
    warning_at = next(i for i, t in enumerate(texts) if "line 24" in t and "PL-FAR" in t)
    assert max(error_at, other_error) < warning_at
    assert not {"PL-NODATE", "PL-NOWHERE"} & set(incident_table(at)["id"])


def test_a_column_is_a_filter_with_two_to_fifty_short_repeated_values() -> None:
    assert datasets.category_codes(pd.Series([f"unit {i}" for i in range(50)] * 2)) is not None
    assert datasets.category_codes(pd.Series([f"unit {i}" for i in range(51)] * 2)) is None  # too many to pick from
    assert datasets.category_codes(pd.Series(["same"] * 6)) is None  # one value filters nothing
    assert datasets.category_codes(pd.Series(["a", "b", "c", "d", "e", "a"])) is None  # mostly distinct: an id
    assert datasets.category_codes(pd.Series(["x" * 80, "y" * 80] * 3)) is not None  # 80 characters: short enough
    assert datasets.category_codes(pd.Series(["x" * 81, "y" * 81] * 3)) is None
    codes, values = datasets.category_codes(pd.Series([3, 1, 2, 3, 1, 2]))  # whole numbers: levels, a category
    assert values == ["1", "2", "3"] and codes.tolist() == [2, 0, 1, 2, 0, 1]


def test_a_mapped_column_is_never_a_column_filter(monitor: datasets.Dataset) -> None:
    # `category` (read into the type: three values, repeated) and `date` are the schema's, not free columns.
    assert "category" not in monitor.column_values and "date" not in monitor.column_values
    assert set(monitor.column_values) == {"violence level", "area type"}


def test_a_link_keeps_the_known_values_of_a_column_and_says_what_it_left_out() -> None:
    months = list(pd.period_range("2023-01", "2023-12", freq="M"))
    columns = {"area type": {"urban", "rural"}, "violence level": {"low", "100%, confirmed"}}
    view = parse_view({"c.area type": "urban,suburban"}, months, set(), set(), set(), columns=columns)
    assert view.filters.columns == (("area type", ("urban",)),)
    assert any("column or a value that is not in this dataset" in n for n in view.notices)
    clean = parse_view({"c.area type": "rural,urban"}, months, set(), set(), set(), columns=columns)
    assert clean.filters.columns == (("area type", ("rural", "urban")),) and not clean.notices
    assert parse_view({"c.area type": ""}, months, set(), set(), set(), columns=columns).filters.columns == ()
    # A value holding a comma and a percent sign, as the page writes it into the link and reads it back.
    written = view_params(parse_view({"c.violence level": join_values(("100%, confirmed", "low"))}, months, set(),
                                     set(), set(), columns=columns))
    assert written == {"c.violence level": "100%25%2C confirmed,low"}
    again = parse_view(written, months, set(), set(), set(), columns=columns)
    assert again.filters.columns == (("violence level", ("100%, confirmed", "low")),) and not again.notices
    assert split_values("a%252Cb") == ["a%2Cb"]  # a literal "%2C" in a value is no comma


def test_the_search_finds_numbers_lists_mappings_and_placeholders(monitor: datasets.Dataset, tmp_path: Path) -> None:
    # A placeholder is no source, but it is what the file says: the search still finds it.
    assert ids(monitor, Filters(text="hidden")) == {"PL003", "PL010", "PL017"}
    assert ids(monitor, Filters(text="archive.example.org/item/9")) == {"PL010"}
    assert ids(monitor, Filters(text="urban")) == set(pd.read_csv(MONITOR).query("`area type` == 'urban'")["entry"])
    points = tmp_path / "units.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5, 50.4]},
         "properties": {"id": "J1", "date": "2023-01-01", "title": "one", "type": "shelling",
                        "units": ["brigade 93", "brigade 47"], "camera": {"model": "Canon"}, "count": 1203}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.6, 50.5]},
         "properties": {"id": "J2", "date": "2023-01-02", "title": "two", "type": "shelling",
                        "units": ["brigade 12"], "count": 42, "share": 2.5}},
    ]}), encoding="utf-8")
    data = datasets.from_import(geo.read_incidents(points, points.name))
    assert ids(data, Filters(text="brigade 47")) == {"J1"}  # an item of a list
    assert ids(data, Filters(text="canon")) == {"J1"}  # a value of a mapping, folded
    assert ids(data, Filters(text="1203")) == {"J1"} and ids(data, Filters(text="42")) == {"J2"}  # numbers
    assert ids(data, Filters(text="2.5")) == {"J2"}
    assert ids(data, Filters(text="brigade")) == {"J1", "J2"}


def test_links_are_http_only_and_carry_no_markup() -> None:
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>x</script>", "ftp://a.org/x",
                "https:///no-host", "//a.org/x", "www.a.org/x", "vbscript:msgbox(1)"):
        assert safe_url(bad) is None, bad
        assert link_parts(bad) is None, bad
    assert safe_url("https://a.org/é") == "https://a.org/%C3%A9"
    assert safe_url("https://a.org/a\\b{c}|d^e`f") == "https://a.org/a%5Cb%7Bc%7D%7Cd%5Ee%60f"
    assert safe_url("  https://a.org/x?q=1&r=2#top  ") == "https://a.org/x?q=1&r=2#top"  # a query kept as it is
    parts = link_parts("(see https://a.org/x) then javascript:alert(1)")
    assert parts == [{"text": "(see "}, {"text": "https://a.org/x", "url": "https://a.org/x"},
                     {"text": ") then javascript:alert(1)"}]
    line = fact_markdown({"label": "Archive", "value": "x", "parts": parts})
    assert "(<https://a.org/x>)" in line and "(<javascript" not in line and "](javascript" not in line
    # A quote or an angle bracket ends the link: what follows is text, escaped, never part of the target.
    quoted = link_parts('https://a.org/"><b>x</b>')
    assert quoted == [{"text": "https://a.org/", "url": "https://a.org/"}, {"text": '"><b>x</b>'}]
    line = fact_markdown({"label": "L", "value": "x", "parts": quoted})
    assert line.count("](") == 1 and "(<https://a.org/>)" in line and "<b>" not in line


def test_a_graphic_incident_with_sources_hides_them_and_its_links_until_asked(monitor: datasets.Dataset) -> None:
    # PL001 has three sources, a geolocation link and free columns; the same row marked graphic.
    graphic = row(monitor, "PL001").to_dict() | {"id": "PL001", "graphic": True}
    for brief in (False, True):  # the side panel's record and the popup's
        record = incident_record(graphic, titles={}, readable=frozenset(), extra_columns=monitor.extra_columns,
                                 brief=brief, skip=monitor.mapped_columns)
        shown = record["facts"]
        assert record["sources"] == [] and not [f for f in shown if "parts" in f or f["label"] == "Description"]
        assert not [f for f in shown if "http" in f["value"]], brief
        assert [s["url"] for s in record["reveal"]["sources"]] == [
            "https://www.kyivindependent.com/news-1", "https://t.me/ukrainenow/101", "https://x.com/osint_one/status/1"]
        hidden = {f["label"] for f in record["reveal"]["facts"]}
        assert {"Description", "Geolocation"} <= hidden
        assert "Violence level" in {f["label"] for f in shown}  # what is no media stays in view
        assert {"text": "graphic", "tone": "graphic"} in record["badges"]


def test_the_side_panel_hides_a_graphic_incidents_sources_until_asked(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    # PL004 (graphic) given a source of its own: its button to the source waits behind the toggle too.
    sourced = tmp_path / "monitor_sourced.csv"
    text = MONITOR.read_text(encoding="utf-8")
    assert text.count(",n/a,https://maps.example.org/geo/dnipro-3,") == 1
    sourced.write_text(text.replace(",n/a,https://maps.example.org/geo/dnipro-3,",
                                    ",https://t.me/ukrainenow/104,https://maps.example.org/geo/dnipro-3,"),
                       encoding="utf-8")
    at = run_on(monkeypatch, sourced, incident="PL004")
    assert not at.exception
    assert not [b for b in at.link_button if "t.me" in b.proto.url]
    assert not any("maps.example.org" in m.value for m in at.markdown)
    assert any("graphic" in m.value for m in at.markdown)  # the badge says why something is hidden
    at.toggle(key=reveal_key("PL004")).set_value(True).run()
    assert [b.proto.url for b in at.link_button if "t.me" in b.proto.url] == ["https://t.me/ukrainenow/104"]
    at.toggle(key=reveal_key("PL004")).set_value(False).run()
    assert not [b for b in at.link_button if "t.me" in b.proto.url]


def test_the_first_view_is_not_decided_by_the_row_coded_in_buenos_aires(monkeypatch: pytest.MonkeyPatch,
                                                                          monitor: datasets.Dataset) -> None:
    # 23 incidents, 22 in Ukraine: the first view frames Ukraine; PL-FAR is still drawn when the map is moved to it.
    every = np.arange(len(monitor.frame))
    center, zoom = framing_of_rows(monitor, every)
    assert 46 < center[0] < 51 and 30 < center[1] < 37 and zoom >= 5, (center, zoom)
    at = run_on(monkeypatch, MONITOR)
    assert not at.exception
    assert at.session_state["page"].home == (center, zoom)


def test_a_plain_csv_incident_is_framed_close_up(monitor: datasets.Dataset) -> None:
    # No radius column in the file: the row's radius is unknown, and one incident is shown as a point.
    rows = np.array([monitor.positions["PL003"]])
    assert framing_of_rows(monitor, rows) == ((46.5, 30.74), 16)


# ---- wording: "1 incident", never "1 incidents" ------------------------------------------------------------------

ONE_PLURAL = re.compile(r"(?<![\d,.])1 (?:more )?(?:loaded )?(incidents|rows|problems|fields|sources|markers|stacks|"
                        r"clusters|types)\b")


def _page_text(at) -> list[str]:
    """Return what the page says: its Markdown, captions, expanders' and toggles' labels, Markdown unescaped."""
    return [_shown(t) for t in (*(m.value for m in at.markdown), *(c.value for c in at.caption),
                                *(e.label for e in at.expander), *(t.label for t in at.toggle))]


def test_a_count_of_one_takes_the_singular() -> None:
    from dashboard.record import plural

    assert [plural(n, "incident") for n in (0, 1, 2, 1_234)] == ["0 incidents", "1 incident", "2 incidents",
                                                                  "1,234 incidents"]
    assert support(2)[0] == "2 sources"


def test_a_one_row_file_is_worded_in_the_singular(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = MONITOR.read_text(encoding="utf-8").splitlines()
    one = tmp_path / "one.csv"
    one.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    at = run_on(monkeypatch, one)
    assert not at.exception
    page = _page_text(at)
    assert not [t for t in page if ONE_PLURAL.search(t)], [t for t in page if ONE_PLURAL.search(t)]
    assert "Showing **one.csv**: 1 incident." in page
    # Its one problem is a notice: the file's `graphic` column is kept as "graphic_2" beside the graphic flag.
    assert "Data checks: 1 of 1 row loaded, 0 rejected, 0 flagged, 1 problem" in page
    assert any(t.startswith("**1** of 1 incident overlaps Jan 2023 – Jan 2023.") for t in page)
    assert "1 incident in the window and filters." in page
    assert any("= 1 row read; 0 loaded incidents flagged." in t for t in page)
    assert any(t.startswith("**Its first 1 row, as written**") for t in page)


def test_one_flagged_incident_is_worded_in_the_singular(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_on(monkeypatch, MONITOR)
    page = _page_text(at)
    assert "23 incidents in the window and filters." in page
    assert any("= 23 rows read; 1 loaded incident flagged." in t for t in page)
    at.toggle(key=FILTER_FLAGGED).set_value(True).run()
    page = _page_text(at)
    assert not [t for t in page if ONE_PLURAL.search(t)], [t for t in page if ONE_PLURAL.search(t)]
    assert "1 incident in the window and filters." in page
    assert any(t.startswith("**1** of 23 incidents overlaps") for t in page)
