"""The API over the results of a run of the default data (TestClient against the app factory,
no server)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from dekning.api.app import Settings, create_app
from dekning.api.settings import service_config
from dekning.errors import ConfigError
from dekning.pipeline import run
from dekning.schema import SPEED_CLASS_LABELS
from dekning.surveys.store import SurveyStore, answers_for_analysis
from dekning.textsafe import read_spreadsheet_csv

TOKEN = {"Authorization": "Bearer hemmelig"}
GOOD = {
    "adresse": "Storgata 3",
    "postnummer": "7395",
    "teknologi": "dsl",
    "ned_mbps": 8.5,
    "interessert_fiber": "ja",
    "betalingsvilje_nok": 5000,
    "mobil": {"telenor_inne": 2},
}


@pytest.fixture(scope="module")
def served(run_dir, tmp_path_factory):
    """An app over a copy of the run, re-running with the pipeline as ``dekning serve`` does."""
    base = tmp_path_factory.mktemp("api")
    out = Path(shutil.copytree(run_dir, base / "ut"))
    settings = Settings(
        out_dir=out,
        planner_token="hemmelig",
        database_url=str(base / "svar.sqlite"),
        submissions_per_minute=1_000,
    )
    cfg = service_config(settings)
    return TestClient(create_app(settings, runner=lambda: run(cfg, out))), base


@pytest.fixture(scope="module")
def client(served):
    return served[0]


@pytest.fixture(scope="module")
def classified(run_dir):
    return gpd.read_file(run_dir / "adresser_klassifisert.gpkg", layer="adresser")


@pytest.fixture(scope="module")
def areas(run_dir):
    return gpd.read_file(run_dir / "omrader.gpkg", layer="omrader")


def test_health(client):
    r = client.get("/v1/health")
    assert r.status_code == 200 and r.json() == {
        "status": "ok",
        "version": r.json()["version"],
        "adresser": 2406,
    }


def test_search_and_coverage(client, classified):
    hits = client.get("/v1/adresser", params={"q": "storgata 1"}).json()
    assert hits and hits[0]["adressetekst"].lower().startswith("storgata 1")
    assert len(client.get("/v1/adresser", params={"q": "storgata", "limit": 3}).json()) == 3
    adrid = hits[0]["adrid"]
    cov = client.get(f"/v1/dekning/{adrid}").json()
    row = classified.set_index("adrid").loc[adrid]
    assert cov["beste_ned_kbps"] == row["best_down_kbps"]
    assert cov["hastighetsklasse"] == row["speed_class"]
    assert cov["hastighetsklasse_tekst"] == SPEED_CLASS_LABELS[row["speed_class"]]
    assert cov["tilbydere"] == row["operators"].split(", ")
    assert cov["stotteberettiget"] == bool(row["eligible"]) and cov["avstand_m"] is None
    assert cov["mobil"] == {
        f"{o}_{t}": int(row[f"mob_{o}_{t}"])
        for o in ("telenor", "telia", "ice")
        for t in ("4g", "5g")
    }


def test_address_without_fixed_offer_has_no_operators(client, classified):
    none = classified[classified["operators"] == ""].iloc[0]
    cov = client.get(f"/v1/dekning/{none['adrid']}").json()
    assert cov["tilbydere"] == [] and cov["beste_teknologi"] == "" and cov["beste_ned_kbps"] == 0


def test_coverage_at_a_point(client, classified):
    row = classified.iloc[100]
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(
        row.geometry.x + 10, row.geometry.y
    )
    cov = client.get("/v1/dekning", params={"lat": lat, "lon": lon, "maks_m": 50}).json()
    assert cov["adrid"] == row["adrid"] and 9 < cov["avstand_m"] < 11
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(
        row.geometry.x, row.geometry.y + 30_000
    )
    far = client.get("/v1/dekning", params={"lat": lat, "lon": lon})
    assert far.status_code == 404 and far.json()["detail"] == "ingen adresse innen 200 m"


def test_bad_parameters_are_4xx(client):
    assert client.get("/v1/dekning/1").status_code == 404
    assert client.get("/v1/dekning/-5").status_code == 422
    assert client.get("/v1/adresser", params={"q": "x"}).status_code == 422
    assert client.get("/v1/adresser", params={"q": "a" * 101}).status_code == 422
    assert client.get("/v1/dekning", params={"lat": 91, "lon": 10}).status_code == 422
    assert client.get("/v1/statistikk", params={"gruppe": "fylke"}).status_code == 422


def test_statistics_suppress_small_groups(client, classified):
    rows = client.get("/v1/statistikk", params={"gruppe": "ssb_rute_250"}).json()
    small = [r for r in rows if r["skjult"]]
    shown = [r for r in rows if not r["skjult"]]
    assert small and shown
    assert all(r["adresser"] is None and r["hus"] is None and r["hus_lt30"] is None for r in small)
    assert all(r["adresser"] >= 5 and isinstance(r["hus"], int) for r in shown)
    assert all(isinstance(r["ssb_rute_250"], str) for r in rows)
    post = {
        r["postnummer"]: r
        for r in client.get("/v1/statistikk", params={"gruppe": "postnummer"}).json()
    }
    assert post["7395"]["hus"] == classified.loc[classified["postnummer"] == "7395", "hus"].sum()
    assert client.get("/v1/statistikk", params={"gruppe": "grunnkrets"}).status_code == 404


def test_statistics_by_settlement(client, classified):
    """Nkom's ertett: tettsted vs spredtbygd, as Nkom reports (default data has adr's ertett)."""
    rows = {
        r["ertett"]: r for r in client.get("/v1/statistikk", params={"gruppe": "ertett"}).json()
    }
    assert set(rows) == set(classified["ertett"].unique())
    for kind, row in rows.items():
        assert row["hus"] == classified.loc[classified["ertett"] == kind, "hus"].sum()


def test_areas_geojson_has_no_money_or_addresses(client, areas):
    r = client.get("/v1/omrader")
    fc = r.json()
    assert r.headers["content-type"] == "application/geo+json"
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == len(areas)
    props = fc["features"][0]["properties"]
    assert set(props) == {"area_id", "hus", "naering", "fritid", "skjult", "valgt", "aar", "rang"}
    by_id = areas.set_index("area_id")
    for feature in fc["features"]:  # a count under the minimum (5) is hidden
        p = feature["properties"]
        row = by_id.loc[p["area_id"]]
        for name in ("hus", "naering", "fritid"):
            shown = row[name] >= 5 and row["adresser"] >= 5
            assert p[name] == (row[name] if shown else None), (p, name)
    assert any(f["properties"]["hus"] is not None for f in fc["features"])
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0]
    assert 4 < lon < 32 and 57 < lat < 72  # EPSG:4326


def test_public_map_served(client):
    r = client.get("/kart")
    assert r.status_code == 200 and "Finn din adresse" in r.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/kart"


def test_planner_endpoints_need_the_token(client):
    for url in (
        "/kart/planlegger",
        "/v1/planlegger/svar",
        "/v1/planlegger/avvik",
        "/v1/planlegger/omrader/O-001/adresser.csv",
        "/v1/planlegger/kjor/" + "0" * 32,
    ):
        assert client.get(url).status_code == 401, url
        assert client.get(url, params={"token": "feil"}).status_code == 401, url
    r = client.post("/v1/planlegger/kjor")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = client.get("/kart/planlegger", params={"token": "hemmelig"})
    assert r.status_code == 200 and "Utbyggingsomr" in r.text


def test_planner_data_and_package_downloads(client, run_dir, areas):
    avvik = client.get("/v1/planlegger/avvik", headers=TOKEN).json()
    expected = read_spreadsheet_csv(run_dir / "avvik_mot_operatordata.csv")
    assert len(avvik) == len(expected) and {"adrid", "avvik", "operator"} <= set(avvik[0])
    answers = client.get("/v1/planlegger/svar", headers=TOKEN).json()
    assert len(answers["eksport"]) > 200 and all("adrid" in a for a in answers["eksport"])
    area = areas.iloc[0]
    r = client.get(f"/v1/planlegger/omrader/{area['area_id']}/adresser.csv", headers=TOKEN)
    assert r.status_code == 200 and r.text.count("\n") == area["adresser"] + 1
    assert r.headers["content-disposition"].endswith(f'{area["area_id"]}_adresser.csv"')
    x = client.get(
        f"/v1/planlegger/omrader/{area['area_id']}/kostnad_og_finansiering.xlsx", headers=TOKEN
    )
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert client.get("/v1/planlegger/omrader/O-999/adresser.csv", headers=TOKEN).status_code == 404
    assert client.get("/v1/planlegger/omrader/O-001/passord.txt", headers=TOKEN).status_code == 422
    assert client.get(
        "/v1/planlegger/omrader/..%2F..%2Fetc/adresser.csv", headers=TOKEN
    ).status_code in (404, 422)
    assert client.get("/v1/planlegger/omrader/../adresser.csv", headers=TOKEN).status_code == 404


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
        {**GOOD, "mobil": {"telenor_inne": 1}},
        {**GOOD, "mobil": {"ukjent_inne": 3}},
        {**GOOD, "epost": "a@b.no"},
        {**GOOD, "kommentar": "x" * 1001},
    ],
)
def test_invalid_answers_are_422(client, bad):
    r = client.post("/v1/svar", json=bad)
    assert r.status_code == 422 and "detail" in r.json()


def _wait(client: TestClient, job_id: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/v1/planlegger/kjor/{job_id}", headers=TOKEN).json()
        if status["status"] in ("ferdig", "feilet"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


def test_submission_is_stored_and_used_by_the_next_run(served):
    client, base = served
    before = SurveyStore(base / "svar.sqlite").count()
    r = client.post("/v1/svar", json=GOOD)
    assert r.status_code == 201 and r.json()["adresse_funnet"] is True
    r2 = client.post("/v1/svar", json={**GOOD, "adresse": "Finnes Ikke-vegen 999"})
    assert r2.status_code == 201 and r2.json()["adresse_funnet"] is False
    assert r2.json()["id"] == r.json()["id"] + 1
    assert SurveyStore(base / "svar.sqlite").count() == before + 2
    stored = answers_for_analysis(base / "svar.sqlite")
    assert (stored["address"] == "Storgata 3").any() and stored["down_mbps"].max() == 8.5
    listed = client.get("/v1/planlegger/svar", headers=TOKEN).json()["api"]
    assert listed[-1]["adresse"] == "Finnes Ikke-vegen 999" and listed[-1]["mobil"] == {
        "telenor_inne": 2
    }
    job = client.post("/v1/planlegger/kjor", headers=TOKEN)
    assert job.status_code == 202 and job.json()["status"] in ("venter", "kjorer", "ferdig")
    done = _wait(client, job.json()["id"])
    assert done["status"] == "ferdig" and done["feil"] is None
    assert done["sammendrag"]["sporreundersokelse"]["svar"] == 320 + before + 2
    # the reloaded results are served: the new run's answer list has the API answers
    eksport = client.get("/v1/planlegger/svar", headers=TOKEN).json()["eksport"]
    assert any(str(a["id"]).startswith("api-") for a in eksport)


def test_body_size_and_rate_limits(results_copy, tmp_path):
    app = create_app(
        Settings(
            out_dir=results_copy,
            database_url=str(tmp_path / "s.sqlite"),
            submissions_per_minute=2,
        )
    )
    c = TestClient(app)
    big = c.post(
        "/v1/svar",
        content=b"{" + b" " * 20_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert (
        big.status_code == 413
        and big.json()["detail"] == "forespørselen er for stor (maks 16384 byte)"
    )
    chunks = c.post(  # no Content-Length: counted as the body arrives
        "/v1/svar",
        content=iter([b"{" + b" " * 10_000, b" " * 10_000 + b"}"]),
        headers={"content-type": "application/json"},
    )
    assert chunks.status_code == 413
    assert c.post("/v1/svar", json=GOOD).status_code == 201
    assert c.post("/v1/svar", json=GOOD).status_code == 201
    r = c.post("/v1/svar", json=GOOD)
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert "for mange svar" in r.json()["detail"]
    off = c.get("/v1/planlegger/avvik")
    assert off.status_code == 403 and "planleggertilgang er slått av" in off.json()["detail"]


def test_area_statistics_suppress_small_areas(client, areas, tmp_path, data_dir):
    rows = {
        r["omrade"]: r for r in client.get("/v1/statistikk", params={"gruppe": "omrade"}).json()
    }
    by_id = areas.set_index("area_id")
    assert all(
        rows[a]["hus"] == by_id.loc[a, "hus"]
        for a in by_id.index
        if by_id.loc[a, "adresser"] >= 5 and by_id.loc[a, "hus"] >= 5
    )
    assert all(rows[a]["hus"] is None for a in by_id.index if by_id.loc[a, "hus"] < 5)
    # With a stricter minimum (in the configuration the service is started with), small areas
    # are hidden.
    copy = shutil.copytree(data_dir, tmp_path / "data")
    cfg = copy / "dekning.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        text.replace("[prioritise]", "[privacy]\nmin_cell_count = 20\n\n[prioritise]"),
        encoding="utf-8",
    )
    settings = Settings(
        config_path=cfg, out_dir=tmp_path / "ut", database_url=str(tmp_path / "s.sqlite")
    )
    run(service_config(settings), settings.out_dir)
    strict = TestClient(create_app(settings))
    rows = {
        r["omrade"]: r for r in strict.get("/v1/statistikk", params={"gruppe": "omrade"}).json()
    }
    small = [a for a in by_id.index if by_id.loc[a, "adresser"] < 20]
    assert small and all(rows[a]["skjult"] and rows[a]["hus"] is None for a in small)
    big = by_id.index[by_id["adresser"] >= 20][0]
    assert rows[big]["hus"] == by_id.loc[big, "hus"] and rows[big]["skjult"] is False


def test_no_results_no_analysis(tmp_path):
    """create_app never runs the analysis: an empty folder is a clear error."""
    empty = tmp_path / "ut"
    with pytest.raises(ConfigError, match=r"fant ingen resultater i .*kjør `dekning run` først"):
        create_app(Settings(out_dir=empty, database_url=str(tmp_path / "s.sqlite")))
    assert not empty.exists()


@pytest.mark.postgres
def test_answers_in_postgresql(results_copy, tmp_path):
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    settings = Settings(out_dir=results_copy, planner_token="hemmelig", database_url=url)
    c = TestClient(create_app(settings))
    r = c.post("/v1/svar", json={**GOOD, "kommentar": "fra PostgreSQL"})
    assert r.status_code == 201 and r.json()["adresse_funnet"] is True
    listed = c.get("/v1/planlegger/svar", headers=TOKEN).json()["api"]
    mine = [a for a in listed if a["id"] == r.json()["id"]]
    assert mine[0]["kommentar"] == "fra PostgreSQL" and mine[0]["mobil"] == {"telenor_inne": 2}
    assert service_config(settings).input.survey_db == url
