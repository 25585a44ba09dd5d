"""Fixtures for the list tests: a small sources file with real-shaped lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.settings import Settings

MINI_FILES = {
    "phish.txt": "# phishing\nevil-login.example\nbad.tenant.weebly.com\nweebly.com\npages.dev\n"
                 "x.pages.dev\nbit.ly\npopular-site.com\n1.2.3.4\n",
    "scam.txt": "! scam list\n||scam.example^\n||shop.example/promo/^$document\n@@||ok.scam.example^\n"
                "|http://exact.example/path|\n",
    "crypto.json": json.dumps({"deny": ["wallet-drainer.example"], "allow": ["pages.dev", "weebly.com"],
                               "denySub": ["social.example/fakeacct"]}),
    "popular.txt": "popular-site.com\nwww.another-site.net\ncdn.popular-site.com\nx.pages.dev\ngithub.io\n",
    "shorteners.txt": "bit.ly\nt.cn\n",
    "urls.txt": "http://mal.example/dl/payload.exe\nhttps://weebly.com/\n",
}

MINI_SOURCES = """
[[list]]
name = "phish"
category = "phishing"
path = "phish.txt"
url = "{base}/phish.txt"
licence = "test"

[[list]]
name = "scam"
category = "scam"
format = "adblock"
path = "scam.txt"

[[list]]
name = "crypto"
category = "crypto_phishing"
format = "polkadot"
path = "crypto.json"

[[list]]
name = "malware-urls"
category = "malware"
format = "urls"
path = "urls.txt"

[[list]]
name = "popular"
category = "popular"
path = "popular.txt"

[[list]]
name = "shorteners"
category = "shortener"
path = "shorteners.txt"
"""


@pytest.fixture
def make_sources(tmp_path: Path, data_dir: Path) -> Callable[..., Settings]:
    """Write a sources.toml (+ files) and return settings that use it instead of the bundled one."""

    def make(files: dict[str, str] | None = None, sources: str | None = None, base: str = "http://127.0.0.1:9",
             **overrides: object) -> Settings:
        src = tmp_path / "src"
        src.mkdir(exist_ok=True)
        for name, text in (MINI_FILES if files is None else files).items():
            (src / name).write_text(text, encoding="utf-8")
        (src / "sources.toml").write_text((MINI_SOURCES if sources is None else sources).replace(
            "{base}", base), encoding="utf-8")
        kwargs: dict[str, object] = {"data_dir": data_dir, "sources_file": src / "sources.toml"}
        kwargs.update(overrides)
        return Settings.load(environ={}, **kwargs)

    return make


@pytest.fixture
def mini(make_sources: Callable[..., Settings]) -> Settings:
    """Settings over the small test lists."""
    return make_sources()
