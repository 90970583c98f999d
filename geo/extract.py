"""Find place mentions and date expressions in article text, with character offsets.

Places are found by the gazetteer itself: every run of up to six words is looked
up, the longest span that resolves wins, and spans never overlap. Dates are found
by patterns for the forms English news uses ("March 10, 2022", "2 January 2024",
"August 8 and 18, 2025", "March 2022", "last December", "01:00 a.m."): general
date parsers (dateparser and friends) return neither offsets nor precision, and
precision is the point here ("March 2022" is a month, not 1 March).
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import islice, pairwise
from pathlib import Path

from .dates import DateInterval
from .gazetteer import Gazetteer, GeoNamesIndex, Match, _km
from .normalize import fold
from .places import DATA_DIR, Place
from .problems import DataError, read_yaml_list

MAX_SPAN_WORDS = 6
_WORD_RE = re.compile(r"[^\W_](?:[\w’'ʼ]*[^\W_])?")
_POSSESSIVE_RE = re.compile(r"[’'ʼ]s$")
# A place name does not run across a line break or list punctuation:
# "Darnitzkyi, Dnieprovskyi" is two names.
_SPAN_BREAK_RE = re.compile(r"[\n,;:()\[\]\"“”!?|/—–]")

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_WEEKDAYS = {name.lower() for name in calendar.day_name}
# Capitalised words that are never place names in running text, though GeoNames
# has a town of that name somewhere (March, Cambridgeshire; Friday Harbor…).
# English function words: capitalised at the start of a sentence, they are neither a place ("She" is an alternate
# name of a Chinese city) nor part of one ("In China", "The United States": the name is the rest).
FUNCTION_WORDS = frozenset("""
a about above after again against all along also although among an and another any are around as at be because
been before being below between both but by can could did do does during each either even every few for from had
has have he her here hers him his how however i if in into is it its just many may me might more most much must my
neither never no nor not now of off on once one only or other our out over own same several she should since so some
such than that the their them then there these they this those though through thus to too under until up upon us
very was we were what when where whether which while who whom whose why will with within without would yet you your
""".split())
# Words that make a place before them the name of a carrier or a broadcaster.
_COMPANY_WORDS = frozenset({"Airlines", "Airways", "Airline", "Railways", "Telecom", "Television", "Broadcasting"})
_NOT_PLACES = _WEEKDAYS | set(_MONTHS) | FUNCTION_WORDS
# A dateline: an all-capitals place at the start of a line, before the agency or the dash ("WASHINGTON (AP) —").
_DATELINE_AFTER_RE = re.compile(r"^(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?\s*(?:\(|—|–|-{1,3}(?![a-z])|:)")
# A feed that strips the dash leaves the place and the story's first word: "WASHINGTON Barack Obama...",
# "AUSTIN, Texas A white...". Read so only where the article opens.
_OPENING_DATELINE_AFTER_RE = re.compile(r"^(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?\s+[A-Z](?:[a-z']|\s)")

_MONTH = r"(?P<month>" + "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")),
    # "August 8 and 18, 2025": two days sharing a month and year.
    ("month-days-year", re.compile(rf"\b{_MONTH} {_DAY} and (?P<day2>[0-3]?\d)(?:st|nd|rd|th)?,? {_YEAR}\b")),
    ("day-month-year", re.compile(rf"\b{_DAY} {_MONTH},? {_YEAR}\b")),
    ("month-day-year", re.compile(rf"\b{_MONTH} {_DAY},? {_YEAR}\b")),
    ("month-year", re.compile(rf"\b{_MONTH},? {_YEAR}\b")),
    ("last-month", re.compile(rf"\blast {_MONTH}\b", re.IGNORECASE)),
    ("month-this-year", re.compile(rf"\b{_MONTH} this year\b")),
    ("day-month", re.compile(rf"\b{_DAY} {_MONTH}\b")),
    ("month-day", re.compile(rf"\b{_MONTH} {_DAY}\b")),
    ("in-year", re.compile(rf"\b(?:in|since|by|of) {_YEAR}\b")),
    ("in-month", re.compile(rf"\b(?:in|since|by|of|In) {_MONTH}\b")),
    ("weekday", re.compile(r"\b(?:on )?(?P<weekday>" + "|".join(d.capitalize() for d in _WEEKDAYS) + r")\b")),
    (
        "time",
        re.compile(r"\b(?P<hour>[01]?\d)(?::(?P<minute>[0-5]\d))?\s?(?P<ampm>a\.m\.|p\.m\.|am|pm)", re.IGNORECASE),
    ),
)


@dataclass(frozen=True)
class PlaceMention:
    """A span of text that names a place the gazetteer resolved."""

    start: int
    end: int
    text: str
    place_id: str
    name: str
    lat: float
    lon: float
    precision: str
    method: str
    gazetteer: str
    # "literal": the text says something is there; "associative": an adjective or demonym ("Russian forces")
    # that gives the article's context but is never an incident's location.
    role: str = "literal"
    # The places the name could be, most plausible first (at most 3), each {id, name, lat, lon, score}: the score
    # is its share of the candidates' weight; confidence is the answer's share (1.0: nothing else was possible).
    candidates: tuple[dict, ...] = ()
    confidence: float = 1.0

    def to_dict(self) -> dict:
        """Return the mention as a plain dict (for JSON)."""
        return asdict(self)


@dataclass(frozen=True)
class DateMention:
    """A span of text that states a date or time, with the interval it denotes when known."""

    start: int
    end: int
    text: str
    kind: str
    value: str | None
    precision: str | None

    def to_dict(self) -> dict:
        """Return the mention as a plain dict (for JSON)."""
        return asdict(self)


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


@lru_cache(maxsize=4)
def not_places(path: Path = DATA_DIR / "not_places.yaml") -> frozenset[str]:
    """Return the folded words that GeoNames alone may not turn into places (see the file's reasons)."""
    entries, problems = read_yaml_list(path)
    if problems:
        raise DataError(problems)
    return frozenset(fold(str(e["word"])) for e in entries if "word" in e)


def find_places(text: str, gazetteer: Gazetteer, countries: Sequence[str] = ()) -> list[PlaceMention]:
    """Return the place mentions in `text`, longest resolvable spans first, never overlapping.

    Two passes: the names are found and resolved on their own, then every GeoNames city is resolved again
    in the article's context (the countries it mentions most, the places it names near each other).
    """
    words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    described = _described(text, gazetteer)
    people = _surnames(text, words)
    lowercase = {w.lower() for w in (text[a:b] for a, b in words) if w.islower()}
    mentions: list[PlaceMention] = []
    i = 0
    while i < len(words):
        if words[i][0] in described:  # a curated description ("oil depot of the Azerbaijani Socar company")
            end, place = described[words[i][0]]
            mentions.append(PlaceMention(words[i][0], end, text[words[i][0]:end], place.id, place.name, place.lat,
                                         place.lon, place.precision, "exact", "curated"))
            while i < len(words) and words[i][0] < end:
                i += 1
            continue
        if i + 1 < len(words) and text[words[i][1]:words[i + 1][0]] == " ":
            # A demonym of two words ("Sri Lankan", "South African") before "Sri" can be read as a place.
            pair = _demonym(text, (words[i][0], words[i + 1][1]), gazetteer)
            if pair is not None:
                mentions.append(pair)
                i += 2
                continue
        found = None
        for j in range(min(len(words), i + MAX_SPAN_WORDS) - 1, i - 1, -1):
            start, end = words[i][0], words[j][1]
            span = text[start:end]
            if _SPAN_BREAK_RE.search(span):
                continue
            if _POSSESSIVE_RE.search(span):
                end -= 2
                span = text[start:end]
            match = _abbreviation(text, span, end, gazetteer) or _lookup_span(
                span, j - i + 1, gazetteer, countries, dateline=_is_dateline(text, start, end))
            in_a_name = False
            if match is not None and match.gazetteer == "geonames" \
                    and not _stands_alone(text, words, i, j, modifier=_well_known(match)):
                in_a_name = _named_inside_a_name(text, words, i, j, match)
                match = match if in_a_name else None
            if match is not None and j + 1 < len(words) and text[end:words[j + 1][0]] == " " \
                    and text[words[j + 1][0]:words[j + 1][1]] in _COMPANY_WORDS:
                in_a_name = True  # "Azerbaijan Airlines", "Kenya Airways": a company's name, not where it happened
            if match is not None and match.gazetteer == "geonames" and (
                    (_compound_role(text, start, end) == "associative" and not _well_known(match))
                    or _a_word_or_a_person(span, match, lowercase, people)
                    or _a_given_name(text, words, j, span, match, lowercase)):
                match = None
            if match is not None:
                found = (j, start, end, span, match, in_a_name)
                break
        if found is None:
            found = _town_said_where(text, words, i, gazetteer)
        if found is None:
            associative = _demonym(text, words[i], gazetteer)
            if associative is not None:
                mentions.append(associative)
            i += 1
            continue
        j, start, end, span, match, in_a_name = found
        if text[end:end + 1] == "." and (len(text[words[j][0]:words[j][1]]) == 1 or match.method == "abbreviation"):
            end, span = end + 1, text[start:end + 1]  # an abbreviation's last dot: "U.S.", "B.C.", "Ky."
        place = match.place
        mentions.append(
            PlaceMention(start, end, span, place.id, place.name, place.lat, place.lon,
                         place.precision, match.method, match.gazetteer,
                         "associative" if in_a_name else _compound_role(text, start, end),
                         candidates=match.candidates,
                         confidence=match.candidates[0]["score"] if match.candidates else 1.0)
        )
        i = j + 1
    return _in_context(mentions, gazetteer, countries, text)


def _compound_role(text: str, start: int, end: int) -> str:
    """Return "associative" for a place inside a hyphenated compound, else "literal".

    "Baku-based outlet", "Azerbaijan-Russia relations", "a Canada-wide warrant": the place is named (and
    read), but as a modifier; nothing is said to happen there. Only a well-known place is read there at all:
    "Coca-Cola" names no town.
    """
    joined = text[end:end + 1] == "-" and text[end + 1:end + 2].isalnum()
    joined = joined or (text[start - 1:start] == "-" and text[start - 2:start - 1].isalnum())
    return "associative" if joined else "literal"


def _described(text: str, gazetteer: Gazetteer) -> dict[int, tuple[int, object]]:
    """Return where the text uses a curated place's lowercase description, by start: (end, place).

    The scan reads capitalised names; "oil depot of the Azerbaijani Socar company" or "capital of Ukraine",
    variants a curator typed for a place, begin in lowercase and would never be read as one name.
    """
    described = tuple(sorted((v, p.id) for p in gazetteer.places.values() for v in (p.name, *p.variants)
                             if v[:1].islower() and " " in v))
    if not described:
        return {}
    pattern, owners = _description_pattern(described)
    return {m.start(): (m.end(), gazetteer.places[owners[fold(m.group())]]) for m in pattern.finditer(text)}


@lru_cache(maxsize=8)
def _description_pattern(described: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Return one pattern for the descriptions (longest first) and each folded description's place id."""
    variants = sorted({v for v, _ in described}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, variants)) + r")(?!\w)", re.IGNORECASE)
    return pattern, {fold(v): place for v, place in described}


