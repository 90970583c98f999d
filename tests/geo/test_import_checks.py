"""geo.imports.checks and .schemas: texts made once per distinct row, or kept in Arrow, are what a row at a time makes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.imports.checks import _day_text, _label_text
from geo.imports.distinct import per_distinct
from geo.imports.schemas import _kept_titles, _titles, _true_cells, kept_text, text

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


CELLS = st.one_of(st.none(), st.sampled_from(["", " ", "strike", " raid ", "Київ"]), st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CELLS, CELLS, st.one_of(st.none(), CELLS.filter(lambda c: c is not None))), max_size=30),
       st.booleans())
def test_titles_kept_in_arrow_are_the_titles_made_a_row_at_a_time(rows: list[tuple], as_text: bool) -> None:
    """A title, else "<type> in <first place>" (a first place of "" too), else "Incident"; as read from text or not."""
    titles = pd.Series([r[0] for r in rows], dtype=object)
    kinds = pd.Series([r[1] for r in rows], dtype=object)
    if as_text and len(rows):  # as a column of text comes from the reader: pandas' text, in Arrow
        titles, kinds = titles.astype("str"), kinds.astype("str")
    first = [r[2] for r in rows]
    made = _titles(text(titles), text(kinds), [[] if p is None else [p] for p in first])
    place_names = pa.chunked_array([pa.array([orjson.dumps([] if p is None else [p]).decode() for p in first],
                                             pa.large_string())], pa.large_string())
    assert [None if pd.isna(t) else t for t in _kept_titles(kept_text(titles), kept_text(kinds), place_names)] == made
    assert [None if pd.isna(t) else t for t in kept_text(titles)] == text(titles).tolist()


# ---- distinct outlets per row, from lists or their JSON text ---------------------------------------------------

SOURCE_ITEM = st.fixed_dictionaries({
    "source": st.sampled_from(["Reuters", "https://t.me/s/kyivinfo/12", "https://www.pravda.com.ua/x", "t.me/kyivinfo/9",
                               'say "source": 1', "source", "https://x.com/osint_one/status/1"]),
    "quote": st.one_of(st.text(max_size=8), st.sampled_from(['"source":', '{"source": "a"}', "\\\"source\\\":"])),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(SOURCE_ITEM, max_size=4), max_size=30))
def test_outlets_are_counted_alike_from_lists_and_from_their_json_text_in_arrow(rows: list[list[dict]]) -> None:
    from geo.imports.links import outlet_counts

    text = pa.array([orjson.dumps(items).decode("utf-8") for items in rows], type=pa.large_string())
    assert outlet_counts(text) == outlet_counts(rows) == outlet_counts(pa.chunked_array([text[:7], text[7:]]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(SOURCE_ITEM, max_size=4), max_size=30))
def test_outlets_in_text_arrow_cannot_read_are_counted_a_row_at_a_time(rows: list[list[dict]]) -> None:
    from unittest import mock

    from geo.imports import links

    text = pa.array([orjson.dumps(items).decode("utf-8") for items in rows], type=pa.large_string())
    with mock.patch.object(links, "items_field_slices", lambda text, key: iter([(0, None)])):
        assert links.outlet_counts(text) == links.outlet_counts(rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(SOURCE_ITEM, max_size=4), max_size=30), st.integers(1, 8), st.integers(0, 1))
def test_outlets_are_counted_a_slice_at_a_time_whichever_way_each_slice_is_read(
        rows: list[list[dict]], slice_rows: int, unread: int) -> None:
    """Slices Arrow reads and slices it cannot (every other one here) are counted each in place."""
    from unittest import mock

    from geo import json_cells
    from geo.imports import links

    text = pa.array([orjson.dumps(items).decode("utf-8") for items in rows], type=pa.large_string())
    reading = json_cells.items_field_slices

    def every_other_unread(text: pa.ChunkedArray, key: str) -> Iterator[tuple[int, Any]]:
        for k, (start, found) in enumerate(reading(text, key)):
            yield start, None if k % 2 == unread else found

    with mock.patch.object(json_cells, "READ_ROWS", slice_rows), mock.patch.object(links, "READ_ROWS", slice_rows), \
            mock.patch.object(links, "items_field_slices", every_other_unread):
        assert links.outlet_counts(text) == links.outlet_counts(rows)


CELL = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=False),
                 st.sampled_from(["1.5", "x", "", " 2 ", "true"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, max_size=12))
def test_numbers_are_floats_and_nan_for_anything_else_booleans_included(cells: list) -> None:
    import numpy as np

    from geo.imports.schemas import numbers

    def one(cell) -> float:
        if isinstance(cell, bool) or cell is None:
            return np.nan
        try:
            return float(cell)
        except ValueError:
            return np.nan

    got = numbers(pd.Series(np.array(cells, dtype=object) if cells else np.array([], dtype=object)))
    assert got.dtype == float
    assert np.array_equal(got.to_numpy(), np.array([one(c) for c in cells], dtype=float), equal_nan=True)


def test_a_schema_column_no_row_fills_is_a_column_of_none() -> None:
    import numpy as np

    column = kept_text(pd.Series(np.array([None, np.nan, None], dtype=object)))
    assert column.isna().all() and len(column) == 3
    assert kept_text(pd.Series(np.array([None, " Kyiv "], dtype=object))).tolist()[1] == "Kyiv"


# ---- ACLED's lists and titles, made per distinct value -------------------------------------------------------------

ACLED_CELL = st.one_of(st.none(), st.sampled_from(["", " ", "Kyiv", " Kyiv ", "Київ", 'say "x"', "a\\b", "n/a", "HIDDEN",
                                                  "Reuters; Ukrinform", "Reuters;;  Reuters ", ";", "3", "-0", "0",
                                                  "2.50", "1e400", "nan", "x\ty", "\u2028", "\x1c"]),
                       st.text(alphabet="ab ;\t\"\\Ї", max_size=6))


def _acled_reference(values: pd.DataFrame) -> dict[str, list]:
    """The ACLED draft's lists and titles as they were made before: a Python value per row, then its JSON text."""
    import numpy as np

    from geo.imports.links import split_outlets
    from geo.imports.schemas import Columns, numbers

    cols = Columns(values)
    event_type, sub_type, location = cols.text("event_type"), cols.text("sub_event_type"), cols.text("location")
    places = [[x for x in parts if x] for parts in zip(location, cols.text("admin2"), cols.text("admin1"),
                                                          cols.text("country"), strict=True)]
    return {
        "title": [f"{s or t or 'Event'}{' in ' + loc if loc else ''}" for s, t, loc in zip(sub_type, event_type, location,
                                                                                          strict=True)],
        "type": event_type.fillna("unspecified").tolist(),
        "place_names": [orjson.dumps(p).decode() for p in places],
        "sources": [orjson.dumps([{"source": name, "quote": ""} for name in split_outlets(cell)]).decode()
                    for cell in cols.get("source")],
        "casualties": [orjson.dumps([f"{v:g} killed (ACLED fatalities)"] if not np.isnan(v) else []).decode()
                       for v in numbers(cols.get("fatalities"))],
    }


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(*[ACLED_CELL] * 8), max_size=25), st.booleans(), st.sampled_from([2**62, 7]))
def test_acled_lists_and_titles_made_per_distinct_value_are_each_rows_own(rows: list[tuple], in_arrow: bool,
                                                                          span_max: int) -> None:
    """As the reader gives them: text in Arrow (the plain CSV reader) or Python values (the record-at-a-time one);
    with the rows' numbers renumbered as they grow (a span of 7: at nearly every column)."""
    from unittest import mock

    from geo.imports import distinct
    from geo.imports.fields import ImportOptions
    from geo.imports.schemas import acled_draft
    from geo.imports.tables import Table
    from geo.limits import Limits

    names = ["event_type", "sub_event_type", "location", "admin2", "admin1", "country", "source", "fatalities"]
    values = pd.DataFrame({name: pd.Series([r[k] for r in rows], dtype=object) for k, name in enumerate(names)})
    values["event_date"] = pd.Series(["2024-01-02"] * len(rows), dtype=object)
    if in_arrow:  # Arrow's reader fills every cell: no missing ones
        values = values.fillna("").astype("str")
    table = Table(values, [f"line {i + 2}" for i in range(len(rows))], list(range(2, len(rows) + 2)))
    with mock.patch.object(distinct, "SPAN_MAX", span_max):
        draft = acled_draft(table, "acled", ImportOptions(), lambda *a: None, Limits(), lambda i: f"line {i + 2}")
    reference = _acled_reference(values)
    for name, expected in reference.items():
        got = draft.columns[name]
        got = got.to_pylist() if isinstance(got, pa.Array) else got.tolist()
        assert got == expected, name



