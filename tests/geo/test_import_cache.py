"""geo.imports.cache: a file read once is loaded again from Parquet, exactly as it was read, or not at all."""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import geo
from geo.imports import cache as kept
from geo.imports import read_incidents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".csv", ".geojson", ".json")
               and p.parent.name != "timemap")
FIELDS = ("problems", "rejected", "rows", "format", "file", "extra_columns", "mapping", "date_format", "merged",
          "renamed", "columns_read", "first_rows")


def readable(path: Path) -> bool:
    try:
        read_incidents(path)
    except geo.DataError:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in FILES if readable(p)], ids=lambda p: p.name)
def test_a_file_read_again_comes_back_exactly(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = read_incidents(path, cache=tmp_path)
    assert len(list(tmp_path.glob("*.parquet"))) == 1
    import geo.imports as imports

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(imports, "_table", no_parsing)  # the second read must come from the cache
    again = read_incidents(path, cache=tmp_path)
    assert_frame_equal(again.frame, first.frame, check_exact=True)
    assert list(again.frame.dtypes) == list(first.frame.dtypes)
    for field in FIELDS:
        assert getattr(again, field) == getattr(first, field), field


def test_the_key_changes_with_anything_the_result_depends_on() -> None:
    digest = kept.digest_of(b"a,b\n1,2\n")
    base = kept.key_of(digest, "x.csv", ("csv", None), date(2026, 1, 1))
    assert base == kept.key_of(digest, "x.csv", ("csv", None), date(2026, 1, 1))
    assert base != kept.key_of(kept.digest_of(b"a,b\n1,3\n"), "x.csv", ("csv", None), date(2026, 1, 1))
    assert base != kept.key_of(digest, "y.csv", ("csv", None), date(2026, 1, 1))  # the name is in the problems
    assert base != kept.key_of(digest, "x.csv", ("csv", "%d/%m/%Y"), date(2026, 1, 1))
    assert base != kept.key_of(digest, "x.csv", ("csv", None), date(2026, 1, 2))  # "in the future" moves daily


@pytest.mark.parametrize("block", [7, 1_000_000, 3_000_000, kept.DIGEST_BLOCK])
def test_a_file_is_hashed_in_blocks_to_the_same_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       block: int) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(256)) * 11_719 + b"tail")  # 3,000,068 bytes: blocks of 1 MB end in a short one
    monkeypatch.setattr(kept, "DIGEST_BLOCK", block)
    assert kept.digest_of(path) == hashlib.sha256(path.read_bytes()).hexdigest() == kept.digest_of(path.read_bytes())


def test_missing_values_keep_their_kind_and_what_json_cannot_carry_is_not_kept(tmp_path: Path) -> None:
    result = read_incidents(FIXTURES / "monitor_plain.csv")
    column = next(c for c in result.frame.columns if result.frame[c].dtype == object and c != "geometry")
    frame = result.frame.copy()
    frame[column] = pd.Series([math.nan, None, "NaN", [1, "a"], {"k": None}] + [None] * (len(frame) - 5),
                              index=frame.index, dtype=object)
    result.frame = frame
    before = frame.copy()
    assert kept.save(tmp_path, "k", result)
    assert_frame_equal(result.frame, before)  # the kept copy's text is its own: the result's values are as they were
    back = kept.load(tmp_path, "k").frame[column].tolist()
    assert math.isnan(back[0]) and back[1] is None and back[2] == "NaN" and back[3] == [1, "a"] and back[4] == {"k": None}
    frame[column] = pd.Series([math.inf] + [None] * (len(frame) - 1), index=frame.index, dtype=object)
    assert not kept.save(tmp_path, "j", result) and kept.load(tmp_path, "j") is None


