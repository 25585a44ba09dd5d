"""The short CI version of the load run: a real ``python -m web serve`` loaded from this process."""

from __future__ import annotations

import pytest

from web.loadgen import run_load, sample_texts, spawn_and_load


def test_short_load_run_has_no_errors() -> None:
    result = spawn_and_load(duration=2.0, concurrency=4, warmup=0.5)
    assert result.requests > 5
    assert result.errors == 0, result.statuses
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms
    assert result.rss_start_kib and result.rss_end_kib
    assert "req/s" in result.summary()


def test_loadgen_refuses_non_loopback_targets() -> None:
    with pytest.raises(ValueError, match="loopback"):
        run_load("http://192.0.2.1:8765", "t", duration=0.1)


def test_sample_texts_are_deterministic_and_varied() -> None:
    a, b = sample_texts(50), sample_texts(50)
    assert a == b and len(set(a)) > 30
