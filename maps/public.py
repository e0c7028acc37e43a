"""The public map for residents: bokmål labels, aggregates only (small cells suppressed),
an address search that shows the coverage at that address, the planned build-out areas and a
short plain-language explanation. No household counts or survey answers per address."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from html import escape
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from dekning.maps.layers import (
    AREA_FILL,
    MOBILE_WORDS,
    Legend,
    SafeTooltip,
    base_map,
    cell_layer_frame,
    cell_style,
    feature_group,
    operator_label,
    speed_legend_items,
    web_frame,
)
from dekning.privacy import is_small
from dekning.schema import SPEED_CLASS_LABELS, MobileLayer, operator_column, operators, require
from dekning.textsafe import script_json

ADDRESS_COLUMNS = ("adressetekst", "postnummer", "speed_class")
"""Columns of the classified addresses the address search reads (with each operator's
:func:`~dekning.schema.operator_column`)."""
AREA_COLUMNS = ("area_id", "hus", "valgt")
"""Columns of the build-out areas the public map reads."""
ADDRESSES = "classified addresses (public map)"
AREAS = "build-out areas (public map)"

EXPLANATION = (
    "Kartet viser hvor raskt fast bredbånd som tilbys i hver rute på 250 × 250 meter, "
    "ut fra operatørenes innrapporterte dekning. Fargen viser hva de fleste adressene i ruten kan få. "
    "Der det er få adresser, vises ruter på 1 × 1 km, og ruter med svært få adresser er skjult av personvernhensyn. "
    "Grønne områder med stiplet kant er planlagt bygget ut med offentlig støtte. "
    "Søk opp adressen din for å se hva den kan få."
)


def address_index(
    classified: gpd.GeoDataFrame, mobile_layers: Sequence[MobileLayer] = ()
) -> list[list[object]]:
    """Search entries: [address text, postnummer, lat, lon, speed label, mobile words].

    Coverage per address is what operators publish (Nkom's map shows it too); household
    counts and survey answers are left out.

    Raises
    ------
    InputError
        When ``classified`` is not in EPSG:25833 or lacks a column the search reads.
    """
    web = web_frame(classified, ADDRESSES)
    ops = operators(mobile_layers)
    require(web, [*ADDRESS_COLUMNS, *map(operator_column, ops)], ADDRESSES)
    parts = [operator_label(op) + ": " + web[operator_column(op)].map(MOBILE_WORDS) for op in ops]
    mobile = reduce(lambda a, b: a + "; " + b, parts) if parts else ""
    table = pd.DataFrame(
        {
            "tekst": web["adressetekst"].astype(str),
            "postnummer": web["postnummer"].astype(str),
            "lat": np.round(web.geometry.y.to_numpy(), 5),
            "lon": np.round(web.geometry.x.to_numpy(), 5),
            "fast": web["speed_class"].map(SPEED_CLASS_LABELS),
            "mobil": mobile,
        }
    )
    return table.to_numpy(dtype=object).tolist()


class AddressSearch(MacroElement):
    """Keyboard-usable address search (input + result buttons) that zooms to the address and
    opens a popup with its coverage.

    The addresses are embedded as :func:`~dekning.textsafe.script_json` and shown with
    ``textContent`` only: an address text is never parsed as HTML."""

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
            list.replaceChildren(); input.value = r[0] + ', ' + r[1];
            map.setView([r[2], r[3]], 16);
            var box = document.createElement('div'); var name = document.createElement('b');
            name.textContent = r[0]; box.appendChild(name);
            [['Fast bredbånd: ', r[4]], ['Mobil: ', r[5]]].forEach(function(line) {
              box.appendChild(document.createElement('br'));
              box.appendChild(document.createTextNode(line[0] + line[1]));
            });
            L.popup().setLatLng([r[2], r[3]]).setContent(box).openOn(map);
          };
          input.addEventListener('input', function() {
            var q = norm(input.value); list.replaceChildren();
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
        self.data = script_json(data)
        self.explanation = escape(explanation)


def _cells_layer(classified: gpd.GeoDataFrame, min_count: int) -> folium.FeatureGroup:
    """Cells that describe at least ``min_count`` addresses, coloured by their majority class."""
    cells = cell_layer_frame(classified, min_count=min_count)
    return feature_group(
        "Fast bredbånd per rute",
        True,
        cells[["klasse", "geometry"]].assign(tekst=cells["klasse"].map(SPEED_CLASS_LABELS)),
        style_function=cell_style,
        tooltip=SafeTooltip(["tekst"], aliases=["De fleste kan få"]),
    )


def _planned_style(_feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "color": "#000000",
        "weight": 2,
        "fillColor": AREA_FILL,
        "fillOpacity": 0.3,
        "dashArray": "6 3",
    }


def _planned_layer(areas_web: gpd.GeoDataFrame, min_count: int) -> folium.FeatureGroup:
    """The chosen areas (EPSG:4326); their household count only when it is not small
    (:func:`dekning.privacy.is_small`)."""
    planned = areas_web[areas_web["valgt"].astype(bool)]
    label = "Planlagt utbygging (" + planned["area_id"].astype(str) + ")"
    counted = label + ", " + planned["hus"].astype(int).astype(str) + " husstander"
    tekst = label.where(is_small(planned["hus"], min_count), counted)
    return feature_group(
        "Planlagt utbygging",
        True,
        planned.assign(tekst=tekst)[["area_id", "tekst", "geometry"]],
        style_function=_planned_style,
        tooltip=SafeTooltip(["tekst"], labels=False),
    )


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
        Build-out areas (EPSG:25833) with ``area_id``, ``hus`` and ``valgt``; only chosen areas
        are shown, with their household count when it is not small.
    mobile_layers
        The run's mobile layers (operator × technology): the address search shows each
        operator's best class.
    min_cell_count
        The small-group threshold (:func:`dekning.privacy.is_small`): cells and areas with
        fewer addresses (households) show no figure of their own.
    title
        Shown in the browser tab.

    Raises
    ------
    InputError
        A frame in another CRS than EPSG:25833, or without a column this map reads; the
        message names the frame.
    """
    web = web_frame(classified, ADDRESSES)
    areas_web = web_frame(areas, AREAS)
    require(areas_web, AREA_COLUMNS, AREAS)
    m = base_map(web.total_bounds, title)
    _cells_layer(classified, min_cell_count).add_to(m)
    _planned_layer(areas_web, min_cell_count).add_to(m)
    m.add_child(
        Legend(
            "Raskeste faste bredbånd",
            [*speed_legend_items(), (AREA_FILL, "planlagt utbygging")],
            bottom=30,
        )
    )
    m.add_child(AddressSearch(address_index(classified, mobile_layers)))
    folium.LayerControl(collapsed=True).add_to(m)
    return m
