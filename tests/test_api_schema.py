"""Property-based run over the OpenAPI schema (schemathesis): whatever a client sends, the API
answers with a 2xx/4xx, never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from dekning.api.app import Settings, create_app


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    base = tmp_path_factory.mktemp("schema")
    app = create_app(
        Settings(
            out_dir=base / "ut",
            planner_token="hemmelig",
            database_url=str(base / "svar.sqlite"),
            submissions_per_minute=100_000,
        )
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    if case.path.startswith("/v1/planlegger/kjor"):
        pytest.skip("re-running the whole analysis per example is covered in test_api.py")
    response = case.call(
        headers={"Authorization": "Bearer hemmelig"} if "planlegger" in case.path else None
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )
