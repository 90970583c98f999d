"""Every known format, from a small fixture written by hand from its public description (tests/fixtures/formats/).

For each: the format is told from the file alone, every row loads, the schema's fields hold what the fixture
says (checked against values written here, not read back from the code), every other column is kept as written,
and the incidents survive a round trip through this tool's GeoJSON export unchanged.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import geo
from geo.imports import detect_format
from geo.imports.schemas import GDELT_COLUMNS

FORMATS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "formats"

# file → (format told, rows, {id: {field: value}}, {extra column: {id: value as written}}); an empty CSV cell
# stays an empty text, as written, and a JSON key that is absent is None.
EXPECTED = {
    "acled_2022.csv": ("acled", 4, {
        "UKR90001": {"date_start": "2022-04-15", "date_end": "2022-04-15", "date_precision": "day",
                     "type": "Explosions/Remote violence", "title": "Shelling/artillery/missile attack in Kyiv - Shevchenkivskyi",
                     "place_names": ["Kyiv - Shevchenkivskyi", "Kyiv", "Kyiv City", "Ukraine"], "precision": "city",
                     "radius_m": 5_000.0, "sources": ["Kyiv Independent", "Ukrainska Pravda"], "corroboration": 2,
                     "casualties": ["1 killed (ACLED fatalities)"],
                     "description": "On 15 April 2022, Russian forces fired a missile at a plant in Kyiv - Shevchenkivskyi. "
                                    "1 fatality reported."},
        # time_precision 2: the week around the day; geo_precision 2: part of a region.
        "UKR90002": {"date_start": "2022-04-17", "date_end": "2022-04-23", "date_precision": "week",
                     "precision": "district", "radius_m": 25_000.0, "sources": ["Suspilne"], "corroboration": 1},
        # time_precision 3: the month; geo_precision 3: a region.
        "UKR90003": {"date_start": "2022-05-01", "date_end": "2022-05-31", "date_precision": "month",
                     "type": "Battles", "precision": "region", "radius_m": 100_000.0,
                     "casualties": ["4 killed (ACLED fatalities)"]},
    }, {"inter1": {"UKR90001": "8", "UKR90004": "6"}, "event_date": {"UKR90002": "20 April 2022"},
        "source_scale": {"UKR90002": "Subnational"}, "iso3": {"UKR90003": "UKR"}, "admin3": {"UKR90002": "Kharkivska"}}),
    "acled_2024.csv": ("acled", 3, {
        "UKR91001": {"date_start": "2024-01-02", "date_precision": "day", "corroboration": 2,
                     "sources": ["Kyiv Independent", "Reuters"], "casualties": ["2 killed (ACLED fatalities)"]},
        "UKR91002": {"date_start": "2024-03-12", "date_end": "2024-03-18", "date_precision": "week",
                     "title": "Air/drone strike in Odesa", "radius_m": 25_000.0},
        "UKR91003": {"date_start": "2024-06-01", "date_end": "2024-06-30", "type": "Protests"},
    }, {"disorder_type": {"UKR91001": "Political violence", "UKR91003": "Demonstrations"},
        "civilian_targeting": {"UKR91001": "Civilian targeting", "UKR91002": ""},
        "inter1": {"UKR91001": "State forces"}, "interaction": {"UKR91001": "State forces-Civilians"},
        "tags": {"UKR91002": "crowd size=no report", "UKR91001": ""}, "event_date": {"UKR91002": "2024-03-15"}}),
    "ucdp_ged.csv": ("ucdp-ged", 4, {
        "700001": {"date_start": "2022-03-01", "date_end": "2022-03-01", "type": "state-based conflict",
                   "precision": "site", "radius_m": 1_000.0, "place_names": ["Kharkiv town", "Kharkiv raion",
                                                                              "Kharkiv oblast", "Ukraine"],
                   "casualties": ["7 killed (UCDP best estimate; low 6, high 9)"],
                   "sources": ["Reuters,2022-03-01,Shelling hits Kharkiv", "AFP,2022-03-02,Kharkiv under fire"]},
        # date_start..date_end: a range of days; where_prec 3: a second-order division.
        "700002": {"date_start": "2022-04-04", "date_end": "2022-04-10", "date_precision": "range",
                   "precision": "district", "radius_m": 50_000.0},
        "700003": {"type": "one-sided violence", "radius_m": 25_000.0},
        # date_prec 4 over a whole calendar month: that month, not thirty days.
        "700004": {"date_start": "2022-06-01", "date_end": "2022-06-30", "date_precision": "month",
                   "date_label": "June 2022"},
    }, {"where_prec": {"700002": "3"}, "date_prec": {"700002": "4"}, "best": {"700001": "7"},
        "deaths_civilians": {"700001": "5"}, "dyad_name": {"700003": "Government of Russia (Soviet Union) - Civilians"},
        "date_start_2": {"700002": "2022-04-04"}, "gwnob": {"700003": ""}}),
    "cir.csv": ("cir", 4, {
        # US dates: 03/24/2022 settles the column as month-first, so 03/02/2022 is 2 March.
        "CIR-0001": {"date_start": "2022-03-02", "type": "Bombing", "title": "Strike near the TV tower",
                     "weapon": "Missile", "place_names": ["Kyiv", "Shevchenkivskyi", "Kyiv", "Ukraine"],
                     "sources": ["https://t.me/examplechannel/101", "https://twitter.com/example_osint/status/1"],
                     "corroboration": 2, "location_evidence": ["https://maps.example.org/geo/cir-0001"],
                     "description": "Footage shows a strike near the TV tower; smoke over Dorohozhychi."},
        "CIR-0002": {"date_start": "2022-03-24", "sources": [], "corroboration": 0, "location_evidence": []},
        "CIR-0003": {"date_start": "2022-04-05", "corroboration": 2, "sources": [
            "https://www.facebook.com/example.page/posts/3", "https://example-news.com.ua/article-3"]},
        "CIR-0004": {"date_start": "2022-05-09", "graphic": True},
    }, {"violence level": {"CIR-0001": "High", "CIR-0003": "Low"}, "link": {"CIR-0002": "HIDDEN"},
        "date": {"CIR-0002": "03/24/2022"}, "province": {"CIR-0003": "Mykolaiv"}}),
    "gdelt1_57.CSV": ("gdelt", 3, {
        "1000000001": {"date_start": "2022-03-01", "type": "Fight", "precision": "city", "radius_m": 10_000.0,
                       "place_names": ["Kharkiv, Kharkivs'ka Oblast', Ukraine"], "sources": [], "corroboration": 0},
        "1000000002": {"type": "Express intent to cooperate", "precision": "country", "radius_m": 500_000.0},
        "1000000003": {"type": "Assault", "precision": "region", "radius_m": 150_000.0},
    }, {"EventCode": {"1000000001": "195"}, "Actor1Name": {"1000000003": "RUSSIA"}, "DATEADDED": {"1000000002": "20220302"},
        "GoldsteinScale": {"1000000001": "-10.0"}}),
    "gdelt1_58.CSV": ("gdelt", 3, {
        "1000000001": {"date_start": "2022-03-01", "sources": ["https://www.example-news.com/world/kharkiv-shelling-1"],
                       "corroboration": 1},
        "1000000003": {"sources": ["https://www.example-news.com/world/odesa-depot"]},
    }, {"SOURCEURL": {"1000000002": "https://another-example.org/kyiv-talks"}}),
    "gdelt2.export.CSV": ("gdelt", 3, {
        "1000000001": {"date_start": "2022-03-01", "type": "Fight", "radius_m": 10_000.0,
                       "sources": ["https://www.example-news.com/world/kharkiv-shelling-1"]},
        "1000000002": {"date_start": "2022-03-02", "sources": ["https://another-example.org/kyiv-talks"]},
    }, {"ActionGeo_ADM2Code": {"1000000001": "UP07001", "1000000002": ""}, "DATEADDED": {"1000000003": "20220303101500"}}),
    "bellingcat.json": ("bellingcat", 3, {
        # Dates MM/DD/YYYY as the schema says, whatever the days are.
        "CIV0001": {"date_start": "2022-03-01", "place_names": ["Kharkiv, Kharkiv Oblast"], "weapon": "Missile",
                    "sources": ["https://t.me/examplechannel/555", "https://twitter.com/example_user/status/2"],
                    "corroboration": 2,
                    "description": "Video shows a strike on the regional administration building on Freedom Square."},
        "CIV0002": {"date_start": "2022-03-16", "weapon": "Unknown"},
        # Its one source is withheld ("HIDDEN"): no link, no corroboration.
        "CIV0003": {"date_start": "2022-04-08", "sources": [], "corroboration": 0},
    }, {"Type of area affected": {"CIV0001": "Commercial", "CIV0002": "Residential; Cultural", "CIV0003": None},
        "date": {"CIV0002": "03/16/2022"}}),
}
TIMEMAP = ("timemap", 3, {
    "EV1": {"date_start": "2022-02-24", "time": "05:40", "type": "Shelling", "place_names": ["Kharkiv"],
            "sources": ["https://t.me/examplechannel/700"], "description": "Shelling reported near the railway depot."},
    "EV2": {"date_start": "2022-04-03", "time": None, "type": "Airstrike", "corroboration": 2,
            "sources": ["https://example-news.com.ua/odesa-depot", "https://twitter.com/example_user/status/3"]},
    "EV3": {"date_start": "2022-05-17", "type": "unspecified", "sources": [], "corroboration": 0},
}, {"narratives": {"EV1": ["First day of the invasion"], "EV2": []}, "filters": {"EV1": ["Shelling"]},
    "date": {"EV3": "05/17/2022"}})
EXPECTED["timemap"] = TIMEMAP  # the API's three files in a folder
EXPECTED["timemap.json"] = TIMEMAP  # the same three in one document


def _plain(value: object) -> object:
    """Return a cell as comparable Python: NaN is None, arrays are lists, sources are their names."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    return value


