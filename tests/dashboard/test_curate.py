"""Curating on the page: only a server started with `-- --curate` shows the panel, and only it may write."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest
import streamlit as st

import geo
from dashboard.curate import actions
from tests.dashboard.test_app import markdown, run

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ("Strike near the embassy\n"
           "A Russian missile struck near Azerbaijan's embassy in Kyiv on Friday, killing 2 people, officials said.\n"
           "Drones hit the Artem plant in Kyiv on 3 November 2025.\n")


@pytest.fixture()
def catalogue_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled data and seeds the page shows (and, curating, edits); caches emptied around it."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.setenv("SIM_CATALOGUE_DIR", str(tmp_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture()
def curating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [*sys.argv, "--curate"])


def test_curating_is_the_servers_own_flag() -> None:
    assert actions.curating(["--curate"]) and not actions.curating(["--data", "x.csv"])


def test_a_read_only_server_draws_no_panel_and_refuses_every_write(catalogue_copy: Path) -> None:
    at = run()
    assert not at.exception
    assert not [e for e in at.expander if e.label == "Add an article"]
    before = {p.name: p.read_bytes() for p in (catalogue_copy / "seeds").iterdir()}
    for write in (lambda: actions.submit(ARTICLE.encode(), "a.txt", geo.ArticleInfo(date(2025, 11, 14))),
                  lambda: actions.accept("005_x-1"), lambda: actions.reject("005_x-1", "no"),
                  lambda: actions.propose(ARTICLE.encode(), "a.txt", None)):
        with pytest.raises(actions.NotCurating, match="read-only"):
            write()
    assert {p.name: p.read_bytes() for p in (catalogue_copy / "seeds").iterdir()} == before
    assert not (catalogue_copy / "data" / "review.yaml").exists()


def test_a_curator_adds_an_article_and_decides_on_its_candidates(catalogue_copy: Path, curating: None) -> None:
    at = run()
    assert [e for e in at.expander if e.label == "Add an article"]
    at.text_area[0].set_value(ARTICLE)
    at.date_input[0].set_value(date(2025, 11, 14))
    next(b for b in at.button if b.label == "Find candidates").click()
    at.run()
    assert not at.exception
    queue = geo.load_queue(catalogue_copy / "data")
    source = queue[0]["source"]
    assert source.startswith("005_") and all(e["status"] == "pending" for e in queue)
    assert any("Candidates from this article" in m for m in markdown(at))  # the article is open in the reader
    assert any(f"filed as {source}" in s.value.replace("\\", "") for s in at.success)

    strike = next(e for e in queue if "killing 2" in e["candidate"]["quote"])
    next(b for b in at.button if b.key == f"curate:accept:{strike['id']}").click()
    at.run()
    assert not at.exception
    assert any("added to embassy-kyiv-iskander-2025-11-14" in s.value.replace("\\", "") for s in at.success)
    catalogue = geo.load_catalogue(catalogue_copy / "data", catalogue_copy / "seeds")
    incident = next(i for i in catalogue.incidents if i.id == "embassy-kyiv-iskander-2025-11-14")
    assert source in incident.sources and not catalogue.problems
    # The page read the catalogue again, without a restart: the new source now backs one incident.
    assert "**Incidents citing this source (1)**" in markdown(at)

    plant = next(e for e in geo.load_queue(catalogue_copy / "data") if "Artem plant" in e["candidate"]["quote"])
    reject = next(b for b in at.button if b.key == f"curate:reject:{plant['id']}")
    assert reject.disabled  # a rejection needs its reason
    next(t for t in at.text_input if t.key == f"curate:why:{plant['id']}").set_value("a factory, not our story")
    at.run()
    next(b for b in at.button if b.key == f"curate:reject:{plant['id']}").click()
    at.run()
    decided = next(e for e in geo.load_queue(catalogue_copy / "data") if e["id"] == plant["id"])
    assert decided["status"] == "rejected" and decided["decision"]["why"] == "a factory, not our story"


def test_a_refused_decision_is_said_and_changes_nothing(catalogue_copy: Path, curating: None) -> None:
    source, _ = actions.submit(b"Drones hit an unnamed warehouse.\n", "w.txt", geo.ArticleInfo(date(2025, 11, 14)))
    ident = geo.load_queue(catalogue_copy / "data")[0]["id"]
    before = (catalogue_copy / "data" / "incidents.yaml").read_bytes()
    at = run()
    next(b for b in at.button if b.key == f"curate:open:{source}").click()  # the sidebar's queue opens it
    at.run()
    next(b for b in at.button if b.key == f"curate:new:{ident}").click()  # no curated place: cannot be new
    at.run()
    assert any("data/places.yaml" in e.value.replace("\\", "") for e in at.error)
    assert (catalogue_copy / "data" / "incidents.yaml").read_bytes() == before


def test_a_candidate_that_fits_several_incidents_offers_them_first(catalogue_copy: Path, curating: None) -> None:
    at = run()
    at.text_area[0].set_value("A missile damaged Azerbaijan's embassy in Kyiv in 2025.\n")
    next(b for b in at.button if b.label == "Find candidates").click()
    at.run()
    assert not at.exception
    entry = geo.load_queue(catalogue_copy / "data")[0]
    possible = entry["candidate"]["possible_matches"]
    assert entry["candidate"]["matches"] is None and len(possible) >= 2
    assert any("it may corroborate" in m for m in markdown(at))
    merge = next(s for s in at.selectbox if s.key == f"curate:into:{entry['id']}")
    assert merge.options[:len(possible)] == [merge.format_func(i) for i in possible]
