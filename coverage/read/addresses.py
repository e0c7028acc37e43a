"""Read the address register, counts per address and the municipality boundary.

Every reader returns dekning's own column names, geometry in EPSG:25833, and raises
:class:`~dekning.errors.InputError` naming the file, row and field when input is wrong. Problems
that are safe to go on with are counted in the run report.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from dekning.crs import WORK_CRS
from dekning.errors import InputError, data_line
from dekning.io import find_column, read_table, read_vector, require_columns, to_numbers
from dekning.report import RunReport

WORK_CRS_OBJECT = CRS.from_user_input(WORK_CRS)
# Rough bounding box of mainland Norway in EPSG:25833 (metres), with a margin.
NORWAY_25833 = (-120_000.0, 6_400_000.0, 1_130_000.0, 7_960_000.0)

ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "adrid": ("adresseId", "adrid", "adresseid", "lokalId", "lokalid", "id"),
}
"""Accepted names of the address id column (Kartverket's ``adresseId``, older ``lokalid``)."""
OPTIONAL_ADDRESS_COLUMNS: dict[str, tuple[str, ...]] = {
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
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".fgb", ".shp")
"""Registers read as vector layers; anything else is read as a table with coordinate columns."""
NORTH_COLUMNS = ("Nord", "nord", "northing", "y", "nord_utm")
EAST_COLUMNS = ("Øst", "øst", "Ost", "Oest", "easting", "x", "ost_utm")
LAT_COLUMNS = ("lat", "latitude", "breddegrad")
LON_COLUMNS = ("lon", "lng", "longitude", "lengdegrad")
EPSG_COLUMNS = ("EPSG-kode", "epsg", "epsg_kode")
COORD_COLUMNS = (*NORTH_COLUMNS, *EAST_COLUMNS, *LAT_COLUMNS, *LON_COLUMNS, *EPSG_COLUMNS)
"""Every accepted name of a coordinate or CRS column (case-insensitive)."""


def _where(pos: int, feature: bool) -> dict[str, Any]:
    """``line`` and ``feature`` keywords of :class:`InputError` for 0-based row ``pos``: the
    line of a table (header line 1) or the 1-based feature of a vector file."""
    return {"line": pos + 1 if feature else data_line(pos), "feature": feature}


def _check_norway(
    x: np.ndarray,
    y: np.ndarray,
    *,
    file: Path,
    xfield: str,
    yfield: str,
    feature: bool = False,
) -> np.ndarray:
    """A mask of the points inside Norway's bounding box (EPSG:25833 metres).

    Raises
    ------
    InputError
        Easting and northing are in each other's column, or no point lies in Norway.
    """
    minx, miny, maxx, maxy = NORWAY_25833
    inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    swapped = (y >= minx) & (y <= maxx) & (x >= miny) & (x <= maxy) & ~inside
    if swapped.sum() > 0 and swapped.sum() >= 0.5 * (~inside).sum():
        pos = int(np.flatnonzero(swapped)[0])
        raise InputError(
            f"koordinatene ser ombyttet ut: '{yfield}' har {y[pos]:.0f}, som er en østkoordinat, "
            f"og '{xfield}' har {x[pos]:.0f}, en nordkoordinat. Bytt om de to kolonnene "
            f"({int(swapped.sum())} rader berørt).",
            file=file,
            field=yfield,
            **_where(pos, feature),
        )
    if not inside.any():
        raise InputError(
            "ingen adresse ligger i Norge etter omregning til EPSG:25833: sjekk "
            "koordinatsystemet (kolonnen EPSG-kode eller input.addresses_epsg)",
            file=file,
            field=yfield,
        )
    return inside


def _coordinate_columns(
    df: pd.DataFrame, *, file: Path, epsg_default: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, str], str | None]:
    """Raw coordinates from Kartverket ``Nord``/``Øst`` (+ ``EPSG-kode``) or ``lat``/``lon``.

    Returns
    -------
    tuple
        x (easting or longitude), y (northing or latitude), the EPSG code of every row, the
        names of the x and y columns, and the name of the EPSG column (None when not in the
        file).
    """
    north = find_column(df, NORTH_COLUMNS)
    east = find_column(df, EAST_COLUMNS)
    lat = find_column(df, LAT_COLUMNS)
    lon = find_column(df, LON_COLUMNS)
    epsg_col = find_column(df, EPSG_COLUMNS)
    if north is not None and east is not None:
        xfield, yfield = east, north
        if epsg_col is not None:
            epsg = to_numbers(df[epsg_col], file=file, field=epsg_col, integer=True).to_numpy()
        elif epsg_default is not None:
            epsg = np.full(len(df), epsg_default)
        else:
            raise InputError(
                "koordinater uten koordinatsystem: legg til kolonnen 'EPSG-kode' eller sett "
                "input.addresses_epsg i konfigurasjonen",
                file=file,
                field=north,
            )
    elif lat is not None and lon is not None:
        xfield, yfield, epsg_col = lon, lat, None
        epsg = np.full(len(df), 4326)
    else:
        raise InputError(
            "ingen koordinatkolonner: ventet 'Nord' og 'Øst' (Kartverket) eller 'lat' og 'lon'",
            file=file,
        )
    x = to_numbers(df[xfield], file=file, field=xfield).to_numpy()
    y = to_numbers(df[yfield], file=file, field=yfield).to_numpy()
    empty = np.isnan(x) | np.isnan(y)
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        field = xfield if np.isnan(x[pos]) else yfield
        raise InputError("tom koordinat", file=file, line=data_line(pos), field=field)
    return x, y, epsg, (xfield, yfield), epsg_col


