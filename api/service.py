"""The service object an app holds: settings, the current results, the survey store, limits
and re-runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from dekning.config import Config
from dekning.coverage.application.package import write_application
from dekning.surveys.challenges import ChallengeStore
from dekning.surveys.store import SurveyStore

from .errors import Busy
from .jobs import Jobs
from .limits import RateLimiter
from .settings import Settings, survey_db
from .state import Results, load_results

Runner = Callable[[], object]
"""Runs the analysis and writes the results into the served output folder (given by the CLI,
which may import the pipeline; the API does not)."""


class Service:
    """Everything requests share.

    Parameters
    ----------
    settings
        What the service was started with.
    cfg
        The configuration of the served run (``input.survey_db`` set to the store).
    runner
        How to re-run the analysis; None: re-runs answer 503.

    Raises
    ------
    ConfigError
        ``settings.out_dir`` holds no results or a broken result file (see
        :func:`~dekning.api.state.load_results` for the rest).
    """

    def __init__(self, settings: Settings, cfg: Config, runner: Runner | None = None) -> None:
        self.settings = settings
        self.cfg = cfg
        self.results: Results = load_results(cfg, settings.out_dir)
        self.store = SurveyStore(survey_db(settings, cfg))
        self.challenges = ChallengeStore(
            survey_db(settings, cfg), answer_days=cfg.evidence.answer_days
        )
        self.limiter = RateLimiter(settings.submissions_per_minute)
        self._results_lock = threading.Lock()
        self.jobs = Jobs(None if runner is None else partial(self._rerun, runner))

    def _rerun(self, runner: Runner) -> dict[str, Any]:
        with self._results_lock:
            runner()
            self.results = load_results(self.cfg, self.settings.out_dir)
        return self.results.summary

    def package_file(self, area_id: str, name: str) -> Path:
        """A file of an area's application package; packages the run did not write are built
        from the run's results (no re-analysis) and kept in ``soknad/<area_id>``.

        Raises
        ------
        Busy
            A re-run is under way (it replaces the output folder).
        """
        folder = self.results.out_dir / "soknad" / area_id
        if (folder / name).is_file():
            return folder / name
        if self.jobs.running():
            raise Busy("en analyse kjører; prøv igjen når den er ferdig")
        with self._results_lock:
            r = self.results
            write_application(r.addresses, r.areas, area_id, self.cfg, folder, routes=r.routes)
        return folder / name
