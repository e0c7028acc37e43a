"""Read road centre lines with their category, number, name and traffic volume (ÅDT).

One reader serves both the fibre routing (the lines) and the mobile coverage along roads (the
category and ÅDT). Two kinds of source:

- **NVDB / Elveg 2.0** exports (GML, GeoPackage, GeoJSON, Shapefile, any CRS): the category is
  read from a column named ``vegkategori`` (also a flattened ``..._vegkategori`` of Elveg's
  nested ``vegsystemreferanse``), or taken from a road reference such as ``EV6``, ``FV 6478``
  or ``KV1234 S1D1 m0-300`` (``vegnummer``, ``vegsystemreferanse``, ``kortform``). NVDB's codes:

  ====  ============================
  code  category
  ====  ============================
  E     europaveg
  R     riksveg
  F     fylkesveg
  K     kommunal veg
  P     privat veg
  S     skogsbilveg
  ====  ============================

  Lines of a ``typeveg`` for walking, cycling or ferries and lines of a ``fase`` other than
  ``V`` (existing road) are left out when those columns are present.
- **OpenStreetMap** ``.osm.pbf`` (GDAL's OSM driver, layer ``lines``): ``highway`` classes are
  mapped to categories (:data:`OSM_CATEGORY`); a ``ref`` starting with ``E`` makes a europaveg.
  OSM's classes are not the official categories, so the category source says ``OpenStreetMap``.

Traffic volume: a column ``adt``/``ÅDT``/``aadt``/``adt_total``/``ÅDT, total`` (vehicles per
day, annual average) when present, else unknown (NaN).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from dekning.crs import WORK_CRS
from dekning.errors import InputError
from dekning.io import find_column, read_vector, to_numbers
from dekning.report import RunReport
from dekning.schema import ROAD_CATEGORIES, ROAD_CATEGORY_WORDS, ROAD_UNKNOWN

CATEGORIES = ROAD_CATEGORIES
CATEGORY_WORDS = ROAD_CATEGORY_WORDS
UNKNOWN = ROAD_UNKNOWN

OSM_CATEGORY = {
    "motorway": "R",
    "motorway_link": "R",
    "trunk": "R",
    "trunk_link": "R",
    "primary": "F",
    "primary_link": "F",
    "secondary": "F",
    "secondary_link": "F",
    "tertiary": "F",
    "tertiary_link": "F",
    "unclassified": "K",
    "residential": "K",
    "living_street": "K",
    "road": "K",
    "service": "P",
    "track": "S",
}
"""OSM ``highway`` → category. Other classes (footway, cycleway, path, steps, pedestrian,
construction, ...) are not roads for cars and are left out. Norwegian OSM tags trunk for the
main national roads and primary to tertiary mostly for fylkesveger; an assumption."""

CATEGORY_COLUMNS = ("vegkategori", "kategori", "vegkat", "roadcategory")
REFERENCE_COLUMNS = ("vegnummer", "vegsystemreferanse", "kortform", "vegreferanse", "ref")
NAME_COLUMNS = ("vegnavn", "adressenavn", "gatenavn", "navn", "name")
ADT_COLUMNS = ("adt", "ådt", "aadt", "adt_total", "ådt_total", "ådt, total", "aadt_total")
TYPE_COLUMNS = ("typeveg", "typeVeg", "vegtype")
PHASE_COLUMNS = ("fase", "vegfase")

NOT_FOR_CARS = re.compile(r"gang|sykkel|fortau|trapp|ferje|ferge|gangfelt|sti\b", re.IGNORECASE)
"""``typeveg`` values that are not roads for cars (gangOgSykkelveg, sykkelveg, gangveg, fortau,
trapp, bilferje, passasjerferje, gangfelt)."""

REFERENCE = re.compile(r"^\s*([ERFKPS])[VG]?\s*(\d+)", re.IGNORECASE)
"""A road reference: category letter, optional ``V`` (veg), number (``EV6``, ``FV 6478``)."""

ROAD_COLUMNS = ["vegkategori", "vegnummer", "vegnavn", "adt", "kategori_kilde", "geometry"]
"""Columns of :func:`read_roads`."""


def read_roads(path: str | Path, report: RunReport | None = None) -> gpd.GeoDataFrame:
    """Read road centre lines (NVDB/Elveg export or OpenStreetMap ``.osm.pbf``).

    Parameters
    ----------
    path
        Vector file (GML, GeoPackage, GeoJSON, Shapefile, ...; any CRS) or ``.osm.pbf``.
    report
        Counts lines of unknown category and lines left out.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:25833 LineStrings of positive length with :data:`ROAD_COLUMNS`: ``vegkategori``
        (one of :data:`CATEGORIES` or ``"ukjent"``), ``vegnummer`` (e.g. ``"FV 6478"``, empty
        when unknown), ``vegnavn``, ``adt`` (vehicles per day, NaN when unknown) and
        ``kategori_kilde`` (where the category came from).

    Raises
    ------
    InputError
        The file is missing or unreadable, has no CRS, holds no line of any length, a category
        that is not one of E, R, F, K, P, S, or an ÅDT that is not a number ≥ 0 (naming the
        feature and field).
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    if path.name.lower().endswith((".osm.pbf", ".osm")):
        raw = _read_osm(path)
        roads = _from_osm(raw, path, report)
    else:
        raw = read_vector(path, "vegene")
        roads = _from_nvdb(raw, path, report)
    roads = _lines(roads, path)
    unknown = int((roads["vegkategori"] == UNKNOWN).sum())
    report.warn(
        "read",
        "roads_unknown_category",
        "veglenker uten vegkategori (regnet som ukjent kategori)",
        unknown,
    )
    return roads


