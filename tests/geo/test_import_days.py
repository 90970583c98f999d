"""Dates read honestly: the day/month order comes from the whole column, or from the user, never from a guess."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import DataError, ImportOptions, read_incidents
from geo.imports.days import DateOrderError, read_days
from geo.limits import Limits

LIMITS = Limits()
TODAY = date(2026, 12, 3)


def days(*cells: str | None, date_format: str | None = None):
    return read_days(pd.Series(list(cells), dtype=object), LIMITS, column="date", date_format=date_format, today=TODAY)


def starts(column) -> list[str | None]:
    return [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in column.start]


def test_one_day_over_12_settles_the_column_day_first() -> None:
    column = days("03/04/2022", "13/04/2022", "01/02/2023")
    assert column.format == "%d/%m/%Y"
    assert starts(column) == ["2022-04-03", "2022-04-13", "2023-02-01"]


def test_one_second_part_over_12_settles_the_column_month_first() -> None:
    column = days("03/04/2022", "04/13/2022")
    assert column.format == "%m/%d/%Y" and starts(column) == ["2022-03-04", "2022-04-13"]


def test_a_column_that_fits_both_orders_is_refused_with_the_flag_to_use() -> None:
    with pytest.raises(DateOrderError) as caught:
        days("03/04/2022", "05/06/2022")
    message = str(caught.value)
    assert "--date-format" in message and "'%d/%m/%Y'" in message and "'%m/%d/%Y'" in message
    assert "3 Apr or 4 Mar 2022" in message and caught.value.rows == [0]


def test_a_column_that_mixes_both_orders_is_refused() -> None:
    with pytest.raises(DateOrderError, match="mixes day-first"):
        days("13/04/2022", "04/13/2022")


def test_dates_whose_day_equals_their_month_read_the_same_either_way() -> None:
    assert starts(days("04/04/2022", "11/11/2023")) == ["2022-04-04", "2023-11-11"]


def test_an_explicit_format_reads_what_fits_and_rejects_the_rest() -> None:
    column = days("03/04/2022", "2022-04-03", date_format="%m/%d/%Y")
    assert starts(column) == ["2022-03-04", None]


def test_iso_named_compact_timestamps_and_ranges() -> None:
    column = days("2022-03-01", "2022-03", "2022", "15 April 2022", "April 15, 2022", "20220301",
                  "2022-03-01T23:30:00+02:00", "2022-03-01/2022-03-05", "2022-03-01 – 2022-03-05", None)
    assert starts(column) == ["2022-03-01", "2022-03-01", "2022-01-01", "2022-04-15", "2022-04-15", "2022-03-01",
                              "2022-03-01", "2022-03-01", "2022-03-01", None]
    assert list(column.precision) == ["day", "month", "year", "day", "day", "day", "day", "range", "range", None]
    assert column.end.iloc[7].strftime("%Y-%m-%d") == "2022-03-05"


def test_two_digit_years_and_excel_serials_are_read_and_said() -> None:
    column = days("13/04/22", "01/02/99")
    assert starts(column) == ["2022-04-13", "1999-02-01"]
    assert any("two-digit years" in notice for notice in column.notices)
    serial = days("44621", "44622.0")
    assert starts(serial) == ["2022-03-01", "2022-03-02"] and any("Excel" in n for n in serial.notices)


def test_a_day_that_does_not_exist_is_unusable_not_moved() -> None:
    assert starts(days("2022-02-30", "31/04/2022", "13/01/2022")) == [None, None, "2022-01-13"]


# ---- through a whole file -------------------------------------------------------------------------


def csv_bytes(dates: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "lat", "lon", "date"])
    for i, value in enumerate(dates):
        writer.writerow([f"e{i}", 50.45, 30.52, value])
    return out.getvalue().encode("utf-8")


def test_an_ambiguous_file_is_refused_naming_the_line_and_the_flag() -> None:
    with pytest.raises(DataError) as caught:
        read_incidents(csv_bytes(["03/04/2022", "05/06/2022"]), "us.csv")
    (problem,) = caught.value.problems
    assert problem.line == 2 and problem.code == "ambiguous_dates" and "--date-format" in problem.message


def test_the_same_file_loads_with_the_format_given() -> None:
    result = read_incidents(csv_bytes(["03/04/2022", "05/06/2022"]), "us.csv", options=ImportOptions(date_format="%m/%d/%Y"))
    assert list(result.frame["date_start"]) == ["2022-03-04", "2022-05-06"] and result.date_format == "%m/%d/%Y"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)), min_size=1, max_size=12),
       st.sampled_from(["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%m-%d-%Y"]))
def test_dates_in_either_order_read_back_identical_or_are_refused(days_written: list[date], fmt: str) -> None:
    """Never wrong: a CSV's dates, written day-first or month-first, load as written or the file is refused."""
    try:
        result = read_incidents(csv_bytes([d.strftime(fmt) for d in days_written]), "dates.csv")
    except DataError as error:
        assert error.problems[0].code == "ambiguous_dates"
        assert all(d.day <= 12 and d.month <= 12 for d in days_written)  # refused only when the file cannot settle it
        assert any(d.day != d.month for d in days_written)
        return
    loaded = dict(zip(result.frame["id"], result.frame["date_start"], strict=True))
    assert loaded == {f"e{i}": d.isoformat() for i, d in enumerate(days_written)}
