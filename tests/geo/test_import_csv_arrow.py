"""geo.imports.tables.plain_csv_table: a plain CSV file read by Arrow is the table a read a record at a time makes.

Anything unusual (a syntax error, a record over several lines, a blank row, a row of another width, a cell over
the cap) and the file is read a record at a time, which names the problem as it always did.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import geo
from geo.imports import read_incidents
from geo.imports import tables as tables_module
from geo.imports.tables import csv_table, plain_csv_table
from geo.limits import Limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CSV_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix.lower() in (".csv", ".tsv"))
HEADER = "id,date_start,latitude,longitude,title,source"
PLAIN = HEADER + '\nA1,2024-05-01,50.45,30.52,"Strike, Kyiv",Suspilne\nA2,2024-05-02,49.99,36.23,Kharkiv,"He said ""no"""\n'


def _noop(_fraction: float, _message: str) -> None:
    return None


def read_both(source: Path | bytes, name: str, monkeypatch: pytest.MonkeyPatch,
              categories: bool = False) -> tuple[object, object, bool]:
    """Return what each reader makes of a file (its result, or its DataError's problems) and whether Arrow read it."""
    used = []
    real = tables_module.plain_csv_table

    def spy(*args, **kwargs):
        table = real(*args, **kwargs)
        used.append(table is not None)
        return table

    monkeypatch.setattr(tables_module, "plain_csv_table", spy)
    outcomes = []
    for arrow in (True, False):
        monkeypatch.setattr(tables_module, "ARROW_CSV", arrow)
        try:
            outcomes.append(read_incidents(source, name, limits=Limits(), cache=None, categories=categories))
        except geo.DataError as exc:
            outcomes.append([dataclasses.asdict(p) for p in exc.problems])
    return outcomes[0], outcomes[1], any(used)


def assert_same(arrow: object, python: object) -> None:
    assert type(arrow) is type(python)
    if isinstance(python, list):
        assert arrow == python
        return
    assert_frame_equal(arrow.frame, python.frame, check_exact=True)
    for field in ("problems", "rejected", "rows", "format", "extra_columns", "mapping", "date_format", "merged",
                  "renamed", "columns_read", "first_rows"):
        assert getattr(arrow, field) == getattr(python, field), field


