"""A file written one GeoJSON feature per line, read on two cores: this process from the front, a helper from the back.

The file is cut into blocks of whole lines (:data:`BLOCK_BYTES`). Every block but the first is handed to a helper
process as a task, the last block first; this process reads blocks from the front, and takes each one back by
cancelling its task before the helper starts it. Where they meet, this process stops, and the helper's blocks come
back as their packed columns (Arrow text, mostly), appended in the file's order. So each block is read once, by
whichever side reaches it first, and the table is the one a read on one core makes, row for row and line for line.

Anything unusual in the helper's part (a block it could not read, the collection closed before its last block or
never closed, a cap reached by the parts together) and the whole file is read again on one core
(:func:`~geo.imports.tables.geojson_lines`), which names what is wrong as it always did. A problem in this
process's own blocks is named as it is found: they are read in order, from the first line.

The helper is started once (a spawned process: a server's threads make forking unsafe) and kept for the next file;
:func:`start_helper` starts it ahead, so that its imports (a second) are done when a file comes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import sys
import tempfile
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..limits import Limits
from ..memory import no_cycle_collection
from .tables import PROGRESS_EVERY, JsonColumns, Progress, Records, Table, add_feature_lines

BLOCK_BYTES = 2 << 20  # 2,700 features of the export: small, so that the two sides meet evenly
# A smaller file is read on one core: at 100,000 rows (78 MB) the helper saved 0.1 s of 1.6 (its start takes 0.5 s)
# and held 200 MB more.
SPLIT_MIN_BYTES = 128 << 20
HELPER_ENV = "SIM_READ_HELPER"  # "off": every file is read on one core
FILE_PREFIX = "sim-block-"  # then the reading process's id: sim-block-PID-RANDOM.pickle
OWN_BLOCKS_MAX: int | None = None  # at most this many blocks read here (the tests': the helper's part made large)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_reader: int | None = None  # in the helper: the id of the process it reads for


def _as_helper(reader: int) -> None:
    """In the helper, as it starts: remember the process it reads for (its files are named after it), and end when
    that process is gone."""
    global _reader
    _reader = reader
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), name="reader-watch", daemon=True).start()


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    """End this process once the process it reads for is gone (multiprocessing's own sign: its sentinel).

    A reader killed outright (out of memory, SIGKILL, ``os._exit``) cannot stop its pool, and the helper, waiting on a
    queue whose writing end it holds too, never sees it close: five such helpers, 160 MB each, were still running a
    quarter of an hour after their servers here.
    """
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(0)


class _Unusual(Exception):
    """The helper's part cannot be joined as it is: the file is read again on one core."""


def helper_wanted() -> bool:
    """Return whether files are read with a helper: two cores or more, and not turned off."""
    return os.environ.get(HELPER_ENV, "on").strip().lower() not in ("off", "0", "no") and len(
        os.sched_getaffinity(0)) >= 2


def _helper() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _sweep()
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_as_helper, initargs=(os.getpid(),))
            with _without_main():
                _pool.submit(_ready)  # a spawned pool starts its process here, in the first submit
        return _pool


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Hide the caller's main module while the helper is spawned: a spawned process runs it again first.

    A script without a ``__main__`` guard would read its file again in the helper; a Streamlit app's script (which
    Streamlit puts in sys.modules as ``__main__``) would draw its page there. The helper needs only this package.
    """
    main = sys.modules.get("__main__")
    blank = types.ModuleType("__main__")
    sys.modules["__main__"] = blank
    try:
        yield
    finally:
        if sys.modules.get("__main__") is blank and main is not None:
            sys.modules["__main__"] = main


def _drop_helper(pool: ProcessPoolExecutor) -> None:
    """Forget a helper that broke: the next file starts a new one."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _ready() -> int:
    return os.getpid()


def start_helper() -> Future[int] | None:
    """Start the reading helper now, if files are read with one; return the future of its process id (None if not)."""
    return _helper().submit(_ready) if helper_wanted() else None


def stop_helper() -> None:
    """Stop the reading helper, if one runs (the next file that wants one starts it again)."""
    pool = _pool
    if pool is not None:
        _drop_helper(pool)


def helper_pids() -> list[int]:
    """Return the process ids of the reading helper (none before it is started)."""
    pool = _pool
    return [] if pool is None else list(getattr(pool, "_processes", None) or {})


