"""The compiled index: built on demand, rebuilt when a source changes, safe on damaged or read-only disks."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import blocklists
from scanner.canonical import canonicalize
from scanner.errors import ConfigError, StorageError
from scanner.lists import ListSet, add_list, status
from scanner.lists import store as list_store
from scanner.lists.build import ensure_index
from scanner.lists.index import levels, read_header
from scanner.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_index_is_built_once_then_mapped(mini: Settings) -> None:
    path = list_store.index_path(mini)
    assert not path.exists()
    ListSet.prepare(mini)
    first = path.stat().st_mtime_ns
    head = read_header(path)
    ls = ListSet.prepare(mini)
    assert path.stat().st_mtime_ns == first and read_header(path) == head
    assert ls.check(canonicalize("http://evil-login.example/")).blocked


def test_source_change_triggers_rebuild(mini: Settings) -> None:
    ListSet.prepare(mini)
    assert mini.sources_file is not None
    src = mini.sources_file.parent / "phish.txt"
    src.write_text(src.read_text() + "newly-added.example\n")
    os.utime(src, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    ls = ListSet.prepare(mini)
    assert ls.check(canonicalize("http://newly-added.example/")).blocked


def test_damaged_index_is_rebuilt(mini: Settings) -> None:
    ListSet.prepare(mini)
    path = list_store.index_path(mini)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    ls = ListSet.prepare(mini)
    assert ls.check(canonicalize("http://evil-login.example/")).blocked
    path.write_bytes(b"garbage")
    assert ListSet.prepare(mini).check(canonicalize("http://scam.example/")).blocked


def test_unwritable_data_dir_still_loads(make_sources: Callable[..., Settings], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings = make_sources(data_dir=blocker / "data")  # mkdir fails: a file is in the way
    ls = ListSet.prepare(settings)
    assert ls.check(canonicalize("http://evil-login.example/")).blocked
    extra = tmp_path / "mine.txt"
    extra.write_text("mine.example\n")
    with pytest.raises(StorageError):
        add_list(settings, str(extra))


def test_loading_a_fresh_index_imports_nothing_heavy(mini: Settings) -> None:
    ListSet.prepare(mini)
    code = (
        "import sys, time\n"
        "from scanner.settings import Settings\n"
        "from scanner.lists import ListSet\n"
        f"s = Settings.load(environ={{}}, data_dir={str(mini.data_dir)!r},\n"
        f"                  sources_file={str(mini.sources_file)!r})\n"
        "t = time.perf_counter(); ls = ListSet.prepare(s); dt = time.perf_counter() - t\n"
        "print(len(ls), round(dt, 4), 'numpy' in sys.modules, 'tldextract' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    assert int(out[0]) > 0
    assert float(out[1]) < 0.5
    assert out[2:] == ["False", "False"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[list]]\nname = "a"\ncategory = "phishing"\npath = "x"\nbogus = 1\n', "unknown key"),
        ('[[list]]\nname = "a"\ncategory = "nope"\npath = "x"\n', "category="),
        ('[[list]]\nname = "A B"\ncategory = "phishing"\npath = "x"\n', "name="),
        ('[[list]]\nname = "a"\ncategory = "phishing"\npath = "x"\n' * 2, "used twice"),
        ('[[list]]\nname = "a"\ncategory = "phishing"\n', "path, a url"),
        ('[[list]]\nname = "a"\ncategory = "phishing"\nurl = "ftp://x/y"\n', "url="),
        ('[[list]]\nname = "a"\ncategory = "phishing"\npath = "x"\nrefresh = "soon"\n', "refresh="),
        ('[[list]]\nname = "a"\ncategory = "phishing"\npath = "x"\nformat = "xml"\n', "format="),
        ('[[list]]\nname = "a"\ncategory = "phishing"\npath = "x"\ndate = "yesterday"\n', "date="),
        ("list = 3\n", "array of tables"),
        ("not toml [[[", "cannot be read"),
    ],
    ids=["unknown-key", "category", "name", "duplicate", "no-source", "url-scheme", "refresh", "format",
         "date", "not-a-table", "broken-toml"],
)
def test_bad_sources_file_is_a_config_error(tmp_path: Path, data_dir: Path, body: str, message: str) -> None:
    f = tmp_path / "sources.toml"
    f.write_text(body)
    settings = Settings.load(environ={}, data_dir=data_dir, sources_file=f)
    with pytest.raises(ConfigError, match=message):
        ListSet.prepare(settings)


def test_missing_sources_file(tmp_path: Path, data_dir: Path) -> None:
    settings = Settings.load(environ={}, data_dir=data_dir, sources_file=tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        ListSet.prepare(settings)


def test_missing_list_file_is_reported_not_fatal(make_sources: Callable[..., Settings]) -> None:
    settings = make_sources(files={"a.txt": "a.example\n"}, sources=(
        '[[list]]\nname = "a"\ncategory = "phishing"\npath = "a.txt"\n'
        '[[list]]\nname = "gone"\ncategory = "scam"\npath = "gone.txt"\n'))
    ls = ListSet.prepare(settings)
    assert ls.check(canonicalize("http://a.example/")).blocked
    gone = next(s for s in status(settings) if s.name == "gone")
    assert gone.entries == 0 and "not found" in gone.last_error


def test_bundled_sources_are_valid_and_shipped() -> None:
    specs = list_store.read_sources_toml(list_store.bundled_sources_file(), "bundled")
    names = {s.name for s in specs}
    assert {"phishtank", "tw165-scam", "polkadot-phishing", "metamask-phishing", "urlhaus-online",
            "umbrella-popular"} <= names
    cats = {s.category for s in specs}
    assert {"phishing", "scam", "malware", "crypto_phishing", "popular", "shortener"} <= cats
    readme = (blocklists.path() / "README.md").read_text()
    for s in specs:
        assert s.licence, s.name
        if s.category != "shortener":  # shortener files are another stage's data
            assert s.path is not None and s.path.is_file(), s.name
            assert s.path.name in readme, s.name
    total = sum(p.stat().st_size for p in blocklists.files())
    assert total < 12 * 2**20


def test_bundled_lists_build_and_match(settings: Settings) -> None:
    ls = ListSet.prepare(settings)
    info = {i["name"]: i for i in ls.lists()}
    assert info["phishtank"]["entries"] > 10_000 and info["umbrella-popular"]["entries"] > 1000
    assert all(not i["error"] for n, i in info.items() if n != "url-shorteners-inactive")
    assert not ls.check(canonicalize("https://pages.dev/")).reasons
    assert not ls.check(canonicalize("https://github.io/")).reasons
    st = {s.name: s for s in status(settings)}
    assert st["phishtank"].updated_at == datetime.datetime(2026, 5, 31, tzinfo=datetime.UTC).timestamp()
    assert st["phishtank"].due and st["phishtank"].url and st["umbrella-popular"].url is None


def test_levels() -> None:
    assert levels("example.com") == ["example.com"]
    assert levels("a.b.c.example.co.uk") == ["a.b.c.example.co.uk", "b.c.example.co.uk", "c.example.co.uk",
                                             "example.co.uk", "co.uk"]


def test_fingerprint_covers_the_allowlist(mini: Settings) -> None:
    ensure_index(mini)
    before = read_header(list_store.index_path(mini))
    list_store.write_allow(mini, ["evil-login.example"])
    ls = ListSet.prepare(mini)
    assert read_header(list_store.index_path(mini)) != before
    assert ls.check(canonicalize("http://evil-login.example/")).allowed
