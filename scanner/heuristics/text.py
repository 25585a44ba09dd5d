"""Lure text: what a pasted message, a QR text payload or a page's text says to make people comply.

Pure. :func:`normalize` folds the many spellings of one word into one (full-width, Traditional,
``注-册``, ``V❤``); :func:`text_reasons` then scores each lure category of
``scanner/data/lure_vocab.toml`` by the distinct phrases found (phrase-tolerant: ``影响…征信``
matches 影响个人征信), skipping phrases said in warning form (谨防, 请勿, never share…). Each
category that reaches its threshold is one reason, with the matched phrases as evidence.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..models import Reason, Severity
from ..reasons import define, make

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

MAX_TEXT = 60_000
"""Characters of text looked at (page text is cut to this)."""

_CATEGORIES: dict[str, tuple[Severity, str, str, str]] = {
    # code suffix: severity, en, zh, UI category
    "part_time_commission": (
        H,
        "Part-time 'register an app for commission' offer ({evidence}).",
        "兼职“注册领佣金”类诱导（{evidence}）。",
        "part_time",
    ),
    "order_brushing": (
        H,
        "Order-brushing task scam ({evidence}).",
        "刷单任务诈骗话术（{evidence}）。",
        "order_brushing",
    ),
    "free_gift": (M, "Free gift bait ({evidence}).", "“免费领礼品”诱饵（{evidence}）。", "free_gift"),
    "points_expiry": (
        M,
        "Points about to expire / exchange for cash ({evidence}).",
        "积分即将清零、兑换现金话术（{evidence}）。",
        "points_exchange",
    ),
    "flash_sale": (L, "Flash-sale pressure ({evidence}).", "低价秒杀类催促（{evidence}）。", "flash_sale"),
    "loan_help": (
        H,
        "Loan 'assistance' script ({evidence}).",
        "助贷、贷款类话术（{evidence}）。",
        "loan_help",
    ),
    "refund_compensation": (
        M,
        "Refund, compensation or account-cancellation script ({evidence}).",
        "退款理赔、注销账户类话术（{evidence}）。",
        "refund",
    ),
    "prize_with_fee": (
        H,
        "Prize or winnings notice ({evidence}).",
        "中奖、领奖类话术（{evidence}）。",
        "prize",
    ),
    "app_install_coaching": (
        M,
        "Coaching to install an app ({evidence}).",
        "诱导下载安装APP（{evidence}）。",
        "app_install",
    ),
    "impersonation": (
        H,
        "Pretends to be police, a bank, a carrier or a platform ({evidence}).",
        "冒充公检法、银行、运营商或平台（{evidence}）。",
        "impersonation",
    ),
    "contact_handle": (
        L,
        "Moves you to a private chat handle ({evidence}).",
        "引导添加私人联系方式（{evidence}）。",
        "contact",
    ),
    "urgency": (L, "Time pressure ({evidence}).", "制造紧迫感（{evidence}）。", "urgency"),
    "asks_for_pii": (
        H,
        "Asks for personal data or codes ({evidence}).",
        "索要个人信息或验证码（{evidence}）。",
        "asks_pii",
    ),
}
_BASE_WEIGHT = {"flash_sale": 15, "urgency": 15, "contact_handle": 20}
for _k, (_sev, _en, _zh, _cat) in _CATEGORIES.items():
    define(f"text.{_k}", _sev, _BASE_WEIGHT.get(_k, 40), _en, _zh, category=_cat)
define(
    "text.brand_link_mismatch",
    H,
    60,
    "The message signs as {brand} but links to {evidence}, which is not {brand}'s.",
    "消息自称“{brand}”，链接却指向非官方网址 {evidence}。",
    category="impersonation",
)
define(
    "text.premium_number",
    M,
    30,
    "Asks you to call or text a premium-rate or short-code number ({evidence}).",
    "要求拨打或发送短信到收费号码（{evidence}）。",
    category="prize",
)
define(
    "text.advice_context",
    INFO,
    0,
    "The text reads as a warning or advice; lure words in it were not counted.",
    "文本属于防骗提醒或建议，其中的诱骗词语未计入。",
)

# Categories that only add to others: weak alone.
_WEAK = frozenset({"flash_sale", "urgency", "contact_handle"})
_MAX_WEIGHT = {"flash_sale": 25, "urgency": 25, "contact_handle": 30}


# --- normalisation ----------------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CJK_SEP = re.compile(r"(?<=[\u4e00-\u9fff])[\s.\-_·•|/*~、,，。·]{1,3}(?=[\u4e00-\u9fff])")
_SPACES = re.compile(r"[ \t\u3000]+")


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC, lower case, zero-width stripped, Traditional → Simplified, CJK separators removed.

    >>> normalize("免費領禮品！注-册 ＡＰＰ")
    '免费领礼品!注册 app'
    """
    s = unicodedata.normalize("NFKC", text[:MAX_TEXT]).translate(_ZERO_WIDTH).lower()
    if any("\u4e00" <= c <= "\u9fff" for c in s[:4000]) or any(
        "\u4e00" <= c <= "\u9fff" for c in s[4000::50]
    ):
        s = _t2s().convert(s)
        s = s.replace("身分证", "身份证").replace("帐号", "账号").replace("帐户", "账户")
        s = _CJK_SEP.sub("", s)
    return _SPACES.sub(" ", s)


