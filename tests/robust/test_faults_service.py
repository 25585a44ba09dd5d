"""The service killed during ``lists update``: the old lists stay intact and a new service answers.

The first service runs ``web.serve.serve`` in a subprocess with the loopback feed in its egress
allowlist (a Python-only setting, so not via ``lurelens serve``); the update is started through the
API and the process is SIGKILLed mid-download, and again mid-build. A fresh ``lurelens serve`` on the
same data dir must then answer and still block the old entries.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.bench.api import ServiceProcess, free_port
from scanner.settings import Settings

from .feedserver import FeedAnswer, FeedServer
from .test_faults_lists import V1, _body, blocked, lists_cmd, make_settings, snapshot

ROOT = Path(__file__).resolve().parents[2]
SERVE = """
import sys
from pathlib import Path
from scanner.settings import Settings
from web.serve import serve
data, sources, port, fhost, fport = sys.argv[1:6]
s = Settings.load(data_dir=Path(data), sources_file=Path(sources), port=int(port),
                  rate_limit_per_minute=100000, egress_allow=frozenset({(fhost, int(fport))}),
                  connect_timeout=2.0, read_timeout=5.0)
sys.exit(serve(s))
"""


def _call(
    port: int, token: str, method: str, path: str, body: object = None, timeout: float = 10
) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"X-LureLens-Token": token, "Content-Type": "application/json"}
        conn.request(
            method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers
        )
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


_RUNNING: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_leftover_services() -> Iterator[None]:
    """Whatever a test asserts, no service it started outlives it."""
    yield
    while _RUNNING:
        p = _RUNNING.pop()
        if p.poll() is None:
            p.kill()
            p.wait(10)


def _start(settings: Settings, feed: FeedServer) -> tuple[subprocess.Popen[bytes], int, str]:
    from web.token import ensure_token

    port = free_port()
    assert settings.sources_file is not None
    log_path = settings.sources_file.parent / f"serve-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            str(settings.data_dir),
            str(settings.sources_file),
            str(port),
            *map(str, feed.pair),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    log.close()  # the child holds its own descriptor
    _RUNNING.append(proc)
    token = ensure_token(settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text(errors="replace")[-2000:]
        try:
            if _call(port, token, "GET", "/api/v1/health", timeout=2)[0] == 200:
                return proc, port, token
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("service did not start")


def _index_sha(settings: Settings) -> str:
    return hashlib.sha256((settings.data_dir / "lists" / "index.bin").read_bytes()).hexdigest()


def _fresh_service_answers(settings: Settings) -> None:
    """A real ``lurelens serve`` on the same data dir answers and blocks an old entry."""
    with ServiceProcess(
        settings.data_dir, extra_settings={"sources_file": str(settings.sources_file)}
    ) as svc:
        status, body = svc.request("GET", "/api/v1/health")
        assert status == 200 and body["ok"] is True
        status, body = svc.request(
            "POST", "/api/v1/check", {"text": f"https://{V1[7]}/login", "offline": True}
        )
        assert status == 200, body
        assert any(r["code"].startswith("blocklist.") for r in body["reasons"]), body["reasons"]
        assert body["level"] in ("caution", "danger")


def test_killed_during_download(data_dir: Path, tmp_path: Path) -> None:
    feed = FeedServer()
    try:
        settings = make_settings(data_dir, feed, tmp_path)
        feed.answers["/feed"] = FeedAnswer(_body(V1))
        assert lists_cmd(settings, "update")[0] == 0
        before, index_before = snapshot(settings), _index_sha(settings)
        # The next download drips: ~2 MB at 16 KiB per 50 ms, far longer than the test waits.
        bulk = V1 + [f"drip-{i}.lurelens-robust.com" for i in range(80_000)]
        feed.answers["/feed"] = FeedAnswer(_body(bulk), chunk=16384, pause=0.05)
        feed.started.clear()
        feed.finished.clear()
        proc, port, token = _start(settings, feed)
        result: dict[str, object] = {}

        def update() -> None:
            try:
                result["r"] = _call(port, token, "POST", "/api/v1/lists/update", {}, timeout=60)
            except OSError as e:
                result["e"] = e

        t = threading.Thread(target=update, daemon=True)
        t.start()
        assert feed.started.wait(20), "the update never reached the feed"
        time.sleep(0.5)
        # Mid-update, the service still answers checks.
        status, body = _call(
            port, token, "POST", "/api/v1/check", {"text": f"https://{V1[3]}/", "offline": True}
        )
        assert status == 200 and body["level"] in ("caution", "danger")
        assert not feed.finished.is_set()
        proc.kill()
        proc.wait(10)
        t.join(10)
        assert "e" in result or "r" not in result  # the update call died with the service
        assert snapshot(settings) == before and _index_sha(settings) == index_before
        assert blocked(settings, V1[2999])
        _fresh_service_answers(settings)
    finally:
        feed.close()


@pytest.mark.parametrize("delay", [0.0, 0.6])
def test_killed_while_rebuilding_the_index(data_dir: Path, tmp_path: Path, delay: float) -> None:
    """Killed just after the download (parsing, writing the feed, building): old or new, never broken."""
    from scanner.lists import index as ix

    feed = FeedServer()
    try:
        settings = make_settings(data_dir, feed, tmp_path)
        feed.answers["/feed"] = FeedAnswer(_body(V1))
        assert lists_cmd(settings, "update")[0] == 0
        index_before = _index_sha(settings)
        bulk = V1 + [f"bulk-{i}.lurelens-robust.com" for i in range(150_000)]
        feed.answers["/feed"] = FeedAnswer(_body(bulk))
        feed.started.clear()
        feed.finished.clear()
        proc, port, token = _start(settings, feed)

        def update() -> None:
            try:
                _call(port, token, "POST", "/api/v1/lists/update", {}, timeout=60)
            except OSError:
                pass  # the service is killed under it

        threading.Thread(target=update, daemon=True).start()
        assert feed.finished.wait(30)
        time.sleep(delay)
        proc.kill()
        proc.wait(10)
        path = settings.data_dir / "lists" / "index.bin"
        head = ix.read_header(path)
        assert head is not None, "the index file was damaged"
        ix.Index.open(path)  # maps and validates
        assert _index_sha(settings) in (index_before, hashlib.sha256(path.read_bytes()).hexdigest())
        feed_file = settings.data_dir / "lists" / "feeds" / "robust-feed.list"
        assert feed_file.read_bytes() in (_body(V1), _body(bulk)), "a half-written feed file"
        assert blocked(settings, V1[2999])
        _fresh_service_answers(settings)
    finally:
        feed.close()


def test_bad_feed_through_the_running_service(data_dir: Path, tmp_path: Path) -> None:
    """``POST /api/v1/lists/update`` with a truncated feed: the API says so; the old lists stay in use."""
    from .test_faults_lists import BAD_FEEDS

    feed = FeedServer()
    try:
        settings = make_settings(data_dir, feed, tmp_path)
        feed.answers["/feed"] = FeedAnswer(_body(V1))
        assert lists_cmd(settings, "update")[0] == 0
        before = snapshot(settings)
        proc, port, token = _start(settings, feed)
        try:
            feed.answers["/feed"] = BAD_FEEDS["truncated"][0]
            status, body = _call(port, token, "POST", "/api/v1/lists/update", {}, timeout=60)
            assert status == 200, body
            (res,) = body.get("results") or body.get("result")  # a list of per-list outcomes
            assert res["status"] == "failed" and res["kept_previous"] is True and res["message"], res
            check = {"text": f"https://{V1[9]}/", "offline": True}
            status, body = _call(port, token, "POST", "/api/v1/check", check)
            assert status == 200 and any(r["code"].startswith("blocklist.") for r in body["reasons"])
            status, body = _call(port, token, "GET", "/api/v1/lists")
            assert status == 200, body
        finally:
            proc.kill()
            proc.wait(10)
        assert snapshot(settings) == before
    finally:
        feed.close()