# A city candidate this close to another place the article names is the one it means (Edmonton near Cairns).
NEAR_KM = 150.0
# A name whose first reading has this share of its candidates' weight counts towards the article's countries.
SURE = 0.99


def _in_context(mentions: list[PlaceMention], gazetteer: Gazetteer, countries: Sequence[str],
                text: str) -> list[PlaceMention]:
    """Resolve each GeoNames city again with the article's countries and its other places as context."""
    index = gazetteer.fallback
    if index is None:
        return mentions
    # The article's countries are counted from the names that could hardly be anything else: a first guess at
    # "London" (the English city, though the article is about Ontario) must not vote for its own country.
    sure = [m for m in mentions if m.confidence >= SURE
            and not (m.place_id.startswith("country:") and index.names_a_division(m.text))]
    counts = Counter(_country_of(m, gazetteer) for m in sure)
    counts.pop(None, None)
    top = counts.most_common(1)[0][1] if counts else 0
    divisions = Counter(index.division_of(m.place_id) for m in sure if m.role == "literal")
    divisions.pop(None, None)
    context = tuple(dict.fromkeys([*countries, *(c for c, n in counts.items() if n >= 2 or n == top),
                                   *(d for d, n in divisions.items() if n >= 2)]))
    out = []
    said: dict[str, PlaceMention] = {}  # the names whose division or country the text gave, by folded name
    for k, m in enumerate(mentions):
        if m.method == "dateline":
            out.append(_dateline_in_its_division(m, index, _container(mentions, k, text), gazetteer))
            continue
        if m.method != "geonames" or not m.place_id.startswith(("geonames:", "admin1:", "admin2:", "country:")):
            out.append(m)
            continue
        # Anchors: the article's other places (not countries or continents: too big to say "near").
        near = [(o.lat, o.lon, max(NEAR_KM * 1000, _radius(o, gazetteer))) for o in mentions
                if o.role == "literal" and fold(o.text) != fold(m.text) and o.precision not in ("country", "continent")]
        within = _container(mentions, k, text)
        ranked = index.ranked(m.text, context, near=near, within=within)
        if within and ranked and not _inside(ranked[0][0], within, gazetteer):
            town = index.small_town(m.text, within)  # "Edmonton, Ky.": the town of 1,500, not the city of a million
            ranked = [(town, 1.0)] if town is not None else ranked
        elif not within and ranked and ranked[0][0].kind == "city":
            town = _small_town_nearby(index, m.text, context, near, ranked[0][0])
            ranked = [(town, 1.0), *ranked] if town is not None else ranked
        if not ranked:
            out.append(m)
            continue
        total = sum(weight for _, weight in ranked) or 1.0
        candidates = tuple({"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "score": round(w / total, 3)}
                           for p, w in ranked[:3])
        place = ranked[0][0]
        if within and _inside(place, within, gazetteer):
            said.setdefault(fold(m.text.rstrip(".")), PlaceMention(
                m.start, m.end, m.text, place.id, place.name, place.lat, place.lon, place.precision, "context",
                m.gazetteer, m.role, candidates, candidates[0]["score"]))
        out.append(PlaceMention(m.start, m.end, m.text, place.id, place.name, place.lat, place.lon, place.precision,
                                "context" if place.id != m.place_id else m.method, m.gazetteer, m.role, candidates,
                                candidates[0]["score"]))
    return _one_sense(out, said)


def _dateline_in_its_division(m: PlaceMention, index: GeoNamesIndex, within: str | None,
                              gazetteer: Gazetteer) -> PlaceMention:
    """Return a dateline read in the division it names ("EDMONTON, Ky.": Kentucky's town, not Alberta's city)."""
    if not within or _inside(gazetteer.fallback.place(m.place_id) or gazetteer.get(m.place_id), within, gazetteer):
        return m
    town = index.small_town(m.text, within)
    if town is None:
        return m
    return replace(m, place_id=town.id, name=town.name, lat=town.lat, lon=town.lon, precision=town.precision,
                   method="context")


def _small_town_nearby(index: GeoNamesIndex, name: str, context: Sequence[str],
                       near: Sequence[tuple[float, float, float]], top: Place) -> Place | None:
    """Return the small town of that name in a division the article is about, near its other places, or None.

    "Edmonton" in a story from Glasgow, Ky. that names Metcalfe County is Kentucky's town of 1,500, not the
    Canadian city, which lies near none of the story's places. A town of under 5,000 is read so only then.
    """
    def anchored(place: Place) -> bool:
        return any(_km(place.lat, place.lon, a, b) * 1000 <= reach for a, b, reach in near)

    if anchored(top):
        return None
    for division in (c for c in context if "." in c):
        town = index.small_town(name, division)
        if town is not None and anchored(town):
            return town
    return None


def _one_sense(mentions: list[PlaceMention], said: dict[str, PlaceMention]) -> list[PlaceMention]:
    """Give every mention of a name the reading the article spelt out once ("EDMONTON, Ky. ... Edmonton police")."""
    out = []
    for m in mentions:
        best = said.get(fold(m.text.rstrip("."))) if m.gazetteer == "geonames" and m.role == "literal" else None
        if best is None or best.place_id == m.place_id:
            out.append(m)
            continue
        out.append(replace(m, place_id=best.place_id, name=best.name, lat=best.lat, lon=best.lon,
                           precision=best.precision, method="context", candidates=best.candidates,
                           confidence=best.confidence))
    return out


def _inside(place, within: str, gazetteer: Gazetteer) -> bool:
    """Return whether a place lies in a country ("US") or a first-level division ("US.KY")."""
    division = gazetteer.fallback.division_of(place.id) if gazetteer.fallback else None
    return place.country == within if "." not in within else division == within


def _container(mentions: list[PlaceMention], k: int, text: str) -> str | None:
    """Return the country or division code a mention is said to be in ("Nelson, British Columbia"), or None."""
    if k + 1 >= len(mentions):
        return None
    here, after = mentions[k], mentions[k + 1]
    if text[here.end:after.start] not in (", ", ","):
        return None
    if after.place_id.startswith("admin1:"):
        return after.place_id.split(":", 1)[1]
    if after.place_id.startswith("country:"):
        return after.place_id.split(":", 1)[1]
    return None


def _place_of(mention: PlaceMention, gazetteer: Gazetteer):
    return gazetteer.places.get(mention.place_id) or (gazetteer.fallback.place(mention.place_id)
                                                      if gazetteer.fallback else None)


def _radius(mention: PlaceMention, gazetteer: Gazetteer) -> float:
    place = _place_of(mention, gazetteer)
    return float(place.radius_m) if place is not None and place.radius_m else 0.0


def _country_of(mention: PlaceMention, gazetteer: Gazetteer) -> str | None:
    place = _place_of(mention, gazetteer)
    return place.country if place is not None else None


def _surnames(text: str, words: list[tuple[int, int]]) -> frozenset[str]:
    """Return the words the article uses as the second part of a person's name ("Paul Murphy" … "Murphy said")."""
    found = set()
    for (a, b), (c, d) in pairwise(words):
        first, second = text[a:b], text[c:d]
        # A capitalised word that opens a sentence says nothing ("Overall Edmonton…").
        opens = not text[max(0, a - 3):a].strip() or text[max(0, a - 3):a].rstrip()[-1:] in ".!?\"“”"
        if (text[b:c] == " " and first.istitle() and second.istitle() and not opens
                and first.lower() not in FUNCTION_WORDS and first.lower() not in _TITLES_BEFORE_PLACES):
            found.add(second)
    titled = re.finditer(r"\b(?:Mr|Mrs|Ms|Dr|Sen|Gov|Rep|Gen|Col|Capt|Sgt|Lt|President|Minister|Premier|Mayor|"
                         r"Chief|Judge|Justice|Officer|Const|Det|Prof)\.? ([A-Z][\w'’-]+)", text)
    return frozenset(found | {m.group(1) for m in titled})


SMALL_TOWN_RADIUS_M = 5_000  # the radius the gazetteer gives a town of fewer than 50,000 people

# Capitalised words that go before a place name, not a person's: "North Carolina", "Lake Erie", "New York".
_TITLES_BEFORE_PLACES = frozenset("""north south east west new upper lower lake mount port fort saint st san santa
great little old greater central northern southern eastern western""".split())


# Given names in the languages this tool's news comes in, from Faker's person providers (a maintained list).
_NAME_LOCALES = ("en_US", "en_GB", "ru_RU", "uk_UA", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "tr_TR")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Return common given names ("Paul", "Vladimir", "Amber"), from Faker's person providers."""
    import importlib

    found: set[str] = set()
    for locale in _NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            found |= set(getattr(provider, attribute, ()))  # a list, or a dict of name → weight
    return frozenset(found)


def _a_given_name(text: str, words: list[tuple[int, int]], j: int, span: str, match: Match,
                  lowercase: set[str]) -> bool:
    """Return True for a one-word city or division that is a given name here: before a surname ("Vladimir Putin",
    "Paul said" for a small town). A country (Jordan, Georgia) is never read so."""
    if " " in span or match.place.kind not in ("city", "region") or span not in first_names():
        return False
    if j + 1 < len(words):
        after = text[words[j][1]:words[j + 1][0]]
        following = text[words[j + 1][0]:words[j + 1][1]]
        # The next word capitalised and never written in lower case: a surname ("Austin Police" stays a place).
        if after == " " and _is_capitalised(following) and following.lower() not in lowercase \
                and following.lower() not in FUNCTION_WORDS:
            return True
    return match.place.radius_m <= SMALL_TOWN_RADIUS_M


def _a_word_or_a_person(span: str, match: Match, lowercase: set[str], people: frozenset[str]) -> bool:
    """Return True for a one-word GeoNames city that the article also uses as an ordinary word or a surname."""
    if " " in span or match.place.kind != "city":
        return False
    # A surname is a town only when the town is small (Murphy, NC; Burton, MI): Edmonton and Paris stay cities.
    return span.lower() in lowercase or (span in people and match.place.radius_m <= SMALL_TOWN_RADIUS_M)


def _town_said_where(text: str, words: list[tuple[int, int]], i: int, gazetteer: Gazetteer) -> tuple | None:
    """Return a small town named with its division after a comma ("Lewisburg, W.Va.", "Hinton, Alberta"), or None."""
    index = gazetteer.fallback
    if index is None:
        return None
    if not _is_capitalised(text[words[i][0]:words[i][1]]):
        return None
    for j in range(min(len(words), i + 3) - 1, i - 1, -1):
        start, end = words[i][0], words[j][1]
        if not text.startswith(", ", end):
            continue
        span = text[start:end]
        if not all(_is_capitalised(w) for w in span.split()) or _SPAN_BREAK_RE.search(span) \
                or span.split()[0].lower() in _NOT_PLACES or not text.startswith(", ", end):
            continue
        after = end + 2
        rest = _WORD_RE.match(text, after)
        if rest is None:
            continue
        # The division: an agency abbreviation with its dot, or a division's or country's name (one to three words).
        within = None
        following = list(islice(_WORD_RE.finditer(text, after, after + 80), 3))
        for k in range(3, 0, -1):
            names = following[:k]
            if len(names) < k:
                continue
            phrase = text[after:names[-1].end()]
            place = (index.abbreviation(phrase + ".") if text[names[-1].end():names[-1].end() + 1] == "." else None) \
                or index.best(phrase) if all(_is_capitalised(n.group()) for n in names) else None
            if place is not None and place.kind in ("region", "country"):
                within = place.id.split(":", 1)[1]
                break
        town = index.small_town(span, within) if within else None
        if town is not None and _stands_alone(text, words, i, j, modifier=True):
            return j, start, end, span, Match(town, span, method="geonames"), False
    return None


def _abbreviation(text: str, span: str, end: int, gazetteer: Gazetteer) -> Match | None:
    """Return the division an agency abbreviation followed by its dot names ("Lexington, Ky."), or None."""
    if text[end:end + 1] != "." or gazetteer.fallback is None or len(span) > 6:
        return None
    place = gazetteer.fallback.abbreviation(span + ".")
    return Match(place, span + ".", method="abbreviation") if place is not None else None


def _demonym(text: str, word: tuple[int, int], gazetteer: Gazetteer) -> PlaceMention | None:
    """Return an associative mention for a capitalised demonym or adjective ("Russian", "Syrians"), or None."""
    start, end = word
    token = text[start:end]
    if not _is_capitalised(token) or gazetteer.fallback is None:
        return None
    country = gazetteer.fallback.demonym(token)
    if country is None and token.endswith("s"):
        country = gazetteer.fallback.demonym(token[:-1])  # "Syrians", "Russians"
    if country is None:
        return None
    return PlaceMention(start, end, token, country.id, country.name, country.lat, country.lon, country.precision,
                        "demonym", country.source, "associative")


def _is_dateline(text: str, start: int, end: int) -> bool:
    """Return True for a span that opens a line or follows a full stop, and is followed by a dateline's agency or dash.

    A feed often runs the headline into the story: "Council votes on budget. MANSFIELD -- The City Council...".
    """
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].rstrip()
    opens = not before or before.endswith((".", "!", "?"))
    after = text[end:end + 40]
    return opens and bool(_DATELINE_AFTER_RE.match(after)
                          or (not text[:start].strip() and _OPENING_DATELINE_AFTER_RE.match(after)))


