"""Importing datasets: GeoJSON and CSV in the export's schema, ACLED exports, plain CSV; bad rows are counted, not lost."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo
from geo.export import csv_text, geojson_text, to_geojson
from geo.imports import detect_format, read_incidents
from geo.problems import DataError
from geo.synthetic import synthetic_incidents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACLED = FIXTURES / "acled_sample.csv"


@pytest.fixture(scope="module")
def bundled() -> dict:
    return to_geojson(geo.load_incidents())


@pytest.fixture(scope="module")
def acled():
    return read_incidents(ACLED)


def by_id(result) -> dict:
    return {row["id"]: row for row in result.frame.to_dict("records")}


# ---- round trips --------------------------------------------------------------------------------

@pytest.mark.parametrize("writer", [geojson_text, csv_text], ids=["geojson", "csv"])
def test_the_export_round_trips_exactly(tmp_path: Path, bundled: dict, writer) -> None:
    path = tmp_path / ("incidents.geojson" if writer is geojson_text else "incidents.csv")
    path.write_text(writer(geo.load_incidents()), encoding="utf-8")
    result = read_incidents(path)
    assert result.format == ("geojson" if writer is geojson_text else "export-csv")
    assert (result.rows, len(result.rejected), result.problems) == (len(bundled["features"]), 0, [])
    assert to_geojson(result.frame) == bundled


def test_a_pretty_printed_feature_collection_loads_too(tmp_path: Path, bundled: dict) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(bundled, indent=2, ensure_ascii=False), encoding="utf-8")
    assert to_geojson(read_incidents(path).frame) == bundled


def test_the_geojson_export_is_one_feature_per_line(bundled: dict) -> None:
    text = geojson_text(geo.load_incidents())
    lines = text.splitlines()
    assert len(lines) == len(bundled["features"]) + 2
    assert json.loads(text) == json.loads(json.dumps(bundled))
    assert all(json.loads(line.rstrip(","))["type"] == "Feature" for line in lines[1:-1])


# ---- ACLED --------------------------------------------------------------------------------------

def test_acled_rows_load_and_bad_rows_are_rejected_with_their_lines(acled) -> None:
    assert acled.format == "acled"
    assert acled.rows == 10
    assert sorted(acled.frame["id"]) == ["UKR100001", "UKR100001-2", "UKR100002", "UKR100003", "UKR100006", "UKR100009"]
    assert acled.loaded + len(acled.rejected) == acled.rows
    found = {(p.line, p.entry): p.message for p in acled.problems}
    assert "not a valid date" in found[(5, "UKR100004")]
    assert "(0, 0)" in found[(6, "UKR100005")]
    assert "out of range" in found[(8, "UKR100007")] and "swapped" in found[(8, "UKR100007")]
    assert "no usable latitude/longitude" in found[(9, "UKR100008")]
    # An id used again with other content is kept under a new id, with a warning (--duplicates reject rejects it).
    assert "is used again with other content (first at line 2); kept as 'UKR100001-2'" in found[(10, "UKR100001")]
    assert "look swapped" in found[(7, "UKR100006")]
    assert {p.entry for p in acled.problems if p.severity == "error"} == {"UKR100004", "UKR100005", "UKR100007", "UKR100008"}
    assert all(str(p).startswith(f"{p.file}:{p.line}: {p.entry}: {'warning: ' * (p.severity == 'warning')}line {p.line}: ")
               for p in acled.problems)


def test_acled_dates_in_both_styles_and_precision_codes(acled) -> None:
    rows = by_id(acled)
    day, week, month = rows["UKR100001"], rows["UKR100002"], rows["UKR100003"]
    assert (day["date_start"], day["date_end"], day["date_precision"]) == ("2022-04-15", "2022-04-15", "day")
    assert (week["date_start"], week["date_end"], week["date_precision"]) == ("2022-04-13", "2022-04-19", "week")
    assert week["date_label"] == "week of 13 April 2022"
    assert (month["date_start"], month["date_end"], month["date_precision"]) == ("2024-01-01", "2024-01-31", "month")
    assert [(r["precision"], r["radius_m"]) for r in (day, week, month)] == [
        ("city", 5_000.0), ("district", 25_000.0), ("region", 100_000.0)]


def test_acled_columns_map_onto_the_schema(acled) -> None:
    row = by_id(acled)["UKR100001"]
    assert row["type"] == "Explosions/Remote violence"
    assert row["title"] == "Shelling/artillery/missile attack in Kharkiv"
    assert row["place_names"] == ["Kharkiv", "Kharkivskyi", "Kharkiv", "Ukraine"]
    assert [s["source"] for s in row["sources"]] == ["Ukrainska Pravda", "Suspilne"]
    assert row["corroboration"] == 2
    assert row["casualties"] == ["2 killed (ACLED fatalities)"]
    assert row["actor1"] == "Military Forces of Russia (2000-)" and row["description"].startswith("On 15 April 2022")
    assert (row["geometry"].y, row["geometry"].x) == (49.9808, 36.2527)
    multiline = by_id(acled)["UKR100009"]
    assert multiline["description"].endswith("line break inside the cell.") and multiline["location"] == 'Lviv, "old town"'


# ---- plain CSV ----------------------------------------------------------------------------------

PLAIN = """Lat,Lng,Date,what,who
50.45,30.52,2024-01-02,strike,someone
50.45,30.52,2025-02-30,impossible day,x
95,30.52,2024-01-02,out of range,x
50.45,30.52,,no date,x
50.45,30.52,2022-03,a month,x

