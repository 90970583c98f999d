#!/usr/bin/env bash
# Rebuild data/countries.geojson: Natural Earth admin-0 country outlines
# (public domain) from the npm package world-atlas, converted from TopoJSON
# with topojson-client; ISO 3166-1 alpha-2 codes come from i18n-iso-countries
# (world-atlas only carries the numeric code).  Properties kept: name, iso_a2.
# The 1:50m topology is simplified with topojson-simplify (shared borders stay
# shared) to keep the file under 1 MB; coordinates are rounded to 3 decimals.
#
# Usage: data/build_countries_geojson.sh [SCALE [MIN_WEIGHT]]
#   SCALE       50m (default) or 110m
#   MIN_WEIGHT  topojson-simplify planar triangle area in square degrees;
#               default 0.005 for 50m, 0 (no simplification) for 110m
# Env: CRIMEA=ukraine (default) draws Crimea as part of Ukraine (ISO 3166-1,
#      UN GA resolution 68/262); Natural Earth 4.1.0's "de facto" admin-0 layer
#      puts it inside Russia -- CRIMEA=natural-earth keeps that unchanged.
#      OUT=path writes elsewhere than data/countries.geojson.
set -euo pipefail

SCALE="${1:-50m}"
if [ "$SCALE" = 50m ]; then MIN_WEIGHT="${2:-0.005}"; else MIN_WEIGHT="${2:-0}"; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/data/countries.geojson}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund \
    world-atlas@2.0.2 topojson-client@3.1.0 topojson-simplify@3.0.3 \
    i18n-iso-countries@7.14.0 >/dev/null

CRIMEA="${CRIMEA:-ukraine}"
case "$CRIMEA" in ukraine|natural-earth) ;; *) echo "CRIMEA must be ukraine or natural-earth" >&2; exit 2 ;; esac

node - "$SCALE" "$MIN_WEIGHT" "$OUT" "$CRIMEA" <<'JS'
const fs = require("fs");
const topojson = require("topojson-client");
const simplify = require("topojson-simplify");
const countries = require("i18n-iso-countries");

const [scale, minWeightArg, out, crimea] = process.argv.slice(2);
const minWeight = Number(minWeightArg);
const raw = JSON.parse(fs.readFileSync(require.resolve(`world-atlas/countries-${scale}.json`), "utf8"));

function inRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
// Move the polygon of country `from` that contains `point` into country `to`,
// merging shared arcs so no border is left between them.
function movePolygon(topology, from, to, point) {
  const geoms = topology.objects.countries.geometries;
  const src = geoms.find((g) => g.properties.name === from);
  const dst = geoms.find((g) => g.properties.name === to);
  if (!src || !dst || src.type !== "MultiPolygon") throw new Error(`cannot move polygon ${from} -> ${to}`);
  const coords = topojson.feature(topology, src).geometry.coordinates;
  const idx = coords.findIndex((p) => inRing(point, p[0]));
  if (idx < 0) throw new Error(`no polygon of ${from} contains ${point}`);
  const moved = { type: "Polygon", arcs: src.arcs[idx] };
  src.arcs = src.arcs.filter((_, i) => i !== idx);
  const merged = topojson.mergeArcs(topology, [dst, moved]);
  dst.type = merged.type;
  dst.arcs = merged.arcs;
}
if (crimea === "ukraine") movePolygon(raw, "Russia", "Ukraine", [34.1, 44.95]); // Simferopol

const rawFc = topojson.feature(raw, raw.objects.countries);
// simplify() keeps the arcs' structure, so polygon i of a simplified feature is
// polygon i of the raw one: a polygon whose outer ring collapses (small island
// states) falls back to its unsimplified rings instead of vanishing.
const topo = minWeight > 0 ? simplify.simplify(simplify.presimplify(raw), minWeight) : raw;
const fc = topojson.feature(topo, topo.objects.countries);

// Natural Earth entities without an ISO 3166-1 numeric code in world-atlas.
const NO_NUMERIC = { Kosovo: "XK" }; // XK: user-assigned code used by the EU, IMF, CLDR

