"""Place and date mentions found in article text, with exact character offsets."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from geopy.distance import geodesic
from hypothesis import given
from hypothesis import strategies as st

from geo.extract import DateMention, PlaceMention, find_dates, find_places
from geo.gazetteer import Gazetteer

pytestmark = pytest.mark.usefixtures("no_internet")

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
GOLD = yaml.safe_load((Path(__file__).resolve().parents[1] / "fixtures" / "seed_place_names.yaml").read_text(encoding="utf-8"))

# Measured with the fixture below: 95/112 found and resolved to the exact place (98/112 counting a correct
# enclosing place), with 2 mentions outside the list. The floors sit a little below, so a regression fails.
RECALL_FLOOR = 92
LENIENT_RECALL_FLOOR = 95
EXTRA_MENTIONS_CEILING = 5


def seed(stem: str) -> str:
    return (SEEDS / f"{stem}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_places(gazetteer: Gazetteer) -> dict[str, list[PlaceMention]]:
    """The seeds' literal place mentions (demonyms, associative, are checked on their own)."""
    return {stem: [m for m in find_places(seed(stem), gazetteer) if m.role == "literal"] for stem in SEED_IDS}


# --- Offsets ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("stem", SEED_IDS)
def test_every_mention_slices_back_to_its_text(seed_places: dict[str, list[PlaceMention]], stem: str) -> None:
    text = seed(stem)
    places = seed_places[stem]
    dates = find_dates(text, date(2025, 11, 14))
    assert (places and dates) or stem == "002_eb5374e7c06e77bb"  # 002 dates nothing
    for mention in [*places, *dates]:
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start:mention.end] == mention.text, mention
    for earlier, later in itertools.pairwise(places):
        assert earlier.end <= later.start, "place mentions overlap"


def test_the_six_districts_of_seed_000_are_found_at_their_offsets(seed_places: dict[str, list[PlaceMention]]) -> None:
    text = seed("000_17e1e5416acb89c9")
    expected = {
        "Darnitzkyi": "kyiv-darnytskyi", "Dnieprovskyi": "kyiv-dniprovskyi", "Shevchenkoskyi": "kyiv-shevchenkivskyi",
        "Svyatoshynskyi": "kyiv-sviatoshynskyi", "Solomyskyi": "kyiv-solomianskyi", "Deshnykskyi": "kyiv-desnianskyi",
    }
    found = {(m.start, m.end): m for m in seed_places["000_17e1e5416acb89c9"]}
    for spelling, district in expected.items():
        start = text.index(spelling)
        assert text.count(spelling) == 1
        mention = found.get((start, start + len(spelling)))
        assert mention is not None, f"{spelling} not found at {start}"
        assert mention.place_id == district and mention.precision == "district"


def test_mentions_carry_the_resolved_place(gazetteer: Gazetteer) -> None:
    text = "Smoke rose over the Lukyanivka district and the Artem arms factory."
    mentions = find_places(text, gazetteer)
    assert [(m.text, m.place_id) for m in mentions] == [
        ("Lukyanivka district", "lukianivka"),
        ("Artem arms factory", "artem-plant"),
    ]
    plant = gazetteer.get("artem-plant")
    assert (mentions[1].lat, mentions[1].lon, mentions[1].precision) == (plant.lat, plant.lon, plant.precision)
    assert mentions[1].to_dict()["start"] == text.index("Artem")


def test_a_possessive_is_not_part_of_the_name(gazetteer: Gazetteer) -> None:
    for text in ("Kyiv’s mayor spoke.", "Kyiv's mayor spoke."):
        (mention,) = find_places(text, gazetteer)
        assert (mention.start, mention.end, mention.text, mention.place_id) == (0, 4, "Kyiv", "kyiv")


@pytest.mark.parametrize(
    "text",
    ["fires in Darnytskyi, Obolonskyi and Pecherskyi", "fires in Darnitzkyi, Obolonskyi and Pechersky districts"],
)
def test_a_list_of_districts_is_one_mention_each(gazetteer: Gazetteer, text: str) -> None:
    mentions = find_places(text, gazetteer)
    assert [m.place_id for m in mentions] == ["kyiv-darnytskyi", "kyiv-obolonskyi", "kyiv-pecherskyi"]


