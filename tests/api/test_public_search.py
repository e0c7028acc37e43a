"""The public map as ``dekning serve`` answers it: the page without its address index, the
search through ``GET /v1/adresser/sok`` finding what the offline page finds, with the fields its
answer shows and nothing more, rate-limited; and the served page working in Chromium."""

from __future__ import annotations

import base64
import json
import re

import pytest
from fastapi.testclient import TestClient

from dekning.api.routers.public import SEARCHES_PER_MINUTE, PublicSearch

ORIGIN = "http://dekning.test"
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
FIELDS = {
    "tekst",
    "postnummer",
    "lat",
    "lon",
    "lenke",
    "klasse",
    "mobil",
    "tilbydere",
    "teknologi",
    "omrade",
}
QUERIES = [
    "storgt 5",
    "Storgate 5, 7395",
    "Dalforet",
    "stolsvegen 24",
    "storgta 5",
    "storgata 1",
    "storgata",
    "7395",
    "veg 1",
    "finnes ikke 999",
    "Stølsvn. 2 b",
    "aasveg",
]


@pytest.fixture(scope="module")
def client(run_dir, tmp_path_factory):
    from dekning.api.app import Settings, create_app

    base = tmp_path_factory.mktemp("offentlig")
    app = create_app(Settings(out_dir=run_dir, database_url=str(base / "svar.sqlite")))
    return TestClient(app)


def test_the_served_map_has_no_address_index(client, run_dir):
    offline = (run_dir / "kart_offentlig.html").read_text(encoding="utf-8")
    served = client.get("/kart")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")
    page = served.text
    assert (
        '<script type="application/json" id="dekning-adresser" data-sok="v1/adresser/sok">null'
        in page
    )
    assert "Dalføret" in offline and "Dalføret" not in page and "Stølsvegen" not in page
    assert len(page) < len(offline) - 50_000
    assert "Finn din adresse" in page and client.head("/kart").status_code == 200


def test_search_finds_what_the_geocoder_finds_with_the_fields_of_the_answer(client, run_dir):
    first = {
        "storgt 5": "Storgata 5",
        "Storgate 5, 7395": "Storgata 5",
        "Dalforet": "Dalføret 190",
        "stolsvegen 24": "Stølsvegen 24",
        "storgta 5": "Storgata 5",  # a typo: streets at least 80 % alike
    }
    for q, tekst in first.items():
        hits = client.get("/v1/adresser/sok", params={"q": q}).json()
        assert hits and hits[0]["tekst"] == tekst, q
        assert set(hits[0]) == FIELDS and "adrid" not in json.dumps(hits)
    hits = client.get("/v1/adresser/sok", params={"q": "storgata", "limit": 3}).json()
    assert len(hits) == 3
    assert client.get("/v1/adresser/sok", params={"q": "finnes ikke 999"}).json() == []
    one = client.get("/v1/adresser/sok", params={"lenke": "storgata-1-7395"}).json()
    assert [h["tekst"] for h in one] == ["Storgata 1"]
    assert one[0]["mobil"] and {m["klasse"] for m in one[0]["mobil"]} <= {0, 1, 2, 3}
    assert client.get("/v1/adresser/sok", params={"lenke": "finnes-ikke"}).json() == []


def test_search_answers_as_the_offline_index_holds_it(run_dir):
    html = (run_dir / "kart_offentlig.html").read_text(encoding="utf-8")
    found = PublicSearch.from_page(html)
    index = json.loads(re.search(r'id="dekning-adresser">(.*?)</script>', html, re.S).group(1))
    assert len(found.rows) == len(index["gate"])
    assert len(found.by_link) == len(found.rows)  # every share id is unique


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "a" * 101}, {"lenke": "Storgata 1"}, {"q": "x", "limit": 9}],
)
def test_bad_searches_are_422(client, params):
    assert client.get("/v1/adresser/sok", params=params).status_code == 422


def test_searches_are_rate_limited(run_dir, make_app):
    c = TestClient(make_app(run_dir))
    codes = [
        c.get("/v1/adresser/sok", params={"q": "storgata 1"}).status_code
        for _ in range(SEARCHES_PER_MINUTE + 1)
    ]
    assert codes[:-1] == [200] * SEARCHES_PER_MINUTE
    last = c.get("/v1/adresser/sok", params={"q": "storgata 1"})
    assert last.status_code == 429 and last.headers["retry-after"] == "60"
    assert "søk" in last.json()["detail"]
    assert c.get("/v1/adresser", params={"q": "storgata 1"}).status_code == 200  # others not


