"""Adapters: benchmarks that live with their stage, repeated and put in the common result shape.

* ``lists`` — :func:`scanner.bench.lists_bench.bench_lists`: the compiled index vs a plain Python ``set`` of
  the same synthetic domains (load time, peak RSS and lookup latency, each in a fresh subprocess).
* ``expand`` — :func:`scanner.bench.expand_bench.bench_expand`: 50 links × 3 hops × 100 ms on loopback vs
  the slowest single chain.
* ``detect`` — :func:`scanner.bench.evaldetect.bench_detect`: detection rates on a labelled folder (pages:
  TPR/FPR, PII precision/recall overall and per field, median ms per page; also on the project's
  own page families in ``tests/data/pages_own`` when run from a source checkout).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..settings import Settings
from .core import BenchResult, Stat

__all__ = ["bench_detect_adapter", "bench_expand_adapter", "bench_lists_adapter"]


def bench_lists_adapter(settings: Settings, *, repeat: int = 3, quick: bool = False) -> BenchResult:
    """``bench_lists`` repeated ``repeat`` times (each builds, then loads and queries in subprocesses)."""
    from .lists_bench import bench_lists

    started = time.perf_counter()
    n = 200_000 if quick else 2_200_000
    lookups = 5_000 if quick else 20_000
    keys = ("load_s", "rss_mb", "lookup_p50_us", "lookup_p99_us")
    a: dict[str, list[float]] = {k: [] for k in keys}
    b: dict[str, list[float]] = {k: [] for k in keys}
    builds: dict[str, list[float]] = {"build_s": [], "parse_s": [], "check_p50_us": []}
    last: dict[str, Any] = {}
    for _ in range(max(1, repeat)):
        r = bench_lists(n, lookups=lookups)
        last = r
        for side, d in ((a, r["index"]), (b, r["set"])):
            side["load_s"].append(d["load_s"])
            # Memory the lists add: peak RSS minus the bare interpreter's, so Python's own start-up
            # size (which differs between the two child scripts' imports) does not blur the ratio.
            side["rss_mb"].append(d["rss_peak_mb"] - d["rss_base_mb"])
            side["lookup_p50_us"].append(d["lookup_p50_us"])
            side["lookup_p99_us"].append(d["lookup_p99_us"])
        for k in builds:
            if k in r["index"]:
                builds[k].append(r["index"][k])
    idx = last["index"]
    res = BenchResult(
        name="lists",
        ours_label="compiled index (scanner.lists.index, mmap) loaded in a fresh process",
        reference_label="Python set of the same domains read from a text file, in a fresh process",
        primary="rss_mb",
        figures={
            "load_s": Stat.of("s", a["load_s"], "lower"),
            "rss_mb": Stat.of("MiB", a["rss_mb"], "lower"),
            "lookup_p50_us": Stat.of("µs", a["lookup_p50_us"], "lower"),
            "lookup_p99_us": Stat.of("µs", a["lookup_p99_us"], "lower"),
        },
        reference={
            "load_s": Stat.of("s", b["load_s"], "lower"),
            "rss_mb": Stat.of("MiB", b["rss_mb"], "lower"),
            "lookup_p50_us": Stat.of("µs", b["lookup_p50_us"], "lower"),
            "lookup_p99_us": Stat.of("µs", b["lookup_p99_us"], "lower"),
        },
        params={"n_domains": n, "lookups": last.get("lookups"), "repeat": repeat},
        extra={
            "index_build_s": [round(x, 2) for x in builds["build_s"]],
            "parse_s": [round(x, 2) for x in builds["parse_s"]],
            "index_file_mib": round(idx.get("file_mb", 0.0), 1),
            "rss_peak_mib": {
                "index": round(idx["rss_peak_mb"], 1),
                "set": round(last["set"]["rss_peak_mb"], 1),
            },
            "check_p50_us": idx.get("check_p50_us"),
            "hits_equal": idx.get("hits") == last["set"].get("hits"),
            "targets": last.get("targets"),
            "targets_met": last.get("ok"),
        },
    )
    if not res.extra["hits_equal"]:
        res.notes.append("the index and the set disagree on which queries hit: a correctness bug")
    res.seconds = time.perf_counter() - started
    return res


def bench_expand_adapter(settings: Settings, *, repeat: int = 5, quick: bool = False) -> BenchResult:
    """``bench_expand`` repeated; each run starts its own loopback servers."""
    from .expand_bench import bench_expand

    started = time.perf_counter()
    runs: list[dict[str, Any]] = []
    for _ in range(max(1, repeat)):
        runs.append(bench_expand())
    res = _expand_result(runs)
    res.params["repeat"] = repeat
    res.seconds = time.perf_counter() - started
    return res


def _expand_result(runs: list[dict[str, Any]]) -> BenchResult:
    try:
        many = [float(r["wall_s"]) for r in runs]
        single = [float(r["slowest_single_chain_s"]) for r in runs]
    except (KeyError, TypeError, ValueError):
        keys = sorted(runs[0])
        return BenchResult("expand", "", "", "", skipped=f"unknown bench_expand result keys: {keys}")
    last = runs[-1]
    growth = [r.get("bomb", {}).get("rss_peak_growth_mib") for r in runs]
    res = BenchResult(
        name="expand",
        ours_label=f"{last.get('links')} links × {last.get('hops')} hops × {last.get('latency_ms')} ms, "
        "expanded together (Expander.expand_many)",
        reference_label="the slowest of 3 single chains expanded alone",
        primary="wall_s",
        figures={"wall_s": Stat.of("s", many, "lower")},
        reference={"wall_s": Stat.of("s", single, "lower")},
        params={k: last.get(k) for k in ("links", "hops", "latency_ms", "workers", "profiles", "goal_ratio")},
        extra={
            "chains_ok": [r.get("chains_ok") for r in runs],
            "parallel_ok": all(bool(r.get("parallel_ok")) for r in runs),
            "gzip_bomb_mib": last.get("bomb_mib"),
            "gzip_bomb_rss_growth_mib": growth,
            "gzip_bomb_goal_mib": last.get("bomb_goal_mib"),
            "gzip_bomb_ok": all(bool(r.get("bomb_ok")) for r in runs),
        },
    )
    if not res.extra["parallel_ok"]:
        res.notes.append("some run missed the goal (all chains final, wall ≤ goal_ratio × slowest chain)")
    return res


_DETECT_SECTIONS = ("urls", "urls_prior", "urls_lists", "pages", "pages_own", "pages_later", "pages_rendered",
                    "messages")
_DETECT_KEYS = ("tpr", "fpr", "pii_precision", "pii_recall", "urls_per_second", "ms_median", "median_seconds",
                "max_seconds", "median_page_seconds", "max_page_seconds", "messages_per_second")
_DETECT_UNITS = {"urls_per_second": "URLs/s", "ms_median": "ms/page", "messages_per_second": "messages/s"}


def _detect_figures(runs: list[dict[str, Any]]) -> dict[str, Stat]:
    """Every rate, speed and link-extraction figure of ``bench detect``'s runs, as Stats."""
    figures: dict[str, Stat] = {}
    for section in _DETECT_SECTIONS:
        for key in _DETECT_KEYS:
            vals = [r.get(section, {}).get(key) for r in runs]
            nums = [
                float(v) for v in vals if isinstance(v, int | float) and not isinstance(v, bool) and v == v
            ]
            if len(nums) == len(runs):
                unit = _DETECT_UNITS.get(key, "s" if "seconds" in key else "fraction")
                better = "lower" if key in ("fpr", "ms_median") or "seconds" in key else "higher"
                figures[f"{section}_{key}"] = Stat.of(unit, nums, better)
    links = runs[0]["links"]
    # Link extraction (issue 13 §1): our CJK set always; other projects' suites with --links-fixtures.
    for key in ("own_links", "own_no_link", "linkify_links", "linkify_not_links", "urlextract_links",
                "twitter_links"):
        if key in links:
            figures[f"links_{key}"] = Stat.of("fraction", [float(links[key]["rate"])], "higher")
    return figures


