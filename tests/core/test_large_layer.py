"""A large layer goes through pyogrio's Arrow writer; a column Arrow cannot take is written the
ordinary way, and either way the GeoPackage reads back the same."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from dekning.outputs import large_layer


def _frame(values: list[object]) -> gpd.GeoDataFrame:
    n = len(values)
    return gpd.GeoDataFrame(
        {"adrid": range(n), "tekst": values},
        geometry=shapely.points(range(n), range(n)),
        crs=25833,
    )


def test_arrow_and_ordinary_writes_read_back_the_same(tmp_path):
    frame = _frame(["Storgata 1", "Å 2", None])
    large_layer(frame, tmp_path / "a.gpkg", "adresser")
    frame.to_file(tmp_path / "b.gpkg", layer="adresser", driver="GPKG")
    a, b = (gpd.read_file(tmp_path / n, layer="adresser") for n in ("a.gpkg", "b.gpkg"))
    pd.testing.assert_frame_equal(a, b)


def test_mixed_objects_fall_back_to_the_ordinary_writer(tmp_path):
    frame = _frame(["tekst", 5, 2.5])  # Arrow takes no column of text and numbers mixed
    large_layer(frame, tmp_path / "m.gpkg", "adresser")
    back = gpd.read_file(tmp_path / "m.gpkg", layer="adresser")
    assert list(back["tekst"]) == ["tekst", "5", "2.5"] and back.crs.to_epsg() == 25833
