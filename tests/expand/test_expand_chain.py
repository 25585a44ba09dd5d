"""TESTSPEC group B (and the expansion side of A): real HTTP against loopback fixtures."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from loopback import Route, Server, StubResolver

from scanner.expand import Expander
from scanner.models import HopKind, StopReason

Make = Callable[..., Expander]


def codes(e: object) -> set[str]:
    return {r.code for r in e.reasons}  # type: ignore[attr-defined]


# ---- A-01..A-04, A-07, A-08, A-09, A-25


def test_a01_plain_url_expanded(expander: Make, fx_a: Server) -> None:
    fx_a.html("/p", "<title>shop</title>ok")
    e = expander().expand(fx_a.url("/p?id=1", "a.test"))
    assert e.expanded and e.stop_reason is StopReason.FINAL
    assert e.chain[0].status == 200 and e.chain[0].ip == "127.0.0.1"
    assert fx_a.requests[0].target == "/p?id=1"
    assert e.page is not None and e.page.title == "shop"


def test_a02_scheme_inferred(expander: Make, fx_a: Server) -> None:
    fx_a.html("/path", "ok")
    e = expander().expand(f"a.test:{fx_a.port}/path")
    assert e.start_url == fx_a.url("/path", "a.test") and e.chain[0].status == 200


def test_a04_many_links_bounded_concurrency(expander: Make, fx_a: Server) -> None:
    import threading
    import time

    live = [0, 0]
    lock = threading.Lock()

    def slow(req: object, sock: object) -> None:
        with lock:
            live[0] += 1
            live[1] = max(live[1], live[0])
        time.sleep(0.2)
        with lock:
            live[0] -= 1
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")  # type: ignore

    for i in range(6):
        fx_a.route(f"/s{i}", raw=slow)
    urls = [fx_a.url(f"/s{i}", "a.test") for i in range(6)]
    out = expander(expand_workers=3).expand_many([*urls, urls[0]])
    assert [e.start_url for e in out] == [*urls, urls[0]]
    assert all(e.stop_reason is StopReason.FINAL for e in out)
    assert live[1] == 3  # in parallel, but never more than the pool


def test_a07_alipay_app_link_starts_with_wrapper(expander: Make, fx_a: Server) -> None:
    fx_a.html("/x", "ok")
    inner = fx_a.url("/x", "a.test").replace(":", "%3A").replace("/", "%2F")
    e = expander().expand(f"alipays://platformapi/startapp?appId=20000067&url={inner}")
    assert [h.kind for h in e.chain] == [HopKind.START, HopKind.WRAPPER]
    assert e.chain[1].status == 200 and e.final_url == fx_a.url("/x", "a.test")


def test_a08_known_redirector(expander: Make, fx_a: Server) -> None:
    fx_a.html("/abc", "ok")
    e = expander().expand(fx_a.url("/abc", "qr.alipay.com"))
    assert "expand.known_redirector" in codes(e) and e.chain[0].status == 200


def test_a09_intent_fallback(expander: Make, fx_a: Server) -> None:
    fx_a.html("/f", "ok")
    fb = fx_a.url("/f", "a.test").replace(":", "%3A").replace("/", "%2F")
    e = expander().expand(f"intent://scan/#Intent;scheme=zxing;package=x;S.browser_fallback_url={fb};end")
    assert e.chain[-1].kind is HopKind.WRAPPER and fx_a.hits["/f"] == 1


def test_a25_taobao_share_link(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/h.x", fx_b.url("/item", "b.test"))
    fx_b.html("/item", "ok")
    e = expander().expand(fx_a.url("/h.x", "m.tb.cn"))
    assert "expand.shortener" in codes(e) and e.final_url == fx_b.url("/item", "b.test")


# ---- B-01..B-15 HTTP redirects


def test_b01_301(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/r301", fx_b.url("/final", "b.test"), 301)
    fx_b.html("/final", "done")
    e = expander().expand(fx_a.url("/r301", "a.test"))
    assert [(h.kind, h.status) for h in e.chain] == [(HopKind.START, 301), (HopKind.HTTP, 200)]
    assert e.final_url == fx_b.url("/final", "b.test") and e.stop_reason is StopReason.FINAL
    assert [h.ip for h in e.chain] == ["127.0.0.1", "127.0.0.2"]


@pytest.mark.parametrize("status", [302, 303, 307, 308])
def test_b02_other_redirects_use_get(expander: Make, fx_a: Server, fx_b: Server, status: int) -> None:
    fx_a.redirect("/r", fx_b.url("/final", "b.test"), status)
    fx_b.html("/final", "done")
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.chain[-1].status == 200 and e.stop_reason is StopReason.FINAL
    assert [r.method for r in fx_a.requests + fx_b.requests] == ["GET", "GET"]


@pytest.mark.parametrize("status", [300, 304, 305, 306])
def test_b03_not_followed(expander: Make, fx_a: Server, fx_b: Server, status: int) -> None:
    fx_a.redirect("/r", fx_b.url("/final", "b.test"), status)
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert len(e.chain) == 1 and e.chain[0].status == status and e.stop_reason is StopReason.FINAL
    assert fx_b.total_hits == 0


def test_b04_no_location(expander: Make, fx_a: Server) -> None:
    fx_a.route("/r", 302)
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.FINAL and "expand.redirect_without_location" in codes(e)


def test_b05_two_locations(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.route("/r", 302, [("Location", fx_b.url("/1", "b.test")), ("Location", fx_b.url("/2", "b.test"))])
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.PROTOCOL_ERROR and "expand.ambiguous_redirect" in codes(e)
    assert fx_b.total_hits == 0


@pytest.mark.parametrize(("loc", "path"), [
    ("/x", "/x"), ("x", "/d/x"), ("../x", "/x"), ("?q=1", "/d/r?q=1"), ("#f", "/d/r"),
])
def test_b06_relative_locations(expander: Make, fx_a: Server, loc: str, path: str) -> None:
    fx_a.redirect("/d/r", loc)
    if not path.startswith("/d/r"):
        fx_a.html(path, "ok")
    e = expander().expand(fx_a.url("/d/r", "a.test"))
    if loc == "#f":  # same document: a loop, not a new request
        assert e.stop_reason is StopReason.LOOP and fx_a.total_hits == 1
        return
    assert e.chain[1].url == fx_a.url(path, "a.test")
    assert fx_a.requests[1].target == path


def test_b06_scheme_relative(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/r", f"//b.test:{fx_b.port}/x")
    fx_b.html("/x", "ok")
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.final_url == fx_b.url("/x", "b.test") and fx_b.hits["/x"] == 1


def test_b07_location_serialised_by_whatwg(expander: Make, fx_a: Server) -> None:
    fx_a.route("/r", 302, [("Location", "/a b/中文/%41?x=y z")])
    e = expander().expand(fx_a.url("/r", "a.test"))
    want = "/a%20b/%E4%B8%AD%E6%96%87/%41?x=y%20z"
    assert e.chain[1].url == fx_a.url(want, "a.test")
    assert fx_a.requests[-1].target == want


def test_b07_idn_host_punycode(expander: Make, fx_a: Server, resolver: StubResolver) -> None:
    resolver.table["xn--fiqs8s.test"] = ["127.0.0.1"]
    fx_a.redirect("/r", f"http://中国.test:{fx_a.port}/ok")
    fx_a.html("/ok", "ok")
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.final_url == f"http://xn--fiqs8s.test:{fx_a.port}/ok"
    assert fx_a.requests[-1].header("host") == f"xn--fiqs8s.test:{fx_a.port}"


@pytest.mark.parametrize("loc", ["weixin://dl/business/?t=x", "alipays://platformapi/startapp?appId=1"])
def test_b08_non_http_target(expander: Make, fx_a: Server, loc: str) -> None:
    fx_a.redirect("/r", loc)
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.NON_HTTP_TARGET and e.chain[-1].kind is HopKind.NON_HTTP
    assert "expand.non_http_target" in codes(e)


@pytest.mark.parametrize("loc", ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd"])
def test_b09_blocked_scheme(expander: Make, fx_a: Server, loc: str) -> None:
    fx_a.redirect("/r", loc)
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.BLOCKED_SCHEME and "expand.blocked_scheme" in codes(e)


def test_b10_empty_location_is_a_self_loop(expander: Make, fx_a: Server) -> None:
    fx_a.route("/r", 302, [("Location", "")])
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.LOOP and fx_a.hits["/r"] == 1 and len(e.chain) == 2


def test_b11_loop_between_hosts(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/a", fx_b.url("/b", "b.test"))
    fx_b.redirect("/b", fx_a.url("/a", "a.test"))
    e = expander().expand(fx_a.url("/a", "a.test"))
    assert e.stop_reason is StopReason.LOOP and len(e.chain) == 3
    assert fx_a.total_hits + fx_b.total_hits <= 3


def test_b12_self_loop(expander: Make, fx_a: Server) -> None:
    fx_a.redirect("/loop", "/loop")
    e = expander().expand(fx_a.url("/loop", "a.test"))
    assert e.stop_reason is StopReason.LOOP and fx_a.total_hits <= 2


def test_b13_loop_through_normalisation(expander: Make, fx_a: Server) -> None:
    fx_a.redirect("/x", "/X/../x")
    e = expander().expand(fx_a.url("/x", "a.test"))
    assert e.stop_reason is StopReason.LOOP and fx_a.total_hits == 1


def test_b14_endless_unique_chain(expander: Make, fx_a: Server) -> None:
    for i in range(30):
        fx_a.redirect(f"/n/{i}", f"/n/{i + 1}")
    e = expander().expand(fx_a.url("/n/0", "a.test"))
    assert e.stop_reason is StopReason.MAX_HOPS and fx_a.total_hits == 11
    assert len([h for h in e.chain if h.status is not None]) == 11
    assert "expand.too_many_hops" in codes(e)


def test_b15_ten_hops_is_fine(expander: Make, fx_a: Server) -> None:
    for i in range(10):
        fx_a.redirect(f"/c/{i}", f"/c/{i + 1}")
    fx_a.html("/c/10", "end")
    e = expander().expand(fx_a.url("/c/0", "a.test"))
    assert e.stop_reason is StopReason.FINAL and e.chain[-1].status == 200 and len(e.chain) == 11


# ---- B-16..B-26 redirects in pages


def test_b16_refresh_header(expander: Make, fx_a: Server) -> None:
    fx_a.route("/r", 200, [("Refresh", "0; url=/next"), ("Content-Type", "text/html")], "<p>wait</p>")
    fx_a.html("/next", "ok")
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.chain[1].kind is HopKind.REFRESH_HEADER and fx_a.hits["/next"] == 1


def test_b17_meta_refresh(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.html("/m", f"""<meta http-equiv="REFRESH" content="0;URL='{fx_b.url("/m", "b.test")}'">""")
    fx_b.html("/m", "landed")
    e = expander().expand(fx_a.url("/m", "a.test"))
    assert e.chain[1].kind is HopKind.META and e.final_url == fx_b.url("/m", "b.test")
    assert e.page is not None and "landed" in e.page.html


def test_b18_tco_style_one_hop(expander: Make, fx_a: Server, fx_b: Server) -> None:
    t = fx_b.url("/t", "b.test")
    fx_a.html("/s", f'<noscript><META http-equiv="refresh" content="0;URL={t}"></noscript>'
              f'<script>window.opener=null; location.replace("{t}")</script>')
    fx_b.html("/t", "ok")
    e = expander().expand(fx_a.url("/s", "a.test"))
    assert len(e.chain) == 2 and e.chain[1].kind in (HopKind.META, HopKind.JS_STATIC)
    assert fx_b.hits["/t"] == 1


def test_b20_delayed_meta(expander: Make, fx_a: Server) -> None:
    import time

    fx_a.html("/d", '<meta http-equiv="refresh" content="30; url=/late">')
    fx_a.html("/late", "ok")
    t0 = time.monotonic()
    e = expander().expand(fx_a.url("/d", "a.test"))
    assert time.monotonic() - t0 < 2 and e.chain[1].kind is HopKind.META
    assert "expand.delayed_redirect" in codes(e)


JS_FORMS = [
    "location.href='{u}'", 'window.location="{u}"', 'location.replace("{u}")', "location.assign('{u}')",
    'top.location.href="{u}"', 'document.location="{u}"', 'self.location="{u}"',
    'window.open("{u}","_self")', "setTimeout(\"location.href='{u}'\",0)",
]


@pytest.mark.parametrize("form", JS_FORMS)
def test_b22_js_static_never_executed(expander: Make, fx_a: Server, fx_b: Server, form: str) -> None:
    fx_a.html("/j", "<script>fetch('/executed');" + form.format(u=fx_b.url("/js", "b.test")) + "</script>")
    fx_b.html("/js", "ok")
    e = expander().expand(fx_a.url("/j", "a.test"))
    assert [h.kind for h in e.chain] == [HopKind.START, HopKind.JS_STATIC]
    assert fx_b.hits["/js"] == 1 and fx_a.hits["/executed"] == 0


def test_b23_atob(expander: Make, fx_a: Server, fx_b: Server) -> None:
    target = base64.b64encode(fx_b.url("/js", "b.test").encode()).decode()
    fx_a.html("/j", f'<script>location.href = atob("{target}")</script>')
    fx_b.html("/js", "ok")
    e = expander().expand(fx_a.url("/j", "a.test"))
    assert e.final_url == fx_b.url("/js", "b.test") and "expand.obfuscated_redirect" in codes(e)


def test_b24_computed(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.html("/j", f'<script>location.href = "ht" + "tp://b.test:{fx_b.port}/" + x</script>')
    e = expander().expand(fx_a.url("/j", "a.test"))
    assert len(e.chain) == 1 and "expand.dynamic_js_redirect" in codes(e) and fx_b.total_hits == 0


def test_b25_auto_submit_form_not_posted(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.html("/f", f'<form action="{fx_b.url("/f", "b.test")}" method=post><input name=id></form>'
              "<script>document.forms[0].submit()</script>")
    e = expander().expand(fx_a.url("/f", "a.test"))
    reason = next(r for r in e.reasons if r.code == "expand.auto_submit_form")
    assert fx_b.url("/f", "b.test") in reason.evidence and fx_b.total_hits == 0


def test_b26_http_redirect_wins_over_meta(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.route("/r", 302, [("Location", fx_b.url("/http", "b.test")), ("Content-Type", "text/html")],
               f'<meta http-equiv="refresh" content="0;url={fx_b.url("/meta", "b.test")}">')
    fx_b.html("/http", "ok")
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.final_url == fx_b.url("/http", "b.test") and fx_b.hits["/meta"] == 0


# ---- B-27/B-28 HEAD vs GET, warning pages


def test_b27_get_chain_is_used(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/q", fx_b.url("/target", "b.test"))
    fx_b.html("/target", "ok")
    e = expander().expand(fx_a.url("/q", "a.test"))
    assert e.final_url == fx_b.url("/target", "b.test")
    assert {r.method for r in fx_a.requests + fx_b.requests} == {"GET"}


def test_b28_shortener_warning_page(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/abc", fx_b.url("/a/warning?hash=abc", "bitly.com"))
    fx_b.html("/a/warning", "This link may be unsafe")
    e = expander().expand(fx_a.url("/abc", "bit.ly"))
    assert {"expand.shortener", "expand.shortener_warning_page"} <= codes(e)


# ---- B-31/B-32 request hygiene


def test_b31_headers_sent(expander: Make, fx_a: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.expand import PROFILES

    fx_a.html("/h", "ok")
    expander().expand(fx_a.url("/h", "a.test"))
    req = fx_a.requests[0]
    assert req.header("user-agent") == PROFILES["wechat"]["User-Agent"]
    assert "MicroMessenger" in (req.header("user-agent") or "")
    assert "zh-CN" in (req.header("accept-language") or "")
    for h in ("cookie", "authorization", "referer", "proxy-authorization"):
        assert req.header(h) is None


def test_b32_cookies_not_replayed(expander: Make, fx_a: Server) -> None:
    fx_a.route("/c1", 302, [("Set-Cookie", "sid=1; Path=/"), ("Location", "/c2")])
    fx_a.html("/c2", "ok")
    expander().expand(fx_a.url("/c1", "a.test"))
    assert fx_a.requests[1].path == "/c2" and fx_a.requests[1].header("cookie") is None


# ---- B-43..B-49 charset, wrappers, shorteners


def test_b43_gbk_page(expander: Make, fx_a: Server) -> None:
    html = '<html><head><meta charset="gbk"><title>兼职招聘</title></head><body>日结佣金 免费领取</body>'
    fx_a.route("/g", 200, [("Content-Type", "text/html")], html.encode("gbk"))
    e = expander().expand(fx_a.url("/g", "a.test"))
    assert e.page is not None and e.page.title == "兼职招聘" and "日结佣金 免费领取" in e.page.html


def test_b44_wrapper_decoded_without_dns(expander: Make, fx_b: Server, resolver: StubResolver) -> None:
    fx_b.html("/w", "ok")
    inner = fx_b.url("/w", "b.test").replace(":", "%3A").replace("/", "%2F")
    e = expander().expand(f"https://link.zhihu.com/?target={inner}")
    assert [h.kind for h in e.chain] == [HopKind.START, HopKind.WRAPPER]
    assert e.chain[0].status is None and fx_b.hits["/w"] == 1
    assert resolver.calls["link.zhihu.com"] == 0


def test_b46_weixin110(expander: Make, fx_b: Server) -> None:
    fx_b.html("/", "ok")
    inner = fx_b.url("/", "b.test").replace(":", "%3A").replace("/", "%2F")
    e = expander().expand("https://weixin110.qq.com/cgi-bin/mmspamsupport-bin/newredirectconfirmcgi"
                          f"?main_type=2&evil_type=20&url={inner}")
    r = next(r for r in e.reasons if r.code == "expand.wechat_flagged")
    assert "main_type=2" in r.evidence and "evil_type=20" in r.evidence
    assert r.severity.rank >= 2 and r.weight >= 35


def test_b47_nested_wrappers(expander: Make, fx_b: Server) -> None:
    from urllib.parse import quote

    fx_b.html("/n", "ok")
    jian = "https://links.jianshu.com/go?to=" + quote(fx_b.url("/n", "b.test"), safe="")
    e = expander().expand("https://link.zhihu.com/?target=" + quote(jian, safe=""))
    assert [h.kind for h in e.chain] == [HopKind.START, HopKind.WRAPPER, HopKind.WRAPPER]
    assert e.chain[-1].status == 200


def test_b47_wrappers_limited_by_max_hops(expander: Make) -> None:
    from urllib.parse import quote

    url = "http://b.test/end"
    for _ in range(15):
        url = "https://link.zhihu.com/?target=" + quote(url, safe="")
    e = expander().expand(url, offline=True)
    assert e.stop_reason is StopReason.MAX_HOPS


def test_b48_shortener_tagged(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/AbCd", fx_b.url("/x", "b.test"))
    fx_b.html("/x", "ok")
    e = expander().expand(fx_a.url("/AbCd", "t.cn"))
    r = next(r for r in e.reasons if r.code == "expand.shortener")
    assert r.evidence == "t.cn" and r.weight == 0


def test_b48_dead_shortener_offline(expander: Make) -> None:
    e = expander().expand("http://tb.cn/x", offline=True)
    assert "expand.dead_shortener" in codes(e) and not e.expanded


def test_b49_cn_extra(expander: Make, fx_a: Server) -> None:
    fx_a.html("/s", "ok")
    e = expander().expand(fx_a.url("/s", "xhslink.com"))
    assert "expand.shortener" in codes(e)
    for host in ("dwz.cn", "v.douyin.com", "u.jd.com", "wxaurl.cn"):
        assert "expand.shortener" in codes(expander().expand(f"https://{host}/x", offline=True))


def test_offline_fetches_nothing(expander: Make, fx_a: Server, resolver: StubResolver) -> None:
    fx_a.html("/p", "ok")
    e = expander().expand(fx_a.url("/p", "a.test"), offline=True)
    assert e.stop_reason is StopReason.NOT_EXPANDED and not e.expanded
    assert fx_a.total_hits == 0 and sum(resolver.calls.values()) == 0


# ---- B-29/B-30 profiles


def test_b29_cloaking(expander: Make, fx_a: Server, fx_b: Server) -> None:
    fx_a.html("/c", "<title>Weather</title>Sunny all week, nothing to see.")
    fx_a.routes["/c"].ua["MicroMessenger"] = Route(302, [("Location", fx_b.url("/scam", "b.test"))])
    fx_b.html("/scam", "<title>兼职</title>高佣金 请填写身份证号")
    e = expander(compare_profiles=True).expand(fx_a.url("/c", "a.test"))
    assert "expand.cloaking" in codes(e)
    assert e.profiles == {"wechat": fx_b.url("/scam", "b.test"), "desktop": fx_a.url("/c", "a.test")}
    assert e.alternate is not None and e.alternate.profile == "desktop"
    assert {p.url for p in e.pages} == {fx_b.url("/scam", "b.test"), fx_a.url("/c", "a.test")}
    assert fx_b.hits["/scam"] == 1 and fx_a.hits["/c"] == 2


def test_b29_same_content_no_cloaking(expander: Make, fx_a: Server) -> None:
    fx_a.html("/same", "<title>x</title>hello")
    e = expander(compare_profiles=True).expand(fx_a.url("/same", "a.test"))
    assert "expand.cloaking" not in codes(e) and e.alternate is None and fx_a.hits["/same"] == 2


@pytest.mark.parametrize("text", ["请在微信客户端打开链接", "请使用浏览器打开"])
def test_b30_in_app_gate(expander: Make, fx_a: Server, text: str) -> None:
    fx_a.html("/g", f"<p>{text}</p>")
    e = expander().expand(fx_a.url("/g", "a.test"))
    assert "expand.in_app_gate" in codes(e)


# ---- cache


def test_cache_answers_second_time(expander: Make, fx_a: Server) -> None:
    fx_a.redirect("/r", "/ok")
    fx_a.html("/ok", "<title>t</title>")
    ex = expander(cache_ttl=60)
    first = ex.expand(fx_a.url("/r", "a.test"))
    second = ex.expand(fx_a.url("/r", "a.test"))
    assert not first.cached and second.cached and fx_a.total_hits == 2
    assert second.chain == first.chain and second.page == first.page
    assert expander(cache_ttl=60, compare_profiles=True).expand(fx_a.url("/r", "a.test")).cached is False


def test_cache_ttl_zero_is_off(expander: Make, fx_a: Server) -> None:
    fx_a.html("/ok", "x")
    ex = expander(cache_ttl=0)
    ex.expand(fx_a.url("/ok", "a.test"))
    assert not ex.expand(fx_a.url("/ok", "a.test")).cached and fx_a.total_hits == 2
