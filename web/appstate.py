"""The service's state: one :class:`AppState` per Flask app (settings, scanner, token store, origin
policy, rate limits, admission gates, worker pool), and :func:`state` to reach it from a request.

Kept apart from the app factory (``web/__init__.py``) so the API and the pages can read it without
importing the package that imports them.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Flask

from scanner.models import Report
from scanner.settings import Settings

from . import admission, memory, security
from .errors import WebError
from .token import TokenStore

__all__ = ["UPLOAD_SLACK", "AppState", "ScannerLike", "state"]

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
        self.limits = admission.Limits.for_machine(settings.threads, processes=settings.processes)
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
