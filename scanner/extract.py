"""Links from pasted text: real chat messages, not tidy URLs. Pure.

What chat really looks like, and what is done about it:

* links glued to Chinese text on either side (``点击t.cn/A6xYz领取``, ``网址：abc.com``,
  ``【x.cn/a】``, ``→www.x.cn``): CJK characters, CJK punctuation, arrows and emoji end a link, and
  CJK text right after a host or path is never part of it (unlike linkify-it, which keeps
  ``example.com/䨹`` whole);
* full-width letters and ``：／／．``, ideographic dots ``。``, defanged ``hxxp://x[.]com``;
* scheme-less hosts with any top-level domain of the bundled Public Suffix List (tldextract's
  snapshot through :mod:`scanner.canonical`, never downloaded), ``//host/path``, bare IPv4 with or
  without a path, IDN hosts (``президент.рф``);
* paths end as linkify-it ends them: balanced brackets and quotes are kept, trailing ``.,;:!?`` are
  not, a trailing ``-`` or an ``'`` inside a word are;
* ordinary chat is not a link: ``Oh.lol.``, ``3.5元``, ``v2.0.1``, ``report.pdf``, ``i.e.``. A
  two-label name without path whose top-level domain is a word (``.lol``, ``.fun``) counts only when
  something around it says "link" (``:`` ``→`` a bracket before it, Chinese right after it, a digit
  or hyphen in the name) — see :func:`_plausible_bare`;
* e-mail addresses are contact handles (:func:`extract_contacts`), never links.

OCR'd text (a screenshot's lines) splits links over lines and puts spaces after dots (``t. cn/abc``):
``extract_links(text, ocr=True)`` joins those first; it is off by default because pasted text that
reads ``Done. me too`` must not become ``Done.me``.

Everything is one left-to-right pass over the text with bounded look-ahead: linear time on hostile
input, and it stops at ``limit`` links.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .canonical import known_tld
from .ocrjoin import ocr_join


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


@dataclass(frozen=True, slots=True)
class FoundContact:
    """A contact handle found in text (an e-mail address): reported, never fetched."""

    original: str
    """Exactly as written in the input (``mailto:`` included when written)."""
    address: str
    """The address itself, folded (full-width letters made ASCII)."""
    kind: str
    """``email``."""
    start: int
    end: int


# --- character classes --------------------------------------------------------------------------

# Letters and digits that may form a host label without a scheme: Latin, Greek, Cyrillic, Armenian,
# Hebrew, Arabic, Indic, Thai, Georgian… but not CJK: a CJK character glued to a host ends it.
_LETTER = (
    "0-9A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u0370-\u03ff\u0400-\u052f"
    "\u0531-\u0587\u05d0-\u05ea\u0620-\u06ff\u0750-\u077f\u0900-\u0dff\u0e00-\u0e7f\u10a0-\u10ff"
    "\u1e00-\u1fff\ufb1d-\ufdff\ufe70-\ufefc"
)
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7af\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
# Arrows, dingbats, emoji, quotes and ellipses: prose around a link (``➡️x.cn``, ``x.cn👉``).
_PROSE_SYMBOL = "\u2018-\u201f\u2026\u00ab\u00bb\u2190-\u2bff\ufe0f\U0001f000-\U0001faff"
_IS_CJK = re.compile(f"[{_CJK}]")
_IS_PROSE = re.compile(f"[{_CJK}{_PROSE_SYMBOL}]")
# Never inside a link: white space, controls, CJK, prose symbols, and the ASCII that text puts
# around links (``<>`` from HTML/markdown, ``|`` tables, backslash, caret, backtick).
_STOP = re.compile(f"[\\s\\x00-\\x1f\\x7f-\\x9f<>\\\\^`{_CJK}{_PROSE_SYMBOL}]")

_DEFANG_DOT = r"(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))"
_DOT = rf"(?:\.|{_DEFANG_DOT})"
_HOST_BARE = rf"[{_LETTER}][{_LETTER}_\-]*(?:{_DOT}[{_LETTER}_\-]+)*"
# With a scheme the host may be anything a browser accepts: CJK and symbol labels too (``中国.cn``,
# ``✪df.ws``); a glued CJK tail is cut afterwards (:func:`_cut_cjk_tail`).
_HOST_SCHEME = re.compile(
    rf"\[[0-9A-Fa-f:.]{{2,45}}\]|(?:[^\W_]|[{_PROSE_SYMBOL}])(?:[\w\-]|[{_PROSE_SYMBOL}]|{_DOT}(?=[^\W_]|[{_PROSE_SYMBOL}]))*",
    re.IGNORECASE,
)
_HOST_BARE_RX = re.compile(_HOST_BARE, re.IGNORECASE)
_AUTH = re.compile(r"[^\s@/\[\]()<>\"'`]{1,256}@")
_PORT = re.compile(r":(\d{1,6})(?!\d)")

# One pass: the first alternative that matches at a position wins. Possessive runs (``*+``) never
# backtrack into a word that turned out not to be followed by ``://``, ``@`` or a dot.
_START_PATTERN = (
    rf"(?P<scheme>(?<![A-Za-z0-9+._])[A-Za-z][A-Za-z0-9+.\-]{{0,30}}+)(?P<sep>://|\[:\]//|\[://\]|(?<=[PpSs])//)"
    rf"|(?P<mailto>(?<![A-Za-z0-9])mailto:)"
    rf"|(?P<email>(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{{1,64}}+@(?=[{_LETTER}\-]{{1,63}}\.))"
    rf"|(?P<pr>(?<![A-Za-z0-9_:/\\])//)"
    rf"|(?P<bare>(?<![{_LETTER}_.\-@/\\#])[{_LETTER}][{_LETTER}_\-]*+{_DOT}[{_LETTER}_\-\u4e00-\u9fff])"
)
_CJK_ALT = r"|(?P<cjk>(?<=[\s:(\[<>【（「『《“‘→])[\u4e00-\u9fff]{1,20}\.(?=[A-Za-z\u4e00-\u9fff]))"
# A Chinese host name (网址：中国银行.cn) is rare and its alternative costs a fifth of the scan: only texts
# with a CJK character right before a dot use the pattern that has it.
_START = re.compile(_START_PATTERN, re.IGNORECASE)
_START_CJK = re.compile(_START_PATTERN.replace("|(?P<bare>", _CJK_ALT + "|(?P<bare>", 1), re.IGNORECASE)
_CJK_DOT = re.compile(r"[\u4e00-\u9fff]\.(?=[A-Za-z\u4e00-\u9fff])")

_DEFANGED_SCHEMES = {"hxxp": "http", "hxxps": "https", "fxp": "ftp"}
# Scheme-less words that look like file names more often than hosts (``readme.md``, ``setup.py``);
# ``.cc`` and ``.pl`` are left out: far more often a (scam or Polish) site than a source file in chat.
_FILE_LIKE_TLDS = frozenset("md py sh rs pm zip mov so ps".split())
# Top-level domains people write bare in links; other TLDs are English words (``.lol``, ``.fun``,
# ``.email``) and a bare two-label name with one of them needs link context (:func:`_plausible_bare`).
_LINK_TLDS = frozenset(
    "com net org edu gov mil int info biz name pro mobi asia tel aero coop jobs museum travel cat xxx "
    "post top xyz vip club shop site online wang ltd icu cyou buzz store tech work website space link "
    "today xin ren".split()
)
# A word before ``:`` that announces a link (``url:abc.com``); after other ASCII words a colon is a
# path or a label (``path:to:file.pm``).
_LINK_CUES = re.compile(r"(?i)(?:(?<![a-z])(?:url|link|site|website|web|visit|go)|网址|链接|网站|地址)\s*$")


_ELONGATED = re.compile(r"([A-Za-z])\1\1")

_IDEOGRAPHIC_DOT = re.compile(r"(?<=[A-Za-z0-9\-])[。｡](?=[A-Za-z0-9])")

# --- folding ------------------------------------------------------------------------------------

# Full-width forms kept as they are: CJK prose punctuation, never part of a link.
_KEEP_FULLWIDTH = frozenset("，、；！？（）［］｛｝＂＇｀＜＞｜～")


def _fold_table() -> dict[int, str]:
    """Full-width ASCII, Arabic presentation forms and mathematical letters → their plain letter."""
    table: dict[int, str] = {}
    ranges = ((0xFF01, 0xFF5E), (0xFB50, 0xFDFF), (0xFE70, 0xFEFC), (0x1D400, 0x1D7FF))
    for lo, hi in ranges:
        for o in range(lo, hi + 1):
            ch = chr(o)
            n = unicodedata.normalize("NFKC", ch)
            if ch not in _KEEP_FULLWIDTH and len(n) == 1 and n != ch:
                table[o] = n
    return table


_FOLD = _fold_table()

# Runs of characters that may need folding (a superset of _FOLD's keys, kept to a few ranges: a class
# of many small ranges costs more than the whole rest of the scan).
_FOLD_RUN = re.compile("[\uff03-\uff5a\ufb50-\ufefc\U0001d400-\U0001d7ff]+")


def _fold(text: str) -> str:
    """Full-width ASCII, ideographic dots and lookalike letters made plain, one for one (offsets kept)."""
    if text.isascii():
        return text
    s = _FOLD_RUN.sub(lambda m: m.group(0).translate(_FOLD), text)
    # 。 between ASCII letters is a dot written the Chinese way (www。x。cn); after Chinese text it ends
    # a sentence (这是通知。example.com) and must not glue the next word to what came before.
    return _IDEOGRAPHIC_DOT.sub(".", s) if "。" in s or "｡" in s else s


def _refang(s: str) -> tuple[str, bool]:
    if "[" not in s and "(" not in s and "{" not in s and s[:1] not in "hHfF":
        return s, False
    t = re.sub(_DEFANG_DOT, ".", s, flags=re.IGNORECASE)
    t = t.replace("[:]//", "://").replace("[://]", "://")
    m = re.match(r"(?i)^(hxxps?|fxp)(?=://)", t)
    if m:
        t = _DEFANGED_SCHEMES[m.group(1).lower()] + t[m.end() :]
    return t, t != s


@lru_cache(maxsize=4096)  # keyed by attacker text: bounded
# --- paths --------------------------------------------------------------------------------------


def _stop_at(s: str, i: int) -> bool:
    """End of text or a character that can never be in a link."""
    return i >= len(s) or bool(_STOP.match(s, i))


_CLOSERS = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'"}
_PAIR_LIMIT = 512


def _pair_end(s: str, i: int) -> int:
    """End of a balanced ``(…)``/``[…]``/``{…}``/``"…"``/``'…'`` group at ``i``, or -1."""
    closer = _CLOSERS[s[i]]
    j = i + 1
    stop = min(len(s), i + _PAIR_LIMIT)
    while j < stop:
        c = s[j]
        if c == closer:
            return j + 1 if (j > i + 1 or closer in ")]}") else -1
        if _stop_at(s, j):
            return -1
        j += 1
    return -1


def _path_step(s: str, i: int) -> int:
    """How far the path goes on from ``i`` (linkify-it's rules): ``i`` itself when it stops there."""
    c = s[i]
    n = len(s)
    if c in "([{\"'":
        end = _pair_end(s, i)
        if end > 0:
            return end
        if c == "'" and i + 2 <= n and s[i + 1 : i + 2] in ("s", "S") and _stop_at(s, i + 2):
            return i  # x.com/page's: an English possessive, not the path
        if c == "'" and not _stop_at(s, i + 1) and (s[i + 1] == "-" or s[i + 1].isalnum()):
            return i + 1  # I'm_king, 10'-x
        return i
    if c in ")]}":
        return i
    if c == ".":
        j = i
        while j < n and s[j] == ".":
            j += 1
        if j - i >= 2:
            return j if j < n and (s[j].isascii() and s[j].isalnum() or s[j] in "%/&") else i
        return i + 1 if not _stop_at(s, i + 1) and s[i + 1] != "." else i
    if c == "-":
        j = i
        while j < n and s[j] == "-":
            j += 1
        return j
    if c in ",;:|":
        j = i
        while j < n and s[j] == c:
            j += 1
        return j if not _stop_at(s, j) else i  # 0,,9065 kept; a trailing run of ,,,, is prose
    if c in "!?":
        j = i
        while j < n and s[j] == c:
            j += 1
        if c == "?" and j - i > 1:
            return i
        return j if not _stop_at(s, j) and s[j] not in "!?" else i
    return i if _stop_at(s, i) else i + 1


def _path_end(s: str, i: int) -> int:
    """End of the path, query and fragment starting at ``i`` (``s[i]`` is one of ``/?#``)."""
    if i >= len(s) or s[i] not in "/?#":
        return i
    j = _path_step(s, i) if s[i] in "?" else i + 1
    if j == i:
        return i
    while j < len(s):
        k = _path_step(s, j)
        if k == j:
            break
        j = k
    return j


# --- hosts --------------------------------------------------------------------------------------


def _cut_cjk_tail(host: str) -> str:
    """Where a host glued to CJK text really ends.

    ``a.example限时领取`` → ``a.example``; ``example.comだよね.com`` → ``example.com``;
    ``x.中国领取`` → ``x.中国``; ``中国.cn`` and ``政务.中国`` stay (IDN labels are whole CJK words).
    """
    labels = host.split(".")
    for i, label in enumerate(labels):
        m = _IS_PROSE.search(label)
        if not m:
            continue
        if m.start() > 0:  # ASCII then CJK: the text starts inside the label
            return ".".join([*labels[:i], label[: m.start()]])
        if i == len(labels) - 1 and not known_tld(label):
            for k in range(len(label) - 1, 0, -1):  # a CJK top-level domain glued to text: 中国领取 → 中国
                if known_tld(label[:k]):
                    return ".".join([*labels[:i], label[:k]])
            return ".".join(labels[:i])
    return host


def _labels_ok(host: str) -> bool:
    labels = host.split(".")
    if len(host) > 253 or len(labels) > 127:
        return False
    return all(lb and len(lb) <= 63 and lb[0] not in "-_" and lb[-1] not in "-_" for lb in labels)


def _ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)


