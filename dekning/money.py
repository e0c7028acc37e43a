"""Money: whole kroner, rounded as Excel rounds, and the reconciliation every plan must pass.

The application workbook recomputes every figure with live formulas (``ROUND``), so dekning
rounds the same way: half away from zero. Funding parts must add up to the cost exactly; when
they do not, that is a defect in dekning and :class:`~dekning.errors.ReconciliationError` says
which area and by how many kroner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dekning.errors import ReconciliationError

FUNDING_PARTS = ("tilbyder", "private", "statlig", "fylke", "kommunal")
"""The parts that pay for an area; they add up to ``kost_total``."""


def round_half_up(x: float, digits: int = 0) -> float:
    """Round as Excel's ``ROUND`` does for ``x >= 0`` (half away from zero).

    Parameters
    ----------
    x
        A non-negative amount (NOK, metres).
    digits
        Decimal places kept.
    """
    f = 10.0**digits
    return math.floor(x * f + 0.5) / f


def round_kroner(values: pd.Series | np.ndarray) -> np.ndarray:
    """Whole kroner (int64) of non-negative amounts, rounded as :func:`round_half_up`."""
    return np.floor(np.asarray(values, dtype="float64") + 0.5).astype("int64")


def annuity_factor(years: int, rate: float) -> float:
    """Present value of 1 NOK a year for ``years`` years at discount ``rate`` (0.04 = 4 %)."""
    return float(years) if rate == 0 else (1 - (1 + rate) ** -years) / rate


def nok(value: float) -> str:
    """Kroner as Norwegians write them: ``1 234 567 kr`` (a narrow space between thousands)."""
    return f"{round(value):,}".replace(",", "\u00a0") + "\u00a0kr"


def reconcile(
    plan: pd.DataFrame,
    total: str = "kost_total",
    parts: Sequence[str] = FUNDING_PARTS,
    key: str = "area_id",
) -> None:
    """Check that ``parts`` add up to ``total`` in every row, to the krone.

    Raises
    ------
    ReconciliationError
        Naming the first area that does not add up and the difference in kroner.
    """
    summed = plan[list(parts)].sum(axis=1).to_numpy()
    expected = plan[total].to_numpy()
    bad = np.flatnonzero(summed != expected)
    if len(bad):
        i = int(bad[0])
        raise ReconciliationError(
            f"area {plan[key].iloc[i]}: {' + '.join(parts)} = {int(summed[i])} kr but "
            f"{total} = {int(expected[i])} kr (difference {int(summed[i] - expected[i])} kr; "
            f"{len(bad)} area(s) in all)"
        )


__all__ = [
    "FUNDING_PARTS",
    "annuity_factor",
    "nok",
    "reconcile",
    "round_half_up",
    "round_kroner",
]
