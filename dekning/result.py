"""What a run produced: the frames every output is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import geopandas as gpd
import pandas as pd

from dekning.report import RunReport
from dekning.rules import MobileRule
from dekning.schema import ClassGrid, MobileLayer


@dataclass
class RoadMobile:
    """Mobile coverage along the roads (:mod:`dekning.coverage.classify.roads`)."""

    segments: gpd.GeoDataFrame
    """Road segments with their classes and coverage flags (EPSG:25833)."""
    stretches: gpd.GeoDataFrame
    """Gap stretches, ranked (those at least ``roads.min_gap_m`` long)."""
    summary: pd.DataFrame
    """Km and covered shares per road category and in total."""
    source: str
    """Where the classes came from: ``raster``, the estimate from ``mob`` rows, or both."""
    satisfactory: str
    """What counts as covered on a road: ``outdoor`` or ``indoor``."""


@dataclass
class MastScreening:
    """Candidate mast sites: what each would newly cover, its funding, and the choice
    (:mod:`dekning.coverage.planning.masts`). A screening, not a radio plan.

    Attributes
    ----------
    sites
        One row per candidate (EPSG:25833): ``site_id``, ``navn``, ``kilde`` (``bruker`` or
        ``automatisk``), ``hoyde_m``, ``terreng_m``, newly covered ``veg_km`` (and per road
        category ``veg_km_<K>``), ``adresser``, ``hus``, ``naering``, ``fritid``, ``verdi``,
        the funding columns of ``fund`` (``kost_total`` … ``kommunal``, ``regel_status``),
        ``mobilregel_status``, ``valgt``, ``rang`` (by value per municipal krone), the point.
    road_covers, address_covers
        bool, sites × road targets and sites × address targets.
    road_targets
        ``seg_id`` of the road segments without coverage (the columns of ``road_covers``).
    address_targets
        ``adrid`` of the addresses without satisfactory coverage.
    rule
        Whether the year's scheme covers mobile coverage.
    optimal
        Whether the choice was proven optimal.
    """

    sites: gpd.GeoDataFrame
    road_covers: Any
    address_covers: Any
    road_targets: Any
    address_targets: Any
    rule: MobileRule
    optimal: bool = True


class Frames(TypedDict, total=False):
    """What the stages have made so far; each stage adds its own keys."""

    addresses: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame | None
    counts: pd.DataFrame | None
    fixed: pd.DataFrame | None
    consultation: pd.DataFrame | None
    mobile: pd.DataFrame | None
    mobile_layers: list[MobileLayer]
    mobile_grids: dict[str, ClassGrid]
    classified: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None
    """Road centre lines with category, number, name and ÅDT (EPSG:25833), or None."""
    road_mobile: RoadMobile | None
    masts: MastScreening | None
    road_graph: Any
    """The road network (:class:`dekning.coverage.planning.routing.RoadGraph`) or None."""
    areas: gpd.GeoDataFrame
    area_of: pd.Series
    costs: pd.DataFrame
    routes: gpd.GeoDataFrame | None
    funding: pd.DataFrame
    survey: dict[str, Any]
    plan: gpd.GeoDataFrame
    scenarios: pd.DataFrame
    aggregates: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    challenges: pd.DataFrame | None
    overrides: pd.DataFrame | None
    located_challenges: gpd.GeoDataFrame | None
    classified_from: Any
    """The frames classification read, after upheld challenges
    (:class:`dekning.coverage.classify.overrides.Operands`)."""
    speed_evidence: pd.DataFrame | None
    proposals: pd.DataFrame


@dataclass
class RunResult:
    """What a run produced (also written to ``out_dir``)."""

    classified: gpd.GeoDataFrame
    """Classified addresses (EPSG:25833), with their ``area_id``."""
    areas: gpd.GeoDataFrame
    """Areas joined with cost, funding and selection columns (EPSG:25833)."""
    aggregates: dict[str, pd.DataFrame]
    report: RunReport
    summary: dict[str, Any]
    routes: gpd.GeoDataFrame | None = None
    """Fibre route of every area (EPSG:25833)."""
    scenarios: pd.DataFrame | None = None
    """The selection under the configured budget and each of ``prioritise.scenarios_nok``."""
    out_dir: Path | None = None
    files: list[str] = field(default_factory=list)
    survey: dict[str, pd.DataFrame] = field(default_factory=dict)
    """``svar`` (matched answers, personal), ``avvist``, ``ikke_funnet``, ``avvik``,
    ``ettersporsel_omrader``, ``ettersporsel_ruter`` (planner only, not written) and
    ``ettersporsel_ruter_offentlig`` when a survey was given."""
    mobile_layers: list[MobileLayer] = field(default_factory=list)
    """The operator × technology layers of the mobile columns."""
    mobile_grids: dict[str, ClassGrid] = field(default_factory=dict)
    """Mobile class per raster cell: per operator, and the operator count (key ``""``)."""
    road_mobile: RoadMobile | None = None
    """Mobile coverage along the roads, when roads and mobile coverage are given."""
    masts: MastScreening | None = None
    """Candidate mast sites screened over the terrain, when a terrain model is given."""
    boundary: gpd.GeoDataFrame | None = None
    """The municipality boundary (EPSG:25833), for the maps' offline base."""
    roads: gpd.GeoDataFrame | None = None
    """The roads with their category (EPSG:25833), for the maps' offline base."""
    challenges: gpd.GeoDataFrame | None = None
    """The challenges in the store when the run was made (``input.survey_db``), one row per
    challenge with the columns of :data:`dekning.surveys.challenges.COLUMNS` (``detaljer`` as
    JSON text), ``adressetekst`` and a point at the address (EPSG:25833; empty for an area
    challenge without listed addresses). Planner only: comments may be personal data. The
    classified addresses carry ``utfordring_status`` (the furthest status at the address, ""
    when none), ``utfordring_apen`` (an undecided challenge) and ``overstyring``."""
    overrides: pd.DataFrame | None = None
    """What upheld challenges changed in the operator data, one row per address × challenge
    (:func:`dekning.coverage.classify.overrides.apply_overrides`)."""


__all__ = ["Frames", "MastScreening", "RoadMobile", "RunResult"]
