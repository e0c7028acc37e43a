"""Mobile coverage rasters sampled at addresses: cells in any CRS, dBm levels to classes,
operators as the input names them, and the errors of unreadable or mislabelled rasters; classes
from Nkom's ``mob`` rows and which source wins per operator × technology."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window

from dekning.config import ClassifyConfig, MobileRaster
from dekning.coverage.classify.grids import class_grids
from dekning.coverage.classify.mobile import (
    layers_of,
    mobile_coverage,
    mobile_from_rows,
    sample_mobile,
    sample_raster,
)
from dekning.coverage.read.addresses import read_addresses
from dekning.coverage.read.mobile import read_mobile_rows
from dekning.errors import InputError
from dekning.report import RunReport
from dekning.schema import MobileLayer


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
    with pytest.raises(InputError, match="ikke noe koordinatsystem") as exc:
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
    with pytest.raises(InputError, match="klasserasteret har verdien 7") as exc:
        sample_mobile(
            addr,
            [MobileRaster(operator="ice", technology="5g", path=p, values="class")],
            ClassifyConfig(),
        )
    assert exc.value.file == str(p) and exc.value.line is None and exc.value.field is None


def _four_addresses() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"adrid": [1, 2, 3, 4]},
        geometry=shapely.points(
            [270_050, 270_150, 270_050, 270_150], [7_000_150, 7_000_150, 7_000_050, 7_000_050]
        ),
        crs=25833,
    )


def test_operators_as_the_input_names_them(tmp_path):
    transform = from_origin(270_000, 7_000_200, 100, 100)
    dbm = tmp_path / "icenet_4g.tif"
    _raster(dbm, np.array([[-95, -105], [-115, -125]], dtype="int16"), "EPSG:25833", transform)
    cls = tmp_path / "icenet_5g.tif"
    _raster(cls, np.array([[0, 3], [2, 0]], dtype="int16"), "EPSG:25833", transform)
    rasters = [
        MobileRaster(operator="Ice-Net", technology="4g", path=dbm),
        MobileRaster(operator="Ice-Net", technology="5g", path=cls, values="class"),
    ]
    mob = sample_mobile(_four_addresses(), rasters, ClassifyConfig())
    assert mob["mob_Ice-Net_4g"].tolist() == [3, 2, 1, 0]
    assert mob["mob_Ice-Net_5g"].tolist() == [0, 3, 2, 0]
    assert "mob_Ice-Net_5g_dbm" not in mob  # class rasters have no level
    assert mob["mob_Ice-Net"].tolist() == [3, 3, 2, 0]  # best over technologies
    assert mob["mob_n_ok"].tolist() == [1, 1, 0, 0]
    assert layers_of(rasters) == [MobileLayer("Ice-Net", "4g"), MobileLayer("Ice-Net", "5g")]
    grids = class_grids(rasters, ClassifyConfig())
    assert grids["Ice-Net"].values.tolist() == [[3, 3], [2, 0]]
    assert grids[""].values.tolist() == [[1, 1], [0, 0]]


def test_addresses_in_lonlat_are_refused(tmp_path):
    p = tmp_path / "t.tif"
    _raster(p, np.zeros((1, 1), dtype="int16") - 90, "EPSG:25833", from_origin(0, 1, 1, 1))
    with pytest.raises(InputError) as exc:
        sample_mobile(
            _four_addresses().to_crs(4326),
            [MobileRaster(operator="telenor", technology="4g", path=p)],
            ClassifyConfig(),
        )
    assert exc.value.message.startswith(
        "addresses (mobile sampling): geometrien er i EPSG:4326, forventet EPSG:25833"
    )
    assert exc.value.file is None and exc.value.line is None and exc.value.field == "crs"


def test_unreadable_raster_names_the_file(tmp_path):
    p = tmp_path / "broken.tif"
    p.write_text("not a raster", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        sample_raster(p, np.array([1.0]), np.array([1.0]))
    assert exc.value.message.startswith("kan ikke åpne mobildekningsrasteret:")
    assert exc.value.file == str(p) and exc.value.line is None and exc.value.field is None
    with pytest.raises(InputError) as exc:
        class_grids([MobileRaster(operator="t", technology="4g", path=p)], ClassifyConfig())
    assert exc.value.message.startswith("kan ikke åpne mobildekningsrasteret:")
    assert exc.value.file == str(p)


def test_class_raster_declared_as_dbm(tmp_path):
    p = tmp_path / "cls.tif"
    _raster(
        p,
        np.array([[3, 2]], dtype="int16"),
        "EPSG:25833",
        from_origin(270_000, 7_000_100, 100, 100),
    )
    addr = gpd.GeoDataFrame(
        {"adrid": [1, 2]},
        geometry=shapely.points([270_050, 270_150], [7_000_050, 7_000_050]),
        crs=25833,
    )
    with pytest.raises(InputError) as exc:
        sample_mobile(
            addr, [MobileRaster(operator="ice", technology="5g", path=p)], ClassifyConfig()
        )
    assert exc.value.message.startswith(
        "alle verdiene i rasteret er ≥ 0: det ser ut som et klasseraster"
    )
    assert exc.value.file == str(p) and exc.value.line is None and exc.value.field is None


def _huge_header(path, cell_m: float = 10.0):
    """A 100 000 × 100 000 GeoTIFF (1 MB on disk: sparse tiles) with one written tile of
    -90 dBm at cells (9 000-9 255, 7 000-7 255)."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=100_000,
        height=100_000,
        count=1,
        dtype="int16",
        crs="EPSG:25833",
        transform=from_origin(200_000, 7_100_000, cell_m, cell_m),
        nodata=-32768,
        tiled=True,
        compress="deflate",
        sparse_ok=True,
    ) as dst:
        dst.write(np.full((256, 256), -90, "int16"), 1, window=Window(7_000, 9_000, 256, 256))


