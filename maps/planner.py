"""The planner map: one HTML file with toggleable layers (addresses by speed class aggregated to
250 m cells, eligible addresses, build-out areas with their figures, survey demand per cell,
discrepancies, fibre routes, mobile coverage per operator and the gap where no operator is
satisfactory, residents' challenges of the operator data), legends, scale bar and full screen.

:func:`planner_map` reads as its list of layers; each layer has its own builder below. The
builders take frames :func:`planner_map` has checked at its door (EPSG:25833, the columns used).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.crs import WEB_CRS, require_crs
from dekning.maps.base_layer import PLACE_CSS, base_layer, base_pane
from dekning.maps.compact import ColumnarGeoJson, columns, encode_column, encode_text
from dekning.maps.layers import (
    AREA_FILL,
    CELL_COLUMNS,
    GAP_COLOUR,
    LACKING_COLUMN,
    LACKING_LABEL,
    SPEED_COLOURS,
    SafePopup,
    SafeTooltip,
    base_map,
    cell_layer,
    cell_layer_frame,
    feature_group,
    mobile_legend_items,
    raster_pane,
    speed_legend_items,
    web_frame,
)
from dekning.maps.offline import FullscreenControl, page_header
from dekning.maps.planner_challenges import (
    LAYER_NAME,
    challenge_layer,
    challenge_legend_items,
    override_text,
)
from dekning.maps.planner_masts import mast_layers, mast_legend_items
from dekning.maps.planner_overlays import (
    DEMAND_RAMP,
    DISCREPANCY_COLOUR,
    ROUTE_COLOUR,
    SVG,
    demand_layer,
    discrepancy_layer,
    gap_overlay,
    mobile_overlays,
    routes_layer,
)
from dekning.maps.planner_roads import (
    road_coverage_layer,
    road_gap_layer,
    road_legend_items,
    road_pane,
)
from dekning.maps.planner_table import AreaPanel, legend_markup
from dekning.maps.whatif import Budget
from dekning.money import nok
from dekning.result import MastScreening, RoadMobile
from dekning.rules import area_rule_lines
from dekning.schema import ClassGrid, MobileLayer, require

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
    """Every 250 m cell coloured by the class most of its addresses get (compact columns)."""
    cells = cell_layer_frame(classified)
    fields = ["ssb_rute", "adresser", "hus", "klasse", LACKING_COLUMN]
    aliases = ["Rute", "Adresser", "Husstander", "Vanligste klasse", LACKING_LABEL]
    return cell_layer(
        "Bredbånd per 250 m-rute (husstander)",
        True,
        cells,
        fields,
        tooltip=SafeTooltip(fields, aliases=aliases),
    )


ELIGIBLE_MARKER = {"radius": 3, "weight": 0.5, "fill": True, "fillOpacity": 0.9}
"""The circle of an eligible address; its fill is its speed class's colour, its edge black."""


