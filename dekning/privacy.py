"""The small-group rule for everything published: a group (cell, area, postcode) describing
fewer than ``min_count`` addresses or answers shows no figure of its own.

Survey answers and household counts per address are personal data (GDPR). The public map, the
public API and public tables use this one rule; the threshold is ``privacy.min_cell_count``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def is_small(counts: pd.Series | np.ndarray, min_count: int) -> np.ndarray:
    """Boolean mask of groups that must not be published on their own (``counts < min_count``)."""
    return np.asarray(counts) < min_count


def suppress(
    table: pd.DataFrame,
    count_column: str,
    min_count: int,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Blank every figure of small groups and flag them.

    Parameters
    ----------
    table
        One row per group.
    count_column
        The column whose value decides (addresses or answers in the group).
    min_count
        Groups with fewer are suppressed.
    keep
        Key columns left as they are (the group's id).

    Returns
    -------
    pandas.DataFrame
        A copy: figures of small groups are missing (the count column included; integer columns
        become nullable ``Int64``, so counts stay whole numbers) and a column ``skjult`` (bool)
        says which groups were suppressed.
    """
    out = table.copy()
    small = is_small(out[count_column], min_count)
    for col in (c for c in out.columns if c not in keep):
        series = out[col]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            series = series.astype("object")
        elif pd.api.types.is_integer_dtype(series):
            series = series.astype("Int64")
        out[col] = series.mask(small)
    out["skjult"] = small
    return out


def small_figures(
    table: pd.DataFrame, count_column: str, min_count: int, figures: Sequence[str]
) -> pd.DataFrame:
    """Which figures to hide, figure by figure: a count under ``min_count``, and every figure of
    a group with fewer than ``min_count`` members (``count_column``).

    Returns
    -------
    pandas.DataFrame
        Boolean, one column per figure of ``figures``, indexed like ``table``.
    """
    small_group = is_small(table[count_column], min_count)
    return pd.DataFrame(
        {name: small_group | is_small(table[name], min_count) for name in figures},
        index=table.index,
    )


__all__ = ["is_small", "small_figures", "suppress"]
