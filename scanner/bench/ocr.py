"""``bench ocr``: a whole chat-screenshot scan (QR, OCR, checks) vs RapidOCR's defaults alone.

Ours is ``Scanner.scan_image(data, offline=True)``: image loading, the QR cascade, text detection
on a reduced copy, recognition of crops at full scale, layout, link extraction and every check.
The reference is what a straightforward integration does: ``RapidOCR()(image)`` with the
library's defaults (detection at full size, the direction classifier on), its lines joined in
order, the same link extractor run on them — and no QR decoding or checks at all.

Inputs: ``--photos DIR`` (screenshots; a ``manifest.json`` there, ``{"file.jpg": ["link", …]}``,
gives the links each one holds), else built-in chat screenshots drawn with Pillow and the system's
Chinese font (Debian ``fonts-droid-fallback``) at 1080×2400, JPEG quality 75, plus one 12 MP
poster-like photo (4000×3000). ``link_rate`` is the share of expected links recovered exactly.
"""

from __future__ import annotations

import io
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..settings import Settings
from .core import BenchResult, Stat

__all__ = ["bench_ocr", "builtin_screenshots"]

_CJK_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
_LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

_CHATS: list[tuple[str, list[str]]] = [
    (
        "兼职群(386)",
        [
            "高佣金兼职！注册APP日结300元，名额有限，点击链接 http://jz-fanli.top/reg?id=8842 进群领任务",
            "需要身份证正反面+人脸认证，做完立即返佣",
            "真的假的？",
        ],
    ),
    (
        "顺丰速运",
        [
            "【顺丰速运】您的包裹因地址不详无法派送，请于24小时内点击 "
            "https://sf-express.delivery-cn.top/u/9xk 更新地址"
        ],
    ),
    ("106575****", ["【京东】尊敬的用户，您的白条额度已提升至50000元，戳 t.cn/A6xYz9Kp 立即领取，退订回T"]),
    ("李华", ["明天中午一起吃饭吗？店在这里 https://www.dianping.com/shop/H3x9kL2", "好的，12点见"]),
    (
        "+1 (202) 555-0143",
        [
            "USPS: Your package is on hold due to an incomplete address. Update it now at "
            "https://usps.tracking-redelivery.com/us within 12 hours.",
            "Is this real?",
        ],
    ),
]


def builtin_screenshots() -> list[tuple[str, bytes, list[str]]]:
    """(name, JPEG bytes, expected links) of the drawn chat screenshots; [] without the fonts."""
    if not (_CJK_FONT.is_file() and _LATIN_FONT.is_file()):
        return []
    from ..extract import extract_links

    out = []
    for n, (title, bubbles) in enumerate(_CHATS):
        links = [f.original for b in bubbles for f in extract_links(b)]
        out.append((f"chat{n}", _draw_chat(title, bubbles), links))
    return out


def _fonts(px: int) -> tuple[Any, Any]:
    from PIL import ImageFont

    return ImageFont.truetype(str(_CJK_FONT), px), ImageFont.truetype(str(_LATIN_FONT), px)


def _draw_text(d: Any, x: float, y: float, text: str, fonts: tuple[Any, Any]) -> float:
    for c in text:
        f = fonts[0] if ord(c) >= 0x2E80 else fonts[1]
        d.text((x, y), c, font=f, fill=(17, 17, 17))
        x += f.getlength(c)
    return x


def _length(text: str, fonts: tuple[Any, Any]) -> float:
    return float(sum((fonts[0] if ord(c) >= 0x2E80 else fonts[1]).getlength(c) for c in text))


def _wrap(text: str, fonts: tuple[Any, Any], width: float) -> list[str]:
    lines, cur = [], ""
    for word in re.findall(r"\s*[\x21-\x7e]+|\s*[^\x21-\x7e]", text):
        if _length(cur + word, fonts) <= width:
            cur += word
            continue
        if cur.strip():
            lines.append(cur.rstrip())
        word = word.lstrip()
        while _length(word, fonts) > width:
            n = max(i for i in range(1, len(word) + 1) if _length(word[:i], fonts) <= width)
            lines.append(word[:n])
            word = word[n:]
        cur = word
    return [*lines, cur] if cur else lines


def _draw_chat(title: str, bubbles: list[str], size: tuple[int, int] = (1080, 2400)) -> bytes:
    from PIL import Image, ImageDraw

    w, h = size
    fonts = _fonts(46)
    im = Image.new("RGB", size, (237, 237, 237))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, w, 200), fill=(247, 247, 247))
    _draw_text(d, 50, 20, "14:32", _fonts(34))
    _draw_text(d, (w - _length(title, fonts)) / 2, 110, title, fonts)
    y = 260
    for text in bubbles:
        lines = _wrap(text, fonts, w - 380)
        bh = len(lines) * 66 + 44
        d.rectangle((30, y, 150, y + 120), fill=(120, 170, 150))
        d.rounded_rectangle((180, y, w - 150, y + bh), radius=18, fill=(255, 255, 255))
        for i, line in enumerate(lines):
            _draw_text(d, 212, y + 22 + i * 66, line, fonts)
        y += bh + 60
    d.rectangle((0, h - 150, w, h), fill=(247, 247, 247))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=75)
    return buf.getvalue()


