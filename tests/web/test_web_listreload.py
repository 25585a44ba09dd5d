"""Issue 19 item 1: a list added while ``lurelens serve`` runs takes effect within 2 s, and is logged."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from web.listwatch import ListWatch

ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LURELENS_")}
    env.update(LURELENS_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT), LURELENS_OFFLINE="1")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _check(port: int, token: str, url: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    body = json.dumps({"text": url, "offline": True})
    conn.request(
        "POST",
        "/api/v1/check",
        body=body,
        headers={"X-LureLens-Token": token, "Content-Type": "application/json"},
    )
    r = conn.getresponse()
    data = json.loads(r.read())
    conn.close()
    assert r.status == 200, data
    return data


def test_list_added_from_another_process_applies_within_2s(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    listed = "parcel-redelivery-fee.example"
    feed = tmp_path / "mine.txt"
    feed.write_text(f"# my own list\n{listed}\n", encoding="utf-8")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lurelens", "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(f"LureLens is running at http://127.0.0.1:{port}/")
        token = (data_dir / "api-token").read_text().strip()
        before = _check(port, token, f"https://{listed}/pay")
        assert before["level"] != "danger"
        add = subprocess.run(
            [
                sys.executable,
                "-m",
                "lurelens",
                "lists",
                "add",
                str(feed),
                "--category",
                "phishing",
                "--name",
                "mine",
            ],
            cwd=ROOT,
            env=_env(data_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert add.returncode == 0, add.stderr
        added = time.monotonic()
        level = before["level"]
        while time.monotonic() - added < 2.0:
            level = _check(port, token, f"https://login.{listed}/pay")["level"]
            if level == "danger":
                break
            time.sleep(0.1)
        took = time.monotonic() - added
        assert level == "danger", f"still {level} {took:.2f} s after lists add"
        assert _check(port, token, f"https://{listed}/")["level"] == "danger"  # the domain itself too
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "lists changed on disk" in err and "reloaded" in err


def test_watch_reloads_once_per_change(tmp_path: Path) -> None:
    index = tmp_path / "index.bin"
    calls: list[int] = []
    watch = ListWatch(index, lambda: calls.append(1), interval=0.0)
    assert not watch.poll() and calls == []  # no file yet, nothing changed
    index.write_bytes(b"one")
    assert watch.poll() and calls == [1]
    assert not watch.poll() and calls == [1]  # same file: no second reload
    tmp = tmp_path / "index.tmp"
    tmp.write_bytes(b"two!")
    tmp.replace(index)  # how the index is replaced: write, then rename
    assert watch.poll() and calls == [1, 1]
