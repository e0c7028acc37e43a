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
from dekning.coverage.classify.fixed import UPGRADEABLE_REASON, classify, speed_class
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
        eligible_below_down_kbps=200_000,
        bands=(("M10", 10_000), ("M50", 50_000), ("M200", 200_000)),
        sources=("test",),
        status="verified",
    )
    out = classify(addr, fixed, ClassifyConfig(), counts=counts, rule=rule).set_index("adrid")
    # best offers 1000, 150, 40, 0 (satellite not counted), 0 Mbit/s; address 4 only a cabin
    assert out["eligible"].tolist() == [False, True, True, False, True]
    assert out["band"].tolist() == ["", "M200", "M50", "", "M10"]
    assert out.loc[2, "reason"] == "mangler tilbud ≥ 200 Mbit/s"
    assert out.loc[1, "reason"] == "har tilbud ≥ 200 Mbit/s"


def _one_offer_each(offers: list[list[tuple[str, int, int]]]) -> tuple:
    """Address ``i + 1`` (one household each, 10 m apart) with the offers ``offers[i]``
    (technology, down, up in kbit/s)."""
    n = len(offers)
    addr = gpd.GeoDataFrame(
        {"adrid": np.arange(1, n + 1)},
        geometry=shapely.points(270_000 + 10 * np.arange(n), np.full(n, 7_000_000.0)),
        crs=25833,
    )
    fixed = pd.DataFrame(
        [
            (i + 1, f"Op{j}", tek, d, u)
            for i, row in enumerate(offers)
            for j, (tek, d, u) in enumerate(row)
        ],
        columns=["adrid", "tilb", "tek", "ned", "opp"],
    )
    counts = pd.DataFrame({"adrid": np.arange(1, n + 1), "hus": 1})
    return addr, fixed, counts


EDGES_2026 = [
    [("fiber", 999_999, 150_000)],  # 1 kbit/s short of 1 Gbit/s down
    [("fiber", 1_000_000, 150_000)],  # exactly at both thresholds: covered
    [("fiber", 1_000_000, 149_999)],  # 1 kbit/s short of 150 Mbit/s up
    [("fiber", 2_000_000, 100_000), ("kabel", 1_000_000, 150_000)],  # the second gives both
    [("fiber", 1_000_000, 100_000), ("kabel", 500_000, 200_000)],  # no one offer gives both
    [],  # no offer at all
]


def test_2026_thresholds_at_their_edges_down_and_up():
    addr, fixed, counts = _one_offer_each(EDGES_2026)
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2026), counts=counts).set_index("adrid")
    assert out["eligible"].tolist() == [True, False, True, False, True, True]
    assert out.loc[2, "reason"] == "har tilbud ≥ 1000/150 Mbit/s"
    assert out.loc[3, "reason"] == "mangler tilbud ≥ 1000/150 Mbit/s"
    # Bands by the best download; an address lacking only upload falls in the last band.
    assert out["band"].tolist() == ["M1000", "", "M1000", "", "M1000", "M100"]
    # The best offer is one row as a whole: highest download, then its own upload.
    assert out.loc[4, ["best_down_kbps", "best_up_kbps"]].tolist() == [2_000_000, 100_000]
    assert out.loc[5, ["best_down_kbps", "best_up_kbps", "best_tek"]].tolist() == [
        1_000_000,
        100_000,
        "fiber",
    ]


def test_2024_threshold_at_its_edge_and_without_an_upload_test():
    offers = [
        [("dsl", 99_999, 50_000)],
        [("kabel", 100_000, 1)],  # 1 kbit/s up: no upload test before 2026
    ]
    addr, fixed, counts = _one_offer_each(offers)
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2024), counts=counts)
    assert out["eligible"].tolist() == [True, False]
    assert out["band"].tolist() == ["M100", ""]
    assert "under_funksjonell" not in out  # 2024 has no functional floor


