"""TESTSPEC group G: the MV3 extension in real Debian Chromium against the real local service.

Everything runs on loopback: fixture servers on 127.0.0.1/.2/.5, the service on 127.0.0.1, and
Chromium maps the ``*.test`` names to those addresses with ``--host-resolver-rules`` (the service
gets the same mapping through its resolver). Each test launches a fresh browser profile.
"""

from __future__ import annotations

import http.client
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from ext_fixtures import (
    ARTIFACTS,
    CHROMIUM,
    EXT_DIR,
    Browser,
    ConnectionCounter,
    FixtureServer,
    Service,
    extension_id,
    launch,
    wait_until,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.timeout(120),
]

RESOLVER_RULES = "MAP other.test 127.0.0.2, MAP rebind.test 127.0.0.5, MAP *.test 127.0.0.1"
CHECK_TIMEOUT = 30_000

LURE_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>兼职日结</title></head>
<body><h1>兼职刷单 日结佣金</h1><form><label>姓名<input name="name"></label>
<label>身份证号<input name="idcard"></label><label>银行卡号<input name="bank"></label></form></body></html>"""

OK_HTML = "<!doctype html><html><head><title>OK</title></head><body><h1>An ordinary page</h1></body></html>"


def resolve_test_names(name: str) -> list[str]:
    """The service's resolver: the same mapping Chromium gets from RESOLVER_RULES."""
    name = name.lower().rstrip(".")
    if name == "other.test":
        return ["127.0.0.2"]
    if name == "rebind.test":
        return ["127.0.0.5"]
    if name.endswith(".test"):
        return ["127.0.0.1"]
    from scanner.fetch import DNSFailure

    raise DNSFailure("no such name in the test resolver", detail="nxdomain")


def qr_png(text: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pw() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FixtureServer]]:
    evil = FixtureServer("127.0.0.1")  # blocklisted destinations (evil.test, late-*.test)
    site = FixtureServer("127.0.0.1")  # ordinary pages (shop.test)
    other = FixtureServer("127.0.0.2")  # a different origin (other.test)
    evil.route("/landing", LURE_HTML)
    evil.route("/late", LURE_HTML)
    site.route("/ok", OK_HTML)
    site.route("/target", OK_HTML)
    yield {"evil": evil, "site": site, "other": other}
    for s in (evil, site, other):
        s.close()


def _settings(data: Path, servers: dict[str, FixtureServer]) -> Any:
    from scanner.settings import Settings

    allow = frozenset((s.host, s.port) for s in servers.values())
    return Settings.load(environ={}, data_dir=data, rate_limit_per_minute=100_000, request_timeout=20.0,
                         connect_timeout=2.0, read_timeout=3.0, expand_deadline=6.0, check_deadline=8.0,
                         egress_allow=allow, cache_ttl=0.0)


def _start_service(data: Path, servers: dict[str, FixtureServer], port: int = 0) -> Service:
    from scanner.expand import Expander
    from scanner.pipeline import Scanner

    settings = _settings(data, servers)
    scanner = Scanner(settings, expander=Expander(settings, resolver=resolve_test_names))
    return Service(settings, scanner, port=port)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory, servers: dict[str, FixtureServer]) -> Path:
    """A data dir whose user list (category phishing) blocks evil.test."""
    from scanner.lists import add_list

    data = tmp_path_factory.mktemp("ext-service")
    listed = data / "test-phish.txt"
    listed.write_text("evil.test\n", encoding="utf-8")
    add_list(_settings(data, servers), str(listed), name="test-phish", category="phishing")
    return data


@pytest.fixture(scope="module")
def service(data_root: Path, servers: dict[str, FixtureServer]) -> Iterator[Service]:
    svc = _start_service(data_root, servers)
    # Build the scanner (lists, index) before the browser's first call.
    status, _ = svc.get("/api/v1/health")
    assert status == 200
    yield svc
    svc.stop()


@pytest.fixture
def browser(pw: Any) -> Iterator[Browser]:
    b = launch(pw, resolver_rules=RESOLVER_RULES)
    yield b
    b.close()


@pytest.fixture(scope="module")
def shared(pw: Any, service: Service) -> Iterator[Browser]:
    """One paired browser for the cases that do not test start-up or pairing (launching and syncing
    30,000 list domains per case would triple the run time)."""
    b = launch(pw, resolver_rules=RESOLVER_RULES)
    st = b.pair(service.port, service.token)
    assert st.get("state") == "ok", st
    assert st.get("ruleDomains", 0) >= 1, st
    yield b
    b.close()


@pytest.fixture
def paired(shared: Browser) -> Iterator[Browser]:
    """The shared browser, reset to a just-paired state: no trusted sites, no per-tab allowances."""
    st = shared.sw("LLTest.resetForTests()")
    assert st["state"] == "ok", st
    yield shared
    pages = list(shared.context.pages)
    shared.context.new_page()  # keep one tab open so the window stays
    for p in pages:
        p.close()


