function (feature, layer) {
  // Builds an incident's popup from its GeoJSON properties. Every string from the
  // data goes through textContent, never innerHTML: article text is never markup.
  var p = feature.properties;
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function row(parent, label, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    var line = el("div", "sim-row");
    line.appendChild(el("span", "sim-label", label + ": "));
    line.appendChild(el("span", null, Array.isArray(value) ? value.join("; ") : value));
    parent.appendChild(line);
  }
  function readerHref(sourceId) {
    // The map lives in an iframe of the app's own origin: link to the app page itself.
    var top = window.parent.location;
    var params = new URLSearchParams(top.search);
    params.set("source", sourceId);
    params.set("incident", p.id);
    return top.pathname + "?" + params.toString();
  }
  function build() {
    var box = el("div", "sim-popup");
    box.setAttribute("data-incident", p.id);
    box.appendChild(el("div", "sim-title", p.title));
    var badges = el("div", "sim-badges");
    badges.appendChild(el("span", "sim-badge sim-type", p.type));
    var corroborated = p.corroboration > 1;
    badges.appendChild(el("span", "sim-badge " + (corroborated ? "sim-corroborated" : "sim-single"),
      corroborated ? p.corroboration + " sources" : "single source"));
    if (p.conflicts && p.conflicts.length) badges.appendChild(el("span", "sim-badge sim-conflict", "sources disagree"));
    box.appendChild(badges);
    row(box, "Date", p.date_label + (p.time ? ", " + p.time + " (local, as reported)" : ""));
    row(box, "Place", p.place_names);
    if (p.precision && p.precision !== "point" && p.precision !== "site") {
      row(box, "Location precision", p.precision + " (± " + Math.round(p.radius_m).toLocaleString("en") + " m)");
    }
    row(box, "Weapon", p.weapon);
    row(box, "Casualties", p.casualties);
    (p.conflicts || []).forEach(function (c) {
      var sides = c.values.map(function (v) { return "“" + v.value + "” (" + v.source.slice(0, 3) + ")"; });
      row(box, "Disagreement on " + c.field, sides.join(" vs "));
    });
    if (p.coding_note) row(box, "Coding note", p.coding_note);
    var list = el("ol", "sim-sources");
    (p.sources || []).forEach(function (s) {
      var item = el("li");
      item.appendChild(el("q", "sim-quote", s.quote));
      var link = el("a", "sim-open", "Open in source reader: " + s.title);
      link.href = readerHref(s.source);
      link.target = "_top";
      // The map's frame may not navigate the page itself (its sandbox lacks
      // allow-top-navigation), so the page follows the link on its behalf.
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var doc = window.parent.document;
        var proxy = doc.createElement("a");
        proxy.href = link.href;
        doc.body.appendChild(proxy);
        proxy.click();
        proxy.remove();
      });
      link.setAttribute("data-source", s.source);
      item.appendChild(el("br"));
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }
  layer.bindPopup(build, {maxWidth: 360, minWidth: 260, maxHeight: 380, className: "sim-leaflet-popup"});
  layer.bindTooltip(function () { return el("span", null, p.title + " — " + p.date_label); }, {sticky: true});
}
