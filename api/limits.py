"""Request limits: the body size (ASGI middleware), survey submissions per client, and who the
client is (forwarded headers only from trusted proxies)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HeadersTooLarge, TooLarge, TooManyRequests, error_response


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes (413), and requests whose
    headers take more than ``header_limit`` bytes (431; ``dekning serve``'s parser refuses
    a head much longer than that before it is read whole).

    A declared ``Content-Length`` over the limit is refused before the body is read; a body
    sent without one (``Transfer-Encoding: chunked``) is read up to the limit first and handed
    on only when it fits.
    """

    def __init__(self, app: ASGIApp, limit: int, header_limit: int = 16_384) -> None:
        self.app = app
        self.limit = limit
        self.header_limit = header_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("headers") or []
        if sum(len(k) + len(v) + 4 for k, v in raw) > self.header_limit:
            problem = HeadersTooLarge(f"hodene er for store (maks {self.header_limit} byte)")
            await error_response(problem)(scope, receive, send)
            return
        headers = dict(raw)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(scope, receive, send)
            return
        if length is not None or b"transfer-encoding" not in headers:  # no body, or a known size
            await self.app(scope, receive, send)
            return
        messages = await self._read(receive)
        if messages is None:
            await self._refuse(scope, receive, send)
            return
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None when they pass the limit."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > self.limit:
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = TooLarge(f"forespørselen er for stor (maks {self.limit} byte)")
        await error_response(problem)(scope, receive, send)


def client_address(scope: Scope, trusted_proxies: Collection[str]) -> str:
    """The address a request counts against: the peer that connected, unless that peer is one
    of ``trusted_proxies``; then the last address in ``X-Forwarded-For`` that is not a trusted
    proxy (what the nearest untrusted hop told the proxy; anything to the left of it is the
    client's own claim and can be forged)."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else "ukjent"
    if host not in trusted_proxies:
        return host
    forwarded: list[str] = []
    for key, value in scope.get("headers") or []:
        if key == b"x-forwarded-for":
            forwarded += [part.strip() for part in value.decode("latin-1").split(",")]
    for hop in reversed(forwarded):
        if hop and hop not in trusted_proxies:
            return hop
    return host


class RateLimiter:
    """At most ``per_minute`` events per client in any 60-second window (thread-safe)."""

    MAX_CLIENTS = 1_024
    """Above this many remembered clients, those with no event in the window are forgotten."""

    def __init__(self, per_minute: int, window_s: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self._recent: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Count one event of ``client``.

        Raises
        ------
        TooManyRequests
            The client is over the limit (the event is not counted).
        """
        now = time.monotonic()
        with self._lock:
            if len(self._recent) > self.MAX_CLIENTS:
                self._forget_quiet(now)
            window = self._recent[client]
            while window and now - window[0] > self.window_s:
                window.popleft()
            if len(window) >= self.per_minute:
                raise TooManyRequests(
                    "for mange svar fra denne adressen; prøv igjen om et minutt",
                    headers={"Retry-After": str(round(self.window_s))},
                )
            window.append(now)

    def _forget_quiet(self, now: float) -> None:
        """Drop clients whose last event left the window (memory stays bounded)."""
        quiet = [c for c, w in self._recent.items() if not w or now - w[-1] > self.window_s]
        for client in quiet:
            del self._recent[client]

    def __len__(self) -> int:
        """Clients remembered now."""
        return len(self._recent)
