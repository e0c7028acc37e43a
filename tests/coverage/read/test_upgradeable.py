"""The list of addresses whose network can easily be upgraded to 1 Gbit/s: ids from a CSV or
a workbook, or the addresses inside polygons; bad input named in bokmål."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.config import ClassifyConfig, Config, InputConfig
from dekning.coverage.classify.fixed import UPGRADEABLE_REASON, classify
from dekning.coverage.read.upgradeable import read_upgradeable
from dekning.errors import InputError
from dekning.report import RunReport
from dekning.result import Frames
from dekning.stages import classify_addresses


@pytest.fixture
def register() -> gpd.GeoDataFrame:
    """Six addresses 100 m apart along a line (EPSG:25833), ids 11..16."""
    return gpd.GeoDataFrame(
        {"adrid": np.arange(11, 17)},
        geometry=shapely.points(270_000 + 100 * np.arange(6), np.full(6, 7_000_000.0)),
        crs=25833,
    )


def test_ids_from_a_semicolon_csv_with_unknown_ids_reported(register, tmp_path):
    path = tmp_path / "oppgraderbare.csv"
    path.write_text("adrid;tilbyder\n13;Telia\n99;Telia\n11;Telenor\n13;Telenor\n", "utf-8")
    report = RunReport()
    ids = read_upgradeable(path, register, report)
    assert ids.tolist() == [11, 13]
    w = {x.code: x for x in report.warnings}["upgradeable_unknown_addresses"]
    assert (w.count, w.examples) == (1, ["99"])


def test_ids_from_a_comma_csv_and_a_workbook(register, tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("kommune,adresseId\n5001,16\n5001,12\n", "utf-8")
    assert read_upgradeable(csv, register).tolist() == [12, 16]
    xlsx = tmp_path / "a.xlsx"
    pd.DataFrame({"ADRID": ["14", "15"], "merknad": ["x", "y"]}).to_excel(xlsx, index=False)
    assert read_upgradeable(xlsx, register).tolist() == [14, 15]


def test_bad_tables_are_named_in_bokmal(register, tmp_path):
    missing = tmp_path / "b.csv"
    missing.write_text("id;navn\n1;x\n", "utf-8")
    with pytest.raises(InputError, match="mangler kolonne") as err:
        read_upgradeable(missing, register)
    assert err.value.field == "adrid" and err.value.file == str(missing)
    bad = tmp_path / "c.csv"
    bad.write_text("adrid\n11\n12a\n", "utf-8")
    with pytest.raises(InputError, match="ikke et tall: '12a'") as err:
        read_upgradeable(bad, register)
    assert (err.value.line, err.value.field) == (3, "adrid")
    empty = tmp_path / "d.csv"
    empty.write_text("adrid\n", "utf-8")
    with pytest.raises(InputError, match="har ingen rader"):
        read_upgradeable(empty, register)


def _polygons(register: gpd.GeoDataFrame, tmp_path, geoms) -> str:
    """``geoms`` (EPSG:25833) written as GeoJSON in EPSG:4326, as a user would give them."""
    path = tmp_path / "omrader.geojson"
    gdf = gpd.GeoDataFrame({"tilbyder": ["Telia"] * len(geoms)}, geometry=geoms, crs=25833)
    gdf.to_crs(4326).to_file(path, driver="GeoJSON")
    return str(path)


def test_addresses_inside_polygons_in_another_crs(register, tmp_path):
    x0, y0 = 270_000, 7_000_000
    geoms = [
        shapely.box(x0 + 150, y0 - 50, x0 + 350, y0 + 50),  # around 13 and 14
        shapely.box(x0 - 50, y0 - 50, x0 + 50, y0 + 50),  # around 11
        shapely.box(x0, y0 + 500, x0 + 100, y0 + 600),  # no address
    ]
    report = RunReport()
    ids = read_upgradeable(_polygons(register, tmp_path, geoms), register, report)
    assert ids.tolist() == [11, 13, 14]
    w = {x.code: x for x in report.warnings}["upgradeable_polygons_without_addresses"]
    assert (w.count, w.examples) == (1, ["3"])


def test_lines_are_not_polygons(register, tmp_path):
    line = shapely.LineString([(270_000, 7_000_000), (270_100, 7_000_000)])
    path = _polygons(register, tmp_path, [shapely.box(0, 0, 1, 1), line])
    with pytest.raises(InputError, match="må være polygoner; fant LineString") as err:
        read_upgradeable(path, register)
    assert (err.value.line, err.value.feature) == (2, True)


def test_polygons_exclude_addresses_from_eligibility(register, tmp_path):
    x0, y0 = 270_000, 7_000_000
    path = _polygons(register, tmp_path, [shapely.box(x0 + 150, y0 - 50, x0 + 250, y0 + 50)])
    fixed = pd.DataFrame(
        {"adrid": [11], "tilb": ["Telenor"], "tek": ["dsl"], "ned": [40_000], "opp": [4_000]}
    )
    ids = read_upgradeable(path, register)
    assert ids.tolist() == [13]
    out = classify(register, fixed, ClassifyConfig(scheme_year=2025), upgradeable=ids)
    assert out["eligible"].tolist() == [True, True, False, True, True, True]
    assert out["reason"].iloc[2] == UPGRADEABLE_REASON


def test_the_classify_stage_reads_input_upgradeable(register, tmp_path):
    path = tmp_path / "oppgraderbare.csv"
    path.write_text("adrid\n12\n", "utf-8")
    cfg = Config(
        input=InputConfig(addresses=tmp_path / "a.csv", upgradeable=path),
        classify=ClassifyConfig(scheme_year=2024),
    )
    frames: Frames = {
        "addresses": register,
        "fixed": None,
        "counts": None,
        "mobile": None,
        "consultation": None,
    }
    out = classify_addresses(cfg, frames, RunReport())["classified"]
    assert out["eligible"].tolist() == [True, False, True, True, True, True]
    assert out["kan_oppgraderes"].tolist() == [False, True, False, False, False, False]
    without = cfg.model_copy(update={"input": InputConfig(addresses=tmp_path / "a.csv")})
    out = classify_addresses(without, frames, RunReport())["classified"]
    assert out["eligible"].all() and "kan_oppgraderes" not in out
