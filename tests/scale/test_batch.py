"""Batches on every core and on a Dask cluster give the same bytes as one process."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.batch import CHUNK, check_partition
from scanner.output import json_line
from scanner.pipeline import Scanner
from scanner.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EVAL_URLS = ROOT.parent / "shared" / "eval" / "urls" / "urls_dev.csv"


def _run(args: list[str], stdin: bytes, data_dir: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LURELENS_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scanner", "check", *args, "-"], input=stdin,
                          capture_output=True, env=env, timeout=600, check=False)


def _mixed_lines() -> list[str]:
    """More than two chunks, with lines that fail (empty, binary) across the chunk boundaries."""
    lines = []
    for i in range(CHUNK * 2 + 37):
        if i % 97 == 0:
            lines.append("")
        elif i == CHUNK:  # the first line of the second chunk fails: its number must be right
            lines.append("\x01\x02\x03\x04")
        elif i % 3:
            lines.append(f"https://shop{i}.example.com/item?id={i}")
        else:
            lines.append(f"兼职日结，注册APP领佣金 http://job{i}.top/reg")
    return lines


@pytest.mark.parametrize("fmt", [["--json"], []], ids=["json", "text"])
def test_jobs_2_prints_exactly_what_jobs_1_prints(fmt: list[str], tmp_path: Path) -> None:
    stdin = ("\n".join(_mixed_lines()) + "\n").encode()
    data_dir = os.environ["LURELENS_DATA_DIR"]
    one = _run(["--offline", *fmt, "--jobs", "1"], stdin, data_dir)
    two = _run(["--offline", *fmt, "--jobs", "2"], stdin, data_dir)
    assert one.returncode == two.returncode == 1, two.stderr.decode()[-500:]
    assert one.stdout == two.stdout
    text = one.stdout.decode()
    assert f'"line":{CHUNK + 1}' in text.replace(" ", "") or f"line {CHUNK + 1}:" in text
    if fmt:
        assert len(text.splitlines()) == len(_mixed_lines())


@pytest.mark.skipif(not EVAL_URLS.is_file(), reason="no urls/urls_dev.csv in the evaluation data folder")
def test_jobs_2_is_byte_identical_over_the_url_eval_set() -> None:
    with EVAL_URLS.open(encoding="utf-8", newline="") as f:
        urls = [r["url"] for r in csv.DictReader(f) if r.get("url")]
    stdin = "".join(u.replace("\n", " ") + "\n" for u in urls).encode()
    data_dir = os.environ["LURELENS_DATA_DIR"]
    one = _run(["--offline", "--json", "--jobs", "1"], stdin, data_dir)
    two = _run(["--offline", "--json", "--jobs", "2"], stdin, data_dir)
    assert one.stdout == two.stdout and one.stdout.count(b"\n") == len(urls)


def test_jobs_is_validated() -> None:
    r = _run(["--jobs", "0"], b"https://a.example/\n", os.environ["LURELENS_DATA_DIR"])
    assert r.returncode == 2 and b"--jobs" in r.stderr and b"Traceback" not in r.stderr


def test_check_partition_numbers_lines_and_matches_a_scanner(tmp_path: Path) -> None:
    settings = Settings.load(offline=True)
    lines = ["https://a.example/x", "", "兼职刷单日结 http://b.top/r"]
    got = check_partition(list(enumerate(lines, 41)), settings)
    assert '"line": 42' in got[1]
    scanner = Scanner(settings)
    assert got[0] == json_line(scanner.check(lines[0]).to_dict())
    assert got[2] == json_line(scanner.check(lines[2]).to_dict())


def test_dask_local_cluster_equals_one_process() -> None:
    """The documented recipe (docs/scaling.md) on a 2-worker LocalCluster: same lines, same order."""
    db = pytest.importorskip("dask.bag")
    distributed = pytest.importorskip("distributed")
    settings = Settings.load(offline=True)
    lines = [f"https://shop{i}.example.com/p?{i}" if i % 5 else f"注册送彩金 http://c{i}.vip/"
             for i in range(400)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        bag = db.from_sequence(list(enumerate(lines, 1)), npartitions=8)
        got = bag.map_partitions(check_partition, settings=settings).compute(scheduler=client.get)
        workers = client.run(os.getpid)
    assert len(workers) == 2
    assert got == check_partition(list(enumerate(lines, 1)), settings)


def test_a_huge_jobs_number_is_capped_and_prints_the_same() -> None:
    stdin = ("\n".join(_mixed_lines()) + "\n").encode()
    data_dir = os.environ["LURELENS_DATA_DIR"]
    one = _run(["--offline", "--json", "--jobs", "1"], stdin, data_dir)
    many = _run(["--offline", "--json", "--jobs", "100000"], stdin, data_dir)
    assert many.returncode == one.returncode and many.stdout == one.stdout, many.stderr.decode()[-300:]
