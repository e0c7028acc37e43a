"""The planner map's panel "Områder og budsjett": a sortable table of the build-out areas linked
to the map, the area labels, and the budget what-if (:mod:`dekning.maps.whatif`).

Every text from the input (area ids) reaches the page as :func:`~dekning.textsafe.script_json`
and is shown with ``textContent``; the fixed labels are escaped here. The script exposes
``window.dekningPlanner`` (``select``, ``whatIf``, ``focus``) for the browser tests.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from dekning.maps.planner_table_js import NUMBER_JS, PANEL_CSS, PANEL_JS
from dekning.maps.whatif import KNAPSACK_JS, Budget, units, whatif_values
from dekning.money import nok, thousands
from dekning.textsafe import script_json

COLUMNS = (
    ("Område", "text"),
    ("Enheter", "number"),
    ("Kostnad", "number"),
    ("Støttebehov", "number"),
    ("Kommunal egenandel", "number"),
    ("Kostnad per enhet", "number"),
    ("Poeng", "number"),
    ("Valgt i kjøringen", "number"),
    ("Valgt med budsjettet", "number"),
)
"""The table's column headings and how they sort."""
MONEY_COLUMNS = ("kost_total", "stottebehov", "kommunal", "kost_per_enhet")
"""The table's money columns (NOK), in column order."""
NOT_CHOSEN_SORT = 1_000_000
"""Sort key of an area the run did not choose (after every rank)."""


def _score_text(score: float) -> str:
    """A score with a decimal comma (``12,3``); a dash for an area without one."""
    return "–" if pd.isna(score) else f"{score:.1f}".replace(".", ",")


def table_rows(areas: gpd.GeoDataFrame, budget: Budget) -> list[dict[str, Any]]:
    """One entry per area (EPSG:4326): its id, label point, cell texts, sort keys, municipal
    money (``w``, whole kroner), what-if value (``v``), units (``u``) and the run's choice."""
    score = areas["poeng"] if "poeng" in areas.columns else pd.Series(np.nan, index=areas.index)
    n_units = units(areas).tolist()
    values = whatif_values(areas, budget.objective).tolist()
    chosen = areas["valgt"].astype(bool).tolist()
    rank = areas["rang"].fillna(0).astype(int).tolist()
    year = areas["aar"].fillna(0).astype(int).tolist()
    at = areas.geometry.representative_point()
    lat, lon = np.round(at.y.to_numpy(), 6).tolist(), np.round(at.x.to_numpy(), 6).tolist()
    money = areas[list(MONEY_COLUMNS)].astype("float64")
    money_text = [money[c].map(nok).tolist() for c in MONEY_COLUMNS]
    money_sort = [money[c].tolist() for c in MONEY_COLUMNS]
    score_sort = [None if pd.isna(x) else float(x) for x in score]
    score_text = [_score_text(x) for x in score]
    municipal = [round(x) for x in money["kommunal"]]
    ids = areas["area_id"].astype(str).tolist()
    return [
        {
            "id": ids[i],
            "at": [lat[i], lon[i]],
            "text": [thousands(n_units[i]), *(t[i] for t in money_text), score_text[i]],
            "sort": [
                n_units[i],
                *(m[i] for m in money_sort),
                score_sort[i],
                rank[i] if chosen[i] else NOT_CHOSEN_SORT,
            ],
            "choice": f"{rank[i]} (år {year[i]})" if chosen[i] else "nei",
            "w": municipal[i],
            "v": values[i],
            "u": n_units[i],
            "valgt": chosen[i],
        }
        for i in range(len(ids))
    ]