def test_a_curated_name_with_a_number_is_found_whole(gazetteer: Gazetteer) -> None:
    # Seed 004: "the Azerbaijan Airlines Flight 8243 plane crash near Aktau". The curated variant
    # "Azerbaijan Airlines Flight 8243" is the longest span that resolves; "Azerbaijan" alone is the airline's
    # name here, not the country.
    text = "regarding the Azerbaijan Airlines Flight 8243 plane crash near Aktau."
    mentions = find_places(text, gazetteer)
    assert [(m.text, m.place_id) for m in mentions] == [
        ("Azerbaijan Airlines Flight 8243", "azal-8243-crash-site"),
        ("Aktau", "aktau"),
    ]


# --- Not places -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "Since then, there have been a series of arrests.",
        "a sentiment echoed in private meetings with NATO allies.",
        "Ukrainian President Volodymyr Zelenskyy spoke with Aliyev.",
        "President Volodymyr Zelenskyi said so.",
        "a European Union liaison",
        "the Chair of the Race",
        "told *Report* that the embassy",
        "the Republic of Azerbaijan",  # the curated country may claim this one, GeoNames' Republic, Missouri not
        "On Friday, in March, the Azerbaijani and Ukrainian officials met.",
    ],
)
def test_words_that_geonames_knows_as_towns_are_not_places_in_text(gazetteer: Gazetteer, text: str) -> None:
    mentions = find_places(text, gazetteer)
    # Demonyms ("Ukrainian", "Azerbaijani") are mentions too, but associative: context, never a location.
    assert not [m for m in mentions if m.gazetteer == "geonames" and m.role == "literal"], mentions
    assert not [m for m in mentions if m.text in {"NATO", "Since", "Volodymyr", "Union", "Chair", "Race", "Report"}]


@pytest.mark.parametrize(("text", "expected"), [
    ("Ukrainian President Volodymyr Zelenskyy spoke.", [("Ukrainian", "country:UA", "associative")]),
    ("Russian forces and Syrians", [("Russian", "country:RU", "associative"), ("Syrians", "country:SY", "associative")]),
    # A sentence-initial function word is not part of the name, nor glued to it.
    ("In China, officials said.", [("China", "country:CN", "literal")]),
    ("The United States said.", [("United States", "country:US", "literal")]),
    ("She said it.", []),  # "She" is an alternate name of a Chinese city: not in running text
    # A country's abbreviation, with its last dot; a dateline's all-capitals city.
    ("talks with the U.S. and the UK", [("U.S.", "country:US", "literal"), ("UK", "country:GB", "literal")]),
    ("LONDON (Reuters) — Talks ended.", [("LONDON", "geonames:2643743", "literal")]),
    # First-level divisions and continents.
    ("in Texas and Alberta, and across Europe", [("Texas", "admin1:US.TX", "literal"), ("Alberta", "admin1:CA.01", "literal"),
                                                ("Europe", "continent:EU", "literal")]),
])
def test_world_names_demonyms_and_datelines(gazetteer: Gazetteer, text: str, expected: list) -> None:
    assert [(m.text, m.place_id, m.role) for m in find_places(text, gazetteer)] == expected


def test_the_gazetteer_alone_would_have_taken_those_words(gazetteer: Gazetteer) -> None:
    # What the test above guards against: GeoNames does have towns with these names.
    for word in ("NATO", "Since", "Volodymyr"):
        assert gazetteer.lookup(word) is not None and gazetteer.lookup(word).gazetteer == "geonames"


def test_seeds_have_no_geonames_place_the_reading_did_not_find(seed_places: dict[str, list[PlaceMention]]) -> None:
    for stem, mentions in seed_places.items():
        # The world side of the gazetteer: GeoNames cities, countries, first-level divisions, continents.
        spans = [(s, e) for s, e, entry in gold_spans(stem)
                 if str(entry.get("id")).startswith(("geonames:", "country:", "admin1:", "continent:"))]
        for mention in mentions:
            if mention.gazetteer == "geonames":
                assert any(s < mention.end and mention.start < e for s, e in spans), (stem, mention)


