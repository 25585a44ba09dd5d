"""A loopback HTTP server for list feeds whose answer each test sets: body, type, status, length, pace."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FeedAnswer:
    """What the next requests for a path get."""

    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    status: int = 200
    declared_length: int | None = None
    """Content-Length to announce (more than ``len(body)`` makes a truncated download)."""
    chunk: int = 0
    """Send the body in pieces of this size, ``pause`` seconds apart (a drip feed); 0: at once."""
    pause: float = 0.0


class FeedServer:
    """``ThreadingHTTPServer`` on 127.0.0.1 serving ``answers[path]``; counts requests and finished bodies."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.answers: dict[str, FeedAnswer] = {}
        self.requests: list[str] = []
        self.started = threading.Event()
        """Set when a body starts going out (tests kill the client then)."""
        self.finished = threading.Event()
        """Set when a body was sent in full."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                server.requests.append(self.path)
                a = server.answers.get(self.path)
                if a is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(a.status)
                self.send_header("Content-Type", a.content_type)
                self.send_header("Content-Length", str(a.declared_length or len(a.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                server.started.set()
                try:
                    if a.chunk:
                        for i in range(0, len(a.body), a.chunk):
                            self.wfile.write(a.body[i : i + a.chunk])
                            self.wfile.flush()
                            time.sleep(a.pause)
                    else:
                        self.wfile.write(a.body)
                    self.wfile.flush()
                    server.finished.set()
                except OSError:
                    pass
                self.close_connection = True

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self.thread.start()

    @property
    def pair(self) -> tuple[str, int]:
        """``(ip, port)`` for ``Settings(egress_allow=…)``."""
        return (self.host, self.port)

    def url(self, path: str) -> str:
        """The feed URL for ``path``."""
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
