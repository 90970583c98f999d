"""Dates as intervals with a precision: days, whole months, whole years."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from geo.dates import DateInterval, parse_date_claim


def test_a_day_is_one_day() -> None:
    day = DateInterval.day(2022, 3, 10)
    assert (day.start, day.end, day.precision) == (date(2022, 3, 10), date(2022, 3, 10), "day")
    assert day.iso() == "2022-03-10"
    assert day.label() == "10 March 2022"


def test_a_month_claim_covers_the_whole_month() -> None:
    march = parse_date_claim("2022-03")
    assert (march.start, march.end, march.precision) == (date(2022, 3, 1), date(2022, 3, 31), "month")
    assert march == DateInterval.month(2022, 3)
    assert march.iso() == "2022-03" and march.label() == "March 2022"
    for day in range(1, 32):
        assert march.overlaps(DateInterval.day(2022, 3, day))
    assert not march.overlaps(DateInterval.day(2022, 2, 28))
    assert not march.overlaps(DateInterval.day(2022, 4, 1))


def test_a_year_claim_covers_the_whole_year() -> None:
    year = parse_date_claim("2024")
    assert (year.start, year.end, year.precision) == (date(2024, 1, 1), date(2024, 12, 31), "year")
    assert year.iso() == "2024" and year.label() == "2024"


@pytest.mark.parametrize(("year", "last"), [(2024, 29), (2000, 29), (2023, 28), (1900, 28), (2100, 28)])
def test_february_ends_on_the_29th_in_leap_years_only(year: int, last: int) -> None:
    assert parse_date_claim(f"{year}-02").end == date(year, 2, last)
    if last == 29:
        assert parse_date_claim(f"{year}-02-29") == DateInterval.day(year, 2, 29)
    else:
        with pytest.raises(ValueError, match="does not exist"):
            parse_date_claim(f"{year}-02-29")


@pytest.mark.parametrize("claim", ["2025-02-30", "2025-04-31", "2025-13", "2025-00", "2025-01-00", "2025-01-32"])
def test_impossible_dates_are_rejected(claim: str) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        parse_date_claim(claim)


@pytest.mark.parametrize("claim", ["", "March 2022", "2022/03/10", "22-03-10", "2022-3-10", "2022-03-10T00:00", "10.03.2022"])
def test_malformed_claims_are_rejected(claim: str) -> None:
    with pytest.raises(ValueError, match="is not YYYY-MM-DD"):
        parse_date_claim(claim)


def test_claims_are_parsed_after_trimming_and_from_non_strings() -> None:
    assert parse_date_claim(" 2022-03-10 ") == DateInterval.day(2022, 3, 10)
    assert parse_date_claim(2022) == DateInterval.year(2022)  # a bare year typed without quotes in YAML


def test_an_interval_cannot_end_before_it_starts_or_have_an_unknown_precision() -> None:
    with pytest.raises(ValueError):
        DateInterval(date(2022, 3, 2), date(2022, 3, 1))
    with pytest.raises(ValueError):
        DateInterval(date(2022, 3, 1), date(2022, 3, 1), "fortnight")


def test_a_week_is_the_seven_days_centred_on_its_date() -> None:
    week = DateInterval.week(date(2022, 4, 15))
    assert (week.start, week.end, week.precision) == (date(2022, 4, 12), date(2022, 4, 18), "week")
    assert week.label() == "week of 12 April 2022"
    assert week.iso() == "2022-04-12/2022-04-18"


def test_intersection_keeps_the_finer_claim() -> None:
    month, day = parse_date_claim("2022-03"), parse_date_claim("2022-03-10")
    assert month.intersection(day) == day and day.intersection(month) == day
    assert parse_date_claim("2022-03").intersection(parse_date_claim("2022-04")) is None
    both = DateInterval(date(2022, 3, 25), date(2022, 4, 5), "range")
    assert month.intersection(both) == DateInterval(date(2022, 3, 25), date(2022, 3, 31), "range")


def test_hull_spans_disjoint_claims() -> None:
    hull = parse_date_claim("2025-07").hull(parse_date_claim("2022-08-15"))
    assert (hull.start, hull.end, hull.precision) == (date(2022, 8, 15), date(2025, 7, 31), "range")
    assert hull.iso() == "2022-08-15/2025-07-31"


def test_overlaps_window() -> None:
    august = parse_date_claim("2025-08")
    assert august.overlaps_window(date(2025, 8, 31), date(2025, 9, 30))
    assert august.overlaps_window(date(2025, 1, 1), date(2025, 8, 1))
    assert not august.overlaps_window(date(2025, 9, 1), date(2025, 12, 31))


# --- Properties ------------------------------------------------------------------------------------

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def intervals(draw: st.DrawFn) -> DateInterval:
    kind = draw(st.sampled_from(["day", "month", "year", "range"]))
    d = draw(days)
    if kind == "day":
        return DateInterval.day(d.year, d.month, d.day)
    if kind == "month":
        return DateInterval.month(d.year, d.month)
    if kind == "year":
        return DateInterval.year(d.year)
    return DateInterval(d, d + timedelta(days=draw(st.integers(0, 800))), "range")


def covers(interval: DateInterval, d: date) -> bool:
    return interval.start <= d <= interval.end


@given(intervals(), intervals())
def test_overlaps_is_symmetric(a: DateInterval, b: DateInterval) -> None:
    assert a.overlaps(b) == b.overlaps(a)


@given(intervals(), intervals())
def test_intersection_lies_within_both_and_exists_iff_they_overlap(a: DateInterval, b: DateInterval) -> None:
    meet = a.intersection(b)
    assert (meet is not None) == a.overlaps(b)
    if meet is not None:
        assert a.start <= meet.start <= meet.end <= a.end
        assert b.start <= meet.start <= meet.end <= b.end
        # and it is the largest such interval: a day just outside is missing from one of them
        for outside in (meet.start - timedelta(days=1), meet.end + timedelta(days=1)):
            assert not (covers(a, outside) and covers(b, outside))
        assert b.intersection(a).start == meet.start and b.intersection(a).end == meet.end


@given(intervals(), intervals())
def test_hull_covers_both_and_nothing_beyond(a: DateInterval, b: DateInterval) -> None:
    hull = a.hull(b)
    assert hull.start == min(a.start, b.start) and hull.end == max(a.end, b.end)
    assert a.overlaps(hull) and b.overlaps(hull)
    assert hull.hull(a) == hull


@given(intervals(), intervals())
def test_overlap_means_a_shared_day(a: DateInterval, b: DateInterval) -> None:
    assume((a.end - a.start).days < 800)
    shared = any(covers(b, a.start + timedelta(days=i)) for i in range((a.end - a.start).days + 1))
    assert a.overlaps(b) == shared


@given(st.integers(1990, 2035), st.integers(1, 12), days, st.integers(0, 120))
def test_month_overlaps_window_iff_any_of_its_days_is_in_the_window(year: int, month: int, start: date, length: int) -> None:
    interval = DateInterval.month(year, month)
    end = start + timedelta(days=length)
    in_window = any(start <= date(year, month, d) <= end for d in range(1, calendar.monthrange(year, month)[1] + 1))
    assert interval.overlaps_window(start, end) == in_window


@given(days)
def test_claims_round_trip_through_iso(d: date) -> None:
    for interval in (DateInterval.day(d.year, d.month, d.day), DateInterval.month(d.year, d.month), DateInterval.year(d.year)):
        assert parse_date_claim(interval.iso()) == interval
