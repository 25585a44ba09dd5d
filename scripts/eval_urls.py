#!/usr/bin/env python3
"""Run ``lurelens check --offline --json -`` over a labelled URL CSV and print throughput and TPR/FPR.

    python scripts/eval_urls.py ../shared/eval/urls/urls_dev.csv [--no-lists] [--runs 2]

The CSV needs ``url`` and ``label`` (malicious|benign) columns; ``category`` and ``source`` are used for
the per-group table when present. The first run warms caches (the compiled list index, the OS page
cache); figures come from the last run.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--no-lists", action="store_true")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    with args.csv.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("url")]
    stdin = "".join(r["url"].replace("\n", " ") + "\n" for r in rows).encode()
    cmd = [sys.executable, "-m", "scanner", "check", "--offline", "--json", "-"]
    if args.no_lists:
        cmd.append("--no-lists")
    out = b""
    wall = 0.0
    for _ in range(max(1, args.runs)):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
        wall = time.perf_counter() - t0
        out = proc.stdout
        if proc.returncode not in (0, 1, 2):
            sys.stderr.write(proc.stderr.decode(errors="replace"))
            return 1
    results = [json.loads(line) for line in out.decode().splitlines()]
    assert len(results) == len(rows), (len(results), len(rows))
    tp = fp = pos = neg = errors = 0
    groups: Counter[tuple[str, str, bool]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    for row, res in zip(rows, results, strict=True):
        warn = bool(res.get("warn"))
        errors += "error" in res
        bad = row["label"] == "malicious"
        pos += bad
        neg += not bad
        tp += bad and warn
        fp += (not bad) and warn
        for key in ("category", "source"):
            if row.get(key):
                groups[(key, row[key], warn)] += 1
                totals[(key, row[key])] += 1
    print(f"command: {' '.join(cmd[1:])} < {args.csv.name}")
    print(
        f"urls: {len(rows)}  wall (incl. start-up): {wall:.2f} s  throughput: {len(rows) / wall:,.0f} URLs/s"
    )
    print(
        f"TPR {tp / max(pos, 1):.1%} ({tp}/{pos})  FPR {fp / max(neg, 1):.2%} ({fp}/{neg})  errors {errors}"
    )
    for (key, name), n in sorted(totals.items()):
        print(f"  {key:8} {name:34} warn {groups[(key, name, True)] / n:6.1%}  (n={n})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
