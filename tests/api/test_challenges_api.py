"""Challenge endpoints (utfordringer), residents' speed tests and the challenge fields of the
coverage lookup, over a real run of the default data and a real SQLite store (PostgreSQL too,
when ``DEKNING_TEST_PG_URL`` is set)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, get_args

import geopandas as gpd
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from dekning.api.app import Settings, create_app
from dekning.api.challenge_models import Kind, Status
from dekning.api.routers.public import how_to_challenge
from dekning.config import load_default_config
from dekning.history import CHANGES
from dekning.surveys.challenges import KINDS, STATUSES, ChallengeStore
from dekning.surveys.store import StoreUnavailable
from dekning.textsafe import read_spreadsheet_csv, write_spreadsheet_csv

TOKEN = {"Authorization": "Bearer hemmelig"}
BASE = "/v1/planlegger/utfordringer"


@pytest.fixture(scope="module")
def served(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An app over a copy of the run with its own SQLite store; earlier runs are looked up
    next to the served folder (``history_dir`` unset)."""
    base = tmp_path_factory.mktemp("utfordringer")
    out = Path(shutil.copytree(run_dir, base / "ut"))
    settings = Settings(
        out_dir=out,
        planner_token="hemmelig",
        database_url=str(base / "svar.sqlite"),
        submissions_per_minute=1_000,
    )
    app = create_app(settings)
    return {"client": TestClient(app), "app": app, "base": base, "out": out}


@pytest.fixture(scope="module")
def client(served: dict[str, Any]) -> TestClient:
    c: TestClient = served["client"]
    return c


