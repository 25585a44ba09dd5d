"""Issue 13 items 3–4 and issue 19 items 3 and 10: fraud families, whole-token evidence, no alarms
from ordinary life, and the personal data a lure asks for, named. Every sentence here is our own
paraphrase of a class of messages, not a copy of any evaluation item."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from scanner.heuristics.text import asked_pii, normalize, text_reasons, token_bounds, vocabulary
from scanner.heuristics.textpii import asked_fields
from scanner.models import Level
from scanner.pipeline import Scanner
from scanner.settings import Settings
from scanner.verdict import decide


def level(text: str) -> Level:
    return decide(text_reasons(text))[0]


def codes(text: str) -> set[str]:
    return {r.code for r in text_reasons(text)}


# --- the missing families (issue 13 item 3) --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("爸，我换号了，这是我新号。急用钱，你先转3000到这个卡上，明天还你", "text.acquaintance_transfer"),
        ("我是你们王总，在开会不方便接电话，帮我先转两万给这个账号，回头报销", "text.acquaintance_transfer"),
        (
            "Hi mum, I lost my phone, this is my new number. Can you send me some money urgently?",
            "text.acquaintance_transfer",
        ),
        ("新用户注册送58元彩金，首充再送100%，百家乐真人娱乐24小时提款秒到", "text.gambling"),
        ("体育投注平台上线，首存即送，日返水1.2%", "text.gambling"),
        ("金牌导师带单，内幕消息抓涨停，加入股票交流群，稳赚不赔", "text.investment_group"),
        (
            "Join our crypto group, guaranteed returns of 30% a week with trading signals",
            "text.investment_group",
        ),
        ("【中国移动】尊敬的客户，您的话费积分即将清零，请登录网址兑换现金", "text.points_expiry"),
        ("您的工行电子密码器将于明日过期，请登录 icbc-upd.cc 升级，逾期影响使用", "text.impersonation"),
        (
            "您已被《中国好声音》节目组选为场外幸运观众，将获得二等奖奖金，请登录网址领奖",
            "text.prize_with_fee",
        ),
        ("只需身份证就能贷，当天放款，无需担保，额度最高20万", "text.loan_help"),
        ("您好我是淘宝客服，您购买的商品有质量问题，现为您办理退款，请点击链接", "text.refund_compensation"),
    ],
)
def test_new_families_warn(text: str, code: str) -> None:
    assert code in codes(text)
    assert level(text).warns


@pytest.mark.parametrize(
    "text",
    [
        "兼职日结，帮忙注册APP即可领佣金，每单返佣30元",
        "恭喜您获得免费领礼品资格，0元包邮，仅需支付运费",
        "您的移动积分将于月底清零，可兑换现金红包",
        "无视征信，秒下款，先交工本费即可放款",
        "帮忙注册个网店，提供身份证实名认证，给你佣金",
    ],
)
def test_seed_families_still_warn(text: str) -> None:
    assert level(text).warns


# --- whole tokens (issue 19 item 3) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "本店满300元减50元，5000元以上送保养一次",
        "I am so happy with the apple pie you baked",
        "明早8:30在三楼会议室开例会，请带上笔记本",
    ],
)
def test_no_evidence_inside_longer_tokens(text: str) -> None:
    for r in text_reasons(text):
        for part in r.evidence.split("、"):
            assert "…" in part or part in normalize(text)
    assert not any(r.evidence in ("0元", "app", "pin") for r in text_reasons(text))


def test_token_bounds_digits_and_letters() -> None:
    import re

    zero = re.compile(token_bounds("0元", "0元"))
    assert zero.search("扫码0元领") and not zero.search("花了300元")
    app = re.compile(token_bounds("app", "app"))
    assert app.search("下载app") and not app.search("so happy")
    qq = re.compile(token_bounds("qq", "qq"))
    assert qq.search("加qq123456")


def test_every_vocabulary_entry_is_a_whole_token_pattern() -> None:
    raw = tomllib.loads(resources.files("scanner").joinpath("data", "lure_vocab.toml").read_text("utf-8"))
    compiled = {c.name: c for c in vocabulary()}
    checked = 0
    for name, body in raw.items():
        for lang in ("zh", "en"):
            for term in body.get(lang, {}):
                cat = compiled[name]
                rx = cat.terms[cat.phrases.index(term)][1]
                plain = term.replace("…", " ")
                first, last = term[:1], term[-1:]
                # The term glued to a character of its own kind, before or after, must not match.
                if first.isascii() and first.isalnum():
                    assert not rx.search(("9" if first.isdigit() else "z") + plain), (name, term)
                    checked += 1
                if last.isascii() and last.isalnum():
                    assert not rx.search(plain + ("9" if last.isdigit() else "z")), (name, term)
                    checked += 1
    assert checked > 100


# --- ordinary life stays quiet (issue 13 item 4) -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "昨日，市公安局破获一起电信诈骗案件，犯罪嫌疑人涉嫌洗钱已被依法逮捕，案件正在进一步审理中",
        "法院审理认为，被告人以非法占有为目的骗取他人财物，其行为已构成诈骗罪",
        "《中华人民共和国反电信网络诈骗法》自2022年12月1日起施行",
        "各位家长：本周五下午三点召开家长会，请准时到校，带好孩子的作业本",
        "通知：请各部门于周三前把本月考勤表交到人事处，谢谢配合",
        "班级群：春游报名请在群里接龙，写上孩子姓名，费用现场交给班主任",
        "妈，我周末回家吃饭，帮我留点饺子",
        "您的验证码是482913，请勿泄露给他人，工作人员不会向您索取",
        "Hey, are we still meeting for lunch tomorrow at noon?",
        "The police closed the road after the accident, so I'll be late",
    ],
)
def test_ordinary_life_does_not_warn(text: str) -> None:
    assert not level(text).warns, [(r.code, r.evidence) for r in text_reasons(text)]


def test_notice_asking_for_data_through_a_link_warns() -> None:
    text = "各位家长：学校补贴名额有限，请点击 http://xx-edu.top 填写身份证号和银行卡号领取补贴"
    assert level(text).warns


@pytest.mark.parametrize(
    "text",
    ["好的", "ok", "领红包", "中奖了", "验证码", "刷单", "黑白户", "送彩金", "垫付本金", "you have won"],
)
def test_a_few_characters_never_warn(text: str) -> None:
    assert not level(text).warns


# --- personal data a lure asks for, named (issue 19 item 10) ----------------------------------------


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("免费领礼品，填写手机号和验证码即可", {"phone", "sms_code"}),
        ("帮忙注册个店铺，用你身份证实名一下，给你200红包", {"id_card"}),
        ("帮我开个网店，借你身份证认证一下，事后给你100块好处费", {"id_card"}),
        ("送你一箱土鸡蛋，只要把手机号和收到的验证码发我就行", {"phone", "sms_code"}),
        ("兼职日结：用您的身份证和银行卡开个户，每单给您50元酬劳", {"id_card", "bank_card"}),
        (
            "Free gift for you! Just reply with your phone number and the verification code",
            {"phone", "sms_code"},
        ),
        ("Help me register a store with your ID card, I'll pay you $50", {"id_card"}),
    ],
)
def test_offer_paid_with_sensitive_data_is_danger(text: str, fields: set[str]) -> None:
    reasons = text_reasons(text)
    assert decide(reasons, pii=sorted(fields))[0] is Level.DANGER
    assert "text.lure_asks_pii" in {r.code for r in reasons}
    assert fields <= set(asked_pii(text, reasons))


def test_requests_in_warnings_are_not_asks() -> None:
    assert asked_fields(normalize("请勿向任何人提供验证码和身份证号")) == []
    assert asked_fields(normalize("您的验证码为1234，如非本人操作请忽略")) == []
    assert asked_pii("明天开会，记得带上身份证复印件") == []


@pytest.mark.parametrize(
    "text",
    ["免费领礼品，填写手机号和验证码即可", "帮朋友注册个店铺，拿你的身份证实名一下，给你两百块红包"],
)
def test_report_names_the_data_the_text_asks_for(text: str) -> None:
    report = Scanner(Settings(offline=True)).check(text)
    assert report.level is Level.DANGER
    assert {"sms_code", "id_card"} & set(report.pii)
    assert report.to_dict()["pii"]
