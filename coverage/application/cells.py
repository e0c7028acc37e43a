"""How values go into the package's workbooks: text from the input is data, never a formula.

openpyxl makes a formula of any string that starts with ``=`` and an error value of ``#N/A``
and its kind; an address called ``=HYPERLINK("http://x","y")`` would then run in Excel. Here only
a :class:`Formula` is a formula; every other string is stored as text (``data_type = "s"``),
and characters XML cannot hold become U+FFFD instead of stopping the run. A text that starts like
a formula (:data:`dekning.textsafe.FORMULA_START`) also gets the cell's quote prefix, as typing
``'`` before it in Excel would: it stays text when someone edits the cell.
"""

from __future__ import annotations

import re

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from dekning.textsafe import FORMULA_START

XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
"""Characters an Excel workbook (XML 1.0) cannot hold: control characters but tab and newlines."""
REPLACEMENT = "\ufffd"
TEXTUAL = ("string", "mixed", "mixed-integer")
"""Inferred column types (:func:`pandas.api.types.infer_dtype`) that hold text."""


class Formula(str):
    """A formula dekning wrote (``=...``); any other ``str`` is written as text."""


def put(ws: Worksheet, row: int, column: int, value: object) -> None:
    """Write one cell: a :class:`Formula` as a formula, any other string as text."""
    if isinstance(value, str) and not isinstance(value, Formula):
        cell = ws.cell(row=row, column=column, value=re.sub(XML_ILLEGAL, REPLACEMENT, value))
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_START)
    else:
        ws.cell(row=row, column=column, value=value)


def excel_text(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a workbook can hold it: XML-illegal characters in every text value become
    U+FFFD; other values stay as they are."""
    out = table.copy()
    for name in table.columns:  # a loop over columns; each is replaced at once
        col = table[name]
        if pd.api.types.infer_dtype(col, skipna=True) in TEXTUAL:
            cleaned = col.str.replace(XML_ILLEGAL, REPLACEMENT, regex=True)
            out[name] = cleaned.where(cleaned.notna(), col)
    return out


def store_as_text(ws: Worksheet) -> None:
    """Store every cell of a data sheet that openpyxl took for a formula or an error value as
    the text it is (for sheets written by pandas, which has no formulas of its own); text that
    starts like a formula gets the quote prefix."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type in ("f", "e"):
                cell.data_type = "s"
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True


__all__ = ["XML_ILLEGAL", "Formula", "excel_text", "put", "store_as_text"]
