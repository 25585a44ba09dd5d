"""Matching semantics: domains and parents, URL prefixes, allow over block, platform roots, popularity."""

from __future__ import annotations

import random
import string
import zlib

import pytest

from scanner import reasons
from scanner.canonical import canonicalize
from scanner.lists import EMPTY, ListSet, allow_domain, status
from scanner.models import Severity
from scanner.settings import Settings


@pytest.fixture
def lists(mini: Settings) -> ListSet:
    return ListSet.prepare(mini)


def _check(ls: ListSet, url: str) -> tuple[list[str], bool, bool, list[tuple[str, str, str]]]:
    v = ls.check(canonicalize(url))
    return [r.code for r in v.reasons], v.allowed, v.popular, [(m.list, m.entry, m.kind) for m in v.matches]


@pytest.mark.parametrize(
    ("url", "codes", "entry"),
    [
        ("http://evil-login.example/", ["blocklist.phishing"], "evil-login.example"),
        ("https://a.b.evil-login.example/x?y=1", ["blocklist.phishing"], "evil-login.example"),
        ("HTTP://EVIL-LOGIN.EXAMPLE./", ["blocklist.phishing"], "evil-login.example"),
        ("http://notevil-login.example/", [], None),
        ("http://evil-login.example.other.test/", [], None),
        ("http://scam.example/", ["blocklist.scam"], "scam.example"),
        ("http://wallet-drainer.example/claim", ["blocklist.crypto_phishing"], "wallet-drainer.example"),
        ("http://1.2.3.4/x", ["blocklist.phishing"], "1.2.3.4"),
        ("http://0x01020304/", ["blocklist.phishing"], "1.2.3.4"),
        ("http://bad.tenant.weebly.com/", ["blocklist.phishing"], "bad.tenant.weebly.com"),
        ("http://x.pages.dev/", ["blocklist.phishing"], "x.pages.dev"),
        ("http://deep.x.pages.dev/", ["blocklist.phishing"], "x.pages.dev"),
    ],
    ids=["host", "subdomain", "case-and-dot", "label-boundary", "suffix-not-parent", "adblock", "polkadot",
         "ip", "ip-hex-form", "platform-tenant", "private-suffix-tenant", "tenant-subdomain"],
)
def test_domain_entries(lists: ListSet, url: str, codes: list[str], entry: str | None) -> None:
    v = lists.check(canonicalize(url))
    assert [r.code for r in v.reasons] == codes
    if entry is not None:
        r = v.reasons[0]
        assert entry in r.evidence and r.source.startswith("list:")
        assert r.severity is Severity.HIGH and r.weight >= 70
        assert any(m.entry == entry and m.kind == "block" for m in v.matches)


def test_reason_evidence_names_list_category_and_entry(lists: ListSet) -> None:
    (r,) = lists.check(canonicalize("http://www.evil-login.example/")).reasons
    assert r.evidence == "phish (phishing): evil-login.example"
    assert "phish" in r.message.en and "evil-login.example" in r.message.zh
    assert r.code in reasons.all_specs()


@pytest.mark.parametrize(
    "url",
    ["http://weebly.com/", "https://www.weebly.com/", "http://other.weebly.com/", "http://pages.dev/",
     "http://another.pages.dev/", "https://bit.ly/abc", "http://popular-site.com/"],
    ids=["platform-root", "platform-www", "other-tenant", "private-suffix-root", "other-private-tenant",
         "shortener", "popular-root-listed"],
)
def test_roots_are_never_blocked_because_of_a_tenant_or_a_sloppy_entry(lists: ListSet, url: str) -> None:
    assert lists.check(canonicalize(url)).reasons == ()


def test_platform_allow_entries_cover_the_root_only(lists: ListSet) -> None:
    assert lists.check(canonicalize("http://pages.dev/")).allowed
    assert not lists.check(canonicalize("http://evil.pages.dev/")).allowed
    assert not lists.check(canonicalize("http://other.weebly.com/")).allowed


def test_suppressed_entries_are_counted(mini: Settings) -> None:
    by_name = {s.name: s for s in status(mini)}
    # weebly.com, pages.dev, bit.ly in phish; https://weebly.com/ in malware-urls; popular-site.com
    # is counted apart, as dropped popular
    assert by_name["phish"].suppressed == 3
    assert by_name["phish"].dropped_popular == 1
    assert by_name["malware-urls"].suppressed == 1
    assert by_name["phish"].entries == 8


def test_shortener_match_is_informational(lists: ListSet) -> None:
    codes, allowed, _, matches = _check(lists, "https://t.cn/AbC")
    assert codes == [] and not allowed
    assert matches == [("shorteners", "t.cn", "info")]


@pytest.mark.parametrize(
    ("url", "popular"),
    [
        ("https://popular-site.com/", True),
        ("https://www.popular-site.com/login", True),
        ("https://another-site.net/", True),
        ("https://www.another-site.net/", True),
        ("https://cdn.popular-site.com/", True),
        ("https://popular-site.com.evil.example/", False),
        ("https://x.pages.dev/", False),
        ("https://github.io/", False),
        ("https://unknown-site.com/", False),
    ],
    ids=["root", "www", "www-entry-root", "www-entry", "other-subdomain", "suffix-trick", "private-tenant",
         "private-suffix", "unknown"],
)
def test_popular_is_under_a_popular_registrable_domain(lists: ListSet, url: str, popular: bool) -> None:
    assert lists.check(canonicalize(url)).popular is popular


