"""The hand-built municipality of the mobile-along-roads and mast tests (its figures are
derived by hand in tests/coverage/classify/test_roads.py and tests/coverage/planning/test_masts.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from dekning.config import MobileRaster
from dekning.crs import WORK_CRS

X0, Y0 = 270_000.0, 7_000_000.0


def _class_raster(path, cells: dict[tuple[int, int], int]) -> MobileRaster:
    """A 14 × 10 class raster of 100 m cells from (X0 - 200, Y0 + 200), 0 but ``cells``."""
    data = np.zeros((10, 14), dtype="int16")
    for (row, col), value in cells.items():
        data[row, col] = value
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=14,
        height=10,
        count=1,
        dtype="int16",
        crs=WORK_CRS,
        transform=from_origin(X0 - 200, Y0 + 200, 100, 100),
        nodata=-32768,
    ) as dst:
        dst.write(data, 1)
    operator = path.stem.split("_")[0]
    return MobileRaster(operator=operator, technology="4g", path=path, values="class")


@pytest.fixture
def hand_world(tmp_path):
    """Roads (FV 1 in two pieces, Lia), two operators' class rasters and three addresses."""
    # FV 1 lies in raster row 1; its metre m is in column 2 + m // 100
    a = _class_raster(tmp_path / "a_4g.tif", {(1, c): 2 for c in [2, 3, 4, 5, 8, 9, 10, 11]})
    b = _class_raster(
        tmp_path / "b_4g.tif", {(1, 2): 2, (1, 3): 2, (1, 4): 2, (1, 6): 1, (1, 7): 1}
    )
    roads = gpd.GeoDataFrame(
        {
            "vegkategori": ["F", "F", "K"],
            "vegnummer": ["FV 1", "FV 1", ""],
            "vegnavn": ["", "", "Lia"],
            "adt": [800.0, 1000.0, np.nan],
            "kategori_kilde": "vegkategori",
        },
        geometry=[
            shapely.LineString([(X0, Y0 + 50), (X0 + 250, Y0 + 50), (X0 + 500, Y0 + 50)]),
            shapely.LineString([(X0 + 500, Y0 + 50), (X0 + 1000, Y0 + 50)]),
            shapely.LineString([(X0, Y0 - 500), (X0 + 500, Y0 - 500)]),
        ],
        crs=WORK_CRS,
    )
    addresses = gpd.GeoDataFrame(
        {"adrid": [1, 2, 3], "hus": [1, 3, 7], "fritid": [0, 2, 0]},
        geometry=shapely.points([(X0 + 100, Y0 - 400), (X0 + 250, Y0 - 700), (X0 + 5000, Y0)]),
        crs=WORK_CRS,
    )
    return roads, [a, b], addresses