def _markup(budget: Budget, known: bool = True) -> str:
    """The panel's fixed markup (a closed ``<details>``); the rows are added by its script.
    ``known``: whether the run's budget settings were given (else the what-if says so)."""
    heads = "".join(
        f'<th scope="col" data-kind="{kind}"><button type="button">{escape(label)}</button></th>'
        for label, kind in COLUMNS
    )
    start = "" if budget.municipal_budget_nok is None else nok(budget.municipal_budget_nok)
    note = (
        ""
        if budget.exact_in_browser
        else '<p class="dekning-merk">Hva om-beregningen gjelder bare ett budsjettår uten grense '
        "for statlige midler; denne kjøringen har "
        f"{budget.years} budsjettår"
        + ("" if budget.state_budget_nok is None else " og en grense for statlige midler")
        + ". Tabellen viser kjøringens utvalg.</p>"
    )
    objective = "flest enheter" if budget.objective == "enheter" else "høyest sum av poeng"
    if not known:
        note += (
            '<p class="dekning-merk">Kjøringens budsjettinnstillinger er ikke med i kartet: '
            "utvalget gir flest enheter for ett budsjettår.</p>"
        )
    return (
        '<details class="dekning-panel"><summary>Områder og budsjett</summary>'
        '<form class="dekning-hvaom" novalidate>'
        '<label for="dekning-budsjett">Kommunalt budsjett per år</label> '
        f'<input id="dekning-budsjett" type="text" inputmode="numeric" value="{escape(start)}"'
        f"{' disabled' if not budget.exact_in_browser else ''}> "
        f'<button type="submit"{" disabled" if not budget.exact_in_browser else ""}>'
        "Beregn utvalg</button>"
        f'<p class="dekning-merk">Eksakt utvalg: {objective} innenfor budsjettet, '
        "som i kjøringen.</p>"
        + note
        + '<p id="dekning-hvaom-svar" role="status" aria-live="polite"></p></form>'
        '<div class="dekning-tabell" tabindex="0" role="region" aria-label="Områdetabell">'
        f"<table><caption>Utbyggingsområder (velg en rad for å vise området)</caption>"
        f"<thead><tr>{heads}</tr></thead><tbody></tbody></table></div></details>"
    )


def legend_markup(sections: list[tuple[str, list[str], list[tuple[str, str, str]]]]) -> str:
    """A legend whose sections show only while one of their layers is on the map.

    ``sections``: (title, the JS names of its layers, items of (kind, colour, label)); kind
    ``fill``, ``line`` (dashed line) or ``point``. The raster overlays' opacity slider is put
    in the section titled "Mobil"."""
    parts = []
    for title, names, items in sections:
        rows = "".join(
            f'<div><span class="dekning-tegn dekning-{kind}" style="--c:{colour}"></span>'
            f"{escape(label)}</div>"
            for kind, colour, label in items
        )
        parts.append(
            f"<div class=\"dekning-legend-del\" data-layers='{json.dumps(names)}'>"
            f"<strong>{escape(title)}</strong>{rows}</div>"
        )
    slider = (
        '<div class="dekning-legend-del dekning-dekkevne" data-layers="[]">'
        '<label for="dekning-dekkevne">Mobillag, dekkevne</label> '
        '<input id="dekning-dekkevne" type="range" min="10" max="100" step="5" value="55"></div>'
    )
    return (
        '<div class="dekning-legend" role="region" aria-label="Tegnforklaring">'
        + "".join(parts)
        + slider
        + "</div>"
    )


class AreaPanel(MacroElement):
    """The table, labels, what-if and the legend that follows the visible layers.

    Parameters
    ----------
    areas
        The areas' popup frame (EPSG:4326) joined with their table columns.
    geojson, group
        The JS names of the areas' GeoJson layer and of its layer-control group.
    rasters
        The JS names of the raster overlays (the opacity slider sets theirs).
    legend
        The legend's markup (:func:`legend_markup`).
    styles
        Area styles: ``chosen``, ``other`` and ``focus`` (a highlighted area).
    budget
        How the run chose (None: unknown; the what-if starts empty, for one year).
    """

    _template = Template(
        "{% macro header(this, kwargs) %}<style>" + PANEL_CSS + "</style>{% endmacro %}\n"
        "{% macro script(this, kwargs) %}\n(function() {\n"
        "  var map = {{ this._parent.get_name() }};\n"
        "  var areas = {{ this.geojson }}, group = {{ this.group }};\n"
        "  var rasters = [{{ this.rasters }}];\n"
        "  var data = {{ this.data }};\n  var styles = {{ this.styles }};\n"
        "  var panelHtml = {{ this.panel }}, legendHtml = {{ this.legend }};\n"
        + NUMBER_JS
        + KNAPSACK_JS
        + PANEL_JS
        + "})();\n{% endmacro %}"
    )

    def __init__(
        self,
        areas: gpd.GeoDataFrame,
        geojson: str,
        group: str,
        rasters: list[str],
        legend: str,
        styles: dict[str, dict[str, Any]],
        budget: Budget | None = None,
    ) -> None:
        super().__init__()
        self._name = "AreaPanel"
        b = budget or Budget()
        self.geojson, self.group = geojson, group
        self.rasters = ", ".join(rasters)
        self.data = script_json(
            {
                "rows": table_rows(areas, b),
                "budget": b.municipal_budget_nok,
                "exact": b.exact_in_browser,
            }
        )
        self.styles = json.dumps(styles)
        self.panel = script_json(_markup(b, known=budget is not None))
        self.legend = script_json(legend)