def _read_osm(path: Path) -> gpd.GeoDataFrame:
    """The ``lines`` layer of an OSM file, in EPSG:25833."""
    if not path.exists():
        raise InputError("fant ikke fila (vegene)", file=path)
    try:
        gdf = pyogrio.read_dataframe(path, layer="lines")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as err:
        raise InputError(f"kan ikke lese vegene (OSM): {str(err).strip()}", file=path) from None
    return gdf.set_crs(gdf.crs or "EPSG:4326").to_crs(WORK_CRS)


def _tag(other_tags: pd.Series, key: str) -> pd.Series:
    """One tag's value from GDAL's ``other_tags`` text (``"key"=>"value",...``)."""
    pattern = rf'(?:^|,)"{re.escape(key)}"=>"((?:[^"\\]|\\.)*)"'
    return other_tags.astype("string").str.extract(pattern, expand=False).fillna("")


def _from_osm(raw: gpd.GeoDataFrame, path: Path, report: RunReport) -> gpd.GeoDataFrame:
    """Roads for cars from OSM lines, with categories from ``highway`` and ``ref``."""
    highway = raw.get("highway", pd.Series("", index=raw.index)).fillna("").astype(str)
    category = highway.map(OSM_CATEGORY)
    keep = category.notna().to_numpy()
    report.warn(
        "read",
        "roads_osm_not_for_cars",
        "OSM-linjer som ikke er bilveg (gangveg, sykkelveg, sti, ...) holdt utenfor",
        int((~keep & (highway != "")).sum()),
    )
    raw = raw.loc[keep]
    tags = raw.get("other_tags", pd.Series("", index=raw.index)).fillna("")
    ref = _tag(tags, "ref").str.split(";").str[0].str.strip()
    cat = category[keep].astype(str)
    cat = cat.where(~ref.str.match(r"^E\s*\d", na=False), "E")
    names = raw.get("name", pd.Series("", index=raw.index)).fillna("").astype(str)
    return gpd.GeoDataFrame(
        {
            "vegkategori": cat.to_numpy(),
            "vegnummer": ref.to_numpy(dtype=object),
            "vegnavn": names.to_numpy(dtype=object),
            "adt": np.nan,
            "kategori_kilde": "OpenStreetMap (highway)",
        },
        geometry=raw.geometry.to_numpy(),
        crs=WORK_CRS,
    )


