"""Stored place mentions (the reader's underlines), the outlines file, and geo's public face."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import geo
from geo import annotate, cli, extract
from geo.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parents[2]
OUTLINES = ROOT / "dashboard" / "static" / "data" / "outlines.json"


def test_the_stored_mentions_are_up_to_date(catalogue: geo.Catalogue, gazetteer: Gazetteer) -> None:
    # Rebuild with `python -m geo mentions` after changing an article or the gazetteer.
    stored = (geo.DATA_DIR / geo.MENTIONS_FILE).read_text(encoding="utf-8")
    assert stored == geo.mentions_text(catalogue, gazetteer)
    assert cli.main(["mentions", "--check"]) == 0


def test_every_stored_mention_is_at_its_place_in_its_article(catalogue: geo.Catalogue) -> None:
    spans, problems = geo.place_mentions(catalogue)
    assert problems == []
    assert set(spans) == set(catalogue.sources)  # every article names a place
    for source_id, found in spans.items():
        text = catalogue.sources[source_id].text
        for span in found:
            assert (span.kind == "place" and span.ref in catalogue.places) or span.ref
            assert text[span.start:span.end].strip() == text[span.start:span.end] != ""


def test_the_reader_spans_need_no_gazetteer(catalogue: geo.Catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the reader parsed an article")

    monkeypatch.setattr(extract, "find_places", refuse)
    monkeypatch.setattr(Gazetteer, "from_data", classmethod(refuse))
    spans = geo.source_spans(catalogue, "003_553f20544c4195fd")
    kinds = {s.kind for s in spans}
    assert kinds == {"quote", "place"}
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_a_tampered_mention_is_reported_and_left_out(catalogue: geo.Catalogue, tmp_path: Path) -> None:
    lines = (geo.DATA_DIR / geo.MENTIONS_FILE).read_text(encoding="utf-8").splitlines()
    source, start, end, text, place, name = lines[1].split(",")
    lines[1] = ",".join([source, str(int(start) + 1), str(int(end) + 1), text, place, name])  # shifted by one
    lines.append("no-such-source,0,4,Kyiv,kyiv,Kyiv")
    lines.append(f"{source},x,4,Kyiv,kyiv,Kyiv")
    (tmp_path / geo.MENTIONS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    spans, problems = geo.place_mentions(catalogue, tmp_path)
    assert len(problems) == 3
    assert any(p.line == 2 and p.entry == source and "is not at" in p.message for p in problems)
    assert any("no such source" in p.message for p in problems)
    assert any("whole numbers" in p.message for p in problems)
    assert all(s.start != int(start) + 1 for s in spans[source])
    assert len(spans[source]) == sum(1 for row in lines[2:] if row.startswith(source + ",") and ",x," not in row)


def test_validate_reports_a_stale_mention(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    shutil.copytree(geo.DATA_DIR, data)
    path = data / geo.MENTIONS_FILE
    header, first, *rest = path.read_text(encoding="utf-8").splitlines()
    source, start, end, *others = first.split(",")
    path.write_text("\n".join([header, ",".join([source, start, str(int(end) + 1), *others]), *rest]) + "\n", encoding="utf-8")
    assert cli.main(["validate", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert f"{geo.MENTIONS_FILE}:2: {source}: " in out and "python -m geo mentions" in out


def test_no_stored_mentions_is_a_problem_not_a_crash(catalogue: geo.Catalogue, tmp_path: Path) -> None:
    spans, problems = geo.place_mentions(catalogue, tmp_path)
    assert spans == {} and "python -m geo mentions" in problems[0].message
    assert {s.kind for s in geo.source_spans(catalogue, "003_553f20544c4195fd", tmp_path)} == {"quote"}


def test_mentions_check_fails_on_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    shutil.copytree(geo.DATA_DIR, data)
    (data / geo.MENTIONS_FILE).write_text("source,start,end,text,place_id,name\n", encoding="utf-8")
    assert cli.main(["mentions", "--check", "--data", str(data)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert cli.main(["mentions", "--data", str(data)]) == 0
    assert cli.main(["mentions", "--check", "--data", str(data)]) == 0


# ---- the outlines file ---------------------------------------------------------------------------------


def test_the_outlines_file_is_up_to_date() -> None:
    # Rebuild with `python -m geo outlines --output dashboard/static/data/outlines.json`.
    assert OUTLINES.read_text(encoding="utf-8") == geo.outlines_text()
    assert cli.main(["outlines", "--check", "--output", str(OUTLINES)]) == 0


def test_the_outlines_hold_the_ten_districts_and_the_countries(catalogue: geo.Catalogue) -> None:
    outlines = json.loads(OUTLINES.read_text(encoding="utf-8"))
    districts = geo.districts_frame(catalogue.places)
    assert {f["properties"]["id"] for f in outlines["districts"]["features"]} == set(districts["id"])
    assert len(outlines["districts"]["features"]) == 10
    assert "Ukraine" in {f["properties"]["name"] for f in outlines["countries"]["features"]}
    assert "OpenStreetMap" in outlines["attribution"]["districts"] and "ODbL" in outlines["attribution"]["districts"]


def test_outlines_are_written_where_asked(tmp_path: Path) -> None:
    target = tmp_path / "out" / "outlines.json"
    assert cli.main(["outlines", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == geo.outlines_text()
    target.write_text("{}", encoding="utf-8")
    assert cli.main(["outlines", "--check", "--output", str(target)]) == 1


# ---- the public face ---------------------------------------------------------------------------------


# What the dashboard imports as `geo.NAME` (tests/dashboard/test_layout.py allows nothing else).
DASHBOARD_NEEDS = {
    "Span", "source_spans", "place_mentions", "Progress", "read_incidents", "ImportResult", "Limits", "DataError",
    "fold", "fold_many", "csv_text", "geojson_text", "INCIDENT_COLUMNS", "SPARSE_COLUMN", "DATA_DIR",
    "OSM_ATTRIBUTION", "build_outlines", "outlines_text", "Catalogue", "load_catalogue", "incidents_frame",
    "places_frame", "districts_frame", "load_incidents", "outlet",
    "split_links",
}


def test_every_public_name_is_importable_from_geo() -> None:
    for name in geo.__all__:
        assert hasattr(geo, name), name
    assert DASHBOARD_NEEDS <= set(geo.__all__), sorted(DASHBOARD_NEEDS - set(geo.__all__))
    assert len(geo.__all__) == len(set(geo.__all__))
    assert not hasattr(annotate, "cited_by")  # dead code, gone


def test_importing_geo_parses_nothing_and_needs_no_streamlit() -> None:
    # A fresh interpreter: the page imports geo on every cold start, and the reader must not pull the extractor in.
    code = "import sys, geo; print(sorted(m for m in ('streamlit', 'geo.extract', 'geo.online') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_date_labels_have_one_rule() -> None:
    # The importer labels dates through DateInterval.label(), the catalogue's own rule.
    from geo.dates import DateInterval

    frame = geo.read_incidents(b"latitude,longitude,date,title\n50,30,2024-03-10,a\n50,30,2024-03,b\n50,30,2024,c\n",
                               "x.csv").frame
    labels = dict(zip(frame["title"], frame["date_label"], strict=True))
    assert labels == {"a": DateInterval.day(2024, 3, 10).label(), "b": DateInterval.month(2024, 3).label(),
                      "c": DateInterval.year(2024).label()}
