"""Pure parsers for redirects that are not HTTP 3xx, and for link wrappers (no I/O here).

* :func:`parse_refresh` implements the WHATWG "shared declarative refresh steps" used by both the
  ``Refresh`` header and ``<meta http-equiv=refresh>`` (tested over the WPT vectors).
* :func:`find_page_redirects` reads an HTML prefix **statically**: meta refresh (``<noscript>``
  included), script assignments to ``location`` with a literal target, ``atob("…")`` literals,
  ``setTimeout("…")`` strings, ``window.open(…, "_self")``, auto-submitting forms and
  ``x.click()`` on an anchor. Script is never executed; a computed target is reported as such.
* :func:`decode_wrapper` turns a known link-wrapper URL (zhihu, jianshu, QQ, WeChat…) into its
  target offline, and :func:`decode_app_link` does the same for ``alipays://`` / ``intent://``.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from .htmltree import PageView, page_view

__all__ = [
    "PageRedirect",
    "PageScan",
    "WrapperHit",
    "decode_app_link",
    "decode_wrapper",
    "find_page_redirects",
    "parse_refresh",
]

_WS = " \t\n\r\f"


def _clean_url(s: str) -> str:
    # What the URL parser does first: strip C0 controls and spaces at both ends, drop tab/newline.
    s = s.strip("".join(chr(c) for c in range(0x21)))
    return s.replace("\t", "").replace("\n", "").replace("\r", "")


def parse_refresh(content: str) -> tuple[int, str] | None:
    """Parse a ``Refresh`` value by the WHATWG rules: ``(delay, url)``, ``url`` ``""`` = same page.

    Returns ``None`` when a browser would ignore the value.

    >>> parse_refresh("0;URL='http://b.test/m'")
    (0, 'http://b.test/m')
    >>> parse_refresh("1 x;url=foo")
    (1, 'x;url=foo')
    >>> parse_refresh("1e0; url=foo") is None
    True
    """
    s = content
    n = len(s)
    pos = 0
    while pos < n and s[pos] in _WS:
        pos += 1
    start = pos
    while pos < n and s[pos].isascii() and s[pos].isdigit():
        pos += 1
    digits = s[start:pos]
    if not digits:
        if pos >= n or s[pos] != ".":
            return None
        delay = 0
    else:
        # Any delay past a day is "never" in practice; int() of thousands of digits would raise.
        delay = int(digits) if len(digits) <= 9 else 999_999_999
    while pos < n and (s[pos] == "." or (s[pos].isascii() and s[pos].isdigit())):
        pos += 1
    if pos >= n:
        return delay, ""
    if s[pos] not in ";," + _WS:
        return None
    while pos < n and s[pos] in _WS:
        pos += 1
    if pos < n and s[pos] in ";,":
        pos += 1
    while pos < n and s[pos] in _WS:
        pos += 1
    if pos >= n:
        return delay, ""
    url_string = s[pos:]
    skip_quotes = True
    if s[pos] in "Uu":
        p = pos + 1
        skip_quotes = False
        if p < n and s[p] in "Rr":
            p += 1
            if p < n and s[p] in "Ll":
                p += 1
                while p < n and s[p] in _WS:
                    p += 1
                if p < n and s[p] == "=":
                    p += 1
                    while p < n and s[p] in _WS:
                        p += 1
                    pos = p
                    skip_quotes = True
    if skip_quotes:
        quote = ""
        if pos < n and s[pos] in "'\"":
            quote = s[pos]
            pos += 1
        url_string = s[pos:]
        if quote and quote in url_string:
            url_string = url_string[: url_string.index(quote)]
    return delay, _clean_url(url_string)


# ---------------------------------------------------------------------------------------------
# Static reading of a page


@dataclass(frozen=True, slots=True)
class PageRedirect:
    """A redirect found in a page body, target as written (not yet resolved)."""

    kind: str
    """``meta`` or ``js_static``."""
    target: str
    delay: int = 0
    obfuscated: bool = False
    """The literal was hidden (``atob``, escapes, literal concatenation)."""
    how: str = ""
    """Short evidence: ``location.replace``, ``atob``, ``meta``…"""


@dataclass(frozen=True, slots=True)
class PageScan:
    """Everything found statically in one HTML prefix."""

    redirects: tuple[PageRedirect, ...] = ()
    """In precedence order: script first (runs during load), then meta refresh."""
    dynamic: tuple[str, ...] = ()
    """Snippets of script redirects whose target is computed (never guessed)."""
    auto_submit: tuple[str, ...] = ()
    """``action`` of forms submitted by script as soon as the page loads."""


_JS_STR = r"""(?:"(?:[^"\\\n]|\\.){0,4096}"|'(?:[^'\\\n]|\\.){0,4096}'|`(?:[^`\\$]|\\.){0,4096}`)"""
_LOC = r"(?:(?:window|self|top|parent|document|this)\s*\.\s*)?location"
_RE_ASSIGN = re.compile(
    rf"(?<![\w$.]){_LOC}(?:\s*\.\s*href)?\s*=(?!=)\s*(?P<rhs>[^;\n]{{0,4200}})"
    rf"|(?<![\w$]){_LOC}\s*\[\s*['\"]href['\"]\s*\]\s*=(?!=)\s*(?P<rhs2>[^;\n]{{0,4200}})",
)
_RE_CALL = re.compile(
    rf"(?<![\w$]){_LOC}(?:\s*\.\s*href)?\s*\.\s*(?P<fn>replace|assign)\s*\(\s*(?P<arg>[^)\n]{{0,4200}})\)"
)
_RE_OPEN_SELF = re.compile(
    rf"(?<![\w$])(?:window\s*\.\s*)?open\s*\(\s*(?P<arg>{_JS_STR})\s*,\s*['\"]_(?:self|top|parent)['\"]"
)
_RE_TIMEOUT = re.compile(rf"(?<![\w$])set(?:Timeout|Interval)\s*\(\s*(?P<code>{_JS_STR})")
# A literal ends the expression unless an operator continues it ("a" + x, "a".concat(…), "a"[0]…).
_END = r"\s*(?:$|[;,)}\]'\"`\n]|//)"
_RE_ATOB = re.compile(r"^(?:window\.)?atob\s*\(\s*(?P<s>" + _JS_STR + r")\s*\)" + _END)
_RE_LITERAL = re.compile(r"^(?P<s>" + _JS_STR + r")" + _END)
_RE_CONCAT = re.compile(r"^(?:" + _JS_STR + r"\s*\+\s*)+" + _JS_STR + _END)
_RE_STR = re.compile(_JS_STR)
_RE_SUBMIT = re.compile(r"\.\s*submit\s*\(\s*\)")
_RE_CLICK = re.compile(
    r"getElementById\s*\(\s*['\"](?P<id>[^'\"]{1,200})['\"]\s*\)\s*\.\s*click\s*\(\s*\)"
)
_RE_ESC = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}|.)", re.S)


