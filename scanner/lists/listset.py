"""Matching a canonical URL against the compiled lists: the per-link hot path (microseconds).

Semantics: domain entries match the host and its subdomains; URL entries match a prefix of
``host/path?query`` (case-insensitive, scheme ignored); allow entries (exception rules, whitelists,
the user's allowlist) win over blocks; ``popular`` is true only when the host *is* a popular
registrable domain or its ``www.`` (never a private-suffix tenant such as ``x.pages.dev``, never a
tenant of a shared host such as ``x.weebly.com``). Shortener lists are informational: they add a
``ListMatch`` of kind ``info`` and never a reason.
"""

from __future__ import annotations

import logging
import time
import zlib
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import reasons
from ..canonical import CanonicalURL
from ..models import Reason
from ..settings import Settings
from ..shorteners import STATUS_OF_LIST, inactive_status, most_specific, shortener_status
from . import index as ix
from .formats import EXACT, SEPARATOR, SUBDOMAINS

log = logging.getLogger(__name__)

CAUTION_TIER_WEIGHT = 45
"""A hit on one ``caution``-tier list alone warns (caution); another list or a heuristic makes it danger."""

MAX_REASONS = 5
"""At most this many block reasons per URL (one per list and entry)."""


@dataclass(frozen=True, slots=True)
class ListMatch:
    """One list entry that matched."""

    list: str
    """The list's name (``phishtank``, ``user-allow``…)."""
    category: str
    """``phishing``, ``scam``, ``malware``, ``crypto_phishing``, ``user``, ``shortener``, ``allow``…"""
    entry: str
    """The entry as stored: a domain, or ``host/path`` for URL entries."""
    kind: str
    """``block``, ``allow`` or ``info`` (shortener lists)."""

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"list": self.list, "category": self.category, "entry": self.entry, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class ListVerdict:
    """What the lists say about one URL."""

    reasons: tuple[Reason, ...] = ()
    """``blocklist.<category>`` reasons (empty when an allow entry matched)."""
    allowed: bool = False
    """An allow entry or the user's allowlist matched: suppresses blocks and heuristics."""
    popular: bool = False
    """The host is under a popular registrable domain and is not a hosting platform's tenant."""
    matches: tuple[ListMatch, ...] = ()

    @property
    def blocked(self) -> bool:
        """True when some block reason stands."""
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "reasons": [r.to_dict() for r in self.reasons],
            "allowed": self.allowed,
            "popular": self.popular,
            "matches": [m.to_dict() for m in self.matches],
        }


EMPTY = ListVerdict()


def _is_separator(c: str) -> bool:
    # Adblock "^": anything but a letter, a digit or one of _ - . %
    return not (c.isalnum() or c in "_-.%")


