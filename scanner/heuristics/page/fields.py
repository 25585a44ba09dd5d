"""Which personal data each field of a page asks for, from all its evidence.

A field is named by votes: its label and placeholder (strongest), its autocomplete token and input
type, its keys (name/id/model/config key: English, camelCase/snake_case, pinyin and pinyin
initials), its ``pattern``, ``maxlength`` and ``inputmode``, and the text next to it. The words are
data (``scanner/data/pii_vocab.toml``: Simplified and Traditional Chinese, English, pinyin), so a
new word is a data change. Fields that only exist in script data count the same (the view turns
config entries, createElement props, model keys and markup in strings into controls), and so do
controls of a wizard step hidden at load.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ...htmltree import Control, PageView
from ..text import normalize

__all__ = ["Field", "classify_control", "classify_key", "classify_label", "page_fields"]


@dataclass(frozen=True, slots=True)
class Field:
    """One piece of personal data a page asks for, with the evidence people are shown."""

    kind: str
    evidence: str
    payment: bool = False
    """A payment/ATM/service password (not a login password)."""
    upload: bool = False
    """An ID photo upload."""
    hidden_at_load: bool = False


@dataclass(frozen=True, slots=True)
class _Vocab:
    order: tuple[str, ...]
    labels: tuple[tuple[str, re.Pattern[str]], ...]
    exclude: re.Pattern[str]
    keys: dict[str, str]
    fragments: tuple[tuple[str, str], ...]
    autocomplete: dict[str, str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    maxlength: dict[int, str]


@cache
def vocab() -> _Vocab:
    """The vocabulary of ``pii_vocab.toml``, compiled once."""
    raw = tomllib.loads(
        resources.files("scanner").joinpath("data/pii_vocab.toml").read_text(encoding="utf-8")
    )
    kinds = raw["kinds"]
    order = tuple(raw["order"])
    keys: dict[str, str] = {}
    ac: dict[str, str] = {}
    maxlen: dict[int, str] = {}
    for kind in order:
        for k in kinds[kind]["keys"].split():
            keys.setdefault(k.lower(), kind)
        for t in kinds[kind]["autocomplete"]:
            ac[t] = kind
        for n in kinds[kind]["maxlength"]:
            maxlen.setdefault(int(n), kind)
    return _Vocab(
        order=order,
        labels=tuple((k, re.compile("|".join(kinds[k]["labels"]))) for k in order),
        exclude=re.compile("|".join(raw["exclude"])),
        keys=keys,
        fragments=tuple((f, k) for k in order for f in kinds[k]["fragments"]),
        autocomplete=ac,
        patterns=tuple(
            (k, re.compile("|".join(kinds[k]["patterns"]))) for k in order if kinds[k]["patterns"]
        ),
        maxlength=maxlen,
    )


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
MAX_LISTED = 3000
"""Script strings looked at as bare field labels or keys."""
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _split_key(key: str) -> list[str]:
    k = _CAMEL.sub("_", key.strip()).lower()
    whole = re.sub(r"[^a-z0-9]", "", k)
    parts = [p for p in re.split(r"[^a-z0-9]+", k) if p]
    last = re.split(r"[.\[\]]", key.strip().rstrip("]"))[-1]  # form.sfzh / user[idCard]
    return [whole, re.sub(r"[^a-z0-9]", "", last.lower()), *parts]


def classify_key(key: str) -> str | None:
    """PII kind of an attribute/config key (``idCard``, ``form.sfzh``, ``user_mobile``), if any."""
    if not key or len(key) > 80:
        return None
    v = vocab()
    parts = _split_key(key)
    for p in parts:
        kind = v.keys.get(p)
        if kind:
            return kind
    whole = parts[0]
    for frag, kind in v.fragments:
        if frag in whole:
            return kind
    return None


def classify_label(text: str) -> str | None:
    """PII kind of a label/placeholder text (``请输入18位身份证号码``), if any.

    Chinese labels end with their head noun (与身份证一致的**姓名**, 持卡人**身份证号码**), so for
    Chinese text the match that ends last wins; for other text the first kind (in the vocabulary's
    order) that matches.
    """
    t = normalize(text)[:120].strip()
    if not t:
        return None
    v = vocab()
    excluded = bool(v.exclude.search(t))
    found: list[tuple[int, int, str]] = []
    for order, (kind, rx) in enumerate(v.labels):
        for m in rx.finditer(t):
            if excluded and kind in ("sms_code", "real_name", "address", "phone"):
                # "邮箱/手机号" still asks for a phone; "图形验证码" is not an SMS code.
                if not (kind == "phone" and re.search(r"手机|phone|mobile", t)):
                    continue
            found.append((m.end(), order, kind))
    if not found:
        return None
    if _CJK.search(t):
        return max(found, key=lambda f: (f[0], -f[1]))[2]
    return min(found, key=lambda f: f[1])[2]


_PAYMENT_PWD = re.compile(
    r"支付密码|取款密码|交易密码|服务密码|网银密码|查询密码|提款密码|atm|pay ?pwd|paypassword|"
    r"servicepwd|atmpwd|zfmm|qkmm|fwmm|jymm|tradepwd|payment password|zhifumima"
)
_ID_PHOTO = re.compile(
    r"身份证正面|身份证反面|人像面|国徽面|正反面|身份证照片|证件照|"
    r"idfront|idback|certfront|certback|id_front|id_back|sfzzm|sfzfm|"
    r"photo of (?:your )?id|id photo|front of (?:your )?id"
)
HOLD_ID = re.compile(r"手持身份证|手持证件|holding your id|selfie with (?:your )?id")
FACE_WORDS = re.compile(
    r"人脸识别|刷脸|活体检测|活体识别|核身|眨眼|张嘴|摇头|转头|人脸验证|人脸认证|"
    r"face (?:scan|check|verification)|liveness|selfie"
)
_SMS_WORDS = re.compile(r"短信|手机|简讯|动态|sms|text message|sent to")
_SEND_CODE = re.compile(
    r"获取验证码|发送验证码|获取短信|发送短信|获取动态码|get (?:the )?code|send (?:the )?code"
)


def _votes(c: Control) -> Counter[str]:
    """Each piece of evidence votes for a kind (label/placeholder 3, autocomplete 4, key 2, …)."""
    v = vocab()
    votes: Counter[str] = Counter()
    if c.type == "password":
        votes["password"] += 4
    token = c.autocomplete.split()[-1] if c.autocomplete.split() else ""
    if token in v.autocomplete:
        votes[v.autocomplete[token]] += 4
    for text in (c.label, c.placeholder, *c.hints):
        kind = classify_label(text) if text else None
        if kind:
            votes[kind] += 3
    for key in c.keys[:4]:
        kind = classify_key(key)
        if kind:
            votes[kind] += 2
            break
    if c.type == "tel":
        votes["phone"] += 1
    if c.pattern:
        for kind, rx in v.patterns:
            if rx.search(c.pattern):
                votes[kind] += 2
                break
    if votes:
        # Length and input mode only confirm a kind something else already suggests.
        kind = v.maxlength.get(c.maxlength)
        if kind and kind in votes:
            votes[kind] += 1
    elif c.near and _SEND_CODE.search(normalize(c.near)) and c.maxlength in (0, 4, 6, 8):
        votes["sms_code"] += 2  # an unlabelled box right next to "获取验证码"
    return votes


def _excluded(c: Control) -> bool:
    """The label says it is not personal data (captcha, e-mail, username, coupon…)."""
    rx = vocab().exclude
    texts = [normalize(t) for t in (c.label, c.placeholder, *c.hints) if t]
    if any(re.search(r"手机|phone|mobile", t) for t in texts):
        return False  # "手机号/用户名/邮箱", "Email or mobile phone" still ask for a phone
    return (
        any(rx.search(t) for t in texts)
        or c.type == "email"
        or c.autocomplete.endswith(("email", "username"))
    )


def classify_control(c: Control) -> Field | None:
    """The :class:`Field` one control asks for, or ``None`` (not personal data, or no evidence)."""
    if c.type == "file":
        return _upload_field(c)
    votes = _votes(c)
    if not votes:
        return None
    if _excluded(c) and votes.get("password", 0) < 4:
        return None
    kind, n = votes.most_common(1)[0]
    if n < 2:
        return None
    if (
        kind == "sms_code"
        and c.captcha_nearby
        and not _SMS_WORDS.search(normalize(f"{c.label} {c.placeholder}"))
    ):
        return None  # the code of the picture next to it
    evidence = (c.label or c.placeholder or next(iter(c.hints), "") or next(iter(c.keys), "") or c.type)[:40]
    blob = normalize(" ".join([*c.keys, c.label, c.placeholder, *c.hints]))
    payment = kind == "password" and bool(_PAYMENT_PWD.search(blob))
    return Field(kind, evidence, payment=payment, hidden_at_load=c.hidden_at_load)


def _upload_field(c: Control) -> Field | None:
    blob = normalize(" ".join([*c.keys, c.label, c.placeholder, *c.hints, c.near]))
    if HOLD_ID.search(blob):
        return Field("face", "手持身份证 / holding ID", upload=True)
    if (
        _ID_PHOTO.search(blob)
        or any(classify_key(k) == "id_card" for k in c.keys)
        or classify_label(c.label) == "id_card"
    ):
        return Field("id_card", "ID photo upload", upload=True)
    if c.capture is not None and c.capture in ("user", "") and "image" in c.accept:
        if FACE_WORDS.search(blob) or c.capture == "user":
            return Field("face", "camera capture")
    return None


# --- script-only evidence ---------------------------------------------------------------------------

_PROMPT = re.compile(
    r"^(?:请(?:输入|填写|上传|选择)|输入|填写)|(?:不能为空|格式不正确|格式错误|有误|不正确|必填)$|"
    r"^(?:please )?enter (?:your|a|the)|^your |is required$|^invalid "
)
_ID_VALIDATOR = re.compile(
    r"\\d\{17\}\[\\dXx\]|\\d\{17\}\(\\d\|X|7,\s*9,\s*10,\s*5,\s*8,\s*4,\s*2,\s*1,\s*6,\s*3"
)
_PHONE_VALIDATOR = re.compile(r"\^1\[3-9\]\\d\{9\}|\^1\[3456789\]\\d\{9\}|\^1\\d\{10\}")


def _script_string_fields(view: PageView) -> list[Field]:
    """Prompts and validation messages in script strings (请输入身份证号 / 身份证号格式不正确)."""
    out: list[Field] = []
    for s in view.script_strings:
        if len(s) > 40 or not _CJK.search(s) and len(s) > 30:
            continue
        t = normalize(s).strip()
        if not _PROMPT.search(t):
            continue
        kind = classify_label(t)
        if kind and kind != "face":
            payment = kind == "password" and bool(_PAYMENT_PWD.search(t))
            out.append(Field(kind, s[:40], payment=payment))
        if _ID_PHOTO.search(t):
            out.append(Field("id_card", s[:40], upload=True))
    code = "\n".join(view.js)[:400_000]
    out += _listed_fields(view, code)
    if _ID_VALIDATOR.search(code):
        out.append(Field("id_card", "ID-number validator"))
    if _PHONE_VALIDATOR.search(code):
        out.append(Field("phone", "phone-number validator"))
    return out


_BUILDS_INPUTS = re.compile(
    r"""createElement(?:VNode)?\(\s*['"](?:input|select|textarea)|<input|\b(?:h|_c|element)\(\s*['"]input"""
)
_SENSITIVE = frozenset({"id_card", "bank_card", "sms_code", "password"})


def _listed_fields(view: PageView, code: str) -> list[Field]:
    """Bare labels and keys listed in a script that builds inputs (``[['sfzh', '身份证号'], …]``).

    A lone word in script data is often a menu entry (手机, 地址), so this counts only when the
    listed words name two kinds or more, one of them sensitive (ID, bank card, SMS code, password).
    """
    if not _BUILDS_INPUTS.search(code):
        return []
    keys = vocab().keys
    found: dict[str, Field] = {}
    for s in view.script_strings[:MAX_LISTED]:
        if re.fullmatch(r"[A-Za-z_][\w.]{2,30}", s):
            kind = keys.get(re.sub(r"[^a-z0-9]", "", _CAMEL.sub("_", s.rsplit(".", 1)[-1]).lower()))
        elif len(s) <= 12 and (_CJK.search(s) or len(s) <= 24):
            kind = classify_label(s)
        else:
            continue
        if kind and kind != "face" and kind not in found:
            found[kind] = Field(kind, s[:40])
    if len(found) < 2 or not _SENSITIVE & set(found):
        return []
    return list(found.values())


def page_fields(view: PageView) -> list[Field]:
    """Every field of the page (markup, templates, script data, script prompts), in page order.

    A bare ``name="name"`` box is a person's name only next to contact fields (e-mail, phone,
    city): alone it is a search or a nickname box.
    """
    out: list[Field] = []
    bare_name = False
    for c in view.controls:
        f = classify_control(c)
        if f is not None:
            out.append(f)
        elif c.contact_form and not bare_name and c.type == "text" and not _excluded(c):
            bare_name = True
            out.append(Field("real_name", "name"))
    out += _script_string_fields(view)
    return out
