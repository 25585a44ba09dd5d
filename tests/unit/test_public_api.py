"""The public surface: __all__ is complete and sorted; import scanner stays light (no flask/web/cv2)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import scanner


def test_all_is_sorted_and_complete() -> None:
    """Every public name the package defines is in __all__, and nothing else (as httpx checks)."""
    assert scanner.__all__ == sorted(scanner.__all__)
    typing_helpers = {"annotations", "Any", "TYPE_CHECKING"}
    defined = {
        n
        for n, v in vars(scanner).items()
        if not n.startswith("_") and not inspect.ismodule(v) and n not in typing_helpers
    }
    assert defined == set(scanner.__all__)
    for name in ("check", "decode_image", "analyze_page", "Settings", "Scanner", "Report"):
        assert name in scanner.__all__


def test_import_is_light() -> None:
    code = (
        "import sys, scanner; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'web', 'cv2', 'zxingcpp', 'pyzbar', 'httpx', 'waitress')); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
