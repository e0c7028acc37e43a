"""Path-loss screening of mast sites: free space, knife edge, Bullington over hand-made terrain
(answers derived by hand), Earth curvature, the coverage matrix, reading a DEM."""

from __future__ import annotations

import math
from pathlib import Path

import affine
import numpy as np
import pytest
import rasterio

from dekning.coverage.planning.radio import (
    Dem,
    RadioModel,
    coverage_matrix,
    free_space_loss_db,
    knife_edge_loss_db,
    path_loss_db,
)
from dekning.errors import InputError

DATA = Path(__file__).resolve().parents[3] / "data"
LAMBDA_800 = 299_792_458.0 / 800e6
FLAT_EARTH = 1e12
"""A k-factor that makes the Earth's bulge vanish (hand geometry on a flat Earth)."""


def flat(rows: int, cols: int, cell: float, height: float = 0.0) -> Dem:
    """A flat DEM with its north-west corner at (0, rows · cell)."""
    return Dem(np.full((rows, cols), height), affine.Affine(cell, 0, 0, 0, -cell, rows * cell))


def j_by_hand(nu: float) -> float:
    """ITU-R P.526 J(nu), written out."""
    return 6.9 + 20 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1) + nu - 0.1)


def test_free_space_loss_at_1_km_800_mhz():
    # P.525: 32.44 + 20 log10(f MHz) + 20 log10(d km); 20 log10(800) = 58.06
    by_hand = 32.44 + 20 * math.log10(800) + 20 * math.log10(1.0)
    assert by_hand == pytest.approx(90.50, abs=0.01)
    assert free_space_loss_db(1_000.0, 800.0) == pytest.approx(by_hand, abs=0.02)
    # 6 dB per doubling of distance and of frequency
    assert free_space_loss_db(2_000.0, 800.0) - free_space_loss_db(1_000.0, 800.0) == (
        pytest.approx(20 * math.log10(2))
    )
    assert free_space_loss_db(1_000.0, 1_600.0) - free_space_loss_db(1_000.0, 800.0) == (
        pytest.approx(20 * math.log10(2))
    )


def test_knife_edge_loss():
    assert knife_edge_loss_db(0.0) == pytest.approx(6.03, abs=0.005)
    assert knife_edge_loss_db(0.0) == pytest.approx(j_by_hand(0.0))
    assert knife_edge_loss_db(2.4) == pytest.approx(j_by_hand(2.4))
    assert np.all(knife_edge_loss_db(np.array([-0.78, -1.0, -5.0])) == 0.0)
    # continuous-ish at the cut (J(-0.78) by the formula is about 0), growing with nu
    assert j_by_hand(-0.7799) == pytest.approx(0.0, abs=0.01)
    grid = knife_edge_loss_db(np.linspace(-0.7, 5, 50))
    assert np.all(np.diff(grid) > 0)
    assert np.isnan(knife_edge_loss_db(np.nan))


def test_flat_dem_gives_free_space_and_nothing_beyond_range():
    # 100 m cells, site 60 m and receivers 10 m above flat ground: the first Fresnel zone is
    # clear everywhere within 5 km (nu < -2 by hand at the midpoint and next to the receiver)
    dem = flat(120, 120, 100.0)
    model = RadioModel(site_height_m=60, receiver_height_m=10, max_range_m=5_000)
    sx, sy = 6_000.0, 6_000.0
    angle = np.linspace(0, 2 * np.pi, 13)[:-1]
    dist = np.array([40.0, 300, 1_000, 2_500, 4_999, 5_001, 5_800] * 2 + [1_234.0] * 10)
    tx, ty = (
        sx + dist * np.cos(np.resize(angle, len(dist))),
        sy + dist * np.sin(np.resize(angle, len(dist))),
    )
    loss = path_loss_db(dem, sx, sy, None, tx, ty, model)
    within = dist <= 5_000
    assert np.allclose(loss[within], free_space_loss_db(dist[within], 800.0), atol=1e-6)
    assert np.all(np.isinf(loss[~within]))
    # the site's own height matters not on flat ground within the horizon
    assert np.allclose(path_loss_db(dem, sx, sy, 80.0, tx, ty, model), loss)


