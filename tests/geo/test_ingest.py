"""geo.ingest: a new article's candidate incidents, their dates against the publication day, matching, filing."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from geo.catalogue import load_catalogue
from geo.cli import main
from geo.dates import DateInterval
from geo.extract import DateMention
from geo.gazetteer import Gazetteer
from geo.ingest import (
    ArticleInfo,
    clauses,
    file_article,
    ingest,
    parse_publication,
    read_article,
    resolve_date,
    sentences,
)

ROOT = Path(__file__).resolve().parents[2]
FRIDAY = date(2025, 11, 14)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def by_quote(found, words: str):
    return [c for c in found if words in c.quote]


@pytest.mark.parametrize(("said", "kind", "value", "expected"), [
    ("on Thursday", "relative", None, ("2025-11-13", "2025-11-13", "day")),
    ("on Friday", "relative", None, ("2025-11-14", "2025-11-14", "day")),  # the day it appeared
    ("in July", "relative", None, ("2025-07-01", "2025-07-31", "month")),
    ("earlier in December", "relative", None, ("2024-12-01", "2024-12-31", "month")),  # December is still to come
    ("Nov. 14", "date", "2025-11-14", ("2025-11-14", "2025-11-14", "day")),
    ("Dec. 3", "date", "2025-12-03", ("2024-12-03", "2024-12-03", "day")),  # never a day after publication
    ("December 3, 2025", "date", "2025-12-03", ("2025-12-03", "2025-12-03", "day")),  # unless the year is said
])
def test_dates_are_read_against_the_publication_day(said, kind, value, expected) -> None:
    precision = "month" if "in " in said else "day"
    interval = resolve_date(DateMention(0, len(said), said, kind, value, precision), FRIDAY)
    assert (interval.start.isoformat(), interval.end.isoformat(), interval.precision) == expected


def test_without_a_publication_day_relative_dates_stay_unknown() -> None:
    assert resolve_date(DateMention(0, 11, "on Thursday", "relative", None, "day"), None) is None


def test_candidates_quote_verbatim_with_offsets_and_claims(gazetteer: Gazetteer, catalogue) -> None:
    text = ("Missile strike near embassy\n"
            "Russian forces struck Kyiv overnight, officials said. Two people were killed and 14 injured "
            "when an Iskander missile hit the Lukianivka district. The weather was mild.")
    found = ingest(text, gazetteer, catalogue, FRIDAY)
    assert all(text[c.start:c.end] == c.quote for c in found)
    assert not by_quote(found, "The weather was mild.")  # no event cue: no candidate
    overnight = by_quote(found, "overnight")[0]
    assert (overnight.date_start, overnight.date_end, overnight.date_precision) == ("2025-11-13", "2025-11-14", "range")
    toll = by_quote(found, "Two people were killed")[0]
    assert (toll.killed, toll.injured, toll.weapon, toll.type) == (2, 14, "Iskander missile", "missile strike")
    assert toll.precision in ("district", "neighbourhood") and toll.lat is not None and toll.radius_m
    assert toll.claims() == {"weapon": "Iskander missile", "killed": 2, "injured": 14}  # a range is no date claim
    assert toll.date_from == "paragraph"


def test_hedges_and_negations_are_flagged_not_dropped(gazetteer: Gazetteer) -> None:
    text = "A drone reportedly hit a depot in Odesa on Thursday. Officials denied that anyone was killed in Odesa."
    found = ingest(text, gazetteer, None, FRIDAY)
    assert by_quote(found, "reportedly")[0].hedges == ["reportedly"]
    denied = by_quote(found, "denied")[0]
    assert denied.negations == ["denied"] and denied.confidence < by_quote(found, "reportedly")[0].confidence + 0.01


def test_one_sentence_with_several_dated_events_gives_one_candidate_each(gazetteer: Gazetteer) -> None:
    text = ("It recalled earlier strikes: a March 10, 2022 airstrike that damaged the Honorary Consulate in Kharkiv, "
            "a January 2, 2024 strike that left a crater in Kyiv, and drone attacks on August 8 and 18, 2025 "
            "on SOCAR's oil depot in the Odesa region.")
    found = ingest(text, gazetteer, None, FRIDAY)
    assert [c.date_start for c in found] == ["2022-03-10", "2024-01-02", "2025-08-08", "2025-08-18"]
    assert found[0].place_ids[0] == "az-consulate-kharkiv" and "kyiv" in found[1].place_ids
    assert all(text[c.start:c.end] == c.quote for c in found)
    assert found[2].quote == found[3].quote  # two days, one clause


def test_clauses_cut_at_each_date() -> None:
    text = "X was damaged in March 2022 and the embassy was damaged in August this year."
    cut = clauses(text, 0, len(text), [text.index("March"), text.index("August")])
    assert [text[a:b] for a, b in cut] == ["X was damaged in March 2022", "the embassy was damaged in August this year"]


def test_a_candidate_matches_the_incident_it_corroborates(gazetteer: Gazetteer, catalogue) -> None:
    text = "A Kinzhal missile struck near Azerbaijan's embassy in Kyiv on 2 January 2024, killing 3 people."
    found = ingest(text, gazetteer, catalogue, date(2024, 1, 3))
    assert found[0].matches == "embassy-kyiv-kinzhal-2024-01-02"
    elsewhere = ingest("A Kinzhal missile struck Lviv on 2 January 2024.", gazetteer, catalogue, date(2024, 1, 3))
    assert elsewhere[0].matches is None
    later = ingest("A missile struck Azerbaijan's embassy in Kyiv on 2 March 2024.", gazetteer, catalogue,
                   date(2024, 3, 3))
    assert later[0].matches is None


def test_a_publication_day_or_its_bounds_are_read_and_a_wrong_one_refused_by_its_words() -> None:
    assert parse_publication("2025-11-14") == DateInterval.day(2025, 11, 14)
    assert parse_publication("2025-11-14..2025-12-31") == DateInterval(date(2025, 11, 14), date(2025, 12, 31), "range")
    for wrong in ("14/11/2025", "2025-12-31..2025-11-14", "2025-11-14..", "9" * 100_000):
        with pytest.raises(ValueError, match="YYYY-MM-DD") as refused:
            parse_publication(wrong)
        assert len(str(refused.value)) < 200  # a huge argument is not echoed whole
    for wrong in ("0001-01-01", "2025-01-01..9999-12-31"):  # the calendar's ends: reading around them overflowed
        with pytest.raises(ValueError, match="publication year from 1800 to 2200"):
            parse_publication(wrong)


def test_with_only_the_bounds_of_publication_a_relative_date_covers_every_day_it_can_mean(gazetteer) -> None:
    bounds = DateInterval(date(2025, 11, 14), date(2025, 11, 30), "range")
    found = ingest("A drone hit a depot in Odesa on Friday.", gazetteer, None, bounds)
    # Every Friday from the first to the last day it can have appeared: the 14th to the 28th.
    assert (found[0].date_start, found[0].date_end, found[0].date_precision) == ("2025-11-14", "2025-11-28", "range")
    exact = ingest("A drone hit a depot in Odesa on Friday.", gazetteer, None, date(2025, 11, 30))
    assert (exact[0].date_start, exact[0].date_end) == ("2025-11-28", "2025-11-28")
    undated = ingest("A drone hit a depot in Odesa.", gazetteer, None, bounds)
    assert (undated[0].date_start, undated[0].date_end) == ("2025-11-07", "2025-11-30")
    assert "published between 2025-11-14 and 2025-11-30" in undated[0].date_text


def test_a_candidate_whose_dates_span_several_incidents_at_one_place_names_none_and_offers_them(
        gazetteer: Gazetteer, catalogue) -> None:
    text = "A missile damaged Azerbaijan's embassy in Kyiv."
    bounds = DateInterval(date(2025, 8, 28), date(2025, 11, 20), "range")
    found = ingest(text, gazetteer, catalogue, bounds)
    assert found[0].matches is None
    assert found[0].possible_matches[:2] == ["embassy-kyiv-2025-08-28", "embassy-kyiv-iskander-2025-11-14"]
    assert found[0].to_dict()["possible_matches"] == found[0].possible_matches
    one = ingest(text, gazetteer, catalogue, date(2025, 11, 15))
    assert one[0].matches == "embassy-kyiv-iskander-2025-11-14" and one[0].possible_matches == []


def test_an_unplaced_candidate_says_why(gazetteer: Gazetteer) -> None:
    found = ingest("Something exploded and damaged a building.", gazetteer, None, None)
    assert found and found[0].lat is None and found[0].date_start is None
    assert "no place" in found[0].reason and "no date" in found[0].reason
    assert set(found[0].to_dict()) >= {"date_start", "date_end", "date_precision", "lat", "lon", "radius_m",
                                       "precision", "place_ids", "type", "quote", "start", "end", "matches",
                                       "confidence"}


def test_sentences_never_cross_a_line_break() -> None:
    text = "Headline without a full stop\nFirst sentence. Second one."
    assert [text[a:b] for a, b in sentences(text)] == ["Headline without a full stop", "First sentence.", "Second one."]


def test_html_is_read_for_its_main_text(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text("<html><body><nav>Home | News</nav><article><h1>Strike hits Kyiv</h1>"
                    "<p>A Russian missile struck Kyiv on Tuesday, damaging the embassy.</p></article>"
                    "<footer>Cookies</footer></body></html>", encoding="utf-8")
    text, raw = read_article(page)
    assert "A Russian missile struck Kyiv on Tuesday" in text and "Cookies" not in text
    assert raw == page.read_bytes()


def test_a_text_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\nnot \xff fine\n")
    with pytest.raises(ValueError, match="line 2"):
        read_article(bad)


def test_filing_copies_byte_for_byte_and_adds_a_source(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    raw = b"Drones hit Odesa on Thursday.\n"
    ident = file_article(seeds, raw, raw.decode(), ".txt", ArticleInfo(FRIDAY, "https://example.org/a", None, "Ex"))
    assert ident.startswith("005_") and (seeds / f"{ident}.txt").read_bytes() == raw
    catalogue = load_catalogue(ROOT / "data", seeds)
    assert not catalogue.problems
    source = catalogue.sources[ident]
    assert source.published["not_before"] == "2025-11-14" and source.outlet == "Ex"
    with pytest.raises(ValueError, match="already"):
        file_article(seeds, raw, raw.decode(), ".txt", ArticleInfo())
    unsure = file_article(seeds, b"Drones hit Odesa.\n", "Drones hit Odesa.\n", ".txt",
                          ArticleInfo(DateInterval(date(2025, 11, 14), date(2025, 12, 31), "range")))
    bounds = load_catalogue(ROOT / "data", seeds).sources[unsure].published
    assert (bounds["not_before"], bounds["not_after"]) == ("2025-11-14", "2025-12-31")


def test_cli_dry_run_prints_json_and_writes_nothing(tmp_path: Path) -> None:
    article = tmp_path / "new.txt"
    article.write_text("A missile struck Azerbaijan's embassy in Kyiv on Friday.", encoding="utf-8")
    before = sorted(p.name for p in (ROOT / "seeds").iterdir())
    out, err = io.StringIO(), io.StringIO()
    assert main(["ingest", str(article), "--published", "2025-11-14", "--json"], out, err) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["date_start"] == "2025-11-14" and rows[0]["matches"] == "embassy-kyiv-iskander-2025-11-14"
    assert "dry run" in err.getvalue()
    assert sorted(p.name for p in (ROOT / "seeds").iterdir()) == before


def test_cli_reads_the_bounds_of_publication_and_refuses_a_wrong_one_by_its_words(tmp_path: Path) -> None:
    article = tmp_path / "new.txt"
    article.write_text("A missile struck Azerbaijan's embassy in Kyiv on Thursday.", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["ingest", str(article), "--published", "2025-08-29..2025-11-20", "--json"], out, err) == 0
    row = json.loads(out.getvalue().splitlines()[0])
    # Thursdays from 28 August to 20 November: the strikes of 28 August and 14 November both fit.
    assert (row["date_start"], row["date_end"], row["matches"]) == ("2025-08-28", "2025-11-20", None)
    assert "embassy-kyiv-iskander-2025-11-14" in row["possible_matches"]
    with pytest.raises(SystemExit):
        main(["ingest", str(article), "--published", "Friday"], out, err)


def test_cli_refuses_an_unreadable_article(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["ingest", str(tmp_path / "missing.txt")], out, err) == 2
    assert "error:" in err.getvalue()


def test_an_article_too_large_is_refused_by_name() -> None:
    from geo.ingest import ARTICLE_MAX_BYTES, ARTICLE_MAX_CHARS, article_text

    with pytest.raises(ValueError, match=r"big\.html: .* bytes"):
        article_text(b"<p>" * (ARTICLE_MAX_BYTES // 3 + 1), "big.html")
    with pytest.raises(ValueError, match="characters of text"):
        article_text(b"x" * (ARTICLE_MAX_CHARS + 1), "long.txt")


def test_one_endless_paragraph_is_read_in_blocks_with_true_offsets() -> None:
    text = ("A missile struck Kyiv on Friday. " * 400) + "x" * 12_000 + " Drones hit Odesa."
    spans = sentences(text)
    assert all(text[a:b].strip() == text[a:b] and b - a <= 5_000 for a, b in spans)
    assert text[spans[0][0]:spans[0][1]] == "A missile struck Kyiv on Friday."
    assert text[spans[-1][0]:spans[-1][1]].endswith("Drones hit Odesa.")
