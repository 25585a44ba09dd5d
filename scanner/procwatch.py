"""Find, measure and kill the processes of one browser launch (the page renderer's watchdog).

A launch carries a marker switch unique to it (``--lurelens-render=<id>``); only the process whose
command line holds that marker and its descendants are ever measured or killed (Linux ``/proc``;
elsewhere nothing is found and nothing is killed).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

__all__ = ["kill", "marked_roots", "marked_tree", "rss", "tree"]


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


def marked_roots(marker: str, candidates: list[int] | None = None) -> list[int]:
    """The pids whose command line holds ``--lurelens-render=<marker>``: among ``candidates`` (a
    pid may have been reused since), else among all processes (one scan of ``/proc``)."""
    if not os.path.isdir("/proc"):
        return []
    token = f"--lurelens-render={marker}".encode()
    pids = candidates if candidates is not None else [int(d) for d in os.listdir("/proc") if d.isdigit()]
    roots = []
    for pid in pids:
        try:
            if token in Path(f"/proc/{pid}/cmdline").read_bytes():
                roots.append(pid)
        except OSError:
            continue
    return roots


def _kids_of(pid: int) -> list[int] | None:
    """Children from ``/proc/PID/task/*/children`` (None when the kernel does not offer it)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    out: list[int] = []
    for t in tasks:
        try:
            out.extend(int(x) for x in Path(f"/proc/{pid}/task/{t}/children").read_text().split())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            continue
    return out


def tree(roots: list[int]) -> list[int]:
    """``roots`` and all their descendants that are still alive."""
    kids: dict[int, list[int]] | None = None
    out: list[int] = []
    todo = [r for r in roots if os.path.exists(f"/proc/{r}")]
    while todo and len(out) < 512:
        pid = todo.pop()
        if pid in out:
            continue
        out.append(pid)
        direct = _kids_of(pid)
        if direct is None:
            kids = kids if kids is not None else _children()
            direct = kids.get(pid, [])
        todo.extend(direct)
    return out


def marked_tree(marker: str) -> list[int]:
    """The pids of the browser started with ``marker`` and all its descendants."""
    return tree(marked_roots(marker))


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
