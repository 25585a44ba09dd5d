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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from . import reasons as R
from .canonical import CanonicalURL, canonicalize, join
from .errors import InvalidURL
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
from .models import Hop, HopKind, Message, Reason, Severity, StopReason
from .redirects import app_name, decode_app_link, decode_wrapper, find_page_redirects, parse_refresh
from .settings import Settings

__all__ = ["PROFILES", "Expander", "Expansion", "LandingPage", "decode_html", "shortener_status"]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Reason codes

R.define("expand.shortener", Severity.INFO, 0,
         "The link uses the URL shortener {evidence}, which hides the real destination (a shortener "
         "alone is not a warning).",
         "链接使用了短链接服务 {evidence}，真实去向被隐藏（仅使用短链接本身不算风险）。")
R.define("expand.dead_shortener", Severity.LOW, 10,
         "The link uses {evidence}, a shortener that is no longer in service: anyone may now own it.",
         "链接使用的短链接服务 {evidence} 已停止运营，该域名可能已被他人接管。")
R.define("expand.known_redirector", Severity.INFO, 0,
         "{evidence} is a payment or app redirector: where it leads was checked.",
         "{evidence} 是支付或应用的跳转地址，已检查其去向。")
R.define("expand.wrapper", Severity.INFO, 0,
         "The link is wrapped by {evidence}; its real target was read from the link itself.",
         "链接经过 {evidence} 的跳转包装，已直接解析出真实目标。")
R.define("expand.wechat_flagged", Severity.HIGH, 45,
         "WeChat itself blocked this link as unsafe ({evidence}).",
         "微信已将此链接判定为风险链接并拦截（{evidence}）。")
R.define("expand.shortener_warning_page", Severity.MEDIUM, 30,
         "The link service sent this link to its own warning page ({evidence}).",
         "短链接服务把此链接转到了它自己的风险提示页（{evidence}）。")
R.define("expand.cloaking", Severity.MEDIUM, 30,
         "The link shows a different page inside WeChat than in a normal browser ({evidence}).",
         "此链接在微信内和普通浏览器中打开的页面不同（{evidence}），常见于躲避审核的诈骗页面。")
R.define("expand.in_app_gate", Severity.LOW, 15,
         "The page tells you to open it in another app or browser (\u201c{evidence}\u201d), a trick to"
         " slip past WeChat's checks.",
         "页面要求换到其他应用或浏览器打开（\u201c{evidence}\u201d），这是躲避微信检测的常见手法。")
R.define("expand.dynamic_js_redirect", Severity.LOW, 10,
         "The page sends you on with a script whose target is computed, so it could not be checked.",
         "页面用脚本计算跳转地址，无法预先检查其去向。")
R.define("expand.obfuscated_redirect", Severity.MEDIUM, 20,
         "The page hides where it redirects to ({evidence}).",
         "页面隐藏了跳转的目标地址（{evidence}）。")
R.define("expand.auto_submit_form", Severity.MEDIUM, 20,
         "The page submits a form by itself as soon as it opens (to {evidence}).",
         "页面一打开就自动提交表单（提交到 {evidence}）。")
R.define("expand.delayed_redirect", Severity.LOW, 5,
         "The page moves on by itself after {evidence} seconds.",
         "页面会在 {evidence} 秒后自动跳转。")
R.define("expand.long_chain", Severity.LOW, 10,
         "The link passes through {evidence} redirects before it arrives.",
         "此链接要经过 {evidence} 次跳转才到达最终页面。")
R.define("expand.too_many_hops", Severity.LOW, 10,
         "The link kept redirecting; we stopped after {evidence} hops.",
         "链接不断跳转，已在 {evidence} 次后停止。")
R.define("expand.redirect_loop", Severity.INFO, 0,
         "The link redirects in a circle and never arrives.",
         "链接在几个地址之间循环跳转，无法到达页面。")
R.define("expand.blocked_address", Severity.MEDIUM, 25,
         "The link points into a private or local network ({evidence}); it was not opened.",
         "链接指向内网或本机地址（{evidence}），已拒绝访问。")
