"""Image bytes → grayscale pixel arrays, with every limit checked before a pixel is decoded.

Hostile files are normal here: a 60-byte PNG may declare 30000×30000 pixels, a GIF may hold 10,000
frames, an "image" may be HTML, SVG or a ZIP. The order of checks is therefore fixed: byte size,
then magic bytes (the format is sniffed, never taken from a file name), then the dimensions read
from the header, and only then the pixels. Only the project's own errors leave this module.
"""

from __future__ import annotations

import io
import struct
import warnings
from functools import cache
from typing import TYPE_CHECKING

from .errors import CorruptImage, ImageTooLarge, UnsupportedImage
from .settings import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from PIL import Image

    Gray = npt.NDArray[np.uint8]

MAX_FRAMES = 4
"""Frames of an animated image that are looked at (the first ones)."""
MAX_SIDE = 30_000
"""No real photo is wider or taller than this, whatever the pixel budget."""

_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


def sniff_format(data: bytes) -> str | None:
    """The image format named by the magic bytes, or None when we do not read it.

    >>> sniff_format(b"\\x89PNG\\r\\n\\x1a\\n....")
    'png'
    >>> sniff_format(b"<svg xmlns=...") is None
    True
    """
    head = data[:32]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and len(head) >= 26:
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        brands = {head[i : i + 4] for i in range(8, min(len(head), 32) - 3, 4)}
        if brands & _HEIF_BRANDS:
            return "heif"
        if brands & _AVIF_BRANDS:
            return "avif"
    return None


def _describe(data: bytes) -> str:
    """A short, safe name for what a refused file seems to be (for the error message)."""
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<svg" in head:
        return "an SVG or XML document"
    if head.startswith((b"<!doctype", b"<html")) or b"<html" in head:
        return "an HTML page"
    if head.startswith(b"%pdf"):
        return "a PDF document"
    if head.startswith(b"pk\x03\x04"):
        return "a ZIP archive"
    return "not an image format we read"


@cache
def _register_heif() -> None:
    # Done on first use, not at import: pillow-heif loads libheif.
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _open(data: bytes, fmt: str) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    if fmt == "heif":
        _register_heif()
    formats = {
        "png": ["PNG"], "jpeg": ["JPEG"], "gif": ["GIF"], "bmp": ["BMP", "DIB"], "tiff": ["TIFF"],
        "webp": ["WEBP"], "heif": ["HEIF"], "avif": ["AVIF", "HEIF"],
    }[fmt]
    try:
        # Image.open only reads the header. Pillow's own bomb check fires here for sizes far over
        # its default (its warning is made an error, so it is caught like the error).
        return Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge("the image declares too many pixels: send a smaller photo or a crop") from None
    except (UnidentifiedImageError, OSError, EOFError, SyntaxError, IndexError, KeyError, RuntimeError,
            MemoryError, ValueError, TypeError, struct.error):
        # The magic bytes said this format, yet its header cannot be read: a damaged file.
        raise CorruptImage(f"the {fmt.upper()} file is damaged or truncated: send the original") from None


def check_size(width: int, height: int, settings: Settings) -> None:
    """Refuse dimensions over the limits (called with the header's numbers, before decoding)."""
    if width <= 0 or height <= 0:
        raise CorruptImage("the image declares no pixels: the file is damaged")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > settings.max_image_pixels:
        mp = settings.max_image_pixels / 1e6
        raise ImageTooLarge(
            f"image of {width}×{height} pixels is over the {mp:g} MP limit: send a smaller photo or a crop"
        )


