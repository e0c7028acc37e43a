"""FastAPI service over the results of a run, built by :func:`create_app`.

Public endpoints (:mod:`.routers.public`) show only what operators publish per address and
aggregates with small groups suppressed. Individual survey answers, discrepancy lists,
application packages and re-runs need the planner token (:mod:`.routers.planner`). The service
reads a run's results (:mod:`.state`); it never runs the analysis itself: a re-run calls the
``runner`` the caller injected, on a background thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from dekning import __version__

from .docs import install_docs
from .errors import install
from .headers import SecurityHeaders
from .limits import BodyLimit
from .routers import challenges, ogc, planner, public
from .service import Runner, Service
from .settings import Settings, service_config
from .state import has_results

DESCRIPTION = "Bredbånd- og mobildekning per adresse, utbyggingsområder og spørreundersøkelse."


class _App(FastAPI):
    """FastAPI with :class:`SecurityHeaders` outside everything, the handler of unexpected
    failures (500) included: every answer has the security headers."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    held: Service = app.state.service
    held.jobs.shutdown()


def create_app(settings: Settings | None = None, runner: Runner | None = None) -> FastAPI:
    """Build the application over the results in ``settings.out_dir`` (read once here, and
    again after each re-run).

    Parameters
    ----------
    settings
        Service settings; default :class:`Settings` ().
    runner
        Runs the analysis into ``settings.out_dir`` for ``POST /v1/planlegger/kjor``, e.g.
        ``lambda: pipeline.run(cfg, out_dir)``; None: re-runs answer 503.

    Raises
    ------
    ConfigError
        The configuration is invalid, or ``out_dir`` holds no results (run ``dekning run``
        first) or a result file that cannot be read.
    InputError
        A result layer is not in EPSG:25833 or lacks a column the service needs.
    ReconciliationError
        An area's funding parts do not add up to its cost.
    """
    settings = settings or Settings()
    service = Service(settings, service_config(settings), runner)
    app = _App(
        title="dekning",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, header_limit=settings.max_header_bytes
    )
    # Answers of 1 KB and more are compressed when the client accepts gzip: the public map
    # (about 0.5 MB of HTML) shrinks several times on a phone's connection.
    app.add_middleware(GZipMiddleware, minimum_size=1_000, compresslevel=6)
    install(app)
    app.include_router(public.router)
    app.include_router(planner.router)
    app.include_router(challenges.router)
    app.include_router(planner.pages)
    app.include_router(ogc.router)
    install_docs(app)
    return app


__all__ = ["Runner", "Settings", "create_app", "has_results", "service_config"]
