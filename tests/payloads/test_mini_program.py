"""WeChat mini-program entries recognised and explained (issue 22 §3), with the project's own paraphrases."""

from __future__ import annotations

import pytest

from scanner import Scanner
from scanner.models import Level, PayloadKind
from scanner.payloads import classify, payload_reasons
from scanner.payloads.miniprogram import find_entries, mini_program_url
from scanner.settings import Settings


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(Settings(offline=True))


@pytest.mark.parametrize(
    ("text", "form", "name"),
    [
        ("#小程序://腾讯文档/Xy9", "short_link", "腾讯文档"),
        ("＃小程序：／／美团外卖／aB3dE", "short_link", "美团外卖"),  # full-width forms
        ("复制这段#小程序://快递查询/k9Q打开微信", "short_link", "快递查询"),
        ("#小程序://Lucky Draw", "short_link", "Lucky"),  # a name stops at a space
        ("weixin://dl/business/?t=Z8kLmN2", "url_scheme", ""),
        ("weixin://dl/business/?appid=wx0123456789abcdef&path=pages/index", "url_scheme", ""),
        ("https://wxaurl.cn/kP3sXyZ", "url_link", ""),
        ("https://mp.weixin.qq.com/a/~Qw3-xYz", "url_link", ""),
    ],
)
def test_entries_are_a_mini_program_payload(text: str, form: str, name: str) -> None:
    p = classify(text)
    assert p.kind is PayloadKind.MINI_PROGRAM
    assert p.fields["form"] == form
    assert p.fields.get("name", "") == name
    assert p.explanation is not None and "mini program" in p.explanation.en and "小程序" in p.explanation.zh


@pytest.mark.parametrize(
    "text",
    [
        "https://mp.weixin.qq.com/s/article123",  # an official-account article, not a mini program
        "weixin://dl/scan",  # opens WeChat's scanner
        "小程序开发教程：https://developers.example.com/mp",
        "https://wxaurl.cn.evil.example/x",  # wxaurl.cn is not the registrable domain here
        "打开小程序搜索“腾讯文档”",
    ],
)
def test_lookalikes_are_not_mini_program_entries(text: str) -> None:
    assert classify(text).kind is not PayloadKind.MINI_PROGRAM


def test_url_forms() -> None:
    e = mini_program_url("weixin://dl/business/?t=Tk1")
    assert e is not None and e.code == "Tk1"
    assert mini_program_url("HTTPS://WXAURL.CN/Ab") is not None
    assert mini_program_url("https://mp.weixin.qq.com/ab/") is None
    assert mini_program_url("http://[bad") is None


def test_reason_names_it_and_says_how_to_check() -> None:
    (r,) = payload_reasons(classify("#小程序://理财助手/Pq7"))
    assert r.code == "link.mini_program"
    assert r.evidence == "理财助手"
    assert "理财助手" in r.message.en and "理财助手" in r.message.zh
    assert "更多资料" in r.message.en and "更多资料" in r.message.zh
    assert "cannot see inside" in r.message.en and "无法查看" in r.message.zh
    assert "ID number or bank card" in r.message.en and "身份证号或银行卡" in r.message.zh


def test_unnamed_entry_is_explained_without_a_name() -> None:
    (r,) = payload_reasons(classify("weixin://dl/business/?t=Zz9"))
    assert r.message.en.startswith("This opens a mini program inside WeChat.")
    assert r.message.zh.startswith("这会在微信内打开一个小程序")


def test_several_entries_each_get_a_reason() -> None:
    text = "#小程序://健康码/a1 和 #小程序://积分商城/b2"
    assert [e.name for e in find_entries(text)] == ["健康码", "积分商城"]
    assert [r.evidence for r in payload_reasons(classify(text))] == ["健康码", "积分商城"]


@pytest.mark.parametrize(
    "text",
    [
        "#小程序://腾讯文档/Xy9",
        "#小程序://公司报销/R2d2",
        "weixin://dl/business/?t=Ok11",
        "https://wxaurl.cn/Ok12",
    ],
)
def test_alone_it_explains_without_warning(scanner: Scanner, text: str) -> None:
    rep = scanner.check(text)
    assert rep.level in (Level.SAFE, Level.UNKNOWN), rep.level
    assert not rep.level.warns
    assert any(r.code == "link.mini_program" for r in rep.reasons)


@pytest.mark.parametrize(
    "text",
    [
        # Phrases the current text rules catch, in the project's own words.
        "#小程序://幸运抽奖/Abc123 恭喜您被抽中，免费领取礼品，仅需支付运费",
        "兼职刷单，日结佣金，先垫付后返现，进#小程序://任务大厅/T0p1接单",
        "您的积分即将清零，可兑换现金，请进入#小程序://积分兑换/J8f",
    ],
)
def test_with_lure_text_it_warns_and_names_it(scanner: Scanner, text: str) -> None:
    rep = scanner.check(text)
    assert rep.level.warns, rep.level
    (mini,) = [r for r in rep.reasons if r.code == "link.mini_program"]
    assert mini.evidence in text
    assert any(r.code.startswith("text.") for r in rep.reasons)


def test_its_reason_adds_to_the_text_reasons(scanner: Scanner) -> None:
    # A gift offer just under the caution line alone; the unknown mini program tips it over.
    words = "免费领取礼品，进群"
    alone = scanner.check(words)
    with_mini = scanner.check("#小程序://礼品中心/Ab12 " + words)
    assert not alone.level.warns
    assert with_mini.score > alone.score
    assert with_mini.level.warns


def test_links_in_the_text_are_still_checked(scanner: Scanner) -> None:
    rep = scanner.check("先打开#小程序://查快递/Q1，或者访问 kd-help.example.cn/q 兑换")
    assert [lr.url for lr in rep.links] == ["http://kd-help.example.cn/q"]
    assert rep.payloads[0].kind is PayloadKind.MINI_PROGRAM
    assert rep.payloads[0].fields["carrier"] == "text_with_url"


@pytest.mark.parametrize(
    "text",
    [
        "#小程序://幸运抽奖/Abc123 免费领礼品",
        "恭喜中奖！打开 #小程序://周年庆大转盘/Qw12 填手机号领取",
        "积分今日清零，进 #小程序://积分商城/Z9z9 兑换现金",
    ],
)
def test_a_mini_program_in_lure_words_warns_and_is_named(text: str) -> None:
    import scanner
    from scanner.settings import Settings

    report = scanner.check(text, settings=Settings.load(environ={}, offline=True, use_lists=False))
    assert report.warn, [(r.code, r.weight) for r in report.reasons]
    mini = [r for r in report.reasons if r.code == "link.mini_program"]
    assert mini and mini[0].weight >= 35 and mini[0].evidence in text


@pytest.mark.parametrize("text", ["#小程序://腾讯文档/Xy9", "会议纪要在 #小程序://腾讯文档/Ab1 里，大家看"])
def test_a_mini_program_in_calm_words_is_explained_not_warned(text: str) -> None:
    import scanner
    from scanner.settings import Settings

    report = scanner.check(text, settings=Settings.load(environ={}, offline=True, use_lists=False))
    assert not report.warn
    assert [r.weight for r in report.reasons if r.code == "link.mini_program"] == [10]
