"""One verdict from many reasons: a calibrated 0–100 score, a level, a summary and concrete advice.

Pure functions over already-computed :class:`~scanner.models.Reason` objects (lists, URL, text,
redirect chain, page). How the score is built:

* every reason carries a ``weight`` (0–100, from its catalogue entry or set by the emitter);
  positive weights are combined as independent evidence (noisy-OR: ``1 - Π(1 - w/100)``), so two
  weak signals together count for more than either, but never exceed 100;
* negative weights (e.g. "the brand on the page owns this domain") subtract afterwards;
* reasons whose severity is ``info`` never warn on their own: they only count when some
  non-info reason is present;
* PII a page asks for adds a little when something else already looks wrong.

Levels: ``danger`` from :data:`DANGER_AT`, ``caution`` from :data:`CAUTION_AT`, else ``safe``; a
reason of ``high`` severity with weight ≥ :data:`CAUTION_AT` is at least ``caution``. When nothing
could be checked (``checked=False``) and no reason warns, the level is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .models import PII_KINDS, Level, LinkReport, Message, Reason, Severity
from .pii import pii_object, pii_words

CAUTION_AT = 40
"""Score from which the user is warned (level ``caution``)."""
DANGER_AT = 70
"""Score from which the user is stopped (level ``danger``)."""

_SENSITIVE_PII = ("id_card", "bank_card", "face", "sms_code", "password")

# --- landing-page scoring (read by scanner.heuristics.page; see docs/heuristics.md) ---------------
PAGE_FIELD_WEIGHTS = {
    "id_card": 3,
    "bank_card": 3,
    "face": 3,
    "sms_code": 2,
    "password": 1,
    "phone": 1,
    "address": 1,
    "real_name": 1,
}
"""How much each kind of asked-for data adds to a page's form weight (a payment password adds 2 more)."""
PAGE_KYC_FORM = 8
"""Form weight from which an unofficial page collecting ≥ 2 sensitive kinds is an identity bundle."""
PAGE_LURE_WEIGHT = 30
"""Weight of the page's own lure wording from which a form for personal data is a harvest."""
PAGE_KYC_QUIET = 30
"""The identity bundle's weight on an https page with an ICP filing and no lure wording."""
PAGE_OVER_CAUTION = 45
"""``page.asks_more_than_needed``: the purpose does not need some of the data (caution)."""
PAGE_OVER_DANGER = 75
"""``page.asks_more_than_needed`` with a bank card/payment password/face surplus, a lure or a look-alike."""
PAGE_SEVERE_SURPLUS = ("bank_card", "face")
"""Surplus kinds that make over-collection a danger on their own (and a payment password)."""


