"""``bench check``: offline checks per second over a URL list, beside tldextract parsing alone.

The reference is the floor every URL check pays anyway: splitting the host into subdomain,
registrable domain and public suffix with tldextract (bundled suffix list, no I/O). Our side is the
whole offline pipeline: validation, payload classification, WHATWG canonicalisation, list lookups,
URL heuristics and the verdict. ``ratio`` = our checks/s ÷ tldextract URLs/s (below 1: we do more
work per URL; the figure to watch is how it moves between versions).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import InputError
from ..settings import Settings
from .core import BenchResult, Stat, interleave

__all__ = ["bench_check"]


def _rate(fn: Callable[[str], object], items: Sequence[str], min_seconds: float) -> tuple[float, int]:
    """Items per second over whole passes of ``items`` lasting at least ``min_seconds``; and errors."""
    n = errors = 0
    t0 = time.perf_counter()
    while True:
        for item in items:
            try:
                fn(item)
            except InputError:
                errors += 1
        n += len(items)
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return n / elapsed, errors


def bench_check(
    settings: Settings,
    urls: Sequence[str],
    *,
    repeat: int = 5,
    min_seconds: float = 0.5,
    use_lists: bool | None = None,
) -> BenchResult:
    """Offline ``Scanner.check`` rate vs ``tldextract`` rate on the same URLs."""
    import tldextract

    from ..pipeline import Scanner

    started = time.perf_counter()
    scanner = Scanner(settings.replace(offline=True))
    lists_on = settings.use_lists if use_lists is None else use_lists
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    bad = [0]

    def ours() -> dict[str, float]:
        rate, errors = _rate(lambda u: scanner.check(u, offline=True, use_lists=lists_on), urls, min_seconds)
        bad[0] = errors
        return {"checks_per_s": rate, "us_per_url": 1e6 / rate}

    def reference() -> dict[str, float]:
        rate, _ = _rate(extract, urls, min_seconds)
        return {"checks_per_s": rate, "us_per_url": 1e6 / rate}

    t_load = time.perf_counter()
    scanner.lists(lists_on)  # load the index outside the timed runs (``bench lists`` times it)
    load_s = time.perf_counter() - t_load
    a, b = interleave(ours, reference, repeat)
    res = BenchResult(
        name="check",
        ours_label="Scanner.check(url, offline=True)" + ("" if lists_on else " without lists"),
        reference_label="tldextract.TLDExtract(bundled PSL)(url)",
        primary="checks_per_s",
        figures={
            "checks_per_s": Stat.of("checks/s", a["checks_per_s"]),
            "us_per_url": Stat.of("µs", a["us_per_url"], "lower"),
        },
        reference={
            "checks_per_s": Stat.of("URLs/s", b["checks_per_s"]),
            "us_per_url": Stat.of("µs", b["us_per_url"], "lower"),
        },
        params={
            "urls": len(urls),
            "repeat": repeat,
            "min_seconds_per_run": min_seconds,
            "use_lists": lists_on,
        },
        extra={"lists_load_s": round(load_s, 3), "rejected_inputs_per_pass": bad[0]},
    )
    res.seconds = time.perf_counter() - started
    return res


def default_urls(path: Path | None) -> list[str]:
    """The URL list for ``bench check`` / ``bench api`` (``--urls`` or the built-in one)."""
    from .inputs import load_urls

    return load_urls(path)