def _host_and_port(s: str, start: int, *, with_scheme: bool) -> tuple[str, int] | None:
    """The host (refanged) at ``start`` and where host and port end; None when there is no valid one."""
    m = (_HOST_SCHEME if with_scheme else _HOST_BARE_RX).match(s, start)
    if not m:
        return None
    raw = m.group(0)
    if raw.startswith("["):
        return raw, _port_end(s, m.end())
    if len(raw) > 2048:  # no host is that long (253 characters, defanged a little more)
        return None
    host, _ = _refang(raw)
    end = m.end()
    if with_scheme:
        cut = _cut_cjk_tail(host)
        if cut != host:
            if not cut:
                return None
            end = start + _raw_len(raw, cut)
            host = cut
    if not with_scheme and end + 1 < len(s) and s[end] == "." and _IS_CJK.match(s, end + 1):
        tld = _cjk_tld(s, end + 1)  # abc.中国, x.公司: a Chinese top-level domain, then the text
        if tld:
            host, end = f"{host}.{tld}", end + 1 + len(tld)
    if not _labels_ok(host):
        return None
    if end + 1 < len(s) and s[end] == "." and s[end + 1] in "-_":
        return None  # leadingdash.-x.com: not a host name (linkify-it's host terminator)
    end = _port_end(s, end)
    return (host, end) if end >= 0 else None


