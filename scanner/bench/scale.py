"""``bench scale``: batch URLs/s with ``--jobs 2`` beside ``--jobs 1`` on the same input, and the
same input on a 2-worker Dask LocalCluster.

Each side is a whole ``lurelens check --offline --json --jobs N -`` process over the same lines
(start-up included, as a user runs it), run alternately; ``ratio`` = jobs-2 URLs/s ÷ jobs-1 URLs/s
(2.0 would be perfect scaling on two idle cores; a busy machine shows less). The outputs of both
sides are compared byte for byte on every run. With the ``scale`` extra installed, the Dask figure
runs :func:`scanner.batch.check_partition` over the same lines on a ``LocalCluster`` (cluster
start-up excluded: it is paid once per cluster, not per batch). The service figures: ``/api/v1/check``
requests/s from a load generator in its own process against ``lurelens serve --processes 1`` and
``--processes 2``, and the unique memory (USS: private pages) of each service process of the second.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

from ..errors import ScannerError
from ..settings import Settings
from .core import BenchResult, Stat, interleave

__all__ = ["bench_scale"]


def _batch(lines: Sequence[str], jobs: int, settings: Settings) -> tuple[float, str]:
    """URLs/s of one ``check --jobs N -`` process over ``lines``; and the MD5 of its output."""
    stdin = "".join(line + "\n" for line in lines).encode()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "lurelens.toml"  # the same data dir (and index) as this process
        config.write_text(f"data_dir = {json.dumps(str(settings.data_dir))}\n", encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "scanner", "check", "--offline", "--json", "--jobs", str(jobs),
             "--config", str(config), "-"],
            input=stdin, capture_output=True, timeout=900, check=False,
        )
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise ScannerError(f"check --jobs {jobs} failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return len(lines) / wall, hashlib.md5(proc.stdout).hexdigest()


def _dask(lines: Sequence[str], settings: Settings, repeat: int) -> dict[str, Any]:
    try:  # untyped libraries: held as Any
        db: Any = import_module("dask.bag")
        distributed: Any = import_module("distributed")
    except ImportError:
        return {"skipped": "dask is not installed (pip install 'lurelens[scale]')"}
    from ..batch import check_partition

    rates = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        items = list(enumerate(lines, 1))
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            bag = db.from_sequence(items, npartitions=8)
            out = bag.map_partitions(check_partition, settings=settings).compute(scheduler=client.get)
            rates.append(len(out) / (time.perf_counter() - t0))
    return {"urls_per_s": Stat.of("URLs/s", rates).to_dict(), "workers": 2}


def _uss(pid: int) -> int:
    """Unique memory of one process (its private pages: what it alone costs), from /proc."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return 0
    return sum(int(line.split()[1]) * 1024 for line in text.splitlines()
               if line.startswith(("Private_Clean:", "Private_Dirty:")))


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text(encoding="ascii").split()]
    except (OSError, ValueError):
        return []


def _service(urls: Sequence[str], duration: float) -> dict[str, Any]:
    """Requests/s of ``/api/v1/check`` (offline) with 1 and with 2 service processes, and the unique
    memory each extra service process adds (itself, and with the check processes it starts)."""
    from .api import ServiceProcess, run_loadgen

    if os.name != "posix" or not Path("/proc/self/smaps_rollup").exists():
        return {"skipped": "needs Linux (gunicorn and /proc)"}
    out: dict[str, Any] = {}
    for procs in (1, 2):
        with ServiceProcess(extra_settings={"processes": procs, "offline": True}) as svc:
            urls_file = svc.work / "urls.txt"
            urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
            load = run_loadgen(svc, duration=duration, concurrency=8, urls_file=urls_file)
            out[f"processes_{procs}_rps"] = load["rps"]
            out[f"processes_{procs}_errors"] = load["errors"]
            if procs == 2:
                workers = _children(svc.pid)
                own = [_uss(w) / 2**20 for w in workers]
                trees = [(_uss(w) + sum(_uss(c) for c in _children(w))) / 2**20 for w in workers]
                out["uss_mib_per_service_process"] = [round(x, 1) for x in own]
                out["uss_mib_per_service_process_with_its_check_processes"] = [round(x, 1) for x in trees]
    if out.get("processes_1_rps"):
        out["rps_ratio"] = round(out["processes_2_rps"] / out["processes_1_rps"], 3)
    return out


def bench_scale(
    settings: Settings, urls: Sequence[str], *, repeat: int = 3, quick: bool = False
) -> BenchResult:
    """``--jobs 2`` vs ``--jobs 1`` batch throughput (and Dask) on the same lines."""
    started = time.perf_counter()
    target = 4_000 if quick else 20_000
    lines = [urls[i % len(urls)] for i in range(max(target, len(urls)))]
    digests: set[str] = set()

    def side(jobs: int) -> dict[str, float]:
        rate, digest = _batch(lines, jobs, settings)
        digests.add(digest)
        return {"urls_per_s": rate}

    from ..pipeline import Scanner

    Scanner(settings).lists()  # the index exists before either side starts (neither pays for a build)
    a, b = interleave(lambda: side(2), lambda: side(1), repeat, warmup=False)
    res = BenchResult(
        name="scale",
        ours_label="lurelens check --offline --json --jobs 2 -",
        reference_label="lurelens check --offline --json --jobs 1 -",
        primary="urls_per_s",
        figures={"urls_per_s": Stat.of("URLs/s", a["urls_per_s"])},
        reference={"urls_per_s": Stat.of("URLs/s", b["urls_per_s"])},
        params={"lines": len(lines), "repeat": repeat, "cores": os.cpu_count()},
        extra={"outputs_identical": len(digests) == 1,
               "dask_local_cluster": _dask(lines, settings.replace(offline=True), repeat),
               "service": _service(urls, 3.0 if quick else 8.0)},
    )
    if len(digests) != 1:
        res.notes.append("the --jobs 2 output differed from --jobs 1: a bug")
    res.seconds = time.perf_counter() - started
    return res
