"""Hard phone-photo QR images, generated: glare, curved, damaged, high version, lots, shadows, screens.

The eval set's real photos are mostly fair ones. Lures are photographed in worse conditions, and the
decoder is held to unseen hard photos of the kinds above. This script makes such images from
codes of its own (seeded, reproducible), writes them with a manifest in the format of
``shared/eval/qr/manifest.json``, and reports, per category, which independent decoders read each
code alone and how many of the codes that at least two of them read the pipeline reads::

    python scripts/hard_qr.py OUT_DIR [--per-category 12] [--seed 7]
    python -m scanner.bench.evalqr OUT_DIR/manifest.json --failures

Nothing here is used by the product; ``tests/decode/test_decode_hard.py`` draws a few images from
the same generator.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import segno

Img = np.ndarray

_HOSTS = ["gift-zone.test", "t.example", "u.example.cn", "reg-app.test", "jifen-duihuan.test", "a.test"]
_ZH = ["兼职日结，注册APP领佣金", "积分即将过期，立即兑换", "免费领取礼品", "低价秒杀", "助贷快速到账",
       "扫码关注"]


def random_text(rng: random.Random, length: int) -> str:
    """A URL or a lure message of about ``length`` characters."""
    path = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(max(4, length - 24)))
    url = f"https://{rng.choice(_HOSTS)}/{path}"
    if rng.random() < 0.3:
        return f"{rng.choice(_ZH)} {url}"
    return url


def code_matrix(text: str, *, error: str = "m", version: int | None = None) -> Img:
    """The code's modules as a uint8 array (1 = dark), quiet zone included."""
    qr = segno.make_qr(text, error=error, version=version, boost_error=False)
    m = np.array([[1 if v else 0 for v in row] for row in qr.matrix_iter(scale=1, border=4)], dtype=np.uint8)
    return m


def paper(matrix: Img, ppm: int, rng: random.Random, *, ink: int = 25, white: int = 235) -> Img:
    """The code printed at ``ppm`` pixels per module (slight ink spread, paper grain)."""
    img = np.where(np.kron(matrix, np.ones((ppm, ppm), dtype=np.uint8)) > 0, ink, white).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), 0.35 * ppm / 4 + 0.3)
    grain = np.asarray(np.random.default_rng(rng.randrange(1 << 30)).normal(0, 4, img.shape), np.float32)
    return np.clip(img + grain, 0, 255)


def background(h: int, w: int, rng: random.Random) -> Img:
    """A poster-like backdrop: gradient, blocks of colour and strokes."""
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 90 + 90 * (x / w) * rng.random() + 60 * (y / h) * rng.random()
    img = base + nrng.normal(0, 6, (h, w))
    for _ in range(rng.randint(3, 12)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        cv2.rectangle(img, (x0, y0), (x0 + rng.randrange(40, w // 2), y0 + rng.randrange(20, h // 3)),
                      float(rng.randrange(20, 240)), -1)
    for _ in range(rng.randint(5, 30)):
        cv2.line(img, (rng.randrange(w), rng.randrange(h)), (rng.randrange(w), rng.randrange(h)),
                 float(rng.randrange(0, 255)), rng.randint(1, 4))
    return np.asarray(img, np.float32)


def place(canvas: Img, code: Img, rng: random.Random, *, tilt: float = 0.15, fill: float = 0.45,
          center: tuple[float, float] | None = None, squash: float = 1.0) -> Img:
    """Warp ``code`` onto ``canvas`` in a random perspective, about ``fill`` of the short side wide."""
    h, w = canvas.shape
    ch, cw = code.shape
    side = min(h, w) * fill
    cx, cy = center or (w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.65))
    ang = rng.uniform(0, 2 * np.pi)
    sx, sy = (side, side * ch / cw) if cw >= ch else (side * cw / ch, side)
    sy /= squash                                   # an oblique view foreshortens one axis
    pts = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        jitter = 1 + rng.uniform(-tilt, tilt)
        x, y = dx * sx / 2 * jitter, dy * sy / 2 * jitter
        pts.append([cx + x * np.cos(ang) - y * np.sin(ang), cy + x * np.sin(ang) + y * np.cos(ang)])
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    m = cv2.getPerspectiveTransform(src, np.array(pts, np.float32))
    warped = cv2.warpPerspective(code, m, (w, h), flags=cv2.INTER_AREA, borderValue=-1.0)
    mask = cv2.warpPerspective(np.ones_like(code), m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    return canvas * (1 - mask) + np.where(mask > 0, warped, 0) * mask


def camera(img: Img, rng: random.Random, *, noise: float = 5.0, quality: int | None = None) -> bytes:
    """Lens blur, sensor noise, then JPEG as a phone would save it."""
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.1))
    img = img + nrng.normal(0, noise, img.shape)
    out = np.clip(img, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality or rng.randint(70, 92)])
    assert ok
    return buf.tobytes()


