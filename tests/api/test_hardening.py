"""The API against a hostile client (issue 11): forwarded headers, hostile JSON numbers and
texts, the privacy minimum on areas, security headers, the planner token kept out of logs,
and the limits of the server ``dekning serve`` runs."""

from __future__ import annotations

import logging
import socket
import threading
import time

import geopandas as gpd
import pytest
import uvicorn
from fastapi.testclient import TestClient

from dekning.api.errors import RETRY_AFTER_S
from dekning.api.headers import API_CSP, DOCS_CSP, MAP_CSP, policy
from dekning.api.limits import RateLimiter, client_address
from dekning.api.server import RedactToken, install_redaction, redact, server_options
from dekning.api.settings import TOKEN_ENV, Settings, read_token
from dekning.errors import ConfigError

GOOD = {"adresse": "Storgata 3", "postnummer": "7395", "teknologi": "dsl", "ned_mbps": 8.5}


# --- X-Forwarded-For ------------------------------------------------------------------------


def _xff_flood(client: TestClient, n: int = 30) -> list[int]:
    return [
        client.post(
            "/v1/svar", json=GOOD, headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status_code
        for i in range(n)
    ]


def test_forwarded_headers_do_not_bypass_the_limit(results_copy, make_app):
    c = TestClient(make_app(results_copy, submissions_per_minute=10))
    codes = _xff_flood(c)
    assert codes.count(201) == 10 and codes.count(429) == 20


def test_forwarded_headers_of_a_trusted_proxy_name_the_client(results_copy, make_app):
    app = make_app(results_copy, submissions_per_minute=2, trusted_proxies=("testclient",))
    c = TestClient(app)
    assert _xff_flood(c, 5) == [201] * 5  # five clients behind the proxy, one answer each
    same = {"X-Forwarded-For": "198.51.100.7"}
    codes = [c.post("/v1/svar", json=GOOD, headers=same).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    # a client's own forged hop (left of what the proxy saw) does not help it
    forged = [
        c.post(
            "/v1/svar", json=GOOD, headers={"X-Forwarded-For": f"10.0.0.{i}, 198.51.100.7"}
        ).status_code
        for i in range(3)
    ]
    assert forged == [429, 429, 429]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (("192.0.2.1", 5), b"203.0.113.9", "192.0.2.1"),  # peer not trusted: header ignored
        (("10.0.0.1", 5), b"203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two trusted hops
        (("10.0.0.1", 5), b"10.0.0.2", "10.0.0.1"),  # only proxies: the peer
        (("10.0.0.1", 5), None, "10.0.0.1"),
        (None, None, "ukjent"),
    ],
)
def test_client_address(peer, forwarded, expected):
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded)]
    scope = {"client": peer, "headers": headers}
    assert client_address(scope, ("10.0.0.1", "10.0.0.2")) == expected


# --- hostile JSON -----------------------------------------------------------------------------

HOSTILE = [
    '{"adresse": "Storgata 3", "ned_mbps": NaN}',
    '{"adresse": "Storgata 3", "ned_mbps": Infinity}',
    '{"adresse": "Storgata 3", "opp_mbps": -Infinity}',
    '{"adresse": "Storgata 3", "ned_mbps": 1e400}',
    '{"adresse": "Storgata 3", "betalingsvilje_nok": 1e400}',
    '{"adresse": "Storgata 3", "fornoyd": NaN}',
    '{"adresse": "Storgata 3", "lat": NaN, "lon": 10.4}',
    '{"adresse": "\\ud800"}',
    '{"adresse": "Storgata 3", "kommentar": "x\\udfffy"}',
    '{"adresse": "Storgata 3", "mobil": {"\\ud800_inne": 2}}',
    '{"\\ud800": 1}',
    "[NaN]",
    "NaN",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_numbers_and_texts_are_422_without_a_traceback(
    results_copy, make_app, caplog, body
):
    c = TestClient(make_app(results_copy), raise_server_exceptions=False)
    with caplog.at_level(logging.DEBUG):
        r = c.post("/v1/svar", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], list)
    assert not [rec for rec in caplog.records if rec.exc_info or rec.levelno >= logging.ERROR]
    assert c.app.state.service.store.count() == 0  # type: ignore[attr-defined]


