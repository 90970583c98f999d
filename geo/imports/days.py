"""A date column read honestly: its day/month order is read from the whole column, never guessed.

Each distinct cell is classified once (a hundred thousand rows hold a few thousand distinct dates):

* ISO days, months and years (``2022-03-01``, ``2022-03``, ``2022``), timestamps with a time and a
  time zone (``2022-03-01T05:30:00+02:00``: the day as written, in the zone it was written in),
  ranges (``2022-03-01/2022-03-05``, ``2022-03-01 – 2022-03-05``) and named months
  (``15 April 2022``, ``April 15, 2022``) mean one thing only.
* Numeric days (``03/04/2022``, ``3.4.22``) fit two orders. One cell whose first part is over 12
  settles the column as day-first; one whose second part is, as month-first. A column with both is
  refused; a column in which every cell fits both orders (and some cell reads differently in each)
  is refused too, with a message naming ``--date-format``: it is never read by a guess.
* Two-digit years are read as the nearest year not more than one year ahead of today (``22`` is
  2022, ``99`` is 1999), and a notice says so. Eight digits are ``YYYYMMDD`` (GDELT's SQLDATE).
  Five-digit whole numbers are Excel's serial days (days since 1899-12-30), also with a notice.

With an explicit format (``--date-format '%m/%d/%Y'``, or a known schema's own) every cell is read
with it alone (ranges of two such days too); a cell that does not fit is rejected with its row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from ..dates import DateInterval
from ..limits import Limits

EXCEL_FORMAT = "excel"  # --date-format excel: Excel's serial day numbers
DAY_FIRST, MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug folded in)

_ISO_RE = re.compile(
    r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?)?)?$",
    re.I)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # YYYYMMDD
_SLASHED_ISO_RE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")  # 2022/03/01
_NUMERIC_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:[T ,]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$",
                         re.I)
_EXCEL_RE = re.compile(r"^(\d{5})(?:\.0+)?$")
_RANGE_RE = re.compile(r"^(.+?)\s*(?:/|\s[–—-]\s|–|—|\bto\b)\s*(.+)$")
_MONTHS = {name.lower(): number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"), start=1)}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_NAMED_DAY_FIRST_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")  # 15 April 2022
_NAMED_MONTH_FIRST_RE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")  # April 15, 2022
_NAMED_MONTH_RE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")  # April 2022


class DateOrderError(ValueError):
    """A date column whose day/month order the file does not settle; names the rows that show it."""

    def __init__(self, message: str, rows: list[int]) -> None:
        super().__init__(message)
        self.rows = rows


@dataclass
class DayColumn:
    """A date column as intervals: start and end days (NaT where unusable), precision, and why not."""

    start: pd.Series
    end: pd.Series
    precision: pd.Series
    outside: pd.Series  # a real date outside the accepted years (a placeholder or a typo)
    format: str | None  # the order or format the column was read with ("%d/%m/%Y", "ISO", …)
    notices: list[str] = field(default_factory=list)


def _two_digit_year(short: int, today: date) -> int:
    """Return the year nearest to today, and at most a year ahead, that ends in these two digits."""
    year = 2000 + short
    return year if year <= today.year + 1 else year - 100


def _interval(first: date, last: date | None = None, precision: str = "day") -> DateInterval:
    return DateInterval(first, last or first, precision)


def _named(text: str) -> DateInterval | None:
    for pattern, order in ((_NAMED_DAY_FIRST_RE, "dmy"), (_NAMED_MONTH_FIRST_RE, "mdy")):
        found = pattern.match(text)
        if found:
            parts = dict(zip(order, found.groups(), strict=True))
            month = _MONTHS.get(parts["m"].lower())
            if month is None:
                return None
            return _interval(date(int(parts["y"]), month, int(parts["d"])))
    found = _NAMED_MONTH_RE.match(text)
    if found and found.group(1).lower() in _MONTHS:
        return DateInterval.month(int(found.group(2)), _MONTHS[found.group(1).lower()])
    return None


def _unambiguous(text: str) -> DateInterval | None:
    """Return the interval a cell means if it means one thing only; None if it is not such a date.

    Raises ValueError for a cell in a known style naming a day that does not exist (2022-02-30).
    """
    found = _ISO_RE.match(text)
    if found:
        year, month, day = (int(g) if g else None for g in found.groups())
        if day is not None:
            return _interval(date(year, month, day))
        return DateInterval.month(year, month) if month is not None else DateInterval.year(year)
    found = _COMPACT_RE.match(text) or _SLASHED_ISO_RE.match(text)
    if found:
        return _interval(date(*map(int, found.groups())))
    return _named(text)


def _with_format(text: str, fmt: str, today: date) -> DateInterval:
    """Return the interval a cell means in an explicit format (a range of two such days too)."""
    if fmt == EXCEL_FORMAT:
        return _excel(text)
    try:
        return _interval(datetime.strptime(text, fmt).date())
    except ValueError:
        found = _RANGE_RE.match(text)
        if not found:
            raise
        first, last = (datetime.strptime(part.strip(), fmt).date() for part in found.groups())
        return DateInterval(first, last, "range")


def _excel(text: str) -> DateInterval:
    found = _EXCEL_RE.match(text)
    if not found:
        raise ValueError("not an Excel serial day number")
    return _interval(_EXCEL_EPOCH + timedelta(days=int(found.group(1))))


def _numeric_parts(text: str) -> tuple[int, int, int, bool] | None:
    found = _NUMERIC_RE.match(text)
    if not found:
        return None
    first, _sep, second, year = found.groups()
    return int(first), int(second), int(year), len(year) == 2


def read_days(cells: pd.Series, limits: Limits, *, column: str, date_format: str | None = None,
              row_of: Callable[[int], str] | None = None, today: date | None = None) -> DayColumn:
    """Read a column of date cells (text, None for missing) into intervals; raise DateOrderError if ambiguous.

    `row_of(i)` names row i in messages ("line 12"); `column` is the column's name in the file.
    """
    today = today or date.today()
    row_of = row_of or (lambda i: f"row {i + 1}")
    present = cells.dropna()
    distinct = pd.unique(present.to_numpy(dtype=object))
    meaning: dict[str, DateInterval | None] = {}
    notices: list[str] = []
    used = date_format
    if date_format is not None:
        for text in distinct:
            try:
                meaning[text] = _with_format(str(text).strip(), date_format, today)
            except ValueError:
                meaning[text] = None
    else:
        numeric: dict[str, tuple[int, int, int, bool]] = {}
        styles: set[str] = set()
        for text in distinct:
            value = str(text).strip()
            try:
                interval = _unambiguous(value)
                if interval is None:
                    found = _RANGE_RE.match(value)
                    if found:
                        first, last = (_unambiguous(part.strip()) for part in found.groups())
                        if first is not None and last is not None:
                            interval = DateInterval(first.start, last.end, "range")
            except ValueError:
                meaning[text] = None
                continue
            if interval is not None:
                meaning[text] = interval
                styles.add("ISO or named months")
                continue
            parts = _numeric_parts(value)
            if parts is not None:
                numeric[text] = parts
            elif _EXCEL_RE.match(value):
                meaning[text] = _excel(value)
                styles.add(EXCEL_FORMAT)
            else:
                meaning[text] = None
        if EXCEL_FORMAT in styles:
            notices.append(f"column {column!r}: five-digit numbers read as Excel serial days (days since 1899-12-30)")
        if numeric:
            order = _numeric_order(cells, numeric, column, row_of)
            short = sum(1 for parts in numeric.values() if parts[3])
            for text, (first, second, year, two_digits) in numeric.items():
                day, month = (first, second) if order == DAY_FIRST else (second, first)
                full_year = _two_digit_year(year, today) if two_digits else year
                try:
                    meaning[text] = _interval(date(full_year, month, day))
                except ValueError:
                    meaning[text] = None
            if short:
                notices.append(f"column {column!r}: {short:,} distinct date(s) with two-digit years, read as the "
                               f"nearest year up to {today.year + 1} ('22' is 2022, '99' is 1999)")
            styles.add(order)
        used = order if numeric else ("ISO" if styles else None)
    return _column(cells, meaning, limits, used, notices)


def _numeric_order(cells: pd.Series, numeric: dict[str, tuple[int, int, int, bool]], column: str,
                   row_of: Callable[[int], str]) -> str:
    """Return the day/month order the column's numeric dates settle; raise DateOrderError when they do not."""
    # Evidence is a cell that reads as a date in one order only (40/40/2022 reads in neither: it is just invalid).
    day_first = next((t for t, p in numeric.items() if p[0] > 12 >= p[1]), None)
    month_first = next((t for t, p in numeric.items() if p[1] > 12 >= p[0]), None)

    def where(text: str) -> tuple[int, str]:
        row = int(np.flatnonzero((cells == text).to_numpy())[0])
        return row, row_of(row)

    hint = f"give --date-format '{DAY_FIRST}' or '{MONTH_FIRST}' (or choose the order in the mapping step)"
    if day_first is not None and month_first is not None:
        (row_a, at_a), (row_b, at_b) = where(day_first), where(month_first)
        raise DateOrderError(
            f"column {column!r} mixes day-first dates ({at_a}: {day_first!r}) and month-first dates "
            f"({at_b}: {month_first!r}); {hint}", [row_a, row_b])
    if day_first is not None:
        return DAY_FIRST
    if month_first is not None:
        return MONTH_FIRST
    differing = next((t for t, p in numeric.items() if p[0] != p[1]), None)
    if differing is None:
        return DAY_FIRST  # every date has day == month: both orders read the same
    row, at = where(differing)
    raise DateOrderError(
        f"column {column!r}: every date fits both day/month and month/day order, so the order cannot be read "
        f"from the file ({at}: {differing!r} is {_both_readings(numeric[differing])}); {hint}", [row])