def _unquote_js(lit: str) -> tuple[str, bool]:
    """Decode a JS string literal; the flag says hex/unicode escapes were used (obfuscation)."""
    body = lit[1:-1]
    escaped = False

    def sub(m: re.Match[str]) -> str:
        nonlocal escaped
        e = m.group(1)
        if e[0] == "x":
            escaped = True
            return chr(int(e[1:], 16))
        if e[0] == "u" and len(e) > 1:
            escaped = True
            code = int(e[2:-1] if e[1] == "{" else e[1:], 16)
            return chr(code) if code <= 0x10FFFF else ""
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(e, e)

    return _RE_ESC.sub(sub, body), escaped


def _js_target(rhs: str) -> tuple[str | None, bool, str]:
    """The literal URL an expression evaluates to: ``(target, obfuscated, how)``; ``None`` = computed."""
    expr = rhs.strip()
    m = _RE_LITERAL.match(expr)
    if m and not m.group("s").startswith("`"):
        text, esc = _unquote_js(m.group("s"))
        return text, esc, "literal"
    if m:  # template literal: only when it has no ${…} substitution (excluded by the pattern)
        text, esc = _unquote_js(m.group("s"))
        return text, esc, "literal"
    m = _RE_ATOB.match(expr)
    if m:
        text, _ = _unquote_js(m.group("s"))
        try:
            raw = base64.b64decode(text.strip() + "=" * (-len(text.strip()) % 4), validate=True)
            return raw.decode("utf-8"), True, "atob"
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None, True, "atob"
    m = _RE_CONCAT.match(expr)
    if m:
        parts = [_unquote_js(p)[0] for p in _RE_STR.findall(m.group(0))]
        return "".join(parts), True, "concat"
    return None, False, "computed"


