"""What a pasted text or a decoded QR payload is, what opening it would do, and which links it holds.

Pure: no network, no clock. :func:`classify` turns any string into a :class:`~scanner.models.Payload`
(kind, masked display text, parsed fields, links to check, a zh/en explanation);
:func:`payload_reasons` gives the warnings the payload earns by its kind alone (an enterprise app
install, a script link, a payment request…). Secrets (Wi-Fi passwords, OTP seeds) stay in
``Payload.text`` for programs and are masked everywhere else (:func:`mask_secrets`).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from . import reasons as R
from .models import Message, Payload, PayloadKind, Reason, Severity

MASK = "••••••"
"""What a secret looks like in every human-facing output (fixed: the length is not revealed)."""
DATA_URI_MAX = 64 * 1024
"""Largest ``data:`` URI body decoded (decoded bytes)."""
MAX_NESTING = 2
"""How deep a QR picture inside a ``data:`` URI inside a QR code is decoded."""
NESTED_BUDGET = 0.5
"""Seconds spent decoding one nested QR picture."""
MAX_FIELDS = 200
"""Fields of a MECARD/WIFI/vCard record that are read (real ones have a dozen)."""
MAX_PAYLOAD_LINKS = 50
"""Links kept per payload (the pipeline checks at most ``Settings.max_links`` of them)."""
MAX_CLASSIFY_CHARS = 256 * 1024
"""Text beyond this is not parsed (the input limits upstream are smaller)."""

K = PayloadKind
H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

# --- reason codes --------------------------------------------------------------------------------
R.define("payload.itms_services", H, 80,
         "This code installs an iPhone app from outside the App Store ({evidence}). Scammers use such "
         "enterprise installs for fake loan and betting apps that steal data.",
         "此码会绕过App Store安装未经商店审核的苹果应用（{evidence}）。诈骗者常用这种企业签名安装假贷款、"
         "赌博应用窃取信息。")
R.define("payload.javascript", H, 75,
         "This is a script link, not a web address: it would run code in your browser. It was not run.",
         "这是脚本链接，不是网址：打开会在浏览器中执行代码。我们没有执行它。")
R.define("payload.blocked_scheme", M, 45,
         "This link uses {evidence}:, a kind of address that phones do not open safely. It was not opened.",
         "此链接使用 {evidence}: 协议，手机无法安全打开这类地址。我们没有打开它。")
R.define("payload.data_uri_html", M, 45,
         "The code holds a whole web page instead of an address, so the page has no site you could check.",
         "此码直接包含一个完整网页而不是网址，无法核实它来自哪个网站。")
R.define("payload.payment_request", M, 30,
         "This is a payment request ({evidence}). Pay only people and shops you know.",
         "这是一个付款请求（{evidence}）。只向你认识的人和商家付款。")
R.define("payload.otp_seed", M, 40,
         "This code adds a login code generator (two-factor secret). Scan it only on a site's own security "
         "page: never one someone sent you.",
         "此码会添加动态验证码（两步验证密钥）。只在网站自己的安全设置页扫描，切勿扫描别人发给你的。")
R.define("payload.open_wifi", L, 15,
         "This Wi-Fi network ({evidence}) has no password: others nearby can see what you send over it.",
         "此Wi-Fi网络（{evidence}）没有密码：附近的人可能看到你发送的内容。")
R.define("payload.app_link", INFO, 0,
         "This opens the {evidence} app directly. We cannot check what it shows; the app decides.",
         "此链接会直接打开{evidence}。我们无法检查其中内容，请在应用内谨慎操作。")
R.define("payload.app_token", INFO, 0,
         "This is an in-app share code ({evidence}) that only the shopping app can open; we cannot check it.",
         "这是只能在购物应用里打开的口令（{evidence}），我们无法检查其内容。")
R.define("payload.binary", INFO, 0,
         "The code holds {evidence} bytes of data that are not text.",
         "此码包含 {evidence} 字节的非文本数据。")
R.define("payload.too_large", L, 20,
         "The embedded data ({evidence}) is too large to inspect fully.",
         "内嵌数据（{evidence}）过大，无法完整检查。")

# --- explanations per kind -----------------------------------------------------------------------
_EXPLAIN: dict[PayloadKind, Message] = {
    K.URL: Message("Opens a web page.", "打开一个网页。"),
    K.TEXT: Message("Plain text: nothing opens.", "纯文本：不会打开任何东西。"),
    K.TEXT_WITH_URL: Message(
        "Text with links: the links are checked one by one.",
        "含链接的文本：逐个检查其中的链接。",
    ),
    K.WECHAT: Message("Opens a page or mini program inside WeChat.", "在微信内打开页面或小程序。"),
    K.WECHAT_PAY: Message("Opens a WeChat Pay payment.", "打开微信支付付款。"),
    K.ALIPAY: Message("Opens Alipay (a page, mini program or payment).", "打开支付宝（页面、小程序或付款）"),
    K.APP_LINK: Message("Opens another app on the phone directly.", "直接打开手机上的其他应用。"),
    K.APP_TOKEN: Message(
        "A share code that the shopping app reads from the clipboard.",
        "购物应用从剪贴板读取的分享口令。",
    ),
    K.WIFI: Message("Joins a Wi-Fi network.", "连接一个Wi-Fi网络。"),
    K.PHONE: Message("Calls a phone number.", "拨打一个电话号码。"),
    K.SMS: Message("Prepares a text message to a number.", "准备向某号码发送短信。"),
    K.EMAIL: Message("Prepares an email.", "准备发送一封邮件。"),
    K.CONTACT: Message("Adds a contact card.", "添加一张联系人名片。"),
    K.GEO: Message("Shows a place on a map.", "在地图上显示一个位置。"),
    K.INTENT: Message(
        "Opens an Android app, or a web page if the app is missing.",
        "打开安卓应用；未安装时打开备用网页。",
    ),
    K.ITMS_SERVICES: Message(
        "Installs an iPhone app from outside the App Store.",
        "绕过App Store安装苹果应用。",
    ),
    K.OTP: Message("Adds a two-factor login code generator.", "添加两步验证动态码。"),
    K.CRYPTO_PAYMENT: Message("Asks for a cryptocurrency payment.", "请求加密货币付款。"),
    K.DATA_URI: Message(
        "Contains the data itself (a page, text or picture), not an address.",
        "直接包含数据（网页、文字或图片），不是网址。",
    ),
    K.JAVASCRIPT: Message(
        "A script that would run in the browser (never run here).",
        "会在浏览器中运行的脚本（此处不会运行）。",
    ),
    K.BLOCKED_SCHEME: Message(
        "A kind of address we never open (files, FTP, sockets…).",
        "我们不会打开的地址类型（文件、FTP、套接字等）。",
    ),
    K.BINARY: Message("Raw data that is not text.", "非文本的原始数据。"),
}

# --- scheme tables -------------------------------------------------------------------------------
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]{0,39}):")
_BLOCKED = frozenset({
    "file", "ftp", "ftps", "sftp", "gopher", "dict", "ws", "wss", "ldap", "ldaps", "smb", "cifs",
    "telnet", "ssh", "tftp", "jar", "netdoc", "nfs", "afp", "rtsp", "mms", "chrome", "chrome-extension",
    "about", "view-source", "blob", "filesystem", "ms-msdt", "search-ms", "ms-officecmd", "res",
})
_SCRIPT = frozenset({"javascript", "vbscript", "livescript"})
_CRYPTO = {
    "bitcoin": "Bitcoin", "bitcoincash": "Bitcoin Cash", "ethereum": "Ethereum", "litecoin": "Litecoin",
    "dogecoin": "Dogecoin", "monero": "Monero", "tron": "TRON", "solana": "Solana", "ripple": "XRP",
    "xrp": "XRP", "dash": "Dash", "zcash": "Zcash", "cardano": "Cardano", "binancecoin": "BNB",
    "usdt": "USDT", "tether": "USDT", "ton": "TON", "stellar": "Stellar", "web+stellar": "Stellar",
}
# App schemes people meet in Chinese QR codes (name shown as "the X app").
_APPS = {
    "taobao": ("Taobao", "淘宝"), "tbopen": ("Taobao", "淘宝"), "tmall": ("Tmall", "天猫"),
    "openapp.jdmobile": ("JD", "京东"), "jdmobile": ("JD", "京东"), "pinduoduo": ("Pinduoduo", "拼多多"),
    "snssdk1128": ("Douyin", "抖音"), "snssdk1233": ("TikTok", "TikTok"),
    "snssdk2329": ("Douyin Lite", "抖音极速版"),
    "snssdk143": ("Toutiao", "今日头条"), "kwai": ("Kuaishou", "快手"),
    "ksnebula": ("Kuaishou Lite", "快手极速版"),
    "mqq": ("QQ", "QQ"), "mqqapi": ("QQ", "QQ"), "mqqwpa": ("QQ", "QQ"), "tim": ("TIM", "TIM"),
    "baiduboxapp": ("Baidu", "百度"), "bdapp": ("Baidu", "百度"), "imeituan": ("Meituan", "美团"),
    "meituanwaimai": ("Meituan Waimai", "美团外卖"), "dianping": ("Dianping", "大众点评"),
    "eleme": ("Ele.me", "饿了么"), "xhsdiscover": ("Xiaohongshu", "小红书"), "sinaweibo": ("Weibo", "微博"),
    "weibo": ("Weibo", "微博"), "zhihu": ("Zhihu", "知乎"), "bilibili": ("Bilibili", "哔哩哔哩"),
    "orpheus": ("NetEase Music", "网易云音乐"), "upwallet": ("UnionPay", "云闪付"),
    "upwrp": ("UnionPay", "云闪付"),
    "unionpay": ("UnionPay", "云闪付"), "ctrip": ("Trip.com", "携程"), "diditaxi": ("DiDi", "滴滴"),
    "amapuri": ("Amap", "高德地图"), "iosamap": ("Amap", "高德地图"), "baidumap": ("Baidu Maps", "百度地图"),
    "dingtalk": ("DingTalk", "钉钉"), "wxwork": ("WeCom", "企业微信"), "whatsapp": ("WhatsApp", "WhatsApp"),
    "tg": ("Telegram", "Telegram"), "line": ("LINE", "LINE"), "market": ("app store", "应用商店"),
    "itms-apps": ("App Store", "App Store"), "youku": ("Youku", "优酷"), "alipayqr": ("Alipay", "支付宝"),
}
_WECHAT = ("WeChat", "微信")
_ALIPAY = ("Alipay", "支付宝")
# Query parameters that carry an embedded address in app links.
_URL_PARAMS = ("url", "qrcode", "h5url", "h5_url", "target", "redirect", "redirect_url", "link",
               "weburl", "web_url", "page_url", "fallback", "u", "to", "jump_url", "jumpurl")
_TOKEN = re.compile(
    r"([￥¥$€£₤¢₳₴₰₵₲₱€₭₦%]|\(|\uff08|/)([A-Za-z0-9]{8,14})(\1|\)|\uff09|/)"
)
_TOKEN_PAIRS = {"(": ")", "\uff08": "\uff09"}


# --- masking -------------------------------------------------------------------------------------
_WIFI_START = re.compile(r"(?i)WIFI:")
_WIFI_SECRET_KEYS = frozenset({"P", "PH2", "PASS", "PASSWORD"})
_SECRET_PARAM = re.compile(r"(?i)([?&](?:secret|password|passwd|pwd)=)([^&#\s]*)")


def mask_secrets(text: str) -> str:
    """``text`` with Wi-Fi passwords and OTP secrets replaced by a fixed mask (for people and logs).

    >>> mask_secrets("WIFI:T:WPA;S:Cafe;P:hunter2;;")
    'WIFI:T:WPA;S:Cafe;P:••••••;;'
    >>> mask_secrets("otpauth://totp/x?secret=JBSWY3DP&issuer=y")
    'otpauth://totp/x?secret=••••••&issuer=y'
    """
    out = _mask_wifi(text) if "wifi:" in text.lower() else text
    if "=" in out:
        out = _SECRET_PARAM.sub(lambda m: m.group(1) + (MASK if m.group(2) else ""), out)
    return out


def _mask_wifi(text: str) -> str:
    """Mask the password field of every ``WIFI:`` record, reading fields as a phone does (escapes kept)."""
    out: list[str] = []
    pos = 0
    for m in _WIFI_START.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos : m.end()])
        i = m.end()
        while i < len(text):
            # One field: up to the next unescaped ';'.
            j = i
            while j < len(text) and text[j] != ";":
                j += 2 if text[j] == "\\" else 1
            field = text[i : min(j, len(text))]
            key, colon, value = field.partition(":")
            if colon and key.strip().upper() in _WIFI_SECRET_KEYS and value:
                field = f"{key}:{MASK}"
            out.append(field)
            if j >= len(text):
                i = len(text)
                break
            out.append(";")
            i = j + 1
            if not field:  # ";;" ends the record
                break
        pos = i
    out.append(text[pos:])
    return "".join(out)


# --- helpers -------------------------------------------------------------------------------------
def _is_binary(text: str, raw: bytes | None) -> bool:
    """Mostly control characters (or a NUL): data, not text."""
    if "\x00" in text:
        return True
    if not text:
        return bool(raw)
    if text.isprintable():  # the common case, at C speed
        return False
    ctrl = sum(1 for c in text if (ord(c) < 0x20 and c not in "\t\r\n\x1d\x1e\x04") or 0x7F <= ord(c) < 0xA0)
    return ctrl / len(text) > 0.1


def _query(s: str) -> dict[str, str]:
    """Query parameters of a URL-ish string, keys lower-cased, values percent-decoded (first wins)."""
    q = s.split("?", 1)[1] if "?" in s else ""
    q = q.split("#", 1)[0]
    out: dict[str, str] = {}
    for k, v in parse_qsl(q, keep_blank_values=True):
        out.setdefault(k.lower(), v)
    return out


def _embedded_urls(params: dict[str, str]) -> list[str]:
    """Web addresses carried in app-link parameters (``url=``, ``qrcode=``…), decoded once more if needed."""
    out: list[str] = []
    for key in _URL_PARAMS:
        v = params.get(key, "").strip()
        for _ in range(2):
            if re.match(r"(?i)^https?%3a", v):
                v = unquote(v)
        if re.match(r"(?i)^https?://", v) and v not in out:
            out.append(v)
    return out


def _links_in(text: str) -> list[str]:
    from .extract import extract_links

    out: list[str] = []
    for f in extract_links(text):
        if f.url not in out:
            out.append(f.url)
    return out


def _url_field(value: str) -> list[str]:
    """Links in a field meant to hold a URL: what extraction finds, else the value if it has a scheme."""
    v = value.strip()
    found = _links_in(v)
    if found:
        return found
    return [v] if re.match(r"(?i)^[a-z][a-z0-9+.\-]*://\S", v) else []


def _dedupe(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for x in items:
        if x:
            seen.setdefault(x)
            if len(seen) >= MAX_PAYLOAD_LINKS:
                break
    return tuple(seen)


def _payload(
    text: str, kind: PayloadKind, source: str, *, fields: dict[str, str] | None = None,
    links: list[str] | tuple[str, ...] = (), display: str | None = None, raw_hex: str = "",
) -> Payload:
    return Payload(
        text=text,
        kind=kind,
        display=mask_secrets(text) if display is None else display,
        fields={k: v for k, v in (fields or {}).items() if v != ""},
        links=_dedupe(list(links)),
        explanation=_EXPLAIN[kind],
        source=source,
        raw_hex=raw_hex,
    )


def _split_escaped(s: str, sep: str) -> list[str]:
    r"""Split on ``sep`` not preceded by a backslash, unescaping ``\x`` → ``x``.

    >>> _split_escaped(r"S:Cafe\;Guest;P:a\:b", ";")
    ['S:Cafe;Guest', 'P:a:b']
    """
    parts, cur, i = [], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur.append(s[i + 1])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _me_fields(body: str) -> list[tuple[str, str]]:
    """``KEY:value;KEY:value;;`` records (MECARD, WIFI, MATMSG, MEBKM) with escapes undone."""
    out = []
    for part in _split_escaped(body, ";")[:MAX_FIELDS]:
        if ":" in part:
            k, v = part.split(":", 1)
            out.append((k.strip().upper(), v))
    return out


# --- classifiers per kind ------------------------------------------------------------------------
def _wifi(text: str, body: str, source: str) -> Payload:
    f = dict(_me_fields(body))
    security = f.get("T", "").strip() or ("nopass" if not f.get("P") else "WPA")
    password = f.get("P", "")
    fields = {
        "ssid": f.get("S", ""),
        "security": security,
        "hidden": "true" if f.get("H", "").lower() == "true" else "",
        "password": MASK if password else "",
        "eap_method": f.get("E", ""),
        "identity": f.get("I", ""),
    }
    return _payload(text, K.WIFI, source, fields=fields)


def _geo(text: str, rest: str, source: str) -> Payload:
    coords, _, query = rest.partition("?")
    parts = coords.split(";", 1)[0].split(",")
    fields = {"lat": parts[0].strip() if parts else "", "lon": parts[1].strip() if len(parts) > 1 else ""}
    q = _query("?" + query) if query else {}
    fields["query"] = q.get("q", "")
    return _payload(text, K.GEO, source, fields=fields)


def _phone(text: str, rest: str, source: str) -> Payload:
    return _payload(text, K.PHONE, source, fields={"number": unquote(rest.split("?", 1)[0]).strip()})


def _sms(text: str, scheme: str, rest: str, source: str) -> Payload:
    if scheme == "smsto" or (scheme == "sms" and "?" not in rest and ":" in rest):
        number, _, body = rest.partition(":")
    else:
        number, _, query = rest.partition("?")
        body = _query("?" + query).get("body", "") if query else ""
        number = unquote(number)
    fields = {"number": number.strip(), "body": body}
    return _payload(text, K.SMS, source, fields=fields, links=_links_in(body) if body else [])


def _mailto(text: str, rest: str, source: str) -> Payload:
    to, _, query = rest.partition("?")
    q = _query("?" + query) if query else {}
    fields = {"to": unquote(to), "subject": q.get("subject", ""), "body": q.get("body", "")}
    return _payload(text, K.EMAIL, source, fields=fields, links=_links_in(fields["body"]))


def _matmsg(text: str, body: str, source: str) -> Payload:
    f = dict(_me_fields(body))
    fields = {"to": f.get("TO", ""), "subject": f.get("SUB", ""), "body": f.get("BODY", "")}
    return _payload(text, K.EMAIL, source, fields=fields, links=_links_in(fields["body"]))


def _mecard(text: str, body: str, source: str) -> Payload:
    pairs = _me_fields(body)
    fields: dict[str, str] = {}
    links: list[str] = []
    for k, v in pairs:
        name = {"N": "name", "TEL": "tel", "EMAIL": "email", "ORG": "org", "ADR": "address",
                "NOTE": "note", "URL": "url", "NICKNAME": "nickname"}.get(k)
        if name and name not in fields:
            fields[name] = v
        if k == "URL":
            links.extend(_url_field(v))
        elif k in ("NOTE", "ADR"):
            links.extend(_links_in(v))
    return _payload(text, K.CONTACT, source, fields=fields, links=links)


def _vcard(text: str, s: str, source: str) -> Payload:
    # Unfold continuation lines (RFC 6350 §3.2), then read NAME;PARAMS:VALUE lines.
    unfolded = re.sub(r"\r?\n[ \t]", "", s)
    fields: dict[str, str] = {}
    links: list[str] = []
    for line in unfolded.splitlines()[:MAX_FIELDS]:
        if ":" not in line:
            continue
        head, value = line.split(":", 1)
        name = head.split(";", 1)[0].split(".")[-1].strip().upper()
        value = value.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n").strip()
        key = {"FN": "name", "N": "name", "TEL": "tel", "EMAIL": "email", "ORG": "org", "ADR": "address",
               "NOTE": "note", "URL": "url", "TITLE": "title"}.get(name)
        if key and key not in fields:
            fields[key] = value
        if name == "URL":
            links.extend(_url_field(value))
        elif name in ("NOTE", "ADR", "X-SOCIALPROFILE"):
            links.extend(_links_in(value))
    return _payload(text, K.CONTACT, source, fields=fields, links=links)


def _intent(text: str, s: str, source: str) -> Payload:
    head, _, tail = s.partition("#Intent;")
    extras: dict[str, str] = {}
    for part in tail.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            extras[k] = unquote(v)
    fields = {
        "package": extras.get("package", ""),
        "scheme": extras.get("scheme", ""),
        "action": extras.get("action", ""),
        "fallback_url": extras.get("S.browser_fallback_url", ""),
    }
    links = []
    fallback = fields["fallback_url"]
    if re.match(r"(?i)^https?://", fallback):
        links.append(fallback)
    if fields["scheme"].lower() in ("http", "https"):
        # intent://host/path#Intent;scheme=https;end opens https://host/path in a browser.
        links.append(f"{fields['scheme'].lower()}://{head[len('intent://'):]}")
    return _payload(text, K.INTENT, source, fields=fields, links=links)


def _itms(text: str, s: str, source: str) -> Payload:
    q = _query(s)
    return _payload(text, K.ITMS_SERVICES, source,
                    fields={"action": q.get("action", ""), "manifest_url": q.get("url", "")})


def _otp(text: str, s: str, source: str) -> Payload:
    _, netloc, path = _split(s)
    q = _query(s)
    label = unquote(path.lstrip("/"))
    fields = {
        "type": netloc.lower(),
        "label": label,
        "issuer": q.get("issuer", "") or (label.split(":", 1)[0] if ":" in label else ""),
        "algorithm": q.get("algorithm", ""),
        "digits": q.get("digits", ""),
        "period": q.get("period", ""),
        "secret": MASK if q.get("secret") else "",
    }
    return _payload(text, K.OTP, source, fields=fields)


def _crypto(text: str, scheme: str, rest: str, source: str) -> Payload:
    address, _, query = rest.partition("?")
    q = _query("?" + query) if query else {}
    fields = {
        "currency": _CRYPTO[scheme],
        "address": address.lstrip("/"),
        "amount": q.get("amount", "") or q.get("value", "") or q.get("tx_amount", ""),
        "label": q.get("label", "") or q.get("message", ""),
    }
    links = _embedded_urls(q)
    return _payload(text, K.CRYPTO_PAYMENT, source, fields=fields, links=links)


def _data_uri(text: str, s: str, source: str, depth: int) -> Payload:
    head, sep, body = s[5:].partition(",")
    if not sep:
        return _payload(text, K.DATA_URI, source, fields={"media_type": "", "error": "malformed"},
                        display=_clip(text, 120))
    params = [p.strip() for p in head.split(";")]
    media = (params[0] or "text/plain").lower()
    is_b64 = any(p.lower() == "base64" for p in params[1:])
    charset = next((p.split("=", 1)[1] for p in params[1:] if p.lower().startswith("charset=")), "utf-8")
    fields: dict[str, str] = {"media_type": media, "encoding": "base64" if is_b64 else "percent"}
    limit_in = DATA_URI_MAX * 4 // 3 + 8 if is_b64 else DATA_URI_MAX * 3
    if len(body) > limit_in:
        fields["too_large"] = str(len(body))
        return _payload(text, K.DATA_URI, source, fields=fields, display=_clip(text, 120))
    try:
        data = base64.b64decode(re.sub(r"\s+", "", unquote(body)), validate=False) if is_b64 else \
            unquote(body).encode("utf-8", "surrogateescape")
    except (binascii.Error, ValueError):
        fields["error"] = "bad base64"
        return _payload(text, K.DATA_URI, source, fields=fields, display=_clip(text, 120))
    if len(data) > DATA_URI_MAX:
        fields["too_large"] = str(len(data))
        return _payload(text, K.DATA_URI, source, fields=fields, display=_clip(text, 120))
    fields["bytes"] = str(len(data))
    links: list[str] = []
    if media.startswith("text/") or media in ("application/xhtml+xml", "image/svg+xml"):
        try:
            decoded = data.decode(charset if _known_codec(charset) else "utf-8", "replace")
        except LookupError:  # pragma: no cover - _known_codec guards
            decoded = data.decode("utf-8", "replace")
        if media in ("text/html", "application/xhtml+xml", "image/svg+xml"):
            fields["html"] = decoded
        else:
            fields["text"] = decoded
            links = _links_in(decoded)
    elif media.startswith("image/") and depth < MAX_NESTING:
        links = _nested_codes(data, fields, depth)
    return _payload(text, K.DATA_URI, source, fields=fields, links=links, display=_clip(text, 120))


def _nested_codes(data: bytes, fields: dict[str, str], depth: int) -> list[str]:
    """Decode a QR picture inside a ``data:image/…`` URI (depth-limited): its texts and links."""
    from .decode import decode_raw
    from .errors import InputError
    from .settings import Settings

    try:
        codes = decode_raw(data, Settings(decode_budget=NESTED_BUDGET))
    except InputError as e:
        fields["error"] = e.code
        return []
    links: list[str] = []
    texts = []
    for code in codes:
        inner = classify(code.text, source="image", raw=code.raw, _depth=depth + 1)
        texts.append(inner.display or inner.text)
        links.extend(inner.links)
        fields.setdefault("nested_kind", inner.kind.value)
    if texts:
        fields["nested"] = "\n".join(texts)
    return links


def _known_codec(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _javascript(text: str, s: str, source: str) -> Payload:
    body = unquote(s.split(":", 1)[1]) if ":" in s else ""
    m = re.search(r"""["'`]((?:https?:)?//[^"'`\s]+)["'`]""", body)
    m = m or re.search(r"(https?://[^\s\"'`;)]+)", body)
    fields = {"target": m.group(1) if m else ""}
    return _payload(text, K.JAVASCRIPT, source, fields=fields, display=_clip(text, 200))


