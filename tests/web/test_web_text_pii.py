"""Issue 19 item 10 on the result page: a lure that asks for an SMS code or an ID card is danger,
and the page names the personal data it asks for (real Scanner, offline)."""

from __future__ import annotations

import pytest
from websupport import BASE, csrf_of, login

import web
from scanner.pipeline import Scanner
from scanner.settings import Settings


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        (
            "送你一份新年礼品，填个手机号再把收到的验证码发我就行",
            "zh",
            ("高风险", "它索取的个人信息", "短信验证码"),
        ),
        ("帮亲戚注册个网店，借用你的身份证实名一下，完事给你300块", "zh", ("高风险", "身份证")),
        (
            "Free gift for you! Just reply with your phone number and the verification code",
            "en",
            ("SMS code",),
        ),
    ],
)
def test_result_page_names_the_data_a_lure_asks_for(
    web_settings: Settings, text: str, lang: str, words: tuple[str, ...]
) -> None:
    app = web.create_app(web_settings, scanner=Scanner(web_settings))
    c = login(app.test_client())
    c.get("/", base_url=BASE)
    r = c.post(
        "/check",
        base_url=BASE,
        data={"text": text, "csrf_token": csrf_of(c)},
        headers={"Accept-Language": lang},
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "level-danger" in html
    for w in words:
        assert w in html, w
