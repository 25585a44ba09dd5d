"""Heavy work in worker processes, so a flood never holds the service's interpreter lock.

Measured on the 2-core machine (issue 17, row 5): with link checks of 256 KiB messages in the
service's own threads, ``/health`` took 0.5 s at the median and up to 6 s, because regular
expressions over a long text run in C for a long time without letting other threads in. In worker
processes the service process only does HTTP; the operating system shares the cores fairly.

``lurelens serve`` runs checks, page analyses and image scans in a :class:`WorkerPool` of
``image_slots + check_slots`` processes, one per admitted job (``spawn``: safe with threads, and
the same on Windows), each with its own :class:`scanner.pipeline.Scanner` on the shared
memory-mapped list index, at a lower priority (nice 5) than the service's HTTP thread. The admission gates
(:mod:`web.admission`) still decide how many run at once; the pool only moves them out of process.
A worker that dies (a decoder crash on a hostile file, the OOM killer) breaks only the request it
was serving: the pool is rebuilt for the next one. After a list change the workers reload their
lists before their next task (a generation number travels with each task).

The service still keeps a scanner of its own for ``/go`` (one short address, offline) and the lists.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scanner.errors import ScannerError
from scanner.settings import Settings

from . import memory

log = logging.getLogger("lurelens.web")
WORKER_NICENESS = 5

_scanner: Any = None
_generation = 0


class WorkerCrashed(ScannerError):
    """The worker process serving this request died (it is replaced for the next one)."""

    code = "worker_crashed"
    http_status = 500


def _init(settings: Settings, parent: int) -> None:
    """Worker start: a lower priority, a tuned allocator, and a scanner of its own, warmed up."""
    global _scanner
    if hasattr(os, "nice"):
        # Batch work: when the cores are busy, the service's own HTTP thread runs first, so
        # /health and the pages stay quick whatever the workers chew on.
        os.nice(WORKER_NICENESS)
    memory.tune_allocator()
    _exit_with_parent(parent)
    from scanner.pipeline import Scanner

    _scanner = Scanner(settings)
    try:  # load the decoders and the lists now, not during the first request (or a flood)
        _scanner.scan_image(_tiny_png(), offline=True, decode_only=True)
        _scanner.check("https://example.com/", offline=True)
    except ScannerError:
        pass
    memory.trim()


def _exit_with_parent(parent: int, poll: float = 0.5) -> None:
    """End this worker when the service (pid ``parent``) is gone, even after a SIGKILL.

    Each worker holds the task queue's write end too, so it never sees end-of-file when the service
    dies; a daemon thread watches the parent's pid instead. The pid comes from the service, not from
    ``os.getppid()`` here: a service killed while this worker was starting would otherwise be
    recorded as "init" and never missed.
    """

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(poll)

    threading.Thread(target=watch, name="lurelens-parent-watch", daemon=True).start()


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buf, "PNG")
    return buf.getvalue()


def _call(generation: int, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run ``Scanner.<method>`` in this worker (reloading the lists first when they changed)."""
    global _generation
    if generation != _generation:
        _scanner.reload_lists()
        _generation = generation
    try:
        return getattr(_scanner, method)(*args, **kwargs)
    finally:
        if method == "scan_image":
            memory.trim()  # the decode's arrays are gone: give their pages back


def _ready() -> bool:
    return _scanner is not None


class WorkerPool:
    """A process pool that runs :class:`Scanner` methods; rebuilt when a worker dies."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = max(1, processes)
        self.generation = 0
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init, initargs=(self.settings, os.getpid()))
            return self._pool

    def warm(self) -> None:
        """Start every worker now (each loads the scanner), so the first request is not slow."""
        pool = self._executor()
        for f in [pool.submit(_ready) for _ in range(self.processes * 2)]:
            f.result(timeout=120)

    def lists_changed(self) -> None:
        """The lists were rebuilt: each worker reloads them before its next task."""
        self.generation += 1

    def submit(self, method: str, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """Run ``Scanner.<method>(*args, **kwargs)`` in a worker; the future's exception is typed."""
        pool = self._executor()
        try:
            inner = pool.submit(_call, self.generation, method, args, kwargs)
        except BrokenProcessPool:
            self._reset(pool)
            inner = self._executor().submit(_call, self.generation, method, args, kwargs)
        outer: concurrent.futures.Future[Any] = concurrent.futures.Future()
        # Running from the start: a caller that gives up (504) cannot cancel it, so its done
        # callbacks (the admission slot) fire only when the worker really finishes.
        outer.set_running_or_notify_cancel()

        def relay(f: concurrent.futures.Future[Any]) -> None:
            exc = f.exception()
            if isinstance(exc, BrokenProcessPool):
                log.error("a worker process died while serving a %s request; starting a new one", method)
                self._reset(pool)
                outer.set_exception(WorkerCrashed("LureLens's worker stopped while reading this input; "
                                                  "try again, or send a different file."))
            elif exc is not None:
                outer.set_exception(exc)
            else:
                outer.set_result(f.result())

        inner.add_done_callback(relay)
        return outer

    def _reset(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop the workers (at service stop)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
