"""``dekning serve`` on loopback: it runs the analysis first when the folder has no results
(the CLI may; the API never does) and hands the API a runner for planner re-runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dekning import cli


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
        cmd,
        env={**os.environ, "DEKNING_PLANNER_TOKEN": "hemmelig"},
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


def _start(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "dekning.cli", "serve", "--port", str(port), *args]
    server = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            _call(f"{base}/v1/health")
            return server, base
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.3)
    server.kill()
    raise AssertionError(server.communicate()[0])


@pytest.mark.slow
def test_token_from_a_file_never_in_the_log(results_copy: Path, tmp_path: Path):
    secret = "s3cr3t-7f1c"
    (tmp_path / "token").write_text(secret + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DEKNING_PLANNER_TOKEN"}
    args = ["--out", str(results_copy), "--access-log", "--planner-token-file", "token"]
    server, base = _start(args, tmp_path, env)
    try:
        with urllib.request.urlopen(f"{base}/kart/planlegger?token={secret}", timeout=5) as r:
            assert r.status == 200
        status, _ = _call(f"{base}/v1/planlegger/avvik?a=1&token={secret}")
        assert status == 200
        assert _call(f"{base}/v1/planlegger/avvik?token=feil")[0] == 401
        assert secret not in " ".join(server.args)  # not on the command line (ps)
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "GET /kart/planlegger?token=[skjult]" in log
    assert "/v1/planlegger/avvik?a=1&token=[skjult]" in log
    assert secret not in log and "Traceback" not in log


def test_the_token_is_not_a_command_line_option(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "dekning.cli", "serve", "--planner-token", "x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--planner-token" in done.stderr
    empty = tmp_path / "tom"
    empty.write_text("\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dekning.cli", "serve", "--planner-token-file", str(empty)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "tokenfila er tom" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_options_reach_the_settings(results_copy: Path, tmp_path: Path, monkeypatch):
    seen: dict = {}

    def fake_serve(app, settings, host, port, *, access_log):
        seen.update(settings=settings, host=host, port=port, access_log=access_log)

    monkeypatch.setattr(cli, "serve_app", fake_serve)
    (tmp_path / "token").write_text("fra-fila\n", encoding="utf-8")
    args = ["serve", "--out", str(results_copy), "--max-header-bytes", "4096", "--keep-alive", "2"]
    env = {"DEKNING_PLANNER_TOKEN": "fra-miljoet", "DEKNING_TRUSTED_PROXIES": "10.0.0.1 10.0.0.2"}
    done = CliRunner().invoke(cli.app, args, env=env)
    assert done.exit_code == 0, done.output
    settings = seen["settings"]
    assert settings.planner_token == "fra-miljoet"
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2")
    assert (settings.max_header_bytes, settings.keep_alive_s) == (4096, 2)
    assert seen["access_log"] is False and seen["host"] == "127.0.0.1"
    args += ["--planner-token-file", str(tmp_path / "token"), "--trusted-proxy", "192.0.2.1"]
    done = CliRunner().invoke(cli.app, args, env={"DEKNING_PLANNER_TOKEN": "fra-miljoet"})
    assert done.exit_code == 0, done.output
    assert seen["settings"].planner_token == "fra-fila"
    assert seen["settings"].trusted_proxies == ("192.0.2.1",)