def test_class_grids_of_a_huge_raster_are_read_decimated_in_the_area(tmp_path):
    p = tmp_path / "huge.tif"
    _huge_header(p)
    raster = [MobileRaster(operator="x", technology="4g", path=p)]
    # 40 × 20 km around a municipality: 4 000 × 2 000 cells of 10 m, read as 2 000 × 1 000
    grids = class_grids(raster, ClassifyConfig(), (250_000, 6_990_000, 290_000, 7_010_000))
    assert grids["x"].values.shape == (1_000, 2_000) and grids[""].values.shape == (1_000, 2_000)
    assert grids["x"].transform[0] == 20.0 and grids["x"].transform[4] == -20.0
    # the written tile (x 270 000-272 560, y 7 007 440-7 010 000) is there, at 20 m cells
    assert (grids["x"].values == 3).sum() == pytest.approx(128 * 128, rel=0.02)
    # 200 × 200 km: 20 000 × 20 000 cells, the most accepted, read as 2 000 × 2 000
    grids = class_grids(raster, ClassifyConfig(), (200_000, 6_900_000, 400_000, 7_100_000))
    assert grids["x"].values.shape == (2_000, 2_000)
    # the whole raster (10^10 cells) is refused with a message, not read for minutes
    with pytest.raises(InputError, match="for stort: 100000 × 100000 celler") as exc:
        class_grids(raster, ClassifyConfig())
    assert exc.value.file == str(p)
    # an area the raster does not reach: no grids
    assert class_grids(raster, ClassifyConfig(), (900_000, 6_000_000, 910_000, 6_010_000)) == {}


def test_points_spread_over_a_huge_raster_are_read_cell_by_cell(tmp_path):
    p = tmp_path / "huge.tif"
    _huge_header(p)
    # 10 m cells; the points are 900 km apart, so one window would hold 9·10^9 cells
    x = np.array([270_005.0, 1_100_000.0, 205_000.0])
    y = np.array([7_009_995.0, 6_200_005.0, 7_095_000.0])
    values = sample_raster(p, x, y)
    assert values[0] == -90 and np.isnan(values[1]) and np.isnan(values[2])


