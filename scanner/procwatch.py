"""Find, measure and kill the processes of one browser launch (the page renderer's watchdog).

A launch carries a marker switch unique to it (``--lurelens-render=<id>``); only the process whose
command line holds that marker and its descendants are ever measured or killed (Linux ``/proc``;
elsewhere nothing is found and nothing is killed).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

__all__ = ["kill", "marked_tree", "rss"]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def marked_tree(marker: str) -> list[int]:
    """The pids of the browser started with ``marker`` and all its descendants."""
    if not os.path.isdir("/proc"):
        return []
    roots = []
    token = f"--lurelens-render={marker}".encode()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if token in Path(f"/proc/{d}/cmdline").read_bytes():
                    roots.append(int(d))
            except OSError:
                continue
    if not roots:
        return []
    kids, todo = _children(), list(roots)
    out: list[int] = []
    while todo and len(out) < 512:
        pid = todo.pop()
        if pid not in out:
            out.append(pid)
            todo.extend(kids.get(pid, ()))
    return out


def rss(pids: list[int]) -> int:
    """Resident bytes of ``pids`` together (processes that are gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError, IndexError):
            continue
    return total


def kill(pids: list[int]) -> None:
    """SIGKILL each of ``pids`` (found by :func:`marked_tree`: never a process of anyone else's)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