def _canvas(rng: random.Random) -> Img:
    h, w = rng.choice([(960, 1280), (1200, 1600), (1080, 1440)])
    return background(h, w, rng)


# --- categories ---------------------------------------------------------------------------------

def glare(rng: random.Random, text: str) -> bytes:
    """A specular highlight (flash or lamp on gloss) washing out part of the code."""
    canvas = place(_canvas(rng), paper(code_matrix(text, error=rng.choice("mqh")), 8, rng), rng)
    h, w = canvas.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.65)
    sx, sy = w * rng.uniform(0.03, 0.09), h * rng.uniform(0.03, 0.1)
    blob = np.exp(-(((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2) / 2)
    halo = np.exp(-(((x - cx) / (3 * sx)) ** 2 + ((y - cy) / (3 * sy)) ** 2) / 2)
    canvas = canvas * (1 - 0.6 * blob) + 255 * (rng.uniform(0.9, 1.4) * blob + 0.25 * halo)
    return camera(canvas, rng)


def curved(rng: random.Random, text: str) -> bytes:
    """The code on a bottle or a can: wrapped around a cylinder, shaded across."""
    code = paper(code_matrix(text, error=rng.choice("mq")), 8, rng)
    ch, cw = code.shape
    radius = cw / rng.uniform(1.2, 2.4)       # the code spans 0.6–1.2 rad of the cylinder
    out_w = int(2 * radius * np.sin(cw / (2 * radius))) + 2
    xs = np.arange(out_w, dtype=np.float32) - out_w / 2
    theta = np.arcsin(np.clip(xs / radius, -1, 1))
    src_x = theta * radius + cw / 2
    map_x = np.tile(src_x, (ch, 1)).astype(np.float32)
    map_y = np.tile(np.arange(ch, dtype=np.float32)[:, None], (1, out_w))
    wrapped = cv2.remap(code, map_x, map_y, cv2.INTER_LINEAR, borderValue=235.0)
    shade = 0.55 + 0.45 * np.cos(theta + rng.uniform(-0.5, 0.5))
    wrapped = wrapped * shade[None, :]
    if rng.random() < 0.5:
        wrapped = wrapped.T.copy()
    return camera(place(_canvas(rng), wrapped, rng, tilt=0.08), rng)


def damaged(rng: random.Random, text: str) -> bytes:
    """Torn, scratched, stained or stickered over, within what the error correction can repair."""
    err = rng.choice("qh")
    m = code_matrix(text, error=err).copy()
    n = m.shape[0] - 8
    budget = {"q": 0.06, "h": 0.1}[err] * n * n * rng.uniform(0.3, 1.0)
    used = 0.0
    while used < budget:
        kind = rng.random()
        if kind < 0.5:                               # a blob of ink or a sticker
            s = rng.randint(2, max(3, n // 6))
            y0, x0 = rng.randrange(4, 4 + n - s), rng.randrange(4, 4 + n - s)
            if (y0 < 13 and x0 < 13) or (y0 < 13 and x0 + s > n - 5) or (y0 + s > n - 5 and x0 < 13):
                continue                             # keep the finder patterns readable
            m[y0:y0 + s, x0:x0 + s] = rng.randint(0, 1)
            used += s * s
        else:                                        # a scratch across
            y0 = rng.randrange(12, n - 4)
            m[y0, 10:n - 2] = 0
            used += n * 0.5
    img = paper(m, 8, rng)
    return camera(place(_canvas(rng), img, rng), rng)


def lots(rng: random.Random, texts: list[str]) -> bytes:
    """A sheet of many small codes (a flyer wall, a shelf of stickers)."""
    k = len(texts)
    cols = int(np.ceil(np.sqrt(k)))
    rows = int(np.ceil(k / cols))
    tiles = [paper(code_matrix(t, error="m"), 5, rng) for t in texts]
    side = max(max(t.shape) for t in tiles) + 20
    sheet = np.full((rows * side, cols * side), 235, np.float32)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet[r * side:r * side + t.shape[0], c * side:c * side + t.shape[1]] = t
    h, w = rng.choice([(1500, 2000), (2250, 3000)])
    return camera(place(background(h, w, rng), sheet, rng, tilt=0.1, fill=0.7, squash=rng.uniform(1.0, 1.8),
                        center=(w * rng.uniform(0.45, 0.55), h * rng.uniform(0.45, 0.55))), rng)


def shadows(rng: random.Random, text: str) -> bytes:
    """A hard shadow (a hand, a phone) across the code."""
    canvas = place(_canvas(rng), paper(code_matrix(text), 8, rng), rng)
    h, w = canvas.shape
    pts = np.array([[rng.randrange(w), rng.randrange(h)] for _ in range(rng.randint(3, 6))], np.int32)
    pts = np.vstack([pts, [[w // 2, h // 2]]])
    mask = np.zeros((h, w), np.float32)
    cv2.fillPoly(mask, [cv2.convexHull(pts)], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(1, 8))
    canvas = canvas * (1 - mask * rng.uniform(0.45, 0.7))
    return camera(canvas, rng)


def brightness(rng: random.Random, text: str) -> bytes:
    """Under- or over-exposed: the code squeezed into a few grey levels, noise on top."""
    canvas = place(_canvas(rng), paper(code_matrix(text), 7, rng), rng)
    if rng.random() < 0.5:
        canvas = canvas * rng.uniform(0.12, 0.25)
        noise = rng.uniform(3, 6)
    else:
        canvas = 255 - (255 - canvas) * rng.uniform(0.12, 0.25)
        noise = rng.uniform(2, 4)
    return camera(canvas, rng, noise=noise)


def monitor(rng: random.Random, text: str) -> bytes:
    """A code on another screen: pixel grid, moiré bands, a bright backlight."""
    canvas = place(_canvas(rng), paper(code_matrix(text), 8, rng), rng, tilt=0.2)
    h, w = canvas.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(2.5, 4.5)
    grid = 0.85 + 0.15 * (np.sin(2 * np.pi * x / period) * np.sin(2 * np.pi * y / period))
    moire = 1 + 0.12 * np.sin(2 * np.pi * (x * np.cos(0.3) + y * np.sin(0.3)) / rng.uniform(30, 90))
    canvas = (canvas * 0.8 + 40) * grid * moire
    return camera(canvas, rng, noise=4)


def motion(rng: random.Random, text: str) -> bytes:
    """A shaky hand: motion blur along a random direction."""
    canvas = place(_canvas(rng), paper(code_matrix(text), 9, rng), rng)
    length = rng.randint(5, 11)
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    kernel /= kernel.sum()
    return camera(cv2.filter2D(canvas, -1, kernel), rng)


def distant(rng: random.Random, text: str) -> bytes:
    """A code far away on a big photo: 2–3 px per module after the camera's downscale."""
    code = paper(code_matrix(text), 6, rng)
    h, w = 3000, 4000
    fill = (code.shape[0] / 6 * rng.uniform(2.2, 3.2)) / min(h, w)
    return camera(place(background(h, w, rng), code, rng, tilt=0.08, fill=fill), rng, noise=3)


SINGLE: dict[str, Callable[[random.Random, str], bytes]] = {
    "glare": glare, "curved": curved, "damaged": damaged,
    "shadows": shadows, "brightness": brightness, "monitor": monitor, "motion": motion,
    "distant": distant,
}


def generate(out: Path, per_category: int, seed: int) -> Path:
    """Write the images and their manifest under ``out``; returns the manifest's path."""
    rng = random.Random(seed)
    images = []
    for cat, make in [*SINGLE.items(), ("high_version", None), ("lots", None)]:
        (out / cat).mkdir(parents=True, exist_ok=True)
        for i in range(per_category):
            if cat == "high_version":
                data, full = high_version(rng, random_text(rng, 40))
                texts = [full]
            elif make is None:
                texts = [random_text(rng, rng.randint(20, 60)) for _ in range(rng.randint(6, 16))]
                data = lots(rng, texts)
            else:
                texts = [random_text(rng, rng.randint(20, 90))]
                data = make(rng, texts[0])
            name = f"{cat}/{i:03d}.jpg"
            (out / name).write_bytes(data)
            images.append({"file": name, "texts": texts, "category": cat})
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps({"name": "hard-synthetic", "version": 1, "seed": seed, "images": images},
                                   ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def high_version(rng: random.Random, text: str) -> tuple[bytes, str]:
    """Versions 20–40 (97–177 modules) at level L, 2–4 px per module: the text is lengthened to fill it."""
    version = rng.randint(20, 40)
    filler = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(2000))
    cap = {20: 858, 25: 1273, 30: 1732, 35: 2303, 40: 2953}          # byte capacity at level L
    limit = cap[min(cap, key=lambda v: abs(v - version))]
    data = (text + "#" + filler)[: int(limit * rng.uniform(0.5, 0.8))]
    code = paper(code_matrix(data, error="l"), 4, rng)
    h, w = rng.choice([(1800, 2400), (2250, 3000), (3000, 4000)])
    # Large but whole: a code with a finder pattern outside the frame is unreadable by anyone.
    shot = place(background(h, w, rng), code, rng, tilt=0.06, fill=rng.uniform(0.45, 0.58),
                 center=(w * rng.uniform(0.45, 0.55), h * rng.uniform(0.45, 0.55)))
    return camera(shot, rng, noise=3), data


# --- independent decoders -----------------------------------------------------------------------

def _gray(data: bytes) -> Img:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)


def read_zxing(data: bytes) -> set[str]:
    import zxingcpp
    img = _gray(data)
    return {r.text for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)}


def read_zbar(data: bytes) -> set[str]:
    from PIL import Image
    from pyzbar import pyzbar
    return {r.data.decode("utf-8", "replace") for r in pyzbar.decode(Image.open(io.BytesIO(data)))
            if r.type == "QRCODE"}


def read_opencv(data: bytes) -> set[str]:
    img = _gray(data)
    ok, texts, _, _ = cv2.QRCodeDetector().detectAndDecodeMulti(img)
    return {t for t in texts if t} if ok else set()


def read_opencv_aruco(data: bytes) -> set[str]:
    img = _gray(data)
    ok, texts, _, _ = cv2.QRCodeDetectorAruco().detectAndDecodeMulti(img)
    return {t for t in texts if t} if ok else set()


def _safe(fn: Callable[[bytes], set[str]], data: bytes) -> set[str]:
    try:
        return fn(data)
    except Exception:  # noqa: BLE001 - a decoder that crashes reads nothing
        return set()


DECODERS = {"zxing": read_zxing, "zbar": read_zbar, "opencv": read_opencv, "opencv-aruco": read_opencv_aruco}


def matrix(manifest: Path) -> int:
    """Print per category: codes, each decoder alone, codes read by ≥2, pipeline, pipeline on the ≥2."""
    from scanner.decode import decode_raw

    entries = json.loads(manifest.read_text(encoding="utf-8"))["images"]
    rows: dict[str, dict[str, int]] = {}
    misses = []
    for im in entries:
        data = (manifest.parent / im["file"]).read_bytes()
        got = {name: _safe(fn, data) for name, fn in DECODERS.items()}
        t0 = time.perf_counter()
        ours = {c.text for c in decode_raw(data)}
        ms = (time.perf_counter() - t0) * 1000
        row = rows.setdefault(im["category"], dict.fromkeys(
            ["codes", *DECODERS, "two+", "pipeline", "pipe_on_two+", "max_ms"], 0))
        row["max_ms"] = max(row["max_ms"], int(ms))
        for t in im["texts"]:
            row["codes"] += 1
            n = 0
            for name in DECODERS:
                hit = t in got[name]
                row[name] += hit
                n += hit
            row["pipeline"] += t in ours
            if n >= 2:
                row["two+"] += 1
                row["pipe_on_two+"] += t in ours
                if t not in ours:
                    misses.append(im["file"])
    cols = ["codes", *DECODERS, "two+", "pipeline", "pipe_on_two+", "max_ms"]
    print(f"{'category':<14}" + "".join(f"{c:>14}" for c in cols))
    total = dict.fromkeys(cols, 0)
    for cat, row in rows.items():
        print(f"{cat:<14}" + "".join(f"{row[c]:>14}" for c in cols))
        for c in cols:
            total[c] = max(total[c], row[c]) if c == "max_ms" else total[c] + row[c]
    print(f"{'all':<14}" + "".join(f"{total[c]:>14}" for c in cols))
    if misses:
        print("pipeline missed codes that two decoders read:", ", ".join(sorted(set(misses))))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--per-category", type=int, default=12)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-generate", action="store_true", help="only score an existing OUT/manifest.json")
    args = p.parse_args(argv)
    manifest = args.out / "manifest.json"
    if not args.no_generate:
        manifest = generate(args.out, args.per_category, args.seed)
    return matrix(manifest)


if __name__ == "__main__":
    sys.exit(main())
