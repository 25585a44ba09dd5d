"""Fixtures for the web tests: the app over a fake scanner, a client, a live waitress server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from liveservice import LiveService
from websupport import BASE, PORT, FakeScanner, login

import web
from scanner.settings import Settings
from web.token import ensure_token


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """Settings for the web tests: offline, a generous rate limit, short request timeout."""
    return settings.replace(offline=True, rate_limit_per_minute=10_000, request_timeout=5.0, port=PORT)


@pytest.fixture
def fake() -> Iterator[FakeScanner]:
    f = FakeScanner()
    yield f
    f.release.set()  # never leave a worker thread sleeping past the test


@pytest.fixture
def app(web_settings: Settings, fake: FakeScanner) -> Flask:
    return web.create_app(web_settings, scanner=fake)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that opened the login link (the API ignores the session: it needs the token)."""
    return login(app.test_client())


@pytest.fixture
def anon_client(app: Flask) -> FlaskClient:
    """A browser that never signed in (another local account, or a page on another site)."""
    return app.test_client()


@pytest.fixture
def token(web_settings: Settings) -> str:
    return ensure_token(web_settings)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    """Headers of a well-behaved API client (the extension's service worker)."""
    return {"Host": f"127.0.0.1:{PORT}", "X-LureLens-Token": token}


@pytest.fixture
def page_client(client: FlaskClient) -> FlaskClient:
    """A client that has loaded the home page (so it holds a session with a CSRF token)."""
    client.get("/", base_url=BASE)
    return client


@pytest.fixture
def live(web_settings: Settings, fake: FakeScanner) -> Iterator[LiveService]:
    svc = LiveService(web_settings, scanner=fake)
    try:
        yield svc
    finally:
        fake.release.set()
        svc.close()
