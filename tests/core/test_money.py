"""Money: Excel-style rounding (scalar and vectorised agree bit for bit), kroner as text, the
annuity factor and the reconciliation check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dekning.errors import ReconciliationError
from dekning.money import (
    annuity_factor,
    nok,
    reconcile,
    round_half_up,
    round_half_up_array,
    round_kroner,
    rounddown_kroner,
    roundup_kroner,
    snap,
)

AMOUNTS = st.floats(-1e12, 1e12, allow_nan=False)
"""Kroner or metres, both signs, far beyond any area's cost."""


def test_round_half_up_as_excel():
    assert round_half_up(2.5) == 3.0 and round_half_up(3.5) == 4.0  # not banker's rounding
    assert round_half_up(-2.5) == -3.0 and round_half_up(-2.4) == -2.0  # halves away from zero
    assert round_half_up(840.05, 1) == 840.1 and round_half_up(117_692.3) == 117_692.0
    assert round_half_up(0.0) == 0.0


@settings(max_examples=500, deadline=None)
@given(st.lists(AMOUNTS, min_size=1, max_size=30), st.sampled_from([0, 1, 2]))
def test_vectorised_rounding_equals_the_scalar_rounding(values, digits):
    got = round_half_up_array(pd.Series(values), digits)
    assert got.tolist() == [round_half_up(v, digits) for v in values]
    if digits == 0:
        assert round_kroner(np.array(values)).tolist() == [int(round_half_up(v)) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(AMOUNTS, min_size=1, max_size=30))
def test_roundup_and_rounddown_as_excel(values):
    seen = [float(snap(v)) for v in values]  # as a spreadsheet sees them (15 digits)
    up = [math.ceil(v) if v >= 0 else math.floor(v) for v in seen]  # away from zero
    down = [math.trunc(v) for v in seen]  # towards zero
    assert roundup_kroner(values).tolist() == up
    assert rounddown_kroner(pd.Series(values)).tolist() == down
    assert roundup_kroner(np.array(values)).dtype == rounddown_kroner(values).dtype == "int64"


def test_kroner_as_text():
    assert nok(1_234_567) == "1\u00a0234\u00a0567\u00a0kr"
    assert nok(999.5) == "1\u00a0000\u00a0kr" and nok(0) == "0\u00a0kr"
    assert nok(-2_500) == "-2\u00a0500\u00a0kr"


def test_annuity_factor_hand_computed():
    assert annuity_factor(10, 0.0) == 10.0
    # (1 - 1.06^-10) / 0.06 = 7.360087...
    assert annuity_factor(10, 0.06) == pytest.approx(7.3600871, abs=1e-7)
    assert annuity_factor(1, 0.05) == pytest.approx(1 / 1.05)


def test_reconcile_names_the_first_area_that_does_not_add_up():
    plan = pd.DataFrame({"id": ["A", "B"], "total": [10, 20], "x": [4, 5], "y": [6, 15]})
    reconcile(plan, total="total", parts=["x", "y"], key="id")
    plan.loc[0, "y"] = 3
    with pytest.raises(ReconciliationError) as exc:
        reconcile(plan, total="total", parts=["x", "y"], key="id")
    assert str(exc.value).startswith("område A: x + y = 7 kr, men total = 10 kr (avvik -3 kr;")
    assert "1 område(r) i alt" in str(exc.value)


def test_binary_noise_is_rounded_as_libreoffice_does():
    # each figure checked in LibreOffice Calc 7.4 (headless, xlsx recalculated)
    assert roundup_kroner([100 * 0.07, 6 * 0.2 / 1.2]).tolist() == [7, 1]
    assert rounddown_kroner([0.7 * 90]).tolist() == [63]
    assert round_half_up(1.005, 2) == 1.01 and round_half_up(2.675, 2) == 2.68
    assert snap(7.000000000000001) == 7.0 and snap(0.0) == 0.0
    assert snap(1e-300) == 1e-300 and snap(1.5e300) == 1.5e300
