"""The application packages of a run's chosen areas, side by side in worker processes.

A package (:mod:`~dekning.coverage.application.package`) takes a few tenths of a second — the
PDF summary, two workbooks, a GeoPackage — and a large municipality chooses dozens of areas.
:class:`ApplicationPackages` hands the packages to worker processes as soon as the analysis is
done, so that they are written while the run itself writes its maps and tables;
:meth:`ApplicationPackages.finish` waits for them. Each worker gets only its area's rows (the
addresses, the area and its route), never the whole run.

A worker is a fresh interpreter (``python -m dekning.coverage.application.package_worker``), not
a fork of the run's process (which may hold threads: pyarrow's, a web server's) and not a
``multiprocessing`` child (which would import the caller's main script again). Fewer packages
than :data:`PARALLEL_FROM`, or one worker (``[output] workers = 1``, as every municipality of a
county run on Dask has), and the packages are written one after the other in the run's own
process. The files are the same either way. The packages go into the run's own temporary folder,
which the run's lock guards: each package's folder is not locked again (that lock is on the
parent folder, and would make the workers wait for one another).
"""

from __future__ import annotations

import importlib.metadata
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import geopandas as gpd

import dekning
from dekning.config import Config
from dekning.coverage.application.package import check_frames, package_into
from dekning.coverage.application.package_worker import receive, send
from dekning.errors import DekningError, PlanningError
from dekning.report import RunReport

PARALLEL_FROM = 8
"""Fewer chosen areas than this and the packages are written in the run's own process: starting
the workers would cost more than it gains."""
WORKER_MODULE = "dekning.coverage.application.package_worker"
"""The module a worker process runs (``python -P -m``)."""
MAX_WORKERS = 4
"""The most worker processes ``[output] workers = 0`` (as many as there are cores) starts."""


@dataclass(frozen=True)
class PackageTask:
    """One package's own rows and where it goes."""

    area_id: str
    addresses: gpd.GeoDataFrame
    area: gpd.GeoDataFrame
    route: gpd.GeoDataFrame | None
    cfg: Config
    out: Path


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def package_workers(setting: int, packages: int, parallel_from: int = PARALLEL_FROM) -> int:
    """How many processes write ``packages`` packages: 1 (the run's own) when there are fewer
    than ``parallel_from``; else ``setting`` (0: the cores, at most :data:`MAX_WORKERS`), never
    more than there are packages."""
    if packages < max(parallel_from, 2) or not sys.executable:  # no interpreter to start
        return 1
    wanted = setting if setting > 0 else min(cores(), MAX_WORKERS)
    return max(1, min(wanted, packages))


def package_tasks(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    routes: gpd.GeoDataFrame | None,
    cfg: Config,
    root: Path,
    chosen_ids: Sequence[str] | None = None,
) -> list[PackageTask]:
    """A task per chosen area (``valgt``, or the areas ``chosen_ids``), in the areas' order,
    each with its own rows only: the area's addresses, its row of ``areas`` and its route,
    into ``root/<area_id>``.

    Raises
    ------
    InputError
        A frame is not in EPSG:25833 or lacks a column.
    PlanningError
        An id of ``chosen_ids`` that ``areas`` does not have.
    """
    check_frames(classified, areas, routes)
    if chosen_ids is None:
        chosen = areas[areas["valgt"].astype(bool)]
    else:
        unknown = sorted(set(chosen_ids) - set(areas["area_id"].astype(str)))
        if unknown:
            raise PlanningError(f"ukjente utbyggingsområder: {', '.join(unknown)}")
        chosen = areas[areas["area_id"].astype(str).isin(set(chosen_ids))]
    by_area = classified.groupby("area_id", sort=False).indices if len(chosen) else {}
    route_rows = routes.groupby("area_id", sort=False).indices if routes is not None else {}
    tasks = []
    for i in range(len(chosen)):
        area = chosen.iloc[[i]]
        area_id = str(area["area_id"].iloc[0])
        own = classified.iloc[by_area.get(area_id, [])]
        route = None
        if routes is not None:
            route = routes.iloc[route_rows.get(area_id, [])]
        tasks.append(PackageTask(area_id, own, area, route, cfg, root / area_id))
    return tasks


