"""One admission gate per kind of heavy work: a few run, a few wait briefly, the rest get 503 busy.

The service has ``threads`` request threads (waitress). Without a gate, a flood of 40 MP uploads or
256 KiB messages takes every one of them: memory grows with each concurrent decode (issue 17: 12 GB)
and ``/health`` and the pages queue behind the flood (4.6 s median). Each :class:`Gate` lets
``slots`` jobs run and ``queue`` more wait up to ``wait`` seconds; every other request is answered at
once with ``503`` + ``Retry-After`` + ``{"error": {"code": "busy"}}``. Slots plus queues of all gates
stay below the thread count, so some threads are always free for ``/health``, page loads, the login
and the lists.

A slot is released when the work really ends (the worker pool's done callback), not when the
request gives up with 504: a decode that overran its request still counts until it finishes.

The gates are per process by design: with several processes (``--processes``) each has its own, so
the service as a whole runs at most processes × slots decodes; ``for_machine`` splits the cores.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


def usable_cores() -> int:
    """The cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Gate:
    """At most ``slots`` running and ``queue`` waiting (each up to ``wait`` s), first come first served."""

    def __init__(self, name: str, slots: int, queue: int, wait: float,
                 on_idle: Callable[[], None] | None = None) -> None:
        self.name = name
        self.slots = max(1, slots)
        self.queue = max(0, queue)
        self.wait = wait
        self.on_idle = on_idle
        self._cond = threading.Condition()
        self.running = 0
        self.waiting = 0
        self.refused = 0
        self.peak = 0

    def enter(self) -> bool:
        """Take a slot (waiting up to ``wait`` s behind earlier callers); False when busy."""
        with self._cond:
            if self.running < self.slots and self.waiting == 0:
                return self._take()
            if self.waiting >= self.queue:
                self.refused += 1
                return False
            self.waiting += 1
            deadline = time.monotonic() + self.wait
            try:
                while self.running >= self.slots:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self.refused += 1
                        return False
                    self._cond.wait(left)
                return self._take()
            finally:
                self.waiting -= 1

    def full(self) -> bool:
        """True when :meth:`enter` would refuse at once (every slot taken, the queue full).

        Checked before a request body is parsed, so a flood's refused requests cost little.
        """
        with self._cond:
            return self.running >= self.slots and self.waiting >= self.queue

    def _take(self) -> bool:
        self.running += 1
        self.peak = max(self.peak, self.running)
        return True

    def leave(self) -> None:
        """Give the slot back (exactly once per successful :meth:`enter`)."""
        with self._cond:
            self.running -= 1
            idle = self.running == 0
            self._cond.notify()
        if idle and self.on_idle is not None:
            self.on_idle()


@dataclass(frozen=True)
class Limits:
    """Slots and queues of the two gates for a process with ``threads`` request threads."""

    image_slots: int
    image_queue: int
    check_slots: int
    check_queue: int
    wait: float = 2.0

    @classmethod
    def for_machine(cls, threads: int, cores: int | None = None, processes: int = 1) -> Limits:
        """N = cores (split between processes) decodes and as many link checks.

        Each runs in a worker process of its own (:mod:`web.workers`), so N + M processes at most.
        """
        machine = max(1, cores or usable_cores())
        image = check = max(1, machine // max(1, processes))
        # Keep an eighth of the threads (at least 2) for /health, pages and the lists. Checks get
        # the longer queue: most are quick, and a burst of them should wait rather than fail. The
        # queues are sized for the whole machine: with several processes the kernel hands a burst
        # to whichever process accepts first, so one may get it all while the others idle.
        spare = max(0, threads - max(2, threads // 8) - image - check)
        image_queue = min(2 * machine, spare // 3)
        check_queue = min(4 * machine, spare - image_queue)
        return cls(image, image_queue, check, check_queue)
