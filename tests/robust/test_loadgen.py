"""The one load generator (``scanner.bench.loadgen``): short real runs against ``lurelens serve`` in
its own process — spawned by the generator, open and closed loop, the command line — plus the
loopback-only rule and the sample texts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.bench.api import ServiceProcess
from scanner.bench.loadgen import run_load, sample_texts, spawn_and_load, summary_line

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def svc() -> Iterator[ServiceProcess]:
    # 16 threads: 8 leave the admission gate no queue (see test_load.py).
    with ServiceProcess(threads=16, extra_settings={"offline": True}, clean_env=True) as s:
        run_load(s.base, s.token, duration=1.0, concurrency=2)  # warm-up: lists load, caches fill
        yield s


@pytest.mark.load
def test_short_spawned_run_has_no_errors() -> None:
    result = spawn_and_load(duration=2.0, concurrency=4, warmup=0.5)
    assert result["mode"] == "closed" and result["workers"] == 4
    assert result["sent"] > 5
    assert result["errors"] == 0, result["error_samples"]
    assert result["status_counts"] == {"200": result["sent"]}
    lat = result["latency_ms"]
    assert 0 < lat["p50"] <= lat["p99"] <= lat["max"]
    assert result["server_rss_mib"]["start"] and result["server_rss_mib"]["end"]
    assert "req/s" in summary_line(result)


@pytest.mark.load
def test_open_loop_holds_the_rate_with_a_mix(svc: ServiceProcess) -> None:
    result = run_load(svc.base, svc.token, duration=2.0, rate=40, mix="check=3,health=1",
                      server_pid=svc.pid)
    assert result["mode"] == "open" and result["target_rate"] == 40
    assert result["errors"] == 0, result["error_samples"]
    assert 70 <= result["sent"] <= 81  # 80 due in 2 s; none sent after the deadline
    assert set(result["by_kind"]) == {"check", "health"}
    assert result["by_kind"]["check"]["n"] == 3 * result["by_kind"]["health"]["n"]
    assert result["server_rss_mib"]["end"]


@pytest.mark.load
def test_command_line_against_a_running_service(svc: ServiceProcess) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scanner.bench.loadgen", "--base", svc.base, "--token-file",
         str(svc.work / "token"), "--duration", "1", "--concurrency", "2", "--text", "--strict"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    assert "req/s" in out.stdout and "errors 0" in out.stdout


def test_loadgen_refuses_non_loopback_targets() -> None:
    with pytest.raises(ValueError, match="loopback"):
        run_load("http://192.0.2.1:8765", "t", duration=0.1)


def test_sample_texts_are_deterministic_and_varied() -> None:
    a, b = sample_texts(50), sample_texts(50)
    assert a == b and len(set(a)) > 30
