"""Shared helpers of the web tests: a fake scanner (flaskr pattern), constants, small helpers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from scanner.canonical import canonicalize
from scanner.errors import EmptyInput, InputError
from scanner.models import (
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

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


def lure_reason(evidence: str = "兼职") -> Reason:
    """A high-severity reason with both languages, as the real catalogue makes them."""
    return Reason(code="text.part_time_lure", severity=Severity.HIGH, evidence=evidence, weight=60,
                  message=Message(en="The message offers paid part-time work for signing up.",
                                  zh="消息以兼职佣金为诱饵，引导注册。"), source="text")


def fake_report(text: str, *, title: str = "", input_kind: str = "text") -> Report:
    """A realistic report: danger when the text mentions 'evil', safe otherwise."""
    url = next((w for w in text.split() if "://" in w or w.startswith("www.")), "")
    danger = "evil" in text or "兼职" in text
    level = Level.DANGER if danger else Level.SAFE
    reasons = (lure_reason(),) if danger else ()
    links: tuple[LinkReport, ...] = ()
    if url:
        c = canonicalize(url)
        links = (LinkReport(
            url=c.href, original=url, final_url=c.href,
            chain=(Hop(c.href), Hop(c.href, kind=HopKind.HTTP, status=200, ip="203.0.113.7")),
            stop_reason=StopReason.FINAL, level=level, score=90 if danger else 0, reasons=reasons,
            host=c.host, host_unicode=c.host_unicode, registrable_domain=c.registrable_domain,
            pii=("id_card",) if danger else (), expanded=True, page_title=title),)
    return Report(
        level=level, score=90 if danger else 0, reasons=reasons,
        payloads=(Payload(text=text, kind=PayloadKind.URL if url else PayloadKind.TEXT, source=input_kind),),
        links=links, pii=("id_card", "phone") if danger else (),
        advice=(Message(en="Do not enter your ID number.", zh="不要填写身份证号。"),) if danger else (),
        summary=(Message(en="Dangerous.", zh="高风险。") if danger
                 else Message(en="Nothing found.", zh="未发现问题。")),
        input_kind=input_kind, offline=True)


@dataclass
class FakeScanner:
    """Records calls; ``delay`` simulates a slow check, ``raises`` a typed error."""

    delay: float = 0.0
    raises: Exception | None = None
    title: str = ""
    calls: list[tuple[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    """Set it to end every pending ``delay`` at once (teardown)."""

    def _maybe(self) -> None:
        if self.delay:
            self.release.wait(self.delay)
        if self.raises is not None:
            raise self.raises

    def check(self, text: str, *, offline: bool | None = None) -> Report:
        self.calls.append(("check", text))
        self._maybe()
        if not text.strip():
            raise EmptyInput("nothing to check")
        return fake_report(text, title=self.title)

    def scan_image(self, data: bytes, *, offline: bool | None = None, decode_only: bool = False) -> Report:
        self.calls.append(("scan", len(data)))
        self._maybe()
        return fake_report("https://evil.example/x", input_kind="image")

    def analyze_page(self, html: str, url: str) -> Report:
        self.calls.append(("page", url))
        self._maybe()
        if not url:
            raise InputError("no url")
        return fake_report(url, title="t", input_kind="page")


def login(client: FlaskClient, base: str = BASE) -> FlaskClient:
    """Sign ``client`` in the way a person does: the one-time link that ``lurelens serve`` prints."""
    import web
    from web.session import new_login_secret

    secret = new_login_secret(web.state(client.application).settings.data_dir)
    r = client.get("/login", query_string={"secret": secret}, base_url=base)
    assert r.status_code == 200, r.status_code
    return client


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token of ``client``'s session."""
    with client.session_transaction(base_url=BASE) as sess:
        token: str = sess["csrf"]
        return token


