"""Read tabular input files: CSV (``;`` or ``,``, UTF-8 with/without BOM or Windows-1252),
Parquet and XLSX, all as strings first so that leading zeros (postnummer, kommunenummer) survive.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from dekning.errors import InputError


def sniff_encoding(raw: bytes) -> str:
    """``utf-8-sig`` when the bytes decode as UTF-8 (with or without BOM), else ``cp1252``."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of ``;``, ``,`` and tab in the header line."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def read_table(path: str | Path, *, what: str = "table") -> pd.DataFrame:
    """Read a CSV/TXT, Parquet or XLSX file into a DataFrame of strings (Parquet keeps dtypes).

    Raises
    ------
    InputError
        The file is missing, empty or not readable in any of these formats.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} file not found", file=path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
        if not head.strip():
            raise InputError(f"{what} file is empty", file=path)
        # Decide the encoding on the first MiB; a late non-UTF-8 byte is caught below.
        encoding = sniff_encoding(head[: head.rfind(b"\n") + 1] or head)
        first = head.decode(encoding, errors="replace").splitlines()[0]
        df = _read_csv(path, sniff_delimiter(first), encoding)
    except InputError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise InputError(f"cannot read {what}: {err}", file=path) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_csv(path: Path, sep: str, encoding: str) -> pd.DataFrame:
    """All columns as strings, with pyarrow's multi-threaded reader (falls back to cp1252)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open("rb") as fh:
        header = fh.readline().decode(encoding, errors="replace").lstrip("\ufeff")
    names = next(csv.reader([header.rstrip("\r\n")], delimiter=sep))
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if encoding.startswith("utf") else encoding, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        if encoding.startswith("utf") and "UTF8" in str(err).upper().replace("-", ""):
            return _read_csv(path, sep, "cp1252")
        raise ValueError(str(err).splitlines()[0]) from None
    df = table.to_pandas()
    df.columns = [str(c).lstrip("\ufeff") for c in df.columns]
    return df


def find_column(df: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    """The first column whose name matches one of ``candidates`` (case-insensitive)."""
    lower = {c.lower(): c for c in df.columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def require_columns(
    df: pd.DataFrame, wanted: dict[str, tuple[str, ...]], *, file: str | Path, what: str
) -> dict[str, str]:
    """Map dekning's field names to the file's column names, or fail naming the missing ones."""
    found: dict[str, str] = {}
    missing = []
    for field, cands in wanted.items():
        col = find_column(df, cands)
        if col is None:
            missing.append(f"{field} (one of: {', '.join(cands)})")
        else:
            found[field] = col
    if missing:
        raise InputError(
            f"{what}: missing column(s) {'; '.join(missing)}; the file has: {', '.join(df.columns)}",
            file=file,
        )
    return found


def to_numbers(
    series: pd.Series, *, file: str | Path, field: str, integer: bool = False
) -> pd.Series:
    """Parse a column of numbers written with decimal point or comma; fail naming the first bad row."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("int64" if integer else "float64")
    text = (
        series.astype(str)
        .str.strip()
        .str.replace(",", ".", regex=False)
        .str.replace(" ", "", regex=False)
    )
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & (text != "")
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"not a number: {series.iloc[pos]!r}", file=file, row=pos + 1, field=field)
    if integer:
        if values.isna().any():
            pos = int(values.isna().to_numpy().nonzero()[0][0])
            raise InputError("empty value", file=file, row=pos + 1, field=field)
        return values.astype("int64")
    return values.astype("float64")