def _lists_reference(values: pd.DataFrame, kind: str) -> dict[str, list]:
    """UCDP's and a mapped table's lists and titles as they were made before: Python values a row at a time."""
    import numpy as np

    from geo.imports.links import links_of, split_outlets
    from geo.imports.schemas import Columns, _counts, _titles, numbers, text

    def dumps(rows: list) -> list[str]:
        return [orjson.dumps(value).decode() for value in rows]

    cols = Columns(values)
    if kind == "ucdp-ged":
        where = cols.text("where_description")
        best, low, high = (numbers(cols.get(n)) for n in ("best", "low", "high"))
        return {
            "title": [f"{d or c or 'Event'}{' in ' + w if w else ''}" for d, c, w in
                      zip(cols.text("dyad_name"), cols.text("conflict_name"), where, strict=True)],
            "place_names": dumps([[x for x in parts if x] for parts in zip(
                where, cols.text("adm_2"), cols.text("adm_1"), cols.text("country"), strict=True)]),
            "casualties": dumps([[f"{b:g} killed (UCDP best estimate; low {lo:g}, high {hi:g})"] if not np.isnan(b) else []
                                 for b, lo, hi in zip(best, low, high, strict=True)]),
            "sources": dumps([[{"source": name, "quote": ""} for name in split_outlets(cell)]
                              for cell in cols.get("source_article")]),
        }
    places = [[p] if p else [] for p in text(values["place"])]
    return {
        "title": _titles(text(values["title"]), text(values["type"]), places),
        "place_names": dumps(places),
        "sources": dumps([[{"source": url, "quote": ""} for url in urls] for urls in links_of(values["link"])]),
        "location_evidence": dumps(links_of(values["geolocation"])),
        "casualties": dumps([a + b for a, b in zip(_counts(values["killed"], "killed"), _counts(values["injured"], "injured"),
                                                   strict=True)]),
    }