def _well_known(match: Match) -> bool:
    """Return True for a country, a first-level division or a city of 50,000 people or more."""
    return match.place.kind in ("country", "region", "continent") or match.place.radius_m > SMALL_TOWN_RADIUS_M


def _named_inside_a_name(text: str, words: list[tuple[int, int]], i: int, j: int, match: Match) -> bool:
    """Return True for a place that ends the name of a body: "Environment Canada", "Team Alberta", "CBC Toronto".

    Only a country or a division after any capitalised word (a given name before it is a person: "John Jordan",
    "Paul Kentucky"), or a
    well-known city after an acronym (a broadcaster's or an agency's), and only when nothing glues it on the right.
    """
    if i == 0 or text[words[i - 1][1]:words[i][0]] != " " or not _stands_alone(text, words, i, j, modifier=True,
                                                                               before=False):
        return False
    neighbour = text[words[i - 1][0]:words[i - 1][1]]
    if match.place.kind in ("country", "region"):
        return neighbour not in first_names() and neighbour.lower() not in FUNCTION_WORDS
    return _well_known(match) and neighbour.isupper() and 2 <= len(neighbour) <= 5


def _stands_alone(text: str, words: list[tuple[int, int]], i: int, j: int, *, modifier: bool = False,
                  before: bool = True) -> bool:
    """Return True unless the span is glued to a neighbouring capitalised word.

    "Volodymyr Zelenskyy", "Vladimir Putin" and "European Union" are names of
    people and bodies; a GeoNames town called Volodymyr or Union inside them is
    not what the text means. Only plain spaces glue words; punctuation separates.
    With `modifier` (a well-known place), a capitalised word after it is allowed: "Toronto Police", "Kentucky
    officials" in a headline; one before it still glues ("Paul Kentucky" is a person).
    """
    for k, gap in ((i - 1, (words[i - 1][1], words[i][0]) if i > 0 and before else None),
                   (j + 1, (words[j][1], words[j + 1][0]) if j + 1 < len(words) and not modifier else None)):
        if gap is None:
            continue
        between = text[gap[0]:gap[1]]
        neighbour = text[words[k][0]:words[k][1]]
        if between.strip(" ") == "" and _is_capitalised(neighbour) and neighbour.lower() not in FUNCTION_WORDS:
            return False
    return True


