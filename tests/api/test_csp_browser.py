"""The maps under the Content-Security-Policy the service sends: real headless Chromium
(Debian's /usr/bin/chromium, Playwright) loads each map as the service answers it, headers
included; the map draws (Leaflet, its inline scripts, tiles from OpenStreetMap) and the browser
reports no policy violation."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.browser

ORIGIN = "http://dekning.test"
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
"""A 1 × 1 PNG answered for map tiles (no network in tests)."""


@pytest.mark.parametrize("path", ["/kart", "/kart/planlegger"])
def test_maps_work_under_their_csp(browser, results_copy, make_app, planner_headers, path):
    client = TestClient(make_app(results_copy))
    tiles: list[str] = []
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(ORIGIN):  # the service itself, answered by the app (headers too)
            answer = client.get(url.removeprefix(ORIGIN), headers=planner_headers)
            return r.fulfill(
                status=answer.status_code, headers=dict(answer.headers), body=answer.content
            )
        if "tile.openstreetmap.org" in url:
            tiles.append(url)
            return r.fulfill(status=200, content_type="image/png", body=EMPTY_PNG)
        blocked.append(url)
        return r.abort()

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.route("**/*", route)
    page.goto(ORIGIN + path, wait_until="load")
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('map_'))", timeout=10_000)
    page.wait_for_timeout(500)
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("path.leaflet-interactive").count() > 0  # the layers were drawn
    assert page.locator("img.leaflet-tile-loaded").count() > 0 and tiles  # OSM tiles allowed
    violations = page.evaluate(
        """() => new Promise(done => {
            const seen = [];
            document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
            setTimeout(() => done(seen), 300);
        })"""
    )
    assert violations == []
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert problems == [], problems
    assert blocked == []
    page.close()


def test_the_browser_enforces_it(browser, results_copy, make_app):
    """A script from elsewhere is refused under the map's policy (the check above is real)."""
    client = TestClient(make_app(results_copy))
    answer = client.get("/kart")
    body = answer.content.replace(
        b"</body>", b'<script src="https://evil.example/x.js"></script></body>'
    )
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.route(
        "**/*",
        lambda r: (
            r.fulfill(status=200, headers=dict(answer.headers), body=body)
            if r.request.url.startswith(ORIGIN)
            else r.fulfill(status=200, content_type="image/png", body=EMPTY_PNG)
        ),
    )
    page.goto(ORIGIN + "/kart", wait_until="load")
    page.wait_for_timeout(300)
    assert any("Content Security Policy" in m and "evil.example" in m for m in messages), messages
    page.close()
