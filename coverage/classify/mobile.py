"""Mobile coverage classes per address: rasters (GeoTIFF per operator × technology) sampled at
the address points, and Nkom's per-address ``mob`` rows.

Raster values are either signal levels (RSRP, dBm) or coverage classes. Levels are turned into
classes with configurable thresholds, since Nkom publishes none:

====  ==========  =================================================
code  name        meaning
====  ==========  =================================================
0     ingen       no usable coverage
1     antenne     usable with an external antenna
2     ute         outdoor coverage
3     inne        indoor coverage
====  ==========  =================================================

The operators' shared coverage maps use three levels, with no absolute dBm published: **Basis**
(outdoor handset), **God** (+10 dB) and **Meget god** (+10 dB more, deep indoor). Write such a
map as a class raster (``values = "class"``) with Basis → 2 (ute), God → 3 (inne) and Meget god
→ 3 (inne: deep indoor counts as indoor), no coverage → 0; class 1 (antenne) has no
counterpart there. Basis → outdoor and God → indoor is a documented assumption (DOMAIN.md §9.2).

Nkom's ``mob`` file gives per address, operator and technology a modelled maximum download
(kbit/s) of *outdoor* coverage: an address at or above the lowest configured speed tier
(``classify.mobile_speed_tiers_kbps``, default Nkom's 30 and 100 Mbit/s) has class 2 (ute), any
other class 0; the highest tier reached is kept beside it. A raster of the same operator and
technology wins over the file (see :func:`mobile_coverage`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError
from rasterio.windows import Window

from dekning.config import ClassifyConfig, MobileRaster
from dekning.crs import WORK_CRS, require_crs
from dekning.errors import InputError
from dekning.report import RunReport
from dekning.schema import (
    MOBILE_ALL_COLUMN,
    MOBILE_ANY_COLUMN,
    MOBILE_COUNT_COLUMN,
    MobileLayer,
    operator_column,
)

MAX_WINDOW_CELLS = 16_000_000
"""Most cells :func:`sample_raster` reads in one window (32 MB of int16); a larger extent is
read in strips of that size."""
FEW_POINTS = 64
"""A strip with at most this many points is read a cell at a time (cheaper than the strip)."""


Cells = tuple[np.ndarray, np.ndarray, np.ndarray]
"""The positions of the points inside a raster, ordered by cell (row by row), and their rows
and columns (int64) in that order."""


def sample_raster(
    path: str | Path,
    x: np.ndarray,
    y: np.ndarray,
    *,
    crs: str = WORK_CRS,
    located: dict[tuple[object, ...], Cells] | None = None,
) -> np.ndarray:
    """Nearest-cell raster values at points (``x``, ``y`` in ``crs``); NaN outside or at nodata.

    The points are reprojected to the raster's own CRS, so rasters in any CRS are sampled
    correctly. Only the window covering the points is read. ``located`` keeps the points'
    cells per raster grid (CRS, transform and size) between calls with the same points:
    rasters on one grid (as a rule one per operator and technology) locate and order the
    points once.

    Raises
    ------
    InputError
        The file is missing or not a raster, or the raster has no CRS.
    """
    path = Path(path)
    # An uncompressed GeoTIFF is read straight into the window, not through GDAL's block cache
    # (the same values, a few times faster); other rasters are read as always.
    with rasterio.Env(GTIFF_DIRECT_IO="YES"), open_raster(path) as src:
        if src.crs is None:
            raise InputError(
                "rasteret har ikke noe koordinatsystem; sett ett (f.eks. gdal_edit.py -a_srs EPSG:25833)",
                file=path,
            )
        grid = (src.crs.to_wkt(), tuple(src.transform), src.width, src.height)
        cells = located.get(grid) if located is not None else None
        if cells is None:
            cells = _locate(src, x, y, crs)
            if located is not None:
                located[grid] = cells
        pos, rows, cols = cells
        out = np.full(len(x), np.nan)
        if not len(pos):
            return out
        try:
            vals = _cells(src, rows, cols)
        except RasterioError as err:
            raise InputError(f"kan ikke lese mobildekningsrasteret: {err}", file=path) from None
        if src.nodata is not None:
            vals[vals == src.nodata] = np.nan
        out[pos] = vals
    return out


def _locate(src: rasterio.io.DatasetReader, x: np.ndarray, y: np.ndarray, crs: str) -> Cells:
    """The cells of the points (``x``, ``y`` in ``crs``) inside the raster, ordered by cell."""
    if src.crs != crs:
        tr = Transformer.from_crs(crs, src.crs, always_xy=True)
        x, y = tr.transform(x, y)
    inv = ~src.transform
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    cols = np.floor(inv.a * x + inv.b * y + inv.c).astype("int64")
    rows = np.floor(inv.d * x + inv.e * y + inv.f).astype("int64")
    pos = np.flatnonzero((rows >= 0) & (rows < src.height) & (cols >= 0) & (cols < src.width))
    rows, cols = rows[pos], cols[pos]
    # row by row: each window is then read once and indexed in memory order
    order = np.argsort(rows * src.width + cols)
    return pos[order], rows[order], cols[order]


def _cells(src: rasterio.io.DatasetReader, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Band 1 at the cells (``rows``, ``cols``; inside the raster, ordered by row) as float64:
    one window over them all when it has at most :data:`MAX_WINDOW_CELLS` cells, else strips
    of whole rows of about that many cells, starting on the raster's block rows so that no
    block is read twice (only strips that hold points are read; a strip with few points,
    :data:`FEW_POINTS`, a cell at a time). Memory stays bounded for a national raster and its
    millions of addresses are still read in a few hundred windows."""
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    c0, c1 = int(cols.min()), int(cols.max()) + 1
    width = c1 - c0
    if (r1 - r0) * width <= MAX_WINDOW_CELLS:
        band = src.read(1, window=Window(c0, r0, width, r1 - r0))
        return np.asarray(band.ravel()[(rows - r0) * width + (cols - c0)], dtype="float64")
    block = max(1, int(src.block_shapes[0][0]))
    height = max(1, MAX_WINDOW_CELLS // width)
    if height >= block:
        height -= height % block
        r0 -= r0 % block
    tops = np.arange(r0, r1, height)
    bounds = np.asarray(np.searchsorted(rows, np.r_[tops, r1]))
    out = np.empty(len(rows), dtype="float64")
    for top, lo, hi in zip(tops.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if hi == lo:
            continue
        r, c = rows[lo:hi], cols[lo:hi]
        if hi - lo <= FEW_POINTS:
            out[lo:hi] = [
                src.read(1, window=Window(cc, rr, 1, 1))[0, 0]
                for rr, cc in zip(r.tolist(), c.tolist(), strict=True)
            ]
            continue
        strip = src.read(1, window=Window(c0, top, width, min(height, r1 - top)))
        out[lo:hi] = strip.ravel()[(r - top) * width + (c - c0)]
    return out


def point_xy(geometry: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """``geometry.x`` and ``geometry.y`` (NaN for empty and missing points) with one look at the
    geometry types for both: millions of address points.

    Raises
    ------
    ValueError
        A geometry that is not a point (as :attr:`geopandas.GeoSeries.x`).
    """
    geoms = np.asarray(geometry.array)
    types = shapely.get_type_id(geoms)
    if not ((types == 0) | (types == -1)).all():
        raise ValueError("x attribute access only provided for Point geometries")
    usable = (types == 0) & ~shapely.is_empty(geoms)
    if usable.all():
        return shapely.get_x(geoms), shapely.get_y(geoms)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[usable], y[usable] = shapely.get_x(geoms[usable]), shapely.get_y(geoms[usable])
    return x, y


def levels_to_class(dbm: np.ndarray, cfg: ClassifyConfig) -> np.ndarray:
    """Coverage class (0-3) from RSRP in dBm; NaN (no data) is class 0."""
    dbm = np.asarray(dbm, dtype="float64")
    cls = np.zeros(dbm.shape, dtype="int8")
    cls[dbm >= cfg.mobile_antenna_dbm] = 1
    cls[dbm >= cfg.mobile_outdoor_dbm] = 2
    cls[dbm >= cfg.mobile_indoor_dbm] = 3
    return cls


def layers_of(rasters: Sequence[MobileRaster]) -> list[MobileLayer]:
    """The mobile layers (operator × technology) the configured rasters describe, in order."""
    return [MobileLayer(r.operator, r.technology) for r in rasters]


def satisfactory_class(cfg: ClassifyConfig) -> int:
    """The lowest class that counts as satisfactory: 3 (indoor) or 2 (outdoor)."""
    return 3 if cfg.mobile_satisfactory == "indoor" else 2


def raster_classes(values: np.ndarray, raster: MobileRaster, cfg: ClassifyConfig) -> np.ndarray:
    """Class (0-3, int8) of sampled raster values; NaN (outside or nodata) is class 0.

    Raises
    ------
    InputError
        A dBm raster whose values are all ≥ 0 (a class raster declared as dBm), or a class
        raster holding a value other than 0-3.
    """
    if raster.values == "dbm":
        if np.nanmax(values, initial=-np.inf) > 0 and np.nanmin(values, initial=np.inf) >= 0:
            raise InputError(
                "alle verdiene i rasteret er ≥ 0: det ser ut som et klasseraster, ikke dBm; "
                'sett values = "class" for det i [input].mobile',
                file=raster.path,
            )
        return levels_to_class(values, cfg)
    cls = np.nan_to_num(values, nan=0.0)
    bad = ~np.isin(cls, (0, 1, 2, 3))
    if bad.any():
        raise InputError(
            f"klasserasteret har verdien {cls[bad][0]:g}; ventet 0 (ingen), 1 (antenne), "
            "2 (ute), 3 (inne)",
            file=raster.path,
        )
    return cls.astype("int8")


def _sample_covering(
    raster: MobileRaster,
    x: np.ndarray,
    y: np.ndarray,
    located: dict[tuple[object, ...], Cells] | None = None,
) -> np.ndarray:
    """:func:`sample_raster` at the addresses (``located``: its cells per grid).

    Raises
    ------
    InputError
        No address has a value: the raster does not cover them, or only nodata there.
    """
    values = sample_raster(raster.path, x, y, located=located)
    if len(values) and np.isnan(values).all():
        raise InputError(
            "ingen adresse har en verdi i rasteret: det dekker ikke adressene (feil fil "
            "eller koordinatsystem?) eller har bare nodata der",
            file=raster.path,
        )
    return values


def sample_mobile(
    addresses: gpd.GeoDataFrame,
    rasters: Sequence[MobileRaster],
    cfg: ClassifyConfig,
    report: RunReport | None = None,
) -> pd.DataFrame:
    """Mobile coverage per address: level and class per operator × technology, and summaries.

    Parameters
    ----------
    addresses
        Address points in EPSG:25833.
    rasters
        One raster per operator × technology (any CRS; sampled in its own CRS).
    cfg
        Thresholds (dBm) and what counts as satisfactory.
    report
        Counts addresses with no raster value.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``addresses``: per :class:`~dekning.schema.MobileLayer` its ``dbm_column``
        (float, only for dBm rasters; NaN at no data) and ``column`` (class 0-3); per operator
        its best class (:func:`~dekning.schema.operator_column`); ``mob_n_ok`` (operators
        reaching ``cfg.mobile_satisfactory``), ``mob_any_ok`` and ``mob_all_ok`` (bool).

    Raises
    ------
    InputError
        ``addresses`` is not in EPSG:25833, or a raster cannot be read, has no value at any
        address (it lies elsewhere, or holds only nodata there) or holds values that do not
        fit its declared kind (dBm or class).
    """
    out, by_operator = _sample_layers(addresses, rasters, cfg, report)
    _add_summaries(out, by_operator, satisfactory_class(cfg))
    return out


def _sample_layers(
    addresses: gpd.GeoDataFrame,
    rasters: Sequence[MobileRaster],
    cfg: ClassifyConfig,
    report: RunReport | None,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The per-layer columns of :func:`sample_mobile` and each operator's class columns."""
    require_crs(addresses, "addresses (mobile sampling)")
    out = pd.DataFrame(index=addresses.index)
    by_operator: dict[str, list[str]] = {}
    if not rasters:  # only the mob file: no point is needed
        return out, by_operator
    x, y = point_xy(addresses.geometry)

    located: dict[tuple[object, ...], Cells] = {}  # rasters on one grid locate the points once

    def sample(raster: MobileRaster) -> tuple[np.ndarray, np.ndarray]:
        values = _sample_covering(raster, x, y, located)
        return values, raster_classes(values, raster, cfg)

    # The first raster locates the points; the others are read side by side (GDAL's reads
    # and numpy's indexing release the GIL). The first error in raster order is raised.
    sampled = [sample(r) for r in rasters[:1]]
    if len(rasters) > 1:
        with ThreadPoolExecutor(min(len(rasters) - 1, os.cpu_count() or 1)) as pool:
            sampled += pool.map(sample, rasters[1:])
    for raster, layer, (values, classes) in zip(rasters, layers_of(rasters), sampled, strict=True):
        if raster.values == "dbm":
            out[layer.dbm_column] = values
        out[layer.column] = classes
        by_operator.setdefault(layer.operator, []).append(layer.column)
        if report is not None:
            report.warn(
                "mobile",
                "mobile_no_data",
                f"{Path(raster.path).name}: adresser uten verdi i rasteret (utenfor eller nodata), "
                "regnet som ingen dekning",
                int(np.isnan(values).sum()),
            )
    return out, by_operator


def mobile_from_rows(
    addresses: pd.DataFrame,
    rows: pd.DataFrame,
    tiers: Sequence[int],
    report: RunReport | None = None,
) -> pd.DataFrame:
    """Mobile classes per address from Nkom's ``mob`` rows (modelled outdoor download).

    Vectorised: one array of downloads (addresses × operator-technology pairs) filled in one
    call, so millions of rows cost a fraction of a second.

    Parameters
    ----------
    addresses
        Frame with a unique ``adrid`` column (no geometry needed).
    rows
        ``adrid, tilb, tek, ned`` (kbit/s), as from
        :func:`dekning.coverage.read.mobile.read_mobile_rows` (``tilb``, ``tek`` categorical).
        Repeated address × pair rows count with their fastest.
    tiers
        Rising download tiers (kbit/s), ``classify.mobile_speed_tiers_kbps``; Nkom reports 30 and
        100 Mbit/s.
    report
        Counts rows whose address is not in ``addresses`` (ignored).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``addresses``; per :class:`~dekning.schema.MobileLayer` (operator as
        ``rows`` names it × technology) present in ``rows``, in the order of the operator
        categories then 4g, 5g: ``column`` (int8 class: 2 "ute" when the download reaches the
        lowest tier, else 0 "ingen"; a modelled outdoor download never gives 1 or 3) and
        ``tier_column`` (int64, kbit/s: the highest tier reached, 0 when none or no row).
    """
    return _from_rows(addresses, rows, tiers, report)[0]


def _from_rows(
    addresses: pd.DataFrame,
    rows: pd.DataFrame,
    tiers: Sequence[int],
    report: RunReport | None,
) -> tuple[pd.DataFrame, list[MobileLayer]]:
    """:func:`mobile_from_rows` and the layers (pairs) it made columns for, in column order."""
    tiers_arr = np.asarray(tiers, dtype="int64")
    out = pd.DataFrame(index=addresses.index)
    ops = rows["tilb"].cat.categories
    techs = rows["tek"].cat.categories
    pair = (
        rows["tilb"].cat.codes.to_numpy().astype("int64") * len(techs)
        + rows["tek"].cat.codes.to_numpy()
    )
    pos = pd.Index(addresses["adrid"].to_numpy()).get_indexer(rows["adrid"].to_numpy())
    ned = rows["ned"].to_numpy()
    known = pos >= 0
    if report is not None and not known.all():
        report.warn(
            "mobile",
            "mobile_rows_unknown_addresses",
            "rader i mob-fila med en adresse-id som ikke er i adresseregisteret (ikke brukt)",
            int((~known).sum()),
            np.unique(rows["adrid"].to_numpy()[~known]).tolist(),
        )
    # a pair gets columns when the file has it, also when only for unknown addresses
    pairs = np.flatnonzero(np.bincount(pair, minlength=len(ops) * len(techs)))
    if not known.all():
        pos, pair, ned = pos[known], pair[known], ned[known]
    column_of = np.zeros(len(ops) * len(techs), dtype="int64")
    column_of[pairs] = np.arange(len(pairs))
    down = np.zeros(len(addresses) * len(pairs), dtype="int64")  # addresses × pairs, flat
    slot = pos * len(pairs) + column_of[pair]
    down[slot] = ned  # one row per address and pair, as read_mobile_rows gives: done
    if not np.array_equal(down[slot], ned):  # repeated pairs with other speeds: the fastest
        np.maximum.at(down, slot, ned)
    by_pair = down.reshape(len(addresses), len(pairs))
    tier_of = np.r_[0, tiers_arr]
    layers = [
        MobileLayer(str(ops[c // len(techs)]), str(techs[c % len(techs)])) for c in pairs.tolist()
    ]
    for j, layer in enumerate(layers):
        reached = np.searchsorted(tiers_arr, by_pair[:, j], side="right")  # 0..len(tiers)
        out[layer.column] = np.where(reached > 0, 2, 0).astype("int8")
        out[layer.tier_column] = tier_of[reached]
    return out, layers


def mobile_coverage(
    addresses: gpd.GeoDataFrame,
    rasters: Sequence[MobileRaster],
    rows: pd.DataFrame | None,
    cfg: ClassifyConfig,
    report: RunReport | None = None,
) -> tuple[pd.DataFrame | None, list[MobileLayer]]:
    """Mobile coverage per address from rasters and Nkom's ``mob`` rows, and its layers.

    Per operator × technology a raster wins when one is configured: it holds signal levels
    (or the operators' classes), so indoor and outdoor coverage can be told apart, while the
    ``mob`` file is modelled outdoor coverage only. The ``mob`` rows fill the pairs without a
    raster (:func:`mobile_from_rows`: class 2 "ute" at or above the lowest speed tier, else 0).
    An operator is matched without regard to case (the raster's spelling is kept). The report
    says, per pair, which source was used and why.

    With ``cfg.mobile_satisfactory = "indoor"`` (the default) a pair filled from the ``mob``
    file never reaches the satisfactory class: nothing in it shows indoor coverage. Its
    operator then counts in ``mob_n_ok``, ``mob_any_ok`` and ``mob_all_ok`` only through its
    rasters, so these flags can understate coverage; the report warns, naming the pairs. Set
    ``mobile_satisfactory = "outdoor"`` to count outdoor coverage from the file.

    Parameters
    ----------
    addresses
        Address points with ``adrid`` in EPSG:25833.
    rasters
        The configured rasters (``input.mobile``).
    rows
        Nkom's ``mob`` rows (:func:`dekning.coverage.read.mobile.read_mobile_rows`) or None.
    cfg
        Thresholds, speed tiers and what counts as satisfactory.
    report
        Which source each pair came from, rows of unknown addresses, raster no-data.

    Returns
    -------
    tuple
        The frame (None when there is neither a raster nor a row): :func:`sample_mobile`'s
        columns for the rasters, ``column`` of every pair filled from the file, the per-operator
        and satisfaction summaries over all pairs, then ``tier_column`` of every pair the file
        has (also where a raster won the class: the modelled download tier stays
        information); and the layers, rasters' first (in configuration order), then the pairs
        filled from the file.

    Raises
    ------
    InputError
        As :func:`sample_mobile`.
    """
    layers = layers_of(rasters)
    if rows is None:
        return (sample_mobile(addresses, rasters, cfg, report) if rasters else None), layers
    spelled: dict[str, str] = {}
    for layer in layers:
        spelled.setdefault(layer.operator.lower(), layer.operator)
    cats = rows["tilb"].cat.categories
    rows = rows.assign(
        tilb=rows["tilb"].cat.rename_categories([spelled.get(str(c).lower(), str(c)) for c in cats])
    )
    from_rows, row_layers = _from_rows(addresses, rows, cfg.mobile_speed_tiers_kbps, report)
    out, by_operator = _sample_layers(addresses, rasters, cfg, report)
    won = [m for m in layers if m in row_layers]
    filled = [m for m in row_layers if m not in layers]
    for m in filled:
        out[m.column] = from_rows[m.column]
        by_operator.setdefault(m.operator, []).append(m.column)
    _add_summaries(out, by_operator, satisfactory_class(cfg))
    for m in [*won, *filled]:
        out[m.tier_column] = from_rows[m.tier_column]
    if report is not None:
        _report_sources(report, won, filled, cfg)
    return (out if len(out.columns) else None), [*layers, *filled]


def _report_sources(
    report: RunReport, won: list[MobileLayer], filled: list[MobileLayer], cfg: ClassifyConfig
) -> None:
    """Say which source each operator × technology pair with ``mob`` rows came from, and why."""

    def names(ms: list[MobileLayer]) -> list[str]:
        return [f"{m.operator} {m.technology}" for m in ms]

    report.warn(
        "mobile",
        "mobile_raster_over_mob_file",
        "operatør × teknologi med både raster og rader i mob-fila: rasteret er brukt, fordi det "
        "har signalnivå og skiller inne fra ute; mob-fila er modellert utendørsdekning "
        "(nedlastingstrinnet er likevel tatt med)",
        len(won),
        names(won),
    )
    lowest = cfg.mobile_speed_tiers_kbps[0]
    report.warn(
        "mobile",
        "mobile_from_mob_file",
        "operatør × teknologi uten raster: klassen er tatt fra mob-fila (ute når modellert "
        f"nedlasting er minst {lowest / 1000:g} Mbit/s, ellers ingen)",
        len(filled),
        names(filled),
    )
    if cfg.mobile_satisfactory == "indoor":
        report.warn(
            "mobile",
            "mobile_outdoor_only",
            "operatør × teknologi med bare utendørsdekning (fra mob-fila): de teller ikke som "
            "god dekning innendørs, så mob_any_ok og mob_all_ok kan undervurdere dekningen; "
            'sett classify.mobile_satisfactory = "outdoor" for å telle utendørsdekning',
            len(filled),
            names(filled),
        )


def _add_summaries(out: pd.DataFrame, by_operator: dict[str, list[str]], need: int) -> None:
    """Add each operator's best class over its technologies and the count / any / all of
    operators reaching class ``need`` (nothing when there is no operator)."""
    for op, cols in by_operator.items():
        out[operator_column(op)] = out[cols].max(axis=1).astype("int8")
    if not by_operator:
        return
    best = out[[operator_column(op) for op in by_operator]].to_numpy()
    ok: np.ndarray = np.asarray(best >= need, dtype=bool)
    out[MOBILE_COUNT_COLUMN] = ok.sum(axis=1).astype("int8")
    out[MOBILE_ANY_COLUMN] = np.any(ok, axis=1)
    out[MOBILE_ALL_COLUMN] = np.all(ok, axis=1)


def open_raster(path: str | Path) -> rasterio.io.DatasetReader:
    """Open a raster for reading, with the file named in the error."""
    try:
        with warnings.catch_warnings():  # a raster without georeferencing is refused below
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioIOError as err:
        raise InputError(f"kan ikke åpne mobildekningsrasteret: {err}", file=path) from None
