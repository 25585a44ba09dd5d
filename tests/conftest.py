"""Fixtures every test folder shares: an isolated data dir and a settings object pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's real lists, token or cache: each test gets its own data dir."""
    data = tmp_path_factory.mktemp("lurelens-data")
    monkeypatch.setenv("LURELENS_DATA_DIR", str(data))
    monkeypatch.delenv("LURELENS_CONFIG", raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return data


@pytest.fixture
def data_dir(_isolated_data_dir: Path) -> Path:
    """The per-test LURELENS_DATA_DIR."""
    return _isolated_data_dir


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Default settings over the per-test data dir."""
    return Settings.load(environ={}, data_dir=data_dir)
