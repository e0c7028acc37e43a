"""Read the address register and operator fixed-coverage data into validated frames.

Every reader returns data in dekning's own column names, with the work CRS EPSG:25833 where
there is geometry, and raises :class:`~dekning.errors.InputError` naming the file, row and field
when input is wrong. Problems that are safe to go on with are counted in the run report.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

from dekning import WORK_CRS
from dekning.errors import InputError
from dekning.report import RunReport
from dekning.tables import find_column, read_table, require_columns, to_numbers

# Rough bounding box of mainland Norway in EPSG:25833 (metres), with a margin.
NORWAY_25833 = (-120_000.0, 6_400_000.0, 1_130_000.0, 7_960_000.0)

TECHNOLOGIES = ("fiber", "kabel", "dsl", "ftb", "radio", "satellitt", "annet")
TECH_ALIASES = {
    "fibre": "fiber",
    "fiber": "fiber",
    "kabel": "kabel",
    "kabel-tv": "kabel",
    "hfc": "kabel",
    "coax": "kabel",
    "dsl": "dsl",
    "xdsl": "dsl",
    "adsl": "dsl",
    "vdsl": "dsl",
    "kobber": "dsl",
    "ftb": "ftb",
    "fwa": "ftb",
    "radio": "radio",
    "satellitt": "satellitt",
    "satellite": "satellitt",
    "annet": "annet",
}

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
        except Exception:
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
        except Exception as err:  # pyogrio/arrow raise many types; the message names the cause
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


def read_vector(path: str | Path, what: str, *, repair: bool = False) -> gpd.GeoDataFrame:
    """Any vector file GDAL reads (GeoJSON, GeoPackage, GML, Shapefile, ...) in EPSG:25833.

    With ``repair``, invalid geometries are made valid (:func:`shapely.make_valid`) in the
    file's own CRS before reprojection; their number is in ``attrs["repaired"]``.

    Raises
    ------
    InputError
        The file is missing, unreadable, or has no CRS.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} file not found", file=path)
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as err:  # GDAL raises many types; its message names the cause
        raise InputError(f"cannot read {what}: {err}", file=path) from None
    if gdf.crs is None:
        raise InputError(f"{what} has no CRS; set one (EPSG:25833 expected)", file=path)
    repaired = 0
    if repair:
        invalid = ~shapely.is_valid(gdf.geometry.to_numpy())
        repaired = int(invalid.sum())
        gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    out = gdf.to_crs(WORK_CRS)
    out.attrs["repaired"] = repaired
    return out


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


