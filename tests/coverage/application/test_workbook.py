"""The funding workbook's live formulas reproduce dekning's kroner for every funding model and
co-funding rule, evaluated in Python (``formulas``) and recalculated by LibreOffice; text from
the input stays text."""

from __future__ import annotations

import itertools
from datetime import date

import openpyxl
import pandas as pd
import pytest

from dekning.config import ClassifyConfig, Config, CostConfig, FundingConfig, InputConfig
from dekning.coverage.application.workbook import funding_workbook
from dekning.coverage.planning.funding import fund
from dekning.rules import CofundingRule

MODELS = {
    "share_of_cost": {"operator_model": "share_of_cost", "operator_share_of_cost": 0.15},
    "present_value": {
        "operator_model": "present_value",
        "monthly_revenue_nok": 550,
        "margin": 0.35,
        "years": 10,
        "discount_rate": 0.06,
    },
}
RULES = {"pct_of_total": 0.25, "pct_of_state_grant": 0.30, "none": 0.0}
MONEY = {
    "Trasélengde": "route_m",
    "Graving og kabel": "kost_grofting",
    "Tilknytninger": "kost_tilknytning",
    "Total prosjektkostnad": "kost_total",
    "Private bidrag og dugnad": "private",
    "Støttebehov": "stottebehov",
    "Minste lokale offentlige bidrag": "lokal_minimum",
    "Statlig tilskudd": "statlig",
    "Fylkeskommunalt bidrag": "fylke",
    "Kommunal egenandel": "kommunal",
    "Kostnad per enhet": "kost_per_enhet",
    "Kommunal egenandel per tilknytning": "kommunal_per_tilknytning",
}
"""Workbook label -> the run's column it must equal."""
OPERATOR = {"share_of_cost": "Tilbyders bidrag", "present_value": "Tilbyders bidrag (nåverdi)"}


def variant(result, config: Config, model: str, rule: str) -> tuple[pd.DataFrame, Config]:
    """The default run's areas funded under ``model`` and ``rule``, with private money, a
    county share and a state cap so that every formula has work to do."""
    funding_cfg = FundingConfig(
        **MODELS[model],
        private_per_connection_nok=1_500,
        county_share_of_public=0.1,
        max_state_share_of_gap=0.9,
    )
    areas = result.areas
    plan = fund(
        areas, funding_cfg, CofundingRule("test", rule, RULES[rule], "test"), areas["enheter"]
    )
    kept = areas.drop(columns=[c for c in plan.columns if c not in ("area_id", "kost_total")])
    return kept.merge(plan.drop(columns="kost_total"), on="area_id"), config.model_copy(
        update={"funding": funding_cfg}
    )


def assert_same_kroner(values: dict, area: pd.Series, model: str) -> None:
    """Every money figure of the workbook equals the run's, to the krone (metres to 0.1 m)."""
    for label, column in {**MONEY, OPERATOR[model]: "tilbyder"}.items():
        assert float(values[label]) == area[column], (area["area_id"], label)
    assert float(values["Kontroll: kostnad − alle bidrag"]) == 0
    assert float(values["Forventede tilknytninger"]) == pytest.approx(area["tilknytninger"])


COMBINATIONS = list(itertools.product(MODELS, RULES))


@pytest.mark.slow
@pytest.mark.parametrize(("model", "rule"), COMBINATIONS)
def test_formulas_reproduce_every_model_and_rule(
    model, rule, default_result, default_config, workbook_values, tmp_path
):
    plan, cfg = variant(default_result, default_config, model, rule)
    assert (plan["regel"] == rule).all() and (plan["private"] > 0).all()
    for _, area in plan.iterrows():  # a workbook per area: test set-up, not a hot path
        path = tmp_path / f"{area['area_id']}.xlsx"
        funding_workbook(area, cfg, path)
        assert_same_kroner(workbook_values(path), area, model)


