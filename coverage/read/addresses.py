"""Read the address register, counts per address and the municipality boundary.

Every reader returns dekning's own column names, geometry in EPSG:25833, and raises
:class:`~dekning.errors.InputError` naming the file, row and field when input is wrong. Problems
that are safe to go on with are counted in the run report.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from dekning.crs import WORK_CRS
from dekning.errors import InputError
from dekning.io import find_column, read_table, read_vector, require_columns, to_numbers
from dekning.report import RunReport

# Rough bounding box of mainland Norway in EPSG:25833 (metres), with a margin.
NORWAY_25833 = (-120_000.0, 6_400_000.0, 1_130_000.0, 7_960_000.0)

ADDRESS_COLUMNS = {
    "adrid": ("adresseId", "adrid", "adresseid", "lokalId", "lokalid", "id"),
}
OPTIONAL_ADDRESS_COLUMNS = {
    "adressetekst": ("adresseTekst", "adressetekst", "adresse"),
    "adressenavn": ("adressenavn", "gatenavn", "veinavn", "vegnavn"),
    "nummer": ("nummer", "husnummer", "nr"),
    "bokstav": ("bokstav",),
    "postnummer": ("postnummer", "postnr"),
    "poststed": ("poststed", "sted"),
    "kommunenummer": ("kommunenummer", "komnr", "kommunenr"),
    "gnr": ("gardsnummer", "gnr"),
    "bnr": ("bruksnummer", "bnr"),
    "grunnkrets": ("grunnkretsnummer", "grunnkrets"),
}
COUNT_COLUMNS = {
    "hus": ("hus", "husstander", "households"),
    "pers": ("pers", "personer", "bosatte"),
    "fritid": ("fritid", "fritidsboliger", "hytter"),
    "naering": ("naering", "næring", "bedrifter", "virksomheter"),
    "offentlig": ("offentlig", "offentlige_bygg", "public"),
}


COORD_COLUMNS = (
    "Nord",
    "Øst",
    "Ost",
    "Oest",
    "northing",
    "easting",
    "x",
    "y",
    "lat",
    "lon",
    "lng",
    "latitude",
    "longitude",
    "EPSG-kode",
    "epsg",
)


def _check_norway(
    x: np.ndarray, y: np.ndarray, *, file: Path, xfield: str, yfield: str
) -> np.ndarray:
    """Fail on swapped axes; return a mask of points inside Norway's bounding box."""
    minx, miny, maxx, maxy = NORWAY_25833
    inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    swapped = (y >= minx) & (y <= maxx) & (x >= miny) & (x <= maxy) & ~inside
    if swapped.sum() > 0 and swapped.sum() >= 0.5 * (~inside).sum():
        pos = int(np.flatnonzero(swapped)[0])
        raise InputError(
            f"coordinates look swapped: '{yfield}' holds {y[pos]:.0f}, which is an easting, and "
            f"'{xfield}' holds {x[pos]:.0f}, a northing. Swap the two columns "
            f"({int(swapped.sum())} rows affected).",
            file=file,
            row=pos + 1,
            field=yfield,
        )
    return inside


