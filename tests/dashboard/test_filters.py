"""Which incidents the dashboard shows: the time window (interval overlap), the filters, the timeline counts.

Everything here goes through the page's own code: :func:`dataset_mask` on a :class:`Dataset`.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.data import dataset as datasets
from dashboard.data.filters import Filters, dataset_mask
from dashboard.session import shifted
from dashboard.store import store_of
from dashboard.timeline import counts_by_month


@pytest.fixture(scope="module")
def incidents(bundled: datasets.Dataset) -> datasets.Dataset:
    return bundled


def frame_of(*intervals: tuple[str, str]) -> datasets.Dataset:
    frame = pd.DataFrame({
        "id": [f"i{n}" for n in range(len(intervals))],
        "date_start": pd.Series([a for a, _ in intervals], dtype=object),
        "date_end": pd.Series([b for _, b in intervals], dtype=object),
    })
    return datasets.Dataset(frame=frame, label="test")


def in_window(data: datasets.Dataset, start: date, end: date) -> np.ndarray:
    return dataset_mask(data, start, end, Filters())


def matches_filters(data: datasets.Dataset, filters: Filters) -> np.ndarray:
    return dataset_mask(data, *data.span, filters)


def ids(data: datasets.Dataset, mask: np.ndarray) -> set[str]:
    return set(data.frame.loc[mask, "id"])


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
    assert bool(in_window(frame, start, end)[0]) is expected


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
    assert in_window(incidents, *incidents.span).all()


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
        kept = incidents.frame[matches_filters(incidents, Filters(types=chosen))]
        assert len(kept) == int(incidents.frame["type"].isin(chosen).sum()) > 0
        assert set(kept["type"]) == set(chosen)


def test_corroboration_filter(incidents: pd.DataFrame) -> None:
    single = ids(incidents, matches_filters(incidents, Filters(corroboration="single source")))
    corroborated = ids(incidents, matches_filters(incidents, Filters(corroboration="corroborated")))
    assert single == {"embassy-kyiv-2022-08", "yekaterinburg-raid-2025-06", "embassy-kyiv-2025-07"}
    frame = incidents.frame
    assert single == set(frame.loc[frame["corroboration"] == 1, "id"])
    assert corroborated == set(frame.loc[frame["corroboration"] >= 2, "id"])
    assert single | corroborated == set(frame["id"])
    assert not single & corroborated


def test_source_filter_keeps_incidents_citing_any_chosen_source(incidents: pd.DataFrame) -> None:
    def citing(source: str) -> set[str]:
        return {r.id for r in incidents.frame.itertuples() if any(s["source"] == source for s in r.sources)}

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
        # Every column is searched: the August 2022 incident's coding note names the Kinzhal strike too.
        ("  kinzhal  ", {"embassy-kyiv-kinzhal-2024-01-02", "embassy-kyiv-2022-08"}),
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
    assert incidents.frame["weapon"].isna().any()
    assert ids(incidents, matches_filters(incidents, Filters(text="iskander"))) == {"embassy-kyiv-iskander-2025-11-14"}


def test_free_text_searches_the_weapon(incidents: pd.DataFrame) -> None:
    assert ids(incidents, matches_filters(incidents, Filters(text="air defence"))) == {"azal-8243-crash-2024-12"}


def test_blank_text_is_no_filter(incidents: pd.DataFrame) -> None:
    assert matches_filters(incidents, Filters(text="   ")).all()
    assert matches_filters(incidents, Filters(text="’")).all()


def test_window_and_filters_combine(incidents: datasets.Dataset) -> None:
    shown = dataset_mask(incidents, date(2025, 8, 1), date(2025, 11, 30), Filters(types=("missile strike",)))
    assert ids(incidents, shown) == {"embassy-kyiv-2025-08-28", "embassy-kyiv-iskander-2025-11-14"}


# ---- the span, the timeline's counts, the step buttons ------------------------------------------


def test_the_span_covers_whole_months(incidents: datasets.Dataset) -> None:
    assert incidents.span == (date(2022, 3, 1), date(2025, 11, 30))
    assert frame_of(("2023-02-10", "2023-02-11"), ("2024-01-05", "2024-02-03")).span == (
        date(2023, 2, 1), date(2024, 2, 29),
    )
    assert len(incidents.months) == 45 and str(incidents.months[0]) == "2022-03"


def monthly_counts(data: datasets.Dataset, window: tuple[date, date], filters: Filters | None = None) -> pd.DataFrame:
    return counts_by_month(store_of(data).month_counts(filters or Filters()), data.months, window)


def test_monthly_counts_on_the_catalogue(incidents: datasets.Dataset) -> None:
    counts = monthly_counts(incidents, (date(2025, 8, 1), date(2025, 11, 30)))
    assert len(counts) == 45  # March 2022 .. November 2025
    assert counts["incidents"].sum() == len(incidents.frame)
    by_month = dict(zip(counts["month"].dt.strftime("%Y-%m"), counts["incidents"], strict=True))
    assert by_month["2025-08"] == 3
    assert by_month["2022-08"] == 1  # month precision: counted once, in its month
    assert by_month["2023-05"] == 0
    flagged = set(counts.loc[counts["in_window"], "month"].dt.strftime("%Y-%m"))
    assert flagged == {"2025-08", "2025-09", "2025-10", "2025-11"}


def test_monthly_counts_of_nothing() -> None:
    empty = frame_of()
    counts = monthly_counts(empty, (empty.span[0], empty.span[0]))
    assert counts["incidents"].tolist() == [0]  # this month, the span of a dataset with no incident
    assert counts["in_window"].tolist() == [True]
    months = list(pd.period_range("2024-01", "2024-03", freq="M"))
    counts = counts_by_month(np.zeros(3, dtype=int), months, (date(2024, 2, 1), date(2024, 2, 29)))
    assert counts["in_window"].tolist() == [False, True, False]


def test_the_timeline_spec_draws_the_table_it_is_given() -> None:
    """Every field the chart's Vega-Lite spec names is a column of the month table, and its highlight is the window."""
    from dashboard.timeline import chart_spec

    months = list(pd.period_range("2024-01", "2024-03", freq="M"))
    table = counts_by_month(np.array([2, 0, 5]), months, (date(2024, 2, 1), date(2024, 2, 29)))
    spec = chart_spec()
    encoding = spec["encoding"]
    named = {encoding[channel]["field"] for channel in ("x", "y")} | {item["field"] for item in encoding["tooltip"]}
    assert named == {"month", "incidents"} <= set(table.columns)
    assert encoding["color"]["condition"] == {"test": "datum.in_window", "value": "#c0392b"} and "in_window" in table
    assert spec["mark"]["type"] == "bar" and encoding["x"]["timeUnit"] == "yearmonth"


