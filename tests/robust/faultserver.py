"""A loopback server that misbehaves on purpose, one behaviour per path: routes on ``loopback.Server``.

Behaviours (``FaultServer.url("/<kind>")``):

* ``hang``      accept, read the request, never answer;
* ``reset``     read the request, then close with SO_LINGER 0 (a TCP RST);
* ``garbage``   answer bytes that are not HTTP;
* ``drip``      send a 200 header, then one byte every ``drip_interval`` seconds, forever;
* ``redirect``  302 to ``/redirect/<n+1>`` forever (a new URL each time, so no loop is detected);
* ``ok``        a small 200 page (also at ``/``).

Any other path gets 404. With ``ssl_context`` the server speaks TLS with that context's certificate
(a self-signed one makes an untrusted-certificate upstream). ``tls_garbage`` servers answer every
connection with plain text where a TLS ServerHello should be, so ``https://`` to them is an
invalid-TLS upstream.
``count("/redirect", prefix=True)`` and friends let tests check the client gave up instead of
retrying without end.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct

from loopback import HTML, Req, Route, Server

OK_PAGE = b"<html><head><title>ok</title></head><body>fine</body></html>"


def _not_tls(conn: socket.socket) -> bool:
    with contextlib.suppress(OSError):
        conn.recv(4096)  # the ClientHello
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno")
    return True


def _next_redirect(req: Req) -> Route | None:
    if req.path != "/redirect" and not req.path.startswith("/redirect/"):
        return None
    last = req.path.rsplit("/", 1)[-1]
    n = int(last) if last.isdigit() else 0
    return Route(302, [("Location", f"/redirect/{n + 1}")])


class FaultServer(Server):
    """``loopback.Server`` on ``host``:ephemeral port with the fault routes above."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        drip_interval: float = 0.3,
        tls_garbage: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.drip_interval = drip_interval
        super().__init__(host, ssl_context, handler=_next_redirect,
                         on_connect=_not_tls if tls_garbage else None)
        self.route("/hang", raw=self._hang)
        self.route("/reset", raw=self._reset)
        self.route("/garbage", raw=self._garbage)
        self.route("/drip", raw=self._drip)
        self.route("/ok", 200, [], OK_PAGE, content_type=HTML)
        self.routes["/"] = self.routes["/ok"]

    def _hang(self, req: Req, conn: socket.socket) -> None:
        self.stopping.wait(60)

    @staticmethod
    def _reset(req: Req, conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    @staticmethod
    def _garbage(req: Req, conn: socket.socket) -> None:
        conn.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" * 10)

    def _drip(self, req: Req, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>")
        while not self.stopping.is_set():
            conn.sendall(b"x")
            self.stopping.wait(self.drip_interval)