def blocks_of(path: Path, block_bytes: int | None = None) -> list[tuple[int, int]]:
    """Return the byte ranges of a line-per-feature file's blocks after its header line, each ending after a newline."""
    size, block_bytes = path.stat().st_size, block_bytes or BLOCK_BYTES
    bounds: list[tuple[int, int]] = []
    with path.open("rb") as file:
        start = len(file.readline())
        while start < size:
            file.seek(min(start + block_bytes, size) - 1)
            file.readline()  # to just past the newline at or after the block's last byte
            stop = min(file.tell(), size)
            bounds.append((start, stop))
            start = stop
    return bounds


def read_block(path: Path, start: int, stop: int, file: str, limits: Limits, columns: frozenset[str],
               as_json: JsonColumns) -> tuple[Records, int, bool]:
    """Read one block of features; return them (their lines counted from 0), its number of lines, whether it closed."""
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read(stop - start)
    gathered = Records(file, limits, "feature", columns, as_json)
    with no_cycle_collection():
        line, closed = add_feature_lines(gathered, _lines(data), file, 0)
        gathered.pack()
    return gathered, line, closed


def _block_file(path: Path, start: int, stop: int, file: str, limits: Limits, columns: frozenset[str],
                as_json: JsonColumns) -> str:
    """In the helper: read one block, and leave what it read in a file (in memory, /dev/shm); return its name.

    Not through the pool's pipe: 64 kB at a time, every piece waited for the reading side's turn at the GIL, and
    the helper sat blocked while this process parsed (it read a third of the blocks, not half).
    """
    return _filed(read_block(path, start, stop, file, limits, columns, as_json))


def _fetch(task: Future[str]) -> Any:
    """Return what the helper made for a task, its file removed."""
    return _unfiled(task.result())


