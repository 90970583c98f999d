"""The folium map: no CDN, the incidents layer holds exactly the incidents in view, popups never use innerHTML."""

from __future__ import annotations

import json
import math
import re

import folium
import geopandas as gpd
import pytest

import geo
from dashboard.assets import STATIC_URL_PREFIX, iter_elements, missing_local_assets
from dashboard.mapping import (
    _POPUP_JS,
    CONTEXT_PLACE_IDS,
    FALLBACK_COLOUR,
    IMPRECISE,
    POPUP_FIELDS,
    base_map,
    focus_of,
    incidents_layer,
    type_colour,
)
from geo.places import DATA_DIR

CDN_HOSTS = ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "unpkg")


@pytest.fixture(scope="module")
def catalogue() -> geo.Catalogue:
    return geo.load_catalogue()


@pytest.fixture(scope="module")
def incidents(catalogue: geo.Catalogue) -> gpd.GeoDataFrame:
    return geo.incidents_frame(catalogue)


@pytest.fixture(scope="module")
def districts(catalogue: geo.Catalogue) -> gpd.GeoDataFrame:
    return geo.districts_frame(catalogue.places)


@pytest.fixture(scope="module")
def titles(catalogue: geo.Catalogue) -> dict[str, str]:
    return {s.id: s.title for s in catalogue.sources.values()}


@pytest.fixture(scope="module")
def base_html(catalogue: geo.Catalogue, districts: gpd.GeoDataFrame) -> str:
    places = geo.places_frame(catalogue.places)
    context = places[places["id"].isin(CONTEXT_PLACE_IDS)]
    path = DATA_DIR / "countries.geojson"
    countries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return base_map(districts, context, countries, (50.45, 30.52), 6).get_root().render()


def layers(group: folium.FeatureGroup) -> list[folium.GeoJson]:
    return [child for child in group._children.values() if isinstance(child, folium.GeoJson)]


def marker_layer(group: folium.FeatureGroup) -> dict | None:
    found = [g.data for g in layers(group) if g.data["features"] and "title" in g.data["features"][0]["properties"]]
    assert len(found) <= 1
    return found[0] if found else None


def circle_layer(group: folium.FeatureGroup) -> dict | None:
    found = [g.data for g in layers(group)
             if g.data["features"] and set(g.data["features"][0]["properties"]) == {"id", "type", "radius_m"}]
    assert len(found) <= 1
    return found[0] if found else None


