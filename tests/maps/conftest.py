"""Hand-made inputs for the map tests: a few addresses in known SSB cells, areas, routes and
class grids, all in EPSG:25833, with the columns the maps read."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.crs import WORK_CRS, ssb_grid_id
from dekning.schema import ClassGrid, MobileLayer, operator_column, operators

ORIGIN = (250_000, 6_990_000)
"""Lower-left corner of the 1 km SSB cell most hand-made addresses are in."""
LAYERS = (
    MobileLayer("Ice-Net", "4g"),
    MobileLayer("telenor", "4g"),
    MobileLayer("telenor", "5g"),
)
"""Operators as the input names them: ``Ice-Net`` has one technology, ``telenor`` two."""

Addresses = Callable[..., gpd.GeoDataFrame]


def _addresses(
    cells: Sequence[tuple[float, float, int]],
    best_down_kbps: Sequence[int] | None = None,
    layers: Sequence[MobileLayer] = LAYERS,
) -> gpd.GeoDataFrame:
    """``n`` addresses (one household each) at the centre of the 250 m cell whose lower-left
    corner is (x, y), for every (x, y, n) of ``cells``."""
    x = np.repeat([c[0] + 125.0 for c in cells], [c[2] for c in cells])
    y = np.repeat([c[1] + 125.0 for c in cells], [c[2] for c in cells])
    n = len(x)
    down = np.asarray(best_down_kbps if best_down_kbps is not None else [1_000_000] * n)
    classes = np.select(
        [down >= 1_000_000, down >= 100_000, down >= 30_000, down >= 1],
        ["ge1000", "ge100", "30to100", "lt30"],
        "none",
    )
    frame = pd.DataFrame(
        {
            "adrid": np.arange(1, n + 1, dtype="int64"),
            "adressetekst": [f"Testvegen {i}" for i in range(1, n + 1)],
            "postnummer": "0001",
            "hus": 1,
            "best_down_kbps": down,
            "speed_class": classes,
            "eligible": down < 100_000,
            "band": np.where(down < 100_000, "M100", ""),
            "ssb_rute_250": ssb_grid_id(x, y, 250),
            "operators": np.where(down > 0, "Telenor", ""),
            "best_tek": np.where(down >= 1_000_000, "fiber", np.where(down > 0, "dsl", "")),
            "area_id": "",
        }
    )
    for i, op in enumerate(operators(layers)):
        frame[operator_column(op)] = np.arange(n) % 4 if i == 0 else 3
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs=WORK_CRS)


@pytest.fixture
def make_addresses() -> Addresses:
    """Factory of hand-made classified addresses (see :func:`_addresses`)."""
    return _addresses


@pytest.fixture
def small_areas() -> gpd.GeoDataFrame:
    """Three areas: chosen with 4 households, chosen with 5, and one not chosen."""
    x0, y0 = ORIGIN
    boxes = [shapely.box(x0 + i * 300, y0, x0 + i * 300 + 250, y0 + 250) for i in range(3)]
    return gpd.GeoDataFrame(
        {
            "area_id": ["O-1", "O-2", "O-3"],
            "hus": [4, 5, 7],
            "naering": [0, 1, 0],
            "fritid": [2, 0, 0],
            "kost_total": [1_234_567, 2_000_000, 3_000_000],
            "stottebehov": [1_000_000, 1_500_000, 2_000_000],
            "statlig": [750_000, 1_000_000, 1_500_000],
            "kommunal": [250_000, 500_000, 500_000],
            "kost_per_enhet": [308_642, 333_333, 428_571],
            "valgt": [True, True, False],
            "rang": [2, 1, 0],
            "aar": [2, 1, 0],
        },
        geometry=boxes,
        crs=WORK_CRS,
    )


@pytest.fixture
def small_routes() -> gpd.GeoDataFrame:
    """One fibre route from the first area to the east."""
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {"area_id": ["O-1"], "metode": ["veg"]},
        geometry=[shapely.LineString([(x0 + 125, y0 + 125), (x0 + 900, y0 + 125)])],
        crs=WORK_CRS,
    )


@pytest.fixture
def small_grids() -> dict[str, ClassGrid]:
    """Class grids (100 m, 10 × 10 from :data:`ORIGIN`'s 1 km cell) per operator of
    :data:`LAYERS` and the count of satisfied operators (key ``""``)."""
    x0, y0 = ORIGIN
    transform = (100.0, 0.0, float(x0), 0.0, -100.0, float(y0 + 1000))
    ice = np.tile(np.arange(4, dtype="int8"), (10, 3))[:, :10]
    telenor = np.full((10, 10), 3, dtype="int8")
    count = (ice >= 2).astype("int8") + (telenor >= 2).astype("int8")
    count[:5, :5] = 0
    return {
        "Ice-Net": ClassGrid(ice, transform, WORK_CRS),
        "telenor": ClassGrid(telenor, transform, WORK_CRS),
        "": ClassGrid(count, transform, WORK_CRS),
    }


@pytest.fixture
def small_layers() -> tuple[MobileLayer, ...]:
    """The mobile layers of the hand-made data (:data:`LAYERS`)."""
    return LAYERS
