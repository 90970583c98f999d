"""What one import may cost: caps on rows, columns, property keys, cell size and the years a date may name.

A hostile or broken file must not be able to exhaust the server that reads it, so every
import is bounded. Each cap is a setting: an environment variable (read by the dashboard and
the command line) or a flag of ``python -m geo validate|convert``. A file over a cap is refused
with a message that names the cap and the setting that raises it; a row over a per-row cap
(a cell too long, a date outside the years) is rejected alone, with its line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import ClassVar

# The days pandas can hold (nanoseconds since 1970 in 64 bits), whole years only.
EARLIEST_YEAR, LATEST_YEAR = 1678, 2261
_YEARS_RE = re.compile(r"^\s*(\d{1,4})\s*[-–:]\s*(\d{1,4})\s*$")


@dataclass(frozen=True)
class Limits:
    """Caps on one import. The defaults hold every real export we know of with a wide margin."""

    rows: int = 2_000_000  # data rows (CSV lines, GeoJSON features)
    columns: int = 1_000  # CSV header cells (ACLED has 31, UCDP GED about 50, GDELT 61)
    property_keys: int = 1_000  # distinct property names over all features of a GeoJSON file
    cell_chars: int = 1_000_000  # characters in one cell or one property value
    first_year: int = 1800  # dates outside these years are placeholders ("9999-12-31") or typos
    last_year: int = 2100

    # The environment variable and the command-line flag that set each cap.
    SETTINGS: ClassVar[dict[str, tuple[str, str]]] = {
        "rows": ("SIM_MAX_ROWS", "--max-rows"),
        "columns": ("SIM_MAX_COLUMNS", "--max-columns"),
        "property_keys": ("SIM_MAX_PROPERTY_KEYS", "--max-property-keys"),
        "cell_chars": ("SIM_MAX_CELL_CHARS", "--max-cell-chars"),
        "years": ("SIM_YEARS", "--years"),
    }

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit {item.name} must be a positive whole number, not {value!r}")
        if not EARLIEST_YEAR <= self.first_year <= self.last_year <= LATEST_YEAR:
            raise ValueError(f"years {self.first_year}–{self.last_year}: they must run forward, "
                             f"within {EARLIEST_YEAR}–{LATEST_YEAR}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Return the defaults with any cap set in the environment (SIM_MAX_ROWS=…, SIM_YEARS=1700-2100…)."""
        environ = os.environ if environ is None else environ
        changes: dict[str, int] = {}
        for name, (variable, _flag) in cls.SETTINGS.items():
            text = environ.get(variable, "").strip()
            if not text:
                continue
            if name == "years":
                changes.update(zip(("first_year", "last_year"), parse_years(text, variable), strict=True))
            else:
                changes[name] = _whole_number(text, variable)
        return replace(cls(), **changes)

    def with_changes(self, **changes: int | None) -> Limits:
        """Return these limits with the given caps replaced (None leaves a cap as it is)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def how_to_raise(self, name: str) -> str:
        """Return how a user raises the cap `name`: its environment variable and its flag."""
        variable, flag = self.SETTINGS[name]
        return f"set {variable} (or {flag} on the command line) to {'widen them' if name == 'years' else 'raise it'}"

    def cap_message(self, name: str, what: str) -> str:
        """Return 'more than N WHAT (the cap; set … to raise it)' for the cap `name`."""
        return f"more than {getattr(self, name):,} {what} (the import's cap; {self.how_to_raise(name)})"

    @property
    def years(self) -> str:
        """Return the accepted years as text: '1800–2100'."""
        return f"{self.first_year}–{self.last_year}"


def _whole_number(text: str, variable: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"{variable}={text!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{variable}={text!r} must be at least 1")
    return value


def parse_years(text: str, variable: str = "years") -> tuple[int, int]:
    """Return (first, last) from '1800-2100' (or '1800–2100', '1800:2100')."""
    found = _YEARS_RE.match(text)
    if not found:
        raise ValueError(f"{variable}={text!r} is not a range of years such as 1800-2100")
    first, last = int(found.group(1)), int(found.group(2))
    if not EARLIEST_YEAR <= first <= last <= LATEST_YEAR:
        raise ValueError(f"{variable}={text!r}: the years must run forward, within {EARLIEST_YEAR}–{LATEST_YEAR}")
    return first, last
