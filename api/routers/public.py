"""Public endpoints: coverage per address, areas, suppressed statistics, survey answers.

Nothing here shows personal data: coverage is what operators publish per address, and
aggregates hide groups under ``privacy.min_cell_count`` addresses.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pyproj import Transformer

from dekning import __version__
from dekning.crs import WEB_CRS, WORK_CRS
from dekning.errors import InputError

from ..deps import ResultsDep, ServiceDep, current_results, submission_slot
from ..errors import UnknownId
from ..models import (
    AddressHit,
    AreaCollection,
    Coverage,
    Group,
    Health,
    Problem,
    StatisticsRow,
    SubmissionOut,
    SurveyAnswerIn,
)
from ..state import PUBLIC_MAP

router = APIRouter(tags=["offentlig"])


class GeoJSONResponse(JSONResponse):
    """GeoJSON, already encoded (documented with the route's response model)."""

    media_type = "application/geo+json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)


JSON = "application/json"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}
TO_WORK = Transformer.from_crs(WEB_CRS, WORK_CRS, always_xy=True)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/kart")


@router.get("/v1/health")
async def health(results: ResultsDep) -> Health:
    return Health(status="ok", version=__version__, adresser=len(results.addresses))


@router.get("/v1/adresser", response_model=list[AddressHit])
async def search(
    request: Request,
    q: Annotated[str, Query(min_length=2, max_length=100, description="Del av adressen")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    """Address search: addresses whose text and postnummer contain ``q``."""
    return Response(current_results(request).lookup.search(q, limit), media_type=JSON)


@router.get("/v1/dekning/{adrid}", response_model=Coverage, responses=NOT_FOUND)
async def coverage(request: Request, adrid: Annotated[int, PathParam(ge=0, le=10**15)]) -> Response:
    """Fixed and mobile coverage at an address."""
    lookup = current_results(request).lookup
    i = lookup.by_id.get(adrid)
    if i is None:
        raise UnknownId(f"ukjent adresse-id {adrid}")
    return Response(lookup.coverage[i], media_type=JSON)


@router.get("/v1/dekning", response_model=Coverage, responses=NOT_FOUND)
async def coverage_at(
    results: ResultsDep,
    lat: Annotated[float, Query(ge=57.0, le=72.0)],
    lon: Annotated[float, Query(ge=4.0, le=32.0)],
    maks_m: Annotated[
        float, Query(gt=0, le=2_000, description="Lengste avstand til nærmeste adresse")
    ] = 200.0,
) -> JSONResponse:
    """Coverage at the nearest address within ``maks_m`` metres of a point (EPSG:4326)."""
    x, y = TO_WORK.transform(lon, lat)
    distance, i = results.lookup.tree.query([x, y])
    if not np.isfinite(distance) or distance > maks_m:
        raise UnknownId(f"ingen adresse innen {maks_m:g} m")
    answer = json.loads(results.lookup.coverage[int(i)])
    return JSONResponse({**answer, "avstand_m": round(float(distance), 1)})


@router.get("/v1/omrader", response_model=AreaCollection, response_class=GeoJSONResponse)
async def areas(results: ResultsDep) -> GeoJSONResponse:
    """Build-out areas (EPSG:4326) with their public figures: no money, no addresses."""
    return GeoJSONResponse(results.areas_geojson)


@router.get("/v1/statistikk", response_model=list[StatisticsRow], responses=NOT_FOUND)
async def statistics(
    results: ResultsDep, gruppe: Annotated[Group, Query()] = "postnummer"
) -> Response:
    """Households, holiday homes and businesses per speed class and group; groups with fewer
    than ``privacy.min_cell_count`` addresses are suppressed (figures null, ``skjult`` true).
    Speed classes: ``ge1000`` ≥ 1000 Mbit/s, ``ge100`` 100–1000 Mbit/s, ``30to100``
    30–100 Mbit/s, ``lt30`` under 30 Mbit/s, ``none`` no fixed offer."""
    encoded = results.statistics.get(gruppe)
    if encoded is None:
        raise UnknownId(f"ingen data for gruppe {gruppe!r}")
    return Response(encoded, media_type=JSON)


def check_mobile_keys(keys: list[str], known: tuple[str, ...]) -> None:
    """Every ``<operator>_<inne|ute>`` key names an operator of the run.

    Raises
    ------
    InputError
        A key names an operator the run does not know (field ``mobil``).
    """
    unknown = [k for k in keys if k.rsplit("_", 1)[0] not in known]
    if unknown:
        raise InputError(
            f"ukjent operatør i {', '.join(map(repr, unknown))}; "
            f"kjente operatører: {', '.join(known) or 'ingen'}",
            field="mobil",
        )


@router.post(
    "/v1/svar",
    status_code=201,
    dependencies=[Depends(submission_slot)],
    responses={413: {"model": Problem}, 429: {"model": Problem}, 503: {"model": Problem}},
)
def submit(answer: SurveyAnswerIn, held: ServiceDep) -> SubmissionOut:
    """Store one survey answer (validated with the same rules as survey exports); it is
    included in the next analysis run. 503 (with ``Retry-After``) while the answer store cannot
    be reached: nothing was stored, send it again later."""
    results = held.results
    check_mobile_keys(list(answer.mobil), results.operators)
    probe = pd.DataFrame(
        {
            "row": [1],
            "address": [answer.adresse],
            "postnummer": [answer.postnummer],
            "lat": pd.Series([answer.lat], dtype="float64"),
            "lon": pd.Series([answer.lon], dtype="float64"),
        }
    )
    surveys = held.cfg.surveys
    geo = results.index.geocode(probe, min_score=surveys.fuzzy_min_score, snap_m=surveys.snap_m)
    found = bool(geo.answers["adrid"].iloc[0] >= 0)
    return SubmissionOut(id=held.store.add(answer.model_dump()), adresse_funnet=found)


@router.api_route("/kart", methods=["GET", "HEAD"], include_in_schema=False)
async def public_map(results: ResultsDep) -> FileResponse:
    return FileResponse(results.file(PUBLIC_MAP), media_type="text/html")
