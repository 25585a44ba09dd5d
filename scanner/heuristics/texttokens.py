"""Token boundaries and negation for the text rules and the data-ask reader: shared by
:mod:`scanner.heuristics.text` and :mod:`scanner.heuristics.textpii`. Pure."""

from __future__ import annotations

import re

_ASCII_ALNUM = re.compile(r"[a-z0-9]")


def token_bounds(term: str, pat: str) -> str:
    """``pat`` kept from starting inside a longer Latin word or number, or ending inside one.

    A term that starts with a digit must not follow a digit, one that starts with a Latin letter
    must not follow a letter (and the same at the end): ``0元`` ∉ ``300元``, ``app`` ∉ ``happy``,
    while ``qq`` still matches in ``qq123456``.
    """
    first, last = term[:1], term[-1:]
    if _ASCII_ALNUM.match(first):
        pat = (r"(?<![0-9])" if first.isdigit() else r"(?<![a-z])") + pat
    if _ASCII_ALNUM.match(last):
        # won ∉ won't: an apostrophe and a letter continue a word too.
        pat += r"(?![0-9])" if last.isdigit() else r"(?![a-z]|'[a-z])"
    return pat


_NEG_ZH = re.compile(
    r"(请勿|切勿|不要|勿|谨防|警惕|不会|从不|绝不|严禁|防范|谨慎|"
    r"不得|别|提防|小心|拒绝|不能)"
)
_NEG_EN = re.compile(r"\b(never|don't|do not|dont|won't|will not|not|beware|avoid|no one)\b")


def negated(s: str, start: int) -> bool:
    """A phrase said under a negation or warning within its clause ("请勿向任何人提供验证码")."""
    lo = max(0, start - 14)
    window = s[lo:start]
    cut = max(window.rfind(c) for c in "。！？!?\n;；")
    if cut >= 0:
        window = window[cut + 1 :]
    if _NEG_ZH.search(window):
        return True
    lo = max(0, start - 40)
    window = s[lo:start]
    cut = max(window.rfind(c) for c in ".!?\n;")
    if cut >= 0:
        window = window[cut + 1 :]
    return bool(_NEG_EN.search(window))
