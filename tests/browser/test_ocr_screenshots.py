"""Chat screenshots read by OCR: every link recovered, the same verdict as the text pasted (issue 16).

The screenshots are rendered here by Debian's Chromium from chat-like HTML (bubbles, avatars, a
title bar, timestamps, dark mode, Traditional Chinese, English, emoji, a QR code in a bubble, a
link wrapped over two bubble lines) at a phone's 1080×2400 pixels and JPEG-compressed as phones
do; nothing binary lives in the repository. Each case is checked end to end through
``Scanner.scan_image`` against ``Scanner.check`` on the bubbles' text.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
from dataclasses import dataclass
from typing import Any

import pytest
import segno

from scanner.models import PayloadKind
from scanner.pipeline import Scanner
from scanner.settings import Settings

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font: 16px "Droid Sans Fallback", sans-serif; background: {bg}; color: {fg};
        min-height: 800px; }}
.bar {{ background: {bar}; padding: 14px; text-align: center; font-weight: bold; }}
.time {{ text-align: center; color: #999; font-size: 12px; margin: 12px; }}
.msg {{ display: flex; gap: 8px; margin: 14px 10px; align-items: flex-start; }}
.msg.me {{ flex-direction: row-reverse; }}
.av {{ width: 40px; height: 40px; border-radius: 4px; background: #7a9; flex: none; }}
.me .av {{ background: #c97; }}
.bubble {{ background: {bubble}; border-radius: 6px; padding: 9px 11px; max-width: 68%;
           line-height: 1.45; overflow-wrap: anywhere; }}
.me .bubble {{ background: {mine}; color: #111; }}
.bubble img {{ width: 150px; height: 150px; display: block; }}
</style></head><body>
<div class="bar">{title}</div><div class="time">{time}</div>
{messages}
</body></html>"""

LIGHT = {"bg": "#ededed", "fg": "#111", "bar": "#f7f7f7", "bubble": "#fff", "mine": "#95ec69"}
DARK = {"bg": "#111", "fg": "#e6e6e6", "bar": "#1e1e1e", "bubble": "#2c2c2c", "mine": "#3eb575"}


@dataclass(frozen=True)
class Case:
    name: str
    bubbles: tuple[tuple[bool, str], ...]
    """(sent by me, text) per bubble."""
    links: tuple[str, ...]
    """Every link as written in the bubbles (what the report's links must hold)."""
    title: str = "张小明"
    time: str = "昨天 14:32"
    dark: bool = False


CASES = [
    Case(
        "zh-part-time-wrapped-link",
        (
            (
                False,
                "高佣金兼职！注册APP日结300元，名额有限，点击链接 "
                "http://seizingblessing.directory/reg?id=8842 进群领任务👇",
            ),
            (False, "需要身份证正反面+人脸认证，做完立即返佣"),
            (True, "真的假的？"),
        ),
        ("http://seizingblessing.directory/reg?id=8842",),
        title="兼职群(386)",
    ),
    Case(
        "zh-hant-dark-parcel",
        (
            (
                False,
                "【順豐速運】您的包裹因地址不詳無法派送，請於24小時內點擊 "
                "https://sf-express.delivery-hk.top/u/9xk 更新地址，逾期將退回寄件人。",
            ),
        ),
        ("https://sf-express.delivery-hk.top/u/9xk",),
        title="順豐速運",
        dark=True,
    ),
    Case(
        "en-parcel-lure",
        (
            (
                False,
                "USPS: Your package is on hold due to an incomplete address. "
                "Update it now at https://usps.tracking-redelivery.com/us within 12 hours.",
            ),
            (True, "Is this real?"),
        ),
        ("https://usps.tracking-redelivery.com/us",),
        title="+1 (202) 555-0143",
        time="Today 09:12",
    ),
    Case(
        "zh-short-link",
        ((False, "【京东】尊敬的用户，您的白条额度已提升至50000元，戳 t.cn/A6xYz9Kp 立即领取，退订回T"),),
        ("t.cn/A6xYz9Kp",),
        title="106575****",
    ),
    Case(
        "zh-benign-lunch",
        (
            (False, "明天中午一起吃饭吗？店在这里 https://www.dianping.com/shop/H3x9kL2"),
            (True, "好的，12点见😀"),
        ),
        ("https://www.dianping.com/shop/H3x9kL2",),
        title="李华",
    ),
    Case(
        "en-benign-emoji-dark",
        (
            (
                False,
                "Happy birthday! 🎉 The photos from Saturday are here: "
                "https://github.com/lurelens-demo/party-photos",
            ),
            (True, "Thanks so much! ❤️"),
        ),
        ("https://github.com/lurelens-demo/party-photos",),
        title="Alex",
        time="Sat 20:05",
        dark=True,
    ),
]


def _page(case: Case, extra: str = "") -> str:
    colours = DARK if case.dark else LIGHT
    rows = []
    for mine, text in case.bubbles:
        cls = "msg me" if mine else "msg"
        rows.append(
            f'<div class="{cls}"><div class="av"></div>'
            f'<div class="bubble">{html_lib.escape(text)}</div></div>'
        )
    return PAGE.format(
        title=html_lib.escape(case.title), time=case.time, messages="\n".join(rows) + extra, **colours
    )


