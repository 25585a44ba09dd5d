"""Input validation: what the faces hand the scanner, as clean text or a typed error. Pure.

Every face (CLI, API, web page, library) goes through these, so the same bad input gets the same
one-line message everywhere: empty, binary, oversized, not UTF-8 or GB18030.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import EmptyInput, InputTooLarge, NotText
from .settings import Settings

__all__ = ["decode_text_bytes", "scrub_surrogates", "validate_text"]


def validate_text(text: object, settings: Settings) -> str:
    """The input as clean text, or a typed error saying what is wrong with it."""
    if isinstance(text, bytes | bytearray):
        text = decode_text_bytes(bytes(text))
    if not isinstance(text, str):
        raise NotText("input must be text")
    text = scrub_surrogates(text)
    if len(text.encode("utf-8", "surrogatepass")) > settings.max_input_bytes:
        raise InputTooLarge(
            f"input is over the {settings.max_input_bytes // 1024} KiB limit: paste only the message or link"
        )
    if "\x00" in text or _control_share(text) > 0.1:
        raise NotText("input looks like binary data, not text: paste a link or a message")
    stripped = text.strip()
    if not stripped:
        raise EmptyInput("nothing to check: paste a link or a whole message")
    return stripped


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (legal in JSON, not in UTF-8) become U+FFFD: nothing downstream chokes."""
    return _SURROGATE.sub("\ufffd", text) if not text.isascii() else text


def decode_text_bytes(data: bytes) -> str:
    """Bytes from stdin or a file as text: UTF-8 first, then GB18030 (Chinese Windows); else NotText."""
    if b"\x00" in data:
        raise NotText("input is binary data, not text: paste a link or a message")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise NotText("input is not text in UTF-8 or GB18030: paste a link or a message")


def _control_share(text: str) -> float:
    if not text or text.isprintable():
        return 0.0
    n = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
    return n / len(text)
