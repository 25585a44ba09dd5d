"""Pick up a rebuilt list index while the service runs (``lists add`` / ``lists update`` from cron).

Each request asks :meth:`ListWatch.poll`; at most every ``interval`` seconds it stats the index file
(one ``os.stat``, no reading) and, when its identity changed, tells the scanner to reload its lists
and logs it. The index is replaced atomically (write + rename), so a new inode, size or mtime marks
a new build; the next check then maps the new file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import request

log = logging.getLogger("lurelens.web.lists")
"""Its INFO lines are shown by ``lurelens serve`` (the rest of the CLI logs warnings only)."""

Fingerprint = tuple[int, int, int] | None


def fingerprint(path: Path) -> Fingerprint:
    """(inode, size, mtime in ns) of ``path``, or None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class ListWatch:
    """Calls ``reload`` once each time the file at ``path`` changes (checked at most every ``interval`` s)."""

    def __init__(self, path: Path, reload: Callable[[], None], interval: float = 0.5) -> None:
        self.path = path
        self.interval = interval
        self._reload = reload
        self._lock = threading.Lock()
        self._seen = fingerprint(path)
        self._next = time.monotonic() + interval

    def poll(self) -> bool:
        """Reload the lists when the index changed since the last look; True when it did."""
        now = time.monotonic()
        if now < self._next or not self._lock.acquire(blocking=False):
            return False
        try:
            self._next = now + self.interval
            current = fingerprint(self.path)
            if current == self._seen:
                return False
            self._seen = current
            self._reload()
            log.info("lists changed on disk (%s): reloaded", self.path)
            return True
        finally:
            self._lock.release()


def install(app: Any, get_reload: Callable[[], Callable[[], None] | None], path: Path) -> None:
    """Poll ``path`` before each API or page request of ``app``; ``get_reload`` finds the scanner's reload.

    The index is fingerprinted now, when the app is built (the scanner loads that index when it
    starts): a process whose first request comes after a change still sees the change.
    """

    def reload() -> None:
        fn = get_reload()
        if fn is not None:
            fn()

    watch = ListWatch(path, reload)

    def _fresh() -> None:
        if request.path.startswith("/static/"):
            return
        watch.poll()

    app.before_request(_fresh)
