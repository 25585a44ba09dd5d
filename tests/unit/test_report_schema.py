"""The report JSON is public API (docs/api.md): these keys are pinned. Changing them needs a
schema_version bump and a CHANGELOG line."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.models import (
    SCHEMA_VERSION,
    Hop,
    HopKind,
    Level,
    LinkReport,
    Message,
    Payload,
    PayloadKind,
    Reason,
    Report,
    Severity,
    StopReason,
)

REPORT_KEYS = {
    "schema_version",
    "input_kind",
    "warn",
    "level",
    "score",
    "summary",
    "reasons",
    "pii",
    "advice",
    "payloads",
    "links",
    "offline",
}
REASON_KEYS = {"code", "severity", "evidence", "message", "weight", "source", "category"}
LINK_KEYS = {
    "url",
    "original",
    "final_url",
    "chain",
    "stop_reason",
    "level",
    "warn",
    "score",
    "reasons",
    "host",
    "host_unicode",
    "registrable_domain",
    "pii",
    "expanded",
    "cached",
    "profiles",
    "page_title",
}
HOP_KEYS = {"url", "kind", "status", "ip", "ms", "error", "note"}
PAYLOAD_KEYS = {"text", "kind", "display", "fields", "links", "source", "explanation"}


def _sample() -> Report:
    reason = Reason("url.ip_host", Severity.MEDIUM, Message("IP host", "IP 地址"), "1.2.3.4", 40, "url")
    link = LinkReport(
        url="http://1.2.3.4/",
        original="1.2.3.4/",
        final_url="http://1.2.3.4/",
        chain=(Hop("http://1.2.3.4/", HopKind.HTTP, 200, "1.2.3.4", 12.34),),
        stop_reason=StopReason.FINAL,
        level=Level.CAUTION,
        score=40,
        reasons=(reason,),
    )
    payload = Payload("1.2.3.4/", PayloadKind.URL, links=("http://1.2.3.4/",))
    return Report(Level.CAUTION, 40, (reason,), (payload,), (link,), ("phone",))


def test_keys_are_pinned() -> None:
    d = _sample().to_dict()
    assert set(d) == REPORT_KEYS
    assert d["schema_version"] == SCHEMA_VERSION == 1
    assert set(d["reasons"][0]) == REASON_KEYS
    assert set(d["reasons"][0]["message"]) == {"en", "zh"}
    assert set(d["links"][0]) == LINK_KEYS
    assert set(d["links"][0]["chain"][0]) == HOP_KEYS
    assert set(d["payloads"][0]) == PAYLOAD_KEYS
    json.dumps(d)  # serialisable as is


def test_levels_and_warn() -> None:
    assert [lv.value for lv in Level] == ["safe", "caution", "danger", "unknown"]
    assert [s.value for s in Severity] == ["info", "low", "medium", "high"]
    d = _sample().to_dict()
    assert d["warn"] is True and d["level"] == "caution"
    assert Report(Level.UNKNOWN, 0, ()).to_dict()["warn"] is False


def test_documented_in_api_md() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    for key in REPORT_KEYS | REASON_KEYS | LINK_KEYS | HOP_KEYS | PAYLOAD_KEYS:
        assert f"`{key}`" in doc or f'"{key}"' in doc, key