def _served_page(browser, client, viewport, fragment=""):
    asked: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(ORIGIN):
            asked.append(url.removeprefix(ORIGIN))
            answer = client.get(url.removeprefix(ORIGIN))
            return r.fulfill(
                status=answer.status_code, headers=dict(answer.headers), body=answer.content
            )
        if "tile.openstreetmap.org" in url:
            return r.fulfill(status=200, content_type="image/png", body=EMPTY_PNG)
        return r.abort()

    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", route)
    page.goto(ORIGIN + "/kart" + fragment, wait_until="load")
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('map_'))")
    return page, asked, errors


def _hash_becomes(page, wanted: str) -> None:
    """Wait for ``location.hash`` (polled from here: the page's policy forbids the string
    evaluation ``wait_for_function`` polls with)."""
    for _ in range(60):
        if page.evaluate("location.hash") == wanted:
            return
        page.wait_for_timeout(50)
    assert page.evaluate("location.hash") == wanted


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.browser
def test_the_served_page_finds_what_the_offline_page_finds(browser, client, run_dir):
    page = browser.new_page()
    page.goto((run_dir / "kart_offentlig.html").as_uri(), wait_until="load")
    page.wait_for_function("window.dekningSearch && window.dekningSearch.find")
    for q in QUERIES:
        offline = page.evaluate("q => window.dekningSearch.find(q)", q)
        served = [h["lenke"] for h in client.get("/v1/adresser/sok", params={"q": q}).json()]
        assert served == offline, q
    page.close()


@pytest.mark.browser
def test_the_served_page_searches_through_the_api(browser, client):
    page, asked, errors = _served_page(browser, client, {"width": 390, "height": 844})
    page.locator("#dekning-q").fill("storgt 5")
    first = page.locator("#dekning-results button").first
    first.wait_for(timeout=3000)
    assert first.inner_text() == "Storgata 5, 7395"
    assert any(a.startswith("/v1/adresser/sok?q=storgt+5") for a in asked)
    page.keyboard.press("Enter")
    answer = page.locator(".dekning-svar")
    answer.wait_for(timeout=3000)
    assert _lines(answer.inner_text())[:2] == ["Storgata 5, 7395", "Fast bredbånd: ≥ 1000 Mbit/s"]
    _hash_becomes(page, "#adresse=storgata-5-7395")
    # Enter before the answer came: the first address is chosen when it comes.
    page.locator("#dekning-q").fill("stolsvegen 24")
    page.keyboard.press("Enter")
    _hash_becomes(page, "#adresse=stolsvegen-24-7395")
    page.close()
    page, asked, errors = _served_page(
        browser, client, {"width": 1280, "height": 800}, "#adresse=storgata-1-7395&lang=nn"
    )
    answer = page.locator(".dekning-svar")
    answer.wait_for(timeout=3000)
    text = _lines(answer.inner_text())
    assert text[:2] == ["Storgata 1, 7395", "Fast breiband: ≥ 1000 Mbit/s"]
    assert text[2].startswith("Tilbydarar: ") and text[-1] == "Lenkje til denne adressa"
    assert page.evaluate("document.documentElement.lang") == "nn"
    assert "/v1/adresser/sok?lenke=storgata-1-7395" in asked
    assert errors == []
    page.close()


def test_the_served_search_carries_the_open_challenge_flag_as_the_page_does(default_result):
    from dekning.api.routers.public import _unpack
    from dekning.maps.public_search import address_index, records

    classified = default_result.classified.copy()
    flagged = classified["adrid"].isin(classified["adrid"].iloc[[3, 10]])
    classified["utfordring_apen"] = flagged.to_numpy()
    index = json.loads(json.dumps(address_index(classified)))  # as embedded in the page
    served = [row.answer.get("utfordring") for row in _unpack(index)]
    assert served == [r["utfordring"] for r in records(index)]
    assert sum(served) == 2 and served[3] and served[10]
    plain = json.loads(json.dumps(address_index(default_result.classified)))
    assert all("utfordring" not in row.answer for row in _unpack(plain))  # no flag key at all


def test_repeated_addresses_are_served_with_the_links_the_page_makes(default_result):
    import pandas as pd

    from dekning.api.routers.public import _unpack
    from dekning.maps.public_search import address_index, records

    twice = pd.concat([default_result.classified.iloc[:50]] * 3, ignore_index=True)
    twice["adrid"] = range(len(twice))  # three addresses with each text
    index = json.loads(json.dumps(address_index(twice)))
    served = [row.answer["lenke"] for row in _unpack(index)]
    assert served == [r["lenke"] for r in records(index)]
    assert len(set(served)) == len(served)  # every copy its own link
