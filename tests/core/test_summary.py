"""The run summary, by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from dekning.config import ClassifyConfig
from dekning.rules import CofundingRule, EligibilityRule, eligibility_rule
from dekning.summary import build_summary, format_summary


def _inputs() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    classified = gpd.GeoDataFrame(
        {
            "hus": [2, 1, 3],
            "best_down_kbps": [99_999, 100_000, 0],
            "eligible": [True, False, True],
            "eligible_units": [2, 0, 4],
            "mob_any_ok": [False, True, True],
        },
        geometry=shapely.points([0, 1, 2], [0, 0, 0]),
        crs="EPSG:25833",
    )
    areas = pd.DataFrame(
        {
            "area_id": ["O-1", "O-2"],
            "kost_total": [1_000_000, 2_500_000],
            "kommunal": [230_769, 500_001],
            "enheter": [2, 4],
            "valgt": [False, True],
        }
    )
    return classified, areas


def test_summary_figures_by_hand():
    classified, areas = _inputs()
    elig = EligibilityRule(
        year=2024,
        eligible_below_down_kbps=100_000,
        bands=(("M100", 100_000),),
        sources=("kilde",),
        status="assumed",
    )
    cofund = CofundingRule(region="national", rule="none", pct=0.0, source="kilde 2")
    s = build_summary("Testkommune", classified, areas, elig, cofund)
    assert s["husstander"] == 6
    assert s["husstander_uten_100"] == 5  # 99 999 kbit/s and no offer; 100 000 is enough
    assert s["husstander_uten_god_mobil"] == 2
    assert s["stotteberettigede_adresser"] == 2 and s["stotteberettigede_enheter"] == 6
    assert s["kost_total_alle"] == 3_500_000 and s["kommunal_egenandel_alle"] == 730_770
    assert s["valgte_omrader"] == ["O-2"] and s["kommunal_egenandel_valgte"] == 500_001
    assert s["stotteregel"]["verifisert"] is False
    text = format_summary(s)
    assert "Husstander uten 100 Mbit/s: 5" in text
    assert "Kommunal egenandel, alle områder: 730\u00a0770\u00a0kr" in text
    assert "Valgt innenfor budsjett: O-2  (4 enheter, egenandel 500\u00a0001\u00a0kr)" in text
    lines = text.splitlines()
    assert lines[3].startswith("Husstander uten god mobildekning")


def test_rule_status_scheme_year_and_state_frame_are_shown():
    classified, areas = _inputs()
    classified["under_funksjonell"] = [False, False, True]
    rule = eligibility_rule(2026)
    cofund = CofundingRule("config", "pct_of_total", 0.2, "fylkets utlysning", "config")
    s = build_summary("Testkommune", classified, areas, rule, cofund, classify_cfg=ClassifyConfig())
    assert (
        s["stotteregel"]["status"] == "assumed" and s["stotteregel"]["grense_opp_kbps"] == 150_000
    )
    assert s["stotteordning_aar_satt"] is False and s["statlig_ramme_nok"] is None
    assert (s["under_funksjonell_adresser"], s["under_funksjonell_husstander"]) == (1, 3)
    text = format_summary(s)
    assert (
        "Støtteberettigede adresser: 2  (enheter: 6)  [regel 2026: ANTATT (ikke verifisert)]"
        in text
    )
    assert "[egenandelsregel: satt i konfigurasjonen]" in text
    assert "Støtteordningens år: 2026 (ikke satt: inneværende år)" in text
    assert f"Regel: 2026, ANTATT (ikke verifisert) – kilde: {rule.source}" in text
    assert "Støtteberettiget uten tilbud ≥ 1000/150 Mbit/s" in text
    assert "teller som dekning: fiber, kabel, dsl, ftb, radio (ANTATT (ikke verifisert))" in text
    assert (
        "Under funksjonell internettilgang (< 20/5 Mbit/s, ANTATT (ikke verifisert)): 3 husstander (1 adresser)"
        in text
    )
    assert "Egenandelsregel: satt i konfigurasjonen – kilde: fylkets utlysning" in text
    assert "Statlig ramme: ukjent (ingen grense)" in text
    # A year set in the configuration, satellite counted and a known frame.
    cfg = ClassifyConfig(scheme_year=2024, count_satellite=True)
    s = build_summary(
        "Testkommune",
        classified.drop(columns="under_funksjonell"),
        areas,
        eligibility_rule(2024),
        cofund,
        classify_cfg=cfg,
        state_budget_nok=58_400_000,
    )
    text = format_summary(s)
    assert "Støtteordningens år: 2024 (satt i konfigurasjonen)" in text
    assert "[regel 2024: verifisert]" in text and "Under funksjonell" not in text
    assert "radio, satellitt (satt i konfigurasjonen)" in text
    assert "Statlig ramme: 58\u00a0400\u00a0000\u00a0kr" in text


def test_survey_share_and_rule_note_in_bokmal():
    classified, areas = _inputs()
    survey = {
        "totalt": 320,
        "godkjent": 313,
        "avvist": pd.DataFrame({"row": [4, 4, 9]}),
        "treffrate": 0.99681,
        "avvik": [1, 2],
    }
    cofund = CofundingRule("national", "none", 0.0, "kilde")
    s = build_summary("K", classified, areas, eligibility_rule(2025), cofund, survey)
    text = format_summary(s)
    assert "320 svar, 313 godkjent, 2 avvist, 99,7\u00a0% geokodet, 2 avvik" in text
    assert "  Nettet som bygges må gi minst 1000 Mbit/s" in text
    assert "  Merknad: Stabil nedlasting ≥ 1 Gbit/s" in text
