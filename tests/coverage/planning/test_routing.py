"""Fibre routes: the Euclidean MST, routes along roads, ducts measured with real NVDB data,
CRS checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist, squareform

from dekning.coverage.planning.drops import access_route
from dekning.coverage.planning.routing import (
    build_road_graph,
    duct_zone,
    length_in_ground,
    length_in_zone,
    mst_edges,
    prune_leaves,
    steiner_tree_edges,
    straight_route,
)
from dekning.errors import InputError
from dekning.io import read_lines


def mst_length(xy: np.ndarray) -> float:
    edges = mst_edges(xy)
    return float(np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T).sum())


def test_mst_hand_computed():
    assert mst_length(np.array([[0.0, 0.0], [100.0, 0.0], [250.0, 0.0]])) == pytest.approx(250.0)
    square = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]])
    assert mst_length(square) == pytest.approx(300.0) and len(mst_edges(square)) == 3
    assert mst_edges(np.array([[5.0, 5.0]])).shape == (0, 2)
    # Collinear and duplicate points (degenerate for Delaunay) still work.
    line = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [30.0, 0.0]])
    assert mst_length(line) == pytest.approx(30.0) and len(mst_edges(line)) == 4


def test_mst_matches_the_all_pairs_mst():
    xy = np.random.default_rng(1).uniform(0, 5_000, (300, 2))
    full = float(minimum_spanning_tree(squareform(pdist(xy))).sum())
    assert mst_length(xy) == pytest.approx(full)


def test_straight_route_hand_computed():
    xy = np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]])
    fibre = np.array([[700.0, 0.0], [5_000.0, 0.0]])
    geom, mst, link = straight_route(xy, cKDTree(fibre), fibre)
    assert (mst, link) == (200.0, 500.0) and geom.length == pytest.approx(700.0)
    alone, mst, link = straight_route(xy[:1], None, np.zeros((0, 2)))
    assert (mst, link, alone.is_empty) == (0.0, 0.0, True)


def test_routes_follow_roads():
    # An L-shaped road; two houses 20 m off the road at its two ends.
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1_000, 0), (1_000, 1_000)])], crs=25833
    )
    rg = build_road_graph(roads)
    xy = np.array([[0.0, 20.0], [1_020.0, 1_000.0]])
    r = access_route(rg, xy, None)
    assert r.road_m == pytest.approx(2_000.0) and r.drop_m == pytest.approx(40.0)
    assert r.link_m == 0.0 and r.geometry.length == pytest.approx(2_040.0)
    assert r.drop_in.tolist() == pytest.approx([20.0, 20.0]) and r.shared == 0


def test_steiner_tree_joins_three_ends_of_a_star():
    # A star of three 100 m roads: the tree over its three ends is the whole star (300 m).
    roads = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(0, 0), (dx, dy)]) for dx, dy in [(100, 0), (-100, 0), (0, 100)]
        ],
        crs=25833,
    )
    rg = build_road_graph(roads)
    ends = rg.tree.query([[100, 0], [-100, 0], [0, 100]])[1]
    edges = steiner_tree_edges(rg.csr, ends)
    assert np.hypot(*(rg.xy[edges[:, 0]] - rg.xy[edges[:, 1]]).T).sum() == pytest.approx(300.0)
    assert steiner_tree_edges(rg.csr, ends[:1]).shape == (0, 2)


def test_disconnected_road_pieces_are_joined():
    # Two roads 30 m apart that never touch: the graph still connects them (by 30 m).
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(130, 0), (230, 0)])],
        crs=25833,
    )
    rg = build_road_graph(roads)
    assert access_route(rg, np.array([[0.0, 0.0], [230.0, 0.0]]), None).road_m == pytest.approx(
        230.0
    )


def test_a_far_road_piece_is_joined_to_the_largest_piece():
    # A 2 km road and a 1 km road 5 km beyond its end: the small piece's 16 nearest vertices
    # are all its own (50 m apart), so it is joined to the nearest vertex of the large piece.
    roads = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(0, 0), (2_000, 0)]),
            shapely.LineString([(7_000, 0), (8_000, 0)]),
            shapely.LineString([(0, 9_000), (300, 9_000)]),  # a third piece, far from both
        ],
        crs=25833,
    )
    rg = build_road_graph(roads)
    road = access_route(rg, np.array([[0.0, 0.0], [8_000.0, 0.0]]), None).road_m
    assert road == pytest.approx(8_000.0)
    road = access_route(rg, np.array([[0.0, 0.0], [300.0, 9_000.0]]), None).road_m
    assert road == pytest.approx(9_000.0 + 300.0)  # joined at (0, 0)-(0, 9 000)


def test_ducts_and_ground_classes_measured():
    route = np.array([shapely.LineString([(0, 0), (1_000, 0)])], dtype=object)
    ducts = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 5), (400, 5)])], crs=25833)
    zone = duct_zone(ducts, 15.0)
    # 400 m along the duct plus √(15² − 5²) ≈ 14.14 m into its round end (drawn as a polygon).
    assert length_in_zone(route, zone)[0] == pytest.approx(400 + np.sqrt(15**2 - 5**2), abs=0.1)
    assert length_in_zone(route, None).tolist() == [0.0] and duct_zone(None, 15.0) is None
    ground = gpd.GeoDataFrame(
        {"klasse": ["fjell", "myr"]},
        geometry=[shapely.box(300, -10, 600, 10), shapely.box(900, -10, 950, 10)],
        crs=25833,
    )
    got = length_in_ground(route, ground, ["fjell", "myr"], zone)
    assert got["fjell"][0] == pytest.approx(600 - 400 - np.sqrt(200), abs=0.1)
    assert got["myr"][0] == 50.0


def test_frames_in_another_crs_are_refused():
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(10, 60), (10.1, 60)])], crs=4326)
    with pytest.raises(InputError, match=r"build_road_graph\(roads\).*EPSG:4326"):
        build_road_graph(line)
    with pytest.raises(InputError, match=r"duct_zone\(ducts\)"):
        duct_zone(line, 15.0)
    with pytest.raises(InputError, match=r"length_in_ground\(ground\)"):
        length_in_ground(np.array([]), line.assign(klasse="fjell"), ["fjell"])


def test_real_nvdb_ducts_are_read_and_measured(shared_data):
    folder = shared_data / "nvdb-trekkeror-hamar"
    gml = read_lines(folder / "trekkeror_kanal_0403_original.gml", "ducts")
    geojson = read_lines(folder / "trekkeror_kanal_hamar_0403_25833.geojson", "ducts")
    assert len(gml) == len(geojson) == 115
    assert gml.length.sum() == pytest.approx(7_422, abs=1)  # as documented in PROVENANCE
    # A route that follows one duct for its whole length is all in duct; one 200 m away is not.
    duct = geojson.geometry.iloc[0]
    along = shapely.offset_curve(duct, 3.0)
    away = shapely.affinity.translate(duct, 200.0, 200.0)
    got = length_in_zone(np.array([along, away], dtype=object), duct_zone(geojson, 15.0))
    assert got[0] == pytest.approx(along.length, rel=0.02) and got[1] == pytest.approx(0.0, abs=1.0)


def test_prune_leaves_takes_terminal_ids_and_allocates_only_the_trees_vertices():
    # A path 0-1-2-3 with a branch 2-4-5, on vertex ids far beyond any array the size of a
    # graph (a bool mask indexed by vertex id would need 10^12 entries).
    big = 10**12
    edges = np.array([[0, 1], [1, 2], [2, 3], [2, 4], [4, 5]], dtype="int64") + big
    got = prune_leaves(edges, np.array([big + 0, big + 3]))
    assert sorted(map(tuple, got - big)) == [(0, 1), (1, 2), (2, 3)]
    # Terminals off the tree, repeated or unsorted change nothing; none prunes everything.
    again = prune_leaves(edges, np.array([big + 3, big + 7, big + 0, big + 3]))
    assert sorted(map(tuple, again - big)) == [(0, 1), (1, 2), (2, 3)]
    assert len(prune_leaves(edges, np.array([], dtype="int64"))) == 0
    assert len(prune_leaves(np.zeros((0, 2), dtype="int64"), np.array([5]))) == 0
    # A branch leading to a terminal stays.
    kept = prune_leaves(edges, np.array([big + 0, big + 5]))
    assert sorted(map(tuple, kept - big)) == [(0, 1), (1, 2), (2, 4), (4, 5)]
