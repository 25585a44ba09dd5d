"""OpenCV, imported on first use and quietened: the one place that loads ``cv2``.

``import scanner`` must not load OpenCV (it costs ~100 ms and 60 MB), so every stage that needs it —
the QR decoder, the flattening of bent codes, the OCR crop step — asks :func:`opencv` at call time.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def opencv() -> Any:
    """The ``cv2`` module, with its logging set to errors only (it logs every failed QR decode)."""
    import cv2

    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except AttributeError:  # pragma: no cover - builds without the logging module
        pass
    return cv2
