"""One incident as the page shows it: badges, facts, disagreements and sources, built once, in Python.

The map's popup (``static/js/sim-map.js``) and the side panel (:mod:`dashboard.incidents`) lay the same
record out, each in its own way; neither decides what to say. So the rules live here alone: when an
incident counts as corroborated (or has no source at all), how a location's precision is worded, how a
disagreement reads, which sources open in the reader and which are web links, which parts of a field
are links (http and https only), what a plausibility flag means, and what a graphic incident hides until
the reader asks. Every value is plain JSON (the popup's payload).

The popup is brief (the title, date, type, sources and a few short fields: it travels with every rerun);
the side panel shows every field of the incident, the file's own columns and sparse properties included.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np
import pandas as pd

import geo

EXACT_PRECISIONS = ("point", "site")  # a place known to a building or a street: no uncertainty drawn
POPUP_FIELDS = 4  # the popup's free fields: at most this many…
POPUP_FIELD_CHARS = 80  # …each at most this long (longer ones are in the side panel)
POPUP_DESCRIPTION_CHARS = 280
# A graphic incident's reveal: what its toggle (side panel) or summary (popup) says, hidden and shown.
GRAPHIC_SHOW_LABEL, GRAPHIC_HIDE_LABEL = "Show graphic content", "Hide graphic content"
GEOLOCATION_NOTE = "evidence for the location"
FLAG_WORDS = {
    "far_from_the_rest": "far from the rest of the dataset",
    "lat_lon_swapped": "latitude and longitude look swapped",
    "date_isolated": "date more than a year away from the rest",
    "date_in_future": "date in the future",
    "near_null_island": "within about 1 km of (0, 0)",
    "duplicate_id": "its id was used again; kept under a new id",
}
# What separates the words of a value (a list of links, of places): a copy that differs only in these repeats it.
_SEPARATORS = re.compile(r"[\s,;|]+")
# Characters a link may keep as they are; anything else (spaces, quotes, <, >, backslashes) is percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


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


def safe_url(url: str) -> str | None:
    """Return an http(s) address with every character a link must not carry percent-encoded, else None."""
    found = web_url(url)
    return quote(found, safe=_URL_SAFE) if found else None


def link_parts(text: str) -> list[dict[str, str]] | None:
    """Return a field's text as parts, its http(s) links marked with their address; None when it holds no link."""
    parts: list[dict[str, str]] = []
    position = 0
    for found in geo.split_links(text):
        url, at = safe_url(found), text.find(found, position)
        if url is None or at < 0:  # a JSON list's link, or not a real address: left as text
            continue
        if at > position:
            parts.append({"text": text[position:at]})
        parts.append({"text": found, "url": url})
        position = at + len(found)
    if not parts:
        return None
    if position < len(text):
        parts.append({"text": text[position:]})
    return parts


def plural(count: int, noun: str) -> str:
    """Return a count and its noun, singular for exactly one: "1 incident", "0 incidents", "1,234 rows".

    Every "N things" the page writes is worded by this (a regular noun: its plural adds an "s").
    """
    return f"{count:,} {noun if count == 1 else noun + 's'}"


def support(corroboration: int) -> tuple[str, str]:
    """Return how an incident's sourcing reads and its tone: no source, a single source, or corroborated."""
    if corroboration <= 0:
        return "no source", "none"
    if corroboration == 1:
        return "single source", "single"
    return plural(corroboration, "source"), "corroborated"


def source_label(source: str, titles: Mapping[str, str]) -> str:
    """Return 'id prefix — title' for a source whose title is known, the name itself (cut) for another."""
    if source in titles:
        return f"{source[:3]} — {titles[source][:70]}"
    return source[:80]


def outlet_label(outlet: str, count: int, titles: Mapping[str, str]) -> str:
    """Return a "Reported by" choice: a bundled article by its title, another outlet with its incidents' count."""
    if outlet in titles:
        return source_label(outlet, titles)
    return f"{outlet[:80]} ({count:,})"