def _cjk_tld(s: str, i: int) -> str:
    """The longest known top-level domain written in CJK at ``s[i:]`` (``中国领取`` → ``中国``), or ""."""
    run = s[i : i + 6]
    for k in range(len(run), 0, -1):
        if all(_IS_CJK.match(c) for c in run[:k]) and known_tld(run[:k]):
            return run[:k]
    return ""


def _raw_len(raw: str, refanged_prefix: str) -> int:
    """Length of the prefix of ``raw`` that refangs to ``refanged_prefix``."""
    for k in range(len(refanged_prefix), len(raw) + 1):
        if _refang(raw[:k])[0] == refanged_prefix:
            return k
    return len(raw)


def _port_end(s: str, end: int) -> int:
    """After the host: past a valid ``:port``; -1 for an invalid one (``x.com:500000``)."""
    if end < len(s) and s[end] == ":" and end + 1 < len(s) and s[end + 1].isdigit():
        m = _PORT.match(s, end)
        if not m or int(m.group(1)) > 65535:
            return -1
        return m.end()
    return end


def _plausible_bare(s: str, start: int, end: int, host: str, has_path: bool) -> bool:
    """A scheme-less name is a link, not a word, an abbreviation or a file name."""
    if _ipv4(host):
        return True
    labels = host.split(".")
    tld = labels[-1].lower()
    if len(labels) < 2 or tld.isdigit() or not known_tld(tld) and not tld.startswith("xn--"):
        return False
    if not _colon_ok(s, start):
        return False
    if any("_" in lb for lb in labels):
        return False  # in.v_alid.cz: not a host name
    if has_path or labels[0].lower() == "www":
        return True
    before = s[start - 1] if start > 0 else ""
    after = s[end] if end < len(s) else ""
    # Something before the name says "link": a colon, an arrow or emoji, a bracket.
    cue = bool(before) and (before in ":=([<>" or bool(_IS_PROSE.match(before)) and not _IS_CJK.match(before))
    cjk_after = bool(after and _IS_CJK.match(after))
    glued = cjk_after or bool(before and _IS_CJK.match(before))
    name = labels[-2]
    if tld in _FILE_LIKE_TLDS:
        return cue or glued
    if len(labels) >= 3 or not tld.isascii() or len(tld) == 2 or tld in _LINK_TLDS:
        return True
    if any(c.isdigit() or c == "-" for c in name):
        return True
    # A word top-level domain (.lol, .fun): a cue before it, or Chinese right after it (网站game.fun挺好玩);
    # Chinese before it is not enough (哈哈omg.lol. is a laugh), nor is an elongated word (sooooo.fun好).
    return cue or cjk_after and not _ELONGATED.search(name)


