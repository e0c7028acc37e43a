"""Build-out areas, cost, funding and selection: hand-computed cases, properties, the
application package."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import pdist, squareform

from dekning.config import AreasConfig, CostConfig, FundingConfig
from dekning.coverage.planning.areas import build_areas, cluster_labels
from dekning.coverage.planning.costs import estimate_costs, mst_length
from dekning.coverage.planning.funding import fund, local_public_minimum
from dekning.coverage.planning.prioritise import select_areas
from dekning.errors import PlanningError
from dekning.rules import CofundingRule, cofunding_rule

RULE_30 = CofundingRule(2023, "national", "pct_of_state_grant", 0.30, "test")


def test_mst_three_addresses_in_a_line():
    assert mst_length(np.array([[0.0, 0.0], [100.0, 0.0], [250.0, 0.0]])) == pytest.approx(250.0)
    assert mst_length(
        np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]])
    ) == pytest.approx(300.0)
    assert mst_length(np.array([[5.0, 5.0]])) == 0.0
    # Collinear and duplicate points (degenerate for Delaunay) still work.
    assert mst_length(
        np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [30.0, 0.0]])
    ) == pytest.approx(30.0)


def test_mst_matches_the_all_pairs_mst():
    xy = np.random.default_rng(1).uniform(0, 5_000, (300, 2))
    full = float(minimum_spanning_tree(squareform(pdist(xy))).sum())
    assert mst_length(xy) == pytest.approx(full)


def test_clusters_link_within_the_gap():
    x = np.array([0.0, 500.0, 1_000.0, 3_000.0, 3_400.0, 9_000.0])
    labels = cluster_labels(x, np.zeros(6), 600.0)
    assert labels[0] == labels[1] == labels[2] and labels[3] == labels[4]
    assert len(set(labels)) == 3


def _line_world():
    """Three eligible addresses 100 m apart plus a fibre address 500 m away."""
    return gpd.GeoDataFrame(
        {
            "adrid": [1, 2, 3, 4],
            "eligible": [True, True, True, False],
            "has_fibre": [False, False, False, True],
            "hus": [1, 2, 1, 1],
            "naering": [0, 0, 1, 0],
            "offentlig": [0, 0, 0, 0],
            "fritid": [0, 0, 0, 0],
            "eligible_units": [1, 2, 2, 0],
            "speed_class": ["lt30", "lt30", "none", "ge1000"],
        },
        geometry=shapely.points(
            270_000 + np.array([0.0, 100.0, 200.0, 700.0]), np.full(4, 7_000_000.0)
        ),
        crs=25833,
    )


def test_hand_computed_area_cost_and_funding():
    world = _line_world()
    areas, area_of = build_areas(world, AreasConfig(max_gap_m=150))
    assert areas["area_id"].tolist() == ["O-001"] and areas["enheter"].iloc[0] == 5
    cfg = CostConfig(
        cost_per_metre_nok=500,
        detour_factor=1.2,
        per_connection_nok=20_000,
        take_up=0.8,
        fixed_equipment_nok=100_000,
    )
    costs, routes = estimate_costs(areas, world, area_of, cfg)
    row = costs.iloc[0]
    assert row["metode"] == "luftlinje" and row["omveg"] == 1.2
    assert row["trase_m"] == 200.0 and row["link_m"] == 500.0
    assert routes.geometry.iloc[0].length == pytest.approx(700.0)
    assert row["route_m"] == 840.0  # (200 + 500) × 1.2
    assert row["kost_grofting"] == 420_000  # 840 m × 500 kr
    assert row["kost_tilknytning"] == 80_000  # 5 units × 0.8 × 20 000
    assert row["kost_total"] == 600_000
    fu = fund(costs, FundingConfig(operator_share_of_cost=0.15), RULE_30, areas["enheter"]).iloc[0]
    assert fu["tilbyder"] == 90_000 and fu["stottebehov"] == 510_000
    # 30 % of the state grant: local >= 510 000 × 0.3 / 1.3 = 117 692.3 -> 117 693
    assert fu["lokal_minimum"] == 117_693 and fu["statlig"] == 392_307 and fu["kommunal"] == 117_693
    assert fu["kommunal"] >= 0.30 * fu["statlig"]
    assert fu["kost_per_enhet"] == 120_000


def test_pct_of_total_rule_counts_private_money():
    rule = CofundingRule(2020, "national", "pct_of_total", 0.25, "test")
    assert local_public_minimum(1_000_000, 100_000, 900_000, rule) == 150_000
    assert local_public_minimum(1_000_000, 300_000, 700_000, rule) == 0
    assert local_public_minimum(1_000_000, 0, 0, rule) == 0


def test_rule_table_by_county_and_year():
    assert cofunding_rule(2020).rule == "pct_of_total" and cofunding_rule(2020).pct == 0.25
    assert cofunding_rule(2024).rule == "none"
    tr = cofunding_rule(2024, "Trøndelag")
    assert tr.rule == "pct_of_state_grant" and tr.region == "trondelag"
    assert round(tr.pct / (1 + tr.pct), 4) == 0.2308  # Trøndelag's 23.08 %


@settings(max_examples=200, deadline=None)
@given(
    cost=st.integers(0, 50_000_000),
    units=st.integers(1, 500),
    share=st.floats(0, 1),
    private=st.floats(0, 20_000),
    county=st.floats(0, 0.5),
    max_state=st.floats(0, 1),
    rule=st.sampled_from(["pct_of_state_grant", "pct_of_total", "none"]),
    pct=st.floats(0, 0.5),
    model=st.sampled_from(["share_of_cost", "present_value"]),
)
def test_funding_always_reconciles(
    cost, units, share, private, county, max_state, rule, pct, model
):
    costs = pd.DataFrame({"area_id": ["A"], "kost_total": [cost], "tilknytninger": [units * 0.7]})
    cfg = FundingConfig(
        operator_model=model,
        operator_share_of_cost=share,
        private_per_connection_nok=private,
        county_share_of_public=county,
        max_state_share_of_gap=max_state,
    )
    r = CofundingRule(2023, "x", rule, pct, "test")
    f = fund(costs, cfg, r, pd.Series([units])).iloc[0]
    parts = ["tilbyder", "private", "statlig", "fylke", "kommunal"]
    assert sum(int(f[p]) for p in parts) == cost
    assert all(f[p] >= 0 for p in parts)
    local_public = f["fylke"] + f["kommunal"]
    assert local_public >= f["lokal_minimum"]
    if rule == "pct_of_state_grant":
        assert local_public >= math.floor(pct * f["statlig"])
    assert f["statlig"] <= math.floor(max_state * f["stottebehov"])


def test_exact_selection_beats_greedy():
    # Greedy by size takes the 6-unit area and then nothing fits; the optimum takes the two 5s.
    funding = pd.DataFrame(
        {"area_id": ["A", "B", "C"], "kommunal": [600, 500, 500], "statlig": [0, 0, 0]}
    )
    sel = select_areas(funding, pd.Series([6, 5, 5]), municipal_budget=1_000)
    assert sel["valgt"].tolist() == [False, True, True]
    # Two years of 600: A in one year, B (or C) in the other.
    two = select_areas(funding, pd.Series([6, 5, 5]), municipal_budget=600, years=2)
    assert (
        two["valgt"].sum() == 2
        and two.loc[0, "valgt"]
        and sorted(two.loc[two["valgt"], "aar"]) == [1, 2]
    )
    none = select_areas(funding, pd.Series([6, 5, 5]), municipal_budget=100)
    assert not none["valgt"].any() and (none["rang"] == 0).all()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 50), st.integers(1, 1_000)), min_size=1, max_size=9),
    st.integers(0, 3_000),
)
def test_selection_is_optimal_by_brute_force(items, budget):
    funding = pd.DataFrame(
        {
            "area_id": [str(i) for i in range(len(items))],
            "kommunal": [c for _, c in items],
            "statlig": 0,
        }
    )
    units = pd.Series([u for u, _ in items])
    sel = select_areas(funding, units, municipal_budget=budget)
    assert funding.loc[sel["valgt"], "kommunal"].sum() <= budget
    best = 0
    for mask in range(1 << len(items)):
        chosen = [i for i in range(len(items)) if mask >> i & 1]
        if sum(items[i][1] for i in chosen) <= budget:
            best = max(best, sum(items[i][0] for i in chosen))
    assert units[sel["valgt"].to_numpy()].sum() == best


def test_no_eligible_address_is_a_clear_error():
    world = _line_world().assign(eligible=False)
    with pytest.raises(PlanningError, match="no eligible address"):
        build_areas(world, AreasConfig())


def test_default_run_totals_reconcile(default_result):
    areas, cls = default_result.areas, default_result.classified
    assert areas["enheter"].sum() == cls["eligible_units"].sum()
    assert areas["adresser"].sum() == cls["eligible"].sum()
    parts = areas[["tilbyder", "private", "statlig", "fylke", "kommunal"]].sum(axis=1)
    assert (parts == areas["kost_total"]).all()
    assert default_result.summary["kommunal_egenandel_alle"] == areas["kommunal"].sum()
    chosen = areas[areas["valgt"]]
    assert chosen["kommunal"].sum() <= 5_000_000


def test_budget_below_every_area_is_reported(default_config):
    from dekning.pipeline import analyse

    cfg = default_config.model_copy(
        update={
            "prioritise": default_config.prioritise.model_copy(
                update={"municipal_budget_nok": 1_000}
            )
        }
    )
    result = analyse(cfg)
    assert "budget_below_every_area" in result.report.codes()
    assert not result.areas["valgt"].any()


@pytest.mark.slow
def test_application_package_workbook_reproduces_the_figures(
    tmp_path, default_result, default_config
):
    import formulas
    import pyogrio

    from dekning.coverage.application.package import write_application

    areas = default_result.areas
    for area_id in areas["area_id"].iloc[[0, 5]]:
        out = write_application(
            default_result.classified, areas, area_id, default_config, tmp_path / area_id
        )
        area = areas.set_index("area_id").loc[area_id]
        adr = pd.read_csv(out / "adresser.csv", sep=";", dtype={"postnummer": str})
        assert len(adr) == area["adresser"] and adr["husstander"].sum() == area["hus"]
        assert set(pyogrio.list_layers(out / "omrade.gpkg")[:, 0]) == {"omrade", "adresser"}
        html = (out / "sammendrag.html").read_text(encoding="utf-8")
        assert f"{int(area['kommunal']):,}".replace(",", " ") + " kr" in html and "<svg" in html
        model = formulas.ExcelModel().loads(str(out / "kostnad_og_finansiering.xlsx")).finish()
        solution = model.calculate()
        values = {}
        import openpyxl

        ws = openpyxl.load_workbook(out / "kostnad_og_finansiering.xlsx").active
        for row in ws.iter_rows(min_row=3):
            label, cell = row[0].value, row[1]
            key = next((k for k in solution if k.endswith(f"!{cell.coordinate}")), None)
            if label and key is not None:
                values[label] = solution[key].value[0, 0]
        assert values["Total prosjektkostnad"] == area["kost_total"]
        assert values["Tilbyders bidrag"] == area["tilbyder"]
        assert values["Støttebehov"] == area["stottebehov"]
        assert values["Statlig tilskudd"] == area["statlig"]
        assert values["Kommunal egenandel"] == area["kommunal"]
        assert values["Kontroll: kostnad − alle bidrag"] == 0


def test_real_nvdb_ducts_are_read_and_measured(shared_data):
    from dekning.coverage.planning.routing import length_in_ducts
    from dekning.io import read_lines

    folder = shared_data / "nvdb-trekkeror-hamar"
    gml = read_lines(folder / "trekkeror_kanal_0403_original.gml", "ducts")
    geojson = read_lines(folder / "trekkeror_kanal_hamar_0403_25833.geojson", "ducts")
    assert len(gml) == len(geojson) == 115
    assert gml.length.sum() == pytest.approx(7_422, abs=1)  # as documented in PROVENANCE
    # A route that follows one duct for its whole length is all in duct; one 200 m away is not.
    duct = geojson.geometry.iloc[0]
    along = shapely.offset_curve(duct, 3.0)
    away = shapely.affinity.translate(duct, 200.0, 200.0)
    got = length_in_ducts(np.array([along, away], dtype=object), geojson, 15.0)
    assert got[0] == pytest.approx(along.length, rel=0.02) and got[1] == pytest.approx(0.0, abs=1.0)


def test_routes_follow_roads_and_ducts_lower_cost():
    from dekning.coverage.planning.routing import build_road_graph, road_route

    # An L-shaped road; two houses 20 m off the road at its two ends.
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1_000, 0), (1_000, 1_000)])], crs=25833
    )
    rg = build_road_graph(roads)
    xy = np.array([[0.0, 20.0], [1_020.0, 1_000.0]])
    geom, road, drop, link = road_route(rg, xy, None)
    assert road == pytest.approx(2_000.0) and drop == pytest.approx(40.0) and link == 0.0
    assert geom.length == pytest.approx(2_040.0)
    world = gpd.GeoDataFrame(
        {
            "adrid": [1, 2],
            "eligible": True,
            "has_fibre": False,
            "hus": 1,
            "naering": 0,
            "offentlig": 0,
            "fritid": 0,
            "eligible_units": 1,
            "speed_class": "lt30",
        },
        geometry=shapely.points(xy),
        crs=25833,
    )
    areas, area_of = build_areas(world, AreasConfig(max_gap_m=5_000))
    cfg = CostConfig(
        cost_per_metre_nok=500,
        cost_per_metre_duct_nok=100,
        per_connection_nok=0,
        fixed_equipment_nok=0,
    )
    plain, _ = estimate_costs(areas, world, area_of, cfg, roads=roads)
    ducts = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 2), (1_000, 2)])], crs=25833)
    ducted, _ = estimate_costs(areas, world, area_of, cfg, roads=roads, ducts=ducts)
    assert plain["metode"].iloc[0] == "veg" and plain["route_m"].iloc[0] == pytest.approx(2_040.0)
    assert plain["kost_grofting"].iloc[0] == 1_020_000
    # About 1 000 m (plus a few metres of drop near the duct) now cost 100 kr/m instead of 500.
    assert ducted["i_trekkror_m"].iloc[0] == pytest.approx(1_015, abs=20)
    assert ducted["kost_grofting"].iloc[0] == pytest.approx(
        1_020_000 - 400 * ducted["i_trekkror_m"].iloc[0], abs=1
    )


def test_priority_score_hand_computed():
    from dekning.config import ScoreWeights
    from dekning.coverage.planning.prioritise import priority_score

    areas = pd.DataFrame(
        {
            "enheter": [10, 10],
            "kommunal": [100_000, 200_000],
            "naering": [2, 0],
            "offentlig": [0, 1],
            "andel_interessert": [0.5, np.nan],
            "hus_uten_mobil": [0, 4],
        }
    )
    w = ScoreWeights(enheter_per_krone=2, ettersporsel=1, naering=1, offentlig=0, mobilhull=0)
    # Area 0: per-krone 1.0, demand 1.0, businesses 1.0 -> (2 + 1 + 1) / 4 = 100.
    # Area 1: per-krone 0.5, demand 0 (no answers), businesses 0 -> 2 × 0.5 / 4 = 25.
    assert priority_score(areas, w).tolist() == [100.0, 25.0]
    zero = ScoreWeights(enheter_per_krone=0, ettersporsel=0, naering=0, offentlig=0, mobilhull=0)
    assert priority_score(areas, zero).tolist() == [0.0, 0.0]


def test_scenarios_side_by_side():
    from dekning.coverage.planning.prioritise import compare_scenarios

    funding = pd.DataFrame(
        {
            "area_id": ["A", "B", "C"],
            "kommunal": [600, 500, 500],
            "statlig": [10, 20, 30],
            "kost_total": [1_000, 1_000, 1_000],
        }
    )
    table = compare_scenarios(funding, pd.Series([6, 5, 5]), [600, 1_000, None])
    assert table["omrader"].tolist() == ["A", "B, C", "A, B, C"]
    assert table["enheter"].tolist() == [6, 10, 16] and table["statlig"].tolist() == [10, 50, 60]
    assert table["kommunal_per_enhet"].tolist() == [100, 100, 100]


def test_user_area_polygons(tmp_path):
    from dekning.coverage.planning.areas import areas_from_polygons, read_area_polygons
    from dekning.errors import InputError
    from dekning.report import RunReport

    world = _line_world()
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
    areas, area_of = areas_from_polygons(world, read, AreasConfig(), report)
    assert (
        areas["area_id"].tolist() == ["Nord"]
        and areas["adresser"].iloc[0] == 2
        and areas["enheter"].iloc[0] == 3
    )
    assert area_of.tolist() == ["Nord", "Nord", "", ""]
    assert [w.examples for w in report.warnings if w.code == "areas_without_eligible_address"] == [
        ["Tom"]
    ]
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=shapely.points([10.0], [63.0]), crs=4326).to_file(pts)
    with pytest.raises(InputError, match="not a polygon") as exc:
        read_area_polygons(pts)
    assert exc.value.row == 1


def test_ground_classes_raise_cost_and_the_workbook_agrees(tmp_path):
    import formulas
    import openpyxl

    from dekning.config import Config, InputConfig
    from dekning.coverage.application.package import funding_workbook

    world = _line_world()
    areas, area_of = build_areas(world, AreasConfig(max_gap_m=150))
    cfg = CostConfig(
        cost_per_metre_nok=500,
        detour_factor=1.2,
        per_connection_nok=0,
        fixed_equipment_nok=0,
        ground_cost_per_metre_nok={"fjell": 1_000},
    )
    # Rock under the first 100 m (between addresses 1 and 2).
    ground = gpd.GeoDataFrame(
        {"klasse": ["fjell"]},
        geometry=[shapely.box(269_990, 6_999_990, 270_100, 7_000_010)],
        crs=25833,
    )
    costs, _ = estimate_costs(areas, world, area_of, cfg, ground=ground)
    row = costs.iloc[0]
    assert row["grunn_fjell_m"] == 120.0  # 100 m × detour 1.2
    assert row["kost_grofting"] == 840 * 500 + 120 * 500  # 120 m at 1 000 instead of 500
    fu = fund(costs, FundingConfig(), RULE_30, areas["enheter"]).iloc[0]
    area = pd.concat(
        [areas.iloc[0].drop("geometry"), costs.iloc[0], fu.drop(["area_id", "kost_total"])]
    )
    config = Config(input=InputConfig(addresses=tmp_path / "a.csv"), costs=cfg)
    funding_workbook(area, config, tmp_path / "f.xlsx")
    solution = formulas.ExcelModel().loads(str(tmp_path / "f.xlsx")).finish().calculate()
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    cell = next(
        r[1].coordinate for r in ws.iter_rows(min_row=3) if r[0].value == "Graving og kabel"
    )
    value = next(v.value[0, 0] for k, v in solution.items() if k.endswith(f"!{cell}"))
    assert value == row["kost_grofting"]


def test_a_river_without_a_bridge_splits_an_area():
    from dekning.coverage.planning.routing import build_road_graph

    # Two hamlets 300 m apart across a river; their roads meet only at a bridge 3 km upstream.
    west = [(0, 0), (0, 3_000), (150, 3_000)]
    east = [(300, 0), (300, 3_000), (150, 3_000)]
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString(west), shapely.LineString(east)], crs=25833
    )
    pts = shapely.points([10.0, 10.0, 290.0, 290.0], [0.0, 100.0, 0.0, 100.0])
    world = gpd.GeoDataFrame(
        {
            "adrid": [1, 2, 3, 4],
            "eligible": True,
            "has_fibre": False,
            "hus": 1,
            "naering": 0,
            "offentlig": 0,
            "fritid": 0,
            "eligible_units": 1,
            "speed_class": "lt30",
        },
        geometry=pts,
        crs=25833,
    )
    straight, _ = build_areas(world, AreasConfig(max_gap_m=400))
    assert len(straight) == 1  # in a straight line they are neighbours
    by_road, area_of = build_areas(
        world, AreasConfig(max_gap_m=400, max_road_gap_m=1_500), build_road_graph(roads)
    )
    assert (
        len(by_road) == 2
        and area_of.iloc[0] == area_of.iloc[1] != area_of.iloc[2] == area_of.iloc[3]
    )
    # With a generous road gap (the 6 km detour fits) they join again.
    joined, _ = build_areas(
        world, AreasConfig(max_gap_m=400, max_road_gap_m=7_000), build_road_graph(roads)
    )
    assert len(joined) == 1
