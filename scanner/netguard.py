"""Where the fetcher may connect, and the errors it raises: pure rules, no sockets.

The deny ranges of :func:`address_problem` (private, loopback, link-local, reserved, multicast, and
IPv6 forms that carry an IPv4 address inside), the local names of :func:`name_problem`, this
machine's own addresses, and :func:`check_target`, which the guarded client asks before every
connection. Split from :mod:`scanner.fetch` so the rules can be read and tested on their own.
"""

from __future__ import annotations

import ipaddress
import threading
import time

from .errors import ScannerError
from .models import StopReason
from .settings import Settings

# --------------------------------------------------------------------------------------------
# Errors


class FetchError(ScannerError):
    """A request that could not be made or completed; ``stop`` says how the chain ends."""

    code, http_status = "fetch_error", 502
    stop: StopReason = StopReason.PROTOCOL_ERROR

    def __init__(self, message: str, *, detail: str = "", ip: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail
        """Short machine-readable detail, e.g. the deny range ``loopback 127.0.0.0/8``."""
        self.ip = ip
        """The address involved, when there was one."""


class InvalidTarget(FetchError):
    """The URL does not parse, or two parsers disagree on its host."""

    code, stop = "invalid_url", StopReason.INVALID_URL


class BlockedScheme(FetchError):
    """Only http and https are ever fetched."""

    code, stop = "blocked_scheme", StopReason.BLOCKED_SCHEME


class BlockedPort(FetchError):
    """The port is not in ``allowed_ports`` (or is the service's own)."""

    code, stop = "blocked_port", StopReason.BLOCKED_PORT


class BlockedAddress(FetchError):
    """The host is or resolves to a non-public address (or a local name)."""

    code, stop = "blocked_address", StopReason.BLOCKED_ADDRESS


class DNSFailure(FetchError):
    """The name did not resolve."""

    code, stop = "dns_error", StopReason.DNS_ERROR


class FetchTimeout(FetchError):
    """A connect/read timeout or the wall-clock deadline passed."""

    code, stop = "timeout", StopReason.TIMEOUT


class TLSFailure(FetchError):
    """The TLS handshake or certificate check failed (never retried without verification)."""

    code, stop = "tls_error", StopReason.TLS_ERROR


class ConnectFailure(FetchError):
    """The server refused or dropped the connection."""

    code, stop = "connect_error", StopReason.CONNECT_ERROR


class ProtocolFailure(FetchError):
    """Malformed HTTP, an unknown content encoding, a corrupt compressed body…"""

    code, stop = "protocol_error", StopReason.PROTOCOL_ERROR


# --------------------------------------------------------------------------------------------
# Address rules (pure)

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
_DENY_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (_V4(net), label)
    for net, label in (
        ("0.0.0.0/8", "this-network"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "CGNAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "broadcast"),
    )
)
_DENY_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (_V6(net), label)
    for net, label in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::ffff:0:0/96", "IPv4-mapped"),
        ("::/96", "IPv4-compatible"),
        ("::ffff:0:0:0/96", "IPv4-translated"),
        ("::/8", "IETF-reserved"),  # the rest of the block the three above come from
        ("64:ff9b::/96", "NAT64"),
        ("64:ff9b:1::/48", "NAT64 local-use"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo"),
        ("2001:db8::/32", "documentation"),
        ("2001:10::/28", "ORCHID"),
        ("2002::/16", "6to4"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    n = int(addr)
    if n >> 32 == 0 and n > 1:  # ::a.b.c.d (IPv4-compatible)
        return ipaddress.IPv4Address(n & 0xFFFFFFFF)
    if addr in _V6("64:ff9b::/96"):
        return ipaddress.IPv4Address(n & 0xFFFFFFFF)
    return None


def address_problem(ip: str) -> str | None:
    """Why ``ip`` may not be fetched (``"loopback 127.0.0.0/8"``…), or ``None`` for a public address.

    Explicit ranges, because ``ipaddress.is_global`` is True for multicast, NAT64, 6to4 and
    IPv4-compatible forms of private addresses on Python 3.11.

    >>> address_problem("127.0.0.9")
    'loopback 127.0.0.0/8'
    >>> address_problem("2002:7f00:1::1")
    '6to4 2002::/16 (embeds 127.0.0.1)'
    >>> address_problem("93.184.216.34") is None
    True
    """
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"not an IP address {ip[:60]!r}"
    if isinstance(addr, ipaddress.IPv4Address):
        for net, label in _DENY_V4:
            if addr in net:
                return f"{label} {net}"
        return None if addr.is_global else "non-global"
    inner = _embedded_v4(addr)
    for net6, label in _DENY_V6:
        if addr in net6:
            return f"{label} {net6}" + (f" (embeds {inner})" if inner is not None else "")
    return None if addr.is_global else "non-global"


_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "broadcasthost")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


def name_problem(host: str) -> str | None:
    """Names that always mean this machine or the local network (blocked without a lookup).

    >>> name_problem("foo.localhost")
    'local name foo.localhost'
    """
    h = host.rstrip(".").lower()
    if h in _LOCAL_NAMES or h.endswith(_LOCAL_SUFFIXES):
        return f"local name {h[:80]}"
    return None


_local_cache: tuple[float, frozenset[str]] = (0.0, frozenset())
_local_lock = threading.Lock()


def local_addresses() -> frozenset[str]:
    """Addresses on this machine's interfaces (Linux ``/proc``; refreshed every 30 s)."""
    global _local_cache
    with _local_lock:
        stamp, addrs = _local_cache
        if time.monotonic() - stamp < 30 and stamp:
            return addrs
        found: set[str] = set()
        try:
            with open("/proc/net/fib_trie", encoding="ascii") as f:
                lines = f.read().splitlines()
            for prev, line in zip(lines, lines[1:], strict=False):
                if "/32 host LOCAL" in line:
                    found.add(prev.strip().lstrip("|-+ ").strip())
        except OSError:
            pass
        try:
            with open("/proc/net/if_inet6", encoding="ascii") as f:
                for line in f:
                    hexa = line.split()[0]
                    found.add(str(ipaddress.IPv6Address(int(hexa, 16))))
        except (OSError, ValueError, IndexError):
            pass
        _local_cache = (time.monotonic(), frozenset(found))
        return _local_cache[1]


def _is_this_machine(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    v4 = _embedded_v4(addr) if isinstance(addr, ipaddress.IPv6Address) else addr
    for a in (addr, v4):
        if a is not None and (a.is_loopback or a.is_unspecified or str(a) in local_addresses()):
            return True
    return False


def check_target(ip: str, port: int, settings: Settings) -> FetchError | None:
    """The error that forbids connecting to ``(ip, port)``, or ``None`` when it is allowed."""
    if port == settings.port and _is_this_machine(ip):
        return BlockedPort(f"port {port} is this service's own port", detail=f"own port {port}", ip=ip)
    if (ip, port) in settings.egress_allow:
        return None
    problem = address_problem(ip)
    if problem is None and _is_this_machine(ip):
        problem = "this machine's own address"
    if problem is not None:
        return BlockedAddress(f"address in a blocked range: {problem}", detail=problem, ip=ip)
    if port not in settings.allowed_ports:
        return BlockedPort(f"port {port} is not allowed", detail=f"port {port}", ip=ip)
    return None
