"""Security headers on every answer (ASGI middleware).

Every answer says ``nosniff``, may not be framed (``X-Frame-Options: DENY`` and CSP
``frame-ancestors 'none'``), sends no referrer, and carries a Content-Security-Policy fitting
what it is: JSON answers may load nothing; the maps (self-contained HTML with Leaflet, their
scripts and styles inlined, markers as ``data:`` images) may run their inline scripts and load
base-map tiles from OpenStreetMap's tile server only; the API documentation (``/docs``,
``/redoc``) loads Swagger UI / ReDoc from the service itself (:mod:`.docs`). An answer that
sets its own policy (the planner map's token page) keeps it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OSM_TILES = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"
MAP_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    f"img-src 'self' data: {OSM_TILES}; connect-src 'self'; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The maps: inline scripts and styles (Leaflet is inlined), ``data:`` marker images, OSM
tiles; nothing else from anywhere."""
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""``/docs`` and ``/redoc``: Swagger UI / ReDoc from the service itself, nothing from elsewhere."""
API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
"""Everything else (JSON, GeoJSON, package files): nothing may load or run."""
MAP_PATHS = ("/kart", "/kart/planlegger")
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
COMMON = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


def policy(path: str) -> str:
    """The Content-Security-Policy of the answer to ``path``."""
    if path in MAP_PATHS:
        return MAP_CSP
    if path in DOCS_PATHS:
        return DOCS_CSP
    return API_CSP


class SecurityHeaders:
    """ASGI middleware: add :data:`COMMON` and the path's :func:`policy` to every answer
    (errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = policy(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON:
                    headers[name] = value
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = csp
            await send(message)

        await self.app(scope, receive, send_with_headers)
