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


@pytest.fixture(scope="session")
def maps_dir(default_result, default_config, tmp_path_factory) -> Path:
    """Both maps of the default data, written once."""
    from dekning.maps.planner import planner_map, write_map
    from dekning.maps.public import public_map

    out = tmp_path_factory.mktemp("maps")
    write_map(
        planner_map(
            default_result.classified,
            default_result.areas,
            mobile_layers=default_result.mobile_layers,
            mobile_grids=default_result.mobile_grids,
            routes=default_result.routes,
            survey=default_result.survey,
        ),
        out / "kart_planlegger.html",
    )
    write_map(
        public_map(
            default_result.classified,
            default_result.areas,
            mobile_layers=default_result.mobile_layers,
            min_cell_count=5,
        ),
        out / "kart_offentlig.html",
    )
    return out