def _colon_ok(s: str, start: int) -> bool:
    """``网址：abc.com`` and ``url:abc.com`` are links; ``path:to:file.pm`` is not."""
    if start == 0 or s[start - 1] != ":":
        return True
    before = s[max(0, start - 12) : start - 1]
    if not before or not before[-1].isascii() or before[-1].isspace():
        return True
    return bool(_LINK_CUES.search(before))


# --- the scan -----------------------------------------------------------------------------------


def _http_typo(scheme: str) -> bool:
    """``hppt``, ``htps``, ``ttp``: a mistyped http that no phone opens (linkify-it: not a link)."""
    return (
        scheme not in ("http", "https")
        and 3 <= len(scheme) <= 6
        and set(scheme) <= set("htps")
        and "t" in scheme
        and "p" in scheme
    )


def _token_end(s: str, i: int) -> int:
    while i < len(s) and not _stop_at(s, i):
        i += 1
    return i


_Found = tuple[int, int, str, bool] | None
"""(start, end, url, scheme_inferred) of a link, or None."""


def _scheme_link(s: str, m: re.Match[str]) -> tuple[int, _Found]:
    scheme = m.group("scheme").lower()
    real = _DEFANGED_SCHEMES.get(scheme, scheme)
    pos = m.end()
    if _http_typo(real):
        return _token_end(s, pos), None
    colonless = m.group("sep") == "//"  # https//x.cn: the colon left out (to slip past filters)
    if colonless and real not in ("http", "https"):
        return pos, None
    a = _AUTH.match(s, pos)
    hp = _host_and_port(s, a.end(), with_scheme=True) if a else None
    if hp is None:
        hp = _host_and_port(s, pos, with_scheme=True)
    if hp is None:
        return pos, None
    end = _path_end(s, hp[1])
    url, _ = _refang(s[m.start() : end])
    if colonless:
        url = real + ":" + url[len(scheme) :]
    return end, (m.start(), end, url, False)