R.define("expand.blocked_port", Severity.LOW, 10,
         "The link uses an unusual port ({evidence}); it was not opened.",
         "链接使用了不常见的端口（{evidence}），未打开。")
R.define("expand.blocked_scheme", Severity.MEDIUM, 30,
         "The link redirects to an address type that is never opened: a script, inline data or a file"
         " ({evidence}).",
         "链接跳转到不应打开的地址类型：脚本、内嵌数据或本地文件（{evidence}）。")
R.define("expand.parser_confusion", Severity.MEDIUM, 25,
         "The link is written so that different programs read a different site in it (browser: {evidence}).",
         "链接的写法会让不同程序读出不同的网站（浏览器读作 {evidence}），这是绕过检查的手法。")
R.define("expand.non_http_target", Severity.INFO, 0,
         "The link ends by opening an app: {evidence}.",
         "链接最终会打开一个应用：{evidence}。")
R.define("expand.redirect_without_location", Severity.LOW, 5,
         "The server answered with a redirect but gave no destination.",
         "服务器返回了跳转，却没有给出跳转地址。")
R.define("expand.ambiguous_redirect", Severity.LOW, 10,
         "The server gave two different redirect destinations; neither was followed.",
         "服务器给出了两个不同的跳转地址，均未跟随。")
R.define("expand.truncated", Severity.INFO, 0,
         "The page is very large; only its first part was checked.",
         "页面过大，只检查了开头部分。")
R.define("expand.decompression_bomb", Severity.MEDIUM, 25,
         "The page is a compression bomb (tiny download, huge content); reading was stopped.",
         "页面是“压缩炸弹”（下载很小、解压后极大），已停止读取。")
R.define("expand.tls_error", Severity.LOW, 15,
         "The site's HTTPS certificate is not valid for its name ({evidence}).",
         "网站的 HTTPS 证书与域名不符或无效（{evidence}）。")
R.define("expand.unreachable", Severity.INFO, 0,
         "The link could not be opened ({evidence}); it was checked as written.",
         "链接无法打开（{evidence}），仅按链接本身检查。")

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

PRIMARY = "wechat"
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
# Shortener lists (bundled; read lazily)


def _read_list(name: str) -> frozenset[str]:
    try:
        text = files("blocklists").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        log.warning("shortener list %s missing", name)
        return frozenset()
    return frozenset(
        line.strip().lower().rstrip(".") for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    )


@cache
def _shortener_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    return (
        _read_list("url_shorteners_active.txt"),
        _read_list("shorteners_cn_extra.txt"),
        _read_list("url_shorteners_inactive.txt"),
    )


