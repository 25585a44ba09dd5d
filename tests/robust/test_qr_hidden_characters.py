"""Issue 17 row 7: a byte-mode QR code without ECI whose UTF-8 text hides zero-width characters.

``https://a\\u200bp\\u200b…`` in UTF-8 puts ``E2 80 8B`` between ASCII letters; Shift_JIS reads those
three bytes as two plausible ideographs and used to win, so the listed domain the phone opens
(browsers drop the zero-width characters from a host) was neither matched nor called dangerous.
Real encoder (segno, byte mode, no ECI) and real decoders, a real list on disk.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno

from scanner.canonical import canonicalize
from scanner.charsets import guess_decode
from scanner.decode import decode_image
from scanner.heuristics.url import url_reasons
from scanner.settings import Settings

LISTED = "lure-e7.test"
HIDDEN = "\u200b"


def _hide(domain: str, mark: str = HIDDEN) -> str:
    """``a<mark>b<mark>c…``: the mark between every two letters of the first label."""
    first, _, rest = domain.partition(".")
    return mark.join(first) + "." + rest


def _byte_mode_png(text: str) -> bytes:
    buf = io.BytesIO()
    qr = segno.make_qr(text.encode("utf-8"), eci=False)  # bytes: byte mode, no ECI header
    qr.save(buf, kind="png", scale=5, border=4)
    return buf.getvalue()


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\u2060", "\u200e", "\ufeff"])
def test_valid_utf8_with_hidden_characters_between_letters_is_utf8(mark: str) -> None:
    text = f"https://{_hide('paypal.com', mark)}/login"
    assert guess_decode(text.encode("utf-8")) == (text, "utf-8")


def test_legacy_charsets_still_win_where_they_read_better() -> None:
    assert guess_decode("扫码领取".encode("gbk"))[1] == "gb18030"
    assert guess_decode("こんにちは".encode("shift_jis"))[1] == "cp932"
    assert guess_decode("Zürich".encode("latin-1"))[1] == "latin-1"


def test_hidden_characters_in_a_host_are_a_danger_reason() -> None:
    u = canonicalize(f"https://{_hide('example-shop.com')}/x")
    assert u.host == "example-shop.com"  # what the browser opens
    [r] = [r for r in url_reasons(u) if r.code == "url.hidden_characters"]
    assert r.evidence == "ZWSP" and r.severity.value == "high" and r.weight >= 70
    # Percent-encoded in the host: the browser decodes, then drops them, just the same.
    enc = canonicalize("https://a%E2%80%8Bpple-shop.com/")
    assert enc.host == "apple-shop.com"
    assert [r.severity.value for r in url_reasons(enc) if r.code == "url.hidden_characters"] == ["high"]
    # In the path they stay what they were: a medium reason (the page opened is the one shown).
    [p] = [r for r in url_reasons(canonicalize("https://example-shop.com/a\u200bb")) if
           r.code == "url.hidden_characters"]
    assert p.severity.value == "medium"


def test_qr_code_with_zero_width_spaces_in_a_listed_host_is_danger(tmp_path: Path) -> None:
    from scanner.lists import add_list
    from scanner.pipeline import Scanner

    text = f"https://{_hide(LISTED)}/login"
    png = _byte_mode_png(text)
    [payload] = decode_image(png)
    assert payload.text == text  # UTF-8, not Shift_JIS mojibake

    listed = tmp_path / "phish.txt"
    listed.write_text(LISTED + "\n", encoding="utf-8")
    settings = Settings.load(environ={}, data_dir=tmp_path / "data")
    add_list(settings, str(listed), name="row7", category="phishing")
    report = Scanner(settings).scan_image(png, offline=True)
    assert report.level.value == "danger", report
    [link] = report.links
    assert link.url.startswith(f"https://{LISTED}/")  # the host the phone opens
    codes = {r.code for r in link.reasons}
    assert "blocklist.phishing" in codes and "url.hidden_characters" in codes


def test_qr_code_with_zero_width_spaces_in_an_unlisted_host_is_still_danger(tmp_path: Path) -> None:
    from scanner.pipeline import Scanner

    png = _byte_mode_png(f"https://{_hide('shop-unlisted.test')}/")
    report = Scanner(Settings.load(environ={}, data_dir=tmp_path, use_lists=False)).scan_image(
        png, offline=True)
    assert report.level.value == "danger", report
