"""Landing-page analysis: which personal data a page asks for, why, and whether it has the right to.

Pure: :func:`analyze_html` takes HTML text and the URL it was served from. It finds every input a
person can be shown — static ``<input>``/``<select>``/``<textarea>``, and fields that only exist in
scripts (field-config arrays, ``createElement``, Vue/React templates, ``FormData.append``, JSON
bodies, pinyin keys such as ``sfzh``/``yzm``/``yhkh``, client-side ID/phone validators) — and
classifies each into :data:`scanner.models.PII_KINDS`. Then the page's *purpose* decides: a bank or
railway page on its own domain may ask for an ID number; a "free gift" page on a fresh domain may
not; anti-fraud articles and official pages stay quiet. Work is bounded on hostile HTML (sizes and
counts are capped; no script is executed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..canonical import domain_parts
from ..errors import InvalidURL
from ..models import PII_KINDS, Reason, Severity
from ..reasons import define, make
from .text import lure_points, normalize, text_reasons
from .url import Brand, brands

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

MAX_HTML = 3 * 1024 * 1024
"""Characters of HTML parsed (the rest is ignored)."""
MAX_SCRIPT = 400_000
"""Characters of inline script examined in total."""
MAX_FIELDS = 400
"""Inputs examined per page."""

_PII_WORDS = {
    "id_card": ("ID number", "身份证号"),
    "phone": ("phone number", "手机号"),
    "sms_code": ("SMS code", "短信验证码"),
    "bank_card": ("bank card", "银行卡"),
    "face": ("face scan", "人脸识别"),
    "address": ("address", "地址"),
    "password": ("password", "密码"),
    "real_name": ("real name", "真实姓名"),
}


def _pii_words(pii: Sequence[str]) -> tuple[str, str]:
    """The asked-for fields in words people read, (en, zh); the evidence keeps the kind names."""
    words = [_PII_WORDS.get(k, (k, k)) for k in pii]
    return ", ".join(w[0] for w in words), "、".join(w[1] for w in words)


define("page.asks_pii", INFO, 0, "The page asks for: {fields_en}.", "页面要求填写：{fields_zh}。")
define(
    "page.kyc_bundle",
    H,
    75,
    "The page collects a full identity bundle ({fields_en}) on a site that is not an official one.",
    "页面在非官方网站上成套收集身份信息（{fields_zh}）。",
    category="asks_pii",
)
define(
    "page.pii_with_lure",
    H,
    70,
    "The page pairs a lure with a form for personal data ({fields_en}).",
    "页面以诱饵引导填写个人信息（{fields_zh}）。",
    category="asks_pii",
)
define(
    "page.payment_password",
    H,
    75,
    "The page asks for a payment, ATM or service password ({evidence}).",
    "页面要求输入支付密码、取款密码或服务密码（{evidence}）。",
    category="asks_pii",
)
define(
    "page.brand_mismatch",
    H,
    65,
    "The page presents itself as {brand} but is not on a {brand} website ({evidence}).",
    "页面自称“{brand}”，却不在{brand}的官方网站上（{evidence}）。",
    category="impersonation",
)
define(
    "page.id_photo_upload",
    M,
    40,
    "The page asks you to upload photos of your ID card ({evidence}).",
    "页面要求上传身份证照片（{evidence}）。",
    category="asks_pii",
)
define(
    "page.camera_capture",
    M,
    40,
    "The page turns on the camera for a face scan ({evidence}).",
    "页面会打开摄像头进行刷脸（{evidence}）。",
    category="asks_pii",
)
define(
    "page.apk_download",
    M,
    35,
    "The page offers an Android app file outside any app store ({evidence}).",
    "页面提供应用商店以外的安卓安装包（{evidence}）。",
    category="app_install",
)
define(
    "page.ios_enterprise_install",
    H,
    60,
    "The page installs an iPhone app outside the App Store ({evidence}).",
    "页面绕过App Store安装苹果应用（{evidence}）。",
    category="app_install",
)
define(
    "page.countdown",
    L,
    15,
    "The page pressures you with a countdown or 'only N left' ({evidence}).",
    "页面用倒计时或“仅剩N个名额”催促你（{evidence}）。",
    category="urgency",
)
define(
    "page.foreign_form_action",
    M,
    30,
    "The form sends what you type to another website ({evidence}).",
    "表单会把你填写的内容发送到另一个网站（{evidence}）。",
)
define(
    "page.telegram_exfil",
    H,
    75,
    "The page sends what you type to a Telegram bot ({evidence}).",
    "页面会把你填写的内容发送到Telegram机器人（{evidence}）。",
)
define(
    "page.form_to_mail",
    M,
    35,
    "The form mails what you type through a form-forwarding service ({evidence}).",
    "表单通过第三方转发服务把你填写的内容发出（{evidence}）。",
)
define(
    "page.insecure_form",
    L,
    20,
    "The page asks for sensitive data over an unencrypted (http) connection.",
    "页面通过未加密（http）连接收集敏感信息。",
)
define(
    "page.official",
    INFO,
    -20,
    "The page belongs to {brand}'s own website ({evidence}).",
    "页面属于{brand}的官方网站（{evidence}）。",
)
define(
    "page.advice", INFO, -10, "The page reads as anti-fraud advice or news.", "页面属于防骗提醒或新闻报道。"
)


@dataclass(frozen=True, slots=True)
class PageFindings:
    """What one page shows: reasons, the personal data it asks for, its title and claimed brand."""

    reasons: tuple[Reason, ...]
    pii: tuple[str, ...]
    """Subset of :data:`scanner.models.PII_KINDS`, in that order."""
    title: str = ""
    brand: str | None = None
    """The brand the page presents itself as (display name), if any."""
    official: bool = False
    """True when the brand on the page owns the serving domain (or it is a gov/edu site)."""


# --- field classification ---------------------------------------------------------------------------

FIELD_WEIGHTS = {
    "id_card": 3,
    "bank_card": 3,
    "face": 3,
    "sms_code": 2,
    "password": 1,
    "phone": 1,
    "address": 1,
    "real_name": 1,
}
_SENSITIVE = ("id_card", "bank_card", "face", "sms_code", "password")

# Label/placeholder text (normalised, Simplified). Order matters: first match wins.
_LABEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "sms_code",
        re.compile(
            r"短信验证码|短信码|动态码|动态验证码|校验码|手机验证码|验证码|"
            r"one[- ]?time|otp|verification code|passcode|sms code|"
            r"security code sent"
        ),
    ),
    (
        "password",
        re.compile(
            r"支付密码|取款密码|交易密码|服务密码|网银密码|查询密码|登录密码|密码|"
            r"password|passwd|\bpin\b|пароль|contraseña|senha"
        ),
    ),
    (
        "real_name",
        re.compile(
            r"持卡人|开户人|户名|真实姓名|姓名|收货人|收件人|车主|参保人|借款人|"
            r"领奖人|联系人|full name|legal name|first name|last name|surname|"
            r"name on card|cardholder|your name|^name$|^名字$|имя|фамилия|nombre|"
            r"nom complet"
        ),
    ),
    (
        "id_card",
        re.compile(
            r"身份证|证件号|公民身份|居民身份|身份号码|国徽面|人像面|national id|"
            r"id number|id no|\bssn\b|social security|passport|identity card|tax id|"
            r"driver'?s? licen[cs]e|паспорт"
        ),
    ),
    (
        "bank_card",
        re.compile(
            r"银行卡|卡号|信用卡|储蓄卡|借记卡|开户行|开户银行|有效期|安全码|cvv|cvc|"
            r"card number|credit card|debit card|expir|routing|account number|iban|"
            r"收款卡|提现卡|到账卡|银行账号"
        ),
    ),
    ("phone", re.compile(r"手机|电话|联系方式|mobile|phone|\btel\b|cell|телефон|teléfono|telefone")),
    ("address", re.compile(r"收货地址|详细地址|所在地区|省市区|地址|address|street|zip|postcode|postal")),
)
_LABEL_EXCLUDE = re.compile(
    r"图形验证码|图片验证码|captcha|邮箱|e-?mail|用户名|username|"
    r"user name|网址|ip地址|search|搜索|昵称|nickname"
)

# Attribute keys (name/id/v-model…), split on camelCase and separators, lower case.
_KEY_RULES: dict[str, str] = {}
for _kind, _keys in {
    "id_card": "idcard id_card idno id_no idnumber certno certid cardid sfz sfzh sfzhm shenfenzheng zjhm ssn "
    "identity identityno idcardno nationalid idfront idback certfront certback sfzzm sfzfm "
    "idcardfront idcardback",
    "phone": "mobile phone tel telephone msisdn sjh sjhm shouji lxdh ylsj mobileno phoneno cellphone "
    "phonenumber mobilephone",
    "sms_code": "smscode sms_code otp yzm dxyzm dtm jym dxm verifycode vcode smsverifycode checkcode "
    "dynamiccode msgcode mobilecode",
    "bank_card": "bankcard bank_card cardno card_no acctno accountno ccnum pan cvv cvc cvv2 yhk yhkh khh xyk "
    "aqm yxq bankno bankaccount cardnumber expiry expdate ccexp khyh",
    "password": "pwd password passwd paypwd atmpwd servicepwd mm zfmm qkmm fwmm jymm paypassword "
    "tradepwd loginpwd",
    "real_name": "realname fullname holdername xm xingming ckr skr jkr cbr truename username_real "
    "cardholder holder",
    "address": "address addr street zip zipcode postcode dz xxdz shdz ssq yjdz region",
}.items():
    for _k in _keys.split():
        _KEY_RULES[_k] = _kind

_PAYMENT_PWD = re.compile(
    r"支付密码|取款密码|交易密码|服务密码|网银密码|查询密码|atm|pay ?pwd|paypassword|"
    r"servicepwd|atmpwd|zfmm|qkmm|fwmm|jymm|tradepwd|payment password"
)
_ID_PHOTO = re.compile(
    r"身份证正面|身份证反面|人像面|国徽面|正反面|身份证照片|证件照|"
    r"idfront|idback|certfront|certback|"
    r"id_front|id_back|sfzzm|sfzfm|photo of (?:your )?id|id photo|front of (?:your )?id"
)
_HOLD_ID = re.compile(r"手持身份证|手持证件|holding your id|selfie with (?:your )?id")
_FACE_WORDS = re.compile(
    r"人脸识别|刷脸|活体检测|活体识别|核身|眨眼|张嘴|摇头|转头|"
    r"人脸验证|face (?:scan|check|verification)|"
    r"liveness|selfie"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _split_key(key: str) -> list[str]:
    k = _CAMEL.sub("_", key.strip())
    k = k.lower()
    whole = re.sub(r"[^a-z0-9]", "", k)
    parts = [p for p in re.split(r"[^a-z0-9]+", k) if p]
    out = [whole, *parts]
    # form.sfzh / user[idCard]: the last component alone
    last = re.split(r"[.\[\]]", key.strip().rstrip("]"))[-1]
    if last:
        out.append(re.sub(r"[^a-z0-9]", "", last.lower()))
    return out


def classify_key(key: str) -> str | None:
    """PII kind of an attribute/config key (``idCard``, ``form.sfzh``, ``user_mobile``), if any."""
    parts = _split_key(key)
    for p in parts:
        kind = _KEY_RULES.get(p)
        if kind:
            return kind
    joined = parts[0] if parts else ""
    for frag, kind in (
        ("idcard", "id_card"),
        ("smscode", "sms_code"),
        ("bankcard", "bank_card"),
        ("cardno", "bank_card"),
        ("password", "password"),
        ("realname", "real_name"),
        ("mobile", "phone"),
        ("phone", "phone"),
        ("address", "address"),
        ("cvv", "bank_card"),
    ):
        if frag in joined:
            return kind
    return None


def classify_label(text: str) -> str | None:
    """PII kind of a label/placeholder text (``请输入18位身份证号码``), if any.

    Chinese labels end with their head noun (与身份证一致的**姓名**, 持卡人**身份证号码**), so for
    Chinese text the match that ends last wins; for other text the first rule that matches.
    """
    t = normalize(text)[:120]
    if not t.strip():
        return None
    excluded = bool(_LABEL_EXCLUDE.search(t))
    found: list[tuple[int, int, str]] = []
    for order, (kind, rx) in enumerate(_LABEL_RULES):
        for m in rx.finditer(t):
            if excluded and kind in ("sms_code", "real_name", "address", "phone"):
                # "邮箱/手机号" still asks for a phone; "图形验证码" is not an SMS code.
                if not (kind == "phone" and re.search(r"手机|phone|mobile", t)):
                    continue
            found.append((m.end(), order, kind))
    if not found:
        return None
    if re.search(r"[\u4e00-\u9fff]", t):
        return max(found, key=lambda f: (f[0], -f[1]))[2]
    return min(found, key=lambda f: f[1])[2]


@dataclass
class _Field:
    kind: str
    evidence: str
    payment: bool = False


# --- extraction -------------------------------------------------------------------------------------

_SKIP_TYPES = frozenset(
    {"hidden", "submit", "button", "search", "checkbox", "radio", "image", "reset", "range", "color"}
)


def _label_text(node: object, labels: dict[str, str]) -> str:
    """``<label for>`` text, an enclosing label, or the nearest preceding text in the same block."""
    attrs = node.attributes  # type: ignore[attr-defined]
    nid = attrs.get("id") or ""
    if nid and nid in labels:
        return labels[nid]
    p = node.parent  # type: ignore[attr-defined]
    depth = 0
    while p is not None and depth < 3:
        if p.tag == "label":
            return str(p.text(strip=True))[:80]
        depth += 1
        p = p.parent
    prev = node.prev  # type: ignore[attr-defined]
    hops = 0
    while prev is not None and hops < 4:
        if prev.tag not in ("-text", "br", "script", "style") or (
            prev.tag == "-text" and prev.text(strip=True)
        ):
            txt = str(prev.text(strip=True))
            if txt:
                return txt[:80]
        prev = prev.prev
        hops += 1
    parent = node.parent  # type: ignore[attr-defined]
    if parent is not None:
        pp = parent.prev
        if pp is not None and pp.tag not in ("script", "style"):
            txt = str(pp.text(strip=True))
            if 0 < len(txt) <= 40:
                return txt
    return ""


def _static_fields(tree: object) -> tuple[list[_Field], bool]:
    """Fields from markup; second value: a camera capture input was seen."""
    labels: dict[str, str] = {}
    for lab in tree.css("label[for]")[:MAX_FIELDS]:  # type: ignore[attr-defined]
        labels[lab.attributes.get("for") or ""] = str(lab.text(strip=True))[:80]
    out: list[_Field] = []
    capture = False
    bare_names: list[object] = []
    for node in tree.css("input, select, textarea")[:MAX_FIELDS]:  # type: ignore[attr-defined]
        a = {k.lower(): (v or "") for k, v in node.attributes.items()}
        typ = a.get("type", "text").lower()
        if typ in _SKIP_TYPES:
            continue
        label = _label_text(node, labels)
        bits = [
            x for x in (label, a.get("placeholder", ""), a.get("aria-label", ""), a.get("title", "")) if x
        ]
        text_bits = " ".join(bits)
        keys = [
            a.get(k, "")
            for k in (
                "name",
                "id",
                "v-model",
                "formcontrolname",
                "data-field",
                "ng-model",
                ":value",
                "v-model.trim",
            )
            if a.get(k)
        ]
        ac = a.get("autocomplete", "").lower()
        kind = _kind_of(typ, ac, keys, bits)
        if typ == "file":
            blob = normalize(" ".join([*keys, text_bits, _near_text(node)]))
            if _HOLD_ID.search(blob):
                out.append(_Field("face", "手持身份证 / holding ID"))
                out.append(_Field("id_card", "ID photo upload"))
                continue
            if _ID_PHOTO.search(blob) or kind == "id_card":
                out.append(_Field("id_card", "ID photo upload"))
                continue
            if (
                "capture" in a
                and a.get("capture", "").lower() in ("user", "")
                and "image" in a.get("accept", "")
            ):
                capture = True
                if _FACE_WORDS.search(blob) or a.get("capture", "").lower() == "user":
                    out.append(_Field("face", "camera capture"))
            continue
        if kind is None and typ == "text" and [k.lower() for k in keys[:1]] == ["name"]:
            bare_names.append(node)
            continue
        if kind is None:
            continue
        evidence = (label or a.get("placeholder") or (keys[0] if keys else typ))[:40]
        payment = kind == "password" and bool(_PAYMENT_PWD.search(normalize(" ".join([*keys, text_bits]))))
        out.append(_Field(kind, evidence, payment))
    # name="name" alone is ambiguous; next to contact fields (e-mail, phone, city) it is a person's name.
    for node in bare_names[:5]:
        form = node.parent  # type: ignore[attr-defined]
        for _ in range(6):
            if form is None or form.tag == "form":
                break
            form = form.parent
        if (
            form is not None
            and form.css_first(
                "input[type=email], input[type=tel], input[name*=phone], input[name*=mail], input[name*=city]"
            )
            is not None
        ):
            out.append(_Field("real_name", "name"))
            break
    return out, capture


def _near_text(node: object) -> str:
    p = node.parent  # type: ignore[attr-defined]
    for _ in range(2):
        if p is None:
            break
        txt = str(p.text(strip=True))
        if txt:
            return txt[:120]
        p = p.parent
    return ""


def _kind_of(typ: str, ac: str, keys: list[str], bits: list[str]) -> str | None:
    if typ == "password":
        return "password"
    if ac in ("one-time-code",):
        return "sms_code"
    if ac.startswith("cc-"):
        return "bank_card"
    if ac in (
        "street-address",
        "address-line1",
        "address-line2",
        "postal-code",
        "address-level1",
        "address-level2",
    ):
        return "address"
    if ac in ("name", "given-name", "family-name"):
        return "real_name"
    for bit in bits:  # the label first, then placeholder, aria-label, title
        k = classify_label(bit)
        if k:
            return k
        if _LABEL_EXCLUDE.search(normalize(bit)):
            return None
    for key in keys:
        k = classify_key(key)
        if k:
            return k
    if typ == "tel" or ac in ("tel", "tel-national"):
        return "phone"
    if typ == "email" or ac == "email":
        return None
    return None


# Script patterns: keys and labels of fields built at run time.
_S_KEYS = re.compile(
    r"""(?:\b(?:name|key|k|field|prop|model|id|v-model|formControlName|dataIndex)\s*[:=]\s*['"]"""
    r"""([A-Za-z_][\w.\[\]]{1,40})['"])"""
    r"""|(?:\.append\(\s*['"]([A-Za-z_]\w{1,40})['"])"""
    r"""|(?:v-model(?:\.\w+)?\s*=\s*\\?['"]([\w.\[\]]{1,60})\\?['"])"""
    r"""|(?:\.(?:name|id)\s*=\s*['"]([A-Za-z_]\w{1,40})['"])"""
)
_S_LABELS = re.compile(
    r"""\b(?:label|t|title|placeholder|text|tip|desc|ph)\s*[:=]\s*['"`]([^'"`\n]{2,40})['"`]"""
    r"""|\.placeholder\s*=\s*['"`]([^'"`\n]{2,40})['"`]"""
)
_S_JSON_KEYS = re.compile(r"JSON\.stringify\(\s*\{([^{}]{0,600})\}")
_S_BARE_KEY = re.compile(r"([A-Za-z_]\w{1,30})\s*:")
_S_FORM_MARKERS = re.compile(
    r"createElement\(\s*['\"](?:input|select|textarea)|FormData|v-model|fields\s*[:=]\s*\[|formItems|"
    r"JSON\.stringify\(\s*\{|\.placeholder\s*=|<input|new Vue|createApp|React\.createElement\(\s*['\"]input|"
    r"\bh\(\s*['\"]input|items\s*[:=]\s*\[\s*\{|\$\.ajax|\$\.post|axios|XMLHttpRequest|fetch\("
)
_S_ID_VALIDATOR = re.compile(
    r"\\d\{17\}\[\\dXx\]|\\d\{17\}\(\\d\|X|"
    r"7,\s*9,\s*10,\s*5,\s*8,\s*4,\s*2,\s*1,\s*6,\s*3"
)
_S_PHONE_VALIDATOR = re.compile(r"\^1\[3-9\]\\d\{9\}|\^1\[3456789\]\\d\{9\}|\^1\\d\{10\}")
_S_CAMERA = re.compile(r"getUserMedia\s*\(|mediaDevices")
_S_CAPTURE = re.compile(r"toDataURL|drawImage|takePhoto|MediaRecorder")
_TAGS_IN_JS = r"<(?:form|div|input|label|select|p|li|section)"
_S_HTML = re.compile(
    "'(\\s*"
    + _TAGS_IN_JS
    + "[^'\\n]{10,4000})'"
    + '|"(\\s*'
    + _TAGS_IN_JS
    + '[^"\\n]{10,4000})"'
    + "|`(\\s*"
    + _TAGS_IN_JS
    + "[^`]{10,4000})`"
)
_TELEGRAM = re.compile(r"api\.telegram\.org/bot|t\.me/bot|sendMessage\?chat_id")
_MAILER = re.compile(
    r"formspree\.io|formsubmit\.co|getform\.io|emailjs\.com|api\.emailjs|smtpjs\.com|"
    r"web3forms\.com|formcarry\.com|basin\.usebasin"
)


def _script_fields(scripts: list[str]) -> tuple[list[_Field], bool, bool]:
    """Fields built by scripts; flags: camera capture, telegram-bot exfiltration."""
    out: list[_Field] = []
    camera = telegram = False
    budget = MAX_SCRIPT
    for code in scripts:
        if budget <= 0:
            break
        code = code[:budget]
        budget -= len(code)
        if _TELEGRAM.search(code):
            telegram = True
        if _S_CAMERA.search(code) and _S_CAPTURE.search(code) and re.search(r"video|facingMode", code):
            camera = True
        if not _S_FORM_MARKERS.search(code):
            continue
        for m in _S_KEYS.finditer(code):
            key = next(g for g in m.groups() if g)
            kind = classify_key(key)
            if kind:
                out.append(
                    _Field(kind, key[:40], kind == "password" and bool(_PAYMENT_PWD.search(key.lower())))
                )
        for m in _S_LABELS.finditer(code):
            txt = next(g for g in m.groups() if g)
            if re.search(r"请|输入|填写|上传|enter|your", txt) or len(normalize(txt)) <= 8:
                kind = classify_label(txt)
                if kind:
                    out.append(
                        _Field(
                            kind, txt[:40], kind == "password" and bool(_PAYMENT_PWD.search(normalize(txt)))
                        )
                    )
                if _ID_PHOTO.search(normalize(txt)):
                    out.append(_Field("id_card", txt[:40]))
        for m in _S_JSON_KEYS.finditer(code):
            for km in _S_BARE_KEY.finditer(m.group(1)):
                kind = classify_key(km.group(1))
                if kind:
                    out.append(_Field(kind, km.group(1)))
        if _S_ID_VALIDATOR.search(code):
            out.append(_Field("id_card", "ID-number validator"))
        if _S_PHONE_VALIDATOR.search(code):
            out.append(_Field("phone", "phone-number validator"))
        for m in list(_S_HTML.finditer(code))[:20]:
            frag = next(g for g in m.groups() if g).replace('\\"', '"').replace("\\'", "'")
            if "<input" in frag or "<select" in frag or "<textarea" in frag:
                from ..htmltree import parse_html

                sub, _cap = _static_fields(parse_html(_flatten(frag)))
                out.extend(sub)
    return out, camera, telegram


# --- brand, install, pressure -----------------------------------------------------------------------


def _page_brand(tree: object, title: str) -> Brand | None:
    """The brand the page presents itself as: its title, logo, main heading, header or copyright line.

    Footers and banners also list partners and payment methods (支付宝, 银联…): only the text right
    after a ``©``/``版权所有``/``Copyright`` mark counts there.
    """
    spots = [title]
    for sel in ("h1", "[class*=logo]", "[id*=logo]", "header", "[class*=header]"):
        for n in tree.css(sel)[:4]:  # type: ignore[attr-defined]
            spots.append(str(n.text(strip=True))[:120])
    for n in tree.css("img[alt]")[:40]:  # type: ignore[attr-defined]
        a = n.attributes
        if "logo" in " ".join((a.get("class") or "", a.get("id") or "", a.get("src") or "")).lower():
            spots.append(a.get("alt") or "")
    for n in tree.css("footer, [class*=footer], [class*=copyright]")[:4]:  # type: ignore[attr-defined]
        for m in re.finditer(r"(?:©|copyright|版权所有)(.{0,40})", str(n.text(strip=True))[:2000], re.I):
            spots.append(m.group(1))
    blob = normalize(" ".join(s for s in spots if s))
    best: tuple[int, Brand] | None = None
    for b in brands():
        for name in b.names:
            n = normalize(name)
            if len(n) < 2 or (n.isascii() and len(n) < 3):
                continue
            if n.isascii():
                hit = re.search(r"(?<![a-z0-9])" + re.escape(n) + r"(?![a-z0-9])", blob)
            else:
                hit = re.search(re.escape(n), blob)
            if hit and (best is None or len(n) > best[0]):
                best = (len(n), b)
    return best[1] if best else None


_COUNTDOWN_JS = re.compile(r"(setInterval|setTimeout)[\s\S]{0,400}?(--|-=\s*1)")
_SCARCITY = re.compile(
    r"(仅剩|剩余|还剩)\s*\d+\s*(个|份|名|台|位|件)?(名额)?|"
    r"名额有限|倒计时|已有\s*[\d,]+\s*人(领取|参与|申请)|"
    r"今日已发放|only \d+ left|\d+ (spots|items) left|offer ends in|expires in"
)
_APP_STORES = (
    "apps.apple.com",
    "itunes.apple.com",
    "play.google.com",
    "appgallery.huawei.com",
    "app.mi.com",
    "sj.qq.com",
    "app.qq.com",
    "m.app.so.com",
    "appstore.vivo.com.cn",
    "app.meizu.com",
    "store.apple.com",
    "apps.samsung.com",
    "galaxystore.samsung.com",
)
_OFFICIAL_SUFFIX = re.compile(
    r"(?:^|\.)(?:gov|edu|mil)(?:\.[a-z]{2})?$|\.gov\.[a-z]{2,3}$|"
    r"\.edu\.[a-z]{2,3}$"
)


def _host_of(url: str) -> str:
    try:
        h = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return h.lower().rstrip(".")


def _registrable(host: str) -> str:
    if not host:
        return ""
    try:
        return domain_parts(host)[0]
    except (InvalidURL, ValueError):
        return host


_ICP = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP[备证]\s*\d{6,10}号")

# --- the analysis -----------------------------------------------------------------------------------

MAX_DEPTH = 600
"""Deepest element nesting kept: the parser's work grows with the square of the depth."""
MAX_TAGS = 60_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9\-]{0,20})\b[^<>]{0,2000}?(/?)>")
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "command",
        "basefont",
        "frame",
        "isindex",
    }
)


