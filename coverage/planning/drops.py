"""The access network of an area along roads: road trench, drops (stikkledninger) and the link
to fibre as one tree, in EPSG:25833 metres.

- Shared drops (``costs.share_drops``, the default): a Steiner tree
  (:func:`~dekning.coverage.planning.routing.steiner_tree_edges`) over the area's addresses and
  the road vertex where the link to fibre starts, in a graph of the roads around the area, each
  address's straight drop to its nearest road vertex and the straight lines between neighbouring
  addresses (Delaunay edges): a house hangs on its neighbour's drop wherever that makes the tree
  shorter. A line between two neighbours is offered only when it is no longer than the longer of
  their own drops to the road: sharing replaces a drop, never the road (two houses at the ends of
  an L-shaped road are not joined by a line across the field between them). Mehlhorn's
  algorithm is a 2-approximation, so the tree of own drops (below) is built too and the shorter
  of the two is kept: the shared tree is never longer.
- Own drops: every address has its own straight drop to its nearest road vertex, and a Steiner
  tree over those vertices joins them along the roads (the model before issue 12).

Off-road edges are drop metres. The tree is rooted at the road vertex where the link to fibre
starts (without fibre: the road vertex of the address nearest a road); the off-road edge leading
into an address from its parent is that address's drop, which the cap on drop metres the project
pays (``costs.drop_max_m``) applies to. An off-road edge leading into a road vertex (a shared
drop that runs on to another road) belongs to no single address.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from dekning.coverage.planning.routing import (
    FibreReach,
    RoadGraph,
    near_pairs,
    steiner_tree_edges,
    vertices_in_box,
)

_EMPTY = np.zeros((0, 2), dtype="int64")


@dataclass
class AccessRoute:
    """The access network of one area (metres, lines in EPSG:25833)."""

    geometry: shapely.Geometry
    """Road, drop and link lines."""
    road_geometry: shapely.Geometry
    """Road and link lines only: ducts and ground classes are measured on these."""
    road_m: float
    drop_m: float
    link_m: float
    drop_in: np.ndarray
    """Per address: metres of the off-road edge leading into it from its parent (0 when it sits
    on a road vertex). ``drop_m - drop_in.sum()`` are off-road metres leading into a road vertex."""
    shared: int
    """Addresses joined by a drop to another address."""


@dataclass
class _Tree:
    road_lines: np.ndarray
    drop_lines: np.ndarray
    road_m: float
    drop_m: float
    drop_in: np.ndarray
    shared: int


def _lines(xy: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Straight lines (object array) between the vertex pairs ``edges`` of points ``xy``."""
    if not len(edges):
        return np.zeros(0, dtype=object)
    return np.asarray(shapely.linestrings(xy[edges]), dtype=object)


def _road_around(rg: RoadGraph, vertices: np.ndarray) -> tuple[np.ndarray, csr_matrix]:
    """Road vertices (sorted) and their graph around ``vertices``: their bounding box grown by a
    third of its size, at least 1 km; the whole graph when that part does not connect them."""
    pts = rg.xy[vertices]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    margin = max(1_000.0, float((hi - lo).max()) / 3)
    inside = vertices_in_box(rg, lo - margin, hi + margin)
    sub = rg.csr[inside][:, inside]
    _, labels = connected_components(sub, directed=False)
    if len(np.unique(labels[np.searchsorted(inside, vertices)])) == 1:
        return inside, sub
    return np.arange(len(rg.xy)), rg.csr


def _own_drops(rg: RoadGraph, xy: np.ndarray, node: np.ndarray, drop: np.ndarray) -> _Tree:
    """Every address its own drop to its road vertex ``node``; a Steiner tree joins those."""
    terminals = np.unique(node)
    edges = _EMPTY
    if len(terminals) > 1:
        inside, sub = _road_around(rg, terminals)
        edges = inside[steiner_tree_edges(sub, np.searchsorted(inside, terminals))]
    road = float(np.hypot(*(rg.xy[edges[:, 0]] - rg.xy[edges[:, 1]]).T).sum())
    hang = np.flatnonzero(drop > 0)
    drops = np.asarray(shapely.linestrings(np.stack([xy[hang], rg.xy[node[hang]]], axis=1)))
    return _Tree(_lines(rg.xy, edges), drops, road, float(drop.sum()), drop.copy(), 0)


