"""Candidate mobile mast sites: read the user's list or place candidates on high ground, and
choose the sites that reach the most under a budget (exact, HiGHS via
:func:`scipy.optimize.milp`).

No open register of Norwegian base stations exists (DOMAIN.md §9.3): candidate sites are the
user's (a municipality's own list of masts, towers and hilltops with road access) or, without
one, the highest point of every square of the terrain model (:func:`auto_sites`). Which targets
a site reaches comes from :func:`dekning.coverage.planning.radio.coverage_matrix`.

Text from the input (names, ids) is kept as data: it is never evaluated, and the writers of
outputs escape it (:mod:`dekning.textsafe`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import rasterio.features
import scipy.sparse
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp

from dekning.coverage.planning.radio import Dem
from dekning.coverage.read.addresses import VECTOR_SUFFIXES, _points_from_columns
from dekning.crs import WORK_CRS
from dekning.errors import InputError, PlanningError, data_line
from dekning.io import find_column, read_table, read_vector, to_numbers
from dekning.schema import AREA_ID_PATTERN

WHAT = "kandidatmaster"
"""Names the file of candidate sites in errors."""
ID_COLUMNS = ("site_id", "mast_id", "id")
NAME_COLUMNS = ("navn", "name", "stedsnavn")
HEIGHT_COLUMNS = ("hoyde_m", "høyde_m", "height_m", "hoyde", "høyde", "height")
COST_COLUMNS = ("kost_nok", "cost_nok", "kost", "cost", "kostnad")
COLUMNS = ["site_id", "navn", "hoyde_m", "kost_nok", "geometry"]
"""The columns of a frame of candidate sites, in order."""
NORWAY_25833 = (-200_000.0, 6_300_000.0, 1_300_000.0, 9_000_000.0)
"""A generous box around mainland Norway and Svalbard in EPSG:25833 (xmin, ymin, xmax, ymax):
a point outside it is a wrong coordinate (swapped, another CRS, a typing error)."""
VALUE_RESOLUTION = 1e-3
"""Default smallest difference in value :func:`site_choice` tells apart."""
MAX_HEIGHT_M = 500.0
"""Highest antenna height above ground accepted (the tallest Norwegian masts are ~ 300 m)."""


def read_sites(path: str | Path) -> gpd.GeoDataFrame:
    """Read the user's candidate sites.

    A table (CSV, XLSX, Parquet without geometry) has coordinates as ``x``/``y`` (or
    ``Øst``/``Nord``; EPSG:25833 unless an ``EPSG-kode`` column says otherwise) or ``lat``/``lon``
    (WGS 84); any vector file GDAL reads (GeoJSON, GeoPackage, ...) has point geometry in any
    CRS. Optional columns: ``site_id`` (else ``K-0001``, ... in file order), ``navn``/``name``
    (else the id), ``hoyde_m``/``height_m`` (antenna height above ground, m) and
    ``kost_nok``/``cost_nok`` (NOK); column names are case-insensitive.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id`` (str), ``navn`` (str), ``hoyde_m`` and ``kost_nok`` (float, NaN when not
        given), point geometry in EPSG:25833; in file order.

    Raises
    ------
    InputError
        The file is missing, unreadable or empty; a coordinate, height or cost is not a number
        or implausible; a geometry is not a point; an id is repeated. The error names the file,
        the line (or feature) and the field.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"fant ikke fila ({WHAT})", file=path)
    vector = path.suffix.lower() in VECTOR_SUFFIXES and not _plain_parquet(path)
    if vector:
        gdf = read_vector(path, WHAT)
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        x, y = _points_of(gdf, path)
        fields = ("geometry", "geometry")
    else:
        df = read_table(path, what=WHAT)
        if df.empty:
            raise InputError(f"ingen kandidatmaster i fila ({WHAT})", file=path)
        x, y, fields = _points_from_columns(df, file=path, epsg_default=25833)
    if len(df) == 0:
        raise InputError(f"ingen kandidatmaster i fila ({WHAT})", file=path)
    where = _where(vector)
    _check_in_norway(x, y, fields, path, where)
    ids = _ids(df, path, where)
    name_col = find_column(df, NAME_COLUMNS)
    names = ids.copy() if name_col is None else _text(df[name_col])
    names = np.where(names == "", ids, names)
    height = _optional_number(df, HEIGHT_COLUMNS, path, vector, upper=MAX_HEIGHT_M)
    cost = _optional_number(df, COST_COLUMNS, path, vector, upper=None)
    return gpd.GeoDataFrame(
        {"site_id": ids, "navn": names, "hoyde_m": height, "kost_nok": cost},
        geometry=shapely.points(x, y),
        crs=WORK_CRS,
    )


