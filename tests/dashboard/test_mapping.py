"""The folium map: no CDN, a small base map, and an incidents payload holding exactly the view's incidents."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geo
from dashboard.data import dataset as datasets
from dashboard.data.filters import Filters, dataset_mask
from dashboard.map import basemap
from dashboard.map.assets import (
    BUNDLED_SCRIPTS,
    STATIC_DIR,
    STATIC_URL_PREFIX,
    bundle_text,
    iter_elements,
    map_bundle,
    missing_local_assets,
)
from dashboard.map.basemap import CONTEXT_PLACE_IDS, base_map, script_json
from dashboard.map.layer import (
    SPARE_COLOURS,
    TYPE_COLOURS,
    incidents_layer,
    map_payload,
    named_places,
    point_features,
    type_colour,
)
from dashboard.map.viewport import Box, fitted, framing, framing_of_rows, view_items, world_of

CDN_HOSTS = ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg")
WHOLE_WORLD = Box(4, 0.0, 0.0, 1.0, 1.0)
SIM_MAP_JS = STATIC_DIR / "js" / "sim-map.js"


@pytest.fixture(scope="module")
def titles(catalogue: geo.Catalogue) -> dict[str, str]:
    return {s.id: s.title for s in catalogue.sources.values()}


@pytest.fixture(scope="module")
def base_html(catalogue: geo.Catalogue) -> str:
    return rendered_base_map(catalogue)


def rendered_base_map(catalogue: geo.Catalogue) -> str:
    """The base map's HTML, with the catalogue's context places, as the page draws it (base_map as it is now)."""
    places = geo.places_frame(catalogue.places)
    return base_map(places[places["id"].isin(CONTEXT_PLACE_IDS)], (50.45, 30.52), 6).get_root().render()


def payload_for(data: datasets.Dataset, ids: list[str] | None = None, **kwargs) -> dict:
    """The payload of a view showing the given incidents (all if None), every one as a marker."""
    mask = np.ones(len(data.frame), dtype=bool) if ids is None else data.frame["id"].isin(ids).to_numpy()
    items = view_items(world_of(data), *data.latlon, data.type_codes[0], mask, WHOLE_WORLD, budget=10**6)
    return map_payload(data.type_codes[1], items, markers=point_features(data, items.points),
                       districts=kwargs.pop("districts", []), selected=kwargs.pop("selected", None),
                       shown=int(mask.sum()))


def payload_in(group: folium.FeatureGroup) -> dict:
    """Read the payload back out of the layer's rendered script, as the browser would."""
    m = folium.Map(tiles=None)
    group.add_to(m)
    html = m.get_root().render()
    found = re.search(r"SIM\.draw\(feature_group_\w+, (.*)\);", html)
    assert found, "no SIM.draw call in the layer"
    return json.loads(found.group(1), parse_constant=lambda name: pytest.fail(f"{name} in the payload"))


def feature_ids(payload: dict) -> list[str]:
    return [f["properties"]["id"] for f in payload["points"]["features"]]


# ---- base map ------------------------------------------------------------------------------------


def test_base_map_loads_nothing_from_a_cdn(base_html: str) -> None:
    for host in CDN_HOSTS:
        assert host not in base_html
    # Its scripts come as one file, Leaflet's, the full-screen control's and ours (map_bundle).
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', base_html)
    assert scripts == [f"{STATIC_URL_PREFIX}/{map_bundle()}"]
    assert f'href="{STATIC_URL_PREFIX}/vendor/leaflet/leaflet.css"' in base_html
    assert f"{STATIC_URL_PREFIX}/css/map.css" in base_html
    urls = re.findall(r'<(?:script[^>]*src|link[^>]*href)="([^"]+)"', base_html)
    for url in urls:
        assert url.startswith(f"{STATIC_URL_PREFIX}/"), url
        assert (STATIC_DIR / url.removeprefix(f"{STATIC_URL_PREFIX}/")).is_file(), url
    # We draw with plain Leaflet: folium's jQuery, Bootstrap and icon fonts are not loaded into the frame.
    assert not any(name in url for url in urls for name in ("jquery", "bootstrap", "fontawesome", "awesome-markers"))