def test_monthly_counts_follow_the_filters(incidents: datasets.Dataset) -> None:
    """The timeline counts the incidents the filters let through, over the whole span (not only the window)."""
    everything = monthly_counts(incidents, (date(2025, 8, 1), date(2025, 8, 31)))
    missiles = monthly_counts(incidents, (date(2025, 8, 1), date(2025, 8, 31)), Filters(types=("missile strike",)))
    assert missiles["incidents"].sum() == (incidents.frame["type"] == "missile strike").sum() > 0
    assert (missiles["incidents"] <= everything["incidents"]).all()
    assert missiles["incidents"].sum() < everything["incidents"].sum()


@given(st.lists(st.tuples(offsets, lengths), min_size=1, max_size=12), offsets, lengths)
def test_monthly_counts_sum_to_the_number_of_incidents(
    intervals: list[tuple[int, int]], window_offset: int, window_length: int
) -> None:
    data = frame_of(*(((DAY0 + timedelta(days=o)).isoformat(), (DAY0 + timedelta(days=o + n)).isoformat())
                      for o, n in intervals))
    start = DAY0 + timedelta(days=window_offset)
    counts = monthly_counts(data, (start, start + timedelta(days=window_length)))
    assert counts["incidents"].sum() == len(data.frame)
    assert (counts["incidents"] >= 0).all()
    months = pd.PeriodIndex(counts["month"], freq="M")
    assert list(months) == data.months
    lo, hi = pd.Period(start, "M"), pd.Period(start + timedelta(days=window_length), "M")
    assert counts["in_window"].tolist() == [lo <= m <= hi for m in months]


MONTHS = list(pd.period_range("2022-03", "2025-11", freq="M"))


@given(st.data(), st.integers(min_value=-60, max_value=60))
def test_a_shifted_window_stays_inside_and_keeps_its_width(data: st.DataObject, by: int) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(MONTHS) - 1))
    j = data.draw(st.integers(min_value=i, max_value=len(MONTHS) - 1))
    lo, hi = shifted(MONTHS, (MONTHS[i], MONTHS[j]), by)
    assert MONTHS[0] <= lo <= hi <= MONTHS[-1]
    assert (hi - lo).n == j - i
    expected = min(max(i + by, 0), len(MONTHS) - 1 - (j - i))  # as far as asked, or to the edge
    assert MONTHS.index(lo) == expected


def test_shifted_examples() -> None:
    march, april, may = pd.Period("2022-03", "M"), pd.Period("2022-04", "M"), pd.Period("2022-05", "M")
    assert shifted(MONTHS, (march, april), 2) == (may, pd.Period("2022-06", "M"))  # the next window, adjacent
    assert shifted(MONTHS, (march, april), -1) == (march, april)  # already at the start
    assert shifted(MONTHS, (MONTHS[0], MONTHS[-1]), 1) == (MONTHS[0], MONTHS[-1])
