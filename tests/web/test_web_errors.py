"""The one error shape (datasette's test_error_shape): every ScannerError and HTTP error, API and pages."""

from __future__ import annotations

import inspect

import pytest
from flask.testing import FlaskClient
from websupport import BASE, PORT, FakeScanner, login

import scanner.errors as errors
import web
from scanner.settings import Settings

ALL_ERRORS = sorted(
    (cls for _, cls in inspect.getmembers(errors, inspect.isclass)
     if issubclass(cls, errors.ScannerError)),
    key=lambda c: c.__name__,
)


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_every_scanner_error_maps_to_its_status(web_settings: Settings, auth: dict[str, str],
                                                 cls: type[errors.ScannerError]) -> None:
    app = web.create_app(web_settings, scanner=FakeScanner(raises=cls("what to do next")))
    r = app.test_client().post("/api/v1/check", json={"text": "https://a.test/"}, headers=auth)
    assert r.status_code == cls.http_status
    assert r.get_json() == {"error": {"code": cls.code, "message": "what to do next"}}
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("cls", [errors.InvalidURL, errors.ImageTooLarge, errors.ConfigError],
                         ids=lambda c: c.__name__)
def test_scanner_error_on_a_page_renders_the_error_page(web_settings: Settings,
                                                        cls: type[errors.ScannerError]) -> None:
    app = web.create_app(web_settings, scanner=FakeScanner(raises=cls("try a photo")))
    c = login(app.test_client())
    with c.session_transaction(base_url=BASE) as s:
        token = s["csrf"]
    r = c.post("/check", base_url=BASE, data={"text": "x", "csrf_token": token})
    assert r.status_code == cls.http_status
    assert "text/html" in r.headers["Content-Type"]
    html = r.get_data(as_text=True)
    assert "try a photo" in html and cls.code in html and "Traceback" not in html


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/nope", 404, "not_found"),
    ("GET", "/api/v1/check", 405, "method_not_allowed"),
    ("POST", "/api/v1/health", 405, "method_not_allowed"),
])
def test_http_errors_same_shape(client: FlaskClient, auth: dict[str, str], method: str, path: str,
                                status: int, code: str) -> None:
    r = client.open(path, method=method, headers=auth)
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code
    assert set(r.get_json()["error"]) == {"code", "message"}


def test_413_same_shape(client: FlaskClient, auth: dict[str, str], web_settings: Settings) -> None:
    r = client.post("/api/v1/check", data=b"{" + b" " * (web_settings.max_image_bytes + 100_000) + b"}",
                    content_type="application/json", headers=auth)
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(("body", "code"), [
    ({"text": 5}, "bad_input"), ([1, 2], "bad_input"), ({"text": "x", "offline": "yes"}, "bad_input"),
    ({}, "bad_input"),
])
def test_bad_json_bodies(client: FlaskClient, auth: dict[str, str], fake: FakeScanner, body: object,
                         code: str) -> None:
    r = client.post("/api/v1/check", json=body, headers=auth)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == code
    assert fake.calls == []


def test_malformed_json(client: FlaskClient, auth: dict[str, str]) -> None:
    r = client.post("/api/v1/check", data="{not json", content_type="application/json", headers=auth)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_input"


def test_page_404_is_html(client: FlaskClient) -> None:
    r = client.get("/nope", base_url=BASE)
    assert r.status_code == 404
    assert "text/html" in r.headers["Content-Type"]
    assert "not_found" in r.get_data(as_text=True)


def test_unknown_api_route_needs_the_token_first(client: FlaskClient) -> None:
    # Unauthenticated callers learn nothing about which routes exist.
    r = client.get("/api/v1/nope", headers={"Host": f"127.0.0.1:{PORT}"})
    assert r.status_code == 401