def test_the_maps_scripts_are_one_file_made_of_each_as_it_is_in_order() -> None:
    bundle = (STATIC_DIR / map_bundle()).read_bytes()
    assert bundle == bundle_text()
    at = 0
    for name in BUNDLED_SCRIPTS:  # each whole, in the order they must run, its source-map line left out
        text = (STATIC_DIR / name).read_bytes()
        body = text.split(b"\n//# sourceMappingURL=")[0].rstrip()
        found = bundle.find(body, at)
        assert found >= at, name
        at = found + len(body)
    assert b"sourceMappingURL" not in bundle
    assert b"window.L=t" in bundle and b"leaflet.control.fullscreen" in bundle and b"SIM.draw" in bundle
    # A new name for new content: a browser never runs an older bundle kept under the same name.
    assert map_bundle().removeprefix("js/map-bundle.").removesuffix(".js") == hashlib.sha256(bundle).hexdigest()[:16]


def test_a_folder_that_cannot_be_written_loads_the_scripts_one_by_one(monkeypatch, tmp_path: Path, catalogue) -> None:
    import shutil

    from dashboard.map import assets

    for name in BUNDLED_SCRIPTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(STATIC_DIR / name, tmp_path / name)

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(assets.tempfile, "mkstemp", refused)
    assert assets.map_bundle(tmp_path) is None
    assert not list((tmp_path / "js").glob("map-bundle.*"))
    monkeypatch.undo()
    assert assets.map_bundle(tmp_path) is None  # a refusal is remembered until a script changes: one warning, not one a run
    assets._written_bundle.cache_clear()  # as a new server would
    # Written once it can be; an edited script makes a bundle of its own at once, under a new name.
    first = assets.map_bundle(tmp_path)
    assert first is not None and (tmp_path / first).read_bytes() == bundle_text(tmp_path)
    with (tmp_path / "js" / "sim-map.js").open("ab") as script:
        script.write(b"\n/* edited */\n")
    second = assets.map_bundle(tmp_path)
    assert second != first and (tmp_path / second).read_bytes().endswith(b"/* edited */\n;\n")
    assert not list((tmp_path / "js").glob(".map-bundle-*"))  # no file left half-way
    monkeypatch.setattr(basemap, "map_bundle", lambda: None)
    html = rendered_base_map(catalogue)
    assert re.findall(r'<script[^>]*src="([^"]+)"', html) == [
        f"{STATIC_URL_PREFIX}/vendor/leaflet/leaflet.js", f"{STATIC_URL_PREFIX}/js/sim-map.js",
        f"{STATIC_URL_PREFIX}/vendor/leaflet.fullscreen/Control.FullScreen.js"]


def test_base_map_is_small_and_fetches_its_outlines(base_html: str) -> None:
    # The outlines are a static file fetched once, not a megabyte of JSON re-sent with every rerun.
    assert len(base_html) < 20_000
    assert "Ukraine" not in base_html
    call = re.search(r'SIM\.outlines\("data/outlines\.json", (\w+), (\w+)\);', base_html)
    assert call, "the base map does not load the outlines"
    for variable in call.groups():
        assert f"var {variable} = L.geoJSON(null" in base_html
    assert "Kyiv districts \\u00a9 OpenStreetMap contributors, ODbL" in base_html or \
        "Kyiv districts © OpenStreetMap contributors, ODbL" in base_html
    for name in ("Artem plant", "Lukianivska metro station"):
        assert name in base_html


