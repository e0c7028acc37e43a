"""The address list of a package: the area's eligible addresses, sorted, renamed."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from openpyxl.styles import Alignment, Font

from dekning.coverage.application.addresses import (
    AMOUNTS,
    SHEET,
    address_list,
    write_address_sheet,
)
from dekning.coverage.application.cells import store_as_text
from dekning.coverage.application.printing import INTEGER, NUMBER_FORMATS
from dekning.errors import InputError


def _register() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adrid": [1, 2, 3, 4],
            "adressetekst": ["Åsveien 2", "Bakken 1", "Åsveien 1", "Bakken 3"],
            "postnummer": ["0150", "0150", "0150", "0150"],
            "hus": [1, 2, 1, 1],
            "eligible": [True, True, False, True],
            "area_id": ["O-001", "O-001", "O-001", "O-002"],
            "intern": ["x", "y", "z", "w"],
        },
        geometry=shapely.points([0, 1, 2, 3], [0, 0, 0, 0]),
        crs=25833,
    )


def test_the_area_s_eligible_addresses_sorted_and_renamed():
    out = address_list(_register(), "O-001")
    assert out["adresse_id"].tolist() == [2, 1]  # "Bakken" before "Åsveien"; 3 not eligible
    assert list(out.columns) == ["adresse_id", "adresse", "postnummer", "husstander", "geometry"]
    assert out["postnummer"].tolist() == ["0150", "0150"] and out.crs.to_epsg() == 25833
    assert address_list(_register(), "O-009").empty


def test_crs_and_columns_are_checked():
    with pytest.raises(InputError, match=r"address_list\(classified\).*EPSG:4326"):
        address_list(_register().to_crs(4326), "O-001")
    with pytest.raises(InputError, match=r"address_list\(classified\): mangler kolonne") as exc:
        address_list(_register().drop(columns="area_id"), "O-001")
    assert exc.value.field == "area_id"


def test_the_sheet_is_the_one_pandas_writes(tmp_path):
    """``adresser.xlsx`` is made cell by cell: the same cells as pandas' ``to_excel`` with
    :func:`store_as_text` makes, values, types, formats and styles, for every kind of value."""
    table = pd.DataFrame(
        {
            "Adresse-ID": pd.array([3_010_000_123, 7], dtype="int64"),
            "Adresse": ['=HYPERLINK("http://x","y")', "#N/A"],
            "Poststed": pd.array(["Å\ufffd", None], dtype="string"),
            "Gnr": pd.array([12, 13], dtype="int64"),
            "Husstander": pd.array([1_200, 0], dtype="int64"),
            "Andel": [0.5, float("nan")],
            "Uendelig": [float("inf"), -float("inf")],
            "Ja": [True, False],
            "Blandet": ["-1", 2],
        }
    )
    mine, theirs = tmp_path / "mine.xlsx", tmp_path / "pandas.xlsx"
    write_address_sheet(table, mine)
    with pd.ExcelWriter(theirs, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name=SHEET)
        ws = writer.sheets[SHEET]
        store_as_text(ws)
        for i, name in enumerate(table.columns, start=1):
            if pd.api.types.is_integer_dtype(table[name]):
                ws.cell(row=1, column=i).alignment = Alignment(horizontal="right")
                fmt = NUMBER_FORMATS["stk"] if name in AMOUNTS else INTEGER
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = fmt
            ws.cell(row=1, column=i).font = Font(bold=True)

    def cells(path):
        ws = openpyxl.load_workbook(path)[SHEET]
        return [
            (
                c.coordinate,
                c.value,
                c.data_type,
                c.number_format,
                c.font.b,
                c.alignment.horizontal,
                c.quotePrefix,
            )
            for row in ws.iter_rows()
            for c in row
        ]

    assert cells(mine) == cells(theirs)
    ws = openpyxl.load_workbook(mine)[SHEET]
    assert ws["B2"].data_type == "s" and ws["B2"].quotePrefix and ws["B3"].value == "#N/A"
    assert ws["D2"].number_format == INTEGER and ws["E2"].number_format == NUMBER_FORMATS["stk"]
