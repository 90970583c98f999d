"""A line-per-feature GeoJSON file read on two cores: the same table and the same refusals as a read on one."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import orjson
import pandas as pd
import pytest

from geo.export import geojson_text
from geo.imports import SCHEMA_COLUMNS, read_incidents, split, tables
from geo.imports.schemas import LIST_COLUMNS
from geo.imports.tables import BOM, geojson_lines, geojson_lines_file
from geo.limits import Limits
from geo.memory import no_cycle_collection
from geo.problems import DataError
from geo.synthetic import synthetic_incidents

FEATURES = [orjson.dumps(f) + b"," for f in json.loads(geojson_text(synthetic_incidents(120, seed=5)))["features"]]
RARE = [line.replace(b'"properties":{', b'"properties":{"only_here":[1,{"a":"\xd0\x96"}],', 1) for line in FEATURES[:2]]


def _file(body: list[bytes], newline: bytes = b"\n", bom: bool = False, close: bytes = b"]}") -> bytes:
    head = (BOM if bom else b"") + b'{"type": "FeatureCollection", "features": ['
    return newline.join([head, *body, close]) + newline


CASES = {
    "plain": _file(FEATURES),
    "crlf, a byte-order mark": _file(FEATURES, b"\r\n", bom=True),
    "broken lines and blank ones": _file([*FEATURES[:30], b'{"type": "Feature", "geometry":', b"", *FEATURES[30:70],
                                          b"[1, 2],", *FEATURES[70:]]),
    "rare properties in the helper's blocks": _file([*FEATURES[:60], RARE[0], *FEATURES[60:], RARE[1]]),
    "a cell over the cap": _file([*FEATURES[:50], FEATURES[50].replace(b"synthetic test data", b"x" * 3000),
                                  *FEATURES[51:]]),
    "no newline at the end": _file(FEATURES)[:-1],
}
LIMITS = Limits(cell_chars=2000)


@pytest.fixture
def small_blocks():
    """Blocks of a few features, every file split, and the helper given all blocks but the first two."""
    with mock.patch.object(split, "BLOCK_BYTES", 4000), mock.patch.object(split, "SPLIT_MIN_BYTES", 0), \
            mock.patch.object(split, "OWN_BLOCKS_MAX", 2), mock.patch.dict(os.environ, {split.HELPER_ENV: "on"}):
        yield


def _one_core(path: Path, limits: Limits = LIMITS) -> tables.Table:
    with no_cycle_collection():
        return geojson_lines(geojson_lines_file(path), path.stat().st_size, path.name, lambda *_: None, limits,
                             SCHEMA_COLUMNS, frozenset(LIST_COLUMNS))


def _same_tables(a: tables.Table, b: tables.Table) -> None:
    pd.testing.assert_frame_equal(a.values, b.values)
    assert [type(cell) for cell in a.values.get("sources", [])] == [type(cell) for cell in b.values.get("sources", [])]
    assert list(a.where) == list(b.where) and a.lines == b.lines and a.errors == b.errors
    assert a.points == b.points and a.sparse == b.sparse and a.json_columns == b.json_columns


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
@pytest.mark.parametrize("name", list(CASES))
def test_a_file_read_on_two_cores_is_the_table_read_on_one(tmp_path: Path, small_blocks, name: str) -> None:
    path = tmp_path / "lines.geojson"
    path.write_bytes(CASES[name])
    assert len(split.blocks_of(path)) > 10
    with mock.patch.object(split, "_fetch", wraps=split._fetch) as fetched:
        table = split.read_split(path, path.name, lambda *_: None, LIMITS, SCHEMA_COLUMNS, frozenset(LIST_COLUMNS))
    assert table is not None and fetched.call_count == len(split.blocks_of(path)) - 2  # the helper's blocks
    _same_tables(table, _one_core(path))


def test_blocks_end_after_a_newline_and_cover_the_file_after_its_header(tmp_path: Path) -> None:
    path = tmp_path / "lines.geojson"
    raw = _file([FEATURES[0], b'{"long": "' + b"x" * 9000 + b'"},', *FEATURES[1:5]])
    path.write_bytes(raw)
    bounds = split.blocks_of(path, block_bytes=300)
    assert bounds[0][0] == raw.index(b"\n") + 1 and bounds[-1][1] == len(raw)
    assert all(stop == start for (_, stop), (start, _) in itertools.pairwise(bounds))
    assert all(raw[stop - 1:stop] == b"\n" for _, stop in bounds)
    assert len(bounds) == 7  # one line a block, the long one too


def _read(path: Path, limits: Limits = LIMITS):
    try:
        result = read_incidents(path, path.name, limits=limits)
    except DataError as exc:
        return "refused", [str(p) for p in exc.problems]
    return result.frame.to_json(), [str(p) for p in result.problems], result.rows, result.loaded


REFUSED = {
    "closed in an early block": (_file([*FEATURES[:20], b"]}", *FEATURES[20:]]), LIMITS),
    "not closed": (_file(FEATURES)[:-4], LIMITS),
    "text after the end, in the helper's block": (_file(FEATURES) + b'{"x": 1}\n', LIMITS),
    "more rows than the cap, the helper's part over it": (_file(FEATURES), Limits(cell_chars=2000, rows=100)),
    "more property names than the cap, together": (_file([*FEATURES[:5], RARE[0], *FEATURES[5:]]),
                                                   Limits(cell_chars=2000, property_keys=23)),
    "more rows than the cap, in this process's blocks": (_file(FEATURES), Limits(cell_chars=2000, rows=5)),
}


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
@pytest.mark.parametrize("name", list(REFUSED))
def test_a_file_refused_on_two_cores_is_refused_as_on_one(tmp_path: Path, small_blocks, name: str) -> None:
    raw, limits = REFUSED[name]
    path = tmp_path / "lines.geojson"
    path.write_bytes(raw)
    with mock.patch.object(split, "read_split", wraps=split.read_split) as two_cores:
        outcome = _read(path, limits)
    assert two_cores.call_count == 1
    with mock.patch.dict(os.environ, {split.HELPER_ENV: "off"}):
        assert outcome == _read(path, limits)
    assert outcome[0] == "refused" or name == "more property names than the cap, together"


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
def test_a_helper_that_died_costs_one_read_on_one_core_and_is_started_anew(tmp_path: Path, small_blocks) -> None:
    path = tmp_path / "lines.geojson"
    path.write_bytes(CASES["plain"])
    split.start_helper().result()
    (dead,) = split.helper_pids()
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.5)
    assert split.read_split(path, path.name, lambda *_: None, LIMITS, SCHEMA_COLUMNS, frozenset(LIST_COLUMNS)) is None
    assert _read(path)[2] == len(FEATURES)  # read on one core meanwhile, and a new helper for the next file
    table = split.read_split(path, path.name, lambda *_: None, LIMITS, SCHEMA_COLUMNS, frozenset(LIST_COLUMNS))
    assert table is not None and split.helper_pids() != [dead]


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
def test_a_stopped_helper_is_gone_and_the_next_file_starts_another(tmp_path: Path, small_blocks) -> None:
    """stop_helper ends the helper's process (and what it holds); the next file that wants one starts a new one."""
    path = tmp_path / "lines.geojson"
    path.write_bytes(CASES["plain"])
    split.start_helper().result()
    (first,) = split.helper_pids()
    split.stop_helper()
    assert split.helper_pids() == []
    deadline = time.monotonic() + 10
    while split._running(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not split._running(first)
    split.stop_helper()  # none running: nothing to do
    table = split.read_split(path, path.name, lambda *_: None, LIMITS, SCHEMA_COLUMNS, frozenset(LIST_COLUMNS))
    assert table is not None and split.helper_pids() and split.helper_pids() != [first]


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
def test_the_helper_leaves_no_block_behind_read_or_given_up(tmp_path: Path, small_blocks) -> None:
    folder = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(os.environ.get("TMPDIR", "/tmp"))
    before = set(folder.glob("sim-block-*"))
    for name, raw in [("read", CASES["plain"]), ("given up", REFUSED["closed in an early block"][0])]:
        path = tmp_path / f"{name}.geojson"
        path.write_bytes(raw)
        _read(path)
    split.start_helper().result()  # the helper is done with every block handed to it before this
    deadline = time.monotonic() + 5
    while set(folder.glob("sim-block-*")) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(folder.glob("sim-block-*")) - before == set()


def test_the_files_of_a_killed_reader_are_removed_when_a_helper_starts(tmp_path: Path, monkeypatch) -> None:
    """A reader killed mid-read (out of memory) leaves its blocks in /dev/shm: the next helper's start removes them."""
    monkeypatch.setattr(split, "_files_folder", lambda: str(tmp_path))
    killed = subprocess.Popen([sys.executable, "-c", "pass"])
    killed.wait()
    left = tmp_path / f"{split.FILE_PREFIX}{killed.pid}-x1.pickle"
    left.write_bytes(b"a killed reader's block")
    mine = Path(split._filed(["this reader's block"]))
    other = tmp_path / "sim-block-notes.pickle"  # no reader's id: not one of these files
    other.write_bytes(b"")
    assert mine.name.startswith(f"{split.FILE_PREFIX}{os.getpid()}-")
    assert split._sweep() == 1
    assert not left.exists() and mine.exists() and other.exists()
    assert split._unfiled(str(mine)) == ["this reader's block"]
    left.write_bytes(b"a killed reader's block")
    monkeypatch.setattr(split, "_pool", None)
    monkeypatch.setattr(split, "helper_wanted", lambda: True)
    split._helper().shutdown()  # starting a helper sweeps
    assert not left.exists()


def test_a_file_the_sweep_may_not_remove_is_left_to_its_owner(tmp_path: Path, monkeypatch) -> None:
    """In a /dev/shm shared with other users, a dead reader's file of theirs cannot be removed: the sweep goes on."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    theirs, ours = (tmp_path / f"{split.FILE_PREFIX}{gone.pid}-{name}.pickle" for name in ("theirs", "ours"))
    theirs.write_bytes(b"")
    ours.write_bytes(b"")
    unlink = Path.unlink

    def refused(path: Path, missing_ok: bool = False) -> None:
        if path.name == theirs.name:
            raise PermissionError(13, "Operation not permitted", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    assert split._sweep(str(tmp_path)) == 1
    assert theirs.exists() and not ours.exists()


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
def test_the_helpers_files_are_named_after_the_reader(monkeypatch) -> None:
    """The helper names the files it leaves after the process it reads for, not after itself."""
    made = split.beside(split._filed, "a value")
    assert made is not None
    name = made()
    try:
        assert Path(name).name.startswith(f"{split.FILE_PREFIX}{os.getpid()}-")
    finally:
        Path(name).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    """Return whether a process runs (a zombie, ended and not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not split.helper_wanted() or not Path("/proc").is_dir(), reason="one core, or no /proc")
def test_a_helper_ends_when_the_process_it_reads_for_is_killed(tmp_path: Path) -> None:
    # A reader killed outright cannot stop its pool: the helper watches for it instead of waiting for ever.
    script = tmp_path / "killed.py"
    script.write_text("import os\nfrom geo.imports import split\n"
                      "print(split.start_helper().result(timeout=60), flush=True)\nos._exit(0)\n")
    out = tmp_path / "out.txt"
    with out.open("w") as written:  # a file, not a pipe: a helper left running would hold a pipe open
        done = subprocess.run([sys.executable, str(script)], stdout=written, stderr=subprocess.STDOUT, timeout=120,
                              env={**os.environ, split.HELPER_ENV: "on"})
    assert done.returncode == 0, out.read_text()
    helper = int(out.read_text().splitlines()[0])  # then, maybe, the resource tracker's warning as it ends
    deadline = time.monotonic() + 15
    while _running(helper) and time.monotonic() < deadline:
        time.sleep(0.2)
    running = _running(helper)
    if running:
        os.kill(helper, 9)  # not left behind by the test either
    assert not running, "the helper outlived the process it reads for"


def test_a_script_without_a_main_guard_is_not_run_again_by_the_helper(tmp_path: Path) -> None:
    path = tmp_path / "lines.geojson"
    path.write_bytes(CASES["plain"])
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from unittest import mock\n"
        "from geo.imports import read_incidents, split\n"
        "from geo.limits import Limits\n"
        "with mock.patch.object(split, 'BLOCK_BYTES', 4000), mock.patch.object(split, 'SPLIT_MIN_BYTES', 0), "
        "mock.patch.object(split, 'OWN_BLOCKS_MAX', 2):\n"
        f"    result = read_incidents({str(path)!r}, limits=Limits(cell_chars=2000))\n"
        "print('read', result.loaded, len(split.helper_pids()))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, split.HELPER_ENV: "on", "SIM_CACHE_DIR": "off"})
    assert done.returncode == 0, done.stderr
    expected = 1 if split.helper_wanted() else 0
    assert done.stdout.splitlines() == [f"read {len(FEATURES)} {expected}"]  # once: not again in the helper


def test_the_checks_run_without_the_files_values_which_the_draft_made_anew(tmp_path: Path) -> None:
    import geo.imports as imports

    seen = []

    def finish(table, *args):
        seen.append((len(table.values), table.points))
        return real(table, *args)

    real = imports.finish
    path = tmp_path / "lines.geojson"
    path.write_bytes(CASES["plain"])
    with mock.patch.object(imports, "finish", finish):
        result = read_incidents(path, limits=LIMITS)
    assert seen == [(0, None)] and result.loaded == len(FEATURES)


# ---- the export's list columns: the second half read by the helper ------------------------------------------------

ODD_LISTS = [feature_line.replace(b'"conflicts":[]', b'"conflicts":[{"field":1}]', 1) if k % 7 == 3 else
             feature_line.replace(b'"casualties":[]', b'"casualties":"[not json"', 1) if k % 11 == 5 else
             feature_line.replace(b'"place_names":[', b'"title":null,"place_names":[', 1) if k % 5 == 1 else feature_line
             for k, feature_line in enumerate(FEATURES)]


def _outcome(path: Path) -> tuple:
    result = read_incidents(path, limits=LIMITS)
    return result.frame.to_json(), [str(p) for p in result.problems], result.rejected


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
def test_the_list_columns_read_half_by_the_helper_are_those_read_here(tmp_path: Path) -> None:
    from geo.imports import schemas

    path = tmp_path / "lists.geojson"
    path.write_bytes(_file(ODD_LISTS))
    with mock.patch.dict(os.environ, {split.HELPER_ENV: "off"}):
        here = _outcome(path)
    assert any("invalid_conflicts" in p or "conflicts item 1" in p for p in here[1]) and here[2]
    started, real = [], split.beside

    def beside(*args):
        started.append(real(*args))
        return started[-1]

    with mock.patch.object(schemas, "LISTS_BESIDE_MIN_ROWS", 4), mock.patch.object(split, "beside", beside):
        assert _outcome(path) == here
    assert len(started) == 1 and started[0] is not None  # the helper read the second half


def test_the_list_columns_are_read_here_when_the_helper_breaks(tmp_path: Path) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from geo.imports import schemas

    def broken() -> None:
        raise BrokenProcessPool("the helper died")

    path = tmp_path / "lists.geojson"
    path.write_bytes(_file(ODD_LISTS))
    with mock.patch.dict(os.environ, {split.HELPER_ENV: "off"}):
        here = _outcome(path)
    with mock.patch.object(schemas, "LISTS_BESIDE_MIN_ROWS", 4), mock.patch.object(split, "beside", lambda *_: broken):
        assert _outcome(path) == here


def test_list_cells_sent_between_processes_carry_their_visible_cells_only() -> None:
    import pickle

    import pyarrow as pa

    from geo.imports.schemas import ListCells

    column = pa.array(["[" + "1," * 50 + "1]"] * 20_000, pa.large_string())
    cells = ListCells(pa.chunked_array([column.slice(100, 1_000), column.slice(9_000, 1_000)]),
                      [(3, "bad", "invalid_json")], [(5, "not of the schema")])
    back = pickle.loads(pickle.dumps(cells))
    assert back.text.to_pylist() == cells.text.to_pylist() and back.flags == cells.flags and back.problems == cells.problems
    assert len(pickle.dumps(cells)) < 2_000 * 110 * 1.2  # not the 20,000 cells the slices point into


@pytest.mark.skipif(not split.helper_wanted(), reason="one core: files are read on one")
def test_a_block_done_before_its_callback_ran_is_taken_in_all_the_same(tmp_path: Path, small_blocks) -> None:
    class NoCallbacksYet:  # as if every done callback came late: the blocks are waited for where they are joined
        def put(self, _item) -> None:
            return None

        def empty(self) -> bool:
            return True

    path = tmp_path / "lines.geojson"
    path.write_bytes(CASES["plain"])
    with mock.patch.object(split.queue, "SimpleQueue", NoCallbacksYet):
        table = split.read_split(path, path.name, lambda *_: None, LIMITS, SCHEMA_COLUMNS, frozenset(LIST_COLUMNS))
    assert table is not None
    _same_tables(table, _one_core(path))


def test_a_column_of_many_pieces_is_joined_into_long_chunks_with_the_same_cells() -> None:
    import pyarrow as pa

    from geo.imports.tables import PACK_ROWS, _grouped

    pieces = [pa.array([f"{i}-{k}" for k in range(700)], pa.large_string()) for i in range(100)]
    expected = [cell for piece in pieces for cell in piece.to_pylist()]
    joined = _grouped(list(pieces))
    assert [cell for chunk in joined for cell in chunk.to_pylist()] == expected
    assert [len(chunk) for chunk in joined] == [24 * 700] * 4 + [4 * 700]  # 24 pieces reach PACK_ROWS (16,384)
    assert all(len(chunk) >= PACK_ROWS for chunk in joined[:-1])
    assert _grouped(pieces[:10]) == pieces[:10]  # few pieces stay as they are
