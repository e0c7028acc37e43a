"""Rule profiles: every year's entry loads, counties fall back to the national rule, unknown
years are clear errors."""

from __future__ import annotations

import pytest

from dekning.errors import RuleError
from dekning.rules import cofunding_rule, eligibility_rule


def test_rule_table_by_county_and_year():
    assert cofunding_rule(2020).rule == "pct_of_total" and cofunding_rule(2020).pct == 0.25
    assert cofunding_rule(2024).rule == "none"
    tr = cofunding_rule(2024, "Trøndelag")
    assert tr.rule == "pct_of_state_grant" and tr.region == "trondelag"
    assert round(tr.pct / (1 + tr.pct), 4) == 0.2308  # Trøndelag's 23.08 %
    # A county without its own entry falls back to the national rule of the year.
    agder = cofunding_rule(2022, "Agder")
    assert (agder.region, agder.rule, agder.pct) == ("national", "pct_of_state_grant", 0.30)


@pytest.mark.parametrize("year", range(2019, 2027))
def test_every_scheme_year_loads(year):
    rule = eligibility_rule(year)
    assert rule.year == year and rule.source
    assert rule.eligible_below_kbps == (30_000 if year <= 2021 else 100_000)
    limits = [below for _, below in rule.bands]
    assert limits == sorted(limits) and limits[-1] == rule.eligible_below_kbps
    assert cofunding_rule(year).rule in ("pct_of_total", "pct_of_state_grant", "none")
    assert rule.verified == (year <= 2024)


def test_unknown_years_are_clear_errors():
    with pytest.raises(RuleError, match="støtteordningens år 2018; kjente år: 2019, 2020"):
        eligibility_rule(2018)
    with pytest.raises(RuleError, match=r"ingen regel for lokale bidrag i 2030 \(fylke 'Nordland'"):
        cofunding_rule(2030, "Nordland")


def test_county_names_with_letters_and_spaces():
    assert cofunding_rule(2024, "Møre og Romsdal").region == "national"
    assert cofunding_rule(2024, " TRØNDELAG ").region == "trondelag"
