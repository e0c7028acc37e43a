"""``dekning validate``'s survey report: rejected rows, the geocoding rate, unmatched rows."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from dekning.errors import ConfigError
from dekning.surveys.report import validate_survey_cli


def test_report_of_the_default_export(default_config, data_dir):
    console = Console(record=True, width=200)
    export = data_dir / "sporreundersokelse_nettskjema.csv"
    validate_survey_cli(export, None, default_config, console)
    text = console.export_text()
    raw = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    empty = int((raw["Adresse"].str.strip() == "").sum())
    impossible = int((raw["Målt nedlastingshastighet (Mbit/s)"] == "50000").sum())
    rejected = empty + impossible
    assert f"Rader: 320   godkjent: {320 - rejected}   avvist: {rejected}" in text
    assert "(Nettskjema, shipped mapping 'nettskjema')" in text
    assert text.count("empty address") == empty
    assert text.count("impossible speed 50000 Mbit/s") == impossible
    assert "Geokoding:" in text and "% funnet" in text


def test_unknown_mapping_is_a_config_error(default_config, data_dir, tmp_path):
    console = Console(record=True)
    missing = tmp_path / "none.toml"
    with pytest.raises(ConfigError, match=r"none\.toml: mapping file not found"):
        validate_survey_cli(
            data_dir / "sporreundersokelse_nettskjema.csv", missing, default_config, console
        )
