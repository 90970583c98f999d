"""`python -m geo validate` on broken copies of data/ and seeds/: every problem is named, the rest still loads."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.catalogue import load_catalogue
from geo.cli import main

ROOT = Path(__file__).resolve().parents[2]
YEKATERINBURG = "yekaterinburg-raid-2025-06"
ISKANDER = "embassy-kyiv-iskander-2025-11-14"
S001, S002 = "001_fa2f07d2642b260d", "002_eb5374e7c06e77bb"


@dataclass
class Copy:
    data: Path
    seeds: Path

    @property
    def incidents(self) -> Path:
        return self.data / "incidents.yaml"

    @property
    def places(self) -> Path:
        return self.data / "places.yaml"


@pytest.fixture
def copy(tmp_path: Path) -> Copy:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return Copy(tmp_path / "data", tmp_path / "seeds")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, marker: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert text.count(marker) == 1, marker
    return text[: text.index(marker)].count("\n") + 1


def entry_ids(path: Path) -> list[str]:
    """The incident ids in a file, read line by line (so that it works on a file with a YAML error too)."""
    return re.findall(r"^- id: (\S+)", path.read_text(encoding="utf-8"), flags=re.M)


def validate(copy: Copy, *, options_first: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    paths = ["--data", str(copy.data), "--seeds", str(copy.seeds)]
    argv = [*paths, "validate"] if options_first else ["validate", *paths]
    status = main(argv, out, err)
    return status, out.getvalue(), err.getvalue()


def assert_reported(copy: Copy, file: str, line: int, entry: str, words: str, rejected: set[str]) -> str:
    """Check the exit status, the problem line (file:line: entry: message) and that every other incident loads."""
    status, out, err = validate(copy)
    assert status == 1, out + err
    problems = [p for p in out.splitlines() if f"{file}:{line}: {entry}: " in p]
    assert problems, f"no problem for {file}:{line}: {entry} in:\n{out}"
    assert any(re.search(words, p, re.I) for p in problems), problems
    ids = entry_ids(copy.incidents)
    catalogue = load_catalogue(copy.data, copy.seeds)
    assert set(catalogue.rejected) == rejected
    still_valid = list(ids)
    for ident in rejected:
        still_valid.remove(ident)  # one entry each: of a duplicated id, the first one stays valid
    assert sorted(i.id for i in catalogue.incidents) == sorted(still_valid)
    assert len(catalogue.incidents) + len(catalogue.rejected) == len(ids)
    assert f"{len(ids) - len(rejected)} of {len(ids)} incidents valid" in err
    return out


def test_the_bundled_data_is_valid(copy: Copy) -> None:
    status, out, err = validate(copy)
    assert status == 0, out
    assert "0 problem(s)" in out and err == ""
    assert f"{len(entry_ids(copy.incidents))} of {len(entry_ids(copy.incidents))} incidents valid" in out


def test_options_may_come_before_or_after_the_command(copy: Copy) -> None:
    replace_once(copy.incidents, "  places: [yekaterinburg]", "  places: [yekaterinburg-oblast]")
    for options_first in (True, False):
        status, out, _ = validate(copy, options_first=options_first)
        assert status == 1 and "unknown place id 'yekaterinburg-oblast'" in out


def test_a_quote_not_in_its_source(copy: Copy) -> None:
    replace_once(copy.incidents, 'quote: "two ethnic Azerbaijanis died', 'quote: "three ethnic Azerbaijanis died')
    line = line_of(copy.incidents, f'- source: {S001}\n      quote: "three ethnic')
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, f"not verbatim in {S001}", {YEKATERINBURG})


def test_an_unknown_place_id(copy: Copy) -> None:
    replace_once(copy.incidents, "  places: [yekaterinburg]", "  places: [yekaterinburg-oblast]")
    line = line_of(copy.incidents, f"- id: {YEKATERINBURG}")
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, "unknown place id 'yekaterinburg-oblast'", {YEKATERINBURG})


@pytest.mark.parametrize("typed", ['"2025-02-30"', "2025-02-30"], ids=["quoted", "bare"])
def test_an_impossible_date(copy: Copy, typed: str) -> None:
    replace_once(copy.incidents, 'date: "2025-06"\n        killed: 2', f"date: {typed}\n        killed: 2")
    line = line_of(copy.incidents, f'- source: {S001}\n      quote: "two ethnic')
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, r"2025-02-30.*does not exist", {YEKATERINBURG})


def test_a_duplicate_incident_id(copy: Copy) -> None:
    text = copy.incidents.read_text(encoding="utf-8")
    start = text.index(f"- id: {YEKATERINBURG}")
    block = text[start: text.index("\n- id: ", start) + 1]
    copy.incidents.write_text(text + "\n" + block, encoding="utf-8")
    line = text.count("\n") + 2  # the copy starts on the line after the blank one
    out = assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, "duplicate incident id", {YEKATERINBURG})
    assert f":{line_of(copy.incidents, 'title: Attack on Azerbaijan')}" not in out  # the first one is fine
    catalogue = load_catalogue(copy.data, copy.seeds)
    assert [i.id for i in catalogue.incidents].count(YEKATERINBURG) == 1


def test_a_yaml_syntax_error_loses_only_its_entry(copy: Copy) -> None:
    replace_once(copy.incidents, "  title: Two ethnic Azerbaijanis die", "  title: [Two ethnic Azerbaijanis die")
    first = line_of(copy.incidents, f"- id: {YEKATERINBURG}")
    last = line_of(copy.incidents, "- id: embassy-kyiv-2025-07") - 1
    status, out, _ = validate(copy)
    assert status == 1
    (problem,) = [p for p in out.splitlines() if "YAML syntax error" in p]
    line = int(re.search(r"incidents\.yaml:(\d+): ", problem).group(1))
    assert first <= line <= last, problem
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, "YAML syntax error", {YEKATERINBURG})


def test_a_yaml_error_between_entries_is_still_reported(copy: Copy) -> None:
    text = copy.incidents.read_text(encoding="utf-8")
    copy.incidents.write_text(text.replace("\n- id: ", "\n  - : [\n- id: ", 1), encoding="utf-8")
    status, out, _ = validate(copy)
    assert status == 1 and "YAML syntax error" in out


def test_a_missing_required_field(copy: Copy) -> None:
    replace_once(copy.incidents, "  title: Two ethnic Azerbaijanis die during a Russian police raid in Yekaterinburg\n", "")
    line = line_of(copy.incidents, f"- id: {YEKATERINBURG}")
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, "missing required field 'title'", {YEKATERINBURG})


def test_a_latitude_out_of_range_in_the_places_file(copy: Copy) -> None:
    replace_once(copy.places, "  lat: 56.83556", "  lat: 95.0")
    line = line_of(copy.places, "- id: yekaterinburg\n")
    # The place is unusable, so the one incident located there cannot load either; the rest do.
    out = assert_reported(copy, "places.yaml", line, "yekaterinburg", r"latitude 95\.0", {YEKATERINBURG})
    assert "unknown place id 'yekaterinburg'" in out


def test_a_placeholder_0_0_in_the_places_file(copy: Copy) -> None:
    replace_once(copy.places, "  lat: 40.39528\n  lon: 49.88222", "  lat: 0\n  lon: 0")
    line = line_of(copy.places, "- id: baku\n")
    assert_reported(copy, "places.yaml", line, "baku", r"\(0, 0\)", set())  # no incident is located in Baku


def test_a_source_text_that_is_not_utf8(copy: Copy) -> None:
    path = copy.seeds / f"{S002}.txt"
    raw = path.read_bytes()
    at = raw.index(b"Azerbaijan-Russia")
    path.write_bytes(raw[:at] + b"\xff" + raw[at:])
    line = raw[:at].count(b"\n") + 1
    assert line == 3  # the third paragraph: the line number must be computed, not assumed
    # The article is unusable, so the incident quoting it cannot load; the others do.
    out = assert_reported(copy, f"{S002}.txt", line, S002, "not UTF-8", {ISKANDER})
    assert f"unknown source '{S002}'" in out


def test_a_place_id_that_is_not_a_string(copy: Copy) -> None:
    replace_once(copy.incidents, "  places: [yekaterinburg]", "  places: [{id: yekaterinburg}]")
    line = line_of(copy.incidents, f"- id: {YEKATERINBURG}")
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, "unknown place id", {YEKATERINBURG})


def test_a_source_id_that_is_not_a_string(copy: Copy) -> None:
    old = f'    - source: {S001}\n      quote: "two ethnic'
    replace_once(copy.incidents, old, old.replace(S001, f"[{S001}]"))
    line = line_of(copy.incidents, f'- source: [{S001}]')
    assert_reported(copy, "incidents.yaml", line, YEKATERINBURG, "unknown source", {YEKATERINBURG})


BREAKAGES: dict[str, Callable[[Copy], None]] = {
    "quote": lambda c: replace_once(c.incidents, 'quote: "two ethnic', 'quote: "three ethnic'),
    "place": lambda c: replace_once(c.incidents, "  places: [yekaterinburg]", "  places: [nowhere]"),
    "syntax": lambda c: replace_once(c.incidents, "  title: Two ethnic", "  title: [Two ethnic"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_incidents_command_still_exports_the_valid_incidents(copy: Copy, breakage: str) -> None:
    BREAKAGES[breakage](copy)
    out, err = io.StringIO(), io.StringIO()
    status = main(["--data", str(copy.data), "--seeds", str(copy.seeds), "incidents", "--format", "csv"], out, err)
    assert status == 0
    assert len(out.getvalue().strip().splitlines()) - 1 == len(entry_ids(copy.incidents)) - 1
    assert "warning:" in err.getvalue() and YEKATERINBURG in err.getvalue()


def test_geocode_refuses_to_run_on_unusable_places(copy: Copy) -> None:
    replace_once(copy.places, "  lat: 56.83556", "  lat: 95.0")
    out, err = io.StringIO(), io.StringIO()
    assert main(["--data", str(copy.data), "geocode", "Kyiv"], out, err) == 2
    assert "places.yaml" in err.getvalue() and "yekaterinburg" in err.getvalue()
