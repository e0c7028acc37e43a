"""The public map's page around the map: the address search (first in the tab order), its
announcements to screen readers, the answer at an address, the explanation with the data's
date, and the page's accessibility settings (language, zoomable on phones, controls in bokmål,
map cells out of the tab order).

Keyboard path: Tab 1 reaches the search field; typing lists up to 8 addresses (pil ned / Tab to
them, Enter to choose, Enter in the field chooses the first); the answer opens in a popup over a
pin at the address and takes the focus; Escape closes it and returns to the field. The number
of results and the answer are announced in a ``role="status"`` live region. ``#adresse=<id>``
in the URL opens that address.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from branca.element import Element, Figure, MacroElement, Template

from dekning.maps.public_search import ENTRY_FIELDS, FIND_JS, NORMALISE_JS
from dekning.textsafe import script_json

HATCH_ID = "dekning-skravur"
"""Id of the SVG pattern that fills planned build-out areas (green hatching)."""
HATCH_SWATCH = "repeating-linear-gradient(45deg,#009E73 0 3px,#fff 3px 7px)"
"""The hatching as a CSS background, for the legend."""

PAGE_CSS = """
  .dekning-sr { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
  #dekning-search { position:absolute; top:10px; left:54px; z-index:1000; background:#fff; padding:6px;
    border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4); font:14px system-ui,sans-serif;
    box-sizing:border-box; width:min(332px, calc(100vw - 112px)); }
  #dekning-search input { width:100%; box-sizing:border-box; padding:6px; font-size:16px; }
  #dekning-search ul { list-style:none; margin:4px 0 0; padding:0; max-height:40vh; overflow:auto; }
  #dekning-search button { width:100%; text-align:left; padding:6px; border:0; background:#f4f4f4; color:#000;
    margin-top:2px; font-size:15px; cursor:pointer; }
  #dekning-search button:focus, #dekning-search button:hover { background:#cde6f7; outline:2px solid #0072B2; }
  #dekning-hint { font-size:12px; color:#333; }
  #dekning-info { position:absolute; bottom:48px; right:10px; z-index:1000; background:#fff; padding:6px 10px;
    border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4); font:13px/1.4 system-ui,sans-serif;
    max-width:min(340px, 80vw); max-height:45vh; overflow:auto; }
  #dekning-info summary { cursor:pointer; }
  #dekning-info p { margin:6px 0 0; }
  .dekning-svar h2 { font-size:15px; margin:0 0 4px; }
  .dekning-svar p { margin:3px 0; }
  .dekning-svar:focus { outline:none; }
  .dekning-svar:focus-visible { outline:2px solid #0072B2; outline-offset:2px; }
  .dekning-pin { background:none; border:0; }
  /* Opaque under text, so its contrast holds over any map tile. */
  .leaflet-container .leaflet-control-attribution, .leaflet-control-scale-line { background:#fff; }
  .leaflet-control-scale-line { text-shadow:none; }
  @media (max-width: 600px) {
    #dekning-info { font-size:12px; max-width:55vw; }
    .dekning-legend { font-size:11px !important; padding:4px 6px !important; max-width:44vw !important; bottom:22px !important; }
    .dekning-legend span { width:11px !important; height:11px !important; }
  }
"""

MARKUP = """
<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>
  <pattern id="{hatch}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">
    <rect width="8" height="8" fill="#009E73" fill-opacity="0.18"></rect>
    <line x1="2" y1="0" x2="2" y2="8" stroke="#009E73" stroke-width="3"></line>
  </pattern></defs></svg>
<header class="dekning-sr"><h1>{title}</h1></header>
<div id="dekning-search" role="search" aria-label="Adressesøk">
  <label for="dekning-q"><strong>Finn din adresse</strong></label>
  <input id="dekning-q" type="search" autocomplete="off" placeholder="F.eks. Storgata 5"
         aria-describedby="dekning-hint" aria-controls="dekning-results">
  <div id="dekning-hint">Skriv minst tre tegn. Velg med pil ned eller Tab og Enter.</div>
  <ul id="dekning-results" aria-label="Adresser som passer"></ul>
  <div id="dekning-status" class="dekning-sr" role="status" aria-live="polite" aria-atomic="true"></div>
</div>
<aside id="dekning-info-boks" aria-label="Om kartet"><details id="dekning-info" open>
  <summary><strong>Om kartet</strong></summary>
  <p>{explanation}</p><p id="dekning-dato">{data_note}</p></details></aside>
"""

PIN_SVG = (
    '<svg width="28" height="40" viewBox="0 0 28 40" aria-hidden="true" focusable="false">'
    '<path d="M14 1C7 1 1 6.6 1 13.6 1 23 14 39 14 39S27 23 27 13.6C27 6.6 21 1 14 1z" '
    'fill="#000" stroke="#fff" stroke-width="2"/><circle cx="14" cy="14" r="5" fill="#fff"/></svg>'
)

ANSWER_JS = r"""
  var PIN = L.divIcon({html: {{ this.pin }}, className: 'dekning-pin', iconSize: [28, 40],
                       iconAnchor: [14, 40], popupAnchor: [0, -38]});
  var pin = null;
  var lines = function(r) {
    var out = [['Fast bredbånd: ', r[F.fast]]];
    if (r[F.tilbydere]) {
      out.push(['Tilbydere: ', r[F.tilbydere] + (r[F.teknologi] ? ' (beste tilbud: ' + r[F.teknologi] + ')' : '')]);
    }
    if (r[F.mobil]) { out.push(['Mobil: ', r[F.mobil]]); }
    if (r[F.omrade]) {
      out.push(['Planlagt utbygging: ', 'Adressen ligger i område ' + r[F.omrade] +
                ', som er valgt for utbygging av bredbånd med offentlig støtte.']);
    }
    return out;
  };
  var answer = function(r) {
    var box = document.createElement('div'); box.className = 'dekning-svar'; box.tabIndex = -1;
    var name = document.createElement('h2'); name.textContent = r[F.tekst] + ', ' + r[F.postnummer];
    box.appendChild(name);
    var said = [name.textContent];
    lines(r).forEach(function(l) {
      var p = document.createElement('p'); var b = document.createElement('strong');
      b.textContent = l[0]; p.appendChild(b); p.appendChild(document.createTextNode(l[1]));
      box.appendChild(p); said.push(l[0] + l[1]);
    });
    var p = document.createElement('p'); var a = document.createElement('a');
    a.href = '#adresse=' + r[F.lenke]; a.textContent = 'Lenke til denne adressen';
    p.appendChild(a); box.appendChild(p);
    return [box, said.join('. ')];
  };
  var show = function(r, focus) {
    list.replaceChildren(); input.value = r[F.tekst] + ', ' + r[F.postnummer];
    var at = [r[F.lat], r[F.lon]], made = answer(r);
    map.setView(at, Math.max(map.getZoom(), 16));
    if (pin) { pin.remove(); }
    pin = L.marker(at, {icon: PIN, keyboard: false}).addTo(map);
    pin.bindPopup(made[0], {autoPanPaddingTopLeft: [10, 120], maxWidth: 300}).openPopup();
    var close = pin.getPopup().getElement().querySelector('.leaflet-popup-close-button');
    if (close) {
      close.setAttribute('aria-label', 'Lukk'); close.title = 'Lukk';
      close.addEventListener('keydown', function(e) {
        if (e.key === 'Enter' || e.key === ' ') { setTimeout(function() { input.focus(); }, 0); }
      });
    }
    status.textContent = made[1];
    if (location.hash !== '#adresse=' + r[F.lenke]) {
      try { history.replaceState(null, '', '#adresse=' + r[F.lenke]); } catch (err) { /* file: pages */ }
    }
    if (focus) { made[0].focus({preventScroll: true}); }
  };
"""

KEYS_JS = r"""
  var buttons = function() { return Array.from(list.querySelectorAll('button')); };
  var render = function() {
    list.replaceChildren();
    if (fold(input.value).length < 3) { status.textContent = ''; return; }
    var found = find(input.value);
    found.forEach(function(r) {
      var li = document.createElement('li'), b = document.createElement('button');
      b.type = 'button'; b.textContent = r[F.tekst] + ', ' + r[F.postnummer];
      b.addEventListener('click', function() { show(r, true); });
      li.appendChild(b); list.appendChild(li);
    });
    if (!found.length) {
      var li = document.createElement('li'); li.textContent = 'Fant ingen adresse'; list.appendChild(li);
    }
    status.textContent = !found.length ? 'Fant ingen adresse'
      : (found.length === 1 ? 'Én adresse passer' : found.length + ' adresser passer') + '. Velg med pil ned og Enter.';
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', function(e) {
    var b = buttons();
    if (e.key === 'Enter' && b.length) { e.preventDefault(); b[0].click(); }
    if (e.key === 'ArrowDown' && b.length) { e.preventDefault(); b[0].focus(); }
  });
  list.addEventListener('keydown', function(e) {
    var b = buttons(), i = b.indexOf(document.activeElement);
    if (i === -1) { return; }
    if (e.key === 'ArrowDown' && i + 1 < b.length) { e.preventDefault(); b[i + 1].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); (i > 0 ? b[i - 1] : input).focus(); }
  });
  document.addEventListener('keydown', function(e) {
    if (e.key !== 'Escape') { return; }
    if (pin && pin.isPopupOpen()) { map.closePopup(); input.focus(); e.preventDefault(); }
    else if (list.contains(document.activeElement)) { list.replaceChildren(); input.focus(); }
  });
  var fromLink = function() {
    var m = /^#adresse=([a-z0-9-]+)$/.exec(location.hash);
    if (!m) { return; }
    var r = data.find(function(x) { return x[F.lenke] === m[1]; });
    if (r) { show(r, false); } else { status.textContent = 'Fant ikke adressen i lenken'; }
  };
  window.addEventListener('hashchange', fromLink);
  fromLink();
