"""A check never builds the list index: setup does; a stale or missing one is rebuilt in the background."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.canonical import canonicalize
from scanner.errors import StorageError
from scanner.lists import ListSet, build, prepare
from scanner.lists import store as list_store
from scanner.pipeline import Scanner
from scanner.settings import Settings


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread of every index build."""
    seen: list[str] = []
    real = build.build

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "build", spy)
    return seen


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Background builds wait until the test sets this (so a check surely runs before one ends)."""
    opened = threading.Event()
    real = build.ensure_index

    def held(*args: object, **kwargs: object) -> object:
        assert opened.wait(60)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "ensure_index", held)
    return opened


def _join_builds() -> None:
    for t in threading.enumerate():
        if t.name == "lurelens-lists-build":
            t.join(timeout=120)


def _blocked(lists: ListSet, host: str) -> bool:
    return lists.check(canonicalize(f"http://{host}/")).blocked


def test_a_missing_index_is_built_in_the_background(
    make_sources: Callable[..., Settings], builds: list[str]
) -> None:
    settings = make_sources()
    got: list[ListSet] = []
    lists = ListSet.load(settings, on_built=got.append)
    assert not lists.ready and len(lists) == 0
    assert not _blocked(lists, "evil-login.example")
    _join_builds()
    assert builds == ["lurelens-lists-build"]  # never on the caller's thread
    assert len(got) == 1 and got[0].ready and _blocked(got[0], "evil-login.example")
    assert list_store.index_path(settings).exists()
    assert ListSet.load(settings).ready  # now fresh: opened, not built again
    assert builds == ["lurelens-lists-build"]


def test_a_stale_index_is_used_while_it_is_rebuilt(
    make_sources: Callable[..., Settings], builds: list[str], tmp_path: Path
) -> None:
    settings = make_sources()
    ListSet.prepare(settings)  # the setup step: in the foreground
    assert builds == ["MainThread"]
    phish = tmp_path / "src" / "phish.txt"
    phish.write_text(phish.read_text(encoding="utf-8") + "new-evil.example\n", encoding="utf-8")
    got: list[ListSet] = []
    lists = ListSet.load(settings, on_built=got.append)
    assert lists.ready and _blocked(lists, "evil-login.example")  # the old index answers at once
    assert not _blocked(lists, "new-evil.example")
    _join_builds()
    assert builds == ["MainThread", "lurelens-lists-build"]
    assert _blocked(got[0], "new-evil.example")


def test_the_scanner_says_when_it_checked_without_lists(
    make_sources: Callable[..., Settings], builds: list[str], gate: threading.Event
) -> None:
    scanner = Scanner(make_sources())

    def codes() -> set[str]:
        report = scanner.check("http://evil-login.example/", offline=True)
        return {r["code"] for r in report.to_dict()["reasons"]}

    first = codes()
    gate.set()
    assert "lists.not_ready" in first and "blocklist.phishing" not in first
    _join_builds()
    later = codes()  # the background build's lists were swapped in
    assert "lists.not_ready" not in later and "blocklist.phishing" in later
    assert builds == ["lurelens-lists-build"]


def test_every_scanner_waiting_on_one_build_gets_its_lists(
    make_sources: Callable[..., Settings], builds: list[str], gate: threading.Event
) -> None:
    """Two callers find the index missing while one build runs: both swap the new lists in."""
    settings = make_sources()
    got: list[str] = []
    first = ListSet.load(settings, on_built=lambda ls: got.append("first"))
    second = ListSet.load(settings, on_built=lambda ls: got.append("second"))
    assert not first.ready and not second.ready
    gate.set()
    _join_builds()
    assert sorted(got) == ["first", "second"] and builds == ["lurelens-lists-build"]


def test_a_failed_background_build_is_not_retried_at_once(
    make_sources: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_sources()
    calls: list[int] = []

    def broken(*_a: object, **_k: object) -> object:
        calls.append(1)
        raise StorageError("disk full")

    monkeypatch.setattr(build, "ensure_index", broken)
    assert not ListSet.load(settings).ready
    _join_builds()
    assert prepare.rebuild_in_background(settings) is None  # within RETRY_AFTER of the failure
    assert not ListSet.load(settings).ready
    _join_builds()
    assert calls == [1]


def test_the_cli_prepares_the_lists_before_its_first_input(data_dir: Path) -> None:
    assert not (data_dir / "lists" / "index.bin").exists()
    env = {**os.environ, "LURELENS_DATA_DIR": str(data_dir)}
    out = subprocess.run([sys.executable, "-m", "lurelens", "check", "--offline", "--json", "http://t.cn/x"],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    codes = {r["code"] for r in json.loads(out.stdout)["reasons"]}
    assert "lists.not_ready" not in codes and "expand.shortener" in codes
    assert (data_dir / "lists" / "index.bin").exists()


def test_a_killed_build_leaves_no_file_behind_for_long(make_sources: Callable[..., Settings]) -> None:
    """A build killed between write and rename leaves ``.index-*``; the next build removes old ones."""
    from scanner.lists import index

    settings = make_sources()
    folder = list_store.index_path(settings).parent
    folder.mkdir(parents=True, exist_ok=True)
    old, recent = folder / ".index-killed", folder / ".index-other-build"
    old.write_bytes(b"half an index")
    recent.write_bytes(b"another process writing now")
    past = old.stat().st_mtime - index.ABANDONED_AFTER - 5
    os.utime(old, (past, past))
    ListSet.prepare(settings)
    assert not old.exists() and recent.exists()