class _Lexer:
    """A rough JS lexer that answers "is ``pos`` inside a string or comment, and inside which braces?".

    Queries usually come in increasing order, so it resumes where the last one stopped: one pass per
    script instead of one per candidate (a crafted page with thousands of candidates stays linear).
    """

    __slots__ = ("code", "i", "stack", "pos", "open_end", "defers")

    def __init__(self, code: str) -> None:
        self.code = code
        self.i = 0
        self.stack: list[int] = []
        self.pos = 0
        self.open_end = -1
        """Where the string or comment starting at ``i`` ends, once a query stopped inside it."""
        self.defers: dict[int, bool] = {}
        """Per open brace: does its head make the block a function that does not run on load?"""

    def at(self, pos: int) -> tuple[bool, list[int]]:
        code = self.code
        if pos < self.pos:
            self.i, self.stack, self.open_end = 0, [], -1
        self.pos = pos
        i, n, stack = self.i, min(pos, len(code)), self.stack
        if self.open_end >= 0:
            # The last query stopped inside a string or comment: answer from its known end instead
            # of reading it again (an unclosed string would be re-read for every later query).
            if pos <= self.open_end:
                return True, list(stack)
            i, self.open_end = self.open_end + 1, -1
        try:
            while i < n:
                ch = code[i]
                if ch in "'\"`":
                    j = i + 1
                    while j < len(code) and code[j] != ch:
                        if code[j] == "\\":
                            j += 1
                        elif code[j] == "\n" and ch != "`":
                            break
                        j += 1
                    if j >= pos:
                        self.open_end = j
                        return True, list(stack)
                    i = j + 1
                    continue
                if code.startswith("//", i) or code.startswith("/*", i):
                    end = code.find("\n", i) if code[i + 1] == "/" else code.find("*/", i + 2) + 1
                    end = len(code) if end <= 0 else end
                    if end >= pos:
                        self.open_end = end
                        return True, list(stack)
                    i = end + 1
                    continue
                if ch == "{":
                    stack.append(i)
                elif ch == "}" and stack:
                    stack.pop()
                i += 1
            return False, list(stack)
        finally:
            self.i = i


_LOCAL = threading.local()


def _lexer(code: str) -> _Lexer:
    # Per thread: the two client profiles may read the same page at once, and a lexer has state.
    cache: dict[str, _Lexer] | None = getattr(_LOCAL, "lexers", None)
    if cache is None:
        cache = _LOCAL.lexers = {}
    lexer = cache.get(code)
    if lexer is None:
        if len(cache) >= 16:
            cache.clear()
        lexer = cache[code] = _Lexer(code)
    return lexer




_MAX_NESTING = 256
"""Enclosing blocks looked at around a redirect candidate (the innermost ones)."""

_RE_FUNC_HEAD = re.compile(
    r"(?:\bfunction\s*\*?\s*[\w$]*\s*\([^()]*\)|=>|(?<![\w$.])(?!(?:if|for|while|switch|catch|with)\b)"
    r"[\w$]+\s*\([^()]*\))\s*$"
)
# Callers that run a function while the page loads (timers, load events, jQuery ready, IIFEs).
_RE_LOAD_CALLER = re.compile(
    r"(?:(?:set(?:Timeout|Interval)|requestAnimationFrame|\bon(?:load|pageshow)\s*=|\.ready|"
    r"addEventListener\s*\(\s*['\"](?:load|DOMContentLoaded|pageshow|readystatechange)['\"])[^{}]{0,80}"
    r"|(?:\$|jQuery)\s*\(\s*|(?:^|[;(!,=&|?:\s])\(\s*|[!~+]\s*)$"
)


