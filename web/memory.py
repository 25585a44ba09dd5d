"""Give memory back after big images: glibc's allocator keeps freed heap pages unless told otherwise.

A 40 MP photo makes arrays of 40–120 MB and many of a few MB. By default glibc raises its mmap
threshold after each big free (up to 32 MB), so later arrays of that size come from the heap, and a
heap fragmented by a flood of decodes stays resident: issue 17 measured 10.6 GB left after one.
:func:`tune_allocator` pins the threshold at 1 MiB (big arrays are mapped and unmapped, so freeing
them returns the pages) and bounds the number of arenas; :func:`trim` hands free heap pages back
when the last decode ends. Both are no-ops where glibc is not the allocator (macOS, Windows, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from functools import cache
from typing import Any

log = logging.getLogger("lurelens.web")

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1024 * 1024
ARENA_MAX = 4


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        return libc
    except (OSError, AttributeError):  # not glibc (musl has no mallopt/malloc_trim)
        return None


def tune_allocator() -> bool:
    """Fixed 1 MiB mmap threshold, 4 MiB trim threshold and at most 4 arenas; True when applied."""
    libc = _libc()
    if libc is None:
        return False
    ok = all(libc.mallopt(opt, value) == 1 for opt, value in (
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, 4 * MMAP_THRESHOLD), (M_ARENA_MAX, ARENA_MAX)))
    if not ok:
        log.warning("could not tune the memory allocator; memory may stay high after big images")
    return ok


def trim() -> None:
    """Return free heap pages to the system (cheap: a few ms even after a flood)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
