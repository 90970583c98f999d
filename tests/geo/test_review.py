"""geo.review: the queue from ingest --write, accept into the catalogue (comments kept), reject for good."""

from __future__ import annotations

import difflib
import io
import json
import shutil
from pathlib import Path

import pytest

from geo.catalogue import load_catalogue
from geo.cli import main
from geo.review import ReviewError, accept, add_candidates, load_queue

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ("Kyiv, 14 November 2025. A missile struck Azerbaijan's embassy in Kyiv on Friday, killing 2 people.\n"
           "Drones hit the Artem plant in Kyiv on 3 November 2025.\n")


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the bundled data and seeds, and a new article filed with ingest --write."""
    data, seeds = tmp_path / "data", tmp_path / "seeds"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(ROOT / "seeds", seeds)
    (tmp_path / "new.txt").write_text(ARTICLE, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["ingest", str(tmp_path / "new.txt"), "--published", "2025-11-14", "--write", "--data", str(data),
            "--seeds", str(seeds)]
    assert main(argv, out, err) == 0, err.getvalue()
    return data, seeds


def cli(folders: tuple[Path, Path], *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main([*argv, "--data", str(folders[0]), "--seeds", str(folders[1])], out, err)
    return status, out.getvalue(), err.getvalue()


def pending(folders) -> dict[str, dict]:
    return {e["id"]: e for e in load_queue(folders[0]) if e["status"] == "pending"}


def test_write_files_the_article_and_queues_its_candidates(folders) -> None:
    data, seeds = folders
    queue = load_queue(data)
    assert queue and all(e["status"] == "pending" and e["source"].startswith("005_") for e in queue)
    strike = next(e for e in queue if "killing 2" in e["candidate"]["quote"])
    assert strike["candidate"]["matches"] == "embassy-kyiv-iskander-2025-11-14"
    assert (data / "incidents.yaml").read_bytes() == (ROOT / "data" / "incidents.yaml").read_bytes()  # not written
    assert not load_catalogue(data, seeds).problems
    status, out, _ = cli(folders, "review", "--json")
    assert status == 0 and {json.loads(line)["id"] for line in out.splitlines()} == {e["id"] for e in queue}


def test_accept_adds_only_the_evidence_lines(folders) -> None:
    data, seeds = folders
    before = (data / "incidents.yaml").read_text(encoding="utf-8")
    ident = next(i for i, e in pending(folders).items() if "killing 2" in e["candidate"]["quote"])
    status, _out, err = cli(folders, "accept", ident)
    assert status == 0, err
    after = (data / "incidents.yaml").read_text(encoding="utf-8")
    changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed and all(line.startswith("+") for line in changed)  # nothing removed, comments and all
    catalogue = load_catalogue(data, seeds)
    assert not catalogue.problems
    incident = next(i for i in catalogue.incidents if i.id == "embassy-kyiv-iskander-2025-11-14")
    assert incident.evidence[-1].source.startswith("005_") and incident.evidence[-1].claims["killed"] == 2
    assert load_queue(data)[0]["status"] in ("pending", "accepted")
    assert ident not in pending(folders)
    assert cli(folders, "accept", ident)[0] == 2  # decided once


def test_accept_as_new_and_its_refusals(folders) -> None:
    data, seeds = folders
    plant = next(i for i, e in pending(folders).items() if "Artem plant" in e["candidate"]["quote"])
    assert pending(folders)[plant]["candidate"]["matches"] is None
    status, _, err = cli(folders, "accept", plant)
    assert status == 2 and "--into INCIDENT or --as-new" in err
    status, _, err = cli(folders, "accept", plant, "--as-new", "--place", "no-such-place")
    assert status == 2 and "unknown place" in err
    status, _out, err = cli(folders, "accept", plant, "--as-new")
    assert status == 0, err
    catalogue = load_catalogue(data, seeds)
    new = next(i for i in catalogue.incidents if i.evidence[0].source.startswith("005_"))
    assert new.type == "drone attack" and new.date.start.isoformat() == "2025-11-03" and not catalogue.problems


def test_accept_into_an_unknown_incident_changes_nothing(folders) -> None:
    data, _ = folders
    before = (data / "incidents.yaml").read_bytes()
    ident = next(iter(pending(folders)))
    with pytest.raises(ReviewError, match="no incident"):
        accept(folders[0], folders[1], ident, into="nope")
    assert (data / "incidents.yaml").read_bytes() == before


def test_a_quote_that_is_not_in_the_source_is_refused(folders) -> None:
    data, seeds = folders
    entries = load_queue(data)
    entries[0]["candidate"]["quote"] = "words the article never said"
    from geo.review import save_queue

    save_queue(data, entries)
    with pytest.raises(ReviewError, match="not the text"):
        accept(data, seeds, entries[0]["id"], into="embassy-kyiv-iskander-2025-11-14")


def test_a_rejected_candidate_is_never_proposed_again(folders) -> None:
    data, _ = folders
    ident, entry = next(iter(pending(folders).items()))
    assert cli(folders, "reject", ident, "--why", "")[0] == 2  # a reason is required
    status, _, _ = cli(folders, "reject", ident, "--why", "commentary, no event")
    assert status == 0
    decided = next(e for e in load_queue(data) if e["id"] == ident)
    assert decided["status"] == "rejected" and decided["decision"]["why"] == "commentary, no event"
    assert add_candidates(data, entry["source"], [dict(entry["candidate"])]) == []
    assert cli(folders, "reject", "no-such-id", "--why", "x")[0] == 2


def test_the_same_article_is_not_filed_twice(folders, tmp_path: Path) -> None:
    status, _, err = cli(folders, "ingest", str(tmp_path / "new.txt"), "--published", "2025-11-14", "--write")
    assert status == 2 and "already" in err


def test_a_passage_already_cited_is_not_added_twice(folders) -> None:
    data, seeds = folders
    ident = next(i for i, e in pending(folders).items() if "killing 2" in e["candidate"]["quote"])
    accept(data, seeds, ident)
    entries = load_queue(data)
    twin = dict(next(e for e in entries if e["id"] == ident)["candidate"])
    twin["date_start"] = "2025-11-13"  # another reading of the same passage, queued apart
    [added] = add_candidates(data, entries[0]["source"], [twin])
    with pytest.raises(ReviewError, match="already cites"):
        accept(data, seeds, added["id"], into="embassy-kyiv-iskander-2025-11-14")


def test_every_comment_survives_and_validate_passes_after_each_step(folders) -> None:
    data, _ = folders
    comments = [line for line in (data / "incidents.yaml").read_text(encoding="utf-8").splitlines()
                if "#" in line]
    assert comments  # the bundled catalogue is commented: the test means something
    assert cli(folders, "validate")[0] == 0
    strike, plant = (next(i for i, e in pending(folders).items() if words in e["candidate"]["quote"])
                     for words in ("killing 2", "Artem plant"))
    for step in (("accept", strike), ("accept", plant, "--as-new")):
        assert cli(folders, *step)[0] == 0
        text = (data / "incidents.yaml").read_text(encoding="utf-8")
        assert [line for line in text.splitlines() if "#" in line] == comments
        status, _, err = cli(folders, "validate")
        assert status == 0, err


@pytest.mark.parametrize(("text", "said"), [
    ("- id: x\n  source: [unclosed\n", "line"),  # broken YAML: the line
    ("just a string\n", "entry 1"),
    ("- id: a\n  source: s\n  status: pending\n  candidate: {quote: q}\n- 7\n", "entry 2"),
])
def test_a_damaged_queue_is_refused_by_name(tmp_path: Path, text: str, said: str) -> None:
    (tmp_path / "review.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ReviewError, match=f"review.yaml.*{said}|{said}"):
        load_queue(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["review", "--data", str(tmp_path)], out, err) == 2 and err.getvalue().startswith("error: ")
