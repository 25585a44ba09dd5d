"""Issue 20: ``lurelens serve --processes 2`` — one service from two gunicorn processes that share
the token, the sign-in session and the list index through the data dir, and nothing else."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="gunicorn runs on POSIX only"),
    pytest.mark.timeout(240),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _call(port: int, method: str, path: str, *, headers: dict[str, str] | None = None,
          body: object = None) -> tuple[int, bytes, http.client.HTTPResponse]:
    """One request on a fresh connection (so the processes share the requests between them)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    h = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    if data is not None:
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    out = r.read()
    conn.close()
    return r.status, out, r


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True,
                         check=False)
    return [int(x) for x in out.stdout.split()]


def _serve_cmdline(pid: int) -> bool:
    try:
        return b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_two_processes_share_token_session_and_lists(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LURELENS_")}
    env.update(LURELENS_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), LURELENS_OFFLINE="1",
               LURELENS_RATE_LIMIT_PER_MINUTE="100000")
    port = _free_port()
    cmd = [sys.executable, "-m", "lurelens", "serve", "--processes", "2", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        assert proc.stdout is not None
        head = "".join(proc.stdout.readline() for _ in range(4))
        secret = re.search(r"/login\?secret=([\w-]+)", head)
        assert secret is not None and "2 processes" in head, head
        token = (data_dir / "api-token").read_text().strip()
        auth = {"X-LureLens-Token": token}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if _call(port, "GET", "/api/v1/health", headers=auth)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        workers = [p for p in _children(proc.pid) if _serve_cmdline(p)]
        assert len(workers) == 2, workers
        # The token is accepted by every process (fresh connections land on either).
        checks = [_call(port, "POST", "/api/v1/check", headers=auth, body={"text": "https://shop.example/a"})
                  for _ in range(16)]
        assert [c[0] for c in checks] == [200] * 16
        # The one-time sign-in link sets a cookie that every process accepts; the secret is spent.
        status, _, r = _call(port, "GET", f"/login?secret={secret.group(1)}")
        assert status == 200, status
        cookie = r.getheader("Set-Cookie", "").split(";", 1)[0]
        assert cookie.startswith("lurelens_session_")
        pages = [_call(port, "GET", "/", headers={"Cookie": cookie})[0] for _ in range(16)]
        assert pages == [200] * 16
        assert _call(port, "GET", f"/login?secret={secret.group(1)}")[0] == 401
        # A list added from another process reaches both processes within 2 s.
        feed = tmp_path / "mine.txt"
        feed.write_text("parcel-fee-refund.example\n", encoding="utf-8")
        subprocess.run([sys.executable, "-m", "lurelens", "lists", "add", str(feed), "--category", "phishing",
                        "--name", "mine"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        time.sleep(2.0)
        levels = {json.loads(_call(port, "POST", "/api/v1/check", headers=auth,
                                   body={"text": "https://parcel-fee-refund.example/pay"})[1])["level"]
                  for _ in range(16)}
        assert levels == {"danger"}, levels
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_too_many_processes_is_refused_before_anything_starts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LURELENS_")}
    env.update(LURELENS_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "lurelens", "serve", "--processes", "100000", "--port",
                        str(_free_port())], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "per core" in r.stderr and "Traceback" not in r.stderr
    assert "login?secret=" not in r.stdout  # refused before a sign-in link was printed
