"""Cost estimate per build-out area.

Route length = (minimum spanning tree over the area's addresses + link from the area to the
nearest address with fibre) × detour factor. Cost = route × cost per metre
+ per-connection cost × expected connections + fixed equipment. All lengths in metres
(EPSG:25833), money in NOK.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from dekning.config import CostConfig
from dekning.coverage.planning.routing import (
    RoadGraph,
    build_road_graph,
    duct_zone,
    fibre_reach,
    length_in_ducts,
    length_in_ground,
    mst_edges,
    road_route,
    straight_route,
)
from dekning.money import round_half_up


def mst_length(xy: np.ndarray) -> float:
    """Length (metres) of the Euclidean minimum spanning tree over points ``xy`` (n × 2)."""

    edges = mst_edges(xy)
    return float(np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T).sum()) if len(edges) else 0.0


def estimate_costs(
    areas: gpd.GeoDataFrame,
    classified: gpd.GeoDataFrame,
    area_of: pd.Series,
    cfg: CostConfig,
    *,
    roads: gpd.GeoDataFrame | RoadGraph | None = None,
    ducts: gpd.GeoDataFrame | None = None,
    ground: gpd.GeoDataFrame | None = None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Route and cost breakdown of every area.

    Parameters
    ----------
    roads
        Road centre lines (EPSG:25833), or their graph from
        :func:`dekning.coverage.planning.routing.build_road_graph`; when given, routes follow the roads.
    ducts
        Existing ducts (trekkrør); route metres within ``cfg.duct_tolerance_m`` of one cost
        ``cfg.cost_per_metre_duct_nok`` instead of ``cfg.cost_per_metre_nok``.
    ground
        Ground-class polygons (``klasse``); route metres inside them, outside ducts, cost
        ``cfg.ground_cost_per_metre_nok[klasse]``. Columns ``grunn_<klasse>_m`` give them.

    Returns
    -------
    costs : pandas.DataFrame
        One row per area (same order as ``areas``): ``area_id``, ``metode`` (``veg`` or
        ``luftlinje``), ``trase_m`` (between the addresses: Steiner tree along roads plus drops,
        or straight MST), ``link_m`` (to the nearest fibre address; 0 when none exists),
        ``omveg`` (detour factor: ``cfg.detour_factor`` for straight lines, 1 along roads),
        ``route_m``, ``i_trekkror_m`` (of which in existing ducts), ``tilknytninger``
        (units × take-up), ``kost_grofting``, ``kost_tilknytning``, ``kost_utstyr``,
        ``kost_total`` (NOK, whole kroner, rounded as the application workbook does).
    routes : geopandas.GeoDataFrame
        ``area_id`` and the route geometry (EPSG:25833).
    """
    fibre = classified[classified["has_fibre"]]
    fibre_xy = np.column_stack([fibre.geometry.x, fibre.geometry.y])
    fibre_tree = cKDTree(fibre_xy) if len(fibre) else None
    xs = classified.geometry.x.to_numpy()
    ys = classified.geometry.y.to_numpy()
    members_of = (
        pd.Series(np.arange(len(classified)), index=classified.index)
        .groupby(area_of.to_numpy())
        .apply(np.asarray)
    )
    rg = roads if isinstance(roads, RoadGraph) or roads is None else build_road_graph(roads)
    reach = fibre_reach(rg, fibre_xy) if rg is not None else None
    rows, geoms = [], []
    for area_id, units in zip(areas["area_id"], areas["enheter"], strict=True):
        idx = members_of[area_id]
        xy = np.column_stack([xs[idx], ys[idx]])
        if rg is not None:
            geom, road, drop, link = road_route(rg, xy, reach)
            between, detour, method = road + drop, 1.0, "veg"
        else:
            geom, between, link = straight_route(xy, fibre_tree, fibre_xy)
            detour, method = cfg.detour_factor, "luftlinje"
        geoms.append(geom)
        rows.append(
            {
                "area_id": area_id,
                "metode": method,
                "trase_m": round_half_up(between, 1),
                "link_m": round_half_up(link, 1),
                "omveg": detour,
                "enheter": units,
            }
        )
    out = pd.DataFrame(rows)
    out["route_m"] = [
        round_half_up((t + k) * d, 1)
        for t, k, d in zip(out["trase_m"], out["link_m"], out["omveg"], strict=True)
    ]
    raw_in_ducts = length_in_ducts(np.asarray(geoms, dtype=object), ducts, cfg.duct_tolerance_m)
    out["i_trekkror_m"] = [
        min(round_half_up(v * d, 1), r)
        for v, d, r in zip(raw_in_ducts, out["omveg"], out["route_m"], strict=True)
    ]
    classes = sorted(cfg.ground_cost_per_metre_nok)
    in_ground = length_in_ground(
        np.asarray(geoms, dtype=object), ground, classes, duct_zone(ducts, cfg.duct_tolerance_m)
    )
    trench = out["route_m"].to_numpy() * cfg.cost_per_metre_nok + out["i_trekkror_m"].to_numpy() * (
        cfg.cost_per_metre_duct_nok - cfg.cost_per_metre_nok
    )
    for c in classes:
        metres = np.array(
            [round_half_up(v * d, 1) for v, d in zip(in_ground[c], out["omveg"], strict=True)]
        )
        out[f"grunn_{c}_m"] = metres
        trench = trench + metres * (cfg.ground_cost_per_metre_nok[c] - cfg.cost_per_metre_nok)
    out["tilknytninger"] = out["enheter"] * cfg.take_up
    out["kost_grofting"] = [int(round_half_up(v)) for v in trench]
    out["kost_tilknytning"] = [
        int(round_half_up(u * cfg.take_up * cfg.per_connection_nok)) for u in out["enheter"]
    ]
    out["kost_utstyr"] = int(round_half_up(cfg.fixed_equipment_nok))
    out["kost_total"] = out["kost_grofting"] + out["kost_tilknytning"] + out["kost_utstyr"]
    routes = gpd.GeoDataFrame(
        {"area_id": out["area_id"], "metode": out["metode"]}, geometry=geoms, crs=areas.crs
    )
    return out.drop(columns="enheter"), routes
