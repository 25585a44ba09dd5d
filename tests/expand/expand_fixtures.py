"""Loopback servers and a stub resolver for the expansion and SSRF tests (TESTSPEC §0).

FX-A on 127.0.0.1, FX-B on 127.0.0.2, FX-TLS on 127.0.0.3 (certificate for ``shop.test`` signed
by a CA made for this session with the ``openssl`` CLI) and CANARY on 127.0.0.9, which is never
in the egress allowlist and must see no connection at all. Each fixture is a small raw HTTP/1.1
server whose routes the test programs (status, headers — repeats allowed —, body, delay,
per-User-Agent branches, or a raw handler that writes bytes itself) and which counts hits per path.
A stub resolver maps ``*.test`` names to fixture addresses and counts its calls.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Req:
    method: str
    target: str
    headers: list[tuple[str, str]]
    sni: str | None = None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

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


class Fixture:
    """A programmable HTTP(S) server on one loopback address."""

    def __init__(self, host: str, ssl_context: ssl.SSLContext | None = None, port: int = 0) -> None:
        self.host = host
        self.ssl_context = ssl_context
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[Req] = []
        self.connections = 0
        self.sni: list[str | None] = []
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        self.port: int = self._sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    def url(self, path: str, name: str | None = None) -> str:
        return f"{self.scheme}://{name or self.host}:{self.port}{path}"

    def route(self, path: str, status: int = 200, headers: Sequence[tuple[str, str]] = (),
              body: bytes | str | Callable[[], Iterable[bytes]] = b"", **kw: Any) -> Route:
        if isinstance(body, str):
            body = body.encode("utf-8")
        r = Route(status, headers, body, **kw)
        self.routes[path] = r
        return r

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.route(path, status, [("Location", location)])

    def html(self, path: str, html: str, headers: Sequence[tuple[str, str]] = ()) -> None:
        self.route(path, 200, [("Content-Type", "text/html; charset=utf-8"), *headers], html)

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    def close(self) -> None:
        self._stop = True
        try:
            self._sock.close()
        except OSError:
            pass

    # ---- server internals

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        sni: list[str | None] = [None]
        try:
            conn.settimeout(10)
            if self.ssl_context is not None:
                ctx = self.ssl_context

                def remember(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, c: Any) -> None:
                    sni[0] = name

                ctx.sni_callback = remember  # type: ignore[assignment]
                try:
                    conn = ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    self.sni.append(sni[0])
                    return
                self.sni.append(sni[0])
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if len(data) > 1 << 20:
                    return
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            lines = head.split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = [(k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)]
            req = Req(method, target, headers, sni[0])
            with self._lock:
                self.hits[req.path] += 1
                self.requests.append(req)
            route = self.routes.get(req.path)
            if route is None:
                self._send(conn, Route(404, [("Content-Type", "text/plain")], b"not found"))
                return
            ua = req.header("user-agent") or ""
            for needle, alt in route.ua.items():
                if needle in ua:
                    route = alt
                    break
            if route.delay:
                time.sleep(route.delay)
            if route.raw is not None:
                route.raw(req, conn)
                return
            self._send(conn, route)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    @staticmethod
    def _send(conn: socket.socket, route: Route) -> None:
        lines = [f"HTTP/1.1 {route.status} X"]
        names = {k.lower() for k, _ in route.headers}
        lines += [f"{k}: {v}" for k, v in route.headers]
        chunks: Iterator[bytes] | None = None
        if callable(route.body):
            chunks = iter(route.body())
            if "content-length" not in names:
                lines.append("Transfer-Encoding: chunked")
        elif "content-length" not in names:
            lines.append(f"Content-Length: {len(route.body)}")
        lines.append("Connection: close")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
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


class StubResolver:
    """``name -> [ip…]``; a list of lists answers successive calls (DNS rebinding)."""

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