def _points_from_columns(
    df: pd.DataFrame, *, file: Path, epsg_default: int | None
) -> tuple[np.ndarray, np.ndarray, tuple[str, str]]:
    """Easting/northing in EPSG:25833 (metres) of every row, reprojected per ``EPSG-kode``, and
    the names of the file's x and y columns.

    Raises
    ------
    InputError
        No coordinate columns, an empty coordinate, an unknown EPSG code, or latitude and
        longitude in each other's column.
    """
    x, y, epsg, fields, epsg_col = _coordinate_columns(df, file=file, epsg_default=epsg_default)
    if len(epsg) and (epsg == WORK_CRS_OBJECT.to_epsg()).all():
        return x, y, fields  # Kartverket's own EPSG:25833 throughout: nothing to transform
    ex = np.empty_like(x)
    ny = np.empty_like(y)
    codes = np.sort(pd.unique(epsg))
    for code in codes:  # one transformation per CRS in the file, not per row
        sel = epsg == code
        first = int(np.flatnonzero(sel)[0])
        try:
            crs = CRS.from_epsg(int(code))
        except CRSError:
            raise InputError(
                f"ukjent EPSG-kode {code}", file=file, line=data_line(first), field=epsg_col
            ) from None
        # Latitude must lie in 55-73 for Norway; a swap shows as 'latitude' 4-32.
        if crs.is_geographic and _lat_lon_swapped(x[sel], y[sel]):
            raise InputError(
                "koordinatene ser ombyttet ut: breddegrad og lengdegrad står i hverandres kolonne",
                file=file,
                line=data_line(first),
                field=fields[1],
            )
        if crs == WORK_CRS_OBJECT:  # Kartverket's own EPSG:25833: nothing to transform
            ex[sel], ny[sel] = x[sel], y[sel]
            continue
        tr = Transformer.from_crs(crs, WORK_CRS, always_xy=True)
        ex[sel], ny[sel] = tr.transform(x[sel], y[sel])
    return ex, ny, fields


def _lat_lon_swapped(lon: np.ndarray, lat: np.ndarray) -> bool:
    """True when no latitude lies in Norway's 55-73° but every longitude does."""
    lat_ok = (lat > 55) & (lat < 73)
    return bool((~lat_ok).all() and ((lon > 55) & (lon < 73)).all())


