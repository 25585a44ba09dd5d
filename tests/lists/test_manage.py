"""User lists and allowlist (add/remove/allow), extension rules, and the ``lists`` command line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.canonical import canonicalize
from scanner.errors import InputError, StorageError
from scanner.lists import (
    ListSet,
    add_list,
    allow_domain,
    remove_list,
    rules_for_extension,
    status,
    unallow_domain,
)
from scanner.lists import cli as lists_cli
from scanner.lists import store as list_store
from scanner.settings import Settings


@pytest.fixture
def hosts_file(tmp_path: Path) -> Path:
    p = tmp_path / "My Company.hosts"
    p.write_text("# company feed\n0.0.0.0 corp-phish.example other-bad.example\n127.0.0.1 localhost\n")
    return p


def test_add_local_list_copies_and_matches(mini: Settings, hosts_file: Path) -> None:
    st = add_list(mini, str(hosts_file))
    assert (st.name, st.category, st.format, st.origin, st.entries, st.skipped) == (
        "my-company", "user", "hosts", "user", 2, 1)
    hosts_file.unlink()  # the private copy is what counts
    v = ListSet.prepare(mini).check(canonicalize("https://login.corp-phish.example/"))
    assert [r.code for r in v.reasons] == ["blocklist.user"]
    assert v.reasons[0].evidence == "my-company (user): corp-phish.example"


def test_add_with_name_format_and_category(mini: Settings, tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("||ad-phish.example^\n")
    st = add_list(mini, str(f), name="corp", fmt="adblock", category="phishing")
    assert (st.name, st.format, st.category) == ("corp", "adblock", "phishing")
    v = ListSet.prepare(mini).check(canonicalize("http://ad-phish.example/"))
    assert [r.code for r in v.reasons] == ["blocklist.phishing"]


@pytest.mark.parametrize(
    ("kwargs", "content", "message"),
    [
        ({"name": "phish"}, "a.example\n", "already exists"),
        ({"name": "Bad Name"}, "a.example\n", "bad list name"),
        ({"name": "user-allow"}, "a.example\n", "already exists"),
        ({"category": "nope"}, "a.example\n", "unknown category"),
        ({"fmt": "xml"}, "a.example\n", "unknown format"),
        ({}, "not a domain at all!\n", "no entries recognised"),
        ({}, "", "no entries recognised"),
    ],
    ids=["duplicate", "bad-name", "reserved-name", "category", "format", "garbage", "empty"],
)
def test_add_rejects_bad_input_and_changes_nothing(
    mini: Settings, tmp_path: Path, kwargs: dict[str, str], content: str, message: str
) -> None:
    f = tmp_path / "in.txt"
    f.write_text(content)
    before = [s.name for s in status(mini)]
    with pytest.raises(InputError, match=message):
        add_list(mini, str(f), **kwargs)  # type: ignore[arg-type]
    assert [s.name for s in status(mini)] == before
    assert list_store.read_registry(mini) == []


@pytest.mark.parametrize("source", ["/no/such/file.txt", "ftp://example.com/list.txt", "  "],
                         ids=["missing", "ftp", "blank"])
def test_add_bad_source(mini: Settings, source: str) -> None:
    with pytest.raises(InputError):
        add_list(mini, source)


def test_names_are_made_unique(mini: Settings, tmp_path: Path) -> None:
    f = tmp_path / "phish.txt"
    f.write_text("a.example\n")
    assert add_list(mini, str(f)).name == "phish-2"
    assert add_list(mini, str(f)).name == "phish-3"


def test_remove_list(mini: Settings, hosts_file: Path) -> None:
    add_list(mini, str(hosts_file), name="corp")
    remove_list(mini, "corp")
    assert "corp" not in {s.name for s in status(mini)}
    assert not list_store.user_file(mini, "corp").exists()
    assert not ListSet.prepare(mini).check(canonicalize("http://corp-phish.example/")).blocked
    with pytest.raises(InputError, match="bundled list"):
        remove_list(mini, "phish")
    with pytest.raises(InputError, match="no list named"):
        remove_list(mini, "corp")


def test_allow_and_unallow(mini: Settings) -> None:
    assert allow_domain(mini, "Evil-Login.Example.") == "evil-login.example"
    assert allow_domain(mini, "evil-login.example") == "evil-login.example"  # idempotent
    assert list_store.read_allow(mini) == ["evil-login.example"]
    assert ListSet.prepare(mini).check(canonicalize("http://evil-login.example/")).allowed
    assert unallow_domain(mini, "evil-login.example") == "evil-login.example"
    assert ListSet.prepare(mini).check(canonicalize("http://evil-login.example/")).blocked
    with pytest.raises(InputError, match="not in your allowlist"):
        unallow_domain(mini, "evil-login.example")
    with pytest.raises(InputError, match="not a domain"):
        allow_domain(mini, "not a domain")


def test_allowlist_hand_edited_in_gb18030_is_read_and_kept(mini: Settings) -> None:
    path = list_store.allow_path(mini)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("# 我的白名单\nmybank.example\n例子.测试\n".encode("gb18030"))
    assert list_store.read_allow(mini) == ["mybank.example", "例子.测试"]
    allow_domain(mini, "shop.example")  # rewrites the file as UTF-8, nothing lost
    assert "mybank.example" in list_store.read_allow(mini) and "例子.测试" in list_store.read_allow(mini)
    path.write_bytes(b"\xff\xfe\x00garbage\x81")
    with pytest.raises(StorageError, match="not text in UTF-8 or GB18030"):
        list_store.read_allow(mini)


def test_corrupt_registry_is_survivable(mini: Settings, hosts_file: Path) -> None:
    list_store.registry_path(mini).parent.mkdir(parents=True, exist_ok=True)
    list_store.registry_path(mini).write_text("{broken json")
    assert ListSet.prepare(mini).check(canonicalize("http://evil-login.example/")).blocked
    add_list(mini, str(hosts_file), name="corp")
    assert [s.name for s in list_store.read_registry(mini)] == ["corp"]


def test_rules_for_extension(mini: Settings, hosts_file: Path) -> None:
    add_list(mini, str(hosts_file), name="corp")
    allow_domain(mini, "trusted.example")
    rules = rules_for_extension(mini, 3)
    assert rules["block"][:2] == ["corp-phish.example", "other-bad.example"]  # the user's list first
    assert len(rules["block"]) == 3 and rules["truncated"]
    assert "trusted.example" in rules["allow"] and "ok.scam.example" in rules["allow"]
    everything = rules_for_extension(mini, 10_000)
    assert not everything["truncated"]
    assert "weebly.com" not in everything["block"] and "bit.ly" not in everything["block"]
    assert "t.cn" not in everything["block"]  # shorteners are informational
    assert len(everything["block"]) == everything["total_block"]
    with pytest.raises(InputError):
        rules_for_extension(mini, 0)


# ---------------------------------------------------------------------------------------------- CLI


def _run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="lurelens")
    sub = parser.add_subparsers(dest="command")
    lists_cli.add_parser(sub)
    args = parser.parse_args(["lists", *argv])
    return lists_cli.run(args, settings)


def test_cli_status_human_en_and_zh(mini: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(mini.replace(lang="en"), "status") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["list", "category", "trust", "entries"]
    assert any(line.startswith("phish ") and " 8 " in line for line in out.splitlines())
    assert _run(mini.replace(lang="zh"), "status") == 0
    assert capsys.readouterr().out.startswith("名单")


def test_cli_status_json(mini: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(mini, "status", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["lists"] if r["name"] == "phish")
    assert row["entries"] == 8 and row["suppressed"] == 3 and row["category"] == "phishing"
    assert row["dropped_popular"] == 1


def test_cli_add_remove_allow(mini: Settings, hosts_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    en = mini.replace(lang="en")
    assert _run(en, "add", str(hosts_file), "--name", "corp", "--category", "phishing") == 0
    assert "Added list corp: 2 entries" in capsys.readouterr().out
    assert _run(en, "add", str(hosts_file), "--name", "corp") == 2  # duplicate: bad input
    assert "already exists" in capsys.readouterr().err
    assert _run(en, "allow", "corp-phish.example", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"allowed": "corp-phish.example"}
    assert _run(en, "allow", "corp-phish.example", "--remove") == 0
    assert "Removed corp-phish.example" in capsys.readouterr().out
    assert _run(en, "remove", "corp") == 0
    assert capsys.readouterr().out == "Removed list corp.\n"
    assert _run(en, "remove", "corp", "--json") == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "bad_input"


def test_cli_update_failure_exit_code(make_sources: Callable[..., Settings],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    settings = make_sources(base=f"http://127.0.0.1:{port}", egress_allow=frozenset({("127.0.0.1", port)}),
                            lang="en")
    assert _run(settings, "update", "--json") == 4
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] == 1
    assert _run(settings, "update", "phish") == 4
    out = capsys.readouterr().out
    assert "phish: not updated: " in out and "1 failed" in out
    assert _run(settings, "update", "no-such-list") == 2


def test_cli_config_error_exit_code(tmp_path: Path, data_dir: Path) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text("[[list]]\nname = 'x'\n")
    settings = Settings.load(environ={}, data_dir=data_dir, sources_file=bad)
    assert _run(settings, "status") == 3


def test_cli_without_subcommand(mini: Settings) -> None:
    parser = argparse.ArgumentParser(prog="lurelens")
    sub = parser.add_subparsers(dest="command")
    lists_cli.add_parser(sub)
    assert lists_cli.run(parser.parse_args(["lists"]), mini) == 2


def test_wired_into_main_cli(mini: Settings, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import cli

    assert mini.sources_file is not None
    monkeypatch.setenv("LURELENS_SOURCES_FILE", str(mini.sources_file))
    assert cli.main(["lists", "status", "--json"]) == 0
    assert any(r["name"] == "phish" for r in json.loads(capsys.readouterr().out)["lists"])


def test_bad_input_never_loses_existing_lists(mini: Settings, hosts_file: Path, tmp_path: Path) -> None:
    add_list(mini, str(hosts_file), name="corp")
    allow_domain(mini, "trusted.example")
    copy = list_store.user_file(mini, "corp").read_bytes()
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01garbage\n")
    for bad in (lambda: add_list(mini, str(junk)), lambda: add_list(mini, str(hosts_file), name="corp"),
                lambda: allow_domain(mini, "%%%"), lambda: remove_list(mini, "nope")):
        with pytest.raises(InputError):
            bad()
    assert [s.name for s in list_store.read_registry(mini)] == ["corp"]
    assert list_store.user_file(mini, "corp").read_bytes() == copy
    assert list_store.read_allow(mini) == ["trusted.example"]
    assert ListSet.prepare(mini).check(canonicalize("http://corp-phish.example/")).blocked
