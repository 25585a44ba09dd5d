"""Issue 19 items 4, 5 and 8: the result page says what happened, names non-link codes plainly,
and puts the message's danger before the link's own level, in plain words. Real scanner, real pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from websupport import BASE, csrf_of, login

import web
from scanner.codewords import UNKNOWN_LABEL
from scanner.models import Level
from scanner.pipeline import Scanner
from scanner.render import level_word, render_report
from scanner.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
RAW_FIELDS = re.compile(r">\s*(ssid|security|app_zh|app|scheme|password|hidden)\s*<")


def _client(settings: Settings, lang: str) -> FlaskClient:
    app: Flask = web.create_app(settings, scanner=Scanner(settings))
    c = login(app.test_client())
    c.set_cookie("lang", lang, domain="127.0.0.1")
    c.get("/", base_url=BASE)
    return c


def _page(c: FlaskClient, text: str, offline: bool = False) -> str:
    data = {"text": text, "csrf_token": csrf_of(c)}
    if offline:
        data["offline"] = "1"
    r = c.post("/check", base_url=BASE, data=data)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("code", "zh_head", "en_head", "zh_field"),
    [
        ("WIFI:T:WPA;S:TeaHouse-5G;P:longpassword1;;", "Wi-Fi 密码二维码", "Wi-Fi password code", "网络名称"),
        ("wxp://f2f1XyZ0987654321", "微信支付付款码", "WeChat Pay payment code", "应用"),
        (
            "BEGIN:VCARD\nVERSION:3.0\nFN:Li Si\nTEL:13900001111\nEND:VCARD",
            "联系人名片",
            "contact card",
            "电话",
        ),
    ],
)
def test_non_link_codes_have_their_own_headline_and_field_names(
    web_settings: Settings, code: str, zh_head: str, en_head: str, zh_field: str
) -> None:
    zh = _page(_client(web_settings, "zh"), code)
    zh_text = _text(zh)
    assert zh_head in zh_text
    assert zh_field in zh_text
    assert "无法判断" not in zh_text and "无法检查" not in zh_text
    assert "不证明链接一定安全" not in zh_text  # there is no link
    assert not RAW_FIELDS.search(zh), RAW_FIELDS.search(zh)
    assert "longpassword1" not in zh  # the Wi-Fi password stays masked
    en = _text(_page(_client(web_settings, "en"), code))
    assert en_head in en and "Could not be judged" not in en
    assert "does not prove a link is safe" not in en


def test_cli_names_the_code_and_its_fields(web_settings: Settings) -> None:
    report = Scanner(web_settings).check("WIFI:T:nopass;S:FreeAirport;;", offline=True)
    out = render_report(report, "zh")
    assert out.splitlines()[0] == "ℹ 这是一个 Wi-Fi 密码二维码"
    assert "网络名称: FreeAirport" in out and "无密码" in out
    assert "ssid" not in out and "security" not in out


def test_one_unknown_label_in_cli_page_and_extension() -> None:
    ext = {
        loc: json.loads((ROOT / f"web/extension/_locales/{loc}/messages.json").read_text("utf-8"))
        for loc in ("en", "zh_CN")
    }
    from web import i18n

    assert (
        level_word(Level.UNKNOWN, "zh")
        == i18n.t("level_unknown", "zh")
        == ext["zh_CN"]["level_unknown"]["message"]
    )
    en = {
        level_word(Level.UNKNOWN, "en"),
        i18n.t("level_unknown", "en"),
        ext["en"]["level_unknown"]["message"],
    }
    assert {w.casefold() for w in en} == {UNKNOWN_LABEL[0].casefold()}


LURE = (
    "【顺丰速运】您的包裹地址不全无法派送，请于今日内打开 http://parcel-fix-{n}.invalid/r "
    "补填姓名、身份证号码和收到的短信验证码，否则退回。"
)


def test_unreachable_link_says_so_and_never_offline(web_settings: Settings) -> None:
    settings = web_settings.replace(offline=False)
    html = _page(_client(settings, "zh"), LURE.format(n=1))
    text = _text(html)
    assert "高风险" in text  # the message is dangerous…
    assert "网址无法打开（域名不存在）" in text  # …and the link was tried, not skipped
    assert "离线" not in text
    assert "dns_error" not in text and "注册域名" not in text
    # Why the message is dangerous comes before the link card, and the link's own level is part of it.
    assert text.index("原因") < text.index("单看这个链接")
    assert "风险来自消息内容本身（见上面的“原因”），所以仍然不要打开。" in text
    en = _text(_page(_client(settings, "en"), LURE.format(n=2)))
    assert "the site name does not exist" in en and "offline" not in en.lower()


def test_offline_by_choice_says_so(web_settings: Settings) -> None:
    text = _text(_page(_client(web_settings, "zh"), "请看 https://example.com/notice", offline=True))
    assert "未打开：你选择了离线检查" in text


def test_lists_page_in_chinese_has_no_raw_words(web_settings: Settings) -> None:
    html = _client(web_settings, "zh").get("/lists", base_url=BASE).get_data(as_text=True)
    table = html[html.index('class="lists-table"') : html.index("</table>")]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells
    for raw in ("phishing", "scam", "bundled", "shortener", "popular", "gaierror"):
        assert raw not in cells, raw
    assert "钓鱼网站" in cells and "内置" in cells
    assert any(c.endswith("天前") or c.startswith(("今天", "从未")) or "天前" in c for c in cells)


def test_cli_says_why_a_link_could_not_be_opened(web_settings: Settings) -> None:
    report = Scanner(web_settings.replace(offline=False)).check(LURE.format(n=3))
    out = render_report(report, "zh")
    assert "网址无法打开（域名不存在）" in out
    assert "dns_error" not in out.replace("<expand.unreachable>", "") and "离线" not in out


def test_api_summary_of_a_payment_code_is_plain(web_settings: Settings) -> None:
    report = Scanner(web_settings).check("wxp://f2f0AbCdEf0123456789", offline=True)
    assert report.summary is not None
    assert report.summary.zh.startswith("这是一个微信支付付款码。")
    assert "无法检查" not in report.summary.zh and "could not be checked" not in report.summary.en
