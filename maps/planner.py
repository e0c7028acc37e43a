"""The planner map: one HTML file with toggleable layers (addresses by speed class aggregated to
250 m cells, eligible addresses, build-out areas with their figures, survey demand per cell,
discrepancies, fibre routes, mobile coverage per operator and the gap where no operator is
satisfactory), legends, scale bar and full screen.

:func:`planner_map` reads as its list of layers; each layer has its own builder below. The
builders take frames :func:`planner_map` has checked at its door (EPSG:25833, the columns used).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.crs import WEB_CRS, WORK_CRS, require_crs
from dekning.maps.layers import (
    AREA_FILL,
    CELL_COLUMNS,
    GAP_COLOUR,
    LACKING_COLUMN,
    LACKING_LABEL,
    MOBILE_COLOURS,
    SPEED_COLOURS,
    Legend,
    SafePopup,
    SafeTooltip,
    base_map,
    cell_layer_frame,
    cell_style,
    feature_group,
    grid_polygons,
    mobile_legend_items,
    operator_label,
    raster_overlay,
    raster_pane,
    speed_legend_items,
    web_frame,
)
from dekning.maps.offline import FullscreenControl, page_header
from dekning.money import nok
from dekning.rules import area_rule_lines
from dekning.schema import ClassGrid, MobileLayer, operators, require

DEMAND_RAMP = ("#f7fcb9", "#d9f0a3", "#addd8e", "#41ab5d", "#006837")
"""Share of answers wanting fibre, 0-20 %, ..., 80-100 % (sequential, colour-blind safe)."""
ROUTE_COLOUR = "#0072B2"
DISCREPANCY_COLOUR = "#CC79A7"

ADDRESS_COLUMNS = ("adrid", "adressetekst", "eligible", "band", *CELL_COLUMNS)
"""Columns of the classified addresses the planner map reads."""
AREA_COLUMNS = (
    "area_id",
    "hus",
    "naering",
    "fritid",
    "kost_total",
    "stottebehov",
    "statlig",
    "kommunal",
    "kost_per_enhet",
    "valgt",
    "rang",
    "aar",
)
"""Columns of the build-out areas the planner map reads."""
POPUP_FIELDS = {
    "area_id": "Område",
    "hus": "Husstander",
    "naering": "Virksomheter",
    "fritid": "Fritidsboliger (ikke støtteberettiget)",
    "kostnad": "Kostnad",
    "stottebehov_kr": "Støttebehov",
    "statlig_kr": "Statlig tilskudd",
    "kommunal_kr": "Kommunal egenandel",
    "per_enhet_kr": "Kostnad per enhet",
    "prioritet": "Prioritet",
    "stikk": "Stikkledninger",
    "regel": "Regel",
    "egenandelsregel": "Egenandelsregel",
}
"""Popup fields and their labels; ``stikk`` only when the areas have the drop columns. The
lines of text come last: :data:`TEXT_ROWS_CSS` lets them wrap."""
TEXT_ROWS_CSS = (
    "<style>.leaflet-popup-content tr:nth-last-child(-n+3) td "
    "{ white-space: normal; overflow-wrap: anywhere; }</style>"
)
"""Figures in popups never break (:data:`dekning.maps.layers.PAGE_CSS`), but the popup's last
three rows (the drops and the rules' status and source; kroner keep their no-break spaces) wrap
inside the popup's width."""
DROP_COLUMNS = ("stikk_m", "kost_stikk", "kost_stikk_eier")
"""Drop columns of the cost model the popup shows when an area has them."""


def _whole_metres(value: float) -> str:
    """Whole metres with a no-break space between thousands: ``12 345 m``."""
    return f"{value:,.0f}".replace(",", "\u00a0") + "\u00a0m"


def area_popup_frame(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Areas in EPSG:4326 with the figures a planner sees in the popup, formatted as text: the
    rules they rest on with status and source (``regel``, ``egenandelsregel``; "status ukjent"
    for areas of an older run) and, when the areas have the drop columns, the drops
    (``stikk``: "X m (prosjektet Y kr, eier Z kr)").

    Raises
    ------
    InputError
        When ``areas`` is not in EPSG:25833 or lacks a column of :data:`AREA_COLUMNS`.
    """
    web = web_frame(areas, "build-out areas (planner map)")
    require(web, AREA_COLUMNS, "build-out areas (planner map)")
    chosen = web["valgt"].astype(bool)
    rank = web["rang"].fillna(0).astype(int).astype(str)
    year = web["aar"].fillna(0).astype(int).astype(str)
    rule, cofunding = area_rule_lines(pd.DataFrame(web.drop(columns="geometry")))
    extra = {}
    if all(c in web.columns for c in DROP_COLUMNS):
        extra["stikk"] = (
            web["stikk_m"].map(_whole_metres)
            + " (prosjektet "
            + web["kost_stikk"].map(nok)
            + ", eier "
            + web["kost_stikk_eier"].map(nok)
            + ")"
        )
    return gpd.GeoDataFrame(
        {
            "area_id": web["area_id"],
            "hus": web["hus"].astype(int),
            "naering": web["naering"].astype(int),
            "fritid": web["fritid"].astype(int),
            "kostnad": web["kost_total"].map(nok),
            "stottebehov_kr": web["stottebehov"].map(nok),
            "statlig_kr": web["statlig"].map(nok),
            "kommunal_kr": web["kommunal"].map(nok),
            "per_enhet_kr": web["kost_per_enhet"].map(nok),
            **extra,
            "prioritet": (rank + " (år " + year + ")").where(chosen, "ikke valgt"),
            "regel": rule.str.removeprefix("Regel: "),
            "egenandelsregel": cofunding.str.removeprefix("Egenandelsregel: "),
            "valgt": chosen,
        },
        geometry=web.geometry,
        crs=WEB_CRS,
    )


def _cells_layer(classified: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Every 250 m cell coloured by the class most of its addresses get."""
    cells = cell_layer_frame(classified)
    fields = ["ssb_rute", "adresser", "hus", "klasse", LACKING_COLUMN]
    aliases = ["Rute", "Adresser", "Husstander", "Vanligste klasse", LACKING_LABEL]
    return feature_group(
        "Bredbånd per 250 m-rute (husstander)",
        True,
        cells[[*fields, "geometry"]],
        style_function=cell_style,
        tooltip=SafeTooltip(fields, aliases=aliases),
    )


def _eligible_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {"fillColor": SPEED_COLOURS[feature["properties"]["speed_class"]], "color": "#000"}


def _eligible_layer(classified: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Eligible addresses as points coloured by speed class (hidden at start)."""
    elig = classified[classified["eligible"]].to_crs(WEB_CRS)
    columns = ["adrid", "adressetekst", "hus", "speed_class", "best_down_kbps", "band"]
    return feature_group(
        "Støtteberettigede adresser",
        False,
        elig[[*columns, "geometry"]],
        marker=folium.CircleMarker(radius=3, weight=0.5, fill=True, fill_opacity=0.9),
        style_function=_eligible_style,
        tooltip=SafeTooltip(
            ["adressetekst", "hus", "best_down_kbps", "band"],
            aliases=["Adresse", "Husstander", "Beste ned (kbit/s)", "Klasse"],
        ),
    )


def _area_style(feature: dict[str, Any]) -> dict[str, Any]:
    chosen = feature["properties"]["valgt"]
    return {
        "color": "#000000",
        "weight": 2.5 if chosen else 1.2,
        "dashArray": None if chosen else "5 5",
        "fillColor": AREA_FILL,
        "fillOpacity": 0.3 if chosen else 0.0,
    }


def _areas_layer(areas: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Build-out areas (chosen ones filled) with their figures in a popup."""
    frame = area_popup_frame(areas)
    fields = [f for f in POPUP_FIELDS if f in frame.columns]
    return feature_group(
        "Utbyggingsområder",
        True,
        frame,
        style_function=_area_style,
        popup=SafePopup(
            fields, aliases=[POPUP_FIELDS[f] for f in fields], labels=True, max_width=420
        ),
        tooltip=SafeTooltip(["area_id"], aliases=["Område"]),
    )


def _demand_style(feature: dict[str, Any]) -> dict[str, Any]:
    share = feature["properties"]["andel"]
    return {
        "fillColor": "#999999" if share < 0 else DEMAND_RAMP[min(4, int(share * 5))],
        "color": "#333333",
        "weight": 0.4,
        "fillOpacity": 0.7,
    }


def _demand_layer(per_cell: pd.DataFrame | None) -> folium.FeatureGroup | None:
    """Survey answers per 250 m cell coloured by the share wanting fibre (-1: not asked)."""
    if per_cell is None or per_cell.empty:
        return None
    cells = gpd.GeoDataFrame(
        per_cell, geometry=grid_polygons(per_cell["ssb_rute_250"]), crs=WORK_CRS
    ).to_crs(WEB_CRS)
    share = cells.get("andel_interessert", pd.Series(np.nan, index=cells.index))
    cells["andel"] = share.fillna(-1)
    return feature_group(
        "Spørreundersøkelse: svar per rute",
        False,
        cells[["ssb_rute_250", "svar", "andel", "geometry"]],
        style_function=_demand_style,
        tooltip=SafeTooltip(
            ["svar", "andel"], aliases=["Svar", "Andel som ønsker fiber (-1: ikke spurt)"]
        ),
    )


def _distinct_joined(key: pd.Series, values: pd.Series) -> pd.Series:
    """Per key (sorted): its distinct non-empty values, sorted and joined by ``", "``.

    Vectorised: the loop runs over the distinct values (a few kinds or operators), not rows.
    """
    present = pd.crosstab(key, values.astype(str)).gt(0)
    joined = pd.Series("", index=present.index, dtype=object)
    for value in sorted(v for v in present.columns if v):
        joined = joined + np.where(present[value], value + ", ", "")
    return joined.str.removesuffix(", ")


def _discrepancy_layer(
    classified: gpd.GeoDataFrame, avvik: pd.DataFrame | None
) -> folium.FeatureGroup | None:
    """Addresses where residents' answers contradict operator data (one point each)."""
    if avvik is None or avvik.empty:
        return None
    per_address = pd.DataFrame(
        {
            "avvik": _distinct_joined(avvik["adrid"], avvik["avvik"]),
            "operatorer": _distinct_joined(avvik["adrid"], avvik["operator"]),
            "antall": avvik.groupby("adrid").size(),
        }
    )
    at = classified.set_index("adrid").loc[per_address.index, ["adressetekst", "geometry"]]
    pts = gpd.GeoDataFrame(
        at.join(per_address).reset_index(), geometry="geometry", crs=WORK_CRS
    ).to_crs(WEB_CRS)
    return feature_group(
        "Avvik: beboere motsier operatørdata",
        False,
        pts[["adressetekst", "avvik", "operatorer", "antall", "geometry"]],
        marker=folium.CircleMarker(radius=5, weight=1.5, fill=True, fill_opacity=0.9),
        style_function=lambda _f: {"fillColor": DISCREPANCY_COLOUR, "color": "#000000"},
        tooltip=SafeTooltip(
            ["adressetekst", "avvik", "operatorer"], aliases=["Adresse", "Avvik", "Operatør"]
        ),
    )


def _routes_layer(routes: gpd.GeoDataFrame | None) -> folium.FeatureGroup | None:
    """The proposed fibre routes of the areas."""
    if routes is None or routes.empty:
        return None
    return feature_group(
        "Foreslått fibertrasé",
        True,
        routes.to_crs(WEB_CRS)[["area_id", "metode", "geometry"]],
        style_function=lambda _f: {"color": ROUTE_COLOUR, "weight": 2.5, "opacity": 0.9},
        tooltip=SafeTooltip(["area_id", "metode"], aliases=["Område", "Trasé"]),
    )


def _mobile_overlays(
    layers: Sequence[MobileLayer], grids: Mapping[str, ClassGrid]
) -> list[folium.raster_layers.ImageOverlay]:
    """Per operator with a class grid: its best class over its technologies (hidden at start)."""
    overlays = []
    for op in operators(layers):
        if op in grids:
            techs = "/".join(
                dict.fromkeys(lay.technology.upper() for lay in layers if lay.operator == op)
            )
            # Leaflet's layer control shows names as HTML: the operator's name is escaped.
            name = escape(f"Mobildekning {operator_label(op)} ({techs})")
            overlays.append(raster_overlay(grids[op], MOBILE_COLOURS, name=name))
    return overlays


def _gap_overlay(
    layers: Sequence[MobileLayer], grids: Mapping[str, ClassGrid]
) -> folium.raster_layers.ImageOverlay | None:
    """Where no operator reaches the satisfactory class (grid ``""``: operators reaching it)."""
    if not layers or "" not in grids:
        return None
    count = grids[""]
    gap = ClassGrid((count.values == 0).astype("int8"), count.transform, count.crs)
    return raster_overlay(gap, {1: GAP_COLOUR}, name="Mobilhull: ingen operatør god nok")


def _legends() -> list[Legend]:
    """The speed-class legend and the legend of the mobile, area, route and survey layers."""
    others = [
        (GAP_COLOUR, "ingen operatør god nok"),
        (AREA_FILL, "valgt område"),
        ("#FFFFFF", "kandidatområde (stiplet)"),
        (ROUTE_COLOUR, "foreslått fibertrasé"),
        (DISCREPANCY_COLOUR, "avvik fra beboere (punkt)"),
        (DEMAND_RAMP[4], "svar: 80–100 % ønsker fiber"),
        (DEMAND_RAMP[0], "svar: 0–20 % ønsker fiber"),
    ]
    return [
        Legend("Bredbånd (beste tilbud)", speed_legend_items(), bottom=30),
        Legend("Mobil / områder", [*mobile_legend_items(), *others], bottom=200),
    ]


def _checked(
    classified: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, routes: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """The planner map's door: every frame in EPSG:25833, the addresses with the columns of
    :data:`ADDRESS_COLUMNS`; returns the addresses in EPSG:4326."""
    web = web_frame(classified, "classified addresses (planner map)")
    require(classified, ADDRESS_COLUMNS, "classified addresses (planner map)")
    require_crs(areas, "build-out areas (planner map)")
    if routes is not None:
        require_crs(routes, "fibre routes (planner map)")
    return web


def planner_map(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    mobile_layers: Sequence[MobileLayer] = (),
    mobile_grids: Mapping[str, ClassGrid] | None = None,
    routes: gpd.GeoDataFrame | None = None,
    survey: Mapping[str, pd.DataFrame] | None = None,
    title: str = "dekning – planleggerkart",
) -> folium.Map:
    """Build the planner map.

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833) with the columns of :data:`ADDRESS_COLUMNS`.
    areas
        Build-out areas joined with their funding and selection columns (EPSG:25833; the
        columns of :data:`AREA_COLUMNS`).
    mobile_layers, mobile_grids
        The run's mobile layers and its class grids (per operator; key ``""``: the number of
        operators reaching the satisfactory class), as made by the classify stage.
    routes
        Fibre routes of the areas (EPSG:25833).
    survey
        :attr:`dekning.pipeline.RunResult.survey`: demand per 250 m cell
        (``ettersporsel_ruter``) and the discrepancies (``avvik``) at their addresses.
    title
        The page title.

    Raises
    ------
    InputError
        When a frame is not in EPSG:25833 or lacks a column the map reads (naming the frame).
    """
    web = _checked(classified, areas, routes)
    survey = survey or {}
    grids = mobile_grids or {}
    m = base_map(web.total_bounds, title, lang="nb")
    m.add_child(raster_pane())
    layers = [
        _cells_layer(classified),
        _eligible_layer(classified),
        _areas_layer(areas),
        _demand_layer(survey.get("ettersporsel_ruter")),
        _discrepancy_layer(classified, survey.get("avvik")),
        _routes_layer(routes),
        *_mobile_overlays(mobile_layers, grids),
        _gap_overlay(mobile_layers, grids),
    ]
    for layer in layers:
        if layer is not None:
            layer.add_to(m)
    for control in [*_legends(), FullscreenControl()]:
        m.add_child(control)
    page_header(m).add_child(folium.Element(TEXT_ROWS_CSS))
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def write_map(m: folium.Map, path: str | Path) -> Path:
    """Save a map to one HTML file, atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    m.save(str(tmp))
    tmp.replace(path)
    return path
