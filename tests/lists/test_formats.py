"""Each list format's edge cases, auto-detection and the malformed/skipped bookkeeping."""

from __future__ import annotations

import json

import pytest

from scanner.lists import formats
from scanner.lists.formats import EXACT, SEPARATOR, SUBDOMAINS, UrlEntry, normalize_domain, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("*.example.com", "example.com"),
        (".example.com", "example.com"),
        ("_dmarc.example.com", "_dmarc.example.com"),
        ("-lead.example.com", "-lead.example.com"),
        ("例子.测试", "xn--fsqu00a.xn--0zwm56d"),
        ("XN--FSQU00A.example", "xn--fsqu00a.example"),
        ("1.2.3.4", "1.2.3.4"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("localhost", None),
        ("singlelabel", None),
        ("bad..example.com", None),
        ("space in.example", None),
        ("example.123", None),
        ("a" * 64 + ".example", None),
        ("", None),
        ("bitgin.", None),
    ],
    ids=["case", "trailing-dot", "wildcard", "leading-dot", "underscore", "leading-hyphen", "idn",
         "punycode-upper", "ipv4", "ipv6-bracketed", "single-label-local", "single-label", "empty-label",
         "space", "numeric-tld", "label-too-long", "empty", "truncated-entry"],
)
def test_normalize_domain(text: str, expected: str | None) -> None:
    assert normalize_domain(text) == expected


def test_plain_comments_inline_and_malformed() -> None:
    text = "# header\n! also comment\nevil.example # inline\n\nnot a domain!!\nok.example\tnote\n"
    p = parse(text, "plain")
    assert p.block == ["evil.example", "ok.example"]
    assert p.malformed == 1
    assert p.malformed_samples == ["line 5: not"]


def test_wildcard_list() -> None:
    p = parse("# Title\n*.evil.example\nplain.example\n*.\n", "wildcard")
    assert p.block == ["evil.example", "plain.example"]
    assert p.malformed == 1


@pytest.mark.parametrize(
    ("line", "block", "malformed", "skipped"),
    [
        ("0.0.0.0 evil.example", ["evil.example"], 0, 0),
        ("127.0.0.1 a.example b.example # two names", ["a.example", "b.example"], 0, 0),
        (":: ipv6.example", ["ipv6.example"], 0, 0),
        ("127.0.0.1 localhost", [], 0, 1),
        ("255.255.255.255 broadcasthost", [], 0, 1),
        ("bare.example", ["bare.example"], 0, 0),
        ("notanip evil.example", [], 1, 0),
        ("0.0.0.0 bad_label!.example", [], 1, 0),
    ],
    ids=["sinkhole", "several-names", "ipv6-sinkhole", "localhost", "broadcast", "bare-domain",
         "not-an-ip", "bad-name"],
)
def test_hosts(line: str, block: list[str], malformed: int, skipped: int) -> None:
    p = parse("# hosts\n" + line + "\n", "hosts")
    assert (p.block, p.malformed, p.skipped) == (block, malformed, skipped)


@pytest.mark.parametrize(
    ("rule", "field", "value"),
    [
        ("||evil.example^", "block", ["evil.example"]),
        ("||evil.example^$document,popup", "block", ["evil.example"]),
        ("||evil.example^$all", "block", ["evil.example"]),
        ("||evil.example^|", "block", ["evil.example"]),
        ("||*.evil.example^", "block", ["evil.example"]),
        ("||evil.example", "block", ["evil.example"]),
        ("@@||good.example^", "allow", ["good.example"]),
        ("||evil.example/login^", "url_block", [UrlEntry("evil.example", "/login", SUBDOMAINS | SEPARATOR)]),
        ("||evil.example/a/b.php?x=1^$document", "url_block",
         [UrlEntry("evil.example", "/a/b.php?x=1", SUBDOMAINS | SEPARATOR)]),
        ("||evil.example/Kit*", "url_block", [UrlEntry("evil.example", "/kit", SUBDOMAINS)]),
        ("|http://evil.example/x|", "url_block", [UrlEntry("evil.example", "/x", EXACT)]),
        ("|https://evil.example/p", "url_block", [UrlEntry("evil.example", "/p", 0)]),
        ("@@||good.example/path^", "url_allow", [UrlEntry("good.example", "/path", SUBDOMAINS | SEPARATOR)]),
        ("evil.example", "block", ["evil.example"]),
        ("1.2.3.4:8080/bins/x.sh", "url_block", [UrlEntry("1.2.3.4", "/bins/x.sh", 0)]),
    ],
    ids=["domain", "options", "all", "end-anchor", "wildcard-host", "no-separator", "exception",
         "path", "path-query-options", "trailing-star", "url-exact", "url-start", "exception-path",
         "plain-line", "ip-port-path"],
)
def test_adblock_rules(rule: str, field: str, value: list[object]) -> None:
    p = parse("! Title: t\n" + rule + "\n", "adblock")
    assert getattr(p, field) == value
    assert p.malformed == 0 and p.skipped == 0


