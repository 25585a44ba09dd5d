"""The verdict: score calibration, levels, ordering, advice, and the reason catalogue in the docs."""

from __future__ import annotations

import re
from pathlib import Path

from scanner import reasons as catalogue
from scanner.models import Level, Severity
from scanner.reasons import define, make
from scanner.verdict import CAUTION_AT, DANGER_AT, advice, decide, order, score, summary

define("test.low", Severity.LOW, 20, "low {evidence}", "低 {evidence}")
define("test.high", Severity.HIGH, 80, "high {evidence}", "高 {evidence}")
define("test.info", Severity.INFO, 30, "info", "信息")


def test_nothing_is_safe_or_unknown() -> None:
    assert decide([]) == (Level.SAFE, 0)
    assert decide([], checked=False) == (Level.UNKNOWN, 0)


def test_info_never_warns_alone() -> None:
    assert decide([make("test.info", "x")])[0] is Level.SAFE
    assert score([make("test.info", "x"), make("test.low", "y")]) > score([make("test.low", "y")])


def test_weak_signals_add_up_but_stay_below_100() -> None:
    one = score([make("test.low", "a")])
    two = score([make("test.low", "a"), make("test.low", "b")])
    many = score([make("test.high", str(i)) for i in range(10)])
    assert one < two < CAUTION_AT
    assert many <= 100
    assert decide([make("test.high", "x")])[0] is Level.DANGER
    assert DANGER_AT > CAUTION_AT


def test_duplicates_count_once() -> None:
    r = make("test.low", "same")
    assert score([r, r, r]) == score([r])
    assert order([r, r]) == (r,)


def test_order_by_weight() -> None:
    rs = order([make("test.low", "a"), make("test.high", "b"), make("test.info", "c")])
    assert [r.code for r in rs] == ["test.high", "test.info", "test.low"]


def test_negative_weight_lowers() -> None:
    base = [make("test.high", "x")]
    assert score([*base, make("test.low", "n", weight=-30)]) == score(base) - 30


def test_advice_is_concrete() -> None:
    rs = [make("text.part_time_commission", "兼职、佣金", source="text")]
    lv, _ = decide(rs)
    adv = advice(rs, ["id_card", "sms_code"], Level.DANGER)
    text = " ".join(a.en for a in adv)
    assert "ID number" in text and "SMS" in text
    assert all(a.zh for a in adv)
    assert advice(rs, [], Level.SAFE) == ()


def test_summary_names_the_main_reason() -> None:
    rs = [make("test.high", "evil.example")]
    s = summary(Level.DANGER, rs)
    assert "evil.example" in s.en and "evil.example" in s.zh


def test_every_reason_code_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "heuristics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+\.[a-z_.]+)`", doc))
    missing = [c for c in catalogue.all_specs() if not c.startswith("test.") and c not in documented]
    assert not missing, f"undocumented reason codes: {missing}"