def worker_environment() -> dict[str, str]:
    """The worker's environment: this one, with the folder dekning was imported from on
    ``PYTHONPATH`` only when dekning is not installed (run from a source folder); an installed
    dekning is found as it is, and nothing else of that folder is put on the path."""
    env = dict(os.environ)
    try:
        importlib.metadata.distribution("dekning")
    except importlib.metadata.PackageNotFoundError:
        root = str(Path(dekning.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def stopped(area_id: str, code: int) -> str:
    """Why a package is missing when the worker process writing it ended (bokmål)."""
    how = f"signal {-code}" if code < 0 else f"kode {code}"
    hint = " (trolig tom for minne)" if code == -9 else ""
    return (
        f"søknadspakken {area_id} ble ikke skrevet: arbeidsprosessen som skrev den stoppet "
        f"({how}){hint}; kjør igjen, eventuelt med færre prosesser ([output] workers, for en "
        "fylkeskjøring [defaults.output] workers)"
    )


class _Worker:
    """One worker process and the thread of this process that feeds it tasks and collects its
    answers."""

    def __init__(self, tasks: queue.SimpleQueue[int | None], packages: ApplicationPackages) -> None:
        read, write = os.pipe()  # the answers: never the worker's standard output
        try:
            self.process = subprocess.Popen(
                # -P: not the current folder first on the path (a folder named dekning there)
                [sys.executable, "-P", "-m", WORKER_MODULE, str(write)],
                stdin=subprocess.PIPE,
                pass_fds=(write,),
                env=worker_environment(),
            )
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self.answers = os.fdopen(read, "rb")
        self.thread = threading.Thread(target=self._feed, args=(tasks, packages), daemon=True)
        self.thread.start()

    def _feed(self, tasks: queue.SimpleQueue[int | None], packages: ApplicationPackages) -> None:
        stdin, stdout = self.process.stdin, self.answers
        assert stdin is not None
        try:
            while not packages.stopping.is_set():
                i = tasks.get()
                if i is None:
                    break
                t = packages.tasks[i]
                try:
                    send(stdin, (t.addresses, t.area, t.route, t.cfg, t.out))
                    answer = receive(stdout)
                except OSError:  # the pipe broke: the worker is gone
                    answer = None
                if answer is None:
                    raise DekningError(stopped(t.area_id, self.process.wait()))
                packages.answers[i] = answer
                if answer[0] == "error":  # the run fails: no new package is begun
                    packages.stopping.set()
        except BaseException as error:  # finish() raises it in the run's thread
            packages.failure(error)
        finally:
            try:
                stdin.close()  # the worker's end of input: it stops
            except OSError:
                pass

    def join(self) -> None:
        """The thread and the process ended."""
        self.thread.join()
        self.process.wait()
        self.answers.close()


class ApplicationPackages:
    """Packages (:func:`package_tasks`; of one run, or of several municipalities of a county
    run): started with ``with`` (in worker processes when there are enough of them), written
    or awaited by :meth:`finish`.

    Parameters
    ----------
    tasks
        The packages.
    report
        Gets a warning for each package whose PDF could not be printed.
    workers
        ``[output] workers`` (0: the cores, at most :data:`MAX_WORKERS`).
    parallel_from
        Fewer packages than this are written in this process.
    """

    def __init__(
        self,
        tasks: Sequence[PackageTask],
        report: RunReport,
        *,
        workers: int = 0,
        parallel_from: int = PARALLEL_FROM,
    ) -> None:
        self.report = report
        self.tasks = list(tasks)
        self.workers = package_workers(workers, len(self.tasks), parallel_from)
        self.answers: list[tuple[str, object] | None] = [None] * len(self.tasks)
        self.stopping = threading.Event()
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._pool: list[_Worker] = []

    def __enter__(self) -> ApplicationPackages:
        if self.workers > 1:
            tasks: queue.SimpleQueue[int | None] = queue.SimpleQueue()
            for i in range(len(self.tasks)):
                tasks.put(i)
            for _ in range(self.workers):
                tasks.put(None)  # one stop for each worker
            try:
                for _ in range(self.workers):
                    self._pool.append(_Worker(tasks, self))
            except BaseException:  # the ones started stop before anything else happens
                self.stopping.set()
                self._join()
                raise
        return self

    def failure(self, error: BaseException) -> None:
        """A worker's thread could not go on: no worker takes a new task."""
        with self._lock:
            self._errors.append(error)
        self.stopping.set()

    def _join(self) -> None:
        for worker in self._pool:
            worker.join()
        self._pool = []

    def finish(self) -> None:
        """Every package written (here, or awaited from the workers), then the warnings, in
        the areas' order; a package's error is raised here."""
        if self._pool:
            self._join()
        for i, task in enumerate(self.tasks):
            if self.workers > 1 and self.answers[i] is None and self._errors:
                raise self._errors[0]  # the first package no worker wrote: why
            if self.workers > 1:
                kind, value = self.answers[i] or ("error", RuntimeError(task.area_id))
                if kind == "error":
                    assert isinstance(value, BaseException)
                    raise value
                missing = value if isinstance(value, str) else None
            else:
                missing = package_into(
                    task.addresses, task.area, task.route, task.cfg, task.out, lock=False
                )
            if missing is not None:
                self.report.warn("application", "summary_pdf_missing", missing, 1, [task.area_id])

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """The workers stopped: after a failure no new package is begun and the ones under
        way are waited for, so that nothing is written after the run has removed its
        temporary folder."""
        if self._pool:
            self.stopping.set()
            self._join()


__all__ = [
    "MAX_WORKERS",
    "PARALLEL_FROM",
    "ApplicationPackages",
    "PackageTask",
    "cores",
    "package_tasks",
    "package_workers",
    "stopped",
]