# ---- incidents payload ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wanted",
    [
        ["embassy-kyiv-2025-08-28"],
        ["socar-depot-odesa-2025-08-08", "socar-depot-odesa-2025-08-18", "azal-8243-crash-2024-12"],
        ["kharkiv-consulate-2022-03", "yekaterinburg-raid-2025-06", "embassy-kyiv-iskander-2025-11-14"],
    ],
)
def test_payload_holds_exactly_the_incidents_in_view(bundled: datasets.Dataset, titles: dict, wanted: list[str]) -> None:
    payload = payload_in(incidents_layer(payload_for(bundled, wanted)))
    assert sorted(feature_ids(payload)) == sorted(wanted)
    frame = bundled.frame.set_index("id")
    for feature in payload["points"]["features"]:
        record = feature["properties"]
        assert set(record) == {"id", "title", "type", "date_label", "corroborated", "support", "badges", "facts", "more",
                               "reveal", "disagreements", "coding_note", "sources", "uncertainty_m"}
        row = frame.loc[feature["id"]]
        assert feature["geometry"]["coordinates"] == [round(row.geometry.x, 6), round(row.geometry.y, 6)]
        exact = row["precision"] in ("point", "site")
        assert record["uncertainty_m"] == (None if exact else row["radius_m"])
        precision = [f["value"] for f in record["facts"] if f["label"] == "Location precision"]
        assert precision == ([] if exact else [f"{row['precision']} (± {round(row['radius_m']):,} m)"])
        quotes = [s["quote"] for s in row["sources"]]
        assert [s["quote"] for s in record["sources"]] == quotes
        for item in record["sources"]:
            assert item["title"] == titles[item["id"]]
            assert item["readable"] is True  # the bundled articles open in the reader
    assert payload["clusters"] == []
    assert payload["view"]["points"] == len(wanted)


def test_every_incident_in_the_payload(bundled: datasets.Dataset) -> None:
    assert sorted(feature_ids(payload_for(bundled))) == sorted(bundled.frame["id"])


def test_empty_view_gives_an_empty_payload(bundled: datasets.Dataset) -> None:
    payload = payload_in(incidents_layer(payload_for(bundled, [])))
    assert payload["points"]["features"] == [] and payload["clusters"] == []


def test_payload_is_strict_json_without_nan(bundled: datasets.Dataset) -> None:
    # Regression: a missing weapon/time was NaN, which is not JSON and showed as "Weapon: NaN" in popups.
    assert bundled.frame["weapon"].isna().any()
    payload = payload_in(incidents_layer(payload_for(bundled)))
    yekaterinburg = next(f for f in payload["points"]["features"] if f["id"] == "yekaterinburg-raid-2025-06")
    labels = [fact["label"] for fact in yekaterinburg["properties"]["facts"]]
    assert "Weapon" not in labels and "nan" not in json.dumps(yekaterinburg).lower()
    date_fact = next(fact["value"] for fact in yekaterinburg["properties"]["facts"] if fact["label"] == "Date")
    assert "local, as reported" not in date_fact  # no time reported


def test_the_payload_cannot_close_its_script_tag() -> None:
    hostile = {"title": "</script><script>alert(1)</script>", "amp": "a & b", "ls": "x\u2028y\u2029z", "<": ">"}
    text = script_json(hostile)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == hostile


def test_the_layer_is_identical_for_an_identical_view(bundled: datasets.Dataset) -> None:
    # streamlit-folium redraws (and closes popups) only when the layer's script changes.
    first = incidents_layer(payload_for(bundled, ["kharkiv-consulate-2022-03"]))
    second = incidents_layer(payload_for(bundled, ["kharkiv-consulate-2022-03"]))
    m1, m2 = folium.Map(tiles=None), folium.Map(tiles=None)
    m1._id = m2._id = "same"
    first.add_to(m1)
    second.add_to(m2)
    assert m1.get_root().render() == m2.get_root().render()


def test_layer_loads_nothing_from_a_cdn(bundled: datasets.Dataset) -> None:
    group = incidents_layer(payload_for(bundled))
    assert missing_local_assets(group) == []
    for element in iter_elements(group):
        for attr in ("default_js", "default_css"):
            assert not getattr(element, attr, None)


