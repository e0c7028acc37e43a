"""Group eligible addresses into candidate build-out areas.

Addresses closer than ``max_gap_m`` (straight line, metres) are linked; an area is a connected
group (single-linkage clustering, computed with a KD-tree and a sparse connected-components pass).
With a road network, a link is kept only when the way along the roads is short enough too.
Users may draw the areas themselves instead (:func:`read_area_polygons`).
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
from dekning.coverage.planning.routing import RoadGraph, vertices_in_box
from dekning.crs import WORK_CRS, require_crs
from dekning.errors import InputError, NoEligibleAddresses
from dekning.io import read_vector
from dekning.report import RunReport
from dekning.schema import AREA_COLUMNS, AREA_ID_PATTERN, TARGET_DOWN_KBPS, require

AREA_BUFFER_M = 75.0
"""Areas drawn by dekning are the concave hull of their addresses grown by this (metres)."""

_NAMES = [c.name for c in AREA_COLUMNS]
BUILD_COLUMNS = [*_NAMES[: _NAMES.index("for_lite") + 1], "geometry"]
"""The columns of the areas this module returns, in order (see :data:`dekning.schema.AREA_COLUMNS`)."""

ADDRESS_INPUT = (
    "adrid",
    "eligible",
    "hus",
    "naering",
    "offentlig",
    "eligible_units",
    "fritid",
    "best_down_kbps",
)
"""Columns of the classified addresses the area builders read."""


def cluster_labels(x: np.ndarray, y: np.ndarray, max_gap_m: float) -> np.ndarray:
    """Connected-component label (int64, 0..k-1) of each point when points within ``max_gap_m``
    (metres) are linked."""
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype="int64")
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(r=max_gap_m, output_type="ndarray")
    return _components(pairs, n)


def _components(pairs: np.ndarray, n: int) -> np.ndarray:
    """Connected-component label (int64) of ``n`` nodes linked by ``pairs`` (k × 2)."""
    graph = coo_matrix(
        (np.ones(len(pairs), dtype="int8"), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    return connected_components(graph, directed=False)[1].astype("int64")


def holiday_homes_inside(
    classified: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, area_of: pd.Series | None = None
) -> pd.Series:
    """Holiday homes of each area: those at its own addresses (``area_of``; an eligible
    address with a business and a cabin counts both) and, at addresses in no area, those inside
    its polygon that lack an offer of the national target
    (:data:`~dekning.schema.TARGET_DOWN_KBPS`, 100 Mbit/s) too. Reported next to the eligible
    units, not eligible themselves; an address counts for one area only (its own, else the
    first polygon it lies in).

    Returns
    -------
    pandas.Series
        Holiday homes (int64) per area, aligned with ``areas``.
    """
    require_crs(classified, "holiday_homes_inside(classified)")
    require_crs(areas, "holiday_homes_inside(areas)")
    area_of = pd.Series("", index=classified.index) if area_of is None else area_of
    member, has = area_of.reindex(classified.index).fillna("") != "", classified["fritid"] > 0
    own = classified.loc[has & member, "fritid"].groupby(area_of[has & member]).sum()
    cabins = classified[
        has & ~member & ~classified["eligible"] & (classified["best_down_kbps"] < TARGET_DOWN_KBPS)
    ]
    inside = gpd.sjoin(
        cabins[["fritid", "geometry"]], areas[["area_id", "geometry"]], predicate="within"
    )
    inside = inside[~inside.index.duplicated()]
    total = own.add(inside.groupby("area_id")["fritid"].sum(), fill_value=0)
    return areas["area_id"].map(total).fillna(0).astype("int64")


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
    areas: gpd.GeoDataFrame, classified: gpd.GeoDataFrame, area_of: pd.Series, cfg: AreasConfig
) -> gpd.GeoDataFrame:
    """Holiday homes and the too-small flag, in the documented column order."""
    areas["fritid"] = holiday_homes_inside(classified, areas, area_of)
    areas["for_lite"] = areas["hus"] < cfg.min_households
    return areas[BUILD_COLUMNS]


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each of ``ids`` in ``sorted_ids`` and whether it is there at all."""
    if len(sorted_ids) == 0:
        return np.zeros(len(ids), dtype="int64"), np.zeros(len(ids), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return pos, sorted_ids[pos] == ids


def _road_links(
    xy: np.ndarray,
    pairs: np.ndarray,
    drop: np.ndarray,
    node: np.ndarray,
    rg: RoadGraph,
    max_road_m: float,
) -> np.ndarray:
    """Which of one group's ``pairs`` are linked along the roads: drop + road + drop (metres)
    at most ``max_road_m``.

    The search runs in the road graph inside the group's bounding box grown by ``max_road_m``:
    every way that short from an address stays inside it, so the answer is exact. An address
    whose road vertex lies outside the box is farther than ``max_road_m`` from the road.
    """
    members = np.unique(pairs.ravel())
    lo = xy[members].min(axis=0) - max_road_m
    hi = xy[members].max(axis=0) + max_road_m
    inside = vertices_in_box(rg, lo, hi)
    sources = np.unique(node[members])
    src_pos, src_in = _positions(inside, sources)
    sources, src_pos = sources[src_in], src_pos[src_in]
    if not len(sources):
        return np.zeros(len(pairs), dtype=bool)
    a, b = pairs[:, 0], pairs[:, 1]
    row, a_in = _positions(sources, node[a])
    col, b_in = _positions(inside, node[b])
    dist = dijkstra(rg.csr[inside][:, inside], directed=False, indices=src_pos, limit=max_road_m)
    return a_in & b_in & (drop[a] + dist[row, col] + drop[b] <= max_road_m)


def road_split_labels(
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    rg: RoadGraph,
    max_gap_m: float,
    max_road_m: float,
) -> np.ndarray:
    """Refine straight-line groups: keep a link between two addresses (within ``max_gap_m``,
    metres) only when drop + road distance + drop between them is at most ``max_road_m``.

    Two addresses that are both farther than ``max_road_m`` from every road vertex (e.g. cabins
    on an island) have no way along the roads at all: their straight-line link is kept, so such
    a group stays one area, grouped as without roads. An off-road address is never linked to
    one near a road.

    Parameters
    ----------
    x, y
        Address coordinates (EPSG:25833, metres).
    labels
        Straight-line group of each address (:func:`cluster_labels` with ``max_gap_m``).
    rg
        The road graph (EPSG:25833).

    Returns
    -------
    numpy.ndarray
        Group label (int64, 0..k-1) of each address.
    """
    xy = np.column_stack([x, y])
    drop, node = rg.tree.query(xy)
    pairs = cKDTree(xy).query_pairs(r=max_gap_m, output_type="ndarray")
    if len(pairs) == 0:
        return np.arange(len(x), dtype="int64")
    group = labels[pairs[:, 0]]
    order = np.argsort(group, kind="stable")
    keep = np.zeros(len(pairs), dtype=bool)
    for sel in np.split(order, np.flatnonzero(np.diff(group[order])) + 1):
        keep[sel] = _road_links(xy, pairs[sel], drop, node, rg, max_road_m)
    # Addresses no road comes near (cabins on an island): no way along roads exists, so two of
    # them stay linked by the straight line alone, as without roads.
    off_road = drop > max_road_m
    keep |= off_road[pairs[:, 0]] & off_road[pairs[:, 1]]
    return _components(pairs[keep], len(x))


def _hulls(x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Area outline of each label 0..k-1: concave hull of its points, buffered
    :data:`AREA_BUFFER_M` (metres)."""
    order = np.argsort(labels, kind="stable")
    points = np.asarray(shapely.points(x[order], y[order]), dtype=object)
    members = shapely.multipoints(points, indices=labels[order])
    return np.asarray(shapely.buffer(shapely.concave_hull(members, ratio=0.4), AREA_BUFFER_M))


def build_areas(
    classified: gpd.GeoDataFrame, cfg: AreasConfig, roads: RoadGraph | None = None
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Build-out areas from eligible addresses.

    Parameters
    ----------
    classified
        Output of :func:`dekning.coverage.classify.fixed.classify` (EPSG:25833).
    cfg
        ``max_gap_m`` (linking distance, metres), ``max_road_gap_m`` (the same along roads, when
        ``roads`` is given) and ``min_households`` (smaller areas are flagged).
    roads
        Road graph (:func:`dekning.coverage.planning.routing.build_road_graph`), optional.

    Returns
    -------
    areas : geopandas.GeoDataFrame
        One row per area, largest first: ``area_id`` (``O-001``, ...), ``adresser``, ``hus``,
        ``naering``, ``offentlig``, ``enheter`` (eligible units), ``fritid`` (holiday homes
        reported but not eligible: :func:`holiday_homes_inside`),
        ``for_lite`` (fewer households than ``min_households``), polygon geometry (concave
        hull of the addresses, buffered 75 m), EPSG:25833.
    area_of : pandas.Series
        ``area_id`` of every classified address (empty string when in no area), same index.

    Raises
    ------
    InputError
        ``classified`` is not in EPSG:25833 or lacks a column.
    PlanningError
        No address is eligible.
    """
    require_crs(classified, "build_areas(classified)")
    require(classified, ADDRESS_INPUT, "build_areas(classified)")
    elig = classified[classified["eligible"]]
    if elig.empty:
        raise NoEligibleAddresses(
            "ingen støtteberettigede adresser: det er ingenting å bygge ut "
            "(sjekk classify.scheme_year og inndataene)"
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
    hulls = _hulls(x, y, labels)[stats.index.to_numpy()]
    areas = gpd.GeoDataFrame(stats.reset_index(drop=True), geometry=hulls, crs=WORK_CRS)
    area_of = pd.Series("", index=classified.index, dtype=object)
    area_of.loc[elig.index] = stats["area_id"].reindex(labels).to_numpy()
    return _finish(areas, classified, area_of, cfg), area_of


def _polygon_ids(gdf: gpd.GeoDataFrame, path: Path) -> pd.Series:
    """The area id of each polygon: its ``area_id``/``omrade``/``område``/``id``/``navn``, else
    ``B-001``, ...

    Raises
    ------
    InputError
        An id that is not a safe folder name (:data:`AREA_ID_PATTERN`; empty, a path, `..`,
        over 40 characters) or that two polygons share (also in other letter case); naming the
        feature and the field.
    """
    col = next((c for c in ("area_id", "omrade", "område", "id", "navn") if c in gdf.columns), None)
    ids = (
        gdf[col].astype("string").fillna("").str.strip().astype(object)
        if col
        else pd.Series([f"B-{i:03d}" for i in range(1, len(gdf) + 1)])
    )
    safe = ids.str.fullmatch(AREA_ID_PATTERN).fillna(False).to_numpy(dtype=bool)
    if not safe.all():
        pos = int(np.flatnonzero(~safe)[0])
        raise InputError(
            f"område-id {ids.iloc[pos]!r} kan ikke brukes som mappenavn: bruk 1-40 tegn av "
            "A-Z, a-z, 0-9, '_', '.' og '-', og ikke '.' først",
            file=path,
            line=pos + 1,
            field=col,
            feature=True,
        )
    folded = ids.str.lower()  # one folder on a case-insensitive file system
    if folded.duplicated().any():
        pos = int(np.flatnonzero(folded.duplicated().to_numpy())[0])
        raise InputError(
            f"område-id {ids.iloc[pos]!r} finnes to ganger",
            file=path,
            line=pos + 1,
            field=col,
            feature=True,
        )
    return ids


def read_area_polygons(path: str | Path) -> gpd.GeoDataFrame:
    """Build-out areas drawn by the user (any vector format and CRS), with ``area_id``.

    Without an ``area_id``/``omrade``/``id`` column the areas are numbered ``B-001``, ...

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id`` and polygon geometry, EPSG:25833.

    Raises
    ------
    InputError
        The file cannot be read, a geometry is not a polygon, or an id repeats.
    """
    path = Path(path)
    gdf = read_vector(path, "områdepolygonene", repair=True)
    polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polygonal.all():
        bad = int(np.flatnonzero(~polygonal)[0])
        raise InputError(
            f"ikke et polygon: {gdf.geom_type.iloc[bad]}",
            file=path,
            line=bad + 1,
            feature=True,
            field="geometry",
        )
    ids = _polygon_ids(gdf, path)
    return gpd.GeoDataFrame(
        {"area_id": ids.to_numpy()}, geometry=gdf.geometry.to_numpy(), crs=WORK_CRS
    )


def areas_from_polygons(
    classified: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    cfg: AreasConfig,
    report: RunReport | None = None,
) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Build-out areas from user polygons: the eligible addresses inside each one.

    An address inside two polygons goes to the first. Polygons with no eligible address are
    dropped and reported (they cannot be applied for).

    Returns
    -------
    areas, area_of
        As :func:`build_areas`; the geometry is the user's polygon (EPSG:25833).

    Raises
    ------
    InputError
        A frame is not in EPSG:25833 or lacks a column.
    PlanningError
        No polygon holds an eligible address.
    """
    require_crs(classified, "areas_from_polygons(classified)")
    require_crs(polygons, "areas_from_polygons(polygons)")
    require(classified, ADDRESS_INPUT, "areas_from_polygons(classified)")
    require(polygons, ["area_id"], "areas_from_polygons(polygons)")
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
        raise NoEligibleAddresses("ingen av de tegnede områdene har en støtteberettiget adresse")
    area_of = pd.Series("", index=classified.index, dtype=object)
    area_of.loc[hit.index] = hit["area_id"].to_numpy()
    sub = classified.loc[hit.index]
    stats = _area_sums(sub, hit["area_id"].to_numpy()).drop(columns="minid").rename_axis("area_id")
    poly = polygons.set_index("area_id").loc[stats.index]
    areas = gpd.GeoDataFrame(stats.reset_index(), geometry=poly.geometry.to_numpy(), crs=WORK_CRS)
    return _finish(areas, classified, area_of, cfg), area_of
