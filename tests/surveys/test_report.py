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


HOSTILE_ADDRESS = "[bold]x[/bold] [link=http://evil]y[/link]"


def test_input_text_is_printed_as_written(default_config, data_dir, tmp_path):
    """Markup, a terminal hyperlink and escape sequences from the export (and its file name)
    are shown literally: nothing styles the terminal or becomes a link."""
    raw = (data_dir / "sporreundersokelse_nettskjema.csv").read_text(encoding="utf-8-sig")
    header, first, *_ = raw.splitlines()
    fields = first.split(";")
    unmatched = [*fields[:2], HOSTILE_ADDRESS, "7395", *fields[4:]]
    rejected = [*fields[:2], "Stølsvegen 1", "7395", *fields[4:7], "[red]5[/red]", *fields[8:]]
    osc = [*fields[:2], '"\x1b]8;;http://evil\x1b\\z\x1b]8;;\x1b\\"', "7395", *fields[4:]]
    export = tmp_path / "svar [bold]ut[red].csv"
    rows = [header, *(";".join(r) for r in (unmatched, rejected, osc))]
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    console = Console(record=True, width=300, force_terminal=True, color_system="truecolor")
    validate_survey_cli(export, None, default_config, console)
    styled = console.export_text(styles=True, clear=False)
    text = console.export_text()
    assert HOSTILE_ADDRESS in text
    assert "[red]5[/red]" in text
    assert "svar [bold]ut[red].csv" in text
    assert r"\x1b]8;;http://evil\x1b\z" in text
    assert "\x1b]8;" not in styled  # no terminal hyperlink (OSC 8) anywhere