def _plain_parquet(path: Path) -> bool:
    """True for a Parquet file without GeoParquet metadata (a table with coordinate columns)."""
    if path.suffix.lower() != ".parquet":
        return False
    try:
        return b"geo" not in (pq.read_schema(path).metadata or {})
    except (OSError, ValueError) as err:
        raise InputError(f"kan ikke lese {WHAT}: {err}", file=path) from None


Where = Callable[[int], dict[str, Any]]
"""``line`` (and ``feature``) keywords of :class:`InputError` for a 0-based row."""


def _where(vector: bool) -> Where:
    """``line`` and ``feature`` keywords of :class:`InputError` for a 0-based row: the line of
    a table (header line 1) or the 1-based feature of a vector file."""

    def where(pos: int) -> dict[str, Any]:
        if vector:
            return {"line": pos + 1, "feature": True}
        return {"line": data_line(pos)}

    return where


def _points_of(gdf: gpd.GeoDataFrame, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """x and y of the point features (EPSG:25833); a missing or other geometry is an error."""
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    bad = (kinds != 0) | shapely.is_empty(geoms)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        kind = "ingen geometri" if geoms[pos] is None else f"{gdf.geom_type.iloc[pos]}"
        raise InputError(
            f"en kandidatmast må være et punkt (fant {kind})",
            file=path,
            line=pos + 1,
            field="geometry",
            feature=True,
        )
    return shapely.get_x(geoms), shapely.get_y(geoms)


def _check_in_norway(
    x: np.ndarray, y: np.ndarray, fields: tuple[str, str], path: Path, where: Where
) -> None:
    """Every point lies in :data:`NORWAY_25833`, else an error naming the first that does not."""
    xmin, ymin, xmax, ymax = NORWAY_25833
    bad_x = ~((x >= xmin) & (x <= xmax))
    bad_y = ~((y >= ymin) & (y <= ymax))
    bad = bad_x | bad_y
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        degrees = abs(x[pos]) <= 180 and abs(y[pos]) <= 90
        hint = (
            "ser ut som grader: skriv dem i kolonnene lat og lon"
            if degrees
            else "sjekk koordinatsystemet og om x og y er byttet om"
        )
        raise InputError(
            f"koordinaten ligger ikke i Norge (EPSG:25833 x={x[pos]:.0f}, y={y[pos]:.0f}); {hint}",
            file=path,
            field=fields[0] if bad_x[pos] else fields[1],
            **where(pos),
        )


def _text(series: pd.Series) -> np.ndarray:
    """A column as stripped strings (empty for missing values)."""
    return np.asarray(series.where(series.notna(), "").astype(str).str.strip(), dtype=object)


def _ids(df: pd.DataFrame, path: Path, where: Where) -> np.ndarray:
    """The sites' ids: the file's (unique, none empty) or ``K-0001``, ... in file order."""
    col = find_column(df, ID_COLUMNS)
    if col is None:
        return np.array([f"K-{i:04d}" for i in range(1, len(df) + 1)], dtype=object)
    ids = _text(df[col])
    empty = ids == ""
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise InputError("tom id", file=path, field=col, **where(pos))
    # a chosen site's id names its package folder (soknad_mobil/<id>/): the areas' rule
    unsafe = ~pd.Series(ids).str.fullmatch(AREA_ID_PATTERN).to_numpy(dtype=bool)
    if unsafe.any():
        pos = int(np.flatnonzero(unsafe)[0])
        raise InputError(
            f"id-en {ids[pos]!r} kan ikke brukes som mappenavn: bruk 1-40 tegn av A-Z, a-z, "
            "0-9, '_', '.' og '-', og ikke '.' først",
            file=path,
            field=col,
            **where(pos),
        )
    repeated = pd.Series(ids).str.lower().duplicated().to_numpy()  # case-insensitive file systems
    if repeated.any():
        pos = int(np.flatnonzero(repeated)[0])
        raise InputError(f"id-en {ids[pos]!r} står to ganger", file=path, field=col, **where(pos))
    return ids


def _optional_number(
    df: pd.DataFrame,
    candidates: tuple[str, ...],
    path: Path,
    vector: bool,
    *,
    upper: float | None,
) -> np.ndarray:
    """A column of non-negative numbers (NaN where empty or when the column is absent)."""
    col = find_column(df, candidates)
    if col is None:
        return np.full(len(df), np.nan)
    values = to_numbers(df[col], file=path, field=col, feature=vector).to_numpy()
    bad = (values < 0) | ((values > upper) if upper is not None else False)
    if np.any(bad):
        pos = int(np.flatnonzero(bad)[0])
        limit = f"mellom 0 og {upper:g}" if upper is not None else "0 eller mer"
        raise InputError(
            f"må være {limit} (fant {values[pos]:g})", file=path, field=col, **_where(vector)(pos)
        )
    return values


def auto_sites(
    dem: Dem,
    boundary: shapely.Geometry | None,
    spacing_m: float = 2_000.0,
    height_m: float = 30.0,
) -> gpd.GeoDataFrame:
    """Candidate sites on high ground: the highest cell of every square of the terrain model.

    The squares are ``spacing_m`` wide, aligned to multiples of ``spacing_m`` in EPSG:25833, so
    the same terrain gives the same squares whatever its extent. In every square the candidate is
    the centre of the highest cell with data whose centre lies inside ``boundary`` (all cells
    when None); ties go to the northernmost, then westernmost cell. Ids ``A-0001``, ... run from
    north-west to south-east (squares row by row from the north, west to east in a row).

    Parameters
    ----------
    dem
        Terrain in EPSG:25833.
    boundary
        The municipality (EPSG:25833), or None.
    spacing_m
        Side of a square (m).
    height_m
        Antenna height above ground given to every candidate (m).

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`read_sites` (``navn`` is the id, ``kost_nok`` NaN) plus
        ``terreng_m`` (ground height, m).
    """
    if not spacing_m > 0:
        raise ValueError("spacing_m må være større enn 0")
    rows, cols = dem.shape
    t = dem.transform
    inside = None
    if boundary is not None:
        inside = rasterio.features.geometry_mask(
            [boundary], out_shape=(rows, cols), transform=t, invert=True
        )
    col_index = np.arange(cols)
    # square of every column (west to east: non-decreasing) and row (north to south)
    sq_col = np.floor((t.c + (col_index + 0.5) * t.a) / spacing_m).astype("int64")
    sq_row = np.floor((t.f + (np.arange(rows) + 0.5) * t.e) / spacing_m).astype("int64")
    starts = np.flatnonzero(np.r_[True, sq_row[1:] != sq_row[:-1]])
    found_r, found_c = [], []
    for r0, r1 in zip(starts, np.r_[starts[1:], rows], strict=True):  # one row of squares
        band = dem.heights[r0:r1]
        ok = np.isfinite(band) if inside is None else np.isfinite(band) & inside[r0:r1]
        band = np.where(ok, band, -np.inf)
        top = band.max(axis=0)  # per column: the highest cell, the northernmost of equals
        top_row = band.argmax(axis=0)
        # per square: the highest column top, then the northernmost, then the westernmost
        order = np.lexsort((col_index, top_row, -top, sq_col))
        first = order[np.r_[True, sq_col[order][1:] != sq_col[order][:-1]]]
        first = first[np.isfinite(top[first])]
        found_r.append(r0 + top_row[first])
        found_c.append(first)
    r = np.concatenate(found_r).astype("int64")
    c = np.concatenate(found_c).astype("int64")
    best = np.arange(len(r))
    x = t.c + (c + 0.5) * t.a
    y = t.f + (r + 0.5) * t.e
    h = dem.heights[r, c]
    ids = np.array([f"A-{i:04d}" for i in range(1, len(best) + 1)], dtype=object)
    return gpd.GeoDataFrame(
        {
            "site_id": ids,
            "navn": ids.copy(),
            "hoyde_m": np.full(len(best), float(height_m)),
            "kost_nok": np.full(len(best), np.nan),
            "terreng_m": h[best],
        },
        geometry=shapely.points(x[best], y[best]),
        crs=WORK_CRS,
    )


@dataclass(frozen=True)
class SiteChoice:
    """The answer of :func:`site_choice`.

    Attributes
    ----------
    chosen
        Indices (int64, ascending) of the chosen sites.
    value
        Total value of the targets the chosen sites reach (in the caller's unit).
    cost_nok
        Total cost of the chosen sites.
    optimal
        Whether HiGHS proved the plan optimal (False only after ``time_limit_s``).
    mip_gap
        Relative gap between the plan and the solver's bound (0 when optimal; large when the
        solver stopped before its bound was of use).
    """

    chosen: np.ndarray
    value: float
    cost_nok: float
    optimal: bool
    mip_gap: float


def choose_sites(
    covers: scipy.sparse.csr_matrix,
    target_value: np.ndarray,
    site_cost: np.ndarray,
    budget_nok: int,
) -> np.ndarray:
    """The sites to build: the most value of targets reached within the budget, exactly.

    Indices (int64, ascending) of the chosen sites, solved to optimality with the default
    value resolution; :func:`site_choice` explains the programme and takes the options.
    """
    return site_choice(covers, target_value, site_cost, budget_nok).chosen


def site_choice(
    covers: scipy.sparse.csr_matrix,
    target_value: np.ndarray,
    site_cost: np.ndarray,
    budget_nok: int,
    *,
    value_resolution: float = VALUE_RESOLUTION,
    time_limit_s: float | None = None,
) -> SiteChoice:
    """The sites to build: the most value of targets reached within the budget, exactly.

    Maximises the total value of the targets covered by at least one chosen site (a target
    counts once however many chosen sites reach it) with the total cost at most ``budget_nok``.
    Among plans of equal value, the cheapest; among sites alike in coverage and cost, the one
    with the lowest index. The same input always gives the same plan (HiGHS is deterministic).

    The 0-1 programme (HiGHS via :func:`scipy.optimize.milp`): ``x_s`` binary (site built),
    ``y_g`` in [0, 1] (target group counted), ``y_g <= sum of x_s over the sites covering g``,
    ``sum cost_s x_s <= budget``; minimise ``-sum v_g y_g + sum e_s x_s``. Values are counted in
    whole units of ``value_resolution`` (``v_g = round(value_g / value_resolution)``), so any
    two plans of different value differ by at least 1, and the tie-break weights
    ``e_s = cost_s / (2 (C + 1)) + (s + 1) / (8 (S + 1)² (C + 1))`` (``C`` the cost of all
    sites, ``S`` their number) sum to less than 1: they never trade value, and among plans of
    equal value prefer the cheaper (to the solver's tolerance of 1e-6 in the objective, i.e.
    cost differences above about 2·10⁻⁶·C), then lower indices.

    Size: a municipality (74 candidate sites, 15 000 targets) is solved exactly in about a
    minute on 2 busy cores (``bench/bench_sites.py``); a county (1 000 sites, 250 000 targets,
    156 000 target groups) is beyond HiGHS in minutes (not even its LP relaxation finished in
    6 CPU minutes): give ``time_limit_s`` and read ``optimal``/``mip_gap``.

    Reductions before solving (none changes the answer): targets of value 0 or covered by no
    affordable site are left out; targets covered by the same sites are merged (their values
    add); sites that reach no target left are left out; of sites with the same coverage and
    cost only the lowest index is kept.

    Parameters
    ----------
    covers
        bool, sites × targets (:func:`~dekning.coverage.planning.radio.coverage_matrix`).
    target_value
        Value of each target (road km, households), non-negative.
    site_cost
        Cost of each site (NOK), non-negative.
    budget_nok
        Budget (NOK).
    value_resolution
        The smallest difference in value that counts (default 0.001: a metre of road when
        values are km); summed values of merged targets are rounded to it.
    time_limit_s
        Stop after this long with the best plan found (None: solve to optimality).

    Returns
    -------
    SiteChoice

    Raises
    ------
    PlanningError
        The shapes do not agree, a value or cost is negative or not finite, or the solver
        fails.
    """
    covers = scipy.sparse.csr_matrix(covers, dtype=bool)
    n_sites, n_targets = covers.shape
    value = np.asarray(target_value, dtype="float64")
    cost = np.asarray(site_cost, dtype="float64")
    if value.shape != (n_targets,) or cost.shape != (n_sites,):
        raise PlanningError(
            f"choose_sites: {n_sites} × {n_targets} dekningsmatrise, men {value.shape} "
            f"verdier og {cost.shape} kostnader"
        )
    if not (np.isfinite(value).all() and np.isfinite(cost).all()):
        raise PlanningError("choose_sites: verdier og kostnader må være endelige tall")
    if (value < 0).any() or (cost < 0).any():
        raise PlanningError("choose_sites: verdier og kostnader kan ikke være negative")
    if not value_resolution > 0:
        raise PlanningError("choose_sites: value_resolution må være større enn 0")
    nothing = SiteChoice(np.zeros(0, dtype="int64"), 0.0, 0.0, True, 0.0)
    sites = np.flatnonzero(cost <= budget_nok)
    if len(sites) == 0:
        return nothing
    groups, group_value = _merge_targets(covers[sites], value, value_resolution)
    sites, groups = _distinct_sites(sites, groups, cost)
    if len(sites) == 0:
        return nothing
    x, optimal, gap = _solve(groups, group_value, cost[sites], float(budget_nok), time_limit_s)
    chosen = np.sort(sites[x]).astype("int64")
    reached = np.asarray(covers[chosen].sum(axis=0)).ravel() > 0
    return SiteChoice(chosen, float(value[reached].sum()), float(cost[chosen].sum()), optimal, gap)


def _merge_targets(
    covers: scipy.sparse.csr_matrix, value: np.ndarray, resolution: float
) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """Targets × sites (the rows of ``covers``) with one row per distinct set of covering
    sites, and the summed value of its targets in units of ``resolution`` (rows worth 0 are
    left out)."""
    by_target = covers.T.tocsr()
    by_target.sort_indices()
    keep = (value > 0) & (np.diff(by_target.indptr) > 0)
    by_target = by_target[np.flatnonzero(keep)]
    value = value[keep]
    if by_target.shape[0] == 0:
        return by_target, np.zeros(0)
    codes = _row_codes(by_target)
    n_groups = int(codes.max()) + 1
    units = np.round(np.bincount(codes, weights=value, minlength=n_groups) / resolution)
    rep = np.zeros(n_groups, dtype="int64")
    rep[codes[::-1]] = np.arange(len(codes))[::-1]  # the first target of every group
    worth = units > 0
    return by_target[rep[worth]], units[worth]


def _row_codes(matrix: scipy.sparse.csr_matrix, extra: np.ndarray | None = None) -> np.ndarray:
    """One code per row of a CSR matrix with sorted indices: equal rows (and equal ``extra``)
    get equal codes, numbered in order of first appearance."""
    ind, ptr = matrix.indices.astype("int64"), matrix.indptr
    keys = [ind[a:b].tobytes() for a, b in itertools.pairwise(ptr)]
    if extra is not None:
        keys = [k + e.tobytes() for k, e in zip(keys, extra, strict=True)]
    return np.asarray(pd.factorize(pd.Series(keys, dtype=object))[0], dtype="int64")


def _distinct_sites(
    sites: np.ndarray, groups: scipy.sparse.csr_matrix, cost: np.ndarray
) -> tuple[np.ndarray, scipy.sparse.csr_matrix]:
    """The sites (indices into all sites) that reach some group, one per coverage and cost
    (the lowest index), and groups × those sites."""
    by_site = groups.T.tocsr()  # sites × groups
    by_site.sort_indices()
    reach = np.flatnonzero(np.diff(by_site.indptr) > 0)
    if len(reach) == 0:
        return reach, groups[:, reach]
    codes = _row_codes(by_site[reach], cost[sites[reach]])
    first = np.zeros(int(codes.max()) + 1, dtype="int64")
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    keep = reach[np.sort(first)]
    return sites[keep], groups[:, keep].tocsr()


def _solve(
    groups: scipy.sparse.csr_matrix,
    units: np.ndarray,
    cost: np.ndarray,
    budget: float,
    time_limit_s: float | None,
) -> tuple[np.ndarray, bool, float]:
    """The 0-1 programme of :func:`site_choice` over the kept sites: which are chosen (bool),
    whether optimality was proved, and the relative gap."""
    n_t, n_s = groups.shape
    total = float(cost.sum())
    tie = cost / (2 * (total + 1)) + (np.arange(n_s) + 1.0) / (8 * (n_s + 1) ** 2 * (total + 1))
    # y_g - sum_{s covers g} x_s <= 0; the budget row scaled to costs of about 1
    scale = max(float(cost.max()), 1.0)
    cover_rows = scipy.sparse.hstack(
        [-groups.astype("float64"), scipy.sparse.identity(n_t, format="csr")], format="csr"
    )
    budget_row = scipy.sparse.csr_matrix(np.r_[cost / scale, np.zeros(n_t)][None, :])
    options: dict[str, float] = {"mip_rel_gap": 0.0}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    res = milp(
        np.r_[tie, -units],
        constraints=[
            LinearConstraint(cover_rows, -np.inf, 0.0),
            LinearConstraint(budget_row, -np.inf, budget / scale),
        ],
        integrality=np.r_[np.ones(n_s), np.zeros(n_t)],
        bounds=Bounds(0.0, 1.0),
        options=options,
    )
    if res.x is None:
        raise PlanningError(f"fant ingen plan for mastene: {res.message}")
    x = np.round(res.x[:n_s]).astype(bool)
    # rounding must not break the budget (HiGHS's tolerance is 1e-6 on the scaled row)
    if cost[x].sum() > budget:
        raise PlanningError("fant ingen plan for mastene innenfor budsjettet")
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return x, res.status == 0, gap


__all__ = ["SiteChoice", "auto_sites", "choose_sites", "read_sites", "site_choice"]
