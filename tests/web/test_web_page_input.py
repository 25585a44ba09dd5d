"""``POST /api/v1/page`` refuses what is not a page (issue 19 item 2), with the real scanner."""

from __future__ import annotations

import random

import pytest

import web
from scanner.settings import Settings


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "".join(chr(random.Random(7).randrange(0, 256)) for _ in range(4000)),
        bytes(random.Random(8).randrange(0, 256) for _ in range(4000)).decode("latin-1"),
        "plain words without any markup",
    ],
    ids=["empty", "blank", "random-chars", "random-bytes-latin1", "plain-text"],
)
def test_page_api_refuses_non_html(web_settings: Settings, auth: dict[str, str], html: str) -> None:
    client = web.create_app(web_settings).test_client()
    r = client.post("/api/v1/page", json={"html": html, "url": "https://a.example/"}, headers=auth)
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == ("empty_input" if not html.strip() else "not_text") and err["message"]


def test_page_api_random_body_is_a_json_error(web_settings: Settings, auth: dict[str, str]) -> None:
    client = web.create_app(web_settings).test_client()
    body = bytes(random.Random(9).randrange(0, 256) for _ in range(2000))
    r = client.post("/api/v1/page", data=body, headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 400 and "error" in r.get_json()


def test_page_api_still_judges_a_page(web_settings: Settings, auth: dict[str, str]) -> None:
    client = web.create_app(web_settings).test_client()
    html = "<html><body><h1>扫码点餐</h1><label for=i>身份证号</label><input id=i name=idno></body></html>"
    r = client.post("/api/v1/page", json={"html": html, "url": "https://diancan-shop.example/"}, headers=auth)
    assert r.status_code == 200 and r.get_json()["pii"] == ["id_card"]
