"""What every benchmark shares: repeated timing, robust statistics and one result shape.

A figure on a shared, noisy machine means little alone, so every benchmark measures a *reference*
beside our code in the same run (interleaved: ours, reference, ours, reference…), repeats both, and
reports the median of each, its spread and the ratio of the medians. See ``docs/performance.md``.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BenchResult", "Stat", "interleave", "machine_info", "rss_bytes", "timed"]


@dataclass(frozen=True)
class Stat:
    """One figure measured ``len(runs)`` times: its median and how far the runs spread."""

    unit: str
    runs: tuple[float, ...]
    better: str = "higher"
    """``higher`` (throughput, rates) or ``lower`` (latency, memory)."""

    @classmethod
    def of(cls, unit: str, runs: list[float] | tuple[float, ...], better: str = "higher") -> Stat:
        """A Stat over ``runs`` (at least one run)."""
        if not runs:
            raise ValueError("a Stat needs at least one run")
        return cls(unit, tuple(float(r) for r in runs), better)

    @property
    def median(self) -> float:
        """The median run: robust to one slow outlier on a busy machine."""
        return float(statistics.median(self.runs))

    @property
    def spread_pct(self) -> float:
        """(max − min) / median × 100: how much the runs disagree (0 for a single run)."""
        med = self.median
        if len(self.runs) < 2 or med == 0:
            return 0.0
        return (max(self.runs) - min(self.runs)) / abs(med) * 100.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "median": _round(self.median),
            "min": _round(min(self.runs)),
            "max": _round(max(self.runs)),
            "spread_pct": round(self.spread_pct, 1),
            "n": len(self.runs),
            "unit": self.unit,
            "better": self.better,
            "runs": [_round(r) for r in self.runs],
        }


def _round(x: float) -> float:
    if x == 0 or x != x:  # zero or NaN
        return x
    mag = abs(x)
    digits = 1 if mag >= 1000 else 2 if mag >= 10 else 4 if mag >= 0.01 else 6
    return round(x, digits)


@dataclass
class BenchResult:
    """One benchmark: our figures, the reference's figures (same keys where comparable), ratios."""

    name: str
    ours_label: str
    reference_label: str
    primary: str
    """The key in ``figures`` whose ratio is the headline ``ratio``."""
    figures: dict[str, Stat] = field(default_factory=dict)
    reference: dict[str, Stat] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Figures without a reference counterpart (RSS of the server, error counts…)."""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None
    """Why the benchmark could not run (a missing stage, no photos…); figures are then empty."""

    def ratios(self) -> dict[str, float | None]:
        """ours.median / reference.median for every figure both sides measured."""
        out: dict[str, float | None] = {}
        for key, ours in self.figures.items():
            ref = self.reference.get(key)
            if ref is None:
                continue
            out[key] = float(f"{ours.median / ref.median:.4g}") if ref.median else None
        return out

    @property
    def ratio(self) -> float | None:
        """The headline ratio: ours / reference for ``primary``."""
        return self.ratios().get(self.primary)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (one value of ``bench all --json``)."""
        if self.skipped is not None:
            return {"skipped": self.skipped, "seconds": round(self.seconds, 2), "ratio": None}
        return {
            "ours": self.ours_label,
            "reference_label": self.reference_label,
            "primary": self.primary,
            "ratio": self.ratio,
            "ratios": self.ratios(),
            "figures": {k: v.to_dict() for k, v in self.figures.items()},
            "reference": {k: v.to_dict() for k, v in self.reference.items()},
            "extra": self.extra,
            "params": self.params,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (garbage collected first, so runs start alike)."""
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleave(
    ours: Callable[[], Mapping[str, float]],
    reference: Callable[[], Mapping[str, float]],
    repeat: int,
    *,
    warmup: bool = True,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Run ours and the reference alternately ``repeat`` times; collect each figure's runs.

    Alternating (rather than all of ours, then all of the reference) spreads a burst of load from
    other processes over both sides, so the ratio stays meaningful on a shared machine.
    """
    if warmup:
        ours()
        reference()
    a: dict[str, list[float]] = {}
    b: dict[str, list[float]] = {}
    for _ in range(max(1, repeat)):
        for k, v in ours().items():
            a.setdefault(k, []).append(v)
        for k, v in reference().items():
            b.setdefault(k, []).append(v)
    return a, b


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of a process (Linux ``/proc``; 0 where unavailable)."""
    path = f"/proc/{pid or 'self'}/status"
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def machine_info() -> dict[str, Any]:
    """Where the figures came from: CPU model and count, memory, Python and key library versions."""
    import platform
    import sys

    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_mib"] = int(line.split()[1]) // 1024
                    break
        info["loadavg_1m"] = round(os.getloadavg()[0], 2)
    except (OSError, ValueError, IndexError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    libs: dict[str, str] = {}
    for dist in ("zxing-cpp", "ada-url", "tldextract", "waitress", "flask", "httpx"):
        try:
            libs[dist] = version(dist)
        except PackageNotFoundError:
            continue
    info["libraries"] = libs
    return info