def test_named_districts_are_highlighted_only_when_their_incident_is_in_view(
    bundled: datasets.Dataset, catalogue: geo.Catalogue
) -> None:
    district_ids = list(geo.districts_frame(catalogue.places)["id"])
    frame = bundled.frame
    fires = (frame["id"] == "embassy-kyiv-2025-08-28").to_numpy()
    named = named_places(bundled, fires, district_ids)
    assert len(named) == 6 and set(named) <= set(frame.loc[fires, "places"].iloc[0])
    assert named_places(bundled, ~fires, district_ids) == []
    assert set(named_places(bundled, np.ones(len(frame), dtype=bool), district_ids)) == set(named)
    payload = payload_for(bundled, ["embassy-kyiv-2025-08-28"], districts=named)
    assert payload["districts"] == sorted(named)


def test_the_popup_shows_a_few_short_free_fields_and_the_side_panel_all(bundled: datasets.Dataset) -> None:
    from dashboard.record import POPUP_FIELD_CHARS, POPUP_FIELDS, incident_record

    frame = bundled.frame.iloc[:2].copy()
    frame["notes"] = ["x" * (POPUP_FIELD_CHARS + 1), None]  # too long for the popup
    frame["fatalities"] = [3, 0]
    for name in ("a", "b", "c", "d", "e"):
        frame[name] = [f"value {name}", None]
    frame["sources"] = pd.Series([[{"source": "https://example.org/a", "quote": ""}],
                                  [{"source": "Reuters", "quote": ""}]], index=frame.index, dtype=object)
    data = datasets.Dataset(gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326"), "import.csv",
                            readable_sources=frozenset({"003_553f20544c4195fd"}), mapped_columns=frozenset({"a"}))
    payload = payload_for(data)
    first, second = ({fact["label"]: fact["value"] for fact in f["properties"]["facts"]} for f in payload["points"]["features"])
    # The first short fields, at most POPUP_FIELDS: not the long one, not the file's own copy of a mapped field ("a").
    assert [label for label in first if label in ("Notes", "Fatalities", "A", "B", "C", "D", "E")] == [
        "Fatalities", "B", "C", "D"][:POPUP_FIELDS]
    assert payload["points"]["features"][0]["properties"]["more"] == "3 more fields beside the map"
    assert second == {k: v for k, v in second.items() if k not in ("Notes", "A", "B")} and second["Fatalities"] == "0"
    sources = payload["points"]["features"][0]["properties"]["sources"]
    assert sources[0]["readable"] is False  # not a bundled article: no reader link
    assert sources[0]["url"] == "https://example.org/a"
    assert payload["points"]["features"][1]["properties"]["sources"][0]["url"] is None
    # The side panel's record: every field, whole.
    whole = incident_record(frame.iloc[0], titles={}, readable=frozenset(), extra_columns=data.extra_columns)
    shown = {fact["label"]: fact["value"] for fact in whole["facts"]}
    assert shown["Notes"] == "x" * (POPUP_FIELD_CHARS + 1)
    assert [shown[k] for k in ("A", "B", "C", "D", "E")] == [f"value {n}" for n in "abcde"] and whole["more"] == ""


def test_type_colours() -> None:
    assert len(set(TYPE_COLOURS.values())) == len(TYPE_COLOURS)
    assert type_colour("missile strike") == TYPE_COLOURS["missile strike"]
    # A type we do not curate (an import's vocabulary) always gets the same spare colour.
    assert type_colour("Battles") == type_colour("Battles") in SPARE_COLOURS
    assert len({type_colour(t) for t in ("Battles", "Protests", "Riots", "Explosions/Remote violence")}) > 1


def test_payload_lists_colours_for_every_type(bundled: datasets.Dataset) -> None:
    payload = payload_for(bundled)
    assert set(payload["colours"]) == set(bundled.frame["type"]) == set(payload["types"])


def test_dataset_mask_and_the_payload_agree(bundled: datasets.Dataset) -> None:
    from datetime import date

    mask = dataset_mask(bundled, date(2025, 8, 1), date(2025, 8, 31), Filters())
    ids = list(bundled.frame.loc[mask, "id"])
    assert sorted(feature_ids(payload_for(bundled, ids))) == sorted(ids)
    assert "socar-depot-odesa-2025-08-08" in ids


