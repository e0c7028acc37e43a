"""Property-based run over the OpenAPI schema (schemathesis): whatever a client sends, the API
answers with a 2xx/4xx, never a 5xx, and the answer is the documented one.

The operations are driven through their hypothesis strategies directly (not schemathesis's
pytest plugin, which breaks with pytest 9.2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from dekning.api.app import Settings, create_app

RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""Every answer is documented: its status, its media type and its body's schema (the response
models). Request-side checks are left out: the schema cannot say that an answer needs an
address or coordinates, or which operators a run knows."""


@pytest.fixture(scope="module")
def api_schema(run_dir, tmp_path_factory):
    base = tmp_path_factory.mktemp("schema")
    app = create_app(
        Settings(
            out_dir=Path(shutil.copytree(run_dir, base / "ut")),
            planner_token="hemmelig",
            database_url=str(base / "svar.sqlite"),
            submissions_per_minute=100_000,
        )
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _property(operation, headers):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def call(case):
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
        )
        case.validate_response(response, checks=RESPONSE_CHECKS)

    return call


@pytest.mark.slow
def test_no_server_errors(api_schema):
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "POST" and operation.path == "/v1/planlegger/kjor":
            continue  # no runner here (503 by design); re-runs are covered in test_jobs.py
        if "planlegger" in operation.path:  # with the token, and without (401 documented too)
            _property(operation, {"Authorization": "Bearer hemmelig"})()
            _property(operation, {"Authorization": "Bearer feil"})()
        else:
            _property(operation, None)()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 10, checked
