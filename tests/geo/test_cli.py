"""`python -m geo`: geocode, extract and incidents, in process and once as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from geo.cli import GEOCODE_FIELDS, main

pytestmark = pytest.mark.usefixtures("no_internet")

ROOT = Path(__file__).resolve().parents[2]
SEED_003 = ROOT / "seeds" / "003_553f20544c4195fd.txt"
INCIDENT_IDS = [e["id"] for e in yaml.safe_load((ROOT / "data" / "incidents.yaml").read_text(encoding="utf-8"))]
PROPERTIES = {
    "id", "title", "type", "date_start", "date_end", "date_precision", "places", "sources", "corroboration", "conflicts",
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- geocode ---------------------------------------------------------------------------------------

def test_geocode_json_prints_one_object_per_name_and_fails_on_a_missing_one() -> None:
    status, out, _ = run("geocode", "--json", "Kyiv", "Xyzzy")
    assert status == 1
    found, missing = json_lines(out)
    assert set(found) == set(GEOCODE_FIELDS) == {"query", "id", "name", "lat", "lon", "precision", "radius_m", "source"}
    assert (found["query"], found["id"], found["source"], found["precision"]) == ("Kyiv", "kyiv", "curated", "city")
    assert (found["lat"], found["lon"]) == pytest.approx((50.45, 30.52333))
    assert found["radius_m"] > 0
    assert missing["query"] == "Xyzzy" and missing["error"] and "id" not in missing


def test_geocode_exits_0_when_every_name_is_found() -> None:
    status, out, _ = run("geocode", "--json", "Kharkov", "Deshnykskyi", "Odessa")
    assert status == 0
    answers = json_lines(out)
    assert [a["id"] for a in answers[:2]] == ["kharkiv", "kyiv-desnianskyi"]
    assert answers[2]["id"].startswith("geonames:") and answers[2]["source"] == "geonames"


def test_geocode_country_option_and_plain_output() -> None:
    status, out, _ = run("geocode", "--country", "US", "Odessa")
    assert status == 0
    assert out.startswith("Odessa: Odessa (geonames:") and "[geonames]" in out
    assert round(float(out.split(") ")[1].split(",")[0])) == 32  # Odessa, Texas: 31.8 N
    status, out, _ = run("geocode", "Xyzzy")
    assert (status, out) == (1, "Xyzzy: not found\n")


# --- extract ---------------------------------------------------------------------------------------

def test_extract_json_lines_carry_exact_offsets() -> None:
    status, out, _ = run("extract", str(SEED_003), "--json")
    assert status == 0
    text = SEED_003.read_text(encoding="utf-8")
    lines = json_lines(out)
    assert {line["type"] for line in lines} == {"place", "date"}
    for line in lines:
        assert line["file"] == str(SEED_003)
        assert text[line["start"]:line["end"]] == line["text"]
    places = {(line["text"], line.get("place_id")) for line in lines if line["type"] == "place"}
    assert ("Institute of Otolaryngology", "institute-otolaryngology-kyiv") in places
    dates = {line["text"]: line["value"] for line in lines if line["type"] == "date"}
    assert dates["March 10, 2022"] == "2022-03-10"


def test_extract_reference_date_resolves_relative_dates(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("The crash last December near Aktau.", encoding="utf-8")
    _, out, _ = run("extract", str(article), "--json")
    assert [line["value"] for line in json_lines(out) if line["type"] == "date"] == [None]
    _, out, _ = run("extract", str(article), "--json", "--reference", "2025-11-14")
    assert [line["value"] for line in json_lines(out) if line["type"] == "date"] == ["2024-12"]
    status, out, _ = run("extract", str(article))
    assert status == 0 and "1 place mentions (1 places), 1 date expressions" in out


def test_extract_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    article = tmp_path / "latin1.txt"
    article.write_bytes("Kyiv, Lukianivka: Café".encode("latin-1"))
    status, out, err = run("extract", str(article))
    assert status == 2 and "UTF-8" in err and out == ""


# --- incidents -------------------------------------------------------------------------------------

def test_incidents_geojson_is_a_feature_collection_with_the_catalogue_properties() -> None:
    status, out, err = run("incidents", "--format", "geojson")
    assert status == 0 and err == ""
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["id"] for f in features] == INCIDENT_IDS
    for feature in features:
        props = feature["properties"]
        assert PROPERTIES <= props.keys()
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert props["date_start"] <= props["date_end"]
        assert props["date_precision"] in {"day", "month", "year", "range"}
        assert isinstance(props["places"], list) and props["places"]
        assert props["sources"] and all(set(s) == {"source", "quote"} for s in props["sources"])
        assert props["corroboration"] == len({s["source"] for s in props["sources"]})
        assert isinstance(props["conflicts"], list)
    by_id = {f["id"]: f for f in features}
    strike = by_id["embassy-kyiv-iskander-2025-11-14"]["properties"]
    assert [c["field"] for c in strike["conflicts"]] == ["impact"]
    embassy = by_id["embassy-kyiv-2025-08-28"]
    assert embassy["geometry"]["coordinates"] == [30.48914, 50.46085]  # the embassy, the incident's first place
    assert embassy["properties"]["date_start"] == embassy["properties"]["date_end"] == "2025-08-28"


def test_incidents_csv_has_one_row_per_incident() -> None:
    status, out, _ = run("incidents", "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == INCIDENT_IDS
    assert PROPERTIES | {"lat", "lon"} <= set(rows[0])
    for row in rows:
        sources = json.loads(row["sources"])
        assert all(set(s) == {"source", "quote"} for s in sources)
        assert int(row["corroboration"]) == len({s["source"] for s in sources})
        assert isinstance(json.loads(row["places"]), list) and isinstance(json.loads(row["conflicts"]), list)
        assert -90 <= float(row["lat"]) <= 90
    crash = next(r for r in rows if r["id"] == "azal-8243-crash-2024-12")
    assert (crash["date_start"], crash["date_end"], crash["date_precision"]) == ("2024-12-01", "2024-12-31", "month")


def test_geojson_and_csv_agree() -> None:
    features = json.loads(run("incidents")[1])["features"]
    rows = list(csv.DictReader(io.StringIO(run("incidents", "--format", "csv")[1])))
    for feature, row in zip(features, rows, strict=True):
        assert feature["id"] == row["id"]
        assert feature["geometry"]["coordinates"] == pytest.approx([float(row["lon"]), float(row["lat"])])
        assert feature["properties"]["sources"] == json.loads(row["sources"])


def test_geocode_without_names_exits_with_usage() -> None:
    with pytest.raises(SystemExit) as exc:
        run("geocode")
    assert exc.value.code == 2


def test_the_network_guard_used_by_these_tests_blocks_connections() -> None:
    with pytest.raises(AssertionError, match="tried to reach the network"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed anyway


# --- The module entry point ------------------------------------------------------------------------

def test_python_m_geo_runs_as_a_subprocess() -> None:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "geo", "geocode", "--json", "Kyiv"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    (answer,) = json_lines(result.stdout)
    assert answer["id"] == "kyiv" and answer["query"] == "Kyiv"


# --- datasets: validate FILE, convert, synth -------------------------------------------------------

ACLED_SAMPLE = ROOT / "tests" / "fixtures" / "acled_sample.csv"


def test_validate_a_dataset_lists_each_rejected_row_and_fails() -> None:
    status, out, err = run("validate", str(ACLED_SAMPLE))
    assert status == 1
    problems = out.splitlines()
    assert len(problems) == 6  # 4 rows rejected, 2 flagged (swapped coordinates; an id used again)
    assert any(line.endswith("acled_sample.csv:5: UKR100004: line 5: date '30 February 2025' is not a valid date "
                             "(or does not exist)") for line in problems)
    assert any(line.endswith("acled_sample.csv:10: UKR100001: warning: line 10: id 'UKR100001' is used again with "
                             "other content (first at line 2); kept as 'UKR100001-2'") for line in problems)
    assert "6 of 10 rows loaded, 4 rejected, 2 flagged" in err


def test_validate_an_unusable_dataset_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"lat,lon,date\n1,2,\xff\n")
    status, _, err = run("validate", str(bad))
    assert status == 1 and f"error: {bad}:2: not UTF-8 text" in err


def test_convert_writes_the_export_schema_and_reports_rejects(tmp_path: Path) -> None:
    target = tmp_path / "acled.geojson"
    status, _, err = run("convert", str(ACLED_SAMPLE), "--format", "geojson", "-o", str(target))
    assert status == 1 and err.count("rejected: ") == 4 and err.count("flagged: ") == 2
    collection = json.loads(target.read_text(encoding="utf-8"))
    assert len(collection["features"]) == 6
    assert PROPERTIES <= set(collection["features"][0]["properties"])
    status, out, _ = run("validate", str(target))
    assert status == 0 and "6 of 6 rows loaded, 0 rejected, 1 flagged" in out  # the swapped point, still odd


def test_synth_is_deterministic_and_loads_cleanly(tmp_path: Path) -> None:
    one, two = tmp_path / "one.geojson", tmp_path / "two.csv"
    assert run("synth", "--count", "300", "--seed", "3", "-o", str(one))[0] == 0
    assert run("synth", "--count", "300", "--seed", "3", "--format", "csv", "-o", str(two))[0] == 0
    assert run("validate", str(one), str(two))[0] == 0
    _, out, _ = run("synth", "--count", "300", "--seed", "3")
    assert out == one.read_text(encoding="utf-8")
