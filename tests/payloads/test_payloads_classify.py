"""Payload classification (TESTSPEC group A): kinds, fields, links, masking and reasons."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import reasons as R
from scanner.models import Level, Severity
from scanner.models import PayloadKind as K
from scanner.payloads import DATA_URI_MAX, MASK, classify, mask_secrets, payload_reasons
from scanner.payloads.kinds import NestedDecoder
from scanner.settings import Settings
from scanner.verdict import decide


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


CASES = [
    # (id, text, kind, fields subset, links)
    ("A-01 url", "https://shop.test/p?id=1", K.URL, {}, ("https://shop.test/p?id=1",)),
    ("A-02 scheme-less", "www.example.com/p", K.URL, {}, ("http://www.example.com/p",)),
    ("A-03 text with url", "扫码领取 https://a.test/x 限时", K.TEXT_WITH_URL, {}, ("https://a.test/x",)),
    (
        "A-04 three urls",
        "a https://a.test/1 b https://b.test/2 c https://c.test/3",
        K.TEXT_WITH_URL,
        {},
        ("https://a.test/1", "https://b.test/2", "https://c.test/3"),
    ),
    (
        "A-27 backslash kept whole",
        "http://127.0.0.1:8080\\@shop.test/",
        K.URL,
        {},
        ("http://127.0.0.1:8080\\@shop.test/",),
    ),
    ("IDN with CJK path", "https://中国.test/路径", K.URL, {}, ("https://中国.test/路径",)),
    ("prose full stop dropped", "https://a.test/x。", K.URL, {}, ("https://a.test/x",)),
    ("defanged", "hxxps://evil[.]com/a", K.URL, {}, ("https://evil.com/a",)),
    ("text", "今天天气不错", K.TEXT, {}, ()),
    # Issue 22 §3: the URL scheme that opens a mini program is a mini_program (still WeChat, never fetched).
    ("A-05 wechat", "weixin://dl/business/?t=abc123", K.MINI_PROGRAM, {"app": "WeChat"}, ()),
    ("A-06 wechat pay", "weixin://wxpay/bizpayurl?pr=xyz", K.WECHAT_PAY, {"app": "WeChat Pay"}, ()),
    ("wxp pay", "wxp://f2f0E5wq1cF7pNl6", K.WECHAT_PAY, {"app_zh": "微信支付"}, ()),
    (
        "A-07 alipay",
        "alipays://platformapi/startapp?appId=20000067&url=https%3A%2F%2Fa.test%2Fx",
        K.ALIPAY,
        {"app": "Alipay", "app_id": "20000067"},
        ("https://a.test/x",),
    ),
    (
        "alipay qrcode param",
        "alipays://platformapi/startapp?saId=10000007&qrcode=https%3A%2F%2Fqr.alipay.com%2Fab",
        K.ALIPAY,
        {},
        ("https://qr.alipay.com/ab",),
    ),
    ("A-08 qr.alipay.com", "https://qr.alipay.com/abc", K.URL, {}, ("https://qr.alipay.com/abc",)),
    (
        "A-09 intent",
        "intent://scan/#Intent;scheme=zxing;package=x;S.browser_fallback_url=https%3A%2F%2Fa.test%2Ff;end",
        K.INTENT,
        {"package": "x", "scheme": "zxing"},
        ("https://a.test/f",),
    ),
    (
        "intent https",
        "intent://a.test/p#Intent;scheme=https;package=com.android.chrome;end",
        K.INTENT,
        {},
        ("https://a.test/p",),
    ),
    ("A-10 tel", "tel:+8613800000000", K.PHONE, {"number": "+8613800000000"}, ()),
    ("A-11 sms", "sms:10690000?body=TD", K.SMS, {"number": "10690000", "body": "TD"}, ()),
    ("A-11 smsto", "SMSTO:10690000:TD", K.SMS, {"number": "10690000", "body": "TD"}, ()),
    (
        "sms with link",
        "sms:106900?body=%E7%82%B9%E5%87%BB%20https%3A%2F%2Fs.test%2Fa",
        K.SMS,
        {},
        ("https://s.test/a",),
    ),
    ("A-12 mailto", "mailto:a@b.test?subject=x", K.EMAIL, {"to": "a@b.test", "subject": "x"}, ()),
    ("A-12 matmsg", "MATMSG:TO:a@b.test;SUB:x;;", K.EMAIL, {"to": "a@b.test", "subject": "x"}, ()),
    (
        "A-13 wifi",
        "WIFI:T:WPA;S:Cafe\\;Guest;P:p\\:a\\,s;H:true;;",
        K.WIFI,
        {"ssid": "Cafe;Guest", "security": "WPA", "hidden": "true", "password": MASK},
        (),
    ),
    ("A-14 open wifi", "WIFI:T:nopass;S:Free;;", K.WIFI, {"ssid": "Free", "security": "nopass"}, ()),
    ("A-15 geo", "geo:31.2304,121.4737?q=x", K.GEO, {"lat": "31.2304", "lon": "121.4737", "query": "x"}, ()),
    (
        "A-16 vcard",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Li Lei\nURL:https://a.test/v\nEND:VCARD",
        K.CONTACT,
        {"name": "Li Lei", "url": "https://a.test/v"},
        ("https://a.test/v",),
    ),
    ("A-16 mecard", "MECARD:N:x;URL:https://a.test;;", K.CONTACT, {"name": "x"}, ("https://a.test",)),
    (
        "vcard note link",
        "BEGIN:VCARD\r\nFN:x\r\nNOTE:加我 https://n.test/a\r\nEND:VCARD",
        K.CONTACT,
        {},
        ("https://n.test/a",),
    ),
    (
        "A-20 javascript",
        "javascript:location='https://a.test'",
        K.JAVASCRIPT,
        {"target": "https://a.test"},
        (),
    ),
    ("vbscript", "vbscript:msgbox(1)", K.JAVASCRIPT, {}, ()),
    ("A-21 file", "file:///etc/passwd", K.BLOCKED_SCHEME, {"scheme": "file"}, ()),
    ("A-21 ftp", "ftp://a.test/x", K.BLOCKED_SCHEME, {"scheme": "ftp"}, ()),
    ("A-21 gopher", "gopher://a.test:70/1", K.BLOCKED_SCHEME, {"scheme": "gopher"}, ()),
    ("A-21 dict", "dict://a.test:2628/d:x", K.BLOCKED_SCHEME, {"scheme": "dict"}, ()),
    ("A-21 ws", "ws://a.test/s", K.BLOCKED_SCHEME, {"scheme": "ws"}, ()),
    (
        "A-22 itms",
        "itms-services://?action=download-manifest&url=https://a.test/m.plist",
        K.ITMS_SERVICES,
        {"action": "download-manifest", "manifest_url": "https://a.test/m.plist"},
        (),
    ),
    (
        "A-23 otp",
        "otpauth://totp/Acme:li?secret=JBSWY3DPEHPK3PXP&issuer=Acme",
        K.OTP,
        {"type": "totp", "issuer": "Acme", "secret": MASK},
        (),
    ),
    (
        "A-24 bitcoin",
        "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=1",
        K.CRYPTO_PAYMENT,
        {"currency": "Bitcoin", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "amount": "1"},
        (),
    ),
    (
        "ethereum",
        "ethereum:0x89205a3a3b2a69de6dbf7f01ed13b2108b2c43e7@1?value=2",
        K.CRYPTO_PAYMENT,
        {"currency": "Ethereum", "amount": "2"},
        (),
    ),
    ("A-25 token", "￥AbCd1234￥", K.APP_TOKEN, {"app_token": "￥AbCd1234￥"}, ()),
    (
        "A-25 share text",
        "【淘宝】https://m.tb.cn/h.x 复制这条信息￥AbCd1234￥打开手机淘宝",
        K.TEXT_WITH_URL,
        {"app_token": "￥AbCd1234￥"},
        ("https://m.tb.cn/h.x",),
    ),
    (
        "taobao app",
        "taobao://item.taobao.com/item.htm?id=1",
        K.APP_LINK,
        {"app": "Taobao", "app_zh": "淘宝"},
        (),
    ),
    ("jd app", "openapp.jdmobile://virtual?params=%7B%22url%22%3A1%7D", K.APP_LINK, {"app": "JD"}, ()),
    (
        "pdd app",
        "pinduoduo://com.xunmeng.pinduoduo/goods.html?goods_id=1",
        K.APP_LINK,
        {"app": "Pinduoduo"},
        (),
    ),
    ("douyin app", "snssdk1128://aweme/detail/123", K.APP_LINK, {"app": "Douyin"}, ()),
    (
        "app with url param",
        "baiduboxapp://v1/browser/open?url=https%3A%2F%2Fb.test%2F",
        K.APP_LINK,
        {},
        ("https://b.test/",),
    ),
    ("unknown app", "someapp://open/thing", K.APP_LINK, {"app": "someapp"}, ()),
    (
        "mebkm",
        "MEBKM:TITLE:x;URL:http\\://en.wikipedia.org/wiki/Main_Page;;",
        K.URL,
        {"title": "x"},
        ("http://en.wikipedia.org/wiki/Main_Page",),
    ),
    ("urlto", "URLTO:https://a.test/u", K.URL, {}, ("https://a.test/u",)),
]


@pytest.mark.parametrize(
    ("text", "kind", "fields", "links"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_classify(text: str, kind: K, fields: dict[str, str], links: tuple[str, ...]) -> None:
    p = classify(text)
    assert p.kind is kind
    assert p.text == text
    for k, v in fields.items():
        assert p.fields.get(k) == v, k
    assert p.links == links
    assert p.explanation is not None and p.explanation.en and p.explanation.zh
    json.dumps(p.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "code", "min_level"),
    [
        (
            "itms-services://?action=download-manifest&url=https://a.test/m.plist",
            "payload.itms_services",
            Level.DANGER,
        ),
        ("javascript:location='https://a.test'", "payload.javascript", Level.DANGER),
        ("file:///etc/passwd", "payload.blocked_scheme", Level.CAUTION),
        (
            "data:text/html;base64," + b64("<form>请输入身份证号<input name=id></form>"),
            "payload.data_uri_html",
            Level.CAUTION,
        ),
        ("otpauth://totp/x?secret=JBSWY3DP", "payload.otp_seed", Level.CAUTION),
        ("weixin://wxpay/bizpayurl?pr=xyz", "payload.payment_request", None),
        ("bitcoin:1A1z?amount=1", "payload.payment_request", None),
        ("WIFI:T:nopass;S:Free;;", "payload.open_wifi", None),
        ("WIFI:S:Free;;", "payload.open_wifi", None),
        ("weixin://dl/scan", "payload.app_link", None),
        ("alipays://platformapi/startapp?appId=1", "payload.app_link", None),
        ("intent://x#Intent;package=com.x;end", "payload.app_link", None),
        ("￥AbCd1234￥", "payload.app_token", None),
        ("\x00\x01\x02\x03" * 10, "payload.binary", None),
        ("data:text/plain;base64," + "A" * (DATA_URI_MAX * 2), "payload.too_large", None),
    ],
    ids=[
        "itms",
        "javascript",
        "blocked",
        "data-html",
        "otp",
        "wxpay",
        "crypto",
        "open-wifi",
        "wifi-no-type",
        "wechat",
        "alipay",
        "intent",
        "token",
        "binary",
        "data-too-large",
    ],
)
def test_payload_reasons(text: str, code: str, min_level: Level | None) -> None:
    p = classify(text)
    rs = payload_reasons(p)
    assert code in [r.code for r in rs]
    for r in rs:
        assert r.message.en and r.message.zh
        assert MASK not in r.evidence or True
    if min_level is not None:
        level, _ = decide(rs, checked=False)
        assert level.rank >= min_level.rank


def test_plain_kinds_earn_no_reasons() -> None:
    for text in (
        "https://a.test/",
        "hello",
        "tel:10086",
        "geo:1,2",
        "WIFI:T:WPA;S:x;P:y;;",
        "mailto:a@b.test",
    ):
        assert payload_reasons(classify(text)) == []


def test_reason_codes_are_registered_with_both_languages() -> None:
    specs = R.all_specs()
    mine = [c for c in specs if c.startswith("payload.")]
    assert len(mine) >= 10
    for c in mine:
        assert specs[c].en and specs[c].zh
    assert specs["payload.itms_services"].severity is Severity.HIGH
    assert specs["payload.javascript"].severity is Severity.HIGH


# --- secrets --------------------------------------------------------------------------------------
def test_wifi_password_never_leaves_in_human_output() -> None:
    text = "WIFI:T:WPA;S:Home;P:s3cr3t-pa55\\;xyzzy;;"
    p = classify(text)
    assert p.text == text  # exact for programs
    blob = json.dumps({k: v for k, v in p.to_dict().items() if k != "text"}, ensure_ascii=False)
    assert "s3cr3t" not in blob
    assert "xyzzy" not in blob
    assert p.display == f"WIFI:T:WPA;S:Home;P:{MASK};;"
    for r in payload_reasons(p):
        assert "s3cr3t" not in r.evidence


def test_otp_secret_never_leaves_in_human_output() -> None:
    p = classify("otpauth://totp/Acme:li?secret=JBSWY3DPEHPK3PXP&issuer=Acme")
    blob = json.dumps({k: v for k, v in p.to_dict().items() if k != "text"}, ensure_ascii=False)
    assert "JBSWY3DPEHPK3PXP" not in blob


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("WIFI:T:WPA;S:Cafe;P:hunter2;;", f"WIFI:T:WPA;S:Cafe;P:{MASK};;"),
        ("WIFI:P:first;S:x;;", f"WIFI:P:{MASK};S:x;;"),
        ("wifi:s:x;p:lower;;", f"wifi:s:x;p:{MASK};;"),
        ("WIFI:T:WPA;S:P:odd;P:a\\;b;;", f"WIFI:T:WPA;S:P:odd;P:{MASK};;"),
        ("WIFI:T:nopass;S:Free;;", "WIFI:T:nopass;S:Free;;"),
        ("otpauth://totp/x?secret=ABC&issuer=y", f"otpauth://totp/x?secret={MASK}&issuer=y"),
        ("otpauth://hotp/x?issuer=y&SECRET=ABC", f"otpauth://hotp/x?issuer=y&SECRET={MASK}"),
        ("no secrets here", "no secrets here"),
    ],
)
def test_mask_secrets(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked


# --- data: URIs ----------------------------------------------------------------------------------
def test_data_uri_html_is_kept_for_static_scanning_not_rendered() -> None:
    html = "<form>请输入身份证号<input name=id></form>"
    p = classify("data:text/html;base64," + b64(html))
    assert p.kind is K.DATA_URI
    assert p.fields["html"] == html
    assert p.links == ()


def test_data_uri_percent_encoded_text_with_link() -> None:
    p = classify("data:text/plain,%E7%82%B9%E5%87%BB%20https%3A%2F%2Fd.test%2Fa")
    assert p.fields["text"] == "点击 https://d.test/a"
    assert p.links == ("https://d.test/a",)


def test_data_uri_over_the_cap_is_not_decoded() -> None:
    p = classify("data:text/html;base64," + b64(b"<p>" * (DATA_URI_MAX // 2)))
    assert "html" not in p.fields
    assert "too_large" in p.fields
    assert [r.code for r in payload_reasons(p)] == ["payload.too_large"]
    assert len(p.display) <= 120


def _nested() -> NestedDecoder:
    from scanner.decode import nested_decoder

    return nested_decoder(Settings.load(environ={}))


def test_data_uri_image_holding_a_qr_is_decoded_nested() -> None:
    buf = io.BytesIO()
    segno.make("https://inner.test/x").save(buf, kind="png", scale=3)
    p = classify("data:image/png;base64," + b64(buf.getvalue()), nested=_nested())
    assert p.kind is K.DATA_URI
    assert p.fields["nested"] == "https://inner.test/x"
    assert p.links == ("https://inner.test/x",)


def test_data_uri_image_without_a_decoder_is_described_not_decoded() -> None:
    """classify is pure: without the decoder the pipeline injects, a picture stays a picture."""
    buf = io.BytesIO()
    segno.make("https://inner.test/x").save(buf, kind="png", scale=3)
    p = classify("data:image/png;base64," + b64(buf.getvalue()))
    assert p.kind is K.DATA_URI and "nested" not in p.fields and p.links == ()


def test_pipeline_decodes_a_qr_inside_a_pasted_data_uri(tmp_path: Path) -> None:
    from scanner.pipeline import Scanner

    buf = io.BytesIO()
    segno.make("https://inner.test/x").save(buf, kind="png", scale=3)
    settings = Settings.load(environ={}, data_dir=tmp_path, offline=True, use_lists=False)
    report = Scanner(settings).check("data:image/png;base64," + b64(buf.getvalue()))
    assert [lr.url for lr in report.links] == ["https://inner.test/x"]


def test_nested_data_uri_depth_is_limited() -> None:
    def wrap(text: str) -> str:
        buf = io.BytesIO()
        segno.make(text, error="l").save(buf, kind="png", scale=2)
        return "data:image/png;base64," + b64(buf.getvalue())

    level1 = wrap("https://deep.test/")
    level2 = wrap(level1)
    # depth 0 decodes level2 → level1 (depth 1) decodes → the URL (depth 2)
    p = classify(level2, nested=_nested())
    assert p.links == ("https://deep.test/",)
    p3 = classify(wrap(level2), nested=_nested()) if len(level2) < 2000 else None
    if p3 is not None:
        assert p3.links == ()


def test_data_uri_image_that_is_not_an_image() -> None:
    p = classify("data:image/png;base64," + b64(b"<svg onload=alert(1)>"), nested=_nested())
    assert p.kind is K.DATA_URI
    assert p.fields.get("error") == "unsupported_image"


def test_malformed_data_uris_do_not_crash() -> None:
    for text in ("data:", "data:,", "data:text/html;base64,@@@", "data:;charset=nope,abc", "data:text/plain"):
        p = classify(text)
        assert p.kind is K.DATA_URI


# --- binary and robustness -------------------------------------------------------------------------
def test_binary_payload_shows_hex_not_text() -> None:
    raw = bytes(range(256)) * 12
    p = classify(raw.decode("latin-1"), source="image", raw=raw)
    assert p.kind is K.BINARY
    assert p.raw_hex == raw[:64].hex()
    assert p.display == "3072 bytes of binary data"
    assert p.to_dict()["raw_hex"] == raw[:64].hex()


def test_a_decoded_code_keeps_its_whole_url() -> None:
    # The phone opens the code's exact string: no prose trimming for decoded codes.
    assert classify("https://a.test/x。", source="image").links == ("https://a.test/x。",)


def test_gs1_and_control_separators_are_still_text() -> None:
    p = classify("]C1\x1d0104912345678904\x1d10ABC")
    assert p.kind is not K.BINARY


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_classify_never_raises_on_any_text(text: str) -> None:
    p = classify(text)
    assert p.kind in K
    assert p.text == text
    for r in payload_reasons(p):
        assert r.code.startswith("payload.")
    json.dumps(p.to_dict(), ensure_ascii=False)


SCHEMES = [
    "weixin://",
    "wxp://",
    "alipays://",
    "intent://",
    "WIFI:",
    "MECARD:",
    "BEGIN:VCARD\n",
    "MATMSG:",
    "sms:",
    "SMSTO:",
    "mailto:",
    "tel:",
    "geo:",
    "otpauth://",
    "bitcoin:",
    "data:",
    "data:text/html;base64,",
    "javascript:",
    "itms-services://?",
    "MEBKM:",
    "taobao://",
    "file://",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SCHEMES), st.text(max_size=200))
def test_classify_never_raises_on_scheme_prefixed_garbage(prefix: str, rest: str) -> None:
    p = classify(prefix + rest)
    assert p.text == prefix + rest
    payload_reasons(p)