# --- vocabulary -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Category:
    name: str
    minimum: int
    rx: re.Pattern[str]
    weights: tuple[int, ...]
    phrases: tuple[str, ...]


def _term_pattern(term: str, zh: bool) -> str:
    gap = r"[^。！？!?\n]{0,10}?" if zh else r"[^.!?\n]{0,30}?"
    parts = [re.escape(p.strip()) for p in term.split("…")]
    pat = gap.join(parts)
    if not zh:
        if term[:1].isalnum():
            pat = r"(?<![a-z0-9])" + pat
        if term[-1:].isalnum():
            pat += r"(?![a-z0-9])"
    return pat


@cache
def vocabulary() -> tuple[_Category, ...]:
    """The compiled vocabulary, one entry per category."""
    raw = tomllib.loads(
        resources.files("scanner").joinpath("data", "lure_vocab.toml").read_text(encoding="utf-8")
    )
    out = []
    for name, body in raw.items():
        terms: list[tuple[str, int, bool]] = []
        for lang in ("zh", "en"):
            for term, w in body.get(lang, {}).items():
                if w > 0:
                    terms.append((term, int(w), lang == "zh"))
        if not terms:
            continue
        # Longer phrases first, so 免费领取 is found as itself and not as 免费领.
        order = sorted(range(len(terms)), key=lambda i: -len(terms[i][0]))
        alts = [f"(?P<t{i}>{_term_pattern(terms[i][0], terms[i][2])})" for i in order]
        out.append(
            _Category(
                name=name,
                minimum=int(body.get("min", 3)),
                rx=re.compile("|".join(alts)),
                weights=tuple(w for _t, w, _z in terms),
                phrases=tuple(t for t, _w, _z in terms),
            )
        )
    return tuple(out)


# --- negation and advice ----------------------------------------------------------------------------

_NEG_ZH = re.compile(
    r"(请勿|切勿|不要|勿|谨防|警惕|不会|从不|绝不|严禁|防范|谨慎|"
    r"不得|别|提防|小心|拒绝|不能)"
)
_NEG_EN = re.compile(r"\b(never|don't|do not|dont|won't|will not|not|beware|avoid|no one)\b")
_ADVICE = re.compile(
    r"(反诈|防骗|防诈|谨防.{0,6}诈骗|就是诈骗|都是诈骗|都是骗局|"
    r"是骗局|诈骗手法|诈骗套路|警方提醒|提醒您|温馨提示.{0,10}诈骗"
    r"|96110|识破|上当受骗|骗子|如何防范|防范.{0,4}诈骗|不会.{0,12}(索取|要求)"
    r"|scam alert|is a scam|are scams|beware of|never ask|never share|don't share|do not share|how to spot"
    r"|fraud prevention|report (it|fraud|scams)|warning signs)"
)


_SELF_INTRO = re.compile(
    r"(我是|这里是|我们是)[^。！？!?\n]{0,20}(工作人员|客服|民警|警官|专员|代表|中心|经理)"
)


def _negated(s: str, start: int) -> bool:
    """A phrase said under a negation or warning within its clause ("请勿向任何人提供验证码")."""
    lo = max(0, start - 14)
    window = s[lo:start]
    cut = max(window.rfind(c) for c in "。！？!?\n;；")
    if cut >= 0:
        window = window[cut + 1 :]
    if _NEG_ZH.search(window):
        return True
    lo = max(0, start - 40)
    window = s[lo:start]
    cut = max(window.rfind(c) for c in ".!?\n;")
    if cut >= 0:
        window = window[cut + 1 :]
    return bool(_NEG_EN.search(window))


# --- special patterns -------------------------------------------------------------------------------

_HANDLE = re.compile(
    r"(?:加|➕|\+|联系|私聊|咨询|添加|详询)?\s*"
    r"(vx|v信|wx|weixin|微信|薇信|薇|威信|徽信|v❤|qq群|qq|扣扣|q群|飞机|纸飞机|tg|telegram|whatsapp|line)"
    r"\s*(?:号)?\s*[:：]?\s*([a-z0-9][a-z0-9_\-]{4,30})",
)
_ADD_V = re.compile(r"(加v|➕v|\+v|加微|➕微|加薇|加q|➕q)(?![a-z])")
_PREMIUM = re.compile(
    r"(?:call|ring|dial|text|txt|send|reply|contact|ph|no)\b[^.!?\n]{0,30}?(?<![\d+])"
    r"(09\d{8,9}|08\d{8,9}|0\d{3} ?\d{3} ?\d{4}|[6-9]\d{9}|8\d{4}|6\d{4})(?!\d)"
)
_SENDER_TAG = re.compile(
    r"^\s*(?:[【\[]([^】\]]{2,12})[】\]]|"
    r"([^\s:：,，]{2,20}(?: [a-z]{2,12})?)\s*[:：\-])"
)
_LINKISH = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?=[/:?#\s]|"
    r"$|[^\x00-\x7f])"
)


