"""Planner/staff endpoints (token): individual answers, discrepancies, application packages,
re-runs."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from dekning.coverage.application.package import PACKAGE_FILES
from dekning.schema import AREA_ID_PATTERN

from ..deps import (
    BEARER,
    ResultsDep,
    ServiceDep,
    SettingsDep,
    check_planner,
    given_token,
    planner,
)
from ..errors import NotAuthenticated, PlannerAccessOff, UnknownId
from ..models import Discrepancy, JobStatus, PlannerAnswers, Problem
from ..settings import Settings
from ..state import PLANNER_MAP, Results

PACKAGE_FILE = "^(" + "|".join(re.escape(name) for name in PACKAGE_FILES) + ")$"
"""The file names of an application package (:data:`PACKAGE_FILES`)."""
AREA_ID = f"^{AREA_ID_PATTERN}$"
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}}

router = APIRouter(tags=["planlegger"], dependencies=[Depends(planner)], responses=ERRORS)
pages = APIRouter()
"""Pages for a browser: the planner map, which asks for the token instead of answering JSON."""

TOKEN_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""The token page: its own styles, and its form may send to the service; nothing else."""
TOKEN_PAGE = """<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Planleggerkart – tilgang</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem;
  line-height: 1.5; color: #1a1a1a; }}
label {{ display: block; font-weight: 600; margin-top: 1rem; }}
input {{ font-size: 1rem; padding: .5rem; width: 100%; box-sizing: border-box; }}
button {{ margin-top: 1rem; font-size: 1rem; padding: .5rem 1.25rem; background: #0b5394;
  color: #fff; border: 0; border-radius: 4px; cursor: pointer; }}
button:focus-visible, input:focus-visible {{ outline: 3px solid #e69f00; outline-offset: 2px; }}
.feil {{ color: #9b1c1c; font-weight: 600; }}
</style>
</head>
<body>
<main>
<h1>Planleggerkart</h1>
<p>Kartet for planleggere viser enkeltsvar fra spørreundersøkelsen og krever
tilgangsnøkkelen (token) som tjenesten ble startet med.</p>
{message}
<form method="post" action="/kart/planlegger">
<label for="token">Tilgangsnøkkel</label>
<input id="token" name="token" type="password" autocomplete="current-password" required
  maxlength="200">
<button type="submit">Åpne kartet</button>
</form>
<p><a href="/kart">Til det offentlige kartet</a></p>
</main>
</body>
</html>
"""


def token_page(status: int, message: str) -> HTMLResponse:
    """The page that asks for the planner token, with ``message`` (bokmål) announced."""
    shown = f'<p class="feil" role="alert">{message}</p>' if message else ""
    return HTMLResponse(
        TOKEN_PAGE.format(message=shown),
        status_code=status,
        headers={"Content-Security-Policy": TOKEN_PAGE_CSP, "Cache-Control": "no-store"},
    )


TOKEN_FIELD_MAX = 200
"""The longest token the page's field (and ``?token=``) takes."""


def _map_or_token_page(
    results: Results, config: Settings, given: str | None, tried: bool
) -> Response:
    """The planner map for the right token; else the token page (401; with an error when a
    token was ``tried``), or the page saying planner access is off (403)."""
    try:
        check_planner(config, given)
    except PlannerAccessOff:
        return token_page(403, "Planleggertilgang er slått av på denne tjenesten.")
    except NotAuthenticated:
        return token_page(401, "Feil tilgangsnøkkel. Prøv igjen." if tried else "")
    return FileResponse(
        results.file(PLANNER_MAP), media_type="text/html", headers={"Cache-Control": "no-store"}
    )


@pages.api_route("/kart/planlegger", methods=["GET", "HEAD"], include_in_schema=False)
async def planner_map(
    results: ResultsDep,
    config: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    token: Annotated[str | None, Query(max_length=TOKEN_FIELD_MAX)] = None,
) -> Response:
    """The planner map; without the right token a page that asks for it (401), or says that
    planner access is off (403). The page's form posts the token (:func:`planner_map_form`), so
    it never lands in the address bar, the history or a log line."""
    return _map_or_token_page(results, config, given_token(bearer, token), bool(token))


@pages.post("/kart/planlegger", include_in_schema=False)
async def planner_map_form(
    request: Request,
    results: ResultsDep,
    config: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> Response:
    """The token page's form (``application/x-www-form-urlencoded``, field ``token``): the map
    for the right token, the page again with a bokmål error for a wrong one. The token is in
    the request body only, and no page repeats it."""
    values: list[str] = []
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", errors="replace")
        try:
            values = parse_qs(body, max_num_fields=10).get("token", [])
        except ValueError:  # more fields than the form has
            values = ["\ufffd"]
    field = values[0] if values and len(values[0]) <= TOKEN_FIELD_MAX else None
    tried = bool(values and values[0])
    return _map_or_token_page(results, config, field or given_token(bearer, None), tried)


@router.get("/v1/planlegger/svar", responses={503: {"model": Problem}})
def answers(held: ServiceDep) -> PlannerAnswers:
    """Individual answers: from the survey export (matched to addresses) and from the API."""
    stored = held.store.all()
    api = json.loads(stored.to_json(orient="records", force_ascii=False)) if len(stored) else []
    return PlannerAnswers.model_validate({"eksport": held.results.answers, "api": api})


@router.get("/v1/planlegger/avvik")
async def discrepancies(results: ResultsDep) -> list[Discrepancy]:
    """Where residents contradict the operator data, per address and operator."""
    return [Discrepancy.model_validate(r) for r in results.discrepancies]


@router.get(
    "/v1/planlegger/omrader/{area_id}/{fil}",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {} for t in sorted(set(PACKAGE_FILES.values()))}},
        404: {"model": Problem},
        409: {"model": Problem},
    },
)
def package_file(
    held: ServiceDep,
    area_id: Annotated[str, PathParam(pattern=AREA_ID)],
    fil: Annotated[str, PathParam(pattern=PACKAGE_FILE)],
) -> FileResponse:
    """A file of an area's application package (built from the run's results when the run
    did not write it)."""
    if area_id not in held.results.area_ids:
        raise UnknownId(f"ukjent område {area_id!r}")
    path = held.package_file(area_id, fil)
    return FileResponse(path, media_type=PACKAGE_FILES[fil], filename=f"{area_id}_{fil}")


@router.post(
    "/v1/planlegger/kjor",
    status_code=202,
    responses={409: {"model": Problem}, 503: {"model": Problem}},
)
async def rerun(held: ServiceDep) -> JobStatus:
    """Run the analysis again in the background (with the answers submitted since); poll
    ``GET /v1/planlegger/kjor/{id}``. The new results are served when it is done."""
    return held.jobs.submit().view()


@router.get("/v1/planlegger/kjor/{job_id}", responses={404: {"model": Problem}})
async def job_status(
    held: ServiceDep, job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]
) -> JobStatus:
    """Status of a re-run: ``venter``, ``kjorer``, ``ferdig`` (with the run's summary) or
    ``feilet`` (with why)."""
    return held.jobs.get(job_id).view()