def _files_folder() -> str:
    """Return where the two processes leave values for each other: in memory (/dev/shm) where there is one."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def _filed(value: Any) -> str:
    """Keep a value in a file (in memory, /dev/shm, where there is one); return its name.

    The name carries the reading process's id (this process's, or the helper's parent's), so that the files of a
    reader that was killed before it read them can be found and removed (:func:`_sweep`).
    """
    prefix = f"{FILE_PREFIX}{_reader or os.getpid()}-"
    with tempfile.NamedTemporaryFile("wb", dir=_files_folder(), prefix=prefix, suffix=".pickle", delete=False) as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    return out.name


def _sweep(folder: str | None = None) -> int:
    """Remove the files left by readers that no longer run; return how many.

    A reader killed mid-read (out of memory, by a signal) leaves its blocks behind, and /dev/shm is memory: two
    such files from one killed run held 15 GB of this machine's 24 until they were found by hand.
    """
    removed = 0
    for path in Path(folder or _files_folder()).glob(f"{FILE_PREFIX}*-*.pickle"):
        owner = path.name[len(FILE_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not _running(int(owner)):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # another user's, in a shared /dev/shm: theirs to remove
                continue
            removed += 1
    return removed


def _running(pid: int) -> bool:
    """Return True if a process with this id runs (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unfiled(name: str) -> Any:
    """Return the value kept in a file by :func:`_filed`, the file removed."""
    path = Path(name)
    try:
        # Read from the file as it is unpickled, not whole first: the file's bytes and the values made from them
        # would both be held at once (the helper's half of a million rows' list columns is a file of its own).
        with path.open("rb") as file:
            return pickle.load(file)
    finally:
        path.unlink(missing_ok=True)


def _run_filed(work: Callable[..., Any], name: str) -> str:
    """In the helper: run `work` on the arguments kept in file `name`; return the file its result is kept in.

    The cycle collector waits meanwhile, as in the import this work is a share of (its passes over the share's
    objects doubled its time)."""
    with no_cycle_collection():
        return _filed(work(*_unfiled(name)))


def beside(work: Callable[..., Any], *args: Any) -> Callable[[], Any] | None:
    """Start `work(*args)` in the reading helper; return what waits for its result (None: there is no helper).

    `work` is a module's function; its arguments and its result go through files, not the pool's pipe (see
    :func:`_block_file`), so this process may go on with its own share meanwhile. The waiting raises what the
    work raised, or BrokenProcessPool if the helper died (a new one is started next time).
    """
    if not helper_wanted():
        return None
    pool = _helper()
    name = _filed(args)
    try:
        task = pool.submit(_run_filed, work, name)
    except RuntimeError:  # the helper broke or was shut down
        Path(name).unlink(missing_ok=True)
        _drop_helper(pool)
        return None

    def result() -> Any:
        try:
            return _fetch(task)
        except BrokenProcessPool:
            _drop_helper(pool)
            Path(name).unlink(missing_ok=True)
            raise

    return result


def _discard(task: Future[str]) -> None:
    """Remove the file of a block read and not wanted (the read was given up)."""
    if not task.cancelled() and task.exception() is None:
        Path(task.result()).unlink(missing_ok=True)


def _lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()  # the newline ends the last line; no line follows it
    return lines


def read_split(path: Path, file: str, progress: Progress, limits: Limits, columns: frozenset[str],
               as_json: JsonColumns = frozenset()) -> Table | None:
    """Read a line-per-feature GeoJSON file on two cores (see the module); None when it is to be read on one."""
    if path.stat().st_size < SPLIT_MIN_BYTES or not helper_wanted():
        return None
    bounds = blocks_of(path)
    if len(bounds) < 2:
        return None
    pool = _helper()
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    try:
        tasks = {i: pool.submit(_block_file, path, *bounds[i], file, limits, columns, as_json)
                 for i in reversed(range(1, len(bounds)))}
    except RuntimeError:  # the helper broke or was shut down: a new one next time
        _drop_helper(pool)
        return None
    for i, task in tasks.items():
        task.add_done_callback(lambda _, i=i: finished.put(i))
    parts: dict[int, tuple[Records, int, bool]] = {}  # the helper's blocks, taken in as they are done
    taken: set[int] = set()  # blocks taken in (a block's file is read once: it is removed as it is read)

    def take_in(i: int) -> None:
        taken.add(i)
        try:
            parts[i] = _fetch(tasks[i])  # waits for it
        except BrokenProcessPool as exc:  # the helper died (out of memory, killed): a new one next time
            _drop_helper(pool)
            raise _Unusual from exc
        except Exception as exc:  # a problem the helper met is named by the read on one core, at its line
            raise _Unusual from exc

    def take_in_finished() -> None:
        while not finished.empty():
            i = finished.get()
            if not tasks[i].cancelled() and i not in taken:
                take_in(i)

    told = [0]

    def report(blocks: int, read: int) -> None:
        """Tell `progress` every PROGRESS_EVERY features, as a read on one core does: each is a message to a page."""
        if read // PROGRESS_EVERY > told[0]:
            told[0] = read // PROGRESS_EVERY
            progress(0.8 * blocks / len(bounds), f"Read {read:,} features")

    gathered = Records(file, limits, "feature", columns, as_json)
    line, last, mine = 2, len(bounds) - 1, 0  # the header is line 1
    try:
        for i, (start, stop) in enumerate(bounds):
            if i and (i == OWN_BLOCKS_MAX or not tasks[i].cancel()):
                break  # the helper has it: the rest are the helper's
            with path.open("rb") as handle:
                handle.seek(start)
                data = handle.read(stop - start)
            line, closed = add_feature_lines(gathered, _lines(data), file, line)
            mine = i + 1
            if closed and i < last:
                raise _Unusual
            take_in_finished()
            report(mine + len(parts), len(gathered.where) + sum(len(part.where) for part, _, _ in parts.values()))
        for i in range(mine, len(bounds)):
            if i not in taken:  # (its done callback may not have been called yet when it is done)
                take_in(i)
            part, lines, closed = parts.pop(i)
            if (closed and i < last) or len(gathered.where) + len(part.where) > limits.rows or len(
                    gathered.keys.keys() | part.keys.keys()) > limits.property_keys:
                raise _Unusual
            gathered.extend(part, line)
            line += lines
            report(i + 1, len(gathered.where))
        if not closed:
            raise _Unusual
    except _Unusual:
        _give_up(tasks)
        return None
    except BaseException:  # this process's own blocks are read in order: their problems are named as they are
        _give_up(tasks)
        raise
    return gathered.table()


def _give_up(tasks: dict[int, Future[str]]) -> None:
    """Cancel the blocks the helper has not started, and remove what it read of the others when it is done."""
    for task in tasks.values():
        if not task.cancel():
            task.add_done_callback(_discard)