@pytest.mark.parametrize("few", [0, 100])
def test_points_over_a_large_extent_are_read_in_strips_with_the_same_values(
    tmp_path, monkeypatch, few
):
    """Beyond MAX_WINDOW_CELLS the raster is read in strips of rows (and strips holding few
    points a cell at a time): every point gets exactly the value one whole window gives."""
    import dekning.coverage.classify.mobile as mobile

    rng = np.random.default_rng(7)
    data = rng.integers(-130, -60, size=(300, 200)).astype("int16")
    data[rng.random(data.shape) < 0.05] = -32768
    p = tmp_path / "r.tif"
    _raster(p, data, "EPSG:25833", from_origin(500_000, 7_000_000, 10, 10))
    x = 500_000 + rng.uniform(0, 2_000, 5_000)
    y = 7_000_000 - rng.uniform(0, 3_000, 5_000)
    whole = sample_raster(p, x, y)
    monkeypatch.setattr(mobile, "MAX_WINDOW_CELLS", 1_000)  # strips of 5 rows
    monkeypatch.setattr(mobile, "FEW_POINTS", few)
    reads = []
    original = rasterio.io.DatasetReader.read
    monkeypatch.setattr(
        rasterio.io.DatasetReader,
        "read",
        lambda self, *a, **k: reads.append(k.get("window")) or original(self, *a, **k),
    )
    strips = sample_raster(p, x, y)
    np.testing.assert_array_equal(strips, whole)
    assert np.isnan(whole).any() and not np.isnan(whole).all()
    assert 1 < len(reads) <= 60 + 5_000 * (few > 0)
    assert all(w.height * w.width <= 1_000 for w in reads)


def test_rotated_raster_is_refused(tmp_path):
    p = tmp_path / "rotated.tif"
    rotated = from_origin(270_000, 7_000_000, 10, 10) @ Affine.rotation(10)
    _raster(p, np.full((5, 5), -90, "int16"), "EPSG:25833", rotated)
    raster = [MobileRaster(operator="x", technology="4g", path=p)]
    with pytest.raises(InputError, match="rotert"):
        class_grids(raster, ClassifyConfig())


def test_raster_with_damaged_data_names_the_file(tmp_path):
    """The header reads, the tiles do not (a file cut in half by a failed copy)."""
    p = tmp_path / "cut.tif"
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        width=512,
        height=512,
        count=1,
        dtype="int16",
        crs="EPSG:25833",
        transform=from_origin(270_000, 7_000_000, 10, 10),
        tiled=True,
        compress="deflate",
    ) as dst:
        dst.write(np.random.default_rng(1).integers(-120, -60, (512, 512), dtype="int16"), 1)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="kan ikke lese mobildekningsrasteret") as exc:
        sample_raster(p, np.array([271_000.0, 274_000.0]), np.array([6_999_000.0, 6_996_000.0]))
    assert exc.value.file == str(p)
    raster = [MobileRaster(operator="x", technology="4g", path=p)]
    with pytest.raises(InputError, match="kan ikke lese mobildekningsrasteret"):
        class_grids(raster, ClassifyConfig())


def test_class_grids_of_a_raster_without_crs(tmp_path):
    p = tmp_path / "nocrs.tif"
    _raster(p, np.full((5, 5), -90, "int16"), None, from_origin(270_000, 7_000_000, 10, 10))
    with pytest.raises(InputError, match="rasteret har ikke noe koordinatsystem"):
        class_grids([MobileRaster(operator="x", technology="4g", path=p)], ClassifyConfig())


# ---------------------------------------------------------------- Nkom's mob rows


def _rows(data: list[tuple[int, str, str, int]]) -> pd.DataFrame:
    """Rows as :func:`~dekning.coverage.read.mobile.read_mobile_rows` returns them."""
    df = pd.DataFrame(data, columns=["adrid", "tilb", "tek", "ned"])
    return df.assign(
        tilb=pd.Categorical(df["tilb"], categories=sorted(set(df["tilb"]))),
        tek=pd.Categorical(df["tek"], categories=["4g", "5g"]),
    )


