"""Group eligible addresses into candidate build-out areas.

Addresses closer than ``max_gap_m`` (straight line, metres) are linked; an area is a connected
group (single-linkage clustering, computed with a KD-tree and a sparse connected-components pass).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from dekning.config import AreasConfig
from dekning.coverage.planning.routing import RoadGraph
from dekning.crs import WORK_CRS
from dekning.errors import InputError, PlanningError
from dekning.report import RunReport

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


def holiday_homes_inside(classified: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Holiday homes inside each area polygon that lack a 100 Mbit/s offer too: reported next
    to the eligible units, but not eligible themselves (an address counts for one area only)."""
    cabins = classified[
        (classified["fritid"] > 0)
        & ~classified["eligible"]
        & classified["speed_class"].isin(["30to100", "lt30", "none"])
    ]
    if cabins.empty:
        return pd.Series(0, index=areas.index, dtype="int64")
    inside = gpd.sjoin(
        cabins[["fritid", "geometry"]], areas[["area_id", "geometry"]], predicate="within"
    )
    inside = inside[~inside.index.duplicated()]
    return areas["area_id"].map(inside.groupby("area_id")["fritid"].sum()).fillna(0).astype("int64")


AREA_COLUMNS = [
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


def _area_sums(members: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
    """Per area key: addresses, households, businesses, public buildings, eligible units and the
    lowest address id (for a stable order)."""
    g = members.groupby(key)
    return pd.DataFrame(
        {
            "adresser": g.size(),
            "hus": g["hus"].sum(),
            "naering": g["naering"].sum(),
            "offentlig": g["offentlig"].sum(),
            "enheter": g["eligible_units"].sum(),
            "minid": g["adrid"].min(),
        }
    )


def _finish(
    areas: gpd.GeoDataFrame, classified: gpd.GeoDataFrame, cfg: AreasConfig
) -> gpd.GeoDataFrame:
    """Holiday homes and the too-small flag, in the documented column order."""
    areas["fritid"] = holiday_homes_inside(classified, areas)
    areas["for_lite"] = areas["hus"] < cfg.min_households
    return areas[AREA_COLUMNS]


def road_split_labels(
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    rg: RoadGraph,
    max_gap_m: float,
    max_road_m: float,
) -> np.ndarray:
    """Refine straight-line groups: keep a link between two addresses (within ``max_gap_m``)
    only when drop + road distance + drop between them is at most ``max_road_m``."""
    xy = np.column_stack([x, y])
    drop, node = rg.tree.query(xy)
    pairs = cKDTree(xy).query_pairs(r=max_gap_m, output_type="ndarray")
    n = len(x)
    if len(pairs) == 0:
        return np.arange(n, dtype="int64")
    keep = np.zeros(len(pairs), dtype=bool)
    for lab in np.unique(labels[pairs[:, 0]]):  # one local, distance-limited search per group
        sel = np.flatnonzero(labels[pairs[:, 0]] == lab)
        members = np.unique(pairs[sel].ravel())
        lo = xy[members].min(axis=0) - max_road_m
        hi = xy[members].max(axis=0) + max_road_m
        inside = np.flatnonzero(np.all((rg.xy >= lo) & (rg.xy <= hi), axis=1))
        sub = rg.csr[inside][:, inside]
        sources = np.unique(node[members])
        dist = dijkstra(
            sub, directed=False, indices=np.searchsorted(inside, sources), limit=max_road_m
        )
        a, b = pairs[sel, 0], pairs[sel, 1]
        rows = np.searchsorted(sources, node[a])
        cols = np.searchsorted(inside, node[b])
        keep[sel] = drop[a] + dist[rows, cols] + drop[b] <= max_road_m
    kept = pairs[keep]
    graph = coo_matrix((np.ones(len(kept), dtype="int8"), (kept[:, 0], kept[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype("int64")


def build_areas(
    classified: gpd.GeoDataFrame, cfg: AreasConfig, roads: RoadGraph | None = None
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Build-out areas from eligible addresses.

    Parameters
    ----------
    classified
        Output of :func:`dekning.coverage.classify.classify` (EPSG:25833).
    cfg
        ``max_gap_m`` (linking distance), ``max_road_gap_m`` (the same along roads, when
        ``roads`` is given) and ``min_households`` (smaller areas are flagged).
    roads
        Road graph (:func:`dekning.coverage.planning.routing.build_road_graph`), optional.

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
    if roads is not None:
        labels = road_split_labels(x, y, labels, roads, cfg.max_gap_m, cfg.max_road_gap_m)
    stats = _area_sums(elig, labels)
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

    areas = _finish(areas, classified, cfg)

    area_of = pd.Series("", index=classified.index, dtype=object)
    area_of.loc[elig.index] = id_of_label.reindex(labels).to_numpy()
    return areas, area_of


def read_area_polygons(path: str | Path) -> gpd.GeoDataFrame:
    """Build-out areas drawn by the user (any vector format and CRS), with ``area_id``.

    Without an ``area_id``/``omrade``/``id`` column the areas are numbered ``B-001``, ...
    """
    from dekning.io import read_vector

    path = Path(path)
    gdf = read_vector(path, "area polygons", repair=True)
    if not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        bad = int(np.flatnonzero(~gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy())[0])
        raise InputError(
            f"not a polygon: {gdf.geom_type.iloc[bad]}", file=path, row=bad + 1, field="geometry"
        )
    col = next((c for c in ("area_id", "omrade", "område", "id", "navn") if c in gdf.columns), None)
    ids = (
        gdf[col].astype(str).str.strip()
        if col
        else pd.Series([f"B-{i:03d}" for i in range(1, len(gdf) + 1)])
    )
    if ids.duplicated().any():
        pos = int(np.flatnonzero(ids.duplicated().to_numpy())[0])
        raise InputError(f"duplicate area id {ids.iloc[pos]!r}", file=path, row=pos + 1, field=col)
    geoms = gdf.geometry.to_numpy()
    return gpd.GeoDataFrame({"area_id": ids.to_numpy()}, geometry=geoms, crs=WORK_CRS)


def areas_from_polygons(
    classified: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    cfg: AreasConfig,
    report: RunReport | None = None,
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Build-out areas from user polygons: the eligible addresses inside each one.

    An address inside two polygons goes to the first. Polygons with no eligible address are
    dropped and reported (they cannot be applied for).

    Raises
    ------
    PlanningError
        No polygon holds an eligible address.
    """
    elig = classified[classified["eligible"]]
    hit = gpd.sjoin(
        elig[["geometry"]], polygons[["area_id", "geometry"]], predicate="within", how="inner"
    )
    hit = hit[~hit.index.duplicated(keep="first")]
    empty = sorted(set(polygons["area_id"]) - set(hit["area_id"]))
    if report is not None:
        report.warn(
            "areas",
            "areas_without_eligible_address",
            "user areas with no eligible address (dropped)",
            len(empty),
            empty,
        )
    if hit.empty:
        raise PlanningError("none of the given area polygons holds an eligible address")
    area_of = pd.Series("", index=classified.index, dtype=object)
    area_of.loc[hit.index] = hit["area_id"].to_numpy()
    sub = classified.loc[hit.index]
    stats = _area_sums(sub, hit["area_id"].to_numpy()).drop(columns="minid").rename_axis("area_id")
    poly = polygons.set_index("area_id").loc[stats.index]
    areas = gpd.GeoDataFrame(stats.reset_index(), geometry=poly.geometry.to_numpy(), crs=WORK_CRS)
    return _finish(areas, classified, cfg), area_of