def bench_detect_adapter(
    settings: Settings,
    *,
    repeat: int = 1,
    quick: bool = False,
    eval_dir: Path | None = None,
    links_fixtures: Path | None = None,
    render: bool = False,
) -> BenchResult:
    """Detection rates (TPR/FPR) and URL throughput on a labelled folder (``--eval DIR``)."""
    from .evaldetect import bench_detect, loso_lines

    started = time.perf_counter()
    if eval_dir is not None and not eval_dir.is_dir():
        raise InputError(f"{eval_dir} is not a folder: --eval takes the evaluation data folder")
    folder = eval_dir or Path("../shared")
    if not folder.is_dir():
        return BenchResult("detect", "", "", "", skipped="no evaluation data folder: set it with --eval")
    runs = [bench_detect(folder, links_fixtures, render=render) for _ in range(max(1, repeat))]
    if not set(runs[0]) - {"links"}:
        return BenchResult(
            "detect",
            "",
            "",
            "",
            skipped=f"{folder} has no urls/urls_dev.csv, pages/manifest.json or messages.csv",
        )
    figures = _detect_figures(runs)
    links = runs[0]["links"]
    res = BenchResult(
        name="detect",
        ours_label="URL verdicts (heuristics alone; prior on; bundled lists on), pages, messages; no network",
        reference_label="none: rates are absolute (see docs/heuristics.md)",
        primary="urls_tpr",
        figures=figures,
        params={"eval_dir": str(folder), "repeat": repeat},
        extra={
            "rows": {
                s: v.get("rows", v.get("pages"))
                for s, v in runs[0].items()
                if isinstance(v, dict) and s != "links"
            },
            # PII precision/recall per field, dev pages and the project's own page families.
            "pages_by_field": {
                s: runs[0][s]["by_field"] for s in ("pages", "pages_own", "pages_later") if s in runs[0]
            },
            "messages_per_cpu_second": runs[0].get("messages", {}).get("messages_per_cpu_second"),
            "bundled_dropped_popular": runs[0].get("urls_lists", {}).get("bundled_dropped_popular"),
            "url_model_time_split": runs[0].get("url_model_time_split", []),
        },
        notes=["detection rates have no speed reference: ratio is null"]
        + [f"links: {s} (--links-fixtures DIR)" for s in links["skipped"]],
    )
    from .evaldetect import format_report

    url_part = {k: v for k, v in runs[0].items() if k.startswith("url")}
    res.notes.extend(format_report(url_part).splitlines())  # per category, lists off and on, time split
    msgs = runs[0].get("messages", {})
    # The text model's leave-one-source-out table (from its training report), one line per corpus.
    res.notes.extend(line.strip() for line in loso_lines(msgs.get("loso", []), msgs.get("model_trained")))
    res.seconds = time.perf_counter() - started
    return res