def screenshot(browser: Any, html: str, scale: float = 3) -> bytes:
    """A phone screenshot of 360×800 CSS pixels (1080×2400 at 3×, 720×1600 at 2×), JPEG quality 70."""
    ctx = browser.new_context(viewport={"width": 360, "height": 800}, device_scale_factor=scale)
    try:
        page = ctx.new_page()
        page.set_content(html, wait_until="load")
        shot: bytes = page.screenshot(type="jpeg", quality=70)
        return shot
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    # The budgets cap hostile pictures; here they must not cut a reading short on a busy CI machine
    # (the time a screenshot takes is measured by `lurelens bench ocr`, not here).
    return Scanner(Settings.load(environ={}, use_lists=False, ocr_budget=60.0))


@pytest.mark.parametrize("scale", [3, 2], ids=["1080x2400", "720x1600"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_screenshot_links_and_verdict_match_the_pasted_text(
    browser: Any, scanner: Scanner, case: Case, scale: float
) -> None:
    shot = screenshot(browser, _page(case), scale)
    report = scanner.scan_image(shot, offline=True)
    ocr = [p for p in report.payloads if p.kind is PayloadKind.OCR_TEXT]
    assert len(ocr) == 1, report.to_dict()
    originals = {link.original for link in report.links}
    for link in case.links:
        assert link in originals, (link, ocr[0].text)
    pasted = scanner.check("\n".join(text for _, text in case.bubbles), offline=True)
    assert report.level is pasted.level, (
        ocr[0].text,
        [r.code for r in report.reasons],
        [r.code for r in pasted.reasons],
    )
    assert report.input_kind == "image"


def test_qr_code_in_a_bubble_is_decoded_and_not_read_as_text(browser: Any, scanner: Scanner) -> None:
    from scanner.images import load_image
    from scanner.ocr import qr_areas, read_image

    lure = "https://jianzhi-fanli.top/reg?from=wx&invite=8842"
    buf = io.BytesIO()
    segno.make(lure, error="m").save(buf, kind="png", scale=10, border=4)
    img = (
        f'<div class="msg"><div class="av"></div><div class="bubble"><img alt="" '
        f'src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"></div></div>'
    )
    case = Case("qr", ((False, "扫码进群，注册就送88元红包，日结佣金👇"),), ())
    shot = screenshot(browser, _page(case, extra=img))
    read = read_image(shot, scanner.settings)
    kinds = [p.kind for p in read.payloads]
    assert kinds[0] is PayloadKind.URL and read.payloads[0].text == lure
    assert kinds[-1] is PayloadKind.OCR_TEXT and "扫码进群" in read.payloads[-1].text
    areas = qr_areas(load_image(shot))
    assert areas
    for line in read.lines:  # no line of text comes from inside the code
        cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
        assert not any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in areas), line
    report = scanner.scan_image(shot, offline=True)
    assert report.level.warns
    assert lure in {link.original for link in report.links}


def test_phone_and_id_numbers_are_masked_for_people(browser: Any, scanner: Scanner) -> None:
    case = Case("pii", ((False, "客服电话 13812345678，请提供身份证号 11010519491231002X 办理退款"),), ())
    report = scanner.scan_image(screenshot(browser, _page(case)), offline=True)
    ocr = next(p for p in report.payloads if p.kind is PayloadKind.OCR_TEXT)
    shown = ocr.to_dict()["display"]
    assert "138****5678" in shown and "13812345678" not in shown
    assert "11010519491231002X" not in shown and "002X" in shown


def test_app_chrome_is_not_message_text(browser: Any, scanner: Scanner) -> None:
    """A WeChat-like frame: status bar, a title bar with back and menu marks, a sender's name,
    an input bar with a send button. Only the bubbles' text is judged; the title goes apart."""
    lure = "【顺丰速运】您的快递因地址不详被退回，请在 https://sf-express.kuaidi-cn.top/r/88 重新填写地址"
    html = _page(Case("wx", ((False, lure),), ()))
    html = html.replace(
        '<div class="bar">',
        '<div style="display:flex;justify-content:space-between;padding:4px 16px;font-size:13px">'
        '<span>9:41</span><span>5G 87%</span></div>'
        '<div class="bar" style="display:flex;justify-content:space-between"><span>&lt;</span><span>',
    ).replace("张小明</div>", "张小明</span><span>···</span></div>", 1)
    html = html.replace(
        "</body>",
        '<div style="margin:10px 60px;font-size:12px;color:#999">李四</div>'
        '<div class="msg"><div class="av"></div><div class="bubble">我也收到了</div></div>'
        '<div style="position:fixed;bottom:0;left:0;right:0;background:#f7f7f7;padding:12px;display:flex">'
        '<div style="flex:1;background:#fff;height:34px"></div>'
        '<span style="background:#07c160;color:#fff;padding:6px 10px">发送</span></div></body>',
    )
    report = scanner.scan_image(screenshot(browser, html), offline=True)
    text = next(p for p in report.payloads if p.kind is PayloadKind.OCR_TEXT)
    assert text.fields["title"] == "张小明"
    assert text.text.startswith("【顺丰速运】") and "9:41" not in text.text and "87%" not in text.text
    assert "https://sf-express.kuaidi-cn.top/r/88" in {link.original for link in report.links}
    assert report.level is scanner.check(lure + "\n我也收到了", offline=True).level
