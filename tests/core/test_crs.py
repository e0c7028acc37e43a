"""CRS checks at the stages' doors and the SSB grid id."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from dekning.crs import WORK_CRS, require_crs, ssb_grid_id
from dekning.errors import InputError


def _points(crs: str | None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(10.4, 63.4)], crs=crs)


def test_work_crs_passes():
    require_crs(_points(WORK_CRS), "addresses")
    require_crs(_points("EPSG:25833").geometry, "addresses")


def test_another_crs_is_refused_with_the_frame_named():
    with pytest.raises(InputError) as err:
        require_crs(_points("EPSG:4326"), "areas", file="omrader.gpkg")
    text = str(err.value)
    assert text.startswith("omrader.gpkg, felt 'crs': areas: geometrien er i EPSG:4326")
    assert "forventet EPSG:25833" in text and "to_crs('EPSG:25833')" in text
    assert err.value.field == "crs"


def test_missing_crs_is_refused():
    with pytest.raises(InputError, match="addresses: geometrien har ikke noe koordinatsystem"):
        require_crs(_points(None), "addresses")


def test_expected_crs_can_be_the_web_crs():
    require_crs(_points("EPSG:4326"), "web", expected="EPSG:4326")
    with pytest.raises(InputError, match="er i EPSG:25833, forventet EPSG:4326"):
        require_crs(_points(WORK_CRS), "web", expected="EPSG:4326")


def test_ssb_grid_id_by_hand():
    # x = 270 123 -> floor((270 123 + 2 000 000) / 250) * 250 = 2 270 000
    # y = 7 040 260 -> floor(7 040 260 / 250) * 250 = 7 040 250
    ids = ssb_grid_id(np.array([270_123.0]), np.array([7_040_260.0]))
    assert ids.tolist() == [2_270_000 * 10_000_000 + 7_040_250]
    km = ssb_grid_id(np.array([270_123.0]), np.array([7_040_260.0]), 1000)
    assert km.tolist() == [2_270_000 * 10_000_000 + 7_040_000]
