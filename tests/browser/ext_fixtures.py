"""Helpers for the extension's browser tests: loopback fixtures, the real service, Chromium.

* :class:`FixtureServer` — a stdlib HTTP server on ``127.0.0.x:<ephemeral>`` with a programmable
  route table and a hit log (path, User-Agent, time), so a test can prove a page was never fetched.
* :class:`Service` — the real LureLens service (``web.create_app`` + waitress) in a thread, with a
  request log (method, path, Host, Origin, Sec-Fetch-Site, status, time) taken outside every gate.
* :func:`launch` — Debian Chromium with the unpacked extension (SURVEY §4.5 flags), waiting for the
  extension's service worker before anything navigates.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXT_DIR = ROOT / "web" / "extension"
CHROMIUM = "/usr/lib/chromium/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"


def extension_id(manifest: Path = EXT_DIR / "manifest.json") -> str:
    """Chrome's ID for the manifest key: sha256(DER public key), first 32 hex digits mapped to a–p."""
    key = json.loads(manifest.read_text(encoding="utf-8"))["key"]
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


# ---- loopback fixture servers ---------------------------------------------------------------------

@dataclass
class Hit:
    path: str
    ua: str
    at: float
    method: str = "GET"


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class FixtureServer:
    """An HTTP fixture on ``host:<ephemeral>`` that counts every request it receives."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 handler: Callable[[BaseHTTPRequestHandler], bool] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                pass

            def _serve(self) -> None:
                path = self.path.split("?", 1)[0]
                with outer._lock:
                    outer.hits.append(Hit(path, self.headers.get("User-Agent", ""), time.monotonic(),
                                          self.command))
                if handler is not None and handler(self):
                    return
                route = outer.routes.get(path)
                if route is None:
                    route = Route(b"not found", 404, "text/plain")
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(route.body)

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def route(self, path: str, body: str | bytes, *, status: int = 200,
              content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None) -> None:
        """Serve ``body`` at ``path``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, status, content_type, dict(headers or {}))

    def url(self, path: str = "/", host: str | None = None) -> str:
        """The URL of ``path``, optionally under a host name mapped to this server's address."""
        return f"http://{host or self.host}:{self.port}{path}"

    def count(self, path: str | None = None, *, browser_only: bool = False) -> int:
        """Requests seen (for ``path``; only Chromium's when ``browser_only``)."""
        with self._lock:
            return sum(1 for h in self.hits if (path is None or h.path == path)
                       and (not browser_only or "HeadlessChrome" in h.ua))

    def reset(self) -> None:
        """Forget the hits seen so far."""
        with self._lock:
            self.hits.clear()

    def browser_hits(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path and "HeadlessChrome" in h.ua]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the real service ------------------------------------------------------------------------------

@dataclass
class ApiRequest:
    method: str
    path: str
    host: str
    origin: str | None
    sec_fetch_site: str | None
    has_token: bool
    status: int
    at: float


class RequestLog:
    """WSGI middleware recording every request before the service's own gates see it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.entries: list[ApiRequest] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        box: dict[str, int] = {}

        def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            box["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.app(environ, _start)
        with self._lock:
            self.entries.append(ApiRequest(
                method=environ.get("REQUEST_METHOD", ""),
                path=environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"]
                                                     if environ.get("QUERY_STRING") else ""),
                host=environ.get("HTTP_HOST", ""),
                origin=environ.get("HTTP_ORIGIN"),
                sec_fetch_site=environ.get("HTTP_SEC_FETCH_SITE"),
                has_token=bool(environ.get("HTTP_X_LURELENS_TOKEN")),
                status=box.get("status", 0),
                at=time.monotonic(),
            ))
        return result

    def api(self, path_prefix: str = "/api/") -> list[ApiRequest]:
        with self._lock:
            return [e for e in self.entries if e.path.startswith(path_prefix)]


class Service:
    """The real LureLens service on 127.0.0.1:<ephemeral> in a thread (waitress)."""

    def __init__(self, settings: Any, scanner: Any = None, port: int = 0) -> None:
        from web import create_app
        from web.serve import make_server
        from web.token import ensure_token

        self.settings = settings
        self.app = create_app(settings, scanner)
        self.log = RequestLog(self.app.wsgi_app)
        self.app.wsgi_app = self.log  # type: ignore[method-assign]
        self.server = make_server(settings, self.app, port=port)
        self.port = int(self.server.effective_port)
        self.token = ensure_token(settings)
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        self.running = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Close the listening socket: the port then refuses connections."""
        if self.running:
            self.running = False
            self.server.close()
            # Keep-alive connections would go on serving: close them too (a really stopped service).
            for channel in list(self.server._map.values()):
                channel.close()
            self._thread.join(timeout=5)
            self.server.task_dispatcher.shutdown(timeout=2)

    def get(self, path: str) -> tuple[int, Any]:
        """A well-behaved API GET from the test (the extension's shape, with the token)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers={"X-LureLens-Token": self.token,
                                               "Host": f"127.0.0.1:{self.port}"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()


class ConnectionCounter:
    """A bare TCP listener that accepts and drops connections, counting them (a 'dead' service)."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.count += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


