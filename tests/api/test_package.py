"""Application packages the run did not write are built from the run's results (no analysis):
the same address list and the same funding workbook, cell by cell and formula by formula, as
the package the run wrote."""

from __future__ import annotations

import shutil

import geopandas as gpd
import pyogrio
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from dekning.coverage.application.package import PACKAGE_FILES


def _cells(path):
    wb = load_workbook(path)  # formulas as written, not cached values
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_package_from_results_equals_the_runs(results_copy, make_app, planner_headers, tmp_path):
    chosen = sorted(p.name for p in (results_copy / "soknad").iterdir())[0]
    written = shutil.move(results_copy / "soknad" / chosen, tmp_path / "written")
    c = TestClient(make_app(results_copy))
    base = f"/v1/planlegger/omrader/{chosen}"
    addresses = c.get(f"{base}/adresser.csv", headers=planner_headers)
    assert addresses.status_code == 200
    assert addresses.content == (written / "adresser.csv").read_bytes()
    workbook = c.get(f"{base}/kostnad_og_finansiering.xlsx", headers=planner_headers)
    assert workbook.status_code == 200
    built = tmp_path / "built.xlsx"
    built.write_bytes(workbook.content)
    ours, theirs = _cells(built), _cells(written / "kostnad_og_finansiering.xlsx")
    assert ours == theirs
    formulas = [v for row in ours["Kostnad og finansiering"] for v in row if str(v).startswith("=")]
    assert len(formulas) > 10
    summary = c.get(f"{base}/sammendrag.html", headers=planner_headers)
    assert summary.text == (written / "sammendrag.html").read_text(encoding="utf-8")
    # the built package is kept next to the others
    assert (results_copy / "soknad" / chosen / "omrade.gpkg").is_file()


def test_package_of_an_area_not_chosen(results_copy, make_app, planner_headers, run_dir):
    areas = gpd.read_file(run_dir / "omrader.gpkg", layer="omrader")
    other = areas.loc[~areas["valgt"]].iloc[0]
    assert not (results_copy / "soknad" / other["area_id"]).exists()
    c = TestClient(make_app(results_copy))
    r = c.get(f"/v1/planlegger/omrader/{other['area_id']}/omrade.gpkg", headers=planner_headers)
    assert r.status_code == 200
    folder = results_copy / "soknad" / other["area_id"]
    layers = {str(name) for name, _ in pyogrio.list_layers(folder / "omrade.gpkg")}
    assert layers == {"omrade", "adresser", "trase"}
    area = gpd.read_file(folder / "omrade.gpkg", layer="omrade").iloc[0]
    assert area["kommunal"] == other["kommunal"] and area["kost_total"] == other["kost_total"]
    listed = gpd.read_file(folder / "omrade.gpkg", layer="adresser")
    assert len(listed) == other["adresser"]


def test_every_package_file_is_served_with_its_media_type(results_copy, make_app, planner_headers):
    chosen = sorted(p.name for p in (results_copy / "soknad").iterdir())[0]
    c = TestClient(make_app(results_copy))
    for name, media in PACKAGE_FILES.items():
        r = c.get(f"/v1/planlegger/omrader/{chosen}/{name}", headers=planner_headers)
        assert r.status_code == 200, name
        assert r.headers["content-type"].split(";")[0] == media, name
        assert r.content == (results_copy / "soknad" / chosen / name).read_bytes(), name
    r = c.get(f"/v1/planlegger/omrader/{chosen}/rapport.json", headers=planner_headers)
    assert r.status_code == 422
