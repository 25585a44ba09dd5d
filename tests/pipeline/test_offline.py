"""``offline`` in the settings is a promise: a check made with it opens no socket and asks no DNS."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

import scanner
from scanner.settings import Settings


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    """Every socket created and every name looked up, refused and recorded."""
    rec = _Recorder()

    def refuse(name: str) -> Any:
        def call(*args: Any, **kw: Any) -> Any:
            rec.calls.append(f"{name}{args[:1]}")
            raise OSError(f"test: {name} refused")

        return call

    monkeypatch.setattr(socket, "socket", refuse("socket"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    return rec


@pytest.mark.parametrize("text", ["http://t.cn/A6xYz", "兼职日结，点击 http://t.cn/A6xYz 领取"])
def test_settings_offline_opens_no_socket(text: str, tmp_path: Path, network_calls: _Recorder) -> None:
    settings = Settings.load(environ={}, data_dir=tmp_path, offline=True, use_lists=False)
    report = scanner.check(text, settings=settings)
    assert report.offline is True
    assert network_calls.calls == []
    assert "link.not_expanded" in {r.code for r in report.reasons}


def test_explicit_offline_argument_still_wins(tmp_path: Path, network_calls: _Recorder) -> None:
    settings = Settings.load(environ={}, data_dir=tmp_path, use_lists=False)
    report = scanner.check("http://t.cn/A6xYz", settings=settings, offline=True)
    assert report.offline is True and network_calls.calls == []


def test_an_offline_check_builds_no_http_client(tmp_path: Path) -> None:
    from scanner.pipeline import Scanner

    sc = Scanner(Settings.load(environ={}, data_dir=tmp_path, offline=True, use_lists=False))
    sc.check("兼职日结 http://t.cn/A6xYz 领取")
    assert sc.expander._client is None  # the guarded client is built on the first real fetch


@pytest.mark.disable_socket
@pytest.mark.parametrize("text", ["http://t.cn/A6xYz", "兼职日结，点击 https://job.example.top/r?id=9 领取"])
def test_offline_settings_under_pytest_socket(text: str, settings: Settings) -> None:
    """The same promise with pytest-socket's guard (any socket raises), lists and all stages on."""
    from pytest_socket import SocketBlockedError

    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        socket.socket()  # the guard is on in this test (a socket in the check fails it the same way)
    offline = Settings.load(environ={}, data_dir=settings.data_dir, offline=True)
    report = scanner.check(text, settings=offline)
    assert report.offline is True
    assert "link.not_expanded" in {r.code for r in report.reasons}
    assert "lists.not_ready" not in {r.code for r in report.reasons}
