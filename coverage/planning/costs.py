"""Cost estimate per build-out area.

Route length = (route between the area's addresses + link from the area to the nearest address
with fibre) × detour factor. Cost = trench metres × cost per metre (less in existing ducts, more
in rock or bog) + per-connection cost × expected connections + fixed equipment. All lengths in
metres (EPSG:25833), money in whole NOK rounded as the application workbook rounds
(:mod:`dekning.money`).
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
    length_in_ground,
    length_in_zone,
    road_route,
    straight_route,
)
from dekning.crs import require_crs
from dekning.money import round_half_up, round_half_up_array, round_kroner
from dekning.schema import require


def _members(area_of: pd.Series, area_ids: pd.Series) -> list[np.ndarray]:
    """Positions of the addresses of each area, in the order of ``area_ids``."""
    key = area_of.to_numpy()
    order = np.argsort(key, kind="stable")
    names, starts = np.unique(key[order], return_index=True)
    groups = dict(zip(names, np.split(order, starts[1:]), strict=True))
    return [groups[a] for a in area_ids]


def _routes(
    areas: gpd.GeoDataFrame,
    classified: gpd.GeoDataFrame,
    area_of: pd.Series,
    rg: RoadGraph | None,
    cfg: CostConfig,
) -> pd.DataFrame:
    """Route of every area, along roads when ``rg`` is given, else straight.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``metode``, ``trase_m`` and ``link_m`` (metres, unrounded), ``omveg``
        (detour factor), ``geometry`` (route lines, EPSG:25833).
    """
    fibre = classified[classified["has_fibre"]]
    fibre_xy = np.column_stack([fibre.geometry.x, fibre.geometry.y])
    fibre_tree = cKDTree(fibre_xy) if len(fibre) else None
    reach = fibre_reach(rg, fibre_xy) if rg is not None else None
    xy_all = np.column_stack([classified.geometry.x, classified.geometry.y])
    rows = []
    for idx in _members(area_of, areas["area_id"]):  # one route per area
        if rg is not None:
            geom, road, drop, link = road_route(rg, xy_all[idx], reach)
            rows.append((road + drop, link, geom))
        else:
            geom, between, link = straight_route(xy_all[idx], fibre_tree, fibre_xy)
            rows.append((between, link, geom))
    between_m, link_m, geoms = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "metode": "veg" if rg is not None else "luftlinje",
            "trase_m": np.asarray(between_m, dtype="float64"),
            "link_m": np.asarray(link_m, dtype="float64"),
            "omveg": 1.0 if rg is not None else cfg.detour_factor,
            "geometry": np.asarray(geoms, dtype=object),
        }
    )


def _lengths(
    routes: pd.DataFrame,
    cfg: CostConfig,
    ducts: gpd.GeoDataFrame | None,
    ground: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Route metres in all, in ducts and in each ground class, rounded to 0.1 m as the workbook.

    Returns
    -------
    pandas.DataFrame
        ``trase_m``, ``link_m``, ``omveg`` (factor), ``route_m``, ``i_trekkror_m`` and
        ``grunn_<klasse>_m`` (metres).
    """
    detour = routes["omveg"].to_numpy(dtype="float64")
    trase = round_half_up_array(routes["trase_m"], 1)
    link = round_half_up_array(routes["link_m"], 1)
    route = round_half_up_array((trase + link) * detour, 1)
    geoms = routes["geometry"].to_numpy()
    zone = duct_zone(ducts, cfg.duct_tolerance_m)
    ducted = np.minimum(round_half_up_array(length_in_zone(geoms, zone) * detour, 1), route)
    out = pd.DataFrame(
        {
            "trase_m": trase,
            "link_m": link,
            "omveg": detour,
            "route_m": route,
            "i_trekkror_m": ducted,
        }
    )
    classes = sorted(cfg.ground_cost_per_metre_nok)
    in_ground = length_in_ground(geoms, ground, classes, zone)
    for c in classes:
        out[f"grunn_{c}_m"] = round_half_up_array(in_ground[c] * detour, 1)
    return out