def goto(page: Any, url: str) -> None:
    """Navigate; a DNR redirect to the extension may abort the original navigation, which is fine."""
    try:
        page.goto(url, wait_until="domcontentloaded")
    except Exception as e:  # noqa: BLE001 - Playwright's Error for net::ERR_ABORTED & co.
        if "ERR_ABORTED" not in str(e) and "ERR_BLOCKED" not in str(e) and "interrupted" not in str(e):
            raise


def is_warning(b: Browser, url: str) -> bool:
    return url.startswith(b.ext_url("warning.html") + "#")


def open_warning_for(b: Browser, url: str, page: Any = None) -> Any:
    page = page or b.context.new_page()
    goto(page, url)
    page.wait_for_url(lambda u: is_warning(b, u), timeout=10_000)
    page.wait_for_selector("body[data-ready]", timeout=CHECK_TIMEOUT)
    return page


# ---- E-01 … E-04: start, ping, pairing ----------------------------------------------------------

def test_e01_service_worker_with_stable_id(browser: Browser) -> None:
    from web.security import bundled_extension_id

    assert browser.worker.url == f"chrome-extension://{browser.ext_id}/sw.js"
    # The manifest key pins the ID, and the service derives the same one for its Origin allowlist.
    assert browser.ext_id == extension_id() == bundled_extension_id()
    # Not paired yet: a badge and a message, never a blocked page.
    wait_until(lambda: browser.sw("chrome.action.getBadgeText({})") == "!")
    assert "Not paired" in browser.sw("chrome.action.getTitle({})")


def test_list_rules_pack_domains_within_the_browser_limits(shared: Browser) -> None:
    limits = shared.sw("""[chrome.declarativeNetRequest.MAX_NUMBER_OF_REGEX_RULES,
                           chrome.declarativeNetRequest.MAX_NUMBER_OF_DYNAMIC_RULES,
                           chrome.declarativeNetRequest.MAX_NUMBER_OF_UNSAFE_DYNAMIC_RULES]""")
    budget = shared.sw("LLTest.ruleBudget()")
    assert budget["redirect"] <= limits[0] // 2 and budget["redirect"] < limits[2]
    assert budget["total"] < limits[1]
    block = [f"d{i}.example" for i in range(2500)] + ["Weebly.com", "bad_domain!", "", "x.y.weebly.com"]
    out = shared.sw("([b, a]) => LLTest.buildListRules(b, a, {redirect: 2, total: 100})",
                    [block, ["weebly.com"]])
    # 2,500 valid domains + 1 subdomain; "weebly.com" (an exact-only allow root) and bad entries dropped.
    redirects = [r for r in out["rules"] if r["action"]["type"] == "redirect"]
    assert len(redirects) == 2 and out["inRules"] == 2000 and out["skipped"] == 501
    assert all(len(r["condition"]["requestDomains"]) == 1000 for r in redirects)
    assert all(r["action"]["redirect"]["regexSubstitution"] == shared.ext_url("warning.html") + "#\\0"
               for r in redirects)
    domains = {d for r in out["rules"] for d in r["condition"]["requestDomains"]}
    assert "weebly.com" not in domains and "bad_domain!" not in domains
    assert not [r for r in out["rules"] if r["action"]["type"] == "allow"]


def test_e02_health_ping_headers(browser: Browser, service: Service) -> None:
    t0 = time.monotonic()
    st = browser.pair(service.port, service.token)
    assert st["state"] == "ok"
    mine = [e for e in service.log.api() if e.at >= t0]
    gets = [e for e in mine if e.method == "GET" and e.path == "/api/v1/health"]
    posts = [e for e in mine if e.method == "POST"]
    assert gets and all(e.status == 200 and e.origin is None and e.sec_fetch_site == "none" for e in gets)
    assert posts, "pairing sends POST /api/v1/pair"
    assert all(e.origin == f"chrome-extension://{browser.ext_id}" and e.status == 200 for e in posts)
    assert all(e.has_token for e in mine)


def test_e03_wrong_token_shows_pairing_needed(browser: Browser, service: Service) -> None:
    browser.sw("chrome.storage.local.set({uiLang: 'zh'})")
    page = browser.ext_page("options.html")
    page.fill("#port", str(service.port))
    page.fill("#token", "x" * 43)
    page.click("#pair")
    page.wait_for_selector("#pair-status[data-state=needs_pair]")
    assert "需要重新配对" in page.inner_text("#pair-status")
    assert page.is_visible("#token") and page.is_visible("#pair")
    assert browser.sw("chrome.action.getBadgeText({})") == "!"
    assert "需要重新配对" in browser.sw("chrome.action.getTitle({})")
    assert any(e.status == 401 for e in service.log.api())