def _points_from_columns(
    df: pd.DataFrame, *, file: Path, epsg_default: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Easting/northing in EPSG:25833 from Kartverket ``Nord``/``Øst`` (+ ``EPSG-kode``) or x/y."""
    north = find_column(df, ("Nord", "nord", "northing", "y", "nord_utm"))
    east = find_column(df, ("Øst", "øst", "Ost", "Oest", "easting", "x", "ost_utm"))
    lat = find_column(df, ("lat", "latitude", "breddegrad"))
    lon = find_column(df, ("lon", "lng", "longitude", "lengdegrad"))
    epsg_col = find_column(df, ("EPSG-kode", "epsg", "epsg_kode"))
    if north and east:
        x = to_numbers(df[east], file=file, field=east).to_numpy()
        y = to_numbers(df[north], file=file, field=north).to_numpy()
        xfield, yfield = east, north
        if epsg_col is not None:
            epsg = to_numbers(df[epsg_col], file=file, field=epsg_col, integer=True).to_numpy()
        elif epsg_default is not None:
            epsg = np.full(len(df), epsg_default)
        else:
            raise InputError(
                "coordinates without a CRS: add an 'EPSG-kode' column or set "
                "input.addresses_epsg in the configuration",
                file=file,
            )
    elif lat and lon:
        x = to_numbers(df[lon], file=file, field=lon).to_numpy()
        y = to_numbers(df[lat], file=file, field=lat).to_numpy()
        xfield, yfield = lon, lat
        epsg = np.full(len(df), 4326)
    else:
        raise InputError(
            "no coordinate columns: expected 'Nord' and 'Øst' (Kartverket), or 'lat' and 'lon'",
            file=file,
        )
    empty = np.isnan(x) | np.isnan(y)
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise InputError(
            "empty coordinate", file=file, row=pos + 1, field=xfield if np.isnan(x[pos]) else yfield
        )
    ex = np.empty_like(x)
    ny = np.empty_like(y)
    for code in np.unique(epsg):
        sel = epsg == code
        try:
            crs = CRS.from_epsg(int(code))
        except CRSError:
            pos = int(np.flatnonzero(sel)[0])
            raise InputError(
                f"unknown EPSG code {code}", file=file, row=pos + 1, field=epsg_col
            ) from None
        if crs.is_geographic:
            # Latitude must lie in 57-72 for Norway; a swap shows as 'latitude' 4-32.
            lat_ok = (y[sel] > 55) & (y[sel] < 73)
            if (~lat_ok).all() and ((x[sel] > 55) & (x[sel] < 73)).all():
                pos = int(np.flatnonzero(sel)[0])
                raise InputError(
                    "coordinates look swapped: latitude and longitude are in each other's column",
                    file=file,
                    row=pos + 1,
                    field=yfield,
                )
        tr = Transformer.from_crs(crs, WORK_CRS, always_xy=True)
        ex[sel], ny[sel] = tr.transform(x[sel], y[sel])
    return ex, ny


def read_addresses(
    path: str | Path, report: RunReport | None = None, *, epsg: int | None = None
) -> gpd.GeoDataFrame:
    """Read an address register into a GeoDataFrame in EPSG:25833.

    Accepts Kartverket's CSV (``;``-separated, UTF-8 or Windows-1252, ``Nord``/``Øst`` with an
    ``EPSG-kode`` column, old or current column set), or any GeoJSON/GeoPackage/GeoParquet with an
    address id column.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``adrid`` (int64, Kartverket ``adresseId`` = Nkom ``adrid``), ``adressetekst``,
        ``adressenavn``, ``nummer``, ``bokstav``, ``postnummer``, ``poststed``,
        ``kommunenummer``, ``gnr``, ``bnr`` (strings; missing ones empty), ``grunnkrets`` when
        given, and point geometry in EPSG:25833. Rows outside Norway are dropped and counted.
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json", ".gpkg", ".parquet", ".fgb", ".shp"):
        if not path.exists():
            raise InputError("address register file not found", file=path)
        try:
            gdf = gpd.read_parquet(path) if suffix == ".parquet" else pyogrio.read_dataframe(path)
        except (DataSourceError, DataLayerError, OSError, ValueError) as err:
            # GDAL's or Arrow's message names the cause
            raise InputError(f"cannot read address register: {err}", file=path) from None
        if gdf.crs is None:
            raise InputError("address layer has no CRS; set one (EPSG:25833 expected)", file=path)
        gdf = gdf.to_crs(WORK_CRS)
        if not (gdf.geom_type == "Point").all():
            gdf["geometry"] = gdf.geometry.representative_point()
        df = pd.DataFrame(gdf.drop(columns="geometry"))
        x = gdf.geometry.x.to_numpy()
        y = gdf.geometry.y.to_numpy()
        xfield, yfield = "geometry.x", "geometry.y"
    else:
        wanted = [
            *ADDRESS_COLUMNS["adrid"],
            *(c for cs in OPTIONAL_ADDRESS_COLUMNS.values() for c in cs),
            *COORD_COLUMNS,
        ]
        df = read_table(path, what="address register", columns=tuple(wanted), numeric=COORD_COLUMNS)
        x, y = _points_from_columns(df, file=path, epsg_default=epsg)
        xfield, yfield = "Øst", "Nord"

    cols = require_columns(df, ADDRESS_COLUMNS, file=path, what="address register")
    ids = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    dup = ids.duplicated(keep="first")
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        first = int(np.flatnonzero(ids.to_numpy() == ids.iloc[pos])[0])
        raise InputError(
            f"duplicate address id {int(ids.iloc[pos])} (first seen in row {first + 1}; "
            f"{int(dup.sum())} duplicate rows in all)",
            file=path,
            row=pos + 1,
            field=cols["adrid"],
        )
    out = pd.DataFrame({"adrid": ids.astype("int64").to_numpy()})
    for field, cands in OPTIONAL_ADDRESS_COLUMNS.items():
        col = find_column(df, cands)
        if col is not None:
            out[field] = df[col].fillna("").astype("str").str.strip().reset_index(drop=True)
        elif field != "grunnkrets":
            out[field] = pd.Series("", index=out.index, dtype="str")
    if (out["adressetekst"] == "").all() and (out["adressenavn"] != "").any():
        out["adressetekst"] = (
            out["adressenavn"] + " " + out["nummer"] + out["bokstav"]
        ).str.strip()

    inside = _check_norway(x, y, file=path, xfield=xfield, yfield=yfield)
    if not inside.any():
        raise InputError(
            "no address lies in Norway after reprojection to EPSG:25833: check the CRS "
            "(EPSG-kode column or input.addresses_epsg)",
            file=path,
            field=yfield,
        )
    report.warn(
        "read",
        "addresses_outside_norway",
        f"{path.name}: addresses outside Norway dropped (rows listed)",
        int((~inside).sum()),
        [f"row {i + 1}" for i in np.flatnonzero(~inside)],
    )
    gdf = gpd.GeoDataFrame(out, geometry=shapely.points(x, y), crs=WORK_CRS)
    return gdf[inside].reset_index(drop=True)


