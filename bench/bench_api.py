"""Benchmark: address lookup under concurrent load on loopback (issue 5).

Starts ``dekning serve``'s app with uvicorn (one worker) on 127.0.0.1, then runs wrk with 50
connections for 15 s against ``/v1/adresser?q=...`` (queries rotate over real street names) and
``/v1/dekning/{adrid}``, and reports requests/s and latency percentiles. Bounded in time; traffic
goes to loopback only.

    python bench/bench_api.py
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, script: Path | None = None) -> dict:
    cmd = ["wrk", "-t2", "-c50", "-d15s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True, timeout=60).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    work = Path(tempfile.mkdtemp())
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from dekning.cli import main; main()",
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
        import urllib.request

        for _ in range(120):
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
        results = {"search": wrk(base, script), "coverage_by_id": wrk(f"{base}/v1/dekning/{adrid}")}
    finally:
        server.terminate()
        server.wait(timeout=10)
    for name, r in results.items():
        print(
            f"{name:16} {r['requests_per_s']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms   non-2xx {r['non_2xx']}"
        )
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_api.jsonl").open("a") as fh:
        fh.write(
            json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "connections": 50, **results})
            + "\n"
        )


if __name__ == "__main__":
    main()
