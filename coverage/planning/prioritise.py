"""Choose the areas to build: the set that reaches the most eligible units (households and
businesses) within the municipal budget, over one or several years, solved exactly as a
0-1 integer programme (HiGHS via :func:`scipy.optimize.milp`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from dekning.config import ScoreWeights
from dekning.errors import PlanningError
from dekning.money import round_half_up


def priority_score(areas: pd.DataFrame, weights: ScoreWeights) -> pd.Series:
    """Priority score (0-100) of every area: a weighted mean of indicators, each scaled to 0-1 by
    its largest value among the areas.

    Indicators: units per municipal krone (``enheter``/``kommunal``), share wanting fibre in the
    survey (``andel_interessert``, 0 without answers), businesses (``naering``), public buildings
    (``offentlig``), households without satisfactory mobile coverage (``hus_uten_mobil``).
    """
    muni = areas["kommunal"].astype("float64")
    indicators = {
        "enheter_per_krone": np.where(
            muni > 0, areas["enheter"] / muni.clip(lower=1), areas["enheter"].astype(float)
        ),
        "ettersporsel": areas.get("andel_interessert", pd.Series(0.0, index=areas.index))
        .fillna(0.0)
        .to_numpy(),
        "naering": areas["naering"].to_numpy(dtype="float64"),
        "offentlig": areas["offentlig"].to_numpy(dtype="float64"),
        "mobilhull": areas.get("hus_uten_mobil", pd.Series(0.0, index=areas.index)).to_numpy(
            dtype="float64"
        ),
    }
    w = weights.model_dump()
    total = sum(w.values())
    if total == 0:
        return pd.Series(0.0, index=areas.index)
    score = np.zeros(len(areas))
    for name, values in indicators.items():
        values = np.asarray(values, dtype="float64")
        top = values.max() if len(values) else 0.0
        if top > 0:
            score += w[name] * values / top
    return pd.Series(np.round(100 * score / total, 1), index=areas.index)


def select_areas(
    funding: pd.DataFrame,
    units: pd.Series,
    *,
    municipal_budget: float | None,
    years: int = 1,
    state_budget: float | None = None,
    value: pd.Series | None = None,
    time_limit_s: float = 60.0,
) -> pd.DataFrame:
    """Exact selection of areas (and a build year for each) under budgets.

    Maximises the total ``value`` of the chosen areas (default: the eligible units reached);
    among equal answers, the one with the least municipal money. HiGHS proves optimality for
    municipal-sized problems at once; on large multi-year problems it stops after
    ``time_limit_s`` seconds with the best plan found: ``attrs["optimal"]`` is then False and
    ``attrs["mip_gap"]`` says how far from the bound it may be.

    Parameters
    ----------
    funding
        ``area_id``, ``kommunal`` and ``statlig`` (NOK) per area.
    units, value
        Eligible units per area, and what to maximise (default ``units``), same order.
    municipal_budget, state_budget
        Municipal money per year and state money for all years (NOK); None: no limit.
    years
        Budget years.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``valgt`` (bool), ``aar`` (1-based build year, 0 when not chosen),
        ``rang`` (1 = most units per municipal krone among chosen areas).

    Raises
    ------
    PlanningError
        The solver finds no feasible plan (only with a negative budget).
    """
    n = len(funding)
    muni = funding["kommunal"].to_numpy(dtype="float64")
    state = funding["statlig"].to_numpy(dtype="float64")
    u = np.asarray(units, dtype="float64")
    v = u if value is None else np.asarray(value, dtype="float64")
    if municipal_budget is None:
        chosen, year = np.ones(n, dtype=bool), np.ones(n, dtype="int64")
        optimal, gap = True, 0.0
    else:
        chosen, year, optimal, gap = _solve(
            v, muni, state, municipal_budget, years, state_budget, time_limit_s
        )
    rank = _ranks(chosen, u, muni)
    ids = funding["area_id"].to_numpy()
    out = pd.DataFrame({"area_id": ids, "valgt": chosen, "aar": year, "rang": rank})
    out.attrs["optimal"] = optimal
    out.attrs["mip_gap"] = gap
    return out


def _solve(
    value: np.ndarray,
    muni: np.ndarray,
    state: np.ndarray,
    municipal_budget: float,
    years: int,
    state_budget: float | None,
    time_limit_s: float,
) -> tuple[np.ndarray, np.ndarray, bool, float]:
    """The 0-1 programme: x[i, y] = area i built in year y (variable i × years + y).

    Returns
    -------
    chosen, year, optimal, mip_gap
        Chosen areas (bool), their 1-based build year (0: not chosen), whether HiGHS proved
        optimality, and the relative gap to the bound.

    Raises
    ------
    PlanningError
        The solver finds no feasible plan.
    """
    n, t = len(value), years
    nv = n * t
    tie = 1e-6 * muni / max(muni.max(), 1.0)
    c = -np.repeat(value, t) + np.repeat(tie, t) + np.tile(1e-7 * np.arange(t), n)
    one_year = np.kron(np.eye(n), np.ones((1, t)))  # each area in at most one year
    per_year = np.kron(muni[None, :], np.eye(t))  # municipal money per year
    cons = [LinearConstraint(one_year, 0, 1), LinearConstraint(per_year, 0, municipal_budget)]
    if state_budget is not None:
        cons.append(LinearConstraint(np.repeat(state, t)[None, :], 0, state_budget))
    res = milp(
        c,
        constraints=cons,
        integrality=np.ones(nv),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit_s, "mip_rel_gap": 1e-6},
    )
    if res.x is None:
        raise PlanningError(f"fant ingen gjennomførbar prioritering: {res.message}")
    x = np.round(res.x).reshape(n, t).astype(bool)
    chosen = x.any(axis=1)
    year = np.where(chosen, x.argmax(axis=1) + 1, 0)
    return chosen, year, res.status == 0, float(getattr(res, "mip_gap", 0.0) or 0.0)


def _ranks(chosen: np.ndarray, units: np.ndarray, muni: np.ndarray) -> np.ndarray:
    """Rank (int64, 1 = most units per municipal krone) of the chosen areas, 0 for the others;
    areas without municipal money come first, ties by more units."""
    eff = np.where(muni > 0, units / np.maximum(muni, 1), np.inf)
    return ranks_in_order(chosen, np.lexsort((-units, -eff)))


def ranks_in_order(chosen: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rank (int64, 1 = first in ``order``) of the chosen areas, 0 for the others."""
    rank = np.zeros(len(chosen), dtype="int64")
    picked = chosen[order]
    rank[order[picked]] = np.arange(1, int(picked.sum()) + 1)
    return rank