def _read_vector_addresses(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Attributes and EPSG:25833 point coordinates of a GeoJSON/GeoPackage/GeoParquet register.

    Raises
    ------
    InputError
        The file is missing or unreadable, or its layer has no CRS.
    """
    if not path.exists():
        raise InputError("fant ikke fila (adresseregisteret)", file=path)
    try:
        if path.suffix.lower() == ".parquet":
            gdf = gpd.read_parquet(path)
        else:
            gdf = pyogrio.read_dataframe(path)
    except (DataSourceError, DataLayerError, OSError, ValueError) as err:
        # GDAL's or Arrow's message names the cause
        raise InputError(f"kan ikke lese adresseregisteret: {err}", file=path) from None
    if gdf.crs is None:
        raise InputError(
            "adresselaget har ikke koordinatsystem; sett ett (EPSG:25833 ventet)",
            file=path,
            field="crs",
        )
    points = gdf.geometry.to_crs(WORK_CRS)
    if not (points.geom_type == "Point").all():
        points = points.representative_point()
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return df, points.x.to_numpy(), points.y.to_numpy()


def _address_ids(df: pd.DataFrame, *, file: Path, feature: bool = False) -> np.ndarray:
    """The ``adrid`` (int64) of every row.

    Raises
    ------
    InputError
        No id column, a non-integer id, or an id that occurs twice (naming both rows).
    """
    col = require_columns(df, ID_COLUMNS, file=file, what="adresseregisteret")["adrid"]
    ids = to_numbers(df[col], file=file, field=col, integer=True, feature=feature).to_numpy()
    if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()):
        return ids  # rising ids (as the register lists them) repeat none
    dup = pd.Series(ids).duplicated(keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero(ids == ids[pos])[0])
        raise InputError(
            f"adresse-id {int(ids[pos])} finnes to ganger (første gang på "
            f"{'objekt' if feature else 'linje'} {_where(first, feature)['line']}; "
            f"{int(dup.sum())} gjentatte rader i alt)",
            file=file,
            field=col,
            **_where(pos, feature),
        )
    return ids


def _address_fields(df: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """``adrid`` and the text fields of :data:`OPTIONAL_ADDRESS_COLUMNS` (missing ones empty,
    except ``grunnkrets``, which is left out when absent)."""
    out = pd.DataFrame({"adrid": ids.astype("int64")})
    found = {field: find_column(df, cands) for field, cands in OPTIONAL_ADDRESS_COLUMNS.items()}

    def trimmed(col: str) -> pd.api.extensions.ExtensionArray:
        # pandas' arrow strings stay arrow strings (no Python object per row)
        return df[col].fillna("").astype("str").str.strip().array

    # arrow trims the columns side by side (its kernels release the GIL)
    present = {field: col for field, col in found.items() if col is not None}
    with ThreadPoolExecutor(2) as pool:
        texts = dict(zip(present, pool.map(trimmed, present.values()), strict=True))
    for field, col in found.items():
        if col is not None:
            out[field] = texts[field]
        elif field != "grunnkrets":
            out[field] = pd.Series("", index=out.index, dtype="str")
    if (out["adressetekst"] == "").all() and (out["adressenavn"] != "").any():
        out["adressetekst"] = (
            out["adressenavn"] + " " + out["nummer"] + out["bokstav"]
        ).str.strip()
    return out


def read_addresses(
    path: str | Path, report: RunReport | None = None, *, epsg: int | None = None
) -> gpd.GeoDataFrame:
    """Read an address register into a GeoDataFrame in EPSG:25833.

    Accepts Kartverket's CSV (``;``-separated, UTF-8 or Windows-1252, ``Nord``/``Øst`` with an
    ``EPSG-kode`` column, old or current column set), or any GeoJSON/GeoPackage/GeoParquet with an
    address id column.

    Parameters
    ----------
    path
        The register file.
    report
        Counts the addresses outside Norway (dropped).
    epsg
        CRS of ``Nord``/``Øst`` when the file has no ``EPSG-kode`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``adrid`` (int64, Kartverket ``adresseId`` = Nkom ``adrid``), ``adressetekst``,
        ``adressenavn``, ``nummer``, ``bokstav``, ``postnummer``, ``poststed``,
        ``kommunenummer``, ``gnr``, ``bnr`` (strings; missing ones empty), ``grunnkrets`` when
        given, and point geometry in EPSG:25833. Rows outside Norway are dropped and counted.

    Raises
    ------
    InputError
        Unreadable file, missing or duplicate ids, bad or swapped coordinates, or no address
        in Norway; with the line (the feature of a vector file) and field where there is one.
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    feature = path.suffix.lower() in VECTOR_SUFFIXES
    if feature:
        df, x, y = _read_vector_addresses(path)
        xfield, yfield = "geometry.x", "geometry.y"
    else:
        wanted = (*ID_COLUMNS["adrid"], *chain(*OPTIONAL_ADDRESS_COLUMNS.values()), *COORD_COLUMNS)
        df = read_table(
            path,
            what="adresseregisteret",
            columns=wanted,
            numeric=(*NORTH_COLUMNS, *EAST_COLUMNS, *LAT_COLUMNS, *LON_COLUMNS),
            integers=(*ID_COLUMNS["adrid"], *EPSG_COLUMNS),
        )
        x, y, (xfield, yfield) = _points_from_columns(df, file=path, epsg_default=epsg)
    out = _address_fields(df, _address_ids(df, file=path, feature=feature))
    inside = _check_norway(x, y, file=path, xfield=xfield, yfield=yfield, feature=feature)
    report.warn(
        "read",
        "addresses_outside_norway",
        f"{path.name}: adresser utenfor Norge tatt ut (linjene er listet)",
        int((~inside).sum()),
        [
            f"{'objekt' if feature else 'linje'} {_where(int(i), feature)['line']}"
            for i in np.flatnonzero(~inside)[:10]
        ],
    )
    gdf = gpd.GeoDataFrame(out, geometry=shapely.points(x, y), crs=WORK_CRS)
    return gdf if inside.all() else gdf[inside].reset_index(drop=True)


def read_boundary(path: str | Path, report: RunReport | None = None) -> gpd.GeoDataFrame:
    """Read a municipality boundary (any vector format, any CRS) into EPSG:25833.

    Invalid polygons (common in simplified lon/lat files) are repaired with
    :func:`shapely.make_valid` and counted in the report.

    Raises
    ------
    InputError
        The file is unreadable, has no features, or a feature is empty, missing or has no area
        (a point or a line cannot bound addresses).
    """
    path = Path(path)
    gdf = read_vector(path, "kommunegrensen", repair=True)
    geoms = gdf.geometry.to_numpy()
    if len(gdf) == 0:
        raise InputError("kommunegrensen har ingen objekter", file=path, field="geometry")
    usable = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    usable &= shapely.area(shapely.make_valid(geoms)) > 0
    if not usable.all():
        pos = int(np.flatnonzero(~usable)[0])
        kind = "tom" if shapely.is_missing(geoms[pos]) else gdf.geom_type.iloc[pos]
        raise InputError(
            f"kommunegrensen må være polygoner med areal; fant {kind}",
            file=path,
            line=pos + 1,
            field="geometry",
            feature=True,
        )
    if report is not None:
        report.warn(
            "read",
            "invalid_boundary_repaired",
            f"{path.name}: ugyldige polygoner reparert",
            gdf.attrs["repaired"],
        )
    return gdf
