"""Crafted content through the JSON API: whatever the text, photo or page, never a 500.

The service's own schema tests (schemathesis) vary the *shape* of requests; these vary the
*content* — hostile text, damaged photos, crafted pages — inside well-formed requests, through the
real app (lists on) and its error mapping. Any 5xx is a crash the user would see.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from scanner.settings import Settings

from .conftest import ANY_CHAR, HOSTILE_TEXT, fuzz
from .test_fuzz_images import mutated
from .test_fuzz_pages import HTML


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from web import create_app
    from web.token import ensure_token

    settings = Settings.load(environ={}, data_dir=tmp_path_factory.mktemp("api-fuzz"), decode_budget=0.3,
                             rate_limit_per_minute=1_000_000)
    app = create_app(settings)
    token = ensure_token(settings)
    client = app.test_client()
    headers = {"X-LureLens-Token": token, "Host": f"127.0.0.1:{settings.port}"}

    def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        r = client.post(path, data=json.dumps(body), headers=headers, content_type="application/json")
        return r.status_code, r.get_json(silent=True)

    yield post


def _ok_or_typed(status: int, body: Any) -> None:
    assert status < 500, (status, body)
    assert isinstance(body, dict)
    if status == 200:
        assert body["level"] in ("safe", "caution", "danger", "unknown")
    else:
        assert body["error"]["code"] and body["error"]["message"]


@fuzz(60)
@given(text=st.one_of(HOSTILE_TEXT, st.text(ANY_CHAR, max_size=200)))
@example(text="http://" + "a" * 70_000)
def test_check_never_500(api: Any, text: str) -> None:
    _ok_or_typed(*api("/api/v1/check", {"text": text, "offline": True}))


@fuzz(30)
@given(data=mutated())
def test_scan_never_500(api: Any, data: bytes) -> None:
    body = {"image_base64": base64.b64encode(data).decode(), "offline": True}
    _ok_or_typed(*api("/api/v1/scan", body))


PAGE_URLS = ["https://a.test/p", "http://例子.cn/", "weixin://x", "not a url", "javascript:alert(1)"]


@fuzz(40)
@given(html=HTML, url=st.sampled_from(PAGE_URLS))
def test_page_never_500(api: Any, html: str, url: str) -> None:
    _ok_or_typed(*api("/api/v1/page", {"html": html, "url": url}))
