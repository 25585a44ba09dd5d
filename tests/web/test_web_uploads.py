"""TESTSPEC group E: uploads. Web-edge limits use the fake scanner; decoding cases use the real Scanner."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from websupport import BASE, FakeScanner, csrf_of

import web
from scanner.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


# ---- images made here ----------------------------------------------------------------------------

def qr_image(text: str, scale: int = 8, **kw: Any) -> Image.Image:
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False, **kw).save(buf, kind="png", scale=scale, border=4)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def photo_like_jpeg(text: str) -> bytes:
    """U-02: the QR on a larger grey card, rotated, perspective-warped, stored sideways with EXIF 6."""
    qr = qr_image(text, scale=6)
    card = Image.new("RGB", (qr.width + 160, qr.height + 220), (205, 200, 190))
    card.paste(qr, (80, 110))
    ImageDraw.Draw(card).text((20, 20), "扫码领取", fill=(40, 40, 40))
    card = card.rotate(13, expand=True, fillcolor=(120, 110, 100), resample=Image.Resampling.BICUBIC)
    w, h = card.size
    # A mild keystone: the top edge narrower than the bottom, as a phone held below a poster sees it.
    coeffs = _perspective_coeffs([(0, 0), (w, 0), (w, h), (0, h)],
                                 [(int(w * 0.06), 0), (int(w * 0.94), 0), (w, h), (0, h)])
    card = card.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC,
                          fillcolor=(120, 110, 100))
    # Stored rotated 90° clockwise with Orientation=6: viewers (and a good decoder) turn it back.
    stored = card.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", quality=85, exif=exif)
    return buf.getvalue()


def _perspective_coeffs(dst: list[tuple[int, int]], src: list[tuple[int, int]]) -> list[float]:
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return [float(x) for x in np.linalg.solve(a, b)]


def png_header_only(width: int, height: int) -> bytes:
    """U-09: a valid PNG signature + IHDR declaring width×height, one tiny IDAT, IEND."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(
        b"IEND", b"")


