"""Read the addresses whose existing network can easily be upgraded to 1 Gbit/s: not eligible
for support from 2024 on (``upgradeable_exclusion`` in ``dekning/rules/eligibility.toml``).

Nkom's data does not say which networks can be upgraded; the operators say so in the
consultation. The user gives it as address ids (CSV with ``;`` or ``,``, or XLSX, with an
``adrid`` column) or as polygons (any vector file GDAL reads, with its CRS): the addresses in
(or on the edge of) a polygon are upgradeable.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.crs import require_crs
from dekning.errors import InputError
from dekning.io import read_table, read_vector, require_columns, to_numbers
from dekning.report import RunReport

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet")
"""Files read as a table of address ids; anything else is read as polygons."""
ID_COLUMNS = ("adrid", "adresseid", "adresseId", "adresse_id", "lokalid")
WHAT = "lista over oppgraderbare adresser"


def read_upgradeable(
    path: str | Path, addresses: gpd.GeoDataFrame, report: RunReport | None = None
) -> np.ndarray:
    """Address ids (int64, sorted, unique) whose network can easily be upgraded to 1 Gbit/s.

    Parameters
    ----------
    path
        A table (CSV/TXT/XLSX/Parquet) with an address id column (``adrid``, ``adresseid``,
        ``lokalid``), or polygons in any vector format with a CRS.
    addresses
        The address register (``adrid``, points in EPSG:25833): polygons are matched to it,
        and ids not in it are reported (a warning, not an error).
    report
        Warnings: ``upgradeable_unknown_addresses`` (ids not in the register),
        ``upgradeable_polygons_without_addresses`` (polygons with no address inside).

    Raises
    ------
    InputError
        The file is missing, unreadable, empty, lacks the id column, holds an id that is not a
        whole number, has no CRS or holds geometry that is not a polygon (bokmål, naming the
        file, line or feature and field).
    """
    path = Path(path)
    report = report or RunReport()
    require_crs(addresses, "addresses (upgradeable)")
    if path.suffix.lower() in TABLE_SUFFIXES:
        ids = _ids_from_table(path)
        unknown = ~np.isin(ids, addresses["adrid"].to_numpy())
        report.warn(
            "read",
            "upgradeable_unknown_addresses",
            "adresse-id-er i input.upgradeable som ikke er i adresseregisteret (ikke brukt)",
            int(unknown.sum()),
            ids[unknown].tolist(),
        )
        return np.sort(ids[~unknown])
    return _ids_in_polygons(path, addresses, report)


def _ids_from_table(path: Path) -> np.ndarray:
    """The unique ids of the table's id column (int64)."""
    df = read_table(path, what=WHAT)
    if df.empty:
        raise InputError(f"{WHAT} har ingen rader", file=path)
    cols = require_columns(df, {"adrid": ID_COLUMNS}, file=path, what=WHAT)
    ids = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    return pd.unique(ids.to_numpy(dtype="int64"))


def _ids_in_polygons(path: Path, addresses: gpd.GeoDataFrame, report: RunReport) -> np.ndarray:
    """The ids of the addresses inside or on the edge of any polygon of the file."""
    polygons = read_vector(path, "de oppgraderbare områdene", repair=True)
    if polygons.empty:
        raise InputError("de oppgraderbare områdene: fila har ingen objekter", file=path)
    kind = polygons.geom_type.to_numpy()
    bad = ~np.isin(kind, ["Polygon", "MultiPolygon"])
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"oppgraderbare områder må være polygoner; fant {kind[pos]}",
            file=path,
            line=pos + 1,
            field="geometry",
            feature=True,
        )
    poly_pos, addr_pos = addresses.sindex.query(
        polygons.geometry.to_numpy(), predicate="intersects"
    )
    empty = ~np.isin(np.arange(len(polygons)), poly_pos)
    report.warn(
        "read",
        "upgradeable_polygons_without_addresses",
        "polygoner i input.upgradeable uten noen adresse innenfor (objektnumre)",
        int(empty.sum()),
        (np.flatnonzero(empty) + 1).tolist(),
    )
    return np.unique(addresses["adrid"].to_numpy(dtype="int64")[addr_pos])


__all__ = ["read_upgradeable"]
