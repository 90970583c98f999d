"""Which incidents the dashboard shows: the time window (interval overlap), the filters, the timeline counts."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import geo
from dashboard.filters import (
    Filters,
    catalogue_span,
    in_window,
    matches_filters,
    monthly_counts,
    step_window,
    visible,
)


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return geo.load_incidents()


def frame_of(*intervals: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"i{n}" for n in range(len(intervals))],
        "date_start": [a for a, _ in intervals],
        "date_end": [b for _, b in intervals],
    })


def ids(frame: pd.DataFrame, mask: pd.Series) -> set[str]:
    return set(frame.loc[mask, "id"])


# ---- in_window --------------------------------------------------------------------------------

MARCH_2022 = ("2022-03-01", "2022-03-31")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2022, 3, 31), date(2022, 4, 30), True),  # the window starts on the month's last day
        (date(2022, 1, 1), date(2022, 3, 1), True),  # the window ends on the month's first day
        (date(2022, 3, 10), date(2022, 3, 10), True),  # a single day inside the month
        (date(2022, 1, 1), date(2022, 12, 31), True),  # the window contains the month
        (date(2022, 4, 1), date(2022, 5, 31), False),  # starts the day after the month
        (date(2022, 1, 1), date(2022, 2, 28), False),  # ends the day before the month
    ],
)
def test_month_precision_incident_overlaps_windows_at_its_edges(start: date, end: date, expected: bool) -> None:
    frame = frame_of(MARCH_2022)
    assert bool(in_window(frame, start, end).iloc[0]) is expected


def test_day_precision_incident_is_in_window_only_on_its_day() -> None:
    frame = frame_of(("2025-08-28", "2025-08-28"))
    assert in_window(frame, date(2025, 8, 28), date(2025, 8, 28)).all()
    assert not in_window(frame, date(2025, 8, 29), date(2025, 9, 30)).any()
    assert not in_window(frame, date(2025, 7, 1), date(2025, 8, 27)).any()


def test_in_window_on_the_catalogue(incidents: pd.DataFrame) -> None:
    # August 2025: the two SOCAR depot strikes and the 28 August strike; nothing from July or November.
    mask = in_window(incidents, date(2025, 8, 1), date(2025, 8, 31))
    assert ids(incidents, mask) == {
        "socar-depot-odesa-2025-08-08", "socar-depot-odesa-2025-08-18", "embassy-kyiv-2025-08-28",
    }
    # A window from the last day of July 2025 still catches the month-precision July attack.
    assert "embassy-kyiv-2025-07" in ids(incidents, in_window(incidents, date(2025, 7, 31), date(2025, 8, 1)))
    assert in_window(incidents, *catalogue_span(incidents)).all()


DAY0 = date(2020, 1, 1)
offsets = st.integers(min_value=0, max_value=800)
lengths = st.integers(min_value=0, max_value=120)


@given(
    st.lists(st.tuples(offsets, lengths), min_size=1, max_size=8),
    offsets,
    lengths,
)
def test_in_window_equals_some_day_of_the_interval_lies_in_the_window(
    intervals: list[tuple[int, int]], window_offset: int, window_length: int
) -> None:
    pairs = [(DAY0 + timedelta(days=o), DAY0 + timedelta(days=o + n)) for o, n in intervals]
    frame = frame_of(*((a.isoformat(), b.isoformat()) for a, b in pairs))
    start = DAY0 + timedelta(days=window_offset)
    end = start + timedelta(days=window_length)
    brute = [
        any(start <= a + timedelta(days=k) <= end for k in range((b - a).days + 1))
        for a, b in pairs
    ]
    assert in_window(frame, start, end).tolist() == brute


# ---- matches_filters ----------------------------------------------------------------------------


def test_no_filters_keep_everything(incidents: pd.DataFrame) -> None:
    assert matches_filters(incidents, Filters()).all()


def test_type_filter_keeps_only_those_types(incidents: pd.DataFrame) -> None:
    for chosen in [("missile strike",), ("drone attack", "police raid")]:
        kept = incidents[matches_filters(incidents, Filters(types=chosen))]
        assert len(kept) == int(incidents["type"].isin(chosen).sum()) > 0
        assert set(kept["type"]) == set(chosen)


def test_corroboration_filter(incidents: pd.DataFrame) -> None:
    single = ids(incidents, matches_filters(incidents, Filters(corroboration="single source")))
    corroborated = ids(incidents, matches_filters(incidents, Filters(corroboration="corroborated")))
    assert single == {"embassy-kyiv-2022-08", "yekaterinburg-raid-2025-06", "embassy-kyiv-2025-07"}
    assert single == set(incidents.loc[incidents["corroboration"] == 1, "id"])
    assert corroborated == set(incidents.loc[incidents["corroboration"] >= 2, "id"])
    assert single | corroborated == set(incidents["id"])
    assert not single & corroborated


def test_source_filter_keeps_incidents_citing_any_chosen_source(incidents: pd.DataFrame) -> None:
    def citing(source: str) -> set[str]:
        return {r.id for r in incidents.itertuples() if any(s["source"] == source for s in r.sources)}

    assert ids(incidents, matches_filters(incidents, Filters(sources=("002_eb5374e7c06e77bb",)))) == {
        "embassy-kyiv-iskander-2025-11-14"
    }
    both = ("000_17e1e5416acb89c9", "001_fa2f07d2642b260d")
    assert ids(incidents, matches_filters(incidents, Filters(sources=both))) == citing(both[0]) | citing(both[1])
    assert not matches_filters(incidents, Filters(sources=("no-such-source",))).any()


def test_filters_combine(incidents: pd.DataFrame) -> None:
    f = Filters(types=("attack",), corroboration="single source", sources=("001_fa2f07d2642b260d",), text="kyiv")
    assert ids(incidents, matches_filters(incidents, f)) == {"embassy-kyiv-2022-08", "embassy-kyiv-2025-07"}
    assert not matches_filters(incidents, Filters(types=("attack",), corroboration="corroborated")).any()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Case- and diacritics-insensitive, on titles.
        ("YEKATERINBURG", {"yekaterinburg-raid-2025-06"}),
        ("Yékaterinbûrg", {"yekaterinburg-raid-2025-06"}),
        ("  kinzhal  ", {"embassy-kyiv-kinzhal-2024-01-02"}),
        # Quotes only: these words are in no title.
        ("three-meter crater", {"embassy-kyiv-kinzhal-2024-01-02"}),
        ("Otolaryngology", {"embassy-kyiv-iskander-2025-11-14"}),
        ("deaths of at least 23 people", {"embassy-kyiv-2022-08"}),
        ("shattering", {"embassy-kyiv-2025-08-28"}),
        # Place names only.
        ("Darnytskyi district", {"embassy-kyiv-2025-08-28"}),
        ("SOLOMIANSKYI", {"embassy-kyiv-2025-08-28"}),
        ("odesa oblast", {"socar-depot-odesa-2025-08-08", "socar-depot-odesa-2025-08-18"}),
        # Apostrophes fold away, as in the gazetteer.
        ("SOCAR’s oil depot", {"socar-depot-odesa-2025-08-08", "socar-depot-odesa-2025-08-18"}),
        ("no such words anywhere", set()),
    ],
)
def test_free_text_search(incidents: pd.DataFrame, text: str, expected: set[str]) -> None:
    assert ids(incidents, matches_filters(incidents, Filters(text=text))) == expected


def test_free_text_search_survives_missing_weapon(incidents: pd.DataFrame) -> None:
    # Regression: a missing weapon is NaN in the frame, and joining it raised TypeError on every search.
    assert incidents["weapon"].isna().any()
    assert ids(incidents, matches_filters(incidents, Filters(text="iskander"))) == {"embassy-kyiv-iskander-2025-11-14"}


def test_free_text_searches_the_weapon(incidents: pd.DataFrame) -> None:
    assert ids(incidents, matches_filters(incidents, Filters(text="air defence"))) == {"azal-8243-crash-2024-12"}


def test_blank_text_is_no_filter(incidents: pd.DataFrame) -> None:
    assert matches_filters(incidents, Filters(text="   ")).all()
    assert matches_filters(incidents, Filters(text="’")).all()


def test_visible_is_window_and_filters(incidents: pd.DataFrame) -> None:
    shown = visible(incidents, date(2025, 8, 1), date(2025, 11, 30), Filters(types=("missile strike",)))
    assert set(shown["id"]) == {"embassy-kyiv-2025-08-28", "embassy-kyiv-iskander-2025-11-14"}


# ---- catalogue_span, monthly_counts, step_window ----------------------------------------------


def test_catalogue_span_covers_whole_months(incidents: pd.DataFrame) -> None:
    assert catalogue_span(incidents) == (date(2022, 3, 1), date(2025, 11, 30))
    assert catalogue_span(frame_of(("2023-02-10", "2023-02-11"), ("2024-01-05", "2024-02-03"))) == (
        date(2023, 2, 1), date(2024, 2, 29),
    )


def test_monthly_counts_on_the_catalogue(incidents: pd.DataFrame) -> None:
    span = catalogue_span(incidents)
    counts = monthly_counts(incidents, span, (date(2025, 8, 1), date(2025, 11, 30)))
    assert len(counts) == 45  # March 2022 .. November 2025
    assert counts["incidents"].sum() == len(incidents)
    by_month = dict(zip(counts["month"].dt.strftime("%Y-%m"), counts["incidents"], strict=True))
    assert by_month["2025-08"] == 3
    assert by_month["2022-08"] == 1  # month precision: counted once, in its month
    assert by_month["2023-05"] == 0
    flagged = set(counts.loc[counts["in_window"], "month"].dt.strftime("%Y-%m"))
    assert flagged == {"2025-08", "2025-09", "2025-10", "2025-11"}


def test_monthly_counts_of_nothing() -> None:
    empty = frame_of()
    counts = monthly_counts(empty, (date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 2, 1), date(2024, 2, 29)))
    assert counts["incidents"].tolist() == [0, 0, 0]
    assert counts["in_window"].tolist() == [False, True, False]


@given(st.lists(st.tuples(offsets, lengths), min_size=1, max_size=12), offsets, lengths)
def test_monthly_counts_sum_to_the_number_of_incidents(
    intervals: list[tuple[int, int]], window_offset: int, window_length: int
) -> None:
    frame = frame_of(*(((DAY0 + timedelta(days=o)).isoformat(), (DAY0 + timedelta(days=o + n)).isoformat())
                       for o, n in intervals))
    span = catalogue_span(frame)
    start = DAY0 + timedelta(days=window_offset)
    counts = monthly_counts(frame, span, (start, start + timedelta(days=window_length)))
    assert counts["incidents"].sum() == len(frame)
    assert (counts["incidents"] >= 0).all()
    months = pd.PeriodIndex(counts["month"], freq="M")
    assert list(months) == list(pd.period_range(span[0], span[1], freq="M"))
    lo, hi = pd.Period(start, "M"), pd.Period(start + timedelta(days=window_length), "M")
    assert counts["in_window"].tolist() == [lo <= m <= hi for m in months]


@given(
    st.integers(min_value=0, max_value=1500),
    st.integers(min_value=0, max_value=1500),
    st.data(),
    st.sampled_from([-1, 1]),
)
def test_step_window_stays_in_span_and_keeps_width(
    span_offset: int, span_length: int, data: st.DataObject, direction: int
) -> None:
    span = (DAY0 + timedelta(days=span_offset), DAY0 + timedelta(days=span_offset + span_length))
    start_offset = data.draw(st.integers(min_value=0, max_value=span_length))
    width = data.draw(st.integers(min_value=0, max_value=span_length - start_offset))
    window = (span[0] + timedelta(days=start_offset), span[0] + timedelta(days=start_offset + width))
    new = step_window(window, span, direction)
    assert span[0] <= new[0] <= new[1] <= span[1]
    assert new[1] - new[0] == window[1] - window[0]
    if direction > 0:
        assert new[0] >= window[0]
        if window[1] + timedelta(days=width + 1) <= span[1]:
            assert new[0] == window[1] + timedelta(days=1)  # the next window, adjacent, no overlap
    else:
        assert new[0] <= window[0]
        if window[0] - timedelta(days=width + 1) >= span[0]:
            assert new[1] == window[0] - timedelta(days=1)


def test_step_window_examples() -> None:
    span = (date(2022, 3, 1), date(2025, 11, 30))
    assert step_window((date(2022, 3, 1), date(2022, 3, 31)), span, 1) == (date(2022, 4, 1), date(2022, 5, 1))
    assert step_window((date(2025, 11, 1), date(2025, 11, 30)), span, 1) == (date(2025, 11, 1), date(2025, 11, 30))
    assert step_window((date(2022, 3, 10), date(2022, 4, 10)), span, -1) == (date(2022, 3, 1), date(2022, 4, 1))
    assert step_window(span, span, 1) == span
