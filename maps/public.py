"""The public map for residents: bokmål labels, aggregates only (small cells suppressed),
an address search that shows the coverage at that address, the planned build-out areas and a
short plain-language explanation. No household counts or survey answers per address."""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement, Template

from dekning.crs import WEB_CRS
from dekning.maps.layers import (
    Legend,
    base_map,
    cell_layer_frame,
    cell_style,
    speed_legend_items,
)
from dekning.schema import SPEED_CLASS_LABELS, MobileLayer, operator_column, operators

MOBILE_WORDS = {0: "ingen", 1: "med utendørsantenne", 2: "utendørs", 3: "innendørs"}

EXPLANATION = (
    "Kartet viser hvor raskt fast bredbånd som tilbys i hver rute på 250 × 250 meter, "
    "ut fra operatørenes innrapporterte dekning. Fargen viser hva de fleste adressene i ruten kan få. "
    "Der det er få adresser, vises ruter på 1 × 1 km, og ruter med svært få adresser er skjult av personvernhensyn. "
    "Skraverte områder er planlagt bygget ut med offentlig støtte. "
    "Søk opp adressen din for å se hva den kan få."
)


def address_index(
    classified: gpd.GeoDataFrame, mobile_layers: Sequence[MobileLayer] = ()
) -> list[list[object]]:
    """Search entries: [address text, postnummer, lat, lon, speed label, mobile words].

    Coverage per address is what operators publish (Nkom's map shows it too); household
    counts and survey answers are left out.
    """
    web = classified.to_crs(WEB_CRS)
    lat = np.round(web.geometry.y.to_numpy(), 5)
    lon = np.round(web.geometry.x.to_numpy(), 5)
    words = np.array([MOBILE_WORDS[k] for k in sorted(MOBILE_WORDS)], dtype=object)
    parts = [
        op.capitalize() + ": " + words[web[operator_column(op)].to_numpy(dtype="int64")]
        for op in operators(mobile_layers)
    ]
    mob_text = ["; ".join(p) for p in zip(*parts, strict=True)] if parts else [""] * len(web)
    labels = web["speed_class"].map(SPEED_CLASS_LABELS).to_numpy()
    rows = [
        [t, p, float(la), float(lo), lab, m]
        for t, p, la, lo, lab, m in zip(
            web["adressetekst"].astype(str),
            web["postnummer"].astype(str),
            lat,
            lon,
            labels,
            mob_text,
            strict=True,
        )
    ]
    return rows


