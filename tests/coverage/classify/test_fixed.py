"""Classification of fixed coverage and eligibility, on hand-made data whose right answer is
known, and on the default data."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from dekning.config import ClassifyConfig
from dekning.coverage.classify.fixed import classify, speed_class
from dekning.crs import ssb_grid_id
from dekning.errors import InputError
from dekning.report import RunReport
from dekning.rules import EligibilityRule
from dekning.schema import MobileLayer


@pytest.fixture
def world():
    # Five addresses 100 m apart along a line.
    addr = gpd.GeoDataFrame(
        {
            "adrid": [1, 2, 3, 4, 5],
            "adressetekst": list("ABCDE"),
            "postnummer": ["7395"] * 3 + ["7396"] * 2,
        },
        geometry=shapely.points(270_000 + 100 * np.arange(5), np.full(5, 7_000_000.0)),
        crs=25833,
    )
    fixed = pd.DataFrame(
        [
            (1, "Fiberlaget", "fiber", 1_000_000, 1_000_000),
            (1, "Telenor", "dsl", 20_000, 2_000),
            (2, "Telenor", "dsl", 20_000, 2_000),
            (2, "Ice", "ftb", 150_000, 30_000),
            (3, "Telenor", "dsl", 40_000, 4_000),
            (4, "Starlink", "satellitt", 200_000, 20_000),
            (99, "Telenor", "dsl", 10_000, 1_000),  # not in the register
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
    return addr, fixed, counts


def test_known_answers(world):
    addr, fixed, counts = world
    report = RunReport()
    out = classify(
        addr, fixed, ClassifyConfig(scheme_year=2024), counts=counts, report=report
    ).set_index("adrid")
    assert out["best_down_kbps"].tolist() == [1_000_000, 150_000, 40_000, 0, 0]
    assert out["best_tek"].tolist() == ["fiber", "ftb", "dsl", "", ""]
    assert out["n_operators"].tolist() == [2, 2, 1, 0, 0]
    assert out.loc[2, "operators"] == "Ice, Telenor"
    assert out["speed_class"].tolist() == ["ge1000", "ge100", "30to100", "none", "none"]
    # 2024: eligible below 100 Mbit/s; address 4 is only a holiday home: not eligible.
    assert out["eligible"].tolist() == [False, False, True, False, True]
    assert out["band"].tolist() == ["", "", "M100", "", "M30"]
    assert out.loc[4, "reason"].startswith("kun fritidsbolig")
    assert out["eligible_units"].tolist() == [0, 0, 2, 0, 1]
    w = {x.code: x for x in report.warnings}
    assert w["coverage_unknown_addresses"].count == 1 and w[
        "coverage_unknown_addresses"
    ].examples == ["99"]


def test_satellite_counts_only_when_asked(world):
    addr, fixed, counts = world
    out = classify(addr, fixed, ClassifyConfig(count_satellite=True), counts=counts).set_index(
        "adrid"
    )
    assert out.loc[4, "best_tek"] == "satellitt" and out.loc[4, "speed_class"] == "ge100"


def test_older_rule_year(world):
    addr, fixed, counts = world
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2020), counts=counts).set_index("adrid")
    # 2020: eligible below 30 Mbit/s -> address 3 (40 Mbit/s) is not.
    assert out["eligible"].tolist() == [False, False, False, False, True]


def test_consultation_list_restricts(world):
    addr, fixed, counts = world
    report = RunReport()
    listed = pd.DataFrame({"adrid": [3, 1]})
    out = classify(
        addr, fixed, ClassifyConfig(), counts=counts, consultation=listed, report=report
    ).set_index("adrid")
    assert out["eligible"].tolist() == [False, False, True, False, False]
    assert out.loc[5, "reason"].startswith("ikke på Nkoms høringsliste")
    assert "listed_but_covered" in report.codes()  # address 1 has fibre but is listed


def test_default_households_without_counts(world):
    addr, fixed, _ = world
    out = classify(addr, fixed, ClassifyConfig())
    assert out["hus"].tolist() == [1] * 5


def test_speed_class_edges():
    assert speed_class(np.array([1_000_000, 999_999, 100_000, 30_000, 29_999, 1, 0])).tolist() == [
        "ge1000",
        "ge100",
        "ge100",
        "30to100",
        "lt30",
        "lt30",
        "none",
    ]


def test_ssb_grid_id_matches_ssb_file(shared_data):
    cells = pyogrio.read_dataframe(
        shared_data / "ssb-befolkning-rutenett-oslo" / "BefolkningOslo1km2019.gml",
        layer="BefolkningPåRuter1km",
    )
    centre = cells.geometry.centroid
    ours = ssb_grid_id(centre.x.to_numpy(), centre.y.to_numpy(), 1000)
    assert (ours == cells["ssbid1000M"].astype("int64").to_numpy()).all()
    assert len(cells) == 258


def test_default_data_classification_is_consistent(default_result):
    cls = default_result.classified
    assert (cls.loc[cls["eligible"], "best_down_kbps"] < 100_000).all()
    assert (cls.loc[cls["speed_class"] == "none", "best_down_kbps"] == 0).all()
    # At least one operator satisfactory <=> n_ok >= 1; all <=> n_ok == 3.
    assert (cls["mob_any_ok"] == (cls["mob_n_ok"] >= 1)).all()
    assert (cls["mob_all_ok"] == (cls["mob_n_ok"] == 3)).all()
    # Mobile holes exist in the synthetic valleys, but most households have coverage.
    share = cls.loc[~cls["mob_any_ok"], "hus"].sum() / cls["hus"].sum()
    assert 0.02 < share < 0.4


def test_addresses_in_lonlat_are_refused(world):
    addr, fixed, counts = world
    with pytest.raises(InputError) as exc:
        classify(addr.to_crs(4326), fixed, ClassifyConfig(), counts=counts)
    assert exc.value.message.startswith(
        "addresses (classification): geometrien er i EPSG:4326, forventet EPSG:25833"
    )
    assert exc.value.file is None and exc.value.line is None and exc.value.field == "crs"


def test_bands_are_the_first_limit_below(world):
    addr, fixed, counts = world
    rule = EligibilityRule(
        year=2099,
        eligible_below_kbps=200_000,
        bands=(("M10", 10_000), ("M50", 50_000), ("M200", 200_000)),
        source="test",
        verified=True,
    )
    out = classify(addr, fixed, ClassifyConfig(), counts=counts, rule=rule).set_index("adrid")
    # best offers 1000, 150, 40, 0 (satellite not counted), 0 Mbit/s; address 4 only a cabin
    assert out["eligible"].tolist() == [False, True, True, False, True]
    assert out["band"].tolist() == ["", "M200", "M50", "", "M10"]
    assert out.loc[2, "reason"] == "mangler tilbud"
    assert out.loc[1, "reason"] == "har tilbud ≥ 200 Mbit/s"


def test_mobile_columns_are_carried_over(world):
    addr, fixed, counts = world
    layer = MobileLayer("Ice-Net", "5g")
    mobile = pd.DataFrame({layer.column: [3, 2, 1, 0, 0]}, index=addr.index)
    out = classify(addr, fixed, ClassifyConfig(), counts=counts, mobile=mobile)
    assert out["mob_Ice-Net_5g"].tolist() == [3, 2, 1, 0, 0]


def test_coverage_for_no_known_address_leaves_every_address_without_offer(world):
    addr, fixed, counts = world
    stray = fixed.iloc[:1].assign(adrid=999)
    out = classify(addr, stray, ClassifyConfig(), counts=counts)
    assert (out["best_down_kbps"] == 0).all() and (out["operators"] == "").all()
