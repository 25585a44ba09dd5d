"""The public surface: __all__ is complete and sorted; import scanner stays light (no flask/web/cv2)."""

from __future__ import annotations

import subprocess
import sys

import scanner


def test_all_is_sorted_and_complete() -> None:
    assert scanner.__all__ == sorted(scanner.__all__)
    public = {n for n in dir(scanner) if not n.startswith("_") and n[0].isupper() or n in scanner.__all__}
    for name in ("check", "decode_image", "analyze_page", "Settings", "Scanner", "Report"):
        assert name in scanner.__all__
    missing = [n for n in scanner.__all__ if not hasattr(scanner, n)]
    assert missing == []
    assert public >= set(scanner.__all__)


def test_import_is_light() -> None:
    code = (
        "import sys, scanner; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'web', 'cv2', 'zxingcpp', 'pyzbar', 'httpx', 'waitress')); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