# ---- framing --------------------------------------------------------------------------------------


def rows_of(data: datasets.Dataset, ids: list[str] | pd.Series) -> np.ndarray:
    return np.flatnonzero(data.frame["id"].isin(list(ids)).to_numpy())


def test_framing_a_single_incident_zooms_in(bundled: datasets.Dataset) -> None:
    incidents = bundled.frame
    one = incidents[incidents["id"] == "embassy-kyiv-2025-08-28"]
    center, zoom = framing_of_rows(bundled, rows_of(bundled, one["id"]))
    assert center == pytest.approx((one.geometry.y.iloc[0], one.geometry.x.iloc[0]))
    assert zoom >= 14
    _, zoom_all = framing_of_rows(bundled, np.arange(len(incidents)))
    assert zoom_all < zoom


def test_framing_many_incidents_frames_them_all(bundled: datasets.Dataset) -> None:
    incidents = bundled.frame
    center, zoom = framing_of_rows(bundled, np.arange(len(incidents)))
    assert incidents.geometry.y.min() <= center[0] <= incidents.geometry.y.max()
    assert incidents.geometry.x.min() <= center[1] <= incidents.geometry.x.max()
    assert 1 <= zoom <= 6
    kyiv = incidents[incidents["id"].str.startswith("embassy-kyiv")]
    assert framing_of_rows(bundled, rows_of(bundled, kyiv["id"]))[1] > zoom


def test_framing_one_point_shows_its_uncertainty(bundled: datasets.Dataset) -> None:
    lat, lon = bundled.latlon
    city_wide = framing(lat[:1], lon[:1], 20_000.0)[1]
    assert city_wide < framing(lat[:1], lon[:1], 50.0)[1]
    for i in range(len(bundled.frame)):  # one incident is framed with its own radius
        assert framing_of_rows(bundled, np.array([i])) == framing(lat[[i]], lon[[i]], float(bundled.frame["radius_m"].iat[i]))


KYIV, KHARKIV, ODESA, BUENOS_AIRES = (50.45, 30.52), (50.0, 36.23), (46.48, 30.72), (-34.60, -58.38)


def points(*places: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([p[0] for p in places]), np.array([p[1] for p in places])


def test_framing_a_small_dataset_leaves_a_far_outlier_out() -> None:
    # Fewer than 50 points: one coded in Buenos Aires by mistake no longer decides the view (it zoomed out to the
    # Atlantic); it is only left out of the frame (the map draws it: pan or zoom out to it).
    lat, lon = points(KYIV, KHARKIV, ODESA, BUENOS_AIRES)
    assert fitted(lat, lon).tolist() == [True, True, True, False]
    assert framing(lat, lon) == framing(lat[:3], lon[:3])
    center, zoom = framing(lat, lon)
    assert 46 < center[0] < 51 and 30 < center[1] < 37 and zoom >= 5
    # Three points are enough for a middle; two are not (which one would be the outlier?).
    lat, lon = points(KYIV, KHARKIV, BUENOS_AIRES)
    assert fitted(lat, lon).tolist() == [True, True, False] and framing(lat, lon) == framing(lat[:2], lon[:2])
    lat, lon = points(KYIV, BUENOS_AIRES)
    assert fitted(lat, lon).all()
    # Many points: the far one is left out as well.
    rng = np.random.default_rng(1)
    lat = np.r_[rng.uniform(46, 51, 60), BUENOS_AIRES[0]]
    lon = np.r_[rng.uniform(24, 38, 60), BUENOS_AIRES[1]]
    assert fitted(lat, lon).tolist() == [True] * 60 + [False]
    assert framing(lat, lon)[1] >= 4


def test_framing_keeps_every_point_when_all_are_close(bundled: datasets.Dataset) -> None:
    # Points all within 2,500 km of their middle are all in view, however clumped: the bundled incidents (Ukraine,
    # Aktau, Yekaterinburg; half of them at one address in Kyiv), whichever three or more of them are shown.
    lat, lon = bundled.latlon
    for size in range(3, len(lat) + 1):
        for rows in itertools.combinations(range(len(lat)), size):
            assert fitted(lat[list(rows)], lon[list(rows)]).all(), [bundled.frame["id"].iat[i] for i in rows]
    center, zoom = framing_of_rows(bundled, np.arange(len(lat)))
    assert center == pytest.approx(((lat.min() + lat.max()) / 2, (lon.min() + lon.max()) / 2)) and zoom == 3
    # A dataset spread out keeps its spread: across Europe, Lisbon to Baku, no city is far from the rest.
    lat, lon = points((38.72, -9.14), (48.86, 2.35), (52.52, 13.40), (52.23, 21.01), KYIV, (55.76, 37.62),
                      (40.41, 49.87))
    assert fitted(lat, lon).all()


def test_framing_nothing_is_the_region() -> None:
    center, zoom = framing(np.zeros(0), np.zeros(0))
    assert all(math.isfinite(c) for c in center) and zoom <= 5


# ---- drawing script --------------------------------------------------------------------------------


def test_map_script_uses_text_content_never_html_parsing() -> None:
    script = SIM_MAP_JS.read_text(encoding="utf-8")
    code = "\n".join(line.split("//")[0] for line in script.splitlines())  # comments may mention innerHTML
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    assert "textContent" in code
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 ".html(", "srcdoc", "setAttribute(\"href\"", "javascript:"):
        assert sink not in code, sink
    # Links to sources that are not bundled articles: http(s) only, opened without the opener.
    assert 'url.protocol === "http:" || url.protocol === "https:"' in code
    assert "noopener" in code


