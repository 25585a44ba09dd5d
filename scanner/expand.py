"""Link expansion: follow every redirect of a link, hop by hop, through the guarded fetcher.

The chain is walked by hand (``scanner.fetch`` never follows redirects) so every hop is recorded
and guarded: HTTP 301/302/303/307/308, the ``Refresh`` header, ``<meta http-equiv=refresh>``,
static script redirects (never executed) and link wrappers decoded offline. Loops, empty
``Location``, too many hops, non-HTTP targets and network trouble end the chain with a
:class:`~scanner.models.StopReason`; nothing here raises for a hostile or broken link.

With ``settings.compare_profiles`` each link is walked twice, as WeChat on Android and as desktop
Chrome, and a different destination is the ``expand.cloaking`` reason. Results are cached in
SQLite under ``settings.data_dir`` for ``settings.cache_ttl`` seconds. See ``docs/expansion.md``.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import hashlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import reasons as R
from .canonical import CanonicalURL, canonicalize, join
from .errors import InvalidURL
from .expansion import PRIMARY, Expansion, LandingPage
from .fetch import (
    REDIRECT_STATUSES,
    FetchError,
    FetchResult,
    GuardedClient,
    InvalidTarget,
    Resolver,
    address_problem,
    check_parsers_agree,
)
from .models import Hop, HopKind, Reason, Severity, StopReason
from .redirects import app_name, decode_app_link, decode_wrapper, find_page_redirects, parse_refresh
from .settings import Settings
from .shorteners import shortener_status

__all__ = ["PROFILES", "Expander", "Expansion", "LandingPage", "decode_html", "shortener_status"]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Client profiles

PROFILES: dict[str, dict[str, str]] = {
    "wechat": {
        "User-Agent": (
            "Mozilla/5.0 (Linux; Android 13; V2145A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
            "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
            "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
        ),
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "zh-CN,zh;q=0.9,en-US;q=0.8,en;q=0.7",
    },
    "desktop": {
        "User-Agent": (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36"
        ),
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
    },
}
"""Request headers of each client profile; ``wechat`` is the primary (the victim's view)."""

SECONDARY = "desktop"

_TRANSIENT = frozenset({StopReason.TIMEOUT, StopReason.CONNECT_ERROR, StopReason.DNS_ERROR})
_BLOCKED_SCHEMES = frozenset({
    "javascript", "vbscript", "data", "file", "ftp", "ftps", "sftp", "gopher", "dict", "ws", "wss",
    "blob", "about", "ldap", "smb", "jar", "view-source", "filesystem", "chrome", "resource",
})
_DELAY_NOTE = 5  # seconds: a refresh slower than this is a "delayed redirect"
_GATE_PHRASES = (
    "请在微信客户端打开", "请在微信中打开", "请使用微信打开", "请在手机微信中打开",
    "请使用浏览器打开", "请在浏览器中打开", "请用浏览器打开", "请在浏览器打开", "复制链接到浏览器",
    "复制链接在浏览器", "在浏览器中打开链接", "请使用手机浏览器打开",
)
_KNOWN_REDIRECTORS = frozenset({
    "qr.alipay.com", "ds.alipay.com", "render.alipay.com", "qr.95516.com", "u.wechat.com",
    "wpa.qq.com", "qm.qq.com",
})


def _is_warning_page(c: CanonicalURL) -> str | None:
    """A link service's own "this link is unsafe" interstitial."""
    if c.host in ("bitly.com", "bit.ly", "www.bitly.com") and c.path.startswith("/a/warning"):
        return "bitly /a/warning"
    if c.host == "c.pc.qq.com" and c.path.startswith(("/middlem", "/middleb")):
        return "QQ middlem"
    if c.host == "urlsec.qq.com" and c.path.startswith("/check"):
        return "QQ urlsec check"
    if c.host == "weixin110.qq.com":
        return "weixin110"
    return None


# --------------------------------------------------------------------------------------------
# Page decoding (pure)

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{1,40})""", re.I
)
_CHARSET_ALIASES = {
    "gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "csgb2312": "gb18030", "euc-cn": "gb18030", "iso-8859-1": "cp1252", "latin1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "big5": "big5hkscs", "x-sjis": "shift_jis",
}


def _norm_charset(name: str) -> str | None:
    n = name.strip().strip("\"'").lower()
    n = _CHARSET_ALIASES.get(n, n)
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """``(text, charset)`` of a page body: header charset, BOM, ``<meta charset>``, then detection.

    >>> decode_html("<meta charset=gbk>兼职".encode("gbk"))
    ('<meta charset=gbk>兼职', 'gb18030')
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, "replace"), name
    charset = None
    m = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.I)
    if m:
        charset = _norm_charset(m.group(1))
    if charset is None:
        mm = _META_CHARSET.search(body[:4096])
        if mm:
            charset = _norm_charset(mm.group(1).decode("ascii", "replace"))
    if charset is None:
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as e:
            if e.start >= len(body) - 3:  # a character cut by the read cap
                return body.decode("utf-8", "replace"), "utf-8"
        from charset_normalizer import from_bytes

        best = from_bytes(body[:65536]).best()
        charset = _norm_charset(best.encoding) if best is not None else None
    charset = charset or "utf-8"
    return body.decode(charset, "replace"), charset


