"""The address list of an application package: the eligible addresses of one area with the
columns the county's address template asks for, as CSV, Excel, GeoPackage and GeoJSON.

Text from the input (address text, street names, post towns) is data: in Excel it is stored as
text, never as a formula, whatever it starts with; in the CSV, text a spreadsheet would take for a
formula gets a leading ``'`` (:func:`dekning.textsafe.write_spreadsheet_csv`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from dekning.coverage.application.cells import excel_text, store_as_text
from dekning.crs import WEB_CRS, require_crs
from dekning.schema import require
from dekning.textsafe import write_spreadsheet_csv

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
}
"""Columns of the classified addresses (those present) and their names in the package."""

SHEET = "Adresser"


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


def write_address_files(addresses: gpd.GeoDataFrame, folder: Path) -> None:
    """Write ``adresser.csv`` (``;``-separated, UTF-8), ``adresser.xlsx`` (sheet
    ``Adresser``), the ``adresser`` layer of ``omrade.gpkg`` (EPSG:25833) and
    ``adresser.geojson`` (EPSG:4326) into ``folder``.

    Raises
    ------
    InputError
        ``addresses`` is not in EPSG:25833.
    """
    require_crs(addresses, "write_address_files(addresses)")
    table = pd.DataFrame(addresses.drop(columns="geometry"))
    write_spreadsheet_csv(table, folder / "adresser.csv")
    with pd.ExcelWriter(folder / "adresser.xlsx", engine="openpyxl") as writer:
        excel_text(table).to_excel(writer, index=False, sheet_name=SHEET)
        store_as_text(writer.sheets[SHEET])
    addresses.to_file(folder / "omrade.gpkg", layer="adresser", driver="GPKG")
    addresses.to_crs(WEB_CRS).to_file(folder / "adresser.geojson", driver="GeoJSON")