def _app_link(text: str, s: str, scheme: str, source: str) -> Payload:
    names = _APPS.get(scheme)
    q = _query(s)
    fields = {"app": names[0] if names else scheme, "app_zh": names[1] if names else scheme, "scheme": scheme}
    return _payload(text, K.APP_LINK, source, fields=fields, links=_embedded_urls(q))


def _wechat(text: str, s: str, scheme: str, source: str) -> Payload:
    low = s.lower()
    q = _query(s)
    if scheme == "wxp" or low.startswith("weixin://wxpay/"):
        fields = {"app": "WeChat Pay", "app_zh": "微信支付", "scheme": scheme}
        return _payload(text, K.WECHAT_PAY, source, fields=fields)
    fields = {"app": _WECHAT[0], "app_zh": _WECHAT[1], "scheme": scheme,
              "path": "".join(_split(s)[1:]) if "://" in s else ""}
    return _payload(text, K.WECHAT, source, fields=fields, links=_embedded_urls(q))


def _alipay(text: str, s: str, scheme: str, source: str) -> Payload:
    q = _query(s)
    fields = {"app": _ALIPAY[0], "app_zh": _ALIPAY[1], "scheme": scheme,
              "app_id": q.get("appid", "") or q.get("said", "")}
    return _payload(text, K.ALIPAY, source, fields=fields, links=_embedded_urls(q))


