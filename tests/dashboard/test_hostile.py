"""Hostile data against the page's own code (issue 10): stacks at the last zoom, odd conflicts, names, templating.

Each test failed before its fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit_folium import _get_feature_group_string

import geo
from dashboard.data import dataset as datasets
from dashboard.data import loaders
from dashboard.map.basemap import stable_ids
from dashboard.map.layer import incidents_layer, map_payload, point_features
from dashboard.map.section import stack_cell
from dashboard.map.viewport import MAX_ZOOM, POINT_BUDGET, cell_mask, query_box, view_items, world_of
from dashboard.markdown import escape_markdown
from dashboard.record import conflict_fields, conflict_sides
from dashboard.state import parse_view, view_params
from geo.frames import INCIDENT_COLUMNS
from geo.synthetic import synthetic_incidents


def frame_of(count: int, *, lat: float = 50.45, lon: float = 30.52, types: list[str] | None = None) -> gpd.GeoDataFrame:
    """`count` incidents all coded at one point (a town's centroid, as in ACLED)."""
    frame = synthetic_incidents(count, seed=4)
    frame["geometry"] = [Point(lon, lat)] * count
    if types is not None:
        frame["type"] = types
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def dataset_of(frame: gpd.GeoDataFrame) -> datasets.Dataset:
    return datasets.Dataset(frame=frame.reset_index(drop=True), label="test", rows=len(frame))


def box_around(lat: float, lon: float, zoom: int):
    d = 0.001
    return query_box({"_southWest": {"lat": lat - d, "lng": lon - d}, "_northEast": {"lat": lat + d, "lng": lon + d}}, zoom)


# ---- 6. a marker budget at every zoom -----------------------------------------------------------------

def test_twenty_thousand_incidents_at_one_point_are_one_stack_at_the_last_zoom() -> None:
    data = dataset_of(frame_of(20_000))
    lat, lon = data.latlon
    mask = np.ones(len(data.frame), dtype=bool)
    items = view_items(world_of(data), lat, lon, data.type_codes[0], mask, box_around(50.45, 30.52, MAX_ZOOM))
    assert items.stacks and len(items.points) == 0 and list(items.cluster_count) == [20_000]
    payload = map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                          districts=[], selected=None, shown=20_000)
    assert len(json.dumps(payload)) < 5_000  # was 17.5 MB: every incident with its popup, on every rerun
    # The stack's cell finds its incidents again, for the table.
    cell = tuple(payload["clusters"][0]["cell"])
    assert int(cell_mask(world_of(data), cell).sum()) == 20_000


def test_the_selected_incident_is_drawn_beside_its_stack() -> None:
    data = dataset_of(frame_of(1_000))
    lat, lon = data.latlon
    items = view_items(world_of(data), lat, lon, data.type_codes[0], np.ones(1_000, dtype=bool),
                       box_around(50.45, 30.52, MAX_ZOOM), keep=7)
    assert list(items.points) == [7] and list(items.cluster_count) == [999]


def test_below_the_budget_the_last_zoom_draws_markers() -> None:
    data = dataset_of(frame_of(POINT_BUDGET))
    lat, lon = data.latlon
    items = view_items(world_of(data), lat, lon, data.type_codes[0], np.ones(POINT_BUDGET, dtype=bool),
                       box_around(50.45, 30.52, MAX_ZOOM))
    assert len(items.points) == POINT_BUDGET and not len(items.cluster_count)


@pytest.mark.parametrize("zoom", ["12", 12.0, "nan", float("nan"), float("inf"), None, "x", [], {}])
def test_a_zoom_of_any_shape_from_the_browser_gives_a_box(zoom) -> None:
    box = query_box(None, zoom, (50.0, 30.0))
    assert 0 <= box.zoom <= MAX_ZOOM and box.zoom == (12 if zoom in ("12", 12.0) else 4)


