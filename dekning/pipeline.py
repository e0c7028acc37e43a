"""`dekning run`: the stages over one configuration, in order, and one output folder.

The run is the list :data:`STAGES`: each stage is a function of the frames so far and returns the
frames it adds (:mod:`dekning.stages`). Data flows one way — read → classify → plan → publish —
and the progress display is made from the same lists, so every stage shows exactly once.
Outputs (:data:`OUTPUT_STAGES`) are written into a temporary folder next to the target and
renamed into place at the end, so a failed run never leaves a half-written output folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dekning import stages
from dekning.config import Config
from dekning.outfolder import atomic_folder, check_replaceable
from dekning.outputs import application_packages, write_data_tables, write_maps, write_report
from dekning.report import RunReport
from dekning.result import Frames, RunResult

Step = Callable[[str], None]
"""Told the label of each stage as it starts (the CLI's progress display)."""

StageFunction = Callable[[Config, Frames, RunReport], Frames]


@dataclass(frozen=True)
class Stage:
    """One named stage: ``label`` is shown to the user (bokmål)."""

    label: str
    run: StageFunction


STAGES: tuple[Stage, ...] = (
    Stage("Leser adresser", stages.read_register),
    Stage("Leser fast dekning", stages.read_fixed),
    Stage("Leser mobildekning", stages.read_mobile),
    Stage("Leser vegnettet", stages.read_road_network),
    Stage("Leser utfordringer", stages.read_challenges),
    Stage("Klassifiserer adresser", stages.classify_addresses),
    Stage("Finner mobilhull langs vegene", stages.classify_roads),
    Stage("Lager utbyggingsområder", stages.make_areas),
    Stage("Beregner kostnad og finansiering", stages.cost_and_fund),
    Stage("Leser spørreundersøkelsen", stages.survey_evidence),
    Stage("Vurderer bevis for utfordringer", stages.challenge_evidence),
    Stage("Prioriterer områder", stages.prioritise),
    Stage("Vurderer mastekandidater", stages.screen_mast_sites),
    Stage("Oppsummerer", stages.summarise),
)
"""The analysis, in order: read → classify → plan."""


def analyse(cfg: Config, step: Step | None = None, report: RunReport | None = None) -> RunResult:
    """Run every stage of :data:`STAGES` in memory (no files written)."""
    report = report if report is not None else RunReport()
    frames: Frames = {}
    for stage in STAGES:
        if step is not None:
            step(stage.label)
        frames.update(stage.run(cfg, frames, report))
    survey = {k: v for k, v in frames["survey"].items() if isinstance(v, pd.DataFrame)}
    survey["utfordringer_forslag"] = frames["proposals"]
    if frames["speed_evidence"] is not None:
        survey["fartstester"] = frames["speed_evidence"]
    return RunResult(
        frames["classified"],
        frames["plan"],
        frames["aggregates"],
        report,
        frames["summary"],
        routes=frames["routes"],
        scenarios=frames["scenarios"],
        survey=survey,
        mobile_layers=frames["mobile_layers"],
        mobile_grids=frames["mobile_grids"],
        road_mobile=frames["road_mobile"],
        masts=frames["masts"],
        boundary=frames["boundary"],
        roads=frames["roads"],
        challenges=frames["located_challenges"],
        overrides=frames["overrides"],
    )


@dataclass(frozen=True)
class OutputStage:
    """One named output stage: writes files of a run into a folder."""

    label: str
    run: Callable[[RunResult, Config, Path], None]


OUTPUT_STAGES: tuple[OutputStage, ...] = (
    OutputStage("Lager kart", write_maps),
    OutputStage("Skriver resultater", write_data_tables),
)
"""What :func:`run` writes after :data:`STAGES`, in order."""

LABELS: tuple[str, ...] = (*(s.label for s in STAGES), *(s.label for s in OUTPUT_STAGES))
"""Every label a run shows, once each, in order (the CLI's progress display)."""


def write_outputs(
    result: RunResult,
    cfg: Config,
    folder: Path,
    step: Step | None = None,
    *,
    packages: bool = True,
) -> None:
    """Every output of :data:`OUTPUT_STAGES` into ``folder`` (which the caller makes whole or
    removes: :func:`run` swaps it in atomically; a county run does so for all municipalities).
    ``packages=False``: no application packages (a county run writes those of the areas the
    county chooses, after its choice)."""
    # The application packages are started first: with many chosen areas worker processes
    # write them while this process writes the maps and the tables.
    with application_packages(result, cfg, folder, chosen=None if packages else ()) as pending:
        for stage in OUTPUT_STAGES:
            if step is not None:
                step(stage.label)
            stage.run(result, cfg, folder)
        pending.finish()
    write_report(result, cfg, folder)


def run(cfg: Config, out_dir: str | Path, step: Step | None = None) -> RunResult:
    """Analyse and write every output into ``out_dir`` (replaced atomically).

    Raises
    ------
    DekningError
        Any input, configuration or planning problem, or an output folder that dekning did not
        write (checked before the analysis starts); nothing is written then.
    """
    check_replaceable(out_dir)
    result = analyse(cfg, step)
    with atomic_folder(out_dir) as folder:
        write_outputs(result, cfg, folder, step)
        files = sorted(p.name for p in folder.iterdir())
    result.out_dir = Path(out_dir).resolve()
    result.files = files
    return result


__all__ = [
    "LABELS",
    "OUTPUT_STAGES",
    "STAGES",
    "Frames",
    "RunResult",
    "Stage",
    "analyse",
    "run",
    "write_outputs",
]
