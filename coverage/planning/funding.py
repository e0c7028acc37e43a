"""Funding plan per build-out area, in whole kroner, reconciling exactly:

``kost_total = tilbyder + private + statlig + fylke + kommunal`` for every area.

The funding gap (støttebehov) is what is left after the operator's commercial contribution and
private money/dugnad. The state grant takes what the year's co-funding rule leaves after the
minimum local public share, capped by ``max_state_share_of_gap``; the county's own contribution
and the municipal co-funding (kommunal egenandel) close the gap. See ``shared/DOMAIN.md`` §2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dekning.config import FundingConfig
from dekning.money import annuity_factor, round_half_up
from dekning.rules import CofundingRule, cofunding_rule


def resolve_rule(cfg: FundingConfig, year: int, county: str) -> CofundingRule:
    """The co-funding rule in force: from the rule table (``auto``) or set in the config."""
    base = cofunding_rule(year, county)
    if cfg.cofunding_rule == "auto":
        rule = base
    else:
        rule = CofundingRule(
            year,
            "config",
            cfg.cofunding_rule,
            base.pct if cfg.cofunding_rule == base.rule else 0.0,
            "configuration",
        )
    if cfg.cofunding_pct is not None:
        rule = CofundingRule(
            rule.year,
            rule.region,
            rule.rule,
            cfg.cofunding_pct,
            rule.source + " (pct from configuration)",
        )
    return rule


def local_public_minimum(cost: int, private: int, gap: int, rule: CofundingRule) -> int:
    """Smallest local public contribution (NOK) the rule demands, at most the whole gap."""
    if rule.rule == "pct_of_state_grant":
        # local >= p × state and local + state = gap  =>  local >= gap × p / (1 + p)
        need = math.ceil(gap * rule.pct / (1 + rule.pct))
    elif rule.rule == "pct_of_total":
        need = max(0, math.ceil(cost * rule.pct) - private)
    else:
        need = 0
    return min(max(need, 0), gap)


def fund(
    costs: pd.DataFrame, cfg: FundingConfig, rule: CofundingRule, units: pd.Series
) -> pd.DataFrame:
    """Funding plan of every area.

    Parameters
    ----------
    costs
        Output of :func:`dekning.coverage.planning.costs.estimate_costs` (``kost_total``, ``tilknytninger``).
    cfg
        Funding parameters.
    rule
        Minimum local co-funding rule (see :func:`resolve_rule`).
    units
        Eligible units per area (households + businesses), same order as ``costs``.

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``kost_total``, ``tilbyder``, ``private``, ``stottebehov``,
        ``lokal_minimum``, ``statlig``, ``fylke``, ``kommunal``, ``kost_per_enhet``,
        ``kommunal_per_tilknytning``, ``regel``, ``regel_pct`` (all money in whole NOK).
    """
    rows = []
    pv = annuity_factor(cfg.years, cfg.discount_rate)
    for (_, c), n_units in zip(costs.iterrows(), units, strict=True):  # one row per area: small
        cost = int(c["kost_total"])
        connections = float(c["tilknytninger"])
        if cfg.operator_model == "share_of_cost":
            operator = int(round_half_up(cfg.operator_share_of_cost * cost))
        else:
            operator = int(
                round_half_up(connections * cfg.monthly_revenue_nok * 12 * cfg.margin * pv)
            )
        operator = min(max(operator, 0), cost)
        private = min(
            int(round_half_up(cfg.private_per_connection_nok * connections)), cost - operator
        )
        gap = cost - operator - private
        local_min = local_public_minimum(cost, private, gap, rule)
        state = min(gap - local_min, math.floor(cfg.max_state_share_of_gap * gap))
        local_public = gap - state
        county = min(local_public, math.floor(cfg.county_share_of_public * gap))
        municipal = local_public - county
        rows.append(
            {
                "area_id": c["area_id"],
                "kost_total": cost,
                "tilbyder": operator,
                "private": private,
                "stottebehov": gap,
                "lokal_minimum": local_min,
                "statlig": state,
                "fylke": county,
                "kommunal": municipal,
                "kost_per_enhet": int(round_half_up(cost / n_units)) if n_units else 0,
                "kommunal_per_tilknytning": int(round_half_up(municipal / connections))
                if connections
                else 0,
                "regel": rule.rule,
                "regel_pct": rule.pct,
            }
        )
    out = pd.DataFrame(rows)
    parts = out[["tilbyder", "private", "statlig", "fylke", "kommunal"]].sum(axis=1)
    assert np.array_equal(parts.to_numpy(), out["kost_total"].to_numpy()), (
        "funding does not reconcile"
    )
    return out
