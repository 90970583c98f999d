"""The Streamlit page, run headless with AppTest: deep links, filters, the reader, the table and the export.

st_folium is a custom component: AppTest shows it as an unknown element, which is fine here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

import geo
from dashboard.markdown import escape_markdown
from dashboard.session import PageState

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
READER_SOURCE = "003_553f20544c4195fd"
pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return geo.load_incidents()


def run(*, map_drawn: bool = True, **params: str) -> AppTest:
    """Run the page with a deep link's parameters; by default as it is once the browser has drawn the map."""
    # AppTest resolves a relative path against the calling file, so the script is named absolutely.
    at = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    # The page draws the timeline and the table once the map in the browser has reported its bounds
    # (dashboard.map.section.reported_by_browser); AppTest has no browser, so that report is simulated here.
    if map_drawn:
        at.session_state["page"] = PageState(map_drawn=True)
    return at.run()


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def iframes(at: AppTest) -> list:
    return at.get("iframe")


def table_ids(at: AppTest) -> list[str]:
    return incident_table(at)["id"].tolist()


def incident_table(at: AppTest) -> pd.DataFrame:
    """Return the incident table's rows (other tables: the mapping step's preview, a stack's list)."""
    tables = [d for d in at.dataframe if d.key == "incident_table"]
    assert len(tables) == 1
    return tables[0].value


@pytest.fixture(scope="module")
def default_run() -> AppTest:
    return run()


def test_default_run(default_run: AppTest, incidents: pd.DataFrame) -> None:
    at = default_run
    assert not at.exception
    assert not at.warning
    assert any(m.startswith("### How to read this map") for m in markdown(at))
    assert any(e.label.startswith("Data checks: 10 of 10 rows loaded, 0 rejected, 0 flagged, 0 problems") for e in at.expander)
    assert any(c.startswith(f"**{len(incidents)}** of {len(incidents)} incidents overlap Mar 2022 – Nov 2025")
               for c in at.caption.values)
    assert sorted(table_ids(at)) == sorted(incidents["id"])
    assert not iframes(at)  # no reader until a source is opened
    window = at.session_state["window"]
    assert (str(window[0]), str(window[1])) == ("2022-03", "2025-11")


def test_the_first_run_leaves_the_table_and_the_timeline_for_after_the_map(incidents: pd.DataFrame) -> None:
    at = run(map_drawn=False)
    assert not at.exception
    assert not at.dataframe and not at.get("vega_lite_chart")
    assert any("drawn after the map" in c for c in at.caption.values)
    assert any(c.startswith(f"**{len(incidents)}** of {len(incidents)} incidents overlap") for c in at.caption.values)
    # Without a map (scripts blocked, a broken frame) the reader can still ask for them.
    at.button(key="details_now").click().run()
    assert not at.exception
    assert sorted(table_ids(at)) == sorted(incidents["id"])
    assert at.get("vega_lite_chart")


def test_the_first_run_leaves_the_filters_and_the_checks_for_after_the_map_and_a_links_filter_holds(
        incidents: pd.DataFrame) -> None:
    kind = sorted(incidents["type"].unique())[0]
    count = int((incidents["type"] == kind).sum())
    at = run(map_drawn=False, type=kind)
    assert not at.exception
    assert not at.multiselect and not at.text_input and not at.radio  # the filters' widgets wait for the map
    assert not any(e.label.startswith("Data checks:") for e in at.expander)
    assert any("The filters follow as soon as the map is drawn." in c for c in at.sidebar.caption.values)
    # The link's filter already narrows the first map: the filters' values are the page state's, not the widgets'.
    assert any(c.startswith(f"**{count}** of {len(incidents)} incidents") for c in at.caption.values), at.caption.values
    at.button(key="details_now").click().run()
    assert not at.exception
    assert at.multiselect(key="filter_types").value == [kind]
    assert any(e.label.startswith("Data checks:") for e in at.expander)
    assert any(c.startswith(f"**{count}** of {len(incidents)} incidents") for c in at.caption.values)


def test_the_map_has_reported_only_with_real_bounds() -> None:
    from dashboard.map.section import reported_by_browser as map_has_reported

    defaults = {"bounds": {"_southWest": {"lat": None, "lng": None}, "_northEast": {"lat": None, "lng": None}}}
    reported = {"bounds": {"_southWest": {"lat": 44.1, "lng": 22.0}, "_northEast": {"lat": 52.4, "lng": 40.2}}}
    assert not map_has_reported(None) and not map_has_reported({}) and not map_has_reported(defaults)
    assert map_has_reported(reported)


