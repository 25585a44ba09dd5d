"""What text recognition does to links, undone: spaces inside them, a link cut at the end of a line.

Used by :func:`scanner.extract.extract_links` with ``ocr=True`` and by the OCR stage
(:mod:`scanner.ocr`) on the text it read; off for pasted text, where a space ends a link.
"""

from __future__ import annotations

import re

from .canonical import known_tld

_OCR_SCHEME = re.compile(r"(?i)\b(https?|ftp)[ \t]*[:：][ \t]*/[ \t]*/[ \t]*")
_OCR_DOT = re.compile(r"(?<=[A-Za-z0-9])(?P<a>[ \t]{0,2})\.(?P<b>[ \t]{0,2})(?=[A-Za-z0-9])")
_OCR_SLASH = re.compile(r"(?<=[A-Za-z0-9.])(?P<a>[ \t]{0,2})/(?P<b>[ \t]{0,2})(?=[A-Za-z0-9])")
_OCR_HOST = re.compile(r"(?i)(?<![a-z0-9.-])(?:[a-z0-9-]+\.)+(?P<tld>[a-z]{2,})$")
_OCR_LABEL = re.compile(r"[a-z0-9-]+")
_OCR_WORD_END = re.compile(r"[A-Za-z0-9-]+$")
_OCR_WORD_START = re.compile(r"[A-Za-z0-9-]*")
_OCR_TITLE = re.compile(r"[A-Z][a-z]+")
"""A capitalised word (``Done. com…``) ends a sentence rather than starting a host."""
_OCR_TLDS = frozenset(
    "com cn net org top xyz cc vip info me io co ly gl link site shop club online icu hk tw".split()
)
"""Endings a lone word may be read as (``t. cn/x``): common in links, rare as words. Not every TLD:
``to``, ``is``, ``in`` and ``at`` end sentences."""
_OCR_TLDS_ALONE = _OCR_TLDS - {"me", "co", "io", "ly", "gl"}
"""Without a path after them (``example .com``): not the shorter ones (``Done. me too``)."""
_OCR_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")
_OCR_URLISH = re.compile(r"(?i)(?:https?://|www\.)\S*$")
_OCR_TAIL = re.compile(r"[^\s\"'<>()\[\]{}|\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]{1,2048}")
"""The start of the next line that may continue a link: anything but space, brackets, quotes and
Chinese text (a link's own ``, ; ! @`` and non-Latin host letters included)."""


def _drop(s: str, where: list[int], spans: list[tuple[int, int]]) -> tuple[str, list[int]]:
    if not spans:
        return s, where
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for a, b in spans:
        out.append(s[pos:a])
        idx.extend(where[pos:a])
        pos = b
    out.append(s[pos:])
    idx.extend(where[pos:])
    return "".join(out), idx


def _last_token(s: str, i: int) -> str:
    j = i
    while j > 0 and not s[j - 1].isspace() and i - j < 2048:
        j -= 1
    return s[j:i]


def _next_token(s: str, i: int) -> str:
    m = re.compile(r"\S{1,2048}").match(s, i)
    return m.group(0) if m else ""


def _gaps(m: re.Match[str]) -> list[tuple[int, int]]:
    return [m.span(g) for g in ("a", "b") if m.group(g)]


def _joins_dot(s: str, m: re.Match[str]) -> bool:
    """A space around this dot is inside a host: the word after is a top-level domain ending the
    host (``t. cn/x``, ``example .com``), or the word before is a link and the word after goes on
    as a lower-case host label (``www. x. cn``; never ``…/text. Then``, a sentence after a link)."""
    if not m.group("a") and not m.group("b"):
        return False
    left, right = _last_token(s, m.start()), _next_token(s, m.end())
    start = _OCR_WORD_START.match(right)
    first = start.group() if start else ""
    after = right[len(first) : len(first) + 1]
    if after in ("/", ":", "?", "#") and first in _OCR_TLDS:
        return True
    if after != "." and first in _OCR_TLDS_ALONE:  # the host ends here: "example .com，" "x. cn)"
        word = _OCR_WORD_END.search(left)
        return word is not None and ("." in left or not _OCR_TITLE.fullmatch(word.group()))
    linkish = "://" in left or left.lower().startswith("www") or "." in left and "/" in right
    return linkish and bool(_OCR_LABEL.fullmatch(first)) and (after == "." or after == "/")


def _joins_slash(s: str, m: re.Match[str]) -> bool:
    """A space around this slash follows a host (``a.example.com /x``, ``t.cn/ x``)."""
    if not m.group("a") and not m.group("b"):
        return False
    host = _OCR_HOST.search(_last_token(s, m.start()))  # the token may start with Chinese or a scheme
    return host is not None and known_tld(host.group("tld"))


def ocr_join(text: str) -> tuple[str, list[int]]:
    """Undo what text recognition does to links; returns the text and, per character, its index in ``text``.

    * ``http : / / x`` → ``http://x``;
    * ``t. cn/abc``, ``t .cn/abc``, ``www. x. cn`` → ``t.cn/abc``, ``www.x.cn`` (spaces around a dot are
      dropped when the word after it is a known top-level domain ending the host, or the word
      before is a link already and the word after goes on as a host; see :func:`_joins_dot`);
    * ``a.example.com /x``, ``t.cn/ x`` → ``a.example.com/x``, ``t.cn/x`` (a host, then the slash);
    * a link cut at the end of a line (``http://seizi`` / ``ngblessing.directory/…``) is joined with
      the next line's first word when that word continues a host or path.
    """
    s, where = text, list(range(len(text)))
    spans: list[tuple[int, int]] = []
    for m in _OCR_SCHEME.finditer(s):
        spans.extend((m.start() + w.start(), m.start() + w.end()) for w in re.finditer(r"[ \t]+", m.group(0)))
    s, where = _drop(s, where, spans)
    for _ in range(6):  # www. a. b. cn: each pass joins one more gap once the left side is a link
        spans = [sp for m in _OCR_DOT.finditer(s) if _joins_dot(s, m) for sp in _gaps(m)]
        if not spans:
            break
        s, where = _drop(s, where, spans)
    s, where = _drop(s, where, [sp for m in _OCR_SLASH.finditer(s) if _joins_slash(s, m) for sp in _gaps(m)])
    spans = []
    for m in _OCR_BREAK.finditer(s):
        left = _last_token(s, m.start())
        tail = _OCR_TAIL.match(s, m.end())
        if not tail or not _OCR_URLISH.search(left) or left[-1:] in ".,;!?)":
            continue
        right = tail.group().rstrip(".,;!?")
        host_open = "." not in left.split("://", 1)[-1]
        if host_open or left[-1] in "/-=&?_.%" or "/" in right or "." in right:
            spans.append((m.start(), m.end()))
    return _drop(s, where, spans)