@pytest.mark.parametrize(
    "rule",
    [
        "example.com##.ad-banner",
        "##.ad",
        "example.com#@#.ad",
        "example.com#?#div:has(a)",
        "example.com#$#body { x }",
        "/^https?:\\/\\/[a-z]+\\.example\\//",
        "||ads.example^$removeparam=utm",
        "||evil.example^$badfilter",
        "||evil.example^$domain=news.example",
        "||evil.example^$redirect=noopjs",
        "||cdn.example/*/ad.js",
        "banner",
        "/ads/*",
    ],
    ids=["cosmetic", "generic-cosmetic", "cosmetic-exception", "procedural", "css-inject", "regex",
         "removeparam", "badfilter", "domain-restricted", "redirect", "inner-wildcard", "substring",
         "generic-path"],
)
def test_adblock_skipped_rules(rule: str) -> None:
    p = parse("[Adblock Plus]\n" + rule + "\n", "adblock")
    assert p.entries == 0
    assert p.skipped == 1 and p.malformed == 0


def test_adblock_comments_and_commented_rules() -> None:
    p = parse("[Adblock Plus 2.0]\n! comment\n#||commented.example^\n||live.example^\n", "adblock")
    assert p.block == ["live.example"]
    assert (p.malformed, p.skipped) == (0, 0)


def test_adblock_malformed() -> None:
    p = parse("||bad..example^\n||ok.example^\n||bitgin.^\n", "adblock")
    assert p.block == ["ok.example"]
    assert p.malformed == 2


@pytest.mark.parametrize(
    ("line", "block", "skipped", "malformed"),
    [
        ("address=/evil.example/0.0.0.0", ["evil.example"], 0, 0),
        ("address=/evil.example/", ["evil.example"], 0, 0),
        ("address=/a.example/b.example/#", ["a.example", "b.example"], 0, 0),
        ("server=/evil.example/", ["evil.example"], 0, 0),
        ("local=/evil.example/", ["evil.example"], 0, 0),
        ("server=/cn.example/114.114.114.114", [], 1, 0),
        ("cache-size=1000", [], 1, 0),
        ("address=evil.example", [], 0, 1),
    ],
    ids=["address-ip", "address-empty", "several", "server-local", "local", "server-forward",
         "other-option", "no-slash"],
)
def test_dnsmasq(line: str, block: list[str], skipped: int, malformed: int) -> None:
    p = parse("# conf\n" + line + "\n", "dnsmasq")
    assert (p.block, p.skipped, p.malformed) == (block, skipped, malformed)


def test_unbound() -> None:
    text = (
        "server:\n"
        'local-zone: "evil.example" always_nxdomain\n'
        'local-zone: "deny.example." refuse\n'
        "local-zone: bare.example static\n"
        'local-zone: "good.example" always_transparent\n'
        'local-data: "evil.example A 0.0.0.0"\n'
        'local-zone: "" static\n'
    )
    p = parse(text, "unbound")
    assert p.block == ["evil.example", "deny.example", "bare.example"]
    assert p.allow == ["good.example"]
    assert (p.skipped, p.malformed) == (1, 1)


def test_rpz() -> None:
    text = (
        "; RPZ\n$TTL 30\n$ORIGIN rpz.local.\n"
        "@ IN SOA localhost. root.localhost. 1 86400 3600 604800 30\n NS localhost.\n\n"
        "evil.example CNAME .\n"
        "*.evil.example CNAME .\n"
        "nodata.example 300 IN CNAME *.\n"
        "drop.example CNAME rpz-drop.\n"
        "good.example CNAME rpz-passthru.\n"
        "abs.example.rpz.local. CNAME .\n"
        "walled.example A 10.0.0.1\n"
        "32.4.3.2.1.rpz-ip CNAME .\n"
        "garbage-line\n"
    )
    p = parse(text, "rpz")
    assert p.block == ["evil.example", "evil.example", "nodata.example", "drop.example", "abs.example",
                       "walled.example"]
    assert p.allow == ["good.example"]
    assert (p.skipped, p.malformed) == (1, 1)


def test_url_list() -> None:
    text = "# urls\nhttp://Evil.Example/Login?x=1\nhttps://[2001:db8::1]/a\nbare.example\nhttp://\n"
    p = parse(text, "urls")
    assert p.url_block == [UrlEntry("evil.example", "/login?x=1"), UrlEntry("2001:db8::1", "/a")]
    assert p.block == ["bare.example"]
    assert p.malformed == 1


