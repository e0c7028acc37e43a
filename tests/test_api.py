"""The API over the default data (TestClient against the app factory, no server)."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from dekning.api.app import Settings, create_app
from dekning.surveys.store import SurveyStore, answers_for_analysis

TOKEN = {"Authorization": "Bearer hemmelig"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("api")
    settings = Settings(
        out_dir=base / "ut",
        planner_token="hemmelig",
        database_url=str(base / "svar.sqlite"),
        submissions_per_minute=1_000,
    )
    return TestClient(create_app(settings)), base


@pytest.fixture(scope="module")
def client(served):
    return served[0]


def test_health(client):
    r = client.get("/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["adresser"] == 2406


def test_search_and_coverage(client, default_result):
    hits = client.get("/v1/adresser", params={"q": "storgata 1"}).json()
    assert hits and hits[0]["adressetekst"].lower().startswith("storgata 1")
    adrid = hits[0]["adrid"]
    cov = client.get(f"/v1/dekning/{adrid}").json()
    row = default_result.classified.set_index("adrid").loc[adrid]
    assert (
        cov["beste_ned_kbps"] == row["best_down_kbps"]
        and cov["hastighetsklasse"] == row["speed_class"]
    )
    assert set(cov["mobil"]) == {
        f"{o}_{t}" for o in ("telenor", "telia", "ice") for t in ("4g", "5g")
    }


def test_coverage_at_a_point(client, default_result):
    row = default_result.classified.iloc[100]
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(
        row.geometry.x + 10, row.geometry.y
    )
    cov = client.get("/v1/dekning", params={"lat": lat, "lon": lon, "maks_m": 50}).json()
    assert cov["adrid"] == row["adrid"] and 9 < cov["avstand_m"] < 11
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(
        row.geometry.x, row.geometry.y + 30_000
    )
    assert client.get("/v1/dekning", params={"lat": lat, "lon": lon}).status_code == 404


def test_bad_parameters_are_4xx(client):
    assert client.get("/v1/dekning/1").status_code == 404
    assert client.get("/v1/dekning/-5").status_code == 422
    assert client.get("/v1/adresser", params={"q": "x"}).status_code == 422
    assert client.get("/v1/adresser", params={"q": "a" * 101}).status_code == 422
    assert client.get("/v1/dekning", params={"lat": 91, "lon": 10}).status_code == 422
    assert client.get("/v1/statistikk", params={"gruppe": "fylke"}).status_code == 422


def test_statistics_suppress_small_groups(client, default_result):
    rows = client.get("/v1/statistikk", params={"gruppe": "ssb_rute_250"}).json()
    small = [r for r in rows if r["skjult"]]
    shown = [r for r in rows if not r["skjult"]]
    assert small and shown
    assert all(r["adresser"] is None and r["hus"] is None for r in small)
    assert all(r["adresser"] >= 5 for r in shown)
    post = {
        r["postnummer"]: r
        for r in client.get("/v1/statistikk", params={"gruppe": "postnummer"}).json()
    }
    cls = default_result.classified
    assert post["7395"]["hus"] == cls.loc[cls["postnummer"] == "7395", "hus"].sum()


def test_areas_geojson_has_no_money_or_addresses(client):
    fc = client.get("/v1/omrader").json()
    assert fc["type"] == "FeatureCollection" and fc["features"]
    props = fc["features"][0]["properties"]
    assert "kommunal" not in props and "adrid" not in props
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0]
    assert 4 < lon < 32 and 57 < lat < 72  # EPSG:4326


def test_public_map_served(client):
    r = client.get("/kart")
    assert r.status_code == 200 and "Finn din adresse" in r.text


def test_planner_endpoints_need_the_token(client):
    for url in (
        "/kart/planlegger",
        "/v1/planlegger/svar",
        "/v1/planlegger/avvik",
        "/v1/planlegger/omrader/O-001/adresser.csv",
    ):
        assert client.get(url).status_code == 401, url
        assert client.get(url, params={"token": "feil"}).status_code == 401, url
    assert client.post("/v1/planlegger/kjor").status_code == 401
    r = client.get("/kart/planlegger", headers=TOKEN)
    assert r.status_code == 200 and "Utbyggingsomr" in r.text


def test_planner_data_and_package_downloads(client, default_result):
    avvik = client.get("/v1/planlegger/avvik", headers=TOKEN).json()
    assert avvik and {"adrid", "avvik", "operator"} <= set(avvik[0])
    answers = client.get("/v1/planlegger/svar", headers=TOKEN).json()
    assert len(answers["eksport"]) > 200
    area = default_result.areas.iloc[0]
    r = client.get(f"/v1/planlegger/omrader/{area['area_id']}/adresser.csv", headers=TOKEN)
    assert r.status_code == 200 and r.text.count("\n") == area["adresser"] + 1
    x = client.get(
        f"/v1/planlegger/omrader/{area['area_id']}/kostnad_og_finansiering.xlsx", headers=TOKEN
    )
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert client.get("/v1/planlegger/omrader/O-999/adresser.csv", headers=TOKEN).status_code == 404
    assert client.get("/v1/planlegger/omrader/O-001/passord.txt", headers=TOKEN).status_code == 422
    assert client.get(
        "/v1/planlegger/omrader/..%2F..%2Fetc/adresser.csv", headers=TOKEN
    ).status_code in (404, 422)


GOOD = {
    "adresse": "Storgata 3",
    "postnummer": "7395",
    "teknologi": "dsl",
    "ned_mbps": 8.5,
    "interessert_fiber": "ja",
    "betalingsvilje_nok": 5000,
    "mobil": {"telenor_inne": 2},
}


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"adresse": ""},
        {**GOOD, "ned_mbps": 50_000},
        {**GOOD, "teknologi": "brevdue"},
        {**GOOD, "fornoyd": 9},
        {**GOOD, "postnummer": "73950"},
        {**GOOD, "mobil": {"telenor_tak": 3}},
        {**GOOD, "epost": "a@b.no"},
        {**GOOD, "kommentar": "x" * 1001},
    ],
)
def test_invalid_answers_are_422(client, bad):
    r = client.post("/v1/svar", json=bad)
    assert r.status_code == 422 and "detail" in r.json()


def test_submission_is_stored_and_used_by_the_next_run(served):
    client, base = served
    before = SurveyStore(base / "svar.sqlite").count()
    r = client.post("/v1/svar", json=GOOD)
    assert r.status_code == 201 and r.json()["adresse_funnet"] is True
    r2 = client.post("/v1/svar", json={**GOOD, "adresse": "Finnes Ikke-vegen 999"})
    assert r2.status_code == 201 and r2.json()["adresse_funnet"] is False
    assert SurveyStore(base / "svar.sqlite").count() == before + 2
    stored = answers_for_analysis(base / "svar.sqlite")
    assert (stored["address"] == "Storgata 3").any() and stored["down_mbps"].max() == 8.5
    run = client.post("/v1/planlegger/kjor", headers=TOKEN)
    assert run.status_code == 200
    sv = run.json()["sammendrag"]["sporreundersokelse"]
    raw_total = 320
    assert sv["svar"] == raw_total + before + 2


def test_body_size_and_rate_limits(tmp_path):
    app = create_app(
        Settings(
            out_dir=tmp_path / "ut",
            database_url=str(tmp_path / "s.sqlite"),
            submissions_per_minute=2,
        )
    )
    c = TestClient(app)
    assert (
        c.post(
            "/v1/svar",
            content=b"{" + b" " * 20_000 + b"}",
            headers={"content-type": "application/json"},
        ).status_code
        == 413
    )
    assert c.post("/v1/svar", json=GOOD).status_code == 201
    assert c.post("/v1/svar", json=GOOD).status_code == 201
    r = c.post("/v1/svar", json=GOOD)
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert c.get("/v1/planlegger/avvik").status_code == 403  # planner access switched off


@pytest.mark.postgres
def test_store_on_a_real_postgresql_server():
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    store = SurveyStore(url)
    before = store.count()
    new = store.add({**GOOD, "kommentar": "æøå «test»"})
    assert new > 0 and store.count() == before + 1
    row = store.all().set_index("id").loc[new]
    assert row["kommentar"] == "æøå «test»" and row["mobil"] == {"telenor_inne": 2}
    stored = answers_for_analysis(url)
    assert (stored["id"] == f"api-{new}").any()


def test_area_statistics_suppress_small_areas(client, default_result, tmp_path, data_dir):
    rows = {
        r["omrade"]: r for r in client.get("/v1/statistikk", params={"gruppe": "omrade"}).json()
    }
    areas = default_result.areas.set_index("area_id")
    assert all(
        rows[a]["hus"] == areas.loc[a, "hus"] for a in areas.index if areas.loc[a, "adresser"] >= 5
    )
    # With a stricter minimum, small areas are hidden.
    import shutil

    copy = shutil.copytree(data_dir, tmp_path / "data")
    cfg = copy / "dekning.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        text.replace("[prioritise]", "[privacy]\nmin_cell_count = 20\n\n[prioritise]"),
        encoding="utf-8",
    )
    strict = TestClient(
        create_app(
            Settings(
                config_path=cfg, out_dir=tmp_path / "ut", database_url=str(tmp_path / "s.sqlite")
            )
        )
    )
    rows = {
        r["omrade"]: r for r in strict.get("/v1/statistikk", params={"gruppe": "omrade"}).json()
    }
    small = [a for a in areas.index if areas.loc[a, "adresser"] < 20]
    assert small and all(rows[a]["skjult"] and rows[a]["hus"] is None for a in small)
    big = areas.index[areas["adresser"] >= 20][0]
    assert rows[big]["hus"] == areas.loc[big, "hus"] and rows[big]["skjult"] is False
