"""The gates every request passes (SURVEY §3.3), as small pure helpers plus their Flask wiring.

Order, outermost first:

1. :class:`HostGate` (WSGI middleware, before routing): the ``Host`` header must name this service
   on loopback (``127.0.0.1:<port>``, ``localhost:<port>``, ``[::1]:<port>``); anything else, a
   missing Host included, is 403. This is the defence against DNS rebinding.
2. Origin gate (``/api/`` and every page POST): an ``Origin`` header, when present, must be the
   app's own origin, the bundled Chrome extension, a configured ``extension_origins`` entry or a
   paired ``moz-extension://`` origin. ``Origin: null`` and ``Sec-Fetch-Site: cross-site`` are 403.
3. CORS preflights are answered only for allowed origins.
4. Token (``X-LureLens-Token``, constant-time; never from the query string) on every API route.
5. Per-client rate limit (429 + ``Retry-After``), JSON-only POST bodies (415) except the upload.

Page forms carry a per-session CSRF token (403 without). Every response gets the security headers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scanner.settings import Settings

TOKEN_HEADER = "X-LureLens-Token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PAIRED_FILE = "paired-origins.json"
MANIFEST = Path(__file__).resolve().parent / "extension" / "manifest.json"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


# ---- Host gate -----------------------------------------------------------------------------------

def allowed_hosts(port: int, bind_host: str = "127.0.0.1") -> frozenset[str]:
    """The exact Host header values this service answers to.

    >>> sorted(allowed_hosts(8765))
    ['127.0.0.1:8765', '[::1]:8765', 'localhost:8765']
    """
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    try:
        ip = ipaddress.ip_address(bind_host)
    except ValueError:
        ip = None
    if ip is not None and not ip.is_unspecified and not ip.is_loopback:
        hosts.add(f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}")
    return frozenset(hosts)


def host_allowed(host: str | None, port: int, bind_host: str = "127.0.0.1", public: bool = False) -> bool:
    """True when ``host`` (the raw Host header) names this service.

    With an explicit public bind on a wildcard address, IP-literal hosts on our port are accepted
    too (names never are: DNS rebinding arrives with a name).

    >>> host_allowed("127.0.0.1:8765", 8765), host_allowed("evil.test:8765", 8765)
    (True, False)
    >>> host_allowed("localhost.:8765", 8765), host_allowed(None, 8765)
    (False, False)
    """
    if not host:
        return False
    host = host.strip().lower()
    if host in allowed_hosts(port, bind_host):
        return True
    if public and bind_host in ("0.0.0.0", "::"):
        m = re.fullmatch(r"\[?([0-9a-f:.]+)\]?:(\d+)", host)
        if m and int(m.group(2)) == port:
            try:
                ipaddress.ip_address(m.group(1))
            except ValueError:
                return False
            return True
    return False


class HostGate:
    """WSGI middleware: 403 for any Host header not in the allowlist, before Flask routes anything."""

    def __init__(self, app: Callable[..., Any], host_ok: Callable[[str | None], bool]) -> None:
        self.app = app
        self.host_ok = host_ok

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.host_ok(environ.get("HTTP_HOST")):
            inner: Iterable[bytes] = self.app(environ, start_response)
            return inner
        path = environ.get("PATH_INFO", "")
        if path.startswith("/api/"):
            body = json.dumps({"error": {"code": "forbidden_host",
                                         "message": "This service only answers on 127.0.0.1."}}).encode()
            ctype = "application/json"
        else:
            body = b"Forbidden: this service only answers on http://127.0.0.1.\n"
            ctype = "text/plain; charset=utf-8"
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store"), *SECURITY_HEADERS.items()]
        start_response("403 Forbidden", headers)
        return [body]


# ---- Origins -------------------------------------------------------------------------------------

def extension_id_from_key(key_b64: str) -> str:
    """Chrome's extension ID for a manifest ``key``: sha256 of the DER key, 32 hex digits mapped to a–p.

    >>> extension_id_from_key(base64.b64encode(b"x").decode())
    'cnhbbgeclhcglaeeabgchmkjplkmdcpf'
    """
    der = base64.b64decode(key_b64, validate=False)
    digest = hashlib.sha256(der).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def bundled_extension_id(manifest: Path | None = None) -> str | None:
    """The ID of the bundled Chrome extension (from ``web/extension/manifest.json``), if it has a key."""
    path = manifest or MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = data.get("key") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key.strip():
            return None
        return extension_id_from_key("".join(key.split()))
    except (OSError, ValueError, binascii.Error):
        return None


def own_origins(port: int) -> frozenset[str]:
    """The origins of this service's own pages."""
    return frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"})


