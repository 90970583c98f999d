"""Datasets: the bundled catalogue, imports, combining them, and the fast filters agreeing with the plain ones."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo
from dashboard.data import dataset as datasets
from dashboard.data.filters import CORROBORATION_CHOICES, Filters, dataset_mask, filter_mask
from dashboard.map.viewport import world_of
from dashboard.store import store_of
from geo import read_incidents
from geo.normalize import fold, fold_many
from geo.synthetic import synthetic_incidents


@pytest.fixture(scope="module")
def synthetic() -> datasets.Dataset:
    return datasets.Dataset(synthetic_incidents(3_000, seed=5), "synthetic")


def test_bundled_dataset(bundled: datasets.Dataset, catalogue: geo.Catalogue) -> None:
    assert len(bundled.frame) == len(catalogue.incidents)
    assert bundled.rows == len(catalogue.incidents) + len(catalogue.rejected)
    assert bundled.readable_sources == frozenset(catalogue.sources)
    assert list(bundled.frame["date_start"]) == sorted(bundled.frame["date_start"])
    assert len(bundled.positions) == len(bundled.frame)
    for position, ident in enumerate(bundled.frame["id"]):
        assert bundled.positions.get(ident) == position and ident in bundled.positions
    assert bundled.positions.get("no-such-incident") is None and "no-such-incident" not in bundled.positions
    assert bundled.positions.get(None) is None
    assert set(bundled.sources) == set(catalogue.sources)


def test_an_id_is_found_at_its_row_whether_the_ids_are_arrow_text_or_python_strings() -> None:
    ids = [f"UKR{i}" for i in range(2_000)] + ["Київ-1", 'say "x"']
    for column in (pd.Series(ids, dtype="str"), pd.Series(ids, dtype=object)):
        positions = datasets.IdPositions(column)
        assert [positions.get(ident) for ident in ids] == list(range(len(ids)))
        assert positions.get("UKR") is None and positions.get("ukr1") is None and positions.get(1) is None


def test_world_coordinates_are_web_mercator_in_unit_square(synthetic: datasets.Dataset) -> None:
    x, y = world_of(synthetic)
    assert ((0 <= x) & (x <= 1) & (0 <= y) & (y <= 1)).all()
    lat, _ = synthetic.latlon
    assert np.corrcoef(lat, y)[0, 1] < -0.99  # north is up: y falls as latitude grows


window_days = st.tuples(st.dates(date(2021, 6, 1), date(2026, 6, 1)), st.integers(0, 800))
filters = st.builds(
    Filters,
    types=st.lists(st.sampled_from(["missile strike", "drone attack", "shelling", "airstrike", "nope"]),
                   max_size=2).map(tuple),
    corroboration=st.sampled_from(CORROBORATION_CHOICES),
    sources=st.lists(st.sampled_from(["Reuters", "Ukrainska Pravda", "003_553f20544c4195fd", "unknown"]),
                     max_size=2).map(tuple),
    text=st.sampled_from(["", "kharkiv", "KHARKIV", "odesa", "embassy", "Київ", "drone", "zzzz"]),
)


def one_by_one(data: datasets.Dataset, start: date, end: date, chosen: Filters) -> set[str]:
    """The filters' rules, applied to each incident in turn (the search text is the dataset's own)."""
    needle = fold(chosen.text)
    kept = set()
    for row, text in zip(data.frame.itertuples(), data.search_text, strict=True):
        overlaps = date.fromisoformat(row.date_start) <= end and start <= date.fromisoformat(row.date_end)
        typed = not chosen.types or row.type in chosen.types
        corroborated = {"all": True, "no source": row.corroboration == 0, "single source": row.corroboration == 1,
                        "corroborated": row.corroboration >= 2}[chosen.corroboration]
        cited = not chosen.sources or any(geo.outlet(s["source"]) in chosen.sources for s in row.sources)
        if overlaps and typed and corroborated and cited and needle in text:
            kept.add(row.id)
    return kept


@settings(max_examples=30, deadline=None)
@given(window=window_days, chosen=filters)
def test_fast_mask_agrees_with_the_rules_one_by_one(
    bundled: datasets.Dataset, synthetic: datasets.Dataset, window: tuple[date, int], chosen: Filters
) -> None:
    start, length = window
    end = start + timedelta(days=length)
    for data in (bundled, synthetic):
        expected = one_by_one(data, start, end, chosen)
        assert set(data.frame.loc[dataset_mask(data, start, end, chosen), "id"]) == expected


def test_filter_masks_are_computed_once_and_shared_read_only(synthetic: datasets.Dataset) -> None:
    # A slider step asks for the same filters twice (window, timeline): the text search runs once.
    chosen = Filters(corroboration="corroborated", text="Kharkiv")
    first = filter_mask(synthetic, chosen)
    assert filter_mask(synthetic, Filters(corroboration="corroborated", text="KHARKIV")) is first  # same folded text
    assert filter_mask(synthetic, Filters(text="Kharkiv")) is not first
    assert not first.flags.writeable
    window = dataset_mask(synthetic, date(2023, 1, 1), date(2023, 6, 30), chosen)
    assert window.flags.writeable and not (window & ~first).any()


def test_month_precision_incident_at_the_window_edges(bundled: datasets.Dataset) -> None:
    # "August 2022" overlaps any window that touches a day of August 2022.
    august = "embassy-kyiv-2022-08"
    assert bundled.frame.set_index("id").loc[august, "date_precision"] == "month"
    for start, end, shown in ((date(2022, 8, 31), date(2022, 9, 30), True), (date(2022, 1, 1), date(2022, 8, 1), True),
                              (date(2022, 9, 1), date(2022, 10, 1), False), (date(2022, 1, 1), date(2022, 7, 31), False)):
        ids = set(bundled.frame.loc[dataset_mask(bundled, start, end, Filters()), "id"])
        assert (august in ids) is shown, (start, end)


def test_search_text_is_folded(bundled: datasets.Dataset) -> None:
    texts = bundled.search_text
    assert texts.str.contains("kharkiv").any()
    assert not texts.str.contains(r"[A-Z]", regex=True).any()
    mask = dataset_mask(bundled, date(2020, 1, 1), date(2030, 1, 1), Filters(text="ХАРКІВ"))
    assert mask.sum() == 0 or "kharkiv-consulate-2022-03" in set(bundled.frame.loc[mask, "id"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=20))
def test_fold_many_is_fold(texts: list[str]) -> None:
    assert list(fold_many(pd.Series(texts, dtype=object))) == [fold(t) for t in texts]


_CELL_TEXT = st.one_of(st.none(), st.sampled_from(["", " ", "Kyiv", "Київ", "Luk'yanivka", "e\u0301", "\u0301x", "a  b",
                                                   "'", "Azərbaycan"]), st.text(max_size=12))


@functools.lru_cache(maxsize=1)
def _twenty_five() -> pd.DataFrame:
    return synthetic_incidents(25, seed=3)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_CELL_TEXT, _CELL_TEXT, st.one_of(st.none(), st.lists(_CELL_TEXT.filter(bool), max_size=3)),
                          st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True))), min_size=1, max_size=25),
       st.booleans(), st.booleans())
def test_the_search_text_is_the_folded_words_of_each_rows_cells_joined(rows, categories: bool, blocks: bool) -> None:
    # Folded once per distinct cell and joined by Arrow (a million ACLED rows: 30 s -> 5 s); the text must be what
    # folding each row's cells, joined by spaces, gives: text, categories, lists as JSON text, numbers, missing cells.
    frame = _twenty_five().iloc[:len(rows)].reset_index(drop=True)
    text = pd.Series([r[0] for r in rows], dtype="str")
    frame["title"] = text.astype("category") if categories else text
    frame["notes"] = pd.Series([r[1] for r in rows], dtype="str")
    frame["places"] = pd.Series(geo.JsonTextArray.from_values([r[2] for r in rows]))
    frame["count"] = pd.Series([r[3] for r in rows], dtype=object)
    data = datasets.Dataset(frame, "x")
    with pytest.MonkeyPatch.context() as patch:
        if blocks:  # columns of many distinct cells are folded a block of rows at a time
            patch.setattr(datasets, "FOLD_AT_ONCE", 2)
            patch.setattr(datasets, "SEARCH_BLOCK_ROWS", 4)
        found = data.search_text.tolist()
    names = [name for name in frame.columns if name not in datasets.UNSEARCHED]
    cells = [datasets.column_words(frame[name]) for name in names]
    expected = fold_many(pd.Series([" ".join(words) for words in zip(*cells, strict=True)], dtype=object)).tolist()
    assert found == expected


def test_combine_keeps_both_and_rejects_clashing_ids(bundled: datasets.Dataset, tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "id,latitude,longitude,date,title\n"
        "kharkiv-consulate-2022-03,50,36,2022-03-01,clash with the bundled id\n"
        "mine-1,50.1,36.2,2023-05-02,a new one\n",
        encoding="utf-8",
    )
    imported = datasets.from_import(read_incidents(path))
    both = datasets.combine(bundled, imported)
    assert len(both.frame) == len(bundled.frame) + 1
    assert "mine-1" in both.positions
    assert both.frame["id"].is_unique
    assert any("kharkiv-consulate-2022-03" in p and "already used" in p for p in both.problems)
    assert both.rows == bundled.rows + imported.rows
    assert len(both.frame) + len(both.rejected) == both.rows
    assert both.readable_sources == bundled.readable_sources


def test_combine_keeps_an_imports_categories_and_every_value(bundled: datasets.Dataset) -> None:
    """Text the import holds as categories stays categories beside the bundled catalogue (pandas would join a category
    and plain text as Python strings), with every cell the value a plain join gives; a column the bundled catalogue
    lacks is missing in its rows."""
    frame = synthetic_incidents(400, seed=4)
    frame["actor"] = pd.Categorical(np.where(np.arange(400) % 3 == 0, "Zed unit", "Alpha unit"))
    frame["type"] = pd.Categorical(frame["type"])  # the bundled catalogue has this column as plain text
    imported = datasets.Dataset(frame, "mine")
    assert not isinstance(bundled.frame["type"].dtype, pd.CategoricalDtype)
    both = datasets.combine(bundled, imported)
    for name in ("type", "actor"):
        assert isinstance(both.frame[name].dtype, pd.CategoricalDtype), name
        assert list(both.frame[name].cat.categories) == sorted(both.frame[name].cat.categories)
    plain = pd.concat([bundled.frame.astype({"type": object}), frame.astype({"type": object, "actor": object})],
                      ignore_index=True)
    plain = plain.sort_values(["date_start", "id"], kind="stable").reset_index(drop=True)
    for name in ("type", "actor", "id"):
        got = both.frame[name].astype(object).where(both.frame[name].notna(), None).tolist()
        assert got == plain[name].where(plain[name].notna(), None).tolist(), name
    assert both.frame["actor"].isna().sum() == len(bundled.frame)


def test_combine_leaves_text_that_does_not_repeat_as_text(bundled: datasets.Dataset) -> None:
    """A small categorical column beside many more rows of plain text is not made categories of every row."""
    frame = synthetic_incidents(300, seed=5)
    small = datasets.Dataset(bundled.frame.assign(title=pd.Categorical(bundled.frame["title"])), "small")
    both = datasets.combine(small, datasets.Dataset(frame, "mine"))
    assert not isinstance(both.frame["title"].dtype, pd.CategoricalDtype)
    assert set(frame["title"]) <= set(both.frame["title"])


def test_extra_columns_of_an_import() -> None:
    frame = synthetic_incidents(5, seed=1)
    frame["notes"] = "n"
    data = datasets.Dataset(frame, "x")
    assert data.extra_columns == ["notes"]
    assert "notes" not in datasets.Dataset(synthetic_incidents(5, seed=1), "y").extra_columns


def test_the_search_text_waits_for_the_first_search(bundled: datasets.Dataset) -> None:
    # Building it took 20 s and 2 GB at a million rows, in the background of every load: now only on a search.
    fresh = datasets.Dataset(frame=bundled.frame, label="fresh")
    fresh.warm()
    assert not fresh.search_ready
    assert filter_mask(fresh, Filters(text="kharkiv")).any()
    assert fresh.search_ready and fresh.search_text.dtype == "string"


def test_a_dataset_of_json_text_reads_as_the_same_dataset(catalogue: geo.Catalogue, tmp_path) -> None:
    """A server started again loads a file's lists as JSON text: every index, popup and record is the same."""
    from dashboard.incidents import record_of
    from dashboard.map.layer import point_features

    path = tmp_path / "catalogue.geojson"
    path.write_text(geo.geojson_text(geo.incidents_frame(catalogue)), encoding="utf-8")
    parsed = datasets.from_import(read_incidents(path, cache=tmp_path / "cache"), catalogue)
    kept = datasets.from_import(read_incidents(path, cache=tmp_path / "cache", json_text=True), catalogue)
    assert str(kept.frame["sources"].dtype) == "json_text" and parsed.frame["sources"].dtype == object
    places = {place for cell in parsed.frame["places"] for place in cell or ()}
    assert places, "the catalogue names places"
    for place in [*sorted(places), "kyiv", "nowhere"]:
        expected = [i for i, cell in enumerate(parsed.frame["places"]) if place in (cell or ())]
        assert parsed.rows_naming(place).tolist() == kept.rows_naming(place).tolist() == expected, place
    assert list(parsed.positions) == list(kept.positions) == parsed.frame["id"].tolist()
    assert [kept.positions[i] for i in parsed.positions] == list(range(len(parsed.frame)))
    for name in ("corroboration", "source_rows", "outlet_rows", "outlets", "sources"):
        a, b = getattr(parsed, name), getattr(kept, name)
        assert (a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)) if isinstance(a, dict) \
            else np.array_equal(a, b), name
    assert np.array_equal(parsed.flagged_mask, kept.flagged_mask)
    assert parsed.search_text.tolist() == kept.search_text.tolist()
    rows = np.arange(len(parsed.frame))
    assert point_features(parsed, rows) == point_features(kept, rows)
    assert all(record_of(store_of(parsed), i) == record_of(store_of(kept), i) for i in parsed.positions)
    assert geo.csv_text(kept.frame.iloc[rows[::2]]) == geo.csv_text(parsed.frame.iloc[rows[::2]])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["2022-01-01", "2022-01-02", "2023-12-31"]),
                          st.text(alphabet="aZé0-ü", max_size=3)), max_size=12))
