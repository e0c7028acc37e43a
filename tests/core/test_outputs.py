"""What the output writers take from the configuration."""

from __future__ import annotations

import re
from datetime import date

from dekning.outputs import write_maps


def _date_line(page: str) -> str:
    """The dating line the page shows at start (the element ``dekning-dato``); the page also
    holds every language's texts, so the whole file is not searched."""
    found = re.search(r'<p id="dekning-dato">([^<]*)</p>', page)
    assert found, "the public map has its date line"
    return found.group(1)


def test_the_public_map_says_the_date_of_the_coverage_data(
    default_result, default_config, tmp_path
):
    municipality = default_config.municipality.model_copy(update={"data_date": date(2026, 10, 1)})
    cfg = default_config.model_copy(update={"municipality": municipality})
    write_maps(default_result, cfg, tmp_path)
    page = (tmp_path / "kart_offentlig.html").read_text(encoding="utf-8")
    assert _date_line(page) == "Dekningsdata per 1. oktober 2026."
    write_maps(default_result, default_config, tmp_path)  # no date given: when it was made
    line = _date_line((tmp_path / "kart_offentlig.html").read_text(encoding="utf-8"))
    assert line.startswith("Kartet ble laget ") and "Dekningsdata per" not in line


def test_the_planner_map_gets_the_runs_budget_settings(default_result, default_config, tmp_path):
    """The what-if starts from the run's own budget and objective (not the fallback)."""
    write_maps(default_result, default_config, tmp_path)
    page = (tmp_path / "kart_planlegger.html").read_text(encoding="utf-8")
    budget = default_config.prioritise.municipal_budget_nok
    assert f'"budget": {budget}' in page or f'"budget":{budget}' in page
    assert "budsjettinnstillinger er ikke med i kartet" not in page


def test_the_report_never_holds_a_database_password(default_result, default_config, tmp_path):
    import json

    from dekning.outputs import write_tables

    inp = default_config.input.model_copy(update={"survey_db": "postgresql://ola:hemmelig@db/x"})
    cfg = default_config.model_copy(update={"input": inp})
    write_tables(default_result, cfg, tmp_path)
    text = (tmp_path / "rapport.json").read_text(encoding="utf-8")
    assert "hemmelig" not in text
    assert json.loads(text)["konfigurasjon"]["input"]["survey_db"] == "postgresql://ola:***@db/x"