LINK_CELL = st.one_of(ACLED_CELL, st.sampled_from(["https://t.me/a/1", "see https://x.com/b/2, https://t.me/a/1",
                                                   "http://a.ua/x.", "ftp://no"]))
JSON_CELL = st.one_of(LINK_CELL, st.lists(st.sampled_from(["Kyiv", "https://t.me/a/1", " "]), max_size=2))


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(["ucdp-ged", "csv"]), st.lists(st.tuples(*[JSON_CELL] * 8), min_size=1, max_size=20),
       st.booleans())
def test_ucdp_and_mapped_lists_made_per_distinct_value_are_each_rows_own(kind: str, rows: list[tuple],
                                                                       in_arrow: bool) -> None:
    """As the readers give them: text in Arrow, or Python values, lists among them (a JSON record's cells)."""
    from geo.imports.fields import ImportOptions
    from geo.imports.schemas import mapped_draft, ucdp_draft
    from geo.imports.tables import Table
    from geo.limits import Limits

    names = (["dyad_name", "conflict_name", "where_description", "adm_2", "adm_1", "country", "source_article", "best"]
             if kind == "ucdp-ged" else ["title", "type", "place", "link", "geolocation", "killed", "injured", "weapon"])
    values = pd.DataFrame({name: pd.Series([r[k] for r in rows], dtype=object) for k, name in enumerate(names)})
    if kind == "ucdp-ged":
        values["low"], values["high"] = values["best"], values["country"]
    values["date_start" if kind == "ucdp-ged" else "date"] = "2024-01-02"
    values["lat"], values["lon"] = "50.4", "30.5"
    if in_arrow:  # Arrow's reader fills every cell with text
        values = values.map(lambda v: v if isinstance(v, str) else "").astype("str")
    table = Table(values, [f"line {i + 2}" for i in range(len(rows))], list(range(2, len(rows) + 2)))
    args = (table, kind, ImportOptions(), lambda *a: None, Limits(), lambda i: f"line {i + 2}")
    if kind == "ucdp-ged":
        draft = ucdp_draft(*args)
    else:
        draft = mapped_draft(*args, base={"date": "date", "lat": "lat", "lon": "lon", "title": "title", "type": "type",
                                          "place": "place", "sources": "link", "geolocation": "geolocation",
                                          "killed": "killed", "injured": "injured"})
    for name, expected in _lists_reference(values, kind).items():
        assert draft.columns[name].to_pylist() == expected, name


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(CELL, st.sampled_from(["TRUE ", " true", "True", "false", "yes"])), max_size=30))
def test_graphic_cells_are_true_as_they_were_read_a_row_at_a_time(cells: list) -> None:
    """JSON's true or the text "true" (any case, spaces around), and nothing else: not 1, not "yes", not a missing cell."""
    column = pd.Series(cells, dtype=object)
    assert _true_cells(column).tolist() == [v is True or str(v).strip().lower() == "true" for v in cells]


