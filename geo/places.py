"""Curated places: the gazetteer's own entries, read from ``data/``.

``data/places.yaml`` holds hand-curated places, each with the public reference
its coordinates come from. ``data/kyiv_districts.yaml`` names Kyiv's districts;
their boundaries, names, points and radii are derived from the OpenStreetMap
export ``data/kyiv_districts.osm.geojson`` (ODbL), not typed in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .problems import Problem, display_path, read_yaml_list

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

PRECISIONS = ("point", "site", "neighbourhood", "district", "city", "region", "country")
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
_REQUIRED = ("id", "name", "kind", "lat", "lon", "precision", "radius_m", "reference")


@dataclass(frozen=True)
class Place:
    """A named location with its uncertainty and the reference its coordinates come from."""

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    precision: str
    radius_m: float
    reference: str
    country: str | None = None
    variants: tuple[str, ...] = ()
    parent: str | None = None
    note: str | None = None
    address: str | None = None
    source: str = "curated"
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Return the canonical name followed by every variant."""
        return (self.name, *self.variants)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def place_from_entry(entry: dict, file: str) -> tuple[Place | None, list[Problem]]:
    """Build a Place from one YAML entry, or explain why it cannot be used."""
    line = getattr(entry, "line", None)
    ident = entry.get("id") if isinstance(entry.get("id"), str) else None
    problems = [
        Problem(file, line, ident, f"missing required field '{key}'") for key in _REQUIRED if key not in entry
    ]
    if problems:
        return None, problems
    lat, lon, radius = _number(entry["lat"]), _number(entry["lon"]), _number(entry["radius_m"])
    if lat is None or not -90 <= lat <= 90:
        problems.append(Problem(file, line, ident, f"latitude {entry['lat']!r} is not a number in [-90, 90]"))
    if lon is None or not -180 <= lon <= 180:
        problems.append(Problem(file, line, ident, f"longitude {entry['lon']!r} is not a number in [-180, 180]"))
    if lat == 0 and lon == 0:
        problems.append(Problem(file, line, ident, "coordinates are (0, 0), a placeholder, not a place"))
    if radius is None or radius <= 0:
        problems.append(Problem(file, line, ident, f"radius_m {entry['radius_m']!r} is not a positive number"))
    if entry["precision"] not in PRECISIONS:
        problems.append(
            Problem(file, line, ident, f"precision {entry['precision']!r} is not one of {', '.join(PRECISIONS)}")
        )
    variants = entry.get("variants") or []
    if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
        problems.append(Problem(file, line, ident, "variants must be a list of strings"))
    if problems:
        return None, problems
    place = Place(
        id=str(entry["id"]),
        name=str(entry["name"]),
        kind=str(entry["kind"]),
        lat=lat,
        lon=lon,
        precision=entry["precision"],
        radius_m=radius,
        reference=str(entry["reference"]),
        country=entry.get("country"),
        variants=tuple(variants),
        parent=entry.get("parent"),
        note=entry.get("note"),
        address=entry.get("address"),
    )
    return place, []


def load_curated_places(path: Path) -> tuple[list[Place], list[Problem]]:
    """Read curated places from a YAML file; invalid entries become problems."""
    entries, problems = read_yaml_list(path)
    places = []
    for entry in entries:
        place, entry_problems = place_from_entry(entry, display_path(path))
        problems += entry_problems
        if place is not None:
            places.append(place)
    return places, problems


def outline_radius_m(geometry: BaseGeometry, lat: float, lon: float) -> float:
    """Return the largest distance from (lat, lon) to the geometry's outline, in metres."""
    exterior = geometry.convex_hull.exterior.coords
    cos_lat = math.cos(math.radians(lat))
    metres_per_degree = 111_320.0
    return max(
        math.hypot((x - lon) * cos_lat * metres_per_degree, (y - lat) * metres_per_degree) for x, y in exterior
    )


def load_districts(index_path: Path, boundaries_path: Path) -> tuple[list[Place], list[Problem]]:
    """Read the district list and derive each district's point, radius and names from its OSM boundary."""
    entries, problems = read_yaml_list(index_path)
    file = display_path(index_path)
    try:
        collection = json.loads(boundaries_path.read_text(encoding="utf-8"))
        features = {f["properties"]["@id"]: f for f in collection["features"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [], [*problems, Problem(display_path(boundaries_path), None, None, f"unusable boundaries: {exc}")]
    places = []
    for entry in entries:
        ident = entry.get("id")
        feature = features.get(entry.get("osm"))
        if not ident or feature is None:
            problems.append(
                Problem(file, entry.line, ident, f"no boundary {entry.get('osm')!r} in {boundaries_path.name}")
            )
            continue
        props = feature["properties"]
        geometry = shape(feature["geometry"])
        point = geometry.representative_point()
        osm_names = [props[k] for k in ("name:en", "int_name", "name:uk", "name:ru", "name") if k in props]
        name = entry.get("name") or props.get("name:en") or props["name"]
        variants = tuple(dict.fromkeys([*osm_names, *(entry.get("variants") or [])]))
        places.append(
            Place(
                id=ident,
                name=name,
                kind="district",
                lat=round(point.y, 6),
                lon=round(point.x, 6),
                precision="district",
                radius_m=round(outline_radius_m(geometry, point.y, point.x)),
                reference=f"OpenStreetMap {props['@id']} ({OSM_ATTRIBUTION}); point inside the boundary",
                country="UA",
                variants=variants,
                parent=entry.get("parent", "kyiv"),
                geometry=geometry,
            )
        )
    return places, problems


def load_places(data_dir: Path = DATA_DIR) -> tuple[list[Place], list[Problem]]:
    """Load every curated place and every district under a data directory."""
    curated, problems = load_curated_places(data_dir / "places.yaml")
    districts, district_problems = load_districts(
        data_dir / "kyiv_districts.yaml", data_dir / "kyiv_districts.osm.geojson"
    )
    places = curated + districts
    problems += district_problems + duplicate_id_problems(places, display_path(data_dir / "places.yaml"))
    return places, problems


def duplicate_id_problems(places: Iterable[Place], file: str) -> list[Problem]:
    """Report every place id used more than once."""
    seen: set[str] = set()
    problems = []
    for place in places:
        if place.id in seen:
            problems.append(Problem(file, None, place.id, "duplicate place id"))
        seen.add(place.id)
    return problems
