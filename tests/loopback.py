"""The tests' one loopback HTTP(S) server: ``Server``, with programmable ``Route``s.

Every test folder imports it as ``from loopback import Server, Route, Req`` (``tests/`` is on
``sys.path`` through the root ``conftest.py``, like ``ocrsupport``). A server listens on one
``127.0.0.x`` address (never anything else), on an ephemeral port unless told one, and answers
each connection in its own thread with raw HTTP/1.1 (``Connection: close``), so a route can also
misbehave on purpose.

A route sets status, headers (repeats allowed), body (bytes, or a callable yielding pieces: sent
chunked unless a ``Content-Length`` header is given), a delay, per-User-Agent alternatives, or a
``raw`` handler that writes bytes to the socket itself. ``handler`` (a request → a route, or
``None`` for the route table) answers paths the table cannot name; ``on_connect`` (a new socket →
``True`` when it dealt with it) acts before TLS and HTTP, e.g. accept-and-drop or not-TLS.

What a server saw: ``hits`` (requests per path), ``requests`` (every :class:`Req`, with its time),
``connections``, ``sni`` (the name each TLS client sent), ``count``/``seen`` to filter them.
``close()`` (or leaving ``with``) stops accepting, drops open connections and sets ``stopping``,
which raw handlers that hang or drip wait on.
"""

from __future__ import annotations

import contextlib
import http
import ipaddress
import socket
import ssl
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

HTML = "text/html; charset=utf-8"
MAX_HEAD = 1 << 20
MAX_BODY = 16 << 20

_SNI: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def _remember_sni(sock: Any, name: str | None, ctx: ssl.SSLContext) -> None:
    _SNI[sock] = name