# --- Dates ------------------------------------------------------------------------------------------

def dates_by_text(text: str, reference: date | None = None) -> dict[str, DateMention]:
    return {d.text: d for d in find_dates(text, reference)}


def test_dates_in_seed_003() -> None:
    text = seed("003_553f20544c4195fd")
    found = dates_by_text(text)
    kharkiv = found["March 10, 2022"]
    assert (kharkiv.value, kharkiv.precision, kharkiv.kind) == ("2022-03-10", "day", "date")
    assert kharkiv.start == text.index("March 10, 2022")
    assert found["January 2, 2024"].value == "2024-01-02"
    assert found["August 28, 2025"].value == "2025-08-28"
    time = found["01:00 a.m."]
    assert (time.kind, time.value, time.start) == ("time", "01:00", text.index("01:00 a.m."))
    assert found["April 2022"].value == "2022-04" and found["April 2022"].precision == "month"


def test_two_days_sharing_a_month_and_year_are_two_dates() -> None:
    text = seed("003_553f20544c4195fd")
    phrase = "August 8 and 18, 2025"
    at = text.index(phrase)
    inside = [d for d in find_dates(text) if at <= d.start < at + len(phrase)]
    assert [(d.value, d.precision) for d in inside] == [("2025-08-08", "day"), ("2025-08-18", "day")]
    eighteenth = inside[1]
    assert (eighteenth.start, eighteenth.text) == (at + phrase.index("18"), "18")
    assert text[inside[0].start:inside[0].end] == "August 8"


def test_dates_in_seed_004() -> None:
    text = seed("004_3b4953951239fc73")
    found = dates_by_text(text)
    assert found["2 January 2024"].value == "2024-01-02" and found["2 January 2024"].precision == "day"
    assert found["March 2022"].value == "2022-03" and found["March 2022"].precision == "month"


def test_last_december_resolves_only_against_a_reference_date() -> None:
    text = seed("004_3b4953951239fc73")
    assert dates_by_text(text)["last December"].value is None
    assert dates_by_text(text)["last December"].kind == "relative"
    # 004 was published in 2025 (sources.yaml): "last December" is December 2024, the AZAL crash month.
    resolved = dates_by_text(text, date(2025, 11, 14))["last December"]
    assert (resolved.value, resolved.precision, resolved.kind) == ("2024-12", "month", "date")
    # In December itself, "last December" is a year back; in January, it is the month just gone.
    assert dates_by_text("since last December", date(2025, 12, 20))["last December"].value == "2024-12"
    assert dates_by_text("since last December", date(2026, 1, 5))["last December"].value == "2025-12"


def test_times_and_relative_days_in_seed_000() -> None:
    text = seed("000_17e1e5416acb89c9")
    found = dates_by_text(text)
    assert found["3 a.m."].value == "03:00" and found["3 a.m."].kind == "time"
    assert found["January 20, 2025"].value == "2025-01-20"
    assert found["August 28"].value is None  # no year in the text
    assert dates_by_text(text, date(2025, 9, 1))["August 28"].value == "2025-08-28"


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("on 2025-02-28 the", "2025-02-28", "day"),
        ("on 29 February 2024", "2024-02-29", "day"),
        ("in Sept. 2025", "2025-09", "month"),
        ("at 11:45 pm", "23:45", "minute"),
        ("at 12 a.m.", "00:00", "minute"),
        ("in 2022", "2022", "year"),
    ],
)
def test_date_forms(text: str, value: str, precision: str) -> None:
    (mention,) = find_dates(text)
    assert (mention.value, mention.precision) == (value, precision)


@pytest.mark.parametrize(
    "text",
    ["on 2025-02-30 the", "on 29 February 2023", "February 30, 2025", "drone attacks on February 8 and 30, 2025"],
)
def test_impossible_dates_are_not_reported(text: str) -> None:
    assert not [d for d in find_dates(text) if d.value and d.value.startswith("2025-02-3")]
    assert not [d for d in find_dates(text) if d.value == "2023-02-29"]


@given(st.lists(st.sampled_from([*"0123456789 ,.-:apmAPM", "August ", "Feb ", "and ", "last ", "on ", "in "]),
                max_size=25).map("".join))
