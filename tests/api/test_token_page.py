"""The planner map's token page: its form posts the token (never in the URL, the history or a
log line), the right token gives the map, a wrong one the page again with a bokmål error, and
no page repeats what was typed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

TOKEN = "hemmelig"
"""The planner token of ``make_app`` (tests/api/conftest.py)."""
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class _Forms(HTMLParser):
    """The attributes of every ``<form>`` and ``<input>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.forms.append(dict(attrs))
        elif tag == "input":
            self.inputs.append(dict(attrs))


def _forms(html: str) -> _Forms:
    parsed = _Forms()
    parsed.feed(html)
    return parsed


@pytest.fixture
def client(run_dir, make_app) -> TestClient:
    return TestClient(make_app(run_dir))


def test_the_page_asks_with_a_post_form_that_sends_to_itself(client):
    r = client.get("/kart/planlegger")
    assert r.status_code == 401 and "Tilgangsnøkkel" in r.text
    page = _forms(r.text)
    assert len(page.forms) == 1
    assert page.forms[0]["method"] == "post" and page.forms[0]["action"] == "/kart/planlegger"
    (field,) = page.inputs
    assert field["name"] == "token" and field["type"] == "password"
    # Its own policy: styles of its own, the form may send to the service only, no script.
    csp = r.headers["content-security-policy"]
    assert "form-action 'self'" in csp and "script-src" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["cache-control"] == "no-store"


def test_posting_the_right_token_gives_the_map_and_keeps_it_out_of_the_url(client):
    r = client.post("/kart/planlegger", data={"token": TOKEN}, headers=FORM)
    assert r.status_code == 200 and "Utbyggingsomr" in r.text
    assert r.url.path == "/kart/planlegger" and r.url.query == b""  # no redirect to ?token=
    assert not r.history
    assert "token=" not in str(r.url) and TOKEN not in r.text
    assert r.headers["cache-control"] == "no-store"
    # The map's own policy (inline Leaflet, OSM tiles), as for GET.
    assert (
        r.headers["content-security-policy"]
        == client.get("/kart/planlegger", headers={"Authorization": f"Bearer {TOKEN}"}).headers[
            "content-security-policy"
        ]
    )
    assert "script-src 'unsafe-inline'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("wrong", ["feil", TOKEN + "x", " " + TOKEN, "x" * 201])
def test_a_wrong_token_gives_the_page_again_with_a_bokmal_error(client, wrong):
    r = client.post("/kart/planlegger", data={"token": wrong}, headers=FORM)
    assert r.status_code == 401
    assert '<p class="feil" role="alert">Feil tilgangsnøkkel. Prøv igjen.</p>' in r.text
    assert _forms(r.text).forms[0]["method"] == "post"
    assert "Utbyggingsomr" not in r.text


def test_an_empty_post_asks_again_without_an_error(client):
    r = client.post("/kart/planlegger", data={"token": ""}, headers=FORM)
    assert r.status_code == 401 and "Tilgangsnøkkel" in r.text
    assert "Feil tilgangsnøkkel" not in r.text
    r = client.post("/kart/planlegger", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and "Utbyggingsomr" not in r.text


@pytest.mark.parametrize(
    "typed",
    [
        '<script>alert("x")</script>',
        '"><img src=x onerror=alert(1)>',
        "</p><h1>falsk</h1>",
        "&lt;script&gt;",
    ],
)
def test_what_was_typed_is_never_repeated_in_the_page(client, typed):
    for r in (
        client.post("/kart/planlegger", data={"token": typed}, headers=FORM),
        client.get("/kart/planlegger", params={"token": typed}),
    ):
        assert r.status_code == 401
        assert typed not in r.text  # neither raw ...
        assert re.sub(r"[<>\"&]", "", typed) not in r.text  # ... nor escaped
        assert "<script" not in r.text and "<img" not in r.text


def test_planner_access_off_says_so_for_a_post_too(run_dir, make_app):
    off = TestClient(make_app(run_dir, planner_token=None))
    r = off.post("/kart/planlegger", data={"token": TOKEN}, headers=FORM)
    assert r.status_code == 403 and "Planleggertilgang er slått av" in r.text