def _read(name: str) -> geo.ImportResult:
    return geo.read_incidents(FORMATS_DIR / name, name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_format_is_told_from_the_file_and_read_faithfully(name: str) -> None:
    kind, rows, fields, extra = EXPECTED[name]
    result = _read(name)
    assert result.format == kind
    assert (result.rows, result.loaded, len(result.rejected)) == (rows, rows, 0)
    assert not [p for p in result.problems if p.severity == "error"]
    frame = result.frame.set_index("id")
    for ident, expected in fields.items():
        row = frame.loc[ident]
        for field, value in expected.items():
            got = _plain(row[field])
            if field == "sources":
                got = [s["source"] for s in got]
                assert all(s["quote"] == "" for s in row["sources"])  # no passage is invented for an import
            assert got == value, (ident, field)
    for column, values in extra.items():
        assert column in result.extra_columns, column
        for ident, value in values.items():
            assert _plain(frame.loc[ident, column]) == value, (column, ident)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_format_survives_a_round_trip_through_the_export(name: str) -> None:
    first = _read(name).frame
    back = geo.read_incidents(geo.geojson_text(first).encode("utf-8"), "round-trip.geojson")
    assert back.format == "geojson" and not back.problems and back.rows == len(first)
    second = back.frame
    assert list(second.columns) == list(first.columns)  # every schema field and every kept column, in order
    for column in first.columns:
        if column == "geometry":
            assert first.geometry.x.round(6).tolist() == second.geometry.x.round(6).tolist()
            assert first.geometry.y.round(6).tolist() == second.geometry.y.round(6).tolist()
        else:
            assert [_plain(v) for v in first[column]] == [_plain(v) for v in second[column]], column


def test_the_fixture_coordinates_are_where_the_fixture_puts_them() -> None:
    frame = _read("cir.csv").frame.set_index("id")
    assert (frame.loc["CIR-0001"].geometry.y, frame.loc["CIR-0001"].geometry.x) == (50.4727, 30.4487)
    frame = _read("gdelt2.export.CSV").frame.set_index("id")  # ActionGeo, not the actors' places
    assert (frame.loc["1000000001"].geometry.y, frame.loc["1000000001"].geometry.x) == (49.9808, 36.2527)
    frame = _read("bellingcat.json").frame.set_index("id")  # strings in the file, numbers here
    assert (frame.loc["CIV0002"].geometry.y, frame.loc["CIV0002"].geometry.x) == (47.0958, 37.5494)


# The GDELT 1.0 event codebook's columns, in file order (the files have no header).
GDELT_1_CODEBOOK = """GLOBALEVENTID SQLDATE MonthYear Year FractionDate
Actor1Code Actor1Name Actor1CountryCode Actor1KnownGroupCode Actor1EthnicCode Actor1Religion1Code Actor1Religion2Code
Actor1Type1Code Actor1Type2Code Actor1Type3Code
Actor2Code Actor2Name Actor2CountryCode Actor2KnownGroupCode Actor2EthnicCode Actor2Religion1Code Actor2Religion2Code
Actor2Type1Code Actor2Type2Code Actor2Type3Code
IsRootEvent EventCode EventBaseCode EventRootCode QuadClass GoldsteinScale NumMentions NumSources NumArticles AvgTone
Actor1Geo_Type Actor1Geo_FullName Actor1Geo_CountryCode Actor1Geo_ADM1Code Actor1Geo_Lat Actor1Geo_Long Actor1Geo_FeatureID
Actor2Geo_Type Actor2Geo_FullName Actor2Geo_CountryCode Actor2Geo_ADM1Code Actor2Geo_Lat Actor2Geo_Long Actor2Geo_FeatureID
ActionGeo_Type ActionGeo_FullName ActionGeo_CountryCode ActionGeo_ADM1Code ActionGeo_Lat ActionGeo_Long ActionGeo_FeatureID
DATEADDED""".split()


def test_gdelt_columns_are_the_codebooks() -> None:
    # 1.0: 57 columns in the backfiles, SOURCEURL added as the 58th in the daily files. 2.0 adds an ADM2Code
    # after each place's ADM1Code (61 with SOURCEURL).
    assert GDELT_COLUMNS[57] == GDELT_1_CODEBOOK
    assert GDELT_COLUMNS[58] == [*GDELT_1_CODEBOOK, "SOURCEURL"]
    with_adm2 = []
    for column in GDELT_1_CODEBOOK:
        with_adm2.append(column)
        if column.endswith("Geo_ADM1Code"):
            with_adm2.append(column.replace("ADM1", "ADM2"))
    assert GDELT_COLUMNS[61] == [*with_adm2, "SOURCEURL"]


@pytest.mark.parametrize(("name", "told"), [
    ("acled_2022.csv", "acled"), ("ucdp_ged.csv", "ucdp-ged"), ("cir.csv", "cir"), ("gdelt1_58.CSV", "gdelt"),
    ("gdelt2.export.CSV", "gdelt"), ("bellingcat.json", "json"),
])
def test_a_format_is_told_from_its_first_line(name: str, told: str) -> None:
    assert detect_format(name, (FORMATS_DIR / name).read_bytes()[:4096]) == told


def test_a_timemap_events_file_alone_is_refused_with_a_hint(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "sources.json").write_text("[]")
    with pytest.raises(geo.DataError, match=r"needs events\.json"):
        geo.read_incidents(folder)


def test_every_format_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for label in ("ACLED CSV", "UCDP GED CSV", "CIR Russia–Ukraine monitor CSV", "GDELT 1.0", "Bellingcat civilian-harm JSON",
                  "TimeMap export", "any CSV or JSON list of records"):
        assert label in readme, label
    assert {kind for kind, *_ in EXPECTED.values()} == set(geo.FORMATS) - {"geojson", "export-csv",
                                                                                             "csv", "json"}
