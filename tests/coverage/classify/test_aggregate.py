"""Aggregates per area unit on hand-made data whose right answer is known."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.config import ClassifyConfig
from dekning.coverage.classify.aggregate import GROUPINGS, aggregate, settlement
from dekning.coverage.classify.fixed import classify
from dekning.errors import InputError


@pytest.fixture
def classified() -> gpd.GeoDataFrame:
    addr = gpd.GeoDataFrame(
        {"adrid": [1, 2, 3, 4, 5], "postnummer": ["7395"] * 3 + ["7396"] * 2},
        geometry=shapely.points(270_000 + 100 * np.arange(5), np.full(5, 7_000_000.0)),
        crs=25833,
    )
    fixed = pd.DataFrame(
        [
            (1, "Fiberlaget", "fiber", 1_000_000, 1_000_000),
            (2, "Ice", "ftb", 150_000, 30_000),
            (3, "Telenor", "dsl", 40_000, 4_000),
            (4, "Starlink", "satellitt", 200_000, 20_000),
        ],
        columns=["adrid", "tilb", "tek", "ned", "opp"],
    )
    counts = pd.DataFrame(
        {
            "adrid": [1, 2, 3, 4, 5],
            "hus": [1, 2, 1, 0, 1],
            "pers": 0,
            "fritid": [0, 0, 0, 1, 0],
            "naering": [0, 0, 1, 0, 0],
            "offentlig": 0,
        }
    )
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2024), counts=counts)
    out["mob_any_ok"] = [True, False, True, True, False]
    return out


def test_aggregate_by_postnummer(classified):
    agg = aggregate(classified, "postnummer").set_index("postnummer")
    assert (
        agg.loc["7395", "hus"] == 4
        and agg.loc["7395", "hus_ge1000"] == 1
        and agg.loc["7395", "hus_ge100"] == 2
    )
    assert (
        agg.loc["7395", "hus_uten_100"] == 1 and agg.loc["7395", "stotteberettigede_enheter"] == 2
    )
    assert agg.loc["7396", "fritid_none"] == 1 and agg.loc["7396", "hus_none"] == 1


def test_households_without_mobile(classified):
    agg = aggregate(classified, "postnummer").set_index("postnummer")
    # 7395: address 2 (2 households) has no satisfactory operator; 7396: address 5 (1)
    assert agg["hus_uten_mobil"].to_dict() == {"7395": 2, "7396": 1}
    assert agg["adresser"].to_dict() == {"7395": 3, "7396": 2}


def test_frame_in_lonlat_is_refused(classified):
    with pytest.raises(InputError) as exc:
        aggregate(classified.to_crs(4326), "postnummer")
    assert exc.value.message.startswith(
        "classified addresses (aggregate): geometrien er i EPSG:4326, forventet EPSG:25833"
    )
    assert exc.value.file is None and exc.value.line is None and exc.value.field == "crs"


def test_unknown_grouping_column(classified):
    with pytest.raises(InputError) as exc:
        aggregate(classified, "fylke")
    assert exc.value.message.startswith(
        "classified addresses (aggregate): mangler kolonne(r) fylke"
    )
    assert exc.value.file is None and exc.value.line is None and exc.value.field == "fylke"


def test_aggregate_by_tettsted_and_spredtbygd(classified):
    counts = pd.DataFrame({"adrid": [1, 2, 3, 4], "ertett": [True, True, False, False]})
    labels = settlement(classified["adrid"].to_numpy(), counts)
    assert labels is not None
    assert labels.tolist() == ["tettsted", "tettsted", "spredtbygd", "spredtbygd", "ukjent"]
    assert "ertett" in GROUPINGS
    agg = aggregate(classified.assign(ertett=labels), "ertett").set_index("ertett")
    assert agg["adresser"].to_dict() == {"spredtbygd": 2, "tettsted": 2, "ukjent": 1}
    assert agg["hus"].to_dict() == {"spredtbygd": 1, "tettsted": 3, "ukjent": 1}
    # tettsted: fibre (1 household) and FTB 150 Mbit/s (2); spredtbygd: DSL 40 Mbit/s (1)
    assert agg.loc["tettsted", "hus_ge1000"] == 1 and agg.loc["tettsted", "hus_ge100"] == 2
    assert agg.loc["spredtbygd", "hus_30to100"] == 1 and agg.loc["spredtbygd", "fritid_none"] == 1
    assert agg["hus_uten_100"].to_dict() == {"spredtbygd": 1, "tettsted": 0, "ukjent": 1}
    assert agg["hus_uten_mobil"].to_dict() == {"spredtbygd": 0, "tettsted": 2, "ukjent": 1}


def test_no_settlement_without_ertett(classified):
    ids = classified["adrid"].to_numpy()
    assert settlement(ids, None) is None
    assert settlement(ids, pd.DataFrame({"adrid": [1], "hus": [1]})) is None