def compare_scenarios(
    funding: pd.DataFrame,
    units: pd.Series,
    budgets: list[float | None],
    *,
    years: int = 1,
    state_budget: float | None = None,
    value: pd.Series | None = None,
) -> pd.DataFrame:
    """The exact selection under each municipal budget, one row per budget, side by side.

    Returns
    -------
    pandas.DataFrame
        ``budsjett``, ``omrader`` (chosen ids), ``antall_omrader``, ``enheter``,
        ``kommunal`` (municipal money used), ``statlig``, ``kost_total``,
        ``kommunal_per_enhet``.
    """
    rows = []
    for budget in budgets:
        sel = select_areas(
            funding,
            units,
            municipal_budget=budget,
            years=years,
            state_budget=state_budget,
            value=value,
        )
        chosen = sel["valgt"].to_numpy()
        n_units = int(np.asarray(units)[chosen].sum())
        muni = int(funding.loc[chosen, "kommunal"].sum())
        rows.append(
            {
                "budsjett": budget,
                "omrader": ", ".join(funding.loc[chosen, "area_id"]),
                "antall_omrader": int(chosen.sum()),
                "enheter": n_units,
                "kommunal": muni,
                "statlig": int(funding.loc[chosen, "statlig"].sum()),
                "kost_total": int(funding.loc[chosen, "kost_total"].sum()),
                "kommunal_per_enhet": int(round_half_up(muni / n_units)) if n_units else 0,
            }
        )
    return pd.DataFrame(rows)