def _from_nvdb(raw: gpd.GeoDataFrame, path: Path, report: RunReport) -> gpd.GeoDataFrame:
    """Roads from an NVDB/Elveg-like table: category, reference, name, ÅDT."""
    raw = raw.reset_index(drop=True)
    ref_col = find_column(raw, REFERENCE_COLUMNS) or _suffix_column(raw, "kortform")
    ref = _text(raw, ref_col)
    from_ref = ref.str.extract(REFERENCE, expand=True)
    cat_col = find_column(raw, CATEGORY_COLUMNS) or _suffix_column(raw, "vegkategori")
    source = "vegkategori"
    if cat_col is not None:
        cat = _text(raw, cat_col).str.strip().str.upper()
        _check_categories(cat, path, cat_col)
        cat = cat.mask(cat == "", from_ref[0].str.upper())
    else:
        cat = from_ref[0].str.upper()
        source = "vegnummer" if ref_col is not None else "ingen"
    number = (from_ref[0].str.upper() + "V " + from_ref[1]).where(from_ref[1].notna(), ref)
    adt = pd.Series(np.nan, index=raw.index)
    adt_col = find_column(raw, ADT_COLUMNS)
    if adt_col is not None:
        adt = to_numbers(raw[adt_col], file=path, field=adt_col, feature=True)
        negative = (adt < 0).to_numpy()
        if negative.any():
            pos = int(np.flatnonzero(negative)[0])
            raise InputError(
                f"ÅDT kan ikke være negativ: {adt.iloc[pos]:g}",
                file=path,
                line=pos + 1,
                field=adt_col,
                feature=True,
            )
    name_col = find_column(raw, NAME_COLUMNS)
    keep = _for_cars(raw, report)
    return gpd.GeoDataFrame(
        {
            "vegkategori": cat.fillna(UNKNOWN).replace("", UNKNOWN).to_numpy(dtype=object),
            "vegnummer": number.fillna("").to_numpy(dtype=object),
            "vegnavn": _text(raw, name_col).to_numpy(dtype=object),
            "adt": adt.to_numpy(dtype="float64"),
            "kategori_kilde": source,
        },
        geometry=raw.geometry.to_numpy(),
        crs=WORK_CRS,
    ).loc[keep]


def _suffix_column(df: pd.DataFrame, suffix: str) -> str | None:
    """A column whose name ends with ``suffix`` (GDAL flattens Elveg's nested properties into
    names such as ``vegsystemreferanse_vegsystem_vegkategori``)."""
    for col in df.columns:
        if str(col).lower().endswith(suffix.lower()):
            return str(col)
    return None


def _text(df: pd.DataFrame, col: str | None) -> pd.Series:
    """A column as stripped text (empty where missing or when there is no such column)."""
    if col is None:
        return pd.Series("", index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip()


def _check_categories(cat: pd.Series, path: Path, field: str) -> None:
    """Fail on the first category that is not one of NVDB's codes (empty is allowed)."""
    bad = ~(cat.isin(CATEGORIES) | (cat == "")).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"ukjent vegkategori {cat.iloc[pos]!r}; ventet en av {', '.join(CATEGORIES)} "
            "(europa-, riks-, fylkes-, kommunal, privat veg, skogsbilveg)",
            file=path,
            line=pos + 1,
            field=field,
            feature=True,
        )


def _for_cars(raw: gpd.GeoDataFrame, report: RunReport) -> np.ndarray:
    """Which lines are roads for cars: not walking, cycling or ferry links nor roads not (yet)
    built, when the file says."""
    keep = np.ones(len(raw), dtype=bool)
    type_col = find_column(raw, TYPE_COLUMNS)
    if type_col is not None:
        keep &= ~_text(raw, type_col).str.contains(NOT_FOR_CARS).to_numpy(dtype=bool)
    phase_col = find_column(raw, PHASE_COLUMNS)
    if phase_col is not None:
        phase = _text(raw, phase_col).str.upper()
        keep &= ((phase == "") | (phase == "V")).to_numpy(dtype=bool)
    report.warn(
        "read",
        "roads_left_out",
        "veglenker holdt utenfor (gang- og sykkelveg, ferje eller ikke bygd veg)",
        int((~keep).sum()),
    )
    return keep


def _lines(roads: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Single LineStrings of positive length (multi-lines exploded).

    Raises
    ------
    InputError
        No line of any length.
    """
    kinds = ", ".join(map(str, roads.geom_type.dropna().unique())) or "ingen objekter"
    roads = roads.explode(ignore_index=True)
    geoms = roads.geometry.to_numpy()
    ok = (shapely.get_type_id(geoms) == 1) & (shapely.length(geoms) > 0)
    if not ok.any():
        raise InputError(f"vegene: ingen linjer med lengde (fant {kinds})", file=path)
    return roads.loc[ok, ROAD_COLUMNS].reset_index(drop=True)