def _poster() -> tuple[str, bytes, list[str]]:
    """A 12 MP photo-like poster: a big title, body text and a link, on a textured background."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(3)
    base = rng.normal(200, 12, (3000, 4000)).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(base).convert("RGB")
    d = ImageDraw.Draw(im)
    _draw_text(d, 400, 300, "暑期兼职 日结工资", _fonts(260))
    for i, line in enumerate(
        ["扫码注册即送88元，佣金当天到账", "详情访问 https://jz-poster.top/join", "名额有限 先到先得"]
    ):
        _draw_text(d, 420, 900 + i * 260, line, _fonts(130))
    im = im.filter(ImageFilter.GaussianBlur(1.5))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=85)
    return "poster12mp", buf.getvalue(), ["https://jz-poster.top/join"]


def _folder(folder: Path) -> list[tuple[str, bytes, list[str]]]:
    from .inputs import load_photos

    manifest: dict[str, list[str]] = {}
    mf = folder / "manifest.json"
    if mf.is_file():
        try:
            manifest = json.loads(mf.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read {mf}: {e}") from None
    return [(p.name, p.data, list(manifest.get(p.name, []))) for p in load_photos(folder)]


def _reference(data: bytes) -> list[str]:
    """RapidOCR with its defaults, lines joined in order, links extracted: (links as written)."""
    import cv2
    import numpy as np

    from ..extract import extract_links

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    res, _ = _default_engine()(img)
    text = "\n".join(r[1] for r in res or [])
    return [f.original for f in extract_links(text)]


_DEFAULT: list[Any] = []


def _default_engine() -> Any:
    if not _DEFAULT:
        from rapidocr_onnxruntime import RapidOCR

        _DEFAULT.append(RapidOCR(print_verbose=False))
    return _DEFAULT[0]


def bench_ocr(settings: Settings, photos: Path | None = None, *, repeat: int = 3) -> BenchResult:
    """Median/p95 ms per screenshot and exact link recovery: ours vs RapidOCR defaults."""
    from ..pipeline import Scanner

    started = time.perf_counter()
    shots = _folder(photos) if photos is not None else builtin_screenshots()
    if not shots:
        return BenchResult(
            "ocr",
            "",
            "",
            "median_ms",
            skipped="no screenshots: install fonts-droid-fallback or give --photos",
        )
    poster = [] if photos is not None else [_poster()]
    scanner = Scanner(settings.replace(use_lists=False))
    scanner.scan_image(shots[0][1], offline=True)  # load the models once, outside the timings
    _default_engine()
    a: dict[str, list[float]] = {"median_ms": [], "p95_ms": [], "link_rate": [], "poster_ms": []}
    b: dict[str, list[float]] = {k: [] for k in a}

    def ours(data: bytes) -> list[str]:
        return [link.original for link in scanner.scan_image(data, offline=True).links]

    for _ in range(max(1, repeat)):
        for side, fn in ((a, ours), (b, _reference)):
            times, hits, want = [], 0, 0
            for _name, data, links in shots:
                t0 = time.perf_counter()
                got = fn(data)
                times.append((time.perf_counter() - t0) * 1000)
                hits += sum(1 for x in links if x in got)
                want += len(links)
            side["median_ms"].append(statistics.median(times))
            side["p95_ms"].append(sorted(times)[max(0, round(0.95 * len(times)) - 1)])
            side["link_rate"].append(hits / want if want else float("nan"))
            for _name, data, _links in poster:
                t0 = time.perf_counter()
                fn(data)
                side["poster_ms"].append((time.perf_counter() - t0) * 1000)
    figures = {k: Stat.of("ms", v, "lower") for k, v in a.items() if v and k != "link_rate"}
    figures["link_rate"] = Stat.of("fraction of links", a["link_rate"])
    reference = {k: Stat.of("ms", v, "lower") for k, v in b.items() if v and k != "link_rate"}
    reference["link_rate"] = Stat.of("fraction of links", b["link_rate"])
    return BenchResult(
        name="ocr",
        ours_label="Scanner.scan_image offline (QR cascade + OCR on a reduced detector copy + checks)",
        reference_label="RapidOCR() defaults alone (full-size detection, direction classifier), "
        "same link extractor, no QR or checks",
        primary="median_ms",
        figures=figures,
        reference=reference,
        params={
            "screenshots": len(shots),
            "poster": bool(poster),
            "repeat": repeat,
            "source": str(photos) if photos else "built-in drawn chats 1080×2400 + 12 MP poster",
            "ocr_budget_s": settings.ocr_budget,
            "decode_budget_s": settings.decode_budget,
        },
        seconds=time.perf_counter() - started,
    )
