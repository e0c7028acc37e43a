"""The county's view of many municipalities: a score that compares candidate areas across the
county, and the exact competitive selection of areas under the county's frame of state money
and each municipality's own budget (HiGHS via :func:`scipy.optimize.milp`).

From 2026 the counties select broadband projects competitively across their municipalities. A
county run analyses every municipality as before and concatenates their candidate areas (the
plan tables, ``RunResult.areas``) with the columns ``kommunenummer``, ``kommune``, ``omrade``
and a county-wide ``area_id`` (``f"{kommunenummer}-{omrade}"``); this module is the pure
county step on that table.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from dekning.coverage.planning.prioritise import ranks_in_order
from dekning.errors import PlanningError
from dekning.money import round_half_up

VALUE_DECIMALS = 6
"""Decimals of ``value`` the selection is exact to: values are scaled by 10**6 to integers
(the county score is rounded to 6 decimals, units are whole), so both solves work on integer
objectives and the second solve can hold the first optimum exactly."""
_SCALE = 10**VALUE_DECIMALS


@dataclass(frozen=True)
class CountyCriteria:
    """How the county compares candidate areas (weights ≥ 0) and what the selection maximises.

    Attributes
    ----------
    units_per_state_krone
        Weight of eligible units per krone of state money (``enheter / statlig``; an area
        without state money is best).
    cost_per_unit
        Weight of the total cost per unit (``kost_total / enheter``; lower is better).
    demand
        Weight of the share of the survey answers wanting fibre (``andel_interessert``; no
        answers count as 0).
    mobile_gaps
        Weight of the share of units that are households without satisfactory mobile coverage
        (``hus_uten_mobil / enheter``; 0 when the column is absent).
    objective
        What the selection maximises: ``"enheter"`` (eligible units reached) or ``"poeng"``
        (the sum of the county scores of the chosen areas).
    """

    units_per_state_krone: float = 1.0
    cost_per_unit: float = 0.5
    demand: float = 0.3
    mobile_gaps: float = 0.3
    objective: Literal["enheter", "poeng"] = "enheter"

    def __post_init__(self) -> None:
        for name in ("units_per_state_krone", "cost_per_unit", "demand", "mobile_gaps"):
            weight = getattr(self, name)
            if not np.isfinite(weight) or weight < 0:
                raise ValueError(f"fylkesvekten {name} må være et tall ≥ 0, ikke {weight!r}")
        if self.objective not in ("enheter", "poeng"):
            raise ValueError(
                f"fylkets mål må være 'enheter' eller 'poeng', ikke {self.objective!r}"
            )


def _column(plans: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64, 0 where missing (and everywhere when the column is absent)."""
    if name not in plans.columns:
        return np.zeros(len(plans))
    return pd.to_numeric(plans[name], errors="coerce").fillna(0.0).to_numpy(dtype="float64")


def criteria_values(plans: pd.DataFrame) -> pd.DataFrame:
    """The four raw criteria per area, each oriented so that higher is better.

    Returns
    -------
    pandas.DataFrame
        ``enheter_per_statlig_krone`` (``inf`` without state money), ``minus_kost_per_enhet``
        (``-inf`` without units), ``ettersporsel`` and ``mobilhull``; index like ``plans``.
    """
    units = _column(plans, "enheter")
    state = _column(plans, "statlig")
    cost = _column(plans, "kost_total")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_state = np.where(state > 0, units / np.where(state > 0, state, 1.0), np.inf)
        per_unit = np.where(units > 0, cost / np.where(units > 0, units, 1.0), np.inf)
        gaps = np.where(units > 0, _column(plans, "hus_uten_mobil") / np.maximum(units, 1), 0.0)
    return pd.DataFrame(
        {
            "enheter_per_statlig_krone": per_state,
            "minus_kost_per_enhet": -per_unit,
            "ettersporsel": _column(plans, "andel_interessert"),
            "mobilhull": gaps,
        },
        index=plans.index,
    )


