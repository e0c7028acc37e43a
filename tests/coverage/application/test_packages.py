"""The application packages of a run written side by side in worker processes: the same files
as one after the other, an error in a worker raised in the run, nothing written after a
failure, and how many workers a run starts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dekning.config import Config
from dekning.coverage.application.packages import (
    MAX_WORKERS,
    ApplicationPackages,
    cores,
    package_tasks,
    package_workers,
    stopped,
)
from dekning.errors import DekningError, InputError, PlanningError
from dekning.report import RunReport
from dekning.result import RunResult


def _with_workers(cfg: Config, workers: int) -> Config:
    return cfg.model_copy(update={"output": cfg.output.model_copy(update={"workers": workers})})


def _packages(result: RunResult, cfg: Config, root: Path, **kw) -> ApplicationPackages:
    tasks = package_tasks(result.classified, result.areas, result.routes, cfg, root)
    return ApplicationPackages(tasks, RunReport(), workers=cfg.output.workers, **kw)


def test_how_many_workers():
    assert package_workers(0, 7) == 1  # fewer than PARALLEL_FROM: the run's own process
    assert package_workers(3, 50) == 3
    assert package_workers(1, 50) == 1
    assert package_workers(8, 5, parallel_from=2) == 5  # never more than there are packages
    assert package_workers(0, 50) == max(1, min(cores(), MAX_WORKERS))
    assert package_workers(2, 1, parallel_from=0) == 1  # one package: no worker


def test_tasks_hold_only_their_areas_rows(default_result, default_config, tmp_path):
    areas = default_result.areas
    tasks = package_tasks(
        default_result.classified, areas, default_result.routes, default_config, tmp_path
    )
    chosen = list(areas.loc[areas["valgt"], "area_id"])
    assert [t.area_id for t in tasks] == chosen and len(chosen) >= 2
    for t in tasks:
        assert set(t.addresses["area_id"]) == {t.area_id}
        expected = (default_result.classified["area_id"] == t.area_id).sum()
        assert len(t.addresses) == expected
        assert list(t.area["area_id"]) == [t.area_id]
        assert t.route is not None and set(t.route["area_id"]) <= {t.area_id}
        assert t.out == tmp_path / t.area_id and t.cfg is default_config
    picked = package_tasks(
        default_result.classified, areas, None, default_config, tmp_path, ["O-001", chosen[0]]
    )
    assert sorted(t.area_id for t in picked) == sorted({"O-001", chosen[0]})
    with pytest.raises(PlanningError, match="ukjente utbyggingsområder: O-999"):
        package_tasks(default_result.classified, areas, None, default_config, tmp_path, ["O-999"])


def test_workers_write_the_same_packages(default_result, default_config, tmp_path, compare_outputs):
    alone, side_by_side = tmp_path / "alone", tmp_path / "side_by_side"
    serial = _packages(default_result, _with_workers(default_config, 1), alone, parallel_from=2)
    with serial:
        serial.finish()
    assert serial.workers == 1
    pool = _packages(
        default_result, _with_workers(default_config, 2), side_by_side, parallel_from=2
    )
    with pool:
        pool.finish()
    assert pool.workers == 2
    names = sorted(p.name for p in side_by_side.iterdir())
    assert names == sorted(default_result.areas.loc[default_result.areas["valgt"], "area_id"])
    assert compare_outputs(alone, side_by_side) == []
    assert serial.report.to_json() == pool.report.to_json()


def test_an_error_in_a_worker_is_raised_and_nothing_foreign_is_touched(
    default_result, default_config, tmp_path
):
    root = tmp_path / "soknad"
    areas = default_result.areas
    victim = str(areas.loc[areas["valgt"], "area_id"].iloc[-1])
    (root / victim).mkdir(parents=True)
    foreign = root / victim / "mine.txt"  # a folder dekning did not write
    foreign.write_text("ikke dekning sin\n", encoding="utf-8")
    pool = _packages(default_result, _with_workers(default_config, 2), root, parallel_from=2)
    with pytest.raises(InputError, match="ikke skrevet av dekning"), pool:
        pool.finish()
    assert foreign.read_text(encoding="utf-8") == "ikke dekning sin\n"
    assert sorted(p.name for p in (root / victim).iterdir()) == ["mine.txt"]


def test_a_worker_that_dies_is_named_not_waited_for(default_result, default_config, tmp_path):
    pool = _packages(
        default_result, _with_workers(default_config, 2), tmp_path / "soknad", parallel_from=2
    )
    with pytest.raises(DekningError, match=r"arbeidsprosessen som skrev den stoppet \(signal 9\)"):
        with pool:
            for worker in pool._pool:
                worker.process.kill()  # as the kernel's out-of-memory killer would
            pool.finish()
    assert not any((tmp_path / "soknad").glob("O-*/sammendrag.pdf"))  # nothing half-written


def test_why_a_worker_stopped():
    assert "(signal 9) (trolig tom for minne)" in stopped("O-001", -9)
    assert "(kode 1);" in stopped("O-001", 1)


def test_a_worker_that_cannot_start_stops_the_others_first(
    default_result, default_config, tmp_path, monkeypatch
):
    import subprocess

    import dekning.coverage.application.packages as packages

    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        if started:
            raise OSError("kan ikke starte")
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(packages.subprocess, "Popen", popen)
    root = tmp_path / "soknad"
    pool = _packages(default_result, _with_workers(default_config, 2), root, parallel_from=2)
    with pytest.raises(OSError, match="kan ikke starte"), pool:
        pool.finish()
    assert started and started[0].poll() is not None  # the first worker has ended
    written = sorted(root.glob("O-*"))
    assert len(written) <= 1  # at most the package it had begun, finished whole
    time.sleep(1.0)
    assert sorted(root.glob("O-*")) == written  # nothing is written after the failure


def test_a_worker_error_keeps_its_traceback():
    from dekning.coverage.application.package_worker import portable

    class Odd(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a}-{b}")

    try:
        raise Odd(1, 2)
    except Odd as error:
        back = portable(error)
    assert isinstance(back, RuntimeError) and "Odd: 1-2" in str(back)
    assert "raise Odd(1, 2)" in str(back)  # the worker's traceback
    try:
        raise InputError("ugyldig", file="a.csv", line=3)
    except InputError as error:
        original, kept = error, portable(error)
    assert kept is original and any("raise InputError" in n for n in kept.__notes__)
