"""The run summary: the figures a planner quotes, as data (``rapport.json``) and as bokmål text
(``sammendrag.txt`` and the end of ``dekning run``)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.config import ClassifyConfig
from dekning.money import decimal, nok, percent, thousands
from dekning.rules import (
    CofundingRule,
    EligibilityRule,
    cofunding_line,
    counted_technologies,
    eligibility_line,
    scheme_year_text,
    speed_text,
    state_frame_text,
    status_text,
)
from dekning.schema import MOBILE_ANY_COLUMN, TARGET_DOWN_KBPS


def _rules(
    eligibility: EligibilityRule,
    cofunding: CofundingRule,
    classify_cfg: ClassifyConfig | None,
    state_budget_nok: float | None,
) -> dict[str, Any]:
    """The rules in force, with their sources and status (``verified``, ``assumed`` or
    ``config``), the scheme year and whether it was set, and the state frame."""
    configured = classify_cfg.scheme_year if classify_cfg is not None else eligibility.year
    techs, techs_status = counted_technologies(
        eligibility,
        classify_cfg.counted_technologies if classify_cfg is not None else None,
        classify_cfg.count_satellite if classify_cfg is not None else False,
    )
    floor = eligibility.functional_floor
    return {
        "stotteordning_aar": eligibility.year,
        "stotteordning_aar_satt": configured is not None,
        "stotteordning_aar_tekst": scheme_year_text(configured, eligibility.year),
        "stotteregel": {
            "grense_kbps": eligibility.eligible_below_down_kbps,
            "grense_opp_kbps": eligibility.eligible_below_up_kbps,
            "krav_ned_kbps": eligibility.target_down_kbps,
            "krav_opp_kbps": eligibility.target_up_kbps,
            "teknologier": list(techs),
            "teknologier_status": techs_status,
            "oppgraderbar_unntak": eligibility.upgradeable_exclusion,
            "funksjonell_grense": None
            if floor is None
            else {
                "ned_kbps": floor.down_kbps,
                "opp_kbps": floor.up_kbps,
                "status": floor.status,
                "kilde": floor.source,
            },
            "status": eligibility.status,
            "status_tekst": status_text(eligibility.status),
            "verifisert": eligibility.verified,
            "kilde": eligibility.source,
            "kilder": list(eligibility.sources),
            "merknad": eligibility.note,
            "linje": eligibility_line(eligibility),
        },
        "egenandelsregel": {
            "regel": cofunding.rule,
            "pct": cofunding.pct,
            "region": cofunding.region,
            "kilde": cofunding.source,
            "status": cofunding.status,
            "status_tekst": status_text(cofunding.status),
            "linje": cofunding_line(cofunding),
        },
        "statlig_ramme_nok": state_budget_nok,
        "statlig_ramme": state_frame_text(state_budget_nok),
    }


def build_summary(
    municipality: str,
    classified: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    eligibility: EligibilityRule,
    cofunding: CofundingRule,
    survey: dict[str, Any] | None = None,
    *,
    classify_cfg: ClassifyConfig | None = None,
    state_budget_nok: float | None = None,
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
        The rules in force, with their sources and status.
    survey
        Survey counts (``totalt``, ``godkjent``, ``avvist`` rows, ``treffrate``, ``avvik``).
    classify_cfg
        The run's classification settings: whether the scheme year was set, the counted
        technologies (None: the year was set and the rule's technologies count).
    state_budget_nok
        The county's frame of state money (None: unknown, no cap).
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
        **_rules(eligibility, cofunding, classify_cfg, state_budget_nok),
    }
    if "under_funksjonell" in classified:
        below = classified["under_funksjonell"].astype(bool)
        summary["under_funksjonell_adresser"] = int(below.sum())
        summary["under_funksjonell_husstander"] = int(classified.loc[below, "hus"].sum())
    if "kan_oppgraderes" in classified:
        summary["kan_oppgraderes_adresser"] = int(classified["kan_oppgraderes"].sum())
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


def road_figures(
    summary: pd.DataFrame, stretches: pd.DataFrame, *, source: str, satisfactory: str
) -> dict[str, Any]:
    """Headline figures of the mobile coverage along roads (the ``alle`` row of the summary per
    road category, and the longest gap stretch's road).

    Parameters
    ----------
    summary
        :func:`dekning.coverage.classify.road_gaps.road_summary`.
    stretches
        The ranked gap stretches (for the longest one's road).
    source, satisfactory
        Where the classes came from; ``outdoor`` or ``indoor``.
    """
    rows = [{str(k): v for k, v in r.items()} for r in summary.to_dict("records")]
    total = next(r for r in rows if r["vegkategori"] == "alle")
    road = ""
    if len(stretches):
        longest = stretches.iloc[int(np.argmax(stretches["lengde_m"].to_numpy()))]
        road = str(longest["vegnummer"] or longest["vegnavn"])

    def figures(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "km": _rounded(r["km"], 3),
            "andel_minst_en": _rounded(r["andel_minst_en"], 4),
            "andel_alle": _rounded(r["andel_alle"], 4),
            "km_ukjent": _rounded(r["km_ukjent"], 3),
            "lengste_hull_km": _rounded(r["lengste_hull_km"], 3),
            "hull": int(r["hull"]),
        }

    return {
        **figures(total),
        "lengste_hull_veg": road,
        "kilde": source,
        "tilfredsstillende": "ute" if satisfactory == "outdoor" else "inne",
        "per_kategori": {str(r["vegkategori"]): figures(r) for r in rows if r is not total},
    }


def mast_figures(
    sites: pd.DataFrame, road_km: float, units: int, holiday_homes: int, covered: bool
) -> dict[str, Any]:
    """Headline figures of the mast screening: candidates, the chosen sites, their cost and
    municipal share, and what they newly cover together (each road metre and address once).

    Parameters
    ----------
    sites
        The candidates with ``site_id``, ``valgt``, ``kost_total``, ``kommunal``.
    road_km, units, holiday_homes
        Newly covered road km, households and businesses, and holiday homes of the chosen sites
        together.
    covered
        Whether the year's scheme covers mobile coverage.
    """
    chosen = sites.loc[sites["valgt"].astype(bool)]
    return {
        "kandidater": len(sites),
        "valgte": chosen["site_id"].astype(str).tolist(),
        "kost_valgte": int(chosen["kost_total"].sum()),
        "kommunal_valgte": int(chosen["kommunal"].sum()),
        "ny_veg_km": round(float(road_km), 3),
        "nye_enheter": int(units),
        "nye_fritidsboliger": int(holiday_homes),
        "mobil_i_ordningen": bool(covered),
    }


def _mast_line(m: dict[str, Any]) -> str:
    """One line on the candidate mast sites."""
    head = f"Mastekandidater (screening, ikke radioplan): {thousands(m['kandidater'])} vurdert"
    if not m["valgte"]:
        return head + ", ingen valgt"
    return (
        f"{head}; valgt {', '.join(m['valgte'])} (kostnad {nok(m['kost_valgte'])}, kommunal "
        f"andel {nok(m['kommunal_valgte'])}): ny dekning på {decimal(m['ny_veg_km'])} km veg, "
        f"{thousands(m['nye_enheter'])} husstander og virksomheter, "
        f"{thousands(m['nye_fritidsboliger'])} fritidsboliger"
        + ("" if m["mobil_i_ordningen"] else "  [årets støtteordning dekker ikke mobil]")
    )


def _rounded(value: Any, digits: int) -> float | None:
    """A float rounded for the report; None for NaN (a share of no known length)."""
    return None if pd.isna(value) else round(float(value), digits)


def _road_line(r: dict[str, Any]) -> str:
    """One line on the mobile coverage along roads."""

    def share(x: float | None) -> str:
        return "ukjent" if x is None else percent(x)

    where = f" ({r['lengste_hull_veg']})" if r["lengste_hull_veg"] else ""
    line = (
        f"Mobil langs veg ({r['tilfredsstillende']}): {decimal(r['km'])} km, "
        f"{share(r['andel_minst_en'])} dekket av minst én operatør, "
        f"{share(r['andel_alle'])} av alle; lengste hull {decimal(r['lengste_hull_km'])} km"
        f"{where}, {thousands(r['hull'])} hullstrekninger"
    )
    if "estimat" in r["kilde"]:
        line += f"  [estimat: {r['kilde']}]"
    return line


def _rule_lines(s: dict[str, Any]) -> list[str]:
    """The rules in force, their status and sources, the scheme year and the state frame."""
    rule, cof = s["stotteregel"], s["egenandelsregel"]
    techs = ", ".join(rule["teknologier"])
    lines = [
        f"Støtteordningens år: {s['stotteordning_aar_tekst']}",
        rule["linje"],
        f"  Støtteberettiget uten tilbud ≥ {speed_text(rule['grense_kbps'], rule['grense_opp_kbps'])}"
        f"; teller som dekning: {techs} ({status_text(rule['teknologier_status'])})",
    ]
    if rule["krav_ned_kbps"]:
        target = speed_text(rule["krav_ned_kbps"], rule["krav_opp_kbps"])
        lines.append(f"  Nettet som bygges må gi minst {target}")
    if rule["merknad"]:
        lines.append(f"  Merknad: {rule['merknad']}")
    floor = rule["funksjonell_grense"]
    if floor is not None and "under_funksjonell_husstander" in s:
        lines.append(
            f"Under funksjonell internettilgang "
            f"(< {speed_text(floor['ned_kbps'], floor['opp_kbps'])}, "
            f"{status_text(floor['status'])}): {thousands(s['under_funksjonell_husstander'])} husstander "
            f"({thousands(s['under_funksjonell_adresser'])} adresser)"
        )
    if "kan_oppgraderes_adresser" in s:
        used = "" if rule["oppgraderbar_unntak"] else " (årets regel har ikke dette unntaket)"
        lines.append(
            f"Kan enkelt oppgraderes til 1 Gbit/s: {thousands(s['kan_oppgraderes_adresser'])} adresser{used}"
        )
    lines += [cof["linje"], f"Statlig ramme: {s['statlig_ramme'].removeprefix('statlig ramme: ')}"]
    return lines


def format_summary(s: dict[str, Any]) -> str:
    """The short summary printed at the end of a run (bokmål, figures a planner quotes), with
    the status of the rule each figure rests on."""
    rule_status = f"regel {s['stotteordning_aar']}: {s['stotteregel']['status_tekst']}"
    cof_status = f"egenandelsregel: {s['egenandelsregel']['status_tekst']}"
    lines = [
        f"Kommune: {s['kommune']}",
        f"Adresser: {s['adresser']}  (husstander: {s['husstander']})",
        f"Husstander uten {TARGET_DOWN_KBPS // 1000} Mbit/s: {s['husstander_uten_100']}",
    ]
    if "husstander_uten_god_mobil" in s:
        lines.append(
            f"Husstander uten god mobildekning (ingen operatør): {s['husstander_uten_god_mobil']}"
        )
    if "mobil_veg" in s:
        lines.append(_road_line(s["mobil_veg"]))
    if "master" in s:
        lines.append(_mast_line(s["master"]))
    lines += [
        f"Støtteberettigede adresser: {s['stotteberettigede_adresser']}  "
        f"(enheter: {s['stotteberettigede_enheter']})  [{rule_status}]",
        f"Utbyggingsområder: {s['omrader']}  (kostnad alle: {nok(s['kost_total_alle'])})",
        f"Kommunal egenandel, alle områder: {nok(s['kommunal_egenandel_alle'])}  [{cof_status}]",
        f"Valgt innenfor budsjett: {', '.join(s['valgte_omrader']) or 'ingen'}  "
        f"({s['enheter_valgte']} enheter, egenandel {nok(s['kommunal_egenandel_valgte'])})",
    ]
    if "sporreundersokelse" in s:
        sv = s["sporreundersokelse"]
        lines.append(
            f"Spørreundersøkelse: {sv['svar']} svar, {sv['godkjent']} godkjent, "
            f"{sv['avvist']} avvist, {percent(sv['geokodet_andel'])} geokodet, "
            f"{sv['avvik']} avvik mot operatørdata"
        )
    return "\n".join([*lines, *_rule_lines(s)])


__all__ = ["build_summary", "format_summary", "mast_figures", "road_figures"]
