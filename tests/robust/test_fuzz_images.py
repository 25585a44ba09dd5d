"""Fuzz image loading and decoding with mutated real images of every format we accept.

Seeds are real QR images made here (segno → Pillow → PNG, JPEG, GIF, animated GIF, BMP, TIFF, WebP,
HEIC); hypothesis flips bytes, truncates, splices header fields and appends junk. Loading may only
raise the typed image errors, and decoding (budget lowered to keep the run short) the same.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from functools import cache

from hypothesis import example, given
from hypothesis import strategies as st

from scanner.errors import CorruptImage, ImageTooLarge, InputError, UnsupportedImage
from scanner.settings import Settings

from .conftest import FUZZ, fuzz, only_typed_errors


@cache
def seeds() -> dict[str, bytes]:
    import segno
    from PIL import Image

    qr = segno.make("https://a.test/兼职?id=1", error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=4, border=4)
    base = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out: dict[str, bytes] = {"png": buf.getvalue()}
    for fmt, kw in (
        ("jpeg", {"quality": 70}),
        ("gif", {}),
        ("bmp", {}),
        ("tiff", {}),
        ("webp", {"quality": 60}),
    ):
        b = io.BytesIO()
        base.save(b, format=fmt.upper(), **kw)
        out[fmt] = b.getvalue()
    b = io.BytesIO()
    frames = [base.convert("P"), base.rotate(90).convert("P"), Image.new("P", base.size)]
    frames[0].save(b, format="GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    out["gif-anim"] = b.getvalue()
    b = io.BytesIO()
    base.convert("RGBA").save(b, format="PNG")
    out["png-rgba"] = b.getvalue()
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        b = io.BytesIO()
        base.save(b, format="HEIF", quality=50)
        out["heic"] = b.getvalue()
    except Exception:  # noqa: BLE001 - HEIC encoding support varies by libheif build
        pass
    return out


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def crafted_png(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG header that declares ``width``×``height`` (valid CRCs), with whatever pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def gif_frame_offsets(data: bytes) -> list[int]:
    """Offsets of the image descriptors (``0x2C``) of a GIF, found by walking its blocks."""
    pos, out = 13, []
    if data[10] & 0x80:
        pos += 3 * 2 ** ((data[10] & 7) + 1)
    while pos < len(data):
        kind = data[pos]
        if kind == 0x21:  # extension: label, then sub-blocks
            pos += 2
        elif kind == 0x2C:
            out.append(pos)
            packed = data[pos + 9]
            pos += 10 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0) + 1  # + LZW code size
        else:
            break
        while pos < len(data) and data[pos]:
            pos += data[pos] + 1
        pos += 1
    return out


def gif_with_huge_later_frame() -> bytes:
    """An animated GIF whose second frame declares 65535×65535 pixels (the first one is fine)."""
    g = bytearray(seeds()["gif-anim"])
    second = gif_frame_offsets(bytes(g))[1]
    g[second + 5:second + 9] = b"\xff\xff\xff\xff"
    return bytes(g)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    s = seeds()
    data = bytearray(s[draw(st.sampled_from(sorted(s)))])
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["flip", "truncate", "splice", "append", "zero-run"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[max(8, i) :]
        elif op == "splice":
            data[i : i + 4] = draw(
                st.sampled_from(
                    [
                        b"\xff\xff\xff\xff",
                        b"\x00\x00\x00\x00",
                        b"\x7f\xff\xff\xff",
                        b"\x00\x00\x75\x30",
                        struct.pack(">I", 2**31),
                    ]
                )
            )
        elif op == "append":
            data += draw(st.binary(max_size=64))
        else:
            data[i : i + 64] = bytes(min(64, len(data) - i))
    return bytes(data)


MAGIC = st.sampled_from(
    [
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF89a",
        b"BM",
        b"II*\x00",
        b"MM\x00*",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"\x00\x00\x00\x18ftypheic",
        b"\x00\x00\x00\x18ftypavif",
        b"<svg ",
        b"%PDF",
        b"PK\x03\x04",
        b"",
    ]
)


@FUZZ
@given(st.one_of(mutated(), st.tuples(MAGIC, st.binary(max_size=200)).map(lambda t: t[0] + t[1])))
@example(b"II*\x00\x00\x00\x00\x01")  # a TIFF whose EXIF walk made Pillow warn "Corrupt EXIF data"
@example(crafted_png(30_000, 30_000))
@example(crafted_png(0, 10))
@example(crafted_png(2**31 - 1, 1))
@example(crafted_png(6000, 6000, zlib.compress(bytes(6001 * 100))))
@example(b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00" * 20)
@example(b"BM" + b"\x00" * 16 + struct.pack("<ii", 100_000, -100_000) + b"\x00" * 40)
@example(b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03" + b"\x00" * 40)
def test_load_frames_only_typed_errors(data: bytes) -> None:
    from scanner.images import load_frames, sniff_format

    settings = Settings.load(environ={})
    only_typed_errors(sniff_format, data)
    t0 = time.perf_counter()
    frames = only_typed_errors(load_frames, data, settings)
    assert time.perf_counter() - t0 < 10
    if isinstance(frames, InputError):
        assert isinstance(frames, CorruptImage | ImageTooLarge | UnsupportedImage), type(frames)
    else:
        assert frames and all(f.ndim == 2 and f.dtype.name == "uint8" for f in frames)
        assert all(f.size <= settings.max_image_pixels for f in frames)


@fuzz(30)
@given(mutated())
def test_decode_image_only_typed_errors(data: bytes) -> None:
    """The whole decoder (cascade, classification) on damaged photos, with a short budget."""
    from scanner.decode import decode_image
    from scanner.models import Payload

    settings = Settings.load(environ={}, decode_budget=0.3)
    t0 = time.perf_counter()
    out = only_typed_errors(decode_image, data, settings)
    # The budget bounds the cascade; loading a damaged frame adds a little on top.
    assert time.perf_counter() - t0 < 5
    if isinstance(out, list):
        assert all(isinstance(p, Payload) for p in out)


def test_every_seed_format_still_decodes() -> None:
    """The fuzz seeds are real: each unmutated format reads back the QR text (else the fuzz is hollow)."""
    from scanner.decode import decode_image

    for name, data in seeds().items():
        payloads = decode_image(data, Settings.load(environ={}))
        assert [p.text for p in payloads] == ["https://a.test/兼职?id=1"], name