def _clip(text: str, n: int) -> str:
    t = mask_secrets(text)
    return t if len(t) <= n else t[: n - 1] + "…"


def _plain(text: str, s: str, source: str) -> Payload:
    from .extract import extract_links

    found = extract_links(s)
    fields: dict[str, str] = {}
    token = _app_token(s)
    if token:
        fields["app_token"] = token
    if len(found) == 1 and found[0].original.strip() == s and not any(c.isspace() for c in s):
        return _payload(text, K.URL, source, fields=fields, links=[found[0].url])
    if found:
        return _payload(text, K.TEXT_WITH_URL, source, fields=fields, links=[f.url for f in found])
    if token:
        return _payload(text, K.APP_TOKEN, source, fields=fields)
    return _payload(text, K.TEXT, source, fields=fields)


_URL_STOP = re.compile(r"[<>\"'`{}|\\^\[\]()]")
_PROSE_TAIL = frozenset(".,;:!?。，；：！？）)]】」』》>'\"”’…")


def _single_url(text: str, s: str, source: str) -> Payload:
    """One web address and nothing else: the phone opens exactly this string.

    Pasted prose may end the link with punctuation (``…/x。``), which is dropped; a decoded code's
    string is kept whole (a backslash or CJK path is what the phone's browser would receive).
    """
    from .extract import extract_links

    fields: dict[str, str] = {}
    if s.isascii() and s[-1] not in _PROSE_TAIL and not _URL_STOP.search(s):
        return _payload(text, K.URL, source, fields=fields, links=[s])  # nothing to trim: skip the scan
    found = extract_links(s)
    if len(found) == 1 and found[0].start == 0 and source != "image":
        tail = s[found[0].end :]
        if all(c in _PROSE_TAIL for c in tail):
            return _payload(text, K.URL, source, fields=fields, links=[found[0].url])
    return _payload(text, K.URL, source, fields=fields, links=[s])


