"""Read Nkom's per-address mobile file (``mob``): one row per address × operator × technology.

As published (DOMAIN.md §9.2): ``adrid, tilb, tek, ned``, where ``tilb`` is the operator
(``telenor``, ``telia``, ``ice``), ``tek`` is ``4g`` or ``5g`` and ``ned`` the modelled maximum
download in kbit/s. The model is *outdoor* ("basis") coverage: the file has no signal level and
no indoor/outdoor column, so it cannot tell indoor coverage from outdoor coverage.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from dekning.coverage.read.fixed import (
    COLUMN_NAMES,
    category_code_type,
    check_kbps,
    checked_speeds,
    distinct_values,
    keep_fastest,
    normalised_codes,
)
from dekning.errors import InputError, data_line
from dekning.io import read_table, require_columns, to_numbers
from dekning.report import RunReport

MOBILE_TECHNOLOGIES = ("4g", "5g")
"""Technologies of Nkom's ``mob`` rows."""
MOBILE_TECH_ALIASES = {
    "4g": "4g",
    "4": "4g",
    "lte": "4g",
    "4g lte": "4g",
    "5g": "5g",
    "5": "5g",
    "nr": "5g",
    "5g nr": "5g",
}
"""Accepted spellings (trimmed, lower case) of each technology."""
MOBILE_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "adrid": COLUMN_NAMES["adrid"],
    "tilb": (*COLUMN_NAMES["tilb"], "operatør", "operatoer"),
    "tek": COLUMN_NAMES["tek"],
    "ned": (*COLUMN_NAMES["ned"], "ned_kbps", "nedlasting_kbps"),
}
"""Accepted column names of each field of the ``mob`` rows."""
WHAT = "mobilfila (mob)"


def read_mobile_rows(path: str | Path, report: RunReport | None = None) -> pd.DataFrame:
    """Read Nkom's ``mob`` file (CSV with ``;`` or ``,``, or Parquet) as published.

    Parameters
    ----------
    path
        The file, with ``adrid, tilb, tek, ned`` (column names as in
        :data:`MOBILE_COLUMN_NAMES`, any case).
    report
        Counts rows repeating an address × operator × technology.

    Returns
    -------
    pandas.DataFrame
        ``adrid`` (int64), ``tilb`` (categorical, trimmed lower case, sorted categories),
        ``tek`` (categorical, one of :data:`MOBILE_TECHNOLOGIES`), ``ned`` (int64, kbit/s,
        modelled outdoor download). One row per address × operator × technology: of repeated
        rows the fastest is kept, and the dropped rows are counted in ``report``.

    Raises
    ------
    InputError
        A missing column, an empty or non-integer address id, an empty operator, an unknown
        technology, an empty, non-numeric, negative or implausible (over
        :data:`~dekning.coverage.read.fixed.MAX_SPEED_KBPS`) download, or downloads that look
        like Mbit/s; naming the file, the line (the header is line 1) and the field.
    """
    path = Path(path)
    report = report if report is not None else RunReport()
    df = read_table(
        path,
        what=WHAT,
        integers=("adrid", "adresseId", "ned", "nedlasting", "down"),
        categorical=(*MOBILE_COLUMN_NAMES["tilb"], *MOBILE_COLUMN_NAMES["tek"]),
        parquet_columns=tuple(chain(*MOBILE_COLUMN_NAMES.values())),
    )
    cols = require_columns(df, MOBILE_COLUMN_NAMES, file=path, what=WHAT)
    adrid = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    tilb = _operators(df[cols["tilb"]], file=path, field=cols["tilb"])
    tek = _technologies(df[cols["tek"]], file=path, field=cols["tek"])
    out = pd.DataFrame(
        {
            "adrid": adrid.to_numpy(),
            "tilb": tilb,
            "tek": tek,
            "ned": _downloads(df[cols["ned"]], tek, file=path, field=cols["ned"]),
        }
    )
    return _fastest(out, report, file=path)


def _operators(values: pd.Series, *, file: Path, field: str) -> pd.Categorical[str]:
    """Operator names trimmed and in lower case (Nkom writes ``telenor``, ``telia``, ``ice``),
    as a categorical with sorted categories.

    Raises
    ------
    InputError
        An empty operator name, with its line.
    """
    codes, uniques = distinct_values(values)
    clean = pd.Index([u.strip().lower() for u in uniques])
    if (clean == "").any():
        pos = int(np.flatnonzero(np.isin(codes, np.flatnonzero(clean == "")))[0])
        raise InputError("tom operatør (tilbyder)", file=file, line=data_line(pos), field=field)
    names = pd.Index(sorted(set(clean)))
    index = names.get_indexer(clean).astype(category_code_type(len(names)))
    return pd.Categorical.from_codes(index[codes], categories=names)


def _technologies(values: pd.Series, *, file: Path, field: str) -> pd.Categorical[str]:
    """Technology codes as ``4g``/``5g`` (:data:`MOBILE_TECH_ALIASES`).

    Raises
    ------
    InputError
        A code that is neither, naming its first line and up to five unknown codes.
    """
    return normalised_codes(
        values,
        MOBILE_TECH_ALIASES,
        MOBILE_TECHNOLOGIES,
        file=file,
        field=field,
        what="mobilteknologi",
    )


def _downloads(
    values: pd.Series, tek: pd.Categorical[str], *, file: Path, field: str
) -> np.ndarray:
    """Modelled downloads (int64, kbit/s, rounded).

    Raises
    ------
    InputError
        An empty, non-numeric, negative or implausibly high value, or a file whose fastest row
        is at most 2 000 (2 Mbit/s if kbit/s: the column is almost surely in Mbit/s).
    """
    v = to_numbers(values, file=file, field=field).to_numpy()
    v = checked_speeds(v, file=file, field=field, what="nedlastingshastighet")
    check_kbps(
        v,
        tek,
        file=file,
        field=field,
        fast=(),
        hint="Nkoms mob-fil er i kbit/s. Gang med 1000",
    )
    return np.round(v).astype("int64")


def _fastest(out: pd.DataFrame, report: RunReport, *, file: Path) -> pd.DataFrame:
    """One row per address × operator × technology, the fastest; dropped rows are counted in
    ``report`` with their address ids."""
    return keep_fastest(
        out,
        MOBILE_TECHNOLOGIES,
        ("ned",),
        report,
        code="mobile_rows_duplicates",
        message=f"{file.name}: rader som gjentar en adresse × operatør × teknologi; den "
        "raskeste er beholdt",
    )
