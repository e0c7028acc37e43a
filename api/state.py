"""A run's results, read from its output folder once (and again after a re-run).

The service never runs the analysis: it reads what ``dekning run`` wrote (classified addresses,
areas with their figures, routes, aggregates, the summary), checks it (CRS, columns, funding
parts adding up to the cost) and builds what requests need from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors

from dekning.config import Config
from dekning.crs import require_crs
from dekning.errors import ConfigError
from dekning.money import FUNDING_PARTS, reconcile
from dekning.schema import MobileLayer, operators, require
from dekning.surveys.geocode import AddressIndex
from dekning.textsafe import read_spreadsheet_csv

from .encode import Lookup, areas_json, statistics_json

ADDRESSES = "adresser_klassifisert.gpkg"
AREAS = "omrader.gpkg"
REPORT = "rapport.json"
ANSWERS = "sporreundersokelse_svar_PERSONOPPLYSNINGER.csv"
DISCREPANCIES = "avvik_mot_operatordata.csv"
PUBLIC_MAP = "kart_offentlig.html"
PLANNER_MAP = "kart_planlegger.html"
ROADS = "mobil_veg.gpkg"
"""Mobile coverage along roads (layers ``segmenter`` and ``hull``), when the run had roads."""
GROUPS = ("kommunenummer", "postnummer", "grunnkrets", "ssb_rute_250", "ertett")
"""Aggregate tables (``aggregat_<group>.csv``) a run writes; ``omrade`` comes from the areas."""
AREA_STATISTICS = ("area_id", "adresser", "hus", "naering", "fritid", "valgt")
ADDRESS_NEEDS = (
    "adrid",
    "adressetekst",
    "adressenavn",
    "nummer",
    "bokstav",
    "postnummer",
    "poststed",
    "best_down_kbps",
    "best_up_kbps",
    "best_tek",
    "operators",
    "speed_class",
    "eligible",
    "area_id",
)
_UNREADABLE = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError)


def has_results(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a run's results."""
    return (out_dir / ADDRESSES).is_file()


def _unreadable(path: Path, err: BaseException) -> ConfigError:
    return ConfigError(f"resultatfila {path} kan ikke leses ({err}); kjør `dekning run` på nytt")


def read_layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    """One layer of a result GeoPackage, checked to be in EPSG:25833.

    Raises
    ------
    ConfigError
        The file or layer cannot be read.
    InputError
        The layer is not in EPSG:25833.
    """
    try:
        frame = gpd.read_file(path, layer=layer)
    except _UNREADABLE as err:
        raise _unreadable(path, err) from None
    require_crs(frame, f"{path.name}, layer {layer}", file=path)
    return frame


def read_csv(path: Path, text: tuple[str, ...] = ()) -> pd.DataFrame:
    """A result table as dekning writes it (:func:`dekning.textsafe.read_spreadsheet_csv`:
    ``;``, decimal comma, ``ja``/``nei``); ``text`` columns stay text (leading zeros kept,
    empty: ""), and the spreadsheet protection of formula-like text is undone: the API answers
    with the text as given.

    Raises
    ------
    ConfigError
        The file cannot be read.
    """
    try:
        table = read_spreadsheet_csv(path, text)
    except _UNREADABLE as err:
        raise _unreadable(path, err) from None
    present = [c for c in text if c in table.columns]
    table[present] = table[present].fillna("")
    return table


def read_summary(path: Path) -> dict[str, Any]:
    """The run's summary (``sammendrag`` of ``rapport.json``).

    Raises
    ------
    ConfigError
        The file cannot be read or has no summary.
    """
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))["sammendrag"]
    except (*_UNREADABLE, KeyError, TypeError) as err:
        raise _unreadable(path, err) from None
    if not isinstance(summary, dict):
        raise _unreadable(path, TypeError("sammendrag er ikke et objekt"))
    return summary


ANSWER_TEXT = (
    "id",
    "postnummer",
    "area_id",
    "address",
    "comment",
    "operator",
    "technology",
    "dwelling",
    "interest_fibre",
)
"""Columns of the answers read back as text: coded answers stay ``ja``/``nei``/``har`` whatever
a survey happens to hold (never turned into booleans)."""


