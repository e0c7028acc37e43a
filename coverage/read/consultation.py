"""Read Nkom's consultation lists ("Mangler_100Mbit"/"Mangler_30Mbit"): addresses lacking an
offer, with their id."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dekning.io import read_table, require_columns, to_numbers
from dekning.report import RunReport


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
    df = read_table(path, what="høringslista")
    cols = require_columns(
        df,
        {"adrid": ("adresseid", "adresseId", "adrid", "lokalid", "adresse_id")},
        file=path,
        what="høringslista",
    )
    ids = to_numbers(df[cols["adrid"]], file=path, field=cols["adrid"], integer=True)
    return pd.DataFrame({"adrid": ids.drop_duplicates().to_numpy()})
