"""The documentation pages work offline, HEAD is answered where GET is, and the planner map asks
a browser for its token instead of answering JSON."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from dekning.api.docs import STATIC
from dekning.api.headers import DOCS_CSP

ORIGIN = "http://dekning.test"


@pytest.fixture
def client(results_copy, make_app):
    return TestClient(make_app(results_copy), follow_redirects=False)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_load_nothing_from_elsewhere(client, path):
    page = client.get(path)
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text
    assert page.headers["content-security-policy"] == DOCS_CSP
    assert "https://" not in DOCS_CSP
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith(STATIC + "/") for u in urls), urls
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1_000, url


def test_openapi_offers_the_planner_token(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["planleggertoken"]["scheme"] == "bearer"
    planner_ops = schema["paths"]["/v1/planlegger/svar"]["get"]
    assert {"planleggertoken": []} in planner_ops["security"]
    assert "security" not in schema["paths"]["/v1/adresser"]["get"]


@pytest.mark.parametrize(("path", "status"), [("/", 307), ("/kart", 200)])
def test_head_is_answered_like_get(client, path, status):
    identity = {"Accept-Encoding": "identity"}
    got, head = client.get(path, headers=identity), client.head(path, headers=identity)
    assert got.status_code == head.status_code == status
    assert head.content == b""
    assert head.headers.get("content-length") == got.headers.get("content-length")


def test_planner_map_without_token_is_a_page_that_asks_for_it(client):
    page = client.get("/kart/planlegger")
    assert page.status_code == 401
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="nb">' in page.text
    assert 'name="token"' in page.text and '<label for="token">' in page.text
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert 'role="alert"' not in page.text  # nothing went wrong yet


def test_planner_map_with_a_wrong_token_says_so(client):
    page = client.get("/kart/planlegger", params={"token": "feil<b>"})
    assert page.status_code == 401
    assert 'role="alert"' in page.text and "Feil tilgangsnøkkel" in page.text
    assert "feil<b>" not in page.text  # the token given is never echoed


def test_planner_map_with_the_token_is_the_map(client, planner_headers):
    by_header = client.get("/kart/planlegger", headers=planner_headers)
    token = planner_headers["Authorization"].removeprefix("Bearer ")
    by_query = client.get("/kart/planlegger", params={"token": token})
    assert by_header.status_code == by_query.status_code == 200
    assert "leaflet" in by_header.text.lower() and by_header.content == by_query.content
    assert "form-action 'none'" in by_header.headers["content-security-policy"]
    assert client.head("/kart/planlegger", headers=planner_headers).status_code == 200


def test_planner_map_when_access_is_off(results_copy, make_app):
    client = TestClient(make_app(results_copy, planner_token=None))
    page = client.get("/kart/planlegger")
    assert page.status_code == 403 and "slått av" in page.text


@pytest.mark.browser
def test_swagger_ui_draws_offline(browser, client, planner_headers):
    """Real Chromium: Swagger UI draws every operation, shows "Authorize", and asks for
    nothing outside the service."""
    outside: list[str] = []

    def route(r):
        url = r.request.url
        if not url.startswith(ORIGIN):
            outside.append(url)
            return r.abort()
        answer = client.get(url.removeprefix(ORIGIN))
        return r.fulfill(
            status=answer.status_code, headers=dict(answer.headers), body=answer.content
        )

    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.route("**/*", route)
    page.goto(ORIGIN + "/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 8
    assert page.locator("button.authorize").count() == 1
    assert outside == [] and problems == []
    page.close()


def test_large_answers_are_compressed_small_ones_not(client):
    plain = client.get("/kart", headers={"Accept-Encoding": "identity"})
    packed = client.get("/kart", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # the client unpacks it
    assert packed.num_bytes_downloaded < len(plain.content) / 3
    assert packed.headers["content-security-policy"] == plain.headers["content-security-policy"]
    small = client.get("/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