def percentile_share(values: np.ndarray) -> np.ndarray:
    """The percentile rank of every value among all (higher is better) as a share in [0, 1]:
    the share of the other areas whose value is strictly lower, ``(r - 1) / (n - 1)`` with
    ``r`` the lowest rank of the value (1 = lowest; equal values share it); 1.0 for a single
    value (the county's only area is its best).

    Equal values get equal shares, so the share depends neither on the row order nor on the
    area ids; a criterion on which all areas are equal gives them all 0.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    ranks = pd.Series(values).rank(method="min").to_numpy(dtype="float64")
    return (ranks - 1.0) / (n - 1)


def county_score(plans: pd.DataFrame, criteria: CountyCriteria) -> pd.Series:
    """The county score of every candidate area: the weighted sum of the areas' percentile
    shares (:func:`percentile_share`) across the county, rounded to 6 decimals.

    Criteria (higher share is better): units per krone of state money (``enheter /
    statlig``; no state money is best), total cost per unit (``kost_total / enheter``; lower
    is better, no units is worst), demand (``andel_interessert``, no answers count as 0) and
    mobile gaps (``hus_uten_mobil / enheter``, 0 when absent). The score lies between 0 and
    the sum of the weights; equal criteria give equal scores (the selection and the tables
    break remaining ties by ``area_id``).

    Parameters
    ----------
    plans
        The county's candidate areas (see the module).
    criteria
        The weights.

    Returns
    -------
    pandas.Series
        float64, index like ``plans``.
    """
    values = criteria_values(plans)
    weights = {
        "enheter_per_statlig_krone": criteria.units_per_state_krone,
        "minus_kost_per_enhet": criteria.cost_per_unit,
        "ettersporsel": criteria.demand,
        "mobilhull": criteria.mobile_gaps,
    }
    score = np.zeros(len(plans))
    for name, weight in weights.items():
        if weight:
            score += weight * percentile_share(values[name].to_numpy())
    return pd.Series(np.round(score, 6), index=plans.index, name="poeng_fylke")


def _canonical_order(plans: pd.DataFrame) -> np.ndarray:
    """Positions of ``plans`` sorted by ``area_id``: the model is built in this order, so the
    same areas in another row order give the same model and the same answer."""
    ids = plans["area_id"].astype(str).to_numpy()
    if len(set(ids)) != len(ids):
        raise PlanningError("fylkets områder må ha unike area_id (kommunenummer-område)")
    return np.argsort(ids, kind="stable")


def _integer_values(value: np.ndarray) -> np.ndarray:
    """``value`` scaled by 10**6 and rounded to whole numbers (float64, exact up to 2**53)."""
    if not np.all(np.isfinite(value)):
        raise PlanningError("verdien som skal maksimeres må være et endelig tall for hvert område")
    return np.round(value * _SCALE)


def _budget_matrix(
    state: np.ndarray,
    muni: np.ndarray,
    municipality: np.ndarray,
    state_budget: float | None,
    municipal_budgets: Mapping[str, float | None],
) -> tuple[csr_matrix | None, np.ndarray]:
    """The budget rows: the state frame (if any), then one row per municipality with a budget
    (its municipal money over its own areas); and their upper bounds."""
    rows: list[np.ndarray] = []
    upper: list[float] = []
    n = len(state)
    if state_budget is not None:
        rows.append(state)
        upper.append(float(state_budget))
    for number in sorted(municipal_budgets):
        budget = municipal_budgets[number]
        mine = municipality == str(number)
        if budget is None or not mine.any():
            continue
        rows.append(np.where(mine, muni, 0.0))
        upper.append(float(budget))
    if not rows:
        return None, np.zeros(0)
    return csr_matrix(np.vstack(rows).reshape(len(rows), n)), np.asarray(upper)


def _run(
    c: np.ndarray,
    constraints: list[LinearConstraint],
    upper: np.ndarray,
    time_limit_s: float,
) -> tuple[np.ndarray | None, bool, float]:
    """One 0-1 solve: the chosen areas (None when no solution was found), whether HiGHS proved
    optimality and its relative gap."""
    res = milp(
        c,
        constraints=constraints or None,
        integrality=np.ones(len(c)),
        bounds=Bounds(np.zeros(len(c)), upper),
        options={"time_limit": max(time_limit_s, 0.1), "mip_rel_gap": 0.0},
    )
    if res.x is None:
        return None, False, float("inf")
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return np.round(res.x).astype(bool), res.status == 0, gap


def _solve(
    value: np.ndarray,
    state: np.ndarray,
    matrix: csr_matrix | None,
    bounds: np.ndarray,
    allowed: np.ndarray,
    time_limit_s: float,
) -> tuple[np.ndarray, bool, float]:
    """The lexicographic selection: most value, then least state money (see
    :func:`select_county`). ``value`` is integer-scaled; areas not ``allowed`` stay out."""
    start = time.perf_counter()
    upper = allowed.astype("float64")
    if matrix is None:  # no budget at all: every area that adds value
        return allowed.copy(), True, 0.0
    budgets = [LinearConstraint(matrix, -np.inf, bounds)]
    first, optimal, gap = _run(-value, budgets, upper, time_limit_s)
    if first is None:
        raise PlanningError("fant ingen gjennomførbar prioritering for fylket")
    best = float(value[first].sum())
    # Hold the value at the optimum found (all values are integers, so -0.5 is exact) and
    # spend the least state money on it.
    hold = LinearConstraint(value[None, :], best - 0.5, np.inf)
    left = time_limit_s - (time.perf_counter() - start)
    second, optimal2, gap2 = _run(state, [*budgets, hold], upper, left)
    if second is None or float(state[second].sum()) > float(state[first].sum()):
        return first, False, gap
    return second, optimal and optimal2, max(gap, gap2)


def _ranks(chosen: np.ndarray, key: np.ndarray, units: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rank (int64, 1 = highest ``key``) of the chosen areas, 0 for the others; ties by more
    units, then by ``area_id``."""
    return ranks_in_order(chosen, np.lexsort((ids, -units, -key)))


