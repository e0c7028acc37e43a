"""The address list of an application package: the eligible addresses of one area with the
columns the county's address template asks for, as CSV, Excel, GeoPackage and GeoJSON.

Text from the input (address text, street names, post towns) is data: in Excel it is stored as
text, never as a formula, whatever it starts with; in the CSV, text a spreadsheet would take for a
formula gets a leading ``'`` (:func:`dekning.textsafe.write_spreadsheet_csv`).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dekning.coverage.application.cells import excel_text
from dekning.coverage.application.printing import INTEGER, NUMBER_FORMATS, print_setup
from dekning.crs import WEB_CRS, require_crs
from dekning.schema import TECHNOLOGY_WORDS, require
from dekning.textsafe import FORMULA_START, write_spreadsheet_csv

ADDRESS_COLUMNS = {
    "adrid": "adresse_id",
    "adressetekst": "adresse",
    "postnummer": "postnummer",
    "poststed": "poststed",
    "kommunenummer": "kommunenummer",
    "gnr": "gnr",
    "bnr": "bnr",
    "hus": "husstander",
    "naering": "virksomheter",
    "offentlig": "offentlige_bygg",
    "fritid": "fritidsboliger",
    "best_down_kbps": "beste_ned_kbps",
    "best_tek": "beste_teknologi",
    "band": "klasse",
    "overstyring": "overstyring",
}
"""Columns of the classified addresses (those present) and their names in the package's
GeoPackage and GeoJSON."""
LABELS = {
    "adresse_id": "Adresse-ID",
    "adresse": "Adresse",
    "postnummer": "Postnummer",
    "poststed": "Poststed",
    "kommunenummer": "Kommunenummer",
    "gnr": "Gnr",
    "bnr": "Bnr",
    "husstander": "Husstander",
    "virksomheter": "Virksomheter",
    "offentlige_bygg": "Offentlige bygg",
    "fritidsboliger": "Fritidsboliger",
    "beste_ned_kbps": "Beste nedlasting (kbit/s)",
    "beste_teknologi": "Beste teknologi",
    "klasse": "Klasse (M30/M100)",
    "overstyring": "Overstyrt av utfordring",
}
"""Headers of the address list people open (``adresser.csv``, ``adresser.xlsx``)."""
AMOUNTS = {LABELS[c] for c in ("husstander", "virksomheter", "offentlige_bygg", "fritidsboliger")}
AMOUNTS.add(LABELS["beste_ned_kbps"])
"""Columns of amounts (thousands grouped); other whole numbers (ids, gnr/bnr) are names."""
SHEET = "Adresser"
MAX_WIDTH = 40
"""The widest a column of the sheet gets (characters)."""


def address_list(classified: gpd.GeoDataFrame, area_id: str) -> gpd.GeoDataFrame:
    """Eligible addresses of an area, sorted by address text, with the package's column names.

    Parameters
    ----------
    classified
        Classified addresses with ``area_id`` and ``eligible`` (EPSG:25833).
    area_id
        The area.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :data:`ADDRESS_COLUMNS` the input has, renamed, and the point geometry
        (EPSG:25833).

    Raises
    ------
    InputError
        ``classified`` is not in EPSG:25833 or lacks ``area_id``/``eligible``.
    """
    require_crs(classified, "address_list(classified)")
    require(classified, ["area_id", "eligible", "adressetekst"], "address_list(classified)")
    rows = classified[(classified["area_id"] == area_id) & classified["eligible"]]
    cols = [c for c in ADDRESS_COLUMNS if c in rows.columns]
    out = rows[[*cols, "geometry"]].rename(columns=ADDRESS_COLUMNS)
    return out.sort_values(["adresse"], kind="stable").reset_index(drop=True)


def for_people(addresses: gpd.GeoDataFrame) -> pd.DataFrame:
    """The address list as people read it (``adresser.csv``, ``adresser.xlsx``): headers in
    bokmål (:data:`LABELS`), gnr/bnr as numbers where every value is one (so they sort as
    numbers), codes with leading zeros (postnummer, kommunenummer) as text, technologies in
    words (:data:`~dekning.schema.TECHNOLOGY_WORDS`)."""
    table = pd.DataFrame(addresses.drop(columns="geometry"))
    if "beste_teknologi" in table.columns:  # Nkom's codes in words: "DSL (kobber)", not "dsl"
        table["beste_teknologi"] = table["beste_teknologi"].map(
            lambda t: TECHNOLOGY_WORDS.get(t, t)
        )
    for name in ("gnr", "bnr"):
        if name in table.columns:
            numbers = pd.to_numeric(table[name], errors="coerce")
            if numbers.notna().all() and (numbers == numbers.round()).all():
                table[name] = numbers.astype("int64")
    return table.rename(columns=LABELS)


def _cell_value(value: object) -> object:
    """A value of the table as pandas' ``to_excel`` writes it: missing as an empty text,
    infinities as ``inf``/``-inf``, numpy scalars as Python numbers, anything else but numbers
    and booleans as its text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return "inf" if value == math.inf else "-inf" if value == -math.inf else float(value)
    return str(value)


