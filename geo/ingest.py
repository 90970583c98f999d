"""A new article in, candidate incidents out: each with its verbatim quote, place, dates and claims (issue 14).

Nothing here writes the catalogue. :func:`candidates` reads a text and proposes; :func:`match` compares the
proposals with the incidents already catalogued; ``python -m geo ingest`` prints them (a dry run) or, with
``--write``, files the article under ``seeds/`` and the candidates in the review queue, where a curator
accepts or rejects each one (:mod:`geo.review`).

How a candidate is found, in order:

* the text is cut into sentences (pysbd); a sentence with an event cue (strike, drone, missile, shelling,
  explosion, damaged, killed, crash…) is a candidate's passage, quoted verbatim with its offsets;
* its places are the geoparser's literal mentions inside it (the most precise one gives the point and radius),
  or, when it names none, the last place named before it in the same paragraph;
* its dates are the dates it states, resolved against the publication date ("on Thursday", "overnight",
  "in July", "on Nov. 14"; when only the publication's bounds are known, against both, covering every day
  the words can mean), or the last date stated before it in the paragraph; each is an interval with a
  precision;
* numbers killed and injured, the weapon and a type are read from its words; hedges ("reportedly") and
  negations ("denied", "no casualties") are flagged, not dropped;
* it names the catalogued incident it corroborates (`matches`), or, when several fit it equally, lists them
  (`possible_matches`) and names none.
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .catalogue import INCIDENT_TYPES, Catalogue, Evidence, derive_conflicts
from .dates import DateInterval, parse_date_claim
from .gazetteer import Gazetteer, _km
from .places import PRECISIONS
from .review import _scalar

if TYPE_CHECKING:
    from .extract import DateMention, PlaceMention

# Words that say something happened to someone or something: a sentence without one is no incident.
_EVENT_CUES = re.compile(
    r"\b(?:strik(?:e|es|ing)|struck|hit|hits|attack(?:s|ed|ing)?|drones?|missiles?|rockets?|shell(?:s|ed|ing)|"
    r"bomb(?:s|ed|ing)?|airstrikes?|air strikes?|explosions?|blasts?|explod(?:ed|es)|damag(?:e|ed|es|ing)|"
    r"destroy(?:ed|s|ing)?|kill(?:ed|ing|s)?|injur(?:ed|ing|ies)|wound(?:ed|ing)|dead|died|crash(?:ed|es)?|"
    r"shot down|raid(?:ed|s)?|arrest(?:ed|s)?|fire|ablaze|debris|fragments?|crater)\b",
    re.IGNORECASE,
)
# Words that report an event rather than talk about events ("attacks on missions are unacceptable"): a passage
# that names no place and no date of its own is a candidate only with one of these.
_EVENT_VERBS = re.compile(
    r"\b(?:struck|hit|attacked|shelled|bombed|exploded|damaged|destroyed|killed|injured|wounded|died|crashed|"
    r"shot down|raided|arrested|shattered|fell|landed|caught fire|blast|explosion|crater|debris|fragments)\b",
    re.IGNORECASE,
)
LEAD_SENTENCES = 3  # a headline and its lead: where news states the main event's place and date
PUBLICATION_WINDOW_DAYS = 7  # an undated passage is about the days just before publication, at most a week
PUBLICATION_YEARS = (1800, 2200)  # the publication days --published accepts
MAX_POSSIBLE_MATCHES = 5  # incidents a candidate may corroborate, listed for the curator when it fits several

_HEDGES = re.compile(
    r"\b(?:reportedly|allegedly|according to|unconfirmed|unverified|claim(?:s|ed)?|may have|might have|"
    r"possibly|apparently|it is believed|sources? (?:said|say|close)|rumou?r(?:s|ed)?|purported(?:ly)?)\b",
    re.IGNORECASE,
)
_NEGATIONS = re.compile(
    r"\b(?:denied|denies|deny|no (?:casualties|one was|injuries|deaths|damage|victims)|nobody was|"
    r"not (?:been )?(?:hit|damaged|injured|killed|confirmed)|did not|without (?:casualties|injuries)|refuted)\b",
    re.IGNORECASE,
)
# Weapons as news name them, with the name the catalogue's claims use.
_WEAPONS: tuple[tuple[str, str], ...] = (
    (r"Iskander", "Iskander missile"),
    (r"Kinzhal", "Kinzhal missile"),
    (r"Kalibr", "Kalibr missile"),
    (r"Kh-\d+\w*", "{0} missile"),
    (r"S-[34]00", "{0} missile"),
    (r"Shahed|Geran", "Shahed drone"),
    (r"glide bombs?", "glide bomb"),
    (r"ballistic missiles?", "ballistic missile"),
    (r"cruise missiles?", "cruise missile"),
    (r"air defen[cs]e", "air defence"),
    (r"drones?|UAVs?", "drones"),
    (r"missiles?", "missile"),
    (r"rockets?", "rocket"),
    (r"artillery|shelling", "artillery"),
)
_WEAPON_RES = tuple((re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), name) for pattern, name in _WEAPONS)
# The type a candidate's words suggest, most specific first; "attack" when nothing more is said.
_TYPE_CUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:crash(?:ed|es)?|plane|aircraft|airliner|flight)\b", re.IGNORECASE), "aircraft crash"),
    (re.compile(r"\b(?:raid(?:ed|s)?|police|searched)\b", re.IGNORECASE), "police raid"),
    (re.compile(r"\barrest(?:ed|s)?\b", re.IGNORECASE), "arrest"),
    (re.compile(r"\b(?:drones?|UAVs?|Shahed|Geran)\b", re.IGNORECASE), "drone attack"),
    (re.compile(r"\b(?:missiles?|Iskander|Kinzhal|Kalibr|Kh-\d+|rockets?)\b", re.IGNORECASE), "missile strike"),
    (re.compile(r"\b(?:airstrikes?|air strikes?|bomb(?:s|ed|ing)?|air raid)\b", re.IGNORECASE), "airstrike"),
)
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_COUNT = r"(?P<n>\d[\d,]*|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_KILLED_RES = (
    re.compile(rf"\b(?:at least |some |up to )?{_COUNT}\s+(?:[a-z-]+\s+){{0,3}}(?:were |was |have been |had been )?"
               r"(?:killed|dead|died|deaths?|fatalities)\b", re.IGNORECASE),
    re.compile(rf"\bkill(?:ed|ing|s)\s+(?:at least |some )?{_COUNT}\b", re.IGNORECASE),
    re.compile(rf"\bdeath toll (?:rose |rises |climbed )?(?:to |of |at )?{_COUNT}\b", re.IGNORECASE),
)
_INJURED_RES = (
    re.compile(rf"\b(?:at least |some |up to )?{_COUNT}\s+(?:[a-z-]+\s+){{0,3}}(?:were |was |have been |had been )?"
               r"(?:injured|wounded|hurt)\b", re.IGNORECASE),
    re.compile(rf"\b(?:injur|wound)(?:ed|ing)\s+(?:at least |some )?{_COUNT}\b", re.IGNORECASE),
)
# Relative days news uses, beyond the dates find_dates reads.
_RELATIVE_DAYS = re.compile(r"\b(?:overnight|last night|yesterday|today|this morning|tonight|earlier today)\b",
                            re.IGNORECASE)
_WEEKDAYS = tuple(day.lower() for day in calendar.day_name)  # Monday first, as date.weekday() counts
_MONTHS = tuple(month.lower() for month in calendar.month_name[1:])
# Finest first: a candidate's point is its most precise place (a curated one when two are as precise).
_PRECISION_ORDER = (*PRECISIONS[:-1], "county", "region", "country", "continent")
ARTICLE_MAX_BYTES = 10_000_000  # a page as given, before its text is extracted
ARTICLE_MAX_CHARS = 300_000  # a long feature is 30,000; more is a book, a dump or a mistake, refused by name
BLOCK_CHARS = 5_000  # the longest stretch the sentence segmenter reads at once
QUOTE_MAX_CHARS = 600  # a "sentence" longer than this is a list or a table the segmenter could not cut


class StatedDate(NamedTuple):
    """A date as the text states it, where, and the days it means."""

    start: int
    end: int
    text: str
    interval: DateInterval


@dataclass
class Candidate:
    """A passage that may report an incident, with what it claims and where it may match the catalogue."""

    quote: str
    start: int
    end: int
    date_start: str | None
    date_end: str | None
    date_precision: str | None
    date_text: str | None
    lat: float | None
    lon: float | None
    radius_m: float | None
    precision: str | None
    place_ids: list[str]
    place_names: list[str]
    type: str
    killed: int | None = None
    injured: int | None = None
    weapon: str | None = None
    hedges: list[str] = field(default_factory=list)
    negations: list[str] = field(default_factory=list)
    matches: str | None = None
    # The catalogued incidents it may corroborate, best first, when more than one fits: its dates span several
    # incidents at the same place, and the curator must say which (matches is then None).
    possible_matches: list[str] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    confidence: float = 0.0
    reason: str | None = None  # why the place or the date is missing, when one is
    place_from: str = "passage"  # "passage", or "paragraph" when the place was named before the passage
    date_from: str = "passage"

    def claims(self) -> dict:
        """Return the claims an accepted candidate adds, in the catalogue's format."""
        out: dict = {}
        claim = _date_claim(self.date_start, self.date_end, self.date_precision)
        if claim:
            out["date"] = claim
        if self.weapon:
            out["weapon"] = self.weapon
        for key in ("killed", "injured"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    def to_dict(self) -> dict:
        """Return the candidate as the JSON contract's object."""
        out = asdict(self)
        out["claims"] = self.claims()
        return out


def read_article(path: Path) -> tuple[str, bytes]:
    """Return an article's text and its bytes as given: a .txt as it is, an .html's main text (trafilatura)."""
    raw = path.read_bytes()
    return article_text(raw, path.name), raw


def article_text(raw: bytes, name: str) -> str:
    """Return the text of an article's bytes: UTF-8 text as it is, an HTML page's main text (trafilatura)."""
    if len(raw) > ARTICLE_MAX_BYTES:
        raise ValueError(f"{name}: {len(raw):,} bytes; an article is read up to {ARTICLE_MAX_BYTES:,} "
                         "(a saved page with its scripts and styles is rarely more than 2 MB)")
    if Path(name).suffix.lower() in (".html", ".htm"):
        import trafilatura  # imported here: a slow import only an HTML page needs

        text = trafilatura.extract(raw.decode("utf-8", errors="replace"), include_comments=False,
                                   include_tables=False, favor_recall=True)
        if not text:
            raise ValueError(f"{name}: no article text found in the HTML")
        return text
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(f"{name}, line {line}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ValueError(f"{name}: the article is empty")
    if len(text) > ARTICLE_MAX_CHARS:
        raise ValueError(f"{name}: {len(text):,} characters of text; an article is read up to "
                         f"{ARTICLE_MAX_CHARS:,} (split it, or give the part that reports the events)")
    return text


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentences(text: str) -> list[tuple[int, int]]:
    """Return the sentences of a text as (start, end) offsets, surrounding whitespace left out."""
    spans = []
    for base, block in _blocks(text):
        for piece in _segmenter().segment(block):
            start, end = base + piece.start, base + piece.end
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
    return spans


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    """Yield the text's lines (a line break always ends a sentence: headlines, captions), each cut after a full
    stop into blocks of at most BLOCK_CHARS: the segmenter's time grows faster than a block's length."""
    for line in re.finditer(r"[^\n]+", text):
        start, body = line.start(), line.group()
        while len(body) > BLOCK_CHARS:
            stop = body.rfind(". ", 0, BLOCK_CHARS)
            cut = stop + 2 if stop > 0 else BLOCK_CHARS  # no full stop at all: a hard cut
            yield start, body[:cut]
            start, body = start + cut, body[cut:]
        yield start, body


# Where a sentence's clauses meet; never before a number ("August 8 and 18, 2025", "March 10, 2022").
_CLAUSE_BREAK = re.compile(r"(?:[,;:]\s+(?:and\s+|while\s+|but\s+)?|\s+(?:and|while|but)\s+)(?!\d)")
_CLAUSE_TRIM = " \t,;:.—–-"


def clauses(text: str, start: int, end: int, dated_at: Sequence[int]) -> list[tuple[int, int]]:
    """Cut a sentence into clauses, one per date stated at `dated_at`; undated clauses join the one before."""
    cuts = [start, *(m.end() for m in _CLAUSE_BREAK.finditer(text, start, end)), end]
    pieces = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    units: list[list[int]] = []
    for a, b in pieces:
        has_date = any(a <= at < b for at in dated_at)
        unit_has_date = bool(units) and any(units[-1][0] <= at < units[-1][1] for at in dated_at)
        if not units or (has_date and unit_has_date):
            units.append([a, b])
        else:
            units[-1][1] = b
    out = []
    for a, b in units:
        while a < b and text[a] in _CLAUSE_TRIM:
            a += 1
        while b > a and text[b - 1] in _CLAUSE_TRIM:
            b -= 1
        for word in ("and", "while", "but"):  # the joining word belongs to neither clause
            if text.startswith(word + " ", a):
                a += len(word) + 1
            if text.endswith(" " + word, a, b):
                b -= len(word) + 1
        while b > a and text[b - 1] in _CLAUSE_TRIM:
            b -= 1
        out.append((a, b))
    return out


def _event_clauses(text: str, units: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join each clause that names no event to its neighbour: "cited August 8 and 18, 2025, drone attacks on…"."""
    out: list[list[int]] = []
    pending: int | None = None  # where a clause with a date but no event began: the next clause takes it in
    for a, b in units:
        start = pending if pending is not None else a
        if _EVENT_CUES.search(text, a, b) is None and (a, b) != units[-1]:
            pending = start
            continue
        pending = None
        out.append([start, b])
    if len(out) > 1 and _EVENT_CUES.search(text, *out[-1]) is None:
        out[-2][1] = out.pop()[1]  # a closing clause without an event belongs to the one before it
    return [(a, b) for a, b in out]


def publication(published: date | DateInterval | None) -> DateInterval | None:
    """Return when an article appeared as an interval: one day when the date is known, else its bounds."""
    if published is None or isinstance(published, DateInterval):
        return published
    return DateInterval.day(*_ymd(published))


def parse_publication(text: str) -> DateInterval:
    """Read a publication date as given on the command line: YYYY-MM-DD, or YYYY-MM-DD..YYYY-MM-DD when unsure."""
    first, dots, last = text.partition("..")
    shown = repr(text if len(text) <= 40 else text[:40] + "…")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if dots else start
        interval = DateInterval(start, end, "day" if start == end else "range")
    except ValueError as exc:
        raise ValueError(f"{shown} is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD ({str(exc)[:80]})") from None
    if not (PUBLICATION_YEARS[0] <= start.year and end.year <= PUBLICATION_YEARS[1]):
        # Dates are read up to a year before and after it: at the calendar's ends that arithmetic overflows.
        raise ValueError(f"{shown}: a publication year from {PUBLICATION_YEARS[0]} to {PUBLICATION_YEARS[1]}, please")
    return interval


def resolve_date(mention: DateMention, published: date | None) -> DateInterval | None:
    """Return the interval a date mention means, read against the publication date when it is relative."""
    if mention.value and mention.kind == "date":
        interval = parse_date_claim(mention.value)
        if published is not None and interval.start > published and mention.precision == "day" \
                and not re.search(r"\d{4}", mention.text):
            # "on Nov. 14" in an article of 3 January: last year's 14 November, never a date still to come.
            return DateInterval.day(interval.start.year - 1, interval.start.month, interval.start.day)
        return interval
    if published is None:
        return None
    words = mention.text.lower()
    for k, weekday in enumerate(_WEEKDAYS):
        if weekday in words:  # the last such day on or before publication: news reports what has happened
            return DateInterval.day(*_ymd(published - timedelta(days=(published.weekday() - k) % 7)))
    for k, month in enumerate(_MONTHS, start=1):
        if re.search(rf"\b{month}\b", words):
            year = published.year if k <= published.month else published.year - 1
            return DateInterval.month(year, k)
    return None


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


def _relative_day(text: str, published: date) -> DateInterval:
    """Return the days a relative word means: "overnight" spans the night before publication."""
    word = text.lower()
    if word in ("overnight", "last night"):
        return DateInterval(published - timedelta(days=1), published, "range")
    if word == "yesterday":
        return DateInterval.day(*_ymd(published - timedelta(days=1)))
    return DateInterval.day(*_ymd(published))


def _date_mentions(text: str, published: DateInterval | None) -> list[StatedDate]:
    """Return every date the text states, resolved: (start, end, as written, interval).

    When only the bounds of the publication are known, a relative date ("on Friday", "in July") is read
    against both and covers every day it can mean, rather than a guessed one.
    """
    if published is None or published.start == published.end:
        return _dates_against(text, published.start if published else None)
    late = {(d.start, d.end): d for d in _dates_against(text, published.end)}
    out = []
    for stated in _dates_against(text, published.start):
        other = late.get((stated.start, stated.end))
        if other is not None and other.interval != stated.interval:
            stated = stated._replace(interval=stated.interval.hull(other.interval))
        out.append(stated)
    return out


def _dates_against(text: str, published: date | None) -> list[StatedDate]:
    """Return every date the text states, relative ones read against one publication day."""
    from .extract import find_dates  # the extractor loads only when an article is read (the page never does)

    found = []
    for mention in find_dates(text, published):
        if mention.kind == "time":
            continue
        interval = resolve_date(mention, published)
        if interval is not None:
            found.append(StatedDate(mention.start, mention.end, mention.text, interval))
    if published is not None:
        taken = [(a, b) for a, b, _, _ in found]
        for m in _RELATIVE_DAYS.finditer(text):
            if not any(m.start() < b and a < m.end() for a, b in taken):
                found.append(StatedDate(m.start(), m.end(), m.group(), _relative_day(m.group(), published)))
    return sorted(found, key=lambda item: item.start)


def _date_claim(start: str | None, end: str | None, precision: str | None) -> str | None:
    """Return the catalogue's date claim for an interval: YYYY-MM-DD, YYYY-MM or YYYY, or None for a range."""
    if not start or precision in (None, "range", "week"):
        return None
    return {"day": start, "month": start[:7], "year": start[:4]}.get(precision)


def _count(match: re.Match[str]) -> int | None:
    word = match.group("n").lower().replace(",", "")
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word)


def _first_count(patterns: Sequence[re.Pattern[str]], text: str) -> int | None:
    for pattern in patterns:
        m = pattern.search(text)
        if m is not None:
            return _count(m)
    return None


def _weapon(text: str) -> str | None:
    for pattern, name in _WEAPON_RES:
        m = pattern.search(text)
        if m is not None:
            return name.format(m.group())
    return None


def _type(text: str) -> str:
    for pattern, kind in _TYPE_CUES:
        if pattern.search(text):
            return kind
    return "attack"


def _rank(mention: PlaceMention) -> tuple[int, bool]:
    order = _PRECISION_ORDER.index(mention.precision) if mention.precision in _PRECISION_ORDER else len(_PRECISION_ORDER)
    return order, mention.gazetteer == "geonames"


def _confidence(candidate: Candidate) -> float:
    """Return a rough 0-1 score: precise place and day, a weapon or toll, no hedge or negation."""
    score = 0.3
    score += 0.2 if candidate.lat is not None and candidate.place_from == "passage" else 0.1 if candidate.lat else 0
    score += 0.2 if candidate.date_precision == "day" and candidate.date_from == "passage" else 0.1 if candidate.date_start else 0
    score += 0.1 if candidate.weapon or candidate.killed is not None or candidate.injured is not None else 0
    score += 0.1 if candidate.precision in ("point", "site", "neighbourhood", "district") else 0
    score -= 0.2 if candidate.hedges else 0
    score -= 0.3 if candidate.negations else 0
    return round(min(1.0, max(0.0, score)), 2)


def candidates(text: str, gazetteer: Gazetteer, published: date | DateInterval | None = None) -> list[Candidate]:
    """Return the passages of a text that may report incidents, each with its place, dates and claims."""
    from .extract import find_places

    published = publication(published)
    # A country in the possessive is an actor, not where something happened ("Azerbaijan's Foreign Ministry").
    places = [m for m in find_places(text, gazetteer) if m.role == "literal"
              and not (m.precision == "country" and text[m.end:m.end + 2] in ("’s", "'s"))]
    dates = _date_mentions(text, published)
    spans = sentences(text)
    lead_end = spans[min(LEAD_SENTENCES, len(spans)) - 1][1] if spans else 0
    # What a passage that says neither where nor when is about: the lead's finest place and first date, else
    # (for the date) the week before publication.
    lead_places = [m for m in places if m.end <= lead_end]
    lead_place = [min(lead_places, key=_rank)] if lead_places else []
    lead_dates = [d for d in dates if d.end <= lead_end]
    lead_date = lead_dates[0] if lead_dates else None
    if lead_date is None and published is not None:
        window = DateInterval(published.start - timedelta(days=PUBLICATION_WINDOW_DAYS), published.end, "range")
        when = published.iso() if published.precision == "day" else \
            f"published between {published.start.isoformat()} and {published.end.isoformat()}"
        lead_date = StatedDate(0, 0, f"the week before publication ({when})", window)
    out = []
    paragraph_start = 0
    last_place: list[PlaceMention] = []
    last_date: StatedDate | None = None
    for start, end in spans:
        if text.rfind("\n", 0, start) >= paragraph_start:  # a new paragraph: what the last one said is spent
            paragraph_start = text.rfind("\n", 0, start) + 1
            last_place, last_date = [], None
        here = [m for m in places if start <= m.start and m.end <= end]
        when = [d for d in dates if start <= d.start and d.end <= end]
        sentence = text[start:end]
        if _EVENT_CUES.search(sentence) and end - start <= QUOTE_MAX_CHARS and (
                here or when or _EVENT_VERBS.search(sentence)):
            place_from = "passage" if here else "paragraph" if last_place else "article"
            date_from = "passage" if when else "paragraph" if last_date else "article"
            if len({d.interval for d in when}) > 1:
                # Several dates, several events ("a March 10, 2022 airstrike on X, a January 2, 2024 strike near
                # Y"): one candidate per clause that states a date, quoting that clause, placed by its own places.
                for a, b in _event_clauses(text, clauses(text, start, end, [d.start for d in when])):
                    mine = [m for m in here if a <= m.start and m.end <= b]
                    for d in dict((d.interval, d) for d in when if a <= d.start and d.end <= b).values():
                        out.append(_candidate(text, a, b, gazetteer, mine or lead_place,
                                              "passage" if mine else "article", d, "passage"))
            else:
                out.append(_candidate(text, start, end, gazetteer, here or last_place or lead_place, place_from,
                                      when[0] if when else last_date or lead_date, date_from))
        if here:
            last_place = here
        if when:
            last_date = when[0]
    return out


def _candidate(text: str, start: int, end: int, gazetteer: Gazetteer, places: list[PlaceMention], place_from: str,
               when: StatedDate | None, date_from: str) -> Candidate:
    sentence = text[start:end]
    reasons = []
    best = min(places, key=_rank) if places else None
    if best is None:
        reasons.append("no place named in the passage, its paragraph or the article's lead")
    if when is None:
        reasons.append("no date stated in the passage, its paragraph or the article's lead, and no publication date")
    interval = when.interval if when else None
    place = (gazetteer.places.get(best.place_id) or (gazetteer.fallback.place(best.place_id) if gazetteer.fallback
                                                      else None)) if best else None
    return Candidate(
        quote=sentence, start=start, end=end,
        date_start=interval.start.isoformat() if interval else None,
        date_end=interval.end.isoformat() if interval else None,
        date_precision=interval.precision if interval else None,
        date_text=when.text if when else None,
        lat=best.lat if best else None, lon=best.lon if best else None,
        radius_m=float(place.radius_m) if place is not None and place.radius_m else None,
        precision=best.precision if best else None,
        place_ids=list(dict.fromkeys(m.place_id for m in places)),
        place_names=list(dict.fromkeys(m.text for m in places)),
        type=_type(sentence),
        killed=_first_count(_KILLED_RES, sentence),
        injured=_first_count(_INJURED_RES, sentence),
        weapon=_weapon(sentence),
        hedges=[m.group() for m in _HEDGES.finditer(sentence)],
        negations=[m.group() for m in _NEGATIONS.finditer(sentence)],
        reason="; ".join(reasons) or None,
        place_from=place_from if best else "none",
        date_from=date_from if when else "none",
    )


# Types that can be the same event told by different reports: a "missile" in one is a "drone" in another.
_STRIKES = frozenset({"missile strike", "airstrike", "drone attack", "attack"})


def compatible_types(a: str, b: str) -> bool:
    """Return whether two incident types may describe the same event."""
    return a == b or "attack" in (a, b) or (a in _STRIKES and b in _STRIKES)


def match(candidate: Candidate, catalogue: Catalogue) -> None:
    """Set the candidate's `matches` to the catalogued incident it corroborates, if any, and its conflicts."""
    if candidate.lat is None or candidate.date_start is None:
        return
    window = DateInterval(date.fromisoformat(candidate.date_start), date.fromisoformat(candidate.date_end),
                          candidate.date_precision or "day")
    fits = []
    for incident in catalogue.incidents:
        place = catalogue.places.get(incident.places[0])
        if place is None or not incident.date.overlaps(window) or not compatible_types(candidate.type, incident.type):
            continue
        distance_m = _km(candidate.lat, candidate.lon, place.lat, place.lon) * 1000
        if distance_m > (candidate.radius_m or 0) + (place.radius_m or 0):
            continue
        fits.append(((distance_m, (incident.date.end - incident.date.start).days), incident))
    if not fits:
        return
    fits.sort(key=lambda fit: fit[0])
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        # Equally near and equally precise: nothing in the passage tells them apart, so it names none.
        candidate.possible_matches = [incident.id for _, incident in fits[:MAX_POSSIBLE_MATCHES]]
        return
    best = fits[0][1]
    candidate.matches = best.id
    mine = Evidence("(this article)", candidate.quote, candidate.claims(), candidate.start, candidate.end)
    candidate.conflicts = [
        c.to_dict() for c in derive_conflicts([*best.evidence, mine])
        if any(v["source"] == "(this article)" for v in c.values)
    ]


def ingest(text: str, gazetteer: Gazetteer, catalogue: Catalogue | None = None,
           published: date | DateInterval | None = None) -> list[Candidate]:
    """Return the article's candidates with their radii, their matches in the catalogue and a confidence."""
    found = candidates(text, gazetteer, published)
    for candidate in found:
        if candidate.type not in INCIDENT_TYPES:
            candidate.type = "attack"
        if catalogue is not None:
            match(candidate, catalogue)
        candidate.confidence = _confidence(candidate)
    return found


def seed_name(index: int, raw: bytes) -> str:
    """Return a new seed's id, like the bundled ones: a three-digit index and 16 hex digits of its SHA-256."""
    return f"{index:03d}_{hashlib.sha256(raw).hexdigest()[:16]}"


@dataclass(frozen=True)
class ArticleInfo:
    """What the curator says about a new article: when it appeared, where, under which title."""

    published: date | DateInterval | None = None  # a day, or the bounds when only those are known
    url: str | None = None
    title: str | None = None
    outlet: str | None = None


def already_filed(seeds_dir: Path, raw: bytes) -> str | None:
    """Return the id of the seed with these exact bytes (as given, or as extracted text), or None."""
    digest = hashlib.sha256(raw).hexdigest()[:16]
    for path in seeds_dir.glob(f"*_{digest}.*"):
        return path.stem
    return None


def file_article(seeds_dir: Path, raw: bytes, text: str, suffix: str, info: ArticleInfo) -> str:
    """Copy an article into the seeds folder byte for byte, add its sources.yaml entry; return its id.

    An HTML page is kept as given (NNN_hash.html) and its extracted text beside it (NNN_hash.txt): the quotes
    are offsets into that text, the page stays the record of what was read.
    """
    existing = already_filed(seeds_dir, raw)
    if existing is not None:
        raise ValueError(f"this article is already in {seeds_dir} as {existing}")
    numbers = [int(p.name[:3]) for p in seeds_dir.glob("[0-9][0-9][0-9]_*")]
    ident = seed_name(max(numbers, default=-1) + 1, raw)
    html = suffix.lower() in (".html", ".htm")
    (seeds_dir / f"{ident}{'.html' if html else '.txt'}").write_bytes(raw)
    if html:
        (seeds_dir / f"{ident}.txt").write_text(text, encoding="utf-8")
    title = info.title or next((line.strip() for line in text.splitlines() if line.strip()), ident)[:200]
    when = publication(info.published)
    entry = [
        f"- id: {ident}",
        f"  file: {ident}.txt",
        *([f"  original: {ident}.html  # the page as given; the .txt is its main text (trafilatura)"] if html else []),
        f"  title: {_scalar(title)}",
        f"  title_basis: {'given with --title' if info.title else 'first line of the text'}",
        f"  outlet: {_scalar(info.outlet) if info.outlet else 'null'}",
        f"  url: {_scalar(info.url) if info.url else 'null'}",
        "  published:",
        f"    not_before: {_scalar(when.start.isoformat()) if when else 'null'}",
        f"    not_after: {_scalar(when.end.isoformat()) if when else 'null'}",
        f"    basis: {'given with --published' if when else 'not given'}",
        "  language: en",
        "  reliability: []",
    ]
    sources = seeds_dir / "sources.yaml"
    before = sources.read_text(encoding="utf-8") if sources.exists() else ""
    sources.write_text(before.rstrip("\n") + "\n\n" + "\n".join(entry) + "\n", encoding="utf-8")
    return ident


def file_for_review(data_dir: Path, seeds_dir: Path, raw: bytes, name: str, info: ArticleInfo,
                    found: list[Candidate]) -> tuple[str, list[dict]]:
    """File an article, mark its places for the reader, queue its candidates; return its id and the queued."""
    from .annotate import MENTIONS_FILE, mentions_text
    from .catalogue import load_catalogue
    from .review import add_candidates, load_queue

    load_queue(data_dir)  # a damaged queue is refused before the article is filed, not after
    source = file_article(seeds_dir, raw, article_text(raw, name), Path(name).suffix, info)
    mentions = mentions_text(load_catalogue(data_dir, seeds_dir), _gazetteer_of(data_dir))
    (data_dir / MENTIONS_FILE).write_text(mentions, encoding="utf-8")
    return source, add_candidates(data_dir, source, [c.to_dict() for c in found])


@lru_cache(maxsize=2)
def _gazetteer_of(data_dir: Path) -> Gazetteer:
    return Gazetteer.from_data(data_dir)


def propose(text: str, data_dir: Path, seeds_dir: Path,
            published: date | DateInterval | None = None) -> list[Candidate]:
    """Return a text's candidates against the catalogue in these folders (the gazetteer built once per folder)."""
    from .catalogue import load_catalogue

    return ingest(text, _gazetteer_of(data_dir), load_catalogue(data_dir, seeds_dir), published)
