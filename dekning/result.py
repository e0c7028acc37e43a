"""What a run produced: the frames every output is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from dekning.report import RunReport
from dekning.schema import ClassGrid, MobileLayer


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


__all__ = ["RunResult"]
