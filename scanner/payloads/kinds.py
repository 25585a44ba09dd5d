"""One classifier per payload kind: fields, links and display for each."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import Protocol
from urllib.parse import unquote

from ..models import Payload
from .fields import (
    _clip,
    _embedded_urls,
    _links_in,
    _me_fields,
    _payload,
    _query,
    _split,
    _url_field,
)
from .tables import (
    _ALIPAY,
    _APPS,
    _CRYPTO,
    _TOKEN,
    _TOKEN_PAIRS,
    _WECHAT,
    DATA_URI_MAX,
    MASK,
    MAX_FIELDS,
    MAX_NESTING,
    K,
)


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


class NestedCode(Protocol):
    """A code read from a picture: its text and its raw bytes (``scanner.decode.DecodedCode``)."""

    @property
    def text(self) -> str: ...

    @property
    def raw(self) -> bytes | None: ...


NestedDecoder = Callable[[bytes], Sequence[NestedCode]]
"""Reads the codes in an image's bytes; raises ``InputError`` for a picture it cannot read."""

NestedReader = Callable[[bytes], list[Payload]]
"""Decodes a picture and classifies each code in it one level deeper (built by ``classify``)."""


def _data_uri(text: str, s: str, source: str, depth: int, nested: NestedReader | None = None) -> Payload:
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
    elif media.startswith("image/") and depth < MAX_NESTING and nested is not None:
        links = _nested_codes(data, fields, depth, nested)
    return _payload(text, K.DATA_URI, source, fields=fields, links=links, display=_clip(text, 120))


def _nested_codes(data: bytes, fields: dict[str, str], depth: int, nested: NestedReader) -> list[str]:
    """The codes of a QR picture inside a ``data:image/…`` URI (depth-limited): texts and links."""
    from ..errors import InputError

    try:
        inners = nested(data)
    except InputError as e:
        fields["error"] = e.code
        return []
    links: list[str] = []
    texts = []
    for inner in inners:
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


def _plain(text: str, s: str, source: str) -> Payload:
    from ..extract import scan_text

    found, contacts = scan_text(s)
    fields: dict[str, str] = {}
    if contacts:  # e-mail addresses: contact handles, never links (issue 13 §1)
        fields["contacts"] = "\n".join(dict.fromkeys(c.address for c in contacts))
    token = _app_token(s)
    if token:
        fields["app_token"] = token
    if len(found) == 1 and found[0].original.strip() == s and not any(c.isspace() for c in s):
        return _payload(text, K.URL, source, fields=fields, links=[found[0].url])
    if found:
        originals: dict[str, str] = {}
        for f in found:
            originals[f.url] = f.original  # the last spelling, as the link cards always showed
        return _payload(text, K.TEXT_WITH_URL, source, fields=fields, links=[f.url for f in found],
                        originals=originals)
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
    from ..extract import extract_links

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
