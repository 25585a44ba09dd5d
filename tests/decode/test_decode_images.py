"""Image input: every format we promise, and hostile files refused or bounded with a typed error."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import segno
from PIL import Image

from scanner.decode import decode_image
from scanner.errors import CorruptImage, ImageTooLarge, InputError, UnsupportedImage
from scanner.images import MAX_FRAMES, load_frames, load_image, sniff_format
from scanner.settings import Settings

URL = "https://fmt.test/a?b=1"


def code_image(text: str = URL, scale: int = 5) -> Image.Image:
    buf = io.BytesIO()
    segno.make_qr(text).save(buf, kind="png", scale=scale, border=4)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def raw_png(width: int, height: int, idat: bytes, *, color_type: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


# --- formats -------------------------------------------------------------------------------------
def _rgb(img: Image.Image) -> Image.Image:
    return img.convert("RGB")


def _cmyk(img: Image.Image) -> Image.Image:
    return img.convert("CMYK")


def _transparent(img: Image.Image) -> Image.Image:
    # Black modules on a fully transparent background (RGB of the background is black too).
    arr = np.asarray(img)
    rgba = np.zeros((*arr.shape, 4), np.uint8)
    rgba[..., 3] = np.where(arr < 128, 255, 0)
    return Image.fromarray(rgba, "RGBA")


def _sixteen_bit(img: Image.Image) -> Image.Image:
    return Image.fromarray(np.asarray(img).astype(np.uint16) * 257)


@pytest.mark.parametrize(
    ("fmt", "prep", "kw"),
    [
        ("PNG", None, {}),
        ("JPEG", _rgb, {"quality": 85}),
        ("JPEG", _cmyk, {"quality": 90}),
        ("WEBP", _rgb, {"quality": 90}),
        ("GIF", None, {}),
        ("BMP", None, {}),
        ("TIFF", None, {}),
        ("PNG", _transparent, {}),
        ("PNG", _sixteen_bit, {}),
    ],
    ids=["png", "jpeg", "jpeg-cmyk", "webp", "gif", "bmp", "tiff", "png-transparent", "png-16bit"],
)
def test_formats_decode(fmt: str, prep: object, kw: dict[str, object]) -> None:
    img = code_image()
    if callable(prep):
        img = prep(img)
    [p] = decode_image(encode(img, fmt, **kw))
    assert p.text == URL


def test_heic_photo_decodes() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    img = code_image(scale=6).convert("RGB")
    buf = io.BytesIO()
    try:
        pillow_heif.from_pillow(img).save(buf, quality=95)
    except (ValueError, RuntimeError, OSError) as e:  # wheel built without an HEVC encoder
        pytest.skip(f"pillow-heif cannot write HEIC here: {e}")
    data = buf.getvalue()
    assert sniff_format(data) == "heif"
    [p] = decode_image(data)
    assert p.text == URL


def test_animated_gif_first_frames_are_tried() -> None:
    blank = Image.new("L", code_image().size, 255)
    frames = [blank, blank.point(lambda v: 250), code_image()]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    [p] = decode_image(data)
    assert p.text == URL


def test_exif_orientation_is_applied() -> None:
    img = Image.new("L", (300, 100), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encode(img, "JPEG", exif=exif)
    assert load_image(data).shape == (300, 100)


# --- hostile files -------------------------------------------------------------------------------
def test_pixel_bomb_header_is_refused_without_allocating() -> None:
    """U-09: a tiny PNG declaring 30000×30000 is refused from its header; RSS stays flat."""
    bomb = raw_png(30000, 30000, zlib.compress(b"\x00" * 64))
    assert len(bomb) < 200
    with pytest.raises(ImageTooLarge):
        load_frames(bomb)
    # Peak memory of a fresh interpreter doing only this, compared with one that does nothing.
    script = (
        "import resource, sys\n"
        "from scanner.decode import decode_image\n"
        "from scanner.errors import ImageTooLarge\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    decode_image(sys.stdin.buffer.read())\n"
        "except ImageTooLarge:\n"
        "    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], input=bomb, capture_output=True, timeout=60,
                         check=True, cwd=root)
    growth_kib = int(out.stdout.strip())
    assert growth_kib < 64 * 1024


def test_pixel_count_over_the_setting_is_refused() -> None:
    data = raw_png(8000, 6000, zlib.compress(b"\x00" * 64))
    with pytest.raises(ImageTooLarge, match="MP limit"):
        load_frames(data)
    small = Settings(max_image_pixels=10_000)
    with pytest.raises(ImageTooLarge):
        load_frames(encode(code_image(), "PNG"), small)


def test_zlib_bomb_png_is_bounded() -> None:
    """A 100×100 PNG whose IDAT inflates to 50 MB: only the declared pixels are ever produced."""
    idat = zlib.compress(b"\x00" * 50_000_000, 9)
    data = raw_png(100, 100, idat)
    assert len(data) < 100_000
    start = time.perf_counter()
    try:
        frames = load_frames(data)
        assert frames[0].shape == (100, 100)
    except CorruptImage:
        pass  # refusing the extra data is as good as ignoring it
    assert time.perf_counter() - start < 2.0


def test_large_declared_png_of_zeros_is_decoded_within_budget() -> None:
    """36 MP of zeros from ~35 KB: allowed by the pixel limit, so it must be cheap and return nothing."""
    width = height = 6000
    idat = zlib.compress((b"\x00" + b"\x00" * width) * height, 9)
    data = raw_png(width, height, idat)
    start = time.perf_counter()
    assert decode_image(data, Settings(decode_budget=0.5)) == []
    assert time.perf_counter() - start < 4.0


def _gif_with_frames(n: int) -> bytes:
    one = Image.new("P", (2, 2), 0)
    one.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    two = one.copy()
    two.putpixel((0, 0), 1)
    head = encode(one, "GIF", save_all=True, append_images=[two], duration=10, loop=0)
    # Split the file into header / frames / trailer and repeat the second frame block.
    start = head.index(b"\x21\xf9")  # first graphic control extension
    second = head.index(b"\x21\xf9", start + 1)
    frame = head[second:-1]
    return head[:-1] + frame * (n - 2) + b"\x3b"


def test_ten_thousand_frame_gif_is_bounded() -> None:
    data = _gif_with_frames(10_000)
    assert data.count(b"\x21\xf9") >= 10_000
    start = time.perf_counter()
    frames = load_frames(data)
    assert 1 <= len(frames) <= MAX_FRAMES
    assert decode_image(data) == []
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", CorruptImage),
        (b"<!doctype html><html><body>qr</body></html>", UnsupportedImage),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         UnsupportedImage),
        (b"<svg onload=alert(1)>", UnsupportedImage),
        (b"%PDF-1.7\n1 0 obj<<>>endobj", UnsupportedImage),
        (b"PK\x03\x04" + b"\x00" * 40, UnsupportedImage),
        (b"just some text that is not an image", UnsupportedImage),
        (b"\x89PNG\r\n\x1a\n", CorruptImage),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", CorruptImage),
        (b"GIF89a\x01\x00", CorruptImage),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", CorruptImage),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", CorruptImage),
    ],
    ids=["empty", "html", "svg-script", "svg-bare", "pdf", "zip", "text", "png-sig-only", "jpeg-head-only",
         "gif-head-only", "webp-head-only", "heic-ftyp-only"],
)
def test_non_images_and_stubs_get_typed_errors(data: bytes, error: type[InputError]) -> None:
    with pytest.raises(error):
        decode_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"])
def test_truncated_files_give_a_clear_error(fmt: str) -> None:
    whole = encode(code_image().convert("RGB") if fmt in ("JPEG", "WEBP") else code_image(), fmt)
    cut = whole[: len(whole) // 2]
    with pytest.raises(CorruptImage, match="damaged or truncated"):
        decode_image(cut)


def test_corrupted_middle_bytes_never_raise_anything_but_input_errors() -> None:
    whole = encode(code_image().convert("RGB"), "JPEG")
    rng = np.random.default_rng(3)
    for _ in range(20):
        data = bytearray(whole)
        for pos in rng.integers(20, len(data), 30):
            data[pos] = int(rng.integers(0, 256))
        try:
            decode_image(bytes(data))
        except InputError:
            pass


def test_file_over_the_byte_limit_is_refused_before_parsing() -> None:
    with pytest.raises(ImageTooLarge, match="KiB"):
        load_frames(b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048, Settings(max_image_bytes=1024))


def test_gif_zip_polyglot_reads_as_the_gif_it_is() -> None:
    data = encode(code_image(), "GIF") + b"PK\x03\x04" + b"\x00" * 100
    [p] = decode_image(data)
    assert p.text == URL


def test_non_bytes_input_is_a_typed_error() -> None:
    with pytest.raises(UnsupportedImage):
        load_frames("not bytes")  # type: ignore[arg-type]


def test_segno_transparent_background_png_decodes() -> None:
    """segno's ``light=None`` writes dark modules on a transparent background (a bilevel PNG)."""
    buf = io.BytesIO()
    segno.make_qr(URL).save(buf, kind="png", scale=4, light=None)
    assert "transparency" in Image.open(io.BytesIO(buf.getvalue())).info
    [p] = decode_image(buf.getvalue())
    assert p.text == URL
