"""The real LureLens app served over HTTP from a thread, on 127.0.0.1:<ephemeral> (waitress).

The one helper for tests that need the service in-process over real sockets (web, browser and fault
tests); ``lurelens serve`` in a process of its own is ``scanner.bench.api.ServiceProcess``, and the
servers the service talks *to* are ``tests/loopback.py``.
"""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any


class LiveService:
    """``make_server`` + ``run_until`` in a daemon thread; a context manager.

    ``start=False`` leaves time to adjust the app's state (gates, limits) before it serves.
    """

    def __init__(self, settings: Any, *, app: Any = None, scanner: Any = None, port: int = 0,
                 start: bool = True) -> None:
        from web.serve import make_server
        from web.token import ensure_token

        self.settings = settings
        self.scanner = scanner
        self.server = make_server(settings, app, scanner=scanner, port=port)
        self.app = self.server.lurelens_app
        self.port = int(self.server.effective_port)
        self.token = ensure_token(settings)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def start(self) -> None:
        """Serve from a daemon thread until :meth:`close`."""
        from web.serve import run_until

        self._thread = threading.Thread(target=run_until, args=(self.server, self._stop), daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, body: object = None, *, timeout: float = 30,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One API request as a well-behaved client sends it (the token; JSON in and out)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"X-LureLens-Token": self.token, **(headers or {})}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                sent["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=sent)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, Any]:
        return self.call("GET", path)

    def close(self) -> None:
        """Stop serving: the listening socket and every open connection are closed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        else:
            self.server.close()

    def __enter__(self) -> LiveService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