def test_a_body_that_is_not_utf8_is_422(results_copy, make_app):
    c = TestClient(make_app(results_copy))
    r = c.post(
        "/v1/svar", content=b'{"adresse": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"].startswith("forespørselen kan ikke leses")


def test_hostile_query_numbers_are_422(results_copy, make_app):
    c = TestClient(make_app(results_copy), raise_server_exceptions=False)
    for lat in ("nan", "inf", "1e400"):
        assert c.get("/v1/dekning", params={"lat": lat, "lon": 10.4}).status_code == 422
    assert c.get("/v1/planlegger/avvik?token=%ED%A0%80%FF").status_code == 401


# --- privacy on /v1/omrader -----------------------------------------------------------------


def test_areas_hide_counts_under_the_minimum(results_copy, make_app):
    path = results_copy / "omrader.gpkg"
    areas = gpd.read_file(path, layer="omrader")
    areas.loc[0, ["adresser", "hus", "naering", "fritid"]] = [5, 4, 1, 0]
    areas.loc[1, ["adresser", "hus", "naering", "fritid"]] = [4, 6, 5, 5]
    areas.loc[2, ["adresser", "hus", "naering", "fritid"]] = [9, 7, 5, 5]
    areas.to_file(path, layer="omrader")
    ids = areas["area_id"].iloc[:3].tolist()
    fc = TestClient(make_app(results_copy)).get("/v1/omrader").json()  # minimum 5
    props = {f["properties"]["area_id"]: f["properties"] for f in fc["features"]}
    small, few_addresses, big = (props[i] for i in ids)
    assert (small["hus"], small["naering"], small["fritid"], small["skjult"]) == (
        None,
        None,
        None,
        True,
    )
    assert few_addresses["hus"] is None and few_addresses["naering"] is None
    assert few_addresses["skjult"] is True
    assert (big["hus"], big["naering"], big["fritid"], big["skjult"]) == (7, 5, 5, False)


def test_area_statistics_hide_the_same_counts_as_the_areas(results_copy, make_app):
    path = results_copy / "omrader.gpkg"
    areas = gpd.read_file(path, layer="omrader")
    areas.loc[0, ["adresser", "hus", "naering", "fritid"]] = [6, 4, 1, 0]
    areas.loc[1, ["adresser", "hus", "naering", "fritid"]] = [9, 7, 5, 5]
    areas.to_file(path, layer="omrader")
    client = TestClient(make_app(results_copy))
    rows = {r["omrade"]: r for r in client.get("/v1/statistikk?gruppe=omrade").json()}
    props = {
        f["properties"]["area_id"]: f["properties"]
        for f in client.get("/v1/omrader").json()["features"]
    }
    small, big = (areas["area_id"].iloc[i] for i in (0, 1))
    assert (rows[small]["hus"], rows[small]["naering"], rows[small]["fritid"]) == (None, None, None)
    assert rows[small]["adresser"] == 6 and rows[small]["skjult"] is True
    assert (rows[big]["hus"], rows[big]["naering"], rows[big]["fritid"]) == (7, 5, 5)
    for area_id, row in rows.items():
        for name in ("hus", "naering", "fritid"):
            assert (row[name] is None) == (props[area_id][name] is None), (area_id, name)


# --- security headers -------------------------------------------------------------------------


def test_every_answer_has_the_security_headers(results_copy, make_app, planner_headers):
    c = TestClient(make_app(results_copy), raise_server_exceptions=False)
    answers = {
        "/kart": c.get("/kart"),
        "/kart/planlegger": c.get("/kart/planlegger", headers=planner_headers),
        "/docs": c.get("/docs"),
        "/v1/health": c.get("/v1/health"),
        "/v1/omrader": c.get("/v1/omrader"),
        "/v1/finnes-ikke": c.get("/v1/finnes-ikke"),
        "/v1/svar": c.post("/v1/svar", json={}),
        "/v1/planlegger/avvik": c.get("/v1/planlegger/avvik"),
    }
    for path, r in answers.items():
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["content-security-policy"] == policy(path), path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert answers["/kart"].headers["content-security-policy"] == MAP_CSP
    assert answers["/docs"].headers["content-security-policy"] == DOCS_CSP
    assert answers["/v1/health"].headers["content-security-policy"] == API_CSP
    assert [answers[p].status_code for p in ("/v1/finnes-ikke", "/v1/svar")] == [404, 422]


# --- the planner token --------------------------------------------------------------------------


def test_token_from_a_file_or_the_environment(tmp_path):
    path = tmp_path / "token"
    path.write_text("\ufeffs3cr3t\n", encoding="utf-8")
    assert read_token(path, {TOKEN_ENV: "fra-miljoet"}) == "s3cr3t"  # the file first
    assert read_token(None, {TOKEN_ENV: "fra-miljoet"}) == "fra-miljoet"
    assert read_token(None, {}) is None and read_token(None, {TOKEN_ENV: ""}) is None
    (tmp_path / "tom").write_text(" \n\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="tokenfila er tom"):
        read_token(tmp_path / "tom", {})
    with pytest.raises(ConfigError, match="tokenfila kan ikke leses"):
        read_token(tmp_path / "finnes-ikke", {})


def test_redaction_of_tokens_in_log_lines():
    assert redact("GET /kart/planlegger?token=abc HTTP/1.1") == (
        "GET /kart/planlegger?token=[skjult] HTTP/1.1"
    )
    assert redact("/v1/x?a=1&TOKEN=abc&b=2") == "/v1/x?a=1&TOKEN=[skjult]&b=2"
    record = logging.LogRecord("uvicorn.access", 20, "", 0, '%s "%s"', ("x", "/a?token=z"), None)
    RedactToken().filter(record)
    assert record.getMessage() == 'x "/a?token=[skjult]"'
    named = logging.LogRecord("dekning.api", 20, "", 0, "%(u)s", None, None)
    named.args = {"u": "/a?token=z"}
    RedactToken().filter(named)
    assert named.getMessage() == "/a?token=[skjult]"
    install_redaction()
    install_redaction()
    assert sum(isinstance(f, RedactToken) for f in logging.getLogger("uvicorn.access").filters) == 1


# --- the server's limits (uvicorn in this process) ------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(results_copy, make_app):
    """The app under uvicorn with ``dekning serve``'s options (short deadlines)."""
    settings = Settings(first_request_s=0.5, keep_alive_s=1, max_header_bytes=8_192)
    port = _free_port()
    config = uvicorn.Config(
        make_app(results_copy, submissions_per_minute=10, max_header_bytes=8_192),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        **server_options(settings),
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    running.should_exit = True
    thread.join(10)


def _exchange(port: int, data: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b"connection: close" not in b"".join(chunks):
                break
        return b"".join(chunks)


def test_long_headers_are_refused(server):
    long = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 10_000 + b"\r\n\r\n"
    assert _exchange(server, long).startswith(b"HTTP/1.1 431")  # the app's limit (8 KiB here)
    huge = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 8_000_000 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server), timeout=5) as s:
        try:  # refused by the parser before the head is read whole: 400, then closed
            s.sendall(huge)
            answer = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            answer = b"reset"
    assert answer.startswith(b"HTTP/1.1 400") or answer == b"reset", answer[:200]
    ok = _exchange(server, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert ok.startswith(b"HTTP/1.1 200") and b"nosniff" in ok


def test_idle_connections_are_closed(server):
    started = time.monotonic()
    idle = [socket.create_connection(("127.0.0.1", server), timeout=10) for _ in range(100)]
    try:
        assert all(s.recv(1) == b"" for s in idle)  # each closed by the server, having sent nothing
    finally:
        for s in idle:
            s.close()
    assert time.monotonic() - started < 5  # the deadline is 0.5 s here (10 s by default)
    with socket.create_connection(("127.0.0.1", server), timeout=10) as s:
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)
        first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        while s.recv(65536):  # after the answer, kept alive for keep_alive_s only
            pass
    assert time.monotonic() - started < 5


def test_forwarded_headers_are_not_applied_by_the_server(server):
    codes = []
    for i in range(15):
        answer = _exchange(
            server,
            b"POST /v1/svar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"X-Forwarded-For: 203.0.113.{i}\r\nConnection: close\r\n".encode()
            + b'Content-Length: 27\r\n\r\n{"adresse": "Storgata 3"}  ',
        )
        codes.append(int(answer.split(b" ", 2)[1]))
    assert codes.count(201) == 10 and codes.count(429) == 5, codes


# --- the survey store's database down ---------------------------------------------------------


@pytest.mark.postgres
def test_database_down_is_503_and_recovers(results_copy, make_app, throwaway_pg, caplog):
    c = TestClient(make_app(results_copy, database_url=throwaway_pg.url))
    assert c.post("/v1/svar", json=GOOD).status_code == 201
    throwaway_pg.stop()
    with caplog.at_level(logging.INFO):
        down = c.post("/v1/svar", json=GOOD)
        listed = c.get("/v1/planlegger/svar", headers={"Authorization": "Bearer hemmelig"})
        # a service started while the database is down starts, and serves what it can
        late = TestClient(make_app(results_copy, database_url=throwaway_pg.url))
        assert late.get("/v1/health").status_code == 200
        assert late.post("/v1/svar", json=GOOD).status_code == 503
    for r in (down, listed):
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == str(RETRY_AFTER_S)
        assert r.json() == {
            "detail": "svarlageret er ikke tilgjengelig akkurat nå; prøv igjen senere"
        }
    assert not [rec for rec in caplog.records if rec.exc_info]  # one line each, no traceback
    assert any("StoreUnavailable" in rec.getMessage() for rec in caplog.records)
    throwaway_pg.start()
    assert c.post("/v1/svar", json=GOOD).status_code == 201
    assert late.post("/v1/svar", json=GOOD).status_code == 201
    assert c.app.state.service.store.count() == 3  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_database_crash_loses_no_acknowledged_answer(results_copy, make_app, throwaway_pg):
    """Answers acknowledged (201) while the database server crashes (``pg_ctl -m immediate``:
    no shutdown checkpoint) are all there after it restarts."""
    c = TestClient(make_app(results_copy, database_url=throwaway_pg.url))
    acknowledged: list[int] = []
    codes: list[int] = []
    stop = threading.Event()

    def post() -> None:
        while not stop.is_set():
            r = c.post("/v1/svar", json=GOOD)
            codes.append(r.status_code)
            if r.status_code == 201:
                acknowledged.append(r.json()["id"])

    writer = threading.Thread(target=post)
    writer.start()
    time.sleep(1.0)
    throwaway_pg.stop("immediate")
    time.sleep(0.5)
    stop.set()
    writer.join(30)
    throwaway_pg.start()
    assert len(acknowledged) > 10 and 503 in codes and set(codes) <= {201, 503}
    stored = set(c.app.state.service.store.all()["id"])  # type: ignore[attr-defined]
    assert set(acknowledged) <= stored


def test_the_rate_limiter_forgets_quiet_clients():
    limiter = RateLimiter(per_minute=2, window_s=0.05)
    for i in range(RateLimiter.MAX_CLIENTS + 1):
        limiter.check(f"10.0.{i // 256}.{i % 256}")
    time.sleep(0.1)
    limiter.check("192.0.2.1")
    assert len(limiter) == 1