def _title(html: str) -> str:
    from .htmltree import page_view

    return page_view(html).title  # the same parse the redirect and page readers use


def _visible_text(html: str) -> str:
    from .htmltree import page_view

    return page_view(html).text


def _is_text_type(content_type: str, body: bytes) -> bool:
    ct = content_type.split(";", 1)[0].strip().lower()
    if not ct:
        return body.lstrip()[:1] == b"<" or not body
    return ct in ("text/html", "application/xhtml+xml", "text/plain", "text/xml", "application/xml")


def _landing_page(r: FetchResult) -> LandingPage | None:
    ct = r.header("content-type") or ""
    if not r.body_read or not _is_text_type(ct, r.body):
        return None
    html, charset = decode_html(r.body, ct)
    return LandingPage(url=r.url, html=html, title=_title(html), truncated=r.truncated,
                       charset=charset, status=r.status, content_type=ct[:100])


def _shingles(text: str) -> set[str]:
    t = re.sub(r"\d+", "0", text)[:20000]
    return {t[i:i + 4] for i in range(0, max(len(t) - 3, 0), 2)}


def _content_differs(a: LandingPage | None, b: LandingPage | None) -> bool:
    if a is None or b is None:
        return False
    sa, sb = _shingles(_visible_text(a.html)), _shingles(_visible_text(b.html))
    if not sa and not sb:
        return a.title != b.title
    jaccard = len(sa & sb) / max(len(sa | sb), 1)
    return jaccard < 0.3 and a.title != b.title


def _loop_key(href: str) -> str:
    return href.split("#", 1)[0]


# --------------------------------------------------------------------------------------------
# The expander


_Next = tuple[str, HopKind, str]
"""Where a hop leads: (target as written, how it was found, a note for the next hop)."""


@dataclass
class _Walk:
    chain: list[Hop] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    stop: StopReason = StopReason.FINAL
    page: LandingPage | None = None
    fetched: bool = False

    def add(self, code: str, evidence: str = "", *, source: str = "", **kw: Any) -> None:
        if any(r.code == code and r.evidence == evidence for r in self.reasons):
            return
        self.reasons.append(R.make(code, evidence, source=source, **kw))


