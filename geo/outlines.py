"""Outlines for an offline base map: country outlines and Kyiv's districts, simplified for display, as one file.

Country outlines (Natural Earth, public domain, from ``data/countries.geojson``) and Kyiv's
district boundaries (OpenStreetMap, ODbL, through :func:`geo.load_places`) are simplified and
rounded, one collection per line. The dashboard serves the file as ``dashboard/static/data/outlines.json``;
rebuild it after changing either source with
``python -m geo outlines --output dashboard/static/data/outlines.json`` (a test checks it is up to date).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from .places import DATA_DIR, OSM_ATTRIBUTION, load_places
from .problems import DataError

COUNTRY_TOLERANCE_DEG = 0.02  # ~2 km: invisible at the zooms where the outlines matter
DISTRICT_TOLERANCE_DEG = 0.0001  # ~10 m


def _rounded(geometry: shapely.Geometry, decimals: int) -> dict:
    return mapping(shapely.transform(geometry, lambda xy: np.round(xy, decimals)))


def build_outlines(data_dir: Path = DATA_DIR) -> dict:
    """Return the display outlines: {"countries": FeatureCollection, "districts": FeatureCollection, "attribution"}."""
    countries = json.loads((data_dir / "countries.geojson").read_text(encoding="utf-8"))
    country_features = [
        {
            "type": "Feature",
            "properties": {"name": f["properties"].get("name")},
            "geometry": _rounded(shape(f["geometry"]).simplify(COUNTRY_TOLERANCE_DEG), 3),
        }
        for f in countries["features"]
        if f.get("geometry")
    ]
    places, problems = load_places(data_dir)
    if problems:
        raise DataError(problems)
    district_features = [
        {
            "type": "Feature",
            "properties": {"id": p.id, "name": p.name},
            "geometry": _rounded(p.geometry.simplify(DISTRICT_TOLERANCE_DEG), 5),
        }
        for p in places
        if p.geometry is not None
    ]
    return {
        "attribution": {
            "countries": "Natural Earth (public domain)",
            "districts": f"Kyiv districts {OSM_ATTRIBUTION}",
        },
        "countries": {"type": "FeatureCollection", "features": country_features},
        "districts": {"type": "FeatureCollection", "features": district_features},
    }


def outlines_text(data_dir: Path = DATA_DIR) -> str:
    """Return the outlines file's text: compact JSON, one collection per line."""
    outlines = build_outlines(data_dir)
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    parts = [f"{json.dumps(key)}:{json.dumps(value, **compact)}" for key, value in outlines.items()]
    return "{" + ",\n".join(parts) + "}\n"