def test_e04_pairing_flow_through_the_pair_page(browser: Browser, service: Service) -> None:
    page = browser.context.new_page()
    from web.session import new_login_secret  # the pages need the sign-in link `lurelens serve` prints

    page.goto(f"{service.base}/login?secret={new_login_secret(service.settings.data_dir)}")
    page.wait_for_url(service.base + "/")  # the sign-in page refreshes to the home page
    page.goto(service.base + "/pair")
    page.click("main form button[type=submit]")  # not the language switch in the header
    token = page.input_value("#token")
    assert token == service.token
    opts = browser.ext_page("options.html")
    opts.fill("#port", str(service.port))
    opts.fill("#token", token)
    opts.click("#pair")
    opts.wait_for_selector("#pair-status[data-state=ok]")
    assert opts.input_value("#token") == ""  # not shown again
    assert browser.sw("chrome.action.getBadgeText({})") == ""
    # Later calls succeed with the stored token.
    t0 = time.monotonic()
    assert browser.sw("LLTest.health(true)") is True
    assert [e.status for e in service.log.api() if e.at >= t0] == [200]
    # The token lives in chrome.storage.local only.
    assert browser.sw("chrome.storage.local.get('token').then(v => v.token)") == token
    session_dump = browser.sw("chrome.storage.session.get(null).then(v => JSON.stringify(v))")
    assert token not in session_dump
    assert opts.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)").find(token) < 0


# ---- E-05 … E-09: known-bad destinations and the warning page -------------------------------------

def test_e05_blocklisted_destination_never_loads(paired: Browser, servers: dict[str, FixtureServer],
                                                 service: Service) -> None:
    evil = servers["evil"]
    before = evil.count()
    url = evil.url("/landing", host="evil.test")
    rules = paired.sw("chrome.declarativeNetRequest.getDynamicRules()")
    assert any("evil.test" in (r["condition"].get("requestDomains") or [])
               and r["action"]["type"] == "redirect" for r in rules)
    page = open_warning_for(paired, url)
    assert page.url == paired.ext_url("warning.html") + "#" + url
    time.sleep(0.5)  # let the warning page's report request finish
    assert evil.count() == before  # neither the browser nor the service contacted it
    # A subdomain is covered by the same rule (requestDomains matches subdomains).
    sub = evil.url("/landing", host="www.evil.test")
    open_warning_for(paired, sub)
    assert evil.count() == before


def test_e06_warning_page_content_and_focus(paired: Browser, servers: dict[str, FixtureServer]) -> None:
    url = servers["evil"].url("/landing?u=1", host="evil.test")
    page = open_warning_for(paired, url)
    assert page.evaluate("document.activeElement.id") == "back"
    assert page.inner_text("#back") == "返回"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "高风险" in page.inner_text("#level")
    assert page.inner_text("#final-url strong.domain") == "evil.test"
    assert page.inner_text("#final-url").replace("\n", "") == url
    reasons = page.locator("#reasons li")
    assert reasons.count() >= 1
    assert "evil.test" in page.inner_text("#reasons .evidence >> nth=0")
    assert page.locator("#chips li").count() >= 1
    assert page.evaluate("document.getElementById('chain-box').open") is False
    assert page.evaluate("document.getElementById('more').open") is False
    assert not page.is_visible("#proceed")  # behind Details
    # The popup on this tab speaks about the stopped page.
    popup = paired.context.new_page()
    popup.goto(paired.ext_url(f"popup.html?tabId={paired.tab_id(page)}"))
    popup.wait_for_selector("body[data-ready]")
    assert popup.get_attribute("#verdict", "data-level") == "danger"
    assert popup.inner_text("#tab-url").replace("\n", "") == url
    popup.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "extension-warning.png"), full_page=True)
    page.click("#chain-box summary")
    page.click("#more summary")
    page.screenshot(path=str(ARTIFACTS / "extension-warning-details.png"), full_page=True)


def test_e06_warning_page_in_english(paired: Browser, servers: dict[str, FixtureServer]) -> None:
    paired.sw("chrome.storage.local.set({uiLang: 'en'})")
    page = open_warning_for(paired, servers["evil"].url("/landing", host="evil.test"))
    assert page.inner_text("#back") == "Back to safety"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.activeElement.id") == "back"
    page.screenshot(path=str(ARTIFACTS / "extension-warning-en.png"), full_page=True)