def test_a_stack_link_restores_the_stack_and_a_bad_one_gives_a_notice() -> None:
    months = list(pd.period_range("2023-01", "2023-12", freq="M"))
    view = parse_view({"cell": "1100000,700000"}, months, set(), set(), set())
    assert view.cell == (1_100_000, 700_000) and view_params(view)["cell"] == "1100000,700000"
    for bad in ("1,2,3", "-1,2", "x,y", "99999999999,1", "1e3,2", "1198373,5"):
        broken = parse_view({"cell": bad}, months, set(), set(), set())
        assert broken.cell is None and broken.notices


@pytest.mark.parametrize("properties, cell", [
    ({"stack": 12, "cell": [3, 4], "id": "stack:3,4"}, (3, 4)),
    ({"id": "syn-1"}, None), ({"stack": 1, "cell": "3,4"}, None), ({"stack": 1, "cell": [3.5, 4]}, None),
    ({"stack": 1, "cell": [3]}, None),
])
def test_only_a_real_stack_click_lists_a_stack(properties: dict, cell) -> None:
    assert stack_cell(properties) == cell


# ---- 8. many types --------------------------------------------------------------------------------------

def test_more_than_32767_types_keep_their_own_codes_and_the_payload_carries_only_the_types_in_view() -> None:
    n = 40_000
    frame = frame_of(n, types=[f"type {i:05d}" for i in range(n)])
    frame["geometry"] = [Point(30.0 + (i % 200) * 0.01, 50.0 + (i // 200) * 0.01) for i in range(n)]
    data = dataset_of(frame)
    codes, types = data.type_codes
    assert [types[c] for c in codes[[0, 32_767, 32_768, 39_999]]] == list(frame["type"].iloc[[0, 32_767, 32_768, 39_999]])
    lat, lon = data.latlon
    mask = np.zeros(n, dtype=bool)
    mask[[5, 39_999]] = True
    items = view_items(world_of(data), lat, lon, codes, mask, query_box(None, 3, (51.0, 31.0)))
    payload = map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                          districts=[], selected=None, shown=2)
    assert sorted(payload["types"]) == ["type 00005", "type 39999"] and set(payload["colours"]) == set(payload["types"])


def test_cluster_types_point_into_the_payloads_own_list() -> None:
    frame = frame_of(2_000, types=["beta", "gamma", "alpha"] * 666 + ["beta", "gamma"])
    frame["geometry"] = [Point(30.0 + (i % 50) * 0.02, 50.0 + (i // 50) * 0.02) for i in range(2_000)]
    data = dataset_of(frame)
    lat, lon = data.latlon
    items = view_items(world_of(data), lat, lon, data.type_codes[0], np.ones(2_000, dtype=bool), query_box(None, 5, (50.4, 30.5)))
    payload = map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                          districts=[], selected=None, shown=2_000)
    assert payload["clusters"]
    named = {payload["types"][code] for cluster in payload["clusters"] for code in (t["type"] for t in cluster["types"])}
    assert named == {"alpha", "beta", "gamma"}
    # Three types at most: a cluster's type counts add up to its count.
    assert all(sum(t["count"] for t in cluster["types"]) == cluster["count"] for cluster in payload["clusters"])


# ---- 8. templating ----------------------------------------------------------------------------------------

TEMPLATE_TEXT = "{parent} {data} _incidents0 _base0 map_base0 feature_group_0 {{'incidents0'}} {{ 'x' }} __{{"


def test_text_that_looks_like_a_template_reaches_the_browser_unchanged() -> None:
    frame = synthetic_incidents(2, seed=5)
    frame["title"] = TEMPLATE_TEXT
    frame["description"] = TEMPLATE_TEXT
    data = dataset_of(frame)
    lat, lon = data.latlon
    items = view_items(world_of(data), lat, lon, data.type_codes[0], np.ones(2, dtype=bool), query_box(None, 2, (48.0, 32.0)))
    layer = incidents_layer(map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                                        districts=[], selected=None, shown=2))
    m = stable_ids(folium.Map(tiles=None), "base")
    # What streamlit-folium sends to the browser for the layer, after its own renaming of folium's variables.
    script = _get_feature_group_string(layer, m)
    found = re.search(r"SIM\.draw\([^,]+, (.*)\);", script)
    assert found
    payload = json.loads(found.group(1))
    titles = {f["properties"]["title"] for f in payload["points"]["features"]}
    notes = {fact["value"] for f in payload["points"]["features"] for fact in f["properties"]["facts"]
             if fact["label"] == "Description"}
    assert titles == notes == {TEMPLATE_TEXT}


# ---- 2. malformed conflicts -------------------------------------------------------------------------------

@pytest.mark.parametrize("conflict, expected", [
    (1, ("?", [])), (None, ("?", [])), ({"field": 1}, ("?", [])), ({"field": "date"}, ("date", [])),
    ({"field": "date", "values": None}, ("date", [])), ({"field": "date", "values": [None, 1, {"value": 5}]},
                                                         ("date", [("5", "?")])),
    ({"field": "killed", "values": [{"value": 3, "source": "a"}, {"value": 4, "source": "b"}]},
     ("killed", [("3", "a"), ("4", "b")])),
])
def test_conflicts_are_read_defensively(conflict, expected) -> None:
    assert conflict_sides(conflict) == expected


def test_the_table_lists_conflict_fields_of_any_shape() -> None:
    assert conflict_fields([1, None, {"field": "date"}, {"values": []}]) == "?, ?, date, ?"
    assert conflict_fields(None) == conflict_fields("x") == conflict_fields(float("nan")) == ""


# ---- 7. names through Markdown -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "![img](http://127.0.0.1:9/pixel.png).csv", "[click](https://example.org)", "www.example.org.csv",
    "https://example.org/x.csv", "me@example.org", "a\n---\nb", "a\n- item", "# heading", ":red[alarm] :material/home:",
    "$x^2$", "<b>bold</b>", "`code`", "a\u2028- b",
])
def test_escaped_names_have_no_markdown_left(name: str) -> None:
    escaped = escape_markdown(name)
    assert "\n" not in escaped and "\u2028" not in escaped
    # Every punctuation mark is escaped: no link, image, list, rule, heading, directive or bare URL survives.
    unescaped = re.sub(r"\\.", "", escaped)
    assert not re.search(r"[!\[\]()<>#:`$.@/-]", unescaped), escaped
    # GitHub's bare links are found after escapes are undone: a word joiner must break each one.
    shown = re.sub(r"\\(.)", r"\1", escaped)
    assert not re.search(r"(?i)www\.|://|@\w", shown), shown


# ---- 8. the upload is hashed once ---------------------------------------------------------------------------

class FakeUpload:
    def __init__(self, data: bytes, file_id: str) -> None:
        self.data, self.file_id, self.name, self.size, self.reads = data, file_id, "x.csv", len(data), 0

    def getvalue(self) -> bytes:
        self.reads += 1
        return self.data


def test_an_upload_is_hashed_once_not_on_every_rerun() -> None:
    digests: dict[str, str] = {}
    upload = FakeUpload(b"x" * 1000, "id-1")
    first = [loaders.upload_digest(upload, digests) for _ in range(5)]
    assert len(set(first)) == 1 and upload.reads == 1
    other = FakeUpload(b"y" * 1000, "id-2")
    assert loaders.upload_digest(other, digests) != first[0] and list(digests) == ["id-2"]


def test_a_file_that_failed_is_not_read_again_on_every_rerun() -> None:
    from geo.problems import DataError, Problem

    calls = []

    def failing(_told=None):
        calls.append(1)
        raise DataError([Problem("bad.csv", 1, None, "broken")])

    key = ("test", "a file that fails", len(INCIDENT_COLUMNS))
    for _ in range(3):
        with pytest.raises(DataError):
            loaders._remember(key, failing)
    assert len(calls) == 1


def _tiny_dataset():
    return datasets.from_catalogue(loaders.catalogue())


@pytest.mark.parametrize("outcome", ["loaded", "refused", "crashed"])
def test_a_file_being_read_is_waited_for_with_its_progress_never_read_twice_at_once(outcome: str) -> None:
    import threading

    from geo.problems import DataError, Problem

    started, release, calls = threading.Event(), threading.Event(), []

    def load(told):
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            told(0.4, "Read 40,000 features")
            started.set()
            release.wait(10)
            if outcome == "refused":
                raise DataError([Problem("big.geojson", 3, None, "broken")])
            if outcome == "crashed":
                raise RuntimeError("the first reader died")
        return _tiny_dataset()

    key = ("test", "read at once", outcome)
    results: dict[str, object] = {}

    def first() -> None:
        try:
            results["first"] = loaders._remember(key, load)
        except Exception as exc:  # the test compares what each caller got
            results["first"] = exc

    reader = threading.Thread(target=first, name="first-reader")
    reader.start()
    assert started.wait(10)
    seen: list[tuple[float, str]] = []
    threading.Timer(3 * loaders.LOADING_POLL_S, release.set).start()
    try:
        second = loaders._remember(key, load, lambda fraction, message: seen.append((fraction, message)))
    except Exception as exc:
        second = exc
    reader.join(10)
    assert seen and set(seen) == {(0.4, "Read 40,000 features")}  # the first reader's progress, shown meanwhile
    if outcome == "loaded":
        assert calls == ["first-reader"] and second is results["first"]
    elif outcome == "refused":  # the refusal is remembered: the second caller gets it without reading again
        assert calls == ["first-reader"] and isinstance(second, DataError) and second is results["first"]
    else:  # a crash is not remembered: the waiting caller reads the file itself
        assert len(calls) == 2 and isinstance(results["first"], RuntimeError) and second is not None
    assert key not in loaders._loading()


def test_a_load_runs_without_the_collector_and_leaves_its_objects_frozen() -> None:
    # Re-enabled after an import, the collector scanned everything the import made: 3.5 s at a million rows.
    import gc

    from dashboard.data.dataset import Dataset

    seen = []

    def load() -> Dataset:
        seen.append(gc.isenabled())
        return Dataset(frame=loaders.bundled().frame, label="fresh")

    gc.unfreeze()
    try:
        data = loaders._frozen(load)
        assert seen == [False] and gc.isenabled() and isinstance(data, Dataset)
        assert gc.get_freeze_count() > 0
        gc.unfreeze()

        def failing() -> Dataset:
            raise geo.DataError([])

        with pytest.raises(geo.DataError):
            loaders._frozen(failing)
        assert gc.isenabled() and gc.get_freeze_count() == 0  # a failed load freezes nothing
    finally:
        gc.unfreeze()


def test_a_loaded_dataset_is_left_out_of_the_collectors_passes_until_it_leaves() -> None:
    # Streamlit collects garbage after every run: a full pass over a million incidents took 2 s per slider step.
    import gc
    from collections import OrderedDict

    from dashboard.data.dataset import Dataset

    data = Dataset(frame=loaders.bundled().frame, label="frozen")
    try:
        data.map_drawn.set()  # a browser drew its map: nothing more to wait for
        loaders._settle(data, quiet_s=0.0)
        assert gc.get_freeze_count() > 0 and "positions" in data.__dict__  # its indexes built first
        entries = OrderedDict((("k", i), data) for i in range(loaders.REGISTRY_SIZE + 1))
        loaders._trim(entries)  # one dataset leaves: everything is scanned again
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_a_loaded_datasets_indexes_wait_for_its_first_map() -> None:
    # Built beside the page's first run, they took its turns at the GIL: a million incidents' map came 2 s later.
    import gc
    import threading

    from dashboard.data.dataset import Dataset

    data = Dataset(frame=loaders.bundled().frame, label="waiting")
    settling = threading.Thread(target=loaders._settle, args=(data, 30.0, 0.0))
    try:
        settling.start()
        settling.join(0.5)
        assert settling.is_alive() and "positions" not in data.__dict__
        data.map_drawn.set()  # as the map section does once the browser reports the map
        settling.join(10)
        assert not settling.is_alive() and "positions" in data.__dict__
    finally:
        data.map_drawn.set()
        settling.join()
        gc.unfreeze()


def test_an_imported_file_shown_beside_the_catalogue_settles_when_that_map_is_drawn() -> None:
    from dashboard.data.dataset import Dataset

    imported = Dataset(frame=loaders.bundled().frame.iloc[:0], label="beside", key=("test", "beside"))
    both = loaders.combined(imported)
    assert both.map_drawn is imported.map_drawn  # drawing the joined map lets the imported file's work go on

def test_the_copy_kept_for_a_restart_waits_for_the_indexes_not_only_the_map(tmp_path, monkeypatch) -> None:
    # Written beside the indexes, the two transient copies made a million-row server's peak (1.48 GB).
    import gc
    import threading
    import time

    from geo import geojson_text
    from geo.synthetic import synthetic_incidents

    path = tmp_path / "kept.geojson"
    path.write_text(geojson_text(synthetic_incidents(200, seed=5)), encoding="utf-8")
    kept = tmp_path / "cache"
    monkeypatch.setenv("SIM_CACHE_DIR", str(kept))
    before = set(threading.enumerate())
    data = loaders._imported(path, path.name, None, geo.ImportOptions())
    [copying] = [t for t in threading.enumerate() if t.name == "import-cache" and t not in before]
    try:
        data.map_drawn.set()  # the browser drew the map: the indexes may be built, the copy not yet
        time.sleep(0.5)
        assert copying.is_alive() and not list(kept.glob("*.parquet"))
        loaders._settle(data, 0.0, 0.0)
        copying.join(30)
        assert not copying.is_alive() and len(list(kept.glob("*.parquet"))) == 1
    finally:
        data.settled.set()
        copying.join(30)
        gc.unfreeze()



def test_the_copy_kept_for_a_restart_waits_until_the_pages_stop_drawing_its_map() -> None:
    # Written while a reader moved the slider (4 s of a core at a million rows), it slowed their first steps.
    import gc
    import threading
    import time

    from dashboard.data.dataset import Dataset

    data = Dataset(frame=loaders.bundled().frame, label="busy")
    settling = threading.Thread(target=loaders._settle, args=(data, 30.0, 0.5))
    try:
        data.map_drawn.set()
        settling.start()
        until = time.monotonic() + 1.5
        while time.monotonic() < until:  # a page drawing the map every 0.1 s
            data.map_drawn.set()
            assert not data.settled.is_set()
            time.sleep(0.1)
        assert "positions" in data.__dict__  # the indexes did not wait: the first filter needs them
        assert data.settled.wait(1.5)  # quiet for half a second: the copy may be written
    finally:
        data.map_drawn.set()
        settling.join()
        gc.unfreeze()


def test_the_data_read_as_the_server_starts_is_the_one_the_page_asks_for(tmp_path) -> None:
    from geo import geojson_text
    from geo.synthetic import synthetic_incidents

    path = tmp_path / "started.geojson"
    path.write_text(geojson_text(synthetic_incidents(300, seed=3)), encoding="utf-8")
    argv = ["--data", str(path), "--duplicates", "reject"]
    thread = loaders.preload(argv)
    assert thread is not None
    thread.join(60)
    # what the page asks for (its options from the same arguments) is in the registry: not read again
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loaders, "_imported", lambda *args: calls.append(args))
        found = loaders.dataset_from_path(path, None, loaders.data_options(argv))
    assert calls == [] and len(found.frame) == 300
    assert loaders.preload(["--data", str(tmp_path / "missing.geojson")]) is None
    assert loaders.preload(["--data", str(path), "--duplicates", "sometimes"]) is None  # the page says what is wrong
    assert loaders.preload([], environ={}) is None


def test_a_bad_reading_argument_is_the_pages_to_report_not_an_exit() -> None:
    argv = ["--data", "big.geojson", "--duplicates", "sometimes"]
    assert loaders.data_argument(argv, environ={}) == Path("big.geojson")
    with pytest.raises(ValueError, match="sometimes"):
        loaders.data_options(argv)
