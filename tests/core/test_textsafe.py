"""Text from the input is data: spreadsheet cells, script-embedded JSON and terminal output."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from rich.console import Console

from dekning.config import default_data_dir, load_config
from dekning.pipeline import run
from dekning.textsafe import (
    FORMULA_START,
    from_spreadsheet_frame,
    from_spreadsheet_text,
    read_spreadsheet_csv,
    script_json,
    spreadsheet_frame,
    spreadsheet_text,
    terminal_text,
    write_spreadsheet_csv,
)

CONVENTION = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}
"""How a Norwegian spreadsheet reads dekning's CSVs (:data:`dekning.textsafe.CSV_CONVENTION`)."""
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
    back = pd.read_csv(tmp_path / "t.csv", sep=";", encoding="utf-8-sig")
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


def test_script_json_writes_a_missing_coordinate_as_javascript_nan():
    assert script_json([float("nan"), "ø"]) == '[NaN, "ø"]'


@pytest.mark.parametrize("markup", [True, False])
def test_terminal_text_is_printed_as_written(markup):
    hostile = "[bold]x[/bold] [link=http://evil]y[/link] :smile: 1.2.3.4"
    console = Console(
        record=True, width=200, force_terminal=True, color_system="truecolor", markup=markup
    )
    console.print(terminal_text(hostile))
    assert console.export_text(clear=False) == hostile + "\n"
    raw = console.export_text(styles=True)
    assert "\x1b" not in raw  # no style, colour or hyperlink at all


def test_terminal_text_shows_control_characters():
    link = "\x1b]8;;http://evil\x1b\\y\x1b]8;;\x1b\\"
    shown = terminal_text(link + "\nz\x9b\x07", style="bold")
    assert shown.style == "bold"
    console = Console(record=True, width=200, force_terminal=True)
    console.print(shown)
    printed = console.export_text()
    assert printed == r"\x1b]8;;http://evil\x1b\y\x1b]8;;\x1b\\x0az\x9b\x07" + "\n"
    assert terminal_text("tab\there").plain == "tab\there"


