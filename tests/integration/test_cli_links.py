"""`lurelens check` on links written against Chinese text and on mini-program entries (issues 13, 22)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from scanner.cli import ExitStatus, main


def check(text: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["check", "--offline", "--json", text], out=out, stdin=io.BytesIO(b""))
    return code, json.loads(out.getvalue())


def test_link_glued_to_chinese_is_found() -> None:
    _code, report = check("点击t.cn/A6xYz领取")
    links = report["links"]
    assert isinstance(links, list)
    assert [(lr["original"], lr["url"]) for lr in links] == [("t.cn/A6xYz", "http://t.cn/A6xYz")]


@pytest.mark.parametrize("text", ["Oh.lol.", "birthdayyyyy.lol.", "3.5元", "v2.0.1", "report.pdf", "i.e."])
def test_chat_is_not_a_link(text: str) -> None:
    code, report = check(text)
    assert report["links"] == []
    assert code == ExitStatus.OK


def test_email_is_a_contact_not_a_link() -> None:
    _code, report = check("退款请发邮件到refund@kf-help.example.cn")
    assert report["links"] == []
    (payload,) = report["payloads"]
    assert isinstance(payload, dict)
    assert payload["fields"]["contacts"] == "refund@kf-help.example.cn"


def test_mini_program_alone_is_explained_not_warned() -> None:
    code, report = check("#小程序://腾讯文档/Xy9")
    assert code == ExitStatus.OK
    assert report["level"] not in ("caution", "danger")
    assert report["payloads"][0]["kind"] == "mini_program"
    (reason,) = [r for r in report["reasons"] if r["code"] == "link.mini_program"]
    assert "腾讯文档" in reason["message"]["zh"] and "更多资料" in reason["message"]["zh"]


def test_mini_program_with_lure_text_warns_and_names_it() -> None:
    code, report = check("#小程序://幸运抽奖/Abc123 恭喜您被抽中，免费领取礼品，仅需支付运费")
    assert code == ExitStatus.WARN
    assert report["warn"] is True
    codes = [r["code"] for r in report["reasons"]]
    assert "link.mini_program" in codes and "text.free_gift" in codes
    assert any(r["evidence"] == "幸运抽奖" for r in report["reasons"])
