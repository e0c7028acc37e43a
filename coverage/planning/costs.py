"""Cost estimate per build-out area.

Route length = (route between the area's addresses, drops included + link from the area to the
nearest address with fibre) × detour factor. Cost = road and link metres × cost per metre (less
in existing ducts, more in rock or bog) + the drop metres the project pays × the drop rate +
per-connection cost × expected connections + fixed equipment; the drop metres the owners pay
(beyond the cap, or all when they pay the drops) are costed beside the total, not in it. All lengths in
metres (EPSG:25833), money in whole NOK rounded as the application workbook rounds
(:mod:`dekning.money`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from dekning.config import CostConfig
from dekning.coverage.planning.drops import access_route
from dekning.coverage.planning.routing import (
    RoadGraph,
    build_road_graph,
    duct_zone,
    fibre_reach,
    length_in_ground,
    length_in_zone,
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
        ``area_id``, ``metode``; metres, unrounded: ``trase_m`` (road and drops), ``stikk_m``
        (drops), ``stikk_over_m`` (drop metres over ``cfg.drop_max_m``, summed per address),
        ``link_m``; ``stikk_delt`` (addresses on a shared drop), ``omveg`` (detour factor),
        ``geometry`` (route lines) and ``veg_geometry`` (road and link lines), EPSG:25833.
    """
    fibre = classified[classified["has_fibre"]]
    fibre_xy = np.column_stack([fibre.geometry.x, fibre.geometry.y])
    fibre_tree = cKDTree(fibre_xy) if len(fibre) else None
    reach = fibre_reach(rg, fibre_xy) if rg is not None else None
    xy_all = np.column_stack([classified.geometry.x, classified.geometry.y])
    cap = np.inf if cfg.drop_max_m is None else cfg.drop_max_m
    rows = []
    for idx in _members(area_of, areas["area_id"]):  # one route per area
        if rg is not None:
            r = access_route(rg, xy_all[idx], reach, share_drops=cfg.share_drops)
            over = float(np.maximum(r.drop_in - cap, 0).sum())
            trase = r.road_m + r.drop_m
            rows.append((trase, r.drop_m, over, r.shared, r.link_m, r.geometry, r.road_geometry))
        else:
            geom, between, link = straight_route(xy_all[idx], fibre_tree, fibre_xy)
            rows.append((between, 0.0, 0.0, 0, link, geom, geom))
    cols = list(zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "metode": "veg" if rg is not None else "luftlinje",
            "trase_m": np.asarray(cols[0], dtype="float64"),
            "stikk_m": np.asarray(cols[1], dtype="float64"),
            "stikk_over_m": np.asarray(cols[2], dtype="float64"),
            "stikk_delt": np.asarray(cols[3], dtype="int64"),
            "link_m": np.asarray(cols[4], dtype="float64"),
            "omveg": 1.0 if rg is not None else cfg.detour_factor,
            "geometry": np.asarray(cols[5], dtype=object),
            "veg_geometry": np.asarray(cols[6], dtype=object),
        }
    )


def _drops(routes: pd.DataFrame, cfg: CostConfig) -> pd.DataFrame:
    """Drop metres in all, paid by the project and by the owners, rounded to 0.1 m.

    The owners pay every drop metre when ``cfg.drop_payer`` is ``owner``, else each address's
    drop metres beyond ``cfg.drop_max_m`` (its drop: the line into it from the road or from the
    neighbour it hangs on, :mod:`~dekning.coverage.planning.drops`); the project pays the rest,
    Σ min(drop, cap).
    """
    stikk = round_half_up_array(routes["stikk_m"], 1)
    over = np.minimum(round_half_up_array(routes["stikk_over_m"], 1), stikk)
    owner = stikk if cfg.drop_payer == "owner" else over
    project = round_half_up_array(stikk - owner, 1)
    return pd.DataFrame(
        {
            "stikk_m": stikk,
            "stikk_prosjekt_m": project,
            "stikk_eier_m": round_half_up_array(stikk - project, 1),
            "stikk_delt": routes["stikk_delt"].to_numpy(),
        }
    )