@pytest.mark.slow
def test_libreoffice_recalculates_the_same_kroner(
    default_result, default_config, libreoffice_values, tmp_path
):
    expected = {}
    for model, rule in COMBINATIONS:
        plan, cfg = variant(default_result, default_config, model, rule)
        for _, area in plan.iterrows():  # a workbook per area: test set-up, not a hot path
            path = tmp_path / f"{model}-{rule}-{area['area_id']}.xlsx"
            funding_workbook(area, cfg, path)
            expected[path] = (area, model)
    recalculated = libreoffice_values(list(expected), tmp_path / "csv")
    assert len(recalculated) == 6 * len(default_result.areas)
    for path, (area, model) in expected.items():
        assert_same_kroner(recalculated[path], area, model)


def test_hand_computed_workbook_with_ducts_and_ground_classes(tmp_path, workbook_values):
    area = pd.Series(
        {
            "area_id": "O-001",
            "hus": 4,
            "naering": 1,
            "offentlig": 0,
            "fritid": 2,
            "metode": "luftlinje",
            "trase_m": 200.0,
            "link_m": 500.0,
            "omveg": 1.2,
            "i_trekkror_m": 100.0,
            "grunn_fjell_m": 120.0,
            "regel": "pct_of_state_grant",
            "regel_pct": 0.3,
        }
    )
    costs = CostConfig(
        cost_per_metre_nok=500,
        cost_per_metre_duct_nok=100,
        per_connection_nok=20_000,
        take_up=0.8,
        fixed_equipment_nok=100_000,
        ground_cost_per_metre_nok={"fjell": 1_000, "myr": 600},
    )
    cfg = Config(input=InputConfig(addresses=tmp_path / "a.csv"), costs=costs)
    funding_workbook(area, cfg, tmp_path / "f.xlsx")
    v = workbook_values(tmp_path / "f.xlsx")
    assert v["Støtteberettigede enheter"] == 5 and v["Trasélengde"] == 840.0  # 700 m × 1.2
    assert v["Herav i grunnklasse «myr»"] == 0.0  # no bog metres given: 0
    # (840 − 100 − 120 − 0) × 500 + 100 × 100 + 120 × 1 000 + 0 × 600 = 440 000
    assert v["Graving og kabel"] == 440_000
    assert v["Tilknytninger"] == 80_000  # 5 × 0.8 × 20 000
    assert v["Total prosjektkostnad"] == 620_000
    assert v["Tilbyders bidrag"] == 93_000  # 15 %
    # Gap 527 000; local ≥ ceil(527 000 × 0.3 / 1.3) = 121 616; the state takes the rest.
    assert v["Støttebehov"] == 527_000 and v["Minste lokale offentlige bidrag"] == 121_616
    assert v["Statlig tilskudd"] == 405_384 and v["Kommunal egenandel"] == 121_616
    assert v["Kostnad per enhet"] == 124_000 and v["Kommunal egenandel per tilknytning"] == 30_404


HOSTILE = '=HYPERLINK("http://x","y")'


def _hostile_area(default_result) -> pd.Series:
    area = default_result.areas.iloc[0].copy()
    area["area_id"] = "O-001\x07<b>"
    area["regel"] = HOSTILE  # an unknown rule from a file read back: shown, never run
    return area


def test_text_from_the_input_is_text_not_a_formula(
    default_result, default_config, workbook_values, tmp_path
):
    path = tmp_path / "f.xlsx"
    funding_workbook(_hostile_area(default_result), default_config, path)
    ws = openpyxl.load_workbook(path).active
    assert ": område O-001\ufffd<b> – " in ws["A1"].value and ws["A1"].data_type == "s"
    rule = next(r[1] for r in ws.iter_rows(min_row=3) if r[0].value == "Regel for lokale bidrag")
    assert (rule.value, rule.data_type) == (HOSTILE, "s")
    # Labels, units and notes are text; the only formulas are dekning's own.
    for row in ws.iter_rows():
        for cell in row:
            if cell.column != 2 and cell.value is not None:
                assert cell.data_type == "s"
    values = workbook_values(path)
    assert values["Regel for lokale bidrag"] == HOSTILE
    assert values["Minste lokale offentlige bidrag"] == 0  # an unknown rule demands nothing


