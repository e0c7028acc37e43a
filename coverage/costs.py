"""Cost estimate per build-out area.

Route length = (minimum spanning tree over the area's addresses + link from the area to the
nearest address with fibre) × detour factor. Cost = route × cost per metre
+ per-connection cost × expected connections + fixed equipment. All lengths in metres
(EPSG:25833), money in NOK.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from dekning.config import CostConfig


def round_half_up(x: float, digits: int = 0) -> float:
    """Round as Excel's ROUND does (half away from zero, here for x >= 0), so that the
    application workbook's formulas give the same kroner as dekning."""
    f = 10.0**digits
    return math.floor(x * f + 0.5) / f


def mst_length(xy: np.ndarray) -> float:
    """Length (metres) of the Euclidean minimum spanning tree over points ``xy`` (n × 2).

    The Euclidean MST is a subgraph of the Delaunay triangulation, so only its edges are
    weighed (O(n log n)); degenerate inputs (collinear, duplicates) fall back to all pairs.
    """
    n = len(xy)
    if n < 2:
        return 0.0
    if n >= 4:
        try:
            tri = Delaunay(xy)
            s = tri.simplices
            edges = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
        except QhullError:
            edges = np.array(np.triu_indices(n, 1)).T
    else:
        edges = np.array(np.triu_indices(n, 1)).T
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    w = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    # Zero-length edges (same coordinates) must still connect: give them a tiny weight.
    w = np.where(w == 0, 1e-9, w)
    graph = coo_matrix((w, (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    return float(minimum_spanning_tree(graph).sum())


def estimate_costs(
    areas: gpd.GeoDataFrame,
    classified: gpd.GeoDataFrame,
    area_of: pd.Series,
    cfg: CostConfig,
) -> pd.DataFrame:
    """Route length and cost breakdown of every area.

    Returns
    -------
    pandas.DataFrame
        One row per area (same order as ``areas``): ``area_id``, ``mst_m``, ``link_m`` (to the
        nearest fibre address outside the area; 0 when none exists), ``route_m``,
        ``tilknytninger`` (expected connections = units × take-up), ``kost_grofting``,
        ``kost_tilknytning``, ``kost_utstyr``, ``kost_total`` (NOK, rounded to whole kroner).
    """
    fibre = classified[classified["has_fibre"]]
    tree = cKDTree(np.column_stack([fibre.geometry.x, fibre.geometry.y])) if len(fibre) else None
    rows = []
    xs = classified.geometry.x.to_numpy()
    ys = classified.geometry.y.to_numpy()
    members_of = (
        pd.Series(np.arange(len(classified)), index=classified.index)
        .groupby(area_of.to_numpy())
        .apply(np.asarray)
    )
    for area_id, units in zip(areas["area_id"], areas["enheter"], strict=True):
        idx = members_of[area_id]
        xy = np.column_stack([xs[idx], ys[idx]])
        # Every figure is rounded the way the application workbook's formulas round it.
        mst = round_half_up(mst_length(xy), 1)
        link = round_half_up(float(tree.query(xy, k=1)[0].min()), 1) if tree is not None else 0.0
        route = round_half_up((mst + link) * cfg.detour_factor, 1)
        rows.append(
            {
                "area_id": area_id,
                "mst_m": mst,
                "link_m": link,
                "route_m": route,
                "tilknytninger": units * cfg.take_up,
                "kost_grofting": int(round_half_up(route * cfg.cost_per_metre_nok)),
                "kost_tilknytning": int(
                    round_half_up(units * cfg.take_up * cfg.per_connection_nok)
                ),
                "kost_utstyr": int(round_half_up(cfg.fixed_equipment_nok)),
            }
        )
    out = pd.DataFrame(rows)
    out["kost_total"] = out["kost_grofting"] + out["kost_tilknytning"] + out["kost_utstyr"]
    return out
