"""The county step: the score's percentile shares (hand-derived), the exact selection under the
county's frame of state money and the municipalities' budgets (checked by brute force over all
subsets), determinism, and scenarios side by side."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from dekning.coverage.planning.county import (
    CountyCriteria,
    compare_county_scenarios,
    county_score,
    percentile_share,
    select_county,
)
from dekning.errors import PlanningError

MUNICIPALITIES = ("5001", "5006", "5007")


def _plans(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A small random county: few distinct values, so that ties between plans are common."""
    knr = rng.choice(MUNICIPALITIES, n)
    omrade = [f"O-{i:02d}" for i in range(n)]
    units = rng.integers(1, 8, n)
    state = rng.choice([0, 50, 100, 150, 200, 300], n)
    muni = rng.choice([0, 20, 40, 60], n)
    return pd.DataFrame(
        {
            "kommunenummer": knr,
            "omrade": omrade,
            "area_id": [f"{k}-{o}" for k, o in zip(knr, omrade, strict=True)],
            "enheter": units,
            "statlig": state,
            "kommunal": muni,
            "kost_total": state + muni + rng.integers(0, 100, n),
            "andel_interessert": rng.choice([np.nan, 0.2, 0.5, 0.9], n),
            "hus_uten_mobil": [int(rng.integers(0, u + 1)) for u in units],
        }
    )


def _brute_force(
    plans: pd.DataFrame,
    value: np.ndarray,
    state_budget: float | None,
    budgets: dict[str, float | None],
) -> tuple[int, int]:
    """The best total value (scaled to whole millionths) over all feasible subsets, and the
    least state money among the subsets that reach it."""
    n = len(plans)
    masks = np.array(list(itertools.product([0, 1], repeat=n)), dtype="int64")
    state = masks @ plans["statlig"].to_numpy()
    feasible = np.ones(len(masks), dtype=bool)
    if state_budget is not None:
        feasible &= state <= state_budget
    for number, budget in budgets.items():
        if budget is not None:
            mine = (plans["kommunenummer"] == number).to_numpy() * plans["kommunal"].to_numpy()
            feasible &= masks @ mine <= budget
    total = masks @ np.round(value * 1_000_000).astype("int64")
    best = int(total[feasible].max())
    least = int(state[feasible & (total == best)].min())
    return best, least