def _lengths(
    routes: pd.DataFrame,
    cfg: CostConfig,
    ducts: gpd.GeoDataFrame | None,
    ground: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Route metres in all, of drops, in ducts and in each ground class, rounded to 0.1 m as the
    workbook; ducts and ground classes are measured on the road and link lines only (a drop is
    priced at the drop rate wherever it runs).

    Returns
    -------
    pandas.DataFrame
        ``trase_m``, the drop columns of :func:`_drops`, ``link_m``, ``omveg`` (factor),
        ``route_m``, ``i_trekkror_m`` and ``grunn_<klasse>_m`` (metres).
    """
    detour = routes["omveg"].to_numpy(dtype="float64")
    trase = round_half_up_array(routes["trase_m"], 1)
    drops = _drops(routes, cfg)
    link = round_half_up_array(routes["link_m"], 1)
    route = round_half_up_array((trase + link) * detour, 1)
    on_road = round_half_up_array(route - drops["stikk_m"].to_numpy(), 1)
    geoms = routes["veg_geometry"].to_numpy()
    zone = duct_zone(ducts, cfg.duct_tolerance_m)
    ducted = np.minimum(round_half_up_array(length_in_zone(geoms, zone) * detour, 1), on_road)
    out = pd.concat([pd.DataFrame({"trase_m": trase}), drops], axis=1)
    out["link_m"], out["omveg"], out["route_m"], out["i_trekkror_m"] = link, detour, route, ducted
    classes = sorted(cfg.ground_cost_per_metre_nok)
    in_ground = length_in_ground(geoms, ground, classes, zone)
    for c in classes:
        out[f"grunn_{c}_m"] = round_half_up_array(in_ground[c] * detour, 1)
    return out


def _trench_cost(lengths: pd.DataFrame, cfg: CostConfig) -> np.ndarray:
    """Trench and cable along the roads and the link (NOK, int64): the route's metres less the
    drops at the road price, duct and ground-class metres at theirs (the workbook's ``Graving og
    kabel``)."""
    road = lengths["route_m"].to_numpy() - lengths["stikk_m"].to_numpy()
    trench = road * cfg.cost_per_metre_nok + lengths["i_trekkror_m"].to_numpy() * (
        cfg.cost_per_metre_duct_nok - cfg.cost_per_metre_nok
    )
    for c in sorted(cfg.ground_cost_per_metre_nok):
        extra = cfg.ground_cost_per_metre_nok[c] - cfg.cost_per_metre_nok
        trench = trench + lengths[f"grunn_{c}_m"].to_numpy() * extra
    return round_kroner(trench)


def _money(lengths: pd.DataFrame, units: np.ndarray, cfg: CostConfig) -> pd.DataFrame:
    """Expected connections and the cost columns (whole NOK) of :func:`estimate_costs`."""
    rate = cfg.cost_per_metre_nok
    if cfg.drop_cost_per_metre_nok is not None:
        rate = cfg.drop_cost_per_metre_nok
    out = pd.DataFrame({"tilknytninger": units * cfg.take_up}, index=lengths.index)
    out["kost_grofting"] = _trench_cost(lengths, cfg)
    out["kost_stikk"] = round_kroner(lengths["stikk_prosjekt_m"].to_numpy() * rate)
    out["kost_stikk_eier"] = round_kroner(lengths["stikk_eier_m"].to_numpy() * rate)
    out["kost_tilknytning"] = round_kroner(units * cfg.take_up * cfg.per_connection_nok)
    out["kost_utstyr"] = int(round_half_up(cfg.fixed_equipment_nok))
    parts = ["kost_grofting", "kost_stikk", "kost_tilknytning", "kost_utstyr"]
    out["kost_total"] = out[parts].sum(axis=1).astype("int64")
    return out


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
        One row per area, in the order of ``areas``: ``area_id``, ``metode`` (``veg``,
        ``luftlinje``); metres (0.1 m) ``trase_m`` (tree between the addresses, drops
        included), ``stikk_m`` (drops: off-road edges; 0 in straight lines),
        ``stikk_prosjekt_m`` (the project's: each address's drop up to ``cfg.drop_max_m``; 0
        when the owners pay), ``stikk_eier_m`` (the rest), ``link_m`` (to
        fibre), ``route_m`` (``(trase_m + link_m) × omveg``), ``i_trekkror_m`` and
        ``grunn_<klasse>_m`` (on the road and link part only); ``stikk_delt`` (addresses on a
        shared drop); ``tilknytninger``; whole NOK ``kost_grofting`` (``route_m - stikk_m`` at
        road, duct and ground prices), ``kost_stikk`` and ``kost_stikk_eier`` (their drop
        metres × drop rate; the owners' not in the total), ``kost_tilknytning``,
        ``kost_utstyr``, ``kost_total`` (grofting + stikk + tilknytning + utstyr).
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
    out = pd.concat([out, _money(lengths, areas["enheter"].to_numpy(), cfg)], axis=1)
    geo = gpd.GeoDataFrame(
        routes[["area_id", "metode"]], geometry=routes["geometry"].to_numpy(), crs=areas.crs
    )
    return out, geo
