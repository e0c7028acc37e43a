"""What the answers show: the join to classified addresses, discrepancies with the operator data
(fixed and mobile, operators as the input names them) and demand, public demand under the one
small-group rule."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from dekning.config import ClassifyConfig, MobileRaster
from dekning.coverage.classify.fixed import classify
from dekning.coverage.classify.mobile import layers_of, sample_mobile
from dekning.schema import MobileLayer
from dekning.surveys.evidence import (
    demand,
    discrepancies,
    join_answers,
    public_demand,
    raster_column,
)
from dekning.surveys.geocode import geocode
from dekning.surveys.mapping import load_mapping
from dekning.surveys.read import read_survey

TELENOR = [MobileLayer("telenor", "4g"), MobileLayer("telenor", "5g")]


@pytest.fixture
def joined():
    classified = pd.DataFrame(
        {
            "adrid": [1, 2, 3],
            "adressetekst": ["A 1", "B 2", "C 3"],
            "best_down_kbps": [1_000_000, 100_000, 0],
            "best_tek": ["fiber", "ftb", ""],
            "has_fibre": [True, False, False],
            "operators": ["Fiberlaget", "Ice", ""],
            "speed_class": ["ge1000", "ge100", "none"],
            "area_id": ["", "O-001", "O-001"],
            "ssb_rute_250": [10, 10, 20],
            "mob_telenor": [3, 2, 0],
        }
    )
    answers = pd.DataFrame(
        {
            "row": [1, 2, 3, 4],
            "adrid": [1, 2, 3, -1],
            "technology": ["dsl", "ftb", "ingen", "fiber"],
            "down_mbps": [900.0, 10.0, None, 5.0],
            "mob_telenor_inne": [0.0, 0.0, 0.0, 0.0],
            "mob_telenor_ute": [3.0, 0.0, 0.0, 0.0],
            "interest_fibre": ["har", "ja", "nei", "ja"],
            "willingness_to_pay": [np.nan, 15000, 0, 5000],
        }
    )
    return join_answers(answers, classified, TELENOR)


def test_discrepancies_known(joined):
    d = discrepancies(joined, TELENOR)
    got = set(zip(d["adrid"], d["avvik"], d["operator"], strict=True))
    assert got == {
        (1, "fiber_ikke_levert", "Fiberlaget"),  # fibre offered, resident has DSL
        (1, "mobil_inne", "telenor"),  # indoor class 3 in the raster, resident: none indoors
        (2, "lav_hastighet", "Ice"),  # 10 Mbit/s measured, 100 offered (< 25 %)
        (2, "mobil_ute", "telenor"),  # outdoor class 2, resident: none outdoors
    }
    assert 4 not in set(d["row"])  # unmatched answers are not evidence


def test_demand_and_public_suppression(joined):
    d = demand(joined, "area_id").set_index("area_id")
    assert d.loc["O-001", "svar"] == 2 and d.loc["O-001", "andel_interessert"] == 0.5
    assert d.loc["O-001", "betalingsvilje_median"] == 7500
    pub = public_demand(joined, "ssb_rute_250", min_count=2).set_index("ssb_rute_250")
    assert pub.loc[10, "svar"] == 2 and not pub.loc[10, "skjult"]
    assert pub.loc[20, "skjult"] and pub.loc[20].drop("skjult").isna().all()
    assert "adrid" not in pub.columns and "row" not in pub.columns


def test_join_adds_the_raster_class_of_each_operator(joined):
    assert raster_column("telenor") == "raster_mob_telenor"
    assert joined["raster_mob_telenor"].tolist() == [3, 2, 0]
    assert joined["adrid"].tolist() == [1, 2, 3]  # the unmatched answer (-1) is left out


def test_texts_of_the_fixed_discrepancies(joined):
    d = discrepancies(joined, TELENOR).set_index("avvik")
    assert d.loc["lav_hastighet", "operatordata"] == "inntil 100 Mbit/s"
    assert d.loc["lav_hastighet", "svar"] == "målt 10 Mbit/s"
    assert d.loc["fiber_ikke_levert", "svar"] == "har dsl"
    assert d.loc["mobil_inne", "operatordata"] == "innendørs"
    assert d.loc["mobil_ute", "operatordata"] == "utendørs"


def test_only_the_given_layers_are_compared():
    classified = pd.DataFrame(
        {"adrid": [1], "adressetekst": ["A 1"], "mob_telenor": [3], "mob_telia": [3]}
    )
    answers = pd.DataFrame({"row": [1], "adrid": [1], "mob_telenor_inne": [0.0]})
    layers = (MobileLayer("telenor", "4g"),)
    joined = join_answers(answers, classified, layers)
    assert "raster_mob_telenor" in joined and "raster_mob_telia" not in joined
    assert discrepancies(joined, layers)["avvik"].tolist() == ["mobil_inne"]
    # without layers, nothing mobile is compared
    assert discrepancies(joined, [])["avvik"].tolist() == []
    bare = join_answers(answers, classified, [])
    assert "raster_mob_telenor" not in bare


def test_public_demand_keeps_counts_whole(joined):
    pub = public_demand(joined, "ssb_rute_250", min_count=2).set_index("ssb_rute_250")
    assert str(pub["svar"].dtype) == "Int64" and str(pub["svar_fiber_spurt"].dtype) == "Int64"
    assert pub.loc[10, "svar"] == 2 and pub.loc[10, "svar_fiber_spurt"] == 1
    assert pub.loc[20, "svar"] is pd.NA and bool(pub.loc[20, "skjult"])
    # the planner's table is not suppressed
    assert demand(joined, "ssb_rute_250").set_index("ssb_rute_250").loc[20, "svar"] == 1


def _raster(path, data):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype.name,
        crs="EPSG:25833",
        transform=from_origin(270_000, 7_000_100, 100, 100),
    ) as dst:
        dst.write(data, 1)


def test_an_operator_named_ice_net_from_rasters_to_discrepancies(tmp_path):
    """Ice-Net in the rasters and in the survey mapping is the same operator end to end."""
    addresses = gpd.GeoDataFrame(
        {
            "adrid": [1, 2],
            "adressenavn": ["Storgata", "Storgata"],
            "nummer": ["1", "2"],
            "bokstav": ["", ""],
            "postnummer": ["7395", "7395"],
            "adressetekst": ["Storgata 1", "Storgata 2"],
        },
        geometry=shapely.points([270_050, 270_150], [7_000_050, 7_000_050]),
        crs=25833,
    )
    _raster(tmp_path / "icenet.tif", np.array([[3, 2]], dtype="int16"))
    rasters = [
        MobileRaster(
            operator="Ice-Net", technology="5g", path=tmp_path / "icenet.tif", values="class"
        )
    ]
    mobile = sample_mobile(addresses, rasters, ClassifyConfig())
    classified = classify(addresses, None, ClassifyConfig(), mobile=mobile)
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\naddress = "Adresse"\npostnummer = "Postnr"\n'
        '[columns.mobile]\n"Ice-Net_inne" = "Ice-Net innendørs"\n"Ice-Net_ute" = "Ice-Net utendørs"\n'
        '[answers.mobile]\n3 = ["god"]\n0 = ["ingen"]\n',
        encoding="utf-8",
    )
    export = tmp_path / "svar.csv"
    export.write_text(
        "Adresse;Postnr;Ice-Net innendørs;Ice-Net utendørs\n"
        "Storgata 1;7395;ingen;god\n"  # raster: indoor class 3 -> contradiction indoors
        "Storgata 2;7395;ingen;ingen\n",  # raster: outdoor class 2 -> contradiction outdoors only
        encoding="utf-8",
    )
    read = read_survey(export, load_mapping(mapping))
    layers = layers_of(rasters)
    joined = join_answers(geocode(read.answers, classified).answers, classified, layers)
    d = discrepancies(joined, layers)
    got = list(zip(d["adrid"], d["avvik"], d["operator"], d["operatordata"], strict=True))
    assert got == [
        (1, "mobil_inne", "Ice-Net", "innendørs"),
        (2, "mobil_ute", "Ice-Net", "utendørs"),
    ]
