"""Selection under a budget (exact, checked by brute force), ranks, the priority score and
scenarios side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dekning.config import ScoreWeights
from dekning.coverage.planning.prioritise import compare_scenarios, priority_score, select_areas
from dekning.errors import PlanningError
from dekning.pipeline import analyse

FUNDING = pd.DataFrame(
    {
        "area_id": ["A", "B", "C"],
        "kommunal": [600, 500, 500],
        "statlig": [10, 20, 30],
        "kost_total": [1_000, 1_000, 1_000],
    }
)


def test_exact_selection_beats_greedy():
    # Greedy by size takes the 6-unit area and then nothing fits; the optimum takes the two 5s.
    sel = select_areas(FUNDING, pd.Series([6, 5, 5]), municipal_budget=1_000)
    assert sel["valgt"].tolist() == [False, True, True] and sel.attrs["optimal"]
    # Both cost 500 for 5 units: equal per krone, so B (first) ranks before C.
    assert sel["rang"].tolist() == [0, 1, 2] and sel["aar"].tolist() == [0, 1, 1]
    # Two years of 600: A in one year, B (or C) in the other.
    two = select_areas(FUNDING, pd.Series([6, 5, 5]), municipal_budget=600, years=2)
    assert two["valgt"].sum() == 2 and two.loc[0, "valgt"]
    assert sorted(two.loc[two["valgt"], "aar"]) == [1, 2]
    none = select_areas(FUNDING, pd.Series([6, 5, 5]), municipal_budget=100)
    assert not none["valgt"].any() and (none["rang"] == 0).all() and (none["aar"] == 0).all()


def test_without_a_budget_every_area_is_chosen_and_ranked_by_units_per_krone():
    funding = FUNDING.assign(kommunal=[600, 0, 250])
    sel = select_areas(funding, pd.Series([6, 1, 5]), municipal_budget=None)
    assert sel["valgt"].all() and (sel["aar"] == 1).all()
    # B needs no municipal money (first); C 5/250 = 0.02 per krone; A 6/600 = 0.01.
    assert sel["rang"].tolist() == [3, 1, 2]


def test_the_state_budget_limits_the_total():
    sel = select_areas(FUNDING, pd.Series([6, 5, 5]), municipal_budget=10_000, state_budget=40)
    assert sel["valgt"].tolist() == [True, True, False]  # 10 + 20 kr of state money


def test_a_negative_budget_is_a_planning_error():
    with pytest.raises(PlanningError, match="fant ingen gjennomførbar prioritering"):
        select_areas(FUNDING, pd.Series([6, 5, 5]), municipal_budget=-1)


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
    assert sorted(sel.loc[sel["valgt"], "rang"]) == list(range(1, int(sel["valgt"].sum()) + 1))


def test_priority_score_hand_computed():
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
    table = compare_scenarios(FUNDING, pd.Series([6, 5, 5]), [600, 1_000, None])
    assert table["omrader"].tolist() == ["A", "B, C", "A, B, C"]
    assert table["enheter"].tolist() == [6, 10, 16] and table["statlig"].tolist() == [10, 50, 60]
    assert table["kommunal_per_enhet"].tolist() == [100, 100, 100]
    assert table["kost_total"].tolist() == [1_000, 2_000, 3_000]
    # Kroner per unit round half up, as everywhere (Python's round would give 2 for 2.5).
    half = compare_scenarios(FUNDING.assign(kommunal=[5, 5, 5]), pd.Series([2, 2, 2]), [None])
    assert half["kommunal_per_enhet"].tolist() == [3]  # 15 kr / 6 units = 2.5 -> 3


def test_budget_below_every_area_is_reported(default_config):
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