def _cell(value: object) -> str:
    """Return a free field's value as text: lists item by item, mappings as JSON."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value if plain(v) is not None)
    return _text(value)


def _fact(label: str, value: str, note: str | None = None) -> dict[str, Any] | None:
    """Return a fact (None when it has no value); its links marked, and a note on what it is evidence for."""
    if not value:
        return None
    fact: dict[str, Any] = {"label": label, "value": value}
    parts = link_parts(value)
    if parts:
        fact["parts"] = parts
    if note:
        fact["note"] = note
    return fact


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _field_label(name: str) -> str:
    return str(name).replace("_", " ").capitalize()


def _words(text: str) -> tuple[str, ...]:
    return tuple(word for word in _SEPARATORS.split(text) if word)


def _sources(row: Mapping[str, Any], titles: Mapping[str, str], readable: frozenset[str] | set[str]) -> list[dict]:
    sources = []
    for item in row.get("sources") or ():
        if not isinstance(item, dict):
            continue
        source = str(item.get("source", "?"))
        sources.append({"id": source, "quote": _text(item.get("quote")), "title": titles.get(source, source),
                        "label": source_label(source, titles), "readable": source in readable,
                        "url": safe_url(source)})
    return sources


def _free_fields(row: Mapping[str, Any], extra_columns: Sequence[str], brief: bool, skip: frozenset[str] | set[str],
                 headers: Mapping[str, str], said: set[tuple[str, ...]]) -> tuple[list[dict], int]:
    """Return the file's own fields as facts (popup: a few short ones), and how many were left for the side panel.

    A column is named by the file's own header (`headers`: "graphic_2" is kept for the file's "graphic"). A
    column read into a field and kept as written (`skip`) is labelled by its header exactly as the file wrote
    it, "(as written)"; it is left out where it only repeats a fact of the record (`said`: their words), as a
    geolocation cell repeats the evidence listed.
    """
    fields = []  # (label, text, whether it is the file's copy of a field)
    for column in extra_columns:
        value = row.get(column)
        if column == geo.SPARSE_COLUMN:  # the rare properties: each a field of its own
            pairs = [(_field_label(str(k)), _cell(v), False) for k, v in value.items()] if isinstance(value, dict) else []
        else:
            header, copy = str(headers.get(column, column)), column in skip
            pairs = [(f"{header} (as written)" if copy else _field_label(header), _cell(value), copy)]
        fields += [(label, text, copy) for label, text, copy in pairs if text and not (copy and _words(text) in said)]
    if not brief:  # every field
        return [f for label, text, _ in fields if (f := _fact(label, text))], 0
    # The popup: the first few short fields; the file's own copy of a field it already shows (the date or the
    # links as written) is left to the side panel.
    short = [(label, text) for label, text, copy in fields if len(text) <= POPUP_FIELD_CHARS and not copy]
    chosen = short[:POPUP_FIELDS]
    return [f for label, text in chosen if (f := _fact(label, text))], len(fields) - len(chosen)


def incident_record(
    row: Mapping[str, Any], *, titles: Mapping[str, str], readable: frozenset[str] | set[str],
    extra_columns: Sequence[str] = (), brief: bool = False, skip: frozenset[str] | set[str] = frozenset(),
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return what the page says of one incident (a row of the export's schema), as plain JSON.

    `brief` is the popup's record: a cut description and at most POPUP_FIELDS short free fields, none of
    the columns in `skip` (the file's own copies of fields it shows); the side panel's record has them all,
    the columns in `skip` labelled "(as written)" (unless one only repeats a fact). `headers` names the columns
    kept under another name than the file's ({"graphic_2": "graphic"}).
    A graphic incident's description, links and sources are in `reveal`, shown only when asked for; its `label`
    asks to show them, its `hide_label` (once they are shown) to hide them again.
    """
    corroboration = int(plain(row.get("corroboration")) or 0)
    conflicts = row.get("conflicts") if isinstance(row.get("conflicts"), list) else []
    flags = [str(f) for f in row.get("flags")] if isinstance(row.get("flags"), list) else []
    graphic = plain(row.get("graphic")) is True
    wording, tone = support(corroboration)
    badges = [{"text": _text(row.get("type")), "tone": "type"}, {"text": wording, "tone": tone}]
    if conflicts:
        badges.append({"text": "sources disagree", "tone": "conflict"})
    if flags:
        badges.append({"text": "flagged", "tone": "flag"})
    if graphic:
        badges.append({"text": "graphic", "tone": "graphic"})
    precision, radius = _text(row.get("precision")), plain(row.get("radius_m"))
    uncertainty_m = float(radius) if precision and precision not in EXACT_PRECISIONS and radius else None
    time = _text(row.get("time"))
    description = _text(row.get("description"))
    evidence = row.get("location_evidence")
    facts = [
        _fact("Date", _text(row.get("date_label")) + (f", {time} (local, as reported)" if time else "")),
        _fact("Places", _joined(row.get("place_names"))),
        _fact("Location precision", f"{precision} (± {round(uncertainty_m):,} m)" if uncertainty_m else ""),
        _fact("Geolocation", " ".join(str(u) for u in evidence) if isinstance(evidence, list) else _text(evidence),
              GEOLOCATION_NOTE),
        _fact("Flags", "; ".join(FLAG_WORDS.get(f, f) for f in flags)),
        _fact("Description", _cut(description, POPUP_DESCRIPTION_CHARS) if brief else description),
        _fact("Weapon", _text(row.get("weapon"))),
        _fact("Casualties", _joined(row.get("casualties"))),
    ]
    said = {_words(f["value"]) for f in facts if f}
    details, left_out = _free_fields(row, extra_columns, brief, skip, headers or {}, said)
    shown = [f for f in [*facts, *details] if f]
    disagreements = []
    for conflict in conflicts:
        field, pairs = conflict_sides(conflict)
        disagreements.append({"field": field, "sides": " vs ".join(f"“{value}” ({source[:3]})" for value, source in pairs)})
    sources = _sources(row, titles, readable)
    reveal = None
    if graphic:  # the description and every link (the media) wait behind a click
        hidden = [f for f in shown if f["label"] == "Description" or "parts" in f]
        shown = [f for f in shown if f not in hidden]
        reveal = {"label": GRAPHIC_SHOW_LABEL, "hide_label": GRAPHIC_HIDE_LABEL, "facts": hidden, "sources": sources}
        sources = []
    return {
        "id": _text(row.get("id")),
        "title": _text(row.get("title")),
        "type": _text(row.get("type")),
        "date_label": _text(row.get("date_label")),
        "corroborated": corroboration > 1,
        "support": tone,
        "badges": badges,
        "facts": shown,
        "more": f"{plural(left_out, 'more field')} beside the map" if left_out else "",
        "reveal": reveal,
        "disagreements": disagreements,
        "coding_note": _text(row.get("coding_note")),
        "sources": sources,
        "uncertainty_m": uncertainty_m,
    }
