"""The guarded HTTP client: the only place in ``scanner/`` that opens sockets.

Every request goes through the same steps (SURVEY §2):

1. WHATWG parsing (:func:`scanner.canonical.canonicalize`); a URL whose host httpx reads differently
   is refused (parser differential), as is any scheme but http/https.
2. The port must be in ``settings.allowed_ports``.
3. The host is resolved **once** (an injectable resolver); if **any** address is non-public (explicit
   deny ranges: see :func:`address_problem`) or belongs to this machine, the request is refused.
   Exact ``(ip, port)`` pairs in ``settings.egress_allow`` skip the address and port rules (tests only,
   settable from Python alone); the service's own port on this machine stays blocked even then.
4. The connection goes to the checked address (an IP-literal origin, ``Host`` and TLS SNI set to the
   name, certificates verified against the name). The network backend checks the address again at
   connect time, so no code path can reach a socket unchecked; connections are never reused.
5. No cookies, no auth, no Referer, no proxies from the environment; per-read timeouts clipped to a
   wall-clock deadline; body and decompression caps enforced on the raw stream with bounded
   ``decompress(…, max_length)`` steps (gzip/deflate/br bombs stop at the cap).

Redirects are **not** followed: callers (the expander, the feed updater) decide. Errors are typed
(:class:`FetchError` and subclasses, each naming the :class:`~scanner.models.StopReason` it maps to).

Error tree (defined with the address rules in :mod:`scanner.netguard`; bounded decompression is
:mod:`scanner.decompress`)::

    FetchError (ScannerError)      fetch_error
    ├── InvalidTarget              invalid_url
    ├── BlockedScheme              blocked_scheme
    ├── BlockedPort                blocked_port
    ├── BlockedAddress             blocked_address
    ├── DNSFailure                 dns_error
    ├── FetchTimeout               timeout
    ├── TLSFailure                 tls_error
    ├── ConnectFailure             connect_error
    └── ProtocolFailure            protocol_error
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

import httpcore
from httpcore._backends.base import SOCKET_OPTION  # the type of the backend's signature

from .canonical import CanonicalURL, canonicalize
from .decompress import _STEP, BOMB_RATIO, _decode, _decode_end, _layers, accept_encoding
from .errors import InvalidURL, StorageError
from .netguard import (
    BlockedAddress,
    BlockedPort,
    BlockedScheme,
    ConnectFailure,
    DNSFailure,
    FetchError,
    FetchTimeout,
    InvalidTarget,
    ProtocolFailure,
    TLSFailure,
    address_problem,
    check_target,
    name_problem,
)
from .settings import Settings

__all__ = [
    "BlockedAddress",
    "BlockedPort",
    "BlockedScheme",
    "ConnectFailure",
    "DNSFailure",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "GuardedClient",
    "InvalidTarget",
    "ProtocolFailure",
    "Resolver",
    "SystemResolver",
    "TLSFailure",
    "address_problem",
    "check_parsers_agree",
    "fetch",
]

log = logging.getLogger(__name__)

Resolver = Callable[[str], Iterable[str]]
"""``resolver(name) -> addresses``: called once per hop with an ASCII host name."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# --------------------------------------------------------------------------------------------
# Resolution


DNS_LOOKUPS = 32
"""Lookups that may be in progress at once, hung ones included; past that a lookup fails at once."""
_DNS_SLOTS = threading.BoundedSemaphore(DNS_LOOKUPS)


class SystemResolver:
    """``getaddrinfo`` with a timeout (it has none of its own).

    Each lookup runs in a thread of its own: a lookup that hangs past its timeout keeps only its own
    thread (and one of :data:`DNS_LOOKUPS` slots) until the system gives up, so a few unanswered
    names never make other names wait behind them in a shared queue.
    """

    def __init__(self, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def __call__(self, name: str) -> list[str]:
        """Every address ``name`` resolves to, in order, without duplicates."""
        if not _DNS_SLOTS.acquire(blocking=False):
            raise DNSFailure("too many DNS lookups are hanging", detail="dns busy")
        answer: list[Any] = []
        done = threading.Event()

        def lookup() -> None:
            try:
                answer.append(socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM))
            except BaseException as e:  # noqa: BLE001 - handed to the caller below
                answer.append(e)
            finally:
                _DNS_SLOTS.release()
                done.set()

        threading.Thread(target=lookup, name="lurelens-dns", daemon=True).start()
        if not done.wait(self.timeout):
            raise DNSFailure("DNS lookup timed out", detail="dns timeout")
        if isinstance(answer[0], BaseException):
            raise answer[0]
        return list(dict.fromkeys(str(info[4][0]) for info in answer[0]))


# --------------------------------------------------------------------------------------------
# The network backend: every connection is checked again, reads obey the deadline


