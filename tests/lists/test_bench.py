"""The list benchmark runs end to end on a small scale, and the index agrees with a Python set."""

from __future__ import annotations

from pathlib import Path

from scanner.bench.lists_bench import bench_lists, format_bench, synthetic_domains
from scanner.lists.formats import normalize_domain


def test_synthetic_domains_are_valid_distinct_and_deterministic() -> None:
    a = synthetic_domains(3000, seed=3)
    assert a == synthetic_domains(3000, seed=3)
    assert len(set(a)) == 3000
    assert all(normalize_domain(d) == d for d in a)
    assert any(d.endswith(".pages.dev") for d in a) and any(d.startswith("www.") for d in a)


def test_bench_small(tmp_path: Path) -> None:
    r = bench_lists(20_000, lookups=2_000, workdir=tmp_path)
    i, s = r["index"], r["set"]
    assert i["hits"] == s["hits"] and 0 < i["hits"] < r["lookups"]  # same answers as a plain set
    assert i["load_s"] < 1.0 and i["lookup_p50_us"] < 50
    assert i["rss_peak_mb"] > 0 and s["rss_peak_mb"] > 0
    text = format_bench(r)
    assert "compiled index" in text and "python set" in text and "lookup p50" in text
