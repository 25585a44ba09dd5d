"""Real screenshots, made by real Chromium, decoded by the pipeline (issue 3 §4).

People forward lures as screenshots of a chat: the code small in a tall phone-sized image, scaled
by the browser's image resampler, with text, avatars and a second picture around it. These images
are rendered here by Debian's Chromium (not drawn with NumPy), so the resampling, anti-aliasing
and colour handling are a real renderer's, and nothing binary needs to live in the repository.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
import segno

from scanner.decode import decode_image, zxing_only

pytestmark = pytest.mark.browser

LURE = "https://jianzhi-fanli.top/reg?from=wx&invite=8842"
ALIPAY = "https://qr.alipay.com/fkx19632qwertyuiop"


def _data_uri(text: str, **kw: Any) -> str:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=10, border=4, **kw)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


CHAT = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font: 15px sans-serif; background: #ededed; }}
.bar {{ background: #f7f7f7; padding: 14px; text-align: center; font-weight: bold; }}
.msg {{ display: flex; gap: 8px; margin: 14px 10px; }}
.av {{ width: 40px; height: 40px; border-radius: 4px; background: #7a9; flex: none; }}
.bubble {{ background: #fff; border-radius: 6px; padding: 9px 11px; max-width: 70%; }}
.qr {{ width: {size}px; height: {size}px; image-rendering: auto; transform: rotate({angle}deg); }}
</style></head><body>
<div class="bar">兼职群(386)</div>
<div class="msg"><div class="av"></div>
  <div class="bubble">高佣金兼职！注册APP日结300元，名额有限，扫码进群领任务👇</div></div>
<div class="msg"><div class="av"></div><div class="bubble"><img class="qr" src="{code}" alt=""></div></div>
<div class="msg"><div class="av"></div><div class="bubble">需要身份证正反面+人脸认证，做完立即返佣</div></div>
<div class="msg"><div class="av"></div><div class="bubble"><img class="qr" src="{other}" alt=""
  style="width: 90px; height: 90px"></div></div>
</body></html>"""




def screenshot(browser: Any, html: str, *, scale: float, fmt: str = "png") -> bytes:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=scale)
    try:
        page = ctx.new_page()
        page.set_content(html, wait_until="load")
        if fmt == "jpeg":
            shot: bytes = page.screenshot(full_page=True, type="jpeg", quality=70)
        else:
            shot = page.screenshot(full_page=True)
        return shot
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("size", "angle", "scale", "fmt"),
    [(150, 0, 3, "png"), (110, 0, 2, "jpeg"), (130, 7, 3, "jpeg"), (96, 0, 3, "png"), (60, 0, 2, "jpeg")],
    ids=["phone-png", "small-jpeg", "tilted-jpeg", "tiny-png", "thumbnail-jpeg"],
)
def test_chat_screenshot_with_two_codes(browser: Any, size: int, angle: int, scale: float, fmt: str) -> None:
    html = CHAT.format(size=size, angle=angle, code=_data_uri(LURE), other=_data_uri(ALIPAY))
    shot = screenshot(browser, html, scale=scale, fmt=fmt)
    texts = [p.text for p in decode_image(shot)]
    assert LURE in texts
    assert ALIPAY in texts
    # Never worse than zxing-cpp alone on the same real screenshot.
    assert set(texts) >= set(zxing_only(shot)) & {LURE, ALIPAY}


def test_screenshot_of_a_dark_mode_chat(browser: Any) -> None:
    # Dark mode apps show codes light-on-dark (inverted) on a near-black page.
    html = CHAT.format(size=140, angle=0, code=_data_uri(LURE, dark="#e6e6e6", light="#1b1b1b"),
                       other=_data_uri(ALIPAY)).replace("#ededed", "#111").replace("#fff;", "#2c2c2c;")
    shot = screenshot(browser, html, scale=3)
    assert LURE in [p.text for p in decode_image(shot)]
