"""What the answers show: joined to addresses and areas, contradictions of the operator data,
and demand per area.

Individual answers are personal data. :func:`discrepancies` and :func:`join_answers` are for
authenticated planners; :func:`public_demand` is the only function meant for publication and
suppresses every group with fewer than ``min_count`` answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIBRE_LIKE = ("fiber",)
SLOW_RATIO = 0.25
"""A measured download below this share of the best offered speed is flagged."""


def join_answers(geocoded: pd.DataFrame, classified: pd.DataFrame) -> pd.DataFrame:
    """Matched answers with the address's coverage, area and grid cell.

    Returns
    -------
    pandas.DataFrame
        The answers with ``adrid >= 0`` plus ``adressetekst``, ``best_down_kbps``, ``best_tek``,
        ``has_fibre``, ``operators``, ``speed_class``, ``area_id``, ``ssb_rute_250``,
        ``grunnkrets`` (when given) and the raster's mobile classes ``mob_<op>``.
    """
    keep = [
        c
        for c in (
            "adrid",
            "adressetekst",
            "best_down_kbps",
            "best_tek",
            "has_fibre",
            "operators",
            "speed_class",
            "area_id",
            "ssb_rute_250",
            "grunnkrets",
            "eligible",
        )
        if c in classified.columns
    ]
    mob = [
        c
        for c in classified.columns
        if c.startswith("mob_") and c.count("_") == 1 and c not in ("mob_any_ok", "mob_all_ok")
    ]
    right = pd.DataFrame(classified[keep + mob]).rename(columns={c: f"raster_{c}" for c in mob})
    matched = geocoded[geocoded["adrid"] >= 0]
    return matched.merge(right, on="adrid", how="left", validate="many_to_one")


def discrepancies(joined: pd.DataFrame, *, slow_ratio: float = SLOW_RATIO) -> pd.DataFrame:
    """Where residents contradict the operator data, one row per answer × issue × operator.

    Kinds (``avvik``):

    - ``fiber_ikke_levert``: the operator data offer fibre at the address, the resident reports
      another technology or none (evidence that the fibre offer may not be real);
    - ``lav_hastighet``: measured download below ``slow_ratio`` × the best offered download;
    - ``mobil_<inne|ute>``: the resident reports no coverage (indoors/outdoors) for an operator
      whose modelled raster class says there is (indoor class 3; outdoor class ≥ 2).

    Returns
    -------
    pandas.DataFrame
        ``row``, ``adrid``, ``adressetekst``, ``avvik``, ``operator``, ``operatordata``,
        ``svar`` (what the resident said), sorted by address.
    """
    rows: list[pd.DataFrame] = []
    base = ["row", "adrid", "adressetekst"]
    if "technology" in joined:
        said = joined["technology"].astype(str)
        m = joined["has_fibre"].fillna(False).astype(bool) & said.ne("") & ~said.isin(FIBRE_LIKE)
        rows.append(
            joined.loc[m, base].assign(
                avvik="fiber_ikke_levert",
                operator=joined.loc[m, "operators"],
                operatordata="fiber tilbys",
                svar=said[m].map(lambda s: f"har {s}"),
            )
        )
    if "down_mbps" in joined:
        offered = joined["best_down_kbps"].fillna(0) / 1000.0
        measured = pd.to_numeric(joined["down_mbps"], errors="coerce")
        m = measured.notna() & (offered >= 30) & (measured < slow_ratio * offered)
        rows.append(
            joined.loc[m, base].assign(
                avvik="lav_hastighet",
                operator=joined.loc[m, "operators"],
                operatordata=offered[m].map(lambda v: f"inntil {v:g} Mbit/s"),
                svar=measured[m].map(lambda v: f"målt {v:g} Mbit/s"),
            )
        )
    for col in [
        c for c in joined.columns if c.startswith("mob_") and c.endswith(("_inne", "_ute"))
    ]:
        op, where = col[4:].rsplit("_", 1)
        raster = joined.get(f"raster_mob_{op}")
        if raster is None:
            continue
        need = 3 if where == "inne" else 2
        m = (joined[col] == 0) & (raster >= need)
        rows.append(
            joined.loc[m, base].assign(
                avvik=f"mobil_{where}",
                operator=op,
                operatordata=raster[m].map({3: "innendørs", 2: "utendørs"}.get),
                svar="ingen dekning",
            )
        )
    if not rows:
        return pd.DataFrame(columns=[*base, "avvik", "operator", "operatordata", "svar"])
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values(["adrid", "avvik", "operator"], kind="stable")
        .reset_index(drop=True)
    )


def demand(joined: pd.DataFrame, by: str) -> pd.DataFrame:
    """Demand indicators per group (area, grid cell, grunnkrets) — planner view, no suppression.

    Returns
    -------
    pandas.DataFrame
        ``svar`` (answers), ``svar_fiber_spurt`` (answered the fibre question, excluding those
        who have fibre), ``andel_interessert`` (share of those who want fibre),
        ``betalingsvilje_median`` (NOK, median of the most each would pay),
        ``andel_betaler_5000`` (share willing to pay at least 5 000 kr).
    """
    df = (
        joined[joined[by].notna() & (joined[by].astype(str) != "")]
        if by in joined
        else joined.iloc[0:0]
    )
    g = df.groupby(by)
    out = pd.DataFrame({"svar": g.size()})
    if "interest_fibre" in df:
        asked = df["interest_fibre"].isin(["ja", "nei"])
        out["svar_fiber_spurt"] = asked.groupby(df[by]).sum()
        yes = (df["interest_fibre"] == "ja").groupby(df[by]).sum()
        out["andel_interessert"] = (yes / out["svar_fiber_spurt"].replace(0, np.nan)).round(2)
    if "willingness_to_pay" in df:
        wtp = pd.to_numeric(df["willingness_to_pay"], errors="coerce")
        out["betalingsvilje_median"] = wtp.groupby(df[by]).median()
        out["andel_betaler_5000"] = (wtp >= 5000).groupby(df[by]).sum() / wtp.notna().groupby(
            df[by]
        ).sum().replace(0, np.nan)
        out["andel_betaler_5000"] = out["andel_betaler_5000"].round(2)
    return out.reset_index()


def public_demand(joined: pd.DataFrame, by: str, *, min_count: int = 5) -> pd.DataFrame:
    """:func:`demand` for publication: groups with fewer than ``min_count`` answers keep only
    their key and ``skjult = True``; no other figure of theirs is returned."""
    table = demand(joined, by)
    small = table["svar"] < min_count
    figures = [c for c in table.columns if c != by]
    table[figures] = table[figures].astype("float64")
    table.loc[small, figures] = np.nan
    table["skjult"] = small
    return table
