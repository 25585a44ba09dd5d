"""Canonical URLs and domain identity: the single place that decides which host a URL names.

WHATWG parsing (ada-url, the same rules as the browser) turns every trick — ``127。0。0。1``,
``0x7f000001``, ``2130706433``, full-width letters, percent-encoded hosts, the ``\\@`` path trick —
into the host the browser would really open. Registrable domains come from tldextract's bundled
Public Suffix List snapshot, private section included, strictly offline.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ada_url import URL, idna_to_unicode, parse_url

from .errors import InvalidURL

if TYPE_CHECKING:
    import tldextract

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True, slots=True)
class CanonicalURL:
    """A URL as the browser would open it, with the parts our checks look at."""

    href: str
    """WHATWG serialisation: what is fetched and shown."""
    scheme: str
    """``http``, ``https``… (no colon)."""
    host: str
    """ASCII host (punycode); IPv6 without brackets; empty for hostless URLs."""
    host_unicode: str
    """The host for people (Unicode IDN)."""
    port: int | None
    """Explicit non-default port, else None."""
    path: str
    query: str
    """Without the leading ``?``."""
    userinfo: str
    """``user`` or ``user:…`` when the URL carries credentials (the password is never kept)."""
    registrable_domain: str
    """eTLD+1 (PSL private section included): ``b.pages.dev``; the IP itself for IP hosts."""
    suffix: str
    is_private_suffix: bool
    """True when the suffix is a platform in the PSL private section (pages.dev, github.io…)."""
    ip: str | None
    """The IP address when the host is an IP literal (any notation)."""
    scheme_inferred: bool = False
    """True when the input had no scheme and ``http://`` was assumed."""
    raw_host: str = ""
    """The host as written in the input (before WHATWG normalisation), when it differs."""

    @property
    def is_http(self) -> bool:
        """http or https."""
        return self.scheme in ("http", "https")

    @property
    def is_idn(self) -> bool:
        """True when some label is punycode."""
        return "xn--" in self.host

    @property
    def effective_port(self) -> int | None:
        """The port connected to (default ports filled in)."""
        if self.port is not None:
            return self.port
        return {"http": 80, "https": 443}.get(self.scheme)

    @property
    def subdomain(self) -> str:
        """Labels left of the registrable domain."""
        if self.ip or not self.registrable_domain or self.host == self.registrable_domain:
            return ""
        return self.host[: -len(self.registrable_domain) - 1]


@cache
def _extractor() -> tldextract.TLDExtract:
    # Built on first use, never at import: no network (suffix_list_urls=()) and no disk writes.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@lru_cache(maxsize=8192)  # keyed by attacker hosts: bounded in a long-running service
def domain_parts(host: str) -> tuple[str, str, bool]:
    """``(registrable_domain, suffix, is_private_suffix)`` of an ASCII host, offline.

    >>> domain_parts("a.b.pages.dev")
    ('b.pages.dev', 'pages.dev', True)
    >>> domain_parts("www.bbc.co.uk")
    ('bbc.co.uk', 'co.uk', False)
    """
    r = _extractor().extract_str(host, include_psl_private_domains=True)
    reg = r.top_domain_under_public_suffix
    if not reg:
        # No known suffix (a .test name, a bare word): the last two labels are the best guess.
        labels = host.rstrip(".").split(".")
        reg = ".".join(labels[-2:])
    return reg, r.suffix, bool(r.is_private)


def known_tld(label: str) -> bool:
    """Whether ``label`` is a top-level domain of the public suffix list (``cn``, ``top``; not ``exe``).

    >>> known_tld("cn"), known_tld("exe")
    (True, False)
    """
    return bool(domain_parts("x." + label.lower())[1])


@lru_cache(maxsize=8192)  # keyed by attacker hosts: bounded in a long-running service
def icann_registrable(host: str) -> str:
    """eTLD+1 using only ICANN suffixes (``b.pages.dev`` → ``pages.dev``): the platform's root."""
    r = _extractor().extract_str(host, include_psl_private_domains=False)
    return r.top_domain_under_public_suffix or host


def to_unicode(host: str) -> str:
    """Punycode labels shown in Unicode (``xn--fiqs8s.cn`` → ``中国.cn``); invalid ones kept."""
    if "xn--" not in host:
        return host
    try:
        out = idna_to_unicode(host)
    except Exception:  # noqa: BLE001 - ada raises plain Exception on bad punycode
        return host
    return out or host


_V4_CHARS = frozenset("0123456789.")