def test_mobile_classes_from_mob_rows_by_hand():
    rows = _rows(
        [
            (1, "telenor", "4g", 150_000),  # ≥ 100 Mbit/s: outdoor, top tier
            (1, "telenor", "5g", 29_999),  # under the lowest tier (30 Mbit/s): none
            (2, "telenor", "4g", 30_000),  # exactly the lowest tier: outdoor
            (2, "telenor", "4g", 99_999),  # the same pair again: the faster counts
            (3, "telia", "5g", 100_000),  # exactly 100 Mbit/s
            (9, "telia", "4g", 50_000),  # not in the register: ignored, counted
        ]
    )
    report = RunReport()
    addresses = pd.DataFrame({"adrid": [1, 2, 3, 4]}, index=[10, 11, 12, 13])
    mob = mobile_from_rows(addresses, rows, (30_000, 100_000), report)
    assert list(mob.index) == [10, 11, 12, 13]
    assert list(mob.columns) == [
        "mob_telenor_4g",
        "mob_telenor_4g_tier_kbps",
        "mob_telenor_5g",
        "mob_telenor_5g_tier_kbps",
        "mob_telia_4g",
        "mob_telia_4g_tier_kbps",
        "mob_telia_5g",
        "mob_telia_5g_tier_kbps",
    ]
    assert mob["mob_telenor_4g"].tolist() == [2, 2, 0, 0]
    assert mob["mob_telenor_4g_tier_kbps"].tolist() == [100_000, 30_000, 0, 0]
    assert mob["mob_telenor_5g"].tolist() == [0, 0, 0, 0]
    assert mob["mob_telia_4g"].tolist() == [0, 0, 0, 0]
    assert mob["mob_telia_5g"].tolist() == [0, 0, 2, 0]
    assert mob["mob_telia_5g_tier_kbps"].tolist() == [0, 0, 100_000, 0]
    assert mob["mob_telenor_4g"].dtype == "int8" and mob["mob_telia_5g_tier_kbps"].dtype == "int64"
    (w,) = [w for w in report.warnings if w.code == "mobile_rows_unknown_addresses"]
    assert w.count == 1 and w.examples == ["9"]
    # other tiers: 10, 50 and 200 Mbit/s
    other = mobile_from_rows(addresses, rows, (10_000, 50_000, 200_000))
    assert other["mob_telenor_4g_tier_kbps"].tolist() == [50_000, 50_000, 0, 0]
    assert other["mob_telenor_5g"].tolist() == [2, 0, 0, 0]
    assert other["mob_telenor_5g_tier_kbps"].tolist() == [10_000, 0, 0, 0]


@pytest.fixture
def telenor_4g(tmp_path) -> list[MobileRaster]:
    p = tmp_path / "telenor_4g.tif"
    transform = from_origin(270_000, 7_000_200, 100, 100)
    _raster(p, np.array([[-95, -105], [-115, -125]], dtype="int16"), "EPSG:25833", transform)
    return [MobileRaster(operator="Telenor", technology="4g", path=p)]


MOB = [
    (4, "telenor", "4g", 150_000),  # the raster has this pair: it wins (class stays 0)
    (3, "telenor", "5g", 40_000),  # no raster: outdoor from the file
    (1, "telia", "4g", 100_000),
    (4, "telia", "4g", 30_000),
]


