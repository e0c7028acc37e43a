"""Classification and aggregation on hand-made data whose right answer is known."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from dekning.config import ClassifyConfig, MobileRaster
from dekning.coverage.classify.aggregate import aggregate
from dekning.coverage.classify.fixed import classify, speed_class
from dekning.crs import ssb_grid_id
from dekning.coverage.classify.mobile import sample_mobile, sample_raster
from dekning.errors import InputError
from dekning.report import RunReport


@pytest.fixture
def world():
    # Five addresses 100 m apart along a line.
    addr = gpd.GeoDataFrame(
        {
            "adrid": [1, 2, 3, 4, 5],
            "adressetekst": list("ABCDE"),
            "postnummer": ["7395"] * 3 + ["7396"] * 2,
        },
        geometry=shapely.points(270_000 + 100 * np.arange(5), np.full(5, 7_000_000.0)),
        crs=25833,
    )
    fixed = pd.DataFrame(
        [
            (1, "Fiberlaget", "fiber", 1_000_000, 1_000_000),
            (1, "Telenor", "dsl", 20_000, 2_000),
            (2, "Telenor", "dsl", 20_000, 2_000),
            (2, "Ice", "ftb", 150_000, 30_000),
            (3, "Telenor", "dsl", 40_000, 4_000),
            (4, "Starlink", "satellitt", 200_000, 20_000),
            (99, "Telenor", "dsl", 10_000, 1_000),  # not in the register
        ],
        columns=["adrid", "tilb", "tek", "ned", "opp"],
    )
    counts = pd.DataFrame(
        {
            "adrid": [1, 2, 3, 4, 5],
            "hus": [1, 2, 1, 0, 1],
            "pers": 0,
            "fritid": [0, 0, 0, 1, 0],
            "naering": [0, 0, 1, 0, 0],
            "offentlig": 0,
        }
    )
    return addr, fixed, counts


def test_known_answers(world):
    addr, fixed, counts = world
    report = RunReport()
    out = classify(
        addr, fixed, ClassifyConfig(scheme_year=2024), counts=counts, report=report
    ).set_index("adrid")
    assert out["best_down_kbps"].tolist() == [1_000_000, 150_000, 40_000, 0, 0]
    assert out["best_tek"].tolist() == ["fiber", "ftb", "dsl", "", ""]
    assert out["n_operators"].tolist() == [2, 2, 1, 0, 0]
    assert out.loc[2, "operators"] == "Ice, Telenor"
    assert out["speed_class"].tolist() == ["ge1000", "ge100", "30to100", "none", "none"]
    # 2024: eligible below 100 Mbit/s; address 4 is only a holiday home: not eligible.
    assert out["eligible"].tolist() == [False, False, True, False, True]
    assert out["band"].tolist() == ["", "", "M100", "", "M30"]
    assert out.loc[4, "reason"].startswith("kun fritidsbolig")
    assert out["eligible_units"].tolist() == [0, 0, 2, 0, 1]
    w = {x.code: x for x in report.warnings}
    assert w["coverage_unknown_addresses"].count == 1 and w[
        "coverage_unknown_addresses"
    ].examples == ["99"]


def test_satellite_counts_only_when_asked(world):
    addr, fixed, counts = world
    out = classify(addr, fixed, ClassifyConfig(count_satellite=True), counts=counts).set_index(
        "adrid"
    )
    assert out.loc[4, "best_tek"] == "satellitt" and out.loc[4, "speed_class"] == "ge100"


def test_older_rule_year(world):
    addr, fixed, counts = world
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2020), counts=counts).set_index("adrid")
    # 2020: eligible below 30 Mbit/s -> address 3 (40 Mbit/s) is not.
    assert out["eligible"].tolist() == [False, False, False, False, True]


def test_consultation_list_restricts(world):
    addr, fixed, counts = world
    report = RunReport()
    listed = pd.DataFrame({"adrid": [3, 1]})
    out = classify(
        addr, fixed, ClassifyConfig(), counts=counts, consultation=listed, report=report
    ).set_index("adrid")
    assert out["eligible"].tolist() == [False, False, True, False, False]
    assert out.loc[5, "reason"].startswith("ikke på Nkoms høringsliste")
    assert "listed_but_covered" in report.codes()  # address 1 has fibre but is listed


def test_default_households_without_counts(world):
    addr, fixed, _ = world
    out = classify(addr, fixed, ClassifyConfig())
    assert out["hus"].tolist() == [1] * 5


def test_aggregate_by_postnummer(world):
    addr, fixed, counts = world
    agg = aggregate(classify(addr, fixed, ClassifyConfig(), counts=counts), "postnummer").set_index(
        "postnummer"
    )
    assert (
        agg.loc["7395", "hus"] == 4
        and agg.loc["7395", "hus_ge1000"] == 1
        and agg.loc["7395", "hus_ge100"] == 2
    )
    assert (
        agg.loc["7395", "hus_uten_100"] == 1 and agg.loc["7395", "stotteberettigede_enheter"] == 2
    )
    assert agg.loc["7396", "fritid_none"] == 1 and agg.loc["7396", "hus_none"] == 1


def test_speed_class_edges():
    assert speed_class(np.array([1_000_000, 999_999, 100_000, 30_000, 29_999, 1, 0])).tolist() == [
        "ge1000",
        "ge100",
        "ge100",
        "30to100",
        "lt30",
        "lt30",
        "none",
    ]


def test_ssb_grid_id_matches_ssb_file(shared_data):
    import pyogrio

    cells = pyogrio.read_dataframe(
        shared_data / "ssb-befolkning-rutenett-oslo" / "BefolkningOslo1km2019.gml",
        layer="BefolkningPåRuter1km",
    )
    centre = cells.geometry.centroid
    ours = ssb_grid_id(centre.x.to_numpy(), centre.y.to_numpy(), 1000)
    assert (ours == cells["ssbid1000M"].astype("int64").to_numpy()).all()
    assert len(cells) == 258


def _raster(path, data, crs, transform, nodata=-32768):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype.name,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)


def test_raster_in_other_crs_is_sampled_at_the_right_cell(tmp_path):
    # A raster in EPSG:4326 whose cell values say which cell they are.
    data = np.arange(100, dtype="int16").reshape(10, 10) - 130  # -130 .. -31
    transform = from_origin(10.0, 63.1, 0.01, 0.01)
    p = tmp_path / "ll.tif"
    _raster(p, data, "EPSG:4326", transform)
    from pyproj import Transformer

    lon, lat = 10.0 + 0.01 * 3.5, 63.1 - 0.01 * 7.5  # centre of row 7, col 3
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform(lon, lat)
    got = sample_raster(p, np.array([x, x + 1e6]), np.array([y, y]))
    assert got[0] == data[7, 3] and np.isnan(got[1])


def test_mobile_classes_and_nodata(tmp_path):
    data = np.array([[-95, -105], [-115, -32768]], dtype="int16")
    transform = from_origin(270_000, 7_000_200, 100, 100)
    p = tmp_path / "telenor_4g.tif"
    _raster(p, data, "EPSG:25833", transform)
    addr = gpd.GeoDataFrame(
        {"adrid": [1, 2, 3, 4]},
        geometry=shapely.points(
            [270_050, 270_150, 270_050, 270_150], [7_000_150, 7_000_150, 7_000_050, 7_000_050]
        ),
        crs=25833,
    )
    report = RunReport()
    mob = sample_mobile(
        addr, [MobileRaster(operator="telenor", technology="4g", path=p)], ClassifyConfig(), report
    )
    assert mob["mob_telenor_4g"].tolist() == [3, 2, 1, 0]
    assert mob["mob_any_ok"].tolist() == [True, False, False, False]
    assert np.isnan(mob["mob_telenor_4g_dbm"].iloc[3])
    assert "mobile_no_data" in report.codes()
    outdoor = sample_mobile(
        addr,
        [MobileRaster(operator="telenor", technology="4g", path=p)],
        ClassifyConfig(mobile_satisfactory="outdoor"),
    )
    assert outdoor["mob_any_ok"].tolist() == [True, True, False, False]


def test_raster_without_crs_is_an_error(tmp_path):
    p = tmp_path / "nocrs.tif"
    _raster(p, np.zeros((2, 2), dtype="int16") - 90, None, from_origin(0, 2, 1, 1))
    with pytest.raises(InputError, match="no CRS") as exc:
        sample_raster(p, np.array([1.0]), np.array([1.0]))
    assert exc.value.file == str(p)


def test_class_raster_values_checked(tmp_path):
    p = tmp_path / "cls.tif"
    _raster(
        p,
        np.array([[3, 7]], dtype="int16"),
        "EPSG:25833",
        from_origin(270_000, 7_000_100, 100, 100),
    )
    addr = gpd.GeoDataFrame(
        {"adrid": [1, 2]},
        geometry=shapely.points([270_050, 270_150], [7_000_050, 7_000_050]),
        crs=25833,
    )
    with pytest.raises(InputError, match="class raster holds 7"):
        sample_mobile(
            addr,
            [MobileRaster(operator="ice", technology="5g", path=p, values="class")],
            ClassifyConfig(),
        )


def test_default_data_classification_is_consistent(default_result):
    cls = default_result.classified
    assert (cls.loc[cls["eligible"], "best_down_kbps"] < 100_000).all()
    assert (cls.loc[cls["speed_class"] == "none", "best_down_kbps"] == 0).all()
    # At least one operator satisfactory <=> n_ok >= 1; all <=> n_ok == 3.
    assert (cls["mob_any_ok"] == (cls["mob_n_ok"] >= 1)).all()
    assert (cls["mob_all_ok"] == (cls["mob_n_ok"] == 3)).all()
    # Mobile holes exist in the synthetic valleys, but most households have coverage.
    share = cls.loc[~cls["mob_any_ok"], "hus"].sum() / cls["hus"].sum()
    assert 0.02 < share < 0.4
