"""Drops (stikkledninger): a shared-drop tree derived by hand, the cap and the payer, the
own-drop model against the one before issue 12, and the default data's totals (reported)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from dekning.config import AreasConfig, CostConfig
from dekning.coverage.planning.areas import build_areas
from dekning.coverage.planning.costs import estimate_costs
from dekning.coverage.planning.drops import access_route
from dekning.coverage.planning.routing import build_road_graph, fibre_reach
from dekning.io import read_lines
from dekning.money import round_kroner

ROAD = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (400, 0)])], crs=25833)
PRICES = CostConfig(
    cost_per_metre_nok=500,
    drop_cost_per_metre_nok=300,
    per_connection_nok=0,
    fixed_equipment_nok=0,
)


def _hamlet(make_world):
    """Three houses by a 400 m road and a fibre address at its east end (see the test)."""
    world = make_world(
        [100.0, 100.0, 300.0, 400.0],
        [60.0, 100.0, 30.0, 0.0],
        eligible=[True, True, True, False],
        has_fibre=[False, False, False, True],
    )
    areas, area_of = build_areas(world, AreasConfig(max_gap_m=500))
    return world, areas, area_of


def test_shared_drop_tree_derived_by_hand(make_world):
    """A road along y = 0 from x = 0 to 400, vertices every 50 m. House A at (100, 60), B at
    (100, 100) behind it, C at (300, 30); fibre at (400, 0).

    Own drops: A 60 m and B 100 m to the vertex (100, 0), C 30 m to (300, 0); road between the
    two vertices 200 m: 390 m. Link: from (300, 0), the area's vertex nearest the fibre, 100 m.

    Shared: the minimum spanning tree over A, B, C and the road takes C-road 30, A-B 40 and
    A-road 60 (B's own 100 m drop and the lines A-C and B-C, about 202 m, are longer): B hangs on
    A. Drops 30 + 40 + 60 = 130 m, road 200 m (both vertices are still reached by a drop), 330 m
    in all. A's drop is the 60 m from the road, B's the 40 m from A, C's 30 m; A and B share.
    """
    world, areas, area_of = _hamlet(make_world)
    rg = build_road_graph(ROAD)
    xy = np.array([[100.0, 60.0], [100.0, 100.0], [300.0, 30.0]])
    reach = fibre_reach(rg, np.array([[400.0, 0.0]]))
    own = access_route(rg, xy, reach, share_drops=False)
    assert (own.road_m, own.drop_m, own.link_m) == pytest.approx((200.0, 190.0, 100.0))
    shared = access_route(rg, xy, reach)
    assert (shared.road_m, shared.drop_m, shared.link_m) == pytest.approx((200.0, 130.0, 100.0))
    assert shared.drop_in.tolist() == pytest.approx([60.0, 40.0, 30.0]) and shared.shared == 2
    assert shared.geometry.length == pytest.approx(430.0)
    assert shared.road_geometry.length == pytest.approx(300.0)  # road and link, no drops

    costs, _ = estimate_costs(areas, world, area_of, PRICES, roads=ROAD)
    row = costs.iloc[0]
    assert row[["trase_m", "stikk_m", "link_m", "route_m"]].tolist() == [330, 130, 100, 430]
    assert row[["stikk_prosjekt_m", "stikk_eier_m", "stikk_delt"]].tolist() == [130, 0, 2]
    assert row["kost_grofting"] == 300 * 500  # road and link
    assert row["kost_stikk"] == 130 * 300 and row["kost_stikk_eier"] == 0
    assert row["kost_total"] == 150_000 + 39_000


def test_a_road_only_a_shared_drop_replaces_is_pruned():
    """A road along y = 0 from x = 0 to 400, and from (400, 0) north to (400, 200) and west to
    (250, 200); fibre at (400, 0). House A at (200, 50): 50 m to the vertex (200, 0). House B at
    (200, 130): its nearest vertex is (250, 200), sqrt(50² + 70²) = 86.0 m away ((200, 0) is
    130 m). The link starts at (200, 0), 200 m from the fibre ((250, 200) is 350 m).

    Own drops: road (200, 0) -> (400, 0) -> (400, 200) -> (250, 200), 200 + 200 + 150 = 550 m,
    drops 50 + 86.0: 686.0 m. Shared: B is 80 m from A, less than its 86.0 m drop, so B hangs on
    A and no drop reaches (250, 200) any more: its 550 m of road are pruned. 50 + 80 = 130 m.
    """
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (400, 0), (400, 200), (250, 200)])], crs=25833
    )
    rg = build_road_graph(roads)
    xy = np.array([[200.0, 50.0], [200.0, 130.0]])
    reach = fibre_reach(rg, np.array([[400.0, 0.0]]))
    own = access_route(rg, xy, reach, share_drops=False)
    assert (own.road_m, own.drop_m, own.link_m) == pytest.approx((550.0, 50 + 7_400**0.5, 200.0))
    shared = access_route(rg, xy, reach)
    assert (shared.road_m, shared.drop_m, shared.link_m) == pytest.approx((0.0, 130.0, 200.0))
    assert shared.parent.tolist() == [-1, 0] and shared.drop_in.tolist() == pytest.approx([50, 80])
    assert shared.geometry.length == pytest.approx(330.0)


def test_drop_cap_and_payer(make_world):
    """The hamlet above with a 50 m cap: A's 60 m drop is 10 m over, B's 40 m and C's 30 m are
    under; the owners pay 10 m, the project 120 m. When the owners pay the drops, they pay all
    130 m and the project none; the road's cost is the same either way."""
    world, areas, area_of = _hamlet(make_world)
    capped, _ = estimate_costs(
        areas, world, area_of, PRICES.model_copy(update={"drop_max_m": 50.0}), roads=ROAD
    )
    row = capped.iloc[0]
    assert row[["stikk_m", "stikk_prosjekt_m", "stikk_eier_m"]].tolist() == [130, 120, 10]
    assert row[["kost_stikk", "kost_stikk_eier"]].tolist() == [36_000, 3_000]
    assert row["kost_total"] == 150_000 + 36_000
    owner, _ = estimate_costs(
        areas, world, area_of, PRICES.model_copy(update={"drop_payer": "owner"}), roads=ROAD
    )
    row = owner.iloc[0]
    assert row[["stikk_prosjekt_m", "stikk_eier_m"]].tolist() == [0, 130]
    assert row[["kost_grofting", "kost_stikk", "kost_stikk_eier"]].tolist() == [150_000, 0, 39_000]
    # Without their own rate, drops cost the road's.
    plain, _ = estimate_costs(
        areas,
        world,
        area_of,
        PRICES.model_copy(update={"drop_cost_per_metre_nok": None}),
        roads=ROAD,
    )
    assert plain["kost_stikk"].iloc[0] == 130 * 500


def test_straight_lines_have_no_drops(line_world):
    areas, area_of = build_areas(line_world, AreasConfig(max_gap_m=150))
    costs, _ = estimate_costs(areas, line_world, area_of, PRICES)
    row = costs.iloc[0]
    assert row["metode"] == "luftlinje"
    assert row[["stikk_m", "stikk_prosjekt_m", "stikk_eier_m", "stikk_delt"]].tolist() == [0] * 4
    assert row[["kost_stikk", "kost_stikk_eier"]].tolist() == [0, 0]
    assert row["kost_grofting"] == 910 * 500  # (200 + 500) m × detour 1.3, as before drops


@pytest.fixture(scope="module")
def default_inputs(default_result, default_config):
    """The default run's addresses, areas and road graph."""
    classified = default_result.classified
    areas = default_result.areas[["area_id", "enheter", "geometry"]]
    roads = build_road_graph(read_lines(default_config.input.roads, "vegene"))
    return areas, classified, classified["area_id"].fillna(""), roads


def _costs(default_inputs, cfg):
    areas, classified, area_of, roads = default_inputs
    return estimate_costs(areas, classified, area_of, cfg, roads=roads)[0]


def test_own_drops_cost_as_before_issue_12(default_inputs):
    """With own drops, the drop as a line of its own changes no krone: without ducts and ground
    classes, trench + drops = the route at the road price, as the model before issue 12 costed
    it (450 kr/m is 45 kr per 0.1 m, so no rounding can differ)."""
    cfg = CostConfig(share_drops=False)
    own = _costs(default_inputs, cfg)
    assert (own["kost_grofting"] + own["kost_stikk"] == round_kroner(own["route_m"] * 450)).all()
    assert (own["stikk_prosjekt_m"] == own["stikk_m"]).all() and (own["stikk_delt"] == 0).all()


def test_default_data_shared_drops(default_inputs, default_result, record_property):
    """Shared drops are never longer than own drops, area by area; the totals are reported
    (``pytest -s`` prints them), not asserted: at the same prices without ducts and ground
    classes, and the run's own (its configuration, ducts and ground)."""
    own = _costs(default_inputs, CostConfig(share_drops=False))
    shared = _costs(default_inputs, CostConfig())
    assert (shared["trase_m"] <= own["trase_m"]).all()
    assert (shared["link_m"] == own["link_m"]).all()
    assert (shared["stikk_m"] <= shared["trase_m"]).all()
    assert (shared["stikk_prosjekt_m"] + shared["stikk_eier_m"] == shared["stikk_m"]).all()
    run = default_result.areas
    for name, c in (("egne stikk", own), ("delte stikk", shared), ("kjøringen", run)):
        share = c["stikk_m"].sum() / c["route_m"].sum()
        line = (
            f"{name}: {c['kost_total'].sum():,} kr, trasé {c['route_m'].sum():,.1f} m, "
            f"stikk {c['stikk_m'].sum():,.1f} m ({share:.1%}), "
            f"{int(c['stikk_delt'].sum())} adresser på delt stikk"
        )
        if "kommunal" in c:
            line += f", kommunal egenandel {c['kommunal'].sum():,} kr"
        record_property(name, line)
        print(line)


def test_addresses_at_one_point_share_one_drop():
    """Two addresses at the same point (a house split in two address units): Delaunay leaves
    the twin out, yet it must hang on its twin at 0 m, not dig a second drop to the road."""
    from dekning.coverage.planning.drops import drop_forest

    xy = np.array([[0.0, 0.0], [0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    parent, drop_in = drop_forest(xy, np.array([50.0, 50.0, 60.0, 70.0, 80.0]))
    assert parent[0] == -1 and parent[1] == 0 and drop_in[1] == 0.0
    assert drop_in.sum() == pytest.approx(50 + 0 + 10 + 10 + 10)
