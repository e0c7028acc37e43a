"""Build-out areas: straight-line and road-aware grouping (checked against an exhaustive
search), user-drawn polygons, CRS and input checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from dekning.config import AreasConfig
from dekning.coverage.planning.areas import (
    areas_from_polygons,
    build_areas,
    cluster_labels,
    read_area_polygons,
    road_split_labels,
)
from dekning.coverage.planning.routing import RoadGraph, build_road_graph
from dekning.errors import InputError, PlanningError
from dekning.io import read_lines
from dekning.report import RunReport


def test_clusters_link_within_the_gap():
    x = np.array([0.0, 500.0, 1_000.0, 3_000.0, 3_400.0, 9_000.0])
    labels = cluster_labels(x, np.zeros(6), 600.0)
    assert labels[0] == labels[1] == labels[2] and labels[3] == labels[4]
    assert len(set(labels)) == 3
    assert cluster_labels(np.zeros(0), np.zeros(0), 600.0).tolist() == []


def test_hand_computed_areas_and_their_order(make_world):
    # Two hamlets: three households in the west, a farm with two businesses 5 km east.
    w = make_world(
        [0.0, 100.0, 200.0, 5_000.0],
        [0.0, 0.0, 0.0, 0.0],
        hus=[1, 1, 1, 1],
        naering=[0, 0, 0, 2],
        eligible_units=[1, 1, 1, 3],
    )
    areas, area_of = build_areas(w, AreasConfig(max_gap_m=150, min_households=2))
    assert areas["area_id"].tolist() == ["O-001", "O-002"]  # most units first (3 each: lowest id)
    assert areas["adresser"].tolist() == [3, 1] and areas["hus"].tolist() == [3, 1]
    assert areas["for_lite"].tolist() == [False, True]
    assert area_of.tolist() == ["O-001", "O-001", "O-001", "O-002"]
    # The outline is the addresses' hull grown by 75 m: a 200 m line becomes a 200 × 150 m
    # rectangle with two half circles, drawn (GEOS) as a regular 32-gon of radius 75 m.
    circle = 16 * 75**2 * np.sin(2 * np.pi / 32)
    assert areas.geometry.iloc[0].area == pytest.approx(200 * 150 + circle, rel=1e-9)


def test_holiday_homes_inside_an_area_that_lack_100_mbit(make_world):
    # Three eligible homes along 200 m; holiday homes: two cabins at 50 Mbit/s inside the
    # outline (counted), one with 100 Mbit/s inside (not: it has the target speed), four
    # without any offer 1 km away (outside the outline).
    w = make_world(
        [0.0, 100.0, 200.0, 50.0, 150.0, 1_000.0],
        [0.0, 0.0, 0.0, 30.0, 30.0, 0.0],
        eligible=[True, True, True, False, False, False],
        hus=[1, 1, 1, 0, 0, 0],
        eligible_units=[1, 1, 1, 0, 0, 0],
        fritid=[0, 0, 0, 2, 1, 4],
        best_down_kbps=[5_000, 5_000, 5_000, 50_000, 100_000, 0],
    )
    areas, area_of = build_areas(w, AreasConfig(max_gap_m=150))
    assert areas["fritid"].tolist() == [2] and areas["enheter"].tolist() == [3]
    assert area_of.tolist() == ["O-001"] * 3 + [""] * 3  # holiday homes belong to no area


def test_holiday_homes_at_eligible_addresses_are_counted(make_world):
    # A farm with a business and two cabins is eligible (its business) and lies on the outline's
    # edge: its cabins belong to its own area. A cabin at 50 Mbit/s inside the outline counts
    # too, and a cabin-and-business address in a second area counts there only: 2 + 1 and 3.
    w = make_world(
        [0.0, 100.0, 200.0, 100.0, 5_000.0],
        [0.0, 0.0, 0.0, 40.0, 0.0],
        hus=[1, 1, 0, 0, 0],
        naering=[0, 0, 1, 0, 1],
        eligible=[True, True, True, False, True],
        eligible_units=[1, 1, 1, 0, 1],
        fritid=[0, 0, 2, 1, 3],
        best_down_kbps=[5_000, 5_000, 5_000, 50_000, 5_000],
    )
    areas, _ = build_areas(w, AreasConfig(max_gap_m=150))
    assert areas["fritid"].tolist() == [3, 3] and int(areas["fritid"].sum()) == 6


def test_default_areas_count_every_holiday_home_at_their_addresses(default_result):
    # fritid = the holiday homes at the area's own addresses (21 in 7 areas were missing before
    # issue 12: an eligible business with a cabin) + those at addresses in no area, inside the
    # outline, without 100 Mbit/s.
    c, areas = default_result.classified, default_result.areas
    member = c["area_id"].fillna("") != ""
    own = c[member].groupby("area_id")["fritid"].sum()
    cabins = c[~member & (c["fritid"] > 0) & ~c["eligible"] & (c["best_down_kbps"] < 100_000)]
    inside = gpd.sjoin(cabins[["fritid", "geometry"]], areas[["area_id", "geometry"]])
    inside = inside[~inside.index.duplicated()].groupby("area_id")["fritid"].sum()
    expected = own.add(inside, fill_value=0).reindex(areas["area_id"]).fillna(0)
    assert areas["fritid"].tolist() == expected.astype(int).tolist()
    assert int(c.loc[member & c["eligible"], "fritid"].sum()) > 0  # the case is in the data


def test_no_eligible_address_is_a_clear_error(line_world):
    with pytest.raises(PlanningError, match="ingen støtteberettigede adresser"):
        build_areas(line_world.assign(eligible=False), AreasConfig())


def test_geometry_in_another_crs_is_refused(line_world):
    with pytest.raises(InputError, match=r"build_areas\(classified\).*EPSG:4326") as exc:
        build_areas(line_world.to_crs(4326), AreasConfig())
    assert exc.value.field == "crs"
    with pytest.raises(InputError, match="har ikke noe koordinatsystem"):
        build_areas(line_world.set_crs(None, allow_override=True), AreasConfig())


def test_a_missing_column_is_named(line_world):
    with pytest.raises(InputError, match=r"build_areas\(classified\): mangler kolonne") as exc:
        build_areas(line_world.drop(columns="eligible_units"), AreasConfig())
    assert exc.value.field == "eligible_units"


def _river_world(make_world):
    """Two hamlets 300 m apart across a river; their roads meet only at a bridge 3 km upstream."""
    west = [(0, 0), (0, 3_000), (150, 3_000)]
    east = [(300, 0), (300, 3_000), (150, 3_000)]
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString(west), shapely.LineString(east)], crs=25833
    )
    return make_world([10.0, 10.0, 290.0, 290.0], [0.0, 100.0, 0.0, 100.0]), roads


def test_a_river_without_a_bridge_splits_an_area(make_world):
    world, roads = _river_world(make_world)
    straight, _ = build_areas(world, AreasConfig(max_gap_m=400))
    assert len(straight) == 1  # in a straight line they are neighbours
    by_road, area_of = build_areas(
        world, AreasConfig(max_gap_m=400, max_road_gap_m=1_500), build_road_graph(roads)
    )
    assert len(by_road) == 2
    assert area_of.iloc[0] == area_of.iloc[1] != area_of.iloc[2] == area_of.iloc[3]
    # With a generous road gap (the 6 km detour fits) they join again.
    joined, _ = build_areas(
        world, AreasConfig(max_gap_m=400, max_road_gap_m=7_000), build_road_graph(roads)
    )
    assert len(joined) == 1


def exhaustive_road_labels(
    xy: np.ndarray, rg: RoadGraph, max_gap_m: float, max_road_m: float
) -> np.ndarray:
    """The reference: every pair within the gap, road distance on the whole graph; two
    addresses both farther than ``max_road_m`` from every road vertex keep the straight line."""
    drop, node = rg.tree.query(xy)
    pairs = cKDTree(xy).query_pairs(r=max_gap_m, output_type="ndarray")
    sources, row = np.unique(node[pairs[:, 0]], return_inverse=True)
    dist = dijkstra(rg.csr, directed=False, indices=sources)
    a, b = pairs[:, 0], pairs[:, 1]
    off_road = (drop[a] > max_road_m) & (drop[b] > max_road_m)
    keep = pairs[(drop[a] + dist[row, node[b]] + drop[b] <= max_road_m) | off_road]
    n = len(xy)
    graph = coo_matrix((np.ones(len(keep)), (keep[:, 0], keep[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labellings group the points the same way."""
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def test_road_grouping_of_the_default_data_equals_the_exhaustive_search(
    default_result, default_config
):
    rg = build_road_graph(read_lines(default_config.input.roads, "roads"))
    elig = default_result.classified[default_result.classified["eligible"]]
    x, y = elig.geometry.x.to_numpy(), elig.geometry.y.to_numpy()
    cfg = default_config.areas
    straight = cluster_labels(x, y, cfg.max_gap_m)
    groups = []
    for max_road in (cfg.max_road_gap_m, 700.0):
        labels = road_split_labels(x, y, straight, rg, cfg.max_gap_m, max_road)
        reference = exhaustive_road_labels(np.column_stack([x, y]), rg, cfg.max_gap_m, max_road)
        assert same_partition(labels, reference)
        groups.append(len(np.unique(labels)))
    assert groups[0] < groups[1]  # 700 m along the roads splits groups: the case is not trivial
    # The run's areas are these groups.
    assert elig["area_id"].nunique() == len(default_result.areas)


