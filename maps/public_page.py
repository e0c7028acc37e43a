"""The public map's page around the map: the address search (first in the tab order), its
announcements to screen readers, the answer at an address, the explanation with the data's
date, the legend, the language menu (bokmål, nynorsk, English: every text from
:data:`dekning.maps.public_text.TEXT`) and the page's accessibility settings (``<html lang>``
following the language, zoomable on phones, map cells out of the tab order).

Keyboard path: Tab 1 reaches the search field; typing lists up to 8 addresses (pil ned / Tab to
them, Enter to choose, Enter in the field chooses the first); the answer opens in a popup over a
pin at the address and takes the focus; Escape closes it and returns to the field. The number
of results and the answer are announced in a ``role="status"`` live region. ``#adresse=<id>``
in the URL opens that address; ``?lang=nn`` or ``#lang=nn`` (also ``#adresse=<id>&lang=en``)
chooses the language, and the language menu (after the search in the tab order) changes it
and writes it into the address.

The search index is a ``<script type="application/json">`` element (:data:`INDEX_ID`); when
``dekning serve`` answers the page, it leaves the element empty and names its search endpoint
in the element's ``data-sok``: the page then asks the API.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from branca.element import Element, Figure, MacroElement, Template

from dekning.maps.planner_table_js import NUMBER_JS
from dekning.maps.public_search import FIND_JS, INDEX_ID, NORMALISE_JS
from dekning.maps.public_text import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, TEXT
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
  .dekning-rad { padding-right:96px; min-height:24px; margin-bottom:4px; }
  /* After the search in the tab order, at the box's top right on screen. */
  #dekning-sprak { position:absolute; top:6px; right:6px; font-size:13px; padding:2px; max-width:90px; }
  #dekning-hint { font-size:12px; color:#333; }
  #dekning-info { position:absolute; bottom:48px; right:10px; z-index:1000; background:#fff; padding:6px 10px;
    border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4); font:13px/1.4 system-ui,sans-serif;
    max-width:min(340px, 80vw); max-height:45vh; overflow:auto; }
  #dekning-info summary { cursor:pointer; }
  #dekning-info p { margin:6px 0 0; }
  #dekning-info h2 { font-size:13px; margin:8px 0 0; }
  .dekning-legend { position:fixed; bottom:30px; left:10px; z-index:9999; background:#fff; padding:6px 10px;
    border-radius:4px; font:13px/1.3 system-ui,sans-serif; box-shadow:0 1px 4px rgba(0,0,0,.4); max-width:260px; }
  .dekning-legend span.dekning-farge { display:inline-block; width:14px; height:14px; margin-right:6px;
    vertical-align:middle; border:1px solid #333; }
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
    .dekning-legend span.dekning-farge { width:11px !important; height:11px !important; }
  }
"""

MARKUP = """
<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>
  <pattern id="{hatch}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">
    <rect width="8" height="8" fill="#009E73" fill-opacity="0.18"></rect>
    <line x1="2" y1="0" x2="2" y2="8" stroke="#009E73" stroke-width="3"></line>
  </pattern></defs></svg>
<header class="dekning-sr"><h1 id="dekning-tittel">{title}</h1></header>
<div id="dekning-search" role="search" aria-label="{sok_region}" data-t-aria="sok_region">
  <div class="dekning-rad"><label for="dekning-q"><strong data-t="sok_etikett">{sok_etikett}</strong></label></div>
  <input id="dekning-q" type="search" autocomplete="off" placeholder="{sok_eksempel}" data-t-placeholder="sok_eksempel"
         aria-describedby="dekning-hint" aria-controls="dekning-results">
  <div id="dekning-hint" data-t="sok_hjelp">{sok_hjelp}</div>
  <ul id="dekning-results" aria-label="{treff_liste}" data-t-aria="treff_liste"></ul>
  <div id="dekning-status" class="dekning-sr" role="status" aria-live="polite" aria-atomic="true"></div>
  <label for="dekning-sprak" class="dekning-sr" data-t="sprak">{sprak}</label>
  <select id="dekning-sprak">{options}</select>
</div>
<aside id="dekning-info-boks" aria-label="{om}" data-t-aria="om"><details id="dekning-info" open>
  <summary><strong data-t="om">{om}</strong></summary>
  <p data-t="forklaring">{forklaring}</p>{challenge_help}<p id="dekning-dato">{data_note}</p></details></aside>
<div class="dekning-legend" role="region" aria-label="{tegnforklaring}" data-t-aria="tegnforklaring">
  <strong data-t="tegnforklaring">{tegnforklaring}</strong>{legend}
</div>
<script type="application/json" id="{index_id}">{index}</script>
"""
"""The page's own markup, first in its body; ``data-t`` (text), ``data-t-aria`` (``aria-label``)
and ``data-t-placeholder`` name the :data:`~dekning.maps.public_text.TEXT` key the language
menu puts there."""

