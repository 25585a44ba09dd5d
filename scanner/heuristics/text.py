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
from ..reasons import make
from .texttokens import negated as _negated
from .texttokens import token_bounds

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

MAX_TEXT = 60_000
"""Characters of text looked at (page text is cut to this)."""
MIN_MEANINGFUL = 8
"""CJK characters plus two per Latin word a text needs before any lure reason is given."""


_LATIN_WORD = re.compile(r"[a-z]{2,}")


def _meaningful(s: str) -> int:
    """CJK characters plus two per Latin word (of two letters or more) in the first 64 characters."""
    head = s[:64]
    return sum(1 for c in head if "\u4e00" <= c <= "\u9fff") + 2 * len(_LATIN_WORD.findall(head))


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
    needs_you: bool
    """Counts only when the text addresses the reader or a speaker introduces themselves."""
    spread: bool
    """May count below its minimum when other themes are strong (see :func:`text_reasons`)."""
    terms: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]
    """Per term, longest first: its literal parts (all must occur, a cheap test) and its pattern."""
    weights: tuple[int, ...]
    phrases: tuple[str, ...]
    by_key: dict[str, tuple[int, ...]]
    """Terms by the first two characters of their first part (a cheap index: most texts hold few)."""


def _term_pattern(term: str, zh: bool) -> str:
    """A vocabulary term as a pattern that only matches whole tokens of the text.

    See :func:`token_bounds`.
    """
    gap = r"[^。！？!?\n]{0,10}?" if zh else r"[^.!?\n]{0,30}?"
    parts = [re.escape(p.strip()) for p in term.split("…")]
    pat = gap.join(parts)
    return token_bounds(term, pat)


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
        terms.sort(key=lambda t: -len(t[0]))
        by_key: dict[str, list[int]] = {}
        for i, (t, _w, _z) in enumerate(terms):
            by_key.setdefault(t.split("…")[0].strip()[:2], []).append(i)
        out.append(
            _Category(
                name=name,
                minimum=int(body.get("min", 3)),
                needs_you=bool(body.get("needs_you", False)),
                spread=bool(body.get("spread", True)),
                terms=tuple(
                    (tuple(p.strip() for p in t.split("…")), re.compile(_term_pattern(t, z)))
                    for t, _w, z in terms
                ),
                weights=tuple(w for _t, w, _z in terms),
                phrases=tuple(t for t, _w, _z in terms),
                by_key={k: tuple(v) for k, v in by_key.items()},
            )
        )
    return tuple(out)


# --- negation and advice ----------------------------------------------------------------------------

_ADVICE = re.compile(
    r"(反诈|防骗|防诈|谨防.{0,6}诈骗|就是诈骗|都是诈骗|都是骗局|"
    r"是骗局|诈骗手法|诈骗套路|警方提醒|提醒您|温馨提示.{0,10}诈骗"
    r"|96110|识破|上当受骗|骗子|不法分子|骗取|如何防范|防范.{0,4}诈骗|不会.{0,12}(索取|要求)"
    r"|scam alert|is a scam|are scams|beware of|never ask|never share|don't share|do not share|how to spot"
    r"|fraud prevention|report (it|fraud|scams)|warning signs)"
)


_YOU = re.compile(r"你|您|(?<![a-z])(?:you|your|u|ur)(?![a-z])")
_SELF_INTRO = re.compile(
    r"(我是|这里是|我们是)[^。！？!?\n]{0,20}(工作人员|客服|民警|警官|专员|代表|中心|经理)"
)


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


def _keys(s: str) -> frozenset[str]:
    """Every one- and two-character substring of ``s`` (the keys of :attr:`_Category.by_key`)."""
    return frozenset(s) | frozenset(s[i : i + 2] for i in range(len(s) - 1))


def _category_hits(s: str, cat: _Category, keys: frozenset[str] | None = None) -> list[tuple[str, int]]:
    # Candidate matches of every term whose parts all occur, then a left-to-right sweep that keeps
    # non-overlapping ones, longer terms first at one position (as one big alternation would).
    if keys is None:
        keys = _keys(s)
    cands: list[tuple[int, int, int]] = []
    for k in keys & cat.by_key.keys():
        for i in cat.by_key[k]:
            parts, rx = cat.terms[i]
            if all(p in s for p in parts):
                cands.extend((m.start(), i, m.end()) for m in rx.finditer(s))
    if not cands:
        return []
    cands.sort()
    found: dict[int, str] = {}
    end = 0
    for start, i, stop in cands:
        if start < end:
            continue
        end = stop
        if i in found or _negated(s, start):
            continue
        # A gapped phrase is shown as written in the vocabulary (积分…清零), not as the whole span.
        found[i] = cat.phrases[i] if "…" in cat.phrases[i] else s[start:stop]
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


def text_reasons(text: str, *, message: bool = True) -> list[Reason]:
    """Lure reasons in ``text`` (Chinese and English), each with the phrases that triggered it.

    ``message=False`` for a page's text: the learned model (trained on SMS) and "an offer paid for
    with your data" (a page's form asks by design; the page rules judge it) are left out.
    """
    if not text or not text.strip():
        return []
    s = normalize(text)
    if _meaningful(s) < MIN_MEANINGFUL:
        return []  # a few characters ("刷单", "you won") are a topic, not a message that lures
    # Advice register, unless someone introduces themselves as staff (scammers claim to be 反诈中心).
    advice = bool(_ADVICE.search(s)) and not _SELF_INTRO.search(s)
    found: list[tuple[_Category, list[tuple[str, int]], int]] = []
    addressed = bool(_YOU.search(s) or _SELF_INTRO.search(s))
    keys = _keys(s)
    for cat in vocabulary():
        if cat.needs_you and not addressed:
            continue
        hits = _category_hits(s, cat, keys)
        if hits:
            found.append((cat, hits, sum(w for _t, w in hits)))
    # Scripts spread their cues over several themes ("I am X's customer service" + "download the
    # app" + "loan limit"): once the strong themes together reach 6 points, themes of 2+ count too.
    total = sum(min(p, 8) for c, _h, p in found if c.name not in _WEAK)
    out: list[Reason] = []
    for cat, hits, points in found:
        if points < cat.minimum and not (points >= 2 and total >= 6 and cat.spread and cat.name not in _WEAK):
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
    if message and not advice:
        out.extend(_lure_asks_pii(s, out))
        out.extend(_model_reason(s))
    if advice and out:
        out.append(make("text.advice_context", source="text"))
    return out


