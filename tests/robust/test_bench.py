"""``lurelens bench`` itself: the result shape, the statistics, the load generator's arithmetic."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest

from scanner.bench.core import BenchResult, Stat
from scanner.bench.inputs import load_urls, synthetic_urls
from scanner.bench.loadgen import _parse_mix, percentile
from scanner.cli import ExitStatus, main


def test_stat_median_spread_and_ratio() -> None:
    ours = Stat.of("checks/s", [100.0, 90.0, 110.0, 500.0])
    ref = Stat.of("URLs/s", [1000.0, 1000.0, 1000.0])
    assert ours.median == 105.0  # one outlier run does not move the median much
    assert ours.spread_pct == pytest.approx((500 - 90) / 105 * 100)
    res = BenchResult("x", "ours", "ref", "rate", figures={"rate": ours}, reference={"rate": ref})
    assert res.ratio == pytest.approx(0.105)
    d = res.to_dict()
    assert d["ratio"] == res.ratio and d["figures"]["rate"]["runs"] == [100.0, 90.0, 110.0, 500.0]
    skipped = BenchResult("y", "", "", "", skipped="why").to_dict()
    assert skipped == {"skipped": "why", "seconds": 0.0, "ratio": None}
    with pytest.raises(ValueError):
        Stat.of("s", [])


def test_percentile_nearest_rank() -> None:
    values = sorted(float(i) for i in range(1, 101))
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_mix_is_proportional_and_interleaved() -> None:
    cycle = _parse_mix("check=4,scan=1")
    assert sorted(cycle) == ["check"] * 4 + ["scan"]
    assert _parse_mix("check=8,scan=2") == cycle  # lowest terms
    assert _parse_mix("health") == ["health"]
    two = _parse_mix("check=1,scan=1")
    assert two in (["check", "scan"], ["scan", "check"])
    for bad in ("nope=1", "check=0", ""):
        with pytest.raises(ValueError):
            _parse_mix(bad)


def test_builtin_urls_are_the_synthetic_list() -> None:
    """The shipped list is exactly what the generator makes (nothing hand-added from elsewhere)."""
    assert load_urls(None) == synthetic_urls(600, seed=9)


def _bench_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code = main(["bench", *argv, "--json"], out=io.StringIO())
    assert code == ExitStatus.OK, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_bench_check_runs_reference_beside_ours(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# mine\nhttps://a.example/x\nhttp://例子.cn/p?q=1\nt.cn/AbCd\n", encoding="utf-8")
    doc = _bench_json(capsys, "check", "--quick", "--repeat", "2", "--urls", str(urls))
    assert set(doc) == {"check", "machine"}
    res = doc["check"]
    assert isinstance(res, dict)
    assert res["params"]["urls"] == 3 and res["params"]["repeat"] == 2
    ours, ref = res["figures"]["checks_per_s"], res["reference"]["checks_per_s"]
    assert ours["n"] == ref["n"] == 2 and ours["median"] > 0 and ref["median"] > 0
    assert res["ratio"] == pytest.approx(ours["median"] / ref["median"], rel=1e-3)
    assert doc["machine"]["cpus"] and doc["machine"]["python"]  # type: ignore[index]


def test_bench_decode_on_builtin_photos(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _bench_json(capsys, "decode", "--quick")
    res = doc["decode"]
    assert isinstance(res, dict) and "skipped" not in res, res
    assert res["params"]["codes"] >= 5
    # Our cascade reads at least what zxing-cpp alone reads on the same photos.
    assert res["figures"]["rate"]["median"] >= res["reference"]["rate"]["median"]
    assert res["ratio"] >= 1.0


def test_bench_bad_url_file_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert main(["bench", "check", "--urls", str(missing)], out=io.StringIO()) == ExitStatus.BAD_INPUT
    assert "nope.txt" in capsys.readouterr().err


def test_bench_lists_quick_index_beats_set_on_memory(capsys: pytest.CaptureFixture[str]) -> None:
    res = _bench_json(capsys, "lists", "--quick", "--repeat", "1")["lists"]
    assert isinstance(res, dict) and "skipped" not in res, res
    assert res["extra"]["hits_equal"] is True  # both sides agree on every query
    assert res["primary"] == "rss_mb" and 0 < res["ratio"] < 1
    assert res["ratios"]["load_s"] < 1  # mapping an index beats building a set


def test_bench_expand_quick_parallel(capsys: pytest.CaptureFixture[str]) -> None:
    res = _bench_json(capsys, "expand", "--quick", "--repeat", "1")["expand"]
    assert isinstance(res, dict) and "skipped" not in res, res
    assert res["extra"]["chains_ok"] == [res["params"]["links"]]
    assert res["ratio"] > 0 and res["reference"]["wall_s"]["median"] >= 0.3  # 3 hops × 100 ms


def test_bench_api_quick_against_real_service(capsys: pytest.CaptureFixture[str]) -> None:
    res = _bench_json(capsys, "api", "--quick", "--repeat", "1")["api"]
    assert isinstance(res, dict) and "skipped" not in res, res
    assert res["extra"]["errors"] == 0 and res["extra"]["requests"] > 0
    assert res["figures"]["rps"]["median"] > 0 and res["reference"]["rps"]["median"] > 0
    assert res["figures"]["p99_ms"]["median"] >= res["figures"]["p50_ms"]["median"]


def test_bench_ocr_on_a_folder_with_expected_links(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from ocrsupport import chat_png

    (tmp_path / "chat.jpg").write_bytes(chat_png(["Update your address at https://usps.tracking-redelivery.com/us"]))
    (tmp_path / "manifest.json").write_text(json.dumps({"chat.jpg": ["https://usps.tracking-redelivery.com/us"]}))
    res = _bench_json(capsys, "ocr", "--photos", str(tmp_path), "--repeat", "1")["ocr"]
    assert isinstance(res, dict) and "skipped" not in res, res
    assert res["figures"]["link_rate"]["median"] == 1.0
    assert res["params"]["screenshots"] == 1
    # Our whole scan (QR + OCR + checks) is cheaper than the OCR library's defaults alone.
    assert res["primary"] == "median_ms" and 0 < res["ratio"] < 1
