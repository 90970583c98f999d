"""Loaders: the bundled catalogue, imported datasets and their derived frames, read once per server.

Which dataset the page shows comes from, in order: a file uploaded on the page; the
``--data PATH`` argument (``streamlit run dashboard/app.py -- --data PATH``) or the
``SIM_DATA`` environment variable; else the bundled catalogue. An imported dataset can
be shown beside the bundled catalogue or instead of it.

An import that cites the bundled articles (a round trip of the export) can open them in the reader.
Parsed datasets are kept in a small server-wide registry keyed by the file's path, size
and modification time (or an upload's SHA-256), so a page load after the first does not
parse the file again; the registry keeps the few most recent ones. Across restarts, geo keeps
each file read as Parquet (geo.import_cache_dir(), $SIM_CACHE_DIR; "off" turns it off).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import os
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import streamlit as st

import geo

from ..markdown import escape_markdown
from . import dataset as datasets
from .dataset import Dataset

DATA_ENV = "SIM_DATA"
CATALOGUE_ENV = "SIM_CATALOGUE_DIR"  # a folder with data/ and seeds/: the catalogue to show (and, curating, to edit)
REGISTRY_SIZE = 3  # parsed datasets kept per server (a 100,000-row dataset is about 150 MB)
SETTLE_WAIT_S = 60.0  # the longest a loaded dataset's indexes wait for its first map
# The copy kept for a restart is written once no page has drawn the dataset's map for this long (or, if pages keep
# drawing it, SETTLE_WAIT_S after its indexes; geo's keeper itself waits at most geo.imports.KEEP_WAIT_S, a minute).
QUIET_S = 3.0


def catalogue_dirs(environ: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Return the catalogue's data and seeds folders: the bundled ones, or those under $SIM_CATALOGUE_DIR."""
    root = (os.environ if environ is None else environ).get(CATALOGUE_ENV)
    return (Path(root) / "data", Path(root) / "seeds") if root else (geo.DATA_DIR, geo.SEEDS_DIR)


@st.cache_resource(show_spinner="Loading the catalogue…")
def catalogue() -> geo.Catalogue:
    """Return the catalogue (shared by all sessions; never mutated: a curator's edit loads it again)."""
    return geo.load_catalogue(*catalogue_dirs())


def reload_catalogue() -> None:
    """Forget the loaded catalogue after a curator's edit: the next run reads the files again."""
    catalogue.clear()
    bundled.clear()


@st.cache_resource(show_spinner=False)
def bundled() -> Dataset:
    """Return the bundled catalogue as a dataset."""
    return datasets.from_catalogue(catalogue())


@st.cache_resource(show_spinner=False)
def _registry() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data")
    geo.add_reading_arguments(parser)  # --map, --date-format, --duplicates: as on `python -m geo validate`
    return parser


