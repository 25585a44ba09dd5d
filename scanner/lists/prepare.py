"""When the list index is built: at setup, on a ``lists`` change, or in the background — never in a check.

A check only opens the index that is on disk (:func:`open_for_check`). When it is stale (a list file,
the allowlist or the compile rules changed outside a ``lists`` command, or the package was upgraded)
the check uses it as it is and one background thread per data dir rebuilds it; when there is none
yet, the check runs without lists (the report says so: ``lists.not_ready``) while it is built.
The setup step (``ListSet.prepare``: :func:`scanner.lists.build.ensure_index`) builds it in the
foreground: ``lurelens serve`` runs it before it listens, ``check``/``scan``/``page`` before their
first input, and every ``lists`` command after its change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import ScannerError
from ..settings import Settings
from . import build, index, store

log = logging.getLogger(__name__)

RETRY_AFTER = 60.0
"""A failed background build is not retried for this many seconds (a full disk must not spin)."""

_lock = threading.Lock()
_running: dict[Path, threading.Thread] = {}
_waiting: dict[Path, list[Callable[[index.Index], None]]] = {}
_failed_at: dict[Path, float] = {}


def open_for_check(
    settings: Settings, on_built: Callable[[index.Index], None] | None = None
) -> tuple[index.Index | None, bool]:
    """``(index or None, fresh)`` without building; a stale or missing index is rebuilt in the background.

    ``on_built`` receives the new index when the background build ends (the scanner swaps it in).
    """
    idx, fresh = build.open_index(settings)
    if not fresh:
        rebuild_in_background(settings, on_built)
    return idx, fresh


def rebuild_in_background(
    settings: Settings, on_built: Callable[[index.Index], None] | None = None
) -> threading.Thread | None:
    """Start (or join) this data dir's background build; ``None`` when one failed less than a minute ago.

    Every caller's ``on_built`` is called with the new index, also when it joined a build another
    caller started. The thread is not a daemon: a one-shot process waits for it at exit, so it
    never leaves half a file behind, and the next run finds the index built.
    """
    path = store.index_path(settings)
    with _lock:
        running = _running.get(path)
        if running is None or not running.is_alive():
            if time.monotonic() - _failed_at.get(path, -RETRY_AFTER) < RETRY_AFTER:
                return None
            log.info("list index missing or out of date: rebuilding in the background")
            running = _running[path] = threading.Thread(
                target=_rebuild, args=(settings, path), name="lurelens-lists-build"
            )
            running.start()
        if on_built is not None:
            _waiting.setdefault(path, []).append(on_built)
        return running


def _rebuild(settings: Settings, path: Path) -> None:
    try:
        idx = build.ensure_index(settings)  # builds only if no other process did meanwhile
    except (ScannerError, OSError) as e:
        log.warning("background list build failed: %s", e)
        with _lock:
            _failed_at[path] = time.monotonic()
            _waiting.pop(path, None)
        return
    with _lock:
        waiting = _waiting.pop(path, [])
    for on_built in waiting:
        on_built(idx)