def test_every_asset_the_page_can_ask_for_is_served_by_the_app(base_html: str, bundled: datasets.Dataset) -> None:
    # The base map (with its controls) and the incidents layer are all the page's map loads: each script and
    # stylesheet they name is one of the dashboard's own files, and nothing else is vendored for it.
    from dashboard.map.assets import REMOTE_TO_LOCAL, local_url

    urls = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', base_html)
    assert urls, "the base map names no script"
    for url in urls:
        assert url.startswith(f"{STATIC_URL_PREFIX}/"), url
        assert (STATIC_DIR / url.removeprefix(f"{STATIC_URL_PREFIX}/")).is_file(), url
    needed = {u.removeprefix(f"{STATIC_URL_PREFIX}/") for u in urls}
    if map_bundle() in needed:  # the scripts it is made of are loaded as it
        needed |= set(BUNDLED_SCRIPTS)
    assert set(REMOTE_TO_LOCAL.values()) <= needed  # no vendored file the page never loads
    layer = incidents_layer(payload_for(bundled))
    control = folium.LayerControl()
    for element in (layer, control):
        assert missing_local_assets(element) == []
    vendored = {path.parent.name for path in (STATIC_DIR / "vendor").glob("*/*") if path.is_file()}
    assert vendored == {"leaflet", "leaflet.fullscreen"}
    with pytest.raises(LookupError):
        local_url("https://example.org/npm/unknown@1.0.0/dist/unknown.js")


def test_the_benchmarks_textbook_map_loads_everything_from_its_own_folder() -> None:
    # benchmarks/naive_app.py: a default folium.Map with markers and popups, or FastMarkerCluster, offline.
    from folium.plugins import FastMarkerCluster

    from benchmarks.assets import BASELINE_ASSETS as assets
    from dashboard.map.assets import local_url

    m = folium.Map(tiles=None)
    elements = (m, folium.Marker((50.45, 30.52), popup=folium.Popup("x")), FastMarkerCluster([(50.45, 30.52)]))
    for element in elements:
        for attr in ("default_js", "default_css"):
            for _name, url in getattr(element, attr, None) or []:
                local = local_url(url, assets=assets)
                assert (assets.static_dir / local.removeprefix(f"{STATIC_URL_PREFIX}/")).is_file(), local
    assert (assets.static_dir / assets.icon_defaults_js).is_file()  # L.Marker's icons, from the vendored images