def _runs_on_load(code: str, pos: int) -> bool:
    """True when code at ``pos`` runs as the page loads: top level, inside if/else, or in a function
    given to a timer, a load event, jQuery ready or an IIFE — not in a click handler or a function
    that is only defined."""
    lexer = _lexer(code)
    in_text, braces = lexer.at(pos)
    if in_text:
        return False
    defers = lexer.defers
    # Real scripts nest a few dozen blocks; a crafted one nests thousands around every candidate.
    for brace in braces[-_MAX_NESTING:]:
        # Cached per brace: a crafted page nests thousands of braces around every candidate.
        deferred = defers.get(brace)
        if deferred is None:
            head = code[max(0, brace - 200):brace]
            func = _RE_FUNC_HEAD.search(head)
            deferred = defers[brace] = bool(func and not _RE_LOAD_CALLER.search(head[: func.start()]))
        if deferred:
            return False
    return True


# A real page has a handful of redirect candidates; a crafted one has thousands. Read the first few.
_MAX_CANDIDATES = 64
_MAX_TIMERS = 16


def _scan_js(code: str, depth: int = 0) -> tuple[list[PageRedirect], list[str]]:
    found: list[tuple[int, PageRedirect]] = []
    dynamic: list[str] = []

    def add(pos: int, rhs: str, how: str) -> None:
        if not _runs_on_load(code, pos):
            return
        target, obf, mode = _js_target(rhs)
        if target is None or not target.strip():
            dynamic.append(f"{how} = {rhs.strip()[:80]}")
            return
        label = how if mode == "literal" else f"{how} ({mode})"
        found.append((pos, PageRedirect("js_static", target.strip(), obfuscated=obf, how=label)))

    for m in itertools.islice(_RE_ASSIGN.finditer(code), _MAX_CANDIDATES):
        rhs = m.group("rhs") if m.group("rhs") is not None else m.group("rhs2")
        add(m.start(), rhs or "", "location")
    for m in itertools.islice(_RE_CALL.finditer(code), _MAX_CANDIDATES):
        add(m.start(), m.group("arg"), f"location.{m.group('fn')}")
    for m in itertools.islice(_RE_OPEN_SELF.finditer(code), _MAX_CANDIDATES):
        add(m.start(), m.group("arg"), "window.open")
    if depth < 2:
        for m in itertools.islice(_RE_TIMEOUT.finditer(code), _MAX_TIMERS):
            if not _runs_on_load(code, m.start()):
                continue
            inner, _ = _unquote_js(m.group("code"))
            sub, dyn = _scan_js(inner, depth + 1)
            found.extend((m.start(), r) for r in sub)
            dynamic.extend(dyn)
    found.sort(key=lambda t: t[0])
    return [r for _, r in found], dynamic


