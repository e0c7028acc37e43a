"""One table from exception type to HTTP status, and the handlers that use it.

Problems with the request are 4xx and say what was wrong (bokmål). Failures inside the service
(a broken results folder, figures that do not add up, bad rule tables, anything unexpected) are
500 with a short bokmål message; the traceback goes to the server log, never into the answer.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dekning.errors import (
    ConfigError,
    InputError,
    PlanningError,
    ReconciliationError,
    RuleError,
    validation_message,
)
from dekning.surveys.store import StoreUnavailable

from .models import SURROGATE

log = logging.getLogger("dekning.api")


class RequestProblem(Exception):
    """A problem with a request; its message (bokmål) is the answer's ``detail``.

    Parameters
    ----------
    message
        What was wrong, for the client.
    headers
        Extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class UnknownId(RequestProblem):
    """No address, area, group or job with that id."""


class NotAuthenticated(RequestProblem):
    """Planner token missing or wrong."""


class PlannerAccessOff(RequestProblem):
    """The service was started without a planner token."""


class Busy(RequestProblem):
    """A re-run is under way."""


class TooLarge(RequestProblem):
    """The request body is over the limit."""


class HeadersTooLarge(RequestProblem):
    """The request's headers are over the limit."""


class TooManyRequests(RequestProblem):
    """The client sent more survey answers than the limit allows."""


class NoRunner(RequestProblem):
    """The service was started without a way to re-run the analysis."""


RETRY_AFTER_S = 30
"""``Retry-After`` (seconds) while the survey store cannot be reached."""


@dataclass(frozen=True)
class Row:
    """One row of :data:`ERROR_TABLE`."""

    kind: type[Exception]
    status: int | None
    """None: the exception's own status (framework errors such as an unknown path)."""
    message: str | None
    """None: the exception's own message is the detail (request problems); else the short
    message shown instead (internal failures; the exception itself is logged)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Response headers of every answer of this row."""


ERROR_TABLE: tuple[Row, ...] = (
    Row(RequestValidationError, 422, None),
    Row(UnknownId, 404, None),
    Row(NotAuthenticated, 401, None),
    Row(PlannerAccessOff, 403, None),
    Row(Busy, 409, None),
    Row(TooLarge, 413, None),
    Row(HeadersTooLarge, 431, None),
    Row(TooManyRequests, 429, None),
    Row(NoRunner, 503, None),
    Row(
        StoreUnavailable,
        503,
        "svarlageret er ikke tilgjengelig akkurat nå; prøv igjen senere",
        (("Retry-After", str(RETRY_AFTER_S)),),
    ),
    Row(InputError, 422, None),
    Row(PlanningError, 409, None),
    Row(ConfigError, 500, "feil i oppsettet av tjenesten; se tjenerloggen"),
    Row(ReconciliationError, 500, "tallene i resultatene går ikke opp; se tjenerloggen"),
    Row(RuleError, 500, "feil i regeltabellene; se tjenerloggen"),
    Row(StarletteHTTPException, None, None),
    Row(Exception, 500, "intern feil i tjenesten; se tjenerloggen"),
)
"""Exception type → HTTP status, most specific first; the first row that matches decides.
``InputError`` and ``PlanningError`` reach a handler only when a request's input caused them:
results are read and checked when the service starts, before any request."""

FRAMEWORK_DETAIL = {404: "finnes ikke", 405: "metoden er ikke tillatt her"}
"""Bokmål for the framework's own answers (an unknown path, a wrong method)."""


UNREADABLE_BODY = [
    {
        "type": "json_invalid",
        "loc": ["body"],
        "msg": "forespørselen kan ikke leses: ugyldig JSON eller ikke UTF-8",
    }
]
"""The detail of a body the framework cannot read (it says 400; an invalid request is 422
here, in the shape of every validation error)."""


def row_of(exc: BaseException) -> Row:
    """The first row of :data:`ERROR_TABLE` that ``exc`` is an instance of."""
    return next(row for row in ERROR_TABLE if isinstance(exc, row.kind))


def printable(value: Any) -> Any:
    """``value`` with everything JSON cannot carry made printable: numbers that are not finite
    (NaN, Infinity, 1e400) become their text, lone surrogates in texts (and keys) become
    U+FFFD. A validation error echoes the client's input; this keeps its answer encodable."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def _detail(exc: BaseException) -> Any:
    if isinstance(exc, RequestValidationError):  # pydantic's messages, in bokmål
        errors = [{**e, "msg": validation_message(e)} for e in exc.errors()]
        return printable(jsonable_encoder(errors))
    if isinstance(exc, RequestProblem):
        return exc.message
    if isinstance(exc, InputError):  # the shape of a validation error: one 422 schema
        return [
            {"type": "input_error", "loc": [exc.field] if exc.field else [], "msg": exc.message}
        ]
    if isinstance(exc, StarletteHTTPException):
        return FRAMEWORK_DETAIL.get(exc.status_code, exc.detail)
    return str(exc)


def error_response(exc: BaseException) -> JSONResponse:
    """The answer to ``exc`` by :data:`ERROR_TABLE`; internal failures are logged."""
    row = row_of(exc)
    status = row.status
    headers: dict[str, str] = dict(row.headers)
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        headers = dict(exc.headers or {})
        if status == 400:  # FastAPI's "error parsing the body": a request that cannot be read
            return JSONResponse({"detail": UNREADABLE_BODY}, status_code=422, headers=headers)
    if isinstance(exc, RequestProblem):
        headers = exc.headers
    if row.message is not None and status == 503:  # expected outage: one line, no traceback
        log.warning("%s: %s", type(exc).__name__, exc)
    elif row.message is not None:
        log.error("%s: %s", type(exc).__name__, exc, exc_info=exc)
    detail = row.message if row.message is not None else _detail(exc)
    return JSONResponse({"detail": detail}, status_code=status or 500, headers=headers)


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


def install(app: FastAPI) -> None:
    """Answer every exception type of :data:`ERROR_TABLE` through :func:`error_response`."""
    for row in ERROR_TABLE:
        app.add_exception_handler(row.kind, _handle)


__all__ = [
    "ERROR_TABLE",
    "Busy",
    "HeadersTooLarge",
    "NoRunner",
    "NotAuthenticated",
    "PlannerAccessOff",
    "RequestProblem",
    "TooLarge",
    "TooManyRequests",
    "UnknownId",
    "error_response",
    "install",
    "row_of",
]
