"""Dependencies of the routes: the service, its results and settings, planner access and the
submission limit."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="planleggertoken",
    description="Planleggertoken: `Authorization: Bearer <token>` (eller `?token=<token>`).",
)
"""The planner token as an OpenAPI security scheme: ``/docs`` shows an "Authorize" button."""


def given_token(bearer: HTTPAuthorizationCredentials | None, token: str | None) -> str | None:
    """The token a request gives: ``?token=`` first, else the bearer credentials."""
    return token or (bearer.credentials if bearer else None)


def check_planner(config: Settings, given: str | None) -> None:
    """Whether ``given`` is the planner token of the service.

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
    if not hmac.compare_digest((given or "").encode(), config.planner_token.encode()):
        raise NotAuthenticated("feil eller manglende token", headers={"WWW-Authenticate": "Bearer"})


async def planner(
    config: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    token: Annotated[str | None, Query(max_length=200)] = None,
) -> None:
    """Planner access: ``Authorization: Bearer <token>`` or ``?token=<token>``, checked by
    :func:`check_planner` (its errors are the answer)."""
    check_planner(config, given_token(bearer, token))


async def submission_slot(request: Request, held: ServiceDep) -> None:
    """Count one survey submission of the client (429 over the limit)."""
    held.limiter.check(client_address(request.scope, held.settings.trusted_proxies))
