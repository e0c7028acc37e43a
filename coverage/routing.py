"""Fibre routes of build-out areas, as line geometry in EPSG:25833.

- Along roads (when a road network is given): the roads are noded and densified into a graph;
  each address hangs on its nearest road vertex by a straight drop; the route is a Steiner-tree
  approximation (networkx, Mehlhorn's algorithm) over the area's road vertices plus the road
  vertex of the nearest fibre address by network distance.
- Straight line (no roads): the Euclidean minimum spanning tree over the addresses plus a straight
  link to the nearest fibre address; the cost model multiplies its length by a detour factor.

Existing ducts (trekkrør): :func:`length_in_ducts` measures how much of a route runs within
``tolerance_m`` of a duct, where only fibre blowing is paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyogrio
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from dekning import WORK_CRS
from dekning.errors import InputError

SEGMENT_M = 50.0
"""Roads are densified to vertices at most this far apart before addresses attach."""


def read_lines(path: str | Path, what: str) -> gpd.GeoDataFrame:
    """Read road or duct centre lines (any vector format and CRS) into EPSG:25833 LineStrings."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} file not found", file=path)
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as err:
        raise InputError(f"cannot read {what}: {err}", file=path) from None
    if gdf.crs is None:
        raise InputError(f"{what} have no CRS", file=path)
    gdf = gdf.to_crs(WORK_CRS).explode(ignore_index=True)
    lines = gdf[gdf.geom_type == "LineString"]
    if lines.empty:
        raise InputError(
            f"{what}: no line geometries (found {', '.join(gdf.geom_type.unique())})", file=path
        )
    return lines[["geometry"]].reset_index(drop=True)


@dataclass
class RoadGraph:
    graph: nx.Graph
    xy: np.ndarray
    """Vertex coordinates; node i is at xy[i]."""
    tree: cKDTree


def build_road_graph(roads: gpd.GeoDataFrame) -> RoadGraph:
    """A connected, weighted (metres) graph of the road network."""
    noded = shapely.node(shapely.union_all(roads.geometry.to_numpy()))
    parts = shapely.get_parts(shapely.segmentize(noded, SEGMENT_M))
    coords, index = shapely.get_coordinates(parts, return_index=True)
    keys = np.round(coords, 1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    same_line = index[1:] == index[:-1]
    a, b = inverse[:-1][same_line], inverse[1:][same_line]
    w = np.hypot(*(uniq[a] - uniq[b]).T)
    g = nx.Graph()
    g.add_nodes_from(range(len(uniq)))
    g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist(), strict=True), weight="length")
    tree = cKDTree(uniq)
    # Join pieces that do not touch (digitising gaps, streets drawn apart from the main road) at
    # their closest vertices, so that every address can be reached; the join is costed as trench.
    comps = sorted(nx.connected_components(g), key=len, reverse=True)
    main = np.fromiter(comps[0], dtype="int64")
    for comp in comps[1:]:
        nodes = np.fromiter(comp, dtype="int64")
        d, j = cKDTree(uniq[main]).query(uniq[nodes])
        k = int(np.argmin(d))
        g.add_edge(int(nodes[k]), int(main[j[k]]), length=float(d[k]), joined=True)
        main = np.concatenate([main, nodes])
    return RoadGraph(g, uniq, tree)


def _mst_edges(xy: np.ndarray) -> np.ndarray:
    n = len(xy)
    if n < 2:
        return np.zeros((0, 2), dtype="int64")
    try:
        s = Delaunay(xy).simplices if n >= 4 else None
    except QhullError:
        s = None
    edges = (
        np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
        if s is not None
        else np.array(np.triu_indices(n, 1)).T
    )
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    w = np.maximum(np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T), 1e-9)
    mst = minimum_spanning_tree(coo_matrix((w, (edges[:, 0], edges[:, 1])), shape=(n, n))).tocoo()
    return np.column_stack([mst.row, mst.col])


def straight_route(
    xy: np.ndarray, fibre_tree: cKDTree | None, fibre_xy: np.ndarray
) -> tuple[shapely.Geometry, float, float]:
    """MST over the addresses plus a link to the nearest fibre address: (geometry, mst_m, link_m)."""
    edges = _mst_edges(xy)
    lines = [shapely.linestrings(xy[e]) for e in edges]
    mst = float(sum(line.length for line in lines))
    link = 0.0
    if fibre_tree is not None:
        d, j = fibre_tree.query(xy)
        k = int(np.argmin(d))
        link = float(d[k])
        lines.append(shapely.linestrings(np.vstack([xy[k], fibre_xy[j[k]]])))
    return shapely.multilinestrings(lines) if lines else shapely.MultiLineString(), mst, link


def road_route(
    rg: RoadGraph, xy: np.ndarray, fibre_dist: dict[int, float], fibre_nodes: list[int]
) -> tuple[shapely.Geometry, float, float, float]:
    """Route along roads: (geometry, road_m, drop_m, link_m).

    ``road_m`` is the Steiner tree over the area's road vertices, ``drop_m`` the straight drops
    from addresses to their road vertex, ``link_m`` the network distance to the nearest fibre.
    """
    drop, node = rg.tree.query(xy)
    terminals = sorted(set(node.tolist()))
    lines = [
        shapely.linestrings(np.vstack([xy[i], rg.xy[node[i]]]))
        for i in range(len(xy))
        if drop[i] > 0
    ]
    link = 0.0
    if fibre_nodes:
        nearest = min(terminals, key=lambda t: fibre_dist.get(t, np.inf))
        link = float(fibre_dist.get(nearest, 0.0))
        if np.isfinite(link) and link > 0:
            _, path = nx.multi_source_dijkstra(
                rg.graph, fibre_nodes, target=nearest, weight="length"
            )
            lines.append(shapely.linestrings(rg.xy[path]))
    road = 0.0
    if len(terminals) > 1:
        tree = nx.algorithms.approximation.steiner_tree(
            rg.graph, terminals, weight="length", method="mehlhorn"
        )
        for u, v, data in tree.edges(data=True):
            road += data["length"]
            lines.append(shapely.linestrings(rg.xy[[u, v]]))
    geom = (
        shapely.line_merge(shapely.multilinestrings(lines)) if lines else shapely.MultiLineString()
    )
    return geom, road, float(drop.sum()), link


def length_in_ducts(
    routes: np.ndarray, ducts: gpd.GeoDataFrame | None, tolerance_m: float = 15.0
) -> np.ndarray:
    """Metres of each route that run within ``tolerance_m`` of an existing duct."""
    if ducts is None or ducts.empty:
        return np.zeros(len(routes))
    zone = shapely.buffer(shapely.union_all(ducts.geometry.to_numpy()), tolerance_m)
    shapely.prepare(zone)
    return shapely.length(shapely.intersection(routes, zone))
