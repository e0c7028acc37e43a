"""Shared fixtures. Real public data is read from ../shared/data: when it is absent the real-data
tests are skipped with a loud note at the end of the run, and in CI (CI=true) they fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from dekning.config import Config, default_data_dir, load_default_config
from dekning.outputs import write_maps
from dekning.pipeline import RunResult, analyse

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real public data with provenance (never copied into the repo)."""
    if not SHARED_DATA.is_dir():
        message = (
            f"../shared/data is absent ({SHARED_DATA}): the tests on real public data cannot run"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must have it beside the clone")
        pytest.skip(message)
    return SHARED_DATA


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not SHARED_DATA.is_dir():
        terminalreporter.write_sep(
            "!",
            f"REAL DATA ABSENT: {SHARED_DATA} not found; the tests on real public data were "
            "skipped (see the skip reasons above)",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return default_data_dir()


@pytest.fixture(scope="session")
def default_config() -> Config:
    return load_default_config()


@pytest.fixture(scope="session")
def default_result(default_config: Config) -> RunResult:
    """The whole analysis of the default data, in memory (shared by many tests)."""
    return analyse(default_config)


@pytest.fixture(scope="session")
def maps_dir(
    default_result: RunResult, default_config: Config, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Both maps of the default data, written once, as a run writes them."""
    out = tmp_path_factory.mktemp("maps")
    write_maps(default_result, default_config, out)
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (bash .ci/run installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()
