"""Links from pasted text: real chat messages, not tidy URLs. Pure.

Handles URLs glued to Chinese text, full-width punctuation and dots (``。`` ``：`` ``／``), scheme-less
``t.cn/AbCd`` and ``www.x.cn/p``, defanged ``hxxp://x[.]com``, several links per message, and
trailing punctuation that is not part of the URL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .canonical import domain_parts


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link found in text."""

    original: str
    """Exactly as written in the input."""
    url: str
    """Refanged and normalised, with ``http://`` added when no scheme was written."""
    start: int
    end: int
    scheme_inferred: bool = False
    defanged: bool = False


# Characters that may continue a URL once it started: anything but space, quotes, brackets of
# prose and CJK text or punctuation (a URL glued to Chinese text ends where the Chinese starts).
_URL_CHAR = r"[^\s<>\"'`\u2018-\u201f\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef{}|\\^]"
_DEFANG_DOT = r"(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))"
_URL_BODY = rf"(?:{_DEFANG_DOT}|{_URL_CHAR})+"
_SCHEME_URL = re.compile(
    rf"(?<![A-Za-z0-9+.\-])(?:h(?:tt|xx|XX)ps?|fxp|ftp|[a-z][a-z0-9+.\-]{{1,30}})(?:\[?:\]?)//(?:[\w\-]+(?:\.|{_DEFANG_DOT}))*{_URL_BODY}",
    re.IGNORECASE,
)
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
_BARE_URL = re.compile(
    rf"(?<![\w@.\-/:])(?:{_LABEL}(?:\.|{_DEFANG_DOT}))+(?P<tld>[a-z]{{2,24}}|xn--[a-z0-9\-]{{1,59}})"
    rf"(?::\d{{1,5}})?(?:[/?#]{_URL_BODY})?(?![\w@\-])",
    re.IGNORECASE,
)
_BARE_IP = re.compile(
    rf"(?<![\w.\-/:])(?:\d{{1,3}}\.){{3}}\d{{1,3}}(?::\d{{1,5}})?[/?#]{_URL_BODY}", re.IGNORECASE
)
_TRAILING = ".,;:!?'\")]}>»…-_*~"
# Scheme-less words that look like file names more often than hosts.
_FILE_LIKE_TLDS = frozenset(
    {"md", "py", "sh", "rs", "js", "ts", "go", "pl", "zip", "mov", "txt", "exe", "rar"}
)
_NON_URL_SCHEMES = frozenset({"e.g", "i.e"})


def _fold(text: str) -> str:
    """NFKC one character at a time (keeps offsets), with ideographic full stops read as dots."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch in "。｡":
            out.append(".")
            continue
        if ord(ch) < 0x80:
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _refang(s: str) -> tuple[str, bool]:
    t = re.sub(_DEFANG_DOT, ".", s, flags=re.IGNORECASE)
    t = re.sub(r"^h(?:xx|XX)p", "http", t, flags=re.IGNORECASE)
    t = re.sub(r"^fxp", "ftp", t, flags=re.IGNORECASE)
    t = t.replace("[:]//", "://").replace("[://]", "://")
    return t, t != s


def _trim(s: str) -> str:
    """Drop trailing punctuation that prose put after the URL; keep balanced brackets."""
    while s and s[-1] in _TRAILING:
        if s[-1] == ")" and s.count("(") >= s.count(")"):
            break
        if s[-1] == "]" and s.count("[") >= s.count("]"):
            break
        s = s[:-1]
    return s


@lru_cache(maxsize=4096)  # keyed by attacker text: bounded
def _known_tld(tld: str) -> bool:
    suffix = domain_parts("x." + tld.lower())[1]
    return bool(suffix)


def extract_links(text: str, *, limit: int = 100) -> list[FoundLink]:
    """Every link in ``text``, in order, at most ``limit``.

    >>> [f.url for f in extract_links("兼职注册APP，日结佣金，点击 t.cn/A6xYz 领取")]
    ['http://t.cn/A6xYz']
    >>> [f.url for f in extract_links("hxxps://evil[.]com/a，或访问 www。x。cn/p。")]
    ['https://evil.com/a', 'http://www.x.cn/p']
    """
    folded = _fold(text)
    found: list[FoundLink] = []
    # Characters already inside a found link: a lookup proportional to the match, not to the number
    # of links so far (a paste of thousands of bare names must not cost quadratic time).
    taken = bytearray(len(folded) + 1)

    def free(a: int, b: int) -> bool:
        return taken.find(1, a, b) < 0

    def take(a: int, b: int) -> None:
        taken[a:b] = b"\x01" * (b - a)

    for m in _SCHEME_URL.finditer(folded):
        raw = _trim(m.group(0))
        scheme = raw.split(":", 1)[0].lower()
        if scheme in _NON_URL_SCHEMES:
            continue
        url, defanged = _refang(raw)
        start, end = m.start(), m.start() + len(raw)
        if not re.match(r"^[a-z][a-z0-9+.\-]*://[^/?#\s]", url, re.IGNORECASE):
            continue
        found.append(FoundLink(text[start:end], url, start, end, False, defanged))
        take(start, end)
    for rx in (_BARE_URL, _BARE_IP):
        for m in rx.finditer(folded):
            start = m.start()
            raw = _trim(m.group(0))
            end = start + len(raw)
            if not raw or not free(start, end):
                continue
            url, defanged = _refang(raw)
            host = re.split(r"[/?#:]", url, maxsplit=1)[0]
            if rx is _BARE_URL:
                tld = host.rsplit(".", 1)[-1].lower()
                if not _known_tld(tld):
                    continue
                has_path = len(url) > len(host)
                if tld in _FILE_LIKE_TLDS and not has_path and not host.lower().startswith("www."):
                    continue
                if host.replace(".", "").isdigit():
                    continue
            found.append(FoundLink(text[start:end], "http://" + url, start, end, True, defanged))
            take(start, end)
    found.sort(key=lambda f: f.start)
    return found[:limit]
