"""LureLens: check links, messages, QR photos and landing pages for personal-data lures.

The public API is re-exported here; ``import scanner`` stays light (no Flask, no OpenCV, no index
loading): heavy stages load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    CorruptImage,
    EmptyInput,
    ImageTooLarge,
    InputError,
    InputTooLarge,
    InvalidURL,
    NoCodeFound,
    NotText,
    ScannerError,
    UnsupportedImage,
)
from .models import (
    Hop,
    HopKind,
    Level,
    LinkReport,
    Message,
    Payload,
    PayloadKind,
    Reason,
    Report,
    Severity,
    StopReason,
)
from .pipeline import Scanner, check
from .settings import Settings

if TYPE_CHECKING:
    from .models import Payload as _Payload

__all__ = [
    "ConfigError",
    "CorruptImage",
    "EmptyInput",
    "Hop",
    "HopKind",
    "ImageTooLarge",
    "InputError",
    "InputTooLarge",
    "InvalidURL",
    "Level",
    "LinkReport",
    "Message",
    "NoCodeFound",
    "NotText",
    "Payload",
    "PayloadKind",
    "Reason",
    "Report",
    "Scanner",
    "ScannerError",
    "Settings",
    "Severity",
    "StopReason",
    "UnsupportedImage",
    "analyze_page",
    "check",
    "decode_image",
    "extract_links",
]


def decode_image(data: bytes, settings: Settings | None = None) -> list[_Payload]:
    """Every code in a photo as payloads (exact text and kind); no network."""
    from .decode import decode_image as _decode

    return _decode(data, settings)


def analyze_page(html: str, url: str, *, settings: Settings | None = None, **kw: Any) -> Report:
    """Judge a landing page's HTML as served from ``url``."""
    from .pipeline import default_scanner

    return default_scanner(settings).analyze_page(html, url, **kw)


def extract_links(text: str, *, ocr: bool = False) -> list[Any]:
    """Links found in pasted text (see :func:`scanner.extract.extract_links`; ``ocr=True`` for OCR'd text)."""
    from .extract import extract_links as _extract

    return list(_extract(text, ocr=ocr))
