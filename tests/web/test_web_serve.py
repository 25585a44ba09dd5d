"""The real server: waitress on 127.0.0.1 (TESTSPEC L-01, L-02, L-05, L-22, U-06, U-07, concurrency)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from liveservice import LiveService
from websupport import FakeScanner, fake_report

import web
from scanner.models import Report
from scanner.settings import Settings
from web.serve import check_bind, is_loopback

ROOT = Path(__file__).resolve().parents[2]


def request(
    live: LiveService,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=timeout)
    h = {"X-LureLens-Token": live.token, **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    conn.close()
    return out


def raw(live: LiveService, payload: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", live.port), timeout=timeout) as s:
        s.sendall(payload)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except TimeoutError:
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state for ``port`` from /proc/net/tcp{,6}."""
    found = set()
    for name, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            addr, p = parts[1].split(":")
            if int(p, 16) == port and parts[3] == "0A":
                found.add(addr if width == 32 else socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return found


def test_l01_bound_to_loopback_only(live: LiveService) -> None:
    assert live.server.socket.getsockname()[0] == "127.0.0.1"
    assert _listening_addresses(live.port) == {"127.0.0.1"}
    status, _, _ = request(live, "GET", "/api/v1/health")
    assert status == 200


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
    ],
)
def test_bind_rule(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok
    if not ok:
        from scanner.errors import ConfigError

        with pytest.raises(ConfigError, match="--allow-public-bind"):
            check_bind(host, allow_public=False)
        check_bind(host, allow_public=True)  # the explicit flag allows it


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LURELENS_")}
    env.update(LURELENS_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    return env


def test_l02_public_bind_refused_without_flag(data_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "web", "serve", "--host", "0.0.0.0", "--port", "18999"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=_env(data_dir),
    )
    assert proc.returncode != 0
    assert "refusing to listen on 0.0.0.0" in proc.stderr
    assert "running at" not in proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_command_prints_url_and_token_exists_first(data_dir: Path) -> None:
    port = _free_port()
    token_file = data_dir / "api-token"
    assert not token_file.exists()
    proc = subprocess.Popen(
        [sys.executable, "-m", "web", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**_env(data_dir), "LURELENS_OFFLINE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"LureLens is running at http://127.0.0.1:{port}/")
        token = token_file.read_text().strip()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/health", headers={"X-LureLens-Token": token})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["ok"] is True
        assert r.getheader("Server") == "LureLens"
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_l05_http10_without_host(live: LiveService) -> None:
    out = raw(live, f"GET /api/v1/health HTTP/1.0\r\nX-LureLens-Token: {live.token}\r\n\r\n".encode())
    assert out.startswith(b"HTTP/1.0 403") or out.startswith(b"HTTP/1.1 403")


def test_l04_rebinding_host_on_the_wire(live: LiveService) -> None:
    status, _, body = request(live, "GET", "/api/v1/health", headers={"Host": f"evil.test:{live.port}"})
    assert status == 403 and b"forbidden_host" in body


def test_l22_server_header_and_no_console(live: LiveService) -> None:
    status, headers, _ = request(live, "GET", "/console")
    assert status == 404
    assert headers["server"] == "LureLens"  # no versions
    status, headers, body = request(live, "POST", "/api/v1/check", body={"text": 1})
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_input"
    assert b"Traceback" not in body


def test_u06_huge_content_length_refused_without_reading(live: LiveService) -> None:
    head = (
        f"POST /api/v1/scan HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nX-LureLens-Token: {live.token}\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n"
    )
    t0 = time.monotonic()
    out = raw(live, head.encode() + b"--x\r\n", timeout=5)
    assert b" 413 " in out.split(b"\r\n", 1)[0]
    assert time.monotonic() - t0 < 4


def test_u07_chunked_upload_over_the_cap_is_stopped(live: LiveService) -> None:
    cap = live.settings.max_image_bytes
    head = (
        f"POST /api/v1/scan HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nX-LureLens-Token: {live.token}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"\0" * (256 * 1024)
    sent = 0
    reply = b""
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as s:
        s.sendall(head.encode())
        try:
            while sent < 4 * cap:
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            reply = s.recv(65536)
        except (ConnectionResetError, TimeoutError):
            reply = b""
    assert reply.split(b"\r\n", 1)[0].endswith(b"413 Request Entity Too Large") or b" 413 " in reply[:40]
    assert sent < 4 * cap  # the server stopped the stream


class Mixed(FakeScanner):
    """Slow for texts containing 'slow', instant otherwise."""

    def check(self, text: str, *, offline: bool | None = None) -> Report:
        if "slow" in text:
            self.release.wait(6)
        return fake_report(text)


def test_twenty_slow_checks_do_not_starve_a_21st(web_settings: Settings) -> None:
    scanner = Mixed()
    web_settings = web_settings.replace(request_timeout=15.0)
    live = LiveService(web_settings, scanner=scanner)
    results: list[int] = []
    try:
        slow = [
            threading.Thread(
                target=lambda: results.append(
                    request(live, "POST", "/api/v1/check", body={"text": "slow https://a.test/"})[0]
                )
            )
            for _ in range(20)
        ]
        for t in slow:
            t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        status, headers, body = request(live, "POST", "/api/v1/check", body={"text": "https://fast.test/"})
        fast = time.monotonic() - t0
        # The admission gate runs a few checks and queues a few; the 21st is answered at once, with
        # the verdict or with "busy" (never left waiting for the slow ones to finish).
        assert status in (200, 503), status
        if status == 503:
            assert json.loads(body)["error"]["code"] == "busy" and int(headers["retry-after"]) >= 1
        assert fast < 3, f"the 21st request waited {fast:.2f}s"  # starved, it would wait ≥ 5.5 s
        t0 = time.monotonic()
        status, _, _ = request(live, "GET", "/api/v1/health")
        assert status == 200 and time.monotonic() - t0 < 1  # /health never waits behind the flood
        for t in slow:
            t.join(timeout=20)
        gate = web.state(live.app).check_gate
        # The queued ones wait 2 s, the slow checks take 6 s: only those that got a slot finish.
        assert sorted(set(results)) == [200, 503] and results.count(200) == gate.slots
        assert gate.peak == gate.slots
    finally:
        scanner.release.set()
        live.close()
