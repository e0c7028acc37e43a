"""What the answers show: joined to addresses and areas, contradictions of the operator data,
and demand per area.

Individual answers are personal data. :func:`discrepancies` and :func:`join_answers` are for
authenticated planners; :func:`public_demand` is the only function meant for publication and
suppresses every group with fewer than ``min_count`` answers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dekning.privacy import suppress
from dekning.schema import MobileLayer, operator_column, operators
from dekning.surveys.mapping import PLACES, answer_column

FIBRE_LIKE = ("fiber",)
SLOW_RATIO = 0.25
"""A measured download below this share of the best offered speed is flagged."""
NEEDED_CLASS = {"inne": 3, "ute": 2}
"""The lowest modelled class that promises coverage at each place (indoor 3, outdoor 2)."""
CLASS_WORDS = {3: "innendørs", 2: "utendørs"}
JOINED_COLUMNS = (
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
"""Columns of the classified addresses that :func:`join_answers` adds to each answer."""
DISCREPANCY_COLUMNS = ["row", "adrid", "adressetekst", "avvik", "operator", "operatordata", "svar"]


def raster_column(operator: str) -> str:
    """Column of :func:`join_answers`' result with the operator's modelled best class (0-3)."""
    return f"raster_{operator_column(operator)}"


def join_answers(
    geocoded: pd.DataFrame,
    classified: pd.DataFrame,
    layers: Sequence[MobileLayer],
) -> pd.DataFrame:
    """Matched answers with the address's coverage, area and grid cell.

    Parameters
    ----------
    geocoded
        Answers with ``adrid`` (-1 when not matched), as from
        :func:`dekning.surveys.geocode.geocode`.
    classified
        Classified addresses (one row per ``adrid``).
    layers
        The run's mobile layers (operator × technology); none when the run has no rasters.

    Returns
    -------
    pandas.DataFrame
        The answers with ``adrid >= 0`` plus the :data:`JOINED_COLUMNS` that ``classified``
        has and, per operator of ``layers``, its modelled best class :func:`raster_column`.
    """
    keep = [c for c in JOINED_COLUMNS if c in classified.columns]
    mob = [operator_column(op) for op in operators(layers)]
    mob = [c for c in mob if c in classified.columns]
    right = pd.DataFrame(classified[keep + mob]).rename(columns={c: f"raster_{c}" for c in mob})
    matched = geocoded[geocoded["adrid"] >= 0]
    out = matched.merge(right, on="adrid", how="left", validate="many_to_one")
    return out


def discrepancies(
    joined: pd.DataFrame,
    layers: Sequence[MobileLayer],
    *,
    slow_ratio: float = SLOW_RATIO,
) -> pd.DataFrame:
    """Where residents contradict the operator data, one row per answer × issue × operator.

    Kinds (``avvik``):

    - ``fiber_ikke_levert``: the operator data offer fibre at the address, the resident reports
      another technology or none (evidence that the fibre offer may not be real);
    - ``lav_hastighet``: measured download below ``slow_ratio`` × the best offered download;
    - ``mobil_<inne|ute>``: the resident reports no coverage (indoors/outdoors) for an operator
      whose modelled raster class says there is (indoor class 3; outdoor class ≥ 2).

    Parameters
    ----------
    joined
        Output of :func:`join_answers`.
    layers
        The run's mobile layers (as given to :func:`join_answers`). An operator's
        answers (:func:`~dekning.surveys.read.answer_column`) are compared with its raster
        class (:func:`raster_column`) when both exist.
    slow_ratio
        Share of the offered download below which a measurement is flagged.

    Returns
    -------
    pandas.DataFrame
        :data:`DISCREPANCY_COLUMNS`: ``operatordata`` is what the operator data say, ``svar``
        what the resident said; sorted by address, kind and operator.
    """
    rows = [*_fixed_discrepancies(joined, slow_ratio)]
    for op in operators(layers):
        rows.extend(_mobile_discrepancies(joined, op))
    if not rows:
        return pd.DataFrame(columns=DISCREPANCY_COLUMNS)
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values(["adrid", "avvik", "operator"], kind="stable")
        .reset_index(drop=True)
    )


def _fixed_discrepancies(joined: pd.DataFrame, slow_ratio: float) -> list[pd.DataFrame]:
    """``fiber_ikke_levert`` and ``lav_hastighet`` rows (see :func:`discrepancies`)."""
    rows: list[pd.DataFrame] = []
    base = DISCREPANCY_COLUMNS[:3]
    if "technology" in joined:
        said = joined["technology"].astype(str)
        m = joined["has_fibre"].fillna(False).astype(bool) & said.ne("") & ~said.isin(FIBRE_LIKE)
        rows.append(
            joined.loc[m, base].assign(
                avvik="fiber_ikke_levert",
                operator=joined.loc[m, "operators"],
                operatordata="fiber tilbys",
                svar="har " + said[m],
            )
        )
    if "down_mbps" in joined:
        offered = joined["best_down_kbps"].fillna(0).to_numpy(dtype="float64") / 1000.0
        measured = pd.to_numeric(joined["down_mbps"], errors="coerce").to_numpy(dtype="float64")
        m = ~np.isnan(measured) & (offered >= 30) & (measured < slow_ratio * offered)
        rows.append(
            joined.loc[m, base].assign(
                avvik="lav_hastighet",
                operator=joined.loc[m, "operators"],
                operatordata=np.char.add(np.char.mod("inntil %g", offered[m]), " Mbit/s"),
                svar=np.char.add(np.char.mod("målt %g", measured[m]), " Mbit/s"),
            )
        )
    return rows


def _mobile_discrepancies(joined: pd.DataFrame, operator: str) -> list[pd.DataFrame]:
    """``mobil_inne`` / ``mobil_ute`` rows of one operator (see :func:`discrepancies`)."""
    raster = joined.get(raster_column(operator))
    if raster is None:
        return []
    rows = []
    for place in PLACES:
        said = joined.get(answer_column(operator, place))
        if said is None:
            continue
        m = (said == 0) & (raster >= NEEDED_CLASS[place])
        rows.append(
            joined.loc[m, DISCREPANCY_COLUMNS[:3]].assign(
                avvik=f"mobil_{place}",
                operator=operator,
                operatordata=raster[m].map(CLASS_WORDS),
                svar="ingen dekning",
            )
        )
    return rows


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
        yes = (df["interest_fibre"] == "ja").groupby(df[by]).sum().astype("float64")
        asked_per_group = out["svar_fiber_spurt"].astype("float64").replace(0.0, np.nan)
        out["andel_interessert"] = (yes / asked_per_group).round(2)
    if "willingness_to_pay" in df:
        wtp = pd.to_numeric(df["willingness_to_pay"], errors="coerce")
        out["betalingsvilje_median"] = wtp.groupby(df[by]).median()
        willing = (wtp >= 5000).groupby(df[by]).sum().astype("float64")
        answered = wtp.notna().groupby(df[by]).sum().astype("float64").replace(0.0, np.nan)
        out["andel_betaler_5000"] = (willing / answered).round(2)
    return out.reset_index()


def public_demand(joined: pd.DataFrame, by: str, *, min_count: int = 5) -> pd.DataFrame:
    """:func:`demand` for publication, under the one small-group rule
    (:func:`dekning.privacy.suppress`): groups with fewer than ``min_count`` answers keep only
    their key and ``skjult = True``; no other figure of theirs is returned. Counts stay whole
    numbers (nullable ``Int64``)."""
    return suppress(demand(joined, by), "svar", min_count, keep=[by])