def _haversine_expression(lat, lon, lat0: float, lon0: float):
    """The haversine as one numpy expression: what checks.distance_km works out in place."""
    import numpy as np

    p1, p2 = np.radians(lat), np.radians(lat0)
    dphi, dlmb = p2 - p1, np.radians(lon0 - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


coordinate = st.floats(-400, 400) | st.just(float("nan"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate), max_size=40), coordinate, coordinate)
def test_distance_km_is_the_haversine_expression_to_the_bit(points, lat0, lon0) -> None:
    """Worked in place to touch less memory, the distances are still the expression's, bit for bit (NaN included)."""
    import numpy as np

    from geo.imports.checks import distance_km

    lat = np.array([p[0] for p in points], dtype=float)
    lon = np.array([p[1] for p in points], dtype=float)
    assert np.array_equal(distance_km(lat, lon, lat0, lon0), _haversine_expression(lat, lon, lat0, lon0), equal_nan=True)
    if points:  # one point: a number, as before
        one = distance_km(float(lat[0]), float(lon[0]), lat0, lon0)
        assert np.ndim(one) == 0
        assert np.array_equal(one, _haversine_expression(lat[0], lon[0], lat0, lon0), equal_nan=True)
    before = lat.copy()
    distance_km(lat, lon, lat0, lon0)
    assert np.array_equal(lat, before, equal_nan=True)  # the input is left as it was


def test_distance_km_is_the_haversine_expression_on_many_random_points() -> None:
    """Ten thousand random points, where a change in the order of the operations shows in the last bits."""
    import numpy as np

    from geo.imports.checks import distance_km

    rng = np.random.default_rng(15)
    lat, lon = rng.uniform(-90, 90, 10_000), rng.uniform(-180, 180, 10_000)
    for lat0, lon0 in rng.uniform(-90, 90, (5, 2)):
        assert np.array_equal(distance_km(lat, lon, lat0, lon0), _haversine_expression(lat, lon, lat0, lon0))
