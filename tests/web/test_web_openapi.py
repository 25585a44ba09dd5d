"""The OpenAPI document matches the real responses (schemathesis over the WSGI app, bounded examples)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from test_web_pages import FakeLists
from websupport import PORT

import web
from scanner.settings import Settings
from web.token import ensure_token


@pytest.fixture
def api_app(web_settings: Settings) -> Flask:
    """The real Scanner (offline: no network; lists off: the shape, not list content, is under test),
    and a fake list manager, so generated requests never write to real lists."""
    app = web.create_app(web_settings.replace(use_lists=False))
    web.state(app).lists_module = FakeLists()
    return app


@pytest.fixture
def api_headers(web_settings: Settings) -> dict[str, str]:
    return {"Host": f"127.0.0.1:{PORT}", "X-LureLens-Token": ensure_token(web_settings)}


@pytest.fixture
def api_schema(api_app: Flask, api_headers: dict[str, str]) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app, headers=api_headers)


@pytest.mark.timeout(120)
def test_api_conforms_to_openapi(api_schema: Any, api_headers: dict[str, str]) -> None:
    """Every operation, a bounded number of generated requests, all schemathesis checks."""
    seen = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        seen.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                  derandomize=True)
        def run(case: Any) -> None:
            # Schema-valid text can still be refused on purpose (binary-looking, over the byte cap):
            # that check is excluded; every response must still match the documented shape and status.
            case.call_and_validate(headers=api_headers, excluded_checks=[positive_data_acceptance])

        run()
    # (schemathesis leaves out the document's own path.)
    assert set(seen) >= {"GET /health", "POST /check", "POST /scan", "POST /page", "GET /lists",
                         "POST /lists/update", "POST /lists/add", "POST /lists/remove", "POST /lists/allow",
                         "GET /lists/rules", "POST /pair"}


def test_document_is_openapi_31_and_lists_every_route(api_app: Flask, api_headers: dict[str, str]) -> None:
    doc = api_app.test_client().get("/api/v1/openapi.json", headers=api_headers).get_json()
    assert doc["openapi"].startswith("3.1")
    routes = {r.rule.removeprefix("/api/v1") for r in api_app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/")}
    assert routes == set(doc["paths"])
