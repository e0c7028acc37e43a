"""Text from the input is data: spreadsheet cells, script-embedded JSON and terminal output."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from rich.console import Console

from dekning.textsafe import (
    FORMULA_START,
    from_spreadsheet_frame,
    from_spreadsheet_text,
    script_json,
    spreadsheet_frame,
    spreadsheet_text,
    terminal_text,
    write_spreadsheet_csv,
)

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1", "-2+3", "\tx", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert spreadsheet_text(text) == "'" + text
    assert from_spreadsheet_text(spreadsheet_text(text)) == text


@pytest.mark.parametrize("text", ["Storgata 5", "", "O-002", "'quoted", "Å = 1", " =1"])
def test_other_text_is_unchanged(text):
    assert spreadsheet_text(text) == text
    assert from_spreadsheet_text(text) == text


def test_apostrophes_before_a_formula_get_one_more_so_the_text_comes_back_exactly():
    assert spreadsheet_text("'=1") == "''=1"
    assert from_spreadsheet_text("''=1") == "'=1"


@given(st.text())
def test_round_trip(text):
    safe = spreadsheet_text(text)
    assert from_spreadsheet_text(safe) == text
    assert not safe.startswith(FORMULA_START)


def test_only_text_is_touched_in_a_frame():
    frame = pd.DataFrame(
        {
            "adresse": ["=1+2", "Storgata 5", None, "-2+3"],
            "antall": [-1, 2, 3, -4],
            "belop": [-1.5, np.nan, 2.0, -0.0],
            "blandet": ["@SUM(1)", -2, None, 3.5],
            "valgt": [True, False, True, False],
            "tekst": pd.array(["+1", None, "x", "-"], dtype="string"),
        }
    )
    safe = spreadsheet_frame(frame)
    assert safe["adresse"].tolist()[::3] == ["'=1+2", "'-2+3"]
    assert safe["adresse"][1] == "Storgata 5" and pd.isna(safe["adresse"][2])
    assert safe["blandet"].tolist()[:2] == ["'@SUM(1)", -2]  # a negative number stays a number
    assert safe["tekst"].tolist()[::3] == ["'+1", "'-"]
    assert safe.dtypes.equals(frame.dtypes)
    for column in ("antall", "belop", "valgt"):
        assert safe[column].equals(frame[column])
    assert_frame_equal(from_spreadsheet_frame(safe), frame)
    assert frame["adresse"][0] == "=1+2"  # the input frame is left as it was


def test_a_frame_without_text_comes_back_equal():
    frame = pd.DataFrame({"x": [-1, 2], "y": [None, None]})
    assert_frame_equal(spreadsheet_frame(frame), frame)


def test_csv_written_and_read_back(tmp_path):
    frame = pd.DataFrame({"adresse": HOSTILE, "n": range(-3, 3)})
    write_spreadsheet_csv(frame, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.endswith(b"\r\n") and b"'\r=1" in raw  # quoted: the row is not broken
    back = pd.read_csv(tmp_path / "t.csv", sep=";")
    assert back["adresse"].str.startswith("'").all()
    assert back["n"].tolist() == [-3, -2, -1, 0, 1, 2]
    assert from_spreadsheet_frame(back)["adresse"].tolist() == HOSTILE


@pytest.mark.parametrize(
    "value",
    [
        "</script><script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "a & b 'c' \u2028\u2029",
        ["<!--", {"k": "</SCRIPT>"}],
    ],
)
def test_script_json_cannot_leave_the_script_element(value):
    text = script_json(value)
    for unsafe in "<>&'\u2028\u2029":
        assert unsafe not in text
    assert json.loads(text) == value


def test_script_json_refuses_nan():
    with pytest.raises(ValueError, match="Out of range float"):
        script_json([float("nan")])


def test_terminal_text_is_printed_as_written():
    hostile = "[bold]x[/bold] [link=http://evil]y[/link]"
    console = Console(record=True, width=200, force_terminal=True, color_system="truecolor")
    console.print(terminal_text(hostile), highlight=False)
    assert console.export_text() == hostile + "\n"
    raw = console.export_text(styles=True)
    assert "\x1b]8;" not in raw and "\x1b[1m" not in raw


def test_terminal_text_shows_control_characters():
    link = "\x1b]8;;http://evil\x1b\\y\x1b]8;;\x1b\\"
    shown = terminal_text(link + "\nz\x9b")
    assert "\x1b" not in shown and "\n" not in shown and "\x9b" not in shown
    console = Console(record=True, width=200, force_terminal=True)
    console.print(shown, highlight=False)
    assert console.export_text() == r"\x1b]8;;http://evil\x1b\y\x1b]8;;\x1b\\x0az\x9b" + "\n"
    assert terminal_text("tab\there") == "tab\there"


def test_csv_lines_end_in_newline_without_carriage_returns(tmp_path):
    write_spreadsheet_csv(pd.DataFrame({"a": ["=1", "x\ny"], "n": [-1, 2]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == b'a;n\n\'=1;-1\n"x\ny";2\n'