def test_low_receiver_over_flat_ground_grazes():
    # Plain Bullington with a handset 1.5 m above open flat ground: the ground next to the
    # receiver cuts into the first Fresnel zone, a few dB, never more than grazing (6 dB).
    dem = flat(50, 200, 100.0)
    model = RadioModel(max_range_m=15_000)
    loss = path_loss_db(dem, 500.0, 2_500.0, 30.0, np.array([10_500.0]), np.array([2_500.0]), model)
    extra = loss[0] - free_space_loss_db(10_000.0, 800.0)
    assert 0.5 < extra < 6.1


def ridge_dem() -> Dem:
    """10 m cells over x = 0…3 000 m; one wall cell (x 1 000–1 010 m) 100 m high."""
    h = np.zeros((5, 300))
    h[:, 100] = 100.0
    return Dem(h, affine.Affine(10, 0, 0, 0, -10, 50))


def test_single_ridge_matches_bullington_by_hand():
    dem = ridge_dem()
    model = RadioModel(k_factor=FLAT_EARTH, max_range_m=5_000)
    # Site at x = 5 (a cell centre), 30 m mast; profile samples every 10 m land on cell
    # centres, one of them on the wall's centre (x = 1 005, 1 000 m from the site).
    tx = np.array([2_005.0, 505.0, 995.0])
    loss = path_loss_db(dem, 5.0, 25.0, 30.0, tx, np.full(3, 25.0), model)
    fs = free_space_loss_db(tx - 5.0, 800.0)
    # Behind the wall, d = 2 000: hts = 30, hrs = 1.5, wall 100 m at 1 000 m.
    # Stim = (100 - 30) / 1000 = 0.07 > Str = (1.5 - 30) / 2000: beyond line of sight.
    # Srim = (100 - 1.5) / 1000 = 0.0985; db = (1.5 - 30 + 0.0985·2000) / (0.07 + 0.0985) = 1000
    # hb = 30 + 0.07·1000 = 100; the ray there is (30 + 1.5) / 2 = 15.75: clearance 84.25 m
    # nu = 84.25 · sqrt(2·2000 / (lambda · 1000 · 1000)) = 8.70
    nu = 84.25 * math.sqrt(2 * 2_000 / (LAMBDA_800 * 1_000 * 1_000))
    assert nu == pytest.approx(8.70, abs=0.01)
    assert loss[0] - fs[0] == pytest.approx(j_by_hand(nu), abs=0.01)
    assert loss[0] - fs[0] == pytest.approx(31.64, abs=0.01)
    # In front of the wall (500 m): flat ground, free space
    assert loss[1] == pytest.approx(fs[1], abs=1e-6)
    # Right at the foot of the wall the wall's slope (bilinear) is not in the way either
    assert loss[2] == pytest.approx(fs[2], abs=1e-6)


def test_ridge_below_the_ray_still_diffracts_in_line_of_sight():
    # A 20 m wall under a ray from 60 m to 60 m (the ray passes 40 m above it) at 1 000 m of
    # 2 000: line of sight, nu = -40 · sqrt(2·2000 / (lambda·1000·1000)) = -4.13: no loss.
    # A 58 m wall: clearance 2 m, nu = -0.207, J = 6.9 + 20 log10(sqrt(0.307² + 1) - 0.307).
    model = RadioModel(k_factor=FLAT_EARTH, receiver_height_m=60.0, max_range_m=5_000)
    for wall, expected_nu in ((20.0, -40.0), (58.0, -2.0)):
        h = np.zeros((5, 300))
        h[:, 100] = wall
        dem = Dem(h, affine.Affine(10, 0, 0, 0, -10, 50))
        loss = path_loss_db(dem, 5.0, 25.0, 60.0, np.array([2_005.0]), np.array([25.0]), model)
        nu = expected_nu * math.sqrt(2 * 2_000 / (LAMBDA_800 * 1_000 * 1_000))
        want = j_by_hand(nu) if nu > -0.78 else 0.0
        assert loss[0] - free_space_loss_db(2_000.0, 800.0) == pytest.approx(want, abs=0.01)
    assert want > 3.0  # the 58 m wall does cost something


