"""TESTSPEC group G: the MV3 extension in real Debian Chromium against the real local service.

Everything runs on loopback: fixture servers on 127.0.0.1/.2/.5, the service on 127.0.0.1, and
Chromium maps the ``*.test`` names to those addresses with ``--host-resolver-rules`` (the service
gets the same mapping through its resolver). Each test launches a fresh browser profile.
"""

from __future__ import annotations

import time
from pathlib import Path

import extension_env as env
import pytest
from ext_fixtures import (
    ARTIFACTS,
    CHROMIUM,
    extension_id,
    wait_until,
)
from extension_env import (  # noqa: F401 - shared by both halves
    CHECK_TIMEOUT,
    LURE_HTML,
    OK_HTML,
    RESOLVER_RULES,
    Browser,
    Server,
    Service,
    _menu,
    _settings,
    _start_service,
    goto,
    is_warning,
    launch,
    open_warning_for,
    qr_png,
    resolve_test_names,
)

# The module-scoped fixtures of extension_env (each test module gets its own service and servers).
pw, servers, data_root, service = env.pw, env.servers, env.data_root, env.service
browser, shared, paired = env.browser, env.shared, env.paired

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.timeout(120),
]

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

def test_e05_blocklisted_destination_never_loads(paired: Browser, servers: dict[str, Server],
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


def test_e06_warning_page_content_and_focus(paired: Browser, servers: dict[str, Server]) -> None:
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


def test_e06_warning_page_in_english(paired: Browser, servers: dict[str, Server]) -> None:
    paired.sw("chrome.storage.local.set({uiLang: 'en'})")
    page = open_warning_for(paired, servers["evil"].url("/landing", host="evil.test"))
    assert page.inner_text("#back") == "Back to safety"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.activeElement.id") == "back"
    page.screenshot(path=str(ARTIFACTS / "extension-warning-en.png"), full_page=True)


def test_warning_page_shows_hidden_characters_as_markers(paired: Browser,
                                                         servers: dict[str, Server]) -> None:
    # A reason's evidence or message may carry a text-direction override from the page or code;
    # the extension's pages show it as a visible marker, never obey it.
    page = open_warning_for(paired, servers["evil"].url("/landing", host="evil.test"))
    assert page.evaluate("LL.visible('invoice\\u202egnp.exe')") == "invoice[U+202E]gnp.exe"
    page.evaluate("""() => LL.renderReasons(document.getElementById('reasons'),
        [{severity: 'high', message: {en: 'x', zh: 'x'}, evidence: 'a\\u202eb\\u200bc'}])""")
    assert page.inner_text("#reasons .evidence >> nth=0") == "a[U+202E]b[U+200B]c"


def test_e07_back_returns_or_closes(paired: Browser, servers: dict[str, Server]) -> None:
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


def test_e08_open_anyway_once_per_tab(paired: Browser, servers: dict[str, Server]) -> None:
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


def test_e09_trust_site_and_remove_it(paired: Browser, servers: dict[str, Server]) -> None:
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