def records(path: Path, text: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows of a result table as JSON-ready records (missing values null); no file: none."""
    if not path.is_file():
        return []
    table = read_csv(path, text)
    return list(json.loads(table.to_json(orient="records", force_ascii=False)))


@dataclass(frozen=True)
class Results:
    """What the service serves from one run."""

    out_dir: Path
    addresses: gpd.GeoDataFrame
    """Classified addresses (EPSG:25833), as the run wrote them."""
    areas: gpd.GeoDataFrame
    """Areas with cost, funding and selection columns (EPSG:25833)."""
    routes: gpd.GeoDataFrame | None
    """Fibre route of every area (EPSG:25833), when the run wrote them."""
    summary: dict[str, Any]
    operators: tuple[str, ...]
    """Mobile operators of the configuration, as the input names them."""
    area_ids: frozenset[str]
    lookup: Lookup
    index: AddressIndex
    """Geocoding index of the addresses, for submitted answers."""
    areas_geojson: bytes
    statistics: dict[str, bytes]
    """Grouping → suppressed statistics rows (encoded)."""
    answers: list[dict[str, Any]]
    """Answers of the survey export, matched by the run (personal data)."""
    discrepancies: list[dict[str, Any]]
    road_segments: gpd.GeoDataFrame | None = None
    """Road segments with their mobile classes (EPSG:25833), when the run wrote them."""
    road_gaps: gpd.GeoDataFrame | None = None
    """Gap stretches along the roads, ranked (EPSG:25833), when the run wrote them."""

    def file(self, name: str) -> Path:
        """A file the run wrote into its output folder.

        Raises
        ------
        ConfigError
            The run did not write it (or it was removed since).
        """
        path = self.out_dir / name
        if not path.is_file():
            raise ConfigError(f"resultatfila {name} mangler i {self.out_dir}; kjør `dekning run`")
        return path


def _statistics(out_dir: Path, areas: gpd.GeoDataFrame, min_count: int) -> dict[str, bytes]:
    tables = {g: out_dir / f"aggregat_{g}.csv" for g in GROUPS}
    found = {
        g: statistics_json(read_csv(p, (g,)), g, min_count)
        for g, p in tables.items()
        if p.is_file()
    }
    by_area = pd.DataFrame(areas[list(AREA_STATISTICS)]).rename(columns={"area_id": "omrade"})
    return {**found, "omrade": statistics_json(by_area, "omrade", min_count)}


def _read_areas(out_dir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    path = out_dir / AREAS
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except _UNREADABLE as err:
        raise _unreadable(path, err) from None
    areas = read_layer(path, "omrader")
    require(areas, [*AREA_STATISTICS, "aar", "rang", "kost_total", *FUNDING_PARTS], AREAS)
    reconcile(areas)
    routes = read_layer(path, "traseer") if "traseer" in layers else None
    return areas, routes


def _read_roads(out_dir: Path) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The layers of :data:`ROADS` (None each when the run did not write it)."""
    path = out_dir / ROADS
    if not path.is_file():
        return None, None
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except _UNREADABLE as err:
        raise _unreadable(path, err) from None
    segments = read_layer(path, "segmenter") if "segmenter" in layers else None
    gaps = read_layer(path, "hull") if "hull" in layers else None
    return segments, gaps


def load_results(cfg: Config, out_dir: Path) -> Results:
    """Read and check a run's results and build the service's lookups.

    Raises
    ------
    ConfigError
        No results in ``out_dir``, or a result file cannot be read.
    InputError
        A result layer is not in EPSG:25833 or lacks a column the service needs (e.g. a mobile
        layer of the configuration that the run did not have).
    ReconciliationError
        An area's funding parts do not add up to its cost.
    """
    if not has_results(out_dir):
        raise ConfigError(f"fant ingen resultater i {out_dir}: kjør `dekning run` først")
    layers = tuple(MobileLayer(m.operator, m.technology) for m in cfg.input.mobile)
    addresses = read_layer(out_dir / ADDRESSES, "adresser")
    require(addresses, [*ADDRESS_NEEDS, *(m.column for m in layers)], ADDRESSES)
    areas, routes = _read_areas(out_dir)
    road_segments, road_gaps = _read_roads(out_dir)
    return Results(
        out_dir=out_dir,
        addresses=addresses,
        areas=areas,
        routes=routes,
        summary=read_summary(out_dir / REPORT),
        operators=tuple(operators(layers)),
        area_ids=frozenset(areas["area_id"].astype(str)),
        lookup=Lookup.build(addresses, layers),
        index=AddressIndex.build(addresses),
        areas_geojson=areas_json(areas, cfg.privacy.min_cell_count),
        statistics=_statistics(out_dir, areas, cfg.privacy.min_cell_count),
        answers=records(out_dir / ANSWERS, ANSWER_TEXT),
        discrepancies=records(
            out_dir / DISCREPANCIES, ("adressetekst", "avvik", "operator", "operatordata", "svar")
        ),
        road_segments=road_segments,
        road_gaps=road_gaps,
    )
