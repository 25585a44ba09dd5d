"""Generate the small built-in QR bench set in ``scanner/data/qr/`` (deterministic, seed 7).

Run from the repository root: ``python tests/data/make_qr_images.py``. Each image is a segno code
pasted on a textured background and degraded the way phone photos are (perspective, rotation,
blur, noise, JPEG, low contrast, inversion, a small code in a large frame, two codes). Payloads
cover the charsets that trip decoders: GBK and Shift_JIS without ECI, UTF-8 with and without ECI.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import segno

OUT = Path(__file__).resolve().parents[2] / "scanner" / "data" / "qr"
RNG = np.random.default_rng(7)


def code(data: str | bytes, *, scale: int = 6, error: str = "m", **kw: object) -> np.ndarray:
    """A clean grayscale code with a 4-module quiet zone."""
    q = segno.make_qr(data, error=error, **kw)  # type: ignore[arg-type]
    buf = io.BytesIO()
    q.save(buf, kind="png", scale=scale, border=4)
    arr = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    return arr


def background(h: int, w: int) -> np.ndarray:
    """A smooth random texture with a lighting gradient (a table, a wall)."""
    base = RNG.normal(150, 30, (h // 16 + 1, w // 16 + 1)).astype(np.float32)
    tex = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    grad = np.linspace(0.8, 1.1, w, dtype=np.float32)[None, :]
    return np.clip(tex * grad, 0, 255).astype(np.uint8)


def paste(bg: np.ndarray, img: np.ndarray, x: int, y: int) -> np.ndarray:
    out = bg.copy()
    out[y : y + img.shape[0], x : x + img.shape[1]] = img
    return out


def warp(img: np.ndarray, k: float) -> np.ndarray:
    """Keystone perspective: the top edge shrunk by ``k`` of the width."""
    h, w = img.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    d = w * k / 2
    dst = np.float32([[d, h * 0.05], [w - d, 0], [w, h], [0, h * 0.97]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, m, (w, h), borderValue=255)


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), borderValue=255)


def noise(img: np.ndarray, sigma: float) -> np.ndarray:
    return np.clip(img + RNG.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def build() -> list[dict[str, object]]:
    items: list[tuple[str, bytes, list[str], str]] = []

    t = "https://shop.example/p?id=1&utm=qr"
    flat = np.full((400, 520), 235, np.uint8)
    items.append(("clean.png", png(paste(flat, code(t, scale=5), 100, 30)), [t], "clean"))

    t = "扫码领取红包 https://hb.example.cn/r?c=88"
    img = warp(code(t.encode("gbk"), scale=6), 0.4)
    photo = cv2.GaussianBlur(paste(background(720, 960), img, 250, 120), (0, 0), 1.2)
    items.append(("gbk_perspective.jpg", jpeg(noise(photo, 3), 70), [t], "gbk_no_eci"))

    t = "Google モバイル http://google.example.jp"
    img = rotate(code(t.encode("shift_jis"), scale=6), 27)
    items.append(("sjis_rotated.jpg", jpeg(noise(paste(background(720, 960), img, 200, 90), 4), 70), [t],
                  "shift_jis"))

    t = "Привет — 你好 — こんにちは"
    img = code(t, scale=6, encoding="utf-8", eci=True)
    dim = (paste(background(600, 800), img, 200, 80) * 0.25 + 120).astype(np.uint8)
    items.append(("utf8_eci_lowcontrast.jpg", jpeg(noise(dim, 3), 85), [t], "utf8_eci"))

    t = "WIFI:T:WPA;S:Cafe\\;Guest;P:not-a-real-password;;"
    img = 255 - code(t, scale=6)
    items.append(("inverted.jpg", jpeg(paste(background(500, 600), img, 120, 50), 70), [t], "inverted"))

    a, b = "https://a.example/one", "tel:+8613800000000"
    bg = background(600, 1000)
    bg = paste(bg, code(a, scale=6), 60, 80)
    bg = paste(bg, rotate(code(b, scale=6), -12), 560, 120)
    items.append(("two_codes.jpg", jpeg(noise(bg, 2), 70), [a, b], "two_codes"))

    t = "https://tiny.example/x"
    items.append(("small_in_large.jpg", jpeg(paste(background(1200, 1600), code(t, scale=3), 1250, 900), 60),
                  [t], "small_in_large"))

    t = "https://blur.example/path?q=1"
    photo = cv2.GaussianBlur(paste(background(600, 800), code(t, scale=7, error="q"), 220, 60), (0, 0), 3.0)
    items.append(("blurred.jpg", jpeg(photo, 80), [t], "blur"))

    OUT.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, data, texts, category in items:
        (OUT / name).write_bytes(data)
        entries.append({"file": name, "texts": texts, "category": category,
                        "source": "generated by tests/data/make_qr_images.py (seed 7)", "license": "MIT"})
    manifest = {"name": "lurelens-builtin", "version": 1,
                "scoring": "a code is decoded when its exact text is returned", "images": entries}
    text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    (OUT / "manifest.json").write_text(text, encoding="utf-8")
    return entries


if __name__ == "__main__":
    for e in build():
        print(e["file"], (OUT / str(e["file"])).stat().st_size)
