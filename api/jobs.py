"""Re-runs of the analysis as background jobs: one worker thread, one job at a time."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from dekning.errors import DekningError

from .errors import Busy, NoRunner, UnknownId
from .models import JobState, JobStatus

log = logging.getLogger("dekning.api")
Work = Callable[[], dict[str, Any]]
"""Runs the analysis, reloads the results and returns the new run's summary."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Job:
    """One re-run (mutated by the worker thread only after it is handed over)."""

    id: str
    opprettet: datetime
    status: JobState = "venter"
    startet: datetime | None = None
    ferdig: datetime | None = None
    sammendrag: dict[str, Any] | None = None
    feil: str | None = None

    def view(self) -> JobStatus:
        """The job as the API shows it."""
        return JobStatus(**asdict(self))


def failure_message(exc: BaseException) -> str:
    """Why a re-run failed, for the planner (bokmål); internal details stay in the log."""
    if isinstance(exc, DekningError):
        return f"analysen feilet: {exc}"
    return "analysen feilet med en intern feil; se tjenerloggen"


class Jobs:
    """Scheduler of re-runs.

    Parameters
    ----------
    work
        What a re-run does; None: the service cannot re-run (503).
    """

    def __init__(self, work: Work | None) -> None:
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dekning-kjoring")
        self._jobs: dict[str, Job] = {}
        self._current: Job | None = None
        self._lock = threading.Lock()

    def running(self) -> bool:
        """Whether a re-run is waiting or under way."""
        job = self._current
        return job is not None and job.status in ("venter", "kjorer")

    def submit(self) -> Job:
        """Schedule a re-run.

        Raises
        ------
        NoRunner
            The service was started without a way to re-run.
        Busy
            A re-run is waiting or under way.
        """
        if self._work is None:
            raise NoRunner("tjenesten er startet uten mulighet til å kjøre analysen på nytt")
        with self._lock:
            if self.running():
                raise Busy("en analyse kjører allerede")
            job = Job(uuid.uuid4().hex, _now())
            self._jobs[job.id] = job
            self._current = job
        future = self._pool.submit(self._run, job, self._work)
        future.add_done_callback(partial(self._finish, job))
        return job

    def get(self, job_id: str) -> Job:
        """The job ``job_id``.

        Raises
        ------
        UnknownId
            No such job.
        """
        job = self._jobs.get(job_id)
        if job is None:
            raise UnknownId(f"ukjent kjøring {job_id!r}")
        return job

    def shutdown(self) -> None:
        """Let a running job finish, then stop the worker."""
        self._pool.shutdown(wait=True)

    @staticmethod
    def _run(job: Job, work: Work) -> dict[str, Any]:
        job.startet = _now()
        job.status = "kjorer"
        return work()

    @staticmethod
    def _finish(job: Job, future: Future[dict[str, Any]]) -> None:
        exc = future.exception()
        job.ferdig = _now()
        if exc is None:
            job.sammendrag = future.result()
            job.status = "ferdig"
            return
        log.error("re-run %s failed: %s", job.id, exc, exc_info=exc)
        job.feil = failure_message(exc)
        job.status = "feilet"