def test_raster_wins_and_the_mob_file_fills_the_other_pairs(telenor_4g):
    report = RunReport()
    mob, layers = mobile_coverage(
        _four_addresses(), telenor_4g, _rows(MOB), ClassifyConfig(), report
    )
    assert layers == [
        MobileLayer("Telenor", "4g"),
        MobileLayer("Telenor", "5g"),  # the raster's spelling of the operator
        MobileLayer("telia", "4g"),
    ]
    assert mob is not None
    assert mob["mob_Telenor_4g"].tolist() == [3, 2, 1, 0]
    assert mob["mob_Telenor_5g"].tolist() == [0, 0, 2, 0]
    assert mob["mob_telia_4g"].tolist() == [2, 0, 0, 2]
    assert mob["mob_Telenor"].tolist() == [3, 2, 2, 0]
    assert mob["mob_telia"].tolist() == [2, 0, 0, 2]
    # indoor (default): the file's pairs never reach class 3, only Telenor's raster can
    assert mob["mob_n_ok"].tolist() == [1, 0, 0, 0]
    assert mob["mob_any_ok"].tolist() == [True, False, False, False]
    assert mob["mob_all_ok"].tolist() == [False, False, False, False]
    # the modelled download tier is kept for every pair of the file, the raster's too
    assert mob["mob_Telenor_4g_tier_kbps"].tolist() == [0, 0, 0, 100_000]
    assert mob["mob_Telenor_5g_tier_kbps"].tolist() == [0, 0, 30_000, 0]
    assert mob["mob_telia_4g_tier_kbps"].tolist() == [100_000, 0, 0, 30_000]
    assert list(mob.columns[-3:]) == [
        "mob_Telenor_4g_tier_kbps",
        "mob_Telenor_5g_tier_kbps",
        "mob_telia_4g_tier_kbps",
    ]
    said = {w.code: w for w in report.warnings}
    assert said["mobile_raster_over_mob_file"].examples == ["Telenor 4g"]
    assert said["mobile_from_mob_file"].examples == ["Telenor 5g", "telia 4g"]
    assert said["mobile_outdoor_only"].examples == ["Telenor 5g", "telia 4g"]
    assert "rasteret er brukt" in said["mobile_raster_over_mob_file"].message


def test_outdoor_satisfaction_counts_the_mob_file(telenor_4g):
    report = RunReport()
    cfg = ClassifyConfig(mobile_satisfactory="outdoor")
    mob, _ = mobile_coverage(_four_addresses(), telenor_4g, _rows(MOB), cfg, report)
    assert mob is not None
    assert mob["mob_n_ok"].tolist() == [2, 1, 1, 1]
    assert mob["mob_any_ok"].tolist() == [True, True, True, True]
    assert mob["mob_all_ok"].tolist() == [True, False, False, False]
    assert "mobile_outdoor_only" not in report.codes()


def test_without_mob_rows_the_rasters_give_what_they_gave(telenor_4g):
    addresses = _four_addresses()
    mob, layers = mobile_coverage(addresses, telenor_4g, None, ClassifyConfig())
    pd.testing.assert_frame_equal(mob, sample_mobile(addresses, telenor_4g, ClassifyConfig()))
    assert layers == layers_of(telenor_4g)
    assert mobile_coverage(addresses, [], None, ClassifyConfig()) == (None, [])


def test_mob_rows_without_rasters():
    mob, layers = mobile_coverage(_four_addresses(), [], _rows(MOB), ClassifyConfig())
    assert mob is not None
    assert [m.column for m in layers] == ["mob_telenor_4g", "mob_telenor_5g", "mob_telia_4g"]
    assert mob["mob_telenor_4g"].tolist() == [0, 0, 0, 2]
    assert mob["mob_telenor"].tolist() == [0, 0, 2, 2]
    assert not mob["mob_any_ok"].any()  # indoor: outdoor-only data never satisfies
    assert not any(c.endswith("_dbm") for c in mob.columns)


def test_default_data_mob_rows_agree_with_the_rasters(data_dir, default_config):
    """The generator derives the rows from the rasters: outdoor in the file exactly where the
    raster is at least outdoor, and the 100 Mbit/s tier exactly where it is indoor."""
    addresses = read_addresses(default_config.input.addresses)
    rows = read_mobile_rows(data_dir / "nkom_mob.csv")
    cfg = default_config.classify
    rasters = default_config.input.mobile
    from_raster = sample_mobile(addresses, rasters, cfg)
    from_file = mobile_from_rows(addresses, rows, cfg.mobile_speed_tiers_kbps)
    for m in layers_of(rasters):
        assert ((from_file[m.column] == 2) == (from_raster[m.column] >= 2)).all(), m
        assert ((from_file[m.tier_column] == 100_000) == (from_raster[m.column] == 3)).all(), m
    report = RunReport()
    merged, layers = mobile_coverage(addresses, rasters, rows, cfg, report)
    assert layers == layers_of(rasters)
    assert merged is not None
    pd.testing.assert_frame_equal(merged[from_raster.columns], from_raster)
    said = {w.code: w for w in report.warnings}
    assert said["mobile_raster_over_mob_file"].count == 6
    assert "mobile_from_mob_file" not in said
