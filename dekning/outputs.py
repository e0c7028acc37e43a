"""Publish a run: the maps, the tables, the application packages of the chosen areas, the
report and the summary, written into one folder (see :func:`dekning.outfolder.atomic_folder`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa

from dekning import __version__
from dekning.config import Config
from dekning.coverage.application.masts import write_mast_files
from dekning.coverage.application.packages import ApplicationPackages, package_tasks
from dekning.coverage.application.roads import write_road_files
from dekning.crs import WEB_CRS
from dekning.history import input_record
from dekning.maps.planner import planner_map, write_map
from dekning.maps.public import public_map
from dekning.maps.qgis_styles import style_run_outputs
from dekning.maps.whatif import Budget
from dekning.postgis import masked_config
from dekning.result import RunResult
from dekning.summary import format_summary
from dekning.textsafe import write_spreadsheet_csv

SURVEY_FILES = {
    "svar": "sporreundersokelse_svar_PERSONOPPLYSNINGER.csv",
    "avvist": "sporreundersokelse_avvist.csv",
    "ikke_funnet": "sporreundersokelse_ikke_funnet.csv",
    "avvik": "avvik_mot_operatordata.csv",
    "ettersporsel_omrader": "ettersporsel_omrader.csv",
    "ettersporsel_ruter_offentlig": "ettersporsel_ruter_offentlig.csv",
    "utfordringer_forslag": "utfordringer_forslag_PERSONOPPLYSNINGER.csv",
    "fartstester": "fartstester_per_adresse_PERSONOPPLYSNINGER.csv",
}
"""Survey frames written by a run, and their file names."""


def write_maps(result: RunResult, cfg: Config, folder: Path) -> None:
    """The planner map and the public map (HTML, open offline apart from the tiles)."""
    name = cfg.municipality.name
    planner = planner_map(
        result.classified,
        result.areas,
        mobile_layers=result.mobile_layers,
        mobile_grids=result.mobile_grids,
        routes=result.routes,
        survey=result.survey,
        title=f"{name} – planleggerkart",
        budget=Budget.from_config(cfg),
        road_mobile=result.road_mobile,
        masts=result.masts,
        boundary=result.boundary,
        roads=result.roads,
        challenges=result.challenges,
    )
    write_map(planner, folder / "kart_planlegger.html")
    public = public_map(
        result.classified,
        result.areas,
        mobile_layers=result.mobile_layers,
        min_cell_count=cfg.privacy.min_cell_count,
        title=f"{name} – bredbånd og mobildekning",
        data_date=cfg.municipality.data_date,
        boundary=result.boundary,
        roads=result.roads,
        evidence=cfg.evidence,
    )
    write_map(public, folder / "kart_offentlig.html")


def _challenge_counts(result: RunResult) -> dict[str, int] | None:
    """Challenges per status when the run read a challenge store (None when it did not)."""
    if result.challenges is None:
        return None
    return {str(k): int(v) for k, v in result.challenges["status"].value_counts().items()}


def large_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """A layer of many rows into a GeoPackage through Arrow (pyogrio's Arrow writer: about 3×
    faster at 100 000 addresses, the same table and schema); a column Arrow cannot take as it
    is (mixed Python objects) is written the ordinary way, the file the same."""
    existed = path.exists()
    try:
        frame.to_file(path, layer=layer, driver="GPKG", use_arrow=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        if not existed:  # only a file this call began is removed; a layer is replaced anyway
            path.unlink(missing_ok=True)
        frame.to_file(path, layer=layer, driver="GPKG")


def application_packages(
    result: RunResult, cfg: Config, folder: Path, chosen: Sequence[str] | None = None
) -> ApplicationPackages:
    """The application packages of the run's chosen areas (or of the areas ``chosen``) into
    ``folder/soknad``: started by ``with`` (in worker processes when there are many), written
    by ``finish()``."""
    tasks = package_tasks(
        result.classified, result.areas, result.routes, cfg, folder / "soknad", chosen
    )
    return ApplicationPackages(tasks, result.report, workers=cfg.output.workers)


def write_tables(result: RunResult, cfg: Config, folder: Path) -> None:
    """Addresses, areas, routes, aggregates, scenarios, survey results, application packages of
    the chosen areas, the report and the summary."""
    with application_packages(result, cfg, folder) as packages:
        write_data_tables(result, cfg, folder)
        packages.finish()
    write_report(result, cfg, folder)


def write_data_tables(result: RunResult, cfg: Config, folder: Path) -> None:
    """Addresses, areas, routes, aggregates, scenarios, survey results and the road and mast
    files: every table but the application packages and the report."""
    cls = result.classified
    large_layer(cls, folder / "adresser_klassifisert.gpkg", "adresser")
    cls.to_parquet(folder / "adresser_klassifisert.parquet")  # GeoParquet: for large runs
    table = pd.DataFrame(cls.drop(columns="geometry"))
    write_spreadsheet_csv(
        table.assign(ost=cls.geometry.x.round(2), nord=cls.geometry.y.round(2)),
        folder / "adresser_klassifisert.csv",
    )
    areas = result.areas
    areas.to_file(folder / "omrader.gpkg", layer="omrader", driver="GPKG")
    if result.routes is not None:
        result.routes.to_file(folder / "omrader.gpkg", layer="traseer", driver="GPKG")
    areas.to_crs(WEB_CRS).to_file(folder / "omrader.geojson", driver="GeoJSON")
    write_spreadsheet_csv(pd.DataFrame(areas.drop(columns="geometry")), folder / "finansiering.csv")
    if result.scenarios is not None:
        write_spreadsheet_csv(result.scenarios, folder / "scenarioer.csv")
    for by, df in result.aggregates.items():
        write_spreadsheet_csv(df, folder / f"aggregat_{by}.csv")
    for key, name in SURVEY_FILES.items():
        if key in result.survey:
            write_spreadsheet_csv(result.survey[key], folder / name)
    if result.challenges is not None:
        ch = result.challenges
        write_spreadsheet_csv(
            pd.DataFrame(ch.drop(columns="geometry")),
            folder / "utfordringer_PERSONOPPLYSNINGER.csv",
        )
    if result.overrides is not None:
        write_spreadsheet_csv(result.overrides, folder / "overstyringer_PERSONOPPLYSNINGER.csv")
    if result.road_mobile is not None:
        write_road_files(
            result.road_mobile,
            folder,
            municipality=cfg.municipality.name,
            segment_m=cfg.roads.segment_m,
        )
    if result.masts is not None:
        road = result.road_mobile
        write_mast_files(result.masts, folder, cfg, cls, None if road is None else road.segments)


def write_report(result: RunResult, cfg: Config, folder: Path) -> None:
    """QGIS layer styles in every GeoPackage written before, ``rapport.json`` (with every
    warning, the packages' too) and ``sammendrag.txt``: the last files of a run."""
    style_run_outputs(folder)
    date = cfg.municipality.data_date
    report = {
        "dekning_versjon": __version__,
        "sammendrag": result.summary,
        "advarsler": json.loads(result.report.to_json())["warnings"],
        "konfigurasjon": masked_config(cfg),  # database passwords as ***
        "inndata": input_record(cfg),  # what the run read: name, sha256, modification time
        "datagrunnlag": {  # the vintage: the coverage data's date and the scheme year's rules
            "dekningsdata_per": None if date is None else date.isoformat(),
            "stotteordning_aar": result.summary.get("stotteordning_aar"),
        },
        "utfordringer": _challenge_counts(result),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    (folder / "rapport.json").write_text(text, encoding="utf-8")
    summary = format_summary(result.summary) + "\n"
    (folder / "sammendrag.txt").write_text(summary, encoding="utf-8")


__all__ = [
    "SURVEY_FILES",
    "application_packages",
    "large_layer",
    "write_data_tables",
    "write_maps",
    "write_report",
    "write_tables",
]