@pytest.mark.slow
def test_libreoffice_shows_text_from_the_input_as_text(
    default_result, default_config, libreoffice_values, tmp_path
):
    path = tmp_path / "f.xlsx"
    funding_workbook(_hostile_area(default_result), default_config, path)
    values = libreoffice_values([path], tmp_path / "csv")[path]
    assert values["Regel for lokale bidrag"] == HOSTILE


HAND_AREA = {
    "area_id": "O-002",
    "hus": 4,
    "naering": 1,
    "offentlig": 2,
    "fritid": 0,
    "metode": "veg",
    "trase_m": 300.0,
    "link_m": 100.0,
    "omveg": 1.0,
    "i_trekkror_m": 40.0,
    "grunn_fjell_m": 50.0,
    "regel": "none",
    "regel_pct": 0.0,
}
DROPS = {
    "stikk_m": 60.0,
    "stikk_prosjekt_m": 45.0,
    "stikk_eier_m": 15.0,
    "kost_stikk": 13_500,
    "kost_stikk_eier": 4_500,
}
HAND_COSTS = CostConfig(
    cost_per_metre_nok=500,
    cost_per_metre_duct_nok=100,
    per_connection_nok=20_000,
    take_up=0.8,
    fixed_equipment_nok=100_000,
    ground_cost_per_metre_nok={"fjell": 1_000, "myr": 600},
    drop_cost_per_metre_nok=300,
)


def _hand_config(tmp_path, **classify) -> Config:
    return Config(
        input=InputConfig(addresses=tmp_path / "a.csv"),
        costs=HAND_COSTS,
        classify=ClassifyConfig(**classify),
    )


def test_drops_are_priced_apart_and_the_owner_s_share_stays_outside_the_total(
    tmp_path, workbook_values
):
    area = pd.Series({**HAND_AREA, **DROPS})
    funding_workbook(area, _hand_config(tmp_path), tmp_path / "f.xlsx")
    v = workbook_values(tmp_path / "f.xlsx")
    assert v["Trasélengde"] == 400.0 and v["Herav stikkledninger (fra veg til hus)"] == 60.0
    # (400 − 60 drops − 40 in ducts − 50 rock) × 500 + 40 × 100 + 50 × 1 000 = 179 000
    assert v["Graving og kabel"] == 179_000
    assert v["Kostnad per meter stikkledning"] == 300
    assert v["Stikkledninger (prosjektet)"] == 13_500  # 45 m × 300
    assert v["Stikkledninger (eier, ikke i totalen)"] == 4_500  # 15 m × 300
    # Units 4 + 1 + 2 (public buildings count) = 7; 7 × 0.8 × 20 000 = 112 000
    assert v["Støtteberettigede enheter"] == 7 and v["Tilknytninger"] == 112_000
    # 179 000 + 13 500 + 112 000 + 100 000; the owner's 4 500 is not in it
    assert v["Total prosjektkostnad"] == 404_500
    assert v["Kontroll: kostnad − alle bidrag"] == 0


def test_the_drop_rate_defaults_to_the_road_rate(tmp_path, workbook_values):
    costs = HAND_COSTS.model_copy(update={"drop_cost_per_metre_nok": None})
    cfg = _hand_config(tmp_path).model_copy(update={"costs": costs})
    funding_workbook(pd.Series({**HAND_AREA, **DROPS}), cfg, tmp_path / "f.xlsx")
    v = workbook_values(tmp_path / "f.xlsx")
    assert v["Kostnad per meter stikkledning"] == 500
    assert v["Stikkledninger (prosjektet)"] == 22_500
    assert v["Total prosjektkostnad"] == 179_000 + 22_500 + 112_000 + 100_000