def _relative_link(s: str, m: re.Match[str]) -> tuple[int, _Found]:
    hp = _host_and_port(s, m.end(), with_scheme=True)
    if hp is None or "." not in hp[0] and hp[0].lower() != "localhost":
        return m.end(), None
    end = _path_end(s, hp[1])
    url, _ = _refang(s[m.start() : end])
    return end, (m.start(), end, "http:" + url, True)


def _bare_link(s: str, m: re.Match[str]) -> tuple[int, _Found]:
    start = m.start()
    hp = _host_and_port(s, start, with_scheme=False)
    if hp is None:
        return m.end(), None
    host, hend = hp
    end = _path_end(s, hend)
    if end < len(s) and s[end] == "@" or not _plausible_bare(s, start, end, host, end > len(host) + start):
        return max(m.end(), end), None
    url, _ = _refang(s[start:end])
    return end, (start, end, "http://" + url, True)


def _cjk_name_link(s: str, m: re.Match[str]) -> tuple[int, _Found]:
    """``网址：中国银行.cn/x``: a Chinese name, only right after a delimiter (else where would it start?)."""
    dot = m.end() - 1
    tld = _cjk_tld(s, dot + 1)
    end = dot + 1 + len(tld)
    if not tld:
        t = _HOST_BARE_RX.match(s, dot + 1)
        labels = t.group(0).split(".") if t else []
        if not labels or not all(labels) or not known_tld(labels[-1]):
            return m.end(), None
        end = t.end() if t else end
    host = s[m.start() : end]
    end = _port_end(s, end)
    if not _labels_ok(host) or end < 0:
        return m.end(), None
    end = _path_end(s, end)
    return end, (m.start(), end, "http://" + s[m.start() : end], True)


