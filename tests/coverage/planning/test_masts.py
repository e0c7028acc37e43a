"""Candidate mast sites on the hand-built municipality of tests/coverage/classify/test_roads.py:
one site's gain, its funding and the choice, known by hand.

Terrain: flat at 0 m (25 m cells) but for a 200 m wall west of x = X0 - 1 000. With flat ground
and a 1.5 m receiver within 900 m of a 30 m antenna, the line of sight is clear, the loss is free
space, and at 800 MHz, EIRP 62 dBm and the RSRP correction of 27.8 dB the level is far above
−110 dBm: the range (``max_range_m = 900``) decides. Site S1 stands 300 m north of the middle
of FV 1's gap (X0 + 500, Y0 + 350):

- FV 1's gap segments (midpoints at X0 + 450 and + 550, 300 m south): both reached, 0.2 km;
- Lia's segments (midpoints X0 + 50 … + 450 at Y0 - 500, 850 m south): at dx = 450, 350, 250,
  150, 50 the distances are 961.8, 919.2, 886.0, 862.9, 851.5 m: the last three reached, 0.3 km;
- address 1 (X0 + 100, Y0 - 400; 1 household): 850 m, reached; address 2 (X0 + 250, Y0 - 700;
  3 households, 2 holiday homes): 1 079 m, not; address 3 is 4.5 km away.

So S1 newly covers 0.5 km of road and 1 household. S2 stands behind the wall (X0 - 1 300) with
an antenna below its top: it reaches nothing.

Funding in 2026 (the scheme covers mobile; Trøndelag's co-funding, 30 % of the state grant,
assumed for mobile): cost 3 000 000, operator 25 % = 750 000, gap 2 250 000, local minimum
2 250 000 × 0.3 / 1.3 = 519 230.77 → 519 231 (rounded up), state 1 730 769, municipal 519 231.
In 2024 the scheme does not cover mobile: no state grant, the municipality pays the gap.
"""

from __future__ import annotations

import affine
import geopandas as gpd
import numpy as np
import pytest
import shapely

from dekning.config import ClassifyConfig, MastsConfig, RoadsConfig, load_default_config
from dekning.coverage.classify.roads import road_mobile, segment_roads
from dekning.coverage.planning.masts import screen_masts
from dekning.coverage.planning.radio import Dem
from dekning.crs import WORK_CRS
from dekning.schema import MobileLayer

X0, Y0 = 270_000.0, 7_000_000.0


@pytest.fixture
def world(hand_world):
    roads, rasters, addresses = hand_world  # tests/coverage/conftest.py
    layers = [MobileLayer(r.operator, r.technology) for r in rasters]
    segments = road_mobile(
        segment_roads(roads, 100.0), layers, rasters, ClassifyConfig(), RoadsConfig()
    )
    classified = addresses.assign(naering=0, mob_any_ok=False)
    # 25 m cells from X0 - 2 000 to X0 + 6 000, Y0 - 2 000 to Y0 + 2 000; a 200 m wall
    heights = np.zeros((160, 320))
    col_wall = int((-1_000 - -2_000) / 25)
    heights[:, col_wall - 2 : col_wall] = 200.0
    dem = Dem(heights, affine.Affine(25, 0, X0 - 2_000, 0, -25, Y0 + 2_000))
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2"],
            "navn": ["Åsen", "Bak veggen"],
            "hoyde_m": [30.0, 30.0],
            "kost_nok": [np.nan, np.nan],
            "kilde": "bruker",
            "terreng_m": [0.0, 0.0],
        },
        geometry=shapely.points([(X0 + 500, Y0 + 350), (X0 - 1_300, Y0 - 500)]),
        crs=WORK_CRS,
    )
    return dem, sites, classified, segments


def _cfg(year: int, budget: float | None):
    cfg = load_default_config()
    return cfg.model_copy(
        update={
            "masts": MastsConfig(max_range_m=900, budget_nok=budget),
            "classify": cfg.classify.model_copy(update={"scheme_year": year}),
        }
    )


def test_one_sites_gain_by_hand(world):
    dem, sites, classified, segments = world
    ms = screen_masts(_cfg(2026, None), dem, sites, classified, segments)
    s1, s2 = ms.sites.iloc[0], ms.sites.iloc[1]
    assert s1["veg_km"] == pytest.approx(0.5)
    assert s1["veg_km_F"] == pytest.approx(0.2) and s1["veg_km_K"] == pytest.approx(0.3)
    assert (s1["adresser"], s1["hus"], s1["fritid"]) == (1, 1, 0)
    assert s1["verdi"] == pytest.approx(0.5 * 1.0 + 1 * 1.0)
    assert (s2["veg_km"], s2["adresser"]) == (0.0, 0)
    # the targets are the 7 road segments no operator covers and the 3 addresses
    assert ms.road_covers.shape == (2, 7) and ms.address_covers.shape == (2, 3)
    assert not ms.sites["valgt"].any()  # no budget: ranked only
    assert ms.sites["rang"].tolist() == [1, 2]


def test_funding_by_hand_and_without_mobile_in_the_scheme(world):
    dem, sites, classified, segments = world
    s1 = screen_masts(_cfg(2026, None), dem, sites, classified, segments).sites.iloc[0]
    assert (s1["kost_total"], s1["tilbyder"], s1["stottebehov"]) == (3_000_000, 750_000, 2_250_000)
    assert (s1["lokal_minimum"], s1["statlig"], s1["kommunal"]) == (519_231, 1_730_769, 519_231)
    assert (
        s1["kost_total"]
        == s1["tilbyder"] + s1["private"] + s1["statlig"] + s1["fylke"] + s1["kommunal"]
    )
    assert s1["regel_status"] == "antatt" and s1["mobilregel_status"] == "verifisert"
    old = screen_masts(_cfg(2024, None), dem, sites, classified, segments).sites.iloc[0]
    assert (old["statlig"], old["kommunal"]) == (0, 2_250_000)


def test_choice_under_the_budget(world):
    dem, sites, classified, segments = world
    ms = screen_masts(_cfg(2026, 600_000), dem, sites, classified, segments)
    assert ms.sites["valgt"].tolist() == [True, False]
    # a budget below the municipal share of every site chooses none
    poor = screen_masts(_cfg(2026, 500_000), dem, sites, classified, segments)
    assert not poor.sites["valgt"].any()


def test_a_site_with_its_own_cost(world):
    dem, sites, classified, segments = world
    sites = sites.assign(kost_nok=[1_000_000.0, np.nan])
    s1 = screen_masts(_cfg(2026, None), dem, sites, classified, segments).sites.iloc[0]
    assert s1["kost_total"] == 1_000_000 and s1["tilbyder"] == 250_000