def _both_readings(parts: tuple[int, int, int, bool]) -> str:
    first, second, year, _ = parts
    names = [None, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{first} {names[second]} or {second} {names[first]} {year}"


def _column(cells: pd.Series, meaning: dict[str, DateInterval | None], limits: Limits, used: str | None,
            notices: list[str]) -> DayColumn:
    """Map each cell to its interval; an interval outside the accepted years is unusable, and marked so."""
    starts, ends, precisions, outside_values = {}, {}, {}, set()
    for text, interval in meaning.items():
        if interval is None:
            continue
        if not (limits.first_year <= interval.start.year and interval.end.year <= limits.last_year):
            outside_values.add(text)
            continue
        starts[text], ends[text], precisions[text] = interval.start, interval.end, interval.precision
    # Each distinct text is read once; the rows take their values by code (a million rows, a few thousand texts).
    codes, texts = pd.factorize(cells, use_na_sentinel=True)
    present = codes >= 0

    def by_row(found: dict, missing: object, dtype: str) -> np.ndarray:
        values = np.array([found.get(text, missing) for text in texts] + [missing], dtype=dtype)
        return values[np.where(present, codes, len(texts))]

    start = pd.Series(by_row(starts, None, "datetime64[ns]"), index=cells.index)
    end = pd.Series(by_row(ends, None, "datetime64[ns]"), index=cells.index)
    precision = pd.Series(by_row(precisions, None, "object"), index=cells.index, dtype=object).where(start.notna(), None)
    return DayColumn(start, end, precision, cells.isin(outside_values), used, notices)
