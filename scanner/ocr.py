"""Text in pictures: the lines of a chat screenshot or a poster, read with RapidOCR (PP-OCRv4, ONNX).

A screenshot of a lure is what people have: a chat bubble saying "兼职日结，扫码注册领佣金" with a
QR code, or a forwarded message with a typed link. :func:`read_lines` finds the text lines and
reads them; :func:`paragraphs` puts wrapped lines back together (a link broken over two bubble
lines becomes one link again); :func:`mask_personal` hides phone and ID numbers from people.

Speed, on two busy cores: the text detector runs on a copy whose long side is at most
:data:`DET_MAX_SIDE` (text in a phone screenshot is two to three times larger than the detector
needs), and each found line is cut from the full-resolution picture for the recogniser, which
scales it to 48 pixels high anyway. The direction classifier is skipped (chat text is upright), an
image without ink is answered without running a model, and the recogniser stops at the deadline.

The PP-OCR recogniser seldom emits spaces between Latin words ("Pay the fee at t.cn/x within 24h"
comes back "feeatt.cn/xwithin24h"): the decoder here keeps the position of every character and
puts a space wherever the picture has a wide enough column without ink between two characters.

RapidOCR and onnxruntime are imported on first use: ``import scanner`` stays light.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from .models import Message, Payload, PayloadKind
from .ocrtext import (
    Line,
    fold_japanese_forms,
    highlight_parts,
    is_cjk,
    mask_personal,
    paragraphs,
    strip_chrome,
)
from .settings import Settings

__all__ = [
    "ImageRead",
    "Line",
    "OcrUnavailable",
    "available",
    "has_ink",
    "highlight_parts",
    "looks_like_screen",
    "mask_personal",
    "paragraphs",
    "probe_text",
    "qr_areas",
    "read_image",
    "read_lines",
    "strip_chrome",
    "text_payload",
]

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Gray = npt.NDArray[np.uint8]

DET_MAX_SIDE = 1280
"""Longest side of the copy the text detector sees in a photo (a poster's small print needs it)."""
DET_SCREEN_SIDE = 960
"""The same for a screenshot, whose text is large and sharp (1080×2400 is detected at 432×960)."""
DET_PROBE_SIDE = 640
"""A photo is first looked at this small: no text line there means no text (a landscape, a face)."""
MAX_LINES = 160
"""Text lines recognised in one picture at most (a poster of small print is cut here)."""
ALWAYS_READ = 32
"""Lines read whatever the deadline (more than a phone screen of chat holds)."""
REC_BATCH = 1
"""Lines recognised per model call. One: padding a line to a wider neighbour's width changes what
the recogniser reads ("jnrw-app.cc" came back "jnrw-app.c" in a batch of eight, right alone), and
costs time; on 45 dev screenshots one line per call was also faster (median 1.9 s against 2.5 s)."""
MIN_SCORE = 0.5
"""Lines the recogniser is less sure of are dropped (noise, textures, QR modules)."""
MIN_LINE_PX = 8
"""Lines lower than this (in the full picture) are not read: no phone renders text that small."""
ENGINE_NAME = "RapidOCR 1.4.4 (PP-OCRv4 det+rec, ONNX)"

_LOCK = threading.Lock()
log = logging.getLogger("lurelens")


# --- the engine ----------------------------------------------------------------------------------


class OcrUnavailable(RuntimeError):
    """RapidOCR or onnxruntime is not installed (``pip install --no-deps rapidocr-onnxruntime``)."""


_LOAD_LOCK = threading.Lock()


def _engine() -> Any:
    """RapidOCR's detector and recogniser, loaded once (about 0.5 s) and shared by all threads."""
    with _LOAD_LOCK:  # the service's threads may all ask at once: load the models once
        return _load_engine()


@cache
def _load_engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - the OCR packages are regular dependencies
        raise OcrUnavailable(f"text recognition is not installed: {exc}") from None
    eng = RapidOCR(print_verbose=False)
    _quiet_sessions(eng)
    # The detector must see the copy we prepared, at that size: "max" with a large limit never
    # rescales (the copy's sides are only rounded to multiples of 32).
    eng.text_det.limit_type = "max"
    eng.text_det.limit_side_len = 100_000
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return eng


def _quiet_sessions(eng: Any) -> None:
    """Detector and recogniser sessions whose idle threads sleep instead of spinning.

    onnxruntime's threads spin between operators by default; on two cores shared with other work
    that burns the time the next operator needs: measured on a busy machine, recognising one
    screenshot took 4.3–10.7 s with spinning and 3.5–3.8 s without.
    """
    from pathlib import Path

    import onnxruntime as ort
    import rapidocr_onnxruntime

    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    so = ort.SessionOptions()
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    so.log_severity_level = 3
    for holder, name in (
        (eng.text_det.infer, "ch_PP-OCRv4_det_infer.onnx"),
        (eng.text_rec.session, "ch_PP-OCRv4_rec_infer.onnx"),
    ):
        path = models / name
        if path.is_file():
            holder.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def available() -> bool:
    """True when the OCR engine can be loaded (its packages are installed)."""
    try:
        _engine()
    except OcrUnavailable:
        return False
    return True


# --- reading -------------------------------------------------------------------------------------


def has_ink(gray: Gray) -> bool:
    """False for a picture with nothing on it (one colour, or a faint gradient): skip the models."""
    import numpy as np

    small = gray[:: max(1, gray.shape[0] // 256), :: max(1, gray.shape[1] // 256)]
    if small.size == 0:
        return False
    # Text has strong steps between neighbouring pixels; a blank or a smooth gradient has none.
    steps = np.abs(np.diff(small.astype(np.int16), axis=1))
    return bool((steps > 40).mean() > 0.0005)


def read_lines(
    gray: Gray,
    *,
    deadline: float,
    clock: Callable[[], float],
    exclude: Sequence[tuple[float, float, float, float]] = (),
    screen: bool = False,
    probe: list[Any] | None = None,
) -> list[Line]:
    """The text lines of ``gray`` in reading order, skipping any line inside an ``exclude`` box.

    ``exclude`` holds (x0, y0, x1, y1) boxes in the picture's pixels (the QR codes' areas: a code's
    modules read as random letters). Lines not reached by ``deadline`` are left out. ``probe``: the
    boxes :func:`probe_text` already found in a photo.
    """
    if gray.size == 0 or not has_ink(gray):
        return []
    if screen:
        boxes = _detect(gray, DET_SCREEN_SIDE)
    else:
        boxes = probe if probe is not None else _detect(gray, DET_PROBE_SIDE)
        if boxes and max(gray.shape[:2]) > DET_PROBE_SIDE:
            boxes = _detect(gray, DET_MAX_SIDE)
    boxes = [b for b in boxes if not _inside_any(b, exclude)]
    boxes = [b for b in boxes if _box_height(b) >= MIN_LINE_PX][:MAX_LINES]
    if not boxes:
        return []
    return _recognise(gray, boxes, deadline=deadline, clock=clock)


def probe_text(gray: Gray) -> list[Any]:
    """Text boxes found in a small copy of a photo (:data:`DET_PROBE_SIDE`): none means no text."""
    return _detect(gray, DET_PROBE_SIDE)


def _detect(gray: Gray, side: int) -> list[Any]:
    import cv2
    import numpy as np

    h, w = gray.shape[:2]
    scale = min(1.0, side / max(h, w))
    small = (
        cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        if scale < 1
        else gray
    )
    bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    eng = _engine()
    with _LOCK:  # the detector keeps per-call state on itself; one model call at a time anyway
        boxes, _ = eng.text_det(bgr)
    if boxes is None or len(boxes) == 0:
        return []
    out = [np.asarray(b, dtype=np.float32) / scale for b in boxes]
    out.sort(key=lambda b: (float(b[:, 1].min()), float(b[:, 0].min())))
    return _reading_order(out)


def _reading_order(boxes: list[Any]) -> list[Any]:
    """Top to bottom; boxes on the same row (their vertical spans overlap by half) left to right."""
    rows: list[list[Any]] = []
    for b in boxes:
        top, bottom = float(b[:, 1].min()), float(b[:, 1].max())
        if rows:
            last = rows[-1][0]
            lt, lb = float(last[:, 1].min()), float(last[:, 1].max())
            overlap = min(bottom, lb) - max(top, lt)
            if overlap > 0.5 * min(bottom - top, lb - lt):
                rows[-1].append(b)
                continue
        rows.append([b])
    return [b for row in rows for b in sorted(row, key=lambda b: float(b[:, 0].min()))]


def _box_height(b: Any) -> float:
    return float(b[:, 1].max() - b[:, 1].min())


def _inside_any(b: Any, exclude: Sequence[tuple[float, float, float, float]]) -> bool:
    cx, cy = float(b[:, 0].mean()), float(b[:, 1].mean())
    return any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in exclude)


def _crop(gray: Gray, box: Any) -> Gray:
    """The line cut from the full picture, straightened when its box is tilted."""
    import cv2
    import numpy as np

    w = int(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3])))
    h = int(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2])))
    w, h = max(w, 1), max(h, 1)
    if abs(float(box[0][1] - box[1][1])) < 2 and abs(float(box[0][0] - box[3][0])) < 2:
        x0, y0 = max(0, int(box[0][0])), max(0, int(box[0][1]))
        crop = gray[y0 : y0 + h, x0 : x0 + w]
        if crop.size:
            return np.ascontiguousarray(crop)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(box.astype(np.float32), dst)
    warped: Any = cv2.warpPerspective(gray, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return np.ascontiguousarray(warped, dtype=np.uint8)


def _recognise(gray: Gray, boxes: list[Any], *, deadline: float, clock: Callable[[], float]) -> list[Line]:
    import numpy as np

    crops = [_crop(gray, b) for b in boxes]
    ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
    # The first ALWAYS_READ lines (reading order) are always read: a screenshot's text is whole even
    # on a slow machine; the deadline caps what comes after (a poster of small print).
    head = sorted(range(min(len(crops), ALWAYS_READ)), key=lambda i: ratios[i])
    tail = sorted(range(ALWAYS_READ, len(crops)), key=lambda i: ratios[i])
    batches = [head[i : i + REC_BATCH] for i in range(0, len(head), REC_BATCH)]
    capped = len(batches)
    batches += [tail[i : i + REC_BATCH] for i in range(0, len(tail), REC_BATCH)]
    results: dict[int, tuple[str, float]] = {}
    eng = _engine()
    chars: list[str] = eng.text_rec.postprocess_op.character
    for n, idx in enumerate(batches):
        if n >= capped and clock() >= deadline:
            break
        max_ratio = max(320 / 48, max(ratios[i] for i in idx))
        width = int(48 * max_ratio)
        batch = np.zeros((len(idx), 3, 48, width), dtype=np.float32)
        widths = []
        for k, i in enumerate(idx):
            norm, rw = _normalise(crops[i], width)
            batch[k, :, :, :rw] = norm
            widths.append(rw)
        with _LOCK:  # one model call at a time: the session already uses every core
            preds = eng.text_rec.session(batch)[0]
        for k, i in enumerate(idx):
            results[i] = _decode(preds[k], chars, crops[i], widths[k], width)
    lines = []
    for i, b in enumerate(boxes):
        if i not in results:
            continue
        text, score = results[i]
        if score < MIN_SCORE or _is_junk(text):
            continue
        xs, ys = b[:, 0], b[:, 1]
        lines.append(
            Line(text.strip(), score, float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        )
    return lines


def _is_junk(text: str) -> bool:
    """A short line without a letter or a Chinese character: tofu boxes, QR modules, "0000", "|"."""
    t = text.strip()
    return len(t) <= 4 and not any(c.isalpha() for c in t)


def _normalise(crop: Gray, width: int) -> tuple[Any, int]:
    import math

    import cv2
    import numpy as np

    h, w = crop.shape[:2]
    rw = min(width, math.ceil(48 * w / max(1, h)))
    img = cv2.resize(crop, (max(1, rw), 48)).astype(np.float32) / 127.5 - 1.0
    return np.broadcast_to(img, (3, 48, rw)), rw


def _decode(pred: Any, chars: list[str], crop: Gray, used: int, width: int) -> tuple[str, float]:
    """CTC greedy decoding that keeps each character's column, with spaces from gaps in the ink."""
    import numpy as np

    idx = pred.argmax(axis=1)
    prob = pred.max(axis=1)
    steps = len(idx)
    keep = np.ones(steps, dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    cols = np.nonzero(keep)[0]
    if cols.size == 0:
        return "", 0.0
    text = [chars[int(idx[c])] for c in cols]
    score = float(prob[cols].mean())
    # Column c of the model's output covers x in [c, c+1) * width / steps of the padded input,
    # which is the crop scaled by used / crop_width.
    to_crop = (width / steps) * (crop.shape[1] / max(1, used))
    gaps = _ink_gaps(crop)
    out = [text[0]]
    for k in range(1, len(text)):
        a, b = text[k - 1], text[k]
        if a != " " and b != " " and not (is_cjk(a) and is_cjk(b)):
            xa, xb = (cols[k - 1] + 0.5) * to_crop, (cols[k] + 0.5) * to_crop
            if any(xa < g0 and g1 < xb for g0, g1 in gaps):
                out.append(" ")
        out.append(b)
    return "".join(out), score


def _ink_gaps(crop: Gray) -> list[tuple[float, float]]:
    """Runs of columns without ink at least a third of the text height wide (word spaces)."""
    import numpy as np

    h = crop.shape[0]
    if h < 4 or crop.shape[1] < 4:
        return []
    band = crop[h // 6 : h - h // 6].astype(np.int16)
    bg = int(np.median(band))
    cols: Any = (np.abs(band - bg) > 60).any(axis=0)
    ink: list[bool] = [bool(v) for v in cols]
    min_gap = max(2.0, 0.3 * h * 2 / 3)
    gaps = []
    start = None
    for x, on in enumerate([*ink, True]):
        if not on and start is None:
            start = x
        elif on and start is not None:
            if x - start >= min_gap and start > 0:
                gaps.append((float(start), float(x)))
            start = None
    return gaps


# --- the image stage ---------------------------------------------------------------------------------

NO_TEXT_QR_BUDGET = 0.15
"""Seconds of QR retries on a photo without any text line (see :func:`_plan`)."""
SCREEN_QR_BUDGET = 0.35
"""Seconds of QR retries on a screenshot: its codes are sharp, and zxing-cpp's first look reads them."""
QR_MARGIN = 0.12
"""Share of a code's size added around it before its area is kept away from the text reader."""
MAX_OCR_LINKS = 50
"""Links taken from the text of one picture (the report checks the first ``max_links`` of all)."""


@dataclass
class ImageRead:
    """What the image stage read from one picture."""

    payloads: list[Payload] = field(default_factory=list)
    """The QR codes' payloads, then the text read (one payload of kind ``ocr_text``), if any."""
    ocr_ran: bool = False
    lines: list[Line] = field(default_factory=list)
    ms: dict[str, float] = field(default_factory=dict)


def read_image(
    data: bytes, settings: Settings, *, clock: Callable[[], float] = time.perf_counter
) -> ImageRead:
    """Every QR code in ``data`` and, unless ``settings.ocr`` is off, the text around them.

    Raises the image errors of :mod:`scanner.images` for files that are not a readable image.
    """
    from .decode import decode_codes
    from .images import load_frames
    from .payloads import classify

    start = clock()
    out = ImageRead()
    frames = load_frames(data, settings)
    gray = frames[0]
    out.ms["load"] = (clock() - start) * 1000
    ink, screen, probe, budget = _plan(gray, settings)
    t = clock()
    codes = decode_codes(frames, t + budget, clock=clock)
    out.payloads = [classify(c.text, source="image", raw=c.raw) for c in codes]
    out.ms["qr"] = (clock() - t) * 1000
    if not ink or probe == []:
        return out  # nothing drawn, or a photo without a line of text
    t = clock()
    boxes = qr_areas(gray)
    if codes and not has_ink(_blank_out(gray, boxes)):
        return out  # only a QR code: nothing else to read
    out.ocr_ran = True
    try:
        _engine()  # loading the models (once per process) is not the picture's time
        t = clock()
        out.lines = read_lines(
            gray, deadline=t + settings.ocr_budget, clock=clock, exclude=boxes, screen=screen, probe=probe
        )
    except OcrUnavailable:
        log.warning("text recognition is not installed: only QR codes were read")
        out.ocr_ran = False
    except Exception:  # noqa: BLE001 - a model failure on a crafted image must not lose the QR codes
        log.warning("text recognition failed", exc_info=True)
    out.ms["ocr"] = (clock() - t) * 1000
    p = text_payload(out.lines, gray.shape[1], gray.shape[0])
    if p is not None:
        out.payloads.append(p)
    return out


def _plan(gray: Gray, settings: Settings) -> tuple[bool, bool, list[Any] | None, float]:
    """(ink, screenshot, a photo's probe boxes, seconds of QR retries) for one picture.

    The QR cascade's retries are for blurred or bent codes in camera photos. A picture with nothing
    drawn gets zxing-cpp's first look only; a screenshot (sharp codes) a short budget; a photo in
    which the text detector sees no line at all (a landscape, a face) :data:`NO_TEXT_QR_BUDGET`:
    on the 86 such photos among the dev set's 192 QR photos, 0.15 s (and 0.3 s) lost no code.
    """
    budget = settings.decode_budget
    if not settings.ocr:
        return False, False, None, budget
    if not has_ink(gray):
        return False, False, None, 0.0
    if looks_like_screen(gray):
        return True, True, None, min(budget, SCREEN_QR_BUDGET)
    try:
        probe = probe_text(gray)
    except OcrUnavailable:
        return True, False, None, budget
    except Exception:  # noqa: BLE001 - the probe only saves time; a failure must cost nothing else
        log.warning("text probe failed", exc_info=True)
        return True, False, None, budget
    return True, False, probe, budget if probe else min(budget, NO_TEXT_QR_BUDGET)


def looks_like_screen(gray: Gray) -> bool:
    """True for a screenshot (large areas of one exact colour), False for a camera photo."""
    import numpy as np

    small = gray[:: max(1, gray.shape[0] // 200), :: max(1, gray.shape[1] // 200)]
    hist = np.bincount((small // 4).ravel(), minlength=64)
    return bool(np.sort(hist)[-2:].sum() > 0.45 * small.size)


def qr_areas(gray: Gray) -> list[tuple[float, float, float, float]]:
    """Boxes around every QR symbol zxing-cpp locates (read or not), with a margin."""
    from .decode import _zxing

    try:
        zx = _zxing()
        found = zx.read_barcodes(
            gray, formats=zx.BarcodeFormat.QRCode, text_mode=zx.TextMode.Plain, return_errors=True
        )
    except Exception:  # noqa: BLE001 - the areas only keep junk out of the text
        return []
    out = []
    for r in found:
        pos = r.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        m = QR_MARGIN * max(max(xs) - min(xs), max(ys) - min(ys))
        out.append((min(xs) - m, min(ys) - m, max(xs) + m, max(ys) + m))
    return out


def _blank_out(gray: Gray, boxes: Sequence[tuple[float, float, float, float]]) -> Gray:
    import numpy as np

    if not boxes:
        return gray
    out = gray.copy()
    fill = int(np.median(gray[:: max(1, gray.shape[0] // 64), :: max(1, gray.shape[1] // 64)]))
    for x0, y0, x1, y1 in boxes:
        out[max(0, int(y0)) : max(0, int(y1) + 1), max(0, int(x0)) : max(0, int(x1) + 1)] = fill
    return out


def text_payload(lines: Sequence[Line], width: float = 0, height: float = 0) -> Payload | None:
    """The ``ocr_text`` payload: paragraphs in reading order, links found, personal numbers masked."""
    from .extract import extract_links
    from .ocrjoin import ocr_join
    from .payloads import mask_secrets

    body, title = strip_chrome(lines, width, height) if width and height else (list(lines), "")
    # The spaces recognition puts inside links (t. cn/x, http: //) go: the extractor's one rule set.
    text = ocr_join(fold_japanese_forms("\n".join(paragraphs(body))))[0].strip()
    if not text:
        return None
    fields = {"lines": str(len(lines)), "engine": ENGINE_NAME}
    if title:
        fields["title"] = mask_personal(title)
    found = extract_links(text, limit=MAX_OCR_LINKS)
    links = tuple(dict.fromkeys(f.url for f in found))
    return Payload(
        text=text,
        kind=PayloadKind.OCR_TEXT,
        display=mask_personal(mask_secrets(text)),
        fields=fields,
        links=links,
        explanation=Message(
            en="Text read from the picture (it may contain recognition mistakes).",
            zh="从图片中识别出的文字（可能有识别错误）。",
        ),
        source="image",
        originals={f.url: f.original for f in found},  # each link as it was read, for the link cards
    )
