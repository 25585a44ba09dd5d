"""Personal data a message asks for, and the classic lure of an offer paid for with that data.

Pure. Vocabulary in ``scanner/data/pii_ask.toml``: per field (the report's ``pii`` keys) the nouns
that name it, the words that ask for something, and the offers ("hooks") of the seed scenario —
"help register a shop with your ID card, get a red packet", "free gift, just give your phone number
and the SMS code". A field is *asked* when one of its nouns sits next to an asking word and not
inside a warning ("请勿泄露验证码" is a bank's notice, not a request).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

SENSITIVE = ("sms_code", "id_card", "bank_card", "password", "face")
"""Fields whose request, next to an offer, is the lure itself."""

_NAMES = {
    "sms_code": ("SMS codes", "短信验证码"),
    "id_card": ("your ID card", "身份证"),
    "bank_card": ("bank card details", "银行卡信息"),
    "password": ("passwords", "密码"),
    "face": ("a face scan", "人脸信息"),
    "phone": ("your phone number", "手机号"),
    "address": ("your address", "地址"),
    "real_name": ("your real name", "真实姓名"),
}
_END = "。！？!?\n；;"


@dataclass(frozen=True, slots=True)
class _Vocab:
    nouns: re.Pattern[str]
    field_of: dict[str, str]
    ask_zh: re.Pattern[str]
    ask_en: re.Pattern[str]
    after_zh: re.Pattern[str]
    hooks: re.Pattern[str]


def _alt(words: list[str], latin_bounds: bool = True) -> str:
    from .texttokens import token_bounds

    out = []
    for w in sorted(words, key=len, reverse=True):
        gap = r"[^。！？!?\n]{0,10}?"
        p = gap.join(re.escape(x) for x in w.split("…"))
        out.append(token_bounds(w, p) if latin_bounds else p)
    return "|".join(out)


@cache
def vocab() -> _Vocab:
    """The compiled ``pii_ask.toml``."""
    raw = tomllib.loads(
        resources.files("scanner").joinpath("data", "pii_ask.toml").read_text(encoding="utf-8")
    )
    field_of: dict[str, str] = {}
    for field, langs in raw["fields"].items():
        for w in langs.get("zh", []) + langs.get("en", []):
            field_of.setdefault(w, field)
    ask = raw["ask"]
    return _Vocab(
        nouns=re.compile(_alt(list(field_of))),
        field_of=field_of,
        ask_zh=re.compile(_alt(ask["zh"])),
        ask_en=re.compile(_alt(ask["en"])),
        after_zh=re.compile("^[^。！？!?\n，,]{0,10}?(?:" + _alt(ask["after_zh"]) + ")"),
        hooks=re.compile(_alt(raw["hook"]["zh"] + raw["hook"]["en"])),
    )


def _clause_before(s: str, start: int, width: int) -> str:
    window = s[max(0, start - width) : start]
    cut = max(window.rfind(c) for c in _END)
    return window[cut + 1 :] if cut >= 0 else window


def asked_fields(s: str) -> list[tuple[str, str]]:
    """``(field, noun as written)`` for each kind of personal data the normalised text asks for.

    >>> asked_fields("免费领礼品，填写手机号和验证码即可")
    [('phone', '手机号'), ('sms_code', '验证码')]
    >>> asked_fields("验证码123456，请勿泄露给他人")
    []
    """
    from .texttokens import negated as _negated

    v = vocab()
    out: dict[str, str] = {}
    for m in v.nouns.finditer(s):
        field = v.field_of.get(m.group(0))
        if field is None or field in out or _negated(s, m.start()):
            continue
        before_zh = _clause_before(s, m.start(), 12)
        before_en = _clause_before(s, m.start(), 45)
        if v.ask_zh.search(before_zh) or v.ask_en.search(before_en) or v.after_zh.search(s[m.end() :]):
            out[field] = m.group(0)
    return list(out.items())


def hooks(s: str) -> list[str]:
    """The offers ("hooks") in the normalised text that are not said in a warning."""
    from .texttokens import negated as _negated

    return [m.group(0) for m in vocab().hooks.finditer(s) if not _negated(s, m.start())]


def zh_name(field: str) -> str:
    """A field's Chinese name."""
    return _NAMES.get(field, (field, field))[1]


def en_name(field: str) -> str:
    """A field's English name."""
    return _NAMES.get(field, (field, field))[0]


__all__ = ["SENSITIVE", "asked_fields", "en_name", "hooks", "vocab", "zh_name"]
