"""The service under uvicorn, as ``dekning serve`` runs it: limits, timeouts and logs.

- The request head (request line and headers) is read by h11 up to ``max_header_bytes``; a
  longer one is refused before the app sees it (httptools, uvicorn's default parser when
  installed, has no such limit).
- A new connection must send its first request head within ``first_request_s`` seconds (uvicorn
  itself waits for ever); an idle connection after an answer is closed after ``keep_alive_s``;
  at most ``max_connections`` connections and requests at once (503 above).
- Forwarded headers are not applied by uvicorn: the app reads ``X-Forwarded-For`` from the
  proxies ``trusted_proxies`` names only (:func:`dekning.api.limits.client_address`).
- A planner token given as ``?token=`` is replaced by ``[skjult]`` in every log line.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from .settings import Settings

TOKEN_IN_URL = re.compile(r"([?&]token=)[^&\s\"']*", re.IGNORECASE)
REDACTED = r"\1[skjult]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "dekning.api")
"""The loggers whose lines may hold a request's URL."""


def redact(text: str) -> str:
    """``text`` with the value of every ``token=`` query parameter replaced by ``[skjult]``."""
    return TOKEN_IN_URL.sub(REDACTED, text)


class RedactToken(logging.Filter):
    """Log filter: no planner token from a URL reaches a log line (message and arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install_redaction() -> None:
    """Add :class:`RedactToken` to the loggers of :data:`LOGGERS` (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactToken) for f in logger.filters):
            logger.addFilter(RedactToken())


class FirstRequestDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that sends no complete request head within
    :attr:`first_request_s` of connecting."""

    first_request_s: float = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline = self.loop.call_later(self.first_request_s, self._too_late)

    def _too_late(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)


def protocol(settings: Settings) -> type[FirstRequestDeadline]:
    """:class:`FirstRequestDeadline` with the deadline of ``settings``."""
    return type(
        "FirstRequestDeadline",
        (FirstRequestDeadline,),
        {"first_request_s": settings.first_request_s},
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options of the limits in ``settings`` (see the module's docstring)."""
    return {
        "http": protocol(settings),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.max_connections,
        "proxy_headers": False,
        "server_header": False,
    }


def serve(app: FastAPI, settings: Settings, host: str, port: int, *, access_log: bool) -> None:
    """Serve ``app`` until stopped (Ctrl-C, SIGTERM)."""
    install_redaction()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        **server_options(settings),
    )
