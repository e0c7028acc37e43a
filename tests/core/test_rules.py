"""Rule profiles: every year's entry loads with its thresholds, sources and status; counties
fall back to the national rule; unknown years are clear errors; statuses read in bokmål."""

from __future__ import annotations

import pandas as pd
import pytest

from dekning.errors import RuleError
from dekning.rules import (
    area_rule_lines,
    cofunding_rule,
    counted_technologies,
    eligibility_line,
    eligibility_rule,
    scheme_year_text,
    speed_text,
    state_frame_text,
    status_text,
)

# year: (down, up, target down, status), by hand from shared/DOMAIN.md §1.1 and §9.1
PROFILES = {
    2019: (30_000, 0, 30_000, "verified"),
    2020: (30_000, 0, 30_000, "verified"),
    2021: (30_000, 0, 30_000, "verified"),
    2022: (100_000, 0, 100_000, "verified"),
    2023: (100_000, 0, 100_000, "verified"),
    2024: (100_000, 0, 100_000, "verified"),
    2025: (100_000, 0, 1_000_000, "verified"),
    2026: (1_000_000, 150_000, 1_000_000, "assumed"),
}


def test_rule_table_by_county_and_year():
    assert cofunding_rule(2020).rule == "pct_of_total" and cofunding_rule(2020).pct == 0.25
    assert cofunding_rule(2024).rule == "none"
    tr = cofunding_rule(2024, "Trøndelag")
    assert tr.rule == "pct_of_state_grant" and tr.region == "trondelag"
    assert round(tr.pct / (1 + tr.pct), 4) == 0.2308  # Trøndelag's 23.08 %
    # A county without its own entry falls back to the national rule of the year.
    agder = cofunding_rule(2022, "Agder")
    assert (agder.region, agder.rule, agder.pct) == ("national", "pct_of_state_grant", 0.30)


def test_cofunding_status_by_year():
    assert cofunding_rule(2024, "Trøndelag").status == "verified"
    # Trøndelag's only text is from 2024: 2025 and 2026 are assumed as 2024.
    for year in (2025, 2026):
        tr = cofunding_rule(year, "Trøndelag")
        assert (tr.rule, tr.pct, tr.status) == ("pct_of_state_grant", 0.30, "assumed")
        assert "2024" in tr.source
        assert cofunding_rule(year).status == "assumed"
    assert cofunding_rule(2024).status == "verified"


@pytest.mark.parametrize("year", sorted(PROFILES))
def test_every_scheme_year_loads(year):
    down, up, target, status = PROFILES[year]
    rule = eligibility_rule(year)
    assert rule.year == year and rule.sources and rule.source == "; ".join(rule.sources)
    assert (rule.eligible_below_down_kbps, rule.eligible_below_up_kbps) == (down, up)
    assert rule.eligible_below_kbps == down  # the old name still answers
    assert rule.target_down_kbps == target
    assert rule.status == status and rule.verified == (status == "verified")
    limits = [below for _, below in rule.bands]
    assert limits == sorted(limits) and limits[-1] == down
    assert rule.upgradeable_exclusion == (year >= 2024)
    assert "ftb" in rule.counted_technologies
    assert "satellitt" not in rule.counted_technologies
    assert "annet" not in rule.counted_technologies
    assert cofunding_rule(year).rule in ("pct_of_total", "pct_of_state_grant", "none")


def test_2026_has_the_functional_floor_as_an_assumed_class():
    floor = eligibility_rule(2026).functional_floor
    assert floor is not None
    assert (floor.down_kbps, floor.up_kbps, floor.status) == (20_000, 5_000, "assumed")
    assert eligibility_rule(2024).functional_floor is None
    assert eligibility_rule(2026).target_up_kbps == 150_000


def test_unknown_years_are_clear_errors():
    with pytest.raises(RuleError, match="støtteordningens år 2018; kjente år: 2019, 2020"):
        eligibility_rule(2018)
    with pytest.raises(RuleError, match=r"ingen regel for lokale bidrag i 2030 \(fylke 'Nordland'"):
        cofunding_rule(2030, "Nordland")


def test_county_names_with_letters_and_spaces():
    assert cofunding_rule(2024, "Møre og Romsdal").region == "national"
    assert cofunding_rule(2024, " TRØNDELAG ").region == "trondelag"


