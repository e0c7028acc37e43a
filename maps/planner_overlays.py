"""The planner map's other overlays: survey demand per 250 m cell, residents' discrepancies,
fibre routes, mobile coverage per operator and the mobile gap (see :mod:`dekning.maps.planner`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.utilities import JsCode

from dekning.crs import WEB_CRS, WORK_CRS
from dekning.maps.layers import (
    GAP_COLOUR,
    MOBILE_COLOURS,
    SafeTooltip,
    compact_group,
    feature_group,
    grid_polygons,
    operator_label,
    raster_overlay,
)
from dekning.schema import ClassGrid, MobileLayer, operators

SVG = JsCode("L.svg()")
"""Renderer of the build-out areas, the few shapes that stay SVG elements on the canvas-drawn
planner map: above the thousands of canvas shapes and hit first by the mouse. Routes (thousands
of vertices) are drawn on the canvas: an SVG redrawn at every end of a move costs frames."""

DEMAND_RAMP = ("#F6E8C3", "#DFC27D", "#BF812D", "#8C510A", "#543005")
"""Share of answers wanting fibre, 0-20 %, ..., 80-100 % (sequential browns, colour-blind safe;
no other layer uses brown)."""
ROUTE_COLOUR = "#000000"
"""The fibre route: a solid black line (blue is a speed class; dashes mark candidate areas)."""
DISCREPANCY_COLOUR = "#CC79A7"
"""Residents contradicting the operators: reddish purple points (the mobile gap is orange)."""
ROUTE_TOLERANCE_M = 2.0
"""Routes are simplified by this many metres before drawing (fewer vertices, same picture)."""


def _demand_style(feature: dict[str, Any]) -> dict[str, Any]:
    share = feature["properties"]["andel"]
    return {
        "fillColor": "#999999" if share < 0 else DEMAND_RAMP[min(4, int(share * 5))],
        "color": "#333333",
        "weight": 0.4,
        "fillOpacity": 0.7,
    }


def demand_layer(per_cell: pd.DataFrame | None) -> folium.FeatureGroup | None:
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


def discrepancy_layer(
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


def routes_layer(routes: gpd.GeoDataFrame | None) -> folium.FeatureGroup | None:
    """The proposed fibre routes of the areas."""
    if routes is None or routes.empty:
        return None
    lines = routes[["area_id", "metode", "geometry"]].copy()
    lines["geometry"] = lines.geometry.simplify(ROUTE_TOLERANCE_M)
    return compact_group(
        "Foreslått fibertrasé",
        True,
        lines.to_crs(WEB_CRS),
        lambda _f: {"color": ROUTE_COLOUR, "weight": 2.5, "opacity": 0.9},
        tooltip=SafeTooltip(["area_id", "metode"], aliases=["Område", "Trasé"]),
    )


def mobile_overlays(
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


def gap_overlay(
    layers: Sequence[MobileLayer], grids: Mapping[str, ClassGrid]
) -> folium.raster_layers.ImageOverlay | None:
    """Where no operator reaches the satisfactory class (grid ``""``: operators reaching it)."""
    if not layers or "" not in grids:
        return None
    count = grids[""]
    gap = ClassGrid((count.values == 0).astype("int8"), count.transform, count.crs)
    return raster_overlay(gap, {1: GAP_COLOUR}, name="Mobilhull: ingen operatør god nok")
