"""The mobile-along-roads files of a run: workbook, CSVs and GeoPackage, as people open them."""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pyogrio
import pytest

from dekning.coverage.application.roads import (
    STRETCH_LABELS,
    SUMMARY_LABELS,
    write_road_files,
)
from dekning.textsafe import read_spreadsheet_csv


@pytest.fixture(scope="module")
def road(default_result):
    assert default_result.road_mobile is not None, "the default data has roads and rasters"
    return default_result.road_mobile


@pytest.fixture(scope="module")
def written(road, tmp_path_factory):
    out = tmp_path_factory.mktemp("roads")
    write_road_files(road, out, municipality="Fjelldal", segment_m=100)
    return out


def test_files_and_layers(written, road):
    names = {p.name for p in written.iterdir()}
    assert {"mobil_veg.xlsx", "mobil_veg.gpkg", "mobil_veg_hull.csv"} <= names
    assert "mobil_veg_sammendrag.csv" in names
    layers = dict(pyogrio.list_layers(written / "mobil_veg.gpkg"))
    assert layers == {"segmenter": "LineString", "hull": "LineString"}
    seg = pyogrio.read_dataframe(written / "mobil_veg.gpkg", layer="segmenter")
    assert len(seg) == len(road.segments) and seg.crs.to_epsg() == 25833
    assert set(seg["mob_any_ok"].dropna().unique()) <= {0, 1}


def test_csvs_read_back_as_written(written, road):
    summary = read_spreadsheet_csv(written / "mobil_veg_sammendrag.csv")
    assert list(summary.columns) == list(SUMMARY_LABELS.values())
    total = summary.iloc[-1]
    assert total["Vegkategori"] == "Alle veger"
    assert total["Veglengde (km)"] == pytest.approx(road.summary.iloc[-1]["km"], abs=0.005)
    hull = read_spreadsheet_csv(written / "mobil_veg_hull.csv")
    assert list(hull.columns) == list(STRETCH_LABELS.values())
    assert hull["Rang"].tolist() == list(range(1, len(road.stretches) + 1))
    raw = (written / "mobil_veg_hull.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]


def test_workbook_sheets_formats_and_the_not_measured_note(written):
    wb = openpyxl.load_workbook(written / "mobil_veg.xlsx")
    assert wb.sheetnames == ["Sammendrag", "Hullstrekninger", "Om tallene"]
    ws = wb["Sammendrag"]
    headers = [c.value for c in ws[1]]
    share = headers.index("Andel dekket av minst én") + 1
    assert ws.cell(row=2, column=share).number_format == "0.0 %"
    assert ws.freeze_panes == "A2" and ws.page_setup.orientation == "landscape"
    assert ws.row_dimensions[1].height >= 45  # wrapped headers do not overlap in LibreOffice
    hull = wb["Hullstrekninger"]
    length = [c.value for c in hull[1]].index("Lengde (m)") + 1
    assert hull.cell(row=2, column=length).number_format == "#,##0"
    about = [r[0].value for r in wb["Om tallene"].iter_rows()]
    assert any("ikke målt" in (t or "") for t in about)


def test_road_names_from_input_stay_text(road, tmp_path):
    hostile = road.stretches.copy()
    hostile.loc[0, "vegnavn"] = '=HYPERLINK("http://x","y")'
    write_road_files(
        dataclasses.replace(road, stretches=hostile), tmp_path, municipality="X", segment_m=100
    )
    ws = openpyxl.load_workbook(tmp_path / "mobil_veg.xlsx")["Hullstrekninger"]
    col = [c.value for c in ws[1]].index("Vegnavn") + 1
    cell = ws.cell(row=2, column=col)
    assert cell.data_type == "s" and cell.quotePrefix
    text = (tmp_path / "mobil_veg_hull.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text


def test_estimate_is_said_in_the_workbook(road, tmp_path):
    estimated = dataclasses.replace(road, source="estimat fra adresser (mob)")
    write_road_files(estimated, tmp_path, municipality="X", segment_m=100)
    about = [
        r[0].value
        for r in openpyxl.load_workbook(tmp_path / "mobil_veg.xlsx")["Om tallene"].iter_rows()
    ]
    assert any(str(t).startswith("ESTIMAT") for t in about)


def test_summary_as_a_norwegian_spreadsheet_shows_it(written, road, libreoffice_shown, tmp_path):
    rows = libreoffice_shown(written / "mobil_veg.xlsx", tmp_path)
    assert rows[0][:2] == ["Vegkategori", "Veglengde (km)"]
    total = next(r for r in rows if r[0] == "Alle veger")
    km = road.summary.iloc[-1]["km"]
    assert total[1] == f"{km:.2f}".replace(".", ",")
    share = road.summary.iloc[-1]["andel_minst_en"]
    assert total[3] == f"{share * 100:.1f}".replace(".", ",") + " %"


def test_run_summary_has_the_road_line(default_result):
    figures = default_result.summary["mobil_veg"]
    total = default_result.road_mobile.summary.iloc[-1]
    assert figures["km"] == pytest.approx(total["km"], abs=1e-3)
    assert figures["hull"] == len(default_result.road_mobile.stretches)
    assert set(figures["per_kategori"]) == set(
        default_result.road_mobile.summary["vegkategori"]
    ) - {"alle"}
    assert isinstance(pd.Series(figures["per_kategori"]).iloc[0], dict)