def read_fixed_coverage(
    path: str | Path,
    report: RunReport | None = None,
    *,
    speed_unit: str = "kbit/s",
) -> pd.DataFrame:
    """Read Nkom's address-level fixed broadband data (one row per address × operator × technology).

    Parameters
    ----------
    path
        CSV (``;`` or ``,``) or Parquet with ``adrid, tilb, tek, ned, opp`` and optionally ``hc``.
    speed_unit
        ``"kbit/s"`` (Nkom's unit) or ``"Mbit/s"``; speeds are returned in kbit/s.

    Returns
    -------
    pandas.DataFrame
        ``adrid`` (int64), ``tilb`` (str), ``tek`` (one of :data:`TECHNOLOGIES`), ``ned``,
        ``opp`` (int64, kbit/s), ``hc`` (bool). Duplicate address × operator × technology rows
        keep the fastest and are counted in the report.

    Raises
    ------
    InputError
        Missing columns, an unknown technology code, a non-numeric or negative speed, or speeds
        that look like Mbit/s while kbit/s is expected.
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    df = read_table(
        path,
        what="fixed coverage",
        numeric=("adrid", "adresseId", "ned", "opp", "nedlasting", "opplasting", "down", "up"),
    )
    cols = require_columns(
        df,
        {
            "adrid": ("adrid", "adresseId", "adresseid"),
            "tilb": ("tilb", "tilbyder", "operator"),
            "tek": ("tek", "teknologi", "technology"),
            "ned": ("ned", "nedlasting", "down"),
            "opp": ("opp", "opplasting", "up"),
        },
        file=path,
        what="fixed coverage",
    )
    adrid = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    # Technology and operator have few distinct values: clean those once, keep categorical codes.
    tek_codes, tek_uniques = pd.factorize(df[cols["tek"]].fillna("").astype("str"))
    tek_clean = [str(u).strip().lower() for u in tek_uniques]
    tek_known = [TECH_ALIASES.get(u) for u in tek_clean]
    unknown_codes = [i for i, t in enumerate(tek_known) if t is None]
    if unknown_codes:
        bad_rows = np.isin(tek_codes, unknown_codes)
        pos = int(np.flatnonzero(bad_rows)[0])
        unknown = sorted({tek_clean[i] for i in unknown_codes})[:5]
        raise InputError(
            f"unknown technology code {df[cols['tek']].iloc[pos]!r} (unknown codes: {', '.join(unknown)}); "
            f"expected one of {', '.join(TECHNOLOGIES)}",
            file=path,
            row=pos + 1,
            field=cols["tek"],
        )
    tek_index = np.array([TECHNOLOGIES.index(t) for t in tek_known], dtype="int64")
    tek = pd.Series(
        pd.Categorical.from_codes(tek_index[tek_codes], categories=list(TECHNOLOGIES)),
        index=df.index,
    )
    op_codes, op_uniques = pd.factorize(df[cols["tilb"]].fillna("").astype("str"))
    op_clean = pd.Index([str(u).strip() for u in op_uniques])
    op_names = sorted(set(op_clean))
    op_index = op_clean.map({n: i for i, n in enumerate(op_names)}).to_numpy().astype("int64")
    tilb = pd.Categorical.from_codes(op_index[op_codes], categories=op_names)
    speeds = {}
    for field in ("ned", "opp"):
        v = to_numbers(df[cols[field]], file=path, field=cols[field])
        if v.isna().any():
            pos = int(v.isna().to_numpy().nonzero()[0][0])
            raise InputError("empty speed", file=path, row=pos + 1, field=cols[field])
        if (v < 0).any():
            pos = int((v < 0).to_numpy().nonzero()[0][0])
            raise InputError(
                f"negative speed {v.iloc[pos]}", file=path, row=pos + 1, field=cols[field]
            )
        speeds[field] = v
    if speed_unit == "Mbit/s":
        speeds = {k: v * 1000.0 for k, v in speeds.items()}
    else:
        _check_kbps(speeds["ned"], tek, file=path, field=cols["ned"])
    hc_col = find_column(df, ("hc", "homes_connected"))
    if hc_col is None:
        hc = pd.Series(False, index=df.index)
    else:
        hc = df[hc_col].astype(str).str.strip().str.lower().isin(("true", "1", "ja", "yes", "t"))
    out = pd.DataFrame(
        {
            "adrid": adrid.to_numpy(),
            "tilb": tilb,
            "tek": tek.to_numpy(),
            "ned": np.round(speeds["ned"].to_numpy()).astype("int64"),
            "opp": np.round(speeds["opp"].to_numpy()).astype("int64"),
            "hc": hc.to_numpy(dtype=bool),
        }
    )
    # One int64 key per row (address × operator × technology) makes the duplicate check cheap.
    combined = (out["adrid"].to_numpy() * (len(op_names) + 1) + tilb.codes) * len(
        TECHNOLOGIES
    ) + tek.cat.codes.to_numpy()
    order = np.lexsort((out["opp"].to_numpy(), out["ned"].to_numpy(), combined))
    sorted_key = combined[order]
    last_of_key = np.r_[sorted_key[1:] != sorted_key[:-1], True]
    if not last_of_key.all():
        dup_rows = order[~last_of_key]
        report.warn(
            "read",
            "fixed_coverage_duplicates",
            f"{path.name}: rows repeating an address × operator × technology; the fastest is kept",
            len(dup_rows),
            np.unique(out["adrid"].to_numpy()[dup_rows]).tolist(),
        )
        out = out.iloc[np.sort(order[last_of_key])]
    return out.reset_index(drop=True)


def _check_kbps(ned: pd.Series, tek: pd.Series, *, file: Path, field: str) -> None:
    """Stop when download speeds look like Mbit/s although kbit/s is expected.

    Nkom's data are in kbit/s, so fibre and cable offers are ≥ 100 000. When the fastest fibre,
    cable or FTB offer in the file is below 5 000 (i.e. 5 Mbit/s if kbit/s), or every speed in
    the file is at most 2 000, the column is almost surely in Mbit/s.
    """
    if ned.empty:
        return
    fast = tek.isin(("fiber", "kabel", "ftb"))
    looks_mbps = (fast.any() and ned[fast].max() < 5_000) or ned.max() <= 2_000
    if looks_mbps:
        pos = int(ned.to_numpy().argmax())
        raise InputError(
            f"speeds look like Mbit/s (fastest offer {ned.max():g}); Nkom data are in kbit/s. "
            'Multiply by 1000, or set classify.fixed_speed_unit = "Mbit/s" in the configuration',
            file=file,
            row=pos + 1,
            field=field,
        )


def read_coverage_polygons(
    path: str | Path, addresses: gpd.GeoDataFrame, report: RunReport | None = None
) -> pd.DataFrame:
    """Turn operator coverage polygons (``tilb, tek, ned, opp``) into per-address coverage rows.

    Polygons are reprojected to EPSG:25833 and joined to the address points (point in polygon).

    Returns
    -------
    pandas.DataFrame
        The same columns as :func:`read_fixed_coverage`.
    """
    path = Path(path)
    poly = read_vector(path, "coverage polygons", repair=True)
    cols = require_columns(
        poly,
        {
            "tilb": ("tilb", "tilbyder", "operator"),
            "tek": ("tek", "teknologi"),
            "ned": ("ned",),
            "opp": ("opp",),
        },
        file=path,
        what="coverage polygons",
    )
    if report is not None:
        report.warn(
            "read",
            "invalid_polygons_repaired",
            f"{path.name}: invalid polygons repaired",
            poly.attrs["repaired"],
        )
    tek = poly[cols["tek"]].astype(str).str.lower().map(TECH_ALIASES)
    if tek.isna().any():
        pos = int(tek.isna().to_numpy().nonzero()[0][0])
        raise InputError(
            f"unknown technology code {poly[cols['tek']].iloc[pos]!r}",
            file=path,
            row=pos + 1,
            field=cols["tek"],
        )
    poly = gpd.GeoDataFrame(
        {
            "tilb": poly[cols["tilb"]].astype(str).to_numpy(),
            "tek": tek.to_numpy(),
            "ned": to_numbers(
                poly[cols["ned"]].astype(str), file=path, field=cols["ned"]
            ).to_numpy(),
            "opp": to_numbers(
                poly[cols["opp"]].astype(str), file=path, field=cols["opp"]
            ).to_numpy(),
        },
        geometry=poly.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    _check_kbps(poly["ned"], poly["tek"], file=path, field=cols["ned"])
    joined = gpd.sjoin(addresses[["adrid", "geometry"]], poly, predicate="within", how="inner")
    out = pd.DataFrame(joined[["adrid", "tilb", "tek", "ned", "opp"]]).astype(
        {"ned": "int64", "opp": "int64"}
    )
    out["hc"] = False
    return out.reset_index(drop=True)


def read_consultation_list(path: str | Path, report: RunReport | None = None) -> pd.DataFrame:
    """Read an Nkom consultation list (``Mangler_100Mbit`` / ``Mangler_30Mbit``).

    The exact column names are not published; the address id column is found by name
    (``adresseid``, ``adrid``, ``lokalid``). Coordinates, when present, are not needed.

    Returns
    -------
    pandas.DataFrame
        ``adrid`` (int64), one row per listed address.
    """
    path = Path(path)
    df = read_table(path, what="consultation list")
    cols = require_columns(
        df,
        {"adrid": ("adresseid", "adresseId", "adrid", "lokalid", "adresse_id")},
        file=path,
        what="consultation list",
    )
    ids = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    return pd.DataFrame({"adrid": ids.drop_duplicates().to_numpy()})
