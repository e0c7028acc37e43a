"""Fixtures of the API tests: one real run of the default data, copied per test that changes
its results folder, and apps built over such copies (TestClient, no server)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
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