@dataclass
class Req:
    """One request as the server read it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    sni: str | None = None
    body: bytes = b""
    at: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def ua(self) -> str:
        return self.header("user-agent") or ""

    def header(self, name: str) -> str | None:
        n = name.lower()
        return next((v for k, v in self.headers if k.lower() == n), None)


@dataclass
class Route:
    status: int = 200
    headers: Sequence[tuple[str, str]] = ()
    body: bytes | Callable[[], Iterable[bytes]] = b""
    delay: float = 0.0
    ua: dict[str, Route] = field(default_factory=dict)
    """Substring of the User-Agent → the route to use instead."""
    raw: Callable[[Req, socket.socket], None] | None = None


NOT_FOUND = Route(404, [("Content-Type", "text/plain")], b"not found")


class Server:
    """A programmable HTTP(S) server on one loopback address, a thread per connection."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
        port: int = 0,
        *,
        headers: Sequence[tuple[str, str]] = (),
        handler: Callable[[Req], Route | None] | None = None,
        on_connect: Callable[[socket.socket], bool] | None = None,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"test servers bind loopback addresses only, not {host}")
        self.host = host
        self.ssl_context = ssl_context
        if ssl_context is not None:
            ssl_context.sni_callback = _remember_sni
        self.extra_headers = list(headers)
        """Sent with every answer (e.g. ``Cache-Control: no-store``)."""
        self.handler = handler
        self.on_connect = on_connect
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[Req] = []
        self.connections = 0
        self.sni: list[str | None] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        self._sock.settimeout(0.2)  # accept() polls ``stopping``
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    # ---- addresses

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    @property
    def pair(self) -> tuple[str, int]:
        """``(ip, port)`` for ``Settings(egress_allow=…)``."""
        return (self.host, self.port)

    def url(self, path: str = "/", host: str | None = None, *, scheme: str | None = None) -> str:
        """The URL of ``path``, optionally under a ``host`` name mapped to this address."""
        return f"{scheme or self.scheme}://{host or self.host}:{self.port}{path}"

    # ---- routes

    def route(self, path: str, status: int = 200, headers: Sequence[tuple[str, str]] = (),
              body: bytes | str | Callable[[], Iterable[bytes]] = b"", *,
              content_type: str | None = None, **kw: Any) -> Route:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if content_type is not None:
            headers = [("Content-Type", content_type), *headers]
        r = Route(status, headers, body, **kw)
        self.routes[path] = r
        return r

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.route(path, status, [("Location", location)])

    def html(self, path: str, html: str, headers: Sequence[tuple[str, str]] = ()) -> None:
        self.route(path, 200, headers, html, content_type=HTML)

    # ---- what it saw

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    def seen(self, path: str | None = None, *, ua: str | None = None, prefix: bool = False) -> list[Req]:
        """Requests for ``path`` (or under it with ``prefix``) whose User-Agent contains ``ua``."""
        with self._lock:
            return [r for r in self.requests
                    if (path is None or r.path == path or (prefix and r.path.startswith(path)))
                    and (ua is None or ua in r.ua)]

    def count(self, path: str | None = None, *, ua: str | None = None, prefix: bool = False) -> int:
        return len(self.seen(path, ua=ua, prefix=prefix))

    def reset(self) -> None:
        """Forget the requests seen so far (routes stay)."""
        with self._lock:
            self.hits.clear()
            self.requests.clear()

    # ---- life

    def close(self) -> None:
        """Stop accepting, drop every open connection, release waiting raw handlers."""
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() below (a bare close does not)
        with contextlib.suppress(OSError):
            self._sock.close()
        with self._lock:
            open_now = list(self._open)
        for conn in open_now:  # their threads wake up and close them (no fd closed under a reader)
            with contextlib.suppress(OSError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
        self._thread.join(2)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.add(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        first = conn
        try:
            conn.settimeout(10)
            if self.on_connect is not None and self.on_connect(conn):
                return
            sni: str | None = None
            if self.ssl_context is not None:
                tls = self.ssl_context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
                conn = tls
                with self._lock:
                    self._open.add(tls)
                try:
                    tls.do_handshake()
                except (ssl.SSLError, OSError):
                    return
                finally:
                    sni = _SNI.pop(tls, None)
                    self.sni.append(sni)
            req = self._read(conn, sni)
            if req is None:
                return
            with self._lock:
                self.hits[req.path] += 1
                self.requests.append(req)
            self._answer(conn, req)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(first)
                self._open.discard(conn)
            for c in {first, conn}:
                with contextlib.suppress(OSError):
                    c.close()

    def _read(self, conn: socket.socket, sni: str | None) -> Req | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk or len(data) > MAX_HEAD:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _ = lines[0].split(" ", 2)
        except ValueError:
            self._send(conn, Route(400, [("Content-Type", "text/plain")], b"bad request"))
            return None
        headers = [(k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)]
        req = Req(method, target, headers, sni)
        length = req.header("content-length") or "0"
        want = min(int(length), MAX_BODY) if length.isdigit() else 0
        while len(rest) < want:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        req.body = rest[:want]
        return req

    def _answer(self, conn: socket.socket, req: Req) -> None:
        route = self.handler(req) if self.handler is not None else None
        if route is None:
            route = self.routes.get(req.path, NOT_FOUND)
        ua = req.ua
        for needle, alt in route.ua.items():
            if needle in ua:
                route = alt
                break
        if route.delay:
            time.sleep(route.delay)
        if route.raw is not None:
            route.raw(req, conn)
            return
        self._send(conn, route, head_only=req.method == "HEAD")

    def _send(self, conn: socket.socket, route: Route, *, head_only: bool = False) -> None:
        try:
            reason = http.HTTPStatus(route.status).phrase
        except ValueError:
            reason = "Unknown"
        sent = [*route.headers, *self.extra_headers]
        names = {k.lower() for k, _ in sent}
        lines = [f"HTTP/1.1 {route.status} {reason}", *(f"{k}: {v}" for k, v in sent)]
        chunks: Iterator[bytes] | None = None
        if callable(route.body):
            chunks = iter(route.body())
            if "content-length" not in names:
                lines.append("Transfer-Encoding: chunked")
        elif "content-length" not in names:
            lines.append(f"Content-Length: {len(route.body)}")
        lines.append("Connection: close")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        if head_only:
            return
        if chunks is None:
            assert isinstance(route.body, bytes)
            conn.sendall(route.body)
            return
        chunked = "content-length" not in names
        for piece in chunks:
            if not piece:
                continue
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            conn.sendall(b"0\r\n\r\n")


def drop(conn: socket.socket) -> bool:
    """``on_connect`` for a port that accepts and closes every connection (counted in ``connections``)."""
    return True


class StubResolver:
    """A resolver for names that point at loopback servers: ``name -> [ip…]``, calls counted.

    A list of lists answers successive calls in turn (DNS rebinding); an unknown name is NXDOMAIN.
    """

    def __init__(self, table: dict[str, Any]) -> None:
        self.table = dict(table)
        self.calls: Counter[str] = Counter()

    def __call__(self, name: str) -> list[str]:
        self.calls[name] += 1
        entry = self.table.get(name)
        if entry is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if entry and isinstance(entry[0], list):
            return list(entry[min(self.calls[name], len(entry)) - 1])
        return list(entry)
