"""Any text → the :class:`~scanner.models.Payload` it is."""

from __future__ import annotations

import re

from ..models import Payload
from .fields import _clip, _is_binary, _me_fields, _payload, _url_field
from .kinds import (
    NestedDecoder,
    NestedReader,
    _alipay,
    _app_link,
    _crypto,
    _data_uri,
    _geo,
    _intent,
    _itms,
    _javascript,
    _mailto,
    _matmsg,
    _mecard,
    _otp,
    _phone,
    _plain,
    _single_url,
    _sms,
    _vcard,
    _wechat,
    _wifi,
)
from .miniprogram import as_mini_program
from .tables import _APPS, _BLOCKED, _CRYPTO, _SCHEME, _SCRIPT, MAX_CLASSIFY_CHARS, K


def classify(
    text: str,
    *,
    source: str = "text",
    raw: bytes | None = None,
    nested: NestedDecoder | None = None,
    _depth: int = 0,
) -> Payload:
    """What ``text`` is (see :class:`~scanner.models.PayloadKind`), with fields, links and explanation.

    ``source`` is ``text`` (pasted), ``image`` (decoded from a code) or ``link`` (found in a text);
    ``raw`` are the code's bytes, used to show binary payloads in hex. ``nested`` reads the codes in
    a ``data:image/…`` picture (the pipeline passes the decoder with the caller's settings); without
    it such a picture is described, not decoded — this package stays pure.

    >>> classify("WIFI:T:WPA;S:Cafe\\\\;Guest;P:p\\\\:a;;").fields["ssid"]
    'Cafe;Guest'
    >>> classify("alipays://platformapi/startapp?appId=1&url=https%3A%2F%2Fa.test%2Fx").links
    ('https://a.test/x',)
    """
    # A text, link or WeChat link that opens a mini program is a mini_program (issue 22 §3).
    return as_mini_program(_classify(text, source=source, raw=raw, nested=nested, _depth=_depth))


def _classify(
    text: str, *, source: str, raw: bytes | None, nested: NestedDecoder | None, _depth: int
) -> Payload:
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
        return _data_uri(text, s, source, _depth, _reader(nested, _depth))
    if scheme in _SCRIPT:
        return _javascript(text, s, source)
    if scheme in _BLOCKED:
        return _payload(text, K.BLOCKED_SCHEME, source, fields={"scheme": scheme}, display=_clip(text, 200))
    if scheme and rest.startswith("//") or scheme in _APPS:
        return _app_link(text, s, scheme, source)
    return _plain(text, s, source)


def _reader(nested: NestedDecoder | None, depth: int) -> NestedReader | None:
    """Each code of a picture inside a ``data:`` URI, classified one level deeper (a payload too)."""
    if nested is None:
        return None
    decode = nested

    def read(data: bytes) -> list[Payload]:
        return [classify(c.text, source="image", raw=c.raw, nested=decode, _depth=depth + 1)
                for c in decode(data)]

    return read
