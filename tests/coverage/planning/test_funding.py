"""Funding plans: hand-computed cases, reconciliation, the vectorised arithmetic against the
scalar rules it replaced, co-funding rules from the table and the configuration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dekning.config import AreasConfig, CostConfig, FundingConfig
from dekning.coverage.planning.areas import build_areas
from dekning.coverage.planning.costs import estimate_costs
from dekning.coverage.planning.funding import (
    fund,
    local_public_minimum,
    operator_contribution,
    resolve_rule,
)
from dekning.errors import ReconciliationError, RuleError
from dekning.money import FUNDING_PARTS, annuity_factor, reconcile, round_half_up, snap
from dekning.rules import CofundingRule

RULE_30 = CofundingRule("national", "pct_of_state_grant", 0.30, "test")


def test_hand_computed_area_cost_and_funding(line_world):
    areas, area_of = build_areas(line_world, AreasConfig(max_gap_m=150))
    assert areas["area_id"].tolist() == ["O-001"] and areas["enheter"].iloc[0] == 5
    cfg = CostConfig(
        cost_per_metre_nok=500,
        detour_factor=1.2,
        per_connection_nok=20_000,
        take_up=0.8,
        fixed_equipment_nok=100_000,
    )
    costs, routes = estimate_costs(areas, line_world, area_of, cfg)
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
    assert fu["kost_per_enhet"] == 120_000  # 600 000 / 5
    assert fu["kommunal_per_tilknytning"] == 29_423  # 117 693 / 4 = 29 423.25


def test_present_value_model_hand_computed():
    # 10 connections × 500 kr × 12 × 0.5 margin × annuity(2 years, 0 %) = 60 000 kr.
    cfg = FundingConfig(
        operator_model="present_value",
        monthly_revenue_nok=500,
        margin=0.5,
        years=2,
        discount_rate=0.0,
    )
    costs = pd.DataFrame(
        {"area_id": ["A", "B"], "kost_total": [100_000, 40_000], "tilknytninger": [10.0, 10.0]}
    )
    fu = fund(costs, cfg, CofundingRule("x", "none", 0.0, "test"), pd.Series([10, 10]))
    assert fu["tilbyder"].tolist() == [60_000, 40_000]  # capped at the cost in B
    assert fu["stottebehov"].tolist() == [40_000, 0]
    assert fu["statlig"].tolist() == [40_000, 0] and fu["kommunal"].tolist() == [0, 0]
    assert fu["kommunal_per_tilknytning"].tolist() == [0, 0]


def test_pct_of_total_rule_counts_private_money():
    rule = CofundingRule("national", "pct_of_total", 0.25, "test")
    assert local_public_minimum(1_000_000, 100_000, 900_000, rule) == 150_000
    assert local_public_minimum(1_000_000, 300_000, 700_000, rule) == 0
    assert local_public_minimum(1_000_000, 0, 0, rule) == 0
    assert local_public_minimum(1_000_000, 0, 100_000, rule) == 100_000  # at most the gap
    none = CofundingRule("national", "none", 0.5, "test")
    assert local_public_minimum(1_000_000, 0, 900_000, none) == 0


def test_county_share_and_state_cap_hand_computed():
    cfg = FundingConfig(
        operator_share_of_cost=0.1,
        private_per_connection_nok=1_000,
        county_share_of_public=0.1,
        max_state_share_of_gap=0.5,
    )
    costs = pd.DataFrame({"area_id": ["A"], "kost_total": [1_000_000], "tilknytninger": [7.0]})
    fu = fund(costs, cfg, RULE_30, pd.Series([10])).iloc[0]
    # operator 100 000, private 7 000, gap 893 000; local min ceil(893 000 × 0.3/1.3) = 206 077;
    # state min(686 923, floor(0.5 × 893 000) = 446 500); county min(446 500, 89 300).
    assert (fu["tilbyder"], fu["private"], fu["stottebehov"]) == (100_000, 7_000, 893_000)
    assert fu["lokal_minimum"] == 206_077 and fu["statlig"] == 446_500
    assert fu["fylke"] == 89_300 and fu["kommunal"] == 893_000 - 446_500 - 89_300


def _scalar_fund(cost, connections, n_units, cfg, rule):
    """The per-area arithmetic dekning used before it was vectorised (the reference)."""
    pv = annuity_factor(cfg.years, cfg.discount_rate)
    if cfg.operator_model == "share_of_cost":
        operator = int(round_half_up(cfg.operator_share_of_cost * cost))
    else:
        operator = int(round_half_up(connections * cfg.monthly_revenue_nok * 12 * cfg.margin * pv))
    operator = min(max(operator, 0), cost)
    private = min(int(round_half_up(cfg.private_per_connection_nok * connections)), cost - operator)
    gap = cost - operator - private
    if rule.rule == "pct_of_state_grant":
        need = math.ceil(float(snap(gap * rule.pct / (1 + rule.pct))))
    elif rule.rule == "pct_of_total":
        need = max(0, math.ceil(float(snap(cost * rule.pct))) - private)
    else:
        need = 0
    local_min = min(max(need, 0), gap)
    state = min(gap - local_min, math.floor(float(snap(cfg.max_state_share_of_gap * gap))))
    county = min(gap - state, math.floor(float(snap(cfg.county_share_of_public * gap))))
    municipal = gap - state - county
    per_unit = int(round_half_up(cost / n_units)) if n_units else 0
    per_conn = int(round_half_up(municipal / connections)) if connections else 0
    return [operator, private, gap, local_min, state, county, municipal, per_unit, per_conn]


TAKE_UP = st.one_of(st.just(0.0), st.floats(0.01, 1))
AREA = st.tuples(st.integers(0, 50_000_000), st.integers(0, 500), TAKE_UP)
"""(cost in NOK, eligible units, take-up share) of one area."""


@settings(max_examples=150, deadline=None)
@given(
    areas=st.lists(AREA, min_size=1, max_size=12),
    share=st.floats(0, 1),
    private=st.floats(0, 20_000),
    county=st.floats(0, 0.5),
    max_state=st.floats(0, 1),
    rule=st.sampled_from(["pct_of_state_grant", "pct_of_total", "none"]),
    pct=st.floats(0, 0.5),
    model=st.sampled_from(["share_of_cost", "present_value"]),
    rate=st.floats(0, 0.2),
)
def test_vectorised_funding_equals_the_scalar_rules(
    areas, share, private, county, max_state, rule, pct, model, rate
):
    costs = pd.DataFrame(
        {
            "area_id": [f"O-{i}" for i in range(len(areas))],
            "kost_total": [c for c, _, _ in areas],
            "tilknytninger": [u * t for _, u, t in areas],
        }
    )
    units = pd.Series([u for _, u, _ in areas])
    cfg = FundingConfig(
        operator_model=model,
        operator_share_of_cost=share,
        private_per_connection_nok=private,
        county_share_of_public=county,
        max_state_share_of_gap=max_state,
        discount_rate=rate,
    )
    r = CofundingRule("x", rule, pct, "test")
    got = fund(costs, cfg, r, units)
    cols = [
        "tilbyder",
        "private",
        "stottebehov",
        "lokal_minimum",
        "statlig",
        "fylke",
        "kommunal",
        "kost_per_enhet",
        "kommunal_per_tilknytning",
    ]
    expected = [_scalar_fund(c, u * t, u, cfg, r) for c, u, t in areas]
    assert got[cols].to_numpy().tolist() == expected
    assert (got[cols].dtypes == "int64").all()
    # The plan's own promises: parts add up, none is negative, the rule's minimum is met.
    assert (got[list(FUNDING_PARTS)].sum(axis=1) == got["kost_total"]).all()
    assert (got[list(FUNDING_PARTS)] >= 0).all().all()
    assert (got["fylke"] + got["kommunal"] >= got["lokal_minimum"]).all()
    assert (got["statlig"] <= np.floor(max_state * got["stottebehov"])).all()


def test_operator_contribution_is_capped_by_the_cost():
    cfg = FundingConfig(operator_model="present_value", monthly_revenue_nok=1_000, margin=1.0)
    got = operator_contribution(np.array([10, 10_000_000]), np.array([5.0, 5.0]), cfg)
    pv = annuity_factor(cfg.years, cfg.discount_rate)
    assert got.tolist() == [10, int(round_half_up(5.0 * 1_000 * 12 * 1.0 * pv))]


def test_a_broken_plan_is_a_reconciliation_error_naming_area_and_difference():
    plan = pd.DataFrame(
        {
            "area_id": ["O-001", "O-002", "O-003"],
            "kost_total": [1_000, 2_000, 3_000],
            "tilbyder": [100, 200, 300],
            "private": [0, 0, 0],
            "statlig": [700, 1_400, 2_100],
            "fylke": [0, 0, 0],
            "kommunal": [200, 400, 600],
        }
    )
    reconcile(plan)  # adds up: no error
    plan.loc[1, "statlig"] += 7  # one area now sums to 2 007 kr
    plan.loc[2, "kommunal"] -= 1
    with pytest.raises(ReconciliationError) as exc:
        reconcile(plan)
    message = str(exc.value)
    assert "O-002" in message and "2007 kr" in message and "2000 kr" in message
    assert "avvik 7 kr" in message and "2 område(r)" in message


def test_resolve_rule_from_table_and_configuration():
    auto = resolve_rule(FundingConfig(), 2024, "Trøndelag")
    assert (auto.region, auto.rule, auto.pct) == ("trondelag", "pct_of_state_grant", 0.30)
    assert auto.status == "verified"
    assert resolve_rule(FundingConfig(), 2026, "Trøndelag").status == "assumed"
    # A rule set in the configuration keeps the table's percentage only if it is the same rule.
    same = resolve_rule(FundingConfig(cofunding_rule="pct_of_state_grant"), 2024, "trondelag")
    assert (same.region, same.pct, same.status) == ("config", 0.30, "config")
    assert same.source == "konfigurasjonen (funding.cofunding_rule)"
    other = resolve_rule(
        FundingConfig(cofunding_rule="pct_of_total", cofunding_source="Fylkets utlysning 2026"),
        2024,
        "trondelag",
    )
    assert (other.rule, other.pct, other.source) == ("pct_of_total", 0.0, "Fylkets utlysning 2026")
    pct = resolve_rule(FundingConfig(cofunding_pct=0.2), 2020, "Agder")
    assert (pct.region, pct.rule, pct.pct, pct.status) == (
        "national",
        "pct_of_total",
        0.2,
        "config",
    )
    assert pct.source.endswith("; prosent satt i konfigurasjonen")
    sourced = resolve_rule(FundingConfig(cofunding_pct=0.2, cofunding_source="vedtak"), 2020, "x")
    assert sourced.source.endswith("; prosent satt i konfigurasjonen (vedtak)")
    with pytest.raises(RuleError, match="ingen regel for lokale bidrag i 2010"):
        resolve_rule(FundingConfig(), 2010, "trondelag")


def test_the_rule_s_status_and_source_go_with_every_area():
    costs = pd.DataFrame(
        {"area_id": ["O-1", "O-2"], "kost_total": [1_000, 2_000], "tilknytninger": [1.0, 2.0]}
    )
    assumed = CofundingRule("trondelag", "pct_of_state_grant", 0.3, "som 2024", "assumed")
    out = fund(costs, FundingConfig(), assumed, pd.Series([1, 2]))
    assert out["regel_status"].tolist() == ["antatt", "antatt"]
    assert out["regel_kilde"].tolist() == ["som 2024", "som 2024"]
    configured = resolve_rule(FundingConfig(cofunding_rule="none"), 2024, "trondelag")
    assert fund(costs, FundingConfig(), configured, pd.Series([1, 2]))["regel_status"].iloc[0] == (
        "konfigurasjon"
    )


def test_default_run_totals_reconcile(default_result):
    areas, cls = default_result.areas, default_result.classified
    assert areas["enheter"].sum() == cls["eligible_units"].sum()
    assert areas["adresser"].sum() == cls["eligible"].sum()
    reconcile(areas)
    assert default_result.summary["kommunal_egenandel_alle"] == areas["kommunal"].sum()
    chosen = areas[areas["valgt"]]
    assert chosen["kommunal"].sum() <= 5_000_000