def png_zlib_bomb() -> bytes:
    """U-10: 1000×1000 RGB declared, IDAT inflating to ~1 GiB of zeros (far more than the image needs)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    comp = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    body = b"".join(comp.compress(block) for _ in range(1024)) + comp.flush()
    ihdr = (1000).to_bytes(4, "big") + (1000).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


# ---- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def real_app(web_settings: Settings) -> Flask:
    """The app over the real Scanner (offline: decoding cases need no network)."""
    return web.create_app(web_settings)


def scan(client: FlaskClient, auth: dict[str, str], data: bytes, name: str = "qr.png", **form: str) -> Any:
    return client.post("/api/v1/scan", headers=auth, data={"image": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


# ---- decoding (real Scanner) ---------------------------------------------------------------------

def test_u01_png_qr_decoded_and_checked(real_app: Flask, auth: dict[str, str]) -> None:
    r = scan(real_app.test_client(), auth, png_bytes(qr_image("https://a.test/x")))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["input_kind"] == "image"
    assert [p["text"] for p in body["payloads"]] == ["https://a.test/x"]
    assert body["links"] and body["links"][0]["final_url"] == "https://a.test/x"


def test_u01_expansion_through_a_local_server(web_settings: Settings, auth: dict[str, str],
                                              httpserver: Any) -> None:
    httpserver.expect_request("/x").respond_with_data("", status=302, headers={"Location": "/landing"})
    httpserver.expect_request("/landing").respond_with_data("<title>ok</title>", content_type="text/html")
    url = httpserver.url_for("/x").replace("localhost", "127.0.0.1")
    settings = web_settings.replace(offline=False, compare_profiles=False,
                                    egress_allow=frozenset({("127.0.0.1", httpserver.port)}),
                                    allowed_ports=(80, 443, httpserver.port))
    app = web.create_app(settings)
    r = scan(app.test_client(), auth, png_bytes(qr_image(url)))
    assert r.status_code == 200, r.get_json()
    link = r.get_json()["links"][0]
    assert link["final_url"].endswith("/landing")
    assert [h["status"] for h in link["chain"] if h["status"] is not None][:2] == [302, 200]


def test_u02_photo_with_perspective_rotation_exif(real_app: Flask, auth: dict[str, str]) -> None:
    r = scan(real_app.test_client(), auth, photo_like_jpeg("https://a.test/poster"), "IMG_0001.jpg",
             decode_only="true")
    assert r.status_code == 200
    assert [p["text"] for p in r.get_json()["payloads"]] == ["https://a.test/poster"]


def test_u03_two_codes_both_reported(real_app: Flask, auth: dict[str, str]) -> None:
    a, b = qr_image("https://a.test/one"), qr_image("https://b.test/two")
    canvas = Image.new("RGB", (a.width + b.width + 60, max(a.height, b.height) + 40), "white")
    canvas.paste(a, (20, 20))
    canvas.paste(b, (a.width + 40, 20))
    r = scan(real_app.test_client(), auth, png_bytes(canvas), decode_only="true")
    assert r.status_code == 200
    assert sorted(p["text"] for p in r.get_json()["payloads"]) == ["https://a.test/one", "https://b.test/two"]


def test_u04_no_code(real_app: Flask, auth: dict[str, str]) -> None:
    im = Image.new("RGB", (400, 300), (230, 230, 230))
    ImageDraw.Draw(im).rectangle((50, 50, 350, 250), outline=(0, 0, 0), width=5)
    r = scan(real_app.test_client(), auth, png_bytes(im))
    assert r.status_code == 200
    body = r.get_json()
    assert body["payloads"] == [] and body["level"] == "unknown"
    assert "未识别到二维码" in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_u05_chinese_text_intact(real_app: Flask, auth: dict[str, str], encoding: str) -> None:
    text = "兼职注册领佣金 https://a.test/r"
    im = qr_image(text, encoding=encoding, eci=(encoding == "utf-8"))
    r = scan(real_app.test_client(), auth, png_bytes(im), decode_only="true")
    assert r.status_code == 200
    assert [p["text"] for p in r.get_json()["payloads"]] == [text]


def test_scan_json_base64(real_app: Flask, auth: dict[str, str]) -> None:
    b64 = base64.b64encode(png_bytes(qr_image("https://a.test/b64"))).decode()
    r = real_app.test_client().post("/api/v1/scan", headers=auth,
                                    json={"image_base64": "data:image/png;base64," + b64,
                                          "decode_only": True})
    assert r.status_code == 200
    assert [p["text"] for p in r.get_json()["payloads"]] == ["https://a.test/b64"]


# ---- limits at the web edge (fake scanner: it must never be reached) -----------------------------

def test_u06_over_the_cap_is_413(client: FlaskClient, auth: dict[str, str], fake: FakeScanner,
                                 web_settings: Settings) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (web_settings.max_image_bytes + 1 - 8)
    r = scan(client, auth, big)
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "image_too_large"
    # A body over the whole-request cap is refused from Content-Length, before reading it.
    r = client.post("/api/v1/scan", headers=auth, data=b"x" * (web_settings.max_image_bytes + 128 * 1024),
                    content_type="multipart/form-data; boundary=zzz")
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "payload_too_large"
    b64 = base64.b64encode(big).decode()
    r = client.post("/api/v1/scan", headers=auth, json={"image_base64": b64})
    assert r.status_code == 413
    assert fake.calls == []


def test_u06_base64_within_cap_is_accepted(client: FlaskClient, auth: dict[str, str],
                                            fake: FakeScanner, web_settings: Settings) -> None:
    # JSON base64 is 4/3 larger than the image: an image just under the cap still fits.
    img = b"\x89PNG\r\n\x1a\n" + b"\0" * (web_settings.max_image_bytes - 64)
    r = client.post("/api/v1/scan", headers=auth, json={"image_base64": base64.b64encode(img).decode()})
    assert r.status_code == 200
    assert fake.calls == [("scan", len(img))]


@pytest.mark.parametrize(("name", "data"), [
    ("html", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n"),
    ("zip", b"PK\x03\x04" + b"\0" * 60),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("svg-xml", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("gif-jar", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + b"PK\x03\x04" + b"\0" * 40
     + b"PK\x05\x06" + b"\0" * 18),
    ("empty-ish", b"\0\0\0\0"),
])
def test_u08_non_images_refused_by_magic_bytes(client: FlaskClient, auth: dict[str, str],
                                               fake: FakeScanner, name: str, data: bytes) -> None:
    r = scan(client, auth, data, "qr.png")
    assert r.status_code == 415, name
    assert r.get_json()["error"]["code"] == "unsupported_image"
    assert fake.calls == []


def test_u13_many_parts_and_hostile_filename(client: FlaskClient, auth: dict[str, str], fake: FakeScanner,
                                             data_dir: Path, tmp_path: Path) -> None:
    first = b"\x89PNG\r\n\x1a\n" + b"1" * 100
    fields: dict[str, Any] = {"image": [(io.BytesIO(first), "../../etc/x")]}
    for i in range(98):
        fields[f"f{i}"] = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"2" * 10), f"../../tmp/evil{i}")
    fields["image"].append((io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"3" * 5), "second.png"))
    before = set(os.listdir(data_dir))
    r = client.post("/api/v1/scan", headers=auth, data=fields, content_type="multipart/form-data")
    assert r.status_code == 200
    assert fake.calls == [("scan", len(first))]  # only the first file field
    assert not Path("/etc/x").exists()
    assert not any(Path("/tmp").glob("evil*"))
    assert set(os.listdir(data_dir)) == before


def test_missing_image_field(client: FlaskClient, auth: dict[str, str]) -> None:
    r = client.post("/api/v1/scan", headers=auth, data={"other": "x"}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "empty_input"


def test_u14_stuck_decoder_times_out_and_next_request_works(
    web_settings: Settings, auth: dict[str, str]
) -> None:
    slow = FakeScanner(delay=30)
    app = web.create_app(web_settings.replace(request_timeout=1.5), scanner=slow)
    c = app.test_client()
    try:
        t0 = time.monotonic()
        r = scan(c, auth, b"\x89PNG\r\n\x1a\n" + b"0" * 100)
        took = time.monotonic() - t0
        assert r.status_code == 504
        assert r.get_json()["error"]["code"] == "timeout"
        assert took < 5
        slow.delay = 0
        r = c.post("/api/v1/check", headers=auth, json={"text": "https://a.test/"})
        assert r.status_code == 200
    finally:
        slow.release.set()


def test_page_upload_flow(page_client: FlaskClient, fake: FakeScanner) -> None:
    data = {"image": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100), "photo.png"),
            "csrf_token": csrf_of(page_client)}
    r = page_client.post("/scan", base_url=BASE, data=data, content_type="multipart/form-data")
    assert r.status_code == 200
    assert 'id="result-heading"' in r.get_data(as_text=True)
    data = {"image": (io.BytesIO(b"<svg/>"), "qr.png"), "csrf_token": csrf_of(page_client)}
    r = page_client.post("/scan", base_url=BASE, data=data, content_type="multipart/form-data")
    assert r.status_code == 415 and "text/html" in r.headers["Content-Type"]


# ---- bombs and damage (real decoder, in a fresh process so peak RSS is measurable) ----------------

_BOMB_SCRIPT = r"""
import io, json, resource, sys, time
from pathlib import Path
import web
from scanner.settings import Settings
from web.token import ensure_token
s = Settings.load(environ={}, data_dir=Path(sys.argv[1]), offline=True, port=8765)
app = web.create_app(s)
c = app.test_client()
h = {"Host": "127.0.0.1:8765", "X-LureLens-Token": ensure_token(s)}
warm = Path(sys.argv[2]).read_bytes()
c.post("/api/v1/scan", headers=h, data={"image": (io.BytesIO(warm), "w.png"), "decode_only": "true"},
       content_type="multipart/form-data")
