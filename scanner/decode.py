"""Photo bytes → the payloads of every QR code in it, in milliseconds.

This is the only module that imports zxing-cpp, pyzbar and OpenCV (lazily, on first use). The
cascade (``docs/decoding.md``), cheapest and strongest first:

1. zxing-cpp on the grayscale frame (its own binarizer, rotation, inversion and downscaling), also
   reporting the codes it located but could not read;
2. for each of those, retries on the code warped flat and square (sharpened, thresholded, blurred,
   and through zbar): perspective undone, blur and JPEG damage binarize cleanly;
3. only when nothing was read: whole-image retries through zxing-cpp (other binarizers, rescaling,
   CLAHE, flat-field lighting, unsharp masks, blurs, morphology, thresholds), then zbar in binary
   mode, then OpenCV's detectors (classic, ArUco-based, curved-surface).

Every step after the first checks the per-image deadline (``Settings.decode_budget``, loading
included), so a photo with no code costs a bounded time. Texts are decoded from the raw bytes by
:mod:`scanner.charsets` (ECI honoured, else the most plausible charset), never from a decoder's
own guess, and deduplicated in the order found.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from .charsets import decode_qr_payload, guess_decode
from .dewarp import CURVES, Bend, trace
from .images import load_frames
from .models import Payload
from .opencv import opencv
from .settings import Settings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Gray = npt.NDArray[np.uint8]

log = logging.getLogger(__name__)

WORK_SIDE = 1400
"""Longest side of the working copy used by the retries (large photos are shrunk to it)."""
SMALL_SIDE = 640
"""Images smaller than this are also tried upscaled (tiny screenshots, thumbnails)."""
OPENCV_SIDE = 1000
"""Longest side given to OpenCV's detectors (they slow down sharply on larger images)."""
FULL_RES_PIXELS = 6_000_000
"""zbar is tried on the full-resolution image only up to this size (it costs ~50 ms per MP)."""
HEAVY_RESERVE = 0.4
"""Seconds of budget a slow step (OpenCV, full-resolution zbar) needs left to be started."""
_HEAVY_STEPS = ("opencv", "zbar-full")
MAX_CANDIDATES = 3
"""Located-but-unread codes that get the rectified retries."""
RECT_PPM = 6
"""Pixels per module of a rectified code."""
SHEET_CODES = 2
"""A first pass that reads this many codes means a sheet of codes: the other decoders sweep it too."""
SHEET_PIXELS = 13_000_000
"""The sheet sweep runs zbar at full resolution up to this size (a 12 MP phone photo)."""


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One code found in an image, before classification."""

    text: str
    """The decoded text (charset chosen from the raw bytes)."""
    raw: bytes
    """The payload bytes without ECI designators."""
    decoder: str
    """``zxing``, ``zbar`` or ``opencv``."""
    step: str
    """The cascade step that found it (for the bench and the logs)."""


@dataclass
class DecodeStats:
    """What one decode cost (filled in by :func:`decode_codes`)."""

    steps_run: int = 0
    ms: float = 0.0
    timed_out: bool = False


# --- decoders -----------------------------------------------------------------------------------

@cache
def _zxing() -> Any:
    import zxingcpp

    return zxingcpp


@cache
def _zxing_formats() -> Any:
    z = _zxing()
    return (z.BarcodeFormat.QRCode, z.BarcodeFormat.MicroQRCode, z.BarcodeFormat.RMQRCode)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A code zxing-cpp located but could not read: where it is and how many modules wide."""

    corners: tuple[tuple[float, float], ...]
    """Top-left, top-right, bottom-right, bottom-left, in image pixels."""
    modules: int