def _trench_cost(lengths: pd.DataFrame, cfg: CostConfig) -> np.ndarray:
    """Trench and cable (NOK, int64): ordinary metres, duct metres and ground-class metres at
    their prices (the workbook's ``Graving og kabel``)."""
    trench = lengths["route_m"].to_numpy() * cfg.cost_per_metre_nok + lengths[
        "i_trekkror_m"
    ].to_numpy() * (cfg.cost_per_metre_duct_nok - cfg.cost_per_metre_nok)
    for c in sorted(cfg.ground_cost_per_metre_nok):
        extra = cfg.ground_cost_per_metre_nok[c] - cfg.cost_per_metre_nok
        trench = trench + lengths[f"grunn_{c}_m"].to_numpy() * extra
    return round_kroner(trench)


def _check_inputs(
    areas: gpd.GeoDataFrame,
    classified: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | RoadGraph | None,
    ground: gpd.GeoDataFrame | None,
) -> None:
    """CRS and columns of every frame :func:`estimate_costs` takes (ducts: :func:`duct_zone`).

    Raises
    ------
    InputError
        A frame is not in EPSG:25833 or lacks a column.
    """
    require_crs(areas, "estimate_costs(areas)")
    require_crs(classified, "estimate_costs(classified)")
    require(areas, ["area_id", "enheter"], "estimate_costs(areas)")
    require(classified, ["has_fibre"], "estimate_costs(classified)")
    if isinstance(roads, gpd.GeoDataFrame):
        require_crs(roads, "estimate_costs(roads)")
    if ground is not None:
        require_crs(ground, "estimate_costs(ground)")
        require(ground, ["klasse"], "estimate_costs(ground)")


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
    areas, classified, area_of
        Areas (:func:`~dekning.coverage.planning.areas.build_areas`), the classified addresses
        and the area id of each address (empty: none); EPSG:25833.
    cfg
        Prices (NOK per metre, per connection, per area), take-up, detour factor.
    roads
        Road centre lines (EPSG:25833) or their graph
        (:func:`~dekning.coverage.planning.routing.build_road_graph`): routes follow them.
    ducts, ground
        Existing ducts (trekkrør) and ground-class polygons (``klasse``), EPSG:25833: route
        metres within ``cfg.duct_tolerance_m`` of a duct cost ``cfg.cost_per_metre_duct_nok``,
        metres in a ground class (outside ducts) ``cfg.ground_cost_per_metre_nok[klasse]``.

    Returns
    -------
    costs : pandas.DataFrame
        One row per area, in the order of ``areas``: ``area_id``, ``metode`` (``veg`` or
        ``luftlinje``); metres (0.1 m) ``trase_m`` (between the addresses), ``link_m`` (to the
        nearest fibre address, 0 when none), ``route_m`` (their sum × ``omveg``, the detour
        factor, 1 along roads), ``i_trekkror_m`` (in ducts), ``grunn_<klasse>_m``;
        ``tilknytninger`` (units × take-up); whole NOK ``kost_grofting``, ``kost_tilknytning``,
        ``kost_utstyr``, ``kost_total``.
    routes : geopandas.GeoDataFrame
        ``area_id``, ``metode`` and the route geometry (EPSG:25833).

    Raises
    ------
    InputError
        A frame is not in EPSG:25833 or lacks a column.
    """
    _check_inputs(areas, classified, roads, ground)
    rg = roads if isinstance(roads, RoadGraph) or roads is None else build_road_graph(roads)
    routes = _routes(areas, classified, area_of, rg, cfg)
    lengths = _lengths(routes, cfg, ducts, ground)
    out = pd.concat([routes[["area_id", "metode"]], lengths], axis=1)
    units = areas["enheter"].to_numpy()
    out["tilknytninger"] = units * cfg.take_up
    out["kost_grofting"] = _trench_cost(lengths, cfg)
    out["kost_tilknytning"] = round_kroner(units * cfg.take_up * cfg.per_connection_nok)
    out["kost_utstyr"] = int(round_half_up(cfg.fixed_equipment_nok))
    out["kost_total"] = out["kost_grofting"] + out["kost_tilknytning"] + out["kost_utstyr"]
    geo = gpd.GeoDataFrame(
        routes[["area_id", "metode"]], geometry=routes["geometry"].to_numpy(), crs=areas.crs
    )
    return out, geo