def test_time_window_is_restored_from_the_link(incidents: pd.DataFrame) -> None:
    at = run(**{"from": "2025-08", "to": "2025-11"})
    assert not at.exception
    window = at.session_state["window"]
    assert (str(window[0]), str(window[1])) == ("2025-08", "2025-11")
    assert at.select_slider(key="window").value == window
    # An incident is in the window when its dates share a day with it (ISO dates compare as text).
    expected = incidents[(incidents["date_start"] <= "2025-11-30") & (incidents["date_end"] >= "2025-08-01")]
    assert len(expected) == 4
    assert any(c.startswith(f"**{len(expected)}** of {len(incidents)} incidents overlap Aug 2025 – Nov 2025")
               for c in at.caption.values)
    assert sorted(table_ids(at)) == sorted(expected["id"])
    # The page writes the view back into its URL.
    assert at.query_params["from"] in ("2025-08", ["2025-08"])
    assert at.query_params["to"] in ("2025-11", ["2025-11"])


def test_month_precision_incident_is_in_a_window_starting_at_its_month(incidents: pd.DataFrame) -> None:
    at = run(**{"from": "2022-08", "to": "2022-08"})
    assert not at.exception
    assert table_ids(at) == ["embassy-kyiv-2022-08"]


def window_of(at: AppTest) -> tuple[str, str]:
    window = at.session_state["window"]
    return str(window[0]), str(window[1])


def test_step_buttons_move_the_window_by_its_width() -> None:
    # Regression: the buttons promise "by its own width" but moved the window by one month.
    at = run(**{"from": "2022-03", "to": "2022-05"})
    at.button(key="step_forward").click().run()
    assert not at.exception
    assert window_of(at) == ("2022-06", "2022-08")
    assert table_ids(at) == ["embassy-kyiv-2022-08"]
    at.button(key="step_back").click().run()
    assert window_of(at) == ("2022-03", "2022-05")


def test_step_forward_stops_at_the_end() -> None:
    at = run(**{"from": "2025-06", "to": "2025-09"})
    at.button(key="step_forward").click().run()
    assert not at.exception
    assert window_of(at) == ("2025-08", "2025-11")


def test_incident_link_shows_its_detail_and_quotes(incidents: pd.DataFrame) -> None:
    incident = incidents[incidents["id"] == "embassy-kyiv-iskander-2025-11-14"].iloc[0]
    at = run(incident=incident["id"])
    assert not at.exception
    shown = markdown(at)
    assert f"### {escape_markdown(incident['title'])}" in shown
    for item in incident["sources"]:
        assert f"> {escape_markdown(item['quote'])}" in shown
    assert not any(m.startswith("### How to read this map") for m in shown)
    assert at.button(key="close_incident")


def test_incident_detail_hides_missing_facts(incidents: pd.DataFrame) -> None:
    # Regression: missing weapon/time/coding note are NaN in the frame and were shown as "nan".
    incident = incidents[incidents["id"] == "yekaterinburg-raid-2025-06"].iloc[0]
    assert pd.isna(incident["weapon"]) and pd.isna(incident["time"])
    at = run(incident=incident["id"])
    assert not at.exception
    texts = markdown(at) + list(at.caption.values)
    assert f"### {escape_markdown(incident['title'])}" in texts
    assert not [t for t in texts if t.lower().endswith(": nan")]
    assert not any(t.startswith(("**Weapon:**", "**Time:**")) for t in texts)
    assert "**Places:** Yekaterinburg" in texts


def test_source_link_opens_the_reader(catalogue: geo.Catalogue) -> None:
    source = catalogue.sources[READER_SOURCE]
    at = run(source=READER_SOURCE, incident="embassy-kyiv-iskander-2025-11-14")
    assert not at.exception
    assert f"### {source.title}" in markdown(at)
    (frame,) = iframes(at)
    document = frame.proto.srcdoc
    assert 'class="sim-reader"' in document and "scrollIntoView" in document
    assert 'class="sim-quote sim-selected" data-incident="embassy-kyiv-iskander-2025-11-14"' in document
    citing = [i for i in catalogue.incidents if READER_SOURCE in i.sources]
    assert f"**Incidents citing this source ({len(citing)})**" in markdown(at)
    for incident in citing:
        assert at.button(key=f"cited_{READER_SOURCE}_{incident.id}")
    assert at.query_params["source"] in (READER_SOURCE, [READER_SOURCE])


@pytest.mark.parametrize("bad", ["../../etc/passwd", "%2e%2e%2f"])
def test_hostile_source_link_shows_a_warning_and_no_reader(bad: str) -> None:
    at = run(source=bad)
    assert not at.exception
    assert any("source" in w.value for w in at.warning)
    assert not iframes(at)
    assert any(m.startswith("### How to read this map") for m in markdown(at))
    assert "source" not in at.query_params


