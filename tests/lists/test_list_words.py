"""Issue 19 item 6: ``lists update`` / ``lists status`` and the lists page in plain words.

No network: the feed's host is under ``.invalid`` (RFC 6761), so looking it up always fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.lists.words import age_words, category_words, error_words
from scanner.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _cli(settings: Settings, lang: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LURELENS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        LURELENS_DATA_DIR=str(settings.data_dir),
        LURELENS_SOURCES_FILE=str(settings.sources_file),
        LURELENS_LANG=lang,
    )
    return subprocess.run(
        [sys.executable, "-m", "lurelens", "lists", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def offline_feed(make_sources: Callable[..., Settings]) -> Settings:
    return make_sources(base="http://feeds-host.invalid")


def test_update_says_no_internet_once_per_source(offline_feed: Settings) -> None:
    en = _cli(offline_feed, "en", "update")
    assert en.returncode == 4
    lines = [line for line in en.stdout.splitlines() if line.startswith("phish:")]
    assert lines == [
        "phish: not updated: no internet connection (could not look up feeds-host.invalid); "
        "kept the previous version"
    ]
    assert "gaierror" not in en.stdout + en.stderr
    assert "phish" not in en.stderr  # said once, on stdout, not again as a log line
    zh = _cli(offline_feed, "zh", "update")
    assert (
        "phish: 更新失败：没有网络连接（无法查找 feeds-host.invalid）；已保留旧版本" in zh.stdout.splitlines()
    )


def test_status_shows_age_in_days_and_a_hint(offline_feed: Settings) -> None:
    _cli(offline_feed, "en", "update")
    out = _cli(offline_feed, "zh", "status").stdout
    assert "*" not in out
    assert "钓鱼网站" in out and "phishing" not in out
    assert "没有网络连接（无法查找 feeds-host.invalid）" in out


def test_words() -> None:
    assert category_words("crypto_phishing", "zh") == "加密货币钓鱼"
    assert age_words(12 * 86400 + 5, True, "en") == "12 days old (out of date)"
    assert age_words(3 * 86400, False, "zh") == "3 天前"
    assert error_words("download failed: HTTP 404; kept the previous version", "zh") == (
        "下载失败：服务器返回 HTTP 404；已保留旧版本"
    )
    assert error_words("something new", "zh") == "something new"  # unknown shapes pass unchanged
