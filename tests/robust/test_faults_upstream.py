"""Hostile upstreams through the whole product: the Scanner, then the running service.

The expansion stage's own tests pin each fetch limit on the Expander; here the same faults go through
``Scanner.check`` (report, verdict, rendering in both languages) and through a real waitress server
(``web.serve.make_server``), checking that a bad upstream never costs more than its deadline, never
escapes as an exception, and never stops the service answering other requests.
"""

from __future__ import annotations

import concurrent.futures
import json
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from liveservice import LiveService

from scanner.models import Level, Report, StopReason
from scanner.pipeline import Scanner
from scanner.render import render_report
from scanner.settings import Settings

from .faultserver import FaultServer

DEADLINE = 3.0
SLACK = 2.5  # thread start-up, DNS-free connect, report building on a busy 2-core CI machine


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    d = tmp_path_factory.mktemp("selfsigned")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        cwd=d,
        check=True,
        capture_output=True,
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(d / "c.pem"), str(d / "k.pem"))
    return ctx


@pytest.fixture
def servers(self_signed: ssl.SSLContext) -> Iterator[dict[str, FaultServer]]:
    s = {
        "plain": FaultServer("127.0.0.1"),
        "tls": FaultServer("127.0.0.2", ssl_context=self_signed),
        "tls_garbage": FaultServer("127.0.0.3", tls_garbage=True),
    }
    yield s
    for srv in s.values():
        srv.close()


def _settings(data_dir: Path, servers: dict[str, FaultServer], **kw: object) -> Settings:
    base: dict[str, object] = dict(
        data_dir=data_dir,
        use_lists=False,
        egress_allow=frozenset(s.pair for s in servers.values()),
        connect_timeout=1.0,
        read_timeout=1.0,
        expand_deadline=DEADLINE,
        check_deadline=DEADLINE + 1,
        compare_profiles=False,
        cache_ttl=0.0,
        max_hops=6,
    )
    base.update(kw)
    return Settings.load(environ={}, **base)


CASES = [
    ("hang", "plain", "http", {StopReason.TIMEOUT}),
    ("reset", "plain", "http", {StopReason.CONNECT_ERROR, StopReason.PROTOCOL_ERROR}),
    ("garbage", "plain", "http", {StopReason.PROTOCOL_ERROR}),
    ("drip", "plain", "http", {StopReason.TIMEOUT, StopReason.FINAL, StopReason.TOO_LARGE}),
    ("redirect", "plain", "http", {StopReason.MAX_HOPS}),
    ("ok", "tls", "https", {StopReason.TLS_ERROR}),
    ("ok", "tls_garbage", "https", {StopReason.TLS_ERROR, StopReason.PROTOCOL_ERROR}),
]


def _check_report(report: Report) -> None:
    assert report.level in (Level.SAFE, Level.CAUTION, Level.DANGER, Level.UNKNOWN)
    json.dumps(report.to_dict(), ensure_ascii=False)
    for lang in ("en", "zh"):
        text = render_report(report, lang)
        assert text.strip()
    for r in report.reasons:
        assert r.message.en and r.message.zh, r.code


@pytest.mark.parametrize(
    ("kind", "server", "scheme", "stops"),
    CASES,
    ids=["hang", "reset", "garbage", "drip", "redirect-forever", "untrusted-tls", "not-tls"],
)
def test_bad_upstream_gives_a_report_in_time(
    data_dir: Path,
    servers: dict[str, FaultServer],
    kind: str,
    server: str,
    scheme: str,
    stops: set[StopReason],
) -> None:
    settings = _settings(data_dir, servers)
    scanner = Scanner(settings)
    t0 = time.monotonic()
    report = scanner.check(servers[server].url(f"/{kind}", scheme=scheme))
    elapsed = time.monotonic() - t0
    assert elapsed < DEADLINE + SLACK, f"{kind}: {elapsed:.1f} s"
    _check_report(report)
    (link,) = report.links
    assert link.stop_reason in stops, (kind, link.stop_reason, [h.to_dict() for h in link.chain])
    if kind == "redirect":
        # Every hop was fetched once, and the walk stopped at the limit instead of going on.
        assert servers["plain"].count("/redirect", prefix=True) <= settings.max_hops + 1
        assert len(link.chain) >= settings.max_hops
    if scheme == "https":
        assert link.stop_reason is not StopReason.FINAL  # never falls back to an unverified connection


def test_every_fault_in_one_message_is_bounded_by_the_check_deadline(
    data_dir: Path, servers: dict[str, FaultServer]
) -> None:
    """A pasted message with one link to each bad upstream: one report, within ``check_deadline``."""
    settings = _settings(data_dir, servers)
    links = [servers[srv].url(f"/{kind}", scheme=scheme) for kind, srv, scheme, _ in CASES]
    text = "兼职注册领佣金，点这些链接：\n" + "\n".join(links)
    t0 = time.monotonic()
    report = Scanner(settings).check(text)
    elapsed = time.monotonic() - t0
    assert elapsed < settings.check_deadline + SLACK, f"{elapsed:.1f} s"
    _check_report(report)
    assert len(report.links) == len(links)
    assert all(link.stop_reason is not StopReason.FINAL for link in report.links)


# ---- the running service ----------------------------------------------------------------------------


def test_service_keeps_answering_while_upstreams_misbehave(
    data_dir: Path, servers: dict[str, FaultServer]
) -> None:
    settings = _settings(data_dir, servers, threads=8, rate_limit_per_minute=100_000, request_timeout=8.0)
    svc = LiveService(settings)
    try:
        bad = [servers["plain"].url(f"/{k}") for k in ("hang", "drip", "reset", "redirect", "hang", "drip")]
        bad += [servers["tls"].url("/ok", scheme="https"), servers["tls_garbage"].url("/ok", scheme="https")]
        with concurrent.futures.ThreadPoolExecutor(len(bad)) as pool:
            futures = [pool.submit(svc.call, "POST", "/api/v1/check", {"text": u}) for u in bad]
            time.sleep(0.3)  # the slow checks are now in flight
            for _ in range(5):
                t0 = time.monotonic()
                status, body = svc.call("GET", "/api/v1/health", timeout=5)
                assert status == 200 and body.get("ok") is True
                status, body = svc.call(
                    "POST",
                    "/api/v1/check",
                    {"text": "https://shop.example/p?id=1", "offline": True},
                    timeout=5,
                )
                # Slow checks hold the admission gate's slots: a quick one is answered or refused as
                # busy (503) at once, never left waiting behind them.
                assert (status == 200 and body.get("level") in ("safe", "caution", "danger", "unknown")) or (
                    status == 503 and body["error"]["code"] == "busy"), (status, body)
                assert time.monotonic() - t0 < 3.0, "the service stalled behind slow upstreams"
            for f in futures:
                status, body = f.result(timeout=settings.request_timeout + 10)
                # A report (200), the documented timeout (504) or busy (503): never a crash or a hang.
                assert status in (200, 503, 504), (status, body)
                if status == 200:
                    assert body["links"], body
                else:
                    assert body["error"]["code"] == ("timeout" if status == 504 else "busy")
        status, _ = svc.call("GET", "/api/v1/health", timeout=5)
        assert status == 200
    finally:
        svc.close()
