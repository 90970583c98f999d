"""Texts made once per distinct row of a few columns, and given to every row that has those values, in Arrow.

A large table repeats itself: a million ACLED events fall on a few thousand days, name a few thousand outlet
lists and places, and carry a few dozen death tolls. Made a row at a time, each row's text (a date label, a list
of sources as JSON) was a Python call and a Python string per row; made per distinct row, it is a call per value
and an Arrow array that every row points into. The text of a row is the one its own values make, whatever the
others: the function that makes it is called with those very values (the first row that has them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

SPAN_MAX = 2**62  # the rows' numbers stay below this (int64): past it, they are renumbered


def per_distinct(columns: Sequence[pd.Series], make: Callable[[pd.DataFrame], Sequence[Any]], *,
                 missing_is_null: bool = True) -> pa.Array:
    """Return the text `make` gives each row of `columns` (as Arrow text), made once per distinct row.

    `make` takes distinct rows (a frame whose column i holds values of `columns[i]`) and returns each one's text
    (anything that is not a str: null). With `missing_is_null`, a row with a missing value is null without a
    call; otherwise a missing value is a value like any other (None and NaN are one value: pandas' missing).
    """
    n = len(columns[0])
    combined, missing, span = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), 1
    for column in columns:  # each column's values as codes, the codes of a row as one number
        try:
            codes, values = pd.factorize(column)
        except TypeError:  # a list or mapping in a cell (a JSON record's): each row is its own
            codes = np.where(column.isna().to_numpy(), -1, np.arange(n))
            values = column
        missing |= codes < 0
        if span * (len(values) + 1) >= SPAN_MAX:  # renumbered by the rows there are (at most n), to leave room
            combined, seen = pd.factorize(combined)
            span = len(seen)
        span *= len(values) + 1
        combined = combined * (len(values) + 1) + codes + 1
    codes, distinct = pd.factorize(combined)
    first = np.empty(len(distinct), dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the last write of each code is its first row
    rows = pd.DataFrame({i: column.iloc[first].reset_index(drop=True) for i, column in enumerate(columns)})
    texts = [text if isinstance(text, str) else None for text in (make(rows) if len(rows) else [])]
    return pa.array(texts, pa.large_string()).take(pa.array(codes, mask=missing if missing_is_null else None))