@pytest.fixture(scope="module")
def addresses(run_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(run_dir / "adresser_klassifisert.gpkg", layer="adresser")


@pytest.fixture(scope="module")
def adrids(addresses: gpd.GeoDataFrame) -> list[int]:
    """Address ids of the run, one per test that makes challenges (so tests do not clash)."""
    return [int(a) for a in addresses["adrid"].iloc[::50]]


def _new(adrid: int, **fields: Any) -> dict[str, Any]:
    return {
        "adrid": adrid,
        "type": "for_treg",
        "operator": "Telenor",
        "evidens": "5 kablede tester, median 12 Mbit/s",
        "hvem": "Kari Planlegger",
        **fields,
    }


def _create(client: TestClient, adrid: int, **fields: Any) -> dict[str, Any]:
    r = client.post(BASE, json=_new(adrid, **fields), headers=TOKEN)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_kinds_and_statuses_are_the_stores() -> None:
    assert get_args(Kind) == tuple(KINDS)
    assert get_args(Status) == tuple(STATUSES)


def test_planner_token_required(client: TestClient, results_copy: Path, tmp_path: Path) -> None:
    calls = [
        ("get", BASE, None),
        ("get", f"{BASE}.geojson", None),
        ("get", f"{BASE}/1", None),
        ("post", BASE, _new(1)),
        ("patch", f"{BASE}/1", {"versjon": 1, "hvem": "x", "status": "sendt"}),
        ("get", "/v1/planlegger/endringer?fra=ut", None),
    ]
    for method, url, body in calls:
        for headers in ({}, {"Authorization": "Bearer feil"}):
            r = client.request(method, url, json=body, headers=headers)
            assert r.status_code == 401, (method, url, r.status_code)
            assert r.json()["detail"] == "feil eller manglende token"
    off = TestClient(
        create_app(Settings(out_dir=results_copy, database_url=str(tmp_path / "s.sqlite")))
    )
    for method, url, body in calls:
        r = off.request(method, url, json=body, headers=TOKEN)
        assert r.status_code == 403 and "planleggertilgang er slått av" in r.json()["detail"]
    assert ChallengeStore(tmp_path / "s.sqlite").list().empty


def test_create_list_get_and_decide(client: TestClient, adrids: list[int]) -> None:
    adrid = adrids[0]
    made = _create(client, adrid, detaljer={"median_mbps": 12.0, "tester": 5})
    assert made["status"] == "ny" and made["versjon"] == 1 and made["adrid"] == adrid
    assert made["kind"] == "for_treg" and made["kind_tekst"] == KINDS["for_treg"]
    assert made["operator"] == "telenor" and made["kilde"] == "planlegger"
    assert made["detaljer"] == {"median_mbps": 12.0, "tester": 5}
    cid = made["id"]

    listed = client.get(BASE, headers=TOKEN).json()
    assert [c for c in listed if c["id"] == cid] == [made]
    assert cid in [c["id"] for c in client.get(BASE, params={"status": "ny"}, headers=TOKEN).json()]
    assert cid not in [
        c["id"] for c in client.get(BASE, params={"type": "mobil"}, headers=TOKEN).json()
    ]
    assert cid not in [
        c["id"] for c in client.get(BASE, params={"operator": "telia"}, headers=TOKEN).json()
    ]

    one = client.get(f"{BASE}/{cid}", headers=TOKEN).json()
    assert [(h["versjon"], h["hvem"], h["hendelse"]) for h in one["historikk"]] == [
        (1, "Kari Planlegger", "opprettet")
    ]

    def patch(**body: Any) -> dict[str, Any]:
        r = client.patch(f"{BASE}/{cid}", json=body, headers=TOKEN)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    sent = patch(versjon=1, hvem="Kari Planlegger", status="sendt")
    assert sent["status"] == "sendt" and sent["versjon"] == 2
    assert sent["frist"] == (dt.date.today() + dt.timedelta(days=21)).isoformat()
    answered = patch(versjon=2, hvem="Ola", status="tilsvar", tilsvar="Vi bestrider dette.")
    assert answered["status_tekst"] == STATUSES["tilsvar"] and answered["versjon"] == 3
    upheld = patch(versjon=3, hvem="Kari Planlegger", status="opprettholdt")
    assert upheld["status"] == "opprettholdt" and upheld["besluttet_av"] == "Kari Planlegger"
    assert upheld["tilsvar"] == "Vi bestrider dette." and upheld["besluttet"]

    history = client.get(f"{BASE}/{cid}", headers=TOKEN).json()["historikk"]
    assert [(h["versjon"], h["hvem"], h["hendelse"]) for h in history] == [
        (1, "Kari Planlegger", "opprettet"),
        (2, "Kari Planlegger", "status"),
        (3, "Ola", "status"),
        (4, "Kari Planlegger", "status"),
    ]
    assert history[3]["endring"]["status"] == ["tilsvar", "opprettholdt"]
    assert history[2]["endring"]["tilsvar"] == ["", "Vi bestrider dette."]
    done = client.get(BASE, params={"status": ["opprettholdt", "avvist"]}, headers=TOKEN).json()
    assert cid in [c["id"] for c in done]


def test_stale_version_is_refused_and_nothing_changes(
    client: TestClient, adrids: list[int]
) -> None:
    cid = _create(client, adrids[1])["id"]
    first = client.patch(
        f"{BASE}/{cid}", json={"versjon": 1, "hvem": "A", "kommentar": "først"}, headers=TOKEN
    )
    assert first.status_code == 200 and first.json()["versjon"] == 2
    stale = client.patch(
        f"{BASE}/{cid}",
        json={"versjon": 1, "hvem": "B", "kommentar": "sist", "status": "avvist"},
        headers=TOKEN,
    )
    assert stale.status_code == 409 and "hent den på nytt" in stale.json()["detail"]
    now = client.get(f"{BASE}/{cid}", headers=TOKEN).json()
    assert now["versjon"] == 2 and now["kommentar"] == "først" and now["status"] == "ny"
    assert len(now["historikk"]) == 2


def test_invalid_transitions_and_bad_fields_are_422(client: TestClient, adrids: list[int]) -> None:
    cid = _create(client, adrids[2])["id"]
    r = client.patch(
        f"{BASE}/{cid}", json={"versjon": 1, "hvem": "A", "status": "tilsvar"}, headers=TOKEN
    )
    assert (
        r.status_code == 422
        and "kan ikke gå fra 'ny' til 'tilsvar'" in r.json()["detail"][0]["msg"]
    )
    assert client.get(f"{BASE}/{cid}", headers=TOKEN).json()["versjon"] == 1
    for bad in (
        {"versjon": 1, "hvem": "A", "status": "ukjent"},
        {"versjon": 1, "hvem": "A", "frist": "i morgen"},
        {"versjon": 1, "hvem": "A", "kind": "mobil"},  # not editable
        {"versjon": 1, "status": "sendt"},  # who is required
        {"versjon": 1, "hvem": "   ", "status": "sendt"},
        {"versjon": 1, "hvem": "x" * 101, "status": "sendt"},
        {"hvem": "A", "status": "sendt"},  # version is required
    ):
        r = client.patch(f"{BASE}/{cid}", json=bad, headers=TOKEN)
        assert r.status_code == 422, bad
    rejected = client.patch(
        f"{BASE}/{cid}", json={"versjon": 1, "hvem": "A", "status": "avvist"}, headers=TOKEN
    )
    assert rejected.status_code == 200 and rejected.json()["besluttet_av"] == "A"
    final = client.patch(
        f"{BASE}/{cid}", json={"versjon": 2, "hvem": "A", "status": "sendt"}, headers=TOKEN
    )
    assert final.status_code == 422 and "saken er avgjort" in final.json()["detail"][0]["msg"]
    assert client.get(f"{BASE}/{cid}", headers=TOKEN).json()["status"] == "avvist"


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get(f"{BASE}/999999", headers=TOKEN).status_code == 404
    r = client.patch(f"{BASE}/999999", json={"versjon": 1, "hvem": "A"}, headers=TOKEN)
    assert r.status_code == 404 and "fant ingen utfordring" in r.json()["detail"]


def test_duplicate_is_409_until_decided(client: TestClient, adrids: list[int]) -> None:
    first = _create(client, adrids[3])
    again = client.post(BASE, json=_new(adrids[3], operator="TELENOR"), headers=TOKEN)
    assert again.status_code == 409 and "åpen utfordring" in again.json()["detail"]
    other_kind = client.post(BASE, json=_new(adrids[3], type="intet_tilbud"), headers=TOKEN)
    assert other_kind.status_code == 201
    client.patch(
        f"{BASE}/{first['id']}", json={"versjon": 1, "hvem": "A", "status": "avvist"}, headers=TOKEN
    )
    assert client.post(BASE, json=_new(adrids[3]), headers=TOKEN).status_code == 201


def test_bad_new_challenges_are_422(client: TestClient, adrids: list[int]) -> None:
    before = len(client.get(BASE, headers=TOKEN).json())
    unknown = client.post(BASE, json=_new(1), headers=TOKEN)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["adrid"]
    assert "ukjent adresse-id 1" in unknown.json()["detail"][0]["msg"]
    for bad in (
        _new(adrids[4], type="ukjent"),
        {k: v for k, v in _new(adrids[4]).items() if k != "adrid"},  # neither address nor area
        {k: v for k, v in _new(adrids[4]).items() if k != "hvem"},
        _new(adrids[4], hvem=""),
        _new(adrids[4], frist="31.12.2026"),
        _new(adrids[4], kommentar="x" * 4_001),
        _new(adrids[4], ukjent_felt=1),
        _new(adrids[4], detaljer=[1, 2]),
    ):
        assert client.post(BASE, json=bad, headers=TOKEN).status_code == 422, bad
    for params in ({"status": "ukjent"}, {"type": "ukjent"}):
        assert client.get(BASE, params=params, headers=TOKEN).status_code == 422
    assert len(client.get(BASE, headers=TOKEN).json()) == before
    area = client.post(
        BASE,
        json={"area_id": "O-1", "type": "planlagt_ikke_reell", "hvem": "A", "frist": "2027-01-31"},
        headers=TOKEN,
    )
    assert area.status_code == 201 and area.json()["adrid"] is None
    assert area.json()["frist"] == "2027-01-31"


def test_hostile_text_is_stored_and_returned_as_plain_text(
    client: TestClient, adrids: list[int]
) -> None:
    script = "<script>alert('x')</script>"
    formula = '=HYPERLINK("http://example.com/stjel","Klikk her")'
    made = _create(
        client,
        adrids[5],
        kommentar=script,
        evidens=formula,
        vedlegg="@SUM(1+1)",
        detaljer={"merknad": script},
        hvem="<b>Ola</b>",
    )
    r = client.get(f"{BASE}/{made['id']}", headers=TOKEN)
    assert r.headers["content-type"].startswith("application/json")
    got = r.json()
    assert got["kommentar"] == script and got["evidens"] == formula
    assert got["vedlegg"] == "@SUM(1+1)" and got["detaljer"] == {"merknad": script}
    assert got["historikk"][0]["hvem"] == "<b>Ola</b>"
    assert "nosniff" in r.headers["x-content-type-options"]


def test_geojson_points_in_wgs84(
    client: TestClient, adrids: list[int], addresses: gpd.GeoDataFrame
) -> None:
    adrid = adrids[6]
    made = _create(client, adrid, type="intet_tilbud", operator="Telia")
    r = client.get(f"{BASE}.geojson", headers=TOKEN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    collection = r.json()
    assert collection["type"] == "FeatureCollection"
    mine = [f for f in collection["features"] if f["properties"]["id"] == made["id"]]
    assert len(mine) == 1
    point = addresses.set_index("adrid").geometry.loc[adrid]
    lon, lat = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True).transform(
        point.x, point.y
    )
    assert mine[0]["geometry"]["type"] == "Point"
    assert mine[0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert 57 < lat < 72 and 4 < lon < 32
    assert mine[0]["properties"] == {
        "id": made["id"],
        "kind": "intet_tilbud",
        "kind_tekst": KINDS["intet_tilbud"],
        "operator": "telia",
        "status": "ny",
        "status_tekst": "Ny",
        "frist": "",
    }
    # every feature is a challenge at an address (area challenges have no point)
    listed = {c["id"]: c for c in client.get(BASE, headers=TOKEN).json()}
    assert all(listed[f["properties"]["id"]]["adrid"] is not None for f in collection["features"])
    only_telia = client.get(f"{BASE}.geojson", params={"operator": "telia"}, headers=TOKEN).json()
    assert {f["properties"]["operator"] for f in only_telia["features"]} == {"telia"}


def test_changes_between_runs(served: dict[str, Any], client: TestClient) -> None:
    out: Path = served["out"]
    earlier = served["base"] / "forrige"
    earlier.mkdir()
    for name in ("adresser_klassifisert.csv", "rapport.json"):
        shutil.copy(out / name, earlier / name)
    table = read_spreadsheet_csv(earlier / "adresser_klassifisert.csv")
    fast = table["best_down_kbps"].to_numpy() >= 100_000
    first = int(fast.argmax())  # the first address with at least 100 Mbit/s ...
    slowed = int(table["adrid"].to_numpy()[first])
    at = table.index[first]
    table.at[at, "best_down_kbps"] = 20_000  # ... had 20 Mbit/s of DSL in the earlier run
    table.at[at, "best_tek"] = "dsl"
    table.at[at, "speed_class"] = "lt30"
    gone = int(table["adrid"].iloc[-1])
    write_spreadsheet_csv(table.iloc[:-1], earlier / "adresser_klassifisert.csv")

    r = client.get("/v1/planlegger/endringer", params={"fra": "forrige"}, headers=TOKEN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["fra"] == "forrige" and body["til"] == "ut"
    assert set(body["antall"]) == set(CHANGES)
    assert body["antall"]["fikk_100"] == 1 and body["antall"]["ny_adresse"] == 1
    assert body["antall"]["borte"] == 0 and body["antall"]["tregere"] == 0
    rows = {row["adrid"]: row for row in body["adresser"]}
    assert set(rows) == {slowed, gone}
    assert rows[slowed]["klasse_for"] == "lt30" and rows[slowed]["beste_ned_kbps_for"] == 20_000
    assert "fikk_100" in rows[slowed]["endringer"]
    assert rows[gone]["endringer"] == "ny_adresse" and rows[gone]["klasse_for"] is None

    back = client.get(
        "/v1/planlegger/endringer", params={"fra": "ut", "til": "forrige"}, headers=TOKEN
    ).json()
    assert back["antall"]["mistet_100"] == 1 and back["antall"]["borte"] == 1
    same = client.get("/v1/planlegger/endringer", params={"fra": "ut"}, headers=TOKEN).json()
    assert same["adresser"] == [] and not any(same["antall"].values())


@pytest.mark.parametrize(
    ("fra", "status"),
    [
        ("../x", 422),
        ("..", 422),
        ("/etc", 422),
        ("ut/../ut", 422),
        ("..\\ut", 422),
        ("finnes-ikke", 404),
        ("lenke-ut", 422),
    ],
)
def test_run_names_stay_inside_the_folder_of_runs(
    served: dict[str, Any], client: TestClient, tmp_path: Path, fra: str, status: int
) -> None:
    outside = tmp_path / "utenfor"  # a real run, but outside the folder of runs
    outside.mkdir(exist_ok=True)
    for name in ("adresser_klassifisert.csv", "rapport.json"):
        shutil.copy(served["out"] / name, outside / name)
    link = served["base"] / "lenke-ut"
    if not link.is_symlink():
        link.symlink_to(outside, target_is_directory=True)
    r = client.get("/v1/planlegger/endringer", params={"fra": fra}, headers=TOKEN)
    assert r.status_code == status, r.text
    r2 = client.get("/v1/planlegger/endringer", params={"fra": "ut", "til": fra}, headers=TOKEN)
    assert r2.status_code == status


def test_history_dir_setting(results_copy: Path, make_app: Any, tmp_path: Path) -> None:
    runs = tmp_path / "kjoringer"
    (runs / "2025").mkdir(parents=True)
    for name in ("adresser_klassifisert.csv", "rapport.json"):
        shutil.copy(results_copy / name, runs / "2025" / name)
    c = TestClient(make_app(results_copy, history_dir=runs))
    r = c.get("/v1/planlegger/endringer", params={"fra": "2025"}, headers=TOKEN)
    assert r.status_code == 200 and r.json()["fra"] == "2025"
    assert not any(r.json()["antall"].values())
    # the served run's own folder is not in history_dir now
    assert c.get("/v1/planlegger/endringer", params={"fra": "ut"}, headers=TOKEN).status_code == 404


def _test(**fields: Any) -> dict[str, Any]:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    return {
        "tid": when.isoformat(),
        "ned_mbps": 12.5,
        "opp_mbps": 2.0,
        "latens_ms": 18,
        "tilkobling": "kablet",
        "adresse": "Storgata 3",
        "postnummer": "7395",
        **fields,
    }


def test_speed_tests_are_stored_privately(served: dict[str, Any], client: TestClient) -> None:
    store = ChallengeStore(served["base"] / "svar.sqlite")
    before = len(store.speedtests())
    oslo_winter = dt.timezone(dt.timedelta(hours=1))
    tid = (dt.datetime.now(oslo_winter) - dt.timedelta(days=3)).replace(microsecond=0)
    tests = [
        _test(tid=tid.isoformat(), ned_mbps=9.5),
        _test(tilkobling="wifi", adresse="", postnummer="", lat=63.4, lon=10.4, adrid=None),
    ]
    r = client.post("/v1/hastighetstester", json={"tester": tests})
    assert r.status_code == 201 and r.json() == {"mottatt": 2}
    stored = store.speedtests().iloc[before:]
    assert len(stored) == 2 and set(stored["kilde"]) == {"api"}
    first, second = stored.iloc[0], stored.iloc[1]
    assert first["tid"] == tid and first["ned_mbps"] == 9.5 and first["tilkobling"] == "kablet"
    assert first["adresse"] == "Storgata 3" and first["postnummer"] == "7395"
    assert first["opp_mbps"] == 2.0 and first["latens_ms"] == 18
    assert second["lat"] == 63.4 and second["lon"] == 10.4 and second["tilkobling"] == "wifi"
    # never returned: there is no way to read them back
    assert client.get("/v1/hastighetstester").status_code == 405
    assert client.get("/v1/hastighetstester", headers=TOKEN).status_code == 405


@pytest.mark.parametrize(
    "tests",
    [
        [_test(tid=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat())],
        [_test(tid=(dt.datetime.now(dt.UTC) - dt.timedelta(days=366)).isoformat())],
        [_test(tid="2026-01-01T12:00:00")],  # no time zone
        [_test(tid="i går")],
        [_test(ned_mbps=-5)],
        [_test(ned_mbps=0)],
        [_test(ned_mbps=100_001)],
        [_test(adresse="", postnummer="")],  # no place
        [_test(adresse="", lat=63.4)],  # half a coordinate
        [_test(adresse="", lat=50.0, lon=10.0)],  # outside Norway
        [_test(tilkobling="5g")],
        [_test(adresse="x" * 201)],
        [_test(spion=1)],
        [_test()] * 21,
        [],
    ],
)
def test_invalid_speed_tests_are_422(
    served: dict[str, Any], client: TestClient, tests: list[dict[str, Any]]
) -> None:
    store = ChallengeStore(served["base"] / "svar.sqlite")
    before = len(store.speedtests())
    r = client.post("/v1/hastighetstester", json={"tester": tests})
    assert r.status_code == 422, r.text
    assert len(store.speedtests()) == before


def test_speed_tests_are_rate_limited(make_app: Any, results_copy: Path, tmp_path: Path) -> None:
    c = TestClient(make_app(results_copy, submissions_per_minute=2))
    assert c.post("/v1/hastighetstester", json={"tester": [_test()]}).status_code == 201
    assert c.post("/v1/hastighetstester", json={"tester": [_test()]}).status_code == 201
    r = c.post("/v1/hastighetstester", json={"tester": [_test()]})
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert c.post("/v1/svar", json={"adresse": "Storgata 3"}).status_code == 429  # one budget
    big = c.post(
        "/v1/hastighetstester",
        content=b'{"tester": [' + b" " * 20_000 + b"]}",
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413
    assert len(ChallengeStore(tmp_path / "svar.sqlite").speedtests()) == 2


def test_speed_tests_record_the_open_api_as_their_source(
    served: dict[str, Any], client: TestClient
) -> None:
    store = ChallengeStore(served["base"] / "svar.sqlite")
    before = len(store.speedtests())
    assert client.post("/v1/hastighetstester", json={"tester": [_test()]}).status_code == 201
    rows = store.db.query("SELECT kilde, data FROM hastighetstest ORDER BY id")[before:]
    assert [r[0] for r in rows] == ["api"]
    assert json.loads(rows[0][1])["kilde"] == "api"  # in the test itself too
    assert list(store.speedtests()["kilde"].iloc[before:]) == ["api"]


def test_speed_tests_per_address_are_capped_per_day(
    make_app: Any, results_copy: Path, tmp_path: Path
) -> None:
    c = TestClient(make_app(results_copy))
    store = ChallengeStore(tmp_path / "svar.sqlite")
    adrid, other = 300000001, 300000002
    tests = [_test(adrid=adrid, ned_mbps=10.0 + i) for i in range(20)]  # distinct tests
    full = c.post("/v1/hastighetstester", json={"tester": tests})
    assert full.status_code == 201 and full.json() == {"mottatt": 20}
    over = c.post("/v1/hastighetstester", json={"tester": [_test(adrid=adrid)]})
    assert over.status_code == 429, over.text
    detail = str(over.json()["detail"])
    assert f"adresse-ID {adrid} har fått for mange hastighetstester det siste døgnet" in detail
    assert "høyst 20 per adresse og døgn" in detail
    assert over.headers["retry-after"] == "86400"
    # a request that would take another address over the cap stores nothing at all
    mixed = [_test(adrid=other), _test(adrid=other, ned_mbps=3.0), _test(adrid=adrid)]
    assert c.post("/v1/hastighetstester", json={"tester": mixed}).status_code == 429
    assert len(store.speedtests()) == 20
    # other addresses, and tests without an address id, are not held back
    assert c.post("/v1/hastighetstester", json={"tester": [_test(adrid=other)]}).status_code == 201
    assert c.post("/v1/hastighetstester", json={"tester": [_test()] * 20}).status_code == 201
    # tests from files do not count: only the open API's
    from_file = {"adrid": pd.array([other] * 19, dtype="Int64"), "ned_mbps": range(30, 49)}
    assert len(store.add_speedtests(pd.DataFrame(from_file), source="fil.csv")) == 19
    assert c.post("/v1/hastighetstester", json={"tester": [_test(adrid=other)]}).status_code == 201
    # a day later the address may be sent tests again
    with store.db.transaction() as tx:
        tx.execute(
            "UPDATE hastighetstest SET mottatt = ? WHERE kilde = ?",
            ("2000-01-01T00:00:00+00:00", "api"),
        )
    assert c.post("/v1/hastighetstester", json={"tester": [_test(adrid=adrid)]}).status_code == 201


def test_how_to_challenge_follows_the_evidence_rules() -> None:
    cfg = load_default_config()
    default = how_to_challenge(cfg)
    assert "minst tre tester på minst to forskjellige dager" in default
    assert "helst med kabel til ruteren" in default
    rules = cfg.evidence.model_copy(update={"min_tests": 5, "min_days": 3, "wired_only": True})
    text = how_to_challenge(cfg.model_copy(update={"evidence": rules}))
    assert "minst fem tester på minst tre forskjellige dager" in text
    assert "bare tester med kabel til ruteren teller" in text
    assert "tre tester" not in text
    either = cfg.evidence.model_copy(update={"min_tests": 12, "min_days": 1, "prefer_wired": False})
    text = how_to_challenge(cfg.model_copy(update={"evidence": either}))
    assert "minst 12 tester på minst én dag, med kabel til ruteren eller trådløst" in text
    for said in (default, text):
        assert "kommunen" in said and "POST /v1/hastighetstester" in said
        assert "kartet" not in said  # the public map has no form for speed tests


def test_coverage_says_whether_a_challenge_is_open(
    served: dict[str, Any], client: TestClient, adrids: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    adrid = adrids[7]
    before = client.get(f"/v1/dekning/{adrid}").json()
    assert before["utfordring_apen"] is False and before["adrid"] == adrid
    assert "hastighetstester" in before["slik_utfordrer_du"]
    assert "spørreundersøkelse" in before["slik_utfordrer_du"]
    assert before["slik_utfordrer_du"] == how_to_challenge(served["app"].state.service.cfg)
    assert "via kartet" not in before["slik_utfordrer_du"]
    assert {"beste_ned_kbps", "mobil", "tilbydere", "stotteberettiget"} <= set(before)
    made = _create(client, adrid)
    assert client.get(f"/v1/dekning/{adrid}").json()["utfordring_apen"] is True
    other = adrids[8]
    assert client.get(f"/v1/dekning/{other}").json()["utfordring_apen"] is False
    sent = client.patch(
        f"{BASE}/{made['id']}", json={"versjon": 1, "hvem": "A", "status": "sendt"}, headers=TOKEN
    )
    assert sent.status_code == 200
    assert client.get(f"/v1/dekning/{adrid}").json()["utfordring_apen"] is True
    client.patch(
        f"{BASE}/{made['id']}", json={"versjon": 2, "hvem": "A", "status": "avvist"}, headers=TOKEN
    )
    after = client.get(f"/v1/dekning/{adrid}").json()
    assert after["utfordring_apen"] is False
    assert {k: v for k, v in after.items() if k != "utfordring_apen"} == {
        k: v for k, v in before.items() if k != "utfordring_apen"
    }

    def down(*_args: Any, **_kwargs: Any) -> Any:
        raise StoreUnavailable("nede")

    monkeypatch.setattr(served["app"].state.service.challenges.db, "query", down)
    unavailable = client.get(f"/v1/dekning/{adrid}")
    assert unavailable.status_code == 200 and unavailable.json()["utfordring_apen"] is None
    listed = client.get(BASE, headers=TOKEN)
    assert listed.status_code == 503 and listed.headers["retry-after"] == "30"


@pytest.mark.postgres
def test_challenges_in_postgresql(results_copy: Path, adrids: list[int]) -> None:
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    settings = Settings(out_dir=results_copy, planner_token="hemmelig", database_url=url)
    c = TestClient(create_app(settings))
    operator = f"test-{uuid.uuid4().hex[:8]}"  # the shared database keeps other runs' rows
    made = _create(c, adrids[9], operator=operator, kommentar="fra PostgreSQL")
    assert c.get(f"/v1/dekning/{adrids[9]}").json()["utfordring_apen"] is True
    dup = c.post(BASE, json=_new(adrids[9], operator=operator), headers=TOKEN)
    assert dup.status_code == 409
    sent = c.patch(
        f"{BASE}/{made['id']}", json={"versjon": 1, "hvem": "A", "status": "sendt"}, headers=TOKEN
    )
    assert sent.status_code == 200 and sent.json()["versjon"] == 2
    stale = c.patch(
        f"{BASE}/{made['id']}", json={"versjon": 1, "hvem": "B", "status": "avvist"}, headers=TOKEN
    )
    assert stale.status_code == 409
    listed = c.get(BASE, params={"operator": operator}, headers=TOKEN).json()
    assert [(x["id"], x["status"], x["kommentar"]) for x in listed] == [
        (made["id"], "sendt", "fra PostgreSQL")
    ]
    r = c.post("/v1/hastighetstester", json={"tester": [_test(adresse=operator)]})
    assert r.status_code == 201
    stored = ChallengeStore(url).speedtests()
    assert operator in set(stored["adresse"])
    c.patch(
        f"{BASE}/{made['id']}", json={"versjon": 2, "hvem": "A", "status": "avvist"}, headers=TOKEN
    )
    assert c.get(f"/v1/dekning/{adrids[9]}").json()["utfordring_apen"] is False
