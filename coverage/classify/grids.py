"""Mobile coverage classes per raster cell, for the maps: each operator's best class and the
number of operators reaching the satisfactory class, read by window within the municipality at
the resolution a map needs (never a whole national raster)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioError
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import Window, from_bounds

from dekning.config import ClassifyConfig, MobileRaster
from dekning.coverage.classify.mobile import levels_to_class, open_raster, satisfactory_class
from dekning.crs import WORK_CRS
from dekning.errors import InputError
from dekning.schema import ClassGrid

MAX_GRID_SIDE = 2_000
"""Most cells per side of a class grid made for the maps: a finer raster is read decimated
(nearest cell), so memory and time stay bounded whatever the raster's size."""
MAX_SOURCE_CELLS = 400_000_000
"""Most raster cells a class grid may be made from (20 000 × 20 000): a larger raster within the
area of interest is refused with a message, as even a decimated read of it takes minutes."""
MAP_MARGIN_M = 10_000.0
"""Margin (metres) around the area of interest within which class grids are made."""


def _target_grid(
    path: str | Path, bounds: tuple[float, float, float, float] | None
) -> tuple[tuple[int, int], Affine, CRS] | None:
    """Shape, transform and CRS of the class grids: the first raster's grid, cut to ``bounds``
    (EPSG:25833) and coarsened to at most :data:`MAX_GRID_SIDE` cells a side. None when the
    raster does not overlap ``bounds``.

    Raises
    ------
    InputError
        The raster cannot be opened, has no CRS or a rotated grid.
    """
    with open_raster(path) as ref:
        _check_grid(ref, path)
        window = _window(ref, bounds)
        if window is None:
            return None
        _check_size(window, path)
        transform = ref.window_transform(window)
    h, w = int(window.height), int(window.width)
    step = max(1, math.ceil(max(h, w) / MAX_GRID_SIDE))
    shape = (math.ceil(h / step), math.ceil(w / step))
    return shape, transform @ Affine.scale(w / shape[1], h / shape[0]), ref.crs


def _check_grid(src: rasterio.io.DatasetReader, path: str | Path) -> None:
    """Stop at a raster without CRS or with a rotated grid (the reads here assume north-up)."""
    if src.crs is None:
        raise InputError(
            "rasteret har ikke noe koordinatsystem; sett ett (f.eks. gdal_edit.py -a_srs EPSG:25833)",
            file=path,
        )
    if src.transform.b != 0 or src.transform.d != 0:
        raise InputError(
            "rasterets rutenett er rotert; gjør det nord-opp med gdalwarp først", file=path
        )


def _window(
    src: rasterio.io.DatasetReader, bounds: tuple[float, float, float, float] | None
) -> Window | None:
    """The window of ``src`` inside ``bounds`` (EPSG:25833, reprojected to the raster's CRS);
    the whole raster without ``bounds``; None when they do not overlap."""
    full = Window(0, 0, src.width, src.height)
    if bounds is None:
        return full
    b = bounds if src.crs == WORK_CRS else transform_bounds(WORK_CRS, src.crs, *bounds)
    win = from_bounds(*b, transform=src.transform)
    col0 = max(0, math.floor(win.col_off))
    row0 = max(0, math.floor(win.row_off))
    col1 = min(src.width, math.ceil(win.col_off + win.width))
    row1 = min(src.height, math.ceil(win.row_off + win.height))
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def _check_size(window: Window, path: str | Path) -> None:
    """Refuse a window of more than :data:`MAX_SOURCE_CELLS` cells.

    Raises
    ------
    InputError
        Naming the size and what to do.
    """
    h, w = int(window.height), int(window.width)
    if h * w > MAX_SOURCE_CELLS:
        raise InputError(
            f"mobildekningsrasteret er for stort: {w} × {h} celler innenfor området som "
            f"analyseres (høyst {MAX_SOURCE_CELLS // 1_000_000} millioner); klipp det til "
            "kommunen eller bruk større celler (f.eks. gdalwarp -tr 10 10)",
            file=path,
        )


def _read_decimated(
    src: rasterio.io.DatasetReader,
    bounds: tuple[float, float, float, float] | None,
    path: str | Path,
) -> tuple[np.ndarray, Affine] | None:
    """Band 1 inside ``bounds`` as float64 (NaN at nodata), read at most
    :data:`MAX_GRID_SIDE` cells a side, and its transform; None when nothing overlaps.

    Raises
    ------
    InputError
        The window is larger than :data:`MAX_SOURCE_CELLS`, or its data cannot be read.
    """
    window = _window(src, bounds)
    if window is None:
        return None
    _check_size(window, path)
    h, w = int(window.height), int(window.width)
    step = max(1, math.ceil(max(h, w) / MAX_GRID_SIDE))
    out_shape = (math.ceil(h / step), math.ceil(w / step))
    try:
        band = src.read(1, window=window, out_shape=out_shape, masked=True, boundless=False)
    except RasterioError as err:
        raise InputError(f"kan ikke lese mobildekningsrasteret: {err}", file=path) from None
    transform = src.window_transform(window) @ Affine.scale(w / out_shape[1], h / out_shape[0])
    return band.astype("float64").filled(np.nan), transform


def class_grids(
    rasters: Sequence[MobileRaster],
    cfg: ClassifyConfig,
    bounds: tuple[float, float, float, float] | None = None,
) -> dict[str, ClassGrid]:
    """Coverage class per raster cell, for the maps: each operator's best class, and the number
    of operators reaching the satisfactory class (key ``""``).

    Every grid lies on the grid of the first raster (its CRS and cell edges) inside ``bounds``
    (EPSG:25833 ``minx, miny, maxx, maxy``; None: the whole raster), coarsened to at most
    :data:`MAX_GRID_SIDE` cells a side; every raster is read only there, decimated to at most
    that many cells a side, and resampled to it (nearest cell). Memory is thus bounded
    (a 100 000 × 100 000 raster is read as 2 000 × 2 000). Empty when no raster is configured
    or none overlaps ``bounds``.

    Raises
    ------
    InputError
        A raster cannot be opened, has no CRS or a rotated grid.
    """
    if not rasters:
        return {}
    target = _target_grid(rasters[0].path, bounds)
    if target is None:
        return {}
    shape, transform, crs = target
    best: dict[str, np.ndarray] = {}
    for raster in rasters:
        data = np.full(shape, np.nan, dtype="float64")
        with open_raster(raster.path) as src:
            _check_grid(src, raster.path)
            read = _read_decimated(src, bounds, raster.path)
            if read is not None:
                reproject(
                    read[0],
                    data,
                    src_transform=read[1],
                    src_crs=src.crs,
                    dst_transform=transform,
                    dst_crs=crs,
                    src_nodata=np.nan,
                    dst_nodata=np.nan,
                    resampling=Resampling.nearest,
                )
        cls = levels_to_class(data, cfg) if raster.values == "dbm" else np.nan_to_num(data)
        cls = cls.astype("int8")
        best[raster.operator] = np.maximum(best.get(raster.operator, np.zeros(shape, "int8")), cls)
    need = satisfactory_class(cfg)
    n_ok = np.sum([(v >= need).astype("int8") for v in best.values()], axis=0).astype("int8")
    grids = {op: ClassGrid(v, tuple(transform)[:6], crs.to_string()) for op, v in best.items()}
    grids[""] = ClassGrid(n_ok, tuple(transform)[:6], crs.to_string())
    return grids