def test_find_dates_never_raises_and_offsets_are_exact(text: str) -> None:
    for mention in find_dates(text, date(2025, 6, 15)):
        assert text[mention.start:mention.end] == mention.text


# --- Recall on the seeds ----------------------------------------------------------------------------

def _surface_re(surface: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(surface)}(?!\w)")


def gold_spans(stem: str) -> list[tuple[int, int, dict]]:
    """Locate each fixture entry in reading order: (start, end, entry)."""
    text, position, spans = seed(stem), 0, []
    for entry in GOLD[stem]:
        match = _surface_re(entry["text"]).search(text, position)
        assert match is not None, f"{stem}: {entry['text']!r} not found after offset {position}"
        spans.append((match.start(), match.end(), entry))
        position = match.end()
    return spans


@pytest.mark.parametrize("stem", SEED_IDS)
def test_fixture_lists_every_occurrence_of_its_names(stem: str) -> None:
    """Each listed string occurs, outside the other listed spans, exactly as often as it is listed."""
    assert set(GOLD) == set(SEED_IDS)
    text, spans = seed(stem), gold_spans(stem)
    for surface in {entry["text"] for _, _, entry in spans}:
        others = [(s, e) for s, e, entry in spans if entry["text"] != surface]
        free = [m for m in _surface_re(surface).finditer(text)
                if not any(s <= m.start() and m.end() <= e for s, e in others)]
        listed = sum(1 for _, _, entry in spans if entry["text"] == surface)
        assert len(free) == listed, f"{stem}: {surface!r} occurs {len(free)} times, listed {listed}"
    for _, _, entry in spans:
        assert ("id" in entry) != ("skip" in entry), entry
        assert "geonames:" != entry.get("id") or "near" in entry, entry


def _resolves(mention: PlaceMention, entry: dict, gazetteer: Gazetteer) -> bool:
    expected = entry.get("id")
    if expected is None:
        return False
    if expected == "geonames:":
        return mention.place_id.startswith("geonames:") and geodesic((mention.lat, mention.lon), entry["near"]).km < 50
    if expected not in gazetteer.places and not expected.startswith("country:"):
        raise AssertionError(f"fixture names an unknown place id {expected!r}")
    return mention.place_id == expected


def test_extraction_recall_on_the_seeds(
    seed_places: dict[str, list[PlaceMention]], gazetteer: Gazetteer, capsys: pytest.CaptureFixture[str]
) -> None:
    total = strict = lenient = 0
    misses: list[str] = []
    extra: list[str] = []
    for stem in SEED_IDS:
        spans = gold_spans(stem)
        mentions = seed_places[stem]
        for start, end, entry in spans:
            if "skip" in entry:
                continue
            total += 1
            overlapping = [m for m in mentions if m.start < end and start < m.end]
            if any(_resolves(m, entry, gazetteer) for m in overlapping):
                strict += 1
                lenient += 1
                continue
            if entry.get("within") and any(m.place_id == entry["within"] for m in overlapping):
                lenient += 1
            got = ", ".join(f"{m.text!r}->{m.place_id}" for m in overlapping) or "nothing"
            misses.append(f"  {stem[:3]} {start:>5} {entry['text']!r} ({entry.get('id')}): got {got}")
        counted = [(s, e) for s, e, entry in spans if "skip" not in entry]
        for m in mentions:
            if not any(s < m.end and m.start < e for s, e in counted):
                extra.append(f"  {stem[:3]} {m.start:>5} {m.text!r}->{m.place_id}")
    figure = (f"extraction: {strict}/{total} place names found and resolved "
              f"({lenient}/{total} counting a correct enclosing place); {len(extra)} mentions outside the list")
    with capsys.disabled():
        print(f"\n{figure}")
    print("missed or resolved to another place:\n" + "\n".join(misses))
    print("mentions outside the list:\n" + "\n".join(extra))
    assert total == 112
    assert strict >= RECALL_FLOOR
    assert lenient >= LENIENT_RECALL_FLOOR
    assert len(extra) <= EXTRA_MENTIONS_CEILING
