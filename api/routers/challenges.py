"""Planner endpoints of challenges (utfordringer, token): list, read with history, create,
change status and fields, a GeoJSON layer for maps, and what changed between two runs.

A change names the version the planner saw (``versjon``); a change to a challenge someone else
changed meanwhile is refused (409) and the planner fetches it again. Every change is stored
with who made it (``hvem``) in the challenge's history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam

from dekning.crs import WEB_CRS
from dekning.errors import InputError
from dekning.history import diff_runs
from dekning.surveys.challenges import (
    EDITABLE,
    KINDS,
    STATUSES,
    ChallengeStore,
    DuplicateChallenge,
    InvalidChange,
    NotFound,
    VersionConflict,
)

from ..challenge_models import (
    ChallengeChange,
    ChallengeCollection,
    ChallengeDetail,
    ChallengeIn,
    ChallengeOut,
    Kind,
    RunChanges,
    Status,
)
from ..deps import ServiceDep, planner
from ..errors import UnknownId
from ..models import Problem
from ..settings import Settings
from ..state import REPORT
from .public import GeoJSONResponse

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    503: {"model": Problem},
}
BASE = "/v1/planlegger/utfordringer"

router = APIRouter(tags=["planlegger"], dependencies=[Depends(planner)], responses=ERRORS)


@contextmanager
def _answered() -> Iterator[None]:
    """The store's refusals as answers: unknown id 404, a conflict 409 (with what to do), a
    change the rules do not allow 422 (in the shape of a validation error)."""
    try:
        yield
    except NotFound as err:
        raise UnknownId(str(err)) from None
    except (VersionConflict, DuplicateChallenge) as err:
        raise HTTPException(409, detail=str(err)) from None
    except InvalidChange as err:
        raise InputError(str(err)) from None


def _view(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A stored challenge with the bokmål labels of its kind and status; missing values null."""
    out = {str(k): (None if v is pd.NA else v) for k, v in row.items()}
    adrid = out.get("adrid")
    out["adrid"] = None if adrid is None else int(adrid)
    out["kind_tekst"] = KINDS.get(str(out["kind"]), str(out["kind"]))
    out["status_tekst"] = STATUSES.get(str(out["status"]), str(out["status"]))
    return out


def _listed(
    store: ChallengeStore, status: list[Status] | None, operator: str | None, kind: str | None
) -> list[dict[str, Any]]:
    frame = store.list(status=tuple(status or ()), operator=operator, kind=kind)
    return [_view(r) for r in frame.to_dict(orient="records")]


StatusQuery = Annotated[
    list[Status] | None, Query(description="Bare utfordringer med disse statusene")
]
OperatorQuery = Annotated[str | None, Query(max_length=80, description="Bare denne tilbyderen")]
KindQuery = Annotated[Kind | None, Query(alias="type", description="Bare denne typen")]


@router.get(BASE)
def list_challenges(
    held: ServiceDep,
    status: StatusQuery = None,
    operator: OperatorQuery = None,
    kind: KindQuery = None,
) -> list[ChallengeOut]:
    """Challenges, by id; filtered by status (repeatable), operator and kind (``type``)."""
    rows = _listed(held.challenges, status, operator, kind)
    return [ChallengeOut.model_validate(r) for r in rows]


JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/json": {}}} for code in (401, 403, 503)
}
"""Errors of the GeoJSON layer: answered as JSON problems, not as GeoJSON."""


@router.get(
    f"{BASE}.geojson",
    response_model=ChallengeCollection,
    response_class=GeoJSONResponse,
    responses=JSON_ERRORS,
)
def challenges_geojson(
    held: ServiceDep,
    status: StatusQuery = None,
    operator: OperatorQuery = None,
    kind: KindQuery = None,
) -> GeoJSONResponse:
    """Challenges at addresses of the served run as points (EPSG:4326), with their kind,
    operator, status and deadline: a layer for the planner map or QGIS. Challenges of an area,
    or at an address the run does not have, are left out."""
    rows = [r for r in _listed(held.challenges, status, operator, kind) if r["adrid"] is not None]
    addresses = held.results.addresses
    at = addresses[addresses["adrid"].isin([r["adrid"] for r in rows])]
    points = at.drop_duplicates("adrid").set_index("adrid").geometry.to_crs(WEB_CRS)
    features = []
    for r in rows:
        if r["adrid"] not in points.index:
            continue
        p = points.loc[r["adrid"]]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(p.x, 7), round(p.y, 7)]},
                "properties": {
                    k: r[k]
                    for k in ("id", "kind", "kind_tekst", "operator", "status", "status_tekst")
                }
                | {"frist": r["frist"]},
            }
        )
    return GeoJSONResponse({"type": "FeatureCollection", "features": features})