class Expander:
    """Expands links through the guarded fetcher (thread-safe; share one per process)."""

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        client: GuardedClient | None = None,
        shortener: Callable[[str], tuple[str, str] | None] = shortener_status,
    ) -> None:
        self.settings = settings
        self._client = client
        self._shortener = shortener
        """Host → ``(status, domain)`` when it is a URL shortener: the scanner passes its list index's."""
        self._resolver = resolver
        self._cache = _Cache(settings)

    @property
    def client(self) -> GuardedClient:
        """The guarded fetcher, built on the first fetch: an offline check never needs one."""
        if self._client is None:
            self._client = GuardedClient(self.settings, self._resolver)
        return self._client

    # ---- public API

    def expand(self, url: str, *, offline: bool = False, deadline: float | None = None) -> Expansion:
        """Expand one link; network trouble ends up in the chain, never raised.

        ``deadline`` is an absolute ``time.monotonic()`` limit (default: now + ``expand_deadline``).
        """
        limit = time.monotonic() + self.settings.expand_deadline
        if deadline is not None:
            limit = min(limit, deadline)
        try:
            start = canonicalize(url).href
        except InvalidURL:
            start = url.strip()[:4096]
        if offline:
            return self._expansion(start, self._walk(url, PRIMARY, limit, offline=True), PRIMARY)
        profiles = (PRIMARY, SECONDARY) if self.settings.compare_profiles else (PRIMARY,)
        key = "+".join(profiles)
        # Cached under the text as written, not the canonical address: "http://good.test\\@evil.test/"
        # and "http://good.test/@evil.test/" canonicalise alike but only one is a parser trick.
        written = url.strip()[:4096]
        hit = self._cache.get(written, key)
        if hit is not None:
            return hit
        # The walk starts from the text as written, so parser differentials in it are caught.
        if len(profiles) == 1:
            result = self._expansion(start, self._walk(url, PRIMARY, limit, offline=False), PRIMARY)
        else:
            result = self._compare(url, start, limit)
        if result.stop_reason not in _TRANSIENT:
            self._cache.put(written, key, result)
        return result

    def expand_many(self, urls: Sequence[str], *, offline: bool = False) -> list[Expansion]:
        """Expand several links in parallel (``expand_workers``) within ``check_deadline``, in order."""
        if not urls:
            return []
        t0 = time.monotonic()
        overall = t0 + self.settings.check_deadline
        unique = list(dict.fromkeys(urls))
        if offline or len(unique) == 1:
            done = {u: self.expand(u, offline=offline, deadline=overall) for u in unique}
            return [done[u] for u in urls]
        workers = max(1, min(self.settings.expand_workers, len(unique)))
        pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="lurelens-expand")
        try:
            futures = {u: pool.submit(self.expand, u, offline=offline, deadline=overall) for u in unique}
            grace = max(0.0, overall - time.monotonic()) + 2.0
            concurrent.futures.wait(list(futures.values()), timeout=grace)
            results: dict[str, Expansion] = {}
            for u, fut in futures.items():
                if fut.done() and fut.exception() is None:
                    results[u] = fut.result()
                else:  # cannot happen unless a worker is stuck past every timeout
                    hop = Hop(u, error=StopReason.TIMEOUT.value)
                    results[u] = Expansion(u, u, (hop,), StopReason.TIMEOUT)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return [results[u] for u in urls]

    # ---- internals

    def _expansion(self, start: str, w: _Walk, profile: str) -> Expansion:
        final = w.chain[-1].url if w.chain else start
        return Expansion(
            start_url=start, final_url=final, chain=tuple(w.chain), stop_reason=w.stop,
            reasons=tuple(w.reasons), page=w.page, expanded=w.fetched, profile=profile,
        )

    def _compare(self, url: str, start: str, limit: float) -> Expansion:
        box: dict[str, _Walk] = {}

        def run() -> None:
            box[SECONDARY] = self._walk(url, SECONDARY, limit, offline=False)

        helper = threading.Thread(target=run, name="lurelens-profile", daemon=True)
        helper.start()
        primary = self._walk(url, PRIMARY, limit, offline=False)
        helper.join(max(0.0, limit - time.monotonic()) + 2.0)
        a = self._expansion(start, primary, PRIMARY)
        other = box.get(SECONDARY)
        if other is None:
            return replace(a, profiles={PRIMARY: a.final_url})
        b = self._expansion(start, other, SECONDARY)
        reasons = list(a.reasons)
        for r in b.reasons:
            if not any(x.code == r.code and x.evidence == r.evidence for x in reasons):
                reasons.append(replace(r, source=(r.source + "@" if r.source else "") + SECONDARY))
        divergent = False
        da, db = _final_domain(a), _final_domain(b)
        if a.stop_reason not in _TRANSIENT and b.stop_reason not in _TRANSIENT and da != db:
            divergent = True
            reasons.append(R.make("expand.cloaking", f"{PRIMARY}: {da or a.stop_reason.value}; "
                                  f"{SECONDARY}: {db or b.stop_reason.value}", source="profiles"))
        elif _content_differs(a.page, b.page):
            divergent = True
            reasons.append(R.make("expand.cloaking", "content differs", severity=Severity.LOW, weight=10,
                                  source="profiles"))
        return replace(
            a, reasons=tuple(reasons), profiles={PRIMARY: a.final_url, SECONDARY: b.final_url},
            expanded=a.expanded or b.expanded, alternate=b if divergent else None,
        )

    def _walk(self, url: str, profile: str, limit: float, *, offline: bool) -> _Walk:
        try:
            return self._walk_chain(url, profile, limit, offline=offline)
        except Exception:  # noqa: BLE001 - one odd link must not take the whole check down
            log.warning("expansion failed unexpectedly", exc_info=True)
            w = _Walk(stop=StopReason.PROTOCOL_ERROR)
            w.chain.append(Hop(url[:2048], error=StopReason.PROTOCOL_ERROR.value, note="internal error"))
            w.add("expand.unreachable", StopReason.PROTOCOL_ERROR.value, source="hop:0")
            return w

    def _walk_chain(self, url: str, profile: str, limit: float, *, offline: bool) -> _Walk:
        """Follow ``url`` hop by hop: each hop is entered (parsed, loop-checked), judged as an app
        link or an HTTP hop (wrapper, offline stop, fetch), and its next target followed."""
        w = _Walk()
        seen: set[str] = set()
        followed = 0
        current, kind, note = url, HopKind.START, ""
        while True:
            src = f"hop:{len(w.chain)}"
            c = self._enter(w, current, kind, note, seen, src)
            if c is None:
                break
            if c.is_http:
                found = self._http_hop(w, current, c, (kind, note, src), PROFILES[profile], limit,
                                       offline=offline)
            else:
                found = self._app_hop(w, c, kind, note, src)
            if found is None:
                break
            target = self._follow(w, c.href, found, followed, src)
            if target is None:
                break
            followed += 1
            current, kind, note = target, found[1], found[2]
        self._chain_reasons(w)
        return w

    @staticmethod
    def _enter(
        w: _Walk, current: str, kind: HopKind, note: str, seen: set[str], src: str
    ) -> CanonicalURL | None:
        """The hop's URL as the browser reads it, or ``None`` (hop recorded, walk stopped)."""
        try:
            c = canonicalize(current, infer_scheme=kind is HopKind.START)
        except InvalidURL:
            w.chain.append(Hop(current[:2048], kind, error=StopReason.INVALID_URL.value, note=note))
            w.stop = StopReason.INVALID_URL
            return None
        key = _loop_key(c.href)
        if key in seen:
            w.chain.append(Hop(c.href, kind, error=StopReason.LOOP.value, note=note or "seen before",
                               canonical=c))
            w.stop = StopReason.LOOP
            w.add("expand.redirect_loop", source=src)
            return None
        seen.add(key)
        return c

    @staticmethod
    def _app_hop(w: _Walk, c: CanonicalURL, kind: HopKind, note: str, src: str) -> _Next | None:
        """A non-HTTP hop: an app link that carries a web address goes on, anything else stops."""
        href = c.href
        app = decode_app_link(href)
        if app is not None:
            w.chain.append(Hop(href, kind, note=_join_notes(note, f"app link: {app.name}"), canonical=c))
            return app.target, HopKind.WRAPPER, f"embedded in {app.name} link"
        if c.scheme in _BLOCKED_SCHEMES:
            w.chain.append(Hop(href[:2048], kind, error=StopReason.BLOCKED_SCHEME.value, note=note,
                               canonical=c))
            w.stop = StopReason.BLOCKED_SCHEME
            if kind is not HopKind.START:
                w.add("expand.blocked_scheme", c.scheme + ":", source=src)
            return None
        w.chain.append(Hop(href, HopKind.NON_HTTP, note=_join_notes(note, f"opens {app_name(c.scheme)}"),
                           canonical=c))
        w.stop = StopReason.NON_HTTP_TARGET
        w.add("expand.non_http_target", app_name(c.scheme), source=src)
        return None

    def _http_hop(
        self,
        w: _Walk,
        current: str,
        c: CanonicalURL,
        at: tuple[HopKind, str, str],
        headers: Mapping[str, str],
        limit: float,
        *,
        offline: bool,
    ) -> _Next | None:
        """An HTTP hop: refused when parsers disagree, decoded offline when a wrapper, else fetched."""
        kind, note, src = at
        href = c.href
        self._tag_host(w, c, src, reached=kind is not HopKind.START)
        if c.ip is None:
            try:
                check_parsers_agree(current, c)
            except InvalidTarget:
                w.chain.append(Hop(href, kind, error=StopReason.INVALID_URL.value,
                                   note=_join_notes(note, "parser differential"), canonical=c))
                w.stop = StopReason.INVALID_URL
                w.add("expand.parser_confusion", c.host, source=src)
                return None
        wrap = decode_wrapper(href, c.host)
        if wrap is not None:
            w.chain.append(Hop(href, kind, note=_join_notes(note, f"wrapper {wrap.name}, decoded offline"),
                               canonical=c))
            if wrap.flagged:
                w.add("expand.wechat_flagged", wrap.evidence, source=src)
            else:
                w.add("expand.wrapper", wrap.name, source=src)
            return wrap.target, HopKind.WRAPPER, f"from {wrap.name}"
        if offline:
            w.chain.append(Hop(href, kind, note=note, canonical=c))
            w.stop = StopReason.NOT_EXPANDED
            problem = address_problem(c.ip) if c.ip else None
            if problem:
                w.add("expand.blocked_address", problem, source=src)
            return None
        if time.monotonic() >= limit:
            w.chain.append(Hop(href, kind, error=StopReason.TIMEOUT.value, note="deadline", canonical=c))
            w.stop = StopReason.TIMEOUT
            w.add("expand.unreachable", StopReason.TIMEOUT.value, source=src)
            return None
        try:
            r = self.client.get(href, headers=headers, deadline=limit)
        except FetchError as e:
            w.chain.append(Hop(href, kind, ip=e.ip, error=e.stop.value, note=_join_notes(note, e.detail),
                               canonical=c))
            w.stop = e.stop
            self._error_reason(w, e, src)
            return None
        w.fetched = True
        w.chain.append(Hop(href, kind, status=r.status, ip=r.ip, ms=round(r.ms, 1), note=note, canonical=c))
        w.stop = StopReason.FINAL
        return self._next_from_response(w, r, src)

    def _follow(self, w: _Walk, href: str, found: _Next, followed: int, src: str) -> str | None:
        """The absolute next target, or ``None`` when it is malformed or past the hop limit."""
        nxt, nxt_kind, nxt_note = found
        try:
            target = join(href, nxt) if nxt != "" else href
        except InvalidURL:
            w.chain.append(Hop(nxt[:2048], nxt_kind, error=StopReason.INVALID_URL.value, note=nxt_note))
            w.stop = StopReason.INVALID_URL
            return None
        if followed >= self.settings.max_hops:
            w.chain.append(Hop(target, nxt_kind, error=StopReason.MAX_HOPS.value, note=nxt_note))
            w.stop = StopReason.MAX_HOPS
            w.add("expand.too_many_hops", str(followed), source=src)
            return None
        return target

    def _tag_host(self, w: _Walk, c: CanonicalURL, src: str, *, reached: bool) -> None:
        status = self._shortener(c.host) if c.ip is None else None
        if status is not None:
            which, domain = status
            if which == "inactive":
                w.add("expand.dead_shortener", domain, source=src)
            else:
                w.add("expand.shortener", domain, source=src)
        if c.host in _KNOWN_REDIRECTORS:
            w.add("expand.known_redirector", c.host, source=src)
        warning = _is_warning_page(c)
        if warning and reached and warning != "weixin110":
            w.add("expand.shortener_warning_page", warning, source=src)

    def _error_reason(self, w: _Walk, e: FetchError, src: str) -> None:
        if e.stop is StopReason.BLOCKED_ADDRESS:
            w.add("expand.blocked_address", e.detail, source=src)
        elif e.stop is StopReason.BLOCKED_PORT:
            w.add("expand.blocked_port", e.detail, source=src)
        elif e.stop is StopReason.BLOCKED_SCHEME:
            w.add("expand.blocked_scheme", e.detail, source=src)
        elif e.stop is StopReason.TLS_ERROR:
            w.add("expand.tls_error", e.detail, source=src)
        else:
            w.add("expand.unreachable", e.stop.value, source=src)

    def _next_from_response(self, w: _Walk, r: FetchResult, src: str) -> tuple[str, HopKind, str] | None:
        if r.status in REDIRECT_STATUSES:
            locations = r.header_all("location")
            if not locations:
                w.add("expand.redirect_without_location", source=src)
                return None
            distinct = {loc.strip() for loc in locations}
            if len(distinct) > 1:
                w.add("expand.ambiguous_redirect", source=src)
                w.stop = StopReason.PROTOCOL_ERROR
                return None
            return locations[0].strip(), HopKind.HTTP, f"{r.status}"
        page = _landing_page(r)
        if page is not None:
            w.page = page
            if page.truncated:
                w.add("expand.decompression_bomb" if r.bomb else "expand.truncated", source=src)
            text = page.html
            for phrase in _GATE_PHRASES:
                if phrase in text:
                    w.add("expand.in_app_gate", phrase, source=src)
                    break
        candidates: list[tuple[str, HopKind, str, int, bool]] = []
        scan = find_page_redirects(page.html) if page is not None and page.html else None
        if scan is not None:
            for d in scan.dynamic[:3]:
                w.add("expand.dynamic_js_redirect", d[:120], source=src)
            for action in scan.auto_submit[:3]:
                w.add("expand.auto_submit_form", _resolve_for_display(r.url, action), source=src)
            for pr in scan.redirects:
                if pr.kind == "js_static":
                    candidates.append((pr.target, HopKind.JS_STATIC, pr.how, 0, pr.obfuscated))
        refresh = r.header("refresh")
        parsed = parse_refresh(refresh) if refresh is not None else None
        if parsed is not None and parsed[1]:
            candidates.append((parsed[1], HopKind.REFRESH_HEADER, "Refresh header", parsed[0], False))
        if scan is not None:
            for pr in scan.redirects:
                if pr.kind == "meta":
                    candidates.append((pr.target, HopKind.META, pr.how, pr.delay, False))
        here = _loop_key(r.url)
        for target, kind, how, delay, obfuscated in candidates:
            if kind is HopKind.JS_STATIC and re.match(r"\s*(?:javascript|about):", target, re.I):
                continue  # "location.href = 'javascript:;'" is a no-op, not a redirect
            try:
                resolved = join(r.url, target)
            except InvalidURL:
                continue
            if _loop_key(resolved) == here:
                continue  # a page that reloads itself is not a redirect
            if obfuscated:
                w.add("expand.obfuscated_redirect", how, source=src)
            if delay > _DELAY_NOTE:
                w.add("expand.delayed_redirect", str(delay), source=src)
            return target, kind, how
        return None

    def _chain_reasons(self, w: _Walk) -> None:
        followed = [h for h in w.chain[1:] if h.kind is not HopKind.NON_HTTP]
        if len(followed) >= 5:
            domains = set()
            for h in w.chain[:-1]:
                try:
                    domains.add(canonicalize(h.url).registrable_domain)
                except InvalidURL:
                    continue
            if len(domains) >= 3:
                w.add("expand.long_chain", str(len(followed)), source="chain")


