"""Funding plan per build-out area, in whole kroner, reconciling exactly:

``kost_total = tilbyder + private + statlig + fylke + kommunal`` for every area.

The funding gap (støttebehov) is what is left after the operator's commercial contribution and
private money/dugnad. The state grant takes what the year's co-funding rule leaves after the
minimum local public share, capped by ``max_state_share_of_gap``; the county's own contribution
and the municipal co-funding (kommunal egenandel) close the gap. See ``shared/DOMAIN.md`` §2.

Every step is computed for all areas at once and rounds as the application workbook's formulas
do (:mod:`dekning.money`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from dekning.config import FundingConfig
from dekning.money import (
    annuity_factor,
    reconcile,
    round_kroner,
    rounddown_kroner,
    roundup_kroner,
)
from dekning.rules import STATUS_WORD, CofundingRule, cofunding_rule
from dekning.schema import require

Kroner = np.ndarray | int
"""Whole kroner: one amount or one per area (int64)."""


def resolve_rule(cfg: FundingConfig, year: int, county: str) -> CofundingRule:
    """The co-funding rule in force: from the rule table (``auto``) or set in the config.

    A rule or percentage set in the configuration has the status ``config`` (shown as "satt i
    konfigurasjonen"); its source is ``cofunding_source`` when given.

    Parameters
    ----------
    cfg
        ``cofunding_rule`` (``auto`` or a rule kind), ``cofunding_pct`` (share, or None) and
        ``cofunding_source`` (where an override comes from).
    year
        Scheme year.
    county
        County name or key (``Trøndelag``, ``trondelag``).
    """
    base = cofunding_rule(year, county)
    rule = base
    given = cfg.cofunding_source.strip()
    if cfg.cofunding_rule != "auto":
        pct = base.pct if cfg.cofunding_rule == base.rule else 0.0
        source = given or "konfigurasjonen (funding.cofunding_rule)"
        rule = CofundingRule("config", cfg.cofunding_rule, pct, source, "config")
    if cfg.cofunding_pct is not None:
        source = rule.source
        if rule.status != "config":
            source += "; prosent satt i konfigurasjonen" + (f" ({given})" if given else "")
        rule = replace(rule, pct=cfg.cofunding_pct, source=source, status="config")
    return rule


def local_public_minimum(cost: Kroner, private: Kroner, gap: Kroner, rule: CofundingRule) -> Kroner:
    """Smallest local public contribution (NOK) the rule demands, at most the whole gap.

    Parameters
    ----------
    cost, private, gap
        Total cost, private money and funding gap (NOK), one value or one per area.
    rule
        ``pct_of_state_grant``: local ≥ pct × state, so local ≥ gap × pct / (1 + pct);
        ``pct_of_total``: local public + private ≥ pct × cost; ``none``: no minimum.

    Returns
    -------
    int or numpy.ndarray
        NOK (int64), rounded up as the workbook's ``ROUNDUP``.
    """
    gap_a = np.asarray(gap, dtype="int64")
    if rule.rule == "pct_of_state_grant":
        need = roundup_kroner(gap_a * rule.pct / (1 + rule.pct))
    elif rule.rule == "pct_of_total":
        need = roundup_kroner(np.asarray(cost, dtype="int64") * rule.pct) - np.asarray(private)
    else:
        need = np.zeros_like(gap_a)
    out = np.minimum(np.maximum(need, 0), gap_a)
    return int(out) if out.ndim == 0 else out


def operator_contribution(
    cost: np.ndarray, connections: np.ndarray, cfg: FundingConfig
) -> np.ndarray:
    """The operator's commercial contribution (NOK, int64), at most the cost.

    ``share_of_cost``: ``operator_share_of_cost`` × cost; ``present_value``: connections ×
    monthly revenue × 12 × margin × the annuity factor of ``years`` at ``discount_rate``.
    """
    if cfg.operator_model == "share_of_cost":
        operator = round_kroner(cfg.operator_share_of_cost * cost)
    else:
        pv = annuity_factor(cfg.years, cfg.discount_rate)
        operator = round_kroner(connections * cfg.monthly_revenue_nok * 12 * cfg.margin * pv)
    return np.minimum(np.maximum(operator, 0), cost)


def _per(amount: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``amount / count`` in whole kroner (int64), 0 where ``count`` is 0."""
    count = np.asarray(count, dtype="float64")
    ratio = np.divide(amount, count, out=np.zeros(len(amount)), where=count != 0)
    return np.where(count != 0, round_kroner(ratio), 0)


def fund(
    costs: pd.DataFrame, cfg: FundingConfig, rule: CofundingRule, units: pd.Series
) -> pd.DataFrame:
    """Funding plan of every area.

    Parameters
    ----------
    costs
        ``area_id``, ``kost_total`` (NOK) and ``tilknytninger`` (expected connections) per
        area (:func:`~dekning.coverage.planning.costs.estimate_costs`).
    cfg, rule
        Funding parameters and the minimum local co-funding rule (:func:`resolve_rule`).
    units
        Eligible units per area (households + businesses), same order as ``costs``.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``kost_total``, ``tilbyder``, ``private``, ``stottebehov``,
        ``lokal_minimum``, ``statlig``, ``fylke``, ``kommunal``, ``kost_per_enhet``,
        ``kommunal_per_tilknytning`` (all money in whole NOK, int64), ``regel``, ``regel_pct``,
        ``regel_status`` (``verifisert``, ``antatt`` or ``konfigurasjon``) and ``regel_kilde``
        (the rule's source).

    Raises
    ------
    ReconciliationError
        The parts do not add up to the cost in some area (a defect, never bad input).
    """
    require(costs, ["area_id", "kost_total", "tilknytninger"], "fund(costs)")
    cost = costs["kost_total"].to_numpy(dtype="int64")
    connections = costs["tilknytninger"].to_numpy(dtype="float64")
    operator = operator_contribution(cost, connections, cfg)
    private = np.minimum(
        round_kroner(cfg.private_per_connection_nok * connections), cost - operator
    )
    gap = cost - operator - private
    local_min = np.asarray(local_public_minimum(cost, private, gap, rule), dtype="int64")
    state = np.minimum(gap - local_min, rounddown_kroner(cfg.max_state_share_of_gap * gap))
    local_public = gap - state
    county = np.minimum(local_public, rounddown_kroner(cfg.county_share_of_public * gap))
    municipal = local_public - county
    out = pd.DataFrame(
        {
            "area_id": costs["area_id"].to_numpy(),
            "kost_total": cost,
            "tilbyder": operator,
            "private": private,
            "stottebehov": gap,
            "lokal_minimum": local_min,
            "statlig": state,
            "fylke": county,
            "kommunal": municipal,
            "kost_per_enhet": _per(cost, np.asarray(units)),
            "kommunal_per_tilknytning": _per(municipal, connections),
            "regel": rule.rule,
            "regel_pct": rule.pct,
            "regel_status": STATUS_WORD.get(rule.status, rule.status),
            "regel_kilde": rule.source,
        }
    )
    reconcile(out)
    return out