def frame_budget(width: int, height: int, settings: Settings) -> int:
    """How many frames of a ``width``×``height`` animation are decoded, counted before decoding.

    frames × pixels stays within ``max_image_pixels`` (at least one frame, at most
    :data:`MAX_FRAMES`): twelve 6000×6000 GIFs of 40 frames cost what twelve photos cost, not 4×.

    >>> frame_budget(6000, 6000, Settings()), frame_budget(1000, 1000, Settings())
    (1, 4)
    """
    pixels = max(1, width * height)
    return max(1, min(MAX_FRAMES, settings.max_image_pixels // pixels))


def load_frames(data: bytes, settings: Settings | None = None) -> list[Gray]:
    """Decode ``data`` into grayscale frames (the first ones of an animation, see :func:`frame_budget`).

    EXIF orientation is applied and transparency is composited on white, so a black-on-transparent
    code reads as black on white. Raises :class:`UnsupportedImage`, :class:`ImageTooLarge` or
    :class:`CorruptImage`.
    """
    settings = settings if settings is not None else Settings.load()
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UnsupportedImage("expected the bytes of an image file")
    data = bytes(data)
    if not data:
        raise CorruptImage("the image file is empty: choose the photo again")
    if len(data) > settings.max_image_bytes:
        raise ImageTooLarge(
            f"image file of {len(data) // 1024} KiB is over the "
            f"{settings.max_image_bytes // 1024} KiB limit: send a smaller photo"
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedImage(
            f"this file is {_describe(data)}: send a JPEG, PNG, WebP, GIF, BMP, TIFF or HEIC photo"
        )
    from PIL import Image

    # Pillow warns (rather than raises) about damaged EXIF, odd TIFF tags and the like; a crafted
    # file must neither spam the log nor, under warnings-as-errors, escape as an untyped exception.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return _decode_frames(data, fmt, settings)


def _decode_frames(data: bytes, fmt: str, settings: Settings) -> list[Gray]:
    from PIL import Image

    im = _open(data, fmt)
    try:
        check_size(*im.size, settings)
        frames: list[Gray] = []
        n = min(_frame_count(im), frame_budget(*im.size, settings))
        for index in range(n):
            if index:
                try:
                    im.seek(index)
                except (EOFError, OSError, ValueError):
                    break
                except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                    break  # a later frame larger than allowed: keep the frames already read
                try:
                    check_size(*im.size, settings)
                except ImageTooLarge:
                    break
            frames.append(_to_gray(im, settings))
        if not frames:  # pragma: no cover - a readable file always yields frame 0
            raise CorruptImage("the image has no readable frame")
        return frames
    except (ImageTooLarge, CorruptImage, UnsupportedImage):
        raise
    except MemoryError:
        raise ImageTooLarge("the image is too large to decode: send a smaller photo") from None
    except (OSError, EOFError, SyntaxError, ValueError, TypeError, IndexError, KeyError, RuntimeError,
            ZeroDivisionError, AttributeError):
        raise CorruptImage(f"the {fmt.upper()} file is damaged or truncated: send the original") from None
    finally:
        im.close()


def load_image(data: bytes, settings: Settings | None = None) -> Gray:
    """The first frame of :func:`load_frames`."""
    return load_frames(data, settings)[0]


def _frame_count(im: Image.Image) -> int:
    # n_frames on a GIF walks the whole file; we only need to know whether there is more than one.
    if not getattr(im, "is_animated", False):
        return 1
    return MAX_FRAMES


def _to_gray(im: Image.Image, settings: Settings) -> Gray:
    import numpy as np
    from PIL import ImageOps

    if im.format == "JPEG" and im.mode in ("RGB", "YCbCr", "CMYK", "L"):
        # Let libjpeg produce luminance directly: faster, and less memory for 12 MP photos.
        im.draft("L", im.size)
    # Orientation from EXIF (phones store portrait photos sideways with a tag).
    try:
        oriented = ImageOps.exif_transpose(im)
    except (SyntaxError, ValueError, TypeError, KeyError, OSError, struct.error):
        oriented = im  # a broken EXIF block is not a broken image
    if oriented is None:  # pragma: no cover - only with in_place=True
        oriented = im
    check_size(*oriented.size, settings)
    if oriented.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(oriented, dtype=np.float32)
        lo, hi = float(arr.min()), float(arr.max())
        scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        return np.ascontiguousarray(scaled.astype(np.uint8))
    if oriented.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in oriented.info:
        # Composite on white in gray+alpha (not RGBA): a third of the memory on a 40 MP image.
        la = np.asarray(oriented.convert("LA"), dtype=np.uint16)
        lum, alpha = la[..., 0], la[..., 1]
        mixed = (lum * alpha + 255 * (255 - alpha) + 127) // 255
        return np.ascontiguousarray(mixed.astype(np.uint8))
    gray = oriented.convert("L") if oriented.mode != "L" else oriented
    return np.ascontiguousarray(np.asarray(gray, dtype=np.uint8))

