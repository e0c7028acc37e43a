"""The funding workbook's live formulas reproduce dekning's kroner for every funding model and
co-funding rule, evaluated in Python (``formulas``) and recalculated by LibreOffice; text from
the input stays text."""

from __future__ import annotations

import itertools

import openpyxl
import pandas as pd
import pytest

from dekning.config import Config, CostConfig, FundingConfig, InputConfig
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
    assert ws["A1"].value.startswith("Område O-001\ufffd<b> – ") and ws["A1"].data_type == "s"
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
