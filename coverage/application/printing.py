"""How the package's workbooks look on screen and on paper: number formats that group
thousands as Norwegians read them, and the print setup (A4, margins, fit to one page wide,
the header row repeated on every page).

Number formats are written as openpyxl (and the file format) needs them: ``,`` for the
thousands separator and ``.`` for the decimal point. A spreadsheet shows them in its own
language: a Norwegian Excel or LibreOffice shows ``#,##0" kr"`` as ``12 045 696 kr`` and
``#,##0.0`` as ``99,4``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from dekning.coverage.application.cells import put

KRONER = '#,##0" kr"'
"""Whole kroner, thousands grouped: ``12 045 696 kr``."""
NUMBER_FORMATS = {
    "kr": KRONER,
    "kr/m": '#,##0" kr/m"',
    "m": '#,##0.0" m"',
    "stk": "#,##0",
    "tilknytninger": '#,##0.0" tilknytninger"',
    "faktor": "0.00",
    "nåverdi": "0.0000",
}
"""The number format of a value by its unit (see :func:`share_format` for shares)."""
INTEGER = "0"
"""Ids and other whole numbers that are names, not amounts: no grouping, never ``3E+08``."""
MARGINS_INCH = PageMargins(left=0.6, right=0.6, top=0.7, bottom=0.7, header=0.3, footer=0.3)
"""About 15 mm left and right, 18 mm top and bottom."""


def whole_percent(share: float) -> bool:
    """Whether a share is a whole percentage (0.15: yes; 0.2308: no)."""
    return abs(share * 100 - round(share * 100)) < 1e-9


def share_format(share: float) -> str:
    """The number format of a share (0.15 → ``15 %``): whole percent when the share is one,
    else two decimals (0.2308 → ``23,08 %``)."""
    return "0 %" if whole_percent(share) else "0.00 %"


def print_setup(
    ws: Worksheet, *, landscape: bool, title_rows: str, area: str, footer: str = ""
) -> None:
    """Print ``ws`` on A4, fitted to one page wide (as many pages tall as it needs), with
    the rows ``title_rows`` (e.g. ``"1:1"``) repeated on every page, the print area ``area``
    (e.g. ``"A1:C40"``), ``footer`` at the bottom left (``&`` written as text, never a
    header code) and page numbers at the bottom right."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins = MARGINS_INCH
    ws.print_options.horizontalCentered = False
    ws.print_title_rows = title_rows
    ws.print_area = area
    ws.oddFooter.left.text = footer.replace("&", "&&")
    ws.oddFooter.right.text = "Side &P av &N"


HEADER_HEIGHT = 45.0
"""Height (points) of a table sheet's header row: three lines of wrapped header text
(LibreOffice does not grow a row for wrapped text written by openpyxl)."""
MAX_COLUMN_WIDTH = 36


def shown_texts(values: pd.Series, fmt: str | None) -> pd.Series:
    """The values as a spreadsheet shows them with the number format ``fmt`` (thousands
    grouped, its decimals and its quoted unit), so a column can be made wide enough: a
    column sized by the bare number shows ``###`` for ``12 045 696 kr``."""
    numbers = pd.to_numeric(values, errors="coerce") if fmt else None
    if fmt is None or numbers is None or numbers.isna().all():
        return values.astype(str)
    decimals = len(fmt.split(".")[1].split('"')[0].rstrip("#")) if "." in fmt.split('"')[0] else 0
    grouped = "," in fmt.split('"')[0]
    unit = fmt.split('"')[1] if fmt.count('"') >= 2 else ""
    pattern = f"{{:{',' if grouped else ''}.{decimals}f}}"
    return numbers.map(lambda v: "" if pd.isna(v) else pattern.format(v) + unit)


def table_sheet(
    ws: Worksheet,
    table: pd.DataFrame,
    formats: Mapping[str, str],
    *,
    footer: str,
    freeze: str = "A2",
) -> None:
    """Lay out a sheet ``table`` was written to (header in row 1): bold wrapped header, the
    number format of each column by its header (``formats``; others as written), columns as
    wide as their text, frozen at ``freeze`` with a filter, A4 landscape one page wide."""
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = HEADER_HEIGHT
    for i, name in enumerate(table.columns, start=1):
        texts = shown_texts(table[name], formats.get(str(name)))
        width = max([min(len(str(name)), 18), *texts.str.len().tolist()]) * 1.15 + 2
        ws.column_dimensions[get_column_letter(i)].width = min(width, MAX_COLUMN_WIDTH)
        fmt = formats.get(str(name))
        if fmt is None:
            continue
        ws.cell(row=1, column=i).alignment = Alignment(
            horizontal="right", wrap_text=True, vertical="top"
        )
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            cell.number_format = fmt
    last = f"{get_column_letter(max(1, len(table.columns)))}{len(table) + 1}"
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{last}"
    print_setup(ws, landscape=True, title_rows="1:1", area=f"A1:{last}", footer=footer)


def notes_sheet(ws: Worksheet, lines: list[str]) -> None:
    """A sheet of sentences, one a row (the first bold): what the figures rest on."""
    for row, text in enumerate(lines, start=1):
        put(ws, row, 1, text)
        ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 110
    print_setup(ws, landscape=False, title_rows="1:1", area=f"A1:A{len(lines)}")


__all__ = [
    "HEADER_HEIGHT",
    "INTEGER",
    "KRONER",
    "NUMBER_FORMATS",
    "notes_sheet",
    "print_setup",
    "share_format",
    "table_sheet",
    "whole_percent",
]
