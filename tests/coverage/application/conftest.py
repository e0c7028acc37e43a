"""Reading the application package's workbook back: with ``formulas`` (the formulas evaluated
in Python) and with LibreOffice (recalculated as a case officer's spreadsheet does)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import formulas
import openpyxl
import pytest

SOFFICE = Path("/usr/bin/soffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,false,false,false"
"""Comma-separated UTF-8, raw values (not as shown), formulas' results (not their text)."""

SHOWN_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1,,1044,false,true,true,false"
"""``;``-separated UTF-8, the cells as shown (number formats applied), Norwegian bokmål."""
NORWEGIAN = {"LC_ALL": "nb_NO.UTF-8", "LANG": "nb_NO.UTF-8", "LANGUAGE": "nb"}
"""LibreOffice's own locale data: a Norwegian user's spreadsheet, whatever the system has."""

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


def soffice_convert(paths: Sequence[Path], out: Path, target: str) -> list[Path]:
    """Every file converted by LibreOffice (headless, one process, a private profile) in a
    Norwegian locale to ``target`` (a ``--convert-to`` argument); the converted files."""
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(out / 'profile-nb').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, **NORWEGIAN},
    )
    suffix = "." + target.split(":")[0]
    return [out / f"{p.stem}{suffix}" for p in paths]


def shown(path: Path, out: Path) -> list[list[str]]:
    """The rows of a workbook's first sheet as a Norwegian LibreOffice shows them (number
    formats applied, formulas recalculated)."""
    (converted,) = soffice_convert([path], out, SHOWN_FILTER)
    with converted.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def pdf_objects(data: bytes) -> bytes:
    """A PDF's bytes followed by every stream it holds, inflated where it is deflated: the
    objects packed in object streams (WeasyPrint packs its page objects) become readable."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # not deflated (or an image): nothing to read in it
    return b"\n".join([data, *inflated])


def pdf_pages(data: bytes) -> tuple[int, tuple[float, float]]:
    """The number of pages of a PDF (its page objects, and the page tree's ``/Count`` says
    the same) and the size of its first media box in points, read without a PDF library."""
    objects = pdf_objects(data)
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", objects))
    counts = {int(n) for n in re.findall(rb"/Count\s+(\d+)", objects)}
    assert pages in counts, (pages, counts)
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", objects)
    assert box is not None, "no media box"
    x0, y0, x1, y1 = map(float, box.groups())
    return pages, (x1 - x0, y1 - y0)


def pdf_titles(data: bytes) -> list[str]:
    """Every ``/Title`` of a PDF (the document information's and the bookmarks'), literal or
    UTF-16 hex strings."""
    found = re.findall(rb"/Title\s*(<[0-9A-Fa-f]*>|\((?:[^()\\]|\\.)*\))", pdf_objects(data))
    return [
        bytes.fromhex(raw[1:-1].decode()).decode("utf-16")
        if raw.startswith(b"<")
        else raw[1:-1].decode("latin-1")
        for raw in found
    ]


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


@pytest.fixture(scope="session")
def libreoffice_shown(soffice) -> Callable[[Path, Path], list[list[str]]]:
    """:func:`shown`, when LibreOffice is installed."""
    return shown


@pytest.fixture(scope="session")
def libreoffice_convert(soffice) -> Callable[[Sequence[Path], Path, str], list[Path]]:
    """:func:`soffice_convert`, when LibreOffice is installed."""
    return soffice_convert


@pytest.fixture(scope="session")
def pdf_layout() -> Callable[[bytes], tuple[int, tuple[float, float]]]:
    """:func:`pdf_pages`."""
    return pdf_pages


@pytest.fixture(scope="session")
def pdf_info() -> Callable[[bytes], list[str]]:
    """:func:`pdf_titles`."""
    return pdf_titles


@pytest.fixture(scope="session")
def compare_outputs() -> Callable[[Path, Path], list[str]]:
    """``.ci/compare_outputs.py``'s comparison of two output folders, file by file by content
    (one line per difference; empty when they agree)."""
    import importlib.util

    root = Path(__file__).resolve().parents[3]
    spec = importlib.util.spec_from_file_location(
        "compare_outputs", root / ".ci" / "compare_outputs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compare
