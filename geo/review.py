"""The curator's review queue: candidates from `geo ingest --write`, each accepted into the catalogue or rejected.

The queue is ``data/review.yaml``, one entry per candidate: its id, source, status (pending, accepted,
rejected), the decision once taken, and the candidate as ingest proposed it. Accepting adds the candidate's
evidence ``{source, quote, claims}`` to ``data/incidents.yaml`` through a ruamel.yaml round trip, so the
curators' comments, order and quoting stay as they were; the catalogue is validated after the edit and the
file restored if it fails. A rejected candidate keeps its decision, so the same passage is never proposed again.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

from .catalogue import INCIDENT_TYPES, load_catalogue

QUEUE_FILE = "review.yaml"
QUEUE_HEADER = (
    "# Review queue: candidate incidents proposed by `python -m geo ingest --write`, one entry each.\n"
    "# status: pending, accepted (decision.into names the incident) or rejected (decision.why says why).\n"
    "# Decide with `python -m geo accept ID [--into INCIDENT | --as-new]` or `python -m geo reject ID --why TEXT`.\n"
)
TITLE_MAX_CHARS = 90


class ReviewError(ValueError):
    """A decision the queue or the catalogue cannot take, with the reason."""


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: comments, order and quoting are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a curator's long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_queue(data_dir: Path) -> list[dict]:
    """Return the queue's entries (none when the file does not exist yet)."""
    path = data_dir / QUEUE_FILE
    if not path.exists():
        return []
    from ruamel.yaml import YAMLError

    try:
        entries = _yaml().load(path.read_text(encoding="utf-8")) or []
    except (YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}, line {mark.line + 1}" if mark is not None else path.name
        raise ReviewError(f"{where}: the review queue cannot be read ({getattr(exc, 'problem', None) or exc})") from None
    bad = next((k for k, e in enumerate(entries) if not isinstance(e, dict) or not isinstance(e.get("candidate"), dict)
                or not {"id", "source", "status"} <= set(e)), None) if isinstance(entries, list) else 0
    if bad is not None:
        raise ReviewError(f"{path.name}: entry {bad + 1} is not a queued candidate (id, source, status, candidate)")
    return list(entries)


def save_queue(data_dir: Path, entries: list[dict]) -> None:
    """Write the queue, with its header comment."""
    buffer = io.StringIO()
    _yaml().dump([_plain(e) for e in entries], buffer)
    (data_dir / QUEUE_FILE).write_text(QUEUE_HEADER + buffer.getvalue(), encoding="utf-8")


def _plain(value):
    """Return a value with ruamel's types made plain dicts and lists (so new and loaded entries dump alike)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def add_candidates(data_dir: Path, source: str, candidates: list[dict]) -> list[dict]:
    """Queue a source's candidates; a passage already queued for the same date, whatever its status, is not."""
    entries = load_queue(data_dir)

    def keys(c: dict) -> set[tuple]:
        # A passage is the same by its offsets or by its words (a re-extracted page can shift the offsets);
        # one passage can hold two dated events ("August 8 and 18"), so the date is part of the key.
        return {(source, c.get("start"), c.get("end"), c.get("date_start")), (source, c.get("quote"), c.get("date_start"))}

    seen = set().union(*(keys(e["candidate"]) for e in entries if e["source"] == source)) if entries else set()
    numbers = [int(str(e["id"]).rsplit("-", 1)[1]) for e in entries if e["source"] == source]
    added = []
    for candidate in candidates:
        if keys(candidate) & seen:
            continue
        numbers.append(max(numbers, default=0) + 1)
        added.append({"id": f"{source}-{numbers[-1]}", "source": source, "status": "pending", "decision": None,
                      "candidate": candidate})
        seen |= keys(candidate)
    if added:
        save_queue(data_dir, [*entries, *added])
    return added


def _entry(entries: list[dict], candidate_id: str) -> dict:
    found = next((e for e in entries if e["id"] == candidate_id), None)
    if found is None:
        raise ReviewError(f"no candidate {candidate_id!r} in the review queue (python -m geo review lists them)")
    if found["status"] != "pending":
        raise ReviewError(f"candidate {candidate_id} was already {found['status']}: {dict(found['decision'] or {})}")
    return found


