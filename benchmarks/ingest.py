"""How well `geo ingest` turns an article into the catalogue's incidents (issue 14), measured on the seeds.

Each of the five seed articles is treated as new: it is ingested against a catalogue from which that
article's evidence has been taken out (an incident only that article reported is gone; one that others
reported too stays, dated by their evidence alone). No seed states the day it appeared: each is read against
the bounds sources.yaml gives (not_before, and not_after or else the day the benchmark runs), so a relative
date ("on August 28", "in July") covers every day it can mean within them. Then:

* recall, incidents: the share of the catalogue's incidents with evidence from that article that come back as
  at least one candidate whose place overlaps the incident's (within their radii) and whose dates overlap;
* recall, claims: the same for each evidence item (claim) of that article, its own date claim against the
  candidate's dates;
* precision: the share of candidates that overlap, in place and dates, an incident that article reports;
* matches: of the candidates for incidents other articles also report, the share whose `matches` names it,
  and the share that offers it among its `possible_matches` (dates that span several incidents at one place);
* quotes: every candidate's quote must be the article's text between its offsets, verbatim.

    python -m benchmarks.ingest            # prints the table and writes benchmarks/results-ingest.md
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from geo.catalogue import Catalogue, Incident, derive_date, load_catalogue
from geo.dates import DateInterval, parse_date_claim
from geo.gazetteer import Gazetteer, _km
from geo.ingest import Candidate, ingest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-ingest.md"


def without_source(catalogue: Catalogue, source: str) -> Catalogue:
    """Return the catalogue as it was before `source` was read: its evidence out, the dates derived again."""
    incidents = []
    for incident in catalogue.incidents:
        kept = tuple(e for e in incident.evidence if e.source != source)
        when = derive_date(kept)
        if kept and when is not None:
            incidents.append(replace(incident, evidence=kept, date=when))
    return replace(catalogue, incidents=incidents)


def overlaps(candidate: Candidate, incident: Incident, when: DateInterval, catalogue: Catalogue) -> bool:
    """Return whether a candidate's place and dates overlap an incident's place and the given dates."""
    if candidate.lat is None or candidate.date_start is None:
        return False
    place = catalogue.places[incident.places[0]]
    reach = (candidate.radius_m or 0) + (place.radius_m or 0)
    mine = DateInterval(date.fromisoformat(candidate.date_start), date.fromisoformat(candidate.date_end), "range")
    return _km(candidate.lat, candidate.lon, place.lat, place.lon) * 1000 <= reach and mine.overlaps(when)


def published(catalogue: Catalogue, source: str, today: date) -> DateInterval | None:
    """Return the days the article can have appeared, from sources.yaml's bounds (no later than today)."""
    bounds = catalogue.sources[source].published or {}
    if not bounds.get("not_before"):
        return None
    first = parse_date_claim(str(bounds["not_before"])).start
    last = parse_date_claim(str(bounds["not_after"])).end if bounds.get("not_after") else today
    return DateInterval(first, last, "day" if first == last else "range")


def measure(catalogue: Catalogue, gazetteer: Gazetteer, today: date | None = None) -> list[dict]:
    """Ingest every seed against the catalogue without it; return one row of counts per seed."""
    today = today or date.today()
    rows = []
    for source in sorted(catalogue.sources):
        text = catalogue.sources[source].path.read_text(encoding="utf-8")
        reported = [i for i in catalogue.incidents if any(e.source == source for e in i.evidence)]
        before = without_source(catalogue, source)
        started = time.perf_counter()
        found = ingest(text, gazetteer, before, published(catalogue, source, today))
        seconds = time.perf_counter() - started
        claims = [(i, e) for i in reported for e in i.evidence if e.source == source]
        known_elsewhere = {i.id for i in before.incidents}
        hits = [c for c in found if any(overlaps(c, i, i.date, catalogue) for i in reported)]
        corroborating = [(c, i) for c in found for i in reported
                         if i.id in known_elsewhere and overlaps(c, i, i.date, catalogue)]
        rows.append({
            "source": source,
            "incidents": len(reported),
            "incidents_found": sum(any(overlaps(c, i, i.date, catalogue) for c in found) for i in reported),
            "claims": len(claims),
            "claims_found": sum(any(overlaps(c, i, parse_date_claim(e.claims["date"]) if "date" in e.claims
                                             else i.date, catalogue) for c in found) for i, e in claims),
            "candidates": len(found),
            "candidates_right": len(hits),
            "corroborating": len(corroborating),
            "matched": sum(c.matches == i.id for c, i in corroborating),
            "offered": sum(i.id in c.possible_matches for c, i in corroborating),
            "verbatim": sum(text[c.start:c.end] == c.quote for c in found),
            "seconds": seconds,
        })
    return rows


def table(rows: list[dict]) -> str:
    """Return the results as a Markdown table with a total line."""
    def share(a: int, b: int) -> str:
        return f"{a / b:.0%} ({a}/{b})" if b else "–"

    lines = ["| article | incidents recalled | claims recalled | precision | matches named | among possible matches "
             "| quotes verbatim | s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "source"}
    for r in [*rows, {"source": "**all**", **total}]:
        lines.append(f"| {r['source']} | {share(r['incidents_found'], r['incidents'])} | "
                     f"{share(r['claims_found'], r['claims'])} | {share(r['candidates_right'], r['candidates'])} | "
                     f"{share(r['matched'], r['corroborating'])} | {share(r['offered'], r['corroborating'])} | "
                     f"{share(r['verbatim'], r['candidates'])} | "
                     f"{r['seconds']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure, print and store the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args(argv)
    catalogue = load_catalogue()
    gazetteer = Gazetteer.from_data()
    rows = measure(catalogue, gazetteer)
    text = table(rows)
    print(text)
    if not args.no_save:
        RESULTS.write_text("Measured with `python -m benchmarks.ingest` (goals: recall ≥ 90 %, precision ≥ 70 %, "
                           f"every quote verbatim).\n\n{text}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
