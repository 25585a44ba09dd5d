"""What expanding a link produces: the result types (cached as JSON) and the reason codes.

Split from :mod:`scanner.expand` (the walker) so the data a report is built from can be read without
the machinery that fetched it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import reasons as R
from .models import Hop, HopKind, Message, Reason, Severity, StopReason

PRIMARY = "wechat"
"""The client profile every link is fetched with first (WeChat's in-app browser)."""

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
         "The link could not be opened, so it was checked as written.",
         "网址打不开，只按链接本身检查。")

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
        return tuple(h.url for h in self.hops)

    @property
    def hops(self) -> tuple[Hop, ...]:
        """Every hop of this chain and of the alternate chain, in order, one per URL."""
        first: dict[str, Hop] = {}
        for h in (*self.chain, *(self.alternate.chain if self.alternate is not None else ())):
            first.setdefault(h.url, h)
        return tuple(first.values())

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
