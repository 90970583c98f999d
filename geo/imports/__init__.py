"""Read incident datasets from the formats analysts already have, into the export's schema, faithfully.

:func:`read_incidents` tells the format from the file's name, header and structure (or is told it),
reads it into a table (:mod:`.tables`), maps the table onto the incident schema through the
format's own schema or a column mapping (:mod:`.schemas`, :mod:`.fields`), reads its dates
honestly (:mod:`.days`) and its source cells as links and outlets (:mod:`.links`), and checks every
row (:mod:`.checks`). A row that cannot be used is rejected with a :class:`~geo.problems.Problem`
naming the file, the line (or record) and the entry's id; a plausible but odd row loads with a
warning and a flag; a file that cannot be read at all raises :class:`~geo.problems.DataError`.
``result.loaded + len(result.rejected) == result.rows`` always holds.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from ..json_cells import as_values
from ..limits import Limits
from ..memory import give_back, no_cycle_collection
from ..problems import DataError, Problem, display_path
from .checks import ImportResult, finish
from .days import DateOrderError
from .fields import (
    FIELDS,
    ImportOptions,
    add_reading_arguments,
    guess_mapping,
    mapping_file_for,
    mapping_text,
    options_from_arguments,
    parse_map_options,
    read_mapping_file,
)
from .schemas import (
    BELLINGCAT_KEYS,
    DRAFTS,
    FORMATS,
    GDELT_COLUMNS,
    LABELS,
    LIST_CHECKS,
    MAPPED_FORMATS,
    MappingError,
    detect_table,
    gdelt_width,
)
from .tables import (
    BOM,
    SCHEMA_COLUMNS,
    Progress,
    Table,
    csv_table,
    decode,
    geojson_lines,
    geojson_lines_file,
    json_table,
    json_value,
)

__all__ = ["FIELDS", "FORMATS", "LABELS", "MAPPED_FORMATS", "ImportOptions", "ImportResult", "Progress",
           "add_reading_arguments", "detect_format", "guess_mapping", "mapping_file_for", "mapping_text",
           "options_from_arguments", "parse_map_options", "preview", "read_incidents", "read_mapping_file"]

_JSON_KINDS = ("geojson", "bellingcat", "timemap", "json")
_TIMEMAP_PARTS = ("events", "sources", "associations")


def _noop(_fraction: float, _message: str) -> None:
    return None


def detect_format(name: str, head: bytes) -> str:
    """Return the format of a dataset from its file name and its first line (JSON files: their container)."""
    head = head.removeprefix(BOM)
    if Path(name).suffix.lower() in (".geojson", ".json") or head.lstrip()[:1] in (b"{", b"["):
        return "json"  # which JSON schema is told from the document itself
    first = head.decode("utf-8", "replace").splitlines()[:1] or [""]
    if gdelt_width(first[0]):
        return "gdelt"
    import csv

    return detect_table(next(csv.reader(first), []))


def _timemap_folder(path: Path, file: str) -> bytes:
    """Return a TimeMap folder's events.json, sources.json and associations.json as one document."""
    parts = {}
    for part in _TIMEMAP_PARTS:
        item = path / f"{part}.json"
        if not item.is_file():
            if part == "events":
                raise DataError([Problem(file, None, None, "a folder is read as a TimeMap export: it needs events.json "
                                                           "(and sources.json, associations.json)")])
            continue
        try:
            parts[part] = orjson.loads(item.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise DataError([Problem(f"{file}/{part}.json", exc.lineno, None, f"JSON syntax error: {exc.msg}")]) from None
    return orjson.dumps(parts)


def _read_source(source: str | Path | bytes, name: str | None) -> tuple[bytes, str, Path | None]:
    if isinstance(source, bytes):
        return source, name or "upload", None
    path = Path(source)
    file = name or display_path(path)
    try:
        if path.is_dir():
            return _timemap_folder(path, file), file, path
        return path.read_bytes(), file, path
    except OSError as exc:
        raise DataError([Problem(file, None, None, f"cannot read file: {exc.strerror or exc}")]) from None
    except MemoryError:
        raise DataError([_out_of_memory(file, path.stat().st_size)]) from None


def _table(raw: bytes, file: str, forced: str | None, progress: Progress, limits: Limits) -> tuple[str, Table]:
    """Read the file into a table and tell (or check) its schema."""
    container = detect_format(file, raw[:4096])
    if forced in _JSON_KINDS or (forced is None and container == "json"):
        shape, table = json_table(raw, file, progress, limits, SCHEMA_COLUMNS, LIST_CHECKS)
        if shape == "records":
            keys = set(table.values.columns)
            shape = "bellingcat" if BELLINGCAT_KEYS <= keys else "json"
        if shape == "geojson":
            _geojson_notice(table, file)
        if forced is not None and forced != shape and not (forced == "json" and shape == "bellingcat"):
            raise DataError([Problem(file, None, None, f"--input-format {forced}: the file is {LABELS[shape]}")])
        return forced or shape, table
    kind = forced or container
    if kind == "gdelt":
        text = decode(raw, file)
        first = text.split("\n", 1)[0]
        width = gdelt_width(first) or len(first.split("\t"))
        if width not in GDELT_COLUMNS:
            raise DataError([Problem(file, 1, None, f"a GDELT event file has 57, 58 or 61 tab-separated columns; "
                                                    f"this one has {width}")])
        return kind, csv_table(text, file, progress, limits, names=GDELT_COLUMNS[width], delimiter="\t", raw=raw)
    # The text is decoded only if the file is not plain: a plain one is read from its bytes (tables.plain_csv_table)
    table = csv_table(None, file, progress, limits, spreadsheet=kind == "export-csv", raw=raw)
    if forced is None:
        kind = detect_table(list(table.values.columns))
    return kind, table


def _streamed(path: Path | None, forced: str | None) -> Iterator[bytes] | None:
    """Return the lines of a file written one GeoJSON feature per line, to be read as they come; else None.

    Only when the format is GeoJSON or not given: a file forced as another format is refused by :func:`_table`.
    """
    if path is None or not path.is_file() or forced not in (None, "geojson"):
        return None
    try:
        return geojson_lines_file(path)
    except OSError:
        return None  # read the usual way, which names the error


def _streamed_table(path: Path, lines: Iterator[bytes], size: int, file: str, progress: Progress,
                    limits: Limits) -> tuple[str, Table]:
    """Read a GeoJSON file one feature per line; what :func:`_table` does for such a file, from its lines.

    A large file is read on two cores (:mod:`.split`); the same table, and on one core if anything is unusual.
    """
    from .split import read_split

    table = read_split(path, file, progress, limits, SCHEMA_COLUMNS, LIST_CHECKS) or geojson_lines(
        lines, size, file, progress, limits, SCHEMA_COLUMNS, LIST_CHECKS)
    _geojson_notice(table, file)
    return "geojson", table


def _geojson_notice(table: Table, file: str) -> None:
    if "date_start" not in table.values:
        table.notices.append(Problem(file, None, None, "GeoJSON not in this tool's schema (no date_start): its "
                                                       "properties are read through a column mapping", "warning",
                                     "mapped"))


KEEP_WAIT_S = 60.0  # the longest a copy kept in the background waits for its `keep_after`


def read_incidents(
    source: str | Path | bytes, name: str | None = None, *, format: str | None = None, progress: Progress | None = None,
    limits: Limits | None = None, options: ImportOptions | None = None, cache: Path | None = None,
    keep_in_background: bool = False, keep_after: threading.Event | None = None, json_text: bool = False,
    categories: bool = False,
) -> ImportResult:
    """Read a dataset (a path, a TimeMap folder, or bytes with their file name) into the incidents schema.

    `limits` defaults to :meth:`Limits.from_env` (the SIM_MAX_* settings). `options` (a column
    mapping, a date format, the duplicates policy) go over a mapping file beside a path
    (``NAME.mapping.yaml``), which goes over the format's own mapping or the guessed one.
    With `cache` (a folder), a file read before in the same way is loaded from there (:mod:`.cache`), and a
    file read now is kept there; with `keep_in_background`, by a thread, after this returns (a server's first
    map need not wait for the copy: a quarter of a million-row import), once `keep_after` is set if given (or after
    KEEP_WAIT_S): a server's copy took its first run's turns at the GIL. With `json_text`, the result (read, or
    loaded from `cache`) keeps its columns of lists as JSON text (:class:`~geo.json_cells.JsonTextArray`): the
    same values, read when a row or column is read. With `categories`, its text columns that repeat are pandas
    categories (:func:`~geo.frames.text_array`): the same str in every cell, held once (a million ACLED rows' text,
    475 MB less), but ordered comparisons (``<``, ``min``) refuse them, as pandas does any category: only a caller
    that does none asks for them (the dashboard, the command line).
    """
    progress = progress or _noop
    limits = limits or Limits.from_env()
    options = options or ImportOptions()
    path = None if isinstance(source, bytes) else Path(source)
    file = name or ("upload" if path is None else display_path(path))  # as _read_source names it
    if format is not None and format not in FORMATS:
        raise DataError([Problem(file, None, None, f"unknown format {format!r} (known: {', '.join(FORMATS)})")])
    if path is not None and path.is_file() and mapping_file_for(path).is_file():
        try:
            options = options.over(read_mapping_file(mapping_file_for(path)))
        except ValueError as exc:
            raise DataError([Problem(mapping_file_for(path).name, None, None, str(exc))]) from None
    digest: Callable[[], str] | None = None  # of the file's bytes: with `file` and `how`, its key in the cache
    if cache is not None and (path is None or path.is_file()):
        from . import cache as kept

        how, size = (format, options, limits, categories), len(source) if path is None else path.stat().st_size
        stamp = None if path is None else _stamp(path)  # a file changed after this is not kept, by any path
        if path is None or kept.may_hold(cache, size):
            progress(0.0, f"Looking for {file} read before")
            known = kept.digest_of(path if path is not None else source)
            # The one taken just now; a file's, if the file is still as it was when the read is over.
            digest = functools.partial(str, known) if path is None else functools.partial(_unchanged_digest, path,
                                                                                            stamp, known)
            found = kept.load(cache, kept.key_of(known, file, how, size=size), json_text=json_text)
            if found is not None:
                progress(1.0, found.summary())
                return found
        else:
            # No file of this size was kept: it is read now, and its digest (to keep it under) is taken after, by the
            # keeper in the background (beside the parse, hashing took a core from the parse's two: a million rows'
            # read, 0.8 s), or else meanwhile, on another core (hashlib lets go of the GIL; a million rows' 785 MB
            # took 2 s before the first line was read).
            assert path is not None and stamp is not None
            digest = functools.partial(_unchanged_digest, path, stamp) if keep_in_background else _beside(
                _unchanged_digest, path, stamp).result
        key_parts = (file, how, size)
    lines = _streamed(path, format)
    if lines is not None:  # one GeoJSON feature per line: read a line at a time, the file never held whole
        raw, size = b"", path.stat().st_size
    else:
        raw, file, path = _read_source(source, name)
        size = len(raw)
    # An import makes millions of small objects and no cycles: the collector's passes over them are pure cost
    # (a fifth of a 100,000-row import). It runs again as soon as the import is done.
    with no_cycle_collection():
        try:
            progress(0.0, f"Reading {file}")
            if lines is not None:
                kind, table = _streamed_table(path, lines, size, file, progress, limits)
            else:
                kind, table = _table(raw, file, format, progress, limits)
            del raw  # the file as read is in the table now: its bytes (a million rows: 785 MB) need not wait
            give_back()  # what the parse freed, before the fields take pages of their own (see give_back)
            progress(0.8, f"Reading the fields of {len(table.where):,} rows")
            reasons: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for i, error in table.errors.items():
                reasons[i].append((error, "unreadable_row"))

            def flag(i: int, reason: str, code: str = "invalid_value") -> None:
                if int(i) not in table.errors:
                    reasons[int(i)].append((reason, code))

            def row_of(i: int) -> str:
                return table.where[i]

            known = {"format": kind, "rows": len(table.where)}  # what a refusal can still report
            if options.mapping and kind not in MAPPED_FORMATS:
                where = f" (from {options.mapping_file})" if options.mapping_file else ""
                raise DataError([Problem(file, None, None, f"a column mapping{where} was given, but {LABELS[kind]} is "
                                         "read by its own schema; to map its columns yourself, read it with --input-format csv "
                                         "(or json)", "error", "mapping_not_used")], **known)
            try:
                draft = DRAFTS[kind](table, kind, options, flag, limits, row_of)
            except DateOrderError as exc:
                lines = [table.lines[i] for i in exc.rows]
                raise DataError([Problem(file, lines[0] if lines else None, None, str(exc), "error", "ambiguous_dates")],
                                **known) from None
            except MappingError as exc:
                raise DataError([Problem(file, 1 if kind not in _JSON_KINDS else None, None, str(exc), "error",
                                         "missing_column")], **known) from None
            # The fields and the checks each take several seconds at a million rows: the bar moves between them.
            progress(0.9, f"Checking {len(table.where):,} rows: dates, sources, repeats, plausibility")
            sparse = _sparse_cells(table, kind, flag)
            if options.mapping_file:
                table.notices.insert(0, Problem(file, None, None, f"column mapping read from {options.mapping_file}",
                                                "warning", "notice"))
            head = _columns_and_head(table)
            # The checks read the draft, not the file's values: the cells the draft made anew (a million rows' sources,
            # lists, empty columns, points: half a gigabyte) are let go before the checks copy the usable rows.
            # Not values.iloc[:0]: an empty slice of an Arrow column holds the whole column's buffers (the draft's
            # columns of text would have stayed alive through the checks beside their copies in date order).
            table.values, table.points = pd.DataFrame(columns=table.values.columns), None
            # The lists stay JSON text through the checks; asked for as values, they are read once the table and
            # the draft are gone (a million rows' lists, made beside them, took a gigabyte more).
            give_back()
            result = finish(table, draft, file, kind, options, limits, reasons, sparse, categories)
            table = draft = sparse = None  # type: ignore[assignment]  # freed before the lists are read
            give_back()
            if not json_text:
                as_values(result.frame)
            result.columns_read, result.first_rows = head
        except MemoryError:
            raise DataError([_out_of_memory(file, size)]) from None
    if digest is not None and keep_in_background:
        threading.Thread(target=_keep, args=(cache, digest, key_parts, result, keep_after), name="import-cache",
                         daemon=True).start()
    elif digest is not None:
        _keep(cache, digest, key_parts, result)
    progress(1.0, result.summary())
    return result


def _keep(cache: Path, digest: Callable[[], str], key_parts: tuple[str, Any, int], result: ImportResult,
          after: threading.Event | None = None) -> None:
    """Keep a result read now in the cache, under its key (a file gone or changed before its digest was taken is not
    kept)."""
    from . import cache as kept

    if after is not None:
        after.wait(KEEP_WAIT_S)
    try:
        found = digest()
    except OSError:
        return
    file, how, size = key_parts
    try:
        kept.save(cache, kept.key_of(found, file, how, size=size), result)
    except OSError as exc:  # a full disk, a folder removed meanwhile: the next start reads the file again
        logging.getLogger(__name__).warning("could not keep a copy of %s for the next start: %s", file, exc)
    give_back()  # the copy's buffers (a million rows: hundreds of MB) are free now


def _stamp(path: Path) -> tuple[int, int]:
    """Return a file's size and time of last change (nanoseconds): what tells that it was written since."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _unchanged_digest(path: Path, stamp: tuple[int, int], known: str | None = None) -> str:
    """Return a file's digest (`known`, if it was taken already); OSError if the file is no longer as `stamp` found it
    (its copy would be kept under a digest of other bytes than those read)."""
    from . import cache as kept

    found = kept.digest_of(path) if known is None else known
    if _stamp(path) != stamp:
        raise OSError(f"{path} changed while it was read")
    return found


def _beside(work: Callable[..., Any], *args: Any) -> Future:
    """Run `work(*args)` in a thread of its own; return its future (its result, or its exception, when asked)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-digest")
    future = pool.submit(work, *args)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return future


def preview(source: str | Path | bytes, name: str | None = None, *, rows: int = 5, options: ImportOptions | None = None,
            limits: Limits | None = None) -> tuple[str, list[str], dict[str, str], list[dict]]:
    """Return a file's format, its columns, the mapping it would be read with, and its first rows as read.

    What the page's mapping step shows before a load; it reads the file but checks nothing.
    """
    limits = limits or Limits.from_env()
    raw, file, _ = _read_source(source, name)
    kind, table = _table(raw, file, None, _noop, limits)
    columns, head = _columns_and_head(table, rows)
    mapping = {**guess_mapping(columns), **(options.mapping if options else {})}
    return kind, columns, mapping, head


PREVIEW_ROWS = 5


def _columns_and_head(table: Table, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[dict]]:
    """Return a table's column names and its first rows as read (missing values as None)."""
    head = table.values.head(rows).astype(object)
    records = head.where(head.notna(), None).to_dict("records")
    return [str(c) for c in table.values.columns], [
        {k: orjson.loads(v) if k in table.json_columns and isinstance(v, str) else json_value(v) for k, v in row.items()}
        for row in records]


def _sparse_cells(table: Table, kind: str, flag) -> list[dict | None] | None:
    """Return each row's rare properties: gathered from a JSON file, or our CSV export's JSON cells."""
    from ..frames import SPARSE_COLUMN

    if kind != "export-csv" or SPARSE_COLUMN not in table.values:
        return table.sparse
    out: list[dict | None] = []
    for i, cell in enumerate(table.values[SPARSE_COLUMN]):
        value = None
        if isinstance(cell, str) and cell.strip():
            try:
                value = orjson.loads(cell)
            except orjson.JSONDecodeError as exc:
                flag(i, f"{SPARSE_COLUMN} is not valid JSON ({exc})", "invalid_json")
            if value is not None and not isinstance(value, dict):
                flag(i, f"{SPARSE_COLUMN} is not a JSON object of properties", "invalid_json")
                value = None
        out.append(value or None)
    return out if any(item is not None for item in out) else None


def _out_of_memory(file: str, size: int) -> Problem:
    return Problem(file, None, None, f"not enough memory to read this file ({size / 1e6:,.1f} MB); "
                   "split it, or lower the caps (SIM_MAX_ROWS, SIM_MAX_COLUMNS) so that it is refused early")