48.5,35.0,15 April 2022,ACLED style day,y
"""


def test_a_plain_csv_keeps_its_free_columns_and_names_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(PLAIN, encoding="utf-8")
    result = read_incidents(path)
    assert result.format == "csv"
    assert (result.rows, len(result.frame), len(result.rejected)) == (6, 3, 3)
    # The date column is kept as written beside the days read from it; the other free columns as they are.
    assert result.extra_columns == ["Date", "what", "who"]
    # Rows without an id are named by their position; their problems by their line.
    assert {(p.line, p.entry) for p in result.problems} == {(3, None), (4, None), (5, None)}
    assert result.rejected == ["row-2", "row-3", "row-4"]
    rows = {r["what"]: r for r in result.frame.to_dict("records")}
    assert rows["a month"]["date_precision"] == "month" and rows["a month"]["date_end"] == "2022-03-31"
    assert rows["ACLED style day"]["date_start"] == "2022-04-15"
    assert rows["strike"]["id"] == "row-1"  # rows without ids are named by position


def test_detect_format() -> None:
    assert detect_format("x.geojson", b"") == "json"  # which JSON schema, the document itself tells
    assert detect_format("x.txt", b'  {"type": "FeatureCollection"') == "json"
    assert detect_format("x.csv", b"id,year,date_prec,where_prec,latitude,longitude,date_start,date_end\n") == "ucdp-ged"
    assert detect_format("x.csv", b"entry,date,event_group,title,lat,lon,link\n") == "cir"
    assert detect_format("x.CSV", b"\t".join([b"1", b"20240101"] + [b""] * 56) + b"\n") == "gdelt"
    assert detect_format("x.csv", b"event_id_cnty,event_date,latitude,longitude\n") == "acled"
    assert detect_format("x.csv", b"\xef\xbb\xbfid,title,date_start,date_end,sources,lat,lon\n") == "export-csv"
    assert detect_format("x.csv", b"lat,lon,date\n") == "csv"


# ---- unusable files -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "content", "line", "message"),
    [
        ("bad.csv", b"lat,lon,date\n1,2,2024-01-01\n3,4,2024-01-\xff02\n", 3, "not UTF-8"),
        ("bad.csv", b"latitude,when\n1,2024-01-01\n", 1, "no longitude column"),
        ("bad.csv", b"", 1, "empty"),
        ("bad.geojson", b'{"type": "FeatureCollection",\n "features": [\n {"type": "Feature",}\n]}', 3, "JSON syntax error"),
        ("bad.geojson", b'{"type": "Topology"}', 1, "not a JSON format this tool knows"),
        ("bad.csv", b"lat,lon,date,lat\n1,2,2024-01-01,3\n", 1, "used twice"),
    ],
)
def test_an_unusable_file_is_one_clear_error(tmp_path: Path, name: str, content: bytes, line: int, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_incidents(path)
    (problem,) = caught.value.problems
    assert problem.line == line and message in problem.message and problem.file.endswith(name)


def test_a_broken_line_in_a_line_per_feature_file_costs_only_its_feature(tmp_path: Path) -> None:
    lines = geojson_text(geo.load_incidents()).splitlines()
    lines[3] = lines[3][:40] + "}}},"  # truncated feature on line 4
    path = tmp_path / "broken.geojson"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = read_incidents(path)
    assert (result.rows, len(result.frame), len(result.rejected)) == (len(lines) - 2, len(lines) - 3, 1)
    (problem,) = result.problems
    assert problem.line == 4 and "feature 3: JSON syntax error" in problem.message


def test_a_truncated_line_per_feature_file_is_refused(tmp_path: Path) -> None:
    lines = geojson_text(geo.load_incidents()).splitlines()
    path = tmp_path / "truncated.geojson"
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="not closed"):
        read_incidents(path)


def test_features_that_are_not_points_or_lack_dates_are_rejected(tmp_path: Path) -> None:
    def feature(props: dict, geometry: dict | None = None) -> dict:
        return {"type": "Feature", "geometry": geometry or {"type": "Point", "coordinates": [30, 50]}, "properties": props}

    features = [
        feature({"id": "a", "date_start": "2024-01-01"}, {"type": "LineString", "coordinates": [[0, 1], [2, 3]]}),
        feature({"id": "b"}),
        feature({"id": "c", "date_start": "2024-01-05", "date_end": "2024-01-01"}),
        feature({"id": "d", "date_start": "2024-01-05", "sources": ["Reuters", {"source": "AP", "quote": "q"}]}),
    ]
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = read_incidents(path)
    messages = {p.entry: p.message for p in result.problems}
    assert "feature 1: geometry is not a GeoJSON Point" in messages["a"]
    assert "feature 2: no date" in messages["b"]
    assert "before the start" in messages["c"]
    (row,) = result.frame.to_dict("records")
    assert row["id"] == "d" and row["sources"] == [{"source": "Reuters", "quote": ""}, {"source": "AP", "quote": "q"}]
    assert row["corroboration"] == 2


# ---- properties ---------------------------------------------------------------------------------

cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-200, 200).map(str),
    st.sampled_from(["", "0", "abc", "50.5", "-0", "1e3"]),
)
dates = st.one_of(
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(str), st.sampled_from(["2025-02-30", "2024-13", "x", "", "2023"])
)


@settings(max_examples=50)
@given(st.lists(st.tuples(cells, cells, dates, st.text(max_size=8)), max_size=25))
def test_every_row_is_either_loaded_or_rejected(rows: list[tuple[str, str, str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["latitude", "longitude", "date", "note"])
    writer.writerows(rows)
    result = read_incidents(out.getvalue().encode("utf-8"), "rows.csv")
    assert len(result.frame) + len(result.rejected) == result.rows
    assert len(set(result.rejected)) == len(result.rejected)
    for row in result.frame.itertuples():
        assert -90 <= row.geometry.y <= 90 and -180 <= row.geometry.x <= 180
        assert (row.geometry.y, row.geometry.x) != (0, 0)
        assert date.fromisoformat(row.date_start) <= date.fromisoformat(row.date_end)


# ---- the synthetic set --------------------------------------------------------------------------

def test_the_synthetic_set_is_deterministic_and_realistic() -> None:
    first, again = synthetic_incidents(2_000, seed=7), synthetic_incidents(2_000, seed=7)
    other = synthetic_incidents(2_000, seed=8)
    assert geojson_text(first) == geojson_text(again) != geojson_text(other)
    assert len(first) == 2_000 and first["id"].is_unique
    assert "2022-02-01" <= first["date_start"].min() and first["date_end"].max() <= "2026-02-28"
    assert set(first["date_precision"]) == {"day", "week", "month"}
    assert first.geometry.y.between(44, 54).all() and first.geometry.x.between(21, 41).all()
    # Clustered: most incidents lie within 20 km of another one.
    projected = first.to_crs("EPSG:3857")
    nearest = projected.sjoin_nearest(projected, how="left", exclusive=True, distance_col="d")["d"]
    assert (nearest < 20_000).mean() > 0.9


@pytest.mark.parametrize("count", [0, 1, 7, 250])
def test_synthetic_sets_stream_in_chunks_to_the_same_bytes(count: int) -> None:
    from geo.export import write_csv, write_geojson
    from geo.synthetic import synthetic_frames

    whole = synthetic_incidents(count, seed=3)
    for write, text in ((write_geojson, geojson_text), (write_csv, csv_text)):
        out = io.StringIO()
        write(synthetic_frames(count, seed=3, chunk_rows=3), out)
        assert out.getvalue() == text(whole)


def test_synth_streams_a_file_the_frame_would_give(tmp_path) -> None:
    from geo.cli import main

    for fmt, text in (("geojson", geojson_text), ("csv", csv_text)):
        path = tmp_path / f"s.{fmt}"
        assert main(["synth", "--count", "120", "--seed", "5", "--format", fmt, "-o", str(path)]) == 0
        expected = text(synthetic_incidents(120, seed=5))
        assert path.read_text(encoding="utf-8") == expected + ("\n" if fmt == "geojson" else "")
