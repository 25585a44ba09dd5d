"""OCR in the image stage (issue 16): layout, link clean-up, masking, and the real engine end to end.

The pictures are drawn here with Pillow and the Droid Sans Fallback font (Debian's
``fonts-droid-fallback``, which Chromium uses for Chinese too); the browser-rendered chat
screenshots are in ``tests/browser/test_ocr_screenshots.py``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest
from ocrsupport import chat_png
from PIL import Image

from scanner import ocr
from scanner.models import Level, PayloadKind
from scanner.pipeline import Scanner
from scanner.settings import Settings


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(Settings.load(environ={}, use_lists=False, ocr_budget=60.0))


# ---- pure parts -------------------------------------------------------------------------------------


def test_masking_of_phone_id_and_card_numbers() -> None:
    assert ocr.mask_personal("联系 13812345678 或 +86 139-1234-5678") == "联系 138****5678 或 +86 139****5678"
    assert ocr.mask_personal("身份证11010519491231002X") == "身份证110105********002X"
    assert ocr.mask_personal("卡号 6222021234567890123") == "卡号 6222***********0123"
    # Not personal numbers: prices, times, short codes and link paths stay as they are.
    for same in ("日结300元", "14:32", "验证码 482913", "https://a.test/r?id=13812345678"):
        assert ocr.mask_personal(same) == same


def test_ocr_spacing_inside_links_is_removed_but_not_between_sentences() -> None:
    """The OCR payload joins links with the extractor's rules (``extract.ocr_join``), nothing else."""
    def read(text: str) -> tuple[str, tuple[str, ...]]:
        p = ocr.text_payload([ocr.Line(text, 0.99, 0, 0, 100, 10)])
        assert p is not None
        return p.text, p.links

    assert read("戳 t. cn/A6xYz9 领取") == ("戳 t.cn/A6xYz9 领取", ("http://t.cn/A6xYz9",))
    assert read("http: //a.example .com/x") == ("http://a.example.com/x", ("http://a.example.com/x",))
    assert read("登录 pay-cn.top /login 核实") == ("登录 pay-cn.top/login 核实", ("http://pay-cn.top/login",))
    assert read("Your parcel is on hold. Pay now.") == ("Your parcel is on hold. Pay now.", ())
    assert read("请戳t.cn/A6xYz9领取")[1] == ("http://t.cn/A6xYz9",)
    assert read("请尽快登录www.icbc-mmq.com进行升级")[1] == ("http://www.icbc-mmq.com",)
    assert read("Visit www.shop.co.uk. Customer care 0800")[1] == ("http://www.shop.co.uk",)
    assert read("注册APP日结") == ("注册APP日结", ())


def test_japanese_forms_read_in_chinese_text_become_chinese() -> None:
    from scanner.ocrtext import fold_japanese_forms

    assert fold_japanese_forms("【順豊速運】請點撃") == "【順豐速運】請點擊"
    # Chinese characters (simplified or traditional) stay as they are, and Japanese text is left alone.
    assert fold_japanese_forms("点击条款，顺丰速运，點擊條款") == "点击条款，顺丰速运，點擊條款"
    assert fold_japanese_forms("お荷物の豊かな配達") == "お荷物の豊かな配達"


def _line(text: str, x0: float, y0: float, x1: float, h: float = 50) -> ocr.Line:
    return ocr.Line(text, 0.99, x0, y0, x1, y0 + h)


def test_wrapped_lines_become_paragraphs_and_links_are_joined() -> None:
    lines = [
        _line("高佣金兼职！注册APP日结300", 200, 300, 860),
        _line("元，名额有限，点击链接 http://se", 200, 360, 900),
        _line("izingblessing.directory/reg?id=88", 200, 420, 890),
        _line("42 进群领任务", 200, 480, 540),
        _line("Update it now at", 200, 640, 560),  # ended early: the link did not fit
        _line("https://usps.tracking-", 200, 700, 700),  # broken at the hyphen
        _line("redelivery.com/us within 12 hours.", 200, 760, 880),
        _line("OK", 700, 900, 760),  # another bubble, further down and right
    ]
    assert ocr.paragraphs(lines) == [
        "高佣金兼职！注册APP日结300元，名额有限，点击链接 "
        "http://seizingblessing.directory/reg?id=8842 进群领任务",
        "Update it now at https://usps.tracking-redelivery.com/us within 12 hours.",
        "OK",
    ]


def test_a_sentence_ending_after_a_link_is_not_glued_to_the_next_line() -> None:
    lines = [
        _line("please go to http://www.wtlp.co.uk/text.", 200, 300, 700),
        _line("Ts&Cs apply.", 200, 360, 400),
    ]
    assert ocr.paragraphs(lines) == ["please go to http://www.wtlp.co.uk/text. Ts&Cs apply."]


def test_hard_line_breaks_are_kept() -> None:
    lines = [_line("OK", 200, 300, 260), _line("Tomorrow at 9", 200, 360, 550)]
    assert ocr.paragraphs(lines) == ["OK", "Tomorrow at 9"]
    # A link followed by a word that did not fit: wrapped at a space, so the space comes back.
    lines = [_line("See http://a.example/x", 200, 300, 500), _line("Please reply today", 200, 360, 600)]
    assert ocr.paragraphs(lines) == ["See http://a.example/x Please reply today"]


