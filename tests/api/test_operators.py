"""Mobile operators are whatever the input names: a run whose rasters name ``Ice-Net`` serves
``Ice-Net`` coverage and accepts ``Ice-Net_inne`` answers; no operator name is hard-coded."""

from __future__ import annotations

import shutil
import time

import pytest
from fastapi.testclient import TestClient

from dekning.api.app import Settings, create_app
from dekning.api.settings import service_config
from dekning.pipeline import run
from dekning.surveys.store import answers_for_analysis


@pytest.fixture(scope="module")
def ice_net(data_dir, tmp_path_factory):
    """The default data with the operator ``ice`` renamed ``Ice-Net`` (rasters and config),
    run once, served with a re-runner."""
    base = tmp_path_factory.mktemp("ice-net")
    data = shutil.copytree(data_dir, base / "data")
    config = data / "dekning.toml"
    text = config.read_text(encoding="utf-8")
    for tech in ("4g", "5g"):
        (data / "mobil" / f"ice_{tech}.tif").rename(data / "mobil" / f"Ice-Net_{tech}.tif")
        text = text.replace(
            f'operator = "ice", technology = "{tech}", path = "mobil/ice_{tech}.tif"',
            f'operator = "Ice-Net", technology = "{tech}", path = "mobil/Ice-Net_{tech}.tif"',
        )
    config.write_text(text, encoding="utf-8")
    settings = Settings(
        config_path=config,
        out_dir=base / "ut",
        planner_token="hemmelig",
        database_url=str(base / "svar.sqlite"),
    )
    cfg = service_config(settings)
    assert [m.operator for m in cfg.input.mobile].count("Ice-Net") == 2
    run(cfg, settings.out_dir)
    app = create_app(settings, runner=lambda: run(cfg, settings.out_dir))
    return TestClient(app), base


def test_coverage_names_the_operator_as_the_input_does(ice_net):
    client, _ = ice_net
    adrid = client.get("/v1/adresser", params={"q": "storgata 1"}).json()[0]["adrid"]
    mobile = client.get(f"/v1/dekning/{adrid}").json()["mobil"]
    assert set(mobile) == {
        f"{o}_{t}" for o in ("telenor", "telia", "Ice-Net") for t in ("4g", "5g")
    }
    assert all(v in (0, 1, 2, 3) for v in mobile.values())


def test_answers_about_ice_net_are_accepted_and_used(ice_net):
    client, base = ice_net
    answer = {"adresse": "Storgata 3", "postnummer": "7395", "mobil": {"Ice-Net_inne": 0}}
    r = client.post("/v1/svar", json=answer)
    assert r.status_code == 201, r.text
    wrong = client.post("/v1/svar", json={**answer, "mobil": {"ice_inne": 0}})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["mobil"]
    assert "telenor, telia, Ice-Net" in wrong.json()["detail"][0]["msg"]
    stored = answers_for_analysis(base / "svar.sqlite")
    assert stored["mob_Ice-Net_inne"].tolist() == [0.0]
    headers = {"Authorization": "Bearer hemmelig"}
    job = client.post("/v1/planlegger/kjor", headers=headers).json()
    deadline = time.monotonic() + 120
    while job["status"] not in ("ferdig", "feilet") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(f"/v1/planlegger/kjor/{job['id']}", headers=headers).json()
    assert job["status"] == "ferdig", job["feil"]
    assert job["sammendrag"]["sporreundersokelse"]["svar"] == 321
