"""CSV records with the lines they came from; a broken record costs only its own line.

Python's ``csv`` module, left to itself, reads past a stray quote to the end of the file and
returns everything after it as one cell: a thousand rows become one title, without an error.
Here the reader is strict, and a record that cannot be right (a quote never closed, text after
a closing quote, a quoted cell that runs over several lines into a record of the wrong width)
is reported at the line it starts on; reading goes on with the next line, so the rows after it
are read on their own instead of being swallowed.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

# Cells are measured against the import's own cap (geo.limits); csv's default of 128 KiB per
# field would otherwise refuse a whole file for one long cell.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Record:
    """One CSV record: its cells, or why it could not be read; the lines it spans."""

    line: int
    last_line: int
    cells: list[str] | None
    error: str | None = None


class _Lines:
    """The text's physical lines, numbered, handed to csv.reader one at a time; lines can be put back."""

    def __init__(self, text: str) -> None:
        self._source = enumerate(io.StringIO(text, newline=""), start=1)
        self.pending: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        number_line = self.pending.popleft() if self.pending else next(self._source)
        self.taken.append(number_line)
        return number_line[1]

    def put_back_all_but_first(self) -> None:
        """Read the lines after the current record's first again, as records of their own."""
        self.pending.extendleft(reversed(self.taken[1:]))


def _explain(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted cell opened on this line is never closed (a stray \" quote?)"
    if "expected after" in message:
        return f"text follows a closing quote inside a cell ({message})"
    return message


def csv_records(text: str, width: int | None = None, delimiter: str = ",") -> Iterator[Record]:
    """Yield every record of a CSV text; with `width`, a multi-line record of another width is an error too.

    The first record is the header: pass ``width=None`` for it, or read it with the same call and
    check the later records' widths yourself. A blank line yields a record with no cells.
    `delimiter` is "," for CSV, a tab for tab-separated files (GDELT's).

    Most files are well formed: they are read in one pass of csv.reader. Only a file with a broken
    record is read again line by line (:func:`_careful_records`), so that the break costs only itself.
    """
    plain = _plain_records(text, width, delimiter)
    return iter(plain) if plain is not None else _careful_records(text, width, delimiter)


def _dialect(delimiter: str) -> dict:
    # Tab-separated exports (GDELT) do not quote: a '"' in a name is a character, not the start of a cell.
    return {"strict": True, "delimiter": delimiter, "quoting": csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL}


def _plain_records(text: str, width: int | None, delimiter: str) -> list[Record] | None:
    """Return every record read in one pass, or None if any record is broken (then read carefully)."""
    reader = csv.reader(io.StringIO(text, newline=""), **_dialect(delimiter))
    records, expected, previous = [], width, 0
    try:
        for cells in reader:
            first, last = previous + 1, reader.line_num
            if expected is None:
                expected = len(cells)
            elif last > first and len(cells) != expected:
                return None
            records.append(Record(first, last, cells))
            previous = last
    except csv.Error:
        return None
    return records


def _careful_records(text: str, width: int | None = None, delimiter: str = ",") -> Iterator[Record]:
    """Yield every record, reading line by line: a broken record is reported and the lines after it read again."""
    lines = _Lines(text)
    dialect = _dialect(delimiter)
    reader = csv.reader(lines, **dialect)
    expected = width
    while True:
        lines.taken = []
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first, last = lines.taken[0][0], lines.taken[-1][0]
            lines.put_back_all_but_first()
            reader = csv.reader(lines, **dialect)
            yield Record(first, last, None, f"CSV syntax error: {_explain(str(exc))}")
            continue
        first, last = lines.taken[0][0], lines.taken[-1][0]
        if expected is None:
            expected = len(cells)
        elif last > first and len(cells) != expected:
            # A quoted cell ran on over several lines and the record came out the wrong width: a stray
            # quote swallowed the lines after it. They are read again, on their own.
            lines.put_back_all_but_first()
            reader = csv.reader(lines, **dialect)
            yield Record(first, last, None,
                         f"CSV syntax error: a quoted cell opened on this line runs on to line {last} and the record "
                         f"has {len(cells)} cells, the header {expected} (a stray \" quote?); the lines after it are "
                         "read on their own")
            continue
        yield Record(first, last, cells)
