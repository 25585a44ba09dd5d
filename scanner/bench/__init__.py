"""``lurelens bench``: measured speed, each figure beside a reference measured in the same run.

``lurelens bench [decode|check|lists|expand|api|detect|scale|ocr|all] [--json] [--quick] [--photos P]
[--urls F] [--repeat N]``. Every benchmark returns a :class:`~scanner.bench.core.BenchResult`: our
figures, the reference's figures, the median and spread of each over repeated runs and the ratio of
the medians. ``docs/performance.md`` explains how to read each one and lists measured numbers.

Benchmarks whose stage is missing from this build are reported as ``skipped`` with the reason, not
as a crash; a benchmark that fails with an error makes the command exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..settings import Settings
from .core import BenchResult, Stat, machine_info

__all__ = ["BENCHMARKS", "BenchResult", "Stat", "add_parser", "run", "run_benchmarks"]

BENCHMARKS = ("decode", "check", "lists", "expand", "api", "detect", "scale", "ocr")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``bench`` subcommand to the ``lurelens`` command line."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "bench",
        help="measure speed beside a reference (see docs/performance.md)",
        description="Run benchmarks; each prints our figure, a reference figure measured in the same "
        "run, the median and spread over repeated runs, and their ratio.",
    )
    p.add_argument(
        "which", nargs="?", default="all", choices=(*BENCHMARKS, "all"), help="which benchmark (default: all)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object keyed by benchmark name")
    p.add_argument("--quick", action="store_true", help="fewer, shorter runs (CI smoke test)")
    p.add_argument("--photos", type=Path, help="photo manifest (JSON) or folder for 'decode'")
    p.add_argument("--urls", type=Path, help="URL list (one per line) for 'check' and 'api'")
    p.add_argument(
        "--eval",
        dest="eval_dir",
        type=Path,
        help="the evaluation data folder for 'detect' (its urls/ and pages/)",
    )
    p.add_argument(
        "--links-fixtures",
        type=Path,
        help="'detect': folder holding fetched linkify-it and URLExtract (e.g. their mirrors); else skipped",
    )
    p.add_argument("--render", action="store_true", help="'detect': pages also rendered in headless Chromium")
    p.add_argument("--repeat", type=int, help="runs per side (default: 1–5 by benchmark, fewer with --quick)")
    p.add_argument("--config", type=Path, help="TOML settings file (else LURELENS_CONFIG)")
    p.set_defaults(func=run)
    return p


def _plans(args: argparse.Namespace, settings: Settings) -> dict[str, Callable[[], BenchResult]]:
    quick = bool(args.quick)
    rep = args.repeat

    def r(default: int, q: int) -> int:
        return max(1, rep if rep else (q if quick else default))

    def check() -> BenchResult:
        from .check import bench_check, default_urls

        return bench_check(
            settings, default_urls(args.urls), repeat=r(5, 3), min_seconds=0.2 if quick else 0.5
        )

    def decode() -> BenchResult:
        from .decode import bench_decode

        return bench_decode(settings, args.photos, repeat=r(3, 1))

    def lists() -> BenchResult:
        from .adapters import bench_lists_adapter

        return bench_lists_adapter(settings, repeat=r(3, 1), quick=quick)

    def expand() -> BenchResult:
        from .adapters import bench_expand_adapter

        return bench_expand_adapter(settings, repeat=r(5, 2), quick=quick)

    def api() -> BenchResult:
        from .api import bench_api
        from .check import default_urls

        return bench_api(settings, default_urls(args.urls), repeat=r(3, 1), duration=2.0 if quick else 5.0)

    def detect() -> BenchResult:
        from .adapters import bench_detect_adapter

        render = bool(getattr(args, "render", False)) or settings.render_pages
        return bench_detect_adapter(
            settings, repeat=r(1, 1), quick=quick, eval_dir=args.eval_dir, links_fixtures=args.links_fixtures,
            render=render,
        )

    def scale() -> BenchResult:
        from .check import default_urls
        from .scale import bench_scale

        return bench_scale(settings, default_urls(args.urls), repeat=r(3, 1), quick=quick)

    def ocr() -> BenchResult:
        from .ocr import bench_ocr

        return bench_ocr(settings, args.photos, repeat=r(3, 1))

    return {"decode": decode, "check": check, "lists": lists, "expand": expand, "api": api, "detect": detect,
            "scale": scale, "ocr": ocr}


def run_benchmarks(
    names: list[str], args: argparse.Namespace, settings: Settings, progress: IO[str] | None = None
) -> tuple[dict[str, BenchResult], dict[str, str]]:
    """Run ``names`` in order; results, and the error of each benchmark that failed."""
    plans = _plans(args, settings)
    results: dict[str, BenchResult] = {}
    failures: dict[str, str] = {}
    for name in names:
        t0 = time.perf_counter()
        if progress is not None:
            progress.write(f"bench {name} …\n")
            progress.flush()
        try:
            res = plans[name]()
        except InputError:
            raise  # a bad --urls/--photos/--eval: the user's to fix, exit 2 like every command
        except ModuleNotFoundError as e:
            res = BenchResult(name, "", "", "", skipped=f"stage not in this build: {e.name}")
        except Exception as e:  # noqa: BLE001 - one broken benchmark must not hide the others
            failures[name] = f"{type(e).__name__}: {e}"
            res = BenchResult(name, "", "", "", skipped=f"failed: {type(e).__name__}: {e}")
        if not res.seconds:
            res.seconds = time.perf_counter() - t0
        results[name] = res
    return results, failures


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``lurelens bench``: print the figures (text or JSON); 1 when a benchmark failed."""
    started = time.perf_counter()
    names = list(BENCHMARKS) if args.which == "all" else [args.which]
    out = sys.stdout
    results, failures = run_benchmarks(names, args, settings, progress=sys.stderr)
    if args.json:
        doc: dict[str, Any] = {name: res.to_dict() for name, res in results.items()}
        info = machine_info()
        info["total_seconds"] = round(time.perf_counter() - started, 1)
        info["quick"] = bool(args.quick)
        doc["machine"] = info
        out.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        for res in results.values():
            out.write(format_result(res) + "\n")
        out.write(f"total {time.perf_counter() - started:.1f} s\n")
    for name, err in failures.items():
        sys.stderr.write(f"lurelens: bench {name} failed: {err}\n")
    return 1 if failures else 0