def _app_token(s: str) -> str:
    """A Taobao-style 口令 (``￥AbCd1234￥``, ``(AbCd1234)``…) when the text holds one."""
    for m in _TOKEN.finditer(s):
        opener, token, closer = m.groups()
        if _TOKEN_PAIRS.get(opener, opener) != closer:
            continue
        # Real tokens mix letters and digits or cases; plain words and numbers are not tokens.
        if token.isdigit() or token.isalpha() and (token.islower() or token.isupper()):
            continue
        return m.group(0)
    return ""


# --- the public entry points ---------------------------------------------------------------------
def classify(text: str, *, source: str = "text", raw: bytes | None = None, _depth: int = 0) -> Payload:
    """What ``text`` is (see :class:`~scanner.models.PayloadKind`), with fields, links and explanation.

    ``source`` is ``text`` (pasted), ``image`` (decoded from a code) or ``link`` (found in a text);
    ``raw`` are the code's bytes, used to show binary payloads in hex.

    >>> classify("WIFI:T:WPA;S:Cafe\\\\;Guest;P:p\\\\:a;;").fields["ssid"]
    'Cafe;Guest'
    >>> classify("alipays://platformapi/startapp?appId=1&url=https%3A%2F%2Fa.test%2Fx").links
    ('https://a.test/x',)
    """
    if not isinstance(text, str):
        text = str(text)
    if _is_binary(text, raw):
        data = raw if raw is not None else text.encode("utf-8", "surrogatepass")
        n = len(data)
        return _payload(text, K.BINARY, source, fields={"bytes": str(n)},
                        display=f"{n} bytes of binary data", raw_hex=data[:64].hex())
    # Zero-width characters and a BOM around a payload are invisible to people and to phones.
    s = text.strip().strip("\ufeff\u200b\u200c\u200d\u2060").strip()[:MAX_CLASSIFY_CHARS]
    m = _SCHEME.match(s)
    scheme = m.group(1).lower() if m else ""
    rest = s[len(scheme) + 1:] if scheme else ""
    upper = s[:16].upper()
    if upper.startswith("WIFI:"):
        return _wifi(text, s[5:], source)
    if upper.startswith("MECARD:"):
        return _mecard(text, s[7:], source)
    if upper.startswith("BEGIN:VCARD"):
        return _vcard(text, s, source)
    if upper.startswith("MATMSG:"):
        return _matmsg(text, s[7:], source)
    if upper.startswith("MEBKM:"):
        f = dict(_me_fields(s[6:]))
        url = f.get("URL", "").strip()
        links = _url_field(url)
        return _payload(text, K.URL if links else K.TEXT, source, fields={"title": f.get("TITLE", "")},
                        links=links)
    if upper.startswith("URLTO:"):
        url = s[6:].strip()
        links = _url_field(url)
        return _payload(text, K.URL if links else K.TEXT, source, links=links)
    if scheme in ("http", "https") and len(s.split(None, 1)) == 1:
        return _single_url(text, s, source)
    if scheme in ("http", "https") or re.match(r"(?i)^(?:hxxps?|fxp)$", scheme):
        return _plain(text, s, source)
    if scheme == "weixin" or scheme == "wxp":
        return _wechat(text, s, scheme, source)
    if scheme in ("alipays", "alipay"):
        return _alipay(text, s, scheme, source)
    if scheme == "tel":
        return _phone(text, rest, source)
    if scheme in ("sms", "smsto", "mms", "mmsto"):
        return _sms(text, "smsto" if scheme.endswith("to") else "sms", rest, source)
    if scheme == "mailto":
        return _mailto(text, rest, source)
    if scheme == "geo":
        return _geo(text, rest, source)
    if scheme == "intent":
        return _intent(text, s, source)
    if scheme == "itms-services":
        return _itms(text, s, source)
    if scheme == "otpauth" or scheme == "otpauth-migration":
        return _otp(text, s, source)
    if scheme in _CRYPTO:
        return _crypto(text, scheme, rest, source)
    if scheme == "data":
        return _data_uri(text, s, source, _depth)
    if scheme in _SCRIPT:
        return _javascript(text, s, source)
    if scheme in _BLOCKED:
        return _payload(text, K.BLOCKED_SCHEME, source, fields={"scheme": scheme}, display=_clip(text, 200))
    if scheme and rest.startswith("//") or scheme in _APPS:
        return _app_link(text, s, scheme, source)
    return _plain(text, s, source)


