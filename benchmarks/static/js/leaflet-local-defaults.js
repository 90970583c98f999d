/*
 * Point Leaflet's default marker icon at the vendored images, so L.Marker
 * never guesses a path (Leaflet's own guess reads leaflet.css, which may not
 * have been applied yet when st_folium runs the map script).
 * Loaded right after vendor/leaflet/leaflet.js by dashboard/map/assets.py
 * (benchmarks/assets.py asks for it: the textbook map draws L.Marker); the
 * images path is resolved relative to this file, so it also works under a
 * server.baseUrlPath.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.L || !L.Icon || !L.Icon.Default) {
    return;
  }
  L.Icon.Default.imagePath = new URL("../vendor/leaflet/images/", script.src).href;
})();
