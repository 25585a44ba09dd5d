"""Helpers for the extension's browser tests: the real service, Chromium with the extension.

The pages the browsers visit come from ``loopback.Server`` (``tests/loopback.py``): its request
log (path, User-Agent, time) lets a test prove a page was never fetched; ``CHROME_UA`` picks
Chromium's own requests out of it.

* :class:`Service` — the real LureLens service (``web.create_app`` + waitress) in a thread, with a
  request log (method, path, Host, Origin, Sec-Fetch-Site, status, time) taken outside every gate.
* :func:`launch` — Debian Chromium with the unpacked extension (SURVEY §4.5 flags), waiting for the
  extension's service worker before anything navigates.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liveservice import LiveService
from loopback import Server

ROOT = Path(__file__).resolve().parents[2]
EXT_DIR = ROOT / "web" / "extension"
CHROMIUM = "/usr/lib/chromium/chromium"
CHROME_UA = "HeadlessChrome"
"""In the User-Agent of headless Chromium's requests (not the service's)."""
ARTIFACTS = ROOT / "tests" / "artifacts"


def extension_id(manifest: Path = EXT_DIR / "manifest.json") -> str:
    """Chrome's ID for the manifest key: sha256(DER public key), first 32 hex digits mapped to a–p."""
    key = json.loads(manifest.read_text(encoding="utf-8"))["key"]
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def page_server(host: str = "127.0.0.1", port: int = 0, **kw: Any) -> Server:
    """A ``loopback.Server`` for the browsers' pages: nothing cached, so every visit is a request."""
    return Server(host, port=port, headers=[("Cache-Control", "no-store")], **kw)


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


class Service(LiveService):
    """The real LureLens service on 127.0.0.1:<ephemeral> in a thread, with its requests logged."""

    def __init__(self, settings: Any, scanner: Any = None, port: int = 0) -> None:
        from web import create_app

        app = create_app(settings, scanner)
        self.log = RequestLog(app.wsgi_app)
        app.wsgi_app = self.log  # type: ignore[method-assign]
        super().__init__(settings, app=app, scanner=scanner, port=port)

    def stop(self) -> None:
        """Close the listening socket and every open connection: the port then refuses them."""
        self.close()


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