def test_counted_technologies_and_their_status():
    rule = eligibility_rule(2024)
    assert counted_technologies(rule, None, False) == (
        ("fiber", "kabel", "dsl", "ftb", "radio"),
        "verified",
    )
    techs, status = counted_technologies(rule, None, True)
    assert techs[-1] == "satellitt" and status == "config"
    assert counted_technologies(rule, ("fiber", "kabel"), False) == (("fiber", "kabel"), "config")
    # The rule's own list, in another order, is not a change.
    assert counted_technologies(rule, ("radio", "ftb", "dsl", "kabel", "fiber"), False)[1] == (
        "verified"
    )
    assert counted_technologies(eligibility_rule(2026), None, False)[1] == "assumed"


def test_status_and_texts_in_bokmal():
    assert status_text("verified") == "verifisert" and status_text("antatt") == (
        "ANTATT (ikke verifisert)"
    )
    assert status_text("config") == status_text("konfigurasjon") == "satt i konfigurasjonen"
    assert status_text("rart") == "rart"
    line = eligibility_line(eligibility_rule(2026))
    assert line.startswith("Regel: 2026, ANTATT (ikke verifisert) – kilde: eur-lex 52023XC0131")
    assert speed_text(1_000_000, 150_000) == "1000/150 Mbit/s"
    assert speed_text(100_000) == "100 Mbit/s" and speed_text(2_500) == "2,5 Mbit/s"
    assert state_frame_text(None) == "statlig ramme: ukjent (ingen grense)"
    assert state_frame_text(58_400_000) == "statlig ramme: 58\u00a0400\u00a0000\u00a0kr"
    assert scheme_year_text(2024, 2024) == "2024 (satt i konfigurasjonen)"
    assert scheme_year_text(None, 2026) == "2026 (ikke satt: inneværende år)"


def test_area_rule_lines_from_the_columns_a_run_adds():
    areas = pd.DataFrame(
        {
            "stotteregel_aar": [2026, 2024],
            "stotteregel_status": ["antatt", "verifisert"],
            "stotteregel_kilde": ["eur-lex", "nkom.no"],
            "regel_status": ["konfigurasjon", "antatt"],
            "regel_kilde": ["fylkets utlysning", "som 2024"],
        }
    )
    rule, cofunding = area_rule_lines(areas)
    assert rule.tolist() == [
        "Regel: 2026, ANTATT (ikke verifisert) – kilde: eur-lex",
        "Regel: 2024, verifisert – kilde: nkom.no",
    ]
    assert cofunding.tolist() == [
        "Egenandelsregel: satt i konfigurasjonen – kilde: fylkets utlysning",
        "Egenandelsregel: ANTATT (ikke verifisert) – kilde: som 2024",
    ]
    old_rule, old_cofunding = area_rule_lines(areas[["regel_kilde"]])
    assert old_rule.iloc[0] == "Regel: status ukjent (eldre kjøring)"
    assert old_cofunding.iloc[0] == "Egenandelsregel: status ukjent (eldre kjøring)"


def test_the_default_scheme_year_is_the_newest_rule_not_after_today():
    """Unset, the scheme year is this year's rule; in a year without a rule yet, the newest
    one kept (never an error on 1 January); a year set in the configuration always wins."""
    from datetime import date

    from dekning.config import ClassifyConfig
    from dekning.rules import scheme_year

    unset = ClassifyConfig()
    assert scheme_year(unset, date(2025, 6, 1)) == 2025
    assert scheme_year(unset, date(2026, 11, 25)) == 2026
    assert scheme_year(unset, date(2027, 1, 1)) == 2026
    assert scheme_year(ClassifyConfig(scheme_year=2021), date(2027, 1, 1)) == 2021


def test_mobile_rule_by_year():
    from dekning.rules import mobile_line, mobile_rule

    assert not mobile_rule(2024).covered and mobile_rule(2024).status == "verified"
    assert mobile_rule(2026).covered
    # taking the broadband co-funding rule for mobile projects is never verified
    assert all(mobile_rule(y).cofunding_status == "assumed" for y in range(2019, 2027))
    assert "dekker mobil" in mobile_line(mobile_rule(2026))
    assert "ANTATT" in mobile_line(mobile_rule(2025))
    with pytest.raises(RuleError, match="ingen mobilregel"):
        mobile_rule(2018)
