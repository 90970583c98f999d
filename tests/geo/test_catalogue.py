"""The incident catalogue: verbatim evidence, derived dates, corroboration and conflicts, checked against the articles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from geo.catalogue import Catalogue, Evidence, Incident, derive_conflicts, derive_date
from geo.dates import DateInterval
from geo.frames import INCIDENT_COLUMNS, districts_frame, load_incidents, places_frame

ROOT = Path(__file__).resolve().parents[2]
S000, S001, S002, S003, S004 = (
    "000_17e1e5416acb89c9", "001_fa2f07d2642b260d", "002_eb5374e7c06e77bb", "003_553f20544c4195fd", "004_3b4953951239fc73",
)
SIX_DISTRICTS = {
    "kyiv-darnytskyi", "kyiv-dniprovskyi", "kyiv-shevchenkivskyi", "kyiv-sviatoshynskyi", "kyiv-solomianskyi",
    "kyiv-desnianskyi",
}


def incident_entries() -> list[dict]:
    return yaml.safe_load((ROOT / "data" / "incidents.yaml").read_text(encoding="utf-8"))


def find(catalogue: Catalogue, **where) -> Incident:
    """Return the one incident matching every condition (date as a claim string, place ids as a set to include)."""
    found = [
        i for i in catalogue.incidents
        if ("date" not in where or (i.date.iso() == where["date"]))
        and ("precision" not in where or i.date.precision == where["precision"])
        and set(where.get("places", ())) <= set(i.places)
    ]
    assert len(found) == 1, f"{len(found)} incidents match {where}: {[i.id for i in found]}"
    return found[0]


def ev(source: str, **claims) -> Evidence:
    return Evidence(source, f"quote from {source}", claims, 0, 1)


# --- The bundled catalogue ----------------------------------------------------------------------

def test_the_bundled_catalogue_loads_without_problems(catalogue: Catalogue) -> None:
    assert catalogue.problems == []
    assert catalogue.rejected == []
    assert len(catalogue.incidents) == len(incident_entries())
    assert len({i.id for i in catalogue.incidents}) == len(catalogue.incidents)


def test_every_quote_is_verbatim_in_its_source(catalogue: Catalogue) -> None:
    for incident in catalogue.incidents:
        for evidence in incident.evidence:
            text = (ROOT / "seeds" / f"{evidence.source}.txt").read_text(encoding="utf-8")
            assert evidence.quote in text, (incident.id, evidence.quote)
            assert text[evidence.start:evidence.end] == evidence.quote
            assert catalogue.sources[evidence.source].text == text


def test_every_incident_has_evidence_a_date_and_known_places(catalogue: Catalogue) -> None:
    for incident in catalogue.incidents:
        assert incident.evidence, incident.id
        assert isinstance(incident.date, DateInterval), incident.id
        assert any("date" in e.claims for e in incident.evidence), incident.id
        assert incident.places and all(p in catalogue.places for p in incident.places), incident.id


def test_corroboration_counts_distinct_sources(catalogue: Catalogue) -> None:
    for incident in catalogue.incidents:
        assert incident.corroboration == len({e.source for e in incident.evidence}), incident.id


def test_the_28_august_2025_strike_is_reported_by_four_sources(catalogue: Catalogue) -> None:
    # 000 (the night of August 28), 001 ("the most recent attack", same damage), 003 ("an August 28, 2025 blast"),
    # 004 ("the Kyiv Embassy was damaged in August this year"); 002 is about November.
    strike = find(catalogue, date="2025-08-28", places={"az-embassy-kyiv"})
    assert set(strike.sources) == {S000, S001, S003, S004}
    assert strike.corroboration == 4
    assert strike.date.precision == "day"  # the day claims (000, 003) narrow 004's "August"
    assert SIX_DISTRICTS <= set(strike.places)
    assert strike.places[0] == "az-embassy-kyiv"  # the most specific place first: it is where the marker goes


def test_single_source_claims_stay_single_source(catalogue: Catalogue) -> None:
    # Only 001 mentions embassy attacks in July 2025 and August 2022, and the Yekaterinburg raid.
    for claim, place in (("2025-07", "az-embassy-kyiv"), ("2022-08", "az-embassy-kyiv"), ("2025-06", "yekaterinburg")):
        incident = find(catalogue, date=claim, places={place})
        assert incident.sources == (S001,), incident.id
        assert incident.corroboration == 1
        assert incident.date.precision == "month"


def test_the_kharkiv_consulate_strike_of_march_2022(catalogue: Catalogue) -> None:
    # 003: "a March 10, 2022 airstrike ... the Honorary Consulate in Kharkiv"; 004: "... in March 2022".
    strike = find(catalogue, places={"az-consulate-kharkiv"})
    assert strike.date == DateInterval.day(2022, 3, 10)
    assert set(strike.sources) == {S003, S004}
    assert strike.conflicts == ()  # a month and a day in it agree
    assert strike.type == "airstrike"


def test_the_kinzhal_strike_of_2_january_2024(catalogue: Catalogue) -> None:
    strike = find(catalogue, date="2024-01-02")
    assert "az-embassy-kyiv" in strike.places
    assert any("Kinzhal" in str(w) for w in strike.claimed("weapon"))
    assert set(strike.sources) == {S003, S004}


def test_the_azal_crash_is_known_to_the_month_only(catalogue: Catalogue) -> None:
    # 001: "in December 2024"; 004: "last December". No article gives the day.
    crash = find(catalogue, places={"azal-8243-crash-site"})
    assert crash.date == DateInterval.month(2024, 12)
    assert crash.date.precision == "month"
    assert set(crash.sources) == {S001, S004}
    assert crash.type == "aircraft crash"


def test_the_socar_depot_attacks_of_8_and_18_august_2025(catalogue: Catalogue) -> None:
    attacks = sorted((i for i in catalogue.incidents if "socar-depot-odesa" in i.places), key=lambda i: i.date)
    assert [i.date for i in attacks] == [DateInterval.day(2025, 8, 8), DateInterval.day(2025, 8, 18)]
    for attack in attacks:
        assert attack.type == "drone attack"
        assert set(attack.sources) == {S003, S004}


def test_the_14_november_2025_strike(catalogue: Catalogue) -> None:
    strike = find(catalogue, date="2025-11-14", places={"az-embassy-kyiv"})
    assert "institute-otolaryngology-kyiv" in strike.places
    assert set(strike.sources) == {S002, S003, S004}
    # Where the missile landed: "fell onto embassy grounds" (003's ministry), "the area surrounding the embassy" (002).
    (impact,) = [c for c in strike.conflicts if c.field == "impact"]
    sides = {(v["source"], v["value"]) for v in impact.values}
    assert (S002, "hit the area surrounding the embassy") in sides
    assert (S003, "fell onto embassy grounds") in sides
    for side in impact.values:
        assert any(e.source == side["source"] and e.quote == side["quote"] for e in strike.evidence)
    assert "impact:" in impact.summary() and S002 in impact.summary()
    # The 6 dead are the toll for all of Kyiv; the embassy's 0 is another scope: not a conflict.
    assert "killed" not in {c.field for c in strike.conflicts}


def test_only_the_14_november_strike_has_conflicting_claims(catalogue: Catalogue) -> None:
    conflicted = {i.id for i in catalogue.incidents if i.conflicts}
    assert conflicted == {find(catalogue, date="2025-11-14", places={"az-embassy-kyiv"}).id}


# --- Derivation on hand-built evidence -----------------------------------------------------------

def test_a_month_and_a_day_in_it_are_compatible_and_give_the_day() -> None:
    evidence = [ev("a", date="2022-03"), ev("b", date="2022-03-10")]
    assert derive_conflicts(evidence) == ()
    assert derive_date(evidence) == DateInterval.day(2022, 3, 10)
    assert derive_date(evidence[::-1]) == DateInterval.day(2022, 3, 10)


def test_disjoint_dates_conflict_and_give_the_span_covering_both() -> None:
    evidence = [ev("a", date="2025-08-28"), ev("b", date="2025-11-14")]
    (conflict,) = derive_conflicts(evidence)
    assert conflict.field == "date"
    assert {v["value"] for v in conflict.values} == {"2025-08-28", "2025-11-14"}
    assert derive_date(evidence) == DateInterval(date(2025, 8, 28), date(2025, 11, 14), "range")


def test_three_dates_where_two_agree_still_conflict() -> None:
    evidence = [ev("a", date="2024-12"), ev("b", date="2024-12-25"), ev("c", date="2025-01")]
    assert [c.field for c in derive_conflicts(evidence)] == ["date"]
    assert derive_date(evidence) == DateInterval(date(2024, 12, 1), date(2025, 1, 31), "range")


def test_no_date_claim_gives_no_date() -> None:
    assert derive_date([ev("a", weapon="missile")]) is None


@pytest.mark.parametrize(("a", "b"), [("missile", "Iskander missile"), ("Iskander missile", "ISKANDER-missile"),
                                      ("near the embassy", "Near the Embassy")])
def test_a_text_claim_contained_in_another_is_compatible(a: str, b: str) -> None:
    assert derive_conflicts([ev("x", weapon=a), ev("y", weapon=b)]) == ()


def test_different_impacts_conflict() -> None:
    grounds, around = ev("x", impact="fell onto embassy grounds"), ev("y", impact="hit the area surrounding the embassy")
    (conflict,) = derive_conflicts([grounds, around])
    assert conflict.field == "impact"
    assert [v["source"] for v in conflict.values] == ["x", "y"]


def test_one_source_disagreeing_with_itself_is_not_a_conflict_between_sources() -> None:
    assert derive_conflicts([ev("x", impact="fell onto embassy grounds"), ev("x", impact="hit by fragments")]) == ()


def test_casualty_numbers_are_compared_only_within_one_scope() -> None:
    embassy = ev("x", killed=0, casualties_scope="embassy")
    city = ev("y", killed=6, casualties_scope="Kyiv, whole overnight attack")
    assert derive_conflicts([embassy, city]) == ()
    # same numbers, different scopes: nothing to compare either
    assert derive_conflicts([ev("x", injured=0, casualties_scope="embassy"), ev("y", injured=0, casualties_scope="city")]) == ()
    # same scope, different numbers: a conflict
    (conflict,) = derive_conflicts([embassy, ev("y", killed=2, casualties_scope="embassy")])
    assert conflict.field == "killed"


def test_the_casualty_scope_does_not_hide_other_disagreements() -> None:
    # A scope says what the casualty numbers count; it does not make two impacts or two dates compatible.
    embassy = ev("x", impact="fell onto embassy grounds", date="2025-11-14", killed=0, casualties_scope="embassy")
    other = ev("y", impact="hit the area surrounding the embassy", date="2025-10-01")
    assert {c.field for c in derive_conflicts([embassy, other])} == {"impact", "date"}


claims = st.lists(
    st.tuples(st.sampled_from("abc"), st.dates(date(2024, 1, 1), date(2025, 12, 31)), st.booleans()), min_size=1, max_size=5
)


@given(claims)
def test_derived_date_and_date_conflicts_agree(claims: list[tuple[str, date, bool]]) -> None:
    evidence = [ev(s, date=d.isoformat() if is_day else d.strftime("%Y-%m")) for s, d, is_day in claims]
    intervals = [DateInterval.day(d.year, d.month, d.day) if is_day else DateInterval.month(d.year, d.month)
                 for _, d, is_day in claims]
    derived = derive_date(evidence)
    # Intervals on a line share a day iff every two of them overlap.
    if all(a.overlaps(b) for a in intervals for b in intervals):
        assert (derived.start, derived.end) == (max(i.start for i in intervals), min(i.end for i in intervals))
    else:
        assert derived.precision == "range"
        assert (derived.start, derived.end) == (min(i.start for i in intervals), max(i.end for i in intervals))
    disagree = any(
        sa != sb and not a.overlaps(b) for (sa, _, _), a in zip(claims, intervals, strict=True)
        for (sb, _, _), b in zip(claims, intervals, strict=True)
    )
    assert ("date" in {c.field for c in derive_conflicts(evidence)}) == disagree


# --- GeoDataFrames ------------------------------------------------------------------------------

def test_load_incidents_is_one_row_per_incident_in_wgs84(catalogue: Catalogue) -> None:
    frame = load_incidents()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert len(frame) == len(incident_entries())
    assert list(frame["id"]) == [e["id"] for e in incident_entries()]
    assert set(INCIDENT_COLUMNS) <= set(frame.columns)
    assert frame.attrs["problems"] == [] and frame.attrs["rejected"] == []
    for row in frame.itertuples():
        first = catalogue.places[row.places[0]]
        assert (row.geometry.x, row.geometry.y) == (first.lon, first.lat)
        assert row.corroboration == len({s["source"] for s in row.sources})
        assert date.fromisoformat(row.date_start) <= date.fromisoformat(row.date_end)


def test_place_and_district_frames(catalogue: Catalogue) -> None:
    places = places_frame(catalogue.places)
    assert places.crs.to_epsg() == 4326 and len(places) == len(catalogue.places)
    districts = districts_frame(catalogue.places)
    assert len(districts) == 10 and set(districts.geom_type) <= {"Polygon", "MultiPolygon"}
    assert all("OpenStreetMap" in r for r in districts["reference"])