class ListSet:
    """The loaded lists. Build with :meth:`load`; :meth:`check` is cheap and thread-safe."""

    def __init__(
        self, idx: ix.Index | None, prior: frozenset[str] | None = None, *, ready: bool = True
    ) -> None:
        self._index = idx
        self.ready = ready
        """False while the lists are not built yet (first run): checks run on heuristics alone."""
        self._reasons: dict[tuple[ListMatch, str], Reason] = {}  # immutable: reused for repeat hits
        self._prior = prior
        if idx is None:
            self._n = 0
            self._lists: list[tuple[str, str]] = []
            self._weak: frozenset[int] = frozenset()
            self._own: frozenset[int] = frozenset()
            self.info: list[dict[str, Any]] = []
            self.fuzzy: dict[str, list[str]] = {}
            return
        self._n = idx.n
        self._buckets = idx.buckets
        self._keys = idx.keys
        self._salt = idx.salt
        self.info = list(idx.side.get("lists", []))
        self._lists = [(str(i.get("name", "?")), str(i.get("category", "?"))) for i in self.info]
        self._weak = frozenset(n for n, i in enumerate(self.info) if i.get("trust") == "caution")
        self._own = frozenset(n for n, i in enumerate(self.info) if i.get("origin") == "user")
        self.fuzzy = dict(idx.side.get("fuzzy", {}))
        """Lookalike targets per list (MetaMask ``fuzzylist``): legitimate domains others imitate."""

    @classmethod
    def load(cls, settings: Settings, on_built: Callable[[ListSet], None] | None = None) -> ListSet:
        """Map the index on disk; never builds it (see :mod:`scanner.lists.prepare`).

        A stale index is used as it is while it is rebuilt in the background; with none yet the set
        is empty and not :attr:`ready`. ``on_built`` receives the lists of the rebuilt index.
        """
        from .prepare import open_for_check

        t0 = time.perf_counter()
        idx, _fresh = open_for_check(settings, None if on_built is None else lambda i: on_built(cls(i)))
        if idx is None:
            log.warning("no list index yet: checking without lists while it is built")
            return cls(None, popular_prior(), ready=False)
        log.debug("lists loaded: %d records in %.3f s", idx.n, time.perf_counter() - t0)
        return cls(idx)

    @classmethod
    def prepare(cls, settings: Settings) -> ListSet:
        """The setup step: build the index now if it is missing or stale, then load it."""
        from .build import ensure_index

        return cls(ensure_index(settings))

    @classmethod
    def empty(cls, *, prior: bool = True) -> ListSet:
        """No blocklists (``--no-lists``): no block or allow answer, but the popularity prior stays on.

        The popularity list is product data, not a blocklist: a popular site must not start warning
        because the user turned the lists off. ``prior=False`` answers :data:`EMPTY` for everything.
        """
        return cls(None, popular_prior() if prior else None)

    def __len__(self) -> int:
        return self._n

    @property
    def built_at(self) -> float | None:
        """When the index was compiled (epoch seconds)."""
        return None if self._index is None else float(self._index.side.get("built_at", 0.0))

    def check(self, url: CanonicalURL) -> ListVerdict:
        """Match ``url``'s host, each parent domain, and the URL entries on them."""
        host = url.host
        if not self._n or not host:
            if self._prior and host and self._popular_site(url, url.registrable_domain in self._prior):
                return POPULAR
            return EMPTY
        if host[-1] == ".":  # "evil.example." is the same site as "evil.example"
            host = host.rstrip(".")
        hits = self._hits(host, url.ip is not None)
        if hits is None:
            return EMPTY
        return self._resolve(url, hits)

    def _hits(self, host: str, single: bool) -> list[tuple[int, int, str]] | None:
        # The hot path: one CRC-32 and one short bisect per level; nothing allocated on a miss.
        buckets, keys = self._buckets, self._keys
        hits: list[tuple[int, int, str]] | None = None
        level = host
        depth = 0
        crc = zlib.crc32
        while True:
            b = level.encode()
            c = crc(b)
            top = c >> 16
            lo = buckets[top]
            hi = buckets[top + 1]
            if lo != hi:
                i = bisect_left(keys, c << 32, lo, hi)
                if i < hi and keys[i] >> 32 == c:
                    v = ix.check_bits(b, self._salt)
                    while i < hi:
                        k = keys[i]
                        if k >> 32 != c:
                            break
                        if (k >> 16) & 0xFFFF == v:
                            if hits is None:
                                hits = []
                            hits.append((k & 0xFFFF, depth, level))
                        i += 1
            if single:
                return hits
            dot = level.find(".")
            if dot < 0:
                return hits
            level = level[dot + 1:]
            if "." not in level:
                return hits
            depth += 1

    def match_host(self, host: str) -> tuple[ListMatch, ...]:
        """Domain entries (block, allow, info) matching ``host`` or a parent: no URL entries, no reasons."""
        if not self._n or not host:
            return ()
        hits = self._hits(host, False)
        if hits is None:
            return ()
        out = []
        for meta, depth, level in hits:
            kind = (meta >> ix.KIND_SHIFT) & 3
            if meta & ix.URL_BIT or kind == ix.POPULAR or (meta & ix.EXACT_BIT and depth):
                continue
            name, category = self._lists[meta & ix.LIST_MASK]
            out.append(ListMatch(name, category, level, ix.KIND_NAMES[kind]))
        return tuple(out)

    def shortener(self, host: str) -> tuple[str, str] | None:
        """``(status, domain)`` when ``host`` is a URL shortener: ``active``, ``cn_extra`` or ``inactive``.

        From the index's shortener lists (so ``lists update`` and the user's own lists reach
        expansion); the bundled dead-shortener list is consulted too (it is off in the index by
        default). With no index (``--no-lists``) the bundled files answer.
        """
        if not self._n:
            return shortener_status(host)
        found = [(STATUS_OF_LIST.get(m.list, "active"), m.entry)
                 for m in self.match_host(host.rstrip(".").lower()) if m.category == "shortener"]
        dead = inactive_status(host)
        if dead is not None:
            found.append(dead)
        return most_specific(found)

    def check_host(self, host: str) -> ListVerdict:
        """Match a bare host (for tools: builds ``http://host/`` and checks it)."""
        from ..canonical import canonicalize

        return self.check(canonicalize("http://" + host + "/"))

    def _resolve(self, url: CanonicalURL, hits: list[tuple[int, int, str]]) -> ListVerdict:
        target: str | None = None
        popular = False
        matches: list[ListMatch] = []
        ids: list[int] = []
        for meta, depth, level in hits:
            if meta & ix.EXACT_BIT and depth:
                continue
            kind = (meta >> ix.KIND_SHIFT) & 3
            name, category = self._lists[meta & ix.LIST_MASK]
            if meta & ix.URL_BIT:
                assert self._index is not None
                if target is None:
                    target = ((url.path or "/") + ("?" + url.query if url.query else "")).lower()
                n = len(level)
                for flags, text in self._index.url_entries(level, meta):
                    if depth and not flags & SUBDOMAINS:
                        continue
                    prefix = text[n:].decode()
                    if flags & EXACT:
                        if target != prefix:
                            continue
                    elif not target.startswith(prefix):
                        continue
                    elif (flags & SEPARATOR and len(target) > len(prefix)
                          and not _is_separator(target[len(prefix)])):
                        continue
                    matches.append(ListMatch(name, category, text.decode(), ix.KIND_NAMES[kind]))
                    ids.append(meta & ix.LIST_MASK)
                continue
            if kind == ix.POPULAR:
                popular = popular or level == url.registrable_domain
                continue
            matches.append(ListMatch(name, category, level, ix.KIND_NAMES[kind]))
            ids.append(meta & ix.LIST_MASK)
        popular = self._popular_site(url, popular)
        if not matches:
            return POPULAR if popular else EMPTY
        allowed = any(m.kind == "allow" for m in matches)
        out: list[Reason] = []
        if not allowed:
            out = self._block_reasons(matches, ids, popular)
        return ListVerdict(tuple(out), allowed, popular, tuple(matches))

    def _block_reasons(self, matches: list[ListMatch], ids: list[int], popular: bool) -> list[Reason]:
        """Block reasons by trust: a popular site's hit is a probable list error (caution), one
        ``caution``-tier list alone warns; the user's own lists and ``danger``-tier lists stop."""
        blocks = [(m, i) for m, i in zip(matches, ids, strict=True) if m.kind == "block"]
        strong_lists = {m.list for m, i in blocks if i not in self._weak}
        agree = len({m.list for m, _ in blocks}) >= 2
        out: list[Reason] = []
        seen: set[tuple[str, str]] = set()
        for m, i in blocks:
            if (m.list, m.entry) in seen or len(out) >= MAX_REASONS:
                continue
            seen.add((m.list, m.entry))
            if popular and i not in self._own:
                mode = "popular"
                if any(r.code == "blocklist.popular_listed" for r in out):
                    continue
            elif i in self._weak and not agree and not strong_lists:
                mode = "weak"
            else:
                mode = "block"
            r = self._reasons.get((m, mode))
            if r is None:
                if len(self._reasons) > 4096:
                    self._reasons.clear()
                r = self._reasons[(m, mode)] = block_reason(m, mode)
            out.append(r)
        return out

    def _popular_site(self, url: CanonicalURL, under_popular: bool) -> bool:
        """The popularity prior: under a popular registrable domain, and not a hosting tenant."""
        if not under_popular or url.is_private_suffix or url.ip:
            return False
        if url.host in (url.registrable_domain, "www." + url.registrable_domain):
            return True
        from .build import platform_roots

        labels = url.host.split(".")
        roots = platform_roots()
        return not any(".".join(labels[i:]) in roots for i in range(1, len(labels) - 1))

    def lists(self) -> list[dict[str, Any]]:
        """The side table: one dict per list (name, category, entries, malformed, suppressed…)."""
        return [dict(i) for i in self.info]


