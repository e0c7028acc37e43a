"""Fibre routes of build-out areas, as line geometry in EPSG:25833.

- Along roads (when a road network is given): the roads are noded and densified into a graph;
  :func:`steiner_tree_edges` is a Steiner-tree approximation (Mehlhorn's algorithm on
  scipy.sparse.csgraph's Dijkstra and minimum spanning tree: networkx's own implementation took
  ~4 s per area on a county road graph); the access network of an area over it, drops
  (stikkledninger) included, is :mod:`~dekning.coverage.planning.drops`'s, plus the road path to
  the nearest fibre address by network distance (:func:`fibre_reach`).
- Straight line (no roads): the Euclidean minimum spanning tree over the addresses plus a straight
  link to the nearest fibre address; the cost model multiplies its length by a detour factor.

Existing ducts (trekkrør): :func:`duct_zone` is the area within ``tolerance_m`` of a duct, where
only fibre blowing is paid, and :func:`length_in_zone` measures how much of a route runs in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix, triu
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from dekning.crs import require_crs

SEGMENT_M = 50.0
"""Roads are densified to vertices at most this far apart before addresses attach."""


@dataclass
class RoadGraph:
    """The road network as a symmetric sparse matrix of segment lengths (metres)."""

    csr: csr_matrix
    xy: np.ndarray
    """Vertex coordinates; vertex i is at xy[i]."""
    tree: cKDTree


def vertices_in_box(rg: RoadGraph, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Road vertices (sorted indices) inside the box ``lo``-``hi`` (metres), found with the
    graph's KD-tree instead of a scan of every vertex."""
    centre = (lo + hi) / 2
    radius = float((hi - lo).max()) / 2 + 1.0  # a square around the box, then the exact box
    near = np.sort(np.asarray(rg.tree.query_ball_point(centre, radius, p=np.inf), dtype="int64"))
    return near[np.all((rg.xy[near] >= lo) & (rg.xy[near] <= hi), axis=1)]


