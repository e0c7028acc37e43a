"""Read input files shared by every stage.

Tables: CSV (``;`` or ``,``, UTF-8 with/without BOM or Windows-1252), Parquet and XLSX, all as
strings first so that leading zeros (postnummer, kommunenummer) survive. Vectors: any format
GDAL reads, reprojected to EPSG:25833.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyogrio
import pyogrio.errors
import shapely

from dekning.crs import WORK_CRS
from dekning.errors import InputError, data_line


def sniff_encoding(raw: bytes) -> str:
    """``utf-8-sig`` when the bytes decode as UTF-8 (with or without BOM), else ``cp1252``."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of ``;``, ``,`` and tab in the header line (``;`` when none occurs)."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def read_table(
    path: str | Path,
    *,
    what: str = "table",
    columns: Sequence[str] | None = None,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    parquet_columns: Sequence[str] | None = None,
    integers: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a CSV/TXT, Parquet or XLSX file into a DataFrame of strings (Parquet keeps dtypes).

    Parameters
    ----------
    path
        The file; its suffix decides the format (anything but ``.parquet``/``.xlsx``/``.xlsm``
        is read as delimited text).
    what
        Names the file in errors, e.g. ``"address register"``.
    columns
        Column names (case-insensitive) to keep; others are not read. None keeps all.
    numeric
        Column names (case-insensitive) that CSV reading parses as numbers straight away. When a
        value of such a column does not parse, that column is read as strings instead, so that
        :func:`to_numbers` can name the bad row.
    categorical
        Column names (case-insensitive) of codes with few distinct values (operators,
        technologies, yes/no) that CSV reading returns as categoricals of strings: millions
        of rows cost a fraction of a second, and each distinct value is looked at once.
    integers
        Column names (case-insensitive) that CSV reading parses as whole numbers (int64)
        straight away (ids, counts, kbit/s). A column with a fraction in it is read as
        ``numeric`` instead, one with text as strings.
    parquet_columns
        Column names (case-insensitive) to read from a Parquet file, the others never leave
        the disk (national files are wide and long); other formats are read whole, so that
        an error can list every column the file has. None: every column.

    Raises
    ------
    InputError
        The file is missing, empty or not readable in any of these formats.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"fant ikke fila ({what})", file=path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return _read_parquet(path, columns if columns is not None else parquet_columns)
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path, what)
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
        if not head.strip():
            raise InputError(f"fila er tom ({what})", file=path)
        # Decide the encoding on the first MiB; a late non-UTF-8 byte is caught below.
        encoding = sniff_encoding(head[: head.rfind(b"\n") + 1] or head)
        first = head.decode(encoding, errors="replace").splitlines()[0]
        df = _read_csv(
            path, sniff_delimiter(first), encoding, columns, numeric, categorical, integers
        )
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise InputError(f"kan ikke lese {what}: {err}", file=path) from None
    df.columns = pd.Index([str(c).strip() for c in df.columns])
    return df


