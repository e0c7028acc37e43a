"""Re-runs as background jobs: scheduled on one worker, polled by id, results reloaded from the
folder when done; failures reported in bokmål while the old results stay served."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from dekning.api.settings import Settings, service_config
from dekning.pipeline import run


def _wait(c: TestClient, job_id: str, headers: dict[str, str], timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = c.get(f"/v1/planlegger/kjor/{job_id}", headers=headers).json()
        if status["status"] in ("ferdig", "feilet"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def _rerun(c: TestClient, headers: dict[str, str]) -> dict:
    r = c.post("/v1/planlegger/kjor", headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("venter", "kjorer", "ferdig", "feilet")  # a snapshot
    return _wait(c, r.json()["id"], headers)


def test_done_job_serves_the_new_results(results_copy, make_app, planner_headers):
    report = results_copy / "rapport.json"

    def runner() -> None:  # a "run" that renames the municipality in the written results
        data = json.loads(report.read_text(encoding="utf-8"))
        data["sammendrag"]["kommune"] = "Nyby"
        report.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with TestClient(make_app(results_copy, runner=runner)) as c:  # lifespan: worker stopped
        done = _rerun(c, planner_headers)
        assert done["status"] == "ferdig" and done["sammendrag"]["kommune"] == "Nyby"
        assert done["startet"] <= done["ferdig"]
        again = _rerun(c, planner_headers)
        assert again["status"] == "ferdig" and again["id"] != done["id"]


def test_failed_run_keeps_the_old_results(results_copy, make_app, planner_headers, tmp_path):
    settings = Settings(out_dir=results_copy, database_url=str(tmp_path / "svar.sqlite"))
    cfg = service_config(settings)
    missing = tmp_path / "finnes-ikke.csv"
    broken = cfg.model_copy(update={"input": cfg.input.model_copy(update={"addresses": missing})})
    c = TestClient(make_app(results_copy, runner=lambda: run(broken, results_copy)))
    failed = _rerun(c, planner_headers)
    assert failed["status"] == "feilet" and failed["sammendrag"] is None
    assert failed["feil"].startswith("analysen feilet: ") and "finnes-ikke.csv" in failed["feil"]
    assert c.get("/v1/health").json()["adresser"] == 2406


def test_broken_results_after_a_run_keep_the_old_ones(results_copy, make_app, planner_headers):
    def runner() -> None:  # the "run" leaves a broken address file behind
        (results_copy / "adresser_klassifisert.gpkg").write_bytes(b"ikke en geopakke")

    c = TestClient(make_app(results_copy, runner=runner))
    failed = _rerun(c, planner_headers)
    assert failed["status"] == "feilet"
    assert "adresser_klassifisert.gpkg kan ikke leses" in failed["feil"]
    assert (
        c.get("/v1/dekning", params={"lat": 63.05, "lon": 10.44, "maks_m": 2000}).status_code == 200
    )


def test_unexpected_failure_is_logged_not_shown(results_copy, make_app, planner_headers, caplog):
    def runner() -> None:
        raise ZeroDivisionError("hemmelig detalj")

    c = TestClient(make_app(results_copy, runner=runner))
    failed = _rerun(c, planner_headers)
    assert failed["feil"] == "analysen feilet med en intern feil; se tjenerloggen"
    assert any(r.exc_info and "hemmelig detalj" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("job_id", "status"), [("0" * 32, 404), ("../x", 404), ("ABC", 422)])
def test_unknown_or_malformed_job_ids(results_copy, make_app, planner_headers, job_id, status):
    c = TestClient(make_app(results_copy, runner=lambda: None))
    r = c.get(f"/v1/planlegger/kjor/{job_id}", headers=planner_headers)
    assert r.status_code == status
    if job_id == "0" * 32:
        assert r.json()["detail"] == f"ukjent kjøring '{job_id}'"
