"""``lists update`` against bad feeds and bad disks: a clear message, and the old lists intact.

Each test primes a real data dir with a good feed from a loopback server (real guarded fetcher,
real index), then breaks one thing — the feed (corrupt, truncated, shrunk, wrong content type…),
or the disk (full, read-only) — and runs ``lurelens lists update`` through its command runner. The
files that make up the lists must be byte-for-byte unchanged, the old entries must still block,
and the command must say what went wrong and exit non-zero.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.canonical import canonicalize
from scanner.errors import ExitStatus
from scanner.settings import Settings

from .feedserver import FeedAnswer, FeedServer

V1 = [f"lurelens-robust-v1-{i}.com" for i in range(3000)]
V2 = V1 + [f"lurelens-robust-v2-{i}.com" for i in range(500)]


def _body(domains: list[str]) -> bytes:
    return ("# test feed\n" + "\n".join(domains) + "\n").encode()


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    f = FeedServer()
    yield f
    f.close()


def make_settings(data_dir: Path, feed: FeedServer, work: Path, **kw: object) -> Settings:
    """Settings whose only list is one remote feed on ``feed`` (bundled sources replaced)."""
    seed = work / "seed.txt"
    seed.write_bytes(_body(V1[:100]))
    sources = work / "sources.toml"
    sources.write_text(
        "[[list]]\n"
        'name = "robust-feed"\ncategory = "phishing"\nformat = "plain"\n'
        f'path = "{seed}"\nurl = "{feed.url("/feed")}"\nrefresh = "1d"\n',
        encoding="utf-8",
    )
    return Settings.load(
        environ={},
        data_dir=data_dir,
        sources_file=sources,
        egress_allow=frozenset({feed.pair}),
        **{"connect_timeout": 2.0, "read_timeout": 2.0, **kw},
    )


def lists_cmd(settings: Settings, *argv: str) -> tuple[int, str, str]:
    """Run ``lurelens lists …`` through its runner with these settings; (exit code, stdout, stderr)."""
    from scanner.cli import build_parser
    from scanner.lists import cli as lists_cli

    args = build_parser().parse_args(["lists", *argv])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = lists_cli.run(args, settings, out)
    return code, out.getvalue(), err.getvalue()


def blocked(settings: Settings, domain: str) -> bool:
    from scanner.lists import ListSet

    return ListSet.prepare(settings).check(canonicalize(f"https://{domain}/login")).blocked


def snapshot(settings: Settings) -> dict[str, str]:
    """SHA-256 of every list file that matters (not the status records, which note the error)."""
    root = settings.data_dir / "lists"
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix != ".json" and not p.name.startswith(".")
    }


def prime(settings: Settings, feed: FeedServer) -> dict[str, str]:
    feed.answers["/feed"] = FeedAnswer(_body(V1))
    code, out, err = lists_cmd(settings, "update")
    assert code == 0, (out, err)
    assert blocked(settings, V1[2999]) and not blocked(settings, V2[-1])
    snap = snapshot(settings)
    assert any(k.endswith("index.bin") for k in snap), snap
    return snap


def _garbage() -> bytes:
    rng = random.Random(9)
    return bytes(rng.randrange(256) for _ in range(20_000))


BAD_FEEDS = {
    "binary": (FeedAnswer(_garbage()), "binary"),
    "garbage-text": (
        FeedAnswer(("\n".join("}{ ][ !! ## \\\\ ::" * 3 for _ in range(500))).encode()),
        "malformed",
    ),
    "truncated": (FeedAnswer(_body(V2)[: len(_body(V2)) // 2], declared_length=len(_body(V2))), ""),
    "shrunk": (FeedAnswer(_body(V1[:40])), "shrunk"),
    "html-type": (FeedAnswer(_body(V2), content_type="text/html; charset=utf-8"), "content type"),
    "html-page": (FeedAnswer(b"<!DOCTYPE html><html><body>Please log in to the Wi-Fi</body></html>"), "HTML"),
    "empty": (FeedAnswer(b""), "empty"),
    "server-error": (FeedAnswer(b"oops", status=500), "500"),
    "not-found": (FeedAnswer(b"", status=404), "404"),
}


@pytest.mark.parametrize("fault", sorted(BAD_FEEDS))
def test_bad_feed_keeps_the_old_lists(data_dir: Path, tmp_path: Path, feed: FeedServer, fault: str) -> None:
    settings = make_settings(data_dir, feed, tmp_path)
    before = prime(settings, feed)
    answer, words = BAD_FEEDS[fault]
    feed.answers["/feed"] = answer
    code, out, err = lists_cmd(settings, "update")
    assert code == ExitStatus.UNAVAILABLE, (out, err)  # 4: the download failed, old lists kept
    line = out.splitlines()[0]
    assert line.startswith("robust-feed: not updated"), out
    assert words.lower() in line.lower(), line
    assert "previous" in out  # the summary says the old version was kept
    assert snapshot(settings) == before
    assert blocked(settings, V1[2999]) and not blocked(settings, V2[-1])
    # The status shows the error, and JSON output carries the same for scripts.
    code, out, _ = lists_cmd(settings, "status", "--json")
    row = next(r for r in json.loads(out)["lists"] if r["name"] == "robust-feed")
    assert row["last_error"]
    code, out, _ = lists_cmd(settings, "update", "--json")
    res = json.loads(out)["results"][0]
    assert res["status"] == "failed" and res["kept_previous"] is True


def test_good_feed_after_failures_is_taken(data_dir: Path, tmp_path: Path, feed: FeedServer) -> None:
    """The refusal is about the bad download, not a stuck state: the next good feed goes in."""
    settings = make_settings(data_dir, feed, tmp_path)
    prime(settings, feed)
    feed.answers["/feed"] = BAD_FEEDS["truncated"][0]
    assert lists_cmd(settings, "update")[0] == ExitStatus.UNAVAILABLE
    feed.answers["/feed"] = FeedAnswer(_body(V2))
    code, out, err = lists_cmd(settings, "update")
    assert code == 0, (out, err)
    assert blocked(settings, V2[-1]) and blocked(settings, V1[0])


# ---- disks ------------------------------------------------------------------------------------------


def _can_mount() -> bool:
    return (
        sys.platform == "linux"
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
        and shutil.which("mount") is not None
    )


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` at ``path`` when we may (root on Linux); yields whether it worked."""
    path.mkdir(parents=True, exist_ok=True)
    ok = (
        _can_mount()
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.mark.parametrize("how", ["tmpfs", "enospc"])
def test_full_disk_during_update(
    tmp_path: Path, feed: FeedServer, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A real full filesystem (a 1 MiB tmpfs, when we may mount one) and a write failing with ENOSPC."""
    data_dir = tmp_path / "data"
    if how == "tmpfs" and not _can_mount():
        pytest.skip("mounting a tmpfs needs root on Linux; the 'enospc' case covers the same path")
    with tmpfs(data_dir, "1m") if how == "tmpfs" else contextlib.nullcontext(False) as mounted:
        if how == "tmpfs":
            assert mounted, "mount -t tmpfs failed"
        settings = make_settings(data_dir, feed, tmp_path)
        before = prime(settings, feed)
        big = V2 + [f"bulk-{i}-{'x' * 30}.lurelens-robust.com" for i in range(60_000)]
        feed.answers["/feed"] = FeedAnswer(_body(big))
        if mounted:
            # Fill what is left, so the new feed cannot be written whatever its size.
            filler = data_dir / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as f:
                while True:
                    f.write(b"\0" * 65536)
        else:
            from scanner.lists import store

            real_fsync = os.fsync

            def full(fd: int) -> None:
                real_fsync(fd)
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(store.os, "fsync", full)
        code, out, err = lists_cmd(settings, "update")
        monkeypatch.undo()
        assert code != 0, (out, err)
        msg = (out + err).lower()
        assert "space" in msg or "writable" in msg, (out, err)
        assert "traceback" not in msg
        if mounted:
            (data_dir / "filler").unlink()
        assert snapshot(settings) == before
        assert blocked(settings, V1[2999])
        assert not list((data_dir / "lists").rglob(".tmp-*")), "temporary files left behind"


def test_read_only_data_dir_during_update(tmp_path: Path, feed: FeedServer) -> None:
    data_dir = tmp_path / "data"
    with tmpfs(data_dir, "8m") as mounted:
        settings = make_settings(data_dir, feed, tmp_path)
        before = prime(settings, feed)
        feed.answers["/feed"] = FeedAnswer(_body(V2))
        if mounted:
            ro = subprocess.run(["mount", "-o", "remount,ro", str(data_dir)], capture_output=True)
            assert ro.returncode == 0, ro.stderr
        elif os.geteuid() != 0:
            for p in [data_dir, *data_dir.rglob("*")]:
                if p.is_dir():
                    p.chmod(0o555)
        else:
            pytest.skip("root without mount: a read-only folder cannot be simulated")
        try:
            code, out, err = lists_cmd(settings, "update")
            assert code != 0, (out, err)
            msg = out + err
            assert "writable" in msg.lower() or "read-only" in msg.lower(), msg
            assert "Traceback" not in msg
            assert snapshot(settings) == before
            # Checking still works from the old lists.
            assert blocked(settings, V1[2999])
        finally:
            if mounted:
                subprocess.run(["mount", "-o", "remount,rw", str(data_dir)], capture_output=True)
            else:
                for p in [data_dir, *data_dir.rglob("*")]:
                    if p.is_dir():
                        p.chmod(0o755)


def test_feed_server_that_hangs_or_resets(data_dir: Path, tmp_path: Path, feed: FeedServer) -> None:
    """A feed host that accepts and never answers, or resets: bounded by the read timeout, old lists kept."""
    import time

    from .faultserver import FaultServer

    settings = make_settings(data_dir, feed, tmp_path, read_timeout=1.0)
    before = prime(settings, feed)
    with FaultServer("127.0.0.4") as bad:
        for kind in ("hang", "reset", "garbage"):
            sources = tmp_path / f"sources-{kind}.toml"
            good = (tmp_path / "sources.toml").read_text(encoding="utf-8")
            sources.write_text(good.replace(feed.url("/feed"), bad.url(f"/{kind}")), encoding="utf-8")
            s = settings.replace(sources_file=sources, egress_allow=frozenset({feed.pair, bad.pair}))
            t0 = time.monotonic()
            code, out, err = lists_cmd(s, "update")
            assert time.monotonic() - t0 < 10, kind
            assert code == ExitStatus.UNAVAILABLE and "robust-feed: not updated" in out, (kind, out, err)
            assert snapshot(s) == before
            assert blocked(s, V1[2999])