def test_warning_page_shows_hidden_characters_as_markers(paired: Browser,
                                                         servers: dict[str, FixtureServer]) -> None:
    # A reason's evidence or message may carry a text-direction override from the page or code;
    # the extension's pages show it as a visible marker, never obey it.
    page = open_warning_for(paired, servers["evil"].url("/landing", host="evil.test"))
    assert page.evaluate("LL.visible('invoice\\u202egnp.exe')") == "invoice[U+202E]gnp.exe"
    page.evaluate("""() => LL.renderReasons(document.getElementById('reasons'),
        [{severity: 'high', message: {en: 'x', zh: 'x'}, evidence: 'a\\u202eb\\u200bc'}])""")
    assert page.inner_text("#reasons .evidence >> nth=0") == "a[U+202E]b[U+200B]c"


def test_e07_back_returns_or_closes(paired: Browser, servers: dict[str, FixtureServer]) -> None:
    ok = servers["site"].url("/ok", host="shop.test")
    before = servers["evil"].count()
    page = paired.context.new_page()
    page.goto(ok)
    open_warning_for(paired, servers["evil"].url("/landing", host="evil.test"), page)
    page.click("#back")
    page.wait_for_url(ok)
    # No history: the tab closes.
    lone = open_warning_for(paired, servers["evil"].url("/landing", host="evil.test"))
    with lone.expect_event("close"):
        try:
            lone.click("#back", no_wait_after=True)
        except Exception as e:  # noqa: BLE001 - the tab may close while Playwright finishes the click
            if "closed" not in str(e):
                raise
    assert servers["evil"].count() == before


def test_e08_open_anyway_once_per_tab(paired: Browser, servers: dict[str, FixtureServer]) -> None:
    evil = servers["evil"]
    evil.reset()
    url = evil.url("/landing", host="evil.test")
    page = open_warning_for(paired, url)
    page.click("#more summary")
    page.click("#proceed")  # arms (danger needs a second, confirming click)
    assert page.url.startswith(paired.ext_url("warning.html"))
    assert "再次点击" in page.inner_text("#proceed")
    page.click("#proceed")
    page.wait_for_url(url)
    assert evil.count("/landing") == 1
    # Not intercepted again in this tab for this session…
    goto(page, url)
    page.wait_for_url(url)
    assert evil.count("/landing") == 2
    # …but another tab is still protected.
    open_warning_for(paired, url)
    assert evil.count("/landing") == 2
    evil.reset()


def test_e09_trust_site_and_remove_it(paired: Browser, servers: dict[str, FixtureServer]) -> None:
    evil = servers["evil"]
    evil.reset()
    url = evil.url("/landing", host="evil.test")
    page = open_warning_for(paired, url)
    page.click("#more summary")
    page.check("#trust")
    page.click("#proceed")
    page.click("#proceed")
    page.wait_for_url(url)
    rules = paired.sw("chrome.declarativeNetRequest.getDynamicRules()")
    assert any(r["action"]["type"] == "allow" and "evil.test" in r["condition"].get("requestDomains", [])
               for r in rules)
    fresh = paired.context.new_page()
    goto(fresh, url)
    fresh.wait_for_load_state()
    assert fresh.url == url  # no warning in a new tab
    # Removable in the options page.
    opts = paired.ext_page("options.html")
    assert opts.inner_text("#trusted code") == "evil.test"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opts.screenshot(path=str(ARTIFACTS / "extension-options.png"), full_page=True)
    opts.click("#trusted button[data-domain='evil.test']")
    opts.wait_for_selector("#trusted-empty:not([hidden])")
    rules = paired.sw("chrome.declarativeNetRequest.getDynamicRules()")
    assert not any(r["action"]["type"] == "allow" and "evil.test" in r["condition"].get("requestDomains", [])
                   for r in rules)
    hits = evil.count("/landing")
    open_warning_for(paired, url)
    assert evil.count("/landing") == hits
    evil.reset()


# ---- E-10 … E-13: unknown links, context menus, QR images -----------------------------------------

LINKS_HTML = """<!doctype html><html><body>
<p><a id="safe" href="{safe}">a shop</a></p>
<p><a id="late" href="{late}">a prize</a></p>
<p><a id="listed" href="{listed}">a gift</a></p>
<p><a id="own" href="/ok">this site</a></p>
</body></html>"""


def _links_page(servers: dict[str, FixtureServer], late_host: str) -> str:
    site, evil = servers["site"], servers["evil"]
    site.route("/links", LINKS_HTML.format(
        safe=site.url("/target", host="shop.test"),
        late=evil.url("/late", host=late_host),
        listed=evil.url("/landing", host="evil.test")))
    return site.url("/links", host="www.test")


