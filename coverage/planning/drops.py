"""The access network of an area along roads: road trench, drops (stikkledninger) and the link
to fibre as one tree, in EPSG:25833 metres.

- Own drops (``costs.share_drops = false``, the model before issue 12): every address has its
  own straight drop to its nearest road vertex, and a Steiner tree
  (:func:`~dekning.coverage.planning.routing.steiner_tree_edges`) over those vertices joins them
  along the roads.
- Shared drops (the default): the drops are the minimum spanning tree over the addresses and
  "the road" as one extra vertex, each address joined to the road by its own drop and to its
  Delaunay neighbours by straight lines. A house hangs on a neighbour exactly when that is
  shorter than some drop it replaces; a line between two neighbours longer than both their drops
  is never taken (cycle property), so sharing replaces drops, never the road: two houses at the
  ends of an L-shaped road are not joined across the field between them. Each group of houses
  reaches the road by its one shortest drop; the road tree of own drops is then pruned of the
  branches that only led to vertices no drop reaches any more. The tree is therefore never
  longer than the own-drop tree (drops: a spanning tree no longer than the star of own drops;
  road: a subtree of the own-drop road tree), and costs one Steiner search per area, as before.

Off-road edges are drop metres. Rooted at the road, the off-road edge leading into an address
from its parent (the road or a neighbour) is that address's drop, to which the cap on drop metres
the project pays (``costs.drop_max_m``) applies; every drop metre leads into exactly one address.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

from dekning.coverage.planning.routing import (
    FibreReach,
    RoadGraph,
    near_pairs,
    prune_leaves,
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
    """Metres of drop in all: ``drop_in.sum()``."""
    link_m: float
    drop_in: np.ndarray
    """Per address: metres of the drop leading into it from its parent, the road or the
    neighbour it hangs on (0 when it sits on a road vertex)."""
    parent: np.ndarray
    """Per address: the address (position in ``xy``) it hangs on, -1 when its drop goes to the
    road."""
    shared: int
    """Addresses on a drop shared with another address."""


def _road_tree(rg: RoadGraph, vertices: np.ndarray) -> np.ndarray:
    """Road edges (vertex pairs) of a Steiner tree over ``vertices``, searched in the road graph
    around them (their bounding box grown by a third of its size, at least 1 km); the whole graph
    when that part does not connect them."""
    if len(vertices) < 2:
        return _EMPTY
    pts = rg.xy[vertices]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    margin = max(1_000.0, float((hi - lo).max()) / 3)
    inside = vertices_in_box(rg, lo - margin, hi + margin)
    sub = rg.csr[inside][:, inside]
    local = np.searchsorted(inside, vertices)
    _, labels = connected_components(sub, directed=False)
    if len(np.unique(labels[local])) == 1:
        return inside[steiner_tree_edges(sub, local)]
    return steiner_tree_edges(rg.csr, vertices)


def drop_forest(xy: np.ndarray, drop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shared drops of the addresses ``xy`` whose own drops to the road are ``drop`` metres.

    Returns
    -------
    parent : numpy.ndarray
        The address each hangs on (-1: its own drop to the road), from the minimum spanning tree
        over the addresses and the road as vertex ``n`` (see the module).
    drop_in : numpy.ndarray
        Metres of each address's drop from its parent.
    """
    n = len(xy)
    if n < 2:
        return np.full(n, -1, dtype="int64"), drop.astype("float64")
    pairs, w = near_pairs(xy)
    useful = w <= np.maximum(drop[pairs[:, 0]], drop[pairs[:, 1]])  # others never in the MST
    rows = np.r_[np.arange(n), pairs[useful, 0]]
    cols = np.r_[np.full(n, n), pairs[useful, 1]]
    weight = np.r_[np.maximum(drop, 1e-9), w[useful]]
    mst = minimum_spanning_tree(coo_matrix((weight, (rows, cols)), shape=(n + 1, n + 1)))
    _, pred = breadth_first_order(mst, n, directed=False, return_predecessors=True)
    parent = np.where(pred[:n] == n, -1, pred[:n]).astype("int64")
    hangs = parent >= 0
    drop_in = drop.astype("float64").copy()
    drop_in[hangs] = np.hypot(*(xy[hangs] - xy[parent[hangs]]).T)
    return parent, drop_in


def _shared_count(parent: np.ndarray) -> int:
    """Addresses in a group of two or more that reach the road through one drop (``parent``:
    :func:`drop_forest`)."""
    top = np.where(parent < 0, np.arange(len(parent)), parent)
    while True:  # pointer jumping: each address's group is the address with the road drop
        up = top[top]
        if np.array_equal(up, top):
            return int((np.bincount(top, minlength=len(top))[top] > 1).sum())
        top = up


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


def _lines(a: np.ndarray, b: np.ndarray) -> list[shapely.Geometry]:
    """Straight lines from the points ``a`` to the points ``b`` (k × 2 each)."""
    return list(np.asarray(shapely.linestrings(np.stack([a, b], axis=1)), dtype=object))


def access_route(
    rg: RoadGraph, xy: np.ndarray, reach: FibreReach | None, *, share_drops: bool = True
) -> AccessRoute:
    """The access network of the addresses ``xy`` (one area) along the roads, plus the road path
    to the nearest fibre by network distance (``reach``; none when None); shared or own drops as
    the module describes."""
    drop, node = rg.tree.query(xy)
    terminals = np.unique(node)
    start, link, link_lines = _link(rg, reach, terminals)
    edges = _road_tree(rg, terminals)
    parent, drop_in = np.full(len(xy), -1, dtype="int64"), drop.astype("float64")
    if share_drops:
        parent, drop_in = drop_forest(xy, drop)
        # The road vertices the tree must still reach: the groups' drops and the link to fibre.
        needed = node[parent < 0] if start < 0 else np.r_[node[parent < 0], start]
        edges = prune_leaves(edges, needed)
    road = float(np.hypot(*(rg.xy[edges[:, 0]] - rg.xy[edges[:, 1]]).T).sum())
    own = np.flatnonzero((parent < 0) & (drop > 0))
    hangs = np.flatnonzero(parent >= 0)
    drops = _lines(xy[own], rg.xy[node[own]]) + _lines(xy[hangs], xy[parent[hangs]])
    road_lines = list(np.asarray(shapely.linestrings(rg.xy[edges]), dtype=object))
    lines = [*drops, *link_lines, *road_lines]
    road_geom = [*road_lines, *link_lines]
    return AccessRoute(
        shapely.line_merge(shapely.multilinestrings(lines)) if lines else shapely.MultiLineString(),
        shapely.multilinestrings(road_geom) if road_geom else shapely.MultiLineString(),
        road,
        float(drop_in.sum()),
        link,
        drop_in,
        parent,
        _shared_count(parent),
    )
