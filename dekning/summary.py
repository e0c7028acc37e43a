"""The run summary: the figures a planner quotes, as data (``rapport.json``) and as bokmål text
(``sammendrag.txt`` and the end of ``dekning run``)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from dekning.money import nok
from dekning.rules import CofundingRule, EligibilityRule
from dekning.schema import MOBILE_ANY_COLUMN, TARGET_DOWN_KBPS


def _rules(eligibility: EligibilityRule, cofunding: CofundingRule) -> dict[str, Any]:
    """The rules in force, with their sources and whether they are verified."""
    return {
        "stotteordning_aar": eligibility.year,
        "stotteregel": {
            "grense_kbps": eligibility.eligible_below_kbps,
            "kilde": eligibility.source,
            "verifisert": eligibility.verified,
        },
        "egenandelsregel": {
            "regel": cofunding.rule,
            "pct": cofunding.pct,
            "region": cofunding.region,
            "kilde": cofunding.source,
        },
    }


def build_summary(
    municipality: str,
    classified: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    eligibility: EligibilityRule,
    cofunding: CofundingRule,
    survey: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Headline figures of one run.

    Parameters
    ----------
    municipality
        Name shown in the summary.
    classified
        Classified addresses (counts per address, ``best_down_kbps`` in kbit/s, ``eligible``).
    areas
        Areas with funding (whole NOK) and the selection (``valgt``).
    eligibility, cofunding
        The rules in force, with their sources and verified status.
    survey
        Survey counts (``totalt``, ``godkjent``, ``avvist`` rows, ``treffrate``, ``avvik``).
    """
    chosen = areas[areas["valgt"]]
    summary: dict[str, Any] = {
        "kommune": municipality,
        "adresser": len(classified),
        "husstander": int(classified["hus"].sum()),
        "husstander_uten_100": int(
            classified.loc[classified["best_down_kbps"] < TARGET_DOWN_KBPS, "hus"].sum()
        ),
        "stotteberettigede_adresser": int(classified["eligible"].sum()),
        "stotteberettigede_enheter": int(classified["eligible_units"].sum()),
        "omrader": len(areas),
        "kost_total_alle": int(areas["kost_total"].sum()),
        "kommunal_egenandel_alle": int(areas["kommunal"].sum()),
        "valgte_omrader": chosen["area_id"].tolist(),
        "kommunal_egenandel_valgte": int(chosen["kommunal"].sum()),
        "enheter_valgte": int(chosen["enheter"].sum()),
        **_rules(eligibility, cofunding),
    }
    if MOBILE_ANY_COLUMN in classified:
        summary["husstander_uten_god_mobil"] = int(
            classified.loc[~classified[MOBILE_ANY_COLUMN].astype(bool), "hus"].sum()
        )
    if survey:
        summary["sporreundersokelse"] = {
            "svar": int(survey["totalt"]),
            "godkjent": int(survey["godkjent"]),
            "avvist": int(survey["avvist"]["row"].nunique()),
            "geokodet_andel": round(float(survey["treffrate"]), 4),
            "avvik": len(survey["avvik"]),
        }
    return summary


def format_summary(s: dict[str, Any]) -> str:
    """The short summary printed at the end of a run (bokmål, figures a planner quotes)."""
    lines = [
        f"Kommune: {s['kommune']}",
        f"Adresser: {s['adresser']}  (husstander: {s['husstander']})",
        f"Husstander uten {TARGET_DOWN_KBPS // 1000} Mbit/s: {s['husstander_uten_100']}",
    ]
    if "husstander_uten_god_mobil" in s:
        lines.append(
            f"Husstander uten god mobildekning (ingen operatør): {s['husstander_uten_god_mobil']}"
        )
    lines += [
        f"Støtteberettigede adresser: {s['stotteberettigede_adresser']}  "
        f"(enheter: {s['stotteberettigede_enheter']})",
        f"Utbyggingsområder: {s['omrader']}  (kostnad alle: {nok(s['kost_total_alle'])})",
        f"Kommunal egenandel, alle områder: {nok(s['kommunal_egenandel_alle'])}",
        f"Valgt innenfor budsjett: {', '.join(s['valgte_omrader']) or 'ingen'}  "
        f"({s['enheter_valgte']} enheter, egenandel {nok(s['kommunal_egenandel_valgte'])})",
    ]
    if "sporreundersokelse" in s:
        sv = s["sporreundersokelse"]
        lines.append(
            f"Spørreundersøkelse: {sv['svar']} svar, {sv['godkjent']} godkjent, "
            f"{sv['avvist']} avvist, {sv['geokodet_andel']:.1%} geokodet, "
            f"{sv['avvik']} avvik mot operatørdata"
        )
    return "\n".join(lines)


__all__ = ["build_summary", "format_summary"]
