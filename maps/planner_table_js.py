"""The script and style of the planner map's panel (:class:`dekning.maps.planner_table.AreaPanel`).

The script runs inside a function that defines ``map``, ``areas`` (the areas' GeoJson layer),
``group`` (its layer-control group), ``rasters``, ``data``, ``styles``, ``panelHtml``,
``legendHtml``, ``dekningSelect`` and the number formatters of :data:`NUMBER_JS`. Texts from
the input are set with ``textContent`` only; ``panelHtml`` and ``legendHtml`` are the fixed
markup made (and escaped) in Python.
"""

from __future__ import annotations

PANEL_CSS = """
.dekning-panel { background: #fff; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.4);
  font: 13px/1.35 system-ui, sans-serif; color: #111; max-width: min(800px, calc(100vw - 80px)); }
.dekning-panel summary { cursor: pointer; padding: 6px 10px; font-weight: 600; }
.dekning-panel[open] { padding-bottom: 6px; }
.dekning-hvaom { padding: 0 10px; }
.dekning-hvaom input[type=text] { width: 9em; font: inherit; padding: 2px 4px; }
.dekning-hvaom button, .dekning-panel th button { font: inherit; cursor: pointer; }
.dekning-merk { margin: 4px 0; color: #333; max-width: 60ch; }
#dekning-hvaom-svar { margin: 4px 0; font-weight: 600; }
.dekning-tabell { max-height: 45vh; overflow: auto; margin: 0 10px; }
.dekning-panel table { border-collapse: collapse; }
.dekning-panel caption { text-align: left; font-weight: 600; padding: 4px 0; }
.dekning-panel th, .dekning-panel td { padding: 2px 5px; text-align: right; white-space: nowrap;
  border-bottom: 1px solid #ddd; }
.dekning-panel th:first-child, .dekning-panel td:first-child { text-align: left; }
.dekning-panel thead th { position: sticky; top: 0; background: #fff; white-space: normal;
  vertical-align: bottom; max-width: 7em; }
.dekning-panel th button { background: none; border: 0; padding: 0; font-weight: 600;
  color: #111; text-align: inherit; }
.dekning-panel th[aria-sort=ascending] button::after { content: " \\25B2"; }
.dekning-panel th[aria-sort=descending] button::after { content: " \\25BC"; }
.dekning-panel tbody tr { cursor: pointer; }
.dekning-panel tbody tr:hover, .dekning-panel tr.dekning-markert { background: #fff1a8; }
.dekning-panel tbody th button { background: none; border: 0; padding: 0; font: inherit;
  color: #004a80; text-decoration: underline; cursor: pointer; }
.dekning-panel :focus-visible, .dekning-legend :focus-visible,
.leaflet-control-layers :focus-visible { outline: 3px solid #000; outline-offset: 2px; }
.leaflet-container:focus:not(:focus-visible) { outline: none; }
.dekning-legend { background: #fff; padding: 6px 10px; border-radius: 4px; color: #111;
  font: 13px/1.3 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.4); max-width: 270px; }
.dekning-legend-del + .dekning-legend-del { margin-top: 4px; }
.dekning-legend-del[hidden] { display: none; }
.dekning-tegn { display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: middle; box-sizing: border-box; }
.dekning-fill { background: var(--c); border: 1px solid #333; }
.dekning-outline { border: 2px dashed var(--c); }
.dekning-line { height: 0; border-top: 3px solid var(--c); }
.dekning-point { border-radius: 50%; background: var(--c); border: 1.5px solid #000; }
.dekning-etikett { background: rgba(255,255,255,.85); border: 0; box-shadow: none; color: #000;
  padding: 0 3px; font: 600 12px/1.2 system-ui, sans-serif; }
.dekning-etikett::before { display: none; }
"""