def block_reason(m: ListMatch, mode: str = "block") -> Reason:
    """The reason for a block match: ``blocklist.<category>`` (custom categories count as ``user``),
    at :data:`CAUTION_TIER_WEIGHT` for a lone ``caution``-tier hit (``mode="weak"``), or
    ``blocklist.popular_listed`` for a hit on a very popular site (``mode="popular"``)."""
    cat = m.category if m.category in ("phishing", "scam", "malware", "crypto_phishing") else "user"
    evidence = f"{m.list} ({m.category}): {m.entry}"
    if mode == "popular":
        return reasons.make("blocklist.popular_listed", evidence, source=f"list:{m.list}",
                            list=m.list, entry=m.entry, category=m.category)
    extra: dict[str, Any] = {"weight": CAUTION_TIER_WEIGHT} if mode == "weak" else {}
    return reasons.make(
        f"blocklist.{cat}", evidence, source=f"list:{m.list}",
        list=m.list, entry=m.entry, category=m.category, **extra,
    )


POPULAR = ListVerdict(popular=True)


@cache
def popular_prior() -> frozenset[str]:
    """The bundled popularity list(s) as a set of names (``www.`` stripped), for ``--no-lists``.

    Read from the bundled ``sources.toml``'s ``popular`` sources, each host name reduced to its
    registrable-domain candidates (as the index build does, without parsing every name at start-up);
    only a URL's registrable domain is ever looked up in it, never a private-suffix tenant.
    """
    from .store import bundled_sources_file, read_sources_toml

    out: set[str] = set()
    try:
        specs = read_sources_toml(bundled_sources_file(), "bundled")
    except Exception:  # noqa: BLE001 - a broken install must not stop checks: no prior then
        return frozenset()
    for spec in specs:
        if spec.category != "popular" or not spec.enabled or spec.path is None:
            continue
        try:
            text = spec.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            d = line.split("#", 1)[0].strip().lower()
            if d:
                # A host name's registrable domain is one of its last two or three labels: keep
                # those candidates (a candidate only ever matches a URL's real registrable domain).
                labels = d.split(".")
                out.update(".".join(labels[-k:]) for k in (2, 3) if len(labels) >= k)
    return frozenset(out)