def accept(data_dir: Path, seeds_dir: Path, candidate_id: str, into: str | None = None, as_new: bool = False,
           places: list[str] | None = None, kind: str | None = None, today: date | None = None) -> str:
    """Add a candidate's evidence to an incident (or a new one); return the incident's id."""
    entries = load_queue(data_dir)
    entry = _entry(entries, candidate_id)
    candidate = entry["candidate"]
    catalogue = load_catalogue(data_dir, seeds_dir)
    source = catalogue.sources.get(entry["source"])
    if source is None:
        raise ReviewError(f"source {entry['source']} is not in sources.yaml")
    text = source.path.read_text(encoding="utf-8")
    start, end, quote = candidate.get("start"), candidate.get("end"), candidate.get("quote")
    if not quote or text[start:end] != quote:
        raise ReviewError(f"candidate {candidate_id}: its quote is not the text of {source.id} at {start}-{end}")
    evidence = {"source": entry["source"], "quote": quote, "claims": dict(candidate.get("claims") or {})}
    into = into or (None if as_new else candidate.get("matches"))
    path = data_dir / "incidents.yaml"
    before = path.read_text(encoding="utf-8")
    ids = [i.get("id") for i in _yaml().load(before) or []]
    if into:
        if into not in ids:
            raise ReviewError(f"no incident {into!r} in {path.name}")
        cited = next(i for i in catalogue.incidents if i.id == into) if into in {i.id for i in catalogue.incidents} else None
        if cited is not None and any(e.source == entry["source"] and e.quote == quote for e in cited.evidence):
            raise ReviewError(f"{into} already cites this passage of {entry['source']}")
        after, ident = _with_evidence(before, into, evidence), into
    elif as_new:
        ident, block = _new_incident(ids, candidate, evidence, catalogue, places, kind)
        after = before.rstrip("\n") + "\n\n" + block
    else:
        raise ReviewError(f"candidate {candidate_id} matches no incident: pass --into INCIDENT or --as-new")
    path.write_text(after, encoding="utf-8")
    problems = load_catalogue(data_dir, seeds_dir).problems
    if problems:
        path.write_text(before, encoding="utf-8")
        raise ReviewError("the catalogue would not validate, nothing changed: " + "; ".join(map(str, problems)))
    entry["status"] = "accepted"
    entry["decision"] = {"decided_on": (today or date.today()).isoformat(), "into": ident}
    save_queue(data_dir, entries)
    return ident


def _scalar(value) -> str:
    """Return a value as YAML text: strings double-quoted (JSON's syntax is YAML's), numbers as they are."""
    return json.dumps(value, ensure_ascii=False)


def _evidence_lines(evidence: dict) -> list[str]:
    """Return an evidence item as the catalogue writes it: indented under `evidence:`, claims one per line."""
    lines = [f"    - source: {evidence['source']}", f"      quote: {_scalar(evidence['quote'])}"]
    if not evidence["claims"]:
        return [*lines, "      claims: {}"]
    return [*lines, "      claims:", *(f"        {key}: {_scalar(value)}" for key, value in evidence["claims"].items())]


def _with_evidence(text: str, incident_id: str, evidence: dict) -> str:
    """Return incidents.yaml's text with an evidence item added at the end of one incident, the rest untouched.

    A text edit, not a re-dump: the curators' comments, quoting, blank lines and order stay byte for byte. The
    incident's block runs from its `- id:` line to the next top-level item; `evidence` is its last key.
    """
    lines = text.split("\n")
    start = next(k for k, line in enumerate(lines) if re.fullmatch(rf"- id: {re.escape(incident_id)}\s*(#.*)?", line))
    end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("- ")), len(lines))
    while end > start and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1  # the blank lines and comments between two incidents stay between them
    return "\n".join([*lines[:end], *_evidence_lines(evidence), *lines[end:]])


def _new_incident(ids: list, candidate: dict, evidence: dict, catalogue, places: list[str] | None,
                  kind: str | None) -> tuple[str, str]:
    """Return a new incident's id and its YAML block, built from a candidate."""
    place_ids = places or [p for p in candidate.get("place_ids") or () if p in catalogue.places]
    if not place_ids:
        raise ReviewError("none of the candidate's places is in data/places.yaml: add the place to "
                          "data/places.yaml first or pass --place ID")
    unknown = [p for p in place_ids if p not in catalogue.places]
    if unknown:
        raise ReviewError(f"unknown place id(s) {', '.join(unknown)}: add them to data/places.yaml first")
    kind = kind or candidate.get("type")
    if kind not in INCIDENT_TYPES:
        raise ReviewError(f"type {kind!r} is not one of {', '.join(INCIDENT_TYPES)}: pass --type")
    if "date" not in evidence["claims"]:
        raise ReviewError("the candidate claims no date; a new incident needs one (accept it --into an incident)")
    base = f"{place_ids[0]}-{evidence['claims']['date']}"
    ident = base if base not in ids else next(f"{base}-{n}" for n in range(2, 10_000) if f"{base}-{n}" not in ids)
    quote = re.sub(r"\s+", " ", evidence["quote"]).strip("“”\" ")
    title = quote if len(quote) <= TITLE_MAX_CHARS else quote[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
    block = [f"- id: {ident}", f"  title: {_scalar(title)}", f"  type: {kind}", f"  places: [{', '.join(place_ids)}]",
             "  coding_note: accepted from the review queue; the title is the quote's beginning", "  evidence:",
             *_evidence_lines(evidence)]
    return ident, "\n".join(block) + "\n"


def reject(data_dir: Path, candidate_id: str, why: str, today: date | None = None) -> None:
    """Mark a candidate rejected, with the reason; it is never proposed again."""
    if not why or not why.strip():
        raise ReviewError("a rejection needs a reason: --why TEXT")
    entries = load_queue(data_dir)
    entry = _entry(entries, candidate_id)
    entry["status"] = "rejected"
    entry["decision"] = {"decided_on": (today or date.today()).isoformat(), "why": why.strip()}
    save_queue(data_dir, entries)
