"""Costs: ducts and ground classes change the trench cost as hand-computed, the default run's
cost columns, CRS and column checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from dekning.config import AreasConfig, CostConfig
from dekning.coverage.planning.areas import build_areas
from dekning.coverage.planning.costs import estimate_costs
from dekning.coverage.planning.routing import build_road_graph
from dekning.errors import InputError
from dekning.money import round_half_up, round_kroner


def _two_houses_on_an_l_road(make_world):
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1_000, 0), (1_000, 1_000)])], crs=25833
    )
    world = make_world([0.0, 1_020.0], [20.0, 1_000.0])
    areas, area_of = build_areas(world, AreasConfig(max_gap_m=5_000))
    return world, roads, areas, area_of


PLAIN = CostConfig(
    cost_per_metre_nok=500, cost_per_metre_duct_nok=100, per_connection_nok=0, fixed_equipment_nok=0
)


def test_routes_along_roads_and_ducts_lower_cost(make_world):
    world, roads, areas, area_of = _two_houses_on_an_l_road(make_world)
    plain, routes = estimate_costs(areas, world, area_of, PLAIN, roads=roads)
    assert plain["metode"].iloc[0] == "veg" and plain["omveg"].iloc[0] == 1.0
    assert plain["trase_m"].iloc[0] == 2_040.0 and plain["route_m"].iloc[0] == 2_040.0
    # 2 000 m of road and two 20 m drops (the houses are too far apart to share one).
    assert plain[["stikk_m", "stikk_prosjekt_m", "stikk_eier_m"]].iloc[0].tolist() == [40, 40, 0]
    assert plain["kost_grofting"].iloc[0] == 1_000_000  # 2 000 m × 500 kr
    assert plain["kost_stikk"].iloc[0] == 20_000 and plain["kost_total"].iloc[0] == 1_020_000
    assert routes.crs.to_epsg() == 25833 and routes.length.iloc[0] == pytest.approx(2_040.0)
    ducts = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 2), (1_000, 2)])], crs=25833)
    # The road graph may be given instead of the roads: the same figures.
    ducted, _ = estimate_costs(
        areas, world, area_of, PLAIN, roads=build_road_graph(roads), ducts=ducts
    )
    # About 1 000 m of road (drops are not measured) now cost 100 kr/m instead of 500.
    in_duct = ducted["i_trekkror_m"].iloc[0]
    assert in_duct == pytest.approx(1_015, abs=20)
    assert ducted["kost_grofting"].iloc[0] == int(round_half_up(1_000_000 - 400 * in_duct))


def test_ground_classes_raise_the_cost(line_world):
    areas, area_of = build_areas(line_world, AreasConfig(max_gap_m=150))
    cfg = CostConfig(
        cost_per_metre_nok=500,
        detour_factor=1.2,
        per_connection_nok=0,
        fixed_equipment_nok=0,
        ground_cost_per_metre_nok={"fjell": 1_000, "myr": 600},
    )
    # Rock under the first 100 m (between addresses 1 and 2); no bog on the route.
    ground = gpd.GeoDataFrame(
        {"klasse": ["fjell", "myr"]},
        geometry=[
            shapely.box(269_990, 6_999_990, 270_100, 7_000_010),
            shapely.box(0, 0, 10, 10),
        ],
        crs=25833,
    )
    costs, _ = estimate_costs(areas, line_world, area_of, cfg, ground=ground)
    row = costs.iloc[0]
    assert row["grunn_fjell_m"] == 120.0 and row["grunn_myr_m"] == 0.0  # 100 m × detour 1.2
    assert row["kost_grofting"] == 840 * 500 + 120 * 500  # 120 m at 1 000 instead of 500


def test_connection_and_equipment_costs_round_half_up(line_world):
    areas, area_of = build_areas(line_world, AreasConfig(max_gap_m=150))
    cfg = CostConfig(
        cost_per_metre_nok=0, per_connection_nok=1_000.5, take_up=0.5, fixed_equipment_nok=10.5
    )
    costs, _ = estimate_costs(areas, line_world, area_of, cfg)
    # 5 units × 0.5 × 1 000.5 = 2 501.25 -> 2 501; 10.5 -> 11 (half up, not to even).
    assert costs[["kost_tilknytning", "kost_utstyr", "kost_total"]].iloc[0].tolist() == [
        2_501,
        11,
        2_512,
    ]
    assert costs["tilknytninger"].iloc[0] == 2.5


def test_default_run_cost_columns(default_result, default_config):
    areas = default_result.areas
    c = default_config.costs
    assert (areas["metode"] == "veg").all() and (areas["omveg"] == 1.0).all()
    # Every metre figure has at most one decimal, and the parts never exceed the route.
    drops = ["stikk_m", "stikk_prosjekt_m", "stikk_eier_m"]
    metres = areas[["trase_m", *drops, "link_m", "route_m", "i_trekkror_m", "grunn_fjell_m"]]
    assert np.allclose(metres * 10, np.round(metres * 10))
    # Ducts and ground classes are measured on the road and link part of the route.
    road = areas["route_m"] - areas["stikk_m"]
    assert (areas["i_trekkror_m"] + areas["grunn_fjell_m"] + areas["grunn_myr_m"] <= road).all()
    assert (areas["route_m"] == np.round(areas["trase_m"] + areas["link_m"], 1)).all()
    assert (areas["stikk_prosjekt_m"] + areas["stikk_eier_m"] == areas["stikk_m"]).all()
    rate = c.cost_per_metre_nok if c.drop_cost_per_metre_nok is None else c.drop_cost_per_metre_nok
    assert (areas["kost_stikk"] == round_kroner(areas["stikk_prosjekt_m"] * rate)).all()
    parts = ["kost_grofting", "kost_stikk", "kost_tilknytning", "kost_utstyr"]
    assert (areas["kost_total"] == areas[parts].sum(axis=1)).all()
    assert (areas["kost_utstyr"] == c.fixed_equipment_nok).all()


def test_frames_in_another_crs_or_without_columns_are_refused(line_world):
    areas, area_of = build_areas(line_world, AreasConfig(max_gap_m=150))
    with pytest.raises(InputError, match=r"estimate_costs\(areas\).*EPSG:4326"):
        estimate_costs(areas.to_crs(4326), line_world, area_of, CostConfig())
    with pytest.raises(InputError, match=r"estimate_costs\(classified\)"):
        estimate_costs(areas, line_world.to_crs(4326), area_of, CostConfig())
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(10, 60), (10.1, 60)])], crs=4326)
    with pytest.raises(InputError, match=r"estimate_costs\(roads\)"):
        estimate_costs(areas, line_world, area_of, CostConfig(), roads=roads)
    ground = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=25833)
    with pytest.raises(InputError, match=r"estimate_costs\(ground\): mangler kolonne") as exc:
        estimate_costs(areas, line_world, area_of, CostConfig(), ground=ground)
    assert exc.value.field == "klasse"
    with pytest.raises(InputError, match=r"estimate_costs\(ground\).*EPSG:4326"):
        estimate_costs(
            areas, line_world, area_of, CostConfig(), ground=ground.to_crs(4326).assign(klasse="a")
        )