TECH_OFFERS = [
    [("ftb", 1_000_000, 200_000)],
    [("satellitt", 1_000_000, 200_000)],
    [("annet", 1_000_000, 200_000)],
    [("radio", 1_000_000, 200_000)],
]


def test_which_technologies_count_as_coverage():
    addr, fixed, counts = _one_offer_each(TECH_OFFERS)
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2026), counts=counts)
    # FTB and radio count; satellite and "annet" do not (DOMAIN.md §9.1).
    assert out["eligible"].tolist() == [False, True, True, False]
    assert out["best_down_kbps"].tolist() == [1_000_000, 0, 0, 1_000_000]
    sat = ClassifyConfig(scheme_year=2026, count_satellite=True)
    assert classify(addr, fixed, sat, counts=counts)["eligible"].tolist() == [
        False,
        False,
        True,
        False,
    ]
    only_fibre = ClassifyConfig(scheme_year=2026, counted_technologies=("fiber", "annet"))
    assert classify(addr, fixed, only_fibre, counts=counts)["eligible"].tolist() == [
        True,
        True,
        False,
        True,
    ]


def test_functional_floor_class_2026():
    offers = [
        [("dsl", 19_999, 5_000)],
        [("dsl", 20_000, 4_999)],
        [("dsl", 20_000, 5_000)],  # exactly the floor: functional
        [("dsl", 40_000, 1_000), ("radio", 10_000, 10_000)],  # neither offer gives both
        [],
    ]
    addr, fixed, counts = _one_offer_each(offers)
    out = classify(addr, fixed, ClassifyConfig(scheme_year=2026), counts=counts)
    assert out["under_funksjonell"].tolist() == [True, True, False, True, True]
    assert out["eligible"].all()  # the floor is a reported class, not a test


def test_upgradeable_addresses_are_excluded_where_the_rule_says_so(world):
    addr, fixed, counts = world
    report = RunReport()
    out = classify(
        addr,
        fixed,
        ClassifyConfig(scheme_year=2024),
        counts=counts,
        upgradeable=np.array([3, 4]),
        report=report,
    ).set_index("adrid")
    # Address 3 (40 Mbit/s) would be eligible; address 4 is a holiday home anyway.
    assert out["eligible"].tolist() == [False, False, False, False, True]
    assert out.loc[3, "reason"] == UPGRADEABLE_REASON
    assert out.loc[4, "reason"].startswith("kun fritidsbolig")
    assert out["kan_oppgraderes"].tolist() == [False, False, True, True, False]
    assert out["eligible_units"].tolist() == [0, 0, 0, 0, 1]
    assert "upgradeable_not_in_rule" not in report.codes()
    # 2020 has no such exclusion: the list is reported and not used.
    report = RunReport()
    old = classify(
        addr,
        fixed,
        ClassifyConfig(scheme_year=2020),
        counts=counts,
        upgradeable=np.array([5]),
        report=report,
    )
    assert old["eligible"].tolist() == [False, False, False, False, True]
    w = {x.code: x for x in report.warnings}["upgradeable_not_in_rule"]
    assert (w.count, w.examples) == (1, ["5"])


def test_public_buildings_count_only_when_switched_on(world):
    addr, fixed, counts = world
    counts = counts.assign(hus=[1, 2, 0, 0, 1], naering=0, offentlig=[0, 0, 2, 0, 1])
    on = classify(addr, fixed, ClassifyConfig(scheme_year=2024), counts=counts)
    # Address 3 (40 Mbit/s) has only two public buildings: eligible as two virksomheter.
    assert on["eligible"].tolist() == [False, False, True, False, True]
    assert on["eligible_units"].tolist() == [0, 0, 2, 0, 2]
    off = classify(
        addr, fixed, ClassifyConfig(scheme_year=2024, count_public_buildings=False), counts=counts
    )
    assert off["eligible"].tolist() == [False, False, False, False, True]
    assert off["eligible_units"].tolist() == [0, 0, 0, 0, 1]
    assert off.loc[off["adrid"] == 3, "reason"].item() == "ingen husstand eller virksomhet"


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
