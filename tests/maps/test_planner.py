"""The planner map: its layers from a run's results, the area popups, the operators as the
input names them, and the checks at its door."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dekning.errors import InputError
from dekning.maps.layers import AREA_FILL, GAP_COLOUR, MOBILE_COLOURS, SPEED_COLOURS
from dekning.maps.planner import (
    DEMAND_RAMP,
    DISCREPANCY_COLOUR,
    POPUP_FIELDS,
    ROUTE_COLOUR,
    TEXT_ROWS_CSS,
    area_popup_frame,
    planner_map,
)
from dekning.maps.planner_table import table_rows
from dekning.maps.whatif import Budget
from dekning.money import nok, thousands
from dekning.pipeline import run

X0, Y0 = 250_000, 6_990_000


def _has(html: str, text: str) -> bool:
    return text in html or json.dumps(text)[1:-1] in html


@pytest.fixture
def small_inputs(make_addresses, small_areas, small_routes, small_grids, small_layers):
    addresses = make_addresses([(X0, Y0, 6), (X0 + 250, Y0, 4)], best_down_kbps=[50_000] * 10)
    avvik = pd.DataFrame(
        {
            "adrid": [3, 3, 3, 5],
            "avvik": ["sier ingen dekning", "har fiber", "har fiber", "har fiber"],
            "operator": ["telenor", "Ice-Net", "", ""],
        }
    )
    demand = pd.DataFrame(
        {
            "ssb_rute_250": addresses["ssb_rute_250"].unique(),
            "svar": [3, 1],
            "andel_interessert": [0.9, None],
        }
    )
    return {
        "classified": addresses,
        "areas": small_areas,
        "mobile_layers": small_layers,
        "mobile_grids": small_grids,
        "routes": small_routes,
        "survey": {"avvik": avvik, "ettersporsel_ruter": demand},
    }


def test_every_layer_is_drawn_and_operators_keep_their_names(small_inputs):
    html = planner_map(**small_inputs).get_root().render()
    for name in (
        "Bredbånd per 250 m-rute (husstander)",
        "Støtteberettigede adresser",
        "Utbyggingsområder",
        "Spørreundersøkelse: svar per rute",
        "Avvik: beboere motsier operatørdata",
        "Foreslått fibertrasé",
        "Mobildekning Ice-Net (4G)",  # as the input names it, with its one technology
        "Mobildekning Telenor (4G/5G)",  # lower-case input gets a capital first letter
        "Mobilhull: ingen operatør god nok",
        "Andel uten 100 Mbit/s",
    ):
        assert _has(html, name), name
    assert html.count("L.imageOverlay(") == 3  # two operators and the gap
    assert "Ice-net" not in html


def test_planner_page_is_bokmal_and_can_be_zoomed(small_inputs):
    html = planner_map(**small_inputs).get_root().render()
    assert html.startswith('<!DOCTYPE html>\n<html lang="nb">')
    assert "user-scalable=no" not in html and "maximum-scale" not in html


def test_discrepancies_are_one_point_per_address_with_distinct_sorted_values(small_inputs):
    html = planner_map(**small_inputs).get_root().render()
    assert _has(html, "har fiber, sier ingen dekning")
    assert _has(html, '"operatorer": "Ice-Net, telenor"')
    assert _has(html, '"antall": 3')
    assert _has(html, '"antall": 1')


def test_without_grids_routes_or_survey_those_layers_are_left_out(small_inputs):
    inputs = {**small_inputs, "mobile_grids": None, "routes": None, "survey": None}
    html = planner_map(**inputs).get_root().render()
    assert "L.imageOverlay(" not in html
    for name in ("Foreslått fibertrasé", "Avvik: beboere", "Spørreundersøkelse"):
        assert not _has(html, name), name


def test_area_popup_shows_funding_and_priority(small_areas):
    popup = area_popup_frame(small_areas).set_index("area_id")
    assert popup.loc["O-1", "kostnad"] == "1\u00a0234\u00a0567\u00a0kr"  # never split
    assert popup.loc["O-1", "prioritet"] == "2 (år 2)"
    assert popup.loc["O-3", "prioritet"] == "ikke valgt"
    assert popup.crs == "EPSG:4326"


@pytest.mark.parametrize(
    ("frame", "named"),
    [
        ("classified", "classified addresses (planner map)"),
        ("areas", "build-out areas (planner map)"),
        ("routes", "fibre routes (planner map)"),
    ],
)
def test_a_frame_in_another_crs_is_refused_by_name(small_inputs, frame, named):
    inputs = {**small_inputs, frame: small_inputs[frame].to_crs("EPSG:4326")}
    with pytest.raises(InputError, match=r"EPSG:4326, forventet EPSG:25833") as err:
        planner_map(**inputs)
    assert named in str(err.value) and err.value.field == "crs"


def test_area_popup_shows_the_rules_status_and_the_drops(small_inputs):
    areas = small_inputs["areas"].assign(
        stotteregel_aar=2026,
        stotteregel_status=["antatt", "antatt", "verifisert"],
        stotteregel_kilde="eur-lex",
        regel_status="konfigurasjon",
        regel_kilde="Fylkets utlysning",
        stikk_m=[1234.4, 0.0, 80.0],
        kost_stikk=[400_000, 0, 36_000],
        kost_stikk_eier=[12_000, 0, 0],
    )
    popup = area_popup_frame(areas).set_index("area_id")
    assert popup.loc["O-1", "regel"] == "2026, ANTATT (ikke verifisert) – kilde: eur-lex"
    assert popup.loc["O-3", "regel"] == "2026, verifisert – kilde: eur-lex"
    assert popup.loc["O-2", "egenandelsregel"] == (
        "satt i konfigurasjonen – kilde: Fylkets utlysning"
    )
    assert popup.loc["O-1", "stikk"] == (
        "1\u00a0234\u00a0m (prosjektet 400\u00a0000\u00a0kr, eier 12\u00a0000\u00a0kr)"
    )
    html = planner_map(**{**small_inputs, "areas": areas}).get_root().render()
    for text in ("Stikkledninger", "Egenandelsregel", "ANTATT (ikke verifisert)"):
        assert _has(html, text), text
    # The lines of text are the popup's last three rows, the ones its style lets wrap.
    assert list(POPUP_FIELDS)[-3:] == ["stikk", "regel", "egenandelsregel"]
    assert TEXT_ROWS_CSS in html and "nth-last-child(-n+3)" in TEXT_ROWS_CSS


def test_area_popup_of_an_older_run_says_the_status_is_unknown(small_areas):
    popup = area_popup_frame(small_areas)
    assert (popup["regel"] == "status ukjent (eldre kjøring)").all()
    assert "stikk" not in popup.columns


def test_area_popup_refuses_web_crs(small_areas):
    with pytest.raises(InputError, match=r"build-out areas \(planner map\).*EPSG:4326"):
        area_popup_frame(small_areas.to_crs("EPSG:4326"))


def test_missing_columns_are_refused_by_name(small_inputs):
    inputs = {**small_inputs, "classified": small_inputs["classified"].drop(columns="band")}
    with pytest.raises(InputError, match=r"classified addresses \(planner map\)") as err:
        planner_map(**inputs)
    assert err.value.field == "band"
    with pytest.raises(InputError, match=r"build-out areas \(planner map\)") as err:
        area_popup_frame(small_inputs["areas"].drop(columns="kost_per_enhet"))
    assert err.value.field == "kost_per_enhet"


def test_planner_popup_figures_match_funding(maps_dir, default_result):
    html = (maps_dir / "kart_planlegger.html").read_text(encoding="utf-8")
    for kommunal in default_result.areas["kommunal"]:
        assert _has(html, nok(kommunal)), kommunal
    for name in ("Bredbånd per 250 m-rute", "Utbyggingsområder", "Mobilhull"):
        assert _has(html, name), name
    for op in ("Telenor", "Telia", "Ice"):
        assert _has(html, f"Mobildekning {op} (4G/5G)"), op


def test_run_planner_map_has_routes_survey_and_discrepancy_layers(tmp_path, default_config):
    result = run(default_config, tmp_path / "ut")
    html = (tmp_path / "ut" / "kart_planlegger.html").read_text(encoding="utf-8")
    for name in (
        "Foreslått fibertrasé",
        "Spørreundersøkelse: svar per rute",
        "Avvik: beboere motsier operatørdata",
    ):
        assert _has(html, name), name
    # Every discrepancy address is on the map.
    for text in result.survey["avvik"]["adressetekst"].unique():
        assert _has(html, text), text


def test_table_rows_carry_the_figures_as_text_and_numbers(small_areas):
    rows = {r["id"]: r for r in table_rows(small_areas.to_crs("EPSG:4326"), Budget())}
    o1 = rows["O-1"]
    assert o1["text"][:2] == ["4", "1\u00a0234\u00a0567\u00a0kr"]  # units: households + businesses
    assert o1["text"][-1] == "–"  # no score in an older run
    assert o1["choice"] == "2 (år 2)" and rows["O-3"]["choice"] == "nei"
    assert (o1["w"], o1["v"], o1["u"]) == (250_000, 4, 4)
    assert rows["O-3"]["sort"][-1] > rows["O-1"]["sort"][-1]  # not chosen sorts last
    scored = small_areas.assign(poeng=[12.3, 40.0, 7.5], enheter=[9, 9, 9])
    rows = table_rows(scored.to_crs("EPSG:4326"), Budget(objective="poeng"))
    assert [r["v"] for r in rows] == [123, 400, 75]  # the score in tenths: exact integers
    assert [r["u"] for r in rows] == [9, 9, 9] and rows[0]["text"][-1] == "12,3"


def test_table_units_have_thousands_spaces_as_money_writes_them(small_areas):
    many = small_areas.assign(enheter=[1_234, 12_345_678, 7])
    rows = table_rows(many.to_crs("EPSG:4326"), Budget())
    assert [r["text"][0] for r in rows] == ["1\u00a0234", "12\u00a0345\u00a0678", "7"]
    assert [r["text"][0] for r in rows] == [thousands(n) for n in (1_234, 12_345_678, 7)]
    assert [r["sort"][0] for r in rows] == [1_234, 12_345_678, 7]  # sorted as numbers


def test_budget_settings_come_from_the_run_and_multi_year_is_not_guessed(
    small_inputs, default_config
):
    budget = Budget.from_config(default_config)
    assert budget == Budget("enheter", 5_000_000.0, 1, None) and budget.exact_in_browser
    html = planner_map(**small_inputs, budget=budget).get_root().render()
    assert _has(html, "Områder og budsjett") and _has(html, "5\u00a0000\u00a0000\u00a0kr")
    assert not _has(html, "budsjettinnstillinger er ikke med")
    unknown = planner_map(**small_inputs).get_root().render()
    assert _has(unknown, "Kjøringens budsjettinnstillinger er ikke med i kartet")
    three = planner_map(**small_inputs, budget=Budget("enheter", 1e6, 3)).get_root().render()
    assert _has(three, "denne kjøringen har 3 budsjettår") and _has(three, " disabled")


def test_one_meaning_per_colour():
    others = [AREA_FILL, GAP_COLOUR, DISCREPANCY_COLOUR, ROUTE_COLOUR, *DEMAND_RAMP]
    colours = [*SPEED_COLOURS.values(), *MOBILE_COLOURS.values(), *others]
    assert len({c.upper() for c in colours}) == len(colours)