def _eligible_layer(classified: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Eligible addresses as points coloured by speed class (hidden at start; embedded as
    compact columns, built the first time the layer is shown); when a challenge overrode the
    operator data at some address, the tooltip says why (``overstyring``)."""
    overridden = override_text(classified)
    if overridden is not None:
        classified = classified.assign(overstyring=overridden)
    elig = classified[classified["eligible"].astype(bool)]
    fields = ["adressetekst", "hus", "best_down_kbps", "band"]
    aliases = ["Adresse", "Husstander", "Beste ned (kbit/s)", "Klasse"]
    if overridden is not None:
        fields.append("overstyring")
        aliases.append("Overstyring")
    group = folium.FeatureGroup(name="Støtteberettigede adresser", show=False)
    if elig.empty:
        return group
    props = {"adressetekst": encode_text(elig["adressetekst"])}
    for f in [*fields[1:], "speed_class"]:
        props[f] = encode_column(elig[f])
    xy = np.round(shapely.get_coordinates(elig.geometry.to_numpy())).astype("int64")
    styles = {c: {"fillColor": SPEED_COLOURS[c], "color": "#000"} for c in SPEED_COLOURS}
    ColumnarGeoJson(
        columns(xy[:, 0], xy[:, 1], props),
        styles,
        "speed_class",
        marker=ELIGIBLE_MARKER,
        lazy=True,
        tooltip=SafeTooltip(fields, aliases=aliases),
    ).add_to(group)
    return group


AREA_STYLES = {
    "chosen": {
        "color": "#000000",
        "weight": 2.5,
        "dashArray": None,
        "fillColor": AREA_FILL,
        "fillOpacity": 0.3,
    },
    "other": {
        "color": "#000000",
        "weight": 1.2,
        "dashArray": "5 5",
        "fillColor": AREA_FILL,
        "fillOpacity": 0.0,
    },
    "focus": {
        "color": "#000000",
        "weight": 5,
        "dashArray": None,
        "fillColor": "#FFFFFF",
        "fillOpacity": 0.35,
    },
}
"""Area styles: chosen (filled), a candidate (dashed outline), the area picked in the table."""


def _area_style(feature: dict[str, Any]) -> dict[str, Any]:
    return AREA_STYLES["chosen" if feature["properties"]["valgt"] else "other"]


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
        renderer=SVG,
    )


def _legend(
    layers: dict[str, Any],
    road: RoadMobile | None = None,
    masts: MastScreening | None = None,
    challenges: gpd.GeoDataFrame | None = None,
) -> str:
    """The legend's markup: a section per kind of layer, shown while one of them is on."""
    names = {k: [v.get_name()] if v is not None else [] for k, v in layers.items()}
    mobile = [n for k, v in names.items() if k.startswith("mobil:") for n in v]
    speed = [(("fill", c, label)) for c, label in speed_legend_items()]
    sections = [
        ("Bredbånd (beste tilbud)", names["cells"] + names["eligible"], speed),
        (
            "Utbyggingsområder",
            names["areas"],
            [("fill", AREA_FILL, "valgt område"), ("outline", "#000000", "kandidatområde")],
        ),
        ("Fibertrasé", names["routes"], [("line", ROUTE_COLOUR, "foreslått fibertrasé")]),
        (
            "Spørreundersøkelse",
            names["demand"],
            [
                ("fill", DEMAND_RAMP[4], "80–100 % ønsker fiber"),
                ("fill", DEMAND_RAMP[0], "0–20 % ønsker fiber"),
            ],
        ),
        ("Avvik", names["avvik"], [("point", DISCREPANCY_COLOUR, "beboere motsier operatørdata")]),
        ("Mobildekning (beste klasse)", mobile, [("fill", c, w) for c, w in mobile_legend_items()]),
        ("Mobilhull", names["gap"], [("fill", GAP_COLOUR, "ingen operatør god nok")]),
        ("Mobil langs veg", names["veg"] + names["veghull"], road_legend_items(road)),
        ("Master", names["master"] + names["mastekandidater"], mast_legend_items(masts)),
        (LAYER_NAME, names["utfordringer"], challenge_legend_items(challenges)),
    ]
    return legend_markup([sec for sec in sections if sec[1]])


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
    budget: Budget | None = None,
    road_mobile: RoadMobile | None = None,
    masts: MastScreening | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    challenges: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Build the planner map.

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833) with the columns of :data:`ADDRESS_COLUMNS`.
    areas
        Build-out areas joined with their funding and selection columns (EPSG:25833; the
        columns of :data:`AREA_COLUMNS`; ``enheter`` and ``poeng`` when the run has them).
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
    budget
        How the run chose its areas (:meth:`Budget.from_config`), for the budget what-if;
        None: the what-if starts empty and maximises units for one year.
    road_mobile
        Mobile coverage along the roads: the roads coloured by coverage and the ranked gap
        stretches.
    masts
        Candidate mast sites: the chosen ones and all candidates, with what each would cover.
    boundary, roads
        The municipality boundary and the roads (EPSG:25833): with the post towns of the
        addresses, an offline base under everything (:mod:`dekning.maps.base_layer`).
    challenges
        :attr:`dekning.result.RunResult.challenges` (EPSG:25833): a layer "Utfordringer"
        (hidden at start) with a marker per address coloured by status
        (:mod:`dekning.maps.planner_challenges`); None or empty: no such layer. The addresses'
        ``overstyring`` (when they have it) shows in the eligible addresses' tooltip.

    Raises
    ------
    InputError
        When a frame is not in EPSG:25833 or lacks a column the map reads (naming the frame).
    """
    web = _checked(classified, areas, routes)
    m = base_map(web.total_bounds, title, lang="nb", canvas=True)
    m.add_child(base_pane())
    base = base_layer(boundary, roads, classified)
    if base is not None:
        base.add_to(m)
        page_header(m).add_child(folium.Element(PLACE_CSS))
    m.add_child(raster_pane())
    if road_mobile is not None:
        m.add_child(road_pane())
    layers = _layers(classified, areas, mobile_layers, mobile_grids or {}, routes, survey or {})
    layers["veg"] = road_coverage_layer(road_mobile, mobile_layers)
    layers["veghull"] = road_gap_layer(road_mobile)
    layers["master"], layers["mastekandidater"] = mast_layers(masts)
    layers["utfordringer"] = challenge_layer(challenges, classified)
    for layer in layers.values():
        if layer is not None:
            layer.add_to(m)
    m.add_child(FullscreenControl())
    page_header(m).add_child(folium.Element(TEXT_ROWS_CSS))
    folium.LayerControl(collapsed=True).add_to(m)
    rasters = [
        v.get_name()
        for k, v in layers.items()
        if v is not None and (k[:6] == "mobil:" or k == "gap")
    ]
    panel = AreaPanel(
        web_frame(areas, "build-out areas (planner map)"),
        geojson=_geojson_name(layers["areas"]),
        group=layers["areas"].get_name(),
        rasters=rasters,
        legend=_legend(layers, road_mobile, masts, challenges),
        styles=AREA_STYLES,
        budget=budget,
    )
    m.add_child(panel)
    return m


def _layers(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    mobile_layers: Sequence[MobileLayer],
    grids: Mapping[str, ClassGrid],
    routes: gpd.GeoDataFrame | None,
    survey: Mapping[str, pd.DataFrame],
) -> dict[str, Any]:
    """The map's layers by kind (None: the run has no data for it), in drawing order."""
    mobile = mobile_overlays(mobile_layers, grids)
    return {
        "cells": _cells_layer(classified),
        "eligible": _eligible_layer(classified),
        "areas": _areas_layer(areas),
        "demand": demand_layer(survey.get("ettersporsel_ruter")),
        "avvik": discrepancy_layer(classified, survey.get("avvik")),
        "routes": routes_layer(routes),
        **{f"mobil:{i}": overlay for i, overlay in enumerate(mobile)},
        "gap": gap_overlay(mobile_layers, grids),
    }


def _geojson_name(group: folium.FeatureGroup) -> str:
    """The JS name of the GeoJson layer inside ``group`` ("null" when the group is empty)."""
    inner = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    return inner[0].get_name() if inner else "L.featureGroup()"


def write_map(m: folium.Map, path: str | Path) -> Path:
    """Save a map to one HTML file, atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    m.save(str(tmp))
    tmp.replace(path)
    return path
