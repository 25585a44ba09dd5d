"""Lure text: normalisation, categories, negation/advice context, brand-link mismatch."""

from __future__ import annotations

import pytest

from scanner.heuristics.text import categories, lure_points, normalize, text_reasons
from scanner.reasons import spec
from scanner.verdict import decide


def codes(text: str) -> set[str]:
    return {r.code for r in text_reasons(text)}


def warns(text: str) -> bool:
    return decide(text_reasons(text))[0].warns


def test_normalize_folds_spellings() -> None:
    assert normalize("免費領禮品") == "免费领礼品"
    assert normalize("注-册 Ａ Ｐ Ｐ") == "注册 a p p"
    assert normalize("身 份 证") == "身份证"
    assert normalize("兼.职\u200b日结") == "兼职日结"
    assert normalize("身分證") == "身份证"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("兼职日结，注册APP即可领佣金，每单返佣80元", "text.part_time_commission"),
        ("兼.职 注-册APP 領傭金 日結", "text.part_time_commission"),
        ("刷单兼职，一单一结，垫付本金即返", "text.order_brushing"),
        ("恭喜您获得免费领礼品资格，0元包邮，仅需支付运费", "text.free_gift"),
        ("您的积分将于本月底清零，可兑换现金礼包", "text.points_expiry"),
        ("无视征信黑白户，秒下款，先交解冻金", "text.loan_help"),
        ("您的快递丢失，我们将双倍赔付，请下载会议APP共享屏幕办理退款", "text.refund_compensation"),
        ("You have won a cash prize! Call 09061743386 to claim now.", "text.prize_with_fee"),
        ("安装时提示风险应用请选择继续安装，并在设置中信任企业证书", "text.app_install_coaching"),
        ("我是公安局民警，你涉嫌洗钱，请把资金转入安全账户配合调查", "text.impersonation"),
        ("详情加VX：jz8868 了解", "text.contact_handle"),
        ("名额有限，今晚24点截止，逾期将作废", "text.urgency"),
        ("请提供身份证号和收到的验证码给客服", "text.asks_for_pii"),
        (
            "Work from home! Earn $300/day. Daily payout, commission paid instantly.",
            "text.part_time_commission",
        ),
        ("Your reward points expire tonight. Redeem now for cash", "text.points_expiry"),
    ],
)
def test_categories(text: str, code: str) -> None:
    assert code in codes(text)
    assert spec(code).category


@pytest.mark.parametrize(
    "text",
    [
        "【国家反诈中心】提醒您：刷单就是诈骗！兼职刷单、高佣金注册APP都是骗局，请勿向他人提供身份证、验证码。",
        "【中国移动】您的验证码为382910，5分钟内有效。请勿向任何人泄露，工作人员不会向您索取验证码。",
        "Your verification code is 4821. Don't share it with anyone.",
        "【京东】您购买的商品已发货，可登录京东APP查看物流。",
        "晚上一起吃饭吗？我七点下班",
        "【淘宝】双11预售今晚8点开启，详情请打开手机淘宝查看。回TD退订",
        "Flash sale this weekend in our store: 30% off winter jackets. Reply STOP to opt out.",
        "Sorry, I'll call later",
        "",
    ],
)
def test_benign_and_advice_stay_quiet(text: str) -> None:
    assert not warns(text), text_reasons(text)


@pytest.mark.parametrize(
    "text",
    [
        "【兼职】在家用手机就能做，注册APP即可领佣金50元/单，日结，需实名认证（身份证+人脸），加VX：jz8868",
        "高佣金！帮忙注册一个电商店铺，只需提供身份证照片和手机验证码，每单佣金300元",
        "【助贷】无视征信黑白户，身份证+手机号即可申请，最快10分钟下款",
        "您好，我是京东金融客服，您的金条利率过高，需要下载会议APP共享屏幕，按照指导操作",
        "Congratulations! You have been selected for a FREE gift. Just pay $1.95 shipping.",
        "URGENT! Your account has been suspended. Verify your identity with your card details today.",
    ],
)
def test_lures_warn(text: str) -> None:
    assert warns(text), text_reasons(text)


def test_negation_cancels_the_phrase() -> None:
    assert "text.asks_for_pii" not in codes("请勿向任何人提供身份证号和验证码")
    assert "text.asks_for_pii" in codes("请向客服提供身份证号和收到的验证码")


def test_brand_tag_with_foreign_link() -> None:
    rs = text_reasons("【工商银行】您的电子密码器将于明日失效，请登录 www.icbc-mmq.com 进行升级")
    mm = [r for r in rs if r.code == "text.brand_link_mismatch"]
    assert mm and mm[0].evidence == "www.icbc-mmq.com"
    assert "工商银行" in mm[0].message.zh
    ok = text_reasons("【中国移动】积分兑换请登录 https://jf.10086.cn 查看")
    assert not any(r.code == "text.brand_link_mismatch" for r in ok)


def test_evidence_and_ui_categories() -> None:
    rs = text_reasons("兼职日结，注册APP领佣金，名额有限")
    pt = next(r for r in rs if r.code == "text.part_time_commission")
    assert "佣金" in pt.evidence or "兼职" in pt.evidence
    assert "part_time" in categories(rs)


def test_lure_points_without_threshold() -> None:
    assert lure_points("免费领鸡蛋")["free_gift"] >= 2


def test_huge_and_odd_input_is_bounded() -> None:
    rs = text_reasons("兼职" * 200_000 + "\x00\udcff")
    assert isinstance(rs, list)
