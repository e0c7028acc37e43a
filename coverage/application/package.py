"""Application package of one build-out area, for the county council (fylkeskommunen).

Written into one folder per area:

- ``adresser.csv`` / ``adresser.xlsx``: the eligible addresses with id, text, gnr/bnr and counts
  (:mod:`~dekning.coverage.application.addresses`);
- ``omrade.gpkg`` (layers ``omrade``, ``adresser`` and ``trase``, EPSG:25833) and
  ``omrade.geojson`` / ``adresser.geojson`` (EPSG:4326);
- ``kostnad_og_finansiering.xlsx``: inputs and live formulas deriving every figure
  (:mod:`~dekning.coverage.application.workbook`);
- ``sammendrag.html`` and ``sammendrag.pdf``: a one-page summary (A4) in bokmål with a map
  image (:mod:`~dekning.coverage.application.summary`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pyogrio

from dekning.config import Config
from dekning.coverage.application.addresses import address_list, write_address_files
from dekning.coverage.application.summary import summary_html, write_summary_pdf
from dekning.coverage.application.workbook import funding_workbook
from dekning.crs import WEB_CRS, require_crs
from dekning.errors import PlanningError
from dekning.outfolder import atomic_folder
from dekning.report import RunReport
from dekning.schema import require

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PACKAGE_FILES: dict[str, str] = {
    "adresser.csv": "text/csv",
    "adresser.xlsx": XLSX,
    "adresser.geojson": "application/geo+json",
    "omrade.gpkg": "application/geopackage+sqlite3",
    "omrade.geojson": "application/geo+json",
    "kostnad_og_finansiering.xlsx": XLSX,
    "sammendrag.html": "text/html",
    "sammendrag.pdf": "application/pdf",
}
"""Every file of a package, with its media type."""


def is_package(folder: Path) -> bool:
    """True when every file in ``folder`` is one a package has (:data:`PACKAGE_FILES`): a folder
    an earlier package was written to, which may be replaced."""
    return all(p.is_file() and p.name in PACKAGE_FILES for p in folder.iterdir())


AREA_LAYER = [
    "area_id",
    "hus",
    "naering",
    "offentlig",
    "fritid",
    "kost_total",
    "stottebehov",
    "statlig",
    "kommunal",
    "geometry",
]
"""Columns of the ``omrade`` layer and ``omrade.geojson``."""


UNSYNCED_SQLITE = {"OGR_SQLITE_SYNCHRONOUS": "OFF"}
"""GDAL's SQLite setting while a package is written: SQLite does not wait for the disk at each
commit of ``omrade.gpkg``'s layers (which took most of the time the three small layers take).
The file is in the package's temporary folder, moved into place whole
(:func:`~dekning.outfolder.atomic_folder`), and no file of the package is flushed to disk on
its own; the GeoPackage's content is the same."""


@contextmanager
def _unsynced_sqlite() -> Iterator[None]:
    """GDAL's SQLite writes without waiting for the disk (:data:`UNSYNCED_SQLITE`) inside the
    block; the setting before it (a user's, or none) is put back after."""
    before = {key: pyogrio.get_gdal_config_option(key) for key in UNSYNCED_SQLITE}
    pyogrio.set_gdal_config_options(UNSYNCED_SQLITE)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def _write_package(
    classified: gpd.GeoDataFrame,
    match: gpd.GeoDataFrame,
    route: gpd.GeoDataFrame | None,
    cfg: Config,
    folder: Path,
) -> str | None:
    """Every file of the package of the area ``match`` (one row) into ``folder``; returns why
    ``sammendrag.pdf`` is missing, or None when every file was written."""
    area = match.iloc[0]
    adr = address_list(classified, str(area["area_id"]))
    area_gdf = match[AREA_LAYER]
    area_gdf.to_file(folder / "omrade.gpkg", layer="omrade", driver="GPKG")
    write_address_files(adr, folder)
    if route is not None and len(route):
        route.to_file(folder / "omrade.gpkg", layer="trase", driver="GPKG")
    area_gdf.to_crs(WEB_CRS).to_file(folder / "omrade.geojson", driver="GeoJSON")
    funding_workbook(area, cfg, folder / "kostnad_og_finansiering.xlsx")
    html = summary_html(area, adr, match, cfg, route)
    (folder / "sammendrag.html").write_text(html, encoding="utf-8")
    return write_summary_pdf(html, folder / "sammendrag.pdf")


def check_frames(
    classified: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, routes: gpd.GeoDataFrame | None
) -> None:
    """CRS (EPSG:25833) and columns of the frames :func:`write_application` takes."""
    require_crs(classified, "write_application(classified)")
    require_crs(areas, "write_application(areas)")
    require(areas, AREA_LAYER, "write_application(areas)")
    if routes is not None:
        require_crs(routes, "write_application(routes)")


def write_application(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    area_id: str,
    cfg: Config,
    out_dir: str | Path,
    *,
    routes: gpd.GeoDataFrame | None = None,
    report: RunReport | None = None,
) -> Path:
    """Write the application package of ``area_id`` into ``out_dir`` (replaced atomically).

    The frames may come straight from a run or be read back from its output files
    (``adresser_klassifisert.gpkg`` layer ``adresser``, ``omrader.gpkg`` layers ``omrader``
    and ``traseer``): the package is the same.

    Parameters
    ----------
    classified, areas, routes
        Classified addresses with ``area_id``, the run's areas with cost and funding columns,
        and (optional) the fibre routes by ``area_id``; EPSG:25833.
    area_id
        The area to apply for.
    cfg
        The run's configuration.
    out_dir
        The package folder (made or replaced).
    report
        Gets a warning (``summary_pdf_missing``) when ``sammendrag.pdf`` cannot be printed on
        this machine (no Pango); every other file is written.

    Returns
    -------
    pathlib.Path
        The package folder (absolute).

    Raises
    ------
    InputError
        A frame is not in EPSG:25833 or lacks a column.
    PlanningError
        No such area.
    """
    check_frames(classified, areas, routes)
    match = areas[areas["area_id"] == area_id]
    if match.empty:
        raise PlanningError(
            f"ukjent utbyggingsområde {area_id!r}; områdene er: {', '.join(areas['area_id'])}"
        )
    route = routes[routes["area_id"] == area_id] if routes is not None else None
    out = Path(out_dir).resolve()
    missing = package_into(classified, match, route, cfg, out)
    if missing is not None and report is not None:
        report.warn("application", "summary_pdf_missing", missing, 1, [area_id])
    return out


def package_into(
    classified: gpd.GeoDataFrame,
    match: gpd.GeoDataFrame,
    route: gpd.GeoDataFrame | None,
    cfg: Config,
    out: Path,
    *,
    lock: bool = True,
) -> str | None:
    """The package of the area ``match`` (one row of the run's areas) into the folder ``out``
    (replaced atomically; ``lock``: see :func:`~dekning.outfolder.atomic_folder`);
    ``classified`` needs only that area's addresses, ``route`` only its route. Returns why
    ``sammendrag.pdf`` is missing, or None. A top-level function of plain frames, so that a
    worker process can run it (:mod:`~dekning.coverage.application.packages`)."""
    with atomic_folder(out, owned=is_package, lock=lock) as folder, _unsynced_sqlite():
        return _write_package(classified, match, route, cfg, folder)
