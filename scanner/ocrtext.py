"""Text read from a picture, as text: layout, masking, highlighting.

Pure (no model, no image): :func:`paragraphs` puts wrapped lines back together (a link broken over
two bubble lines becomes one link again); :func:`strip_chrome` drops the phone's status bar and the
chat's timestamps (the spaces OCR puts inside links are undone by :func:`scanner.extract.ocr_join`);
:func:`mask_personal` hides phone and ID numbers from people; :func:`highlight_parts` marks what
drove the verdict. :mod:`scanner.ocr` does the reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from .models import Report


@dataclass(frozen=True, slots=True)
class Line:
    """One recognised line of text, with its box in the full picture's pixels."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        """Height of the line's box."""
        return self.y1 - self.y0


def is_cjk(c: str) -> bool:
    return (
        "\u2e80" <= c <= "\u9fff"
        or "\uf900" <= c <= "\ufaff"
        or "\uff00" <= c <= "\uffef"
        or ("\u3000" <= c <= "\u303f")
    )


# --- layout --------------------------------------------------------------------------------------

_URL_TAIL = re.compile(r"(?:https?://|www\.|[A-Za-z0-9-]+\.[A-Za-z]{2,})[\x21-\x7e]*$", re.IGNORECASE)
_URL_CHARS = re.compile(r"^[A-Za-z0-9/?=&%._~#+:-]")


def paragraphs(lines: Sequence[Line]) -> list[str]:
    """Lines put back into the paragraphs they were wrapped from, in reading order.

    Two lines belong to one paragraph when the second starts right below the first at the same
    left edge and the first was wrapped: the second's first word would not have fitted after it
    (a browser's and a chat app's rule). A wrapped link is joined without a space, also when it
    was broken at a hyphen or a slash; Latin words get a space; Chinese text none.
    """
    groups: list[list[Line]] = []
    for ln in lines:
        if groups:
            prev = groups[-1][-1]
            h = max(prev.height, ln.height, 1.0)
            below = -0.5 * h <= ln.y0 - prev.y1 < 0.9 * h and abs(ln.x0 - prev.x0) < 0.8 * h
            if below:
                groups[-1].append(ln)
                continue
        groups.append([ln])
    out: list[str] = []
    for g in groups:
        right = max(x.x1 for x in g)
        text = g[0].text
        for prev, ln in zip(g, g[1:], strict=False):
            if _wrapped(prev, ln, right) or _url_goes_on(text, ln.text):
                text = _join(text, ln.text, tight=right - prev.x1 < 1.5 * _char_w(prev))
            else:
                out.append(text)
                text = ln.text
        out.append(text)
    return out


def _char_w(ln: Line) -> float:
    return (ln.x1 - ln.x0) / max(1, len(ln.text))


def _wrapped(prev: Line, ln: Line, right: float) -> bool:
    """True when ``ln``'s first word would not have fitted at the end of ``prev``."""
    char_w = _char_w(ln)
    first = ln.text[:1] if is_cjk(ln.text[:1]) else (re.match(r"\S+", ln.text) or [""])[0]
    return right - prev.x1 < char_w * (len(first) + 1) + 0.25 * prev.height


def _url_goes_on(a: str, b: str) -> bool:
    """A link at the end of ``a`` broken where browsers may break it (after - . / ? & =)."""
    return bool(a) and a[-1] in "-/?&=_" and bool(_URL_TAIL.search(a)) and bool(_URL_CHARS.match(b))


def _join(a: str, b: str, *, tight: bool = True) -> str:
    """``a`` and its wrapped continuation ``b``; ``tight``: ``a`` filled its line to the edge."""
    if not a or not b:
        return a + b
    sentence = a[-1] in ".!?" and b[0].isupper()  # "…/text." then "Ts&Cs apply.": a sentence ended
    if _URL_TAIL.search(a) and _URL_CHARS.match(b) and (tight or a[-1] in "-/?&=_") and not sentence:
        return a + b  # a link broken where it met the edge, or at a hyphen or slash
    if is_cjk(a[-1]) or is_cjk(b[0]):
        return a + b
    if a[-1] == "-":
        return a + b  # a word (or a host name) hyphenated at the break
    return a + " " + b


_TIME_ONLY = re.compile(
    r"^(?:(?:昨天|今天|前天|星期.|禮拜.|礼拜.|周.|上午|下午|晚上|凌晨|中午|早上|"
    r"Yesterday|Today|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?|\d{2,4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?|"
    r"\d{1,2}月\d{1,2}日|\s)*\d{1,2}[:：]\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?$"
)