const round = (x) => Math.round(x * 1000) / 1000;
function ring(coords) {
  const outRing = [];
  for (const [x, y] of coords) {
    const p = [round(x), round(y)];
    const q = outRing[outRing.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) outRing.push(p);
  }
  return outRing.length >= 4 ? outRing : null; // a closed ring needs 4 positions
}
function polygon(rings) {
  const kept = rings.map(ring);
  if (!kept[0]) return null; // outer ring collapsed
  return kept.filter(Boolean);
}
// world-atlas stitches polygons across the antimeridian (fine for d3's
// spherical clipping); Leaflet draws planar lines, so such a ring would paint a
// band across the whole map. Unwrap each ring to continuous longitudes and cut
// it into the [-180, 180] window (and its +-360 copies). A ring that goes
// round a pole (Antarctica's coast) is closed along that pole.
function unwrapOpen(open) {
  const out = [];
  let shift = 0;
  open.forEach(([x, y], i) => {
    if (i > 0) {
      const d = x + shift - out[i - 1][0];
      if (d > 180) shift -= 360;
      else if (d < -180) shift += 360;
    }
    out.push([x + shift, y]);
  });
  return out;
}
function unwrap(coords) {
  let open = coords.slice(0, -1);
  let out = unwrapOpen(open);
  const gap = out[0][0] - out[out.length - 1][0];
  if (Math.abs(gap) <= 180) return [...out, out[0]];
  // Pole ring: start it where it crosses the antimeridian, so the cut lands on +-180.
  const k = open.findIndex((p, i) => Math.abs(p[0] - open[(i + open.length - 1) % open.length][0]) > 180);
  open = [...open.slice(k), ...open.slice(0, k)];
  out = unwrapOpen(open);
  const first = out[0];
  const last = out[out.length - 1];
  const pole = first[1] < 0 ? -90 : 90;
  // Continue past the last point to the first one's copy 360 degrees on, then
  // run back along the pole in 90-degree steps (no segment longer than 180).
  const next = [first[0] + (last[0] > first[0] ? 360 : -360), first[1]];
  const step = next[0] > first[0] ? -90 : 90;
  const polePath = [];
  for (let x = next[0]; Math.abs(x - first[0]) > 1e-9; x += step) polePath.push([x, pole]);
  return [...out, next, ...polePath, [first[0], pole], first];
}
function clipX(coords, bound, keepBelow) {
  // Sutherland-Hodgman against the half-plane x <= bound (or x >= bound).
  const inside = (p) => (keepBelow ? p[0] <= bound : p[0] >= bound);
  const open = coords.slice(0, -1);
  const out = [];
  open.forEach((cur, i) => {
    const prev = open[(i + open.length - 1) % open.length];
    const cross = () => [bound, prev[1] + ((cur[1] - prev[1]) * (bound - prev[0])) / (cur[0] - prev[0])];
    if (inside(cur)) {
      if (!inside(prev)) out.push(cross());
      out.push(cur);
    } else if (inside(prev)) {
      out.push(cross());
    }
  });
  if (out.length) out.push(out[0]);
  return out;
}
function area(coords) {
  let a = 0;
  for (let i = 1; i < coords.length; i++) a += coords[i - 1][0] * coords[i][1] - coords[i][0] * coords[i - 1][1];
  return a / 2;
}
function splitAntimeridian(rings) {
  // Drop rings that only trace a pole (world-atlas's Antarctica has one).
  const kept = rings.filter((r) => !r.every(([, y]) => Math.abs(y) >= 89.99));
  if (!kept.length) return [];
  const unwrapped = kept.map(unwrap);
  for (let i = 1; i < unwrapped.length; i++) {
    // Keep each hole on the same 360-degree copy as its outer ring.
    const d = Math.round((unwrapped[i][0][0] - unwrapped[0][0][0]) / 360) * 360;
    if (d) unwrapped[i] = unwrapped[i].map(([x, y]) => [x - d, y]);
  }
  const xs = unwrapped.flat().map((p) => p[0]);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (lo >= -180 && hi <= 180) return [unwrapped];
  const parts = [];
  for (let shift = Math.ceil((-180 - hi) / 360) * 360; shift <= Math.floor((180 - lo) / 360) * 360; shift += 360) {
    const cut = unwrapped.map((r) => clipX(clipX(r.map(([x, y]) => [x + shift, y]), 180, true), -180, false));
    if (cut[0].length >= 4 && Math.abs(area(cut[0])) > 1e-9) {
      parts.push([cut[0], ...cut.slice(1).filter((h) => h.length >= 4 && Math.abs(area(h)) > 1e-9)]);
    }
  }
  return parts;
}
function polygons(coords, rawCoords) {
  const simplified = splitAntimeridian(coords).map(polygon);
  if (simplified.every(Boolean)) return simplified;
  return splitAntimeridian(rawCoords).map(polygon).filter(Boolean);
}
function geometry(g, rawG) {
  if (!g) return null;
  const groups = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  const rawGroups = rawG.type === "Polygon" ? [rawG.coordinates] : rawG.coordinates;
  if (g.type !== "Polygon" && g.type !== "MultiPolygon") throw new Error(`unexpected geometry ${g.type}`);
  const ps = groups.flatMap((c, i) => polygons(c, rawGroups[i]));
  if (!ps.length) return null;
  return ps.length === 1 ? { type: "Polygon", coordinates: ps[0] } : { type: "MultiPolygon", coordinates: ps };
}

const features = [];
const noCode = [];
fc.features.forEach((f, index) => {
  const name = f.properties.name;
  let iso = f.id !== undefined ? countries.numericToAlpha2(f.id) || null : null;
  if (!iso && NO_NUMERIC[name]) iso = NO_NUMERIC[name];
  if (!iso) noCode.push(name);
  const g = geometry(f.geometry, rawFc.features[index].geometry);
  if (!g) throw new Error(`${name}: geometry collapsed`);
  features.push({ type: "Feature", properties: { name, iso_a2: iso }, geometry: g });
});
features.sort((a, b) => a.properties.name.localeCompare(b.properties.name, "en"));
const doc = {
  type: "FeatureCollection",
  // Foreign member (RFC 7946 §6.1): where the data comes from.
  source: `Natural Earth 1:${scale.replace("m", "")}m admin-0 countries v4.1.0 (public domain), ` +
    `via npm world-atlas@2.0.2; simplified (min weight ${minWeight} sq. deg); ` +
    (crimea === "ukraine" ? "Crimea assigned to Ukraine (ISO 3166-1); " : "") +
    "converted by data/build_countries_geojson.sh",
  features,
};
fs.writeFileSync(out, JSON.stringify(doc) + "\n");
console.error(`${features.length} features -> ${out}; without ISO code: ${noCode.join(", ") || "none"}`);
JS
ls -l "$OUT"
