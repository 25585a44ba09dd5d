"""Fuzz every blocklist format parser, format detection and byte decoding.

Feeds are third-party files: any line may be garbage, any file may be cut short or be another format.
Parsers may only count bad lines (``malformed``/``skipped``), never raise, and what they keep must be
normalised entries the index can store.
"""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from scanner.lists import formats

from .conftest import ANY_CHAR, FUZZ, HOSTILE_TEXT, only_typed_errors

_DOMAINS = st.sampled_from(
    [
        "evil.example",
        "例子.cn",
        "xn--fiqs8s.xn--fiqs8s",
        "a_b.-c.test",
        "EVIL.Example.",
        "*.evil.example",
        "127.0.0.1",
        "::1",
        "0.0.0.0",
        "localhost",
        "a" * 70 + ".com",
        ".",
        "..",
        "-",
        "a..b",
        "xn--",
        "xn--zz",
        "\ud800.com",
        "ｅｖｉｌ．ｃｏｍ",
        "x." * 200,
    ]
)
_TOKENS = st.sampled_from(
    [
        "0.0.0.0 ",
        "127.0.0.1\t",
        "::1 ",
        "# ",
        "! ",
        "||",
        "^",
        "^$third-party",
        "^$domain=a.test|~b.test",
        "@@||",
        "|http://",
        "|",
        "/",
        "/ads/*",
        "##.banner",
        "#@#",
        "$$",
        "/regex[a-z]+/",
        "address=/",
        "/0.0.0.0",
        "server=/",
        "local=/",
        'local-zone: "',
        '" always_nxdomain',
        "$TTL 300",
        "$ORIGIN rpz.",
        " CNAME .",
        " CNAME *.",
        " IN SOA ",
        "*.",
        "https://",
        "http://",
        ",",
        '"',
        '""',
        "phish_id,url,phish_detail_url",
        "id,dateadded,url,url_status",
        '{"blacklist": [',
        '{"deny": [',
        '"denySub": [',
        "]}",
        "[Adblock Plus 2.0]",
        "\ufeff",
        "\r\n",
        "\n",
        "\t",
        " ",
        "\x00",
        "\\",
        "%2e",
        "?q=1",
        "#frag",
        ":8080",
    ]
)
LINE = st.lists(st.one_of(_TOKENS, _DOMAINS, st.text(ANY_CHAR, max_size=12)), max_size=10).map("".join)
LIST_TEXT = st.lists(LINE, max_size=30).map("\n".join)

_ENTRY = re.compile(r"^[a-z0-9_.:\[\]-]+$")


def _check(parsed: formats.ParsedList) -> None:
    assert parsed.malformed >= 0 and parsed.skipped >= 0
    assert len(parsed.malformed_samples) <= 5
    for d in (*parsed.block, *parsed.allow):
        assert d and _ENTRY.match(d), d
        assert d == d.lower() and not d.endswith(".")
    for u in (*parsed.url_block, *parsed.url_allow):
        assert u.host and u.path.startswith("/"), u


@FUZZ
@given(st.sampled_from(formats.FORMATS + ("auto",)), st.one_of(LIST_TEXT, HOSTILE_TEXT))
@example("hosts", "0.0.0.0 a.test b.test\n127.0.0.1\tlocalhost\n::1 ip6-localhost")
@example("adblock", "[Adblock Plus]\n||evil.example^$third-party\n@@||good.example^\n##.ad\n/re[gex]/")
@example("csv", 'phish_id,url\n1,"http://a.test/x"\n2,"unterminated')
@example("csv", '"' * 10_000)
@example("metamask", '{"blacklist": [1, null, {"a": 2}, "evil.example"], "fuzzylist": "x"}')
@example("polkadot", '{"deny": "evil.example", "denySub": [[[]]]}')
@example("metamask", "[" * 100_000)
@example("auto", "{" * 100_000)
@example("rpz", "$TTL 300\n@ SOA a b 1 2 3 4 5\nevil.example CNAME .\n*.evil.example CNAME .")
@example("urls", "http://[::1\nhttps://a.test:99999/\nhttp://" + "a" * 5000)
def test_every_format_parser_never_crashes(fmt: str, text: str) -> None:
    parsed = only_typed_errors(formats.parse, text, fmt)
    assert isinstance(parsed, formats.ParsedList), parsed
    _check(parsed)


@FUZZ
@given(st.one_of(LIST_TEXT, HOSTILE_TEXT))
def test_detect_format_names_a_format(text: str) -> None:
    fmt = only_typed_errors(formats.detect_format, text)
    assert fmt in formats.FORMATS


@FUZZ
@given(st.binary(max_size=2000))
@example(b"\xef\xbb\xbf||evil.example^\n")
@example(b"\xff\xfe0\x000\x00")
def test_feed_bytes_decode_and_parse(data: bytes) -> None:
    text = only_typed_errors(formats.decode, data)
    assert isinstance(text, str)
    parsed = only_typed_errors(formats.parse, text, "auto")
    assert isinstance(parsed, formats.ParsedList)
    _check(parsed)


@FUZZ
@given(st.one_of(_DOMAINS, HOSTILE_TEXT, st.text(ANY_CHAR, max_size=80)))
def test_normalize_domain_is_idempotent(text: str) -> None:
    d = only_typed_errors(formats.normalize_domain, text)
    if isinstance(d, str):
        assert formats.normalize_domain(d) == d
    e = only_typed_errors(formats.parse_url_entry, text)
    assert e is None or isinstance(e, formats.UrlEntry)