def test_only_a_frame_of_points_is_kept(tmp_path: Path) -> None:
    # Kept as two columns of coordinates: any other shape (or a missing one) would come back as something else.
    from shapely.geometry import Point, Polygon

    result = read_incidents(FIXTURES / "monitor_plain.csv")
    points = result.frame.geometry.copy()
    assert kept.save(tmp_path, "points", result)
    for odd in (Polygon([(0, 0), (1, 0), (1, 1)]), None):
        frame = result.frame.copy()
        frame[frame.geometry.name] = [odd, *points.iloc[1:]]
        result.frame = frame
        assert not kept.save(tmp_path, "odd", result) and kept.load(tmp_path, "odd") is None
    frame[frame.geometry.name] = [Point(), *points.iloc[1:]]  # an empty point is still a point
    result.frame = frame
    assert kept.save(tmp_path, "empty", result)


def test_a_damaged_cache_entry_is_read_past(tmp_path: Path) -> None:
    path = FIXTURES / "monitor_plain.csv"
    first = read_incidents(path, cache=tmp_path)
    for parquet in tmp_path.glob("*.parquet"):
        parquet.write_bytes(b"not parquet")
    again = read_incidents(path, cache=tmp_path)  # parsed again, and kept again
    assert_frame_equal(again.frame, first.frame, check_exact=True)


def test_only_the_latest_results_are_kept(tmp_path: Path) -> None:
    result = read_incidents(FIXTURES / "monitor_plain.csv")
    for n in range(kept.KEPT + 3):
        assert kept.save(tmp_path, f"key{n}", result)
    assert len(list(tmp_path.glob("*.json"))) == len(list(tmp_path.glob("*.parquet"))) == kept.KEPT


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path))
    assert kept.default_dir() == tmp_path
    monkeypatch.setenv("SIM_CACHE_DIR", "off")
    assert kept.default_dir() is None


def test_a_server_keeps_the_file_after_returning_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import geo.imports as imports

    path = FIXTURES / "monitor_plain.csv"
    started = threading.Event()
    finish = threading.Event()
    real_save = kept.save

    def slow_save(*args, **kwargs):
        started.set()
        assert finish.wait(10)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(kept, "save", slow_save)
    before = set(threading.enumerate())
    drawn = threading.Event()
    first = read_incidents(path, cache=tmp_path, keep_in_background=True, keep_after=drawn)  # returns at once
    [copying] = [t for t in threading.enumerate() if t.name == "import-cache" and t not in before]
    assert not started.wait(0.5)  # the copy waits for its signal (a server's: the first map drawn)
    drawn.set()
    assert started.wait(10) and not list(tmp_path.glob("*.parquet"))
    finish.set()
    copying.join(10)
    assert len(list(tmp_path.glob("*.parquet"))) == 1
    monkeypatch.setattr(imports, "_table", lambda *a, **k: pytest.fail("parsed again"))
    assert_frame_equal(read_incidents(path, cache=tmp_path).frame, first.frame, check_exact=True)