def test_earth_bulge_adds_diffraction_at_long_range():
    # 30 km over flat ground at sea level, antennas 5 m and 1.5 m: the radio horizon is
    # sqrt(2·k·R)·(sqrt(5) + sqrt(1.5)) = 14.3 km, so the bulge (13 m at the midpoint) blocks
    # the ray. On a smooth sphere the steepest slope from an antenna of height h touches the
    # Earth at its horizon distance sqrt(2·k·R·h): there (d - s)/(2kR) - h/s is largest.
    dem = flat(10, 320, 100.0)
    d, hts, hrs = 30_000.0, 5.0, 1.5
    target = (np.array([550.0 + d]), np.array([500.0]))
    curved = path_loss_db(dem, 550.0, 500.0, hts, *target, RadioModel(max_range_m=40_000))
    flat_earth = path_loss_db(
        dem, 550.0, 500.0, hts, *target, RadioModel(max_range_m=40_000, k_factor=FLAT_EARTH)
    )
    two_kr = 2 * 4 / 3 * 6_371_000
    assert 14_000 < math.sqrt(two_kr) * (math.sqrt(hts) + math.sqrt(hrs)) < 15_000
    s1, s2 = math.sqrt(two_kr * hts), math.sqrt(two_kr * hrs)
    s_tim = (d - s1) / two_kr - hts / s1
    s_rim = (d - s2) / two_kr - hrs / s2
    d_b = (hrs - hts + s_rim * d) / (s_tim + s_rim)
    h_b = hts + s_tim * d_b - (hts * (d - d_b) + hrs * d_b) / d
    nu = h_b * math.sqrt(2 * d / (LAMBDA_800 * d_b * (d - d_b)))
    # beyond the horizon nu > 0 (plain Bullington is mild over a smooth sphere: 0.37 here)
    assert 0.3 < nu < 0.4
    fs = free_space_loss_db(d, 800.0)
    assert curved[0] - fs == pytest.approx(j_by_hand(nu), abs=0.1)
    # on a flat Earth only the grazing ground next to the receiver is left (< 6 dB)
    assert flat_earth[0] - fs < 6.1
    assert curved[0] > flat_earth[0] + 2.0


def test_outside_dem_or_nodata_is_not_reached():
    h = np.zeros((20, 20))
    h[10, 10] = np.nan
    dem = Dem(h, affine.Affine(100, 0, 0, 0, -100, 2_000))
    model = RadioModel()
    tx = np.array([1_950.0, 2_500.0, 1_050.0, 300.0])
    ty = np.array([150.0, 150.0, 950.0, 1_850.0])
    loss = path_loss_db(dem, 150.0, 150.0, None, tx, ty, model)
    assert np.isfinite(loss[0])  # along the south edge, inside
    assert np.isinf(loss[1])  # target off the DEM
    assert np.isinf(loss[2])  # target next to the no-data cell
    assert np.isfinite(loss[3])
    # a profile through the no-data cell
    through = path_loss_db(dem, 150.0, 150.0, None, np.array([1_850.0]), np.array([1_850.0]), model)
    assert np.isinf(through[0])
    # a site off the DEM reaches nothing
    assert np.isinf(path_loss_db(dem, -500.0, 150.0, None, tx, ty, model)).all()


