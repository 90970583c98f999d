"""Annotations of a source text for the reader: where each quote and each place mention is.

Quotes come from the catalogue's evidence. Place mentions are found by :func:`geo.extract.find_places`
once, at build time (``python -m geo mentions``), and stored in ``data/place_mentions.csv``, a text
file a reviewer reads in a diff: nothing parses an article while a page runs. A stored mention whose
offsets no longer match its article (the text changed, the file was not rebuilt) is not used, and is
reported as a problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .catalogue import Catalogue
from .gazetteer import Gazetteer
from .places import DATA_DIR
from .problems import Problem, display_path

MENTIONS_FILE = "place_mentions.csv"
MENTION_COLUMNS = ("source", "start", "end", "text", "place_id", "name")


@dataclass(frozen=True)
class Span:
    """A marked stretch of a source text: a quoted passage or a place mention."""

    start: int
    end: int
    kind: str  # "quote" or "place"
    label: str  # incident title for a quote, place name for a place
    ref: str  # incident id for a quote, place id for a place


def mentions_text(catalogue: Catalogue, gazetteer: Gazetteer) -> str:
    """Return the place mentions of every source of the catalogue as CSV (the stored file's text)."""
    from .extract import find_places  # only the build step parses text

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MENTION_COLUMNS)
    for source_id in sorted(catalogue.sources):
        for m in find_places(catalogue.sources[source_id].text, gazetteer):
            if m.role == "literal":  # the reader marks places; "Russian forces" names no place to mark
                writer.writerow([source_id, m.start, m.end, m.text, m.place_id, m.name])
    return out.getvalue()


@lru_cache(maxsize=4)
def _stored_rows(path: Path, modified_ns: int) -> tuple[tuple[int, dict[str, str]], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple((line, row) for line, row in enumerate(csv.DictReader(handle), start=2))


def place_mentions(catalogue: Catalogue, data_dir: Path = DATA_DIR) -> tuple[dict[str, list[Span]], list[Problem]]:
    """Return the stored place mentions by source, and a problem for each stored row that cannot be used."""
    path = data_dir / MENTIONS_FILE
    file = display_path(path)
    if not path.is_file():
        return {}, [Problem(file, None, None, "no stored place mentions: run `python -m geo mentions`")]
    spans: dict[str, list[Span]] = {}
    problems: list[Problem] = []
    for line, row in _stored_rows(path, path.stat().st_mtime_ns):
        source = catalogue.sources.get(row.get("source") or "")
        try:
            start, end = int(row["start"]), int(row["end"])
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(file, line, row.get("source"), "start and end must be whole numbers"))
            continue
        if source is None:
            problems.append(Problem(file, line, row.get("source"), "no such source in the catalogue"))
        elif not 0 <= start < end <= len(source.text) or source.text[start:end] != row.get("text"):
            problems.append(Problem(file, line, source.id, f"{row.get('text')!r} is not at {start}-{end} of the "
                                    "article (rebuild with `python -m geo mentions`)"))
        else:
            spans.setdefault(source.id, []).append(Span(start, end, "place", row.get("name") or "", row.get("place_id") or ""))
    return spans, problems


def source_spans(catalogue: Catalogue, source_id: str, data_dir: Path = DATA_DIR) -> list[Span]:
    """Return the quotes that incidents cite from a source and its stored place mentions, in text order."""
    spans = [
        Span(e.start, e.end, "quote", incident.title, incident.id)
        for incident in catalogue.incidents
        for e in incident.evidence
        if e.source == source_id
    ]
    spans += place_mentions(catalogue, data_dir)[0].get(source_id, [])
    return sorted(spans, key=lambda s: (s.start, s.kind != "quote"))
