"""One incident as the page shows it: badges, facts, disagreements and sources, built once, in Python.

The map's popup (``static/js/sim-map.js``) and the side panel (:mod:`dashboard.incidents`) lay the same
record out, each in its own way; neither decides what to say. So the rules live here alone: when an
incident counts as corroborated, how a location's precision is worded, how a disagreement reads, which
sources open in the reader and which are web links. Every value is plain JSON (the popup's payload).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

EXACT_PRECISIONS = ("point", "site")  # a place known to a building or a street: no uncertainty drawn


def plain(value: object) -> object:
    """Return a JSON-ready value: None for pandas' missing markers, Python numbers for numpy ones."""
    if isinstance(value, list | tuple | dict):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or value is pd.NA:
        return None
    return value


def _text(value: object) -> str:
    value = plain(value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:g}"
    return value if isinstance(value, str) else ""


def _joined(values: object) -> str:
    return "; ".join(str(v) for v in values) if isinstance(values, list | tuple) else _text(values)


def conflict_sides(conflict: object) -> tuple[str, list[tuple[str, str]]]:
    """Return a conflict's field and its (value, source) sides; missing or malformed parts become '?'.

    The importer checks the shape of every conflict; the page still reads them defensively, so that
    one odd row can never take the table, the downloads or the detail down with it.
    """
    if not isinstance(conflict, dict):
        return "?", []
    field = conflict.get("field")
    sides = conflict.get("values")
    pairs = [(str(side.get("value", "?")), str(side.get("source", "?")))
             for side in (sides if isinstance(sides, list) else []) if isinstance(side, dict)]
    return (field if isinstance(field, str) and field else "?"), pairs


def conflict_fields(conflicts: object) -> str:
    """Return the fields an incident's sources disagree on, for the table ('date, killed')."""
    return ", ".join(conflict_sides(c)[0] for c in conflicts) if isinstance(conflicts, list) else ""


def web_url(source: str) -> str | None:
    """Return the source if it is a web address (http or https), else None."""
    try:
        parts = urlsplit(source.strip())
    except ValueError:
        return None
    return source.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def source_label(source: str, titles: Mapping[str, str]) -> str:
    """Return 'id prefix — title' for a source whose title is known, the name itself (cut) for another."""
    if source in titles:
        return f"{source[:3]} — {titles[source][:70]}"
    return source[:80]


def incident_record(
    row: Mapping[str, Any], *, titles: Mapping[str, str], readable: frozenset[str] | set[str],
    extra_columns: Sequence[str] = (), detail_columns: int | None = None, detail_chars: int | None = None,
) -> dict[str, Any]:
    """Return what the page says of one incident (a row of the export's schema), as plain JSON.

    `detail_columns` and `detail_chars` cut an import's free columns (the popup travels with every
    rerun; the side panel shows them whole).
    """
    corroboration = int(plain(row.get("corroboration")) or 0)
    conflicts = row.get("conflicts") if isinstance(row.get("conflicts"), list) else []
    badges = [{"text": _text(row.get("type")), "tone": "type"},
              {"text": f"{corroboration} sources", "tone": "corroborated"} if corroboration > 1
              else {"text": "single source", "tone": "single"}]
    if conflicts:
        badges.append({"text": "sources disagree", "tone": "conflict"})
    precision, radius = _text(row.get("precision")), plain(row.get("radius_m"))
    uncertainty_m = float(radius) if precision and precision not in EXACT_PRECISIONS and radius else None
    time = _text(row.get("time"))
    facts = [
        ("Date", _text(row.get("date_label")) + (f", {time} (local, as reported)" if time else "")),
        ("Places", _joined(row.get("place_names"))),
        ("Location precision", f"{precision} (± {round(uncertainty_m):,} m)" if uncertainty_m else ""),
        ("Description", _text(row.get("description"))),
        ("Weapon", _text(row.get("weapon"))),
        ("Casualties", _joined(row.get("casualties"))),
    ]
    details = []
    for column in list(extra_columns)[:detail_columns]:
        text = _text(row.get(column)) if not isinstance(row.get(column), list | dict) else str(row.get(column))
        if detail_chars is not None and len(text) > detail_chars:
            text = text[:detail_chars - 1] + "…"
        details.append((column.replace("_", " ").capitalize(), text))
    disagreements = []
    for conflict in conflicts:
        field, pairs = conflict_sides(conflict)
        disagreements.append({"field": field, "sides": " vs ".join(f"“{value}” ({source[:3]})" for value, source in pairs)})
    sources = []
    for item in row.get("sources") or ():
        if not isinstance(item, dict):
            continue
        source = str(item.get("source", "?"))
        sources.append({"id": source, "quote": _text(item.get("quote")), "title": titles.get(source, source),
                        "label": source_label(source, titles), "readable": source in readable, "url": web_url(source)})
    return {
        "id": _text(row.get("id")),
        "title": _text(row.get("title")),
        "type": _text(row.get("type")),
        "date_label": _text(row.get("date_label")),
        "corroborated": corroboration > 1,
        "badges": badges,
        "facts": [{"label": label, "value": value} for label, value in [*facts, *details] if value],
        "disagreements": disagreements,
        "coding_note": _text(row.get("coding_note")),
        "sources": sources,
        "uncertainty_m": uncertainty_m,
    }
