"""Small hand-made worlds for the planning tests (EPSG:25833, metres)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely


def world(x: list[float], y: list[float], **columns: object) -> gpd.GeoDataFrame:
    """Classified addresses at (x, y): eligible, no fibre, one household each unless given."""
    n = len(x)
    base: dict[str, object] = {
        "adrid": np.arange(1, n + 1),
        "eligible": True,
        "has_fibre": False,
        "hus": 1,
        "naering": 0,
        "offentlig": 0,
        "fritid": 0,
        "eligible_units": 1,
        "best_down_kbps": 5_000,
    }
    base.update(columns)
    return gpd.GeoDataFrame(base, geometry=shapely.points(x, y), crs=25833)


@pytest.fixture
def line_world() -> gpd.GeoDataFrame:
    """Three eligible addresses 100 m apart plus a fibre address 500 m away."""
    return world(
        list(270_000 + np.array([0.0, 100.0, 200.0, 700.0])),
        [7_000_000.0] * 4,
        eligible=[True, True, True, False],
        has_fibre=[False, False, False, True],
        hus=[1, 2, 1, 1],
        naering=[0, 0, 1, 0],
        eligible_units=[1, 2, 2, 0],
        best_down_kbps=[5_000, 5_000, 0, 1_000_000],
    )


@pytest.fixture
def make_world():
    """:func:`world`, for tests that build their own addresses."""
    return world
