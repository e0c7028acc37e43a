"""Fixtures of the API tests: one real run of the default data, copied per test that changes
its results folder, and apps built over such copies (TestClient, no server)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from dekning.api.app import create_app
from dekning.api.service import Runner
from dekning.api.settings import Settings, service_config
from dekning.pipeline import run

TOKEN = "hemmelig"


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results of ``dekning run`` on the default data (never changed: copy it)."""
    out = tmp_path_factory.mktemp("api-run") / "ut"
    run(service_config(Settings(out_dir=out)), out)
    return out


@pytest.fixture
def results_copy(run_dir: Path, tmp_path: Path) -> Path:
    """A copy of :func:`run_dir` this test may change."""
    return Path(shutil.copytree(run_dir, tmp_path / "ut"))


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    """``make_app(out_dir, runner=None, **settings)``: an app over ``out_dir`` with its own
    survey store and a planner token."""

    def build(out_dir: Path, runner: Runner | None = None, **settings: Any) -> FastAPI:
        fields: dict[str, Any] = {
            "out_dir": out_dir,
            "planner_token": TOKEN,
            "database_url": str(tmp_path / "svar.sqlite"),
            "submissions_per_minute": 1_000,
            **settings,
        }
        return create_app(Settings(**fields), runner=runner)

    return build


@pytest.fixture
def planner_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


class ThrowawayPostgres:
    """A PostgreSQL server of its own (Debian's binaries, its own port and data folder), which
    a test may stop and start: CI's shared server (``DEKNING_TEST_PG_URL``) is never touched."""

    def __init__(self, bin_dir: Path, data: Path, port: int) -> None:
        self.bin_dir = bin_dir
        self.data = data
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _pg(self, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        ctl = str(self.bin_dir / "pg_ctl")
        self._pg(
            ctl, "-D", str(self.data), "-l", str(self.data / "log"), "-w", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._pg(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def throwaway_pg() -> Iterator[ThrowawayPostgres]:
    """A running :class:`ThrowawayPostgres`, removed afterwards. Skipped unless
    ``DEKNING_TEST_PG_URL`` is set (PostgreSQL tests are wanted: ``bash .ci/run``) and
    Debian's PostgreSQL binaries and psycopg are installed."""
    if not os.environ.get("DEKNING_TEST_PG_URL"):
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts PostgreSQL for the tests)")
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        pytest.skip("no PostgreSQL binaries in /usr/lib/postgresql (apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="psycopg missing: pip install -e '.[postgres]'")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("runuser missing: cannot run PostgreSQL as user postgres")
    data = Path(tempfile.mkdtemp(prefix="dekning-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    server = ThrowawayPostgres(bins[-1].parent, data, _free_port())
    server._pg(str(server.bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped by the test
        shutil.rmtree(data, ignore_errors=True)