"""

PAGE_JS = r"""
  var untab = function(layer) {
    var el = layer.getElement && layer.getElement();
    if (el && el.tagName.toLowerCase() === 'path') { el.setAttribute('tabindex', '-1'); }
  };
  map.eachLayer(untab);
  map.on('layeradd', function(e) { untab(e.layer); });
  map.on('tooltipclose', function(e) {
    var id = e.tooltip.getElement() && e.tooltip.getElement().id;
    document.querySelectorAll('[aria-describedby]').forEach(function(el) {
      if (id && el.getAttribute('aria-describedby') === id) { el.removeAttribute('aria-describedby'); }
    });
  });
  if (map.zoomControl) { map.zoomControl.remove(); }
  map.zoomControl = L.control.zoom({zoomInTitle: 'Zoom inn', zoomOutTitle: 'Zoom ut'}).addTo(map);
  var toggle = document.querySelector('.leaflet-control-layers-toggle');
  if (toggle) { toggle.title = 'Kartlag'; toggle.setAttribute('aria-label', 'Kartlag'); }
  map.getContainer().setAttribute('role', 'main');
  map.getContainer().setAttribute('aria-label', 'Kart');
  if (window.matchMedia('(max-width: 600px)').matches) { document.getElementById('dekning-info').open = false; }