def _join_notes(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else (a or b)


def _resolve_for_display(base: str, ref: str) -> str:
    try:
        out = join(base, ref)
    except InvalidURL:
        out = ref
    return out[:200]


def _final_domain(e: Expansion) -> str:
    try:
        c = canonicalize(e.final_url)
    except InvalidURL:
        return ""
    if not c.is_http:
        return c.scheme + ":"
    return c.registrable_domain


# --------------------------------------------------------------------------------------------
# Cache


class _Cache:
    """SQLite cache of expansions, keyed by URL and profile set (best effort: errors are ignored)."""

    def __init__(self, settings: Settings) -> None:
        self.ttl = settings.cache_ttl
        self.path = Path(settings.data_dir) / "cache" / "expand.sqlite3"
        self._ready = False
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=2.0)
        if not self._ready:
            with self._lock:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS expansions (key TEXT PRIMARY KEY, created REAL, data TEXT)"
                )
                conn.commit()
                self._ready = True
        return conn

    @staticmethod
    def _key(url: str, profiles: str) -> str:
        return hashlib.sha256(f"{profiles}\n{url}".encode()).hexdigest()

    def get(self, url: str, profiles: str) -> Expansion | None:
        if self.ttl <= 0 or not self.path.exists():
            return None
        try:
            conn = self._connect()
            try:
                row = conn.execute("SELECT created, data FROM expansions WHERE key = ?",
                                   (self._key(url, profiles),)).fetchone()
            finally:
                conn.close()
            if row is None or time.time() - float(row[0]) > self.ttl:
                return None
            return Expansion.from_dict(json.loads(row[1]), cached=True)
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError):
            log.debug("expansion cache unreadable", exc_info=True)
            return None

    def put(self, url: str, profiles: str, e: Expansion) -> None:
        if self.ttl <= 0:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._connect()
            try:
                now = time.time()
                conn.execute("INSERT OR REPLACE INTO expansions VALUES (?, ?, ?)",
                             (self._key(url, profiles), now, json.dumps(e.to_dict(), ensure_ascii=False)))
                conn.execute("DELETE FROM expansions WHERE created < ?", (now - self.ttl,))
                conn.commit()
            finally:
                conn.close()
        except (sqlite3.Error, OSError):
            log.debug("expansion cache not writable", exc_info=True)
