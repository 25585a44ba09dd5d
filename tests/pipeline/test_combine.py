"""verdict.combine: one input's verdict from its own reasons and its links' reports. Pure."""

from __future__ import annotations

from scanner import reasons as R
from scanner.models import Level, LinkReport, Reason, Severity, StopReason
from scanner.verdict import combine, decide, order

R.define("test.combine_weak", Severity.MEDIUM, 30, "weak {evidence}", "弱 {evidence}")
R.define("test.combine_mid", Severity.MEDIUM, 45, "mid {evidence}", "中 {evidence}")
R.define("test.combine_info", Severity.INFO, 0, "info {evidence}", "信息 {evidence}")


def link(*reasons: Reason, pii: tuple[str, ...] = ()) -> LinkReport:
    ordered = order(reasons)
    level, score = decide(ordered, pii=pii)
    return LinkReport(url="https://a.test/", original="a.test", final_url="https://a.test/", chain=(),
                      stop_reason=StopReason.NOT_EXPANDED, level=level, score=score, reasons=ordered, pii=pii)


def test_nothing_checkable_is_unknown_and_anything_checked_is_safe() -> None:
    assert combine([], [], checked=False)[0] is Level.UNKNOWN
    assert combine([], [], checked=True)[0] is Level.SAFE
    info = R.make("test.combine_info")
    assert combine([info], [], checked=False)[:2] == (Level.UNKNOWN, 0)


def test_one_link_alone_is_the_whole_verdict() -> None:
    lr = link(R.make("test.combine_mid", "x"))
    level, score, reasons, _ = combine([], [lr], checked=True)
    assert (level, score, reasons) == (lr.level, lr.score, lr.reasons) and level is Level.CAUTION


def test_evidence_from_the_text_and_its_link_adds_up() -> None:
    """Two weak signals in different places warn together though neither does alone."""
    text = R.make("test.combine_weak", "message")
    lr = link(R.make("test.combine_weak", "host"))
    assert lr.level is Level.SAFE and decide([text])[0] is Level.SAFE
    level, score, reasons, _ = combine([text], [lr], checked=True)
    assert level is Level.CAUTION and score >= 40
    assert {r.evidence for r in reasons} == {"host", "message"}


def test_the_worst_link_wins_and_pii_is_merged_once() -> None:
    calm = link(R.make("test.combine_info"), pii=("phone",))
    bad = link(R.make("test.combine_mid", "a"), R.make("test.combine_mid", "b"), pii=("phone", "id_card"))
    level, score, _, pii = combine([], [calm, bad], pii=("phone",), checked=True)
    assert level is bad.level and score >= bad.score
    assert pii == ("phone", "id_card")