def test_type_filter_changes_the_table(default_run: AppTest, incidents: pd.DataFrame) -> None:
    at = default_run
    types = at.sidebar.multiselect[0]
    assert types.label == "Incident type"
    types.set_value(["drone attack"]).run()
    assert not at.exception
    table = incident_table(at)
    assert set(table["type"]) == {"drone attack"}
    assert sorted(table["id"]) == sorted(incidents.loc[incidents["type"] == "drone attack", "id"])
    assert at.query_params["type"] in ("drone attack", ["drone attack"])
    # A second change to the same filter counts too (it used to be lost: the unkeyed widget was recreated).
    at.sidebar.multiselect[0].set_value(["drone attack", "airstrike"]).run()
    assert set(incident_table(at)["type"]) == {"drone attack", "airstrike"}
    at.sidebar.multiselect[0].set_value([]).run()
    assert len(incident_table(at)) == len(incidents)


def test_corroboration_filter_can_be_changed_twice(incidents: pd.DataFrame) -> None:
    at = run()
    at.sidebar.radio[0].set_value("single source").run()
    assert sorted(table_ids(at)) == sorted(incidents.loc[incidents["corroboration"] == 1, "id"])
    at.sidebar.radio[0].set_value("corroborated").run()
    assert not at.exception
    assert sorted(table_ids(at)) == sorted(incidents.loc[incidents["corroboration"] > 1, "id"])


def test_text_search_filters_the_table() -> None:
    # Regression: any search raised TypeError (a missing weapon is NaN in the frame).
    at = run(q="Iskander")
    assert not at.exception
    assert table_ids(at) == ["embassy-kyiv-iskander-2025-11-14"]
    at.sidebar.text_input[0].input("SOLOMIANSKYI").run()
    assert not at.exception
    assert table_ids(at) == ["embassy-kyiv-2025-08-28"]


class RecordingStorage(MemoryMediaFileStorage):
    """Media storage that remembers itself, so a test can read what a download button serves."""

    instances: ClassVar[list[RecordingStorage]] = []

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        RecordingStorage.instances.append(self)


def downloaded(button) -> str:
    name = button.proto.url.rsplit("/", 1)[-1]
    for storage in reversed(RecordingStorage.instances):
        try:
            return storage.get_file(name).content.decode("utf-8")
        except Exception:  # not in this run's storage
            continue
    raise AssertionError(f"no stored file for {button.proto.url}")


def test_exports_match_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingStorage)
    RecordingStorage.instances.clear()
    at = run(**{"from": "2025-08", "to": "2025-11", "type": "missile strike"})
    assert not at.exception
    ids = sorted(table_ids(at))
    assert ids == ["embassy-kyiv-2025-08-28", "embassy-kyiv-iskander-2025-11-14"]
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Download GeoJSON", "Download CSV"}
    collection = json.loads(downloaded(buttons["Download GeoJSON"]))
    assert collection["type"] == "FeatureCollection"
    assert sorted(f["properties"]["id"] for f in collection["features"]) == ids
    rows = list(csv.DictReader(io.StringIO(downloaded(buttons["Download CSV"]))))
    assert sorted(r["id"] for r in rows) == ids


# ---- other datasets: --data / SIM_DATA ----------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run_on(monkeypatch: pytest.MonkeyPatch, data: Path | str, **params: str) -> AppTest:
    monkeypatch.setenv("SIM_DATA", str(data))
    return run(**params)


def test_data_argument_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.data.loaders import DATA_ENV, data_argument

    assert data_argument([], {}) is None
    assert data_argument(["--data", "a.csv"], {}) == Path("a.csv")
    assert data_argument([], {DATA_ENV: "b.geojson"}) == Path("b.geojson")
    assert data_argument(["--data", "a.csv"], {DATA_ENV: "b.geojson"}) == Path("a.csv")  # the argument wins
    assert data_argument(["--server.port", "1", "--data=c.csv"], {}) == Path("c.csv")


def test_an_acled_file_loads_and_its_rejected_rows_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_on(monkeypatch, FIXTURES / "acled_sample.csv")
    assert not at.exception
    quality = [e for e in at.expander if e.label.startswith("Data checks")]
    assert quality and quality[0].label.startswith("Data checks: 6 of 10 rows loaded, 4 rejected, 2 flagged, 6 problems")
    texts = [t.value for t in at.text]
    for line in (5, 6, 8, 9, 7, 10):  # every rejected row (5, 6, 8, 9) and flagged row (7, 10) is listed with its line
        assert any(f"line {line}" in t for t in texts), line
    assert len(table_ids(at)) == 6
    assert any(escape_markdown("acled_sample.csv") in c.value and "6 incidents" in c.value for c in at.caption)


def test_a_missing_data_file_says_so_and_shows_the_bundled_catalogue(monkeypatch: pytest.MonkeyPatch,
                                                                     incidents: pd.DataFrame) -> None:
    at = run_on(monkeypatch, "/nonexistent/incidents.geojson")
    assert not at.exception
    # Named by its file name alone: a visitor never sees where the server keeps its files.
    assert any("no such file" in e.value and escape_markdown("incidents.geojson") in e.value for e in at.error)
    assert not any("nonexistent" in e.value for e in at.error)
    assert sorted(table_ids(at)) == sorted(incidents["id"])