def test_e10_click_capture_holds_navigation_until_the_verdict(
        paired: Browser, service: Service, servers: dict[str, FixtureServer], tmp_path: Path) -> None:
    from scanner.lists import add_list, remove_list

    site, evil = servers["site"], servers["evil"]
    opts = paired.ext_page("options.html")
    opts.check("#check-every-link")
    wait_until(lambda: paired.sw("chrome.storage.local.get('checkEveryLink').then(v => v.checkEveryLink)"))
    # A list entry the service knows but the extension's rules do not (added after the rules sync).
    late_file = tmp_path / "late.txt"
    late_file.write_text("late-e10.test\n", encoding="utf-8")
    add_list(service.settings, str(late_file), name="test-late", category="phishing")
    service.app.extensions["lurelens"].scanner.reload_lists()
    try:
        page = paired.context.new_page()
        page.goto(_links_page(servers, "late-e10.test"))
        page.wait_for_function("() => !!document.getElementById('safe')")
        time.sleep(0.3)  # the content script has read its config
        # Unknown, harmless link: held, checked, then opened.
        t_click = time.monotonic()
        page.click("#safe")
        page.wait_for_url(site.url("/target", host="shop.test"), timeout=CHECK_TIMEOUT)
        checks = [e for e in service.log.api("/api/v1/check") if e.at >= t_click]
        browser_hits = site.browser_hits("/target")
        assert checks and browser_hits
        assert min(h.at for h in browser_hits) > min(e.at for e in checks), "hit before the verdict"
        # A link the service judges dangerous: the warning page instead, the page never loads.
        page.goto(_links_page(servers, "late-e10.test"))
        time.sleep(0.3)
        page.click("#late")
        page.wait_for_url(lambda u: is_warning(paired, u), timeout=CHECK_TIMEOUT)
        page.wait_for_selector("body[data-ready]", timeout=CHECK_TIMEOUT)
        assert "高风险" in page.inner_text("#level")
        assert evil.count("/late", browser_only=True) == 0
        # Links to the same site are not held.
        page.goto(_links_page(servers, "late-e10.test"))
        time.sleep(0.3)
        n = len(service.log.api("/api/v1/check"))
        page.click("#own")
        page.wait_for_url(site.url("/ok", host="www.test"))
        assert len(service.log.api("/api/v1/check")) == n
    finally:
        remove_list(service.settings, "test-late")
        service.app.extensions["lurelens"].scanner.reload_lists()


def _menu(b: Browser, page: Any, info: dict[str, Any], *, via_message: bool = False) -> dict[str, Any]:
    """Run a context-menu handler as a click on ``page`` would (headless has no native menus).

    ``via_message`` uses the test-hook message from an extension page; otherwise the handler is
    called in the worker directly, so no extra tab becomes the active (captured) one.
    """
    tab_id = b.tab_id(page)
    info = {"frameId": 0, **info}
    if via_message:
        result: dict[str, Any] = b.message({"type": "test:contextMenu", "tabId": tab_id, "info": info})
        return result
    return b.sw("([info, id]) => chrome.tabs.get(id).then(tab => LLTest.onMenuClicked(info, tab))",
                [info, tab_id])


def test_e11_check_this_link_menu(paired: Browser, servers: dict[str, FixtureServer]) -> None:
    page = paired.context.new_page()
    links_url = _links_page(servers, "late-e11.test")
    page.goto(links_url)
    before = servers["evil"].count()
    listed = servers["evil"].url("/landing", host="evil.test")
    res = _menu(paired, page, {"menuItemId": "ll-check-link", "linkUrl": listed}, via_message=True)
    assert res["ok"] is True and res["level"] == "danger"
    toast = page.locator("lurelens-ui#lurelens-toast")
    toast.wait_for(state="attached")
    assert toast.get_attribute("data-level") == "danger"
    assert "高风险" in (toast.get_attribute("aria-label") or "")
    assert page.url == links_url  # the page does not navigate
    assert servers["evil"].count() == before  # a listed link is checked offline: never fetched


QR_PAGE = """<!doctype html><html><body><h1>扫码领取</h1>
<img id="qr" src="/qr.png" width="{w}" height="{w}" alt="qr">
<img id="xqr" src="{cross}" width="{w}" height="{w}" alt="qr2">
<img id="dqr" src="data:image/png;base64,{data}" width="{w}" height="{w}" alt="qr3">
</body></html>"""


@pytest.fixture
def qr_page(servers: dict[str, FixtureServer]) -> dict[str, str]:
    site, other = servers["site"], servers["other"]
    payload_same = site.url("/ok", host="shop.test") + "?from=qr"
    payload_cross = site.url("/ok", host="shop.test") + "?from=cross"
    payload_data = site.url("/ok", host="shop.test") + "?from=data"
    site.route("/qr.png", qr_png(payload_same), content_type="image/png")
    other.route("/qr2.png", qr_png(payload_cross), content_type="image/png")  # no CORS: taints a canvas
    import base64

    w = 264  # (25 modules + 8 border) × 8
    site.route("/qr", QR_PAGE.format(w=w, cross=other.url("/qr2.png", host="other.test"),
                                     data=base64.b64encode(qr_png(payload_data)).decode()))
    return {"page": site.url("/qr", host="shop.test"), "same": payload_same, "cross": payload_cross,
            "data": payload_data}