def order(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    """Reasons by weight (then severity), heaviest first; duplicates by ``(code, evidence)`` dropped."""
    if not isinstance(reasons, list | tuple):
        reasons = list(reasons)
    if len(reasons) <= 1:  # most links: nothing to sort or drop
        return tuple(reasons)
    seen: set[tuple[str, str]] = set()
    out: list[Reason] = []
    for r in sorted(reasons, key=lambda r: (-r.weight, -r.severity.rank, r.code, r.evidence)):
        key = (r.code, r.evidence)
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    return tuple(out)


def score(reasons: Sequence[Reason], *, pii: Sequence[str] = ()) -> int:
    """The calibrated 0–100 score of a set of reasons (see the module docstring)."""
    uniq = order(reasons)
    if not any(r.severity is not Severity.INFO and r.weight > 0 for r in uniq):
        return 0
    keep = 1.0
    minus = 0
    for r in uniq:
        if r.weight > 0:
            keep *= 1.0 - min(r.weight, 99) / 100.0
        elif r.weight < 0:
            minus += -r.weight
    raw = 100.0 * (1.0 - keep)
    sensitive = sum(1 for k in set(pii) if k in _SENSITIVE_PII)
    if sensitive and raw >= 20:
        raw += 4 * sensitive
    return max(0, min(100, round(raw - minus)))


def decide(reasons: Sequence[Reason], *, pii: Sequence[str] = (), checked: bool = True) -> tuple[Level, int]:
    """``(level, score)`` for everything found about one input or link."""
    s = score(reasons, pii=pii)
    strong = any(r.severity is Severity.HIGH and r.weight >= CAUTION_AT for r in reasons)
    if s >= DANGER_AT:
        level = Level.DANGER
    elif s >= CAUTION_AT or strong:
        level = Level.CAUTION
    else:
        level = Level.SAFE
    if level is Level.SAFE and not checked:
        level = Level.UNKNOWN
    return level, s


def combine(
    own: Sequence[Reason],
    links: Sequence[LinkReport],
    *,
    pii: Sequence[str] = (),
    checked: bool = True,
) -> tuple[Level, int, tuple[Reason, ...], tuple[str, ...]]:
    """One input's ``(level, score, reasons, pii)`` from its own reasons and its links' reports.

    ``own`` are the reasons about the input itself (its words, its payload, an inline page),
    ``pii`` the personal data it asks for. The level is the worst of the input's own verdict and of
    each link's; when there is more than one source of evidence, the reasons are also judged
    together, since evidence adds up: a lure message pointing at a free-hosting page is worse than
    either alone. ``checked`` says something could be checked at all (else ``unknown`` stays).
    """
    checked = checked or bool(links)
    own_reasons = order(own)
    level, total = decide(own_reasons, pii=pii, checked=checked)
    all_reasons = list(own_reasons)
    all_pii = list(dict.fromkeys(pii))
    for lr in links:
        if lr.level.rank > level.rank:
            level = lr.level
        total = max(total, lr.score)
        all_reasons.extend(lr.reasons)
        all_pii.extend(p for p in lr.pii if p not in all_pii)
    if own_reasons or len(links) > 1:
        reasons = order(all_reasons)
        joint_level, joint_score = decide(reasons, pii=all_pii, checked=checked)
        if joint_level.rank > level.rank:
            level = joint_level
        total = max(total, joint_score)
    else:  # one link and nothing else: its verdict is the whole verdict
        reasons = links[0].reasons if links else ()
    if level is Level.UNKNOWN and checked:
        level = Level.SAFE
    return level, total, reasons, tuple(all_pii)


# --- words for people -------------------------------------------------------------------------------

_SUMMARY = {
    Level.DANGER: Message(
        en="Dangerous: this looks like a scam or phishing lure. Do not open it or enter anything.",
        zh="危险：这很像诈骗或钓鱼陷阱。不要打开，也不要填写任何信息。",
    ),
    Level.CAUTION: Message(
        en="Be careful: some signs of a lure were found.",
        zh="请当心：发现了一些诱骗迹象。",
    ),
    Level.SAFE: Message(
        en="No warning signs found. Still never give ID numbers or SMS codes to strangers.",
        zh="未发现风险迹象。但仍请勿向陌生人提供身份证号或短信验证码。",
    ),
    Level.UNKNOWN: Message(
        en="This could not be checked; treat it with care.",
        zh="无法检查此内容，请谨慎对待。",
    ),
}


def summary(level: Level, reasons: Sequence[Reason]) -> Message:
    """One headline sentence: the level in words, plus the heaviest reason when there is one."""
    base = _SUMMARY[level]
    top = [r for r in order(reasons) if r.severity is not Severity.INFO]
    if not top or level in (Level.SAFE, Level.UNKNOWN):
        return base
    first = top[0].message
    return Message(en=f"{base.en} Main reason: {first.en}", zh=f"{base.zh}主要原因：{first.zh}")


_A = Message  # brevity in the table below

# (code prefix or exact code, advice): for each reason, heaviest first, the first matching rule.
_ADVICE_BY_CODE: tuple[tuple[str, Message], ...] = (
    (
        "text.part_time_commission",
        _A(
            "Never give an ID number, SMS code or face scan to a part-time job or 'register an app' offer: "
            "your identity will be used to open accounts or shops in your name.",
            "不要向兼职、“注册APP领佣金”类活动提供身份证号、短信验证码或刷脸：你的身份会被用来以你的名义开户、开店。",
        ),
    ),
    (
        "text.order_brushing",
        _A(
            "Order brushing (刷单) is always a scam: never prepay or 'top up' to receive a commission.",
            "刷单就是诈骗：不要为了拿佣金先垫付或充值。",
        ),
    ),
    (
        "text.free_gift",
        _A(
            "A real free gift never needs your ID number, bank card or SMS code, nor a 'small shipping fee'.",
            "真正的免费礼品不需要身份证号、银行卡或短信验证码，也不需要先付“运费”。",
        ),
    ),
    (
        "text.points_expiry",
        _A(
            "Carrier and bank points are redeemed only in the official app or website, never through a "
            "link in a message; points cannot be exchanged for cash.",
            "运营商和银行积分只能在官方APP或官网兑换，不会通过短信链接兑换，也不能兑换现金。",
        ),
    ),
    (
        "text.loan_help",
        _A(
            "Real lenders never ask for an 'unfreezing', membership or guarantee fee "
            "before a loan is paid out.",
            "正规贷款不会在放款前收取解冻金、会员费或保证金。",
        ),
    ),
    (
        "text.refund_compensation",
        _A(
            "Customer service never asks you to share your screen, join a meeting app or move money to "
            "'verify' a refund: hang up and call the number on the official website.",
            "客服不会要求你共享屏幕、下载会议APP或转账来“核实”退款：请挂断后拨打官网公布的电话。",
        ),
    ),
    (
        "text.prize_with_fee",
        _A("If you must pay a fee to receive a prize, it is a scam.", "领奖要先交费，就是诈骗。"),
    ),
    (
        "text.app_install_coaching",
        _A(
            "Do not install apps from links or QR codes sent by strangers; ignore 'continue installing' "
            "and 'trust this certificate' instructions.",
            "不要安装陌生人发来的链接或二维码里的APP，不要理会“继续安装”“信任企业证书”等提示。",
        ),
    ),
    (
        "text.impersonation",
        _A(
            "Police, banks, carriers and platforms never ask you to move money to a 'safe account' or give "
            "codes by phone or message: call the official number yourself (anti-fraud hotline 96110).",
            "公检法、银行、运营商和平台不会要求你转账到“安全账户”或通过电话、短信提供验证码：请自行拨打官方电话核实（反诈专线96110）。",
        ),
    ),
    (
        "text.lure_asks_pii",
        _A(
            "No gift, red packet or commission is worth your SMS code or ID card: whoever asks will use them "
            "to open accounts, shops or loans in your name.",
            "任何礼品、红包或佣金都不值得交出验证码或身份证：对方会用它们以你的名义开户、开店或贷款。",
        ),
    ),
    (
        "text.acquaintance_transfer",
        _A(
            "Before sending money to a 'friend', 'relative' or 'boss' on a new number, call them on the "
            "number you already know.",
            "给“熟人”“亲戚”“领导”的新号码转账前，先用你原来存的号码打电话核实。",
        ),
    ),
    (
        "text.contact_handle",
        _A(
            "Be wary of offers that move the conversation to WeChat, QQ or Telegram handles.",
            "警惕把你引到微信、QQ、Telegram私聊的“机会”。",
        ),
    ),
    (
        "text.asks_for_pii",
        _A(
            "Never send your ID number, bank card number, passwords or SMS codes in a message.",
            "不要在消息里发送身份证号、银行卡号、密码或短信验证码。",
        ),
    ),
    (
        "page.payment_password",
        _A(
            "No legitimate page asks you to type a payment, ATM or service password into a web form.",
            "正规网页不会让你在网页表单里输入支付密码、取款密码或服务密码。",
        ),
    ),
    (
        "page.brand_mismatch",
        _A(
            "This page names a brand but is not on that brand's website: "
            "open the brand's official app instead.",
            "此页面自称某品牌，却不在该品牌的官方网站上：请改用官方APP。",
        ),
    ),
    ("page.apk_download", _A("Install apps only from the official app store.", "只从官方应用商店安装APP。")),
    (
        "url.brand_in_domain",
        _A(
            "The address only imitates a brand's name: type the brand's official address yourself.",
            "该网址只是模仿品牌名称：请自己输入品牌官方网址。",
        ),
    ),
    (
        "blocklist.",
        _A(
            "This address is on a list of known scam or phishing sites: do not open it.",
            "该网址在已知诈骗或钓鱼网站名单上：不要打开。",
        ),
    ),
)

_PII_ADVICE = _A(
    "Do not enter or send {fields}.",
    "不要填写或发送{fields_zh}。",
)
_GENERAL = _A(
    "If you already entered data: call your bank to freeze cards, change passwords, and report to the "
    "anti-fraud hotline 96110.",
    "如已填写信息：请立即联系银行冻结银行卡、修改密码，并拨打反诈专线96110报告。",
)


def advice(reasons: Sequence[Reason], pii: Sequence[str], level: Level) -> tuple[Message, ...]:
    """Concrete advice for this situation (empty when nothing warns)."""
    if not level.warns:
        return ()
    codes = [r.code for r in order(reasons) if r.severity is not Severity.INFO]
    out: list[Message] = []
    # Heaviest reasons first: the advice follows what matters most in this situation.
    for c in codes:
        for prefix, msg in _ADVICE_BY_CODE:
            if (c == prefix or (prefix.endswith(".") and c.startswith(prefix))) and msg not in out:
                out.append(msg)
                break
        if len(out) >= 3:
            break
    asked = [k for k in PII_KINDS if k in set(pii)]
    if asked:
        en = ", ".join(pii_object(k) for k in asked)  # one PII table: scanner/data/pii.toml
        zh = pii_words(asked)[1]
        out.append(Message(en=_PII_ADVICE.en.format(fields=en), zh=_PII_ADVICE.zh.format(fields_zh=zh)))
    if level is Level.DANGER or any(k in _SENSITIVE_PII for k in pii):
        out.append(_GENERAL)
    if not out:
        out.append(
            _A(
                "Do not open it or enter personal data unless you can confirm who sent it.",
                "除非能确认来源，否则不要打开，也不要填写个人信息。",
            )
        )
    return tuple(out)