CHALLENGE_HELP = (
    '<h2 id="dekning-utfordre" data-t="utfordre_tittel">{utfordre_tittel}</h2>'
    '<p data-t="utfordre_tekst">{utfordre_tekst}</p>'
)
"""How residents challenge the coverage data, under "Om kartet" when the run keeps
challenges (:class:`AddressSearch`'s ``challenge_help``)."""

PIN_SVG = (
    '<svg width="28" height="40" viewBox="0 0 28 40" aria-hidden="true" focusable="false">'
    '<path d="M14 1C7 1 1 6.6 1 13.6 1 23 14 39 14 39S27 23 27 13.6C27 6.6 21 1 14 1z" '
    'fill="#000" stroke="#fff" stroke-width="2"/><circle cx="14" cy="14" r="5" fill="#fff"/></svg>'
)

LANGUAGE_JS = r"""
  var params = function() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function(p) {
      var kv = p.split('=');
      if (kv.length === 2) { out[kv[0]] = kv[1]; }
    });
    return out;
  };
  var fromQuery = new URLSearchParams(location.search).get('lang');
  var usual = T[fromQuery] ? fromQuery : DEFAULT;
  var lang = T[params().lang] ? params().lang : usual;
  var t = function(key, values) {
    var text = T[lang][key];
    if (text === undefined) { return key.replace(/^[a-z]+\./, ''); }
    return !values ? text : text.replace(/\{(\w+)\}/g, function(m, k) { return k in values ? String(values[k]) : m; });
  };
  var figure = dekningThousands;
  var hashFor = function(id) {
    var parts = id ? ['adresse=' + id] : [];
    if (lang !== usual) { parts.push('lang=' + lang); }
    return parts.length ? '#' + parts.join('&') : '';
  };
  var setHash = function(id) {
    var h = hashFor(id);
    if (location.hash !== h) {
      try { history.replaceState(null, '', h || location.pathname + location.search); } catch (err) { /* file: pages */ }
    }
  };
  var titleText = function() {
    if (!TITLE) { return document.title; }
    var s = t('tittel');
    return TITLE.foran + (TITLE.stor ? s.charAt(0).toUpperCase() + s.slice(1) : s);
  };
  var dateText = function() {
    var d = DATE.dato;
    return t(DATE.tekst, {dato: t('dato', {d: d[2], m: t('maneder').split(' ')[d[1] - 1], y: d[0]})});
  };
  var LAYER_KEYS = ['lag_grunnkart', 'lag_celler', 'lag_planlagt'];
  var layerKey = function(name) {
    var found = null;
    Object.keys(T).forEach(function(l) {
      LAYER_KEYS.forEach(function(k) { if (T[l][k] === name) { found = k; } });
    });
    return found;
  };
  var labelControls = function() {
    document.querySelectorAll('.leaflet-control-layers-overlays label span span').forEach(function(el) {
      var key = el.getAttribute('data-t') || layerKey(el.textContent.trim());
      if (key) { el.setAttribute('data-t', key); el.textContent = ' ' + t(key); }
    });
    [['.leaflet-control-zoom-in', 'zoom_inn'], ['.leaflet-control-zoom-out', 'zoom_ut'],
     ['.leaflet-control-layers-toggle', 'kartlag'], ['.leaflet-popup-close-button', 'lukk']].forEach(function(c) {
      document.querySelectorAll(c[0]).forEach(function(el) { el.title = t(c[1]); el.setAttribute('aria-label', t(c[1])); });
    });
    map.getContainer().setAttribute('aria-label', t('kart'));
  };
"""
"""The language: chosen from ``#…lang=``, else ``?lang=``, else bokmål; ``t(key, values)`` is
the text of a key in it; the layer control, the zoom buttons and the popup's close button are
labelled in it."""

