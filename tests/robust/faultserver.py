"""A raw-socket loopback server that misbehaves on purpose, one behaviour per path.

Behaviours (``FaultServer.url(kind)``):

* ``hang``      accept, read the request, never answer;
* ``reset``     read the request, then close with SO_LINGER 0 (a TCP RST);
* ``garbage``   answer bytes that are not HTTP;
* ``drip``      send a 200 header, then one byte every ``drip_interval`` seconds, forever;
* ``redirect``  302 to ``/redirect/<n+1>`` forever (a new URL each time, so no loop is detected);
* ``ok``        a small 200 page.

Any other path gets 404. With ``ssl_context`` the server speaks TLS with that context's certificate
(a self-signed one makes an untrusted-certificate upstream). ``tls_garbage`` servers answer every
connection with plain text where a TLS ServerHello should be, so ``https://`` to them is an
invalid-TLS upstream.
Counters (``hits``) let tests check the client gave up instead of retrying without end.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections import Counter


class FaultServer:
    """One listening socket on ``host``:ephemeral port, a thread per connection."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        drip_interval: float = 0.3,
        tls_garbage: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.ssl_context = ssl_context
        self.drip_interval = drip_interval
        self.tls_garbage = tls_garbage
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.hits: Counter[str] = Counter()
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def pair(self) -> tuple[str, int]:
        """``(ip, port)`` for ``Settings(egress_allow=…)``."""
        return (self.host, self.port)

    def url(self, kind: str, scheme: str = "http") -> str:
        """The URL that triggers behaviour ``kind``."""
        return f"{scheme}://{self.host}:{self.port}/{kind}"

    def close(self) -> None:
        """Stop accepting and drop every open connection."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        with self._lock:
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.close()
        self._thread.join(2)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------
    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> str:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        return parts[1] if len(parts) > 1 else "/"

    def _handle(self, conn: socket.socket) -> None:
        try:
            if self.tls_garbage:
                self.hits["tls"] += 1
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    conn.recv(4096)  # the ClientHello
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno")
                return
            if self.ssl_context is not None:
                conn.settimeout(5)
                try:
                    conn = self.ssl_context.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    self.hits["tls_handshake_failed"] += 1
                    return
            path = self._read_request(conn)
            kind = path.strip("/").split("/", 1)[0] or "ok"
            self.hits[kind] += 1
            if kind == "hang":
                self._stop.wait(60)
            elif kind == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif kind == "garbage":
                conn.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" * 10)
            elif kind == "drip":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>")
                while not self._stop.is_set():
                    conn.sendall(b"x")
                    time.sleep(self.drip_interval)
            elif kind == "redirect":
                n = int(path.rsplit("/", 1)[-1]) if path.rsplit("/", 1)[-1].isdigit() else 0
                conn.sendall(
                    f"HTTP/1.1 302 Found\r\nLocation: /redirect/{n + 1}\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
            elif kind == "ok":
                body = b"<html><head><title>ok</title></head><body>fine</body></html>"
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\nConnection: close\r\n\r\n"
                    + body
                )
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()
