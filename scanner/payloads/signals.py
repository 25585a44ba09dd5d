"""The warnings a payload earns by its kind alone, and their reason codes."""

from __future__ import annotations

from .. import reasons as R
from ..models import Payload, Reason, Severity
from .fields import _clip, _host_of
from .miniprogram import mini_program_reasons
from .tables import K

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

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
