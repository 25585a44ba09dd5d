"""Chat-like pictures drawn with Pillow for the OCR tests (no browser needed).

Droid Sans Fallback (Debian's ``fonts-droid-fallback``, the font Chromium uses for Chinese here)
draws the Chinese and DejaVu Sans the rest, as Pillow does no font fallback of its own.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


LATIN = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


class _Fonts:
    """Droid Sans Fallback for Chinese, DejaVu Sans for the rest (Pillow does no font fallback)."""

    def __init__(self, px: int) -> None:
        for f in (FONT, LATIN):
            if not f.exists():
                pytest.fail(f"{f} is missing: apt-get install fonts-droid-fallback fonts-dejavu-core")
        self.cjk = ImageFont.truetype(str(FONT), px)
        self.latin = ImageFont.truetype(str(LATIN), px)

    def of(self, ch: str) -> ImageFont.FreeTypeFont:
        return self.cjk if ord(ch) >= 0x2E80 else self.latin

    def length(self, text: str) -> float:
        return sum(self.of(c).getlength(c) for c in text)

    def draw(self, d: ImageDraw.ImageDraw, x: float, y: float, text: str) -> None:
        for c in text:
            d.text((x, y), c, font=self.of(c), fill=(17, 17, 17))
            x += self.of(c).getlength(c)


def chat_png(bubbles: list[str], *, width: int = 1080, font_px: int = 44, jpeg: bool = True) -> bytes:
    """A plain chat screenshot: grey page, title bar, white bubbles with an avatar square each."""
    fonts = _Fonts(font_px)
    im = Image.new("RGB", (width, 1800), (237, 237, 237))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, width, 130), fill=(247, 247, 247))
    title = "群聊(12)"
    fonts.draw(d, (width - fonts.length(title)) / 2, 40, title)
    y = 190
    for text in bubbles:
        lines = _wrap(text, fonts, width - 330)
        h = len(lines) * int(font_px * 1.45) + 40
        d.rectangle((30, y, 150, y + 120), fill=(120, 170, 150))
        d.rounded_rectangle((180, y, width - 120, y + h), radius=18, fill=(255, 255, 255))
        for i, line in enumerate(lines):
            fonts.draw(d, 210, y + 20 + i * int(font_px * 1.45), line)
        y += h + 50
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=80) if jpeg else im.save(buf, format="PNG")
    return buf.getvalue()


def _wrap(text: str, fonts: _Fonts, width: int) -> list[str]:
    """Wrapped like a chat app: anywhere in Chinese, at spaces in Latin text, long links broken."""
    lines, cur = [], ""
    for word in _words(text):
        if fonts.length(cur + word) <= width:
            cur += word
            continue
        if cur.strip():
            lines.append(cur.rstrip())
            cur = ""
        word = word.lstrip()
        while fonts.length(word) > width:  # a link longer than a line: broken anywhere
            n = max(i for i in range(1, len(word) + 1) if fonts.length(word[:i]) <= width)
            lines.append(word[:n])
            word = word[n:]
        cur = word
    return [*lines, cur] if cur else lines


def _words(text: str) -> list[str]:
    return re.findall(r"\s*[\x21-\x7e]+|\s*[^\x21-\x7e]", text)
