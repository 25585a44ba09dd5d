"""Pure parts of expansion: static script redirects, wrappers, app links, address rules, lists."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from scanner.decompress import _decode, _decode_end, _layers
from scanner.expand import decode_html, shortener_status
from scanner.netguard import address_problem, name_problem
from scanner.redirects import decode_app_link, decode_wrapper, find_page_redirects
from scanner.settings import Settings

# ---- B-22..B-25 (static reading; the integration tests prove nothing is executed)

JS_CASES = [
    ("location.href='http://b.test/1'", "http://b.test/1"),
    ('window.location="http://b.test/2"', "http://b.test/2"),
    ('location.replace("http://b.test/3")', "http://b.test/3"),
    ("location.assign('http://b.test/4')", "http://b.test/4"),
    ('top.location.href = "http://b.test/5";', "http://b.test/5"),
    ('document.location = "/6";', "/6"),
    ('self.location="http://b.test/7"', "http://b.test/7"),
    ('window.open("http://b.test/8","_self")', "http://b.test/8"),
    ("setTimeout(\"location.href='http://b.test/9'\",0)", "http://b.test/9"),
    ('window.location.href = "http:\\/\\/b.test\\/10"', "http://b.test/10"),
    ("window['location']['href']; location['href'] = 'http://b.test/11'", "http://b.test/11"),
]


@pytest.mark.parametrize(("js", "target"), JS_CASES, ids=[c[0][:30] for c in JS_CASES])
def test_js_static_literal(js: str, target: str) -> None:
    scan = find_page_redirects(f"<html><script>{js}</script></html>")
    assert [(r.kind, r.target) for r in scan.redirects] == [("js_static", target)]
    assert not scan.dynamic


def test_js_atob_is_decoded_and_obfuscated() -> None:
    scan = find_page_redirects('<script>location.href = atob("aHR0cDovL2IudGVzdC9qcw==")</script>')
    assert scan.redirects[0].target == "http://b.test/js"
    assert scan.redirects[0].obfuscated


def test_js_hex_escapes_are_obfuscation() -> None:
    scan = find_page_redirects(r'<script>location.href="\x68ttp://b.test/x"</script>')
    assert scan.redirects[0].target == "http://b.test/x" and scan.redirects[0].obfuscated


@pytest.mark.parametrize("js", [
    'location.href = "ht" + "tp://b.test/" + x',
    "window.location = u",
    "location.replace(base + path)",
    "location.href = atob(token)",
])
def test_js_computed_target_is_not_guessed(js: str) -> None:
    scan = find_page_redirects(f"<script>{js}</script>")
    assert scan.redirects == ()
    assert scan.dynamic


def test_js_not_confused_by_comparisons_or_other_objects() -> None:
    scan = find_page_redirects('<script>if (location.href == "x") {}; mylocation = "http://b.test/"; '
                               'var geolocation = "z"</script>')
    assert scan.redirects == ()


def test_external_and_non_js_scripts_ignored() -> None:
    html = ('<script src="x.js">location.href="http://b.test/a"</script>'
            '<script type="text/template">location.href="http://b.test/b"</script>')
    assert find_page_redirects(html).redirects == ()


def test_auto_submit_form() -> None:
    scan = find_page_redirects('<form action="http://b.test/f" method=post><input name=a></form>'
                               "<script>document.forms[0].submit()</script>")
    assert scan.auto_submit == ("http://b.test/f",)
    assert scan.redirects == ()


def test_anchor_click() -> None:
    scan = find_page_redirects('<a id="go" href="http://b.test/c">x</a>'
                               "<script>document.getElementById('go').click()</script>")
    assert [r.target for r in scan.redirects] == ["http://b.test/c"]


def test_tco_style_page_gives_one_target() -> None:
    html = ('<noscript><META http-equiv="refresh" content="0;URL=http://b.test/t"></noscript>'
            '<script>window.opener=null; location.replace("http://b.test/t")</script>')
    scan = find_page_redirects(html)
    assert [r.target for r in scan.redirects] == ["http://b.test/t"]


def test_meta_refresh_quoted_uppercase() -> None:
    scan = find_page_redirects("""<meta http-equiv="REFRESH" content="0;URL='http://b.test/m'">""")
    assert [(r.kind, r.target) for r in scan.redirects] == [("meta", "http://b.test/m")]


# ---- B-44..B-47, A-07, A-09: wrappers and app links, offline

WRAPPERS = [
    ("https://link.zhihu.com/?target=https%3A%2F%2Fb.test%2Fw", "zhihu"),
    ("https://links.jianshu.com/go?to=https%3A%2F%2Fb.test%2Fw", "jianshu"),
    ("https://www.douban.com/link2/?url=https%3A%2F%2Fb.test%2Fw", "douban"),
    ("https://link.juejin.cn/?target=https%3A%2F%2Fb.test%2Fw", "juejin"),
    ("https://gitee.com/link?target=https%3A%2F%2Fb.test%2Fw", "gitee"),
    ("https://link.csdn.net/?target=https%3A%2F%2Fb.test%2Fw", "csdn"),
    ("https://c.pc.qq.com/middlem.html?pfurl=https%3A%2F%2Fb.test%2Fw", "qq_middlem"),
    ("https://docs.qq.com/scenario/link.html?url=https%3A%2F%2Fb.test%2Fw", "docs_qq"),
    ("https://sspai.com/link?target=https%3A%2F%2Fb.test%2Fw", "sspai"),
    ("https://www.google.com/url?q=https://b.test/w&sa=D", "google"),
    ("https://steamcommunity.com/linkfilter/?url=https://b.test/w", "steam"),
]


@pytest.mark.parametrize(("url", "name"), WRAPPERS, ids=[w[1] for w in WRAPPERS])
def test_wrapper_decoded(url: str, name: str) -> None:
    hit = decode_wrapper(url)
    assert hit is not None and hit.name == name and hit.target == "https://b.test/w"
    assert not hit.flagged


def test_weixin110_is_flagged_with_evidence() -> None:
    hit = decode_wrapper("https://weixin110.qq.com/cgi-bin/mmspamsupport-bin/newredirectconfirmcgi"
                         "?main_type=2&evil_type=20&url=http%3A%2F%2Fb.test%2F")
    assert hit is not None and hit.flagged and hit.target == "http://b.test/"
    assert "main_type=2" in hit.evidence and "evil_type=20" in hit.evidence


@pytest.mark.parametrize("url", [
    "https://link.zhihu.com.evil.test/?target=https%3A%2F%2Fb.test",
    "https://evil.test/link.zhihu.com/?target=https%3A%2F%2Fb.test",
    "https://link.zhihu.com/?other=https%3A%2F%2Fb.test",
    "https://gitee.com/some/repo?target=https%3A%2F%2Fb.test",
])
def test_wrapper_lookalikes_are_not_decoded(url: str) -> None:
    assert decode_wrapper(url) is None


def test_app_links() -> None:
    a = decode_app_link("alipays://platformapi/startapp?appId=20000067&url=https%3A%2F%2Fa.test%2Fx")
    assert a is not None and a.target == "https://a.test/x" and a.name == "Alipay"
    i = decode_app_link("intent://scan/#Intent;scheme=zxing;package=x;"
                        "S.browser_fallback_url=https%3A%2F%2Fa.test%2Ff;end")
    assert i is not None and i.target == "https://a.test/f"
    assert decode_app_link("weixin://dl/business/?t=abc") is None


# ---- S-05..S-12 address rules (the integration tests prove nothing is sent)

BLOCKED = [
    "0.0.0.0", "10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1", "192.168.1.1",
    "192.0.0.170", "198.18.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "240.0.0.1",
    "255.255.255.255", "192.88.99.1", "::1", "::", "::ffff:127.0.0.9", "::ffff:7f00:9", "::127.0.0.1",
    "64:ff9b::7f00:1", "64:ff9b:1::a9fe:a9fe", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "fe80::1%lo", "fc00::1", "fec0::1", "ff02::1", "2001:db8::1",
    "100::1", "::ffff:10.0.0.1", "::ffff:0:a00:1", "::ffff:0:7f00:1", "1::1", "not-an-ip",
]


@pytest.mark.parametrize("ip", BLOCKED)
def test_address_blocked(ip: str) -> None:
    assert address_problem(ip)


@pytest.mark.parametrize("ip", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "101.32.0.1"])
def test_public_address_allowed(ip: str) -> None:
    assert address_problem(ip) is None


def test_embedded_address_named() -> None:
    assert "127.0.0.1" in (address_problem("::ffff:127.0.0.1") or "")
    assert "169.254.169.254" in (address_problem("2002:a9fe:a9fe::1") or "")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "localhost.localdomain", "foo.localhost",
                                  "ip6-localhost", "ip6-loopback", "printer.local"])
def test_local_names(host: str) -> None:
    assert name_problem(host)


# ---- B-48/B-49 lists

@pytest.mark.parametrize(("host", "which"), [
    ("t.cn", "active"), ("m.tb.cn", "active"), ("bit.ly", "active"), ("tb.cn", "inactive"),
    ("x.tb.cn", "inactive"), ("dwz.cn", "cn_extra"), ("xhslink.com", "cn_extra"),
    ("v.douyin.com", "cn_extra"), ("u.jd.com", "cn_extra"), ("wxaurl.cn", "cn_extra"),
])
def test_shortener_lists(host: str, which: str) -> None:
    got = shortener_status(host)
    assert got is not None and got[0] == which


@pytest.mark.parametrize("host", ["example.com", "douyin.com", "jd.com", "cn"])
def test_not_shorteners(host: str) -> None:
    assert shortener_status(host) is None


def test_the_list_index_answers_as_the_bundled_files(settings: Settings) -> None:
    """Expansion reads shortener status from the index (``lists update`` reaches it): same answers for
    every bundled shortener, its subdomains and parents, and the hosts above."""
    from scanner.lists import ListSet
    from scanner.shorteners import _shortener_lists

    lists = ListSet.load(settings)
    hosts = {"example.com", "douyin.com", "jd.com", "m.tb.cn", "x.tb.cn"}
    for d in set().union(*_shortener_lists()):
        hosts |= {d, "x." + d, d.partition(".")[2]}
    hosts.discard("")
    differ = [h for h in sorted(hosts) if lists.shortener(h) != shortener_status(h)]
    assert len(hosts) > 5000 and not differ, differ[:10]
    assert lists.shortener("t.cn") == ("active", "t.cn")
    assert ListSet.empty().shortener("xhslink.com") == ("cn_extra", "xhslink.com")


# ---- bounded decoding

@pytest.mark.parametrize("enc", ["gzip", "deflate", "br", "gzip, gzip"])
def test_decoder_steps_are_bounded(enc: str) -> None:
    data = b"\0" * (20 * 1024 * 1024)
    if enc == "gzip":
        blob = gzip.compress(data)
    elif enc == "deflate":
        blob = zlib.compress(data)
    elif enc == "br":
        blob = brotli.compress(data)
    else:
        blob = gzip.compress(gzip.compress(data))
    layers = _layers(enc)
    sizes = [len(p) for p in _decode(layers, blob)] + [len(p) for p in _decode_end(layers)]
    assert max(sizes) <= 128 * 1024  # one 64 KiB step (brotli may overshoot it by half)
    assert sum(sizes) == len(data)


def test_raw_deflate_accepted() -> None:
    c = zlib.compressobj(wbits=-15)
    blob = c.compress(b"hello world") + c.flush()
    assert b"".join(_decode(_layers("deflate"), blob)) == b"hello world"


# ---- B-43 charset

def test_gbk_page_decoded() -> None:
    html = '<html><head><meta charset="gbk"><title>兼职</title></head><body>佣金 免费领取</body></html>'
    text, cs = decode_html(html.encode("gbk"))
    assert "佣金 免费领取" in text and cs == "gb18030"


def test_charset_from_header_and_detection() -> None:
    body = "兼职日结，佣金丰厚，免费领取礼品，请填写身份证号和银行卡号。".encode("gb18030") * 4
    assert "身份证号" in decode_html(body, "text/html; charset=GB2312")[0]
    assert "身份证号" in decode_html(body)[0]


# ---- only code that runs while the page loads counts as a redirect

LOAD_TIME = [
    'if (/MicroMessenger/i.test(navigator.userAgent)) { location.href = "http://b.test/w"; }',
    'setTimeout(function () { location.href = "http://b.test/w"; }, 3000);',
    'setTimeout(() => { window.location.replace("http://b.test/w") }, 10);',
    'window.onload = function () { location.href = "http://b.test/w" };',
    '$(function () { location.href = "http://b.test/w" });',
    '$(document).ready(function () { location.href = "http://b.test/w" });',
    '(function () { var u = 1; location.href = "http://b.test/w" })();',
    '!function () { location.href = "http://b.test/w" }();',
    'document.addEventListener("DOMContentLoaded", function () { location.href = "http://b.test/w" });',
    'try { top.location.href = "http://b.test/w" } catch (e) {}',
]
DEFERRED = [
    'function go() { location.href = "http://b.test/w"; }',
    'btn.onclick = function () { location.href = "http://b.test/w"; };',
    'btn.addEventListener("click", () => { location.href = "http://b.test/w" });',
    'var app = { submit() { location.href = "http://b.test/w" } };',
    'window.onload = function () { btn.onclick = function () { location.href = "http://b.test/w" } };',
    '// location.href = "http://b.test/w"',
    '/* location.href = "http://b.test/w" */',
    'var s = "location.href = \'http://b.test/w\'";',
]


@pytest.mark.parametrize("js", LOAD_TIME, ids=[c[:40] for c in LOAD_TIME])
def test_load_time_redirect(js: str) -> None:
    assert [r.target for r in find_page_redirects(f"<script>{js}</script>").redirects] == ["http://b.test/w"]


@pytest.mark.parametrize("js", DEFERRED, ids=[c[:40] for c in DEFERRED])
def test_deferred_code_is_not_a_redirect(js: str) -> None:
    scan = find_page_redirects(f"<script>{js}</script>")
    assert scan.redirects == () and scan.dynamic == ()


def test_submit_in_a_handler_is_not_auto_submit() -> None:
    html = ('<form action="/f"><input name=a></form>'
            "<script>function send() { document.forms[0].submit() }</script>")
    assert find_page_redirects(html).auto_submit == ()


def test_deeply_nested_braces_around_many_candidates_stay_fast() -> None:
    # 60,000 open braces around 64 redirects: every candidate asked about every brace's head (93 s).
    import time

    page = "<script>" + "{" * 60000 + "location='http://a.test/';" * 64 + "</script>"
    start = time.process_time()
    scan = find_page_redirects(page)
    assert [r.target for r in scan.redirects][:1] == ["http://a.test/"]
    assert time.process_time() - start < 5.0


def test_later_candidates_do_not_reread_an_unclosed_string() -> None:
    # Inside an unclosed template string nothing runs; asking again must not re-read the string
    # (13.5 s CPU when every candidate re-read it).
    import time

    body = "`" + "x" * 250000 + (" location='http://a.test/'; location.replace('http://b.test/');"
                                 " window.open('http://c.test/','_self'); a.click(); f.submit();") * 64
    start = time.process_time()
    scan = find_page_redirects(f"<script>{body}</script><script>{body}</script>")
    assert not scan.redirects
    assert time.process_time() - start < 5.0


def test_a_redirect_after_a_closed_string_still_counts() -> None:
    scan = find_page_redirects("<script>var s = `a { b`; location='http://c.test/';</script>")
    assert [r.target for r in scan.redirects] == ["http://c.test/"]


def test_hanging_dns_lookups_do_not_starve_other_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # Eight unanswered names used to fill a shared pool of eight: every other name then timed out.
    import socket
    import threading

    from scanner import fetch

    release = threading.Event()
    real = socket.getaddrinfo

    def fake(name: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if name.startswith("slow"):
            release.wait(10)
            raise socket.gaierror("gave up")
        return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    resolver = fetch.SystemResolver(timeout=0.1)
    try:
        for i in range(8):
            with pytest.raises(fetch.DNSFailure, match="timed out"):
                resolver(f"slow{i}.test")
        assert resolver("good.test") == ["127.0.0.1"]
        for i in range(8, fetch.DNS_LOOKUPS):  # every slot hung: fail at once, never queue
            with pytest.raises(fetch.DNSFailure):
                resolver(f"slow{i}.test")
        with pytest.raises(fetch.DNSFailure, match="hanging"):
            resolver("good.test")
    finally:
        release.set()
