"""The county's tables as people open them: CSV, workbook, GeoParquet and the JSON summary,
their totals, and text from the input kept as text."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from shapely.geometry import box

from dekning.coverage.application.county import (
    AREA_LABELS,
    MUNICIPALITY_LABELS,
    TEXT_COLUMNS,
    county_summary,
    write_county_tables,
)
from dekning.coverage.application.printing import KRONER
from dekning.coverage.planning.county import CountyCriteria, county_score, select_county
from dekning.errors import InputError
from dekning.money import FUNDING_PARTS
from dekning.textsafe import read_spreadsheet_csv

FORMULA_NAME = "=1+1"


def _plans() -> gpd.GeoDataFrame:
    """Nine candidate areas in three municipalities (one with a formula-like name and one
    with a leading zero); the funding parts add up to the cost in every area."""
    rng = np.random.default_rng(5)
    towns = [("0301", "Oslo"), ("5001", "Trondheim"), ("5007", FORMULA_NAME)]
    rows = []
    for i in range(9):
        number, name = towns[i % 3]
        units = int(rng.integers(5, 200))
        state = int(rng.integers(0, 5_000_000))
        county = int(rng.integers(0, 300_000))
        muni = int(rng.integers(0, 1_500_000))
        operator = int(rng.integers(100_000, 900_000))
        private = int(rng.integers(0, 50_000))
        cost = state + county + muni + operator + private
        rows.append(
            {
                "kommunenummer": number,
                "kommune": name,
                "omrade": f"O-{i:03d}",
                "area_id": f"{number}-O-{i:03d}",
                "enheter": units,
                "hus": units - 2,
                "naering": 2,
                "kost_total": cost,
                "tilbyder": operator,
                "private": private,
                "statlig": state,
                "fylke": county,
                "kommunal": muni,
                "kost_per_enhet": round(cost / units),
                "svar": 3,
                "andel_interessert": [0.4, np.nan, 0.9][i % 3],
                "hus_uten_mobil": i % 4,
                "poeng": 50.0,
                "valgt": i % 2 == 0,
                "rang": 0,
                "geometry": box(250_000 + 1_000 * i, 7_000_000, 250_500 + 1_000 * i, 7_000_500),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:25833")


STATE_FRAME = 12_000_000
BUDGETS = {"0301": 2_000_000, "5001": None, "5007": 1_000_000}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    plans = _plans()
    selection = select_county(plans, state_budget=STATE_FRAME, municipal_budgets=BUDGETS)
    summary = county_summary(plans, selection, state_budget=STATE_FRAME, county_name="Trøndelag")
    folder = tmp_path_factory.mktemp("fylke")
    names = write_county_tables(plans, selection, summary, folder)
    return plans, selection, summary, folder, names


def test_files_exist_and_read_back(county):
    plans, selection, _, folder, names = county
    assert sorted(names) == sorted(p.name for p in folder.iterdir())
    assert set(names) == {
        "fylke_omrader.csv",
        "fylke_omrader.xlsx",
        "fylke_kommuner.csv",
        "fylke_omrader.parquet",
        "fylke_sammendrag.json",
    }
    areas = read_spreadsheet_csv(folder / "fylke_omrader.csv", text=TEXT_COLUMNS)
    assert list(areas.columns) == list(AREA_LABELS.values())
    assert len(areas) == len(plans)
    assert set(areas["Kommunenummer"]) == {"0301", "5001", "5007"}  # leading zero kept
    assert FORMULA_NAME in set(areas["Kommune"])
    chosen = set(selection.loc[selection["valgt_fylke"], "area_id"])
    assert set(areas.loc[areas["Valgt i fylket"], "Område-ID i fylket"]) == chosen
    own = set(plans.loc[plans["valgt"], "area_id"])
    assert set(areas.loc[areas["Valgt av kommunen"], "Område-ID i fylket"]) == own
    geo = gpd.read_parquet(folder / "fylke_omrader.parquet")
    assert geo.crs.to_epsg() == 25833 and len(geo) == len(plans)
    assert set(geo.loc[geo["valgt_fylke"], "area_id"]) == chosen
    assert geo["rang_fylke"].tolist() == selection["rang_fylke"].tolist()
    assert geo.geometry.equals(plans.geometry)


def test_areas_are_ranked_by_the_county_score(county):
    plans, _, _, folder, _ = county
    areas = read_spreadsheet_csv(folder / "fylke_omrader.csv", text=TEXT_COLUMNS)
    score = dict(zip(plans["area_id"], county_score(plans, CountyCriteria()), strict=True))
    shown = areas["Poeng i fylket"].tolist()
    assert shown == sorted(shown, reverse=True)
    assert shown == [score[a] for a in areas["Område-ID i fylket"]]


def test_municipality_totals_are_the_sums_over_the_areas(county):
    _, _, _, folder, _ = county
    areas = read_spreadsheet_csv(folder / "fylke_omrader.csv", text=TEXT_COLUMNS)
    towns = read_spreadsheet_csv(folder / "fylke_kommuner.csv", text=TEXT_COLUMNS)
    assert list(towns.columns) == list(MUNICIPALITY_LABELS.values())
    assert len(towns) == 3
    for _, row in towns.iterrows():
        mine = areas[areas["Kommunenummer"] == row["Kommunenummer"]]
        chosen = mine[mine["Valgt i fylket"]]
        assert row["Kommune"] == mine["Kommune"].iloc[0]
        assert row["Kandidatområder"] == len(mine)
        assert row["Enheter i kandidatområdene"] == mine["Enheter"].sum()
        assert row["Valgte områder"] == len(chosen)
        assert row["Valgte enheter"] == chosen["Enheter"].sum()
        for money in ("Kostnad", "Statlig", "Fylke", "Kommunal"):
            assert row[money] == chosen[money].sum(), money
        own = mine[mine["Valgt av kommunen"]]
        assert row["Områder kommunen selv valgte"] == len(own)
        assert row["Enheter kommunen selv valgte"] == own["Enheter"].sum()


def test_summary_adds_up(county):
    plans, selection, summary, folder, _ = county
    chosen = selection["valgt_fylke"].to_numpy()
    assert chosen.any() and not chosen.all()  # the frame and budgets bite
    total = summary["totalt"]
    assert sum(total[part] for part in FUNDING_PARTS) == total["kost_total"]
    assert total["kost_total"] == plans.loc[chosen, "kost_total"].sum()
    assert total["statlig"] <= STATE_FRAME
    assert summary["statlig_ubrukt"] == STATE_FRAME - total["statlig"]
    assert total["valgte_enheter"] == plans.loc[chosen, "enheter"].sum()
    assert total["omrader"] == 9 and total["kommuner"] == 3
    for town in summary["kommuner"]:
        assert sum(town[part] for part in FUNDING_PARTS) == town["kost_total"]
    for key in ("omrader", "enheter", "valgte_omrader", "valgte_enheter", "kost_total", "statlig"):
        assert sum(town[key] for town in summary["kommuner"]) == total[key], key
    for town in summary["kommuner"]:
        budget = BUDGETS[town["kommunenummer"]]
        if budget is not None:
            assert town["kommunal"] <= budget
    assert summary["bevist_optimal"] is True and summary["mip_gap"] == 0.0
    text = (folder / "fylke_sammendrag.json").read_text(encoding="utf-8")
    assert "Trøndelag" in text  # UTF-8, not \u00f8
    assert json.loads(text) == summary


def test_formula_like_names_stay_text_in_the_workbook(county):
    _, _, _, folder, _ = county
    wb = openpyxl.load_workbook(folder / "fylke_omrader.xlsx")
    assert wb.sheetnames == ["Områder", "Kommuner", "Om tallene"]
    for name in ("Områder", "Kommuner"):
        ws = wb[name]
        cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == FORMULA_NAME]
        assert cells and all(c.data_type == "s" for c in cells)
        numbers = [c for c in ws[2] if c.value in ("0301", "5001", "5007")]
        assert all(c.data_type == "s" for c in numbers)
    raw = (folder / "fylke_omrader.csv").read_text(encoding="utf-8-sig")
    assert f";'{FORMULA_NAME};" not in raw and f"\n'{FORMULA_NAME};" in raw


def test_workbook_formats_and_print_setup(county):
    _, _, _, folder, _ = county
    wb = openpyxl.load_workbook(folder / "fylke_omrader.xlsx")
    ws = wb["Områder"]
    headers = [c.value for c in ws[1]]
    for money in ("Kostnad", "Statlig", "Kommunal", "Kost per enhet"):
        column = headers.index(money) + 1
        assert ws.cell(row=2, column=column).number_format == KRONER
        assert isinstance(ws.cell(row=2, column=column).value, int)
    for label in ("Valgt i fylket", "Valgt av kommunen"):
        column = headers.index(label) + 1
        shown = {ws.cell(row=r, column=column).value for r in range(2, ws.max_row + 1)}
        assert shown == {"ja", "nei"}, label
    for sheet in ("Områder", "Kommuner", "Om tallene"):
        page = wb[sheet].page_setup
        assert int(page.paperSize) == 9 and page.fitToWidth == 1
    assert wb["Områder"].print_title_rows == "$1:$1"
    notes = [row[0].value for row in wb["Om tallene"].iter_rows()]
    assert notes[0] == "Fylkets prioritering – Trøndelag"
    assert "Utvalget er bevist optimalt." in notes


def test_areas_in_another_crs_are_refused(county, tmp_path):
    plans, selection, summary, _, _ = county
    with pytest.raises(InputError, match="EPSG:25833"):
        write_county_tables(plans.to_crs("EPSG:4326"), selection, summary, tmp_path)


def test_a_selection_missing_areas_is_refused():
    plans = _plans()
    selection = select_county(plans, state_budget=None, municipal_budgets={})
    with pytest.raises(Exception, match="mangler område"):
        county_summary(plans, selection.iloc[1:], state_budget=None, county_name="X")


def test_amount_columns_are_wide_enough_for_what_the_sheet_shows():
    """A column sized by the bare number shows ``###`` for ``19 066 515 kr`` in LibreOffice and
    Excel: the width counts the grouping and the unit the number format adds."""
    import pandas as pd
    from openpyxl import Workbook

    from dekning.coverage.application.printing import KRONER, shown_texts, table_sheet

    table = pd.DataFrame({"Kostnad": [19_066_515, 5], "Navn": ["a", "b"]})
    assert shown_texts(table["Kostnad"], KRONER).tolist() == ["19,066,515 kr", "5 kr"]
    ws = Workbook().active
    assert ws is not None
    for row in [list(table.columns), *table.values.tolist()]:
        ws.append(row)
    table_sheet(ws, table, {"Kostnad": KRONER}, footer="x")
    assert ws.column_dimensions["A"].width >= len("19 066 515 kr") * 1.1