def read_boundary(path: str | Path, report: RunReport | None = None) -> gpd.GeoDataFrame:
    """Read a municipality boundary (any vector format, any CRS) into EPSG:25833.

    Invalid polygons (common in simplified lon/lat files) are repaired with
    :func:`shapely.make_valid` and counted in the report.
    """
    path = Path(path)
    gdf = read_vector(path, "boundary", repair=True)
    if report is not None:
        report.warn(
            "read",
            "invalid_boundary_repaired",
            f"{path.name}: invalid polygons repaired",
            gdf.attrs["repaired"],
        )
    return gdf


def read_address_counts(path: str | Path, report: RunReport | None = None) -> pd.DataFrame:
    """Counts per address id: ``hus``, ``pers``, ``fritid``, ``naering``, ``offentlig`` (int64).

    Columns that the file lacks are filled with 0; ``hus`` is required.
    """
    path = Path(path)
    df = read_table(
        path,
        what="address counts",
        numeric=("adrid", "adresseId", "hus", "pers", "fritid", "naering"),
    )
    cols = require_columns(
        df,
        {"adrid": ADDRESS_COLUMNS["adrid"], "hus": COUNT_COLUMNS["hus"]},
        file=path,
        what="address counts",
    )
    out = pd.DataFrame(
        {"adrid": to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)}
    )
    for field, cands in COUNT_COLUMNS.items():
        col = find_column(df, cands)
        if col is None:
            out[field] = 0
            continue
        values = to_numbers(df[col], file=path, field=col).fillna(0.0)  # empty means none
        frac = values != np.floor(values)
        if frac.any():
            pos = int(frac.to_numpy().nonzero()[0][0])
            raise InputError(
                f"not a whole number: {values.iloc[pos]:g}", file=path, row=pos + 1, field=col
            )
        values = values.astype("int64")
        if (values < 0).any():
            pos = int((values < 0).to_numpy().nonzero()[0][0])
            raise InputError(
                f"negative count {values.iloc[pos]}", file=path, row=pos + 1, field=col
            )
        out[field] = values
    dup = out["adrid"].duplicated()
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(
            f"duplicate address id {out['adrid'].iloc[pos]}",
            file=path,
            row=pos + 1,
            field=cols["adrid"],
        )
    return out
