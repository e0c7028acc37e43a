"""Aggregates a planner quotes: households, holiday homes and businesses per speed class,
by kommune, postnummer, grunnkrets or SSB grid cell."""

from __future__ import annotations

import pandas as pd

from dekning.schema import SPEED_CLASSES

GROUPINGS = ("kommunenummer", "postnummer", "grunnkrets", "ssb_rute_250")


def aggregate(classified: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts per group and speed class, plus eligible units and mobile gaps.

    Parameters
    ----------
    classified
        Output of :func:`dekning.coverage.classify.classify`.
    by
        Grouping column: one of :data:`GROUPINGS` (or any column of ``classified``).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``adresser``; ``hus_<class>``, ``fritid_<class>``,
        ``naering_<class>`` for every speed class; ``hus``, ``fritid``, ``naering`` totals;
        ``hus_uten_100`` (households without 100 Mbit/s); ``stotteberettigede_enheter``;
        ``hus_uten_mobil`` (households where no operator is satisfactory) when mobile data exist.
    """
    if by not in classified.columns:
        raise KeyError(f"cannot aggregate by {by!r}: no such column")
    df = pd.DataFrame(classified.drop(columns="geometry", errors="ignore"))
    df["speed_class"] = pd.Categorical(df["speed_class"], categories=SPEED_CLASSES)
    counts = df.pivot_table(
        index=by,
        columns="speed_class",
        values=["hus", "fritid", "naering"],
        aggfunc="sum",
        fill_value=0,
        observed=False,
    )
    counts.columns = [f"{what}_{cls}" for what, cls in counts.columns]
    g = df.groupby(by)
    out = pd.DataFrame({"adresser": g.size()})
    out = out.join(counts)
    for what in ("hus", "fritid", "naering"):
        out[what] = g[what].sum()
    lacking = df["speed_class"].isin(["30to100", "lt30", "none"])
    out["hus_uten_100"] = df["hus"].where(lacking, 0).groupby(df[by]).sum()
    out["stotteberettigede_enheter"] = g["eligible_units"].sum()
    if "mob_any_ok" in df:
        out["hus_uten_mobil"] = (
            df["hus"].where(~df["mob_any_ok"].astype(bool), 0).groupby(df[by]).sum()
        )
    return out.reset_index()
