"""The geocoder's index: built once per address register, then used for any number of batches
with the same results as building it per batch."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dekning.errors import InputError
from dekning.surveys.geocode import AddressIndex, geocode
from dekning.surveys.mapping import load_mapping
from dekning.surveys.read import read_survey


@pytest.fixture(scope="module")
def register() -> gpd.GeoDataFrame:
    """Addresses 50 m apart on one line; a street name in two postnummer, a duplicate key."""
    rows = [
        (1, "Storgata", "12", "", "7395"),
        (2, "Storgata", "12", "B", "7395"),
        (3, "Skolevegen", "4", "", "7395"),
        (4, "Skolevegen", "4", "", "7396"),
        (5, "Kirkebakken", "9", "", "7396"),
        (6, "Kirkebakken", "9", "", "7396"),  # same key as 5: the later address wins
    ]
    df = pd.DataFrame(rows, columns=["adrid", "adressenavn", "nummer", "bokstav", "postnummer"])
    points = shapely.points(270_000 + 50 * np.arange(len(df)), np.full(len(df), 7_000_000.0))
    return gpd.GeoDataFrame(df, geometry=points, crs=25833)


def test_index_holds_normalised_keys_and_groups(register):
    index = AddressIndex.build(register)
    assert index.exact[("storgata", "12", "B", "7395")] == 2
    assert index.exact[("kirkebakken", "9", "", "7396")] == 6
    assert index.by_street[("skolevegen", "4", "")] == 4
    assert index.streets_by_post == {
        "7395": ["storgata", "skolevegen"],
        "7396": ["skolevegen", "kirkebakken"],
    }
    assert index.all_streets == ["storgata", "skolevegen", "kirkebakken"]
    assert index.adrid.tolist() == [1, 2, 3, 4, 5, 6]


def test_one_index_serves_many_batches_without_the_register(register):
    index = AddressIndex.build(register.copy())
    batches = [
        pd.DataFrame({"row": [1], "address": ["Storgt. 12 b"], "postnummer": ["7395"]}),
        pd.DataFrame({"row": [2], "address": ["Kirkebaken 9"], "postnummer": ["7396"]}),
        pd.DataFrame({"row": [3], "address": ["Skoleveien 4"], "postnummer": [""]}),
        pd.DataFrame({"row": [4], "address": ["Ukjentvegen 1"], "postnummer": ["7395"]}),
    ]
    got = [index.geocode(b).answers.iloc[0] for b in batches]
    assert [(g["adrid"], g["match"]) for g in got] == [
        (2, "exact"),
        (6, "fuzzy"),
        (4, "exact"),
        (-1, "unmatched"),
    ]
    assert 85 <= got[1]["score"] < 100
    for batch in batches:
        direct = geocode(batch, register)
        pd.testing.assert_frame_equal(index.geocode(batch).answers, direct.answers)


def test_coordinates_snap_inside_the_boundary(register):
    index = AddressIndex.build(register)
    to_web = Transformer.from_crs(25833, 4326, always_xy=True)
    lon, lat = to_web.transform([270_010.0, 270_100.0, 275_000.0], [7_000_000.0] * 3)
    answers = pd.DataFrame(
        {
            "row": [1, 2, 3],
            "address": ["", "", ""],
            "postnummer": ["", "", ""],
            "lat": lat,
            "lon": lon,
        }
    )
    boundary = shapely.box(269_900, 6_999_900, 270_060, 7_000_100)  # holds the first point only
    res = index.geocode(answers, boundary=boundary, snap_m=100)
    assert res.answers["adrid"].tolist() == [1, -1, -1]
    assert res.answers["match"].tolist() == ["coordinates", "outside", "outside"]
    assert res.answers["score"].iloc[0] == pytest.approx(90.0, abs=0.2)
    far = index.geocode(answers, snap_m=100)
    assert far.answers["match"].tolist() == ["coordinates", "coordinates", "unmatched"]
    assert far.match_rate == pytest.approx(2 / 3)
    assert far.unmatched["row"].tolist() == [3]


def test_register_in_another_crs_is_refused(register):
    with pytest.raises(InputError, match=r"address register.*EPSG:4326.*forventet EPSG:25833"):
        AddressIndex.build(register.to_crs(4326))
    answers = pd.DataFrame({"row": [1], "address": ["Storgata 12"], "postnummer": ["7395"]})
    with pytest.raises(InputError, match="address register"):
        geocode(answers, register.to_crs(4326))


def test_default_export_matches_as_before(data_dir, default_result):
    """The index gives the default export the same matches as the per-batch function."""
    cls = default_result.classified
    read = read_survey(data_dir / "sporreundersokelse_nettskjema.csv", load_mapping("nettskjema"))
    index = AddressIndex.build(cls)
    res = index.geocode(read.answers)
    direct = geocode(read.answers, cls)
    pd.testing.assert_frame_equal(res.answers, direct.answers)
    assert res.match_rate == direct.match_rate >= 0.98
    # answer by answer (as the API geocodes them) gives the same ids as the whole batch
    one_by_one = [index.geocode(read.answers.iloc[[i]]).answers["adrid"].iloc[0] for i in range(40)]
    assert one_by_one == res.answers["adrid"].iloc[:40].tolist()
