"""The incident catalogue: sources, human-coded incidents and what is derived from them.

Curators type the incidents in ``data/incidents.yaml``: places, and evidence as
{source, verbatim quote, claims}. Everything else is derived here, never typed:
an incident's date interval (what all its date claims agree on), its
corroboration (distinct sources) and its conflicts (claims that disagree).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .dates import DateInterval, parse_date_claim
from .normalize import fold
from .places import DATA_DIR, Place, load_places
from .problems import LineDict, Problem, display_path, read_yaml_list

SEEDS_DIR = DATA_DIR.parent / "seeds"
# "attack" is for reports that do not say how a place was hit.
INCIDENT_TYPES = ("missile strike", "airstrike", "drone attack", "attack", "aircraft crash", "police raid", "arrest")
CLAIM_KEYS = frozenset({
    "date", "date_basis", "time", "time_qualifier", "timezone", "weapon", "impact", "distance_m",
    "distance_text", "killed", "injured", "aboard", "casualties_scope", "damage",
})
# How two sources' values for the same claim are compared. Text is compatible when
# one contains the other ("missile" and "Iskander missile"), numbers when equal
# (and only within the same casualties scope), dates when their intervals overlap.
_TEXT_CLAIMS = ("weapon", "impact", "time")
_NUMBER_CLAIMS = ("distance_m", "killed", "injured", "aboard")


@dataclass(frozen=True)
class Source:
    """One article: its metadata and, read on demand, its text."""

    id: str
    path: Path
    title: str
    title_basis: str | None = None
    outlet: str | None = None
    published: dict = field(default_factory=dict)
    language: str | None = None
    reliability: tuple[dict, ...] = ()

    @cached_property
    def text(self) -> str:
        """Return the article text (UTF-8, unchanged)."""
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote from one source and the claims it makes."""

    source: str
    quote: str
    claims: dict[str, Any]
    start: int
    end: int


@dataclass(frozen=True)
class Conflict:
    """One claim on which an incident's sources disagree, with every side."""

    field: str
    values: tuple[dict, ...]

    def to_dict(self) -> dict:
        """Return the conflict as plain data for JSON and tables."""
        return {"field": self.field, "values": list(self.values)}

    def summary(self) -> str:
        """Return a one-line description: 'impact: "a" (003…) vs "b" (002…)'."""
        sides = " vs ".join(f"{v['value']!r} ({v['source']})" for v in self.values)
        return f"{self.field}: {sides}"