def select_county(
    plans: pd.DataFrame,
    *,
    state_budget: float | None,
    municipal_budgets: Mapping[str, float | None],
    value: pd.Series | None = None,
    score: pd.Series | None = None,
    time_limit_s: float = 60.0,
) -> pd.DataFrame:
    """Exact competitive selection of the county's candidate areas.

    A 0-1 programme over all areas: maximise Σ value·x subject to Σ statlig·x ≤
    ``state_budget`` (the county's frame of state money) and, for each municipality with a
    budget, Σ kommunal·x over its own areas ≤ its budget.

    Among equal optima the plan with the least state money is chosen, exactly, by two solves:
    values are scaled to integers (:data:`VALUE_DECIMALS` decimals), the first solve finds the
    largest total value V (HiGHS with a relative gap of 0 on an integer objective: proven
    optimal, not merely within a tolerance), the second minimises Σ statlig·x under the same
    budgets plus Σ value·x ≥ V - 0.5, which for integers is Σ value·x = V. A single weighted
    objective (value·M - statlig) would need M above the county's total state money, beyond
    what floating point holds exactly. The model is built with the areas sorted by
    ``area_id``, so any row order of ``plans`` gives the same selection. An area whose state
    money alone exceeds the frame, or whose municipal money exceeds its municipality's budget,
    is fixed out; so is an area that adds no value.

    Parameters
    ----------
    plans
        The county's candidate areas: ``area_id`` (unique), ``kommunenummer``, ``enheter``,
        ``statlig`` and ``kommunal`` (NOK).
    state_budget
        The county's frame of state money (NOK); None: no limit.
    municipal_budgets
        Municipal money (NOK) per ``kommunenummer``; None or a missing municipality: no limit.
    value
        What to maximise per area, index like ``plans`` (default ``enheter``; the county
        score for the objective ``"poeng"``).
    score
        What ranks the chosen areas (``rang_fylke``), index like ``plans``; default units per
        krone of state money (no state money first).
    time_limit_s
        Seconds for both solves together; after that the best plan found is returned with
        ``attrs["optimal"]`` False and ``attrs["mip_gap"]`` the gap to the bound.

    Returns
    -------
    pandas.DataFrame
        In the row order of ``plans``: ``area_id``, ``valgt_fylke`` (bool), ``rang_fylke``
        (1 = best by ``score`` among the chosen; ties by more units, then ``area_id``; 0 when
        not chosen); ``attrs``: ``optimal``, ``mip_gap`` and ``seconds``.

    Raises
    ------
    PlanningError
        A negative budget, duplicate area ids, a value that is not finite, or no plan found.
    """
    start = time.perf_counter()
    if state_budget is not None and state_budget < 0:
        raise PlanningError(f"fylkets statlige ramme kan ikke være negativ ({state_budget} kr)")
    for number, budget in municipal_budgets.items():
        if budget is not None and budget < 0:
            raise PlanningError(
                f"kommune {number}: budsjettet kan ikke være negativt ({budget} kr)"
            )
    order = _canonical_order(plans)
    canon = plans.iloc[order]
    units = _column(canon, "enheter")
    state = _column(canon, "statlig")
    muni = _column(canon, "kommunal")
    municipality = canon["kommunenummer"].astype(str).to_numpy()
    raw = units if value is None else np.asarray(value, dtype="float64")[order]
    v = _integer_values(raw)
    allowed = v > 0
    if state_budget is not None:
        allowed &= state <= state_budget
    for number, budget in municipal_budgets.items():
        if budget is not None:
            allowed &= ~((municipality == str(number)) & (muni > budget))
    matrix, bounds = _budget_matrix(state, muni, municipality, state_budget, municipal_budgets)
    left = time_limit_s - (time.perf_counter() - start)
    chosen, optimal, gap = _solve(v, state, matrix, bounds, allowed, left)
    if score is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            key = np.where(state > 0, units / np.where(state > 0, state, 1.0), np.inf)
    else:
        key = np.asarray(score, dtype="float64")[order]
    ids = canon["area_id"].astype(str).to_numpy()
    rank = _ranks(chosen, key, units, ids)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    out = pd.DataFrame(
        {
            "area_id": plans["area_id"].to_numpy(),
            "valgt_fylke": chosen[back],
            "rang_fylke": rank[back],
        }
    )
    out.attrs["optimal"] = bool(optimal)
    out.attrs["mip_gap"] = float(gap)
    out.attrs["seconds"] = time.perf_counter() - start
    return out


