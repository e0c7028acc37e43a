"""Mobile coverage rasters sampled at addresses: cells in any CRS, dBm levels to classes,
operators as the input names them, and the errors of unreadable or mislabelled rasters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.transform import from_origin
from rasterio.windows import Window

from dekning.config import ClassifyConfig, MobileRaster
from dekning.coverage.classify.grids import class_grids
from dekning.coverage.classify.mobile import layers_of, sample_mobile, sample_raster
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
