"""Read the counts per address (Nkom's ``adr`` layout): households, persons, holiday homes,
businesses and public buildings per address id."""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from dekning.coverage.read.addresses import ID_COLUMNS
from dekning.errors import InputError, data_line
from dekning.io import find_column, read_table, require_columns, to_booleans, to_numbers
from dekning.report import RunReport

COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "hus": ("hus", "husstander", "households"),
    "pers": ("pers", "personer", "bosatte"),
    "fritid": ("fritid", "fritidsboliger", "hytter"),
    "naering": ("naering", "næring", "bedrifter", "virksomheter"),
    "offentlig": ("offentlig", "offentlige_bygg", "public"),
}
SETTLEMENT_COLUMNS = ("ertett", "tettsted", "er_tett")
"""Accepted names of Nkom's ``ertett`` (True: the address lies in a tettsted, SSB's urban
settlement; False: spredtbygd)."""
MAX_COUNT_PER_ADDRESS = 10_000
"""Most households, persons, holiday homes, businesses or public buildings one address may
have; a larger count is a typo or a corrupt file."""


def _count_values(df: pd.DataFrame, col: str, path: Path) -> pd.Series:
    """One count column as int64 (empty means 0).

    Raises
    ------
    InputError
        A count over :data:`MAX_COUNT_PER_ADDRESS`, a fraction or a negative count, with its
        line and field.
    """
    values = to_numbers(df[col], file=path, field=col).fillna(0.0)
    checks = (
        (
            values > MAX_COUNT_PER_ADDRESS,
            f"usannsynlig antall {{}}: over {MAX_COUNT_PER_ADDRESS} på én adresse",
        ),
        (values != np.floor(values), "ikke et heltall: {}"),
        (values < 0, "negativt antall {}"),
    )
    for bad, message in checks:
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                message.format(f"{values.iloc[pos]:g}"), file=path, line=data_line(pos), field=col
            )
    return values.astype("int64")


def read_address_counts(path: str | Path, report: RunReport | None = None) -> pd.DataFrame:
    """Counts per address id: ``hus``, ``pers``, ``fritid``, ``naering``, ``offentlig`` (int64).

    Reads Nkom's ``adr`` as published (``adrid, fylke, komnavn, ertett, hus, pers, fritid``;
    CSV with ``;`` or ``,``, or Parquet) and the same layout with ``naering`` and ``offentlig``
    added. Columns that the file lacks are filled with 0; ``hus`` is required. Empty values are
    0. ``fylke`` and ``komnavn`` are not kept (the address register names the municipality).

    Returns
    -------
    pandas.DataFrame
        ``adrid`` (int64), the five counts (int64) and, when the file has ``ertett``
        (:data:`SETTLEMENT_COLUMNS`), ``ertett`` (bool: in a tettsted) for the aggregates by
        tettsted and spredtbygd.

    Raises
    ------
    InputError
        No id or ``hus`` column, a count that is a fraction, negative or over
        :data:`MAX_COUNT_PER_ADDRESS`, an ``ertett`` that is neither true nor false, or an id
        that occurs twice; with the line and field.
    """
    path = Path(path)
    df = read_table(
        path,
        what="adressebruksfila",
        integers=("adrid", "adresseId", "hus", "pers", "fritid", "naering"),
        categorical=SETTLEMENT_COLUMNS,
        parquet_columns=(
            *ID_COLUMNS["adrid"],
            *chain(*COUNT_COLUMNS.values()),
            *SETTLEMENT_COLUMNS,
        ),
    )
    cols = require_columns(
        df,
        {"adrid": ID_COLUMNS["adrid"], "hus": COUNT_COLUMNS["hus"]},
        file=path,
        what="adressebruksfila",
    )
    out = pd.DataFrame(
        {"adrid": to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)}
    )
    for field, cands in COUNT_COLUMNS.items():
        col = find_column(df, cands)
        out[field] = 0 if col is None else _count_values(df, col, path)
    settlement = find_column(df, SETTLEMENT_COLUMNS)
    if settlement is not None:
        out["ertett"] = to_booleans(
            df[settlement],
            file=path,
            field=settlement,
            meaning="ja: i et tettsted, nei: spredtbygd",
        )
    dup = out["adrid"].duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"adresse-id {out['adrid'].iloc[pos]} finnes to ganger",
            file=path,
            line=data_line(pos),
            field=cols["adrid"],
        )
    return out
