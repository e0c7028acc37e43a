"""``dekning serve`` on loopback: it runs the analysis first when the folder has no results
(the CLI may; the API never does) and hands the API a runner for planner re-runs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(url: str, method: str = "GET", token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.slow
def test_serve_runs_first_then_reruns_in_the_background(tmp_path: Path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "dekning.cli", "serve", "--out", "ut", "--port", str(port)]
    server = subprocess.Popen(
        [*cmd, "--planner-token", "hemmelig"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                status, health = _call(f"{base}/v1/health")
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.5)
        assert status == 200 and health["adresser"] == 2406
        assert (tmp_path / "ut" / "rapport.json").is_file()
        assert (tmp_path / "dekning-svar.sqlite").is_file()
        status, job = _call(f"{base}/v1/planlegger/kjor", "POST", token="hemmelig")
        assert status == 202
        while job["status"] not in ("ferdig", "feilet") and time.monotonic() < deadline:
            time.sleep(0.5)
            _, job = _call(f"{base}/v1/planlegger/kjor/{job['id']}", token="hemmelig")
        assert job["status"] == "ferdig" and job["sammendrag"]["adresser"] == 2406
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Fant ingen resultater i ut: kjører analysen først" in err
    assert "Traceback" not in err
