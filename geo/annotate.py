"""Annotations of a source text for the reader: where each quote and each place mention is."""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import Catalogue
from .extract import find_places
from .gazetteer import Gazetteer


@dataclass(frozen=True)
class Span:
    """A marked stretch of a source text: a quoted passage or a place mention."""

    start: int
    end: int
    kind: str  # "quote" or "place"
    label: str  # incident id for a quote, place name for a place
    ref: str  # incident id for a quote, place id for a place


def source_spans(catalogue: Catalogue, gazetteer: Gazetteer, source_id: str) -> list[Span]:
    """Return the quotes that incidents cite from a source and the places it mentions, in text order."""
    source = catalogue.sources[source_id]
    spans = [
        Span(e.start, e.end, "quote", incident.title, incident.id)
        for incident in catalogue.incidents
        for e in incident.evidence
        if e.source == source_id
    ]
    spans += [
        Span(m.start, m.end, "place", m.name, m.place_id) for m in find_places(source.text, gazetteer)
    ]
    return sorted(spans, key=lambda s: (s.start, s.kind != "quote"))


def cited_by(catalogue: Catalogue, source_id: str) -> list[str]:
    """Return the ids of the incidents that cite a source, in catalogue order."""
    return [i.id for i in catalogue.incidents if source_id in i.sources]
