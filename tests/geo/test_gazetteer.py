"""The offline gazetteer: curated places, Kyiv districts, the GeoNames fallback and its geopy geocoder."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import yaml
from geopy.distance import geodesic
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, shape

from geo.gazetteer import Gazetteer, GazetteerGeocoder
from geo.places import PRECISIONS, Place

pytestmark = pytest.mark.usefixtures("no_internet")

ROOT = Path(__file__).resolve().parents[2]
DISTRICT_IDS = {
    "kyiv-holosiivskyi", "kyiv-solomianskyi", "kyiv-sviatoshynskyi", "kyiv-darnytskyi", "kyiv-dniprovskyi",
    "kyiv-desnianskyi", "kyiv-obolonskyi", "kyiv-podilskyi", "kyiv-pecherskyi", "kyiv-shevchenkivskyi",
}


def resolved_id(gazetteer: Gazetteer, name: str, countries: tuple[str, ...] = ()) -> str | None:
    match = gazetteer.lookup(name, countries)
    return None if match is None else match.place.id


# --- Kyiv's districts -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("spelling", "district"),
    [
        # Seed 000's spellings (sources.yaml lists what each one means).
        ("Darnitzkyi", "kyiv-darnytskyi"),
        ("Dnieprovskyi", "kyiv-dniprovskyi"),
        ("Shevchenkoskyi", "kyiv-shevchenkivskyi"),
        ("Svyatoshynskyi", "kyiv-sviatoshynskyi"),
        ("Solomyskyi", "kyiv-solomianskyi"),
        ("Deshnykskyi", "kyiv-desnianskyi"),
    ],
)
def test_seed_misspellings_land_in_the_right_district(gazetteer: Gazetteer, spelling: str, district: str) -> None:
    match = gazetteer.lookup(spelling)
    assert match is not None and match.place.id == district
    assert match.place.kind == "district" and match.place.precision == "district"
    # The same misspelling followed by "district" means the same district.
    assert resolved_id(gazetteer, f"{spelling} district") == district


@pytest.mark.parametrize(
    ("name", "district"),
    [
        ("Дарницький район", "kyiv-darnytskyi"),
        ("Дніпровський район", "kyiv-dniprovskyi"),
        ("Шевченківський район", "kyiv-shevchenkivskyi"),
        ("Святошинський район", "kyiv-sviatoshynskyi"),
        ("Солом’янський район", "kyiv-solomianskyi"),
        ("Солом'янський район", "kyiv-solomianskyi"),
        ("Деснянський район", "kyiv-desnianskyi"),
        ("Оболонський район", "kyiv-obolonskyi"),
        ("Подільський район", "kyiv-podilskyi"),
        ("Печерський район", "kyiv-pecherskyi"),
        ("Голосіївський район", "kyiv-holosiivskyi"),
        # Russian-language names
        ("Деснянский район", "kyiv-desnianskyi"),
        ("Оболонский район", "kyiv-obolonskyi"),
        ("Святошинский район", "kyiv-sviatoshynskyi"),
        # Russian-era romanisations
        ("Goloseevsky district", "kyiv-holosiivskyi"),
        ("Dneprovsky", "kyiv-dniprovskyi"),
        ("Podolsky", "kyiv-podilskyi"),
        ("Shevchenkovsky", "kyiv-shevchenkivskyi"),
        ("DARNYTSKYI DISTRICT", "kyiv-darnytskyi"),
    ],
)
def test_district_names_in_cyrillic_and_older_spellings(gazetteer: Gazetteer, name: str, district: str) -> None:
    assert resolved_id(gazetteer, name) == district


@pytest.mark.parametrize(
    "name",
    [
        "Desna",  # a river (and villages), not Desnianskyi
        "Darnytsia",  # a neighbourhood and railway station, not the whole Darnytskyi district
        "Solomianka",
        "Obolon",
        "Podil",
        "Smolensk",  # Russian cities whose "-sk" is not a district ending
        "Podolsk",
    ],
)
def test_names_close_to_a_district_but_without_a_marker_are_not_districts(gazetteer: Gazetteer, name: str) -> None:
    match = gazetteer.lookup(name)
    assert match is None or match.place.id not in DISTRICT_IDS, match


@pytest.mark.parametrize(("name", "lat", "lon"), [("Smolensk", 54.78, 32.04), ("Podolsk", 55.42, 37.55)])
def test_russian_cities_ending_in_sk_are_found_where_they_are(gazetteer: Gazetteer, name: str, lat: float, lon: float) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.country == "RU"
    assert geodesic((match.place.lat, match.place.lon), (lat, lon)).km < 25


@pytest.mark.parametrize("name", ["Xyzzy", "Qwertyskyi", "Blorpgrad", "", "   ", "Zzzzskyi district", "'’", "--"])
def test_nonsense_is_refused(gazetteer: Gazetteer, name: str) -> None:
    assert gazetteer.lookup(name) is None


@given(text=st.text(max_size=30))
def test_lookup_answers_a_match_or_none_for_any_text(gazetteer: Gazetteer, text: str) -> None:
    match = gazetteer.lookup(text)
    assert match is None or (match.place.id and match.place.radius_m > 0)


@pytest.mark.parametrize(
    "phrase", ["Obolonskyi and Pecherskyi", "Pecherskyi and Obolonskyi", "Darnytskyi and Dniprovskyi districts"]
)
def test_two_districts_are_not_one(gazetteer: Gazetteer, phrase: str) -> None:
    # Several words cannot fuzzily match one district name (JaroWinkler's prefix bonus would let them).
    assert gazetteer.lookup(phrase) is None


@pytest.mark.parametrize(
    "demonym", ["Azerbaijani", "Azerbaijanis", "Ukrainian", "Ukrainians", "Russian", "Kyivan", "Kazakhstani"]
)
def test_demonyms_are_not_places(gazetteer: Gazetteer, demonym: str) -> None:
    # "Azerbaijani" is one letter off the Azerbaijani-language "Azərbaycan" (azerbaycan), but it is an adjective
    # built on "Azerbaijan", not a misspelling of it.
    match = gazetteer.lookup(demonym)
    assert match is None or match.place.source == "geonames", match


# --- Other names ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Kyiv", "kyiv"), ("KYIV", "kyiv"), ("Kiev", "kyiv"), ("Київ", "kyiv"), ("Киев", "kyiv"),
        ("Kharkov", "kharkiv"), ("Харків", "kharkiv"), ("Харьков", "kharkiv"),
        ("Ekaterinburg", "yekaterinburg"), ("Sverdlovsk", "yekaterinburg"), ("Екатеринбург", "yekaterinburg"),
        ("Lukyanovka", "lukianivka"), ("Лук'янівка", "lukianivka"), ("Luk’yanivka", "lukianivka"),
        ("Лукʼянівська", "lukianivska-metro"),
        ("Odessa region", "odesa-oblast"), ("Одещина", "odesa-oblast"),
        ("Bakı", "baku"), ("Azərbaycan", "azerbaijan"), ("Azerbaycan", "azerbaijan"),
    ],
)
def test_curated_names_old_names_and_other_scripts(gazetteer: Gazetteer, name: str, place: str) -> None:
    assert resolved_id(gazetteer, name) == place


def test_odessa_is_the_ukrainian_city_not_texas(gazetteer: Gazetteer) -> None:
    match = gazetteer.lookup("Odessa")
    assert match is not None and match.place.source == "geonames"
    assert match.place.country == "UA"
    assert geodesic((match.place.lat, match.place.lon), (46.48, 30.73)).km < 20  # Odesa city centre
    assert match.place.precision == "city" and match.place.radius_m > 0


@pytest.mark.parametrize(
    ("name", "lat", "lon", "country"), [("Moscow", 55.756, 37.617, "RU"), ("Dnipro", 48.45, 34.98, "UA")]
)
def test_geonames_answers_for_cities_nobody_curated(
    gazetteer: Gazetteer, name: str, lat: float, lon: float, country: str
) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.id.startswith("geonames:")
    assert match.place.country == country
    assert geodesic((match.place.lat, match.place.lon), (lat, lon)).km < 20


def test_country_context_changes_geonames_disambiguation(gazetteer: Gazetteer) -> None:
    # Odesa (UA, ~1M) outweighs Odessa, Texas (~110k) until the text is about the US.
    assert gazetteer.lookup("Odessa", ("US",)).place.country == "US"
    assert gazetteer.lookup("Odessa", ("UA",)).place.country == "UA"
    # Birmingham: GB by population, US in a US context; an unrelated context changes nothing.
    assert gazetteer.lookup("Birmingham").place.country == "GB"
    assert gazetteer.lookup("Birmingham", ("us",)).place.country == "US"
    assert gazetteer.lookup("Birmingham", ("UA",)).place.country == "GB"
    # Context is a tie-breaker, not a veto: a small namesake does not beat a capital ten times its weight.
    assert gazetteer.lookup("Moscow", ("US",)).place.country == "RU"


def _place(ident: str, country: str, lat: float, lon: float, *variants: str, kind: str = "city") -> Place:
    return Place(ident, ident.title(), kind, lat, lon, "city", 5000.0, "test fixture", country=country, variants=variants)


def test_country_context_picks_between_curated_namesakes() -> None:
    small = Gazetteer(
        [
            _place("springfield-us", "US", 39.80, -89.64, "Springfield"),
            _place("springfield-gb", "GB", 51.70, 0.46, "Springfield"),
            _place("lviv", "UA", 49.84, 24.03, "Lviv", "Lvov", "Lemberg"),
        ],
        world=False,
    )
    assert small.lookup("Springfield").place.id == "springfield-us"  # no context: the first listed
    assert small.lookup("Springfield", ("GB",)).place.id == "springfield-gb"
    assert small.lookup("springfield", ("gb",)).place.id == "springfield-gb"
    assert small.lookup("Springfield", ("US",)).place.id == "springfield-us"
    assert small.lookup("Lemberg", ("GB",)).place.id == "lviv"  # context never vetoes the only candidate
    assert small.lookup("Moscow") is None  # world=False: no GeoNames fallback


def test_a_near_miss_between_two_curated_places_is_refused_not_guessed() -> None:
    alone = Gazetteer([_place("a", "UA", 48.0, 35.0, "Marianivka")], world=False)
    both = Gazetteer([_place("a", "UA", 48.0, 35.0, "Marianivka"), _place("b", "UA", 47.0, 33.0, "Marianovka")], world=False)
    assert alone.lookup("Marianavka").place.id == "a"  # one letter off its only neighbour: a fuzzy match
    assert alone.lookup("Marianavka").method == "fuzzy"
    assert both.lookup("Marianavka") is None  # one letter off each of two places: no guess
    assert both.lookup("Marianivka").place.id == "a" and both.lookup("Marianovka").place.id == "b"


def _district(ident: str, name: str) -> Place:
    return Place(ident, f"{name} District", "district", 50.0, 30.0, "district", 1000.0, "test fixture", variants=(name,))


def test_fuzzy_district_match_needs_a_clear_winner() -> None:
    alone = Gazetteer([_district("d1", "Marianivskyi"), _district("d3", "Obolonskyi")], world=False)
    both = Gazetteer([_district("d1", "Marianivskyi"), _district("d2", "Marianovskyi"), _district("d3", "Obolonskyi")],
                     world=False)
    assert alone.lookup("Marianavskyi").place.id == "d1"
    assert alone.lookup("Marianavskyi").method == "district-fuzzy"
    assert both.lookup("Marianavskyi") is None  # as close to d1 as to d2: refuse
    assert alone.lookup("Marianava") is None  # no district marker: never matched to a district


# --- geopy integration ---------------------------------------------------------------------------

def test_gazetteer_geocoder_is_a_geopy_geocoder(gazetteer: Gazetteer) -> None:
    geocoder = GazetteerGeocoder(gazetteer)
    assert isinstance(geocoder, Geocoder)
    location = geocoder.geocode("Lukyanivska metro station")
    assert isinstance(location, Location)
    assert location.latitude == pytest.approx(50.4625) and location.longitude == pytest.approx(30.48194)
    raw = location.raw
    assert {"id", "precision", "radius_m", "matched", "source"} <= raw.keys()
    assert raw["id"] == "lukianivska-metro"
    assert raw["precision"] in PRECISIONS and raw["radius_m"] > 0
    assert raw["source"] == "curated"
    assert raw["matched"] == "Lukyanivska metro station"


def test_geocoder_exactly_one_false_returns_a_list(gazetteer: Gazetteer) -> None:
    geocoder = GazetteerGeocoder(gazetteer)
    locations = geocoder.geocode("Deshnykskyi", exactly_one=False)
    assert isinstance(locations, list) and len(locations) == 1
    assert isinstance(locations[0], Location)
    assert locations[0].raw["id"] == "kyiv-desnianskyi"
    assert locations[0].raw["matched"] != "Deshnykskyi"  # the variant it matched, not the query
    assert geocoder.geocode("Xyzzy") is None
    assert geocoder.geocode("Xyzzy", exactly_one=False) is None


def test_geocoder_reports_geonames_answers_as_such(gazetteer: Gazetteer) -> None:
    location = GazetteerGeocoder(gazetteer).geocode("Moscow")
    assert location.raw["source"] == "geonames" and location.raw["precision"] == "city"


def test_geocoder_country_context(gazetteer: Gazetteer) -> None:
    assert GazetteerGeocoder(gazetteer).geocode("Odessa").raw["country"] == "UA"
    assert GazetteerGeocoder(gazetteer, countries=["US"]).geocode("Odessa").raw["country"] == "US"
    assert GazetteerGeocoder(gazetteer).geocode("Odessa", countries=["US"]).raw["country"] == "US"


# --- The curated data ----------------------------------------------------------------------------

def test_every_curated_place_has_a_reference_a_known_precision_and_a_positive_radius(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.places) >= 20
    for place in gazetteer.places.values():
        assert place.reference and place.reference.strip(), place.id
        assert place.precision in PRECISIONS, place.id
        assert place.radius_m > 0, place.id
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180, place.id
        assert (place.lat, place.lon) != (0, 0), place.id


def test_all_ten_districts_are_loaded(gazetteer: Gazetteer) -> None:
    assert {p.id for p in gazetteer.places.values() if p.kind == "district"} == DISTRICT_IDS


def test_every_parent_exists_and_contains_its_child(gazetteer: Gazetteer) -> None:
    for place in gazetteer.places.values():
        if place.parent is None:
            continue
        parent = gazetteer.get(place.parent)
        distance = geodesic((place.lat, place.lon), (parent.lat, parent.lon)).m
        assert distance <= parent.radius_m, f"{place.id} is {distance:.0f} m from {parent.id}"


def test_the_embassy_neighbourhood_places_are_within_1_5_km_of_each_other(gazetteer: Gazetteer) -> None:
    # Articles and references put the embassy next to the Artem plant and Lukianivska metro, in Lukianivka.
    ids = ["az-embassy-kyiv", "artem-plant", "lukianivska-metro", "lukianivka"]
    for a, b in itertools.combinations(ids, 2):
        pa, pb = gazetteer.get(a), gazetteer.get(b)
        assert geodesic((pa.lat, pa.lon), (pb.lat, pb.lon)).m < 1500, (a, b)


def test_each_district_point_lies_inside_its_osm_boundary(gazetteer: Gazetteer) -> None:
    index = {e["osm"]: e["id"] for e in _yaml(ROOT / "data" / "kyiv_districts.yaml")}
    collection = json.loads((ROOT / "data" / "kyiv_districts.osm.geojson").read_text(encoding="utf-8"))
    boundaries = {
        index[f["properties"]["@id"]]: shape(f["geometry"])
        for f in collection["features"]
        if f["properties"]["@id"] in index
    }
    assert set(boundaries) == DISTRICT_IDS
    for ident, boundary in boundaries.items():
        place = gazetteer.get(ident)
        assert boundary.contains(Point(place.lon, place.lat)), ident
        # and no other district's boundary contains it
        others = [o for o, b in boundaries.items() if o != ident and b.contains(Point(place.lon, place.lat))]
        assert not others, (ident, others)


def test_kyiv_districts_lie_within_kyiv(gazetteer: Gazetteer) -> None:
    kyiv = gazetteer.get("kyiv")
    for ident in DISTRICT_IDS:
        place = gazetteer.get(ident)
        assert geodesic((place.lat, place.lon), (kyiv.lat, kyiv.lon)).m < kyiv.radius_m


def _yaml(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))

