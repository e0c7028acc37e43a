"""Benchmark: bbox queries on the OGC API – Features addresses collection of a 100 000-address
municipality at 50 concurrent clients (issue 16: p99 under 50 ms).

Runs the default analysis, then makes a synthetic 100 000-address results folder from it: the
default municipality's classified addresses repeated in a grid of copies shifted 40 km east and
20 km north each (new ids; the density of a real municipality, not 42 addresses on one spot).
Starts ``dekning serve`` (uvicorn, one worker) on 127.0.0.1 with a planner token, builds the
collection once (first request), then runs wrk (2 threads, 50 connections, 15 s) with bbox
queries of about 400 m × 400 m around addresses drawn at random (``limit`` 100, the default),
rotating over 500 boxes. Records requests/s, p50/p99, the features and bytes per answer, the
collection's build time, the server's memory and the load average (1 min, before and after) in
``bench/results/bench_ogc.jsonl``, with wrk on ``/v1/dekning/{adrid}`` (the service's cheapest
lookup) right after, as a measure of what the machine allows at that load. Traffic goes to
loopback only.

    python bench/bench_ogc.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from bench_api import free_port, wrk
from pyproj import Transformer

from dekning.api.settings import Settings, service_config
from dekning.crs import WEB_CRS, WORK_CRS
from dekning.pipeline import run

HERE = Path(__file__).resolve().parent
TARGET = 100_000
TOKEN = "bench-token"
HALF_M = 200.0
"""Half the side of a query box (metres)."""
BOXES = 500
LUA = """
local boxes = {%s}
local i = 0
request = function()
  i = i + 1
  local path = "/ogc/collections/adresser/items?bbox=" .. boxes[(i %% #boxes) + 1]
  return wrk.format("GET", path, {["Authorization"] = "Bearer %s"})
end
"""


def spread(src: Path, out: Path, target: int) -> gpd.GeoDataFrame:
    """A copy of the results in ``src`` whose addresses are tiled to ``target`` addresses,
    each copy shifted in a grid (40 km east, 20 km north) with new ids."""
    shutil.copytree(src, out)
    a = gpd.read_file(src / "adresser_klassifisert.gpkg", layer="adresser")
    copies = -(-target // len(a))
    columns = int(np.ceil(np.sqrt(copies)))
    parts = []
    for k in range(copies):
        dx, dy = 40_000.0 * (k % columns), 20_000.0 * (k // columns)
        part = a.assign(adrid=a["adrid"] + k * 10**10)
        part = part.set_geometry(a.geometry.translate(dx, dy))
        parts.append(part)
    big = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=a.crs).iloc[:target]
    big.to_file(out / "adresser_klassifisert.gpkg", layer="adresser", driver="GPKG")
    return big


def boxes(addresses: gpd.GeoDataFrame, n: int, seed: int = 16) -> list[str]:
    """``n`` bbox parameters (CRS84) around addresses drawn at random: the lon/lat bounds of
    squares of ``2 * HALF_M`` metres (EPSG:25833)."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(addresses), n, replace=False)
    x = addresses.geometry.x.to_numpy()
    y = addresses.geometry.y.to_numpy()
    to_web = Transformer.from_crs(WORK_CRS, WEB_CRS, always_xy=True)
    out = []
    for i in picks:
        lon0, lat0 = to_web.transform(x[i] - HALF_M, y[i] - HALF_M)
        lon1, lat1 = to_web.transform(x[i] + HALF_M, y[i] + HALF_M)
        out.append(f"{lon0:.6f},{lat0:.6f},{lon1:.6f},{lat1:.6f}")
    return out


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=120) as r:
        body: bytes = r.read()
    return body


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    work = Path(tempfile.mkdtemp())
    src = work / "ut"
    run(service_config(Settings(out_dir=src)), src)
    big = spread(src, work / "stor", TARGET)
    params = boxes(big, BOXES)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "dekning.cli", "serve", "--out", str(work / "stor")]
    server = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env={**os.environ, "DEKNING_PLANNER_TOKEN": TOKEN},
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        t = time.perf_counter()
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/v1/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        _get(f"{base}/ogc/collections/adresser/items?limit=1")
        build_s = time.perf_counter() - t
        sizes, counts, single = [], [], []
        for p in params[:100]:
            t = time.perf_counter()
            body = _get(f"{base}/ogc/collections/adresser/items?bbox={p}")
            single.append(time.perf_counter() - t)
            page = json.loads(body)
            sizes.append(len(body))
            counts.append((page["numberMatched"], page["numberReturned"]))
        script = work / "bbox.lua"
        script.write_text(LUA % (", ".join(f'"{p}"' for p in params), TOKEN))
        wrk(base + "/", script)  # warm-up
        load_before = os.getloadavg()[0]
        result = wrk(base + "/", script)
        load_after = os.getloadavg()[0]
        # the same server's cheapest lookup under the same load, for comparison
        baseline = wrk(f"{base}/v1/dekning/{int(big['adrid'].iloc[0])}")
        rss = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "addresses": len(big),
        "connections": 50,
        "box_m": 2 * HALF_M,
        "bbox": result,
        "baseline_coverage_by_id": baseline,
        "matched_mean": round(float(np.mean([m for m, _ in counts])), 1),
        "returned_mean": round(float(np.mean([r for _, r in counts])), 1),
        "bytes_mean": round(float(np.mean(sizes))),
        "single_request_median_ms": round(1000 * float(np.median(single)), 2),
        "service_load_s": round(load_s, 1),
        "collection_build_s": round(build_s, 1),
        "server_rss_mb": rss,
        "loadavg_1min_before": round(load_before, 2),
        "loadavg_1min_after": round(load_after, 2),
        "cpus": os.cpu_count(),
    }
    print(
        f"bbox on {record['addresses']} addresses: {result['requests_per_s']:.0f} req/s   "
        f"p50 {result['p50_ms']:.1f} ms   p99 {result['p99_ms']:.1f} ms   "
        f"non-2xx {result['non_2xx']}   {record['returned_mean']} features "
        f"({record['bytes_mean']} bytes) per answer; load average {load_before:.2f} → "
        f"{load_after:.2f} on {record['cpus']} CPUs; /v1/dekning/{{adrid}} meanwhile: "
        f"p50 {baseline['p50_ms']:.1f} ms, p99 {baseline['p99_ms']:.1f} ms"
    )
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_ogc.jsonl").open("a") as fh:
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