ANSWER_JS = r"""
  var PIN = L.divIcon({html: {{ this.pin }}, className: 'dekning-pin', iconSize: [28, 40],
                       iconAnchor: [14, 40], popupAnchor: [0, -38]});
  var pin = null, shown = null;
  var lines = function(r) {
    var out = [[t('fast'), t('klasse.' + r.klasse)]];
    if (r.tilbydere) {
      out.push([t('tilbydere'), r.tilbydere + (r.teknologi ? ' (' + t('beste_tilbud') + t('tek.' + r.teknologi) + ')' : '')]);
    }
    if (r.mobil.length) {
      out.push([t('mobil'), r.mobil.map(function(m) { return m.operator + ': ' + t('mobil.' + m.klasse); }).join('; ')]);
    }
    if (r.omrade) { out.push([t('planlagt'), t('planlagt_tekst', {id: r.omrade})]); }
    if (r.utfordring) { out.push(['', t('utfordring_apen')]); }
    return out;
  };
  var answer = function(r) {
    var box = document.createElement('div'); box.className = 'dekning-svar'; box.tabIndex = -1;
    var name = document.createElement('h2'); name.textContent = r.tekst + ', ' + r.postnummer;
    box.appendChild(name);
    var said = [name.textContent];
    lines(r).forEach(function(l) {
      var p = document.createElement('p'); var b = document.createElement('strong');
      b.textContent = l[0]; p.appendChild(b); p.appendChild(document.createTextNode(l[1]));
      box.appendChild(p); said.push(l[0] + l[1]);
    });
    var p = document.createElement('p'); var a = document.createElement('a');
    a.href = hashFor(r.lenke); a.textContent = t('lenke');
    p.appendChild(a); box.appendChild(p);
    return [box, said.join('. ')];
  };
  var closeButton = function() {
    var close = pin.getPopup().getElement().querySelector('.leaflet-popup-close-button');
    if (close) {
      close.setAttribute('aria-label', t('lukk')); close.title = t('lukk');
      close.addEventListener('keydown', function(e) {
        if (e.key === 'Enter' || e.key === ' ') { setTimeout(function() { input.focus(); }, 0); }
      });
    }
  };
  var show = function(r, focus) {
    list.replaceChildren(); input.value = r.tekst + ', ' + r.postnummer;
    var at = [r.lat, r.lon], made = answer(r);
    shown = r;
    map.setView(at, Math.max(map.getZoom(), 16));
    if (pin) { pin.remove(); }
    pin = L.marker(at, {icon: PIN, keyboard: false}).addTo(map);
    pin.bindPopup(made[0], {autoPanPaddingTopLeft: [10, 120], maxWidth: 300}).openPopup();
    closeButton();
    status.textContent = made[1];
    setHash(r.lenke);
    if (focus) { made[0].focus({preventScroll: true}); }
  };
"""

