"""Fixtures every test folder shares: an isolated data dir and a settings object pointing at it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.settings import Settings


@pytest.fixture(scope="session")
def _bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled index of the bundled lists, built once per session (a build takes seconds)."""
    from scanner.lists.build import ensure_index

    base = tmp_path_factory.mktemp("bundled-index")
    ensure_index(Settings.load(environ={}, data_dir=base))
    return base / "lists" / "index.bin"


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Path:
    """Never touch the user's real lists, token or cache: each test gets its own data dir.

    It starts with a copy of the session's compiled index of the bundled lists, exactly what
    `lurelens lists update` would have left there, so tests do not each rebuild it. The lists'
    own tests start empty: building the index is what they test.
    """
    data = tmp_path_factory.mktemp("lurelens-data")
    if "lists" not in request.path.parts:
        (data / "lists").mkdir()
        shutil.copy2(request.getfixturevalue("_bundled_index"), data / "lists" / "index.bin")
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