def test_road_grouping_of_scattered_farms_equals_the_exhaustive_search():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 6_000, (400, 2))
    starts = rng.uniform(0, 6_000, (40, 2))
    roads = gpd.GeoDataFrame(
        geometry=shapely.linestrings(np.stack([starts, starts + rng.normal(0, 1_500, (40, 2))], 1)),
        crs=25833,
    )
    rg = build_road_graph(roads)
    labels = road_split_labels(xy[:, 0], xy[:, 1], cluster_labels(*xy.T, 500.0), rg, 500.0, 900.0)
    assert same_partition(labels, exhaustive_road_labels(xy, rg, 500.0, 900.0))
    assert 1 < len(np.unique(labels)) < len(xy)  # the case is not trivial


def test_user_area_polygons(tmp_path, line_world):
    polys = gpd.GeoDataFrame(
        {"navn": ["Nord", "Tom"]},
        geometry=[
            shapely.box(269_950, 6_999_950, 270_150, 7_000_050),
            shapely.box(280_000, 7_000_000, 280_100, 7_000_100),
        ],
        crs=25833,
    ).to_crs(4326)
    p = tmp_path / "omrader.geojson"
    polys.to_file(p)
    read = read_area_polygons(p)
    assert read["area_id"].tolist() == ["Nord", "Tom"] and read.crs.to_epsg() == 25833
    report = RunReport()
    areas, area_of = areas_from_polygons(line_world, read, AreasConfig(), report)
    assert areas["area_id"].tolist() == ["Nord"]
    assert areas["adresser"].iloc[0] == 2 and areas["enheter"].iloc[0] == 3
    assert area_of.tolist() == ["Nord", "Nord", "", ""]
    assert [w.examples for w in report.warnings if w.code == "areas_without_eligible_address"] == [
        ["Tom"]
    ]
    with pytest.raises(PlanningError, match="ingen av de tegnede områdene"):
        areas_from_polygons(line_world, read[read["area_id"] == "Tom"], AreasConfig())
    with pytest.raises(InputError, match=r"areas_from_polygons\(polygons\).*EPSG:4326"):
        areas_from_polygons(line_world, polys.assign(area_id=["a", "b"]), AreasConfig())


