"""`python -m dashboard`: the server begins reading its --data file as it starts; the first page shows that file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo import geojson_text
from geo.synthetic import synthetic_incidents
from tests.e2e.browser import INCIDENT_TABLE, TIMEOUT_S
from tests.e2e.test_browser import _map_frame
from tests.server import AppServer

pytestmark = pytest.mark.browser


def test_the_launcher_reads_the_data_as_the_server_starts_and_the_page_shows_it(tmp_path: Path, new_page) -> None:
    path = tmp_path / "launched.geojson"
    path.write_text(geojson_text(synthetic_incidents(2_000, seed=7)), encoding="utf-8")
    env = {**os.environ, "SIM_CACHE_DIR": str(tmp_path / "cache")}
    with AppServer("dashboard/app.py", "--data", str(path), log=tmp_path / "server.log", launcher=True,
                   env=env) as server:
        # Once: the launcher begins the read, and the server's own start (st.App's lifespan) finds it under way.
        assert server.log().count("Reading launched.geojson as the server starts") == 1
        page = new_page()
        page.goto(server.url + "/")
        _map_frame(page)
        page.locator(INCIDENT_TABLE).wait_for(timeout=TIMEOUT_S * 1000)
        page.get_by_text("Showing launched.geojson: 2,000 incidents.").wait_for(timeout=TIMEOUT_S * 1000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Traceback" not in server.log()


def test_streamlit_run_reads_the_data_as_the_server_starts_and_the_page_shows_it(tmp_path: Path, new_page) -> None:
    """`streamlit run dashboard/app.py -- --data FILE` begins the read as the server starts (its st.App's lifespan),
    as the launcher does: the read is under way, or done, before any page asks; the page shows the file."""
    path = tmp_path / "started.geojson"
    path.write_text(geojson_text(synthetic_incidents(2_000, seed=8)), encoding="utf-8")
    env = {**os.environ, "SIM_CACHE_DIR": str(tmp_path / "cache")}
    with AppServer("dashboard/app.py", "--data", str(path), log=tmp_path / "server.log", env=env) as server:
        assert server.log().count("Reading started.geojson as the server starts") == 1
        page = new_page()
        page.goto(server.url + "/")
        _map_frame(page)
        page.get_by_text("Showing started.geojson: 2,000 incidents.").wait_for(timeout=TIMEOUT_S * 1000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Traceback" not in server.log()


def test_a_server_told_not_to_read_at_start_leaves_the_file_to_the_first_page(tmp_path: Path, new_page) -> None:
    from dashboard.data.loaders import READ_AT_START_ENV

    path = tmp_path / "asked.geojson"
    path.write_text(geojson_text(synthetic_incidents(500, seed=9)), encoding="utf-8")
    env = {**os.environ, "SIM_CACHE_DIR": str(tmp_path / "cache"), READ_AT_START_ENV: "off"}
    with AppServer("dashboard/app.py", "--data", str(path), log=tmp_path / "server.log", env=env) as server:
        assert "as the server starts" not in server.log()
        page = new_page()
        page.goto(server.url + "/")
        _map_frame(page)
        page.get_by_text("Showing asked.geojson: 500 incidents.").wait_for(timeout=TIMEOUT_S * 1000)
        assert "Traceback" not in server.log()
