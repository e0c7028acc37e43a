"""Money: whole kroner, rounded as Excel rounds, and the reconciliation every plan must pass.

The application workbook recomputes every figure with live formulas (``ROUND``, ``ROUNDUP``,
``ROUNDDOWN``), so dekning rounds the same way, with these functions only: ``ROUND`` halves away
from zero, ``ROUNDUP`` rounds away from zero, ``ROUNDDOWN`` towards zero. Funding parts must add
up to the cost exactly; when they do not, that is a defect in dekning and
:class:`~dekning.errors.ReconciliationError` says which area and by how many kroner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dekning.errors import ReconciliationError

FUNDING_PARTS = ("tilbyder", "private", "statlig", "fylke", "kommunal")
"""The parts that pay for an area (NOK); they add up to ``kost_total``."""

Amounts = pd.Series | np.ndarray
"""Amounts (NOK or metres) as a series or an array."""


SIGNIFICANT_DIGITS = 15
"""Excel and LibreOffice round to 15 significant digits before ``ROUND``, ``ROUNDUP`` and
``ROUNDDOWN`` (so ``ROUNDUP(100*0.07; 0)`` is 7, not 8); dekning does the same."""


def snap(values: Amounts | float) -> np.ndarray:
    """Values (float64) rounded to :data:`SIGNIFICANT_DIGITS` significant digits, as a
    spreadsheet sees them: binary noise such as ``7.000000000000001`` becomes ``7.0``."""
    x = np.asarray(values, dtype="float64")
    magnitude_ok = (np.abs(x) > 1e-250) & (np.abs(x) < 1e250)  # finite scales only
    usable = np.isfinite(x) & magnitude_ok
    magnitude = np.floor(np.log10(np.where(usable, np.abs(x), 1.0)))
    scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - magnitude)
    return np.where(usable, np.round(np.where(usable, x, 0.0) * scale) / scale, x)


def round_half_up(x: float, digits: int = 0) -> float:
    """Round as Excel's ``ROUND`` does: halves away from zero.

    Parameters
    ----------
    x
        An amount (NOK, metres).
    digits
        Decimal places kept.

    Returns
    -------
    float
        The rounded amount, in the unit of ``x``.
    """
    f = 10.0**digits
    r = math.floor(float(snap(abs(x) * f)) + 0.5) / f
    return r if x >= 0 else -r


def round_half_up_array(values: Amounts, digits: int = 0) -> np.ndarray:
    """:func:`round_half_up` of every value (float64), the same arithmetic element by element.

    Parameters
    ----------
    values
        Amounts (NOK, metres).
    digits
        Decimal places kept.

    Returns
    -------
    numpy.ndarray
        The rounded amounts (float64), in the unit of ``values``.
    """
    x = np.asarray(values, dtype="float64")
    f = 10.0**digits
    r = np.floor(snap(np.abs(x) * f) + 0.5) / f
    return np.where(x >= 0, r, -r)


def round_kroner(values: Amounts) -> np.ndarray:
    """Whole kroner (int64) of amounts in NOK, as Excel's ``ROUND(x, 0)``."""
    return round_half_up_array(values).astype("int64")


def roundup_kroner(values: Amounts) -> np.ndarray:
    """Whole kroner (int64) of amounts in NOK, as Excel's ``ROUNDUP(x, 0)`` (away from zero)."""
    x = snap(values)
    return np.where(x >= 0, np.ceil(x), np.floor(x)).astype("int64")


def rounddown_kroner(values: Amounts) -> np.ndarray:
    """Whole kroner (int64) of amounts in NOK, as Excel's ``ROUNDDOWN(x, 0)`` (towards zero)."""
    return np.trunc(snap(values)).astype("int64")


def annuity_factor(years: int, rate: float) -> float:
    """Present value (NOK) of 1 NOK a year for ``years`` years at discount ``rate`` (0.04 = 4 %)."""
    return float(years) if rate == 0 else (1 - (1 + rate) ** -years) / rate


def thousands(value: float) -> str:
    """A whole number as Norwegians write it: ``1 234 567`` (rounded as :func:`round_half_up`,
    no-break spaces between thousands, so it never splits over two lines)."""
    return f"{int(round_half_up(value)):,}".replace(",", "\u00a0")


def nok(value: float) -> str:
    """Kroner as Norwegians write them: ``1 234 567 kr``, rounded as :func:`round_half_up`, with
    a no-break space (U+00A0) between thousands and before ``kr`` (never split over two lines)."""
    return thousands(value) + "\u00a0kr"


def decimal(value: float, decimals: int = 1) -> str:
    """A decimal number as Norwegians write it: ``12345.67`` → ``12 345,7`` (no-break spaces
    between thousands, decimal comma)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def percent(share: float, decimals: int = 1) -> str:
    """A share as Norwegians write a percentage: ``0.997`` → ``99,7 %`` (decimal comma, a
    no-break space before ``%``)."""
    return f"{share * 100:.{decimals}f}".replace(".", ",") + "\u00a0%"


def reconcile(
    plan: pd.DataFrame,
    total: str = "kost_total",
    parts: Sequence[str] = FUNDING_PARTS,
    key: str = "area_id",
) -> None:
    """Check that ``parts`` add up to ``total`` (NOK) in every row, to the krone.

    Parameters
    ----------
    plan
        One row per area with the columns ``key``, ``total`` and ``parts``.
    total, parts, key
        Column names: the total (NOK), the parts (NOK) and the area id.

    Raises
    ------
    ReconciliationError
        Naming the first area that does not add up, both sums and the difference in kroner.
    """
    summed = plan[list(parts)].sum(axis=1).to_numpy()
    expected = plan[total].to_numpy()
    bad = np.flatnonzero(summed != expected)
    if len(bad):
        i = int(bad[0])
        raise ReconciliationError(
            f"område {plan[key].iloc[i]}: {' + '.join(parts)} = {int(summed[i])} kr, men "
            f"{total} = {int(expected[i])} kr (avvik {int(summed[i] - expected[i])} kr; "
            f"{len(bad)} område(r) i alt). Dette er en feil i dekning; meld den fra."
        )


__all__ = [
    "FUNDING_PARTS",
    "annuity_factor",
    "nok",
    "percent",
    "reconcile",
    "round_half_up",
    "round_half_up_array",
    "round_kroner",
    "rounddown_kroner",
    "roundup_kroner",
    "thousands",
]