out = []
for path in sys.argv[3:]:
    data = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.monotonic()
    r = c.post("/api/v1/scan", headers=h, data={"image": (io.BytesIO(data), "x.png")},
               content_type="multipart/form-data")
    out.append({"status": r.status_code, "body": r.get_json(), "secs": time.monotonic() - t,
                "rss_growth_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before})
r = c.post("/api/v1/scan", headers=h, data={"image": (io.BytesIO(warm), "w.png"), "decode_only": "true"},
           content_type="multipart/form-data")
out.append({"status": r.status_code})
print(json.dumps(out))
"""


def _run_bombs(tmp_path: Path, data_dir: Path, *files: bytes) -> list[dict[str, Any]]:
    warm = tmp_path / "warm.png"
    warm.write_bytes(png_bytes(qr_image("https://a.test/warm")))
    paths = []
    for i, data in enumerate(files):
        p = tmp_path / f"bomb{i}.bin"
        p.write_bytes(data)
        paths.append(str(p))
    proc = subprocess.run([sys.executable, "-c", _BOMB_SCRIPT, str(data_dir), str(warm), *paths],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_u09_u10_u11_bombs_and_damage(tmp_path: Path, data_dir: Path) -> None:
    good = png_bytes(qr_image("https://a.test/ok"))
    jpeg = photo_like_jpeg("https://a.test/j")
    results = _run_bombs(tmp_path, data_dir, png_header_only(30000, 30000), png_zlib_bomb(),
                         good[: len(good) // 2], jpeg[: len(jpeg) // 3],
                         b"\x89PNG\r\n\x1a\n" + os.urandom(400))
    pixel_bomb, zlib_bomb, trunc_png, trunc_jpeg, garbage, after = results
    # U-09: refused from the header, no pixels allocated.
    assert pixel_bomb["status"] == 413, pixel_bomb
    assert pixel_bomb["body"]["error"]["code"] == "image_too_large"
    assert pixel_bomb["rss_growth_kib"] < 64 * 1024
    # U-10: rejected or bounded, fast, small.
    assert zlib_bomb["status"] in (200, 413, 422), zlib_bomb
    assert zlib_bomb["secs"] < 2 and zlib_bomb["rss_growth_kib"] < 64 * 1024
    # U-11: damaged files are a 422 (or, for a truncated-but-readable JPEG, a no-code answer); never a 500.
    for res in (trunc_png, trunc_jpeg):
        assert res["status"] in (200, 422), res
        if res["status"] == 422:
            assert res["body"]["error"]["code"] == "corrupt_image"
    assert trunc_png["status"] == 422
    # Random bytes behind a PNG signature: refused as unreadable (415) or damaged (422).
    assert garbage["status"] in (415, 422), garbage
    assert after["status"] == 200  # the worker survived


def test_u12_many_frame_gif_is_bounded(real_app: Flask, auth: dict[str, str]) -> None:
    frames = [Image.new("P", (16, 16), i % 256) for i in range(10_000)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=10, loop=0)
    t0 = time.monotonic()
    r = scan(real_app.test_client(), auth, buf.getvalue(), "anim.gif")
    assert time.monotonic() - t0 < 5
    assert r.status_code in (200, 413, 422)