def _lure_asks_pii(s: str, found: list[Reason]) -> list[Reason]:
    """An offer (or another lure reason) next to a request for sensitive data: the seed scenario."""
    from .textpii import SENSITIVE, asked_fields, hooks

    asked = asked_fields(s)
    if not any(f in SENSITIVE for f, _w in asked):
        return []
    # A sender claiming a brand it does not link to counts as lure context at any weight: "顺丰"
    # asking for an ID number and an SMS code through someone else's site is the scam itself.
    lure = any(r.code.startswith("text.") and r.code not in NOT_LURE
               and (r.weight >= 25 or r.code == "text.brand_link_mismatch") for r in found)
    if not (lure or hooks(s)):
        return []
    from .textpii import en_name, zh_name

    return [
        make(
            "text.lure_asks_pii",
            "、".join(w for _f, w in asked),
            source="text",
            fields_en=", ".join(en_name(f) for f, _w in asked),
            fields_zh="、".join(zh_name(f) for f, _w in asked),
        )
    ]


NOT_LURE = frozenset(
    {"text.asks_for_pii", "text.urgency", "text.flash_sale", "text.contact_handle", "text.advice_context"}
)
"""Text reasons that are context, not a lure of their own: pressure, a handle, a request for data
(which needs a lure beside it), anti-fraud advice. The text and page rules both read lure
strength from the other reasons."""


def asked_pii(text: str, reasons: list[Reason] | None = None) -> list[str]:
    """The report's ``pii`` keys a message asks for, when its text also reads as a lure.

    ``reasons`` are the text's own reasons when already computed (else they are computed here).
    """
    from .textpii import asked_fields

    if not text or not text.strip():
        return []
    if reasons is None:
        reasons = text_reasons(text)
    if not any(r.code.startswith("text.") and r.severity is not INFO for r in reasons):
        return []
    return [f for f, _w in asked_fields(normalize(text))]


_ACTION = re.compile(
    r"https?://|www\.|[a-z0-9-]+\.(?:com|cn|cc|top|xyz|vip|net|me|co)\b|(?<![0-9])[0-9]{7,}(?![0-9])"
    r"|回复|点击|登录|登陆|加微|加v|加q|微信|qq|联系|拨打|扫码|下载|注册|call|text|reply|click|visit"
    # Contact verbs of loan and transfer scripts ("详询王经理", "欢迎致电", "添加好友"): a way to act
    # as much as a link is.
    r"|致电|来电|电话|热线|咨询|详询|添加|加我|私聊|官网|网址|链接|v信|威信|薇信|扣扣|企鹅"
)


def _model_reason(s: str) -> list[Reason]:
    """``text.model_lure`` when the learned model finds the text lure-like (see :mod:`.textmodel`).

    The model cannot tell a real bank or carrier notice from its imitation (both say 验证码, 账单,
    积分); links, numbers and sender tags can. So it adds to the rules' reasons (5–30: just above
    ``note_at`` it is a hint, not evidence), and warns alone (45, high) only from ``warn_at`` on, in
    a text that gives a way to act (a link, a number, a handle, "reply/click/log in/call us") and carries no
    sender tag (【银行】 first or [银行] last), which is how institutions sign. A tagged text gets at
    most 20 from it.
    """
    from .textmodel import judge, load_model

    got = judge(s)
    model = load_model()
    if got is None or model is None or got[0] < model.note_at:
        return []
    p, phrases = got
    span = max(1e-6, model.warn_at - model.note_at)
    weight, sev = 5 + round(25 * min(1.0, (p - model.note_at) / span)), M
    tagged = _tagged(s)
    if tagged:
        weight = min(weight, 20)
    elif p >= model.warn_at and _ACTION.search(s):
        weight, sev = 45, H
    return [make("text.model_lure", "、".join(phrases), weight=weight, severity=sev, source="text")]


_TRAILING_TAG = re.compile(r"[【\[][^】\]]{2,12}[】\]]\s*$")


def _tagged(s: str) -> bool:
    """A sender tag in brackets at the start or the end (【工商银行】…, …[招商银行])."""
    m = _SENDER_TAG.match(s)
    return bool((m and m.group(1)) or _TRAILING_TAG.search(s))


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
        if brand.owns(host):
            continue
        # A host that spells the brand (icbc-jf.cc) imitates it; any other foreign host (a
        # shortener, a brand's second domain we do not list) only adds to other reasons.
        imitates = any(len(t) >= 3 and t in host for t in brand.host)
        weight = None if imitates else 20
        sev = None if imitates else L
        return [
            make(
                "text.brand_link_mismatch",
                host[:60],
                source="text",
                brand=brand.label,
                weight=weight,
                severity=sev,
            )
        ]
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


__all__ = ["MAX_TEXT", "asked_pii", "categories", "lure_points", "normalize", "text_reasons", "vocabulary"]
