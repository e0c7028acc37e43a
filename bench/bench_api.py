"""Benchmark: the API's address lookups under concurrent load, and the time per survey answer.

1. Lookups (issue 5): runs the default analysis, starts ``dekning serve``'s app with uvicorn (one
   worker) on 127.0.0.1, then runs wrk with 50 connections for 15 s against
   ``/v1/adresser?q=...`` (queries rotate over real street names) and ``/v1/dekning/{adrid}``,
   and reports requests/s and latency percentiles. Traffic goes to loopback only.
2. Survey answers (issue 10): time per ``POST /v1/svar`` in process (TestClient, SQLite store),
   at the default 2 406 addresses and at 20 × that (the default addresses tiled with new ids,
   48 120), with the geocoder's index built once per register; for comparison the time to
   geocode one answer when the index is built per answer (what every POST did before).

    python bench/bench_api.py            # both
    python bench/bench_api.py --posts    # only the survey-answer timing (no wrk needed)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import pandas as pd
from fastapi.testclient import TestClient

from dekning.api.app import create_app
from dekning.api.settings import Settings, service_config
from dekning.pipeline import run
from dekning.surveys.geocode import AddressIndex, geocode

HERE = Path(__file__).resolve().parent
LUA = """
local queries = {"storgata", "skolevegen%201", "dalf%C3%B8ret%2012", "fjellvegen", "kirkevegen%203", "elvevegen",
                 "bj%C3%B8rkelia", "lien%202"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/v1/adresser?q=" .. queries[(i % #queries) + 1] .. "&limit=10")
end
"""
ANSWERS = (
    {"adresse": "Storgata 3", "postnummer": "7395", "teknologi": "dsl", "ned_mbps": 8.5},
    {"adresse": "Skolevegen 12", "postnummer": "7396", "mobil": {"telenor_inne": 2}},
    {"adresse": "Kirkevegn 3", "postnummer": "", "fornoyd": 2},  # fuzzy, whole register
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, script: Path | None = None) -> dict:
    cmd = ["wrk", "-t2", "-c50", "-d15s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True, timeout=60).stdout

    def found(pattern: str) -> re.Match[str]:
        m = re.search(pattern, out, re.M)
        if m is None:
            raise SystemExit(f"wrk output without {pattern!r}:\n{out}")
        return m

    def ms(label: str) -> float:
        m = found(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(found(r"Requests/sec:\s+([\d.]+)").group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def lookups(work: Path) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dekning.cli",
            "serve",
            "--out",
            str(work / "ut"),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        script = work / "q.lua"
        script.write_text(LUA)
        base = f"http://127.0.0.1:{port}"
        adrid = json.load(urllib.request.urlopen(f"{base}/v1/adresser?q=storgata"))[0]["adrid"]
        wrk(f"{base}/v1/dekning/{adrid}")  # warm-up
        return {"search": wrk(base, script), "coverage_by_id": wrk(f"{base}/v1/dekning/{adrid}")}
    finally:
        server.terminate()
        server.wait(timeout=10)


def tiled(src: Path, out: Path, copies: int) -> tuple[Path, gpd.GeoDataFrame]:
    """A copy of the results in ``src`` with its addresses repeated ``copies`` times (new ids)."""
    shutil.copytree(src, out)
    a = gpd.read_file(src / "adresser_klassifisert.gpkg", layer="adresser")
    parts = [a.assign(adrid=a["adrid"] + k * 10**10) for k in range(copies)]
    big = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=a.crs)
    big.to_file(out / "adresser_klassifisert.gpkg", layer="adresser", driver="GPKG")
    return out, big


def _ms(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {
        "median_ms": round(1000 * statistics.median(ordered), 2),
        "p90_ms": round(1000 * ordered[int(0.9 * (len(ordered) - 1))], 2),
    }


def posts(src: Path, work: Path, copies: int, n: int = 60) -> dict:
    out, addresses = tiled(src, work / f"ut{copies}", copies)
    t = time.perf_counter()
    settings = Settings(
        out_dir=out, database_url=str(work / f"svar{copies}.sqlite"), submissions_per_minute=10**9
    )
    client = TestClient(create_app(settings))
    load_s = time.perf_counter() - t
    for answer in ANSWERS:  # warm-up
        assert client.post("/v1/svar", json=answer).status_code == 201
    times = []
    for i in range(n):
        t = time.perf_counter()
        assert client.post("/v1/svar", json=ANSWERS[i % len(ANSWERS)]).status_code == 201
        times.append(time.perf_counter() - t)
    probe = pd.DataFrame(
        {"row": [1], "address": [ANSWERS[0]["adresse"]], "postnummer": [ANSWERS[0]["postnummer"]]}
    )
    index = AddressIndex.build(addresses)
    once, rebuilt = [], []
    for _ in range(10):
        t = time.perf_counter()
        index.geocode(probe)
        once.append(time.perf_counter() - t)
        t = time.perf_counter()
        geocode(probe, addresses)  # builds an index for this one answer
        rebuilt.append(time.perf_counter() - t)
    return {
        "addresses": len(addresses),
        "load_s": round(load_s, 2),
        "post": _ms(times),
        "geocode_index_once": _ms(once),
        "geocode_index_per_answer": _ms(rebuilt),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", action="store_true", help="only the survey-answer timing")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    src = work / "ut"
    run(service_config(Settings(out_dir=src)), src)
    results: dict = {}
    if not args.posts:
        results.update(lookups(work))
        for name in ("search", "coverage_by_id"):
            r = results[name]
            print(
                f"{name:16} {r['requests_per_s']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   "
                f"p99 {r['p99_ms']:6.1f} ms   non-2xx {r['non_2xx']}"
            )
    results["survey_posts"] = [posts(src, work, copies) for copies in (1, 20)]
    for r in results["survey_posts"]:
        print(
            f"POST /v1/svar at {r['addresses']:6} addresses: median {r['post']['median_ms']:6.1f} ms "
            f"(p90 {r['post']['p90_ms']:.1f}); geocoding one answer: index kept "
            f"{r['geocode_index_once']['median_ms']:.2f} ms, index built per answer "
            f"{r['geocode_index_per_answer']['median_ms']:.1f} ms; load {r['load_s']} s"
        )
    shutil.rmtree(work, ignore_errors=True)
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_api.jsonl").open("a") as fh:
        record = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "connections": 50, **results}
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