def _zxing_scan(
    img: Gray, binarizer: str = "LocalAverage", *, errors: bool = False
) -> tuple[list[DecodedCode], list[_Candidate]]:
    """Read every code; with ``errors``, also return the codes located but not decoded."""
    z = _zxing()
    results = z.read_barcodes(
        img,
        formats=_zxing_formats(),
        text_mode=z.TextMode.HexECI,
        binarizer=getattr(z.Binarizer, binarizer),
        try_rotate=True,
        try_downscale=True,
        try_invert=True,
        return_errors=errors,
    )
    out = []
    failed = []
    for r in results:
        if not r.valid:
            version = str(r.extra.get("Version", "")) if isinstance(r.extra, dict) else ""
            is_qr = r.format == z.BarcodeFormat.QRCode
            if errors and is_qr and version.isdigit() and 1 <= int(version) <= 40:
                p = r.position
                corners = tuple((float(q.x), float(q.y))
                                for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
                failed.append(_Candidate(corners, 17 + 4 * int(version)))
            continue
        try:
            with_eci = bytes.fromhex(r.text)
        except ValueError:
            with_eci = b""
        raw = bytes(r.bytes)
        text = decode_qr_payload(with_eci) if with_eci else guess_decode(raw)[0]
        out.append(DecodedCode(text, raw, "zxing", ""))
    return out, failed[:MAX_CANDIDATES]


def _zxing_read(img: Gray, binarizer: str = "LocalAverage") -> list[DecodedCode]:
    return _zxing_scan(img, binarizer)[0]


@cache
def _zbar() -> Any:
    from pyzbar import pyzbar, wrapper

    return pyzbar, wrapper


_ZBAR_QRCODE = 64
_ZBAR_CFG_BINARY = 4  # zbar ≥ 0.23: return the raw bytes instead of zbar's charset guess


def _zbar_read(img: Gray) -> list[DecodedCode]:
    try:
        pyzbar, w = _zbar()
    except (ImportError, OSError):  # libzbar0 missing: the other decoders still run
        return []
    import ctypes

    height, width = img.shape[:2]
    buf = img.tobytes()
    out: list[DecodedCode] = []
    with pyzbar._image_scanner() as scanner:
        w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_ENABLE, 0)
        w.zbar_image_scanner_set_config(scanner, _ZBAR_QRCODE, w.ZBarConfig.CFG_ENABLE, 1)
        w.zbar_image_scanner_set_config(scanner, _ZBAR_QRCODE, _ZBAR_CFG_BINARY, 1)
        with pyzbar._image() as image:
            w.zbar_image_set_format(image, pyzbar._FOURCC["L800"])
            w.zbar_image_set_size(image, width, height)
            w.zbar_image_set_data(image, ctypes.cast(buf, ctypes.c_void_p), len(buf), None)  # type: ignore[arg-type]
            if w.zbar_scan_image(scanner, image) > 0:
                for symbol in pyzbar._symbols_for_image(image):
                    size = w.zbar_symbol_get_data_length(symbol)
                    raw = ctypes.string_at(w.zbar_symbol_get_data(symbol), size)
                    out.append(DecodedCode(guess_decode(raw)[0], raw, "zbar", ""))
    return out


def _opencv_curved(img: Gray) -> list[DecodedCode]:
    """OpenCV's decoder for codes on bottles, cups and sleeves (curved surfaces)."""
    cv2 = opencv()
    try:
        text, points, _ = cv2.QRCodeDetector().detectAndDecodeCurved(img)
    except cv2.error:
        return []
    if not text:
        return []
    # Only a str comes back here (UTF-8 or Latin-1 of the bytes): recover the bytes as for the others.
    raw = _undo_opencv_latin1(text.encode("utf-8", "surrogateescape"))
    return [DecodedCode(guess_decode(raw)[0], raw, "opencv", "")]


def _opencv_read(img: Gray) -> list[DecodedCode]:
    cv2 = opencv()
    out: list[DecodedCode] = []
    for make in (cv2.QRCodeDetector, cv2.QRCodeDetectorAruco):
        try:
            raw_any, points, _ = make().detectAndDecodeBytes(img)
        except cv2.error:
            continue
        raw = bytes(raw_any) if raw_any is not None else b""
        if raw:
            raw = _undo_opencv_latin1(raw)
            out.append(DecodedCode(guess_decode(raw)[0], raw, "opencv", ""))
            break
    return out


