"""Candidate mast files of the default run: the ranked workbook and CSV, the GeoPackage, and a
mobile application package per chosen site — each saying it is a screening."""

from __future__ import annotations

import numpy as np
import openpyxl
import pyogrio
import pytest

from dekning.coverage.application.masts import newly_covered, write_mast_files
from dekning.coverage.planning.masts import SCREENING_NOTE
from dekning.textsafe import read_spreadsheet_csv


@pytest.fixture(scope="module")
def masts(default_result):
    assert default_result.masts is not None, "the default data has a terrain model"
    return default_result.masts


@pytest.fixture(scope="module")
def written(masts, default_result, default_config, tmp_path_factory):
    out = tmp_path_factory.mktemp("masts")
    write_mast_files(
        masts, out, default_config, default_result.classified, default_result.road_mobile.segments
    )
    return out


def test_candidates_ranked_in_csv_and_workbook(written, masts):
    table = read_spreadsheet_csv(written / "master.csv")
    assert table["Rang"].tolist() == list(range(1, len(masts.sites) + 1))
    chosen = set(masts.sites.loc[masts.sites["valgt"], "site_id"])
    assert set(table.loc[table["Valgt"].astype(bool), "Mast-ID"]) == chosen  # "ja" read back
    wb = openpyxl.load_workbook(written / "master.xlsx")
    assert wb.sheetnames == ["Kandidater", "Om tallene"]
    about = " ".join(str(r[0].value) for r in wb["Om tallene"].iter_rows())
    assert SCREENING_NOTE in about and "ANTATT" in about
    ws = wb["Kandidater"]
    cost = [c.value for c in ws[1]].index("Kostnad") + 1
    assert ws.cell(row=2, column=cost).number_format == '#,##0" kr"'


def test_geopackage_layers(written, masts):
    layers = dict(pyogrio.list_layers(written / "master.gpkg"))
    assert layers["kandidater"] == "Point"
    if masts.sites["valgt"].any():
        assert "ny_dekning_veg" in layers or "ny_dekning_adresser" in layers
    sites = pyogrio.read_dataframe(written / "master.gpkg", layer="kandidater")
    assert len(sites) == len(masts.sites) and (sites["merknad"] == SCREENING_NOTE).all()


def test_a_package_per_chosen_site_with_its_own_gain(written, masts, default_result):
    chosen = masts.sites.loc[masts.sites["valgt"]]
    assert len(chosen) > 0, "the default budget chooses at least one site"
    folders = sorted(p.name for p in (written / "soknad_mobil").iterdir())
    assert folders == sorted(chosen["site_id"])
    pos = int(np.flatnonzero(masts.sites["valgt"].to_numpy())[0])
    site = masts.sites.iloc[pos]
    seg, adr = newly_covered(
        masts, np.array([pos]), default_result.road_mobile.segments, default_result.classified
    )
    # the package's figures are this site's own gain, as in the candidates' table
    assert seg["lengde_m"].sum() / 1000 == pytest.approx(site["veg_km"])
    assert adr["hus"].sum() == site["hus"]
    ws = openpyxl.load_workbook(written / "soknad_mobil" / site["site_id"] / "mast.xlsx")["Mast"]
    rows = {r[0].value: r[1].value for r in ws.iter_rows(min_row=4) if r[0].value}
    assert rows["Kostnad"] == site["kost_total"] and rows["Kommunal andel"] == site["kommunal"]
    assert rows["Nye husstander"] == site["hus"]
    assert ws["A2"].value == SCREENING_NOTE
    listed = read_spreadsheet_csv(written / "soknad_mobil" / site["site_id"] / "adresser.csv")
    assert len(listed) == site["adresser"]


def test_summary_line(default_result):
    m = default_result.summary["master"]
    assert m["kandidater"] == len(default_result.masts.sites)
    assert (
        m["valgte"]
        == default_result.masts.sites.loc[default_result.masts.sites["valgt"], "site_id"].tolist()
    )
    from dekning.summary import format_summary

    assert "Mastekandidater (screening, ikke radioplan)" in format_summary(default_result.summary)