@pytest.mark.parametrize("categories", [False, True], ids=["text", "categories"])
@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_every_csv_fixture_reads_the_same_by_either_reader(path: Path, categories: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    arrow, python, _ = read_both(path, path.name, monkeypatch, categories)
    assert_same(arrow, python)


def test_the_fixtures_are_read_by_arrow_where_they_are_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    read = {path.name: read_both(path, path.name, monkeypatch)[2] for path in CSV_FILES}
    assert all(read[name] for name in ("acled_2022.csv", "acled_2024.csv", "ucdp_ged.csv", "cir.csv", "gdelt2.export.CSV",
                                       "gdelt1_57.CSV", "monitor_plain.csv"))
    assert not read["acled_sample.csv"]  # its notes run over two lines in one record


HOSTILE = {
    "plain": (PLAIN, True),
    "crlf and a byte-order mark": ("\ufeff" + PLAIN.replace("\n", "\r\n"), True),
    "no newline at the end": (PLAIN.rstrip("\n"), True),
    "text after a closing quote": (PLAIN + 'A3,2024-05-03,46.48,30.73,"Odesa"x,Ukrinform\n', False),
    "a quote never closed": (PLAIN + 'A3,2024-05-03,46.48,30.73,"Odesa,Ukrinform\nA4,2024-05-04,46.4,30.7,x,y\n', False),
    "a cell over two lines": (PLAIN + 'A3,2024-05-03,46.48,30.73,"Odesa\nport",Ukrinform\n', False),
    "a blank line": (PLAIN + "\nA3,2024-05-03,46.48,30.73,Odesa,Ukrinform\n", False),
    "a row of blank cells": (PLAIN + " , ,\t, ,\u3000,\x1c\n", False),
    "a short row": (PLAIN + "A3,2024-05-03,46.48\n", False),
    "a long row": (PLAIN + "A3,2024-05-03,46.48,30.73,Odesa,Ukrinform,extra\n", False),
    "a carriage return in a cell": (PLAIN + 'A3,2024-05-03,46.48,30.73,"Od\resa",Ukrinform\n', False),
    "a quote inside a bare cell": (PLAIN + 'A3,2024-05-03,46.48,30.73,Od"esa,Ukrinform\n', True),
    "spaces before a quote": (PLAIN + 'A3,2024-05-03,46.48,30.73, "Odesa",Ukrinform\n', True),
    "a column named twice": (HEADER + ",Title\n" + "A1,2024-05-01,50.45,30.52,x,y,z\n", False),
    "only a header": (HEADER + "\n", False),
    "empty": ("", False),
    "a NUL byte": (PLAIN + "A3,2024-05-03,46.48,30.73,Od\x00esa,Ukrinform\n", True),  # a character to both
}


@pytest.mark.parametrize("name", HOSTILE)
def test_an_unusual_file_is_read_a_record_at_a_time_and_named_as_before(name: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    text, plain = HOSTILE[name]
    arrow, python, used = read_both(text.encode("utf-8"), "hostile.csv", monkeypatch)
    assert used is plain
    assert_same(arrow, python)


def test_a_file_that_is_not_utf8_is_named_at_its_bad_byte_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = PLAIN.encode() + "A3,2024-05-03,46.48,30.73,Odesa,Ukrinform\n".encode("cp1251") + "A4,x,1,2,Київ,y\n".encode(
        "cp1251")
    arrow, python, used = read_both(raw, "cp1251.csv", monkeypatch)
    assert not used and arrow == python and "not UTF-8" in arrow[0]["message"] and arrow[0]["line"] == 5


def test_a_cell_over_the_cap_and_rows_over_the_cap_are_left_to_the_reader_that_names_them() -> None:
    raw = PLAIN.encode()
    assert plain_csv_table(raw, Limits()) is not None
    assert plain_csv_table(raw, Limits(cell_chars=8)) is None  # "Strike, Kyiv" is longer
    assert plain_csv_table(raw, Limits(rows=1)) is None
    assert plain_csv_table(raw, Limits(columns=3)) is None


def _python_table(text: str):
    return csv_table(text, "f.csv", _noop, Limits())


CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t\x1cé\u3000')), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=2, max_size=6), st.booleans())
def test_whenever_arrow_reads_a_file_it_makes_the_same_table(rows: list[list[str]], quoted: bool) -> None:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quoted and ('"' in value or "," in value) else value

    text = "\n".join(",".join(cell(value) for value in row) for row in rows) + "\n"
    try:
        python = _python_table(text)
    except geo.DataError:
        python = None
    arrow = plain_csv_table(text.encode("utf-8"), Limits())
    if arrow is None:
        return
    assert python is not None and not python.errors
    assert list(arrow.values.columns) == list(python.values.columns)
    assert arrow.values.astype(object).values.tolist() == python.values.values.tolist()
    assert list(arrow.where) == list(python.where) and list(arrow.lines) == list(python.lines)


def test_a_file_without_a_header_is_read_from_its_first_line() -> None:
    text = "1\tx\t2\n3\ty\t4\n"
    table = plain_csv_table(text.encode(), Limits(), names=["a", "b", "c"], delimiter="\t")
    python = csv_table(text, "f.tsv", _noop, Limits(), names=["a", "b", "c"], delimiter="\t")
    assert table is not None and list(table.where) == list(python.where) == ["line 1", "line 2"]
    assert table.values.astype(object).values.tolist() == python.values.values.tolist()
    assert isinstance(table.values["a"].dtype, pd.StringDtype)  # the text stays in Arrow


def test_the_benchmarks_acled_style_file_is_read_as_acled_by_arrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The benchmark's ACLED-style CSV (benchmarks/acled_like.py): the same incidents as `geo synth`, every one loaded.
    from benchmarks.acled_like import write_acled_like
    from geo.synthetic import synthetic_incidents

    path = write_acled_like(300, tmp_path / "acled.csv", seed=4)
    arrow, python, used = read_both(path, path.name, monkeypatch)
    assert used and arrow.format.startswith("acled") and arrow.loaded == 300 and not arrow.rejected
    assert_same(arrow, python)
    assert sorted(arrow.frame["id"]) == sorted(synthetic_incidents(300, seed=4)["id"])
    held = read_both(path, path.name, monkeypatch, categories=True)
    assert_same(*held[:2])  # as categories, whichever reader made the text
    assert isinstance(held[0].frame["sub_event_type"].dtype, pd.CategoricalDtype)


def test_a_blank_cell_is_blank_as_pythons_strip_sees_it() -> None:
    assert set(tables_module._PY_WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_a_cell_over_the_cap_is_counted_in_characters_not_bytes() -> None:
    text = "id,title\nA1," + "й" * 6 + "\nA2,x\n"  # 6 characters, 12 bytes
    assert plain_csv_table(text.encode(), Limits(cell_chars=6)) is not None
    assert plain_csv_table(text.encode(), Limits(cell_chars=5)) is None
