"""Aggregates a planner quotes: households, holiday homes and businesses per speed class,
by kommune, postnummer, grunnkrets, SSB grid cell, or tettsted / spredtbygd (Nkom's ``ertett``)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.crs import require_crs
from dekning.schema import (
    MOBILE_ANY_COLUMN,
    SETTLEMENT_COLUMN,
    SETTLEMENT_LABELS,
    SETTLEMENT_UNKNOWN,
    SPEED_CLASSES,
    TARGET_DOWN_KBPS,
    require,
)

GROUPINGS = ("kommunenummer", "postnummer", "grunnkrets", "ssb_rute_250", SETTLEMENT_COLUMN)
"""Groupings of the aggregates; a run makes those its classified addresses have columns for
(``ertett`` only when the counts file has Nkom's ``ertett``: see :func:`settlement`)."""
COUNTED = ("hus", "fritid", "naering")
"""Counts summed per group and speed class."""


def settlement(ids: np.ndarray, counts: pd.DataFrame | None) -> np.ndarray | None:
    """Tettsted or spredtbygd of every address id, for the ``ertett`` grouping.

    Parameters
    ----------
    ids
        Address ids (``adrid``), e.g. of the classified addresses.
    counts
        :func:`dekning.coverage.read.counts.read_address_counts`'s frame.

    Returns
    -------
    numpy.ndarray or None
        Object array of :data:`~dekning.schema.SETTLEMENT_LABELS` values (``tettsted``,
        ``spredtbygd``), :data:`~dekning.schema.SETTLEMENT_UNKNOWN` for an id without a counts
        row; None when there are no counts or they lack ``ertett``.
    """
    if counts is None or SETTLEMENT_COLUMN not in counts.columns:
        return None
    flag = pd.Series(counts[SETTLEMENT_COLUMN].to_numpy(dtype=bool), index=counts["adrid"])
    pos = flag.index.get_indexer(pd.Index(np.asarray(ids)))
    labels = np.array(
        [SETTLEMENT_LABELS[False], SETTLEMENT_LABELS[True], SETTLEMENT_UNKNOWN], dtype=object
    )
    code = np.where(pos >= 0, flag.to_numpy()[pos].astype("int64"), 2)
    return labels[code]


def aggregate(classified: gpd.GeoDataFrame, by: str) -> pd.DataFrame:
    """Counts per group and speed class, plus eligible units and mobile gaps.

    Parameters
    ----------
    classified
        Output of :func:`dekning.coverage.classify.fixed.classify` (EPSG:25833).
    by
        Grouping column: one of :data:`GROUPINGS` (or any column of ``classified``); for
        ``ertett`` one row each for ``tettsted`` and ``spredtbygd`` (and ``ukjent``), as Nkom
        splits its statistics.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``adresser``; ``hus_<class>``, ``fritid_<class>``,
        ``naering_<class>`` for every speed class; ``hus``, ``fritid``, ``naering`` totals;
        ``hus_uten_100`` (households without an offer of
        :data:`~dekning.schema.TARGET_DOWN_KBPS`); ``stotteberettigede_enheter``;
        ``hus_uten_mobil`` (households where no operator is satisfactory) when mobile data exist.

    Raises
    ------
    InputError
        ``classified`` is not in EPSG:25833, or lacks ``by`` or a counted column.
    """
    require_crs(classified, "classified addresses (aggregate)")
    needed = [by, *COUNTED, "speed_class", "best_down_kbps", "eligible_units"]
    require(classified, needed, "classified addresses (aggregate)")
    df = pd.DataFrame(classified.drop(columns="geometry", errors="ignore"))
    df["speed_class"] = pd.Categorical(df["speed_class"], categories=SPEED_CLASSES)
    counts = df.pivot_table(
        index=by,
        columns="speed_class",
        values=list(COUNTED),
        aggfunc="sum",
        fill_value=0,
        observed=False,
    )
    counted, cls = counts.columns.get_level_values(0), counts.columns.get_level_values(1)
    counts.columns = pd.Index([f"{w}_{c}" for w, c in zip(counted, cls, strict=True)])
    g = df.groupby(by)
    out = pd.DataFrame({"adresser": g.size()})
    out = out.join(counts)
    for what in COUNTED:
        out[what] = g[what].sum()
    lacking = df["best_down_kbps"] < TARGET_DOWN_KBPS
    out["hus_uten_100"] = df["hus"].where(lacking, 0).groupby(df[by]).sum()
    out["stotteberettigede_enheter"] = g["eligible_units"].sum()
    if MOBILE_ANY_COLUMN in df:
        no_mobile = ~df[MOBILE_ANY_COLUMN].astype(bool)
        out["hus_uten_mobil"] = df["hus"].where(no_mobile, 0).groupby(df[by]).sum()
    return out.reset_index()