def payload_reasons(p: Payload) -> list[Reason]:
    """The warnings a payload earns by its kind alone (links inside are judged separately)."""
    src = p.source or "text"
    f = p.fields
    out: list[Reason] = []
    if p.kind is K.ITMS_SERVICES:
        out.append(R.make("payload.itms_services", _host_of(f.get("manifest_url", "")), source=src))
    elif p.kind is K.JAVASCRIPT:
        out.append(R.make("payload.javascript", _clip(f.get("target", "") or p.text, 80), source=src))
    elif p.kind is K.BLOCKED_SCHEME:
        out.append(R.make("payload.blocked_scheme", f.get("scheme", ""), source=src))
    elif p.kind is K.DATA_URI:
        if "too_large" in f:
            out.append(R.make("payload.too_large", f"{f['too_large']} bytes", source=src))
        elif "html" in f:
            out.append(R.make("payload.data_uri_html", f.get("media_type", ""), source=src))
    elif p.kind is K.WECHAT_PAY:
        out.append(R.make("payload.payment_request", "WeChat Pay / 微信支付", source=src))
    elif p.kind is K.CRYPTO_PAYMENT:
        amount = f.get("amount", "")
        out.append(R.make("payload.payment_request",
                          f"{f.get('currency', '')} {amount}".strip(), source=src))
    elif p.kind is K.OTP:
        out.append(R.make("payload.otp_seed", f.get("issuer", ""), source=src))
    elif p.kind is K.WIFI:
        if f.get("security", "").lower() in ("nopass", "", "none") or "password" not in f:
            out.append(R.make("payload.open_wifi", f.get("ssid", ""), source=src))
    elif p.kind in (K.WECHAT, K.ALIPAY, K.APP_LINK, K.INTENT):
        name = f.get("app", "") or f.get("package", "") or p.kind.value
        if p.kind is K.INTENT:
            name = f.get("package", "") or "Android"
        out.append(R.make("payload.app_link", name, source=src))
    elif p.kind is K.APP_TOKEN:
        out.append(R.make("payload.app_token", f.get("app_token", ""), source=src))
    elif p.kind is K.BINARY:
        out.append(R.make("payload.binary", f.get("bytes", ""), source=src))
    if p.kind is K.TEXT_WITH_URL and f.get("app_token"):
        out.append(R.make("payload.app_token", f["app_token"], source=src))
    return out


def _split(s: str) -> tuple[str, str, str]:
    """``(scheme, netloc, path)`` of ``s``; empty parts when Python's parser refuses it."""
    try:
        parts = urlsplit(s)
    except ValueError:
        return "", "", ""
    return parts.scheme, parts.netloc, parts.path


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or url[:80]
    except ValueError:
        return url[:80]