@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        ("http://shop.example/promo/", True),
        ("https://shop.example/promo/?utm=1", True),
        ("http://m.shop.example/promo/", True),
        ("http://shop.example/PROMO/", True),
        ("http://shop.example/promo/x", False),
        ("http://shop.example/promotion", False),
        ("http://shop.example/", False),
        ("http://exact.example/path", True),
        ("http://exact.example/path/more", False),
        ("http://sub.exact.example/path", False),
        ("https://mal.example/dl/payload.exe", True),
        ("https://mal.example/dl/payload.exe?x=1", True),
        ("https://www.mal.example/dl/payload.exe", False),
        ("https://mal.example/dl/", False),
        ("https://social.example/FakeAcct", True),
        ("https://social.example/fakeacct/status/1", True),
        ("https://social.example/fakeacctx", False),
        ("https://weebly.com/", False),
    ],
    ids=["sep-end", "sep-query", "sep-subdomain", "case", "sep-not-separator", "sep-longer-word", "root",
         "exact", "exact-longer", "exact-no-subdomain", "full-url", "full-url-query", "full-url-host-only",
         "full-url-shorter", "denysub", "denysub-deeper", "denysub-longer-word", "platform-root-url"],
)
def test_url_entries(lists: ListSet, url: str, blocked: bool) -> None:
    assert lists.check(canonicalize(url)).blocked is blocked


def test_allow_entry_wins_over_block(lists: ListSet) -> None:
    codes, allowed, _, matches = _check(lists, "http://ok.scam.example/")
    assert allowed and codes == []
    assert ("scam", "scam.example", "block") in matches and ("scam", "ok.scam.example", "allow") in matches


def test_user_allowlist_wins_and_respects_platform_roots(mini: Settings) -> None:
    allow_domain(mini, "https://evil-login.example/some/path")
    allow_domain(mini, "WEEBLY.com")
    ls = ListSet.prepare(mini)
    v = ls.check(canonicalize("http://login.evil-login.example/"))
    assert v.allowed and not v.reasons
    assert ("user-allow", "evil-login.example", "allow") in [(m.list, m.entry, m.kind) for m in v.matches]
    assert ls.check(canonicalize("http://weebly.com/")).allowed
    tenant = ls.check(canonicalize("http://bad.tenant.weebly.com/"))
    assert not tenant.allowed and tenant.blocked


def test_empty_listset() -> None:
    ls = ListSet.empty()
    assert len(ls) == 0
    assert ls.check(canonicalize("http://evil-login.example/")) is EMPTY
    assert ls.match_host("evil-login.example") == ()


def test_hostless_and_single_label(lists: ListSet) -> None:
    assert lists.check(canonicalize("mailto:a@evil-login.example")) is EMPTY
    assert lists.check(canonicalize("http://localhost/")) is EMPTY


def test_match_host(lists: ListSet) -> None:
    found = [(m.list, m.entry) for m in lists.match_host("a.evil-login.example")]
    assert found == [("phish", "evil-login.example")]
    assert lists.match_host("nothing.example") == ()


def test_crc_collision_never_matches(make_sources: object) -> None:
    # Two different names with the same CRC-32: the salted check bits must tell them apart.
    rng = random.Random(5)
    seen: dict[int, str] = {}
    pair = None
    for _ in range(1_000_000):
        name = "".join(rng.choices(string.ascii_lowercase, k=12)) + ".example"
        c = zlib.crc32(name.encode())
        if c in seen:
            pair = (seen[c], name)
            break
        seen[c] = name
    assert pair is not None
    settings = make_sources(  # type: ignore[operator]
        files={"l.txt": pair[0] + "\n"},
        sources='[[list]]\nname = "l"\ncategory = "phishing"\npath = "l.txt"\n')
    ls = ListSet.prepare(settings)
    assert ls.check(canonicalize(f"http://{pair[0]}/")).blocked
    assert not ls.check(canonicalize(f"http://{pair[1]}/")).blocked


def test_many_reasons_are_capped(make_sources: object) -> None:
    files = {f"l{i}.txt": "multi.example\n" for i in range(8)}
    sources = "".join(f'[[list]]\nname = "l{i}"\ncategory = "scam"\npath = "l{i}.txt"\n' for i in range(8))
    ls = ListSet.prepare(make_sources(files=files, sources=sources))  # type: ignore[operator]
    v = ls.check(canonicalize("http://multi.example/"))
    assert len(v.matches) == 8 and len(v.reasons) == 5


def test_verdict_json_form(lists: ListSet) -> None:
    d = lists.check(canonicalize("http://ok.scam.example/")).to_dict()
    assert d["allowed"] is True and d["reasons"] == [] and d["popular"] is False
    assert {"list": "scam", "category": "scam", "entry": "scam.example", "kind": "block"} in d["matches"]
    blocked = lists.check(canonicalize("http://scam.example/")).to_dict()
    assert blocked["reasons"][0]["code"] == "blocklist.scam"


def test_public_names_are_exported() -> None:
    import scanner.lists as pkg

    assert sorted(pkg.__all__) == pkg.__all__
    assert all(hasattr(pkg, name) for name in pkg.__all__)
    assert {"ListSet", "ListVerdict", "ListMatch", "status", "update", "add_list", "remove_list",
            "allow_domain", "unallow_domain", "rules_for_extension"} <= set(pkg.__all__)
