"""Dates as intervals with a precision: "March 2022" is the whole month, not its first day."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

PRECISIONS = ("day", "week", "month", "year")
_CLAIM_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class DateInterval:
    """A closed interval of days [start, end] and the precision it was stated with."""

    start: date
    end: date
    precision: str = "day"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"interval ends ({self.end}) before it starts ({self.start})")
        if self.precision not in (*PRECISIONS, "range"):
            raise ValueError(f"unknown precision {self.precision!r}")

    @classmethod
    def day(cls, year: int, month: int, day: int) -> DateInterval:
        """Return the interval of one day."""
        d = date(year, month, day)
        return cls(d, d, "day")

    @classmethod
    def week(cls, middle: date) -> DateInterval:
        """Return the seven days centred on a date (a date known only to its week)."""
        return cls(middle - timedelta(days=3), middle + timedelta(days=3), "week")

    @classmethod
    def month(cls, year: int, month: int) -> DateInterval:
        """Return the interval covering a whole month."""
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), "month")

    @classmethod
    def year(cls, year: int) -> DateInterval:
        """Return the interval covering a whole year."""
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    def overlaps(self, other: DateInterval) -> bool:
        """Return True when the two intervals share at least one day."""
        return self.start <= other.end and other.start <= self.end

    def overlaps_window(self, start: date, end: date) -> bool:
        """Return True when this interval shares a day with the window [start, end]."""
        return self.start <= end and start <= self.end

    def intersection(self, other: DateInterval) -> DateInterval | None:
        """Return the days both intervals cover, with the finer precision, or None if disjoint."""
        if not self.overlaps(other):
            return None
        start, end = max(self.start, other.start), min(self.end, other.end)
        for candidate in (self, other):
            if (candidate.start, candidate.end) == (start, end):
                return candidate
        return DateInterval(start, end, "range")

    def hull(self, other: DateInterval) -> DateInterval:
        """Return the smallest interval covering both."""
        return DateInterval(min(self.start, other.start), max(self.end, other.end), "range")

    def label(self) -> str:
        """Return a human label: '10 March 2022', 'March 2022', '2022' or a range."""
        if self.precision == "day":
            return f"{self.start.day} {self.start:%B %Y}"
        if self.precision == "week":
            return f"week of {self.start.day} {self.start:%B %Y}"
        if self.precision == "month":
            return f"{self.start:%B %Y}"
        if self.precision == "year":
            return f"{self.start.year}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def iso(self) -> str:
        """Return the claim form: YYYY-MM-DD, YYYY-MM or YYYY (a range as start/end)."""
        if self.precision == "day":
            return self.start.isoformat()
        if self.precision == "month":
            return f"{self.start:%Y-%m}"
        if self.precision == "year":
            return f"{self.start:%Y}"
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def parse_date_claim(text: str) -> DateInterval:
    """Parse 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' into an interval; ValueError names what is wrong."""
    match = _CLAIM_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day is not None:
            return DateInterval.day(year, month, day)
        if month is not None:
            return DateInterval.month(year, month)
        return DateInterval.year(year)
    except ValueError as exc:
        raise ValueError(f"date {text!r} does not exist ({exc})") from None