def test_csv_convention_for_norwegian_spreadsheets(tmp_path):
    frame = pd.DataFrame(
        {
            "adrid": [300000001, 300000002],
            "tilknytninger": [383.59999999999997, 99.4],
            "kost": [12045696, 0],
            "valgt": [True, False],
            "sted": ["Ørnes", "=1"],
        }
    )
    write_spreadsheet_csv(frame, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM: æøå right on a double-click
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == [
        "adrid;tilknytninger;kost;valgt;sted",
        "300000001;383,6;12045696;ja;Ørnes",
        "300000002;99,4;0;nei;'=1",
    ]
    back = read_spreadsheet_csv(tmp_path / "t.csv", ("sted",))
    assert back["tilknytninger"].tolist() == [383.6, 99.4]
    assert back["valgt"].tolist() == [True, False] and back["kost"].dtype.kind == "i"
    assert back["sted"].tolist() == ["Ørnes", "=1"]


def test_csv_lines_end_in_newline_without_carriage_returns(tmp_path):
    write_spreadsheet_csv(pd.DataFrame({"a": ["=1", "x\ny"], "n": [-1, 2]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == b'\xef\xbb\xbfa;n\n\'=1;-1\n"x\ny";2\n'


# End to end: a run on a copy of the default data with hostile texts, read by LibreOffice.

SOFFICE = Path("/usr/bin/soffice")
FORMULAS = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1", "-2+3"]
COMMENTS = ['=HYPERLINK("http://x","y")', "@SUM(1)", "-2+3", "+47 99 99 99 99"]


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))  # the decimal comma of dekning's CSVs
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, default_result):
    """``dekning run`` on the default data where four addresses of chosen areas, a post town
    and survey comments, addresses and answers start like formulas."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(default_data_dir(), data, ignore=shutil.ignore_patterns("generator"))
    cls, areas = default_result.classified, default_result.areas
    chosen = cls[cls["eligible"] & cls["area_id"].isin(areas.loc[areas["valgt"], "area_id"])]
    victims = dict(zip(chosen["adrid"].head(len(FORMULAS)), FORMULAS, strict=True))
    register = pd.read_csv(data / "adresser.csv", sep=";", dtype=str, keep_default_na=False)
    hit = register["adresseId"].astype(int).isin(victims)
    for column in ("adresseTekst", "adresseTekstUtenAdressetilleggsnavn"):
        register.loc[hit, column] = register.loc[hit, "adresseId"].astype(int).map(victims)
    register.loc[hit, "poststed"] = "=1+2"
    register.to_csv(data / "adresser.csv", sep=";", index=False)
    survey_path = data / "sporreundersokelse_nettskjema.csv"
    survey = pd.read_csv(
        survey_path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    survey.loc[: len(COMMENTS) - 1, "Kommentar"] = COMMENTS
    extra = survey.iloc[[0, 1]].copy()
    extra["Adresse"] = ["-2+3", "Storgata 1"]
    extra["$submission_id"] = ["9999991", "9999992"]
    extra.iloc[1, survey.columns.get_loc("Målt nedlastingshastighet (Mbit/s)")] = "=1+1"
    pd.concat([survey, extra]).to_csv(survey_path, sep=";", index=False)
    run(load_config(data / "dekning.toml"), root / "ut")
    return root / "ut", victims


@pytest.mark.slow
def test_no_csv_of_a_run_holds_a_formula(hostile_run):
    out, _ = hostile_run
    files = sorted(out.rglob("*.csv"))
    assert len(files) > 10
    for path in files:
        for row in _cells(path):
            for cell in row:
                if cell.startswith(FORMULA_START):
                    assert _is_number(cell), (path.name, cell)


@pytest.mark.slow
def test_hostile_texts_are_kept_as_text(hostile_run):
    out, victims = hostile_run
    table = pd.read_csv(
        out / "adresser_klassifisert.csv", **CONVENTION, dtype={"adressetekst": str}
    )
    shown = dict(zip(table["adrid"], table["adressetekst"], strict=True))
    assert {shown[a] for a in victims} == {"'" + f for f in FORMULAS}
    assert table["best_down_kbps"].dtype.kind in "if"  # numbers stay numbers
    back = from_spreadsheet_frame(table)
    assert {back.set_index("adrid").loc[a, "adressetekst"] for a in victims} == set(FORMULAS)
    answers = pd.read_csv(out / "sporreundersokelse_svar_PERSONOPPLYSNINGER.csv", **CONVENTION)
    assert {"'" + c for c in COMMENTS} <= set(answers["comment"].dropna())
    missing = pd.read_csv(out / "sporreundersokelse_ikke_funnet.csv", **CONVENTION)
    assert "'-2+3" in set(missing["address"])
    rejected = pd.read_csv(out / "sporreundersokelse_avvist.csv", **CONVENTION, dtype=str)
    assert "'=1+1" in set(rejected["value"])
    packages = [p for p in (out / "soknad").glob("*/adresser.csv")]
    in_packages = set()
    for path in packages:
        package = pd.read_csv(path, **CONVENTION, dtype=str)
        in_packages |= set(package["Adresse"]) | set(package["Poststed"])
        ws = openpyxl.load_workbook(path.with_suffix(".xlsx")).active
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert cell.data_type == "s"  # text in the workbook, as written
                    assert cell.quotePrefix  # and it stays text when someone edits it
                    assert cell.value in {*FORMULAS, "=1+2"}
    assert {"'" + f for f in FORMULAS} | {"'=1+2"} <= in_packages


@pytest.mark.slow
def test_libreoffice_reads_the_csv_as_text(hostile_run, tmp_path):
    """LibreOffice opens the run's CSV with formula evaluation on: the hostile cells stay text,
    while the same texts without the apostrophe (a control file) become formulas."""
    if not SOFFICE.exists():
        pytest.skip("LibreOffice is not installed (/usr/bin/soffice)")
    out, _ = hostile_run
    package = next(p for p in (out / "soknad").glob("*/adresser.csv") if "'" in p.read_text())
    control = tmp_path / "kontroll.csv"
    control.write_text(
        "adresse;n\n" + "".join(f'"{f.replace(chr(34), 2 * chr(34))}";-1\n' for f in FORMULAS),
        encoding="utf-8",
    )
    mine = tmp_path / "adresser.csv"
    shutil.copy(package, mine)
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--infilter=CSV:59,34,76,1,,1033,false,false,false,false,false,true",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "xlsx"),
            str(mine),
            str(control),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    ws = openpyxl.load_workbook(tmp_path / "xlsx" / "adresser.xlsx").active
    header = [c.value for c in ws[1]]
    cells = [row[header.index("Adresse")] for row in ws.iter_rows(min_row=2)]
    hostile = [
        c
        for c in cells
        if isinstance(c.value, str) and c.value.lstrip("'").startswith(FORMULA_START)
    ]
    assert len(hostile) >= 1
    for cell in hostile:
        assert cell.data_type == "s", cell.value
        assert cell.value.lstrip("'") in {*FORMULAS}
    counts = [row[header.index("Husstander")].value for row in ws.iter_rows(min_row=2)]
    assert all(isinstance(v, int | float) for v in counts)  # numbers stay numbers
    ctl = openpyxl.load_workbook(tmp_path / "xlsx" / "kontroll.xlsx").active
    kinds = {c.value: c.data_type for (c,) in ctl.iter_rows(min_row=2, max_col=1)}
    assert "f" in kinds.values(), kinds  # without the apostrophe LibreOffice makes formulas


def test_text_in_a_categorical_column_is_protected_too():
    frame = pd.DataFrame({"tilb": pd.Categorical(["=1+1", "Telenor", "=1+1"]), "n": [1, 2, 3]})
    out = spreadsheet_frame(frame)
    assert out["tilb"].tolist() == ["'=1+1", "Telenor", "'=1+1"]
    assert from_spreadsheet_frame(out)["tilb"].tolist() == ["=1+1", "Telenor", "=1+1"]


@pytest.mark.slow
def test_every_csv_of_a_run_follows_the_convention(hostile_run):
    out, _ = hostile_run
    for path in sorted(out.rglob("*.csv")):
        raw = path.read_bytes()
        assert raw.startswith("\ufeff".encode()), path.name  # BOM
        text = raw.decode("utf-8-sig")
        assert not re.search(r";(True|False)(;|$)", text, re.MULTILINE), path.name
        assert not re.search(r"(^|;)-?\d+\.\d+(;|$)", text, re.MULTILINE), path.name  # no point
    fin = read_spreadsheet_csv(out / "finansiering.csv")
    raw = (out / "finansiering.csv").read_text(encoding="utf-8-sig")
    assert fin["valgt"].dtype == bool and ";ja;" in raw and ";nei;" in raw
    assert fin["tilknytninger"].map(lambda v: len(repr(v)) < 12).all()  # no float noise


def test_yes_no_and_whole_numbers_with_gaps_follow_the_convention(tmp_path):
    """A yes/no column with a gap is still ja/nei (not True/False); whole numbers that are a
    float column only because of a gap are written without ``,0``; real decimals keep theirs."""
    frame = pd.DataFrame(
        {
            "svar": pd.Series([True, None, False], dtype=object),
            "antall": [2.0, float("nan"), 15000.0],
            "meter": [383.6, float("nan"), 2.0],
        }
    )
    path = tmp_path / "t.csv"
    write_spreadsheet_csv(frame, path)
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    assert lines == ["svar;antall;meter", "ja;2;383,6", ";;", "nei;15000;2,0"]