_MOZ_ORIGIN = re.compile(r"moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_moz_extension_origin(origin: str) -> bool:
    """True for a well-formed Firefox extension origin (a per-install UUID)."""
    return bool(_MOZ_ORIGIN.fullmatch(origin))


class PairedOrigins:
    """Firefox extension origins that presented a valid token to ``POST /api/v1/pair``.

    Stored as a JSON list in ``data_dir``; written atomically.
    """

    MAX = 64

    def __init__(self, data_dir: Path) -> None:
        self._path = Path(data_dir) / PAIRED_FILE
        self._lock = threading.Lock()
        # Insertion-ordered, so the bound drops the oldest pairing, never the one just made.
        self._origins: dict[str, None] = dict.fromkeys(self._load()[-self.MAX:])

    def _load(self) -> list[str]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [o for o in data if isinstance(o, str) and is_moz_extension_origin(o)] if isinstance(
            data, list) else []

    def __contains__(self, origin: object) -> bool:
        with self._lock:
            return origin in self._origins

    def add(self, origin: str) -> None:
        """Record ``origin`` (a ``moz-extension://`` origin) as paired."""
        if not is_moz_extension_origin(origin):
            raise ValueError("only moz-extension:// origins are paired")
        with self._lock:
            if origin in self._origins:
                return
            if len(self._origins) >= self.MAX:  # bounded: drop the oldest
                del self._origins[next(iter(self._origins))]
            self._origins[origin] = None
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}.tmp")
            tmp.write_text(json.dumps(list(self._origins)), encoding="utf-8")
            os.replace(tmp, self._path)


class OriginPolicy:
    """Which ``Origin`` values may call the API."""

    def __init__(self, settings: Settings, paired: PairedOrigins, port: Callable[[], int],
                 extension_id: str | None = None) -> None:
        self._fixed = {o.rstrip("/") for o in settings.extension_origins}
        if extension_id:
            self._fixed.add(f"chrome-extension://{extension_id}")
        self.paired = paired
        self._port = port

    def allowed(self, origin: str) -> bool:
        """True when ``origin`` is our own page, a configured extension or a paired one."""
        return origin in own_origins(self._port()) or origin in self._fixed or origin in self.paired

    def is_own(self, origin: str) -> bool:
        """True when ``origin`` is this service's own page."""
        return origin in own_origins(self._port())


# ---- Rate limit ----------------------------------------------------------------------------------

class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled continuously.

    ``clock`` is injectable so tests need not sleep.
    """

    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, client: str) -> float:
        """Take one request for ``client``: 0.0 when allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                allowed = 0.0
            else:
                self._buckets[client] = (tokens, now)
                allowed = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.MAX_CLIENTS:  # bounded memory under a flood of keys
                self._buckets.clear()
            return allowed

    @staticmethod
    def retry_after(wait: float) -> str:
        """The ``Retry-After`` header value (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))


# ---- CSRF ----------------------------------------------------------------------------------------

def new_csrf_token() -> str:
    """A fresh per-session CSRF token."""
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, presented: str | None) -> bool:
    """Constant-time CSRF token check (both must be present)."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode("utf-8", "replace"))