def _lookup_span(span: str, n_words: int, gazetteer: Gazetteer, countries: Sequence[str], *,
                 dateline: bool = False) -> Match | None:
    first = span.split()[0]
    if not _is_capitalised(first) or (first.lower() in _NOT_PLACES and not (first.isupper() and len(first) > 1)):
        return None
    # Acronyms (NATO, SOCAR) are organisations far more often than towns: only the curated list, a country's
    # own abbreviation (US, UK) or a dateline ("WASHINGTON (AP) —") may claim them.
    if span.isupper():
        match = gazetteer.lookup(span, countries)
        if match is not None and (match.gazetteer == "curated" or match.place.kind == "country"):
            return match
        city = gazetteer.fallback.best_city(span, countries) \
            if dateline and n_words <= 3 and gazetteer.fallback and fold(span) not in not_places() else None
        return Match(city, span, method="dateline") if city is not None else None
    if n_words > 3 and not all(_is_capitalised(w) or w.islower() or w[:1].isdigit() for w in span.split()):
        return None
    match = gazetteer.lookup(span, countries)
    if match is None:
        return None
    # A GeoNames hit must be a capitalised name of one to three words: "Nato" or
    # "Fuentes" found inside ordinary phrases are the commonest false positives.
    if match.gazetteer == "geonames" and (
        n_words > 3 or not all(_is_capitalised(w) for w in span.split()) or fold(span) in not_places()
    ):
        return None
    return match


