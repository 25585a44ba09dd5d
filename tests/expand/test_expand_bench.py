"""The expansion benchmark runs end to end (small sizes here; `lurelens bench expand` runs the full one)."""

from __future__ import annotations

from scanner.bench.expand_bench import bench_expand


def test_bench_small() -> None:
    r = bench_expand(links=12, hops=3, latency=0.05, bomb_mib=50)
    assert r["chains_ok"] == 12 and r["slowest_single_chain_s"] >= 0.15
    assert r["ratio"] < 3.0  # the 2x goal is for the full run; leave room for a busy CI machine
    assert r["bomb"]["truncated"] and r["bomb"]["bomb_detected"]
    assert r["bomb"]["rss_peak_growth_mib"] < 32 and r["bomb_ok"]