KEYS_JS = r"""
  var buttons = function() { return Array.from(list.querySelectorAll('button')); };
  var asked = 0, wait = null, chooseFirst = false;
  var listed = function(found) {
    list.replaceChildren();
    if (found === null) { status.textContent = t('sok_feil'); chooseFirst = false; return; }
    found.forEach(function(r) {
      var li = document.createElement('li'), b = document.createElement('button');
      b.type = 'button'; b.textContent = r.tekst + ', ' + r.postnummer;
      b.addEventListener('click', function() { show(r, true); });
      li.appendChild(b); list.appendChild(li);
    });
    if (!found.length) {
      var li = document.createElement('li'); li.textContent = t('ingen_treff'); list.appendChild(li);
    }
    status.textContent = !found.length ? t('ingen_treff')
      : (found.length === 1 ? t('ett_treff') : t('flere_treff', {n: figure(found.length)})) + '. ' + t('velg');
    if (chooseFirst && found.length) { chooseFirst = false; show(found[0], true); }
    chooseFirst = false;
  };
  var render = function() {
    var text = input.value, mine = ++asked;
    clearTimeout(wait);
    if (fold(text).length < 3) { list.replaceChildren(); status.textContent = ''; return; }
    var done = function(found) { if (mine === asked) { listed(found); } };
    if (offline) { search(text, done); return; }
    wait = setTimeout(function() { search(text, done); }, 150);
  };
  input.addEventListener('input', render);
  input.addEventListener('focus', load);  // decode the index while the person types
  input.addEventListener('keydown', function(e) {
    var b = buttons();
    if (e.key === 'Enter' && b.length) { e.preventDefault(); b[0].click(); }
    else if (e.key === 'Enter' && !offline && fold(input.value).length >= 3) { e.preventDefault(); chooseFirst = true; }
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
    var id = params().adresse;
    if (!id || !/^[a-z0-9-]+$/.test(id) || (shown && shown.lenke === id)) { return; }
    byLink(id, function(found) {
      if (found && found.length) { show(found[0], false); }
      else { status.textContent = t('lenke_ukjent'); }
    });
  };
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
  var tip = function(layer) {
    var p = layer.feature.properties, box = document.createElement('div');
    if (p.area_id !== undefined) {
      box.textContent = p.antall === null ? t('omrade_tips', {id: p.area_id})
        : t('omrade_tips_hus', {id: p.area_id, n: figure(p.antall)});
    } else {
      var b = document.createElement('strong'); b.textContent = t('celle_tips') + ': ';
      box.appendChild(b); box.appendChild(document.createTextNode(t('klasse.' + p.klasse)));
    }
    return box;
  };
  map.eachLayer(function(l) {  // the offline base (its own pane) keeps its place names
    if (l instanceof L.GeoJSON && l.options.pane !== 'dekning_grunnkart') { l.bindTooltip(tip, {sticky: true}); }
  });
  if (map.zoomControl) { map.zoomControl.remove(); }
  map.zoomControl = L.control.zoom({zoomInTitle: t('zoom_inn'), zoomOutTitle: t('zoom_ut')}).addTo(map);
  map.getContainer().setAttribute('role', 'main');
  var menu = document.getElementById('dekning-sprak');
  var speak = function(chosen) {
    lang = chosen; menu.value = lang;
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-t]').forEach(function(el) {
      if (!el.closest('.leaflet-control-layers')) { el.textContent = t(el.getAttribute('data-t')); }
    });
    document.querySelectorAll('[data-t-aria]').forEach(function(el) { el.setAttribute('aria-label', t(el.getAttribute('data-t-aria'))); });
    document.querySelectorAll('[data-t-placeholder]').forEach(function(el) { el.placeholder = t(el.getAttribute('data-t-placeholder')); });
    document.title = titleText();
    document.getElementById('dekning-tittel').textContent = document.title;
    document.getElementById('dekning-dato').textContent = dateText();
    labelControls();
    if (list.children.length) { render(); }
    if (pin && shown && pin.isPopupOpen()) { pin.setPopupContent(answer(shown)[0]); closeButton(); }
  };
  menu.addEventListener('change', function() { speak(menu.value); setHash(shown && pin && pin.isPopupOpen() ? shown.lenke : null); });
  map.on('overlayadd overlayremove', labelControls);
  window.addEventListener('hashchange', function() {
    var wanted = T[params().lang] ? params().lang : usual;
    if (wanted !== lang) { speak(wanted); }
    fromLink();
  });
  speak(lang);
  fromLink();
  if (window.matchMedia('(max-width: 600px)').matches) { document.getElementById('dekning-info').open = false; }
"""

_SCRIPT = (
    "{% macro script(this, kwargs) %}\n(function() {\n"
    "  var map = {{ this._parent.get_name() }};\n"
    "  var T = {{ this.texts }}, DEFAULT = {{ this.default }}, TITLE = {{ this.title }};\n"
    "  var DATE = {{ this.date }};\n"
    f"  var holder = document.getElementById('{INDEX_ID}');\n"
    "  var index = JSON.parse(holder.textContent), remote = holder.getAttribute('data-sok');\n"
    "  var input = document.getElementById('dekning-q'), list = document.getElementById('dekning-results');\n"
    "  var status = document.getElementById('dekning-status');\n"
    + NUMBER_JS
    + NORMALISE_JS
    + FIND_JS
    + LANGUAGE_JS
    + ANSWER_JS
    + KEYS_JS
    + PAGE_JS
    + "})();\n{% endmacro %}"
)