NUMBER_JS = """
  // Whole numbers as dekning.money.thousands writes them: rounded half away from zero, a
  // no-break space (U+00A0) between thousands (1 234 567); kroner with one before "kr".
  function dekningThousands(x) {
    var r = Math.floor(Math.abs(x) + 0.5);
    var s = String(r).replace(/\\B(?=(\\d{3})+(?!\\d))/g, '\\u00a0');
    return (x < 0 && r > 0 ? '-' : '') + s;
  }
  function dekningKr(x) { return dekningThousands(x) + '\\u00a0kr'; }
  // A count with its noun: "1 område", "2 områder", "1 234 enheter".
  function dekningCount(n, one, many) {
    return dekningThousands(n) + ' ' + (Math.abs(n) === 1 ? one : many);
  }
"""
"""The one JS number formatter of the maps (``dekningThousands``, ``dekningKr``, ``dekningCount``):
the same text as :func:`dekning.money.thousands` and :func:`dekning.money.nok`."""

PANEL_JS = """
  var LABEL_ZOOM = Math.max(10, map.getZoom());
  var rows = data.rows, byId = {}, current = new Set(), marked = null;
  areas.eachLayer(function(l) { byId[l.feature.properties.area_id] = l; });
  rows.forEach(function(r) { if (r.valgt) current.add(r.id); });
  function styleOf(id) {
    if (id === marked) return styles.focus;
    return current.has(id) ? styles.chosen : styles.other;
  }
  function restyle() { rows.forEach(function(r) { if (byId[r.id]) byId[r.id].setStyle(styleOf(r.id)); }); }

  // A control of fixed markup (made and escaped in Python) at a corner of the map.
  function control(position, html) {
    var Ctl = L.Control.extend({ options: { position: position }, onAdd: function() {
      var div = L.DomUtil.create('div', 'leaflet-control');
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
      return div;
    }});
    new Ctl().addTo(map);
  }
  control('topleft', panelHtml);  // the panel, closed until opened
  var body = document.querySelector('.dekning-panel tbody');
  var answer = document.getElementById('dekning-hvaom-svar');
  var cells = {};
  rows.forEach(function(r) {
    var tr = document.createElement('tr'); tr.dataset.id = r.id;
    var th = document.createElement('th'); th.scope = 'row';
    var b = document.createElement('button'); b.type = 'button'; b.textContent = r.id;
    th.appendChild(b); tr.appendChild(th);
    r.text.concat([r.choice, '']).forEach(function(t) {
      var td = document.createElement('td'); td.textContent = String(t); tr.appendChild(td);
    });
    cells[r.id] = tr;
    tr.addEventListener('click', function() { focusArea(r.id); });
    body.appendChild(tr);
  });

  function focusArea(id) {
    var l = byId[id]; if (!l) return;
    if (!map.hasLayer(group)) map.addLayer(group);
    var r = rows.find(function(x) { return x.id === id; });
    var prev = marked; marked = id;
    if (prev !== null && byId[prev]) byId[prev].setStyle(styleOf(prev));
    l.setStyle(styles.focus); l.bringToFront();
    Object.keys(cells).forEach(function(k) { cells[k].classList.toggle('dekning-markert', k === id); });
    // The area and its popup to the right of the open panel, not under it.
    var box = document.querySelector('.dekning-panel').getBoundingClientRect();
    var top = map.getContainer().getBoundingClientRect();
    var left = L.point(Math.max(20, box.right - top.left + 20), 20);
    map.fitBounds(l.getBounds(), { maxZoom: 15, paddingTopLeft: left, paddingBottomRight: [20, 20],
      animate: false });
    var popup = areas.getPopup();
    if (popup) { popup.options.autoPanPaddingTopLeft = left; popup.options.autoPanPaddingBottomRight = L.point(60, 20); }
    l.fire('click', { latlng: L.latLng(r.at[0], r.at[1]) }, true);
  }

  // Sorting: a header's button sorts by its column, again for the other direction.
  var heads = document.querySelectorAll('.dekning-panel thead th');
  heads.forEach(function(th, col) {
    th.querySelector('button').addEventListener('click', function() {
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      heads.forEach(function(h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var key = function(r) {
        if (col === 0) return r.id;
        if (col === 8) return current.has(r.id) ? 0 : 1;
        return r.sort[col - 1];
      };
      var sorted = rows.slice().sort(function(a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) return (x === null) - (y === null);
        var c = col === 0 ? String(x).localeCompare(String(y), 'nb', { numeric: true }) : x - y;
        return dir * c || a.id.localeCompare(b.id, 'nb', { numeric: true });
      });
      sorted.forEach(function(r) { body.appendChild(cells[r.id]); });
    });
  });

  // The budget what-if: the exact selection (dekningSelect) for the budget typed in.
  function whatIf(budget) {
    var picked = dekningSelect(rows.map(function(r) { return [r.w, r.v]; }), budget);
    current = new Set(picked.map(function(i) { return rows[i].id; }));
    var muni = 0, n = 0;
    picked.forEach(function(i) { muni += rows[i].w; n += rows[i].u; });
    rows.forEach(function(r) { cells[r.id].lastChild.textContent = current.has(r.id) ? 'ja' : 'nei'; });
    answer.textContent = 'Med ' + dekningKr(budget) + ' per år: ' +
      dekningCount(picked.length, 'område', 'områder') + ', ' +
      dekningCount(n, 'enhet', 'enheter') + ', kommunal egenandel ' + dekningKr(muni) + '.';
    restyle();
    return rows.filter(function(r) { return current.has(r.id); }).map(function(r) { return r.id; });
  }
  var form = document.querySelector('.dekning-hvaom');
  form.addEventListener('submit', function(e) {
    e.preventDefault();
    var text = document.getElementById('dekning-budsjett').value;
    var budget = Number(text.replace(/[\\s\\u00a0]|kr/gi, '').replace(',', '.'));
    if (!text.trim() || !isFinite(budget) || budget < 0) {
      answer.textContent = 'Skriv et beløp i kroner, for eksempel 5 000 000.'; return;
    }
    whatIf(budget);
  });
  if (data.exact && data.budget !== null) whatIf(data.budget);

  // Area ids on the map, from zoom LABEL_ZOOM on, while the areas are shown.
  var labels = L.layerGroup();
  rows.forEach(function(r) {
    var el = document.createElement('span'); el.textContent = r.id;
    labels.addLayer(L.tooltip({ permanent: true, direction: 'center', interactive: false,
      className: 'dekning-etikett' }).setLatLng(r.at).setContent(el));
  });
  function showLabels() {
    var on = map.hasLayer(group) && map.getZoom() >= LABEL_ZOOM;
    if (on && !map.hasLayer(labels)) map.addLayer(labels);
    if (!on && map.hasLayer(labels)) map.removeLayer(labels);
  }

  // The legend: a section shows while one of its layers is on the map.
  control('bottomleft', legendHtml);
  var parts = document.querySelectorAll('.dekning-legend-del');
  var slider = document.getElementById('dekning-dekkevne');
  function showLegend() {
    parts.forEach(function(p) {
      var names = JSON.parse(p.dataset.layers);
      var layers = p.classList.contains('dekning-dekkevne') ? rasters : names.map(function(n) { return window[n]; });
      p.hidden = !layers.some(function(l) { return l && map.hasLayer(l); });
    });
    showLabels();
  }
  slider.addEventListener('input', function() {
    rasters.forEach(function(l) { l.setOpacity(Number(slider.value) / 100); });
  });
  map.on('overlayadd overlayremove zoomend', showLegend);
  showLegend();
  var toggle = document.querySelector('.leaflet-control-layers-toggle');
  if (toggle) { toggle.title = 'Kartlag'; toggle.setAttribute('aria-label', 'Kartlag'); }
  // Shapes are no tab stops (the keyboard reaches every area through the table's buttons).
  function untab(l) { if (l._path) l._path.setAttribute('tabindex', '-1'); }
  map.eachLayer(untab);
  map.on('layeradd', function(e) { untab(e.layer); });
  window.dekningPlanner = { select: dekningSelect, whatIf: whatIf, focus: focusArea,
    thousands: dekningThousands };
"""
