"""Bugs the robustness suite found (all fixed on 2026-11-28), each pinned by the smallest input.

A newly found bug goes here first as ``@pytest.mark.xfail(strict=True, reason="<module>: <what>")``
so the suite stays green while it is open; the fix turns it into an XPASS, which fails the run until
the marker is deleted — then it stays as a regression test like the ones below.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from scanner.settings import Settings

from .test_fuzz_images import gif_with_huge_later_frame


def test_refresh_with_a_huge_delay() -> None:
    """Was ``ValueError``: ``int()`` of a delay over 4300 digits (scanner/redirects.py)."""
    from scanner.redirects import parse_refresh

    out = parse_refresh("9" * 5000 + ";url=http://b.test/")
    assert out is None or out[1] == "http://b.test/"


def test_lone_surrogate_in_chinese_text() -> None:
    """Was ``UnicodeEncodeError`` from OpenCC: a lone surrogate (valid in JSON) in Chinese text."""
    from scanner.pipeline import Scanner

    report = Scanner(Settings.load(environ={}, use_lists=False)).check(
        "兼职\udc80注册领佣金 http://a.test/x", offline=True
    )
    assert report.level.warns  # still read as the lure it is


def test_gif_with_a_huge_later_frame() -> None:
    """Was Pillow's ``DecompressionBombError`` from ``seek()`` to a later frame over the pixel limit."""
    from scanner.errors import ImageTooLarge
    from scanner.images import load_frames

    try:
        frames = load_frames(gif_with_huge_later_frame(), Settings.load(environ={}))
    except ImageTooLarge:
        return
    assert frames and all(f.size <= 40_000_000 for f in frames)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from web import create_app
    from web.token import ensure_token

    settings = Settings.load(environ={}, data_dir=tmp_path_factory.mktemp("api-bugs"), use_lists=False)
    client = create_app(settings).test_client()
    headers = {"X-LureLens-Token": ensure_token(settings), "Host": f"127.0.0.1:{settings.port}"}

    def post(path: str, body: dict[str, Any]) -> int:
        r = client.post(path, data=json.dumps(body), headers=headers, content_type="application/json")
        return int(r.status_code)

    return post


@pytest.mark.parametrize("text", ["\ud800", "http://a.test/\ud800"])
def test_api_check_with_a_lone_surrogate(api: Any, text: str) -> None:
    """Was 500: a report holding a lone surrogate could not be encoded as JSON."""
    assert api("/api/v1/check", {"text": text, "offline": True}) < 500


def test_api_page_with_a_lone_surrogate_url(api: Any) -> None:
    """Was 500: the ``InvalidURL`` message echoed a lone surrogate into the error body."""
    assert api("/api/v1/page", {"html": "<p>x</p>", "url": "a\ud800"}) < 500


def test_api_scan_gif_with_a_huge_later_frame(api: Any) -> None:
    """Was 500 (see :func:`test_gif_with_a_huge_later_frame`)."""
    body = {"image_base64": base64.b64encode(gif_with_huge_later_frame()).decode(), "offline": True}
    assert api("/api/v1/scan", body) < 500


def test_api_failed_update_is_not_reported_as_updated(data_dir: Any, tmp_path: Any) -> None:
    """Was ``{"updated": true, …}`` although every list failed and the previous versions were kept."""
    from web import create_app
    from web.token import ensure_token

    from .feedserver import FeedAnswer, FeedServer
    from .test_faults_lists import BAD_FEEDS, V1, _body, lists_cmd, make_settings

    feed = FeedServer()
    try:
        settings = make_settings(data_dir, feed, tmp_path)
        feed.answers["/feed"] = FeedAnswer(_body(V1))
        assert lists_cmd(settings, "update")[0] == 0
        feed.answers["/feed"] = BAD_FEEDS["truncated"][0]
        client = create_app(settings).test_client()
        headers = {"X-LureLens-Token": ensure_token(settings), "Host": f"127.0.0.1:{settings.port}"}
        body = client.post("/api/v1/lists/update", json={}, headers=headers).get_json()
        assert body.get("updated") is not True, body
    finally:
        feed.close()