def find_page_redirects(html: str | PageView) -> PageScan:
    """Read an HTML prefix for meta refresh and static script redirects (nothing is executed).

    ``html`` may be an already-built :class:`~scanner.htmltree.PageView` (the page is parsed once
    for its title, redirects and personal data).

    >>> s = find_page_redirects('<script>location.href = "http://b.test/x";</script>')
    >>> s.redirects[0].kind, s.redirects[0].target
    ('js_static', 'http://b.test/x')
    """
    view = html if isinstance(html, PageView) else page_view(html)
    js: list[PageRedirect] = []
    dynamic: list[str] = []
    scripts = view.js
    for code in scripts:
        found, dyn = _scan_js(code[:262144])
        js.extend(found)
        dynamic.extend(dyn)
    click = []
    on_load = [(code, m) for code in scripts
               for m in itertools.islice(_RE_CLICK.finditer(code), _MAX_CANDIDATES)
               if _runs_on_load(code, m.start())]
    for _, m in on_load:
        href = view.anchor_ids.get(m.group("id"), "")
        if href:
            click.append(PageRedirect("js_static", href, how="anchor.click()"))
    metas = []
    # Lexbor parses <noscript> content as elements (scripting off), so t.co-style pages count.
    for content in view.meta_refresh:
        parsed = parse_refresh(content)
        if parsed is None or not parsed[1]:
            continue
        metas.append(PageRedirect("meta", parsed[1], delay=parsed[0], how="meta refresh"))
    auto = []
    if any(_runs_on_load(code, m.start()) for code in scripts
           for m in itertools.islice(_RE_SUBMIT.finditer(code), _MAX_CANDIDATES)):
        auto = [a.strip() for a in view.form_actions if a.strip()]
    ordered: list[PageRedirect] = []
    seen: set[str] = set()
    for r in [*js, *click, *metas]:
        if r.target in seen:
            continue
        seen.add(r.target)
        ordered.append(r)
    return PageScan(tuple(ordered), tuple(dict.fromkeys(dynamic)), tuple(dict.fromkeys(auto)))


# ---------------------------------------------------------------------------------------------
# Link wrappers, decoded offline


@dataclass(frozen=True, slots=True)
class WrapperHit:
    """A wrapper URL and the target it carries."""

    name: str
    """Which wrapper: ``zhihu``, ``weixin110``…"""
    target: str
    flagged: bool = False
    """True when the wrapper itself says the platform flagged the link (WeChat's block page)."""
    evidence: str = ""


# host → (name, path predicate, parameter names tried in order)
_WRAPPERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "link.zhihu.com": ("zhihu", ("/",), ("target",)),
    "link.juejin.cn": ("juejin", ("/",), ("target",)),
    "gitee.com": ("gitee", ("/link",), ("target",)),
    "sspai.com": ("sspai", ("/link",), ("target",)),
    "link.csdn.net": ("csdn", ("/",), ("target",)),
    "www.douban.com": ("douban", ("/link2/", "/link2"), ("url",)),
    "links.jianshu.com": ("jianshu", ("/go",), ("to",)),
    "link.jianshu.com": ("jianshu", ("/",), ("t", "to")),
    "www.jianshu.com": ("jianshu", ("/go-wild",), ("url",)),
    "c.pc.qq.com": ("qq_middlem", ("/middlem.html", "/middleb.html", "/middlect.html"),
                    ("pfurl", "url")),
    "mail.qq.com": ("qq_mail", ("/cgi-bin/readtemplate",), ("gourl", "url")),
    "docs.qq.com": ("docs_qq", ("/scenario/link.html",), ("url",)),
    "developers.weixin.qq.com": ("weixin_dev", ("/community/middlepage/href",), ("href",)),
    "weixin110.qq.com": ("weixin110", ("/cgi-bin/mmspamsupport-bin/newredirectconfirmcgi",), ("url",)),
    "steamcommunity.com": ("steam", ("/linkfilter/", "/linkfilter"), ("url", "u")),
    "www.youtube.com": ("youtube", ("/redirect",), ("q",)),
    "l.facebook.com": ("facebook", ("/l.php",), ("u",)),
    "t.umblr.com": ("tumblr", ("/redirect",), ("z",)),
    "www.bing.com": ("bing", ("/ck/a",), ("u",)),
}
_RE_TIEBA = re.compile(r"^jump\d*\.bdimg\.com$")
_RE_GOOGLE = re.compile(r"^(?:www\.)?google\.(?:com|[a-z]{2}|com?\.[a-z]{2})$")


def _param(query: str, names: tuple[str, ...]) -> str | None:
    pairs = parse_qsl(query, keep_blank_values=True)
    for name in names:
        for k, v in pairs:
            if k == name and v.strip():
                return v.strip()
    return None


