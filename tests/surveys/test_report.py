"""``dekning validate``'s survey report: rejected rows, the geocoding rate, unmatched rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    with pytest.raises(ConfigError, match=r"none\.toml: fant ikke kolonneoppsettet"):
        validate_survey_cli(
            data_dir / "sporreundersokelse_nettskjema.csv", missing, default_config, console
        )


HOSTILE_ADDRESS = "[bold]x[/bold] [link=http://evil]y[/link]"
HOSTILE_NAME = "svar [bold]ut[red] :smile:.csv"


@pytest.fixture
def hostile_export(data_dir, tmp_path):
    """The first answer of the default export three times: with :data:`HOSTILE_ADDRESS` (not
    found), with a rejected speed in markup, and with a terminal hyperlink (OSC 8) as the
    address; in a file named with markup and an emoji code."""
    raw = (data_dir / "sporreundersokelse_nettskjema.csv").read_text(encoding="utf-8-sig")
    header, first, *_ = raw.splitlines()
    fields = first.split(";")
    unmatched = [*fields[:2], HOSTILE_ADDRESS, "7395", *fields[4:]]
    rejected = [*fields[:2], "Stølsvegen 1", "7395", *fields[4:7], "[red]5[/red]", *fields[8:]]
    osc = [*fields[:2], '"\x1b]8;;http://evil\x1b\\z\x1b]8;;\x1b\\"', "7395", *fields[4:]]
    export = tmp_path / HOSTILE_NAME
    rows = [header, *(";".join(r) for r in (unmatched, rejected, osc))]
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return export


def _literal(text: str) -> None:
    assert HOSTILE_ADDRESS in text
    assert "[red]5[/red]" in text
    assert HOSTILE_NAME in text
    assert r"\x1b]8;;http://evil\x1b\z" in text


@pytest.mark.parametrize("markup", [True, False])
def test_input_text_is_printed_as_written(default_config, hostile_export, markup):
    """Markup, a terminal hyperlink and escape sequences from the export (and its file name)
    are shown literally, with or without markup on the console: nothing styles the terminal or
    becomes a link."""
    console = Console(
        record=True, width=300, force_terminal=True, color_system="truecolor", markup=markup
    )
    validate_survey_cli(hostile_export, None, default_config, console)
    styled = console.export_text(styles=True, clear=False)
    _literal(console.export_text())
    assert "\x1b]8;" not in styled  # no terminal hyperlink (OSC 8) anywhere


def test_dekning_validate_prints_input_text_as_written(hostile_export):
    env = {**os.environ, "COLUMNS": "300", "TERM": "xterm-256color"}
    dekning = Path(sys.executable).with_name("dekning")
    done = subprocess.run(
        [str(dekning), "validate", str(hostile_export)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    _literal(done.stdout)
    assert "\x1b" not in done.stdout and "Traceback" not in done.stderr