def test_date_order_is_told_as_pandas_sorts(rows: list[tuple[str, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["date_start", "id"], dtype=object)
    ordered = frame.sort_values(["date_start", "id"], kind="stable")
    assert datasets.in_date_order(frame) == (list(ordered.index) == list(frame.index) or ordered.equals(frame))
    assert datasets.in_date_order(ordered)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat)), max_size=40),
       st.booleans())
def test_iso_days_are_the_days_pandas_reads_a_row_at_a_time(texts: list[str | None], in_arrow: bool) -> None:
    from dashboard.data.dataset import iso_days

    column = pd.Series(texts, dtype="str" if in_arrow else object)
    expected = pd.to_datetime(column, format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    np.testing.assert_array_equal(iso_days(column), expected)


def test_a_maps_drawings_tell_its_first_and_how_long_since_the_last() -> None:
    import threading
    import time

    drawn = datasets.MapDrawn()
    assert not drawn.is_set() and not drawn.wait(0.01)
    assert drawn.wait_quiet(5.0, 0.0)  # never drawn: quiet already
    drawn.set()
    assert drawn.is_set() and drawn.wait(0)
    started = time.monotonic()
    assert drawn.wait_quiet(0.3, 5.0)
    assert 0.25 <= time.monotonic() - started < 2.0  # it waited for the quiet, not for the timeout

    # Drawn again and again (a reader moving the slider): never quiet, so the wait ends at its timeout, saying so.
    stop = threading.Event()

    def drawing() -> None:
        while not stop.wait(0.05):
            drawn.set()

    painter = threading.Thread(target=drawing)
    drawn.set()
    painter.start()
    try:
        started = time.monotonic()
        assert not drawn.wait_quiet(0.3, 1.0)
        assert 0.9 <= time.monotonic() - started < 2.0
    finally:
        stop.set()
        painter.join()