def _flatten(html: str) -> str:
    """Drop opening tags nested deeper than :data:`MAX_DEPTH` and cut after :data:`MAX_TAGS` tags (linear)."""
    depth = 0
    cut: list[tuple[int, int]] = []
    for n, m in enumerate(_TAG.finditer(html)):
        if n >= MAX_TAGS:
            cut.append((m.start(), len(html)))
            break
        name = m.group(2).lower()
        if name in _VOID or m.group(3):
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        elif depth >= MAX_DEPTH:
            cut.append((m.start(), m.end()))
        else:
            depth += 1
    if not cut:
        return html
    parts, last = [], 0
    for a, b in cut:
        parts.append(html[last:a])
        last = b
    parts.append(html[last:])
    return "".join(parts)


def analyze_html(html: str, url: str) -> PageFindings:
    """Everything the page itself shows (see the module docstring). Never raises on bad HTML."""
    from ..htmltree import parse_html

    html = _flatten((html or "")[:MAX_HTML])
    tree = parse_html(html)
    host = _host_of(url)
    reg = _registrable(host)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""

    title_node = tree.css_first("title")
    title = str(title_node.text(strip=True))[:200] if title_node is not None else ""

    scripts = [str(n.text() or "") for n in tree.css("script")[:200] if not n.attributes.get("src")]
    # <template> contents and <script type="text/x-template"> (Vue, Handlebars) are markup the page
    # renders later: parse them as markup too.
    templates = [
        re.sub(r"^<template[^>]*>|</template>$", "", str(n.html or "")) for n in tree.css("template")[:50]
    ]
    templates += [
        str(n.text() or "")
        for n in tree.css("script[type]")[:50]
        if "template" in (n.attributes.get("type") or "") or "html" in (n.attributes.get("type") or "")
    ]
    static, capture = _static_fields(tree)
    for markup in templates[:50]:
        sub, cap = _static_fields(parse_html(_flatten(markup[:MAX_SCRIPT])))
        static += sub
        capture = capture or cap
    dynamic, camera, telegram = _script_fields(scripts + templates)
    links = [(n.attributes.get("href") or "") for n in tree.css("a[href]")[:2000]]
    form_actions = [(n.attributes.get("action") or "") for n in tree.css("form[action]")[:50]]

    body = tree.body
    text = ""
    if body is not None:
        for n in body.css("script, style, noscript, template, svg"):
            n.decompose()
        text = str(body.text(separator=" ", strip=True))[:30_000]
    page_text = f"{title} {text}"
    norm = normalize(page_text)

    fields = static + dynamic
    if camera or capture:
        fields.append(_Field("face", "camera (getUserMedia)" if camera else "camera capture input"))
    elif (
        _FACE_WORDS.search(norm)
        and any(f.kind == "id_card" for f in fields)
        and re.search(r"video|camera|摄像头", html[:200_000], re.I)
    ):
        fields.append(_Field("face", "face scan"))
    if _HOLD_ID.search(norm) and any(f.kind == "id_card" for f in fields):
        fields.append(_Field("face", "手持身份证"))

    kinds: dict[str, _Field] = {}
    for f in fields:
        if f.kind not in kinds or (f.payment and not kinds[f.kind].payment):
            kinds[f.kind] = f
    pii = tuple(k for k in PII_KINDS if k in kinds)

    brand = _page_brand(tree, title)
    official = bool(_OFFICIAL_SUFFIX.search(host)) or (brand is not None and brand.owns(host))
    if brand is None and host:
        owner = next((b for b in brands() if b.owns(host) and not b.domains <= {"gov.cn"}), None)
        official = official or owner is not None
    reasons: list[Reason] = []
    if pii:
        reasons.append(
            make(
                "page.asks_pii",
                ", ".join(pii),
                source="page",
                fields_en=_pii_words(pii)[0],
                fields_zh=_pii_words(pii)[1],
            )
        )
    if official:
        reasons.append(make("page.official", host, source="page", brand=brand.label if brand else host))

    tr = text_reasons(page_text, message=False)
    advice = any(r.code == "text.advice_context" for r in tr)
    if advice:
        reasons.append(make("page.advice", source="page"))
    # Why the user would comply. On a page, "asks for PII" is what the form itself does: not a lure.
    not_lures = (
        "text.urgency",
        "text.flash_sale",
        "text.advice_context",
        "text.contact_handle",
        "text.asks_for_pii",
    )
    lure_codes = {r.code for r in tr if r.code not in not_lures}
    lure_weight = max((r.weight for r in tr if r.code in lure_codes), default=0)
    form = sum(FIELD_WEIGHTS[k] for k in pii) + (
        2 if kinds.get("password") and kinds["password"].payment else 0
    )
    sensitive = [k for k in pii if k in _SENSITIVE]

    if not official:
        strong_field = any(k in kinds for k in ("id_card", "bank_card", "face")) or (
            "password" in kinds and kinds["password"].payment
        )
        top = 0
        if strong_field and form >= 2 and lure_weight < 30 and not advice:
            weak = ("urgency", "flash_sale", "contact_handle", "asks_for_pii")
            top = max((v for k, v in lure_points(page_text).items() if k not in weak), default=0)
        if form >= 8 and len(sensitive) >= 2:
            # Tie-breaker only (SIGNALS §6): an https page with an ICP filing and no lure wording
            # is more likely an unlisted real service than a harvest page.
            quiet = scheme == "https" and bool(_ICP.search(text)) and lure_weight < 30 and top < 3
            reasons.append(
                make(
                    "page.kyc_bundle",
                    ", ".join(pii),
                    weight=30 if quiet else 75,
                    source="page",
                    fields_en=_pii_words(pii)[0],
                    fields_zh=_pii_words(pii)[1],
                )
            )
        if not advice and form >= 2 and (lure_weight >= 30 or (top >= 3 and strong_field)):
            w = min(80, 45 + 5 * form)
            reasons.append(
                make(
                    "page.pii_with_lure",
                    ", ".join(pii),
                    weight=w,
                    source="page",
                    fields_en=_pii_words(pii)[0],
                    fields_zh=_pii_words(pii)[1],
                )
            )
        if kinds.get("password") and kinds["password"].payment:
            reasons.append(make("page.payment_password", kinds["password"].evidence, source="page"))
        if "id_card" in kinds and kinds["id_card"].evidence in ("ID photo upload",) and not advice:
            reasons.append(make("page.id_photo_upload", "身份证照片", source="page"))
        if "face" in kinds and not advice:
            reasons.append(make("page.camera_capture", kinds["face"].evidence, source="page"))
        if brand is not None and host:
            creds = [k for k in ("password", "sms_code", "bank_card", "id_card") if k in kinds]
            if creds:
                reasons.append(make("page.brand_mismatch", reg or host, source="page", brand=brand.label))
            elif not advice:
                reasons.append(
                    make(
                        "page.brand_mismatch",
                        reg or host,
                        weight=10,
                        severity=L,
                        source="page",
                        brand=brand.label,
                    )
                )

    # Install lures.
    apks = [h for h in links if re.search(r"\.apk(?:$|[?#])", h, re.I)]
    for h in apks[:1]:
        target = _host_of(h) or host
        own = brand is not None and brand.owns(target)
        if not own and not target.endswith(_APP_STORES) and not official:
            reasons.append(make("page.apk_download", h.rsplit("/", 1)[-1][:60] or h[:60], source="page"))
    if any(h.lower().startswith("itms-services:") for h in links) or "itms-services://" in html[:500_000]:
        reasons.append(make("page.ios_enterprise_install", "itms-services://", source="page"))

    # Pressure.
    scarcity = _SCARCITY.search(norm)
    js_countdown = any(_COUNTDOWN_JS.search(s[:50_000]) for s in scripts[:20]) and re.search(
        r"\d{1,2}:\d{2}|倒计时|countdown", html[:300_000], re.I
    )
    if (scarcity or js_countdown) and not official and not advice:
        reasons.append(
            make("page.countdown", scarcity.group(0)[:30] if scarcity else "countdown timer", source="page")
        )

    # Where the data goes.
    if pii and not official:
        for act in form_actions:
            ah = _host_of(act)
            if ah and _registrable(ah) != reg:
                login_only = set(pii) <= {"password", "phone"}
                reasons.append(
                    make(
                        "page.foreign_form_action",
                        ah[:60],
                        weight=15 if login_only else 30 if sensitive else 20,
                        source="page",
                    )
                )
                break
    if sensitive:
        if scheme == "http" and not official:
            reasons.append(make("page.insecure_form", source="page"))
    if telegram:
        reasons.append(make("page.telegram_exfil", "api.telegram.org", source="page"))
    if pii and any(_MAILER.search(s[:100_000]) for s in scripts + form_actions):
        reasons.append(make("page.form_to_mail", "form-forwarding service", source="page"))

    # Lure words on the page: at most a caution on their own (no form, no install lure).
    has_form = form >= 2
    # Long pages (articles, portals) mention every word somewhere: scale by lure density.
    density = min(1.0, 4000 / max(len(text), 1))
    # Without a form, words alone stay below a warning: the strongest theme counts at most 25,
    # the others only a little.
    rank = 0
    for r in sorted(tr, key=lambda r: -r.weight):
        if r.code == "text.advice_context":
            continue
        w = int(r.weight * density)
        if not has_form or official:
            w = min(w // 2, 25) if rank == 0 else min(w // 4, 8)
        if r.code == "text.asks_for_pii":
            w = min(w, 20)  # the page's PII reasons already say what it asks
        rank += 1
        if official:
            w = min(w, 10)
        reasons.append(replace(r, weight=w, severity=r.severity if w >= 20 else L, source="page"))
    return PageFindings(
        reasons=tuple(reasons),
        pii=pii,
        title=title,
        brand=brand.label if brand else None,
        official=official,
    )


__all__ = ["FIELD_WEIGHTS", "PageFindings", "analyze_html", "classify_key", "classify_label"]
