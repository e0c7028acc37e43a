"""The address list of a package: the area's eligible addresses, sorted, renamed."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from dekning.coverage.application.addresses import address_list
from dekning.errors import InputError


def _register() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adrid": [1, 2, 3, 4],
            "adressetekst": ["Åsveien 2", "Bakken 1", "Åsveien 1", "Bakken 3"],
            "postnummer": ["0150", "0150", "0150", "0150"],
            "hus": [1, 2, 1, 1],
            "eligible": [True, True, False, True],
            "area_id": ["O-001", "O-001", "O-001", "O-002"],
            "intern": ["x", "y", "z", "w"],
        },
        geometry=shapely.points([0, 1, 2, 3], [0, 0, 0, 0]),
        crs=25833,
    )


def test_the_area_s_eligible_addresses_sorted_and_renamed():
    out = address_list(_register(), "O-001")
    assert out["adresse_id"].tolist() == [2, 1]  # "Bakken" before "Åsveien"; 3 not eligible
    assert list(out.columns) == ["adresse_id", "adresse", "postnummer", "husstander", "geometry"]
    assert out["postnummer"].tolist() == ["0150", "0150"] and out.crs.to_epsg() == 25833
    assert address_list(_register(), "O-009").empty


def test_crs_and_columns_are_checked():
    with pytest.raises(InputError, match=r"address_list\(classified\).*EPSG:4326"):
        address_list(_register().to_crs(4326), "O-001")
    with pytest.raises(InputError, match=r"address_list\(classified\): mangler kolonne") as exc:
        address_list(_register().drop(columns="area_id"), "O-001")
    assert exc.value.field == "area_id"
