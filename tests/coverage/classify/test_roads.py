"""Mobile coverage along roads on a hand-built municipality whose figures are known by hand.

The world (EPSG:25833, origin X0, Y0): a fylkesveg "FV 1" 1 000 m east along y = Y0 + 50 in two
NVDB pieces (0-500 m ÅDT 800, 500-1 000 m ÅDT 1 000) and a municipal road "Lia" 500 m east
along y = Y0 - 500 without ÅDT. Two operators, class rasters of 100 m cells aligned with the
roads' metres:

- operator a (4G) is outdoor (class 2) on FV 1 at 0-400 m and 600-1 000 m;
- operator b (4G) is outdoor on FV 1 at 0-300 m and antenna-only (class 1) at 400-600 m;
- nobody covers Lia.

By hand: FV 1 is covered by at least one operator on 800 of 1 000 m (80 %), by both on 300 m
(30 %); its one gap is 400-600 m (200 m, across the piece boundary: one stretch), ÅDT 1 000
(the larger of the pieces), 0.2 km × 1 000 = 200 vehicle-km a day, weakest operator a (mean
class 0 against b's 1). Lia is one 500 m gap, no ÅDT. In total 1.5 km, 0.8 km covered by at
least one (53.3 %), 0.3 km by all (20 %), longest gap 0.5 km; Lia ranks after FV 1 (vehicle-km
first, a stretch without ÅDT after those with). Two addresses lie within 500 m of Lia (1 + 3
households, 2 holiday homes) and none within 500 m of FV 1's gap.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.config import ClassifyConfig, RoadsConfig
from dekning.coverage.classify.road_gaps import gap_stretches, road_summary
from dekning.coverage.classify.roads import (
    held_class,
    merge_roads,
    road_mobile,
    sample_points,
    segment_roads,
)
from dekning.crs import WORK_CRS
from dekning.report import RunReport
from dekning.schema import MobileLayer

X0, Y0 = 270_000.0, 7_000_000.0


@pytest.fixture
def world(hand_world):
    """The municipality above (tests/coverage/conftest.py)."""
    return hand_world


def _classified(world, cfg=None):
    roads, rasters, _ = world
    layers = [MobileLayer(r.operator, r.technology) for r in rasters]
    segments = segment_roads(roads, 100.0)
    return road_mobile(segments, layers, rasters, ClassifyConfig(), cfg or RoadsConfig()), layers


def test_pieces_of_one_road_join_and_split_into_whole_segments(world):
    roads, _, _ = world
    merged = merge_roads(roads)
    assert len(merged) == 2  # FV 1's two pieces are one road; Lia another
    assert sorted(merged.length.round(6)) == [500.0, 1000.0]
    seg = segment_roads(roads, 100.0)
    fv = seg.loc[seg["vegnummer"] == "FV 1"]
    assert len(fv) == 10 and np.allclose(fv["lengde_m"], 100.0)
    assert np.allclose(fv["fra_m"], np.arange(0, 1000, 100))
    # ÅDT of the piece each segment's midpoint lies on
    assert fv["adt"].tolist() == [800.0] * 5 + [1000.0] * 5
    assert seg.loc[seg["vegnavn"] == "Lia", "adt"].isna().all()
    # each segment's geometry is the road between its chainages
    assert np.allclose(shapely.length(seg.geometry.to_numpy()), seg["lengde_m"])


def test_segments_of_a_bent_line_follow_the_line():
    line = shapely.LineString([(0, 0), (130, 0), (130, 170), (400, 170)])  # 570 m
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["K"], "vegnummer": [""], "vegnavn": ["X"], "adt": [np.nan]},
        geometry=[line],
        crs=WORK_CRS,
    )
    seg = segment_roads(roads, 100.0)
    assert len(seg) == 6  # round(570 / 100)
    assert np.allclose(seg["lengde_m"], 95.0)
    geoms = seg.geometry.to_numpy()
    assert np.allclose(shapely.length(geoms), 95.0)
    # the second segment (95-190 m) turns the corner at (130, 0)
    assert shapely.get_num_points(geoms[1]) == 3
    assert shapely.equals_exact(shapely.get_point(geoms[1], 1), shapely.Point(130, 0), 1e-9)
    # consecutive segments meet; together they are the line
    for g1, g2 in itertools.pairwise(geoms):
        assert shapely.get_point(g1, -1).distance(shapely.get_point(g2, 0)) < 1e-9
    assert shapely.line_merge(shapely.union_all(geoms)).equals(line)


def test_short_and_long_lines_segment_counts():
    lines = [
        shapely.LineString([(0, i * 10), (length, i * 10)])
        for i, length in enumerate([30.0, 149.0, 151.0, 1000.0])
    ]
    roads = gpd.GeoDataFrame(
        {"vegkategori": "K", "vegnummer": "", "vegnavn": ["a", "b", "c", "d"], "adt": np.nan},
        geometry=lines,
        crs=WORK_CRS,
    )
    seg = segment_roads(roads, 100.0)
    assert seg.groupby("vegnavn").size().to_dict() == {"a": 1, "b": 1, "c": 2, "d": 10}


def test_held_class_is_the_best_class_along_at_least_half():
    seg_of = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3])
    cls = np.array([0, 0, 3, 3, 0, 0, 0, 3, 2, 1, 0, 2])
    assert held_class(cls, seg_of, 4).tolist() == [3, 0, 1, 2]


def test_sample_points_are_piece_centres():
    line = shapely.LineString([(0, 0), (100, 0)])
    seg = gpd.GeoDataFrame(geometry=[line], crs=WORK_CRS)
    x, y, seg_of = sample_points(seg, 25.0)
    assert x.tolist() == [12.5, 37.5, 62.5, 87.5] and (y == 0).all() and (seg_of == 0).all()


def test_classes_flags_and_shares_by_hand(world):
    seg, _ = _classified(world)
    fv = seg.loc[seg["vegnummer"] == "FV 1"]
    assert fv["mob_a_4g"].tolist() == [2, 2, 2, 2, 0, 0, 2, 2, 2, 2]
    assert fv["mob_b_4g"].tolist() == [2, 2, 2, 0, 1, 1, 0, 0, 0, 0]
    assert fv["mob_any_ok"].tolist() == [True] * 4 + [False] * 2 + [True] * 4
    assert fv["mob_all_ok"].tolist() == [True] * 3 + [False] * 7
    assert (seg["kilde"] == "raster").all()
    stretches = gap_stretches(seg, ["a", "b"], world[2], nearby_m=500)
    summary = road_summary(seg, stretches).set_index("vegkategori")
    assert summary.loc["F", "km"] == pytest.approx(1.0)
    assert summary.loc["F", "andel_minst_en"] == pytest.approx(0.8)
    assert summary.loc["F", "andel_alle"] == pytest.approx(0.3)
    assert summary.loc["F", "lengste_hull_km"] == pytest.approx(0.2)
    assert summary.loc["K", "andel_minst_en"] == pytest.approx(0.0)
    assert summary.loc["alle", "km"] == pytest.approx(1.5)
    assert summary.loc["alle", "km_minst_en"] == pytest.approx(0.8)
    assert summary.loc["alle", "andel_minst_en"] == pytest.approx(0.8 / 1.5)
    assert summary.loc["alle", "andel_alle"] == pytest.approx(0.2)
    assert summary.loc["alle", "lengste_hull_km"] == pytest.approx(0.5)
    assert summary.loc["alle", "hull"] == 2
    assert summary.loc["alle", "km_ukjent"] == pytest.approx(0.0)


def test_gap_stretches_ranked_with_their_figures(world):
    seg, _ = _classified(world)
    st = gap_stretches(seg, ["a", "b"], world[2], nearby_m=500)
    assert st["hull_id"].tolist() == ["H-0001", "H-0002"]
    first, second = st.iloc[0], st.iloc[1]
    assert first["vegnummer"] == "FV 1"
    assert (first["fra_m"], first["til_m"]) == pytest.approx((400.0, 600.0))
    assert first["lengde_m"] == pytest.approx(200.0)
    assert first["adt"] == 1000.0 and first["kjoretoy_km_dogn"] == pytest.approx(200.0)
    assert first["svakeste_operator"] == "a"
    assert (first["adresser"], first["hus"], first["fritid"]) == (0, 0, 0)
    assert (first["start_ost"], first["slutt_ost"]) == pytest.approx((X0 + 400, X0 + 600))
    assert first.geometry.length == pytest.approx(200.0)
    assert second["vegnavn"] == "Lia" and second["lengde_m"] == pytest.approx(500.0)
    assert np.isnan(second["adt"])
    assert (second["adresser"], second["hus"], second["fritid"]) == (2, 4, 2)
    assert second["svakeste_operator"] == "a / b"
    # without ÅDT anywhere, the longer stretch ranks first
    st2 = gap_stretches(seg.assign(adt=np.nan), ["a", "b"], world[2])
    assert st2["vegnavn"].tolist() == ["Lia", ""]
    # a minimum length leaves short stretches out of the list
    assert gap_stretches(seg, ["a", "b"], min_gap_m=300)["vegnavn"].tolist() == ["Lia"]


def test_indoor_as_satisfactory_needs_class_three(world):
    seg, _ = _classified(world, RoadsConfig(satisfactory="indoor"))
    assert not seg["mob_any_ok"].any()  # the rasters hold outdoor (2) at best


def test_estimate_from_nearest_address_rows(world):
    roads, _, addresses = world
    layer = MobileLayer("a", "4g")
    address_mobile = pd.DataFrame({layer.column: np.array([2, 0, 2], dtype="int8")})
    segments = segment_roads(roads, 100.0)
    report = RunReport()
    seg = road_mobile(
        segments,
        [layer],
        [],
        ClassifyConfig(),
        RoadsConfig(estimate_max_m=300),
        addresses=addresses,
        address_mobile=address_mobile,
        report=report,
    )
    lia = seg.loc[seg["vegnavn"] == "Lia"]
    # Lia's midpoints at 50..450 m east, y = Y0 - 500: address 1 (class 2, 100 m north of x=100)
    # is nearest for 50-150 m, address 2 (class 0, 200 m south of x=250) for 250-450 m; which
    # is nearer decides, both within 300 m
    d1 = np.hypot(lia["fra_m"] + 50 - 100, 100)
    d2 = np.hypot(lia["fra_m"] + 50 - 250, 200)
    expected = np.where(d1 <= d2, 2, 0)
    assert lia["mob_a_4g"].tolist() == expected.tolist()
    fv = seg.loc[seg["vegnummer"] == "FV 1"]
    # FV 1 is 450 m or more from every address: unknown, not a gap
    assert (fv["mob_a_4g"] == -1).all() and fv["mob_any_ok"].isna().all()
    assert (seg["kilde"] == "estimat fra adresser (mob)").all()
    assert "road_mobile_estimated" in report.codes()
    stretches = gap_stretches(seg, ["a"])
    summary = road_summary(seg, stretches).set_index("vegkategori")
    assert summary.loc["F", "km_ukjent"] == pytest.approx(1.0)
    assert np.isnan(summary.loc["F", "andel_minst_en"])
    assert (stretches["vegnavn"] == "Lia").all()
