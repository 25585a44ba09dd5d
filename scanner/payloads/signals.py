"""The warnings a payload earns by its kind alone (codes ``payload.*`` in ``data/reasons.toml``)."""

from __future__ import annotations

from .. import reasons as R
from ..models import Payload, Reason
from .fields import _clip, _host_of
from .miniprogram import mini_program_reasons
from .tables import K


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
    elif p.kind is K.MINI_PROGRAM:
        out.extend(mini_program_reasons(p))
    if p.kind is K.TEXT_WITH_URL and f.get("app_token"):
        out.append(R.make("payload.app_token", f["app_token"], source=src))
    return out