BUDGET_CASES: list[tuple[float | None, dict[str, float | None]]] = [
    (None, {}),
    (400, {}),
    (None, {"5001": 50, "5006": 30, "5007": None}),
    (500, {"5001": 60, "5006": 0, "5007": 100}),
    (250, {"5001": 40, "9999": 10}),
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("objective", ["enheter", "poeng"])
def test_selection_is_optimal_and_spends_least_state_money_by_brute_force(seed, objective):
    rng = np.random.default_rng(seed)
    plans = _plans(rng, int(rng.integers(6, 15)))
    # An area whose state money alone is beyond every frame below: never chosen under one.
    plans.loc[0, ["enheter", "statlig"]] = [1_000, 10_000]
    score = county_score(plans, CountyCriteria())
    value = score if objective == "poeng" else None
    values = (score if objective == "poeng" else plans["enheter"]).to_numpy(dtype="float64")
    for state_budget, budgets in BUDGET_CASES:
        sel = select_county(
            plans, state_budget=state_budget, municipal_budgets=budgets, value=value
        )
        chosen = sel["valgt_fylke"].to_numpy()
        assert sel["area_id"].tolist() == plans["area_id"].tolist()
        assert sel.attrs["optimal"] and sel.attrs["mip_gap"] == 0.0
        best, least = _brute_force(plans, values, state_budget, budgets)
        assert int(np.round(values[chosen] * 1_000_000).sum()) == best
        assert int(plans.loc[chosen, "statlig"].sum()) == least
        if state_budget is not None:
            assert plans.loc[chosen, "statlig"].sum() <= state_budget
            assert not chosen[0]
        for number, budget in budgets.items():
            mine = chosen & (plans["kommunenummer"] == number).to_numpy()
            if budget is not None:
                assert plans.loc[mine, "kommunal"].sum() <= budget
        ranks = sel.loc[sel["valgt_fylke"], "rang_fylke"]
        assert sorted(ranks) == list(range(1, int(chosen.sum()) + 1))
        assert (sel.loc[~sel["valgt_fylke"], "rang_fylke"] == 0).all()


def _simple(units, state, muni, knr=None) -> pd.DataFrame:
    n = len(units)
    knr = knr or ["5001"] * n
    return pd.DataFrame(
        {
            "kommunenummer": knr,
            "area_id": [f"{k}-O-{i}" for i, k in enumerate(knr)],
            "enheter": units,
            "statlig": state,
            "kommunal": muni,
            "kost_total": [s + m + 10 for s, m in zip(state, muni, strict=True)],
        }
    )


def test_an_area_beyond_the_frame_is_never_chosen_even_when_it_is_worth_most():
    plans = _simple([1_000, 5, 5], [101, 50, 50], [0, 0, 0])
    sel = select_county(plans, state_budget=100, municipal_budgets={})
    assert sel["valgt_fylke"].tolist() == [False, True, True]
    # With the frame 101 it alone fits, and it is worth more than both others.
    sel = select_county(plans, state_budget=101, municipal_budgets={})
    assert sel["valgt_fylke"].tolist() == [True, False, False]


def test_none_budgets_mean_no_limit():
    plans = _simple(
        [3, 4, 5, 6], [900, 800, 700, 600], [500, 400, 300, 200], ["5001", "5001", "5006", "5006"]
    )
    sel = select_county(plans, state_budget=None, municipal_budgets={"5001": None, "5006": None})
    assert sel["valgt_fylke"].all() and sel.attrs["optimal"]
    limited = select_county(plans, state_budget=None, municipal_budgets={"5001": 450, "5006": None})
    assert limited["valgt_fylke"].tolist() == [False, True, True, True]


def test_equal_optima_take_the_least_state_money():
    # At most two areas fit the frame (10 units); B + C needs the least state money (70 kr).
    plans = _simple([5, 5, 5, 5], [60, 40, 30, 45], [0, 0, 0, 0])
    sel = select_county(plans, state_budget=100, municipal_budgets={})
    assert sel["valgt_fylke"].tolist() == [False, True, True, False]


def test_ranks_by_units_per_state_krone_or_by_the_given_score():
    plans = _simple([10, 10, 30], [100, 0, 100], [0, 0, 0])
    sel = select_county(plans, state_budget=None, municipal_budgets={"5001": 0})
    # No state money first; then 30 units per 100 kr before 10 per 100 kr.
    assert sel["rang_fylke"].tolist() == [3, 1, 2]
    by_score = select_county(
        plans,
        state_budget=None,
        municipal_budgets={"5001": 0},
        score=pd.Series([0.9, 0.1, 0.5]),
    )
    assert by_score["rang_fylke"].tolist() == [1, 3, 2]


def test_shuffled_rows_give_the_same_selection():
    # Ten identical areas and room for three: every choice of three is optimal, so only the
    # model's own order decides; it must not be the input's row order.
    rng = np.random.default_rng(7)
    knr = list(rng.choice(MUNICIPALITIES, 10))
    plans = _simple([5] * 10, [10] * 10, [4] * 10, knr)
    budgets = {"5001": 8, "5006": None}
    want = select_county(plans, state_budget=30, municipal_budgets=budgets)
    chosen = set(want.loc[want["valgt_fylke"], "area_id"])
    assert len(chosen) == 3
    for seed in range(5):
        shuffled = plans.sample(frac=1, random_state=seed).reset_index(drop=True)
        sel = select_county(shuffled, state_budget=30, municipal_budgets=budgets)
        assert set(sel.loc[sel["valgt_fylke"], "area_id"]) == chosen
        ranks = dict(zip(sel["area_id"], sel["rang_fylke"], strict=True))
        assert ranks == dict(zip(want["area_id"], want["rang_fylke"], strict=True))


def test_shuffled_rows_give_the_same_scores():
    plans = _plans(np.random.default_rng(3), 14)
    want = dict(zip(plans["area_id"], county_score(plans, CountyCriteria()), strict=True))
    shuffled = plans.sample(frac=1, random_state=1)
    got = dict(zip(shuffled["area_id"], county_score(shuffled, CountyCriteria()), strict=True))
    assert got == want
    assert county_score(shuffled, CountyCriteria()).index.tolist() == shuffled.index.tolist()


HAND = pd.DataFrame(
    {
        "area_id": ["A", "B", "C", "D"],
        "enheter": [10, 10, 20, 5],
        "statlig": [100, 0, 100, 200],
        "kost_total": [1_000, 2_000, 1_000, 1_000],
        "andel_interessert": [0.5, np.nan, 0.8, 0.5],
        "hus_uten_mobil": [0, 5, 2, 1],
    }
)


def test_percentile_shares_by_hand():
    # The share of the other areas with a strictly lower value; equal values share it.
    assert percentile_share(np.array([3.0, 1.0, 2.0, 1.0])).tolist() == [1.0, 0.0, 2 / 3, 0.0]
    assert percentile_share(np.array([4.0, 4.0])).tolist() == [0.0, 0.0]
    assert percentile_share(np.array([7.0])).tolist() == [1.0]


def test_county_score_hand_derived():
    # Units per state krone: A 0.1, B no state money (best), C 0.2, D 0.025
    #   -> shares A 1/3, B 1, C 2/3, D 0.
    # Cost per unit: A 100, B 200, C 50, D 200 (lower better; B and D equal, worst)
    #   -> A 2/3, B 0, C 1, D 0.
    # Demand: A 0.5, B none (0), C 0.8, D 0.5 -> A 1/3, B 0, C 1, D 1/3.
    # Mobile gaps per unit: A 0, B 0.5, C 0.1, D 0.2 -> A 0, B 1, C 1/3, D 2/3.
    # Weights 1, 0.5, 0.3, 0.3:
    #   A 1/3 + 1/3 + 0.1 + 0 = 0.766667; B 1 + 0 + 0 + 0.3 = 1.3;
    #   C 2/3 + 0.5 + 0.3 + 0.1 = 1.566667; D 0 + 0 + 0.1 + 0.2 = 0.3.
    score = county_score(HAND, CountyCriteria())
    assert score.tolist() == [0.766667, 1.3, 1.566667, 0.3]
    # Without the mobile column every area has no gaps: no area beats another there.
    assert county_score(HAND.drop(columns="hus_uten_mobil"), CountyCriteria()).tolist() == [
        0.766667,
        1.0,
        1.466667,
        0.1,
    ]
    only_demand = CountyCriteria(units_per_state_krone=0, cost_per_unit=0, mobile_gaps=0, demand=1)
    assert county_score(HAND, only_demand).tolist() == [0.333333, 0.0, 1.0, 0.333333]


def test_criteria_are_validated():
    with pytest.raises(ValueError, match="≥ 0"):
        CountyCriteria(demand=-0.1)
    with pytest.raises(ValueError, match="enheter"):
        CountyCriteria(objective="kroner")  # type: ignore[arg-type]


def test_bad_input_is_a_planning_error():
    plans = _simple([1, 2], [10, 10], [5, 5])
    with pytest.raises(PlanningError, match="negativ"):
        select_county(plans, state_budget=-1, municipal_budgets={})
    with pytest.raises(PlanningError, match="negativt"):
        select_county(plans, state_budget=None, municipal_budgets={"5001": -5})
    with pytest.raises(PlanningError, match="unike"):
        select_county(plans.assign(area_id="x"), state_budget=10, municipal_budgets={})


def test_scenarios_side_by_side():
    plans = _simple([6, 5, 5], [60, 50, 50], [30, 20, 20], ["5001", "5001", "5006"])
    table = compare_county_scenarios(plans, [50, 100, None], {"5001": 30})
    assert table["antall_omrader"].tolist() == [1, 2, 2]
    assert table["enheter"].tolist() == [5, 10, 11]
    assert table["statlig"].tolist() == [50, 100, 110]
    assert table["kommunal"].tolist() == [20, 40, 50]
    assert table["antall_kommuner"].tolist() == [1, 2, 2]
    assert table["statlig_per_enhet"].tolist() == [10, 10, 10]
    assert table["optimal"].all()
