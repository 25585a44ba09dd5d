"""A chat screenshot through the API and the upload page (issue 16): one report from one picture."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from ocrsupport import chat_png
from websupport import BASE, csrf_of, login

import web
from scanner.settings import Settings

LURE = ["兼职日结，扫码注册领佣金，点击 http://jz-fanli.top/reg?id=7 联系客服 13812345678", "真的吗"]


@pytest.fixture
def real_app(web_settings: Settings) -> Flask:
    return web.create_app(web_settings.replace(use_lists=False, ocr_budget=60.0, request_timeout=120.0))


def test_api_scan_returns_the_text_its_links_and_the_verdict(real_app: Flask, auth: dict[str, str]) -> None:
    r = real_app.test_client().post(
        "/api/v1/scan", headers=auth, data={"image": (io.BytesIO(chat_png(LURE)), "chat.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    [text] = [p for p in body["payloads"] if p["kind"] == "ocr_text"]
    assert "兼职日结" in text["text"] and text["source"] == "image"
    assert "138****5678" in text["display"] and "13812345678" not in text["display"]
    assert "http://jz-fanli.top/reg?id=7" in [link["original"] for link in body["links"]]
    assert body["warn"] is True and any(r["code"].startswith("text.") for r in body["reasons"])


def test_upload_page_shows_the_text_read_collapsed_with_the_verdicts_parts_marked(real_app: Flask) -> None:
    c = login(real_app.test_client())
    c.get("/", base_url=BASE)
    r = c.post("/scan", base_url=BASE,
               data={"image": (io.BytesIO(chat_png(LURE)), "chat.jpg"), "csrf_token": csrf_of(c)})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    block = re.search(r'<details class="ocr-text">(.*?)</details>', html, re.S)
    assert block is not None, html
    marked = re.findall(r"<mark>(.*?)</mark>", block.group(1))
    # The link is shown; it is marked when the link itself warns (the URL verdict decides that).
    assert "http://jz-fanli.top/reg?id=7" in block.group(1)
    from scanner.pipeline import Scanner

    link = Scanner(web.state(real_app).settings).check("http://jz-fanli.top/reg?id=7", offline=True)
    assert ("http://jz-fanli.top/reg?id=7" in marked) is link.warn
    assert any("兼职" in m or "日结" in m or "佣金" in m for m in marked), marked
    assert "13812345678" not in html and "138****5678" in block.group(1)
    assert "上传截图或二维码照片" in c.get("/", base_url=BASE).get_data(as_text=True)