def _augmented(sub: csr_matrix, xy: np.ndarray, local: np.ndarray, drop: np.ndarray) -> csr_matrix:
    """The road graph ``sub`` (m vertices) with the addresses as vertices m, m+1, ...: each
    joined to its road vertex ``local`` by its drop and to those of its Delaunay neighbours no
    farther away than the longer of the two drops, all by straight-line metres (a tiny positive
    weight where two points coincide)."""
    m, n = sub.shape[0], len(xy)
    pairs, w = near_pairs(xy) if n > 1 else (_EMPTY, np.zeros(0))
    near = w <= np.maximum(drop[pairs[:, 0]], drop[pairs[:, 1]])
    pairs, w = pairs[near], w[near]
    a = np.r_[m + np.arange(n), m + pairs[:, 0]]
    b = np.r_[local, m + pairs[:, 1]]
    w = np.r_[np.maximum(drop, 1e-9), w]
    road = sub.tocoo()
    rows = np.r_[road.row, a, b]
    cols = np.r_[road.col, b, a]
    return coo_matrix((np.r_[road.data, w, w], (rows, cols)), shape=(m + n, m + n)).tocsr()


def _shared_drops(
    rg: RoadGraph, xy: np.ndarray, node: np.ndarray, drop: np.ndarray, root: int
) -> _Tree:
    """One Steiner tree over the addresses and the road vertex ``root`` in the road graph with
    drops and neighbour lines (:func:`_augmented`), rooted at ``root``."""
    inside, sub = _road_around(rg, np.unique(node))
    m, n = len(inside), len(xy)
    graph = _augmented(sub, xy, np.searchsorted(inside, node), drop)
    top = int(np.searchsorted(inside, root))
    edges = steiner_tree_edges(graph, np.r_[m + np.arange(n), top])
    pts = np.vstack([rg.xy[inside], xy])
    length = np.hypot(*(pts[edges[:, 0]] - pts[edges[:, 1]]).T)
    off = edges.max(axis=1) >= m  # an address at one end at least
    tree = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(m + n, m + n))
    _, pred = breadth_first_order(tree, top, directed=False, return_predecessors=True)
    child = np.where(pred[edges[:, 1]] == edges[:, 0], edges[:, 1], edges[:, 0])
    into = off & (child >= m)
    drop_in = np.zeros(n)
    drop_in[child[into] - m] = length[into]
    between = edges[edges.min(axis=1) >= m]
    return _Tree(
        _lines(pts, edges[~off]),
        _lines(pts, edges[off & (length > 0)]),
        float(length[~off].sum()),
        float(length[off].sum()),
        drop_in,
        len(np.unique(between)),
    )


def _link(
    rg: RoadGraph, reach: FibreReach | None, vertices: np.ndarray
) -> tuple[int, float, list[shapely.Geometry]]:
    """The vertex among ``vertices`` nearest to fibre along the roads, the distance (metres) and
    the road path to the fibre as a line; (-1, 0.0, []) without fibre."""
    if reach is None:
        return -1, 0.0, []
    start = int(vertices[np.argmin(reach.dist[vertices])])
    link = float(reach.dist[start])
    if not np.isfinite(link) or link <= 0:
        return start, link if np.isfinite(link) else 0.0, []
    path = [start]
    while reach.pred[path[-1]] >= 0:
        path.append(int(reach.pred[path[-1]]))
    return start, link, [shapely.LineString(rg.xy[path])]


def access_route(
    rg: RoadGraph, xy: np.ndarray, reach: FibreReach | None, *, share_drops: bool = True
) -> AccessRoute:
    """The access network of the addresses ``xy`` (one area) along the roads, plus the road path
    to the nearest fibre by network distance (``reach``; none when None).

    With ``share_drops`` the tree is the shorter of the shared-drop and own-drop trees (see the
    module); without, the own-drop tree.
    """
    drop, node = rg.tree.query(xy)
    start, link, link_lines = _link(rg, reach, np.unique(node))
    tree = _own_drops(rg, xy, node, drop)
    if share_drops and len(xy):
        root = start if start >= 0 else int(node[np.argmin(drop)])
        shared = _shared_drops(rg, xy, node, drop, root)
        if shared.road_m + shared.drop_m <= tree.road_m + tree.drop_m:
            tree = shared
    road_lines = [*tree.road_lines, *link_lines]
    lines = [*tree.drop_lines, *link_lines, *tree.road_lines]
    return AccessRoute(
        shapely.line_merge(shapely.multilinestrings(lines)) if lines else shapely.MultiLineString(),
        shapely.multilinestrings(road_lines) if road_lines else shapely.MultiLineString(),
        tree.road_m,
        tree.drop_m,
        link,
        tree.drop_in,
        tree.shared,
    )
