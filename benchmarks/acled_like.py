"""The benchmarks' synthetic incidents written as an ACLED-style CSV: the columns of ACLED's public codebook.

The same incidents as `python -m geo synth` (geo.synthetic, deterministic in the seed), streamed a chunk at a
time: the event's id, day, point, type and place; its outlets joined by "; " in `source` and the first quote as
`notes`, as ACLED's coders write them. Nothing is taken from ACLED's data: only the layout of its export.
"""

from __future__ import annotations

import csv
from pathlib import Path

from geo.synthetic import synthetic_frames

COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
           "actor1", "assoc_actor_1", "country", "admin1", "admin2", "location", "latitude", "longitude",
           "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp")
TIME_PRECISION = {"day": 1, "week": 2, "month": 3}  # ACLED's codes; any other precision is written as a day
GEO_PRECISION = {"site": 1, "street": 1, "district": 2, "city": 2, "region": 3}
SUB_EVENT = {"missile strike": "Shelling/artillery/missile attack", "drone strike": "Air/drone strike",
             "shelling": "Shelling/artillery/missile attack", "air strike": "Air/drone strike",
             "armed clash": "Armed clash"}


def write_acled_like(count: int, path: Path, seed: int = 2022) -> Path:
    """Write `count` synthetic incidents to `path` as an ACLED-style CSV; return the path."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for frame in synthetic_frames(count, seed):
            for row, point in zip(frame.itertuples(index=False), frame.geometry, strict=True):
                sources = row.sources or []
                place = (row.place_names or [""])[0]
                kind = SUB_EVENT.get(row.type, "Shelling/artillery/missile attack")
                event = "Battles" if kind == "Armed clash" else "Explosions/Remote violence"
                writer.writerow([
                    row.id, row.date_start, row.date_start[:4], TIME_PRECISION.get(row.date_precision, 1),
                    "Political violence", event, kind, "Military Forces of Russia (2000-)", "", "Ukraine", "", "",
                    place, f"{point.y:.4f}", f"{point.x:.4f}", GEO_PRECISION.get(row.precision, 2),
                    "; ".join(s["source"] for s in sources), "National", sources[0]["quote"] if sources else "", 0, "",
                    1_650_000_000])
    return path