@router.get(f"{BASE}/{{challenge_id}}", responses={404: {"model": Problem}})
def get_challenge(
    held: ServiceDep, challenge_id: Annotated[int, PathParam(ge=1, lt=2**62)]
) -> ChallengeDetail:
    """A challenge with its history (who changed what, when), oldest first."""
    with _answered():
        row = held.challenges.get(challenge_id)
    history = held.challenges.history(challenge_id)
    entries = history.drop(columns="utfordring").to_dict(orient="records")
    return ChallengeDetail.model_validate(_view(row) | {"historikk": entries})


@router.post(
    BASE,
    status_code=201,
    responses={409: {"model": Problem}, 413: {"model": Problem}},
)
def create_challenge(held: ServiceDep, body: ChallengeIn) -> ChallengeOut:
    """Make a challenge (status ``ny``) at an address of the served run or of an area. 409 when
    an open challenge of the same kind exists for the address (or area) and operator."""
    if body.adrid is not None and body.adrid not in held.results.lookup.by_id:
        raise InputError(f"ukjent adresse-id {body.adrid} i kjøringen som vises", field="adrid")
    fields = body.model_dump(exclude={"hvem"})
    fields["frist"] = body.frist.isoformat() if body.frist else ""
    with _answered():
        new_id = held.challenges.create(fields, who=body.hvem, source="planlegger")
    return ChallengeOut.model_validate(_view(held.challenges.get(new_id)))


@router.patch(
    f"{BASE}/{{challenge_id}}",
    responses={404: {"model": Problem}, 409: {"model": Problem}, 413: {"model": Problem}},
)
def change_challenge(
    held: ServiceDep,
    challenge_id: Annotated[int, PathParam(ge=1, lt=2**62)],
    body: ChallengeChange,
) -> ChallengeOut:
    """Change a challenge's status (``ny`` → ``sendt`` → ``tilsvar`` → ``opprettholdt`` /
    ``avvist``) and/or fields. ``versjon`` is the version you read: when someone else changed
    the challenge since, nothing is changed (409); fetch it again. Sending sets ``frist`` to
    the answer deadline unless one is given."""
    given = body.model_fields_set & {*EDITABLE, "tilsvar"}
    fields: dict[str, Any] = {name: getattr(body, name) for name in given}
    if "frist" in fields:
        fields["frist"] = body.frist.isoformat() if body.frist else ""
    with _answered():
        row = held.challenges.change(
            challenge_id, version=body.versjon, who=body.hvem, status=body.status, fields=fields
        )
    return ChallengeOut.model_validate(_view(row))


def _run_folder(settings: Settings, name: str, field: str) -> Path:
    """The output folder of an earlier run, named plainly inside ``history_dir``.

    Raises
    ------
    InputError
        The name is not a plain folder name (a path, ``..``) or leads outside.
    UnknownId
        No run's results there.
    """
    base = (settings.history_dir or settings.out_dir.resolve().parent).resolve()
    plain = name.strip()
    if (
        not plain
        or plain in (".", "..")
        or any(c in plain for c in "/\\\x00")
        or ".." in plain
        or plain.startswith("~")
    ):
        raise InputError(f"{name!r} er ikke et mappenavn (bare navnet, ingen sti)", field=field)
    folder = (base / plain).resolve()
    if folder.parent != base:
        raise InputError(f"{name!r} ligger utenfor mappa med kjøringer", field=field)
    if not (folder / REPORT).is_file():
        raise UnknownId(f"fant ingen kjøring {plain!r}")
    return folder


@router.get("/v1/planlegger/endringer", responses={404: {"model": Problem}})
def run_changes(
    held: ServiceDep,
    fra: Annotated[str, Query(min_length=1, max_length=200, description="Den eldre kjøringen")],
    til: Annotated[
        str, Query(max_length=200, description="Den nyere kjøringen; tom: den som vises")
    ] = "",
) -> RunChanges:
    """Per address what changed between two runs (offers gained or lost, speed class,
    eligibility, area), with counts per kind of change. Runs are named by their output
    folder's name inside the service's folder of runs."""
    old = _run_folder(held.settings, fra, "fra")
    new = _run_folder(held.settings, til, "til") if til else held.results.out_dir
    table, counts = diff_runs(old, new)
    rows = json.loads(table.to_json(orient="records", force_ascii=False)) if len(table) else []
    return RunChanges(fra=old.name, til=new.name, antall=counts, adresser=rows)


__all__ = ["router"]
