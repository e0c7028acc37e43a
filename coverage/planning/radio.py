"""Line-of-sight and path-loss screening of candidate mobile mast sites over a terrain model.

This is a *screening*, not a radio plan: it says which road stretches and addresses a mast at a
candidate site could plausibly reach, so that candidate sites can be compared and chosen
(:func:`dekning.coverage.planning.sites.choose_sites`). An operator's planning tool, with
clutter, antenna patterns and measured propagation, decides where a mast is really built.

Model
-----
The loss between a site and a target is free-space loss plus the diffraction loss of the
terrain between them:

``L = Lbf(d, f) + J(nu_b)``

- **Free space** (ITU-R P.525-4, eq. 4): ``Lbf = 20·log10(4·pi·d / lambda)``, i.e.
  ``32.45 + 20·log10(f / MHz) + 20·log10(d / km)`` dB (:func:`free_space_loss_db`).
- **Terrain diffraction by the Bullington method** (ITU-R P.526-15, the construction of a
  single equivalent knife edge for a general terrain path): the terrain profile between site and target is sampled from the DEM (bilinear,
  at ``profile_step_m``, by default the DEM's cell size, evenly spaced so that every target's
  profile is the same whatever the chunking); each profile height is raised by the Earth's bulge
  ``d1·d2 / (2·k·R)`` with the effective Earth radius factor ``k`` (4/3, the standard
  atmosphere; ITU-R P.453/P.452) and ``R = 6 371 km``. With ``hts``/``hrs`` the heights above
  sea level of the transmitting and receiving antennas:

  - ``Stim = max((h_i - hts) / d_i)``, the steepest slope from the site to a profile point, and
    ``Str = (hrs - hts) / d``, the slope of the direct ray;
  - line of sight (``Stim < Str``): ``nu_b = max(nu_i)`` with
    ``nu_i = (h_i - (hts·(d - d_i) + hrs·d_i) / d) · sqrt(2·d / (lambda·d_i·(d - d_i)))``;
  - beyond line of sight: ``Srim = max((h_i - hrs) / (d - d_i))``, the Bullington point at
    ``d_b = (hrs - hts + Srim·d) / (Stim + Srim)`` and
    ``nu_b = (hts + Stim·d_b - (hts·(d - d_b) + hrs·d_b) / d) · sqrt(2·d / (lambda·d_b·(d - d_b)))``;
  - ``J(nu) = 6.9 + 20·log10(sqrt((nu - 0.1)² + 1) + nu - 0.1)`` for ``nu > -0.78``, else 0
    (ITU-R P.526-15 §4.1, single knife edge; :func:`knife_edge_loss_db`).

Not modelled: the spherical-Earth correction of the delta-Bullington method (P.526, P.452), ground
reflection, clutter (forest, buildings), building entry loss, antenna patterns and tilt, fading,
interference and capacity. Plain Bullington is somewhat pessimistic for low receivers over open
flat ground (the ground next to the receiver cuts into the first Fresnel zone: a few dB at a few
km), mild beyond the radio horizon of smooth ground (the Earth's bulge becomes one rounded edge,
e.g. 9 dB at 30 km for antennas of 5 m and 1.5 m, where the delta-Bullington method would add
the spherical-Earth loss) and optimistic wherever clutter matters; all within the slack of a
screening that compares sites with each other.

Assumptions (replace with an operator's figures)
------------------------------------------------
The defaults of :class:`RadioModel` are **assumptions**, not published values: 800 MHz (the
LTE band used for rural area coverage in Norway), an EIRP of 62 dBm (about 2 × 40 W into a
17 dBi sector antenna, less feeder loss), antennas 30 m above ground at the mast and 1.5 m at
the receiver (a handset outdoors), and a range of 15 km. The received level compared with a
threshold is ``eirp_dbm - loss - rsrp_offset_db``. RSRP thresholds (as in
``classify.mobile_outdoor_dbm``) are per LTE resource element: to compare the total carrier
power with them, set ``rsrp_offset_db`` to ``10·log10(subcarriers)`` (27.8 dB for a 10 MHz
carrier with 600 subcarriers); the default 0 compares the total power and is therefore
optimistic by that much. Thresholds come from the caller.

The DEM is EPSG:25833; cells without data (NaN) are unknown terrain: a profile through one, or
a site or target outside the DEM, has an infinite loss (not covered).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import affine
import numpy as np
import rasterio
import scipy.sparse
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.warp import Resampling, calculate_default_transform, reproject
from scipy.spatial import cKDTree

from dekning.crs import WORK_CRS
from dekning.errors import InputError

EARTH_RADIUS_M = 6_371_000.0
"""Mean Earth radius (ITU-R P.834 uses 6 371 km)."""
SPEED_OF_LIGHT_M_S = 299_792_458.0
MIN_DISTANCE_M = 1.0
"""Distances below this count as this (free-space loss is not defined at 0 m)."""
CHUNK_ELEMENTS = 2_000_000
"""Profile samples (targets × steps) held at once per worker: about 8 MB per float32 array."""


@dataclass(frozen=True)
class RadioModel:
    """Parameters of the path-loss screening; every default is an assumption (see the module).

    Attributes
    ----------
    frequency_mhz
        Carrier frequency (MHz); 800 MHz assumed.
    eirp_dbm
        Effective isotropic radiated power of a site (dBm); 62 dBm assumed.
    site_height_m
        Antenna height above ground at a site that gives none (m).
    receiver_height_m
        Receiver height above ground (m); 1.5 m, a handset outdoors.
    k_factor
        Effective Earth radius factor; 4/3 for the standard atmosphere.
    max_range_m
        Targets farther from a site are not reached (loss +inf).
    profile_step_m
        Spacing of the terrain samples along a profile (m); None: the DEM's cell size.
    rsrp_offset_db
        Subtracted from ``eirp_dbm - loss`` before comparing with a threshold; 0 compares the
        total power, ``10·log10(600)`` ≈ 27.8 dB turns it into RSRP for a 10 MHz LTE carrier.
    """

    frequency_mhz: float = 800.0
    eirp_dbm: float = 62.0
    site_height_m: float = 30.0
    receiver_height_m: float = 1.5
    k_factor: float = 4 / 3
    max_range_m: float = 15_000.0
    profile_step_m: float | None = None
    rsrp_offset_db: float = 0.0

    def __post_init__(self) -> None:
        for name in ("frequency_mhz", "k_factor", "max_range_m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} må være større enn 0")
        if self.profile_step_m is not None and not self.profile_step_m > 0:
            raise ValueError("profile_step_m må være større enn 0")

    @property
    def wavelength_m(self) -> float:
        """Wavelength (m)."""
        return SPEED_OF_LIGHT_M_S / (self.frequency_mhz * 1e6)


@dataclass(frozen=True, eq=False)
class Dem:
    """A terrain model in EPSG:25833: heights (m, float64, NaN where unknown) on a north-up grid.

    Attributes
    ----------
    heights
        Rows from north to south, columns from west to east.
    transform
        Affine transform from (column, row) to (x, y) of the cells' corners; north-up.
    """

    heights: np.ndarray
    transform: affine.Affine
    _padded: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        h = np.asarray(self.heights, dtype="float64")
        if h.ndim != 2 or h.shape[0] < 1 or h.shape[1] < 1:
            raise ValueError("heights må være en todimensjonal tabell med minst én celle")
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            raise ValueError("terrengmodellen må være nordorientert (ingen rotasjon)")
        object.__setattr__(self, "heights", h)
        # one cell of the edge copied around it: bilinear sampling needs no clamping
        object.__setattr__(self, "_padded", np.pad(h, 1, mode="edge").astype("float32"))

    @classmethod
    def from_path(cls, path: str | Path, *, fill_nodata_m: float | None = None) -> Dem:
        """Read band 1 of a raster (GeoTIFF or any format GDAL reads) as a terrain model.

        A raster in another CRS is reprojected to EPSG:25833 (bilinear, same resolution).

        Parameters
        ----------
        path
            The raster.
        fill_nodata_m
            Height given to cells without data (e.g. 0 where the DEM leaves the sea empty);
            None keeps them unknown (NaN).

        Raises
        ------
        InputError
            The file is missing or not a readable raster, or the raster has no CRS.
        """
        path = Path(path)
        if not path.exists():
            raise InputError("fant ikke fila (terrengmodell)", file=path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                with rasterio.open(path) as src:
                    if src.crs is None:
                        raise InputError(
                            "terrengmodellen har ikke noe koordinatsystem; sett ett "
                            "(f.eks. gdal_edit.py -a_srs EPSG:25833)",
                            file=path,
                        )
                    heights = src.read(1, masked=True).astype("float64").filled(np.nan)
                    transform, crs = src.transform, src.crs
        except RasterioError as err:
            raise InputError(f"kan ikke lese terrengmodellen: {err}", file=path) from None
        work = CRS.from_string(WORK_CRS)
        if crs != work or transform.b != 0 or transform.d != 0 or transform.e > 0:
            heights, transform = _reproject(heights, transform, crs, work)
        if fill_nodata_m is not None:
            heights = np.where(np.isnan(heights), float(fill_nodata_m), heights)
        return cls(heights, transform)

    @property
    def cell_size_m(self) -> float:
        """The larger side of a cell (m)."""
        return float(max(self.transform.a, -self.transform.e))

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (int(self.heights.shape[0]), int(self.heights.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the grid's outer edges."""
        t = self.transform
        rows, cols = self.shape
        return (t.c, t.f + rows * t.e, t.c + cols * t.a, t.f)

    def pixel(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fractional (column, row) in the padded grid at which bilinear sampling reads (x, y).

        Cell centres are at whole numbers; 1 is the first real column/row.
        """
        t = self.transform
        col = (np.asarray(x, dtype="float64") - t.c) / t.a + 0.5
        row = (np.asarray(y, dtype="float64") - t.f) / t.e + 0.5
        return col, row

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether (x, y) lies on the grid (edges included)."""
        xmin, ymin, xmax, ymax = self.bounds
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear heights at (x, y) in EPSG:25833; NaN outside the grid or next to no data.

        Between the outermost cell centres and the grid's edge, the edge cells' heights are
        used.
        """
        x = np.atleast_1d(np.asarray(x, dtype="float64"))
        y = np.atleast_1d(np.asarray(y, dtype="float64"))
        inside = self.inside(x, y)
        col, row = self.pixel(x[inside], y[inside])
        out = np.full(x.shape, np.nan)
        out[inside] = _bilinear(self._padded, col, row)
        return out


def _reproject(
    heights: np.ndarray, transform: affine.Affine, crs: CRS, work: CRS
) -> tuple[np.ndarray, affine.Affine]:
    """``heights`` reprojected to ``work`` (bilinear; NaN stays no data)."""
    rows, cols = heights.shape
    left, top = transform @ (0, 0)
    right, bottom = transform @ (cols, rows)
    dst_transform, width, height = calculate_default_transform(
        crs,
        work,
        cols,
        rows,
        left=min(left, right),
        bottom=min(top, bottom),
        right=max(left, right),
        top=max(top, bottom),
    )
    out = np.full((height, width), np.nan)
    reproject(
        heights,
        out,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=work,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    return out, dst_transform


def _bilinear(padded: np.ndarray, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Bilinear interpolation in ``padded`` at fractional (``col``, ``row``) within
    [0.5, size - 1.5] (the real grid plus half a cell); float32 when ``col`` is float32."""
    width = padded.shape[1]
    index = "int32" if padded.size < 2**31 - width - 1 else "int64"
    tc, c0 = np.modf(col)  # every position is positive: the whole part is the floor
    tr, r0 = np.modf(row)
    idx = r0.astype(index)
    idx *= width
    idx += c0.astype(index)
    del c0, r0
    flat = padded.ravel()
    top = flat.take(idx)
    top += tc * (flat.take(idx + 1) - top)
    idx += width
    bottom = flat.take(idx)
    bottom += tc * (flat.take(idx + 1) - bottom)
    bottom -= top
    bottom *= tr
    top += bottom
    return top


def free_space_loss_db(distance_m: np.ndarray | float, frequency_mhz: float) -> np.ndarray:
    """Free-space basic transmission loss (ITU-R P.525-4 eq. 4), dB.

    ``20·log10(4·pi·d / lambda)`` = ``32.45 + 20·log10(f/MHz) + 20·log10(d/km)``; distances
    below :data:`MIN_DISTANCE_M` count as that.
    """
    d = np.maximum(np.asarray(distance_m, dtype="float64"), MIN_DISTANCE_M)
    wavelength = SPEED_OF_LIGHT_M_S / (frequency_mhz * 1e6)
    return np.asarray(20.0 * np.log10(4.0 * math.pi * d / wavelength))


def knife_edge_loss_db(nu: np.ndarray | float) -> np.ndarray:
    """Diffraction loss of a single knife edge, ``J(nu)`` (ITU-R P.526-15 §4.1), dB.

    ``6.9 + 20·log10(sqrt((nu - 0.1)² + 1) + nu - 0.1)`` for ``nu > -0.78``, else 0. NaN stays
    NaN.
    """
    nu = np.asarray(nu, dtype="float64")
    v = np.maximum(nu, -0.78) - 0.1
    loss = 6.9 + 20.0 * np.log10(np.sqrt(v * v + 1.0) + v)
    return np.where(nu > -0.78, loss, np.where(np.isnan(nu), np.nan, 0.0))


def path_loss_db(
    dem: Dem,
    site_x: float,
    site_y: float,
    site_height_m: float | None,
    target_x: np.ndarray,
    target_y: np.ndarray,
    model: RadioModel,
    *,
    chunk_elements: int = CHUNK_ELEMENTS,
) -> np.ndarray:
    """Path loss (dB) from one site to many targets: free space plus Bullington diffraction.

    Parameters
    ----------
    dem
        Terrain in EPSG:25833.
    site_x, site_y
        The site (EPSG:25833).
    site_height_m
        Antenna height above ground (m); None or NaN: ``model.site_height_m``.
    target_x, target_y
        Targets (EPSG:25833); the receiver is ``model.receiver_height_m`` above ground.
    model
        The radio model.
    chunk_elements
        Profile samples (targets × steps) computed at once; bounds memory, not the result.

    Returns
    -------
    numpy.ndarray
        float64 per target; +inf beyond ``model.max_range_m``, or where the site, the target or
        a profile point has no terrain height (outside the DEM or no data).
    """
    tx = np.atleast_1d(np.asarray(target_x, dtype="float64"))
    ty = np.atleast_1d(np.asarray(target_y, dtype="float64"))
    height = _height(site_height_m, model)
    d = np.hypot(tx - site_x, ty - site_y)
    out = np.full(tx.shape, np.inf)
    near = np.flatnonzero(d <= model.max_range_m)
    out[near] = _losses(
        dem, float(site_x), float(site_y), height, tx[near], ty[near], model, chunk_elements
    )
    return out


def _height(site_height_m: float | None, model: RadioModel) -> float:
    """The antenna height above ground of a site: its own, or the model's default."""
    if site_height_m is None or not np.isfinite(site_height_m):
        return model.site_height_m
    return float(site_height_m)


def _losses(
    dem: Dem,
    sx: float,
    sy: float,
    site_height_m: float,
    tx: np.ndarray,
    ty: np.ndarray,
    model: RadioModel,
    chunk_elements: int,
) -> np.ndarray:
    """Path loss from one site to targets within range (see :func:`path_loss_db`)."""
    out = np.full(tx.shape, np.inf)
    ground = dem.sample(np.r_[sx, tx], np.r_[sy, ty])
    if not np.isfinite(ground[0]) or len(tx) == 0:
        return out
    ok = np.flatnonzero(np.isfinite(ground[1:]))
    if len(ok) == 0:
        return out
    dx, dy = tx[ok] - sx, ty[ok] - sy
    d = np.maximum(np.hypot(dx, dy), MIN_DISTANCE_M)
    hts = ground[0] + site_height_m
    hrs = ground[1:][ok] + model.receiver_height_m
    step = model.profile_step_m or dem.cell_size_m
    # intervals per profile: at least 2 (the midpoint is always looked at), evenly spaced
    n = np.maximum(np.ceil(d / step - 1e-9), 2).astype("int64")
    nu = np.empty(len(ok))
    cs, rs = dem.pixel(np.array([sx]), np.array([sy]))
    dcol, drow = dx / dem.transform.a, dy / dem.transform.e
    order = np.argsort(-n, kind="stable")
    for rows in _chunks(n[order], chunk_elements):
        idx = order[rows]
        nu[idx] = _bullington_nu(
            dem._padded,
            float(cs[0]),
            float(rs[0]),
            dcol[idx],
            drow[idx],
            d[idx],
            n[idx],
            hts,
            hrs[idx],
            model,
        )
    loss = free_space_loss_db(d, model.frequency_mhz) + knife_edge_loss_db(nu)
    out[ok] = np.where(np.isnan(loss), np.inf, loss)
    return out


def _chunks(n_desc: np.ndarray, chunk_elements: int) -> Iterator[slice]:
    """Slices of targets sorted by descending interval count, each holding at most
    ``chunk_elements`` profile samples (at least one target)."""
    i, total = 0, len(n_desc)
    while i < total:
        steps = int(n_desc[i]) - 1
        rows = max(1, chunk_elements // steps)
        yield slice(i, min(total, i + rows))
        i += rows


def _bullington_nu(
    padded: np.ndarray,
    cs: float,
    rs: float,
    dcol: np.ndarray,
    drow: np.ndarray,
    d: np.ndarray,
    n: np.ndarray,
    hts: float,
    hrs: np.ndarray,
    model: RadioModel,
) -> np.ndarray:
    """The Bullington diffraction parameter ``nu_b`` of profiles from one site (float64 per
    target; NaN where a profile point has no height).

    Profile point ``j`` of a target lies at the fraction ``j / n`` of the way (``j = 1 … n - 1``;
    rows with fewer intervals than the chunk's widest repeat their last point, which changes no
    maximum). Arrays are targets × steps, float32.
    """
    f32 = np.float32
    steps = int(n.max()) - 1
    j = np.arange(1, steps + 1, dtype=f32)
    frac = np.minimum(j[None, :], (n - 1).astype(f32)[:, None])
    frac *= (1.0 / n).astype(f32)[:, None]
    col = frac * dcol.astype(f32)[:, None]
    col += f32(cs)
    row = frac * drow.astype(f32)[:, None]
    row += f32(rs)
    h = _bilinear(padded, col, row)
    del col, row
    d32 = d.astype(f32)[:, None]
    s = frac * d32  # distance from the site
    r = d32 - s  # distance to the target
    sr = s * r
    # Earth's bulge d1·d2 / (2 k R)
    h += sr * f32(1.0 / (2.0 * model.k_factor * EARTH_RADIUS_M))
    hrs32 = hrs.astype(f32)[:, None]
    s_tim = np.max((h - f32(hts)) / s, axis=1).astype("float64")
    s_rim = np.max((h - hrs32) / r, axis=1).astype("float64")
    # line of sight: the largest nu of the profile points
    ray = frac * (hrs32 - f32(hts))
    ray += f32(hts)
    h -= ray
    del ray
    sr *= f32(model.wavelength_m / 2.0)
    np.sqrt(sr, out=sr)
    h /= sr
    nu_los = np.max(h, axis=1).astype("float64") * np.sqrt(d)
    s_tr = (hrs - hts) / d
    # beyond line of sight: the Bullington point, where the steepest rays from both ends meet
    with np.errstate(divide="ignore", invalid="ignore"):
        d_b = (hrs - hts + s_rim * d) / np.maximum(s_tim + s_rim, 1e-12)
        d_b = np.clip(d_b, 1e-3 * d, (1 - 1e-3) * d)
        h_b = hts + s_tim * d_b - (hts * (d - d_b) + hrs * d_b) / d
        nu_b = h_b * np.sqrt(2.0 * d / (model.wavelength_m * d_b * (d - d_b)))
    return np.where(s_tim < s_tr, nu_los, nu_b)


def coverage_matrix(
    dem: Dem,
    sites_x: np.ndarray,
    sites_y: np.ndarray,
    sites_height_m: np.ndarray,
    target_x: np.ndarray,
    target_y: np.ndarray,
    model: RadioModel,
    threshold_dbm: float,
    *,
    chunk_elements: int = CHUNK_ELEMENTS,
    workers: int | None = None,
) -> scipy.sparse.csr_matrix:
    """Which targets each site reaches: received level ``eirp - loss - rsrp_offset`` at or above
    ``threshold_dbm``.

    Targets within ``model.max_range_m`` of a site are found with a k-d tree; their profiles are
    computed in chunks of at most ``chunk_elements`` samples per worker thread, so memory stays
    bounded whatever the number of targets.

    Parameters
    ----------
    dem
        Terrain in EPSG:25833.
    sites_x, sites_y, sites_height_m
        Sites (EPSG:25833) and their antenna heights above ground (NaN: the model's default).
    target_x, target_y
        Targets (EPSG:25833).
    model
        The radio model.
    threshold_dbm
        The least received level that counts as covered (dBm), e.g.
        ``classify.mobile_outdoor_dbm``.
    chunk_elements
        Profile samples computed at once per worker; bounds memory, not the result.
    workers
        Threads (numpy releases the GIL in the heavy loops); None: the CPUs, at most 8.

    Returns
    -------
    scipy.sparse.csr_matrix
        bool, sites × targets.
    """
    sx = np.atleast_1d(np.asarray(sites_x, dtype="float64"))
    sy = np.atleast_1d(np.asarray(sites_y, dtype="float64"))
    sh = np.broadcast_to(np.asarray(sites_height_m, dtype="float64"), sx.shape)
    tx = np.atleast_1d(np.asarray(target_x, dtype="float64"))
    ty = np.atleast_1d(np.asarray(target_y, dtype="float64"))
    budget = model.eirp_dbm - model.rsrp_offset_db - threshold_dbm
    if len(tx) == 0 or len(sx) == 0:
        return scipy.sparse.csr_matrix((len(sx), len(tx)), dtype=bool)
    tree = cKDTree(np.column_stack([tx, ty]))

    def reached(i: int) -> np.ndarray:
        near = np.asarray(
            tree.query_ball_point([sx[i], sy[i]], model.max_range_m, return_sorted=True),
            dtype="int64",
        )
        loss = _losses(
            dem, sx[i], sy[i], _height(sh[i], model), tx[near], ty[near], model, chunk_elements
        )
        return near[loss <= budget]

    n_workers = workers or min(8, os.cpu_count() or 1)
    if n_workers > 1 and len(sx) > 1:
        with ThreadPoolExecutor(n_workers) as pool:
            hits = list(pool.map(reached, range(len(sx))))
    else:
        hits = [reached(i) for i in range(len(sx))]
    indptr = np.zeros(len(sx) + 1, dtype="int64")
    indptr[1:] = np.cumsum([len(h) for h in hits])
    indices = np.concatenate(hits) if hits else np.zeros(0, dtype="int64")
    data = np.ones(len(indices), dtype=bool)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(len(sx), len(tx)))


__all__ = [
    "Dem",
    "RadioModel",
    "coverage_matrix",
    "free_space_loss_db",
    "knife_edge_loss_db",
    "path_loss_db",
]
