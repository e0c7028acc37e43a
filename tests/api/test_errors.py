"""The exception → status table: every row is hit, by a real condition where there is one and
by a tiny extra router otherwise; internal failures answer 500 with a short bokmål message and
no traceback, and are logged."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from dekning.api.errors import (
    ERROR_TABLE,
    RETRY_AFTER_S,
    Busy,
    HeadersTooLarge,
    NoRunner,
    NotAuthenticated,
    PlannerAccessOff,
    TooLarge,
    TooManyRequests,
    UnknownId,
    row_of,
)
from dekning.errors import ConfigError, InputError, PlanningError, ReconciliationError, RuleError
from dekning.surveys.store import StoreUnavailable

ANSWER = {"adresse": "Storgata 3", "postnummer": "7395"}

extra = APIRouter(prefix="/test")


@extra.get("/planlegging")
def _planning() -> None:
    raise PlanningError("budsjettet rekker ikke til noe område")


@extra.get("/avstemming")
def _reconciliation() -> None:
    raise ReconciliationError("area O-001: parts = 10 kr but kost_total = 11 kr")


@extra.get("/regel")
def _rule() -> None:
    raise RuleError("no co-funding rule for 1999")


@extra.get("/uventet")
def _unexpected() -> None:
    raise RuntimeError("hemmelig detalj fra innsiden")


def test_no_row_is_hidden_behind_an_earlier_one():
    for i, row in enumerate(ERROR_TABLE):
        earlier = [r.kind for r in ERROR_TABLE[:i]]
        assert not issubclass(row.kind, tuple(earlier)), row
    assert row_of(KeyError("x")).status == 500
    assert row_of(InputError("x")).status == 422


@pytest.fixture
def walk(results_copy, make_app, planner_headers):
    """One response per row of the table, each from its own condition."""
    release = threading.Event()
    app = make_app(results_copy, runner=lambda: release.wait(60), submissions_per_minute=1)
    app.include_router(extra)
    c = TestClient(app, raise_server_exceptions=False)
    got = {
        RequestValidationError: c.get("/v1/dekning/-5"),
        UnknownId: c.get("/v1/dekning/1"),
        NotAuthenticated: c.get("/v1/planlegger/avvik", params={"token": "feil"}),
        TooLarge: c.post("/v1/svar", content=b" " * 20_000),
        HeadersTooLarge: c.get("/v1/health", headers={"X-Pad": "a" * 20_000}),
        InputError: c.post("/v1/svar", json={**ANSWER, "mobil": {"ukjent_inne": 3}}),
        PlanningError: c.get("/test/planlegging"),
        ReconciliationError: c.get("/test/avstemming"),
        RuleError: c.get("/test/regel"),
        StarletteHTTPException: c.get("/v1/finnes-ikke"),
        Exception: c.get("/test/uventet"),
    }
    got[TooManyRequests] = c.post("/v1/svar", json=ANSWER)  # the InputError answer used the slot
    (results_copy / "kart_offentlig.html").unlink()
    got[ConfigError] = c.get("/kart")
    try:
        assert c.post("/v1/planlegger/kjor", headers=planner_headers).status_code == 202
        got[Busy] = c.post("/v1/planlegger/kjor", headers=planner_headers)
        unwritten = sorted(results_copy.glob("soknad/*"))[0].name
        (results_copy / "soknad" / unwritten / "adresser.csv").unlink()
        busy_package = c.get(
            f"/v1/planlegger/omrader/{unwritten}/adresser.csv", headers=planner_headers
        )
    finally:
        release.set()
    no_token = TestClient(make_app(results_copy, planner_token=None))
    got[PlannerAccessOff] = no_token.get("/v1/planlegger/avvik")
    no_runner = TestClient(make_app(results_copy))
    got[NoRunner] = no_runner.post("/v1/planlegger/kjor", headers=planner_headers)
    store = Path(no_runner.app.state.service.store.url)  # type: ignore[attr-defined]
    for part in store.parent.glob(store.name + "*"):
        part.unlink()
    store.mkdir()  # a folder where the SQLite file was: the store cannot be opened
    got[StoreUnavailable] = no_runner.post("/v1/svar", json=ANSWER)
    return got, busy_package


def test_every_row_of_the_table(walk, caplog):
    got, busy_package = walk
    assert set(got) == {row.kind for row in ERROR_TABLE}
    for row in ERROR_TABLE:
        response = got[row.kind]
        assert response.status_code == (row.status or 404), (row, response.text)
        body = response.json()
        assert set(body) == {"detail"}, body
        if row.message is not None:
            assert body["detail"] == row.message
        assert "Traceback" not in response.text and "hemmelig" not in response.text
        assert response.headers["x-content-type-options"] == "nosniff", row  # 500s too
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], row
    assert busy_package.status_code == 409
    assert busy_package.json()["detail"] == "en analyse kjører; prøv igjen når den er ferdig"


def test_request_problems_say_what_was_wrong(walk):
    got, _ = walk
    assert got[UnknownId].json()["detail"] == "ukjent adresse-id 1"
    assert got[InputError].json()["detail"] == [
        {
            "type": "input_error",
            "loc": ["mobil"],
            "msg": "ukjent operatør i 'ukjent_inne'; kjente operatører: telenor, telia, ice",
        }
    ]
    assert got[PlanningError].json()["detail"] == "budsjettet rekker ikke til noe område"
    assert got[Busy].json()["detail"] == "en analyse kjører allerede"
    assert got[NoRunner].json()["detail"] == (
        "tjenesten er startet uten mulighet til å kjøre analysen på nytt"
    )
    assert got[StarletteHTTPException].json()["detail"] == "finnes ikke"
    assert got[TooManyRequests].headers["retry-after"] == "60"
    assert got[NotAuthenticated].headers["www-authenticate"] == "Bearer"
    assert got[StoreUnavailable].headers["retry-after"] == str(RETRY_AFTER_S)


def test_internal_failures_are_logged_with_their_traceback(results_copy, make_app, caplog):
    app = make_app(results_copy)
    app.include_router(extra)
    c = TestClient(app, raise_server_exceptions=False)
    (results_copy / "kart_offentlig.html").unlink()
    with caplog.at_level(logging.ERROR, logger="dekning.api"):
        assert c.get("/kart").status_code == 500
        assert c.get("/test/uventet").status_code == 500
    logged = [r for r in caplog.records if r.name == "dekning.api"]
    assert "kart_offentlig.html mangler" in logged[0].getMessage()
    assert logged[1].exc_info is not None and "hemmelig detalj" in logged[1].getMessage()


def test_wrong_method_is_405_in_bokmal(results_copy, make_app):
    r = TestClient(make_app(results_copy)).post("/v1/health")
    assert r.status_code == 405 and r.json() == {"detail": "metoden er ikke tillatt her"}


def test_validation_errors_are_bokmal(results_copy, make_app):
    """FastAPI/pydantic's own messages are given in bokmål, like dekning's."""
    client = TestClient(make_app(results_copy))
    answers = {
        "/v1/dekning/-5": "må være minst 0",
        "/v1/dekning?lat=91&lon=10": "må være høyst 72",
        "/v1/dekning?lat=x&lon=10": "må være et tall",
        "/v1/adresser?q=x": "for kort (minst 2 tegn)",
        "/v1/statistikk?gruppe=fylke": "må være en av 'kommunenummer'",
    }
    for path, words in answers.items():
        r = client.get(path)
        assert r.status_code == 422, path
        msgs = [e["msg"] for e in r.json()["detail"]]
        assert any(words in m for m in msgs), (path, msgs)
        assert not any("should" in m or "Field required" in m for m in msgs), (path, msgs)
    missing = client.post("/v1/svar", json={"adresse": "Storgata 1", "tull": 1})
    assert missing.status_code == 422
    assert [e["msg"] for e in missing.json()["detail"]] == ["er ikke et kjent felt"]