class _Guarded(Protocol):
    def permit(self, ip: str, port: int) -> None: ...


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: float | None) -> None:
        self._inner = inner
        self._deadline = deadline

    def _clip(self, timeout: float | None) -> float | None:
        if self._deadline is None:
            return timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clip(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clip(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, self._clip(timeout)), self._deadline
        )

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore backend that connects only to IP literals the guard allows."""

    def __init__(self, guard: _Guarded, inner: httpcore.NetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.SyncBackend()
        self._local = threading.local()
        self.connects = 0
        """Connections attempted (each one passed the guard first)."""

    def set_deadline(self, deadline: float | None) -> None:
        """The wall-clock deadline (``time.monotonic()``) for connections made by this thread."""
        self._local.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            # Names never reach a socket: resolution happened (once) before, in the client.
            raise BlockedAddress("refusing to connect to an unresolved name", detail="name") from None
        self._guard.permit(host, port)
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("deadline passed")
            timeout = left if timeout is None else min(timeout, left)
        self.connects += 1
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedAddress("unix sockets are never used", detail="unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# --------------------------------------------------------------------------------------------
# The client


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One HTTP response, with its body read up to the cap."""

    url: str
    """The URL requested (canonical, with the host name, not the address)."""
    status: int
    headers: tuple[tuple[str, str], ...]
    """Response headers in order, names lower-cased, values as sent (UTF-8, else Latin-1)."""
    body: bytes
    """Decoded body up to the cap (empty when streamed to a file or not read)."""
    ip: str
    """The address connected to."""
    port: int
    truncated: bool = False
    """The body was longer than the cap (the rest was not read)."""
    bomb: bool = False
    """Truncated while the decoded size was far beyond the compressed size."""
    raw_bytes: int = 0
    """Bytes read from the network for the body."""
    decoded_bytes: int = 0
    """Body bytes after decompression (kept)."""
    body_read: bool = True
    """False when the body was skipped (a redirect)."""
    ms: float = 0.0

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        n = name.lower()
        return next((v for k, v in self.headers if k == n), None)

    def header_all(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name``."""
        n = name.lower()
        return tuple(v for k, v in self.headers if k == n)


_DROP_HEADERS = frozenset({
    "cookie", "authorization", "proxy-authorization", "referer", "host", "connection",
    "accept-encoding", "te", "transfer-encoding", "content-length", "upgrade", "keep-alive",
})


def _header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _default_ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class GuardedClient:
    """The guarded HTTP client. Thread-safe; one instance can serve many threads.

    ``resolver`` maps a name to addresses (default: ``getaddrinfo`` with a timeout); ``ssl_context``
    replaces the certifi trust store (tests trust their own CA); ``backend`` is the inner httpcore
    network backend (tests wrap it with a spy).
    """

    def __init__(
        self,
        settings: Settings,
        resolver: Resolver | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.settings = settings
        self.resolver: Resolver = resolver or SystemResolver(settings.connect_timeout)
        self.ssl_context = ssl_context or _default_ssl_context()
        self.backend = GuardedBackend(self, backend)

    def permit(self, ip: str, port: int) -> None:
        """Raise the :class:`FetchError` that forbids ``(ip, port)``; the backend calls it per connection."""
        err = check_target(ip, port, self.settings)
        if err is not None:
            raise err

    def check_url(self, url: str) -> CanonicalURL:
        """Parse and vet ``url`` without any network use (scheme, parser agreement, port, local names)."""
        try:
            c = canonicalize(url, infer_scheme=False)
        except InvalidURL as e:
            raise InvalidTarget(e.message, detail="unparsable") from None
        if not c.is_http:
            raise BlockedScheme(f"scheme {c.scheme[:20]!r} is never fetched", detail=c.scheme[:20])
        port = c.effective_port or 80
        if c.ip is not None:
            self.permit(c.ip, port)  # an address literal: its range is the clearest reason
        else:
            check_parsers_agree(url, c)
            problem = name_problem(c.host)
            if problem:
                raise BlockedAddress(f"host is a local name: {problem}", detail=problem)
        # Refused before any lookup: a name on a forbidden port never reaches DNS.
        allowed = set(self.settings.allowed_ports) | {p for _, p in self.settings.egress_allow}
        if port not in allowed:
            raise BlockedPort(f"port {port} is not allowed", detail=f"port {port}")
        return c

    def resolve(self, c: CanonicalURL) -> list[str]:
        """The vetted addresses of ``c``'s host (resolved once; every address checked)."""
        port = c.effective_port or 80
        if c.ip is not None:
            ips = [c.ip]
        else:
            try:
                ips = [str(ipaddress.ip_address(str(a))) if "%" not in str(a) else str(a)
                       for a in self.resolver(c.host)]
            except FetchError:
                raise
            except (OSError, ValueError, UnicodeError):
                raise DNSFailure(f"could not look up {c.host}", detail="dns") from None
            if not ips:
                raise DNSFailure("the host has no address", detail="no address")
        for ip in ips:
            self.permit(ip, port)
        return ips

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        stream_to: BinaryIO | None = None,
        progress: Callable[[int], None] | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        read_redirect_body: bool = False,
    ) -> FetchResult:
        """GET ``url`` through every guard; redirects are returned, never followed.

        ``max_bytes`` caps the decoded body (default: the smaller of ``max_body_bytes`` and
        ``max_decoded_bytes``); a feed download passes its own cap and ``stream_to`` (a binary file)
        plus ``progress(decoded_bytes_so_far)``. ``timeout`` is a wall-clock limit in seconds for this
        request (default ``expand_deadline``); ``deadline`` an absolute ``time.monotonic()`` limit.
        Bodies of 301/302/303/307/308 responses are not read unless ``read_redirect_body``.
        Raises a :class:`FetchError` subclass; never anything else for network trouble.
        """
        s = self.settings
        t0 = time.monotonic()
        limit = t0 + (timeout if timeout is not None else s.expand_deadline)
        if deadline is not None:
            limit = min(limit, deadline)
        if limit <= t0:
            raise FetchTimeout("no time left for this request", detail="deadline")
        c = self.check_url(url)
        ips = self.resolve(c)
        cap = max_bytes if max_bytes is not None else min(s.max_body_bytes, s.max_decoded_bytes)
        last: FetchError | None = None
        for ip in ips[:2]:
            try:
                return self._get_from(c, ip, headers or {}, cap, stream_to, progress, limit,
                                      read_redirect_body, t0)
            except ConnectFailure as e:  # try the next vetted address, as browsers do
                last = e
        assert last is not None
        raise last

    def _get_from(
        self,
        c: CanonicalURL,
        ip: str,
        extra: Mapping[str, str],
        cap: int,
        stream_to: BinaryIO | None,
        progress: Callable[[int], None] | None,
        limit: float,
        read_redirect_body: bool,
        t0: float,
    ) -> FetchResult:
        s = self.settings
        port = c.effective_port or 80
        scheme = c.scheme.encode("ascii")
        origin = httpcore.Origin(scheme, ip.encode("ascii"), port)
        target = (c.path or "/") + (("?" + c.query) if c.query else "")
        default_port = 443 if c.scheme == "https" else 80
        host_header = (f"[{c.host}]" if ":" in c.host else c.host) + (
            f":{port}" if port != default_port else ""
        )
        hdrs: list[tuple[str, str]] = [("Host", host_header)]
        for k, v in extra.items():
            if k.lower() not in _DROP_HEADERS:
                hdrs.append((k, v))
        if not any(k.lower() == "user-agent" for k, _ in hdrs):
            hdrs.append(("User-Agent", "Mozilla/5.0 (compatible; LureLens/0.1)"))
        if not any(k.lower() == "accept" for k, _ in hdrs):
            hdrs.append(("Accept", "*/*"))
        hdrs.append(("Accept-Encoding", accept_encoding()))
        hdrs.append(("Connection", "close"))
        left = max(0.01, limit - time.monotonic())
        ext: dict[str, object] = {
            "timeout": {
                "connect": min(s.connect_timeout, left),
                "read": min(s.read_timeout, left),
                "write": min(s.read_timeout, left),
                "pool": min(s.connect_timeout, left),
            }
        }
        if c.scheme == "https" and c.ip is None:
            ext["sni_hostname"] = c.host
        request_url = httpcore.URL(scheme=scheme, host=ip.encode("ascii"), port=port,
                                   target=target.encode("ascii", "replace"))
        self.backend.set_deadline(limit)
        try:
            with httpcore.HTTPConnection(
                origin, ssl_context=self.ssl_context, keepalive_expiry=0, network_backend=self.backend
            ) as conn:
                with conn.stream("GET", request_url, headers=hdrs, extensions=ext) as resp:
                    return self._read(c, ip, port, resp, cap, stream_to, progress, limit,
                                      read_redirect_body, t0)
        except FetchError as e:
            e.ip = e.ip or ip
            raise
        except StorageError:
            raise
        except (httpcore.TimeoutException, TimeoutError):
            raise FetchTimeout("the server did not answer in time", detail="timeout", ip=ip) from None
        except httpcore.ConnectError as e:
            if _is_tls_error(e):
                raise TLSFailure("TLS handshake or certificate check failed", detail=_tls_detail(e),
                                 ip=ip) from None
            raise ConnectFailure("connection failed", detail=type(e.__cause__ or e).__name__, ip=ip) from None
        except (httpcore.ReadError, httpcore.WriteError, httpcore.NetworkError) as e:
            if _is_tls_error(e):
                raise TLSFailure("TLS error", detail=_tls_detail(e), ip=ip) from None
            raise ProtocolFailure("connection broken", detail=type(e).__name__, ip=ip) from None
        except (httpcore.ProtocolError, httpcore.UnsupportedProtocol) as e:
            raise ProtocolFailure("malformed HTTP response", detail=str(e)[:80], ip=ip) from None
        except (OSError, ssl.SSLError) as e:
            if _is_tls_error(e):
                raise TLSFailure("TLS error", detail=_tls_detail(e), ip=ip) from None
            raise ConnectFailure("network error", detail=type(e).__name__, ip=ip) from None
        finally:
            self.backend.set_deadline(None)

    def _read(
        self,
        c: CanonicalURL,
        ip: str,
        port: int,
        resp: httpcore.Response,
        cap: int,
        stream_to: BinaryIO | None,
        progress: Callable[[int], None] | None,
        limit: float,
        read_redirect_body: bool,
        t0: float,
    ) -> FetchResult:
        headers = tuple((k.decode("latin-1").lower(), _header_text(v)) for k, v in resp.headers)
        status = resp.status
        if status in REDIRECT_STATUSES and not read_redirect_body:
            return FetchResult(c.href, status, headers, b"", ip, port, body_read=False,
                               ms=(time.monotonic() - t0) * 1000)
        encoding = ", ".join(v for k, v in headers if k == "content-encoding")
        layers = _layers(encoding)
        parts: list[bytes] = []
        kept = 0
        raw_total = 0
        truncated = False
        raw_cap = cap + cap // 8 + _STEP  # a stream that decodes to (almost) nothing still ends

        def sink(piece: bytes) -> bool:
            nonlocal kept, truncated
            room = cap - kept
            if len(piece) > room:
                piece = piece[:room]
                truncated = True
            if piece:
                if stream_to is not None:
                    try:
                        stream_to.write(piece)
                    except OSError as e:  # our disk, not the network: never retried elsewhere
                        raise StorageError(f"cannot save the download: {e.strerror or e}") from None
                else:
                    parts.append(piece)
                kept += len(piece)
                if progress is not None:
                    progress(kept)
            return truncated

        done = False
        for raw in resp.iter_stream():
            raw_total += len(raw)
            for piece in _decode(layers, raw):
                if sink(piece):
                    done = True
                    break
            if done:
                break
            if time.monotonic() > limit:
                raise FetchTimeout("the wall-clock deadline passed while reading", detail="deadline")
            if raw_total > raw_cap:
                truncated = True
                break
        if not done and not truncated:
            for piece in _decode_end(layers):
                if sink(piece):
                    break
        # Real pages compress 3–15×; a body cut at the cap after expanding ≥ 50× is a bomb.
        bomb = truncated and bool(layers) and kept > BOMB_RATIO * max(layers[0].consumed, 1)
        return FetchResult(
            c.href, status, headers, b"".join(parts), ip, port, truncated=truncated, bomb=bomb,
            raw_bytes=raw_total, decoded_bytes=kept, ms=(time.monotonic() - t0) * 1000,
        )


