"""A loopback list-feed server whose answer each test sets: body, type, status, length, pace.

``loopback.Server`` answering ``answers[target]`` (the request target, query included), with
events for a body that started and one that went out in full.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from loopback import Req, Route, Server


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


class FeedServer(Server):
    """``loopback.Server`` on 127.0.0.1 serving ``answers[path]``; unknown paths get 404."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.answers: dict[str, FeedAnswer] = {}
        self.started = threading.Event()
        """Set when a body starts going out (tests kill the client then)."""
        self.finished = threading.Event()
        """Set when a body was sent in full."""
        super().__init__(host, handler=self._feed_route)

    def _feed_route(self, req: Req) -> Route | None:
        a = self.answers.get(req.target)
        if a is None:
            return Route(404)
        length = str(a.declared_length or len(a.body))
        headers = [("Content-Type", a.content_type), ("Content-Length", length)]
        return Route(a.status, headers, body=lambda: self._pieces(a))

    def _pieces(self, a: FeedAnswer) -> Iterator[bytes]:
        self.started.set()
        step = a.chunk or max(len(a.body), 1)
        for i in range(0, len(a.body), step):
            yield a.body[i : i + step]
            if a.chunk:
                time.sleep(a.pause)
        self.finished.set()