def _ip_of(host: str) -> str | None:
    # ada has already normalised every IPv4 spelling (0x7f000001, 127.1) to dotted decimal and
    # bracketed IPv6, so a name needs no (slow, exception-raising) ipaddress parse.
    if host.startswith("["):
        h = host[1:-1]
    elif host and host[-1].isdigit() and _V4_CHARS.issuperset(host):
        h = host
    else:
        return None
    try:
        return str(ipaddress.ip_address(h))
    except ValueError:
        return None


# Schemes whose host is a DNS name (weixin://dl/… names an app screen, not a domain).
_WEB_SCHEMES = frozenset({"http", "https", "ftp", "ws", "wss"})
_ATTRS = ("href", "protocol", "hostname", "port", "username", "password", "pathname", "search")


def canonicalize(text: str, *, infer_scheme: bool = True) -> CanonicalURL:
    """Parse ``text`` by WHATWG rules; raise :class:`InvalidURL` when no browser would open it.

    >>> canonicalize("HTTP://0x7f000001/a/../b").href
    'http://127.0.0.1/b'
    >>> canonicalize("t.cn/AbCd").scheme_inferred
    True

    ``infer_scheme=False`` refuses scheme-less input instead of assuming ``http://`` (a redirect
    target is never scheme-less once resolved).
    """
    return _canonicalize(text.strip(), infer_scheme)


@lru_cache(maxsize=8192)
def _canonicalize(s: str, infer_scheme: bool) -> CanonicalURL:
    # Cached: one link is canonicalised by several stages (pipeline, expander, every hop's checks).
    text = s
    if not s:
        raise InvalidURL("empty URL: paste a link such as https://example.com/")
    if len(s) > 16384:
        raise InvalidURL("URL longer than 16 KiB: this is not a link a person could open")
    inferred = False
    if not _HAS_SCHEME.match(s) or _looks_like_host_port(s):
        if not infer_scheme:
            raise InvalidURL(f"URL without a scheme: {_short(text)}")
        s = "http://" + s.lstrip("/")
        inferred = True
    try:
        u = parse_url(s, attributes=_ATTRS)
    except ValueError:
        raise InvalidURL(f"not a valid URL: {_short(text)}") from None
    scheme = str(u["protocol"]).rstrip(":").lower()
    host = str(u["hostname"] or "")
    if scheme in ("http", "https") and not host:
        raise InvalidURL(f"URL without a host: {_short(text)}")
    ip = _ip_of(host) if host else None
    host_plain = host.strip("[]") if ip and ":" in host else host
    if ip:
        reg, suffix, private = ip, "", False
    elif host and scheme in _WEB_SCHEMES:
        reg, suffix, private = domain_parts(host)
    else:
        reg, suffix, private = "", "", False
    userinfo = str(u["username"])
    if u["password"]:
        userinfo = userinfo + ":…"
    port = int(u["port"]) if u["port"] else None
    raw_host = _raw_host(s)
    return CanonicalURL(
        href=str(u["href"]),
        scheme=scheme,
        host=host_plain,
        host_unicode=to_unicode(host_plain),
        port=port,
        path=str(u["pathname"]),
        query=str(u["search"]).lstrip("?"),
        userinfo=userinfo,
        registrable_domain=reg,
        suffix=suffix,
        is_private_suffix=private,
        ip=ip,
        scheme_inferred=inferred,
        raw_host=raw_host if raw_host.lower() != host_plain else "",
    )


def _looks_like_host_port(s: str) -> bool:
    # "example.com:8080/x" parses as scheme "example.com"; treat it as a scheme-less host.
    m = re.match(r"^([A-Za-z0-9.\-]+):(\d{1,5})(?:[/?#]|$)", s)
    return bool(m and "." in m.group(1))


def _raw_host(s: str) -> str:
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://([^/?#\\]*)", s)
    if not m:
        return ""
    authority = m.group(1).rsplit("@", 1)[-1]
    if authority.startswith("["):
        return authority.split("]")[0] + "]"
    return authority.split(":")[0]


def _short(text: str, n: int = 80) -> str:
    t = text.strip().replace("\n", " ")
    return t if len(t) <= n else t[: n - 1] + "…"


def join(base: str, ref: str) -> str:
    """Resolve ``ref`` against ``base`` by WHATWG rules (what a browser does with ``Location``).

    >>> join("http://a.test/x/y", "../z?q=1")
    'http://a.test/z?q=1'
    """
    try:
        return URL(ref, base=base).href
    except ValueError:
        raise InvalidURL(f"cannot resolve {_short(ref)} against {_short(base)}") from None
