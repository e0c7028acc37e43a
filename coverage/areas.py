"""Group eligible addresses into candidate build-out areas.

Addresses closer than ``max_gap_m`` (straight line, metres) are linked; an area is a connected
group (single-linkage clustering, computed with a KD-tree and a sparse connected-components pass).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from dekning import WORK_CRS
from dekning.config import AreasConfig
from dekning.errors import PlanningError

AREA_BUFFER_M = 75.0


def cluster_labels(x: np.ndarray, y: np.ndarray, max_gap_m: float) -> np.ndarray:
    """Connected-component label of each point when points within ``max_gap_m`` are linked."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype="int64")
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(r=max_gap_m, output_type="ndarray")
    graph = coo_matrix(
        (np.ones(len(pairs), dtype="int8"), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    _, labels = connected_components(graph, directed=False)
    return labels.astype("int64")


def build_areas(
    classified: gpd.GeoDataFrame, cfg: AreasConfig
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Build-out areas from eligible addresses.

    Parameters
    ----------
    classified
        Output of :func:`dekning.coverage.classify.classify` (EPSG:25833).
    cfg
        ``max_gap_m`` (linking distance) and ``min_households`` (smaller areas are flagged).

    Returns
    -------
    areas : geopandas.GeoDataFrame
        One row per area, largest first: ``area_id`` (``O-001``, ...), ``adresser``, ``hus``,
        ``naering``, ``offentlig``, ``enheter`` (eligible units), ``fritid`` (holiday homes
        inside the area polygon that lack the same offer, reported but not eligible),
        ``for_lite`` (fewer households than ``min_households``), polygon geometry (concave
        hull of the addresses, buffered 75 m), EPSG:25833.
    area_of : pandas.Series
        ``area_id`` of every classified address (empty string when in no area), same index.

    Raises
    ------
    PlanningError
        No address is eligible.
    """
    elig = classified[classified["eligible"]]
    if elig.empty:
        raise PlanningError(
            "no eligible address: there is nothing to build (check scheme_year and inputs)"
        )
    x = elig.geometry.x.to_numpy()
    y = elig.geometry.y.to_numpy()
    labels = cluster_labels(x, y, cfg.max_gap_m)
    df = pd.DataFrame(
        {
            "label": labels,
            "hus": elig["hus"].to_numpy(),
            "naering": elig["naering"].to_numpy(),
            "offentlig": elig["offentlig"].to_numpy(),
            "enheter": elig["eligible_units"].to_numpy(),
            "minid": elig["adrid"].to_numpy(),
        }
    )
    g = df.groupby("label")
    stats = pd.DataFrame(
        {
            "adresser": g.size(),
            "hus": g["hus"].sum(),
            "naering": g["naering"].sum(),
            "offentlig": g["offentlig"].sum(),
            "enheter": g["enheter"].sum(),
            "minid": g["minid"].min(),
        }
    )
    # Deterministic order: most units first, then lowest address id.
    stats = stats.sort_values(["enheter", "minid"], ascending=[False, True])
    width = max(3, len(str(len(stats))))
    stats["area_id"] = [f"O-{i:0{width}d}" for i in range(1, len(stats) + 1)]
    id_of_label = stats["area_id"]

    pts = shapely.points(x, y)
    hulls = []
    for label in stats.index:
        members = shapely.multipoints(pts[labels == label])
        hull = shapely.concave_hull(members, ratio=0.4)
        hulls.append(shapely.buffer(hull, AREA_BUFFER_M))
    areas = gpd.GeoDataFrame(stats.reset_index(drop=True), geometry=hulls, crs=WORK_CRS)

    lacking_cabins = classified[
        (classified["fritid"] > 0)
        & ~classified["eligible"]
        & (classified["speed_class"] != "ge1000")
        & (classified["speed_class"] != "ge100")
    ]
    if len(lacking_cabins):
        hit = gpd.sjoin(
            lacking_cabins[["fritid", "geometry"]],
            areas[["area_id", "geometry"]],
            predicate="within",
        )
        hit = hit[~hit.index.duplicated()]
        areas["fritid"] = (
            areas["area_id"].map(hit.groupby("area_id")["fritid"].sum()).fillna(0).astype("int64")
        )
    else:
        areas["fritid"] = 0
    areas["for_lite"] = areas["hus"] < cfg.min_households
    areas = areas[
        [
            "area_id",
            "adresser",
            "hus",
            "naering",
            "offentlig",
            "enheter",
            "fritid",
            "for_lite",
            "geometry",
        ]
    ]

    area_of = pd.Series("", index=classified.index, dtype=object)
    area_of.loc[elig.index] = id_of_label.reindex(labels).to_numpy()
    return areas, area_of
