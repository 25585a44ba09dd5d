"""Real decoders on codes generated in the test (segno, qrcode): every payload kind and charset."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import qrcode
import segno
from PIL import Image

from scanner import decode as D
from scanner.decode import decode_image, decode_raw
from scanner.models import PayloadKind as K
from scanner.settings import Settings


def segno_png(data: str | bytes, *, scale: int = 5, **kw: object) -> bytes:
    buf = io.BytesIO()
    segno.make_qr(data, **kw).save(buf, kind="png", scale=scale, border=4)  # type: ignore[arg-type]
    return buf.getvalue()


def gray(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def to_bytes(img: np.ndarray, ext: str = ".png") -> bytes:
    ok, buf = cv2.imencode(ext, img)
    assert ok
    return buf.tobytes()


KIND_CASES = [
    ("https://shop.test/p?id=1", K.URL),
    ("扫码领取 https://a.test/x 限时", K.TEXT_WITH_URL),
    ("just words, no link", K.TEXT),
    ("weixin://dl/business/?t=abc123", K.MINI_PROGRAM),
    ("weixin://dl/scan", K.WECHAT),
    ("weixin://wxpay/bizpayurl?pr=xyz", K.WECHAT_PAY),
    ("wxp://f2f0E5wq1cF7pNl6", K.WECHAT_PAY),
    ("alipays://platformapi/startapp?appId=20000067&url=https%3A%2F%2Fa.test%2Fx", K.ALIPAY),
    ("https://qr.alipay.com/fkx1234", K.URL),
    ("taobao://item.taobao.com/item.htm?id=1", K.APP_LINK),
    ("openapp.jdmobile://virtual?params=%7B%7D", K.APP_LINK),
    ("￥AbCd1234￥", K.APP_TOKEN),
    ("WIFI:T:WPA;S:Cafe\\;Guest;P:p\\:a\\,s;H:true;;", K.WIFI),
    ("tel:+8613800000000", K.PHONE),
    ("SMSTO:10690000:TD", K.SMS),
    ("mailto:a@b.test?subject=x", K.EMAIL),
    ("MECARD:N:Li,Lei;TEL:13800000000;URL:https://a.test;;", K.CONTACT),
    ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Li Lei\r\nURL:https://a.test/v\r\nEND:VCARD", K.CONTACT),
    ("geo:31.2304,121.4737?q=x", K.GEO),
    ("intent://scan/#Intent;scheme=zxing;package=x;S.browser_fallback_url=https%3A%2F%2Fa.test%2Ff;end",
     K.INTENT),
    ("itms-services://?action=download-manifest&url=https://a.test/m.plist", K.ITMS_SERVICES),
    ("otpauth://totp/Acme:li?secret=JBSWY3DPEHPK3PXP&issuer=Acme", K.OTP),
    ("bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=1", K.CRYPTO_PAYMENT),
    ("data:text/html;base64,PGZvcm0+6Lqr5Lu96K+B5Y+3PC9mb3JtPg==", K.DATA_URI),
    ("javascript:location='https://a.test'", K.JAVASCRIPT),
    ("file:///etc/passwd", K.BLOCKED_SCHEME),
]


KIND_IDS = [f"{k.value}-{i}" for i, (_, k) in enumerate(KIND_CASES)]


@pytest.mark.parametrize(("text", "kind"), KIND_CASES, ids=KIND_IDS)
def test_every_payload_kind_round_trips_through_a_real_code(text: str, kind: K) -> None:
    payloads = decode_image(segno_png(text))
    assert len(payloads) == 1
    p = payloads[0]
    assert p.text == text
    assert p.kind is kind
    assert p.source == "image"
    assert p.explanation is not None and p.explanation.zh and p.explanation.en


def test_binary_payload_is_reported_as_binary() -> None:
    blob = bytes(range(256)) * 4
    payloads = decode_image(segno_png(blob, error="l"))
    assert [p.kind for p in payloads] == [K.BINARY]
    assert payloads[0].raw_hex == blob[:64].hex()


@pytest.mark.parametrize(
    ("data", "kw", "expected"),
    [
        ("扫码领取红包，兼职日结".encode("gbk"), {}, "扫码领取红包，兼职日结"),
        ("请扫码支付停车费 https://p.test/".encode("gb18030"), {}, "请扫码支付停车费 https://p.test/"),
        ("こんにちは世界", {}, "こんにちは世界"),  # segno picks Kanji mode (Shift_JIS bytes)
        ("Google モバイル\r\nhttp://google.jp".encode("shift_jis"), {}, "Google モバイル\r\nhttp://google.jp"),
        ("你好世界 こんにちは", {"encoding": "utf-8"}, "你好世界 こんにちは"),
        ("你好世界 こんにちは", {"encoding": "utf-8", "eci": True}, "你好世界 こんにちは"),
        ("中文测试", {"encoding": "gb18030", "eci": True}, "中文测试"),
        ("Zürich Straße – Öffnung", {"encoding": "utf-8", "eci": True}, "Zürich Straße – Öffnung"),
        ("Café crème", {}, "Café crème"),  # ISO-8859-1, the standard's default
    ],
    ids=["gbk-no-eci", "gb18030-no-eci", "sjis-kanji-mode", "sjis-byte-mode", "utf8-no-eci", "utf8-eci",
         "gb18030-eci", "latin-text-utf8-eci", "latin1-default"],
)
def test_text_encodings_decode_exactly(data: str | bytes, kw: dict[str, object], expected: str) -> None:
    [p] = decode_image(segno_png(data, **kw))
    assert p.text == expected


def test_qrcode_library_utf8_without_eci() -> None:
    img = qrcode.make("兼职注册领佣金 https://a.test/j")
    buf = io.BytesIO()
    img.save(buf)
    [p] = decode_image(buf.getvalue())
    assert p.text == "兼职注册领佣金 https://a.test/j"
    assert p.kind is K.TEXT_WITH_URL


@pytest.mark.parametrize("reader", ["zxing", "zbar", "opencv"])
def test_each_decoder_returns_raw_bytes_not_its_own_charset_guess(reader: str) -> None:
    img = gray(segno_png("扫码领取红包".encode("gbk"), scale=6))
    fn = {"zxing": D._zxing_read, "zbar": D._zbar_read, "opencv": D._opencv_read}[reader]
    codes = fn(img)
    assert [c.text for c in codes] == ["扫码领取红包"]
    assert codes[0].raw == "扫码领取红包".encode("gbk")


def test_two_codes_in_one_image_are_both_reported() -> None:
    a, b = gray(segno_png("https://a.test/one")), gray(segno_png("tel:+8613800000000"))
    h = max(a.shape[0], b.shape[0])
    canvas = np.full((h + 40, a.shape[1] + b.shape[1] + 80), 255, np.uint8)
    canvas[20 : 20 + a.shape[0], 20 : 20 + a.shape[1]] = a
    canvas[20 : 20 + b.shape[0], 60 + a.shape[1] : 60 + a.shape[1] + b.shape[1]] = b
    texts = sorted(p.text for p in decode_image(to_bytes(canvas)))
    assert texts == ["https://a.test/one", "tel:+8613800000000"]


def test_the_same_code_twice_is_reported_once() -> None:
    a = gray(segno_png("https://a.test/dup"))
    canvas = np.full((a.shape[0] + 40, 2 * a.shape[1] + 80), 255, np.uint8)
    canvas[20 : 20 + a.shape[0], 20 : 20 + a.shape[1]] = a
    canvas[20 : 20 + a.shape[0], 60 + a.shape[1] : 60 + 2 * a.shape[1]] = a
    assert [p.text for p in decode_image(to_bytes(canvas))] == ["https://a.test/dup"]


def test_no_code_gives_an_empty_list() -> None:
    rng = np.random.default_rng(1)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (300, 400), dtype=np.uint8), (5, 5), 0)
    assert decode_image(to_bytes(noise)) == []


def test_photo_like_code_perspective_rotation_exif_orientation() -> None:
    """U-02: a perspective-warped, rotated JPEG whose pixels are stored sideways with EXIF orientation 6."""
    img = gray(segno_png("https://a.test/photo", scale=6))
    img = cv2.copyMakeBorder(img, 60, 60, 120, 120, cv2.BORDER_CONSTANT, value=200)
    h, w = img.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * 0.12, h * 0.05], [w * 0.9, 0], [w, h], [0, h * 0.95]])
    img = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=200)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 17, 0.9)
    img = cv2.warpAffine(img, m, (w, h), borderValue=200)
    # Store it as a camera would: pixels rotated, EXIF says "rotate 90° CW to view" (orientation 6).
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(img, 1)))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", quality=80, exif=exif)
    [p] = decode_image(buf.getvalue())
    assert p.text == "https://a.test/photo"


def test_small_code_in_a_large_screenshot() -> None:
    code = gray(segno_png("https://small.test/x", scale=3))
    canvas = np.full((2400, 1100), 245, np.uint8)
    canvas[1900 : 1900 + code.shape[0], 800 : 800 + code.shape[1]] = code
    assert [p.text for p in decode_image(to_bytes(canvas))] == ["https://small.test/x"]


def test_blurred_code_is_read_by_a_retry_step() -> None:
    img = gray(segno_png("https://blur.test/path?q=1", scale=7, error="q"))
    img = cv2.copyMakeBorder(img, 100, 100, 100, 100, cv2.BORDER_CONSTANT, value=255)
    blurred = cv2.GaussianBlur(img, (0, 0), 4.0)
    codes = decode_raw(to_bytes(blurred))
    assert [c.text for c in codes] == ["https://blur.test/path?q=1"]


def test_budget_bounds_a_hopeless_image() -> None:
    import time

    rng = np.random.default_rng(2)
    noise = rng.integers(0, 255, (1500, 2000), dtype=np.uint8)
    data = to_bytes(noise, ".jpg")
    settings = Settings(decode_budget=0.05)
    start = time.perf_counter()
    stats = D.DecodeStats()
    assert decode_raw(data, settings, stats=stats) == []
    # One step may overrun the deadline; the cascade never starts another.
    assert time.perf_counter() - start < 1.0
    assert stats.timed_out


def test_decoder_crash_in_one_step_does_not_fail_the_image(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(img: np.ndarray, *a: object, **k: object) -> list[D.DecodedCode]:
        raise RuntimeError("simulated decoder bug")

    monkeypatch.setattr(D, "_zxing_read", boom)
    [p] = decode_image(segno_png("https://a.test/zbar-rescues"))
    assert p.text == "https://a.test/zbar-rescues"


@pytest.mark.parametrize("sigma", [3.0, 3.5])
def test_located_but_unreadable_code_is_rescued_by_rectification(sigma: float) -> None:
    """zxing-cpp alone locates this blurred, keystoned code but cannot read it; the rectified retry can."""
    img = gray(segno_png("https://rect.test/blurred-perspective?id=12345", scale=7, error="q"))
    img = cv2.copyMakeBorder(img, 150, 150, 200, 200, cv2.BORDER_CONSTANT, value=90)
    h, w = img.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * 0.15, h * 0.08], [w * 0.88, 0], [w, h], [0, h * 0.93]])
    img = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=90)
    ok, enc = cv2.imencode(".jpg", cv2.GaussianBlur(img, (0, 0), sigma), [cv2.IMWRITE_JPEG_QUALITY, 70])
    data = enc.tobytes()
    assert D.zxing_only(data) == []
    [code] = decode_raw(data)
    assert code.text == "https://rect.test/blurred-perspective?id=12345"
    assert code.step.startswith("rectified")


def test_concurrent_decodes_give_the_same_answers() -> None:
    """The web service decodes uploads in worker threads: no shared state may leak between them."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"https://thread.test/{i}?q={'扫码' * (i % 3)}" for i in range(8)]
    images = [segno_png(t.encode("gbk") if i % 2 else t, scale=4) for i, t in enumerate(texts)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda data: [p.text for p in decode_image(data)], images * 3))
    assert results == [[t] for t in texts] * 3