@dataclass(frozen=True)
class Incident:
    """An incident with its evidence and the facts derived from it."""

    id: str
    title: str
    type: str
    places: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    date: DateInterval
    coding_note: str | None = None
    conflicts: tuple[Conflict, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the distinct source ids, in order of first citation."""
        return tuple(dict.fromkeys(e.source for e in self.evidence))

    @property
    def corroboration(self) -> int:
        """Return the number of distinct sources that report this incident."""
        return len(self.sources)

    def claimed(self, key: str) -> list[Any]:
        """Return the distinct values the evidence claims for `key`, in order."""
        return list(dict.fromkeys(e.claims[key] for e in self.evidence if key in e.claims))


@dataclass
class Catalogue:
    """Places, sources and incidents loaded together, with every problem found on the way."""

    places: dict[str, Place]
    sources: dict[str, Source]
    incidents: list[Incident]
    problems: list[Problem]
    rejected: list[str] = field(default_factory=list)


def load_sources(path: Path, seeds_dir: Path) -> tuple[dict[str, Source], list[Problem]]:
    """Read source metadata; a source must name a text file inside `seeds_dir` that is valid UTF-8."""
    entries, problems = read_yaml_list(path)
    file = display_path(path)
    sources: dict[str, Source] = {}
    root = seeds_dir.resolve()
    for entry in entries:
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident:
            problems.append(Problem(file, entry.line, None, "source has no id"))
            continue
        if ident in sources:
            problems.append(Problem(file, entry.line, ident, "duplicate source id"))
            continue
        text_path = (seeds_dir / str(entry.get("file") or f"{ident}.txt")).resolve()
        if not text_path.is_relative_to(root):
            problems.append(Problem(file, entry.line, ident, "source file is outside the seeds folder"))
            continue
        if not text_path.is_file():
            problems.append(Problem(file, entry.line, ident, f"source file {text_path.name} does not exist"))
            continue
        raw = text_path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.append(Problem(display_path(text_path), line, ident, f"not UTF-8 text (byte {exc.start})"))
            continue
        if not entry.get("title"):
            problems.append(Problem(file, entry.line, ident, "missing required field 'title'"))
        published = entry.get("published") or {}
        for bound in ("not_before", "not_after"):
            if published.get(bound):
                try:
                    parse_date_claim(published[bound])
                except ValueError as exc:
                    problems.append(Problem(file, entry.line, ident, f"published.{bound}: {exc}"))
        sources[ident] = Source(
            id=ident,
            path=text_path,
            title=str(entry.get("title") or ident),
            title_basis=entry.get("title_basis"),
            outlet=entry.get("outlet"),
            published=dict(published),
            language=entry.get("language"),
            reliability=tuple(entry.get("reliability") or ()),
        )
    return sources, problems


def _compatible(key: str, a: Any, b: Any) -> bool:
    if key == "date":
        return parse_date_claim(a).overlaps(parse_date_claim(b))
    if key in _NUMBER_CLAIMS:
        return a == b
    fa, fb = fold(str(a)), fold(str(b))
    return fa in fb or fb in fa


def derive_conflicts(evidence: Iterable[Evidence]) -> tuple[Conflict, ...]:
    """Return the claims on which evidence items from different sources disagree."""
    items = list(evidence)
    conflicts = []
    for key in ("date", *_TEXT_CLAIMS, *_NUMBER_CLAIMS):
        stating = [e for e in items if key in e.claims]
        disagree = any(
            a.source != b.source
            # Only numbers are scoped ("6 killed in Kyiv" vs "0 at the embassy"); a scope on one item must
            # not hide its date or impact from comparison.
            and (key not in _NUMBER_CLAIMS or a.claims.get("casualties_scope") == b.claims.get("casualties_scope"))
            and not _compatible(key, a.claims[key], b.claims[key])
            for i, a in enumerate(stating)
            for b in stating[i + 1:]
        )
        if disagree:
            values = tuple({"source": e.source, "value": e.claims[key], "quote": e.quote} for e in stating)
            conflicts.append(Conflict(key, values))
    return tuple(conflicts)


def derive_date(evidence: Iterable[Evidence]) -> DateInterval | None:
    """Return the interval all date claims agree on; if they disagree, the span covering them all."""
    intervals = [parse_date_claim(e.claims["date"]) for e in evidence if "date" in e.claims]
    if not intervals:
        return None
    agreed: DateInterval | None = intervals[0]
    for interval in intervals[1:]:
        agreed = agreed.intersection(interval) if agreed is not None else None
    if agreed is not None:
        return agreed
    hull = intervals[0]
    for interval in intervals[1:]:
        hull = hull.hull(interval)
    return hull


def _evidence_problems(
    item: Any, incident_id: str, file: str, line: int | None, sources: dict[str, Source]
) -> tuple[Evidence | None, list[Problem]]:
    """Check one evidence item: known source, verbatim quote, known and valid claims."""
    if not isinstance(item, dict):
        return None, [Problem(file, line, incident_id, "evidence item is not a mapping")]
    line = getattr(item, "line", line)
    source_id, quote = item.get("source"), item.get("quote")
    if not isinstance(source_id, str) or source_id not in sources:
        return None, [Problem(file, line, incident_id, f"unknown source {source_id!r}")]
    if not isinstance(quote, str) or not quote.strip():
        return None, [Problem(file, line, incident_id, f"evidence from {source_id} has no quote")]
    start = sources[source_id].text.find(quote)
    if start < 0:
        return None, [Problem(file, line, incident_id, f"quote is not verbatim in {source_id}: {quote[:70]!r}")]
    claims = item.get("claims") or {}
    problems = []
    if not isinstance(claims, dict):
        return None, [Problem(file, line, incident_id, "claims must be a mapping")]
    for key in claims:
        if key not in CLAIM_KEYS:
            problems.append(Problem(file, line, incident_id, f"unknown claim {key!r} (known: {', '.join(sorted(CLAIM_KEYS))})"))
    if "date" in claims:
        try:
            parse_date_claim(claims["date"])
        except ValueError as exc:
            problems.append(Problem(file, line, incident_id, str(exc)))
    for key in _NUMBER_CLAIMS:
        if key in claims and (isinstance(claims[key], bool) or not isinstance(claims[key], int | float)):
            problems.append(Problem(file, line, incident_id, f"claim {key} must be a number, got {claims[key]!r}"))
    if problems:
        return None, problems
    return Evidence(str(source_id), quote, dict(claims), start, start + len(quote)), []


def incident_from_entry(
    entry: LineDict, file: str, places: dict[str, Place], sources: dict[str, Source]
) -> tuple[Incident | None, list[Problem]]:
    """Build an Incident from one YAML entry and derive its facts, or explain why it cannot be used."""
    ident = entry.get("id") if isinstance(entry.get("id"), str) else None
    problems = [
        Problem(file, entry.line, ident, f"missing required field '{key}'")
        for key in ("id", "title", "type", "places", "evidence")
        if not entry.get(key)
    ]
    if problems:
        return None, problems
    if entry["type"] not in INCIDENT_TYPES:
        problems.append(Problem(file, entry.line, ident, f"type {entry['type']!r} is not one of {', '.join(INCIDENT_TYPES)}"))
    place_ids = entry["places"] if isinstance(entry["places"], list) else [entry["places"]]
    for place_id in place_ids:
        if not isinstance(place_id, str) or place_id not in places:
            problems.append(Problem(file, entry.line, ident, f"unknown place id {place_id!r}"))
    evidence = []
    items = entry["evidence"] if isinstance(entry["evidence"], list) else [entry["evidence"]]
    for item in items:
        found, item_problems = _evidence_problems(item, ident, file, entry.line, sources)
        problems += item_problems
        if found is not None:
            evidence.append(found)
    if problems:
        return None, problems
    date = derive_date(evidence)
    if date is None:
        return None, [Problem(file, entry.line, ident, "no evidence item claims a date")]
    incident = Incident(
        id=ident,
        title=str(entry["title"]),
        type=entry["type"],
        places=tuple(place_ids),
        evidence=tuple(evidence),
        date=date,
        coding_note=entry.get("coding_note"),
        conflicts=derive_conflicts(evidence),
    )
    return incident, []


def load_catalogue(data_dir: Path = DATA_DIR, seeds_dir: Path = SEEDS_DIR) -> Catalogue:
    """Load places, sources and incidents; keep every valid incident and list every problem."""
    place_list, problems = load_places(data_dir)
    places = {p.id: p for p in place_list}
    sources, source_problems = load_sources(seeds_dir / "sources.yaml", seeds_dir)
    problems += source_problems
    path = data_dir / "incidents.yaml"
    entries, incident_problems = read_yaml_list(path)
    problems += incident_problems
    file = display_path(path)
    incidents: list[Incident] = []
    # Entries the YAML reader could not turn into mappings (a syntax error in one entry) are rejected too.
    rejected: list[str] = list(dict.fromkeys(p.entry for p in incident_problems if p.entry))
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        incident, entry_problems = incident_from_entry(entry, file, places, sources)
        if incident is not None and incident.id in seen:
            entry_problems = [Problem(file, entry.line, incident.id, "duplicate incident id")]
            incident = None
        problems += entry_problems
        if incident is None:
            rejected.append(str(entry.get("id") or f"#{index + 1}"))
        else:
            seen.add(incident.id)
            incidents.append(incident)
    return Catalogue(places, sources, incidents, problems, rejected)
