#!/usr/bin/env bash
# Refetch the JS/CSS/font/image files that folium (and the plugins we use)
# would otherwise load from CDNs: the dashboard's (Leaflet, Leaflet.fullscreen)
# into dashboard/static/vendor/, and what the benchmarks' textbook folium map
# also loads (jQuery, Bootstrap, Font Awesome, awesome-markers, MarkerCluster,
# and Leaflet again: Streamlit serves no file from outside an app's static/)
# into benchmarks/static/vendor/.
#
# Every file comes from the npm registry through `npm pack` (no CDN, no
# GitHub).  Files are copied byte-for-byte, except the two small derived CSS
# files of the benchmarks, documented in benchmarks/static/vendor/README.md
# (bootstrap3-glyphicons/css/bootstrap-glyphicons.css and
# folium/leaflet.awesome.rotate.min.css), which are generated below.
# Each folder's README.md (and this script) is kept.
#
# Usage: dashboard/static/vendor/fetch.sh            # rewrite both vendor folders
#        VENDOR_DIR=/tmp/x BENCH_VENDOR_DIR=/tmp/y dashboard/static/vendor/fetch.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VENDOR_DIR="${VENDOR_DIR:-$ROOT/dashboard/static/vendor}"
BENCH_VENDOR_DIR="${BENCH_VENDOR_DIR:-$ROOT/benchmarks/static/vendor}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# name@version -> directory the tarball is unpacked into ($WORK/<key>/package)
fetch() {
    local spec="$1" key="$2"
    mkdir -p "$WORK/$key"
    (cd "$WORK/$key" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
}

fetch leaflet@1.9.4 leaflet
fetch jquery@3.7.1 jquery
fetch bootstrap@5.2.2 bootstrap5
fetch bootstrap@3.4.1 bootstrap3
fetch @fortawesome/fontawesome-free@6.2.0 fontawesome
fetch drmonty-leaflet-awesome-markers@2.0.2 awesome
# Same upstream code (L. Voogdt); used only for its LICENSE file, which the
# 2.0.2 tarball lacks.
fetch leaflet.awesome-markers@2.0.5 awesome_license
fetch leaflet.markercluster@1.1.0 markercluster
fetch leaflet.fullscreen@3.0.0 fullscreen

# Start clean, but keep the hand-written README.md and this script.
mkdir -p "$VENDOR_DIR" "$BENCH_VENDOR_DIR"
find "$VENDOR_DIR" "$BENCH_VENDOR_DIR" -mindepth 1 -maxdepth 1 ! -name README.md ! -name fetch.sh -exec rm -rf {} +
V="$VENDOR_DIR"
B="$BENCH_VENDOR_DIR"

# put SRC_DIR DEST_DIR FILE...  (FILE keeps its relative sub-path)
put() {
    local src="$1" dest="$2"
    shift 2
    for f in "$@"; do
        install -D -m 0644 "$src/$f" "$dest/$f"
    done
}

P="$WORK/leaflet/package"
put "$P/dist" "$V/leaflet" leaflet.js leaflet.css \
    images/marker-icon.png images/marker-icon-2x.png images/marker-shadow.png \
    images/layers.png images/layers-2x.png
put "$P" "$V/leaflet" LICENSE
cp -r "$V/leaflet" "$B/leaflet"

P="$WORK/jquery/package"
put "$P/dist" "$B/jquery" jquery.min.js
put "$P" "$B/jquery" LICENSE.txt

P="$WORK/bootstrap5/package"
put "$P/dist" "$B/bootstrap" css/bootstrap.min.css js/bootstrap.bundle.min.js
put "$P" "$B/bootstrap" LICENSE

P="$WORK/fontawesome/package"
put "$P" "$B/fontawesome-free" css/all.min.css LICENSE.txt \
    webfonts/fa-solid-900.woff2 webfonts/fa-regular-400.woff2 \
    webfonts/fa-brands-400.woff2 webfonts/fa-v4compatibility.woff2

P="$WORK/awesome/package"
# The unminified file, as folium references: the .min.js in this tarball is a
# stale 2.0.1 build without the extraClasses option that folium.Icon(angle=)
# relies on.
put "$P/js" "$B/leaflet-awesome-markers" leaflet.awesome-markers.js
put "$P/css" "$B/leaflet-awesome-markers" leaflet.awesome-markers.css \
    images/markers-soft.png images/markers-soft@2x.png \
    images/markers-shadow.png images/markers-shadow@2x.png
put "$WORK/awesome_license/package" "$B/leaflet-awesome-markers" LICENSE

P="$WORK/markercluster/package"
put "$P/dist" "$B/leaflet.markercluster" leaflet.markercluster.js \
    MarkerCluster.css MarkerCluster.Default.css
put "$P" "$B/leaflet.markercluster" MIT-LICENCE.txt

P="$WORK/fullscreen/package"
put "$P" "$V/leaflet.fullscreen" Control.FullScreen.js Control.FullScreen.css \
    icon-fullscreen.svg LICENSE

# --- derived files -----------------------------------------------------------
# Glyphicons (folium.Icon's default prefix="glyphicon"): the Glyphicons part of
# Bootstrap 3.4.1's dist/css/bootstrap.css, with the @font-face trimmed to the
# woff2/woff files we ship.
P="$WORK/bootstrap3/package"
put "$P/dist" "$B/bootstrap3-glyphicons" \
    fonts/glyphicons-halflings-regular.woff2 fonts/glyphicons-halflings-regular.woff
put "$P" "$B/bootstrap3-glyphicons" LICENSE
python3 - "$P/dist/css/bootstrap.css" "$B/bootstrap3-glyphicons/css/bootstrap-glyphicons.css" <<'PY'
import os
import re
import sys

src, dest = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(dest), exist_ok=True)
css = open(src, encoding="utf-8").read()
start = css.index("@font-face {\n  font-family: \"Glyphicons Halflings\";")
last = css.index(".glyphicon-menu-up:before")
end = css.index("}", last) + 1
body = css[start:end]
body = re.sub(
    r"src: url\(\"../fonts/glyphicons-halflings-regular.eot\"\);\s*src: [^;]*;",
    'src: url("../fonts/glyphicons-halflings-regular.woff2") format("woff2"), '
    'url("../fonts/glyphicons-halflings-regular.woff") format("woff");',
    body,
)
assert ".eot" not in body and ".svg" not in body and ".ttf" not in body, "font-face rewrite failed"
header = (
    "/*!\n * Glyphicons Halflings rules extracted from Bootstrap v3.4.1 dist/css/bootstrap.css\n"
    " * (https://getbootstrap.com/) by dashboard/static/vendor/fetch.sh.\n"
    " * Copyright 2011-2019 Twitter, Inc. Licensed under MIT (see ../LICENSE).\n"
    " * Glyphicons Halflings font: glyphicons.com, licensed to Bootstrap for free use.\n */\n"
)
with open(dest, "w", encoding="utf-8") as fh:
    fh.write(header + body + "\n")
PY

# folium.Icon(angle=N) adds the class "fa-rotate-N"; folium's CDN stylesheet
# defines those for 0..359 degrees.  Regenerate the same rules here.
python3 - "$B/folium/leaflet.awesome.rotate.min.css" <<'PY'
import os
import sys

dest = sys.argv[1]
os.makedirs(os.path.dirname(dest), exist_ok=True)
rules = "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(360))
with open(dest, "w", encoding="utf-8") as fh:
    fh.write("/* generated by dashboard/static/vendor/fetch.sh: classes used by folium.Icon(angle=...) */\n")
    fh.write(rules + "\n")
PY

for dir in "$V" "$B"; do
    echo "vendored into $dir:"
    (cd "$dir" && find . -type f | sort | xargs du -b | awk '{s+=$1; print} END {print s, "bytes total"}')
done
