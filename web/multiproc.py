"""``lurelens serve --processes N``: the same app from N processes behind gunicorn (POSIX only).

The master binds the socket, makes the data dir private, writes the API token and prints the sign-in
link, then forks N workers; each worker builds its own app (``preload_app`` off: nothing is shared
through fork), maps the same list index read-only, and runs its own checks in its own worker
processes (``web/workers.py``). What must agree between processes lives in the data dir:

* the API token (``token``) and the cookie-signing key (``session-key``): every process accepts the
  same token and the same sign-in cookie, so CSRF tokens kept in that cookie hold too;
* the one-time sign-in secret (``login-secret``): spent by an atomic rename, so only one process can
  accept it;
* the list index (``lists/index.bin``): each process notices a new one within 2 s.

Per process by design (docs/service.md, "Several processes"): rate-limit buckets, admission gates
(each process gets its share of the cores: ``Limits.for_machine(processes=N)``) and the in-memory
expansion cache in front of the shared SQLite one.
"""

from __future__ import annotations

import logging
import os
from typing import IO, Any

from scanner.errors import ConfigError
from scanner.settings import Settings

log = logging.getLogger("lurelens.web")

MAX_PROCESSES_PER_CORE = 4


def _worker_app(settings: Settings, port: int) -> Any:
    """One worker's app: built after the fork, with its own worker pool, warmed before it serves."""
    from . import create_app, set_port, state
    from .workers import WorkerPool

    app = create_app(settings)
    set_port(app, port)
    st = state(app)
    st.bind_host = settings.host
    st.workers = WorkerPool(settings, st.limits.image_slots + st.limits.check_slots)
    try:
        _ = st.scanner
        st.workers.warm()
    except Exception as e:  # noqa: BLE001 - the pages report it per request
        log.warning("scanner not ready at start: %s", type(e).__name__)
    return app


def _worker_exit(server: Any, worker: Any) -> None:
    from . import state

    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "extensions") and "lurelens" in app.extensions:
        st = state(app)
        if st.workers is not None:
            st.workers.shutdown()


def gunicorn_options(settings: Settings, port: int) -> dict[str, Any]:
    """gunicorn's settings for ``settings`` (threaded workers, loopback bind, quiet access log)."""
    host = "127.0.0.1" if settings.host.lower() == "localhost" else settings.host
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": settings.processes,
        "worker_class": "gthread",
        "threads": settings.threads,
        "timeout": max(30, int(settings.request_timeout) + 10),
        "graceful_timeout": 5,
        "keepalive": 5,
        "preload_app": False,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "lurelens",
        "worker_exit": _worker_exit,
    }


def check_processes(settings: Settings, port: int) -> None:
    """Refuse, before anything is printed or bound, what ``--processes`` cannot run."""
    if os.name != "posix":
        raise ConfigError("--processes needs gunicorn, which runs on Linux and macOS only: on Windows "
                          "leave it at 1 (waitress, threads)")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        raise ConfigError("--processes needs gunicorn: pip install 'lurelens[scale]'") from None
    if port == 0:
        raise ConfigError("--processes needs a fixed --port (the workers must know it)")
    cores = os.cpu_count() or 1
    if settings.processes > MAX_PROCESSES_PER_CORE * cores:
        raise ConfigError(f"--processes {settings.processes} is more than {MAX_PROCESSES_PER_CORE} per core "
                          f"({cores} cores here): each process holds a scanner and its check processes")


def serve_processes(settings: Settings, port: int, *, out: IO[str]) -> int:
    """Run gunicorn with ``settings.processes`` workers until it is stopped; 0 after a clean stop."""
    check_processes(settings, port)
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(settings, port).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return _worker_app(settings, port)

    print(f"Serving from {settings.processes} processes (gunicorn).", file=out, flush=True)
    try:
        _App().run()
    except SystemExit as e:  # gunicorn's arbiter exits when it is stopped
        return int(e.code or 0)
    return 0
