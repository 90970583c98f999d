"""geo.imports.checks: texts made once per distinct row are each row's own."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.imports.checks import _day_text, _label_text, per_distinct

DAYS = st.one_of(st.none(), st.dates(min_value=pd.Timestamp("1700-01-01").date(), max_value=pd.Timestamp("2200-12-31").date()))
KINDS = st.one_of(st.none(), st.sampled_from(["day", "week", "month", "year", "range"]))


def _rows(data: list[tuple]) -> list[pd.Series]:
    """Return (start, end, precision) columns; an end is its start and a number of days, as the import makes it."""
    start = pd.Series(pd.to_datetime([d[0] for d in data]), dtype="datetime64[ns]")
    end = start + pd.to_timedelta([d[1] if d[1] is not None else float("nan") for d in data], unit="D")
    return [start, end, pd.Series([d[2] for d in data], dtype=object)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DAYS, st.one_of(st.none(), st.integers(0, 400)), KINDS), max_size=40))
def test_a_text_made_per_distinct_row_is_each_rows_own(data: list[tuple]) -> None:
    start, end, kind = _rows(data)
    days = per_distinct([start], _day_text).to_pylist()
    assert days == [None if pd.isna(day) else day.strftime("%Y-%m-%d") for day in start]
    labels = per_distinct([start, end, kind], _label_text).to_pylist()
    one_by_one = _label_text(pd.DataFrame({0: start, 1: end, 2: kind})).tolist()
    missing = start.isna() | end.isna() | kind.isna()
    assert labels == [None if gone else label for label, gone in zip(one_by_one, missing, strict=True)]