def _email(s: str, at: int, start: int) -> tuple[int, FoundContact | None]:
    """An address whose ``@`` is at ``at``; ``start`` is where the handle was written from."""
    hp = _host_and_port(s, at + 1, with_scheme=False)
    if hp is None:
        return at + 1, None
    host, end = hp
    mailto = s[start : start + 7].lower() == "mailto:"
    # An explicit mailto: is an address whatever its host; a bare one needs a known top-level domain.
    if (
        end != at + 1 + len(host)
        or not mailto
        and ("." not in host or not known_tld(host.rsplit(".", 1)[-1]))
    ):
        return at + 1, None
    local_start = start + 7 if mailto else start
    while s[local_start] == "." and local_start < at:
        local_start += 1
    address = s[local_start:end]
    return end, FoundContact("", address, "email", start, end)


def _mailto(s: str, m: re.Match[str]) -> tuple[int, FoundContact | None]:
    e = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@").match(s, m.end())
    return _email(s, e.end() - 1, m.start()) if e else (m.end(), None)


def _scan(s: str, limit: int) -> tuple[list[tuple[int, int, str, bool]], list[FoundContact]]:
    links: list[tuple[int, int, str, bool]] = []
    contacts: list[FoundContact] = []
    pos = 0
    start = _START_CJK if _CJK_DOT.search(s) else _START
    while pos < len(s) and len(links) < limit:
        m = start.search(s, pos)
        if m is None:
            break
        found: _Found = None
        if m.group("scheme") is not None:
            nxt, found = _scheme_link(s, m)
        elif m.group("mailto") is not None:
            nxt, contact = _mailto(s, m)
            if contact and len(contacts) < limit:
                contacts.append(contact)
        elif m.group("email") is not None:
            nxt, contact = _email(s, m.end() - 1, m.start())
            if contact and len(contacts) < limit:
                contacts.append(contact)
        elif m.group("pr") is not None:
            nxt, found = _relative_link(s, m)
        elif start is _START_CJK and m.group("cjk") is not None:
            nxt, found = _cjk_name_link(s, m)
        else:
            nxt, found = _bare_link(s, m)
        if found:
            links.append(found)
        pos = max(nxt, m.start() + 1)
    return links, contacts


def scan_text(
    text: str, *, limit: int = 100, ocr: bool = False
) -> tuple[list[FoundLink], list[FoundContact]]:
    """Links and contact handles in ``text``, in order, at most ``limit`` of each.

    ``ocr=True`` first joins what text recognition splits (see :func:`ocr_join`); offsets and
    ``original`` still refer to ``text`` as given.
    """
    where: list[int] | None = None
    s = _fold(text)
    if ocr:
        s, where = ocr_join(s)
    raw_links, raw_contacts = _scan(s, limit)

    def span(a: int, b: int) -> tuple[int, int]:
        return (where[a], where[b - 1] + 1) if where is not None else (a, b)

    links = []
    for a, b, url, inferred in raw_links:
        start, end = span(a, b)
        defanged = _refang(s[a:b])[1]
        links.append(FoundLink(text[start:end], url, start, end, inferred, defanged))
    contacts = []
    for c in raw_contacts:
        start, end = span(c.start, c.end)
        contacts.append(FoundContact(text[start:end], c.address, c.kind, start, end))
    return links, contacts


def extract_links(text: str, *, limit: int = 100, ocr: bool = False) -> list[FoundLink]:
    """Every link in ``text``, in order, at most ``limit`` (e-mail addresses are not links).

    >>> [f.url for f in extract_links("兼职注册APP，日结佣金，点击t.cn/A6xYz领取")]
    ['http://t.cn/A6xYz']
    >>> [f.url for f in extract_links("hxxps://evil[.]com/a，或访问 www。x。cn/p。")]
    ['https://evil.com/a', 'http://www.x.cn/p']
    >>> [f.url for f in extract_links("点击 t. cn/A6xYz", ocr=True)]
    ['http://t.cn/A6xYz']
    """
    return scan_text(text, limit=limit, ocr=ocr)[0]


def extract_contacts(text: str, *, limit: int = 100) -> list[FoundContact]:
    """E-mail addresses in ``text`` (``a@b.cn``, ``mailto:a@b.cn``): contact handles, never links.

    >>> [c.address for c in extract_contacts("客服邮箱：help@shop-cs.cn，官网 shop.cn")]
    ['help@shop-cs.cn']
    """
    return scan_text(text, limit=limit)[1]


__all__ = ["FoundContact", "FoundLink", "extract_contacts", "extract_links", "ocr_join", "scan_text"]