def test_sample_is_bilinear():
    h = np.array([[0.0, 10.0], [20.0, 30.0]])
    dem = Dem(h, affine.Affine(100, 0, 0, 0, -100, 200))
    # centres at (50, 150) = 0, (150, 150) = 10, (50, 50) = 20, (150, 50) = 30
    got = dem.sample(np.array([50, 150, 100, 100, 0, 250]), np.array([150, 150, 100, 150, 150, 0]))
    assert got[:4] == pytest.approx([0.0, 10.0, 15.0, 5.0])
    assert got[4] == pytest.approx(0.0)  # half a cell beyond the centre: the edge cell
    assert np.isnan(got[5])  # outside


def random_terrain(seed: int = 3) -> Dem:
    rng = np.random.default_rng(seed)
    h = rng.normal(0, 15, (80, 90)).cumsum(axis=0).cumsum(axis=1) / 10 + 200
    return Dem(h, affine.Affine(50, 0, 300_000, 0, -50, 7_000_000))


def test_coverage_matrix_agrees_with_path_loss_and_chunking():
    dem = random_terrain()
    rng = np.random.default_rng(4)
    x0, y0 = 300_000, 7_000_000 - 80 * 50
    tx = rng.uniform(x0 - 200, x0 + 90 * 50 + 200, 700)  # some outside the DEM
    ty = rng.uniform(y0 - 200, y0 + 80 * 50 + 200, 700)
    sx = rng.uniform(x0, x0 + 90 * 50, 6)
    sy = rng.uniform(y0, y0 + 80 * 50, 6)
    heights = np.array([30.0, np.nan, 10.0, 60.0, np.nan, 5.0])
    model = RadioModel(max_range_m=3_000, eirp_dbm=20.0)
    threshold = -90.0
    big = coverage_matrix(dem, sx, sy, heights, tx, ty, model, threshold, workers=1)
    small = coverage_matrix(
        dem, sx, sy, heights, tx, ty, model, threshold, chunk_elements=37, workers=3
    )
    assert big.shape == (6, 700) and big.dtype == bool
    assert (big != small).nnz == 0
    covered_somewhere = 0
    for i in range(6):
        h = None if np.isnan(heights[i]) else heights[i]
        loss = path_loss_db(dem, sx[i], sy[i], h, tx, ty, model, chunk_elements=10**9)
        row = big[i].toarray().ravel()
        assert np.array_equal(row, model.eirp_dbm - loss >= threshold)
        covered_somewhere += row.sum()
    # the instance is not trivial: some targets reached, some not
    assert 0 < covered_somewhere < 6 * 700


def test_coverage_matrix_rsrp_offset_and_empty():
    dem = flat(30, 30, 100.0)
    model = RadioModel(max_range_m=2_000)
    tx = np.array([1_600.0, 2_500.0])
    ty = np.array([1_500.0, 1_500.0])
    # 62 dBm - free space at 100 m and 1 000 m (70.5 and 90.5 dB) - grazing (0 to 6 dB):
    # -8.5 to -14.5 and -28.5 to -34.5 dBm
    cm = coverage_matrix(dem, [1_500.0], [1_500.0], [30.0], tx, ty, model, -25.0)
    assert cm.toarray().tolist() == [[True, False]]
    offset = RadioModel(max_range_m=2_000, rsrp_offset_db=27.8)  # -36.3 dBm at 100 m
    cm = coverage_matrix(dem, [1_500.0], [1_500.0], [30.0], tx, ty, offset, -25.0)
    assert cm.toarray().tolist() == [[False, False]]
    nothing = coverage_matrix(dem, [1_500.0], [1_500.0], [30.0], tx, ty, model, -5.0)
    assert nothing.nnz == 0
    empty = coverage_matrix(dem, [], [], [], tx, ty, model, -40.0)
    assert empty.shape == (0, 2)


