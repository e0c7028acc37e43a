"""Workbook cells: only dekning's formulas are formulas; text is text, whatever it starts with."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
from openpyxl import Workbook

from dekning.coverage.application.cells import Formula, excel_text, put, store_as_text


def test_put_writes_formulas_numbers_and_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    put(ws, 1, 1, Formula("=1+1"))
    put(ws, 1, 2, "=1+1")
    put(ws, 1, 3, "#N/A")
    put(ws, 1, 4, "a\x00b\x1fc\td")
    put(ws, 1, 5, 2.5)
    wb.save(tmp_path / "c.xlsx")
    row = openpyxl.load_workbook(tmp_path / "c.xlsx").active[1]
    assert [(c.value, c.data_type) for c in row] == [
        ("=1+1", "f"),
        ("=1+1", "s"),
        ("#N/A", "s"),
        ("a\ufffdb\ufffdc\td", "s"),  # XML cannot hold \x00 or \x1f; a tab it can
        (2.5, "n"),
    ]
    assert [c.quotePrefix for c in row] == [False, True, False, False, False]


def test_excel_text_cleans_text_only():
    table = pd.DataFrame(
        {
            "tekst": pd.Series(["ok", "bjelle\x07", None], dtype="str"),
            "blandet": pd.Series([1, "x\x0b", None], dtype=object),
            "tall": [1, 2, 3],
            "desimal": [1.5, np.nan, 2.0],
        }
    )
    out = excel_text(table)
    assert out["tekst"].iloc[:2].tolist() == ["ok", "bjelle\ufffd"] and out["tekst"].isna().iloc[2]
    assert out["blandet"].tolist()[:2] == [1, "x\ufffd"] and out["blandet"].iloc[2] is None
    assert out["tall"].tolist() == [1, 2, 3] and out["desimal"].isna().tolist() == [
        False,
        True,
        False,
    ]
    assert table["tekst"].iloc[1] == "bjelle\x07"  # the input is not changed


def test_store_as_text_turns_formulas_pandas_wrote_into_text(tmp_path):
    path = tmp_path / "a.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        table = {"adresse": ["=2*3", "#DIV/0!", "Storgata 1", "@SUM(1)"], "n": [1, 2, 3, -4]}
        pd.DataFrame(table).to_excel(writer, index=False, sheet_name="A")
        store_as_text(writer.sheets["A"])
    ws = openpyxl.load_workbook(path).active
    assert [(c.value, c.data_type) for c in ws["A"]][1:] == [
        ("=2*3", "s"),
        ("#DIV/0!", "s"),
        ("Storgata 1", "s"),
        ("@SUM(1)", "s"),
    ]
    # Formula-like text keeps Excel's quote prefix, so editing the cell leaves it text.
    assert [c.quotePrefix for c in ws["A"]][1:] == [True, False, False, True]
    assert [(c.value, c.data_type) for c in ws["B"]][1:] == [
        (1, "n"),
        (2, "n"),
        (3, "n"),
        (-4, "n"),
    ]
    assert not any(c.quotePrefix for c in ws["B"])
