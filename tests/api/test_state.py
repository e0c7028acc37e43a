"""Loading a run's results: every problem with the folder is found when the service starts,
named by file, and never hidden by re-running the analysis."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from fastapi.testclient import TestClient

from dekning.api.encode import Lookup, areas_json
from dekning.api.settings import Settings, service_config
from dekning.api.state import load_results, read_csv
from dekning.config import MobileRaster
from dekning.errors import ConfigError, InputError, ReconciliationError
from dekning.schema import MobileLayer
from dekning.textsafe import write_spreadsheet_csv


def _load(out_dir, tmp_path, **changes):
    cfg = service_config(Settings(out_dir=out_dir, database_url=str(tmp_path / "s.sqlite")))
    if changes:
        cfg = cfg.model_copy(update={"input": cfg.input.model_copy(update=changes)})
    return load_results(cfg, out_dir)


def test_results_are_loaded_once_with_their_crs(results_copy, tmp_path):
    r = _load(results_copy, tmp_path)
    assert len(r.addresses) == 2406 and r.addresses.crs == "EPSG:25833"
    assert r.routes is not None and set(r.routes["area_id"]) == set(r.areas["area_id"])
    assert r.operators == ("telenor", "telia", "ice")
    assert r.area_ids == frozenset(r.areas["area_id"])
    assert r.summary["adresser"] == 2406
    assert set(r.statistics) == {"kommunenummer", "postnummer", "ssb_rute_250", "ertett", "omrade"}
    assert len(r.lookup.coverage) == len(r.lookup.hits) == 2406


def test_no_results(tmp_path):
    with pytest.raises(ConfigError, match="fant ingen resultater"):
        _load(tmp_path / "tom", tmp_path)


@pytest.mark.parametrize(
    "name",
    ["adresser_klassifisert.gpkg", "omrader.gpkg", "aggregat_postnummer.csv", "rapport.json"],
)
def test_a_broken_file_is_named(results_copy, tmp_path, name):
    (results_copy / name).write_bytes(b"")
    with pytest.raises(ConfigError, match=rf"resultatfila .*{name} kan ikke leses"):
        _load(results_copy, tmp_path)


@pytest.mark.parametrize("report", [{}, {"sammendrag": []}, [1]])
def test_a_report_without_summary(results_copy, tmp_path, report):
    (results_copy / "rapport.json").write_text(json.dumps(report), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rapport\.json kan ikke leses"):
        _load(results_copy, tmp_path)


def test_addresses_in_another_crs(results_copy, tmp_path):
    path = results_copy / "adresser_klassifisert.gpkg"
    gpd.read_file(path, layer="adresser").to_crs(4326).to_file(
        path, layer="adresser", driver="GPKG"
    )
    with pytest.raises(InputError, match=r"adresser_klassifisert.gpkg.*EPSG:4326") as err:
        _load(results_copy, tmp_path)
    assert err.value.field == "crs" and err.value.file == str(path)


def test_a_mobile_layer_the_run_did_not_have(results_copy, tmp_path, data_dir):
    extra = MobileRaster(operator="Ice-Net", technology="4g", path=data_dir / "mobil/ice_4g.tif")
    with pytest.raises(InputError, match="mob_Ice-Net_4g"):
        _load(results_copy, tmp_path, mobile=(extra,))


def test_figures_that_do_not_add_up(results_copy, tmp_path):
    path = results_copy / "omrader.gpkg"
    areas = gpd.read_file(path, layer="omrader")
    routes = gpd.read_file(path, layer="traseer")
    areas.loc[2, "kommunal"] += 1
    areas.to_file(path, layer="omrader", driver="GPKG")
    routes.to_file(path, layer="traseer", driver="GPKG")
    with pytest.raises(ReconciliationError, match=rf"{areas.loc[2, 'area_id']}:.*avvik 1 kr"):
        _load(results_copy, tmp_path)


def test_results_without_routes(results_copy, tmp_path, make_app, planner_headers):
    path = results_copy / "omrader.gpkg"
    areas = gpd.read_file(path, layer="omrader")
    path.unlink()
    areas.to_file(path, layer="omrader", driver="GPKG")
    assert _load(results_copy, tmp_path).routes is None
    unwritten = areas.loc[~areas["valgt"], "area_id"].iloc[0]
    c = TestClient(make_app(results_copy))
    url = f"/v1/planlegger/omrader/{unwritten}/omrade.gpkg"
    assert c.get(url, headers=planner_headers).status_code == 200
    package = results_copy / "soknad" / unwritten / "omrade.gpkg"
    assert {str(n) for n, _ in pyogrio.list_layers(package)} == {"omrade", "adresser"}


def test_encoders_check_the_crs(results_copy):
    addresses = gpd.read_file(results_copy / "adresser_klassifisert.gpkg", layer="adresser").to_crs(
        4326
    )
    with pytest.raises(InputError, match=r"adresser_klassifisert\.gpkg"):
        Lookup.build(addresses, [MobileLayer("telenor", "4g")])
    areas = gpd.read_file(results_copy / "omrader.gpkg", layer="omrader").to_crs(4326)
    with pytest.raises(InputError, match=r"omrader\.gpkg"):
        areas_json(areas, 5)


def test_result_tables_give_back_the_text_as_given(tmp_path):
    texts = ['=HYPERLINK("http://x","y")', "@SUM(1)", "-2+3", "Storgata 1", "'=allerede"]
    frame = pd.DataFrame({"kommentar": texts, "tall": [-2, 1, 0, 3, 4]})
    path = tmp_path / "svar.csv"
    write_spreadsheet_csv(frame, path)
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8")  # protected in the file
    back = read_csv(path, ("kommentar",))
    assert back["kommentar"].tolist() == texts
    assert back["tall"].tolist() == [-2, 1, 0, 3, 4]