def _interval(kind: str, groups: dict[str, str | None], reference: date | None) -> tuple[str | None, str | None]:
    """Return (ISO value, precision) for a matched date pattern; (None, precision) if the year is unknown."""
    month = _MONTHS.get((groups.get("month") or "").lower().rstrip("."))
    year = int(groups["year"]) if groups.get("year") else None
    if kind in ("last-month",) and reference is not None and month:
        year = reference.year - 1 if month >= reference.month else reference.year
    if kind == "month-this-year" and reference is not None:
        year = reference.year
    if kind == "iso":
        month = int(groups["month"])
    try:
        if kind == "month-days-year":
            DateInterval.day(year, month, int(groups["day2"]))  # "February 8 and 30": reject, do not crash
        if kind in ("iso", "day-month-year", "month-day-year", "month-days-year"):
            return DateInterval.day(year, month, int(groups["day"])).iso(), "day"
        if kind in ("month-year", "last-month", "month-this-year"):
            return (DateInterval.month(year, month).iso() if year else None), "month"
        if kind in ("day-month", "month-day"):
            if reference is not None:
                return DateInterval.day(reference.year, month, int(groups["day"])).iso(), "day"
            date(2000, month, int(groups["day"]))  # still reject "February 30"
            return None, "day"
        if kind == "in-year":
            return DateInterval.year(year).iso(), "year"
        if kind == "in-month":
            return None, "month"
    except (ValueError, TypeError):
        return "invalid", None
    return None, None


