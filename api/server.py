"""The service under uvicorn, as ``dekning serve`` runs it: limits, timeouts and logs.

- A request head much longer than ``max_header_bytes`` is refused while it is being read
  (uvicorn's httptools parser has no limit of its own); the app refuses headers over
  ``max_header_bytes`` exactly (431).
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
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

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


class Guarded(HttpToolsProtocol):
    """uvicorn's httptools protocol (its fastest; it has no limit of its own on the request
    head), with two guards:

    - a connection that sends no complete request head within :attr:`first_request_s` of
      connecting is closed (uvicorn itself waits for ever);
    - a request head that goes on past :attr:`max_head_bytes` bytes is refused (400) and the
      connection closed, before more of it is read. The count is of raw bytes received while
      the head is being read; the bound is the app's header limit plus one read of 64 KiB (a
      body may share a read with its head), and the app itself refuses headers over its limit
      exactly (431).
    """

    first_request_s: float = 10.0
    max_head_bytes: int = 16_384 + 65_536
    _deadline: asyncio.TimerHandle | None = None
    _head_bytes: int = 0
    _in_head: bool = True

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

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self.logger.warning("Request head too long: connection closed.")
                self.send_400_response("Request head too long.")
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0


def protocol(settings: Settings) -> type[Guarded]:
    """:class:`Guarded` with the deadline and head limit of ``settings``."""
    limits = {
        "first_request_s": settings.first_request_s,
        "max_head_bytes": settings.max_header_bytes + 65_536,
    }
    return type("Guarded", (Guarded,), limits)


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options of the limits in ``settings`` (see the module's docstring)."""
    return {
        "http": protocol(settings),
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