def _category_hits(s: str, cat: _Category) -> list[tuple[str, int]]:
    found: dict[int, str] = {}
    for m in cat.rx.finditer(s):
        idx = m.lastindex
        if idx is None:
            continue
        i = int(m.lastgroup[1:]) if m.lastgroup else idx - 1
        if i in found or _negated(s, m.start()):
            continue
        # A gapped phrase is shown as written in the vocabulary (积分…清零), not as the whole span.
        found[i] = cat.phrases[i] if "…" in cat.phrases[i] else m.group(0)
    return [(text, cat.weights[i]) for i, text in found.items()]


def lure_points(text: str) -> dict[str, int]:
    """Points per lure category in ``text`` (no thresholds; negated phrases skipped)."""
    s = normalize(text)
    out: dict[str, int] = {}
    for cat in vocabulary():
        hits = _category_hits(s, cat)
        if hits:
            out[cat.name] = sum(w for _t, w in hits)
    return out


def _weight(name: str, points: int, advice: bool) -> int:
    w = min(_MAX_WEIGHT.get(name, 75), 12 * points)
    return w // 3 if advice else w


def text_reasons(text: str) -> list[Reason]:
    """Lure reasons in ``text`` (Chinese and English), each with the phrases that triggered it."""
    if not text or not text.strip():
        return []
    s = normalize(text)
    # Advice register, unless someone introduces themselves as staff (scammers claim to be 反诈中心).
    advice = bool(_ADVICE.search(s)) and not _SELF_INTRO.search(s)
    found: list[tuple[_Category, list[tuple[str, int]], int]] = []
    for cat in vocabulary():
        hits = _category_hits(s, cat)
        if hits:
            found.append((cat, hits, sum(w for _t, w in hits)))
    # Scripts spread their cues over several themes ("I am X's customer service" + "download the
    # app" + "loan limit"): once the strong themes together reach 6 points, themes of 2+ count too.
    total = sum(min(p, 8) for c, _h, p in found if c.name not in _WEAK)
    out: list[Reason] = []
    for cat, hits, points in found:
        if points < cat.minimum and not (points >= 2 and total >= 6 and cat.name not in _WEAK):
            continue
        evidence = "、".join(t.strip()[:20] for t, _w in sorted(hits, key=lambda h: -h[1])[:4])
        out.append(
            make(f"text.{cat.name}", evidence, weight=_weight(cat.name, points, advice), source="text")
        )
    handles = [m.group(0).strip() for m in _HANDLE.finditer(s) if not _negated(s, m.start())]
    handles += [m.group(0) for m in _ADD_V.finditer(s) if not _negated(s, m.start())]
    if handles:
        out.append(
            make(
                "text.contact_handle",
                handles[0][:40],
                weight=_weight("contact_handle", 2, advice),
                source="text",
            )
        )
    prem = _PREMIUM.search(s)
    if prem and not advice:
        num = prem.group(1).replace(" ", "")
        # UK-style premium-rate numbers (09…, 087…) are a lure on their own; others need company.
        w = 45 if num.startswith(("09", "087")) else 30
        out.append(make("text.premium_number", num, weight=w, source="text"))
    out.extend(_brand_link(text, s))
    if advice and out:
        out.append(make("text.advice_context", source="text"))
    return out


def _brand_link(raw: str, s: str) -> list[Reason]:
    """【工商银行】… www.icbc-xyz.com: a sender tag naming a brand, and a link the brand does not own."""
    m = _SENDER_TAG.match(s)
    if not m:
        return []
    from .url import brands

    tag = m.group(1) or m.group(2) or ""
    brand = next(
        (b for b in brands() if any(n.lower() in tag for n in b.names if len(n) >= 3 or not n.isascii())),
        None,
    )
    if brand is None:
        return []
    for lm in _LINKISH.finditer(s[m.end() :]):
        host = lm.group(1)
        if host.rsplit(".", 1)[-1] in ("html", "htm", "php", "jpg", "png"):
            continue
        if not brand.owns(host):
            return [make("text.brand_link_mismatch", host[:60], source="text", brand=brand.label)]
    return []


def categories(reasons: list[Reason]) -> list[str]:
    """The UI categories of the ``text.`` reasons, in order, without repeats."""
    from ..reasons import spec

    out: list[str] = []
    for r in reasons:
        if r.code.startswith("text."):
            c = spec(r.code).category
            if c and c not in out:
                out.append(c)
    return out


__all__ = ["MAX_TEXT", "categories", "lure_points", "normalize", "text_reasons", "vocabulary"]