def test_a_copy_that_cannot_be_written_is_said_in_the_log_and_the_read_stands(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # A full disk, or a cache folder removed meanwhile: the keeper's thread logs it instead of dying with a traceback.
    def refused(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kept, "save", refused)
    before = set(threading.enumerate())
    first = read_incidents(FIXTURES / "monitor_plain.csv", cache=tmp_path, keep_in_background=True)
    [copying] = [t for t in threading.enumerate() if t.name == "import-cache" and t not in before]
    copying.join(10)
    assert not copying.is_alive() and len(first.frame) > 0
    assert any(r.getMessage().startswith("could not keep a copy of") and "monitor_plain.csv" in r.getMessage()
               and "No space left" in r.getMessage() for r in caplog.records), caplog.text
    assert not list(tmp_path.glob("*.parquet"))


@pytest.mark.parametrize("path", [p for p in FILES if readable(p)], ids=lambda p: p.name)
def test_an_import_keeps_what_the_preview_shows(path: Path) -> None:
    # The mapping step of a loaded file shows the import's own columns and first rows: no second read.
    result = read_incidents(path)
    kind, columns, _, head = geo.preview(path)
    assert (result.format, result.columns_read) == (kind, columns)
    assert result.first_rows == head


def test_the_progress_moves_through_every_stage_of_a_read() -> None:
    # At a million rows the fields and the checks took 18 s between "80 %" and done: each now says what it does.
    seen: list[tuple[float, str]] = []
    read_incidents(FIXTURES / "monitor_plain.csv", progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [m for f, m in seen if 0.8 <= f < 1.0] == ["Reading the fields of 23 rows",
                                                       "Checking 23 rows: dates, sources, repeats, plausibility"]


def test_a_file_of_a_size_never_kept_is_read_at_once_and_hashed_beside(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    source = FIXTURES / "monitor_plain.csv"
    path = tmp_path / "data.csv"
    path.write_bytes(source.read_bytes())
    cache = tmp_path / "cache"
    hashed_in: list[str] = []
    digest = kept.digest_of

    def recording(source):
        hashed_in.append(threading.current_thread().name)
        return digest(source)

    monkeypatch.setattr(kept, "digest_of", recording)
    first = read_incidents(path, cache=cache)
    # Nothing of its size was kept: the parse did not wait for the digest, taken in a thread of its own.
    assert len(hashed_in) == 1 and hashed_in[0].startswith("import-digest"), hashed_in
    [entry] = cache.glob("*.parquet")
    assert entry.name.startswith(f"{path.stat().st_size}-")
    again = read_incidents(path, cache=cache)  # of a size kept: hashed first, here, and loaded
    assert hashed_in[1] == threading.current_thread().name
    assert_frame_equal(again.frame, first.frame, check_exact=True)


def test_a_file_kept_in_the_background_is_hashed_by_the_keeper_once_told_to(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A server's read: both cores are the parse's; the digest waits for the keeper, after the first map.
    path, cache = tmp_path / "data.csv", tmp_path / "cache"
    path.write_bytes((FIXTURES / "monitor_plain.csv").read_bytes())
    hashed_in: list[str] = []
    digest = kept.digest_of
    monkeypatch.setattr(kept, "digest_of", lambda source: hashed_in.append(threading.current_thread().name) or digest(source))
    go = threading.Event()
    first = read_incidents(path, cache=cache, keep_in_background=True, keep_after=go)
    assert hashed_in == [] and not list(cache.glob("*.parquet"))  # not while the file was read, nor after, until told
    go.set()
    for _ in range(200):
        if list(cache.glob("*.parquet")):
            break
        time.sleep(0.05)
    assert hashed_in == ["import-cache"] and len(list(cache.glob("*.parquet"))) == 1
    assert_frame_equal(read_incidents(path, cache=cache).frame, first.frame, check_exact=True)


@pytest.mark.parametrize("background", [True, False])
def test_a_file_changed_while_it_was_read_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      background: bool) -> None:
    path, cache = tmp_path / "data.csv", tmp_path / "cache"
    text = "id,date,latitude,longitude,title\na1,2024-01-05,50.45,30.52,Strike on a depot\n"
    path.write_text(text, encoding="utf-8")
    digest = kept.digest_of

    def rewritten_first(source):  # the file is written again, same size, before its digest is taken
        # (whole, by a rename: taken beside the read, a rewrite in place could hand the read half a file)
        (tmp_path / "new.csv").write_text(text.replace("a1", "b1"), encoding="utf-8")
        os.utime(tmp_path / "new.csv", ns=(time.time_ns(), time.time_ns() + 10**9))
        os.replace(tmp_path / "new.csv", path)
        return digest(source)

    monkeypatch.setattr(kept, "digest_of", rewritten_first)
    go = threading.Event()
    read_incidents(path, cache=cache, keep_in_background=background, keep_after=go)
    go.set()
    for thread in threading.enumerate():
        if thread.name == "import-cache":
            thread.join(30)  # the keeper is done (a copy it kept would be there now)
    assert not list(cache.glob("*.parquet"))  # kept under b1's digest, a1's rows would be what b1's file brings back
    monkeypatch.setattr(kept, "digest_of", digest)
    assert read_incidents(path, cache=cache).frame["id"].tolist() == ["b1"]


def test_a_file_changed_after_its_digest_was_taken_first_is_not_kept(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # A file of a size kept before is hashed before it is read; rewritten after that, its rows are not kept under
    # the digest of the bytes it had (a read of those bytes would bring back the new rows).
    path, cache = tmp_path / "data.csv", tmp_path / "cache"
    text = "id,date,latitude,longitude,title\na1,2024-01-05,50.45,30.52,Strike on a depot\n"
    path.write_text(text.replace("a1", "c1"), encoding="utf-8")
    read_incidents(path, cache=cache)  # a file of this size is kept
    path.write_text(text, encoding="utf-8")
    digest = kept.digest_of

    def rewritten_after(source):
        found = digest(source)
        (tmp_path / "new.csv").write_text(text.replace("a1", "b1"), encoding="utf-8")
        os.utime(tmp_path / "new.csv", ns=(time.time_ns(), time.time_ns() + 10**9))
        os.replace(tmp_path / "new.csv", path)
        return found

    monkeypatch.setattr(kept, "digest_of", rewritten_after)
    assert read_incidents(path, cache=cache).frame["id"].tolist() == ["b1"]
    monkeypatch.setattr(kept, "digest_of", digest)
    assert len(list(cache.glob("*.parquet"))) == 1  # c1's only
    path.write_text(text, encoding="utf-8")
    assert read_incidents(path, cache=cache).frame["id"].tolist() == ["a1"]


def test_a_file_of_the_same_size_and_other_bytes_is_not_taken_for_a_kept_one(tmp_path: Path) -> None:
    path, cache = tmp_path / "data.csv", tmp_path / "cache"
    path.write_text("id,date,latitude,longitude,title\na1,2024-01-05,50.45,30.52,Strike on a depot\n", encoding="utf-8")
    first = read_incidents(path, cache=cache)
    path.write_text("id,date,latitude,longitude,title\na2,2024-01-06,50.45,30.52,Strike on a depot\n", encoding="utf-8")
    second = read_incidents(path, cache=cache)
    assert first.frame["id"].tolist() == ["a1"] and second.frame["id"].tolist() == ["a2"]
    assert len(list(cache.glob(f"{path.stat().st_size}-*.parquet"))) == 2


@pytest.mark.parametrize("path", [p for p in FILES if readable(p)], ids=lambda p: p.name)
def test_a_file_read_as_json_text_is_kept_and_comes_back_exactly(path: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The dashboard's read: its lists are JSON text, written to Parquet as they are (no Python strings between).
    plain = read_incidents(path)
    read_incidents(path, cache=tmp_path, json_text=True)
    import geo.imports as imports

    monkeypatch.setattr(imports, "_table", lambda *a, **k: pytest.fail("parsed again"))
    for json_text in (False, True):
        again = read_incidents(path, cache=tmp_path, json_text=json_text)
        frame = again.frame if json_text is False else again.frame.astype(
            {c: object for c in again.frame.columns if str(again.frame[c].dtype) == "json_text"})
        assert_frame_equal(frame, plain.frame, check_exact=True, check_dtype=not json_text)
        for field in FIELDS:
            assert getattr(again, field) == getattr(plain, field), field


@pytest.mark.parametrize("path", [p for p in FILES if readable(p)], ids=lambda p: p.name)
def test_a_file_read_as_the_dashboard_reads_it_comes_back_exactly_with_its_categories(
        path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The dashboard's read: lists as JSON text, repeated text as categories; kept apart from a read as plain text.
    first = read_incidents(path, cache=tmp_path, json_text=True, categories=True)
    import geo.imports as imports

    monkeypatch.setattr(imports, "_table", lambda *a, **k: pytest.fail("parsed again"))
    again = read_incidents(path, cache=tmp_path, json_text=True, categories=True)
    def values(frame: pd.DataFrame) -> pd.DataFrame:  # JSON text as its values (a cached column may be kept as it)
        return frame.astype({c: object for c in frame.columns if str(frame[c].dtype) == "json_text"})

    assert_frame_equal(values(again.frame), values(first.frame), check_exact=True)  # categories and all
    for field in FIELDS:
        assert getattr(again, field) == getattr(first, field), field
    monkeypatch.undo()
    as_text = read_incidents(path, cache=tmp_path)  # another key: read again, as text
    assert not any(isinstance(dtype, pd.CategoricalDtype) for dtype in as_text.frame.dtypes)