def _fmt(x: float) -> str:
    if x != x:
        return "nan"
    mag = abs(x)
    if mag >= 1000:
        return f"{x:,.0f}"
    if mag >= 10:
        return f"{x:.1f}"
    if mag >= 0.1:
        return f"{x:.3f}"
    return f"{x:.4g}"


def format_result(res: BenchResult) -> str:
    """A benchmark as a small text table: figure, ours, reference, ratio."""
    if res.skipped is not None:
        return f"== {res.name}: skipped ({res.skipped})\n"
    lines = [
        f"== {res.name}  ({res.seconds:.1f} s)",
        f"   ours:      {res.ours_label}",
        f"   reference: {res.reference_label}",
        f"   {'figure':<16}{'ours (median ±spread)':>30}{'reference':>30}{'ratio':>9}",
    ]
    ratios = res.ratios()
    for key, st in res.figures.items():
        ref = res.reference.get(key)
        o = f"{_fmt(st.median)} {st.unit} ±{st.spread_pct:.0f}%"
        rtxt = f"{_fmt(ref.median)} {ref.unit} ±{ref.spread_pct:.0f}%" if ref else "-"
        ratio = ratios.get(key)
        mark = " *" if key == res.primary else ""
        lines.append(f"   {key:<16}{o:>30}{rtxt:>30}{(_fmt(ratio) if ratio is not None else '-'):>9}{mark}")
    if res.extra:
        lines.append("   extra: " + json.dumps(res.extra, ensure_ascii=False))
    for note in res.notes:
        lines.append(f"   note: {note}")
    return "\n".join(lines) + "\n"
