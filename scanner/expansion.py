"""What expanding a link produces: the result types (cached as JSON).

Its reason codes (``expand.*``) are in ``scanner/data/reasons.toml``.

Split from :mod:`scanner.expand` (the walker) so the data a report is built from can be read without
the machinery that fetched it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import Hop, HopKind, Message, Reason, Severity, StopReason

PRIMARY = "wechat"
"""The client profile every link is fetched with first (WeChat's in-app browser)."""

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
