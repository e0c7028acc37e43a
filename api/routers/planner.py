"""Planner/staff endpoints (token): individual answers, discrepancies, application packages,
re-runs."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from dekning.coverage.application.package import PACKAGE_FILES
from dekning.schema import AREA_ID_PATTERN

from ..deps import ResultsDep, ServiceDep, planner
from ..errors import UnknownId
from ..models import Discrepancy, JobStatus, PlannerAnswers, Problem
from ..state import PLANNER_MAP

PACKAGE_FILE = "^(" + "|".join(re.escape(name) for name in PACKAGE_FILES) + ")$"
"""The file names of an application package (:data:`PACKAGE_FILES`)."""
AREA_ID = f"^{AREA_ID_PATTERN}$"
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}}

router = APIRouter(tags=["planlegger"], dependencies=[Depends(planner)], responses=ERRORS)


@router.get("/kart/planlegger", include_in_schema=False)
async def planner_map(results: ResultsDep) -> FileResponse:
    return FileResponse(results.file(PLANNER_MAP), media_type="text/html")


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
