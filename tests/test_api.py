"""The API app factory over the default data (TestClient, no server)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dekning.api.app import Settings, create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    out = tmp_path_factory.mktemp("api") / "ut"
    return TestClient(create_app(Settings(out_dir=out, planner_token="hemmelig")))


def test_health(client):
    r = client.get("/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["adresser"] == 2406


def test_search_and_coverage(client, default_result):
    hits = client.get("/v1/adresser", params={"q": "storgata 1"}).json()
    assert hits and hits[0]["adressetekst"].lower().startswith("storgata 1")
    adrid = hits[0]["adrid"]
    cov = client.get(f"/v1/dekning/{adrid}").json()
    row = default_result.classified.set_index("adrid").loc[adrid]
    assert cov["beste_ned_kbps"] == row["best_down_kbps"]
    assert cov["hastighetsklasse"] == row["speed_class"]
    assert set(cov["mobil"]) == {
        f"{o}_{t}" for o in ("telenor", "telia", "ice") for t in ("4g", "5g")
    }


def test_unknown_address_is_404_and_bad_query_422(client):
    assert client.get("/v1/dekning/1").status_code == 404
    assert client.get("/v1/adresser", params={"q": "x"}).status_code == 422


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


def test_planner_map_needs_the_token(client):
    assert client.get("/kart/planlegger").status_code == 401
    assert client.get("/kart/planlegger", params={"token": "feil"}).status_code == 401
    r = client.get("/kart/planlegger", headers={"Authorization": "Bearer hemmelig"})
    assert r.status_code == 200 and "Utbyggingsomr" in r.text