def _payload_texts(report: dict[str, Any]) -> list[str]:
    return [p["text"] for p in report.get("payloads", [])]


def test_e12_scan_qr_image_without_refetching(
        paired: Browser, service: Service, servers: dict[str, FixtureServer], qr_page: dict[str, str],
) -> None:
    site, other = servers["site"], servers["other"]
    page = paired.context.new_page()
    page.goto(qr_page["page"])
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert site.count("/qr.png") == 1
    src = page.evaluate("document.getElementById('qr').currentSrc")
    res = _menu(paired, page, {"menuItemId": "ll-scan-qr", "srcUrl": src, "mediaType": "image"})
    assert res["ok"] is True, res
    assert qr_page["same"] in _payload_texts(res["report"])
    toast = page.locator("lurelens-ui#lurelens-toast")
    toast.wait_for(state="attached")
    assert site.count("/qr.png") == 1  # drawn from the loaded image: neither we nor the service refetched
    # A cross-origin image (tainted canvas): cropped from a screenshot of the tab instead.
    xsrc = page.evaluate("document.getElementById('xqr').currentSrc")
    res = _menu(paired, page, {"menuItemId": "ll-scan-qr", "srcUrl": xsrc, "mediaType": "image"})
    assert res["ok"] is True, res
    assert qr_page["cross"] in _payload_texts(res["report"])
    assert other.count("/qr2.png") == 1
    scans = [e for e in service.log.api("/api/v1/scan")]
    assert scans and all(e.origin == f"chrome-extension://{paired.ext_id}" for e in scans)


def test_e13_data_url_qr_decoded_without_network(paired: Browser, servers: dict[str, FixtureServer],
                                                 qr_page: dict[str, str]) -> None:
    site = servers["site"]
    page = paired.context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(qr_page["page"])
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    browser_hits = site.count(browser_only=True)
    requests.clear()
    dsrc = page.evaluate("document.getElementById('dqr').currentSrc")
    assert dsrc.startswith("data:image/png;base64,")
    res = _menu(paired, page, {"menuItemId": "ll-scan-qr", "srcUrl": dsrc, "mediaType": "image"})
    assert res["ok"] is True, res
    assert qr_page["data"] in _payload_texts(res["report"])
    assert requests == []  # the page made no request at all
    assert site.count(browser_only=True) == browser_hits


# ---- E-14 … E-17: a stopped service, who calls the API, hostile pages --------------------------------

def test_e14_service_stopped_fails_open_with_badge(pw: Any, servers: dict[str, FixtureServer],
                                                   data_root: Path) -> None:
    svc = _start_service(data_root, servers)  # a second service over the same data: stopped below
    b = launch(pw, resolver_rules=RESOLVER_RULES)
    counter = None
    try:
        assert b.pair(svc.port, svc.token)["state"] == "ok"
        b.message({"type": "options:setCheckEveryLink", "value": True})
        port = svc.port
        svc.stop()
        counter = ConnectionCounter(port)  # the port now accepts and drops: a dead service
        site = servers["site"]
        page = b.context.new_page()
        for i in range(3):
            page.goto(_links_page(servers, "late-e14.test"))
            time.sleep(0.3)
            before = len(site.browser_hits("/target"))
            page.click("#safe")  # held for a verdict that cannot come: opens anyway
            page.wait_for_url(site.url("/target", host="shop.test"), timeout=15_000)
            assert len(site.browser_hits("/target")) == before + 1
            if i == 0:
                assert b.sw("chrome.action.getBadgeText({})") == "!"
                assert "本地服务未运行" in b.sw("chrome.action.getTitle({})")
        # Known-bad destinations are still blocked without the service (DNR rules stay).
        before = servers["evil"].count("/landing")
        open_warning_for(b, servers["evil"].url("/landing", host="evil.test"))
        assert servers["evil"].count("/landing") == before
        # Gentle retries: one attempt, then nothing for 30 s, however many clicks and pages.
        assert counter.count <= 1, counter.count
        opts = b.ext_page("options.html")
        assert opts.get_attribute("#pair-status", "data-state") == "down"
        assert "本地服务未运行" in opts.inner_text("#pair-status")
    finally:
        if counter:
            counter.close()
        b.close()
        svc.stop()