def _looks_like_target(value: str) -> str | None:
    v = value.strip()
    if re.match(r"^https?%3A", v, re.I):
        v = unquote(v)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", v) or v.startswith("//"):
        return v
    # Some wrappers carry a bare host/path ("www.example.com/x").
    if re.match(r"^[\w\-]+(\.[\w\-]+)+(?:[:/?#]|$)", v):
        return "http://" + v
    return None


def _maybe_wrapper_host(host: str) -> bool:
    return host in _WRAPPERS or bool(_RE_TIEBA.match(host)) or bool(_RE_GOOGLE.match(host))


def decode_wrapper(url: str, host: str | None = None) -> WrapperHit | None:
    """The target of a known link-wrapper URL, decoded offline; ``None`` for anything else.

    Only exact wrapper hosts count (``link.zhihu.com.evil.test`` is not zhihu). ``host``, when the
    caller already knows it, lets most URLs be ruled out without parsing them again.

    >>> decode_wrapper("https://link.zhihu.com/?target=https%3A%2F%2Fb.test%2Fw").target
    'https://b.test/w'
    """
    if host is not None and not _maybe_wrapper_host(host.rstrip(".").lower()):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    path = parts.path or "/"
    spec = _WRAPPERS.get(host)
    if spec is None and _RE_TIEBA.match(host) and path.startswith("/safecheck"):
        spec = ("tieba", (path,), ("url",))
    if spec is None and _RE_GOOGLE.match(host) and path == "/url":
        spec = ("google", ("/url",), ("q", "url"))
    if spec is None:
        return None
    name, paths, params = spec
    if not any(path == p or (p.endswith("/") and path.startswith(p)) for p in paths):
        return None
    value = _param(parts.query, params)
    if value is None:
        return None
    target = _looks_like_target(value)
    if target is None:
        return None
    flagged = False
    evidence = name
    if name == "weixin110":
        q = dict(parse_qsl(parts.query, keep_blank_values=True))
        kept = {k: q[k] for k in ("main_type", "evil_type") if k in q}
        flagged = bool(kept)
        if kept:
            evidence = "weixin110 " + " ".join(f"{k}={v[:16]}" for k, v in kept.items())
    return WrapperHit(name, target, flagged, evidence)


_APP_NAMES = {
    "weixin": "WeChat",
    "alipays": "Alipay",
    "alipay": "Alipay",
    "taobao": "Taobao",
    "tbopen": "Taobao",
    "openapp.jdmobile": "JD",
    "pinduoduo": "Pinduoduo",
    "snssdk1128": "Douyin",
    "mqq": "QQ",
    "mqqapi": "QQ",
    "intent": "Android app",
    "itms-services": "iOS app install",
}


def app_name(scheme: str) -> str:
    """A person-readable name for an app URL scheme (``weixin`` → ``WeChat``)."""
    return _APP_NAMES.get(scheme.lower(), scheme.lower())


def decode_app_link(url: str) -> WrapperHit | None:
    """The web URL embedded in an app link (``alipays://…&url=``, ``intent://…;S.browser_fallback_url=``).

    >>> decode_app_link("alipays://platformapi/startapp?appId=1&url=https%3A%2F%2Fa.test%2Fx").target
    'https://a.test/x'
    """
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", url)
    if not m:
        return None
    scheme = m.group(1).lower()
    if scheme == "intent":
        fb = re.search(r"[#;]S\.browser_fallback_url=([^;]+)", url)
        if fb:
            target = _looks_like_target(unquote(fb.group(1)))
            if target and target.lower().startswith(("http://", "https://")):
                return WrapperHit("intent", target, evidence="intent fallback")
        return None
    if scheme in ("alipays", "alipay", "taobao", "tbopen", "weixin", "mqqapi", "snssdk1128"):
        query = url.split("?", 1)[1] if "?" in url else ""
        value = _param(query.split("#", 1)[0], ("url", "qrcode", "h5Url", "target"))
        if value:
            target = _looks_like_target(value)
            if target and target.lower().startswith(("http://", "https://")):
                return WrapperHit(app_name(scheme), target, evidence=f"{scheme} url parameter")
    return None