def strip_chrome(lines: Sequence[Line], width: float, height: float) -> tuple[list[Line], str]:
    """The message lines without the app's own text, and the chat's title (sender) if seen.

    Dropped: the phone's status bar (short lines in the top 4 %), timestamps centred between
    bubbles. The title bar's centred first line is the chat's name (often the sender) and is
    returned apart, so a message's own sender tag (【顺丰速运】…) still opens its text.
    """
    out: list[Line] = []
    title = ""
    for ln in lines:
        centre = (ln.x0 + ln.x1) / 2
        centred = abs(centre - width / 2) < 0.06 * width
        if ln.y1 < 0.04 * height and len(ln.text) <= 8:
            continue
        if centred and _TIME_ONLY.match(ln.text.strip()):
            continue
        if not title and not out and centred and ln.y1 < 0.12 * height:
            title = ln.text
            continue
        out.append(ln)
    return out, title


# --- personal data ---------------------------------------------------------------------------------

_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5})((?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx])(?![0-9A-Za-z])"
)
_PHONE = re.compile(r"(?<![0-9A-Za-z=/&?._-])(\+?86[\s-]?)?(1[3-9]\d)([\s-]?\d{4}[\s-]?)(\d{4})(?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9A-Za-z/=.])(\d{4})(\d[\d ]{6,}\d)(\d{4})(?![0-9])")


def mask_personal(text: str) -> str:
    """Phone, ID and card number look-alikes with their middle digits hidden, for people to read.

    >>> mask_personal("联系 13812345678")
    '联系 138****5678'
    >>> mask_personal("身份证 11010519491231002X")
    '身份证 110105********002X'
    """
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 8 + m.group(2)[-4:], text)
    text = _PHONE.sub(lambda m: (m.group(1) or "") + m.group(2) + "****" + m.group(4), text)
    return _LONG_DIGITS.sub(lambda m: m.group(1) + "*" * len(m.group(2).replace(" ", "")) + m.group(3), text)


# --- showing the text ----------------------------------------------------------------------------

_EVIDENCE_SPLIT = re.compile(r"[、,，;；/|]\s*")


def highlight_parts(text: str, report: Report) -> list[tuple[str, bool]]:
    """``text`` cut into (part, drove the verdict) pieces: lure phrases the text reasons matched and
    the links that were checked are marked, for the result page's collapsed "text read" block."""
    terms: set[str] = set()
    for r in report.reasons:
        if r.code.startswith("text.") and r.evidence:
            terms.update(t.strip() for t in _EVIDENCE_SPLIT.split(r.evidence) if len(t.strip()) >= 2)
    for link in report.links:
        if link.original and link.level.warns:
            terms.add(link.original)
    found = [m.span() for t in terms for m in re.finditer(re.escape(t), text, flags=re.IGNORECASE)]
    if not found:
        return [(text, False)]
    found.sort()
    parts: list[tuple[str, bool]] = []
    pos = 0
    for start, end in found:
        start = max(start, pos)
        if start >= end:
            continue
        if start > pos:
            parts.append((text[pos:start], False))
        parts.append((text[start:end], True))
        pos = end
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


# --- Japanese character forms -------------------------------------------------------------------------

_KANA = re.compile(r"[\u3040-\u30ff]")


def fold_japanese_forms(text: str) -> str:
    """Japanese-only character forms the recogniser puts in Chinese text, as Chinese: ``順豊`` → ``順豐``.

    PP-OCR's dictionary holds Japanese kanji beside Chinese characters and sometimes reads a
    Traditional character as its Japanese form (豐 → 豊, 擊 → 撃); brand names and lure phrases then
    no longer match. A character is changed only when it is not a Chinese form itself: OpenCC's
    ``jp2t`` turns it into a Traditional character whose Simplified form is not the character
    again (点 → 點 → 点 is Chinese and stays). Text with kana is Japanese and is left alone.
    """
    if text.isascii() or _KANA.search(text):
        return text
    return "".join(_chinese_form(c) if "\u4e00" <= c <= "\u9fff" else c for c in text)


@cache
def _chinese_form(c: str) -> str:
    trad: str = _opencc("jp2t").convert(c)
    if trad == c or len(trad) != 1 or _opencc("t2s").convert(trad) == c:
        return c
    return trad


@cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)
