"""The incidents layer: what the map draws for one view, as data for ``SIM.draw`` in ``static/js/sim-map.js``.

The layer is one call, ``SIM.draw(group, payload)``, whose payload holds the markers and clusters of the
current view (:mod:`dashboard.map.viewport`) as JSON: each marker carries its incident's display record
(:mod:`dashboard.record`), each cluster its named fields. The script draws them and builds popups with
``textContent`` (never ``innerHTML``), so article text and imported files cannot become markup.
Only the layer changes from run to run: swapping it keeps the visitor's zoom and position.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import folium
import numpy as np

from ..data.dataset import Dataset
from ..record import incident_record
from .basemap import Script, stable_ids
from .viewport import ViewItems

# Chosen so that any two stay apart under the common colour-vision deficiencies: at least 12 CAM02-UCS units
# apart (14.8 here) with full deuteranomaly, protanomaly or tritanomaly, as colorspacious simulates them
# (tests/dashboard/test_palette.py). From Paul Tol's and Okabe & Ito's colour-blind-safe sets. The type is also
# written in the popup, the tooltip and the marker's accessible name: colour is never the only cue.
TYPE_COLOURS = {
    "missile strike": "#882255",
    "airstrike": "#cc79a7",
    "drone attack": "#aa4499",
    "attack": "#000000",
    "shelling": "#999933",
    "aircraft crash": "#332288",
    "police raid": "#009e73",
    "arrest": "#117733",
}
# Up to this zoom (a country or a region in view: a 56-px square is 70 km or more) clusters are shaded squares too.
DENSITY_MAX_ZOOM = 7
BADGE_MAX_PX = 52  # a cluster badge's largest size (static/js/sim-map.js): under CELL_PX, so badges never overlap
# How dense a square is, light to dark (ColorBrewer's YlOrRd, five classes: legible for the common colour-vision
# deficiencies, since it runs from light to dark).
DENSITY_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
# Types no curated colour knows (an import's own vocabulary) get one of these, always the same per type.
SPARE_COLOURS = ("#1abc9c", "#2e86c1", "#a04000", "#6c3483", "#117864", "#b03a2e", "#7d6608", "#1f618d")
RECORD_FIELDS = ("id", "title", "description", "type", "date_label", "time", "place_names", "precision", "radius_m",
                 "location_evidence", "weapon", "casualties", "corroboration", "conflicts", "coding_note", "sources",
                 "graphic", "flags")


def type_colour(incident_type: str) -> str:
    """Return the marker colour of an incident type (a fixed spare colour for types we do not curate)."""
    if incident_type in TYPE_COLOURS:
        return TYPE_COLOURS[incident_type]
    return SPARE_COLOURS[zlib.crc32(str(incident_type).encode("utf-8")) % len(SPARE_COLOURS)]


def point_features(dataset: Dataset, rows: np.ndarray) -> dict:
    """Return the incidents at the given row positions as a GeoJSON FeatureCollection of display records."""
    subset = dataset.frame.iloc[rows]
    lon, lat = subset.geometry.x.to_numpy(), subset.geometry.y.to_numpy()
    extra = dataset.extra_columns
    fields = [name for name in RECORD_FIELDS if name in subset]  # a frame from an older export may lack the newest
    features = []
    for row, x, y in zip(subset[[*fields, *extra]].to_dict("records"), lon, lat, strict=True):
        # The popup's brief record: the file's own copies of fields it shows (dates, links as written) are left out.
        record = incident_record(row, titles=dataset.source_titles, readable=dataset.readable_sources,
                                 extra_columns=extra, brief=True, skip=dataset.mapped_columns,
                                 headers=dataset.column_headers)
        features.append({
            "type": "Feature", "id": record["id"],
            "geometry": {"type": "Point", "coordinates": [round(float(x), 6), round(float(y), 6)]},
            "properties": record,
        })
    return {"type": "FeatureCollection", "features": features}


def map_payload(types: Sequence[str], items: ViewItems, *, markers: dict, districts: Sequence[str], selected: str | None,
                shown: int) -> dict:
    """Return what SIM.draw needs for one view: markers with their records, clusters or stacks, colours, districts.

    `types` are the dataset's incident types in code order; `markers`, the view's points as display records
    (:func:`point_features`). Only the types drawn in this view are sent (a dataset can have thousands); a cluster
    names its types by their position in the payload's own list.
    """
    used = sorted({*items.point_types.tolist(), *(code for found in items.cluster_types for code, _ in found)})
    position = {code: i for i, code in enumerate(used)}
    clusters = []
    # At low zoom, each cluster's grid square is shaded by its count under the bubbles: where incidents are dense
    # reads at a glance, as on a heat map, while the bubbles keep the numbers.
    density = bool(len(items.cluster_count)) and not items.stacks and items.zoom <= DENSITY_MAX_ZOOM
    # A cluster's badge sits at the centre of its grid square, not at its incidents' centroid: squares are
    # CELL_PX apart and a badge is at most BADGE_MAX_PX wide, so two badges never cover each other ("1,687"
    # hid "67"). A stack keeps its point: at the last zoom its incidents are all but at one spot.
    badges = np.column_stack([items.cluster_lat, items.cluster_lon]) if items.stacks else items.cell_centres()
    squares = items.cell_bounds() if density else None
    for i in range(len(items.cluster_count)):
        cluster = {
            "lat": round(float(badges[i, 0]), 5), "lon": round(float(badges[i, 1]), 5),
            "count": int(items.cluster_count[i]),
            "bounds": dict(zip(("south", "west", "north", "east"), (round(float(b), 5) for b in items.cluster_bounds[i]),
                               strict=True)),
            "types": [{"type": position[code], "count": count} for code, count in items.cluster_types[i]],
        }
        if items.stacks:  # the last zoom: a click lists the stack's incidents (found again by its cell)
            cluster["cell"] = [int(c) for c in items.cluster_cells[i]]
        if squares is not None:
            cluster["square"] = [round(float(b), 5) for b in squares[i]]
        clusters.append(cluster)
    return {
        "points": markers,
        "clusters": clusters,
        "types": [types[code] for code in used],
        "colours": {types[code]: type_colour(types[code]) for code in used},
        "districts": sorted(districts),
        "selected": selected,
        "density": {"max": int(items.cluster_count.max()), "colours": list(DENSITY_COLOURS)} if density else None,
        "view": {"points": len(items.points), "clusters": len(clusters), "clustered": items.clustered,
                 "in_box": items.in_box, "shown": shown, "stacks": items.stacks, "density": density},
    }


def named_places(dataset: Dataset, mask: np.ndarray, place_ids: Sequence[str]) -> list[str]:
    """Return which of the given places (Kyiv's districts) an incident passing `mask` names."""
    return [p for p in place_ids if bool(mask[dataset.rows_naming(p)].any())]


def incidents_layer(payload: dict) -> folium.FeatureGroup:
    """Return the layer of incidents in view: one SIM.draw call with the view's payload."""
    group = folium.FeatureGroup(name="Incidents in the window")
    group.add_child(Script("SIM.draw({parent}, {data});", payload))
    return stable_ids(group, "incidents")