def _columns(table: pd.DataFrame) -> list[list[object]]:
    """The table's values, a list a column, as the sheet gets them (:func:`_cell_value`)."""
    return [[_cell_value(v) for v in table[name].tolist()] for name in table.columns]


def _put_rows(ws: Worksheet, table: pd.DataFrame) -> None:
    """The header (bold; over whole numbers right-aligned) and the rows of ``table`` into
    ``ws``, cell by cell as pandas' ``to_excel`` puts them, every value stored as what it is:
    text that openpyxl would take for a formula or an error value stays text, and text that
    starts like a formula gets the quote prefix (as
    :func:`~dekning.coverage.application.cells.store_as_text` does). Whole-number columns
    get their number format (amounts grouped, ids and gnr/bnr without grouping)."""
    bold = Font(bold=True)
    for i, name in enumerate(table.columns, start=1):
        head = ws.cell(row=1, column=i, value=str(name))
        head.font = bold
        if pd.api.types.is_integer_dtype(table[name]):
            head.alignment = Alignment(horizontal="right")
    styles = []  # each column's style, shared by its cells (copied, as openpyxl does)
    for i, name in enumerate(table.columns, start=1):
        proto = Cell(ws, row=1, column=i)
        if pd.api.types.is_integer_dtype(table[name]):
            proto.number_format = NUMBER_FORMATS["stk"] if name in AMOUNTS else INTEGER
        styles.append(proto._style)
    cells = ws._cells
    for r, row in enumerate(zip(*_columns(table), strict=True), start=2):
        for c, value in enumerate(row, start=1):
            cell = Cell(ws, row=r, column=c, value=value, style_array=styles[c - 1])
            if cell.data_type in ("f", "e"):
                cell.data_type = "s"
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.quotePrefix = True
            cells[(r, c)] = cell


def _format_sheet(ws: Worksheet, table: pd.DataFrame) -> None:
    """Columns as wide as their text (the header bold), frozen header with a filter; printed
    landscape on A4, one page wide, the header on every page."""
    for i, name in enumerate(table.columns, start=1):
        texts = table[name].astype(str)
        width = 1.2 * max([len(str(name)), *texts.str.len().tolist()]) + 2  # bold header
        ws.column_dimensions[get_column_letter(i)].width = min(width, MAX_WIDTH)
    last = f"{get_column_letter(len(table.columns))}{len(table) + 1}"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}"
    print_setup(ws, landscape=True, title_rows="1:1", area=f"A1:{last}", footer=SHEET)


def write_address_sheet(table: pd.DataFrame, path: Path) -> None:
    """Write ``adresser.xlsx``: the table (:func:`for_people`) in the sheet ``Adresser``, header
    in bold (over numbers: right-aligned), frozen, with a filter; ids without exponent, counts
    grouped; columns as wide as their text; printed landscape on A4, one page wide, the header
    on every page. Text is data (:func:`_put_rows`); characters a workbook cannot hold become
    U+FFFD (:func:`~dekning.coverage.application.cells.excel_text`).

    The cells are made directly, not through pandas' ``to_excel``: the same workbook in a
    fraction of the time."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _put_rows(ws, excel_text(table))
    _format_sheet(ws, table)
    wb.save(path)


def write_address_files(addresses: gpd.GeoDataFrame, folder: Path) -> None:
    """Write ``adresser.csv`` (:data:`dekning.textsafe.CSV_CONVENTION`) and ``adresser.xlsx``
    (sheet ``Adresser``), both with bokmål headers (:func:`for_people`), the ``adresser`` layer
    of ``omrade.gpkg`` (EPSG:25833) and ``adresser.geojson`` (EPSG:4326) into ``folder``.

    Raises
    ------
    InputError
        ``addresses`` is not in EPSG:25833.
    """
    require_crs(addresses, "write_address_files(addresses)")
    table = for_people(addresses)
    write_spreadsheet_csv(table, folder / "adresser.csv")
    write_address_sheet(table, folder / "adresser.xlsx")
    addresses.to_file(folder / "omrade.gpkg", layer="adresser", driver="GPKG")
    addresses.to_crs(WEB_CRS).to_file(folder / "adresser.geojson", driver="GeoJSON")