def test_real_dem_hilltop_beats_valley():
    dem = Dem.from_path(DATA / "terreng.tif")
    assert dem.cell_size_m == 100.0 and dem.shape == (236, 405)
    h = dem.heights
    # the highest and the lowest cell of the DEM's middle (away from its edges, so that both
    # sites have the whole 15 km circle on the DEM's targets alike)
    r0, c0 = 78, 142
    middle = h[r0:158, c0:262]
    r_top, c_top = np.unravel_index(np.nanargmax(middle), middle.shape)
    r_low, c_low = np.unravel_index(np.nanargmin(middle), middle.shape)
    assert middle[r_top, c_top] - middle[r_low, c_low] > 500
    t = dem.transform

    def centre(r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return t.c + (c + 0.5) * t.a, t.f + (r + 0.5) * t.e

    sx, sy = centre(np.array([r0 + r_top, r0 + r_low]), np.array([c0 + c_top, c0 + c_low]))
    # targets: every 4th cell centre of the DEM
    rr, cc = np.mgrid[0 : h.shape[0] : 4, 0 : h.shape[1] : 4]
    tx, ty = centre(rr.ravel(), cc.ravel())
    model = RadioModel(rsrp_offset_db=27.8)  # RSRP of a 10 MHz carrier
    cm = coverage_matrix(dem, sx, sy, [30.0, 30.0], tx, ty, model, -110.0)
    reached = np.asarray(cm.sum(axis=1)).ravel()
    assert reached[0] > 2 * reached[1] > 0


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_dem_from_path_errors_and_reprojection(tmp_path: Path):
    with pytest.raises(InputError, match="fant ikke fila") as err:
        Dem.from_path(tmp_path / "mangler.tif")
    assert "mangler.tif" in str(err.value)
    junk = tmp_path / "tull.tif"
    junk.write_text("ikke et raster")
    with pytest.raises(InputError, match="kan ikke lese terrengmodellen"):
        Dem.from_path(junk)
    no_crs = tmp_path / "uten_crs.tif"
    profile = {"driver": "GTiff", "width": 4, "height": 4, "count": 1, "dtype": "int16"}
    with rasterio.open(no_crs, "w", **profile) as dst:
        dst.write(np.ones((1, 4, 4), dtype="int16"))
    with pytest.raises(InputError, match="koordinatsystem"):
        Dem.from_path(no_crs)
    # a small DEM in UTM 32 (EPSG:25832): reprojected to 25833, heights kept
    utm32 = tmp_path / "utm32.tif"
    data = np.full((1, 50, 50), 250, dtype="int16")
    data[0, 0, 0] = -32768
    with rasterio.open(
        utm32,
        "w",
        **profile | {"width": 50, "height": 50},
        crs="EPSG:25832",
        transform=affine.Affine(100, 0, 600_000, 0, -100, 7_000_000),
        nodata=-32768,
    ) as dst:
        dst.write(data)
    dem = Dem.from_path(utm32)
    assert dem.cell_size_m == pytest.approx(100, rel=0.1)
    assert np.nanmax(dem.heights) == pytest.approx(250) and np.isnan(dem.heights).any()
    filled = Dem.from_path(utm32, fill_nodata_m=0.0)
    assert not np.isnan(filled.heights).any()
    # the 25832 centre (602 500, 6 997 500) in 25833 lies on the DEM
    from pyproj import Transformer

    x, y = Transformer.from_crs(25832, 25833, always_xy=True).transform(602_500, 6_997_500)
    assert dem.sample(np.array([x]), np.array([y]))[0] == pytest.approx(250)


def test_radio_model_rejects_nonsense():
    with pytest.raises(ValueError):
        RadioModel(max_range_m=0)
    with pytest.raises(ValueError):
        RadioModel(profile_step_m=-1)
    with pytest.raises(ValueError):
        Dem(np.zeros((3, 3)), affine.Affine(10, 0, 0, 0, 10, 0))  # south-up