def find_dates(text: str, reference: date | None = None) -> list[DateMention]:
    """Return the date and time expressions in `text`; relative ones resolve only against `reference`."""
    taken: list[tuple[int, int]] = []
    mentions: list[DateMention] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < b and a < end for a, b in taken):
                continue
            groups = m.groupdict()
            if kind == "time":
                hour = int(groups["hour"]) % 12 + (12 if groups["ampm"].lower().startswith("p") else 0)
                value, precision = f"{hour:02d}:{groups.get('minute') or '00'}", "minute"
            elif kind == "weekday":
                value, precision = None, "day"
            else:
                value, precision = _interval(kind, groups, reference)
                if value == "invalid":
                    continue
            taken.append((start, end))
            if kind == "month-days-year":
                # Two dates: report the second day as its own mention, at its own offset.
                second = DateInterval.day(int(groups["year"]), _MONTHS[groups["month"].lower().rstrip(".")],
                                          int(groups["day2"]))
                mentions.append(DateMention(m.start("day2"), m.end("day2"), groups["day2"], "date",
                                            second.iso(), "day"))
                end = m.end("day")
            kind_label = "time" if kind == "time" else ("relative" if value is None else "date")
            mentions.append(DateMention(start, end, text[start:end], kind_label, value, precision))
    return sorted(mentions, key=lambda d: d.start)