# ---- Chromium with the unpacked extension --------------------------------------------------------

@dataclass
class Browser:
    context: Any
    worker: Any
    ext_id: str
    profile: Path

    def ext_url(self, page: str) -> str:
        return f"chrome-extension://{self.ext_id}/{page}"

    def sw(self, expr: str, arg: Any = None) -> Any:
        """Evaluate in the extension's service worker (an async expression is awaited)."""
        return self.worker.evaluate(expr, arg)

    def ext_page(self, page: str) -> Any:
        """Open an extension page in a new tab and wait until its script has rendered."""
        p = self.context.new_page()
        p.goto(self.ext_url(page))
        p.wait_for_selector("body[data-ready]", timeout=15_000)
        return p

    def message(self, msg: dict[str, Any]) -> Any:
        """Send a runtime message from an extension page (like the options page would)."""
        p = self.context.new_page()
        try:
            p.goto(self.ext_url("options.html"))
            return p.evaluate("m => chrome.runtime.sendMessage(m)", msg)
        finally:
            p.close()

    def pair(self, port: int, token: str, *, lang: str = "zh") -> Any:
        """Pair through the options page's message (the UI flow itself is tested in E-04)."""
        self.sw("l => chrome.storage.local.set({uiLang: l})", lang)
        return self.message({"type": "options:pair", "port": port, "token": token})

    def tab_id(self, page: Any) -> int:
        """The extension's tab id of a Playwright page (matched by URL)."""
        url = page.url
        tid = self.sw("u => chrome.tabs.query({}).then(ts => (ts.find(t => t.url === u) || {}).id)", url)
        if tid is None:
            raise AssertionError(f"no tab with url {url}")
        return int(tid)

    def close(self) -> None:
        self.context.close()


def launch(pw: Any, *, resolver_rules: str = "", extra_args: Iterable[str] = (),
           ext_dir: Path = EXT_DIR) -> Browser:
    """Debian Chromium, headless, with the unpacked extension (SURVEY §4.5 P1)."""
    profile = Path(tempfile.mkdtemp(prefix="lurelens-chromium-"))
    args = ["--no-sandbox", f"--disable-extensions-except={ext_dir}", f"--load-extension={ext_dir}",
            "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
    if resolver_rules:
        args.append(f"--host-resolver-rules={resolver_rules}")
    args.extend(extra_args)
    ctx = pw.chromium.launch_persistent_context(
        str(profile), headless=True, executable_path=CHROMIUM, args=args,
        viewport={"width": 1100, "height": 800})
    worker = ctx.service_workers[0] if ctx.service_workers else ctx.wait_for_event("serviceworker",
                                                                                   timeout=10_000)
    ext_id = worker.url.split("/")[2]
    # Close the blank start tab so tests own every page.
    return Browser(ctx, worker, ext_id, profile)


def wait_until(pred: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``pred`` until truthy; return its value or raise AssertionError at the timeout."""
    end = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