def test_user_polygons_without_ids_are_numbered(tmp_path):
    p = tmp_path / "omrader.gpkg"
    gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)], crs=25833
    ).to_file(p)
    assert read_area_polygons(p)["area_id"].tolist() == ["B-001", "B-002"]


def test_bad_user_polygons_name_row_and_field(tmp_path):
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=shapely.points([10.0], [63.0]), crs=4326).to_file(pts)
    with pytest.raises(InputError, match="ikke et polygon: Point") as exc:
        read_area_polygons(pts)
    assert (exc.value.line, exc.value.field) == (1, "geometry")
    twice = tmp_path / "twice.geojson"
    gpd.GeoDataFrame(
        {"omrade": ["A", "B", "A"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)],
        crs=25833,
    ).to_file(twice)
    with pytest.raises(InputError, match="område-id 'A' finnes to ganger") as exc:
        read_area_polygons(twice)
    assert (exc.value.line, exc.value.field) == (3, "omrade")


def test_cabins_on_an_island_far_from_every_road(make_world):
    """Three cabins on an island 3 km off the only road, 80-150 m apart: no way along roads
    exists, so they stay one area (straight-line grouping) and get a straight-line route; two
    homes by the road, 1 km apart along it, stay two areas."""
    from dekning.config import CostConfig
    from dekning.coverage.planning.costs import estimate_costs

    x0, y0 = 270_000.0, 7_000_000.0
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(x0, y0), (x0 + 2_000, y0)])], crs=25833)
    w = make_world(
        [x0 + 500, x0 + 580, x0 + 650, x0, x0 + 1_000],
        [y0 + 3_000, y0 + 3_000, y0 + 3_100, y0 + 20, y0 + 20],
    )
    rg = build_road_graph(roads)
    areas, area_of = build_areas(w, AreasConfig(max_gap_m=600, max_road_gap_m=1_500), rg)
    assert area_of.iloc[0] == area_of.iloc[1] == area_of.iloc[2]
    assert len({area_of.iloc[0], area_of.iloc[3], area_of.iloc[4]}) == 3
    island = areas.set_index("area_id").loc[area_of.iloc[0]]
    assert island["adresser"] == 3
    costs, routes = estimate_costs(areas, w, area_of, CostConfig(), roads=rg)
    assert len(costs) == 3 and (costs["kost_total"] > 0).all()
    assert routes.geometry.notna().all()
