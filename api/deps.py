"""Dependencies of the routes: the service, its results and settings, planner access and the
submission limit."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from .errors import NotAuthenticated, PlannerAccessOff
from .limits import client_address
from .service import Service
from .settings import Settings
from .state import Results


async def service(request: Request) -> Service:
    """The service of the app that got the request."""
    held: Service = request.app.state.service
    return held


ServiceDep = Annotated[Service, Depends(service)]


def current_results(request: Request) -> Results:
    """The results being served (replaced after a re-run; a request keeps the ones it got).

    The hot lookups (search, coverage by id) call this with their request instead of going
    through dependency resolution, which costs a quarter of their throughput."""
    held: Service = request.app.state.service
    return held.results


async def results(request: Request) -> Results:
    """:func:`current_results` as a dependency."""
    return current_results(request)


async def settings(held: ServiceDep) -> Settings:
    return held.settings


ResultsDep = Annotated[Results, Depends(results)]
SettingsDep = Annotated[Settings, Depends(settings)]


async def planner(
    config: SettingsDep,
    authorization: Annotated[str | None, Header(max_length=300)] = None,
    token: Annotated[str | None, Query(max_length=200)] = None,
) -> None:
    """Planner access: ``Authorization: Bearer <token>`` or ``?token=<token>``.

    Raises
    ------
    PlannerAccessOff
        The service was started without a planner token.
    NotAuthenticated
        The token is missing or wrong.
    """
    if not config.planner_token:
        raise PlannerAccessOff(
            "planleggertilgang er slått av: start med DEKNING_PLANNER_TOKEN eller "
            "--planner-token-file"
        )
    given = token or (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), config.planner_token.encode()):
        raise NotAuthenticated("feil eller manglende token", headers={"WWW-Authenticate": "Bearer"})


async def submission_slot(request: Request, held: ServiceDep) -> None:
    """Count one survey submission of the client (429 over the limit)."""
    held.limiter.check(client_address(request.scope, held.settings.trusted_proxies))