class AddressSearch(MacroElement):
    """Keyboard-usable address search (input + result buttons) that zooms to the address and
    opens a popup with its coverage."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          #dekning-search { position:absolute; top:10px; left:54px; z-index:1000; background:#fff; padding:6px;
            border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4); font:14px system-ui,sans-serif; width:min(320px, 70vw); }
          #dekning-search input { width:100%; box-sizing:border-box; padding:6px; font-size:16px; }
          #dekning-search ul { list-style:none; margin:4px 0 0; padding:0; max-height:40vh; overflow:auto; }
          #dekning-search button { width:100%; text-align:left; padding:6px; border:0; background:#f4f4f4; margin-top:2px; font-size:15px; cursor:pointer; }
          #dekning-search button:focus, #dekning-search button:hover { background:#cde6f7; outline:2px solid #0072B2; }
          #dekning-info { position:absolute; bottom:28px; right:10px; z-index:1000; background:#fff; padding:8px 10px;
            border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4); font:13px/1.4 system-ui,sans-serif; max-width:min(340px, 80vw); }
          @media (max-width: 600px) { #dekning-info { font-size:12px; max-height:30vh; overflow:auto; } .dekning-legend { display:none; } }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div id="dekning-search" role="search">
          <label for="dekning-q"><strong>Finn din adresse</strong></label>
          <input id="dekning-q" type="search" autocomplete="off" placeholder="F.eks. Storgata 5" aria-describedby="dekning-hint">
          <div id="dekning-hint" style="font-size:12px;color:#444">Skriv minst tre tegn, velg med Tab og Enter.</div>
          <ul id="dekning-results" aria-live="polite"></ul>
        </div>
        <details id="dekning-info" open><summary><strong>Om kartet</strong></summary><p>{{ this.explanation }}</p></details>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }};
          var data = {{ this.data }};
          var norm = function(s) { return s.toLowerCase().replace(/\\s+/g, ' ').trim(); };
          var keys = data.map(function(r) { return norm(r[0] + ' ' + r[1]); });
          var input = document.getElementById('dekning-q');
          var list = document.getElementById('dekning-results');
          var show = function(r) {
            list.innerHTML = ''; input.value = r[0] + ', ' + r[1];
            map.setView([r[2], r[3]], 16);
            L.popup().setLatLng([r[2], r[3]]).setContent(
              '<b>' + r[0] + '</b><br>Fast bredbånd: ' + r[4] + '<br>Mobil: ' + r[5]).openOn(map);
          };
          input.addEventListener('input', function() {
            var q = norm(input.value); list.innerHTML = '';
            if (q.length < 3) { return; }
            var n = 0;
            for (var i = 0; i < data.length && n < 8; i++) {
              if (keys[i].indexOf(q) !== -1) {
                var li = document.createElement('li'); var b = document.createElement('button');
                b.type = 'button'; b.textContent = data[i][0] + ', ' + data[i][1];
                b.addEventListener('click', (function(r) { return function() { show(r); }; })(data[i]));
                li.appendChild(b); list.appendChild(li); n++;
              }
            }
            if (n === 0) { var li = document.createElement('li'); li.textContent = 'Fant ingen adresse'; list.appendChild(li); }
          });
          input.addEventListener('keydown', function(e) {
            if (e.key === 'Enter') { var b = list.querySelector('button'); if (b) { b.click(); } }
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: list[list[object]], explanation: str = EXPLANATION) -> None:
        super().__init__()
        self._name = "AddressSearch"
        self.data = json.dumps(data, ensure_ascii=False)
        self.explanation = explanation


def public_map(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    mobile_layers: Sequence[MobileLayer] = (),
    min_cell_count: int = 5,
    title: str = "Bredbånd og mobildekning",
) -> folium.Map:
    """Build the public map.

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833).
    areas
        Build-out areas with ``valgt``; only chosen areas are shown, with their household count
        when it is at least ``min_cell_count``.
    mobile_layers
        The run's mobile layers (operator × technology): the address search shows each
        operator's best class.
    min_cell_count
        Cells with fewer addresses are suppressed.
    """
    web = classified.to_crs(WEB_CRS)
    m = base_map(web.total_bounds, title)
    cells = cell_layer_frame(classified, min_count=min_cell_count)
    shown = cells
    fg = folium.FeatureGroup(name="Fast bredbånd per rute", show=True)
    folium.GeoJson(
        shown[["klasse", "geometry"]].assign(tekst=shown["klasse"].map(SPEED_CLASS_LABELS)),
        style_function=cell_style,
        tooltip=folium.GeoJsonTooltip(["tekst"], aliases=["De fleste kan få"]),
    ).add_to(fg)
    fg.add_to(m)

    planned = areas[areas.get("valgt", False) == True] if "valgt" in areas else areas.iloc[0:0]  # noqa: E712
    fg = folium.FeatureGroup(name="Planlagt utbygging", show=True)
    if len(planned):
        pw = planned.to_crs(WEB_CRS)
        pw = pw.assign(
            tekst=[
                f"Planlagt utbygging ({a}), {int(h)} husstander"
                if h >= min_cell_count
                else f"Planlagt utbygging ({a})"
                for a, h in zip(pw["area_id"], pw["hus"], strict=True)
            ]
        )
        folium.GeoJson(
            pw[["area_id", "tekst", "geometry"]],
            style_function=lambda _f: {
                "color": "#000000",
                "weight": 2,
                "fillColor": "#009E73",
                "fillOpacity": 0.3,
                "dashArray": "6 3",
            },
            tooltip=folium.GeoJsonTooltip(["tekst"], labels=False),
        ).add_to(fg)
    fg.add_to(m)
    m.add_child(
        Legend(
            "Raskeste faste bredbånd",
            [*speed_legend_items(), ("#009E73", "planlagt utbygging")],
            bottom=30,
        )
    )
    m.add_child(AddressSearch(address_index(classified, mobile_layers)))
    folium.LayerControl(collapsed=True).add_to(m)
    return m
