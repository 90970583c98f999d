"""Shareable links: a URL's query parameters restore a view, and a bad or hostile link only produces a notice."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.data.filters import CORROBORATION_CHOICES, Filters
from dashboard.state import View, WhenAsked, parse_view, view_params
from dashboard.timeline import month_window

SPAN = (date(2022, 3, 1), date(2025, 11, 30))
MONTHS = list(pd.period_range(SPAN[0], SPAN[1], freq="M"))
INCIDENT_IDS = {
    "kharkiv-consulate-2022-03", "embassy-kyiv-2022-08", "embassy-kyiv-kinzhal-2024-01-02",
    "embassy-kyiv-iskander-2025-11-14",
}
SOURCE_IDS = {"000_17e1e5416acb89c9", "001_fa2f07d2642b260d", "003_553f20544c4195fd"}
TYPES = {"missile strike", "airstrike", "drone attack", "attack", "police raid"}


def parse(params: dict) -> View:
    return parse_view(params, MONTHS, INCIDENT_IDS, SOURCE_IDS, TYPES)


def test_month_window() -> None:
    assert len(MONTHS) == 45
    assert (MONTHS[0], MONTHS[-1]) == (pd.Period("2022-03", "M"), pd.Period("2025-11", "M"))
    assert month_window(pd.Period("2024-02", "M"), pd.Period("2024-02", "M")) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_window(MONTHS[0], MONTHS[-1]) == SPAN


def test_empty_link_is_the_default_view() -> None:
    view = parse({})
    assert view.window is None and view.incident is None and view.source is None
    assert view.filters == Filters()
    assert view.notices == []
    assert view_params(view) == {}


def test_full_link_is_restored() -> None:
    params = {
        "from": "2025-08", "to": "2025-11", "incident": "embassy-kyiv-iskander-2025-11-14",
        "source": "003_553f20544c4195fd", "type": "missile strike,attack", "corroboration": "corroborated",
        "sources": "000_17e1e5416acb89c9,003_553f20544c4195fd", "q": "Iskander",
    }
    view = parse(params)
    assert view.window == (pd.Period("2025-08", "M"), pd.Period("2025-11", "M"))
    assert view.incident == "embassy-kyiv-iskander-2025-11-14"
    assert view.source == "003_553f20544c4195fd"
    assert view.filters == Filters(("missile strike", "attack"), "corroborated",
                                   ("000_17e1e5416acb89c9", "003_553f20544c4195fd"), "Iskander")
    assert view.notices == []
    assert view_params(view) == params


def test_repeated_parameters_use_the_last_value() -> None:
    view = parse({"from": ["2023-01", "2024-01"], "incident": ["nope", "embassy-kyiv-2022-08"]})
    assert view.window == (pd.Period("2024-01", "M"), MONTHS[-1])
    assert view.incident == "embassy-kyiv-2022-08"


# ---- hostile and broken links -----------------------------------------------------------------

HOSTILE = [
    "../../etc/passwd", "/etc/passwd", "%2e%2e%2f", "....//", "..", ".", "..\\..\\windows\\win.ini",
    "003_553f20544c4195fd/../../etc/passwd", "003_553f20544c4195fd\x00", "file:///etc/passwd",
    "<script>alert(1)</script>", "x" * 500, "003_553F20544C4195FD", "003",
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_unknown_or_hostile_source_is_rejected_with_a_notice(bad: str) -> None:
    view = parse({"source": bad})
    assert view.source is None
    assert len(view.notices) == 1 and "source" in view.notices[0]
    assert "source" not in view_params(view)


@pytest.mark.parametrize("bad", HOSTILE)
def test_unknown_or_hostile_incident_is_rejected_with_a_notice(bad: str) -> None:
    view = parse({"incident": bad})
    assert view.incident is None
    assert len(view.notices) == 1 and "incident" in view.notices[0]


def test_a_bad_id_does_not_spoil_the_rest_of_the_link() -> None:
    view = parse({"source": "../../etc/passwd", "incident": "embassy-kyiv-2022-08", "from": "2022-08", "to": "2022-08"})
    assert view.source is None
    assert view.incident == "embassy-kyiv-2022-08"
    assert view.window == (pd.Period("2022-08", "M"), pd.Period("2022-08", "M"))
    assert len(view.notices) == 1


def test_blank_ids_are_ignored_silently() -> None:
    view = parse({"source": "  ", "incident": ""})
    assert view.source is None and view.incident is None and view.notices == []


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2022-13"}, {"from": "2023-00", "to": "2024-01"}, {"to": "0000-01"}, {"from": "garbage"},
        {"from": "2023-1"}, {"from": "2023-01-15"}, {"from": "../../etc"}, {"from": "2024-05", "to": "2023-01"},
        {"from": "2030-01", "to": "2031-01"}, {"from": "1990-01", "to": "1991-12"},
    ],
)
def test_bad_months_give_a_notice_or_fall_back_to_the_full_span(params: dict) -> None:
    view = parse(params)
    assert view.window is not None
    lo, hi = view.window
    assert MONTHS[0] <= lo <= hi <= MONTHS[-1]
    assert view.notices or view.window == (MONTHS[0], MONTHS[-1])


def test_invalid_month_number_gives_a_notice_and_the_full_span() -> None:
    view = parse({"from": "2022-13", "to": "2024-01"})
    assert view.window == (MONTHS[0], MONTHS[-1])
    assert view.notices and "YYYY-MM" in view.notices[0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2020-01", "to": "2023-06"}, ("2022-03", "2023-06")),
        ({"from": "2024-01", "to": "2030-12"}, ("2024-01", "2025-11")),
        ({"from": "2019-01", "to": "2031-01"}, ("2022-03", "2025-11")),
        ({"from": "2024-01"}, ("2024-01", "2025-11")),
        ({"to": "2024-01"}, ("2022-03", "2024-01")),
    ],
)
def test_windows_are_clipped_to_the_span(params: dict, expected: tuple[str, str]) -> None:
    view = parse(params)
    assert view.window == (pd.Period(expected[0], "M"), pd.Period(expected[1], "M"))


def test_filters_keep_only_known_values() -> None:
    view = parse({"type": "missile strike,nuclear strike,,../x", "corroboration": "maybe",
                  "sources": "003_553f20544c4195fd,../../etc/passwd", "q": "k" * 1000})
    assert view.filters.types == ("missile strike",)
    assert view.filters.corroboration == "all"
    assert view.filters.sources == ("003_553f20544c4195fd",)
    assert view.filters.text == "k" * 200


# ---- round trip -------------------------------------------------------------------------------

month_indices = st.integers(min_value=0, max_value=len(MONTHS) - 1)
search_text = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=1, max_size=200,
).map(str.strip).filter(bool)


@st.composite
def views(draw: st.DrawFn) -> View:
    window = None
    if draw(st.booleans()):
        i, j = sorted((draw(month_indices), draw(month_indices)))
        window = (MONTHS[i], MONTHS[j])
    filters = Filters(
        types=tuple(draw(st.lists(st.sampled_from(sorted(TYPES)), unique=True, max_size=3))),
        corroboration=draw(st.sampled_from(CORROBORATION_CHOICES)),
        sources=tuple(draw(st.lists(st.sampled_from(sorted(SOURCE_IDS)), unique=True, max_size=3))),
        text=draw(st.one_of(st.just(""), search_text)),
    )
    return View(
        window=window,
        incident=draw(st.none() | st.sampled_from(sorted(INCIDENT_IDS))),
        source=draw(st.none() | st.sampled_from(sorted(SOURCE_IDS))),
        filters=filters,
    )


@given(views())
def test_view_params_round_trip(view: View) -> None:
    params = view_params(view)
    assert all(isinstance(v, str) and v for v in params.values())
    back = parse(params)
    assert back.notices == []
    assert back.window == view.window
    assert back.incident == view.incident
    assert back.source == view.source
    assert back.filters == view.filters
    assert view_params(back) == params


@given(st.dictionaries(st.sampled_from(["from", "to", "incident", "source", "type", "corroboration", "sources", "q"]),
                       st.text(max_size=40) | st.lists(st.text(max_size=20), max_size=3)))
def test_parse_view_never_raises_and_only_keeps_known_ids(params: dict) -> None:
    view = parse(params)
    assert view.source is None or view.source in SOURCE_IDS
    assert view.incident is None or view.incident in INCIDENT_IDS
    assert set(view.filters.types) <= TYPES
    assert set(view.filters.sources) <= SOURCE_IDS
    assert view.filters.corroboration in CORROBORATION_CHOICES
    if view.window is not None:
        assert MONTHS[0] <= view.window[0] <= view.window[1] <= MONTHS[-1]


def test_a_link_that_names_no_source_never_gathers_the_sources() -> None:
    def gathered() -> list[str]:
        raise AssertionError("the sources were gathered")

    view = parse_view({"from": "2022-03", "incident": "kharkiv-consulate-2022-03"}, MONTHS, INCIDENT_IDS,
                      WhenAsked(gathered), TYPES, outlets=WhenAsked(gathered))
    assert view.incident == "kharkiv-consulate-2022-03" and view.source is None and view.filters.sources == ()


def test_a_link_that_names_a_source_or_an_outlet_is_checked_against_them() -> None:
    asked: list[str] = []

    def names(which: str, found: set[str]):
        return lambda: asked.append(which) or found

    source = sorted(SOURCE_IDS)[0]
    view = parse_view({"source": source, "sources": "example.org,nowhere.test"}, MONTHS, INCIDENT_IDS,
                      WhenAsked(names("sources", SOURCE_IDS)), TYPES,
                      outlets=WhenAsked(names("outlets", {"example.org"})))
    assert (view.source, view.filters.sources) == (source, ("example.org",))
    assert asked == ["sources", "outlets"]


@pytest.mark.parametrize(("params", "kept", "notice"), [
    ({"type": "attack,no such type,<b>x</b>"}, Filters(types=("attack",)), "2 incident types not in this dataset"),
    ({"sources": "000_17e1e5416acb89c9,nowhere.example"}, Filters(sources=("000_17e1e5416acb89c9",)),
     "1 outlet (Reported by) not in this dataset"),
    ({"corroboration": "verified"}, Filters(), "corroboration filter is not one of"),
    ({"type": "attack,", "sources": ",000_17e1e5416acb89c9,", "corroboration": ""},
     Filters(types=("attack",), sources=("000_17e1e5416acb89c9",)), None),  # blanks (a trailing comma) are no values
])
def test_a_filter_value_not_in_the_dataset_is_left_out_with_a_notice(params: dict, kept: Filters, notice) -> None:
    view = parse(params)
    assert view.filters == kept
    assert [n for n in view.notices if notice and notice in n] == view.notices and len(view.notices) == (notice is not None)


def test_a_link_of_many_unknown_outlets_counts_them_in_one_notice() -> None:
    view = parse({"sources": ",".join(f"outlet-{i}" for i in range(200_000))})
    assert view.filters.sources == () and view.notices == ["The link filters on 200,000 outlets (Reported by) not in "
                                                           "this dataset; left out."]