def _read_parquet(path: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    """A Parquet file with its types; only ``columns`` (case-insensitive) when given, or every
    column when none of them is there (the caller's check then names what is missing)."""
    if columns is None:
        return pd.read_parquet(path)
    wanted = {c.lower() for c in columns}
    names = [n for n in pq.read_schema(path).names if n.lower() in wanted]
    return pd.read_parquet(path, columns=names) if names else pd.read_parquet(path)


def _read_xlsx(path: Path, what: str) -> pd.DataFrame:
    """The first sheet of a workbook, as strings.

    Raises
    ------
    InputError
        The file is not a readable workbook (not a zip, a damaged or encrypted one).
    """
    try:
        df = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as err:  # openpyxl raises many kinds on a damaged workbook:
        # (BadZipFile, KeyError, XML ParseError, InvalidFileException, ValueError, ...)
        raise InputError(
            f"kan ikke lese {what} som Excel-arbeidsbok (skadet eller ikke .xlsx): "
            f"{type(err).__name__}: {str(err)[:200]}",
            file=path,
        ) from None
    df.columns = pd.Index([str(c).strip() for c in df.columns])
    return df


def _read_csv(
    path: Path,
    sep: str,
    encoding: str,
    columns: Sequence[str] | None = None,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    integers: Sequence[str] = (),
) -> pd.DataFrame:
    """Columns as strings (``numeric`` ones as float64, ``integers`` as int64, ``categorical``
    ones as categoricals of strings), with pyarrow's multi-threaded reader.

    An ``integers`` column with a value that is not a whole number is read again as a
    ``numeric`` one, a ``numeric`` column with a value that is not a number as strings (the
    caller names the bad row); a file that is not UTF-8 is read as Windows-1252.
    """
    with path.open("rb") as fh:
        header = fh.readline().decode(encoding, errors="replace").lstrip("\ufeff")
    names = [n.strip() for n in next(csv.reader([header.rstrip("\r\n")], delimiter=sep))]
    wanted = {c.lower() for c in columns} if columns is not None else None
    keep = [n for n in names if wanted is None or n.lower() in wanted]
    as_number = {c.lower() for c in numeric}
    as_integer = {c.lower() for c in integers} - as_number
    as_code = {c.lower() for c in categorical}
    codes = pa.dictionary(pa.int32(), pa.string())
    types = {
        n: pa.int64()
        if n.lower() in as_integer
        else pa.float64()
        if n.lower() in as_number
        else codes
        if n.lower() in as_code
        else pa.string()
        for n in keep
    }
    read_options = pacsv.ReadOptions(
        encoding="utf8" if encoding.startswith("utf") else encoding,
        block_size=1 << 24,
        column_names=names,
        skip_rows=1,
    )
    try:
        table = pacsv.read_csv(
            path,
            read_options=read_options,
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=keep,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        if encoding.startswith("utf") and "UTF8" in str(err).upper().replace("-", ""):
            return _read_csv(path, sep, "cp1252", columns, numeric, categorical, integers)
        # only the column that does not parse is read again, as the next looser kind
        bad = re.match(r"In CSV column #(\d+): CSV conversion error to", str(err))
        col = names[int(bad.group(1))].lower() if bad and int(bad.group(1)) < len(names) else ""
        others = tuple(c for c in integers if c.lower() != col)
        if col in as_integer:  # a fraction, or a number too large: as float64
            return _read_csv(path, sep, encoding, columns, (*numeric, col), categorical, others)
        if col in as_number:  # not a number: as text
            rest = tuple(c for c in numeric if c.lower() != col)
            return _read_csv(path, sep, encoding, columns, rest, categorical, others)
        if numeric or integers:
            return _read_csv(path, sep, encoding, columns, (), categorical, ())
        raise ValueError(str(err).splitlines()[0]) from None
    # one block per column: no copy into 2-D blocks (the callers take columns one by one)
    return table.to_pandas(split_blocks=True, self_destruct=True)


def map_values(
    values: pd.Series | np.ndarray, mapping: Mapping[Any, Any], default: object = None
) -> np.ndarray:
    """``mapping`` applied to a column with few distinct values (codes), fast at millions of rows.

    Returns
    -------
    numpy.ndarray
        Object array, one mapped value per element; ``default`` for values not in ``mapping``.
    """
    codes, uniques = pd.factorize(np.asarray(values), use_na_sentinel=True)
    mapped = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=object)
    return mapped[codes]


def find_column(df: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    """The first column whose name matches one of ``candidates`` (case-insensitive)."""
    lower = {str(c).lower(): str(c) for c in df.columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def require_columns(
    df: pd.DataFrame, wanted: Mapping[str, Sequence[str]], *, file: str | Path, what: str
) -> dict[str, str]:
    """Map dekning's field names to the file's column names, or fail naming the missing ones.

    Raises
    ------
    InputError
        Naming every missing field with its accepted column names, and the file's columns;
        ``field`` is the first missing field.
    """
    found = {name: find_column(df, cands) for name, cands in wanted.items()}
    missing = [name for name, col in found.items() if col is None]
    if missing:
        listed = "; ".join(f"{name} (en av: {', '.join(wanted[name])})" for name in missing)
        raise InputError(
            f"{what}: mangler kolonne(r) {listed}; fila har: {', '.join(map(str, df.columns))}",
            file=file,
            field=missing[0],
        )
    return {name: col for name, col in found.items() if col is not None}


def to_numbers(
    series: pd.Series,
    *,
    file: str | Path,
    field: str,
    integer: bool = False,
    feature: bool = False,
) -> pd.Series:
    """Parse a column of numbers written with decimal point or comma; fail naming the first bad row.

    Empty strings become NaN (floats) or are an error (``integer=True``). The common case is cast
    in one vectorised pyarrow call; only on failure is the column scanned to name the bad row.

    Returns
    -------
    pandas.Series
        float64 (int64 with ``integer``), indexed like ``series``.

    Raises
    ------
    InputError
        A value that is not a number (or infinite), an empty value or a fraction where a whole
        number is needed; with the line (:func:`~dekning.errors.data_line`; with ``feature``
        the 1-based feature number of a vector file) and ``field``.
    """
    where = _where(feature)
    if integer and isinstance(series.dtype, np.dtype) and series.dtype.kind == "i":
        return pd.Series(series.to_numpy().astype("int64", copy=False), index=series.index)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = _parse_text(series, file=file, field=field, feature=feature)
    if np.isinf(values).any():
        pos = int(np.flatnonzero(np.isinf(values))[0])
        shown = series.iloc[pos] if series.dtype == object else f"{values[pos]:g}"
        raise InputError(f"ikke et endelig tall: {shown}", file=file, field=field, **where(pos))
    if integer:
        bad = np.isnan(values) | (values != np.floor(values))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            problem = "tom verdi" if np.isnan(values[pos]) else f"ikke et heltall: {values[pos]:g}"
            raise InputError(problem, file=file, field=field, **where(pos))
        return pd.Series(values.astype("int64"), index=series.index)
    return pd.Series(values, index=series.index)


TRUE_WORDS = ("true", "t", "1", "1.0", "ja", "j", "yes", "y", "sann")
FALSE_WORDS = ("false", "f", "0", "0.0", "nei", "n", "no", "usann")
"""How input files write yes and no (trimmed, any case): ``True``/``False`` (pandas, Nkom),
``SANN``/``USANN`` (a Norwegian spreadsheet), ``1``/``0``, ``ja``/``nei``, ``yes``/``no``."""


def to_booleans(
    series: pd.Series,
    *,
    file: str | Path,
    field: str,
    empty: bool | None = None,
    meaning: str = "",
    feature: bool = False,
) -> np.ndarray:
    """A yes/no column as bool: the words of :data:`TRUE_WORDS` and :data:`FALSE_WORDS`, or
    the bools of a Parquet column. Each distinct value is looked at once.

    Parameters
    ----------
    empty
        What an empty value means; None: an empty value is an error.
    meaning
        What yes and no mean, for the error message (e.g. ``"ja: i et tettsted"``).

    Raises
    ------
    InputError
        A value that is neither yes nor no (or empty, unless ``empty`` says what it means),
        naming the file, the line (:func:`~dekning.errors.data_line`; with ``feature`` the
        1-based feature number) and the field.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    words = [str(u).strip().lower() for u in uniques]
    blank = np.array([w == "" for w in words] + [True], dtype=bool)
    yes = np.array([w in TRUE_WORDS for w in words] + [bool(empty)], dtype=bool)
    known = np.array([w in TRUE_WORDS or w in FALSE_WORDS for w in words] + [False], dtype=bool)
    known |= blank & (empty is not None)
    yes[blank] = bool(empty)
    bad = ~known[codes]
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        shown = "en tom verdi" if blank[codes[pos]] else repr(series.iloc[pos])
        said = f" ({meaning})" if meaning else ""
        raise InputError(
            f"må være ja eller nei{said}: True/False, ja/nei, sann/usann eller 1/0; fant {shown}",
            file=file,
            field=field,
            **_where(feature)(pos),
        )
    return yes[codes]


def _where(feature: bool) -> Callable[[int], dict[str, Any]]:
    """``line`` and ``feature`` keywords of :class:`InputError` for a 0-based row position."""

    def where(pos: int) -> dict[str, Any]:
        return {"line": pos + 1 if feature else data_line(pos), "feature": feature}

    return where


def _parse_text(
    series: pd.Series, *, file: str | Path, field: str, feature: bool = False
) -> np.ndarray:
    """float64 values of a text column (decimal comma, spaces as thousands separators; empty is
    NaN). Raises :class:`InputError` at the first value that is not a number."""
    if series.dtype == object:  # None/NaN (e.g. null in GeoJSON) are empty values
        text = series.where(series.notna(), "").astype(str).to_numpy(dtype=object)
        arr = pa.array(text, type=pa.string())
    else:  # pandas' strings are arrow strings already: no Python objects in between
        arr = pa.array(cast(Any, series.astype("string[pyarrow]").array)).cast(pa.string())
        arr = pc.fill_null(arr, "")
    arr = pc.utf8_trim_whitespace(arr)
    if pc.any(pc.match_substring(arr, ",")).as_py():
        arr = pc.replace_substring(arr, ",", ".")
    if pc.any(pc.match_substring(arr, " ")).as_py():
        arr = pc.replace_substring(arr, " ", "")
    empty = pc.equal(pc.utf8_length(arr), pa.scalar(0, pa.int32()))
    try:
        parsed = pc.cast(pc.if_else(empty, pa.scalar(None, pa.string()), arr), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        cleaned = pd.Series(arr.to_pandas(), index=series.index)
        bad = pd.to_numeric(cleaned, errors="coerce").isna() & (cleaned != "")
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"ikke et tall: {series.iloc[pos]!r}", file=file, field=field, **_where(feature)(pos)
        ) from None
    return np.asarray(parsed, dtype="float64")  # nulls (empty values) become NaN


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
        raise InputError(f"fant ikke fila ({what})", file=path)
    try:
        with warnings.catch_warnings():
            # pyogrio warns when a GeoJSON field mixes types (a number and an empty string);
            # the column stays text and the stage that reads it says what is wrong, in bokmål
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            gdf = pyogrio.read_dataframe(path)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        shapely.errors.GEOSException,  # a malformed geometry (a line of one point)
        OSError,
    ) as err:
        raise InputError(f"kan ikke lese {what}: {str(err).strip()}", file=path) from None
    if gdf.crs is None:
        raise InputError(
            f"{what}: ikke noe koordinatsystem; sett ett (EPSG:25833 ventet)", file=path
        )
    repaired = 0
    if repair:
        invalid = ~shapely.is_valid(gdf.geometry.to_numpy())
        repaired = int(invalid.sum())
        gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    out = gdf.to_crs(WORK_CRS)
    out.attrs["repaired"] = repaired
    return out


def read_lines(path: str | Path, what: str) -> gpd.GeoDataFrame:
    """Read road or duct centre lines (any vector format and CRS) into EPSG:25833 LineStrings.

    Raises
    ------
    InputError
        As :func:`read_vector`, or the file holds no line geometry of any length (empty and
        zero-length lines are left out).
    """
    path = Path(path)
    gdf = read_vector(path, what).explode(ignore_index=True)
    geoms = gdf.geometry.to_numpy()
    # empty and zero-length lines carry no way: left out
    lines = gdf[(gdf.geom_type == "LineString").to_numpy() & (shapely.length(geoms) > 0)]
    if lines.empty:
        raise InputError(
            f"{what}: ingen linjer med lengde (fant "
            f"{', '.join(map(str, gdf.geom_type.unique())) or 'ingen objekter'})",
            file=path,
        )
    return lines[["geometry"]].reset_index(drop=True)