def test_phishtank_csv() -> None:
    text = (
        "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n"
        '1,http://evil.example/login.php,http://www.phishtank.com/phish_detail.php?phish_id=1,'
        "2024-01-01T00:00:00+00:00,yes,2024-01-01T00:00:00+00:00,yes,Other\n"
        '2,"http://quoted.example/a,b",http://x,2024,yes,2024,yes,Other\n'
        "3,not a url,http://x,2024,yes,2024,yes,Other\n"
    )
    p = parse(text)
    assert p.format == "csv"
    assert p.url_block == [UrlEntry("evil.example", "/login.php"), UrlEntry("quoted.example", "/a,b")]
    assert p.malformed == 1


def test_urlhaus_csv() -> None:
    text = (
        "################################################################\n"
        "# abuse.ch URLhaus Database Dump (CSV - recent URLs)            #\n"
        "################################################################\n"
        "#\n"
        "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
        '"1","2025-07-01 00:00:00","http://1.2.3.4:8080/i","online","2025-07-01","malware_download",'
        '"elf","https://urlhaus.abuse.ch/url/1/","x"\n'
        '"2","2025-07-01 00:00:00","https://mal.example/p.apk","offline","","malware_download",'
        '"apk","https://urlhaus.abuse.ch/url/2/","x"\n'
        '"3","2025-07-01"\n'
    )
    p = parse(text)
    assert p.format == "csv"
    assert p.url_block == [UrlEntry("1.2.3.4", "/i"), UrlEntry("mal.example", "/p.apk")]
    assert p.malformed == 1


def test_metamask_config() -> None:
    text = json.dumps({"version": 2, "tolerance": 2, "fuzzylist": ["metamask.io", "bad fuzzy"],
                       "whitelist": ["opensea.io", "ok.example"],
                       "blacklist": ["drainer.example", "nodot", 7]})
    p = parse(text)
    assert p.format == "metamask"
    assert p.block == ["drainer.example"]
    assert p.allow == ["opensea.io", "ok.example"]
    assert p.fuzzy == ["metamask.io"]
    assert p.malformed == 2


def test_metamask_new_key_names() -> None:
    p = parse(json.dumps({"blocklist": ["drainer.example"], "allowlist": ["ok.example"]}))
    assert (p.format, p.block, p.allow) == ("metamask", ["drainer.example"], ["ok.example"])


def test_polkadot_all_json() -> None:
    text = json.dumps({"allow": ["*.fleek.co", "pages.dev"], "deny": ["fake-wallet.example"],
                       "denySub": ["twitter.com/FakeAcct"]})
    p = parse(text)
    assert p.format == "polkadot"
    assert p.block == ["fake-wallet.example"]
    assert p.allow == ["fleek.co", "pages.dev"]
    assert p.url_block == [UrlEntry("twitter.com", "/fakeacct", SEPARATOR)]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"string"', ""],
                         ids=["broken", "array", "string", "empty"])
def test_json_garbage_is_counted_not_raised(text: str) -> None:
    p = parse(text, "polkadot")
    assert p.entries == 0
    assert p.malformed == 1


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("0.0.0.0 a.example\n0.0.0.0 b.example\n", "hosts"),
        ("! Title\n||a.example^\n", "adblock"),
        ("! Title\n! Source\na.example\nb.example\nc.example\n", "adblock"),
        ("address=/a.example/0.0.0.0\n", "dnsmasq"),
        ('local-zone: "a.example" always_nxdomain\n', "unbound"),
        ("$TTL 30\na.example CNAME .\n", "rpz"),
        ("http://a.example/x\nhttps://b.example/\n", "urls"),
        ("phish_id,url,online\n1,http://a.example/,yes\n", "csv"),
        ("# id,dateadded,url,url_status\n\"1\",\"d\",\"http://a.example/\",\"online\"\n", "csv"),
        ("*.a.example\n*.b.example\n", "wildcard"),
        ("# c\na.example\nb.example\n", "plain"),
        ('{"deny": ["a.example"], "allow": []}', "polkadot"),
        ('{"blacklist": [], "fuzzylist": []}', "metamask"),
        ("", "plain"),
    ],
    ids=["hosts", "adblock", "adblock-header-plain-lines", "dnsmasq", "unbound", "rpz", "urls",
         "phishtank-csv", "urlhaus-csv", "wildcard", "plain", "polkadot", "metamask", "empty"],
)
def test_detect_format(text: str, fmt: str) -> None:
    assert formats.detect_format(text) == fmt


def test_unknown_format_name() -> None:
    with pytest.raises(ValueError, match="unknown list format"):
        parse("a.example", "nope")


def test_decode_handles_bom_and_bad_bytes() -> None:
    text = formats.decode(b"\xef\xbb\xbfa.example\n\xff\xfe.example\nb.example\n")
    p = parse(text, "plain")
    assert p.block == ["a.example", "b.example"]
    assert p.malformed == 1


def test_overlong_line_is_malformed() -> None:
    p = parse("a" * 5000 + ".example\nok.example\n", "plain")
    assert p.block == ["ok.example"] and p.malformed == 1
