"""Reading the application package's workbook back: with ``formulas`` (the formulas evaluated
in Python) and with LibreOffice (recalculated as a case officer's spreadsheet does)."""

from __future__ import annotations

import csv
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import formulas
import openpyxl
import pytest

SOFFICE = Path("/usr/bin/soffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,false,false,false"
"""Comma-separated UTF-8, raw values (not as shown), formulas' results (not their text)."""

Values = dict[str, object]
"""A workbook's column B by its label in column A."""


def evaluate(path: Path) -> Values:
    """The value of every labelled row, the formulas computed by ``formulas``."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    by_cell = {key.rsplit("!", 1)[1]: r.value[0, 0] for key, r in solution.items()}
    ws = openpyxl.load_workbook(path).active
    return {
        row[0].value: by_cell.get(row[1].coordinate, row[1].value)
        for row in ws.iter_rows(min_row=3)
        if row[0].value
    }


def recalculate(paths: Sequence[Path], out: Path) -> dict[Path, list[list[str]]]:
    """Every workbook opened and recalculated by LibreOffice (headless, one process, a private
    profile): the rows of the CSV it saves of each."""
    profile = out / "profile"
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = {}
    for path in paths:
        with (out / f"{path.stem}.csv").open(encoding="utf-8", newline="") as fh:
            result[path] = list(csv.reader(fh))
    return result


def labelled(rows: list[list[str]]) -> Values:
    """The funding workbook's column B by its label (below the title and the header)."""
    return {r[0]: r[1] for r in rows[2:] if r and r[0]}


@pytest.fixture(scope="session")
def soffice() -> Path:
    if not SOFFICE.exists():
        pytest.skip(
            "LibreOffice is not installed (/usr/bin/soffice): apt-get install "
            "libreoffice-calc-nogui to check the workbook as Excel users see it"
        )
    return SOFFICE


@pytest.fixture(scope="session")
def workbook_values() -> Callable[[Path], Values]:
    """:func:`evaluate`."""
    return evaluate


@pytest.fixture(scope="session")
def libreoffice_rows(soffice) -> Callable[[Sequence[Path], Path], dict[Path, list[list[str]]]]:
    """:func:`recalculate`, when LibreOffice is installed."""
    return recalculate


@pytest.fixture(scope="session")
def libreoffice_values(libreoffice_rows) -> Callable[[Sequence[Path], Path], dict[Path, Values]]:
    """The funding workbooks as LibreOffice recalculates them, by label."""

    def values(paths: Sequence[Path], out: Path) -> dict[Path, Values]:
        return {p: labelled(rows) for p, rows in libreoffice_rows(paths, out).items()}

    return values