def test_without_drop_columns_the_sheet_has_no_drop_rows(tmp_path, workbook_values):
    funding_workbook(pd.Series(HAND_AREA), _hand_config(tmp_path), tmp_path / "f.xlsx")
    v = workbook_values(tmp_path / "f.xlsx")
    assert not [label for label in v if "tikkledning" in str(label)]
    # (400 − 40 − 50) × 500 + 40 × 100 + 50 × 1 000: every route metre at the road prices
    assert v["Graving og kabel"] == 209_000
    assert v["Total prosjektkostnad"] == 209_000 + 112_000 + 100_000


def test_public_buildings_are_left_out_when_switched_off(tmp_path, workbook_values):
    cfg = _hand_config(tmp_path, count_public_buildings=False)
    funding_workbook(pd.Series(HAND_AREA), cfg, tmp_path / "f.xlsx")
    v = workbook_values(tmp_path / "f.xlsx")
    assert v["Støtteberettigede enheter"] == 5 and v["Tilknytninger"] == 80_000


def _heading(path) -> list[str]:
    ws = openpyxl.load_workbook(path).active
    return [ws.cell(row=r, column=1).value for r in range(2, 5)]


def test_the_heading_shows_each_rule_s_status_the_year_and_the_state_frame(tmp_path):
    area = pd.Series(
        {
            **HAND_AREA,
            "stotteregel_aar": 2026,
            "stotteregel_status": "antatt",
            "stotteregel_kilde": "eur-lex 52023XC0131(01)",
            "regel_status": "konfigurasjon",
            "regel_kilde": "Fylkets utlysning 2026",
        }
    )
    path = tmp_path / "f.xlsx"
    funding_workbook(area, _hand_config(tmp_path), path)
    year = date.today().year
    assert _heading(path) == [
        "Regel: 2026, ANTATT (ikke verifisert) – kilde: eur-lex 52023XC0131(01)",
        "Egenandelsregel: satt i konfigurasjonen – kilde: Fylkets utlysning 2026",
        f"Støtteordningens år: {year} (ikke satt: inneværende år); "
        "statlig ramme: ukjent (ingen grense)",
    ]
    verified = area.copy()
    verified["stotteregel_aar"], verified["stotteregel_status"] = 2024, "verifisert"
    cfg = _hand_config(tmp_path, scheme_year=2024)
    cfg = cfg.model_copy(update={"funding": FundingConfig(state_budget_nok=58_400_000)})
    funding_workbook(verified, cfg, path)
    heading = _heading(path)
    assert heading[0] == "Regel: 2024, verifisert – kilde: eur-lex 52023XC0131(01)"
    assert heading[2] == (
        "Støtteordningens år: 2024 (satt i konfigurasjonen); "
        "statlig ramme: 58\u00a0400\u00a0000\u00a0kr"
    )
    # An area read back from an older run has no status columns: the sheet says so.
    funding_workbook(pd.Series(HAND_AREA), cfg, path)
    assert _heading(path)[0] == "Regel: status ukjent (eldre kjøring)"


@pytest.mark.slow
def test_libreoffice_totals_with_drops_equal_the_cost_model(
    default_result, default_config, libreoffice_values, tmp_path
):
    hand = tmp_path / "hand.xlsx"
    funding_workbook(pd.Series({**HAND_AREA, **DROPS}), _hand_config(tmp_path), hand)
    expected = {hand: 404_500}
    areas = default_result.areas
    assert {"stikk_m", "kost_stikk", "kost_stikk_eier"} <= set(areas.columns)
    for _, area in areas.iterrows():  # a workbook per area: test set-up, not a hot path
        path = tmp_path / f"{area['area_id']}.xlsx"
        funding_workbook(area, default_config, path)
        expected[path] = int(area["kost_total"])
    values = libreoffice_values(list(expected), tmp_path / "csv")
    for path, total in expected.items():
        assert float(values[path]["Total prosjektkostnad"]) == total, path.name
        assert float(values[path]["Kontroll: kostnad − alle bidrag"]) == 0
    hand_values = values[hand]
    assert float(hand_values["Stikkledninger (eier, ikke i totalen)"]) == 4_500
