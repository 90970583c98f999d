"""Problems found in data files, and a YAML loader that remembers line numbers.

Every problem names its file, its line and the entry it belongs to, so that a
reviewer can go straight to it; nothing is dropped without a problem saying so.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry of one data file."""

    file: str
    line: int | None
    entry: str | None
    message: str
    severity: str = "error"  # "error": the entry was rejected (or the file refused); "warning": loaded, but flagged
    code: str = ""  # what kind of problem, for filters and tools ("invalid_date", "far_from_the_rest"…)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = f"{self.entry}: " if self.entry else ""
        kind = "warning: " if self.severity == "warning" else ""
        return f"{where}: {what}{kind}{self.message}"

    def to_dict(self) -> dict:
        """Return the problem as the command line's JSON contract writes it."""
        return {"line": self.line, "id": self.entry, "severity": self.severity, "code": self.code,
                "message": self.message}


class DataError(Exception):
    """Raised when a data file cannot be used at all; carries its problems."""

    def __init__(self, problems: list[Problem], format: str | None = None, rows: int | None = None) -> None:
        self.problems = problems
        self.format = format  # the file's format, when it was told before the file was refused
        self.rows = rows  # its rows, when they were read before it was refused
        super().__init__("\n".join(str(p) for p in problems))


class LineDict(dict):
    """A mapping read from YAML that knows the (1-based) line it starts on."""

    line: int | None = None


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts and whose dates stay strings."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates are kept as the text the curator typed ("2022-03-10"); geo.dates parses them
# with their precision, which PyYAML's own date type would lose.
_LineLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


# A top-level list entry starts with "-" in the first column; its id is on its "id:" line.
_TOP_ENTRY_RE = re.compile(r"^-(?=[ \t]|$)", re.M)
_ENTRY_ID_RE = re.compile(r"^-?[ \t]*id:[ \t]*[\"']?([^\"'#\s]+)", re.M)


def display_path(path: Path) -> str:
    """Return a path relative to the working directory when possible, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml_list(path: Path) -> tuple[list[LineDict], list[Problem]]:
    """Read a YAML file holding a list of mappings; return entries and problems instead of raising."""
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [Problem(name, None, None, f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [Problem(name, line, None, f"not UTF-8 text (byte {exc.start})")]
    try:
        data: Any = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        return _entries_one_by_one(text, name) or ([], [_syntax_problem(name, exc, None)])
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [Problem(name, 1, None, "expected a list of entries at the top level")]
    entries: list[LineDict] = []
    problems: list[Problem] = []
    for index, item in enumerate(data):
        if isinstance(item, LineDict):
            entries.append(item)
        else:
            problems.append(Problem(name, None, f"#{index + 1}", "entry is not a mapping"))
    return entries, problems


def _syntax_problem(name: str, exc: yaml.YAMLError, entry: str | None) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(exc, "problem", None) or str(exc)
    return Problem(name, line, entry, f"YAML syntax error: {reason}")


def _entries_one_by_one(text: str, name: str) -> tuple[list[LineDict], list[Problem]] | None:
    """After a syntax error, parse each top-level entry on its own, so that a broken entry costs only itself.

    Returns None when that does not isolate the error (no entries, or every entry parses alone).
    """
    starts = [m.start() for m in _TOP_ENTRY_RE.finditer(text)]
    if not starts:
        return None
    entries: list[LineDict] = []
    problems: list[Problem] = []
    bounds = [*starts, len(text)]
    for index, (start, end) in enumerate(itertools.pairwise(bounds)):
        # Pad with the lines before the entry, so that line numbers stay those of the file.
        chunk = "\n" * text.count("\n", 0, start) + text[start:end]
        try:
            data = yaml.load(chunk, Loader=_LineLoader)
        except yaml.YAMLError as exc:
            found = _ENTRY_ID_RE.search(text, start, end)
            problems.append(_syntax_problem(name, exc, found.group(1) if found else f"#{index + 1}"))
            continue
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], LineDict):
            entries.append(data[0])
        else:
            problems.append(Problem(name, None, f"#{index + 1}", "entry is not a mapping"))
    if not problems or (starts[0] and _bad_yaml(text[: starts[0]])):
        return None
    return entries, problems


def _bad_yaml(text: str) -> bool:
    try:
        return yaml.load(text, Loader=_LineLoader) is not None
    except yaml.YAMLError:
        return True