def title_parts(title: str) -> dict[str, object] | None:
    """How the page's title follows the language: ``"Fjelldal – bredbånd og mobildekning"`` →
    the part before the bokmål words and whether they start with a capital; None when the
    title does not end with them (it then stays as given)."""
    words = TEXT[DEFAULT_LANGUAGE]["tittel"]
    if not title.casefold().endswith(words):
        return None
    before = title[: len(title) - len(words)]
    return {"foran": before, "stor": title[len(before)].isupper()}


class AddressSearch(MacroElement):
    """The address search, the legend, the language menu, the explanation and the page
    settings of the public map.

    The markup goes first in the page's ``<body>`` (before the map), so the search is the first
    stop of the tab order. Add it after the layers and the layer control, which it labels in
    the page's language and whose shapes get their tooltips from it.

    Parameters
    ----------
    index
        The search index (:func:`dekning.maps.public_search.address_index`), embedded in the
        page; None: the page searches through ``GET /v1/adresser/sok``.
    legend
        Colour (CSS background) and :data:`~dekning.maps.public_text.TEXT` key of each legend
        item.
    data_date
        ``("data_per" or "laget", (year, month, day))``: the line that dates the data.
    title
        The page's title (its heading for screen readers; escaped here).
    challenge_help
        Whether "Om kartet" says how residents challenge the data (:data:`CHALLENGE_HELP`).
    texts
        The page's texts by language (None: :data:`~dekning.maps.public_text.TEXT`; a run's
        map passes :func:`~dekning.maps.public_text.texts_with_evidence`).
    """

    _template = Template(
        "{% macro header(this, kwargs) %}<style>" + PAGE_CSS + "</style>{% endmacro %}\n" + _SCRIPT
    )

    def __init__(
        self,
        index: dict[str, Any] | None,
        legend: list[tuple[str, str]],
        data_date: tuple[str, tuple[int, int, int]],
        title: str,
        challenge_help: bool = False,
        texts: dict[str, dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self._name = "AddressSearch"
        texts = TEXT if texts is None else texts
        nb = texts[DEFAULT_LANGUAGE]
        self.texts = script_json(texts)
        self.default = json.dumps(DEFAULT_LANGUAGE)
        self.title = script_json(title_parts(title))
        self.date = json.dumps({"tekst": data_date[0], "dato": list(data_date[1])})
        self.pin = json.dumps(PIN_SVG)
        y, m, d = data_date[1]
        note = nb[data_date[0]].format(
            dato=nb["dato"].format(d=d, m=nb["maneder"].split()[m - 1], y=y)
        )
        options = "".join(
            f'<option value="{lang}" lang="{lang}"'
            + (" selected" if lang == DEFAULT_LANGUAGE else "")
            + f">{LANGUAGE_NAMES[lang]}</option>"
            for lang in LANGUAGES
        )
        items = "".join(
            f'\n  <div><span class="dekning-farge" style="background:{colour}"></span>'
            f'<span data-t="{key}">{escape(nb[key])}</span></div>'
            for colour, key in legend
        )
        self.markup = MARKUP.format(
            hatch=HATCH_ID,
            title=escape(title),
            options=options,
            legend=items,
            data_note=escape(note),
            index_id=INDEX_ID,
            index="null" if index is None else script_json(index, compact=True),
            challenge_help=CHALLENGE_HELP.format(
                **{k: escape(nb[k]) for k in ("utfordre_tittel", "utfordre_tekst")}
            )
            if challenge_help
            else "",
            **{k: escape(nb[k]) for k in KEYS_IN_MARKUP},
        )

    def render(self, **kwargs: Any) -> str:
        """Put the markup first in the page's body, then render the style and the script."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            figure.html.add_child(Element(self.markup), name="dekning_search_markup", index=0)
        return super().render(**kwargs)


KEYS_IN_MARKUP = (
    "sok_region",
    "sok_etikett",
    "sprak",
    "sok_eksempel",
    "sok_hjelp",
    "treff_liste",
    "om",
    "forklaring",
    "tegnforklaring",
)
"""The texts the markup is written with (in bokmål; the script puts the chosen language's)."""
