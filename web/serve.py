"""Run the app on waitress, bound to loopback, with the token in place before the socket listens."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from scanner.errors import ConfigError, ScannerError
from scanner.settings import Settings

from . import UPLOAD_SLACK, create_app, memory, set_port, state
from .session import login_url, new_login_secret
from .token import ensure_token
from .workers import WorkerPool

log = logging.getLogger("lurelens.web")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0"), is_loopback("192.168.1.2")
    (True, True, False, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_public: bool) -> None:
    """Refuse a non-loopback bind unless the user insisted with the explicit flag."""
    if not is_loopback(host) and not allow_public:
        raise ConfigError(
            f"refusing to listen on {host}: that exposes LureLens to other machines. Use 127.0.0.1, "
            "or pass --allow-public-bind (--i-know-this-exposes-the-service) if you really mean it")


def secure_data_dir(data_dir: Path) -> int:
    """Make ``data_dir`` private: folders 0700, files 0600 (symlinks left alone). Returns how many changed.

    The token, the session key, the expansion cache (every URL checked online and its chain) and the
    lists live there; another account on this machine must read none of it. New files are private
    anyway (``serve`` sets the umask to 077); this tightens what older versions left open.
    """
    if os.name != "posix":
        return 0
    changed = 0

    def tighten(path: str, mode: int) -> None:
        nonlocal changed
        try:
            st = os.lstat(path)
            if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) & 0o077:
                os.chmod(path, stat.S_IMODE(st.st_mode) & mode, follow_symlinks=False)
                changed += 1
        except (OSError, NotImplementedError):
            pass  # vanished meanwhile, or not ours: the check itself still works

    root = Path(data_dir)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    tighten(str(root), 0o700)
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            tighten(os.path.join(folder, d), 0o700)
        for f in files:
            tighten(os.path.join(folder, f), 0o600)
    return changed


def make_server(settings: Settings, app: Any = None, *, scanner: Any = None, port: int | None = None) -> Any:
    """A waitress server for ``settings`` (not yet serving); the token exists when this returns.

    ``port=0`` binds an ephemeral port (tests); the app is then told the real one.
    """
    from waitress.server import create_server

    check_bind(settings.host, settings.allow_public_bind)
    secure_data_dir(settings.data_dir)
    ensure_token(settings)  # before the socket exists: a client never sees a service without a token
    app = app or create_app(settings, scanner)
    server = create_server(
        app,
        host="127.0.0.1" if settings.host.lower() == "localhost" else settings.host,
        port=settings.port if port is None else port,
        threads=settings.threads,
        # waitress stops reading a (chunked) body past this and answers 413 itself.
        max_request_body_size=max(settings.max_image_bytes * 4 // 3, settings.max_image_bytes) + UPLOAD_SLACK,
        ident="LureLens",  # the Server header, without versions
        channel_timeout=max(30, int(settings.request_timeout) + 5),
        connection_limit=max(100, settings.threads * 4),
        clear_untrusted_proxy_headers=True,
    )
    server.lurelens_app = app  # waitress may wrap the app (proxy-header middleware): keep ours
    set_port(app, int(server.effective_port))
    st = state(app)
    st.bind_host = settings.host
    return server


def run_until(server: Any, stop: threading.Event, poll: float = 0.2) -> None:
    """Run waitress's loop until ``stop`` is set, then close the server cleanly (tests and signals)."""
    from waitress import wasyncore

    try:
        while not stop.is_set() and server._map:
            wasyncore.loop(timeout=poll, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
    finally:
        server.close()
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        # Close any open client channels too, so nothing is left in the map.
        for channel in list(server._map.values()):
            try:
                channel.close()
            except OSError:
                pass
        st = state(server.lurelens_app)
        st.pool.shutdown(wait=False, cancel_futures=True)
        if st.workers is not None:
            st.workers.shutdown()


def _announce(settings: Settings, port: int, out: IO[str], *, open_browser: bool) -> None:
    """Print where the service runs and a fresh one-time sign-in link (and open it when asked)."""
    url = login_url(port, new_login_secret(settings.data_dir))
    print(f"LureLens is running at http://127.0.0.1:{port}/  (Ctrl-C to stop)", file=out, flush=True)
    print(f"Open this link to sign in (it works once; `lurelens login` makes another):\n    {url}",
          file=out, flush=True)
    if open_browser:
        import webbrowser

        try:
            webbrowser.open(url)
        except Exception as e:  # noqa: BLE001 - no browser is not an error: the link is printed
            log.warning("could not open a browser: %s", type(e).__name__)
    if not is_loopback(settings.host):
        print(f"WARNING: listening on {settings.host}: other machines can reach this service.",
              file=out, flush=True)


def _prepare_lists(settings: Settings) -> None:
    """Build the list index now if it is missing or stale (a check never builds it)."""
    if not settings.use_lists:
        return
    from scanner.lists.build import ensure_index

    try:
        ensure_index(settings)
    except ScannerError as e:  # checks run on the heuristics and say so until it is built
        log.warning("lists not ready at start: %s", e)


def serve(settings: Settings, *, out: IO[str] | None = None, open_browser: bool = False,
          on_ready: Callable[[Any], None] | None = None) -> int:
    """Serve until interrupted; prints the sign-in link (and opens it with ``open_browser``)."""
    out = out or sys.stdout
    if os.name == "posix":
        os.umask(0o077)  # everything this process creates under the data dir is the user's alone
    memory.tune_allocator()
    # The HTTP loop shares the interpreter lock with the request threads: hand it over every 1 ms
    # (not 5) so a burst of refused requests does not delay /health.
    sys.setswitchinterval(0.001)
    logging.getLogger("lurelens.web.lists").setLevel(logging.INFO)  # "lists changed …: reloaded"
    if settings.processes > 1:  # gunicorn forks the workers: each builds its own app (web/multiproc.py)
        from .multiproc import check_processes, serve_processes

        check_processes(settings, settings.port)
        check_bind(settings.host, settings.allow_public_bind)
        secure_data_dir(settings.data_dir)
        ensure_token(settings)
        _prepare_lists(settings)
        _announce(settings, settings.port, out, open_browser=open_browser)
        return serve_processes(settings, settings.port, out=out)
    server = make_server(settings)
    app = server.lurelens_app
    _prepare_lists(settings)
    st = state(app)
    # Checks and scans run in worker processes (web/workers.py): a flood never holds this
    # process's interpreter lock, and a decoder crash costs one request, not the service.
    st.workers = WorkerPool(settings, st.limits.image_slots + st.limits.check_slots)
    # Build the scanners (and load the lists) now, so the first request is not slow.
    try:
        _ = st.scanner
        st.workers.warm()
    except Exception as e:  # the pages will report it per request
        log.warning("scanner not ready at start: %s", type(e).__name__)
    _announce(settings, int(server.effective_port), out, open_browser=open_browser)
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
    if on_ready:
        on_ready(server)
    run_until(server, stop)
    print("LureLens stopped.", file=out, flush=True)
    return 0
