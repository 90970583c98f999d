/*
 * Drawing code for the incident map, loaded once into the map's frame (served by the app).
 *
 * The server sends only data: each rerun's incidents layer is one call to SIM.draw(group, payload)
 * with the markers and clusters for the current window and viewport. Every string that comes from
 * the data is put into the page with textContent or as an attribute value, never parsed as HTML,
 * so article text, imported files and URL parameters cannot become markup or script.
 */
(function () {
  "use strict";
  var SIM = window.SIM = window.SIM || {};
  var state = SIM._state = SIM._state || {districtLayer: null, highlighted: [], outlines: null};
  // Files the map fetches are resolved against this script's own URL (works under a baseUrlPath too).
  var script = document.currentScript;
  SIM.staticBase = SIM.staticBase || (script ? new URL("../", script.src).href : "/app/static/");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isWebUrl(value) {
    try {
      var url = new URL(String(value));
      return url.protocol === "http:" || url.protocol === "https:";
    } catch (e) {
      return false;
    }
  }

  function row(parent, label, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    var line = el("div", "sim-row");
    line.appendChild(el("span", "sim-label", label + ": "));
    line.appendChild(el("span", null, Array.isArray(value) ? value.join("; ") : value));
    parent.appendChild(line);
    return line;
  }

  function externalLink(text, url) {
    var link = el("a", "sim-external", text);
    link.href = new URL(url).href;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    return link;
  }

  // A fact of the record: its text, or its parts (text and http(s) links, as the record marked them), and a note.
  function factRow(parent, f) {
    if (!f || typeof f !== "object") return;
    if (!Array.isArray(f.parts)) {
      var plainLine = row(parent, f.label, f.value);
      if (plainLine && f.note) plainLine.appendChild(el("span", "sim-note", f.note));
      return;
    }
    var line = el("div", "sim-row");
    line.appendChild(el("span", "sim-label", f.label + ": "));
    f.parts.forEach(function (part) {
      if (!part || typeof part !== "object") return;
      line.appendChild(part.url && isWebUrl(part.url) ? externalLink(part.text, part.url) : el("span", null, part.text));
    });
    if (f.note) line.appendChild(el("span", "sim-note", f.note));
    parent.appendChild(line);
  }

  // The map lives in an iframe of the app's own origin: a reader link is the app page with new parameters.
  function readerHref(sourceId, incidentId) {
    var top = window.parent.location;
    var params = new URLSearchParams(top.search);
    params.set("source", sourceId);
    params.set("incident", incidentId);
    return top.pathname + "?" + params.toString();
  }

  function followInPage(event) {
    // The map's frame may not navigate the page itself (its sandbox lacks allow-top-navigation),
    // so the page follows the link on its behalf.
    event.preventDefault();
    // The reader, once open, takes the focus at the cited passage (dashboard/reader/document.py reads this).
    try { window.parent.sessionStorage.setItem("sim-focus-reader", "1"); } catch (e) { /* storage off */ }
    var doc = window.parent.document;
    var proxy = doc.createElement("a");
    proxy.href = event.currentTarget.href;
    doc.body.appendChild(proxy);
    proxy.click();
    proxy.remove();
  }

  function sourceList(items, incidentId) {
    var list = el("ol", "sim-sources");
    (Array.isArray(items) ? items : []).forEach(function (s) {
      if (!s || typeof s !== "object") return;
      var item = el("li");
      if (s.quote) {
        item.appendChild(el("q", "sim-quote", s.quote));
        item.appendChild(el("br"));
      }
      if (s.readable) {
        var link = el("a", "sim-open", "Open in source reader: " + s.title);
        link.href = readerHref(s.id, incidentId);
        link.target = "_top";
        link.setAttribute("data-source", s.id);
        link.addEventListener("click", followInPage);
        item.appendChild(link);
      } else if (s.url && isWebUrl(s.url)) {
        item.appendChild(externalLink(s.id, s.url));
      } else {
        item.appendChild(el("span", "sim-source-name", s.id));
      }
      list.appendChild(item);
    });
    return list;
  }

  // An incident's popup: its display record (built by the server, dashboard/record.py), laid out.
  SIM.popup = function (p) {
    var box = el("div", "sim-popup");
    box.setAttribute("data-incident", p.id);
    box.appendChild(el("div", "sim-title", p.title));
    var badges = el("div", "sim-badges");
    (Array.isArray(p.badges) ? p.badges : []).forEach(function (b) {
      if (b && typeof b === "object") badges.appendChild(el("span", "sim-badge sim-" + String(b.tone), b.text));
    });
    box.appendChild(badges);
    (Array.isArray(p.facts) ? p.facts : []).forEach(function (f) { factRow(box, f); });
    (Array.isArray(p.disagreements) ? p.disagreements : []).forEach(function (d) {
      if (d && typeof d === "object") row(box, "Disagreement on " + String(d.field), d.sides);
    });
    row(box, "Coding note", p.coding_note);
    if (p.more) box.appendChild(el("div", "sim-more", p.more));
    box.appendChild(sourceList(p.sources, p.id));
    // A graphic incident: what the record hides (its description, its links and sources) waits behind a click.
    if (p.reveal && typeof p.reveal === "object") {
      var details = el("details", "sim-reveal");
      var summary = el("summary", null, p.reveal.label);
      details.appendChild(summary);
      // The summary says what a click does: show the content, or once it is open, hide it again.
      details.addEventListener("toggle", function () {
        summary.textContent = String(details.open && p.reveal.hide_label ? p.reveal.hide_label : p.reveal.label);
      });
      (Array.isArray(p.reveal.facts) ? p.reveal.facts : []).forEach(function (f) { factRow(details, f); });
      details.appendChild(sourceList(p.reveal.sources, p.id));
      box.appendChild(details);
    }
    return box;
  };

  // Revealed graphic content makes the popup taller, upward from its marker: lay it out and pan the map again,
  // or its title slides out of the map's top. (Leaflet 1.9's popup.update() would rebuild the content, closing
  // the reveal again: so only its layout steps, which Leaflet 1.9.4, vendored and pinned, has.)
  function refitOnReveal(popup) {
    var element = popup.getElement && popup.getElement();
    var details = element && element.querySelector("details.sim-reveal");
    if (!details) return;
    details.addEventListener("toggle", function () {
      if (typeof popup._updateLayout !== "function" || typeof popup._adjustPan !== "function") return;
      popup._updateLayout();
      popup._updatePosition();
      popup._adjustPan();
    });
  }

  // Enter or Space on a focused marker does what a click does (Leaflet only opens a bound popup). The popup's
  // own key handler is taken off first: a key would open it, then the click close it again.
  function clickOnKey(layer) {
    if (layer._onKeyPress) layer.off("keypress", layer._onKeyPress, layer);
    layer.on("keypress", function (e) {
      var key = e.originalEvent && e.originalEvent.key;
      if (key !== "Enter" && key !== " ") return;
      L.DomEvent.preventDefault(e.originalEvent);
      layer.fire("click", {latlng: layer.getLatLng(), originalEvent: e.originalEvent}, true);  // up to its group, as a real click
    });
  }

  // ---- Keyboard and screen readers -----------------------------------------------------------------------
  // Every incident, cluster and stack is a named button. One of them is in the Tab order (the one last focused,
  // else the selected incident, else the westernmost); the arrow keys move between them from west to east,
  // Enter or Space opens one (its popup takes the focus), Escape closes the popup and gives the focus back.

  function incidentName(p) {
    var support = (p.badges || [])[1];
    return [p.title, p.date_label, p.type, support && support.text].filter(Boolean).join(", ");
  }

  function keyItems(group) {
    var items = [];
    (function visit(layer) {
      if (layer._simKey && (layer._path || layer._icon)) {
        var at = layer.getLatLng();
        items.push({layer: layer, node: layer._path || layer._icon, lat: at.lat, lon: at.lng});
      } else if (layer.eachLayer && !layer._simKey) {
        layer.eachLayer(visit);
      }
    })(group);
    items.sort(function (a, b) { return (a.lon - b.lon) || (b.lat - a.lat); });
    return items;
  }

  function focusItem(item, move) {
    state.keyItems.forEach(function (other) { other.node.setAttribute("tabindex", other === item ? "0" : "-1"); });
    state.focusedKey = item.layer._simKey.id;
    if (!move) return;
    item.node.focus({preventScroll: true});
    var map = window.map;
    if (map && !map.getBounds().contains([item.lat, item.lon])) map.panTo([item.lat, item.lon]);
  }

  function onItemKey(event, item) {
    var key = event.key, items = state.keyItems, at = items.indexOf(item);
    if (key === "ArrowRight" || key === "ArrowDown" || key === "ArrowLeft" || key === "ArrowUp") {
      event.preventDefault();
      event.stopPropagation();  // the map would pan instead
      var step = key === "ArrowRight" || key === "ArrowDown" ? 1 : -1;
      focusItem(items[(at + step + items.length) % items.length], true);
    } else if (key === "Home" || key === "End") {
      event.preventDefault();
      event.stopPropagation();
      focusItem(items[key === "Home" ? 0 : items.length - 1], true);
    } else if (key === "Enter" || key === " ") {
      state.openedByKey = item.layer;  // the key press that follows is a click (clickOnKey): its popup takes the focus
    }
  }

  // A popup opened from the keyboard takes the focus (its links come next in the Tab order); closed, it gives
  // the focus back to its marker.
  function watchPopupFocus(map) {
    if (map._simWatchesFocus) return;
    map._simWatchesFocus = true;
    // Leaflet closes a popup on Escape only while the map itself has the focus, not a popup's link.
    map.getContainer().addEventListener("keydown", function (event) {
      if (event.key === "Escape" && map._popup && map._popup.isOpen()) {
        event.stopPropagation();
        map.closePopup();
      }
    });
    map.on("popupopen", function (e) {
      if (!state.openedByKey || state.openedByKey !== e.popup._source) return;
      var box = e.popup.getElement().querySelector(".leaflet-popup-content");
      box.setAttribute("tabindex", "-1");
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-label", e.popup._source._simKey.name);
      box.focus({preventScroll: true});
    });
    map.on("popupclose", function (e) {
      var source = e.popup._source, active = document.activeElement;
      state.openedByKey = null;
      var inPopup = active && e.popup.getElement() && e.popup.getElement().contains(active);
      if (source && (inPopup || active === document.body || !active)) {
        var node = source._path || source._icon;
        if (node) node.focus({preventScroll: true});
      }
    });
  }

  function keyItem(id) {
    return (state.keyItems || []).filter(function (item) { return item.layer._simKey.id === id; })[0];
  }

  // The focus back on the map, at the incident last focused or the selected one (Escape in the reader).
  SIM.focusMap = function () {
    var item = keyItem(state.selected) || keyItem(state.focusedKey) || (state.keyItems || [])[0];
    window.focus();
    if (item) focusItem(item, true); else state.focusPending = true;  // the map is still drawing: when it has
  };

  // The map's frame is a document of its own (streamlit-folium's): it says what it is to a screen reader (one
  // main landmark, named, holding everything; a heading) and lets a phone zoom it (folium's viewport forbade it).
  function nameTheFrame(map) {
    if (map._simNamed) return;
    map._simNamed = true;
    var container = map.getContainer();
    container.setAttribute("role", "main");
    container.setAttribute("aria-label", "Map of incidents");
    var heading = el("h1", "sim-visually-hidden", "Map of incidents");
    container.insertBefore(heading, container.firstChild);
    document.querySelectorAll('meta[name="viewport"]').forEach(function (meta) {
      meta.setAttribute("content", "width=device-width, initial-scale=1.0");
    });
  }

  SIM.keyboard = function (group) {
    var map = window.map;
    if (map) watchPopupFocus(map);
    if (map) nameTheFrame(map);
    state.keyItems = keyItems(group);
    var items = state.keyItems;
    if (map) {  // the context places and districts have tooltips only: not stops on the way to the incidents
      map.getContainer().querySelectorAll("path.leaflet-interactive:not(.sim-key)").forEach(function (node) {
        node.setAttribute("tabindex", "-1");
      });
    }
    if (!items.length) return;
    items.forEach(function (item) {
      var node = item.node;
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", item.layer._simKey.name);
      if (item.layer._simKey.popup) node.setAttribute("aria-haspopup", "dialog");
      node.classList.add("sim-key");
      node.addEventListener("keydown", function (event) { onItemKey(event, item); });
      node.addEventListener("focus", function () { focusItem(item, false); });
    });
    var keep = keyItem(state.focusedKey) || keyItem(state.selected) || items[0];
    // After a redraw (a slider step, a rerun after a click) the focus goes back to the same incident.
    // Only when the focus was on the map: a step taken on the page's slider leaves it there.
    var hadFocus = state.focusedKey && keyItem(state.focusedKey) && document.hasFocus() &&
      (document.activeElement === document.body || !document.activeElement);
    focusItem(keep, false);
    if (hadFocus || state.focusPending) keep.node.focus({preventScroll: true});
    state.focusPending = false;
  };

  // A badge's accessible name starts with what it shows ("12k"), as a speech-input user would say it.
  function countName(count) {
    var shown = countLabel(count), exact = count.toLocaleString("en");
    return shown + " incidents" + (shown === exact ? "" : " (" + exact + ")");
  }

  function countLabel(count) {
    return count >= 10000 ? Math.round(count / 1000) + "k" : count.toLocaleString("en");
  }

  function clusterIcon(cluster, colours, stack) {
    var count = cluster.count;
    // At most 52 px (BADGE_MAX_PX in layer.py): badges sit at the centres of 56-px squares and never overlap.
    var size = Math.round(Math.min(52, 24 + 8 * Math.log10(count + 1)));
    var node = el("div", stack ? "sim-cluster sim-stack" : "sim-cluster");
    node.style.width = node.style.height = size + "px";
    node.style.lineHeight = (size - 8) + "px";
    var top = cluster.types && cluster.types[0];
    if (top) node.style.borderColor = colours[top.type] || "#34495e";
    node.appendChild(el("span", null, countLabel(count)));
    return L.divIcon({html: node, className: "sim-cluster-icon", iconSize: [size, size]});
  }

  // At low zoom each cluster's grid square is shaded by how many incidents it holds (on a log scale, light to dark),
  // under the bubbles: dense areas read at a glance, and the bubbles keep the numbers. Vector paths sit in the
  // overlay pane, below the markers' pane, so the squares never cover a bubble or a marker.
  function drawDensity(group, clusters, density) {
    var colours = density.colours, top = Math.log(Math.max(density.max, 2));
    clusters.forEach(function (c) {
      if (!c.square) return;
      var level = Math.min(colours.length - 1, Math.floor(Math.log(c.count) / top * colours.length));
      L.rectangle([[c.square[0], c.square[1]], [c.square[2], c.square[3]]], {
        stroke: false, fillColor: colours[level], fillOpacity: 0.55, interactive: false,
        className: "sim-density sim-density-" + level,
      }).addTo(group);
    });
  }

  function typesText(cluster, types) {
    return (cluster.types || []).map(function (t) { return t.count.toLocaleString("en") + " " + types[t.type]; }).join(", ");
  }

  function clusterTooltip(cluster, types) {
    return el("span", null, cluster.count.toLocaleString("en") + " incidents — " + typesText(cluster, types) +
      ". Click to zoom in.");
  }

  // At the last zoom a cluster cannot be zoomed into: it is a stack. Drawn as a GeoJSON feature, so that a
  // click reaches the page (streamlit-folium reports the feature), which then lists its incidents in the table.
  // Each click stamps the clicked feature's properties with a value of its own, before st_folium reads them: the
  // page tells a new click from the last one by it. st_folium's click count starts again at 0 when its frame is
  // made anew, and the same marker's first click there looked like the click already acted on.
  function stampClicks(layer, properties) {
    layer.on("click", function () {
      properties.click = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    });
  }

  function drawStacks(group, stacks, colours, types) {
    var features = stacks.map(function (c) {
      return {type: "Feature", geometry: {type: "Point", coordinates: [c.lon, c.lat]},
              properties: {stack: c.count, cell: c.cell, id: "stack:" + c.cell.join(",")}};
    });
    var byId = {};
    stacks.forEach(function (c) { byId["stack:" + c.cell.join(",")] = c; });
    L.geoJSON({type: "FeatureCollection", features: features}, {
      pointToLayer: function (feature, latlng) {
        var c = byId[feature.properties.id];
        return L.marker(latlng, {icon: clusterIcon(c, colours, true), keyboard: true, riseOnHover: true});
      },
      onEachFeature: function (feature, layer) {
        var c = byId[feature.properties.id];
        layer._simKey = {id: feature.properties.id, popup: true,
                         name: countName(c.count) + " at one spot: " + typesText(c, types) +
                           ". Lists them in the table."};
        stampClicks(layer, feature.properties);
        layer.bindTooltip(function () {
          return el("span", null, c.count.toLocaleString("en") + " incidents here — " + typesText(c, types) +
            ". Click to list them in the table.");
        });
        layer.bindPopup(function () {
          var box = el("div", "sim-popup sim-stack-popup");
          box.appendChild(el("div", "sim-title", c.count.toLocaleString("en") + " incidents at this spot"));
          box.appendChild(el("div", "sim-row", "Too many to draw one by one: " + typesText(c, types) + "."));
          box.appendChild(el("div", "sim-row", "They are listed in the table under the map."));
          return box;
        }, popupOptions(320, 50));
        layer.on("popupopen", function () { layer.closeTooltip(); });  // the popup says it all
        clickOnKey(layer);
      },
    }).addTo(group);
  }

  // Incidents coded at the very same point (five strikes at one embassy, city-level reports at a city's
  // centre) would hide each other, only the top one clickable. They are set around a small ring, in
  // pixels at the zoom they are drawn at; their uncertainty circles stay on the true point.
  function ringPositions(features) {
    var map = window.map;
    var groups = {};
    var moved = {};
    if (!map) return moved;
    features.forEach(function (f) {
      var key = f.geometry.coordinates.join(",");
      (groups[key] = groups[key] || []).push(f);
    });
    Object.keys(groups).forEach(function (key) {
      var members = groups[key];
      if (members.length < 2) return;
      var radius = Math.min(10 + 3 * members.length, 60);
      var centre = map.project(L.latLng(members[0].geometry.coordinates[1], members[0].geometry.coordinates[0]));
      members.forEach(function (f, i) {
        var angle = 2 * Math.PI * i / members.length - Math.PI / 2;
        moved[f.properties.id] = map.unproject(centre.add(L.point(radius * Math.cos(angle), radius * Math.sin(angle))));
      });
    });
    return moved;
  }

  // A marker's outline by how the record says the incident is sourced (the legend under the map shows the same).
  var SUPPORT_STYLES = {
    corroborated: {color: "#ffffff", dashArray: null, fillOpacity: 0.95},
    single: {color: "#1b2631", dashArray: "3 2", fillOpacity: 0.95},
    none: {color: "#1b2631", dashArray: "1 3", fillOpacity: 0.45},
  };

  // While a popup is open no tooltip is drawn: a marker's own or a neighbour's would cover what the popup says.
  function watchPopups(map) {
    if (!map || map._simWatchesPopups) return;
    map._simWatchesPopups = true;
    map.on("popupopen", function () { map.getContainer().classList.add("sim-popup-open"); });
    map.on("popupclose", function () { map.getContainer().classList.remove("sim-popup-open"); });
  }

  // A popup is panned clear of the map's corners, where the zoom buttons (top left) and the layer control
  // (top right) sit: its close button is never under them.
  var POPUP_PADDING = {autoPanPaddingTopLeft: L.point(56, 16), autoPanPaddingBottomRight: L.point(60, 16)};
  var POPUP_CHROME_PX = 44;  // Leaflet's popup: its content's margins and border around the content's width

  // A popup's options, its width bounded by the map's: on a phone (a 358-px map) a 360-px popup ran off the
  // map's right edge and under the zoom buttons.
  function popupOptions(maxWidth, minWidth, extra) {
    var map = window.map;
    var room = map ? map.getSize().x - POPUP_PADDING.autoPanPaddingTopLeft.x -
      POPUP_PADDING.autoPanPaddingBottomRight.x - POPUP_CHROME_PX : maxWidth;
    var widest = Math.max(160, Math.min(maxWidth, room));
    return L.extend({maxWidth: widest, minWidth: Math.min(minWidth, widest), className: "sim-leaflet-popup"},
                    POPUP_PADDING, extra || {});
  }

  SIM.draw = function (group, payload) {
    watchPopups(window.map);
    var colours = payload.colours || {};
    var typeColours = (payload.types || []).map(function (t) { return colours[t] || "#34495e"; });
    (payload.points.features || []).forEach(function (f) {
      var p = f.properties;
      if (p.uncertainty_m) {  // how far the place may be from its point (the record says when it is drawn)
        L.circle([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          radius: p.uncertainty_m, color: colours[p.type] || "#34495e", weight: 1, fillOpacity: 0.07,
          dashArray: "4 4", interactive: false,
        }).addTo(group);
      }
    });
    var ring = ringPositions(payload.points.features || []);
    L.geoJSON(payload.points, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        var look = SUPPORT_STYLES[p.support] || (p.corroborated ? SUPPORT_STYLES.corroborated : SUPPORT_STYLES.single);
        var selected = payload.selected && p.id === payload.selected;
        return L.circleMarker(ring[p.id] || latlng, {
          radius: selected ? 11 : 9, fillColor: colours[p.type] || "#34495e", fillOpacity: look.fillOpacity,
          color: selected ? "#f1c40f" : look.color, weight: selected ? 4 : 2,
          dashArray: selected ? null : look.dashArray,
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer._simKey = {id: p.id, name: incidentName(p), popup: true};
        stampClicks(layer, p);
        layer.bindPopup(function () { return SIM.popup(p); },
          popupOptions(360, 260, {maxHeight: 380}));
        layer.on("popupopen", function (e) { refitOnReveal(e.popup); });
        clickOnKey(layer);  // after bindPopup, whose own key handler it takes off
        layer.bindTooltip(function () { return el("span", null, p.title + " — " + p.date_label); }, {sticky: true});
      },
    }).addTo(group);
    var types = payload.types || [];
    if (payload.density) {
      drawDensity(group, payload.clusters || [], payload.density);
    }
    if (payload.view && payload.view.stacks) {
      drawStacks(group, payload.clusters || [], typeColours, types);
    } else {
      (payload.clusters || []).forEach(function (c) {
        var marker = L.marker([c.lat, c.lon], {icon: clusterIcon(c, typeColours, false), keyboard: true,
                                               riseOnHover: true});
        marker._simKey = {id: "cluster:" + c.lat + "," + c.lon,
                          name: countName(c.count) + ": " + typesText(c, types) + ". Zooms in."};
        marker.bindTooltip(function () { return clusterTooltip(c, types); });
        marker.on("click", function () {
          var map = window.map;
          var b = c.bounds;
          if (b.south === b.north && b.west === b.east) {  // all at one point: only the closest zoom separates them
            map.setView([b.south, b.west], map.getMaxZoom());
            return;
          }
          var bounds = L.latLngBounds([b.south, b.west], [b.north, b.east]);
          var zoom = Math.min(map.getBoundsZoom(bounds.pad(0.2)), map.getZoom() + 3, map.getMaxZoom());
          map.setView(bounds.getCenter(), Math.max(zoom, map.getZoom() + 1));
        });
        clickOnKey(marker);
        marker.addTo(group);
      });
    }
    SIM.highlightDistricts(payload.districts || []);
    if (state.relabel) state.relabel();  // labels keep clear of the incidents just drawn
    state.selected = payload.selected || null;
    if (group._map) SIM.keyboard(group); else group.once("add", function () { SIM.keyboard(group); });
    window.simView = payload.view;  // what is drawn: read by the tests and the benchmarks
  };

  SIM.highlightDistricts = function (ids) {
    state.highlighted = ids;
    if (!state.districtLayer) return;
    state.districtLayer.eachLayer(function (layer) {
      var on = ids.indexOf(layer.feature.properties.id) >= 0;
      layer.setStyle(on ? {color: "#d35400", weight: 2, fillColor: "#e67e22", fillOpacity: 0.25, dashArray: null}
                        : {color: "#5d6d7e", weight: 1, fillColor: "#5d6d7e", fillOpacity: 0.03, dashArray: "3 3"});
    });
  };

  function pane(map, name, zIndex) {
    var node = map.getPane(name) || map.createPane(name);
    node.style.zIndex = zIndex;
    return name;
  }

  // The offline base layer and the district boundaries: one static file, fetched once per frame.
  SIM.outlines = function (path, countries, districts) {
    state.districtLayer = districts;
    if (!state.outlines) {
      state.outlines = fetch(new URL(path, SIM.staticBase).href, {credentials: "same-origin"}).then(function (r) { return r.json(); });
    }
    state.outlines.then(function (data) {
      // The outlines arrive after the incidents are drawn: in panes of their own, under the markers'
      // (overlayPane, z-index 400), they never cover a marker or take its clicks.
      var map = window.map;
      if (map) {
        countries.options.pane = pane(map, "simCountries", 200);
        districts.options.pane = pane(map, "simDistricts", 350);
      }
      countries.options.interactive = false;
      countries.addData(data.countries);
      countries.setStyle({color: "#8a9aa9", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1});
      districts.addData(data.districts);
      districts.eachLayer(function (layer) {
        layer.bindTooltip(function () { return el("span", null, layer.feature.properties.name); }, {sticky: true});
      });
      SIM.highlightDistricts(state.highlighted);
      countries.bringToBack();
    });
  };

  // Place labels of the offline base map (issue 16). Each band of zooms is a file, or tiles of it, fetched
  // once; a view draws the labels of its zoom, most important first, and leaves out any that would cover
  // a label already placed or an incident's centre. They sit in a pane under the incidents (overlayPane,
  // z-index 400) and take no clicks: a marker under a label is still clicked.
  var LABEL_FONTS = {
    country: "600 13px sans-serif", capital: "700 13px sans-serif", region: "italic 12px sans-serif",
    city: "600 12px sans-serif", town: "11px sans-serif", district: "italic 600 12px sans-serif",
    site: "italic 11px sans-serif",
  };
  var LABEL_GAP_PX = 4;  // room kept around each label and each incident's centre
  var LABEL_SHIFT_PX = 14;  // how far beside its point a label goes when its point is taken, in steps
  var LABEL_SHIFTS = [[0, 0], [1, 0], [-1, 0], [0, -1], [0, 1], [3, 0], [-3, 0], [0, -3], [0, 3]];
  var MAX_LABELS = 250;  // per view: beyond this a basemap is unreadable anyway

  function labelFile(path) {
    state.labelFiles = state.labelFiles || {};
    if (!state.labelFiles[path]) {
      state.labelFiles[path] = fetch(new URL(path, SIM.staticBase).href, {credentials: "same-origin"})
        .then(function (r) { if (!r.ok) throw new Error(r.status + " " + r.url); return r.json(); })
        .catch(function (error) {  // the map works without its labels: it says why in the console
          console.warn("place labels not loaded:", error);
          return [];
        });
    }
    return state.labelFiles[path];
  }

  // The files of the view: every band at or below its zoom, and of a tiled band the tiles it overlaps.
  function labelPaths(index, bounds, zoom) {
    var folder = index.folder;
    var tiles = state.labelTiles;
    var paths = [];
    Object.keys(index.bands).forEach(function (band) {
      if (+band > zoom) return;
      var size = index.bands[band];
      if (!size) { paths.push(folder + "z" + band + ".json"); return; }
      var south = Math.floor(Math.max(bounds.getSouth(), -90) / size) * size;
      var north = Math.min(bounds.getNorth(), 90);
      var west = Math.floor(Math.max(bounds.getWest(), -180) / size) * size;
      var east = Math.min(bounds.getEast(), 180);
      for (var lat = south; lat < north; lat += size) {
        for (var lon = west; lon < east; lon += size) {
          var name = "z" + band + "/" + lat + "_" + lon + ".json";
          if (tiles[name]) paths.push(folder + name);
        }
      }
    });
    return paths;
  }

  var measure = null;
  function labelBox(label, point) {
    measure = measure || document.createElement("canvas").getContext("2d");
    measure.font = LABEL_FONTS[label[3]] || LABEL_FONTS.town;
    var text = label[3] === "country" ? label[0].toUpperCase() : label[0];
    var width = Math.ceil(measure.measureText(text).width) + (label[3] === "country" ? text.length : 0) + 6;
    var height = label[3] === "town" || label[3] === "site" ? 15 : 17;
    return {text: text, width: width, height: height, left: point.x - width / 2, top: point.y - height / 2};
  }

  function overlaps(a, b) {
    return a.left < b.left + b.width + LABEL_GAP_PX && b.left < a.left + a.width + LABEL_GAP_PX &&
      a.top < b.top + b.height + LABEL_GAP_PX && b.top < a.top + a.height + LABEL_GAP_PX;
  }

  // Where the incidents are drawn: their markers' and clusters' centres, in the map's pixels.
  function incidentCentres(map) {
    var centres = [];
    map.eachLayer(function (layer) {
      var isMarker = layer instanceof L.CircleMarker && !(layer instanceof L.Circle);
      var isBadge = layer instanceof L.Marker && layer.options.pane !== "simLabels";
      if (isMarker || isBadge) centres.push(map.latLngToContainerPoint(layer.getLatLng()));
    });
    return centres;
  }

  function placeLabels(map, layer, labels) {
    var started = performance.now();
    var zoom = map.getZoom();
    var bounds = map.getBounds();
    var kinds = state.labelKinds;
    var shown = labels.filter(function (label) {
      return label[4] <= zoom && zoom <= label[5] && bounds.contains([label[1], label[2]]);
    });
    shown.sort(function (a, b) { return (kinds[a[3]] - kinds[b[3]]) || (b[6] - a[6]); });
    var centres = incidentCentres(map);
    var placed = [];
    // The zoom buttons, the layer control, the scale and the attribution: no label goes under them.
    var frame = map.getContainer().getBoundingClientRect();
    var controls = Array.prototype.map.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
      var r = c.getBoundingClientRect();
      return {left: r.left - frame.left, top: r.top - frame.top, width: r.width, height: r.height};
    });
    layer.clearLayers();
    var size = map.getSize();
    function free(box) {
      if (box.left < 0 || box.top < 0 || box.left + box.width > size.x || box.top + box.height > size.y) return false;
      return !placed.some(function (other) { return overlaps(box, other); }) &&
        !controls.some(function (other) { return overlaps(box, other); }) && !centres.some(function (c) {
        return c.x > box.left - LABEL_GAP_PX && c.x < box.left + box.width + LABEL_GAP_PX &&
          c.y > box.top - LABEL_GAP_PX && c.y < box.top + box.height + LABEL_GAP_PX;
      });
    }
    for (var i = 0; i < shown.length && placed.length < MAX_LABELS; i++) {
      var label = shown[i];
      var centred = labelBox(label, map.latLngToContainerPoint([label[1], label[2]]));
      // On its point, else beside it: a site under a ring of incidents keeps its name.
      var box = LABEL_SHIFTS.map(function (shift) {
        var dx = shift[0] && shift[0] / Math.abs(shift[0]) * (centred.width / 2 + LABEL_SHIFT_PX * Math.abs(shift[0]));
        var dy = shift[1] && shift[1] / Math.abs(shift[1]) * (centred.height / 2 + LABEL_SHIFT_PX * Math.abs(shift[1]));
        return L.extend({}, centred, {left: centred.left + dx, top: centred.top + dy, dx: dx, dy: dy});
      }).filter(free)[0];
      if (!box) continue;
      placed.push(box);
      L.marker([label[1], label[2]], {
        pane: "simLabels", interactive: false, keyboard: false,
        icon: L.divIcon({
          className: "sim-place sim-place-" + label[3], html: el("span", null, box.text),
          iconSize: [box.width, box.height], iconAnchor: [box.width / 2 - box.dx, box.height / 2 - box.dy],
        }),
      }).addTo(layer);
    }
    // How many the view shows, and the milliseconds placing them took: read by the tests and the benchmarks.
    window.simLabels = placed.length;
    (window.simLabelMs = window.simLabelMs || []).push(performance.now() - started);
  }

  SIM.labels = function (indexPath) {
    var map = window.map;
    if (!map) {  // streamlit-folium names the map window.map only once its script has run
      setTimeout(function () { SIM.labels(indexPath); }, 50);
      return;
    }
    map.getPane(pane(map, "simLabels", 380)).style.pointerEvents = "none";
    var layer = state.labelLayer = L.layerGroup().addTo(map);
    var index = labelFile(indexPath).then(function (found) {
      found.folder = indexPath.replace(/[^/]*$/, "");
      state.labelTiles = {};
      (found.tiles || []).forEach(function (name) { state.labelTiles[name] = true; });
      state.labelKinds = {};
      (found.kinds || []).forEach(function (kind, k) { state.labelKinds[kind] = k; });
      if (found.attribution && map.attributionControl) map.attributionControl.addAttribution(found.attribution);
      return found;
    });
    var pending = null;
    var asked = 0;
    function relabel() {
      clearTimeout(pending);
      pending = setTimeout(function () {
        var ask = ++asked;
        index.then(function (found) {
          var paths = found.bands ? labelPaths(found, map.getBounds(), map.getZoom()) : [];
          return Promise.all(paths.map(labelFile));
        }).then(function (files) {
          if (ask !== asked || !map.hasLayer(layer)) return;  // a later view asked since: it draws
          placeLabels(map, layer, [].concat.apply([], files));
        });
      }, 40);
    }
    state.relabel = relabel;
    map.on("moveend", relabel);
    // Online OpenStreetMap tiles carry their own names: ours would double them. The other layers have none.
    map.on("baselayerchange", function (e) {
      if (/^OpenStreetMap/.test(e.name)) { map.removeLayer(layer); } else { layer.addTo(map); relabel(); }
    });
    relabel();
  };

  SIM.context = function (group, places) {
    places.forEach(function (place) {
      var marker = L.circleMarker([place.lat, place.lon], {
        radius: 4, color: "#2c3e50", weight: 1, fill: true, fillColor: "#ffffff", fillOpacity: 1,
      });
      marker.bindTooltip(function () { return el("span", null, place.name); });
      marker.addTo(group);
    });
  };
})();
