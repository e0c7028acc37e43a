"""The API documentation at ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served offline.

The pages' JavaScript and CSS come from the ``fastapi-offline`` package (Swagger UI 5 and
ReDoc 2, installed with dekning) and are served by the service itself under ``/docs/static``:
the documentation works without internet access, as on a municipality's closed network.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
REDOC = "/redoc"
STATIC = "/docs/static"
REDIRECT = "/docs/oauth2-redirect"
UI_PARAMETERS = {"persistAuthorization": True, "validatorUrl": None}
"""Swagger UI options: keep the planner token across reloads, never call the public validator."""


def _static_folder() -> str:
    """The folder of Swagger UI's and ReDoc's files in the ``fastapi-offline`` package."""
    return str(resources.files("fastapi_offline").joinpath("static"))


def _in_bokmal(page: HTMLResponse) -> HTMLResponse:
    """The page with ``lang="nb"`` on its ``<html>`` element."""
    body = bytes(page.body).replace(b"<html>", b'<html lang="nb">', 1)
    return HTMLResponse(body)


def install_docs(app: FastAPI) -> None:
    """Serve the documentation pages of ``app`` (built with ``docs_url=None, redoc_url=None``)
    and their files."""
    app.mount(STATIC, StaticFiles(directory=_static_folder()), name="docs-static")
    title = f"{app.title} – API-dokumentasjon"
    openapi = str(app.openapi_url)

    @app.get(DOCS, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return _in_bokmal(
            get_swagger_ui_html(
                openapi_url=openapi,
                title=title,
                swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
                swagger_css_url=f"{STATIC}/swagger-ui.css",
                swagger_favicon_url=f"{STATIC}/favicon.png",
                oauth2_redirect_url=REDIRECT,
                swagger_ui_parameters=UI_PARAMETERS,
            )
        )

    @app.get(REDIRECT, include_in_schema=False)
    async def redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _in_bokmal(
            get_redoc_html(
                openapi_url=openapi,
                title=title,
                redoc_js_url=f"{STATIC}/redoc.standalone.js",
                redoc_favicon_url=f"{STATIC}/favicon.png",
                with_google_fonts=False,
            )
        )


__all__ = ["install_docs"]
