"""Canonical URLs: the host the browser would really open (issue 2 §6, TESTSPEC A-27/A-28, S-02/03/20/21)."""

from __future__ import annotations

import pytest

from scanner.canonical import canonicalize, domain_parts, join
from scanner.errors import InvalidURL


@pytest.mark.parametrize(
    ("raw", "host", "ip"),
    [
        pytest.param("http://0x7f000001/", "127.0.0.1", "127.0.0.1", id="hex"),
        pytest.param("http://2130706433/", "127.0.0.1", "127.0.0.1", id="decimal"),
        pytest.param("http://0177.0.0.1/", "127.0.0.1", "127.0.0.1", id="octal"),
        pytest.param("http://127.1/", "127.0.0.1", "127.0.0.1", id="short"),
        pytest.param("http://127。0。0。9/", "127.0.0.9", "127.0.0.9", id="ideographic-dots"),
        pytest.param("http://%31%32%37.0.0.9/", "127.0.0.9", "127.0.0.9", id="percent-encoded"),
        pytest.param("http://127.0.0.1:8000\\@shop.example/", "127.0.0.1", "127.0.0.1", id="backslash-at"),
        pytest.param("http://shop.example@127.0.0.9/", "127.0.0.9", "127.0.0.9", id="userinfo"),
        pytest.param("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "::ffff:7f00:1", id="ipv4-mapped"),
        pytest.param("http://ＥＸＡＭＰＬＥ．com/", "example.com", None, id="fullwidth"),
    ],
)
def test_host_is_what_the_browser_opens(raw: str, host: str, ip: str | None) -> None:
    c = canonicalize(raw)
    assert c.host == host
    assert c.ip == ip


def test_idn_unicode_and_punycode() -> None:
    c = canonicalize("http://аpple.com/")  # Cyrillic а
    assert c.host == "xn--pple-43d.com"
    assert c.host_unicode == "аpple.com"
    assert c.is_idn


def test_userinfo_flagged_password_never_kept() -> None:
    c = canonicalize("http://user:secret@example.com/")
    assert c.userinfo == "user:…"
    assert "secret" not in c.userinfo


def test_scheme_inferred() -> None:
    c = canonicalize("t.cn/AbCd")
    assert c.scheme_inferred and c.href == "http://t.cn/AbCd"
    assert canonicalize("example.com:8080/x").port == 8080


def test_registrable_domain_private_suffix() -> None:
    c = canonicalize("https://evil.pages.dev/login")
    assert c.registrable_domain == "evil.pages.dev"
    assert c.is_private_suffix
    assert domain_parts("www.bbc.co.uk") == ("bbc.co.uk", "co.uk", False)


@pytest.mark.parametrize("bad", ["", "   ", "http://", "http://a b.com/", "http://[::1/"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidURL):
        canonicalize(bad)


def test_join_whatwg() -> None:
    assert join("http://a.test/x/y", "//b.test/z") == "http://b.test/z"
    assert join("http://a.test/x/y", "?q=1") == "http://a.test/x/y?q=1"