def shortener_status(host: str) -> tuple[str, str] | None:
    """``("active"|"cn_extra"|"inactive", matched_domain)`` when ``host`` is a URL shortener.

    The most specific listed domain wins (``m.tb.cn`` is active though ``tb.cn`` is not).

    >>> shortener_status("t.cn")
    ('active', 't.cn')
    >>> shortener_status("xhslink.com")
    ('cn_extra', 'xhslink.com')
    """
    active, extra, inactive = _shortener_lists()
    labels = host.rstrip(".").lower().split(".")
    for i in range(len(labels) - 1):
        d = ".".join(labels[i:])
        if d in active:
            return "active", d
        if d in extra:
            return "cn_extra", d
        if d in inactive:
            return "inactive", d
    return None


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class LandingPage:
    """The page a chain arrived at: the first ``max_body_bytes`` of it, decoded to text."""

    url: str
    html: str
    """Decoded by its charset (header, BOM, ``<meta charset>``, else detected; GBK read as GB18030)."""
    title: str = ""
    truncated: bool = False
    charset: str = ""
    status: int | None = None
    content_type: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (used by the cache)."""
        return {"url": self.url, "html": self.html, "title": self.title, "truncated": self.truncated,
                "charset": self.charset, "status": self.status, "content_type": self.content_type}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LandingPage:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)


@dataclass(frozen=True, slots=True)
class Expansion:
    """Everything learnt by expanding one link."""

    start_url: str
    final_url: str
    chain: tuple[Hop, ...]
    """Every hop from the start URL on; the first has kind ``start``."""
    stop_reason: StopReason
    reasons: tuple[Reason, ...] = ()
    """``expand.*`` reasons (both profiles, de-duplicated)."""
    page: LandingPage | None = None
    """The last page fetched (the landing page when the chain ended normally)."""
    profiles: dict[str, str] = field(default_factory=dict)
    """Final URL per client profile when both were walked."""
    cached: bool = False
    expanded: bool = False
    """True when anything was fetched (False offline or when the first hop was refused)."""
    profile: str = PRIMARY
    """The client profile this chain was walked with."""
    alternate: Expansion | None = None
    """The other profile's expansion when it ended somewhere else or showed other content."""

    @property
    def hop_urls(self) -> tuple[str, ...]:
        """Every URL of this chain and of the alternate chain, in order, without repeats."""
        urls = [h.url for h in self.chain]
        if self.alternate is not None:
            urls.extend(h.url for h in self.alternate.chain)
        return tuple(dict.fromkeys(urls))

    @property
    def pages(self) -> tuple[LandingPage, ...]:
        """The landing pages of both profiles (when they differ)."""
        out = [p for p in (self.page, self.alternate.page if self.alternate else None) if p is not None]
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (used by the cache; the report uses ``LinkReport``)."""
        return {
            "start_url": self.start_url,
            "final_url": self.final_url,
            "chain": [h.to_dict() for h in self.chain],
            "stop_reason": self.stop_reason.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "page": self.page.to_dict() if self.page else None,
            "profiles": dict(self.profiles),
            "expanded": self.expanded,
            "profile": self.profile,
            "alternate": self.alternate.to_dict() if self.alternate else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, cached: bool = False) -> Expansion:
        """Inverse of :meth:`to_dict`."""
        return cls(
            start_url=d["start_url"],
            final_url=d["final_url"],
            chain=tuple(
                Hop(h["url"], HopKind(h["kind"]), h["status"], h["ip"], h["ms"], h["error"], h["note"])
                for h in d["chain"]
            ),
            stop_reason=StopReason(d["stop_reason"]),
            reasons=tuple(
                Reason(r["code"], Severity(r["severity"]), Message(**r["message"]), r["evidence"],
                       r["weight"], r["source"])
                for r in d["reasons"]
            ),
            page=LandingPage.from_dict(d["page"]) if d.get("page") else None,
            profiles=dict(d.get("profiles") or {}),
            cached=cached,
            expanded=bool(d["expanded"]),
            profile=d.get("profile", PRIMARY),
            alternate=cls.from_dict(d["alternate"], cached=cached) if d.get("alternate") else None,
        )


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
    ) -> None:
        self.settings = settings
        self.client = client or GuardedClient(settings, resolver)
        self._cache = _Cache(settings)

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
        s = self.settings
        w = _Walk()
        seen: set[str] = set()
        followed = 0
        current = url
        kind = HopKind.START
        note = ""
        headers = PROFILES[profile]
        while True:
            n = len(w.chain)
            src = f"hop:{n}"
            try:
                c = canonicalize(current, infer_scheme=kind is HopKind.START)
            except InvalidURL:
                w.chain.append(Hop(current[:2048], kind, error=StopReason.INVALID_URL.value, note=note))
                w.stop = StopReason.INVALID_URL
                break
            href = c.href
            key = _loop_key(href)
            if key in seen:
                w.chain.append(Hop(href, kind, error=StopReason.LOOP.value, note=note or "seen before"))
                w.stop = StopReason.LOOP
                w.add("expand.redirect_loop", source=src)
                break
            seen.add(key)
            nxt: str | None = None
            nxt_kind = HopKind.HTTP
            nxt_note = ""
            if not c.is_http:
                app = decode_app_link(href)
                if app is not None:
                    w.chain.append(Hop(href, kind, note=_join_notes(note, f"app link: {app.name}")))
                    nxt, nxt_kind, nxt_note = app.target, HopKind.WRAPPER, f"embedded in {app.name} link"
                elif c.scheme in _BLOCKED_SCHEMES:
                    w.chain.append(Hop(href[:2048], kind, error=StopReason.BLOCKED_SCHEME.value, note=note))
                    w.stop = StopReason.BLOCKED_SCHEME
                    if kind is not HopKind.START:
                        w.add("expand.blocked_scheme", c.scheme + ":", source=src)
                    break
                else:
                    opens = f"opens {app_name(c.scheme)}"
                    w.chain.append(Hop(href, HopKind.NON_HTTP, note=_join_notes(note, opens)))
                    w.stop = StopReason.NON_HTTP_TARGET
                    w.add("expand.non_http_target", app_name(c.scheme), source=src)
                    break
            else:
                self._tag_host(w, c, src, reached=kind is not HopKind.START)
                if c.ip is None:
                    try:
                        check_parsers_agree(current, c)
                    except InvalidTarget:
                        w.chain.append(Hop(href, kind, error=StopReason.INVALID_URL.value,
                                           note=_join_notes(note, "parser differential")))
                        w.stop = StopReason.INVALID_URL
                        w.add("expand.parser_confusion", c.host, source=src)
                        break
                wrap = decode_wrapper(href, c.host)
                if wrap is not None:
                    how = f"wrapper {wrap.name}, decoded offline"
                    w.chain.append(Hop(href, kind, note=_join_notes(note, how)))
                    if wrap.flagged:
                        w.add("expand.wechat_flagged", wrap.evidence, source=src)
                    else:
                        w.add("expand.wrapper", wrap.name, source=src)
                    nxt, nxt_kind, nxt_note = wrap.target, HopKind.WRAPPER, f"from {wrap.name}"
                elif offline:
                    w.chain.append(Hop(href, kind, note=note))
                    w.stop = StopReason.NOT_EXPANDED
                    problem = address_problem(c.ip) if c.ip else None
                    if problem:
                        w.add("expand.blocked_address", problem, source=src)
                    break
                else:
                    if time.monotonic() >= limit:
                        w.chain.append(Hop(href, kind, error=StopReason.TIMEOUT.value, note="deadline"))
                        w.stop = StopReason.TIMEOUT
                        w.add("expand.unreachable", StopReason.TIMEOUT.value, source=src)
                        break
                    try:
                        r = self.client.get(href, headers=headers, deadline=limit)
                    except FetchError as e:
                        w.chain.append(Hop(href, kind, ip=e.ip, error=e.stop.value,
                                           note=_join_notes(note, e.detail)))
                        w.stop = e.stop
                        self._error_reason(w, e, src)
                        break
                    w.fetched = True
                    w.chain.append(Hop(href, kind, status=r.status, ip=r.ip, ms=round(r.ms, 1), note=note))
                    w.stop = StopReason.FINAL
                    found = self._next_from_response(w, r, src)
                    if found is None:
                        break
                    nxt, nxt_kind, nxt_note = found
            # ---- follow nxt
            assert nxt is not None
            try:
                target = join(href, nxt) if nxt != "" else href
            except InvalidURL:
                w.chain.append(Hop(nxt[:2048], nxt_kind, error=StopReason.INVALID_URL.value, note=nxt_note))
                w.stop = StopReason.INVALID_URL
                break
            if followed >= s.max_hops:
                w.chain.append(Hop(target, nxt_kind, error=StopReason.MAX_HOPS.value, note=nxt_note))
                w.stop = StopReason.MAX_HOPS
                w.add("expand.too_many_hops", str(followed), source=src)
                break
            followed += 1
            current, kind, note = target, nxt_kind, nxt_note
        self._chain_reasons(w)
        return w

    def _tag_host(self, w: _Walk, c: CanonicalURL, src: str, *, reached: bool) -> None:
        status = shortener_status(c.host) if c.ip is None else None
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