def _first_per_group(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Position of the smallest ``key`` in each group (the lowest position on ties)."""
    order = np.lexsort((key, group))
    return order[np.r_[True, group[order][1:] != group[order][:-1]]]


def _joins(uniq: np.ndarray, tree: cKDTree, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One new edge (from, to) for every piece of the road graph but the largest: from its
    vertex nearest to another piece (among each vertex's 16 nearest vertices) to that piece,
    else to the nearest vertex of the largest piece."""
    main = np.bincount(labels).argmax()
    d, j = tree.query(uniq, k=min(len(uniq), 16))
    d = np.where(labels[j] != labels[:, None], d, np.inf)
    best = d.min(axis=1)
    first = _first_per_group(labels, best)
    first = first[labels[first] != main]
    near = first[np.isfinite(best[first])]
    to_near = j[near, np.argmin(d[near], axis=1)]
    alone = np.flatnonzero(np.isin(labels, labels[first[~np.isfinite(best[first])]]))
    if not len(alone):
        return near, to_near
    main_nodes = np.flatnonzero(labels == main)
    dd, jj = cKDTree(uniq[main_nodes]).query(uniq[alone])
    pick = _first_per_group(labels[alone], dd)
    return np.r_[near, alone[pick]], np.r_[to_near, main_nodes[jj[pick]]]


def build_road_graph(roads: gpd.GeoDataFrame) -> RoadGraph:
    """A connected, weighted (metres) graph of the road network.

    Lines are noded at crossings and densified to vertices at most :data:`SEGMENT_M` apart.
    Pieces that do not touch (digitising gaps, streets drawn apart from the main road) are joined
    at their closest vertices, so every address can be reached; the join is costed like trench.

    Raises
    ------
    InputError
        ``roads`` is not in EPSG:25833.
    """
    require_crs(roads, "build_road_graph(roads)")
    noded = shapely.node(shapely.union_all(roads.geometry.to_numpy()))
    parts = shapely.get_parts(shapely.segmentize(noded, SEGMENT_M))
    coords, index = shapely.get_coordinates(parts, return_index=True)
    uniq, inverse = np.unique(np.round(coords, 1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    same_line = index[1:] == index[:-1]
    a, b = inverse[:-1][same_line], inverse[1:][same_line]
    n = len(uniq)
    tree = cKDTree(uniq)
    while True:
        graph = coo_matrix((np.hypot(*(uniq[a] - uniq[b]).T), (a, b)), shape=(n, n)).tocsr()
        n_comp, labels = connected_components(graph, directed=False)
        if n_comp == 1:
            break
        new_a, new_b = _joins(uniq, tree, labels)
        a, b = np.r_[a, new_a], np.r_[b, new_b]
    return RoadGraph(graph.maximum(graph.T).tocsr(), uniq, tree)


def _bridges(graph: csr_matrix, terminals: np.ndarray) -> np.ndarray:
    """Road edges of Mehlhorn's chosen bridges, expanded into the vertices' paths to their
    terminals: unique (low, high) vertex pairs in sorted order.

    One multi-source Dijkstra gives every vertex its nearest terminal; each edge joining two
    terminals' regions is a candidate bridge, the cheapest per pair of terminals is kept, and
    the minimum spanning tree over those chooses the bridges.
    """
    dist, pred, src = dijkstra(
        graph, directed=False, indices=terminals, min_only=True, return_predecessors=True
    )
    coo = triu(graph, k=1).tocoo()
    u, v, w = coo.row, coo.col, coo.data
    ok = (src[u] >= 0) & (src[v] >= 0) & (src[u] != src[v])
    u, v, w = u[ok], v[ok], w[ok]
    cost = dist[u] + w + dist[v]
    su = np.searchsorted(terminals, src[u])  # terminals are sorted: index of each source
    sv = np.searchsorted(terminals, src[v])
    lo, hi = np.minimum(su, sv), np.maximum(su, sv)
    order = np.lexsort((cost, hi, lo))
    first = np.r_[True, (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])]
    pick = order[first]
    k = len(terminals)
    mst = minimum_spanning_tree(
        coo_matrix((cost[pick], (lo[pick], hi[pick])), shape=(k, k))
    ).tocoo()
    chosen = np.minimum(mst.row, mst.col).astype("int64") * k + np.maximum(mst.row, mst.col)
    bridge = pick[np.isin(lo[pick].astype("int64") * k + hi[pick], chosen)]
    return _with_paths(u[bridge], v[bridge], pred)


def _with_paths(a: np.ndarray, b: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Edges ``a``-``b`` plus every edge on the predecessor paths from their ends back to the
    sources, as unique sorted (low, high) vertex pairs; all paths walked a step at a time."""
    pieces = [np.column_stack([a, b])]
    node = np.r_[a, b]
    while len(node):
        node = node[pred[node] >= 0]
        pieces.append(np.column_stack([node, pred[node]]))
        node = pred[node]
    edges = np.sort(np.vstack(pieces).astype("int64"), axis=1)
    return np.unique(edges, axis=0)


def prune_leaves(edges: np.ndarray, terminals: np.ndarray) -> np.ndarray:
    """Edges (k × 2) of the tree ``edges`` left when leaves that are not ``terminals`` (vertex
    ids) are dropped until none is left. Works on the tree's own vertices only: nothing the size
    of the graph is allocated, however large the graph the ids come from."""
    vertex, local = np.unique(edges, return_inverse=True)  # count degrees on the tree only
    local = local.reshape(edges.shape)
    keep = np.ones(len(edges), dtype=bool)
    at = np.searchsorted(vertex, terminals).clip(max=max(len(vertex) - 1, 0))
    fixed = np.zeros(len(vertex), dtype=bool)
    if len(vertex):
        fixed[at[vertex[at] == terminals]] = True
    while True:
        degree = np.bincount(local[keep].ravel(), minlength=len(vertex))
        leaf = (degree == 1) & ~fixed
        drop = keep & (leaf[local[:, 0]] | leaf[local[:, 1]])
        if not drop.any():
            return edges[keep]
        keep &= ~drop


def steiner_tree_edges(graph: csr_matrix, terminals: np.ndarray) -> np.ndarray:
    """Edges (k × 2 vertex pairs) of a Steiner tree over ``terminals`` (Mehlhorn's
    2-approximation, on scipy's sparse-graph routines).

    The minimum spanning tree over the cheapest bridges between terminals' regions, expanded
    into road paths, then spanned again and pruned of non-terminal leaves, is the tree.
    """
    terminals = np.unique(terminals)
    if len(terminals) < 2:
        return np.zeros((0, 2), dtype="int64")
    ea = _bridges(graph, terminals)
    n = graph.shape[0]
    weights = np.asarray(graph[ea[:, 0], ea[:, 1]]).ravel()
    span = minimum_spanning_tree(coo_matrix((weights, (ea[:, 0], ea[:, 1])), shape=(n, n))).tocoo()
    return prune_leaves(np.column_stack([span.row, span.col]), terminals)


def near_pairs(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delaunay edges over ``xy`` as unique (low, high) index pairs and their lengths (metres);
    degenerate inputs (collinear, fewer than 4 distinct points) give all pairs. Coincident
    points (Delaunay leaves all but one out) are joined to their first twin at a tiny positive
    length. Every Euclidean minimum spanning tree edge is among them."""
    uniq, first, inverse = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    n = len(uniq)
    try:
        s = Delaunay(uniq).simplices if n >= 4 else None
    except QhullError:
        s = None
    edges = (
        np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
        if s is not None
        else np.array(np.triu_indices(n, 1)).T
    )
    edges = first[edges.reshape(-1, 2)]  # back to positions in xy
    twins = np.flatnonzero(np.arange(len(xy)) != first[inverse])
    edges = np.vstack([edges, np.column_stack([first[inverse[twins]], twins])])
    edges = np.unique(np.sort(edges, axis=1), axis=0).reshape(-1, 2)
    return edges, np.maximum(np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T), 1e-9)


def mst_edges(xy: np.ndarray) -> np.ndarray:
    """Edges (vertex index pairs) of the Euclidean minimum spanning tree over ``xy``.

    The Euclidean MST is a subgraph of the Delaunay triangulation, so only its edges are weighed
    (:func:`near_pairs`).
    """
    n = len(xy)
    if n < 2:
        return np.zeros((0, 2), dtype="int64")
    edges, w = near_pairs(xy)
    mst = minimum_spanning_tree(coo_matrix((w, (edges[:, 0], edges[:, 1])), shape=(n, n))).tocoo()
    return np.column_stack([mst.row, mst.col])


def straight_route(
    xy: np.ndarray, fibre_tree: cKDTree | None, fibre_xy: np.ndarray
) -> tuple[shapely.Geometry, float, float]:
    """MST over the addresses plus a link to the nearest fibre address: (geometry, mst_m, link_m)."""
    edges = mst_edges(xy)
    lines = list(shapely.linestrings(xy[edges])) if len(edges) else []
    mst = float(sum(shapely.length(lines).tolist()))  # summed in order, as the figures always were
    link = 0.0
    if fibre_tree is not None:
        d, j = fibre_tree.query(xy)
        k = int(np.argmin(d))
        link = float(d[k])
        lines.append(shapely.linestrings(np.vstack([xy[k], fibre_xy[j[k]]])))
    return shapely.multilinestrings(lines) if lines else shapely.MultiLineString(), mst, link


@dataclass
class FibreReach:
    """Network distance from every road vertex to the nearest fibre address's vertex."""

    dist: np.ndarray
    pred: np.ndarray


def fibre_reach(rg: RoadGraph, fibre_xy: np.ndarray) -> FibreReach | None:
    """One multi-source Dijkstra from the road vertices of all fibre addresses."""
    if len(fibre_xy) == 0:
        return None
    sources = np.unique(rg.tree.query(fibre_xy)[1])
    dist, pred, _ = dijkstra(
        rg.csr, directed=False, indices=sources, min_only=True, return_predecessors=True
    )
    return FibreReach(dist, pred)


def duct_zone(ducts: gpd.GeoDataFrame | None, tolerance_m: float) -> shapely.Geometry | None:
    """The area within ``tolerance_m`` (metres) of any duct; None without ducts.

    Raises
    ------
    InputError
        ``ducts`` is not in EPSG:25833.
    """
    if ducts is None or ducts.empty:
        return None
    require_crs(ducts, "duct_zone(ducts)")
    return shapely.buffer(shapely.union_all(ducts.geometry.to_numpy()), tolerance_m)


def length_in_zone(routes: np.ndarray, zone: shapely.Geometry | None) -> np.ndarray:
    """Metres of each route (EPSG:25833 lines) inside ``zone`` (e.g. :func:`duct_zone`)."""
    if zone is None:
        return np.zeros(len(routes))
    shapely.prepare(zone)
    return shapely.length(shapely.intersection(routes, zone))


def length_in_ground(
    routes: np.ndarray,
    ground: gpd.GeoDataFrame | None,
    classes: list[str],
    exclude: shapely.Geometry | None = None,
) -> dict[str, np.ndarray]:
    """Metres of each route inside the ground polygons of each class (outside ``exclude``,
    e.g. the duct zone, which has its own price).

    Raises
    ------
    InputError
        ``ground`` is not in EPSG:25833.
    """
    out = {c: np.zeros(len(routes)) for c in classes}
    if ground is None or ground.empty:
        return out
    require_crs(ground, "length_in_ground(ground)")
    geoms = routes if exclude is None else shapely.difference(routes, exclude)
    for c in classes:
        polys = ground.loc[ground["klasse"] == c, "geometry"].to_numpy()
        if len(polys):
            zone = shapely.union_all(polys)
            out[c] = shapely.length(shapely.intersection(geoms, zone))
    return out
