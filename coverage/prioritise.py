"""Choose the areas to build: the set that reaches the most eligible units (households and
businesses) within the municipal budget, over one or several years, solved exactly as a
0-1 integer programme (HiGHS via :func:`scipy.optimize.milp`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from dekning.errors import PlanningError


def select_areas(
    funding: pd.DataFrame,
    units: pd.Series,
    *,
    municipal_budget: float | None,
    years: int = 1,
    state_budget: float | None = None,
) -> pd.DataFrame:
    """Exact selection of areas (and a build year for each) under budgets.

    Maximises the eligible units reached; among equal answers, the one with the least
    municipal money. ``municipal_budget`` applies to each year; ``state_budget`` to the total.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``valgt`` (bool), ``aar`` (1-based build year, 0 when not chosen),
        ``rang`` (1 = most units per municipal krone among chosen areas).

    Raises
    ------
    PlanningError
        The solver finds no feasible plan (should not happen: choosing nothing is feasible).
    """
    n = len(funding)
    muni = funding["kommunal"].to_numpy(dtype="float64")
    state = funding["statlig"].to_numpy(dtype="float64")
    u = np.asarray(units, dtype="float64")
    if municipal_budget is None:
        chosen = np.ones(n, dtype=bool)
        year = np.ones(n, dtype="int64")
    else:
        t = years
        nv = n * t  # x[i, y] at i * t + y
        tie = 1e-6 * muni / max(muni.max(), 1.0)
        c = -np.repeat(u, t) + np.repeat(tie, t) + np.tile(1e-7 * np.arange(t), n)
        cons = []
        one_year = np.zeros((n, nv))
        for i in range(n):
            one_year[i, i * t : (i + 1) * t] = 1
        cons.append(LinearConstraint(one_year, 0, 1))
        per_year = np.zeros((t, nv))
        for y in range(t):
            per_year[y, y::t] = muni
        cons.append(LinearConstraint(per_year, 0, municipal_budget))
        if state_budget is not None:
            cons.append(LinearConstraint(np.repeat(state, t)[None, :], 0, state_budget))
        res = milp(c, constraints=cons, integrality=np.ones(nv), bounds=Bounds(0, 1))
        if res.x is None:
            raise PlanningError(f"no feasible selection: {res.message}")
        x = np.round(res.x).reshape(n, t).astype(bool)
        chosen = x.any(axis=1)
        year = np.where(chosen, x.argmax(axis=1) + 1, 0)
    eff = np.where(muni > 0, u / np.maximum(muni, 1), np.inf)
    order = np.lexsort((-u, -eff))
    rank = np.zeros(n, dtype="int64")
    r = 1
    for i in order:
        if chosen[i]:
            rank[i] = r
            r += 1
    return pd.DataFrame(
        {"area_id": funding["area_id"].to_numpy(), "valgt": chosen, "aar": year, "rang": rank}
    )
