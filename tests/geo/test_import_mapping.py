"""Column mappings, source cells, duplicates and plausibility warnings of an import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo import DataError, ImportOptions, read_incidents
from geo.cli import main
from geo.imports import guess_mapping, mapping_file_for, parse_map_options, read_mapping_file
from geo.imports.links import outlet, split_links, split_outlets


def test_common_names_are_guessed_once_each() -> None:
    mapping = guess_mapping(["Entry", "Headline", "Brief Description", "Link", "Latitude", "lng", "event_date",
                             "event_group", "town/city", "geolocation", "notes"])
    assert mapping == {"id": "Entry", "date": "event_date", "lat": "Latitude", "lon": "lng", "title": "Headline",
                       "description": "Brief Description", "type": "event_group", "sources": "Link",
                       "place": "town/city", "geolocation": "geolocation"}


def test_map_options_are_checked() -> None:
    assert parse_map_options(["date=Event Date", "ID = entry"]) == {"date": "Event Date", "id": "entry"}
    with pytest.raises(ValueError, match="unknown field 'when'"):
        parse_map_options(["when=Date"])
    with pytest.raises(ValueError, match="FIELD=COLUMN"):
        parse_map_options(["date"])
    assert parse_map_options(["weapon="]) == {"weapon": ""}  # from no column


def test_several_links_in_a_cell_become_several_sources_and_placeholders_stay_text() -> None:
    assert split_links("https://a.org/1; https://b.org/2 | https://c.org/x,y,https://d.org/4, https://a.org/1") == [
        "https://a.org/1", "https://b.org/2", "https://c.org/x,y", "https://d.org/4"]
    assert split_links('["https://a.org/1", "HIDDEN"]') == ["https://a.org/1"]
    assert split_links("HIDDEN") == [] and split_links(None) == [] and split_links("n/a") == []
    assert split_links("see (https://a.org/1). and https://w.org/A_(b)") == ["https://a.org/1", "https://w.org/A_(b)"]
    assert split_links("javascript:alert(1) ftp://x.org/ HTTPS://Upper.org/x") == ["HTTPS://Upper.org/x"]
    assert split_outlets("Kyiv Independent; n/a; Reuters; Kyiv Independent") == ["Kyiv Independent", "Reuters"]


def test_an_outlet_is_a_domain_or_a_channel() -> None:
    assert outlet("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert outlet("https://t.me/s/Channel/12") == "t.me/channel" and outlet("https://t.me/channel/13") == "t.me/channel"
    assert outlet("https://twitter.com/someone/status/1") == "twitter.com/someone"
    assert outlet("Reuters") == "Reuters"


MONITOR = """entry,date,headline,Latitude,Longitude,link,category,notes
e1,13/04/2022,Strike on a depot,46.48,30.73,"https://a.org/1 https://a.org/2, https://t.me/chan/5",strike,first
e2,14/04/2022,Shelling,49.98,36.25,HIDDEN,shelling,second
e3,15/04/2022,Another,50.45,30.52,n/a,strike,third
"""


def test_a_link_column_becomes_sources_counted_by_outlet(tmp_path: Path) -> None:
    path = tmp_path / "monitor.csv"
    path.write_text(MONITOR, encoding="utf-8")
    result = read_incidents(path)
    rows = {r["id"]: r for r in result.frame.to_dict("records")}
    assert [s["source"] for s in rows["e1"]["sources"]] == ["https://a.org/1", "https://a.org/2", "https://t.me/chan/5"]
    assert rows["e1"]["corroboration"] == 2  # two outlets: a.org and t.me/chan
    assert rows["e2"]["sources"] == [] and rows["e2"]["corroboration"] == 0  # a placeholder is no source
    assert rows["e2"]["link"] == "HIDDEN"  # ...and stays as text, beside
    assert rows["e1"]["type"] == "strike" and rows["e1"]["title"] == "Strike on a depot"
    assert rows["e1"]["description"] == "first" and "notes" not in result.extra_columns
    assert result.mapping["id"] == "entry" and result.mapping["sources"] == "link"


def test_a_mapping_from_the_command_line_and_from_a_file_beside_the_data(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("ref,when,N,E,what\nx1,2022-03-01,50.4,30.5,strike\nx2,2022-03-02,50.5,30.6,shelling\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_incidents(path)
    assert "--map lat=COLUMN" in caught.value.problems[0].message
    options = ImportOptions(parse_map_options(["lat=N", "lon=E", "date=when", "id=ref", "type=what"]))
    assert list(read_incidents(path, options=options).frame["id"]) == ["x1", "x2"]
    mapping_file_for(path).write_text("map:\n  lat: N\n  lon: E\n  date: when\n  id: ref\n", encoding="utf-8")
    result = read_incidents(path)
    assert list(result.frame["id"]) == ["x1", "x2"] and "odd.mapping.yaml" in str(result.problems[0])
    with pytest.raises(DataError, match="no column 'nope'"):
        read_incidents(path, options=ImportOptions({"type": "nope"}))
    assert read_mapping_file(mapping_file_for(path)).mapping["lat"] == "N"


def test_exact_repeats_merge_and_other_content_is_suffixed_or_rejected() -> None:
    raw = (b"id,date,lat,lon,title\na,2022-03-01,50.4,30.5,T\na,2022-03-01,50.4,30.5,T\n"
           b"a,2022-03-02,50.4,30.5,T\na-2,2022-03-03,50.4,30.5,U\n")
    result = read_incidents(raw, "d.csv")
    assert sorted(result.frame["id"]) == ["a", "a-2", "a-3"] and result.merged == 1
    assert result.loaded + len(result.rejected) == result.rows == 4
    assert {p.code for p in result.warnings} == {"duplicate_merged", "duplicate_id"}
    strict = read_incidents(raw, "d.csv", options=ImportOptions(duplicates="reject"))
    assert sorted(strict.frame["id"]) == ["a", "a-2"] and strict.rejected == ["a"] and strict.merged == 1


def test_plausibility_warnings_flag_rows_without_rejecting_them() -> None:
    lines = ["id,date,lat,lon"] + [f"k{i},2022-03-{i + 1:02d},{50 + i / 100},{30 + i / 100}" for i in range(25)]
    lines += ["zero,2022-03-05,-0.0001,0.0004", "far,2022-03-06,-22.9,-43.2", "swap,2022-03-07,30.5,50.4",
              "typo,2024-03-08,50.4,30.5", "future,2099-01-01,50.4,30.5"]
    result = read_incidents("\n".join(lines).encode(), "odd.csv")
    assert result.rejected == [] and result.loaded == 30
    flags = {r["id"]: r["flags"] for r in result.frame.to_dict("records") if r["flags"]}
    assert flags == {"zero": ["near_null_island", "far_from_the_rest"], "far": ["far_from_the_rest"],
                     "swap": ["lat_lon_swapped"], "typo": ["date_isolated"], "future": ["date_isolated", "date_in_future"]}
    assert all(p.severity == "warning" and p.line for p in result.problems if p.code in {"far_from_the_rest"})
    assert result.flagged == 5


def test_validate_json_is_one_object_per_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "monitor.csv"
    path.write_text(MONITOR + "e4,40/40/2022,Bad,50,30,,strike,x\n", encoding="utf-8")
    assert main(["validate", str(path), "--json", "--map", "type=category"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"file", "format", "rows", "loaded", "rejected", "mapping", "date_format", "problems"}
    assert (report["rows"], report["loaded"], report["rejected"]) == (4, 3, 1)
    assert report["mapping"]["type"] == "category" and report["date_format"] == "%d/%m/%Y"
    (problem,) = [p for p in report["problems"] if p["severity"] == "error"]
    assert (problem["line"], problem["id"], problem["code"]) == (5, "e4", "invalid_date")


def test_validate_json_reports_a_refused_file_too(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "us.csv"
    path.write_text("id,date,lat,lon\na,03/04/2022,50,30\nb,05/06/2022,50,30\n", encoding="utf-8")
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"][0]["code"] == "ambiguous_dates"
    # What was known before the refusal is reported: the format and the rows, none of them loaded.
    assert (report["format"], report["rows"], report["loaded"], report["rejected"]) == ("csv", 2, 0, 2)
    assert main(["validate", str(path), "--json", "--date-format", "%m/%d/%Y"]) == 0
    assert json.loads(capsys.readouterr().out)["loaded"] == 2


def test_an_unknown_json_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"data": {"rows": []}}', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_incidents(path)
    message = caught.value.problems[0].message
    assert "GeoJSON" in message and "TimeMap" in message and "--map" in message


def test_a_guess_can_be_taken_back_and_a_fixed_schema_refuses_a_mapping(tmp_path: Path) -> None:
    text = b"id,date,latitude,longitude,weapon,notes\nA,2022-03-01,50.45,30.52,Shahed,a note\n"
    guessed = read_incidents(text, "x.csv")
    assert guessed.mapping["weapon"] == "weapon" and guessed.frame["weapon"].tolist() == ["Shahed"]
    # `--map weapon=`: no column is the weapon; the cell stays a field of its own, unchanged.
    unmapped = read_incidents(text, "x.csv", options=ImportOptions(parse_map_options(["weapon="])))
    assert "weapon" not in unmapped.mapping and unmapped.frame["weapon"].isna().all()
    assert unmapped.frame["weapon_2"].tolist() == ["Shahed"]  # the schema's own name taken: renamed, with a warning
    assert any(p.code == "column_renamed" for p in unmapped.problems)
    # ACLED is read by its own schema: a mapping for it is refused, never ignored; as a plain CSV it is mapped.
    acled = Path(__file__).parent.parent / "fixtures" / "acled_sample.csv"
    with pytest.raises(DataError, match=r"read by its own schema.*--input-format csv"):
        read_incidents(acled, "acled.csv", options=ImportOptions({"title": "notes"}))
    plain = read_incidents(acled, "acled.csv", format="csv", options=ImportOptions({"title": "notes", "id": "event_id_cnty"}))
    assert plain.format == "csv" and plain.mapping["title"] == "notes"
