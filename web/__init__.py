"""The local service: pages for people and a hardened JSON API for the browser extension.

``create_app(settings, scanner)`` is the factory (flaskr pattern). The :class:`scanner.pipeline.Scanner`
is built lazily on first use unless one is passed in (tests pass a fake; ``serve`` warms it before
listening). Security gates live in :mod:`web.security`; see ``docs/service.md``.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Flask, g, request

from scanner.models import Report
from scanner.settings import Settings

from . import admission, memory, security
from .errors import WebError
from .session import session_key
from .token import TokenStore

__all__ = ["AppState", "ScannerLike", "create_app", "state"]

T = TypeVar("T")
UPLOAD_SLACK = 64 * 1024
"""Bytes allowed over ``max_image_bytes`` for the multipart envelope and form fields."""


class ScannerLike(Protocol):
    """What the web layer needs from :class:`scanner.pipeline.Scanner`."""

    def check(self, text: str, *, offline: bool | None = None) -> Report: ...

    def scan_image(
        self, data: bytes, *, offline: bool | None = None, decode_only: bool = False
    ) -> Report: ...

    def analyze_page(self, html: str, url: str) -> Report: ...


class AppState:
    """Everything the views share: settings, the scanner, the token, gates and the worker pool."""

    def __init__(self, settings: Settings, scanner: ScannerLike | None) -> None:
        self.settings = settings
        self._scanner = scanner
        self._lock = threading.Lock()
        self.port = settings.port
        self.bind_host = settings.host
        self.public = settings.allow_public_bind
        self.tokens = TokenStore(settings)
        self.paired = security.PairedOrigins(settings.data_dir)
        self.origins = security.OriginPolicy(settings, self.paired, lambda: self.port,
                                             security.bundled_extension_id())
        self.limiter = security.RateLimiter(settings.rate_limit_per_minute)
        self.workers: Any = None
        """A :class:`web.workers.WorkerPool` when ``serve`` runs one; None: checks run in threads."""
        self.lists_module: Any = None
        """The list manager; None means ``scanner.lists`` (tests inject a fake)."""
        # Checks run here, so a stuck one times out for its caller while other requests go on.
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(4, settings.threads * 2), thread_name_prefix="lurelens-check")
        # Heavy work passes an admission gate first (docs/service.md, "Bounded work").
        self.limits = admission.Limits.for_machine(settings.threads)
        self.image_gate = admission.Gate("image", self.limits.image_slots, self.limits.image_queue,
                                         self.limits.wait, on_idle=memory.trim)
        self.check_gate = admission.Gate("check", self.limits.check_slots, self.limits.check_queue,
                                         self.limits.wait)

    @property
    def scanner(self) -> ScannerLike:
        """The scanner, built on first use."""
        if self._scanner is None:
            with self._lock:
                if self._scanner is None:
                    from scanner.pipeline import Scanner

                    self._scanner = Scanner(self.settings)
        return self._scanner

    def host_ok(self, host: str | None) -> bool:
        """The Host gate's predicate (reads the live port: ``serve`` may bind port 0)."""
        return security.host_allowed(host, self.port, self.bind_host, self.public)

    def throttle(self, client: str) -> None:
        """Take one request from ``client``'s rate-limit bucket; raise 429 when it is empty."""
        wait = self.limiter.hit(client)
        if wait:
            raise WebError(429, "too_many_requests", "Too many requests; wait and try again.",
                           {"Retry-After": security.RateLimiter.retry_after(wait)})

    def refuse_if_full(self, gate: admission.Gate) -> None:
        """Answer 503 busy before reading the body when ``gate`` has no room at all."""
        if gate.full():
            gate.refused += 1
            raise self.busy(gate)

    @staticmethod
    def busy(gate: admission.Gate) -> WebError:
        """The 503 ``busy`` answer."""
        return WebError(503, "busy", "LureLens is busy with other checks right now; try again in a moment.",
                        {"Retry-After": str(max(1, round(gate.wait)))})

    def scan(self, method: str, *args: Any, gate: admission.Gate, **kwargs: Any) -> Any:
        """``Scanner.<method>(*args, **kwargs)`` through ``gate``: in a worker process when the
        service runs a :class:`web.workers.WorkerPool` (``lurelens serve``), else in a thread."""
        if self.workers is not None:
            return self.run(self.workers.submit, method, *args, gate=gate, _future=True, **kwargs)
        return self.run(getattr(self.scanner, method), *args, gate=gate, **kwargs)

    def lists_changed(self) -> None:
        """The lists were rebuilt: this process's scanner and the workers' reload them."""
        reload = getattr(self.scanner, "reload_lists", None)
        if callable(reload):
            reload()
        if self.workers is not None:
            self.workers.lists_changed()

    def run(self, fn: Callable[..., Any], *args: Any, gate: admission.Gate | None = None,
            _future: bool = False, **kwargs: Any) -> Any:
        """Run ``fn`` in the worker pool, giving up after ``settings.request_timeout`` seconds.

        With ``gate``, a slot is taken first (503 ``busy`` when none frees up in time) and given back
        when ``fn`` really returns, even after the caller gave up on it.
        """
        if gate is not None and not gate.enter():
            raise self.busy(gate)
        try:
            # ``_future``: ``fn`` itself returns a future (a worker process's), so no thread waits.
            future = fn(*args, **kwargs) if _future else self.pool.submit(fn, *args, **kwargs)
        except BaseException:
            if gate is not None:
                gate.leave()
            raise
        if gate is not None:
            future.add_done_callback(lambda _f: gate.leave())
        try:
            return future.result(timeout=self.settings.request_timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise WebError(504, "timeout", "The check took too long and was stopped; try again, "
                           "or check offline.") from None


def state(app: Flask | None = None) -> AppState:
    """The :class:`AppState` of ``app`` (default: the current app)."""
    from flask import current_app

    st: AppState = (app or current_app).extensions["lurelens"]
    return st


def create_app(settings: Settings | None = None, scanner: ScannerLike | None = None) -> Flask:
    """Build the Flask app (no network, no list loading: the scanner is built on first use)."""
    settings = settings if settings is not None else Settings.load()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_image_bytes + UPLOAD_SLACK,
        MAX_FORM_MEMORY_SIZE=max(settings.max_input_bytes * 2, 512 * 1024),
        # Shared by every process on this data dir (``--processes``): the login session holds.
        SECRET_KEY=session_key(settings.data_dir),
        SESSION_COOKIE_NAME=f"lurelens_session_{settings.port}",  # cookies ignore ports: don't clash
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    st = AppState(settings, scanner)
    app.extensions["lurelens"] = st
    # The Host gate wraps everything, so DNS-rebinding requests never reach routing.
    app.wsgi_app = security.HostGate(app.wsgi_app, st.host_ok)  # type: ignore[method-assign]

    from scanner.lists.store import index_path as lists_index

    from . import api, errors, i18n, listwatch, pages

    errors.init_app(app)
    # Every {{ value }} a page shows passes through here: a code's text, a page title or a piece
    # of evidence may carry direction overrides or invisible characters that make one thing read
    # as another (``invoice<U+202E>gnp.exe``). They are shown as visible markers instead.
    app.jinja_env.finalize = pages.visible
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)

    # A list added or updated by another process takes effect at the next request (issue 19).
    listwatch.install(app, lambda: getattr(st.scanner, "reload_lists", None), lists_index(settings))

    @app.before_request
    def _language() -> None:
        g.lang = i18n.negotiate(request.cookies.get("lang"), request.headers.get("Accept-Language"),
                                "en" if settings.lang == "en" else "zh")

    @app.after_request
    def _headers(resp: Any) -> Any:
        for k, v in security.SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"
        resp.headers.pop("Server", None)
        return resp

    return app


def set_port(app: Flask, port: int) -> None:
    """Tell the app which port it really listens on (after binding port 0)."""
    st = state(app)
    st.port = port
    app.config["SESSION_COOKIE_NAME"] = f"lurelens_session_{port}"