def data_argument(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Path | None:
    """Return the dataset path given as `--data PATH` after `--`, or in $SIM_DATA (None: bundled only)."""
    # --data alone: a bad value of another argument (--duplicates sometimes) is data_options' to report, not an exit.
    only_data = argparse.ArgumentParser(add_help=False)
    only_data.add_argument("--data")
    known, _ = only_data.parse_known_args(sys.argv[1:] if argv is None else argv)
    value = known.data or (os.environ if environ is None else environ).get(DATA_ENV)
    return Path(value).expanduser() if value else None


def data_options(argv: list[str] | None = None) -> geo.ImportOptions:
    """Return how `--data` is read: `--map FIELD=COLUMN`, `--date-format`, `--duplicates` after `--` (ValueError if bad)."""
    parser = _arguments()
    parser.exit_on_error = False  # a bad choice is the page's error, not the server's exit
    try:
        known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    except argparse.ArgumentError as exc:
        raise ValueError(str(exc)) from None
    return geo.options_from_arguments(known)


def options_key(options: geo.ImportOptions) -> tuple:
    """Return what tells one way of reading a file from another (a registry key's last part)."""
    return tuple(sorted(options.mapping.items())), options.date_format, options.duplicates


class _Loading:
    """A load under way: what another caller for the same key waits on, and the progress to show meanwhile."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.told: tuple[float, str] | None = None

    def tell(self, fraction: float, message: str, then: geo.Progress | None) -> None:
        self.told = (fraction, message)
        if then is not None:
            then(fraction, message)


READ_AT_START_ENV = "SIM_READ_AT_START"  # "off": `streamlit run` reads --data when the first page asks for it
LOADING_POLL_S = 0.25  # how often a page waiting on another's load shows that load's progress


def _remember(key: tuple, load: Callable[[geo.Progress], Dataset], progress: geo.Progress | None = None) -> Dataset:
    """Return the registry's dataset for `key`, loading (and keeping) it when missing.

    A file that could not be used is remembered too, with its error: every rerun of the page would
    otherwise read a hostile file again. A key already being loaded (by another page, or by the server as it
    started: :func:`preload`) is waited for, its progress shown through `progress`: a file is never read twice at once.
    """
    entries, lock = _registry()
    loading = _loading()
    with lock:
        if key in entries:
            entries.move_to_end(key)
            found = entries[key]
            if isinstance(found, Exception):
                raise found
            return found
        under_way = loading.get(key)
        if under_way is None:
            under_way = loading[key] = _Loading()
            mine = True
        else:
            mine = False
    if not mine:
        shown = None
        while not under_way.done.wait(LOADING_POLL_S):
            if progress is not None and under_way.told not in (None, shown):
                shown = under_way.told
                progress(*shown)
        return _remember(key, load, progress)  # now in the registry (or its error), or dropped: loaded anew
    try:
        try:
            # Outside the lock: a slow parse must not block other sessions' cache hits.
            loaded = _frozen(lambda: load(lambda fraction, message: under_way.tell(fraction, message, progress)))
        except (geo.DataError, ValueError) as exc:
            with lock:
                entries[key] = exc
                _trim(entries)
            raise
        loaded.key = key
        # Build the filter indexes in the background: the first filter need not wait for them.
        threading.Thread(target=_settle, args=(loaded,), name="dataset-indexes", daemon=True).start()
        with lock:
            entries[key] = loaded
            _trim(entries)
        return loaded
    finally:
        with lock:
            loading.pop(key, None)
        under_way.done.set()


@st.cache_resource(show_spinner=False)
def _loading() -> dict[tuple, _Loading]:
    """Return the loads under way, by key (shared by every session, as the registry is)."""
    return {}


def _frozen(load: Callable[[], Dataset]) -> Dataset:
    """Load with the cycle collector paused, and take what was loaded out of its passes before it runs again.

    Re-enabled after an import, the collector's next passes scanned every object the import had made (a million
    rows: 3.5 s before the first map, in whatever ran next). The import makes no reference cycles; the dataset is
    frozen until it leaves the registry, as :func:`_settle` would freeze it anyway.
    """
    with geo.no_cycle_collection():
        loaded = load()
        gc.freeze()
    return loaded


def _settle(dataset: Dataset, wait_s: float = SETTLE_WAIT_S, quiet_s: float = QUIET_S) -> None:
    """Build a dataset's indexes, then take its objects (and every other object alive) out of the collector's passes;
    then let the copy kept for a restart be written, once no page has drawn the map for `quiet_s` seconds (at most
    `wait_s` more).

    The indexes wait until a browser has drawn the dataset's map (or `wait_s`): built beside the first run, they
    took its turns at the GIL, and a million incidents' first map waited 2 s more for them.

    Streamlit collects garbage after every run (`runner.postScriptGC`): a full pass over a million incidents'
    eight million objects took 2 s, after every slider step. Frozen (gc.freeze), they are not scanned again;
    reference counting still frees them. A dataset leaving the registry unfreezes all, so that a cycle in it
    can still be collected.

    The copy kept for a restart takes a core for 4 s at a million rows (the file's digest, then Parquet). Written
    right after the first map, it slowed what the reader did next (a million rows: their first two slider steps took
    0.32-0.35 s, the later ones 0.13-0.20 s): it waits for the first pause instead.
    """
    dataset.map_drawn.wait(wait_s)
    try:
        dataset.warm()
        gc.collect()  # the garbage there is now goes first: frozen, it would never be collected
        gc.freeze()
        geo.give_back()  # the load's and the indexes' freed pages (a million rows: a few hundred MB), to the system
        dataset.map_drawn.wait_quiet(quiet_s, wait_s)
    finally:
        dataset.settled.set()  # the copy kept for a restart may be written now (:func:`_imported`)


def _trim(entries: OrderedDict) -> None:
    while len(entries) > REGISTRY_SIZE:
        _, dropped = entries.popitem(last=False)
        if isinstance(dropped, Dataset):
            gc.unfreeze()
            del dropped  # sessions may still hold it; if none does, its pages go back now
            geo.give_back()


def preload(argv: list[str], environ: dict[str, str] | None = None) -> threading.Thread | None:
    """Start reading the `--data` file (or $SIM_DATA) in the background as the server starts; return that thread.

    The first page waits for this read, its progress on the page, instead of starting it (:func:`_remember`): an
    analyst who opens the page a few seconds after starting the server finds the file read, or nearly. A file that
    cannot be read is left to the page, which says why. `argv` are the app's arguments (after ``--``).
    """
    path = data_argument(argv, environ)
    if path is None or not path.is_file():
        return None
    try:
        options = data_options(argv)
    except ValueError:
        return None
    try:
        key = _path_key(path, options)
    except OSError:  # gone, or its mapping file, since it was looked for: the page says what is wrong
        return None
    entries, lock = _registry()
    with lock:
        if key in entries or key in _loading():  # already read, or being read (`python -m dashboard` began it)
            return None
    print(f"Reading {path.name} as the server starts; the first page waits for it.", file=sys.stderr, flush=True)
    thread = threading.Thread(target=_preloaded, args=(path, options), name="data-preload", daemon=True)
    thread.start()
    return thread


@contextlib.asynccontextmanager
async def reading_as_the_server_starts(_app: Any) -> AsyncIterator[None]:
    """The server's lifespan (Streamlit's ``st.App``, see dashboard/app.py): begin reading ``--data`` (or $SIM_DATA)
    as the server starts (:func:`preload`); ``streamlit run`` gives the app's arguments as sys.argv[1:].

    $SIM_READ_AT_START=off leaves the file to the first page that asks for it (a shared server that should hold
    nothing until someone looks)."""
    if os.environ.get(READ_AT_START_ENV, "on").strip().lower() not in ("off", "0", "no"):
        preload(sys.argv[1:])
    yield


def _preloaded(path: Path, options: geo.ImportOptions) -> None:
    try:
        dataset_from_path(path, None, options)
    except (geo.DataError, OSError, ValueError, MemoryError):
        pass  # the page meets it again (a refusal is remembered) and says what is wrong


def dataset_from_path(path: Path, progress: geo.Progress | None = None,
                      options: geo.ImportOptions | None = None) -> Dataset:
    """Return the dataset in a file (parsed once per path, size, modification time and way of reading it)."""
    options = options or geo.ImportOptions()
    # Named by its file name alone: the page and its messages never show where the server keeps it.
    return _remember(_path_key(path, options), lambda told: _imported(path, path.name, told, options), progress)


def _path_key(path: Path, options: geo.ImportOptions) -> tuple:
    """Return the registry's key for a file read with `options`: its path, size and modification time, and those of
    the mapping file beside it (which changes how it is read)."""
    stat = path.stat()
    beside = mapping_file(path)
    mapping_time = beside.stat().st_mtime_ns if beside is not None else None
    return ("path", str(path.resolve()), stat.st_size, stat.st_mtime_ns, mapping_time, options_key(options))


def _imported(source: Path | bytes, name: str, progress: geo.Progress | None, options: geo.ImportOptions) -> Dataset:
    """Read a file (kept for a restart) into a dataset whose bundled sources open in the reader.

    The copy kept for a restart is written once a browser has drawn the dataset's map and its indexes are built
    (:func:`_settle`): beside the first run, both took its turns at the GIL; beside each other, their transient
    copies made the server's peak (a million rows: 1.48 GB).
    """
    settled = threading.Event()
    dataset = datasets.from_import(
        geo.read_incidents(source, name, progress=progress, limits=geo.Limits.from_env(), options=options,
                           cache=geo.import_cache_dir(), keep_in_background=True, keep_after=settled, json_text=True,
                           categories=True),
        catalogue())
    dataset.settled = settled
    return dataset


def mapping_file(path: Path) -> Path | None:
    """Return the mapping file beside a data file (NAME.mapping.yaml), if there is one."""
    beside = path.with_name(f"{path.stem}.mapping.yaml")
    return beside if path.is_file() and beside.is_file() else None


def upload_digest(upload: Any, digests: dict[str, str]) -> str:
    """Return the SHA-256 of an uploaded file, computed once per upload (`digests` remembers it by file id)."""
    file_id = getattr(upload, "file_id", None) or f"{upload.name}:{upload.size}"
    if file_id not in digests:
        digests.clear()  # one upload at a time: the last one's digest is all that is needed
        digests[file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return digests[file_id]


def dataset_from_upload(name: str, digest: str, read: Callable[[], bytes], progress: geo.Progress | None = None,
                        options: geo.ImportOptions | None = None) -> Dataset:
    """Return the dataset in an uploaded file, by its digest (parsed once per content; `read` gives its bytes)."""
    options = options or geo.ImportOptions()
    key = ("upload", digest, name, options_key(options))
    return _remember(key, lambda told: _imported(read(), name, told, options), progress)


@st.cache_data(max_entries=4, show_spinner="Reading the file's columns…")
def file_preview(key: tuple, name: str, _source: Callable[[], bytes | Path], rows: int = 5) -> dict:
    """Return a file's format, columns, guessed mapping and first rows (cached per file), or the error reading it.

    What the mapping step shows; it reads the file's table but checks nothing, so it works for a file
    whose load failed on a missing column or an ambiguous date order.
    """
    try:
        kind, columns, mapping, head = geo.preview(_source(), name, rows=rows)
    except (geo.DataError, OSError, ValueError) as exc:
        return {"error": str(exc)}
    return {"format": kind, "columns": columns, "guessed": mapping, "rows": head}


def combined(imported: Dataset) -> Dataset:
    """Return the bundled catalogue and an imported dataset as one (cached per pair)."""
    key = ("combined", imported.key or imported.label)

    def both(_told: geo.Progress) -> Dataset:
        joined = datasets.combine(bundled(), imported)
        joined.map_drawn = imported.map_drawn  # its map is the imported file's: what waits for that map goes on
        return joined

    return _remember(key, both)


# A read tells its count every 10,000 rows: at a million, 14 times a second, each a message the page redraws and
# a turn of the server's GIL taken from the read (the cold first map, 16.8 -> 15.4 s on average in four runs each).
PROGRESS_SHOWN_EVERY_S = 0.25


class ShownProgress:
    """A progress callback for a bar: every new step of a load at once; a step's moving count at most every
    PROGRESS_SHOWN_EVERY_S (the latest count within that time is skipped, the next one after it is drawn)."""

    def __init__(self, show: geo.Progress, every_s: float = PROGRESS_SHOWN_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.show, self.every_s, self.clock = show, every_s, clock
        self.step: str | None = None  # the last message drawn, its numbers blanked: "Read # features"
        self.drawn_at = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now, step = self.clock(), re.sub(r"\d[\d,.]*", "#", message)
        if step == self.step and now - self.drawn_at < self.every_s:
            return
        self.step, self.drawn_at = step, now
        self.show(fraction, message)


def load_with_progress(load: Callable[[geo.Progress], Dataset], what: str,
                       slot: Any = None) -> tuple[Dataset | None, str | None]:
    """Run a dataset load with its progress in `slot` (an st.empty; else here); return the dataset, or (None, why).

    The bar is drawn when the load first tells its progress, that is when there is work to do: a dataset the
    server holds already comes back without a flash of it on every rerun. Every name and message here comes from
    the file (its name, its column names), so all of it is escaped: Markdown in a file name must not become a link
    or an image that fetches a URL.
    """
    slot = st.empty() if slot is None else slot
    bar: Any = None

    def show(fraction: float, message: str) -> None:
        nonlocal bar
        if bar is None:
            shown = slot.container()
            shown.markdown(f"**Loading {escape_markdown(what)}**")
            bar = shown.progress(0.0)
        bar.progress(min(max(fraction, 0.0), 1.0), text=escape_markdown(message))

    try:
        return load(ShownProgress(show)), None
    except MemoryError:
        error = "the server ran out of memory reading it"
    except (geo.DataError, OSError, ValueError) as exc:
        error = str(exc)
    finally:
        if bar is not None:
            slot.empty()
    return None, error
