"""Sample mobile coverage rasters (GeoTIFF per operator × technology) at address points.

Values are either signal levels (RSRP, dBm) or coverage classes. Levels are turned into classes
with configurable thresholds, since Nkom publishes none:

====  ==========  =================================================
code  name        meaning
====  ==========  =================================================
0     ingen       no usable coverage
1     antenne     usable with an external antenna
2     ute         outdoor coverage
3     inne        indoor coverage
====  ==========  =================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import Transformer
from rasterio.errors import RasterioIOError
from rasterio.windows import Window

from dekning.config import ClassifyConfig, MobileRaster
from dekning.crs import WORK_CRS
from dekning.errors import InputError
from dekning.report import RunReport

CLASS_NAMES = {0: "ingen", 1: "antenne", 2: "ute", 3: "inne"}


def sample_raster(
    path: str | Path, x: np.ndarray, y: np.ndarray, *, crs: str = WORK_CRS
) -> np.ndarray:
    """Nearest-cell raster values at points (``x``, ``y`` in ``crs``); NaN outside or at nodata.

    The points are reprojected to the raster's own CRS, so rasters in any CRS are sampled
    correctly. Only the window covering the points is read.

    Raises
    ------
    InputError
        The file is missing or not a raster, or the raster has no CRS.
    """
    path = Path(path)
    try:
        src = rasterio.open(path)
    except RasterioIOError as err:
        raise InputError(f"cannot open mobile coverage raster: {err}", file=path) from None
    with src:
        if src.crs is None:
            raise InputError(
                "raster has no CRS; assign one (e.g. gdal_edit.py -a_srs EPSG:25833)", file=path
            )
        if src.crs != crs:
            tr = Transformer.from_crs(crs, src.crs, always_xy=True)
            x, y = tr.transform(x, y)
        inv = ~src.transform
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        cols_f = inv.a * x + inv.b * y + inv.c
        rows_f = inv.d * x + inv.e * y + inv.f
        cols = np.floor(cols_f).astype("int64")
        rows = np.floor(rows_f).astype("int64")
        inside = (rows >= 0) & (rows < src.height) & (cols >= 0) & (cols < src.width)
        out = np.full(len(rows), np.nan)
        if not inside.any():
            return out
        r0, r1 = rows[inside].min(), rows[inside].max() + 1
        c0, c1 = cols[inside].min(), cols[inside].max() + 1
        window = Window(c0, r0, c1 - c0, r1 - r0)
        band = src.read(1, window=window)
        vals = band[rows[inside] - r0, cols[inside] - c0].astype("float64")
        del band
        if src.nodata is not None:
            vals[vals == src.nodata] = np.nan
        out[inside] = vals
    return out


def levels_to_class(dbm: np.ndarray, cfg: ClassifyConfig) -> np.ndarray:
    """Coverage class (0-3) from RSRP in dBm; NaN (no data) is class 0."""
    dbm = np.asarray(dbm, dtype="float64")
    cls = np.zeros(dbm.shape, dtype="int8")
    cls[dbm >= cfg.mobile_antenna_dbm] = 1
    cls[dbm >= cfg.mobile_outdoor_dbm] = 2
    cls[dbm >= cfg.mobile_indoor_dbm] = 3
    return cls


def sample_mobile(
    addresses: gpd.GeoDataFrame,
    rasters: Sequence[MobileRaster],
    cfg: ClassifyConfig,
    report: RunReport | None = None,
) -> pd.DataFrame:
    """Mobile coverage per address: level and class per operator × technology, and summaries.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``addresses``: ``mob_{op}_{tek}_dbm`` (float, NaN for class rasters or no
        data), ``mob_{op}_{tek}`` (class 0-3), ``mob_{op}`` (best class of the operator),
        ``mob_n_ok`` (operators reaching ``cfg.mobile_satisfactory``), ``mob_any_ok`` and
        ``mob_all_ok`` (bool).
    """
    if addresses.crs is None or addresses.crs != WORK_CRS:
        addresses = addresses.to_crs(WORK_CRS)
    x = addresses.geometry.x.to_numpy()
    y = addresses.geometry.y.to_numpy()
    out = pd.DataFrame(index=addresses.index)
    operators: list[str] = []
    for r in rasters:
        values = sample_raster(r.path, x, y)
        col = f"mob_{r.operator}_{r.technology}"
        if r.values == "dbm":
            if np.nanmax(values, initial=-np.inf) > 0 and np.nanmin(values, initial=np.inf) >= 0:
                raise InputError(
                    "raster values are all ≥ 0: this looks like a class raster, not dBm; "
                    'set values = "class" for it in [input].mobile',
                    file=r.path,
                )
            out[f"{col}_dbm"] = values
            out[col] = levels_to_class(values, cfg)
        else:
            cls = np.nan_to_num(values, nan=0.0)
            bad = ~np.isin(cls, (0, 1, 2, 3))
            if bad.any():
                raise InputError(
                    f"class raster holds {cls[bad][0]:g}; expected 0 (none), 1 (antenna), 2 (outdoor), 3 (indoor)",
                    file=r.path,
                )
            out[col] = cls.astype("int8")
        if report is not None:
            report.warn(
                "mobile",
                "mobile_no_data",
                f"{Path(r.path).name}: addresses with no raster value (outside or nodata), counted as no coverage",
                int(np.isnan(values).sum()),
            )
        if r.operator not in operators:
            operators.append(r.operator)
    need = 3 if cfg.mobile_satisfactory == "indoor" else 2
    ok = []
    for op in operators:
        cols = [c for c in out.columns if c.startswith(f"mob_{op}_") and not c.endswith("_dbm")]
        out[f"mob_{op}"] = out[cols].max(axis=1).astype("int8")
        ok.append(out[f"mob_{op}"].to_numpy() >= need)
    if operators:
        ok_arr = np.column_stack(ok)
        out["mob_n_ok"] = ok_arr.sum(axis=1).astype("int8")
        out["mob_any_ok"] = ok_arr.any(axis=1)
        out["mob_all_ok"] = ok_arr.all(axis=1)
    return out