def test_e15_content_scripts_never_call_the_api(
        paired: Browser, service: Service, servers: dict[str, FixtureServer], qr_page: dict[str, str],
) -> None:
    # Static: the content script has no way to reach the service or the token.
    source = (EXT_DIR / "content.js").read_text(encoding="utf-8")
    for needle in ("fetch(", "XMLHttpRequest", "127.0.0.1", "X-LureLens-Token", "storage.local", "WebSocket",
                   "sendBeacon"):
        assert needle not in source, needle
    manifest = json.loads((EXT_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert [c["js"] for c in manifest["content_scripts"]] == [["content.js"]]
    # Dynamic: a session that exercises every content-script path.
    t0 = time.monotonic()
    paired.message({"type": "options:setCheckEveryLink", "value": True})
    page = paired.context.new_page()
    page.goto(_links_page(servers, "late-e15.test"))
    time.sleep(0.3)
    page.click("#safe")
    page.wait_for_url(servers["site"].url("/target", host="shop.test"), timeout=CHECK_TIMEOUT)
    page.goto(qr_page["page"])
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    src = page.evaluate("document.getElementById('qr').currentSrc")
    assert _menu(paired, page, {"menuItemId": "ll-scan-qr", "srcUrl": src})["ok"] is True
    popup = paired.context.new_page()
    popup.goto(paired.ext_url(f"popup.html?tabId={paired.tab_id(page)}"))
    popup.wait_for_selector("body[data-ready]")
    popup.click("#analyse")
    popup.wait_for_selector("#verdict[data-level]", timeout=CHECK_TIMEOUT)
    entries = [e for e in service.log.api() if e.at >= t0]
    assert {e.path.split("?")[0] for e in entries} >= {"/api/v1/check", "/api/v1/scan", "/api/v1/page"}
    for e in entries:
        assert e.origin in (None, f"chrome-extension://{paired.ext_id}"), e
        assert e.sec_fetch_site in (None, "none"), e
        assert e.has_token and e.status == 200, e


FOREIGN_JS = """<!doctype html><html><body><script>
window.results = {};
const api = "%s";
fetch(api + "/api/v1/health").then(r => r.status + ":" + r.type, e => "error").then(v => results.simple = v);
fetch(api + "/api/v1/check", {method: "POST", headers: {"Content-Type": "application/json",
  "X-LureLens-Token": "guess"}, body: JSON.stringify({text: "https://example.com"})})
  .then(r => r.status, e => "error").then(v => results.custom = v);
</script></body></html>"""


def test_e16_foreign_page_cannot_use_the_api(browser: Browser, service: Service,
                                             servers: dict[str, FixtureServer]) -> None:
    other = servers["other"]
    other.route("/foreign", FOREIGN_JS % service.base)
    t0 = time.monotonic()
    page = browser.context.new_page()
    page.goto(other.url("/foreign", host="other.test"))
    page.wait_for_function("() => results.simple !== undefined && results.custom !== undefined")
    results = page.evaluate("results")
    assert results == {"simple": "error", "custom": "error"}  # nothing readable
    entries = [e for e in service.log.api() if e.at >= t0]
    foreign = f"http://other.test:{other.port}"
    simple = [e for e in entries if e.method == "GET" and e.origin == foreign]
    assert simple and all(e.status == 403 for e in simple)  # it reached the server and was refused
    preflights = [e for e in entries if e.method == "OPTIONS"]
    assert preflights and all(e.status == 403 for e in preflights)
    assert not [e for e in entries if e.method == "POST"]  # the real request never followed


def test_e17_dns_rebinding_is_stopped_by_the_host_gate(pw: Any, service: Service) -> None:
    attack = """<!doctype html><html><body><script>
    window.results = {};
    fetch("/api/v1/health").then(r => r.status).then(v => results.get = v, e => results.get = "error");
    fetch("/api/v1/check", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({text: "https://example.com"})}).then(r => r.status)
      .then(v => results.post = v, e => results.post = "error");
    </script></body></html>"""

    def forward(handler: Any) -> bool:
        # The attacker's DNS now points at the victim: every other path goes to the service as is.
        if handler.path == "/attack.html":
            return False
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection",)}
        conn.request(handler.command, handler.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        handler.send_response(resp.status)
        handler.send_header("Content-Type", resp.getheader("Content-Type") or "text/plain")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        conn.close()
        return True

    rebind = FixtureServer("127.0.0.5", port=service.port, handler=forward)
    rebind.route("/attack.html", attack)
    b = launch(pw, resolver_rules=RESOLVER_RULES)
    try:
        t0 = time.monotonic()
        page = b.context.new_page()
        page.goto(f"http://rebind.test:{service.port}/attack.html")
        page.wait_for_function("() => results.get !== undefined && results.post !== undefined")
        assert page.evaluate("results") == {"get": 403, "post": 403}
        entries = [e for e in service.log.api() if e.at >= t0 and e.host.startswith("rebind.test")]
        assert len(entries) == 2 and all(e.status == 403 for e in entries)
    finally:
        b.close()
        rebind.close()


# ---- the popup ------------------------------------------------------------------------------------

FORM_BY_SCRIPT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>兼职日结 高佣金</title></head><body><h1>兼职刷单，日结佣金 300 元</h1><div id="app"></div><script>
const f = document.createElement("form");
for (const [label, name] of [["姓名", "name"], ["身份证号", "idcard"], ["银行卡号", "bankcard"],
                             ["手机号", "phone"], ["短信验证码", "sms"]]) {
  const l = document.createElement("label"); l.textContent = label;
  const i = document.createElement("input"); i.name = name; l.appendChild(i); f.appendChild(l);
}
const b = document.createElement("button"); b.textContent = "立即领取佣金"; f.appendChild(b);
document.getElementById("app").appendChild(f);
</script></body></html>"""


def test_popup_analyses_the_rendered_page(paired: Browser, service: Service,
                                          servers: dict[str, FixtureServer]) -> None:
    site = servers["site"]
    site.route("/jobs", FORM_BY_SCRIPT)
    page = paired.context.new_page()
    page.goto(site.url("/jobs", host="jobs.test"))
    page.wait_for_selector("input[name=idcard]")
    popup = paired.context.new_page()
    popup.set_viewport_size({"width": 380, "height": 560})
    popup.goto(paired.ext_url(f"popup.html?tabId={paired.tab_id(page)}"))
    popup.wait_for_selector("body[data-ready]")
    assert "已连接" in popup.inner_text("#status")
    t0 = time.monotonic()
    popup.click("#analyse")
    popup.wait_for_selector("#verdict[data-level]", timeout=CHECK_TIMEOUT)
    posts = [e for e in service.log.api("/api/v1/page") if e.at >= t0]
    assert len(posts) == 1 and posts[0].status == 200
    # The form exists only after the script ran: the service saw the rendered DOM.
    level = popup.get_attribute("#verdict", "data-level")
    assert level in ("caution", "danger"), popup.inner_text("body")
    assert popup.locator("#reasons li").count() >= 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    popup.screenshot(path=str(ARTIFACTS / "extension-popup.png"), full_page=True)
    # The verdict stays with the tab for the next time the popup opens.
    again = paired.context.new_page()
    again.goto(paired.ext_url(f"popup.html?tabId={paired.tab_id(page)}"))
    again.wait_for_selector("body[data-ready]")
    assert again.get_attribute("#verdict", "data-level") == level


def test_e18_local_network_access_keeps_public_pages_out(pw: Any, service: Service,
                                                        servers: dict[str, FixtureServer]) -> None:
    other = servers["other"]
    other.route("/public", FOREIGN_JS % service.base)
    b = launch(pw, resolver_rules=RESOLVER_RULES,
               extra_args=[f"--ip-address-space-overrides=127.0.0.2:{other.port}=public"])
    try:
        t0 = time.monotonic()
        page = b.context.new_page()
        page.goto(other.url("/public", host="other.test"))
        page.wait_for_function("() => results.simple !== undefined && results.custom !== undefined")
        assert page.evaluate("results") == {"simple": "error", "custom": "error"}
        foreign = [e for e in service.log.api() if e.at >= t0]
        assert foreign == []  # a "public" page's requests never reached the loopback service
        b.sw("([port, token]) => chrome.storage.local.set({port, token})", [service.port, service.token])
        assert b.sw("LLTest.health(true)") is True  # the extension still reaches it
        mine = {(e.path, e.status, e.origin) for e in service.log.api() if e.at >= t0}
        # Only the service worker got through (its own storage listener may ping health too).
        assert mine == {("/api/v1/health", 200, None)}
    finally:
        b.close()


def test_e19_webnavigation_fallback_leaks_one_request(paired: Browser,
                                                      servers: dict[str, FixtureServer]) -> None:
    """The fallback used only when DNR rules cannot be installed: it works, but the request has left."""
    evil = servers["evil"]
    url = evil.url("/landing?fallback=1", host="evil.test")
    paired.sw("LLTest.setRuleMode('fallback')")
    try:
        assert paired.sw("LLTest.syncRules(true)")["ok"] is True
        paired.sw("""chrome.declarativeNetRequest.getDynamicRules().then(rs =>
            chrome.declarativeNetRequest.updateDynamicRules({removeRuleIds: rs.filter(r => r.id >= 100000)
            .map(r => r.id)}))""")
        before = evil.count("/landing")
        page = paired.context.new_page()
        goto(page, url)
        for _ in range(100):  # polling: wait_for_url trips over the aborted navigation
            if is_warning(paired, page.url):
                break
            page.wait_for_timeout(100)  # also lets Playwright process the navigation events
        assert page.url == paired.ext_url("warning.html") + "#" + url
        leaked = evil.count("/landing") - before
        print(f"webNavigation fallback: {leaked} request(s) reached the blocked destination")
        assert leaked <= 1  # documented: onBeforeNavigate cannot stop the request
    finally:
        paired.sw("LLTest.setRuleMode('dnr')")
        assert paired.sw("LLTest.syncRules(true)")["ok"] is True