def test_an_unusable_data_file_is_an_error_not_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       incidents: pd.DataFrame) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    at = run_on(monkeypatch, broken)
    assert not at.exception
    problems = [e.value for e in at.error] + [t.value for t in at.text]
    assert any(escape_markdown("broken.geojson") in p for p in problems), problems
    assert not any(str(tmp_path) in p or escape_markdown(str(tmp_path)) in p for p in problems), problems


def test_the_bundled_catalogue_beside_an_import(monkeypatch: pytest.MonkeyPatch, incidents: pd.DataFrame) -> None:
    at = run_on(monkeypatch, FIXTURES / "acled_sample.csv")
    at.toggle(key="include_bundled").set_value(True).run()
    assert not at.exception
    ids = table_ids(at)
    assert set(incidents["id"]) <= set(ids) and len(ids) == len(incidents) + 6


def test_an_imported_incident_link_shows_its_free_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.imports import read_incidents

    first = read_incidents(FIXTURES / "acled_sample.csv").frame.iloc[0]
    at = run_on(monkeypatch, FIXTURES / "acled_sample.csv", incident=first["id"])
    assert not at.exception
    shown = markdown(at)
    assert f"### {escape_markdown(first['title'])}" in shown
    assert f"**Description:** {escape_markdown(first['description'])}" in shown  # ACLED's notes, verbatim
    # ACLED's sources are outlets, not bundled articles: no reader button.
    assert not [b for b in at.button if b.label == "Open in source reader"]


def test_the_sidebar_shows_the_link_to_this_view() -> None:
    at = run(**{"from": "2025-08", "to": "2025-11", "incident": "embassy-kyiv-iskander-2025-11-14"})
    assert not at.exception
    links = [c.value for c in at.code]
    assert any(link.endswith("?from=2025-08&to=2025-11&incident=embassy-kyiv-iskander-2025-11-14") for link in links), links


def shown_markdown(at: AppTest) -> list[str]:
    """Every piece of Markdown the page would render: headings, text, captions, errors and warnings."""
    return [e.value for e in (*at.markdown, *at.caption, *at.header, *at.error, *at.warning, *at.info)]


def test_a_file_name_full_of_markdown_is_shown_as_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    name = "![pixel](http:127.0.0.1:9:p.png) [click](www.example.org) :red[x] a@b.org.csv"
    path = tmp_path / name
    path.write_text("latitude,longitude,date\n50.4,30.5,2023-01-01\n", encoding="utf-8")
    at = run_on(monkeypatch, path)
    assert not at.exception
    assert any(escape_markdown(name) in value for value in shown_markdown(at))
    for value in shown_markdown(at):
        bare = re.sub(r"\\.", "", value)  # what is left once every escaped character is taken out
        assert "](" not in bare and "www." not in bare and "@b" not in bare, value


def test_column_names_in_an_error_are_shown_as_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("latitude,longitude,date,![a](http:x:p.png),![a](http:x:p.png)\n50.4,30.5,2023-01-01,1,2\n",
                    encoding="utf-8")
    at = run_on(monkeypatch, path)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("used twice" in e for e in errors), errors
    assert all("](" not in re.sub(r"\\.", "", e) for e in errors), errors


def test_a_stack_link_lists_the_stacks_incidents_in_the_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shapely.geometry import Point

    from dashboard.map.viewport import CELL_PX, MAX_ZOOM, TILE_PX, to_world
    from geo.export import geojson_text
    from geo.synthetic import synthetic_incidents

    frame = synthetic_incidents(40, seed=6)
    frame.loc[:24, "geometry"] = [Point(30.52, 50.45)] * 25  # 25 incidents coded at one town's centre
    path = tmp_path / "stacked.geojson"
    path.write_text(geojson_text(frame), encoding="utf-8")
    x, y = to_world(50.45, 30.52)
    cells = TILE_PX * 2**MAX_ZOOM / CELL_PX
    at = run_on(monkeypatch, path, cell=f"{int(x * cells)},{int(y * cells)}")
    assert not at.exception
    assert sorted(table_ids(at)) == sorted(frame["id"].iloc[:25])
    assert any("Listing the **25 incidents** of the stack" in c.value for c in at.caption)
    at.button(key="list_all").click().run()
    assert len(table_ids(at)) == 40 and "cell" not in at.query_params


def test_the_server_listens_on_this_machine_only_and_shows_no_tracebacks() -> None:
    import tomllib

    config = tomllib.loads((APP.parent.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert 0 < config["server"]["maxUploadSize"] <= 200
    assert config["client"]["showErrorDetails"] == "type"