@pytest.mark.parametrize(
    "stamp",
    [
        "14:32",
        "昨天 14:32",
        "昨天 下午3:45",
        "2026年11月30日 下午3:45",
        "11月30日 09:05",
        "星期一 20:05",
        "Yesterday 9:41 PM",
        "Sat 20:05",
        "2026/11/30 08:00",
    ],
)
def test_chat_timestamps_are_recognised(stamp: str) -> None:
    from scanner.ocrtext import _TIME_ONLY

    assert _TIME_ONLY.match(stamp)
    assert not _TIME_ONLY.match(stamp + " 到账")
    assert not _TIME_ONLY.match("请于 " + stamp)


def test_status_bar_title_and_timestamps_are_not_message_text() -> None:
    lines = [
        _line("9:41", 60, 10, 160, 40),
        _line("顺丰速运", 440, 60, 640),
        _line("昨天 14:32", 450, 180, 630),
        _line("【顺丰速运】您的包裹", 200, 300, 800),
    ]
    body, title = ocr.strip_chrome(lines, 1080, 2400)
    assert title == "顺丰速运" and [x.text for x in body] == ["【顺丰速运】您的包裹"]


def test_import_scanner_stays_light() -> None:
    code = (
        "import scanner, scanner.pipeline, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('rapidocr_onnxruntime', 'onnxruntime', 'cv2', 'scanner.ocr')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- the real engine ----------------------------------------------------------------------------------


def test_a_drawn_chat_lure_gives_the_pasted_texts_verdict(scanner: Scanner) -> None:
    bubbles = ["兼职日结，扫码注册领佣金，点击 http://jz-fanli.top/reg?id=7 填写身份证号即可", "真的吗"]
    report = scanner.scan_image(chat_png(bubbles), offline=True)
    texts = [p for p in report.payloads if p.kind is PayloadKind.OCR_TEXT]
    assert len(texts) == 1 and texts[0].source == "image"
    assert texts[0].fields["title"] == "群聊(12)"
    assert "http://jz-fanli.top/reg?id=7" in {link.original for link in report.links}
    pasted = scanner.check("\n".join(bubbles), offline=True)
    assert report.level is pasted.level and report.level.warns


def test_ocr_off_reads_codes_only(scanner: Scanner) -> None:
    off = Scanner(scanner.settings.replace(ocr=False))
    report = off.scan_image(chat_png(["兼职日结，扫码注册领佣金"]), offline=True)
    assert report.payloads == () and [r.code for r in report.reasons] == ["input.no_code_found"]


def test_a_picture_that_is_only_a_qr_code_is_not_read_for_text(scanner: Scanner) -> None:
    import segno

    buf = io.BytesIO()
    segno.make("https://a.test/only-a-code", error="m").save(buf, kind="png", scale=12, border=4)
    read = ocr.read_image(buf.getvalue(), scanner.settings)
    assert [p.text for p in read.payloads] == ["https://a.test/only-a-code"]
    assert read.ocr_ran is False


def _landscape() -> bytes:
    import numpy as np

    rng = np.random.default_rng(7)
    h, w = 1200, 1600
    y = np.linspace(0, 1, h)[:, None, None]
    img = np.broadcast_to(np.array([120, 170, 230]) + np.array([80, 50, -20]) * y, (h, w, 3)).copy()
    x = np.arange(w)
    ridge = (h * 0.55 + 80 * np.sin(x / 210) + 40 * np.sin(x / 57 + 1)).astype(int)
    ground = np.arange(h)[:, None] >= ridge[None, :]
    img[ground] = [60, 110, 50]
    img = np.clip(img + rng.normal(0, 14, (h, w, 1)) * ground[..., None], 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["blank", "landscape"])
def test_no_text_and_no_code_is_unknown_with_a_plain_reason(scanner: Scanner, kind: str) -> None:
    data = _landscape() if kind == "landscape" else _blank()
    ocr._engine()  # the models load once per process; that is not this picture's time
    start = time.perf_counter()
    report = Scanner(Settings.load(environ={}, use_lists=False)).scan_image(data, offline=True)
    took = time.perf_counter() - start
    assert report.level is Level.UNKNOWN and report.payloads == ()
    assert [r.code for r in report.reasons] == ["input.no_text_or_code"]
    assert report.summary is not None and report.summary.zh == "未识别到二维码或文字。"
    # 0.5 s is the target on two free cores (docs/ocr.md has the measured figures); the bound here
    # leaves room for a CI machine shared with other jobs, yet fails on the full QR retry cascade
    # a landscape used to get (1.3 s of it alone, plus the text detector).
    assert took <= (0.5 if kind == "blank" else 1.5), took


def _blank() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1080, 2400), (255, 255, 255)).save(buf, format="PNG")
    return buf.getvalue()


def test_concurrent_scans_read_the_same_text(scanner: Scanner) -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = chat_png(["兼职日结，扫码注册领佣金，点击 http://jz-fanli.top/reg?id=7"])
    with ThreadPoolExecutor(3) as pool:
        reports = list(pool.map(lambda _: scanner.scan_image(data, offline=True), range(3)))
    texts = {next(p.text for p in r.payloads if p.kind is PayloadKind.OCR_TEXT) for r in reports}
    assert len(texts) == 1 and "兼职日结" in texts.pop()