def _tls_detail(exc: BaseException) -> str:
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError):
            return (seen.verify_message or "certificate verify failed")[:80]
        if isinstance(seen, ssl.SSLError):
            return (seen.reason or "tls error")[:80]
        seen = seen.__cause__ or seen.__context__
    return "tls error"


# A URL of this plain shape names the same host for every parser; only the rest need comparing
# (parsing with httpx costs more than everything else an offline check does).
_PLAIN_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:[/?#][!-?A-~]*)?$")


def check_parsers_agree(url: str, c: CanonicalURL) -> None:
    """Refuse a URL whose host httpx would read differently from WHATWG (a parser differential)."""
    written = url.strip()
    if _PLAIN_URL.match(written) and "\\" not in written:
        return
    import httpx

    for text in (written, c.href):
        try:
            raw = httpx.URL(text).raw_host
        except (httpx.InvalidURL, ValueError, UnicodeError, TypeError):
            continue  # httpx cannot read it at all: WHATWG's host is the only one
        other = raw.decode("ascii", "replace").strip("[]").rstrip(".").lower()
        if other and other != c.host.rstrip(".").lower():
            raise InvalidTarget("parsers disagree on the host of this URL", detail="parser differential")


def fetch(
    url: str,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    **kwargs: object,
) -> FetchResult:
    """One guarded GET (see :meth:`GuardedClient.get` for the keyword arguments)."""
    return GuardedClient(settings, resolver).get(url, **kwargs)  # type: ignore[arg-type]