def _undo_opencv_latin1(raw: bytes) -> bytes:
    """OpenCV returns bytes that are not UTF-8 converted from Latin-1 to UTF-8: convert them back.

    >>> _undo_opencv_latin1("扫码".encode("utf-8")) == "扫码".encode("utf-8")
    True
    >>> _undo_opencv_latin1("É¨Âë".encode("utf-8")) == "扫码".encode("gbk")
    True
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    if text.isascii() or any(ord(c) > 0xFF for c in text):
        return raw
    # Genuine UTF-8 of Latin-1 letters gives the same text either way.
    return text.encode("latin-1")


# --- image variants ------------------------------------------------------------------------------

def _resize(img: Gray, scale: float) -> Gray:
    cv2 = opencv()
    h, w = img.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    out: Gray = cv2.resize(img, size, interpolation=interp)
    return out


def _work_copy(img: Gray) -> Gray:
    side = max(img.shape[:2])
    return _resize(img, WORK_SIDE / side) if side > WORK_SIDE else img


def _clahe(img: Gray) -> Gray:
    cv2 = opencv()
    out: Gray = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(img)
    return out


def _blur(img: Gray, k: int) -> Gray:
    out: Gray = opencv().GaussianBlur(img, (k, k), 0)
    return out


def _median(img: Gray) -> Gray:
    out: Gray = opencv().medianBlur(img, 3)
    return out


def _sharpen(img: Gray, sigma: float, amount: float) -> Gray:
    # Unsharp mask: undoes defocus and motion blur of about a module (phones focus badly up close).
    cv2 = opencv()
    soft = cv2.GaussianBlur(img, (0, 0), sigma)
    out: Gray = cv2.addWeighted(img, 1 + amount, soft, -amount, 0)
    return out


def _adaptive(img: Gray) -> Gray:
    cv2 = opencv()
    block = max(15, (min(img.shape[:2]) // 24) | 1)
    out: Gray = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5)
    return out


def _otsu(img: Gray) -> Gray:
    cv2 = opencv()
    _, out = cv2.threshold(cv2.GaussianBlur(img, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    result: Gray = out
    return result


def _close(img: Gray) -> Gray:
    # Dark modules with gaps (dots, damage, glare streaks): grow the dark parts a little.
    cv2 = opencv()
    out: Gray = cv2.erode(img, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return out


def _open(img: Gray) -> Gray:
    cv2 = opencv()
    out: Gray = cv2.dilate(img, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return out


def _flatfield(img: Gray) -> Gray:
    # Divide out the lighting (a glare patch, a shadow, a gradient across a glossy print).
    import numpy as np

    cv2 = opencv()
    h, w = img.shape[:2]
    # A wide blur, computed on a 1/8 copy (a large-sigma blur at full size is slow).
    tiny = cv2.resize(img, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    tiny = cv2.GaussianBlur(tiny, (0, 0), max(2.0, max(tiny.shape[:2]) / 30))
    background = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = img.astype(np.float32) * (160.0 / np.maximum(background.astype(np.float32), 1.0))
    out: Gray = np.clip(flat, 0, 255).astype(np.uint8)
    return out


def _fit(img: Gray, side: int) -> Gray:
    longest = max(img.shape[:2])
    return _resize(img, side / longest) if longest > side else img


def _rectify(img: Gray, cand: _Candidate) -> Gray:
    """The located code warped flat and square at :data:`RECT_PPM` pixels per module, quiet zone added.

    Perspective undone and the module size made regular, blur and JPEG damage are much easier to
    binarize away than in the original photo.
    """
    import numpy as np

    cv2 = opencv()
    n, ppm, quiet = cand.modules, RECT_PPM, 4
    side = (n + 2 * quiet) * ppm
    a, b = quiet * ppm, (quiet + n) * ppm
    src = np.array(cand.corners, dtype=np.float32)
    dst = np.array([[a, a], [b, a], [b, b], [a, b]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    out: Gray = cv2.warpPerspective(img, m, (side, side), flags=cv2.INTER_CUBIC,
                                    borderMode=cv2.BORDER_REPLICATE)
    return out


def _rectified_steps(img: Gray, cand: _Candidate) -> Iterator[Step]:
    cache_: dict[str, Gray] = {}

    def rect() -> Gray:
        if "r" not in cache_:
            cache_["r"] = _rectify(img, cand)
        return cache_["r"]

    yield "rectified", lambda: _zxing_read(rect())
    yield "rectified-sharpen", lambda: _zxing_read(_sharpen(rect(), 2.0, 1.5))
    yield "rectified-adaptive", lambda: _zxing_read(_adaptive(rect()), "FixedThreshold")
    yield "rectified-blur", lambda: _zxing_read(_blur(rect(), 5))
    yield "rectified-zbar", lambda: _zbar_read(_sharpen(rect(), 2.0, 1.5))
    traced: list[Bend | None] = []

    def bend() -> Bend | None:
        if not traced:  # the edges are the same for every curvature tried: trace them once
            lo = 4 * RECT_PPM
            traced.append(trace(rect(), lo, lo + cand.modules * RECT_PPM, RECT_PPM))
        return traced[0]

    for k, axis in CURVES:
        yield "rectified-curved", partial(_read_flattened, rect, bend, k, axis)


def _read_flattened(
    rect: Callable[[], Gray], bend: Callable[[], Bend | None], k: float, axis: int
) -> list[DecodedCode]:
    """zxing-cpp on the rectified code with its bend undone (:mod:`scanner.dewarp`), plain and sharpened."""
    traced = bend()
    if traced is None:
        return []
    flat = traced.flatten(rect(), k, axis)
    return _zxing_read(flat) or _zxing_read(_sharpen(flat, 2.0, 1.5))


Step = tuple[str, Callable[[], list[DecodedCode]]]


def _sheet_steps(img: Gray) -> Iterator[Step]:
    """zbar over the whole image, for a sheet of codes: it locates some that zxing-cpp's locator misses.

    Codes on a sheet are small, so zbar gets the full resolution (measured ~90 ms on a 3 MP sheet).
    OpenCV's multi-code reader was tried here too and dropped: on generated sheets it found nothing
    that zbar did not, at 3 to 11 times the cost (280–990 ms against 86–92 ms on a 3 MP sheet).
    """
    yield "sheet-zbar", lambda: _zbar_read(img if img.size <= SHEET_PIXELS else _fit(img, 4000))


def _cascade(img: Gray) -> Iterator[Step]:
    """The retries after the first zxing pass, cheapest and most productive first.

    Variants are built lazily inside each step, so a step that never runs costs nothing.
    """
    cache_: dict[str, Gray] = {}

    def work() -> Gray:
        if "work" not in cache_:
            cache_["work"] = _work_copy(img)
        return cache_["work"]

    def small() -> Gray:
        if "small" not in cache_:
            w = work()
            side = max(w.shape[:2])
            cache_["small"] = _resize(w, 2.0) if side < SMALL_SIDE else _resize(w, 0.5)
        return cache_["small"]

    yield "zxing-global", lambda: _zxing_read(work(), "GlobalHistogram")
    yield "zxing-rescale", lambda: _zxing_read(small())
    # zbar on the half-size copy is cheap (~10 ms) and reads codes no zxing variant does: early, so
    # that a slow, loaded machine reaches it well before the deadline.
    yield "zbar-rescale", lambda: _zbar_read(small())
    yield "zxing-clahe", lambda: _zxing_read(_clahe(work()))
    yield "zxing-flatfield", lambda: _zxing_read(_flatfield(work()))
    yield "zxing-sharpen", lambda: _zxing_read(_sharpen(work(), 3.0, 1.0))
    yield "zxing-blur3", lambda: _zxing_read(_blur(work(), 3))
    yield "zxing-sharpen-strong", lambda: _zxing_read(_sharpen(work(), 2.0, 2.5))
    yield "zxing-blur5", lambda: _zxing_read(_blur(work(), 5))
    yield "zxing-median", lambda: _zxing_read(_median(work()))
    yield "zxing-close", lambda: _zxing_read(_close(work()))
    yield "zxing-open", lambda: _zxing_read(_open(work()))
    yield "zxing-adaptive", lambda: _zxing_read(_adaptive(work()), "FixedThreshold")
    yield "zxing-otsu", lambda: _zxing_read(_otsu(work()), "FixedThreshold")
    if SMALL_SIDE <= max(img.shape[:2]) <= 1000:
        yield "zxing-upscale", lambda: _zxing_read(_resize(work(), 1.6))
    yield "zbar", lambda: _zbar_read(work())
    yield "zbar-sharpen", lambda: _zbar_read(_sharpen(work(), 2.0, 0.8))
    yield "zbar-blur3", lambda: _zbar_read(_blur(work(), 3))
    yield "zbar-clahe", lambda: _zbar_read(_clahe(work()))
    yield "opencv", lambda: _opencv_read(_fit(work(), OPENCV_SIDE))
    yield "opencv-clahe", lambda: _opencv_read(_clahe(_fit(work(), OPENCV_SIDE)))
    yield "opencv-curved", lambda: _opencv_curved(_fit(work(), OPENCV_SIDE))
    if max(img.shape[:2]) > WORK_SIDE and img.size <= FULL_RES_PIXELS:
        yield "zbar-full", lambda: _zbar_read(img)


# --- the public entry points ---------------------------------------------------------------------

def decode_codes(
    frames: list[Gray],
    deadline: float,
    *,
    clock: Callable[[], float] = time.perf_counter,
    stats: DecodeStats | None = None,
) -> list[DecodedCode]:
    """Run the cascade over ``frames`` until a code is found or ``deadline`` (a ``clock`` time) passes.

    The first pass reads every code zxing-cpp can; codes it located but could not read get the
    rectified retries (even when another code in the same image was read); only when nothing at
    all was read does the whole-image cascade run.
    """
    stats = stats if stats is not None else DecodeStats()
    found: list[DecodedCode] = []
    for index, frame in enumerate(frames):
        # The first look at the first frame always happens: a slow machine (or a cold import) must
        # not turn a plainly readable code into "no code found". The budget bounds the retries.
        if index and clock() >= deadline:
            stats.timed_out = True
            break
        stats.steps_run += 1
        try:
            codes, candidates = _zxing_scan(frame, errors=True)
        except Exception:  # noqa: BLE001 - a decoder bug on a crafted image is not the user's error
            log.warning("decoder step zxing failed", exc_info=True)
            codes, candidates = [], []
        found.extend(DecodedCode(c.text, c.raw, c.decoder, "zxing") for c in codes)
        for cand in candidates:
            found.extend(_run_until_found(_rectified_steps(frame, cand), deadline, clock, stats))
        if len(found) >= SHEET_CODES and index == 0:
            found.extend(_run_all(_sheet_steps(frame), deadline, clock, stats))
        if not found and not candidates and index == 0:
            found.extend(_relocate(frame, deadline, clock, stats))
        if not found and index == 0:
            found.extend(_run_until_found(_cascade(frame), deadline, clock, stats))
        if found:
            break
    return _dedupe(found)


def _relocate(
    frame: Gray, deadline: float, clock: Callable[[], float], stats: DecodeStats
) -> list[DecodedCode]:
    """Locate codes again where the first pass located none: on the working copy and lit evenly.

    A bent or glared code's finder patterns are often found in a smaller or flattened copy of the
    photo; the rectified (and flattened) retries then run on that copy.
    """
    work = _work_copy(frame)
    variants: list[tuple[str, Callable[[], Gray]]] = [("flatfield", lambda: _flatfield(work))]
    if work is not frame:  # a small photo's working copy is the frame the first pass saw
        variants.insert(0, ("work", lambda: work))
    for name, variant in variants:
        if deadline - clock() <= 0:
            stats.timed_out = True
            break
        img = variant()
        stats.steps_run += 1
        try:
            codes, candidates = _zxing_scan(img, errors=True)
        except Exception:  # noqa: BLE001 - a decoder bug on a crafted image is not the user's error
            log.warning("decoder step relocate-%s failed", name, exc_info=True)
            continue
        if codes:
            return [DecodedCode(c.text, c.raw, c.decoder, f"relocate-{name}") for c in codes]
        for cand in candidates:
            got = _run_until_found(_rectified_steps(img, cand), deadline, clock, stats)
            if got:
                return got
    return []


def _run_until_found(
    steps: Iterator[Step], deadline: float, clock: Callable[[], float], stats: DecodeStats
) -> list[DecodedCode]:
    for step_name, run in steps:
        left = deadline - clock()
        if left <= 0:
            stats.timed_out = True
            return []
        if left < HEAVY_RESERVE and step_name.startswith(_HEAVY_STEPS):
            # Too little time left for a step that can take a few hundred ms on a big photo.
            stats.timed_out = True
            continue

        codes = _attempt(step_name, run, stats)
        if codes:
            return codes
    return []


def _attempt(step_name: str, run: Callable[[], list[DecodedCode]], stats: DecodeStats) -> list[DecodedCode]:
    """One step, its codes tagged with its name; a step that raises is logged and reads nothing."""
    stats.steps_run += 1
    try:
        codes = run()
    except Exception:  # noqa: BLE001 - a decoder bug on a crafted image is not the user's error
        log.warning("decoder step %s failed", step_name, exc_info=True)
        return []
    return [DecodedCode(c.text, c.raw, c.decoder, step_name) for c in codes]


def _run_all(
    steps: Iterator[Step], deadline: float, clock: Callable[[], float], stats: DecodeStats
) -> list[DecodedCode]:
    out: list[DecodedCode] = []
    for step_name, run in steps:
        if deadline - clock() < HEAVY_RESERVE:
            stats.timed_out = True
            break
        out.extend(_attempt(step_name, run, stats))
    return out


def _dedupe(codes: list[DecodedCode]) -> list[DecodedCode]:
    seen: set[str] = set()
    out = []
    for c in codes:
        if c.text not in seen:
            seen.add(c.text)
            out.append(c)
    return out


def decode_raw(
    data: bytes, settings: Settings | None = None, *, stats: DecodeStats | None = None
) -> list[DecodedCode]:
    """Every code in the image ``data`` (no classification); raises the image errors of :mod:`images`."""
    settings = settings if settings is not None else Settings.load()
    start = time.perf_counter()
    deadline = start + settings.decode_budget
    frames = load_frames(data, settings)
    codes = decode_codes(frames, deadline, stats=stats)
    if stats is not None:
        stats.ms = (time.perf_counter() - start) * 1000
    log.info("decoded %d code(s) in %.0f ms", len(codes), (time.perf_counter() - start) * 1000)
    return codes


def decode_image(data: bytes, settings: Settings | None = None) -> list[Payload]:
    """Every QR code in the image ``data``, classified; ``[]`` when none is found.

    Raises :class:`~scanner.errors.UnsupportedImage`, :class:`~scanner.errors.ImageTooLarge` or
    :class:`~scanner.errors.CorruptImage` for files that are not a readable image within the limits.
    """
    from .payloads import classify

    settings = settings if settings is not None else Settings.load()
    nested = nested_decoder(settings)
    return [classify(c.text, source="image", raw=c.raw, nested=nested) for c in decode_raw(data, settings)]


def nested_decoder(settings: Settings) -> Callable[[bytes], list[DecodedCode]]:
    """The decoder :func:`scanner.payloads.classify` uses for a QR picture inside a ``data:`` URI:
    the caller's limits, with the short nested budget."""
    from .payloads import NESTED_BUDGET

    inner = settings.replace(decode_budget=min(settings.decode_budget, NESTED_BUDGET))
    return lambda data: decode_raw(data, inner)


def zxing_only(data: bytes) -> list[str]:
    """zxing-cpp alone, as most apps use it (Plain text, its own charset guess): the bench baseline."""
    import numpy as np

    cv2 = opencv()
    z = _zxing()
    arr = np.frombuffer(data, dtype=np.uint8)
    img = cv2.imdecode(arr, cv2.IMREAD_GRAYSCALE)
    if img is None:
        return []
    return [r.text for r in z.read_barcodes(img, formats=z.BarcodeFormat.QRCode, text_mode=z.TextMode.Plain)]