def district_layer(group: folium.FeatureGroup) -> dict | None:
    found = [g.data for g in layers(group)
             if g.data["features"] and g.data["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    assert len(found) <= 1
    return found[0] if found else None


def feature_ids(data: dict | None) -> list[str]:
    return [] if data is None else [f["properties"]["id"] for f in data["features"]]


# ---- base map ------------------------------------------------------------------------------------


def test_base_map_loads_nothing_from_a_cdn(base_html: str) -> None:
    for host in CDN_HOSTS:
        assert host not in base_html
    assert f'src="{STATIC_URL_PREFIX}/vendor/leaflet/leaflet.js"' in base_html
    assert f'href="{STATIC_URL_PREFIX}/vendor/leaflet/leaflet.css"' in base_html
    assert f"{STATIC_URL_PREFIX}/css/map.css" in base_html
    # Every script and stylesheet the page loads is the app's own.
    for url in re.findall(r'<(?:script[^>]*src|link[^>]*href)="([^"]+)"', base_html):
        assert url.startswith(f"{STATIC_URL_PREFIX}/"), url


def test_base_map_vendored_files_exist(base_html: str) -> None:
    from dashboard.assets import STATIC_DIR

    for url in re.findall(r'<(?:script[^>]*src|link[^>]*href)="([^"]+)"', base_html):
        assert (STATIC_DIR / url.removeprefix(f"{STATIC_URL_PREFIX}/")).is_file(), url


def test_base_map_has_the_district_outlines_and_the_layers(base_html: str, districts: gpd.GeoDataFrame) -> None:
    # Layer names only show in the layer control, which st_folium adds; the data is in the page.
    assert "Kyiv districts \\u00a9 OpenStreetMap contributors, ODbL" in base_html
    if (DATA_DIR / "countries.geojson").exists():
        assert "Ukraine" in base_html
    for name in districts["name"]:
        assert name in base_html


# ---- incidents layer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "wanted",
    [
        ["embassy-kyiv-2025-08-28"],
        ["socar-depot-odesa-2025-08-08", "socar-depot-odesa-2025-08-18", "azal-8243-crash-2024-12"],
        ["kharkiv-consulate-2022-03", "yekaterinburg-raid-2025-06", "embassy-kyiv-iskander-2025-11-14"],
    ],
)
def test_incidents_layer_holds_exactly_the_incidents_in_view(
    incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, titles: dict, wanted: list[str]
) -> None:
    subset = incidents[incidents["id"].isin(wanted)]
    group = incidents_layer(subset, districts, titles)
    data = marker_layer(group)
    assert sorted(feature_ids(data)) == sorted(wanted)
    assert sorted(f["id"] for f in data["features"]) == sorted(wanted)
    for feature in data["features"]:
        assert set(feature["properties"]) == set(POPUP_FIELDS)
        row = subset[subset["id"] == feature["id"]].iloc[0]
        assert feature["geometry"]["coordinates"] == [round(row.geometry.x, 6), round(row.geometry.y, 6)]
        for item in feature["properties"]["sources"]:
            assert item["title"] == titles[item["source"]]
    # Circles only for incidents in view, too.
    assert set(feature_ids(circle_layer(group))) <= set(wanted)


def test_all_incidents_in_the_layer(incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, titles: dict) -> None:
    assert sorted(feature_ids(marker_layer(incidents_layer(incidents, districts, titles)))) == sorted(incidents["id"])


def test_empty_view_gives_an_empty_layer(incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> None:
    group = incidents_layer(incidents.iloc[0:0], districts, {})
    assert layers(group) == []


def test_layer_properties_are_strict_json(incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, titles: dict) -> None:
    # Regression: a missing weapon/time/coding note was NaN, which is not JSON and showed as "Weapon: NaN" in popups.
    assert incidents["weapon"].isna().any()
    group = incidents_layer(incidents, districts, titles)
    for layer in layers(group):
        json.dumps(layer.data, allow_nan=False)
    yekaterinburg = next(f for f in marker_layer(group)["features"] if f["id"] == "yekaterinburg-raid-2025-06")
    assert yekaterinburg["properties"]["weapon"] is None
    assert yekaterinburg["properties"]["time"] is None
    m = folium.Map(tiles=None)
    group.add_to(m)
    assert not re.search(r"\bNaN\b", m.get_root().render())


def test_layer_loads_nothing_from_a_cdn(incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, titles: dict) -> None:
    group = incidents_layer(incidents, districts, titles)
    assert missing_local_assets(group) == []
    for element in iter_elements(group):
        for attr in ("default_js", "default_css"):
            for _, url in getattr(element, attr, None) or []:
                assert url.startswith(STATIC_URL_PREFIX), url


def test_named_districts_are_highlighted_only_when_their_incident_is_in_view(
    incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame
) -> None:
    fires = incidents[incidents["id"] == "embassy-kyiv-2025-08-28"]
    named = set(fires["places"].iloc[0]) & set(districts["id"])
    assert len(named) == 6
    highlighted = district_layer(incidents_layer(fires, districts, {}))
    assert {f["properties"]["id"] for f in highlighted["features"]} == named
    others = incidents[incidents["id"] != "embassy-kyiv-2025-08-28"]
    assert not any(set(p) & set(districts["id"]) for p in others["places"])
    assert district_layer(incidents_layer(others, districts, {})) is None
    # The whole catalogue: the same six districts, no more.
    everything = district_layer(incidents_layer(incidents, districts, {}))
    assert {f["properties"]["id"] for f in everything["features"]} == named


def test_imprecise_incidents_get_an_uncertainty_circle(incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> None:
    point = incidents[incidents["id"] == "embassy-kyiv-2025-08-28"].copy()
    point["id"], point["precision"], point["radius_m"] = "made-up-point", "point", 10.0
    frame = gpd.GeoDataFrame(
        [*incidents.to_dict("records"), *point.to_dict("records")], geometry="geometry", crs=incidents.crs
    )
    circles = circle_layer(incidents_layer(frame, districts, {}))
    expected = set(frame.loc[frame["precision"].isin(IMPRECISE), "id"])
    assert set(feature_ids(circles)) == expected
    assert "azal-8243-crash-2024-12" not in expected  # precision "site"
    assert "made-up-point" not in expected
    assert {"kharkiv-consulate-2022-03", "socar-depot-odesa-2025-08-08", "embassy-kyiv-2022-08"} <= expected
    for feature in circles["features"]:
        row = frame[frame["id"] == feature["properties"]["id"]].iloc[0]
        assert feature["properties"]["radius_m"] == row["radius_m"] > 0
    # Precise incidents alone: markers, no circles.
    precise = frame[~frame["precision"].isin(IMPRECISE)]
    group = incidents_layer(precise, districts, {})
    assert circle_layer(group) is None
    assert sorted(feature_ids(marker_layer(group))) == sorted(precise["id"])


def test_type_colours() -> None:
    assert type_colour("missile strike") != type_colour("drone attack")
    assert type_colour("something new") == FALLBACK_COLOUR


# ---- focus ---------------------------------------------------------------------------------------


def test_focus_of_a_single_incident_zooms_in(incidents: gpd.GeoDataFrame) -> None:
    one = incidents[incidents["id"] == "embassy-kyiv-2025-08-28"]
    center, zoom = focus_of(one)
    assert center == pytest.approx((one.geometry.y.iloc[0], one.geometry.x.iloc[0]))
    assert zoom >= 14
    _, zoom_all = focus_of(incidents)
    assert zoom_all < zoom


def test_focus_of_many_incidents_frames_them_all(incidents: gpd.GeoDataFrame) -> None:
    center, zoom = focus_of(incidents)
    assert incidents.geometry.y.min() <= center[0] <= incidents.geometry.y.max()
    assert incidents.geometry.x.min() <= center[1] <= incidents.geometry.x.max()
    assert 1 <= zoom <= 6
    kyiv = incidents[incidents["id"].str.startswith("embassy-kyiv")]
    assert focus_of(kyiv)[1] > zoom


def test_focus_of_nothing_is_the_region() -> None:
    center, zoom = focus_of(gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326"))
    assert all(math.isfinite(c) for c in center) and zoom <= 5


# ---- popup script ----------------------------------------------------------------------------------


def test_popup_script_uses_text_content_never_inner_html() -> None:
    script = _POPUP_JS.read_text(encoding="utf-8")
    code = "\n".join(line.split("//")[0] for line in script.splitlines())  # comments may mention innerHTML
    assert "textContent" in code
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 ".html(", "srcdoc"):
        assert sink not in code, sink
    assert "innerHTML" not in script.replace("never innerHTML", "")


def test_the_layer_embeds_the_popup_script(incidents: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> None:
    m = folium.Map(tiles=None)
    incidents_layer(incidents, districts, {}).add_to(m)
    rendered = m.get_root().render()
    assert "bindPopup(build" in rendered
    assert "textContent" in rendered
