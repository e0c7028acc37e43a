"""Shared fixtures. Real public data is read from ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dekning.config import default_data_dir, load_default_config

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return default_data_dir()


@pytest.fixture(scope="session")
def default_config():
    return load_default_config()


@pytest.fixture(scope="session")
def default_result(default_config):
    """The whole analysis of the default data, in memory (shared by many tests)."""
    from dekning.pipeline import analyse

    return analyse(default_config)