def compare_county_scenarios(
    plans: pd.DataFrame,
    frames: Sequence[float | None],
    municipal_budgets: Mapping[str, float | None],
    value: pd.Series | None = None,
) -> pd.DataFrame:
    """The exact county selection under each frame of state money, one row per frame.

    Returns
    -------
    pandas.DataFrame
        ``ramme`` (the frame, NOK; None: no limit), ``antall_omrader``, ``antall_kommuner``
        (municipalities with a chosen area), ``enheter``, ``statlig``, ``kommunal``,
        ``kost_total`` (NOK, of the chosen areas), ``statlig_per_enhet`` (NOK, rounded half
        up) and ``optimal``.
    """
    rows = []
    units = _column(plans, "enheter")
    for frame in frames:
        sel = select_county(
            plans, state_budget=frame, municipal_budgets=municipal_budgets, value=value
        )
        chosen = sel["valgt_fylke"].to_numpy()
        n_units = int(units[chosen].sum())
        state = int(_column(plans, "statlig")[chosen].sum())
        rows.append(
            {
                "ramme": frame,
                "antall_omrader": int(chosen.sum()),
                "antall_kommuner": int(plans.loc[chosen, "kommunenummer"].nunique()),
                "enheter": n_units,
                "statlig": state,
                "kommunal": int(_column(plans, "kommunal")[chosen].sum()),
                "kost_total": int(_column(plans, "kost_total")[chosen].sum()),
                "statlig_per_enhet": int(round_half_up(state / n_units)) if n_units else 0,
                "optimal": sel.attrs["optimal"],
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "VALUE_DECIMALS",
    "CountyCriteria",
    "compare_county_scenarios",
    "county_score",
    "criteria_values",
    "percentile_share",
    "select_county",
]