"""

_SCRIPT = (
    "{% macro script(this, kwargs) %}\n(function() {\n"
    "  var map = {{ this._parent.get_name() }};\n  var data = {{ this.data }};\n"
    "  var F = {{ this.fields }};\n"
    "  var input = document.getElementById('dekning-q'), list = document.getElementById('dekning-results');\n"
    "  var status = document.getElementById('dekning-status');\n"
    + NORMALISE_JS
    + FIND_JS
    + ANSWER_JS
    + KEYS_JS
    + PAGE_JS
    + "})();\n{% endmacro %}"
)


class AddressSearch(MacroElement):
    """The address search, the explanation and the page settings of the public map.

    The markup goes first in the page's ``<body>`` (before the map), so the search is the first
    stop of the tab order. Add it after the layer control, whose toggle it labels in bokmål.

    Parameters
    ----------
    data
        Search entries (:func:`dekning.maps.public_search.address_index`).
    explanation
        The text of "Om kartet" (escaped here).
    data_note
        The line under it that dates the data (escaped here).
    title
        The page's heading (for screen readers; escaped here).
    """

    _template = Template(
        "{% macro header(this, kwargs) %}<style>" + PAGE_CSS + "</style>{% endmacro %}\n" + _SCRIPT
    )

    def __init__(self, data: dict[str, Any], explanation: str, data_note: str, title: str) -> None:
        super().__init__()
        self._name = "AddressSearch"
        self.data = script_json(data)
        self.fields = json.dumps({name: i for i, name in enumerate(ENTRY_FIELDS)})
        self.pin = json.dumps(PIN_SVG)
        self.markup = MARKUP.format(
            hatch=HATCH_ID,
            explanation=escape(explanation),
            data_note=escape(data_note),
            title=escape(title),
        )

    def render(self, **kwargs: Any) -> str:
        """Put the markup first in the page's body, then render the style and the script."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.html.add_child(Element(self.markup), name="dekning_search_markup", index=0)
        return super().render(**kwargs)
