"""Coordinate reference systems: the work CRS in metres, the web CRS, and the check every stage
that takes geometry makes at its door.

dekning works in EPSG:25833 (ETRS89 / UTM zone 33N, metres) inside and uses EPSG:4326 (WGS 84
longitude/latitude) only at the web edge: maps and the API's GeoJSON.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from dekning.errors import InputError

WORK_CRS = "EPSG:25833"
"""Metres; every stage's geometry is in this CRS."""
WEB_CRS = "EPSG:4326"
"""Longitude/latitude; used only by maps and the API."""


def require_crs(
    frame: gpd.GeoDataFrame | gpd.GeoSeries,
    what: str,
    expected: str = WORK_CRS,
    *,
    file: str | Path | None = None,
) -> None:
    """Check that ``frame`` carries ``expected`` as its CRS.

    Parameters
    ----------
    frame
        The frame or series a stage was given.
    what
        Names the frame (or the file it came from) in the error, e.g. ``"addresses"``.
    expected
        The CRS the stage works in; EPSG:25833 unless stated.
    file
        The file the frame was read from, if any (named in the error).

    Raises
    ------
    InputError
        When the frame has no CRS or another one. The message names the frame, both CRSs and
        the fix (``to_crs``): nothing is reprojected silently.
    """
    crs = frame.crs
    if crs is None:
        raise InputError(
            f"{what}: geometrien har ikke noe koordinatsystem; forventet {expected}",
            file=file,
            field="crs",
        )
    if CRS.from_user_input(crs) != CRS.from_user_input(expected):
        found = crs.to_string() if hasattr(crs, "to_string") else str(crs)
        raise InputError(
            f"{what}: geometrien er i {found}, forventet {expected} "
            f"(projiser først med to_crs({expected!r}))",
            file=file,
            field="crs",
        )


def ssb_grid_id(x: np.ndarray, y: np.ndarray, size: int = 250) -> np.ndarray:
    """SSB statistical grid cell id for EPSG:25833 coordinates and cell size in metres.

    ``id = floor((x + 2 000 000) / s) * s * 10^7 + floor(y / s) * s`` (SSB's national grid).
    """
    cx = (np.floor((np.asarray(x) + 2_000_000) / size) * size).astype("int64")
    cy = (np.floor(np.asarray(y) / size) * size).astype("int64")
    return cx * 10_000_000 + cy


__all__ = ["WEB_CRS", "WORK_CRS", "require_crs", "ssb_grid_id"]
