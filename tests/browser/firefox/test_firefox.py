"""Issue 21: the Firefox build (``dist/lurelens-firefox.zip``) in Debian's firefox-esr.

The same behaviours as the Chromium suite where Firefox has them: install, pairing (the
``moz-extension://`` origin recorded by the service), a listed host blocked by the DNR redirect to the
warning page with zero requests reaching it, a held link checked before it opens, page analysis
from the popup, the zh/en locales and E-20 (host permission revoked: the extension says what it can
no longer do, nothing breaks). puppeteer-core drives Firefox over WebDriver BiDi (``driver.mjs``).

Firefox maps the ``*.test`` names to 127.0.0.1 with ``network.dns.localDomains``; the service's
resolver gets the same mapping. BiDi refuses to navigate a tab to ``moz-extension://`` itself, so
extension pages are reached as a user reaches them: a web page leads to the (web-accessible)
warning page, the extension opens its options page and the popup's HTML. The tests run in file
order on one browser (starting Firefox and installing the add-on costs 10–20 s).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ext_fixtures import ARTIFACTS, Service, page_server
from ffdriver import ADDON_ID, FIREFOX, NODE_MODULES, Firefox, unpacked_firefox_build
from loopback import Req, Server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(FIREFOX).exists(), reason="firefox-esr is not installed"),
    pytest.mark.skipif(shutil.which("node") is None or not NODE_MODULES.exists(),
                       reason="node and tests/browser's puppeteer-core (npm ci) are needed"),
    pytest.mark.timeout(180),
]

UUID = "4c757265-4c65-4e73-8000-00000000f153"
ORIGIN = f"moz-extension://{UUID}"
NAMES = ("evil.test", "www.evil.test", "shop.test", "www.test", "late-ff.test", "jobs.test")
CHECK_TIMEOUT = 30.0

LURE_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>兼职日结</title></head>
<body><h1>兼职刷单 日结佣金</h1><form><label>姓名<input name="name"></label>
<label>身份证号<input name="idcard"></label><label>银行卡号<input name="bank"></label></form></body></html>"""
OK_HTML = "<!doctype html><html><head><title>OK</title></head><body><h1>An ordinary page</h1></body></html>"
FORM_BY_SCRIPT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>兼职日结 高佣金</title></head><body><h1>兼职刷单，日结佣金 300 元</h1><div id="app"></div><script>
const f = document.createElement("form");
for (const [label, name] of [["姓名", "name"], ["身份证号", "idcard"], ["银行卡号", "bankcard"],
                             ["手机号", "phone"], ["短信验证码", "sms"]]) {
  const l = document.createElement("label"); l.textContent = label;
  const i = document.createElement("input"); i.name = name; l.appendChild(i); f.appendChild(l);
}
document.getElementById("app").appendChild(f);
</script></body></html>"""
LINKS_HTML = """<!doctype html><html><body>
<p><a id="safe" href="{safe}">a shop</a></p>
<p><a id="late" href="{late}">a prize</a></p>
<script>document.getElementById("late").onclick = (e) => {{ location.href = e.target.href; }};</script>
</body></html>"""


def resolve_test_names(name: str) -> list[str]:
    """The service's resolver: every ``*.test`` name is 127.0.0.1, as Firefox's localDomains."""
    if name.lower().rstrip(".").endswith(".test"):
        return ["127.0.0.1"]
    from scanner.fetch import DNSFailure

    raise DNSFailure("no such name in the test resolver", detail="nxdomain")


def firefox_hits(server: Server, path: str) -> list[Req]:
    return server.seen(path, ua="Firefox")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    evil, site = page_server("127.0.0.1"), page_server("127.0.0.1")
    evil.html("/landing", LURE_HTML)
    evil.html("/late", LURE_HTML)
    site.html("/ok", OK_HTML)
    site.html("/target", OK_HTML)
    site.html("/jobs", FORM_BY_SCRIPT)
    yield {"evil": evil, "site": site}
    evil.close()
    site.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, servers: dict[str, Server]) -> Iterator[Service]:
    from scanner.expand import Expander
    from scanner.lists import add_list
    from scanner.pipeline import Scanner
    from scanner.settings import Settings

    data = tmp_path_factory.mktemp("ff-service")
    allow = frozenset((s.host, s.port) for s in servers.values())
    settings = Settings.load(environ={}, data_dir=data, rate_limit_per_minute=100_000, request_timeout=20.0,
                             connect_timeout=2.0, read_timeout=3.0, expand_deadline=6.0, check_deadline=8.0,
                             egress_allow=allow, cache_ttl=0.0)
    for name, domain in (("ff-phish", "evil.test"), ("ff-late", "late-ff.test")):
        listed = data / f"{name}.txt"
        listed.write_text(domain + "\n", encoding="utf-8")
        add_list(settings, str(listed), name=name, category="phishing")
    svc = Service(settings, Scanner(settings, expander=Expander(settings, resolver=resolve_test_names)))
    assert svc.get("/api/v1/health")[0] == 200
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def ff(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Firefox]:
    ext = unpacked_firefox_build(tmp_path_factory.mktemp("ff-build"))
    prefs = {
        "network.dns.localDomains": ",".join(NAMES),
        "dom.security.https_first": False,  # plain-http loopback fixtures, as typed
        "intl.locale.requested": "en-US",
    }
    t0 = time.monotonic()
    browser = Firefox(ext, uuid=UUID, prefs=prefs)
    print(f"firefox {browser.version}: {browser.addon_id} installed in {time.monotonic() - t0:.1f} s")
    yield browser
    browser.quit()


def warning_url(url: str) -> str:
    return f"{ORIGIN}/warning.html#{url}"


def ext_page(ff: Firefox, servers: dict[str, Server]) -> int:
    """An extension page to act from: a web page leads the tab to the web-accessible warning page."""
    site = servers["site"]
    target = warning_url(site.url("/ok", host="shop.test"))
    site.html("/jump", f'<!doctype html><script>location.href = "{target}";</script>')
    page = ff.new_page()
    ff.goto(page, site.url("/jump", host="www.test"))
    ff.wait_for(page, "() => location.protocol === 'moz-extension:' && document.body.dataset.ready")
    return page


def open_by_extension(ff: Firefox, from_page: int, path: str) -> int:
    """A tab the extension itself opens on one of its pages (``tabs.create``), as the popup does."""
    before = {p["page"] for p in ff.pages()}
    ff.eval(from_page, "p => browser.tabs.create({url: browser.runtime.getURL(p)}).then(() => true)", path)
    deadline = time.monotonic() + 15
    while True:
        new = [p["page"] for p in ff.pages() if p["page"] not in before and p["url"] == f"{ORIGIN}/{path}"]
        if new:
            break
        assert time.monotonic() < deadline, ff.pages()
        time.sleep(0.1)
    ff.wait_for(new[0], "() => document.body && document.body.dataset.ready")
    return int(new[0])


def tab_id(ff: Firefox, from_page: int, url: str) -> int:
    tid = ff.eval(from_page, "u => browser.tabs.query({}).then(ts => (ts.find(t => t.url === u) || {}).id)",
                  url)
    assert tid is not None, url
    return int(tid)


@pytest.fixture(scope="module")
def options(ff: Firefox, servers: dict[str, Server]) -> int:
    """The options page, opened by the extension (``runtime.openOptionsPage``) as the popup link does."""
    start = ext_page(ff, servers)
    ff.eval(start, "() => browser.runtime.openOptionsPage().then(() => true)")
    page = int(ff.wait_page(lambda u: u.startswith(f"{ORIGIN}/options.html"))["page"])
    ff.wait_for(page, "() => document.body.dataset.ready")
    ff.close_page(start)
    return page


def set_lang(ff: Firefox, options: int, lang: str) -> None:
    ff.eval(options, "l => browser.storage.local.set({uiLang: l}).then(() => true)", lang)


# ---- install and pairing ---------------------------------------------------------------------------

def test_ff_install(ff: Firefox, servers: dict[str, Server], options: int) -> None:
    assert ff.addon_id == ADDON_ID
    assert ff.version.startswith("firefox/")
    # The background script runs (an event page in Firefox: background.scripts, not a worker).
    st = ff.eval(options, "() => browser.runtime.sendMessage({type: 'status'})")
    assert st["state"] in ("unpaired", "unknown") and st["paired"] is False
    manifest = ff.eval(options, "() => browser.runtime.getManifest()")
    scripts = manifest["background"]["scripts"]
    assert [s.rsplit("/", 1)[-1] for s in scripts] == ["common.js", "rules.js", "menus.js", "sw.js"]
    assert not manifest["background"].get("service_worker")
    assert manifest["browser_specific_settings"]["gecko"]["id"] == ADDON_ID
    assert ff.eval(options, "() => browser.runtime.getURL('')") == ORIGIN + "/"


@pytest.fixture(scope="module")
def paired(ff: Firefox, service: Service, options: int) -> dict[str, Any]:
    """Pair through the options page as a user does (port and token typed, Pair clicked), in zh."""
    set_lang(ff, options, "zh")
    ff.eval(options, "() => { window.__old = true; location.reload(); return true; }")
    ff.wait_for(options, "() => !window.__old && document.body.dataset.ready")
    t0 = time.monotonic()
    ff.type(options, "#port", str(service.port))
    ff.type(options, "#token", service.token)
    ff.click(options, "#pair")
    ff.wait_for(options, "() => document.getElementById('pair-status').dataset.state === 'ok'", timeout=20)
    return {"entries": [e for e in service.log.api() if e.at >= t0],
            "status": ff.eval(options, "() => browser.runtime.sendMessage({type: 'status'})")}


def test_ff_pairing_records_the_moz_extension_origin(ff: Firefox, service: Service, options: int,
                                                     paired: dict[str, Any]) -> None:
    assert "已连接" in ff.eval(options, "() => document.getElementById('pair-status').textContent")
    entries = paired["entries"]
    pairs = [e for e in entries if e.path == "/api/v1/pair"]
    assert pairs, entries
    assert all(e.method == "POST" and e.origin == ORIGIN and e.status == 200 for e in pairs), entries
    assert ORIGIN in service.app.extensions["lurelens"].paired  # recorded by the service
    assert all(e.has_token for e in entries)
    assert all(e.status == 200 for e in entries), [(e.path, e.status, e.origin) for e in entries]
    st = paired["status"]
    assert st["state"] == "ok" and st["ruleDomains"] >= 2, st
    assert ff.eval(options, "() => document.getElementById('token').value") == ""
    ff.viewport(options, 900, 1000)
    ff.screenshot(options, ARTIFACTS / "firefox-options-paired.png", full_page=False)


# ---- blocking, held links, the popup ---------------------------------------------------------------

def test_ff_listed_host_shows_the_warning_page_and_is_never_contacted(
        ff: Firefox, servers: dict[str, Server],
        paired: dict[str, Any]) -> None:
    evil = servers["evil"]
    evil.reset()
    url = evil.url("/landing", host="evil.test")
    page = ff.new_page()
    ff.goto(page, url)
    ff.wait_for(page, "u => location.href === u && document.body.dataset.ready", warning_url(url),
                timeout=CHECK_TIMEOUT)
    assert ff.eval(page, "() => document.activeElement.id") == "back"
    assert ff.eval(page, "() => document.getElementById('back').textContent") == "返回"
    assert "高风险" in ff.eval(page, "() => document.getElementById('level').textContent")
    domain = ff.eval(page, "() => document.querySelector('#final-url strong.domain').textContent")
    assert domain == "evil.test"
    time.sleep(0.5)
    assert evil.count() == 0  # neither Firefox nor the service contacted it
    ff.viewport(page, 900, 900)
    ff.screenshot(page, ARTIFACTS / "firefox-warning-zh.png")
    # A subdomain is covered by the same rule.
    sub = evil.url("/landing", host="www.evil.test")
    ff.goto(page, sub)
    ff.wait_for(page, "u => location.href === u", warning_url(sub), timeout=CHECK_TIMEOUT)
    assert evil.count() == 0
    ff.close_page(page)


def test_ff_warning_page_in_english(ff: Firefox, servers: dict[str, Server], options: int,
        paired: dict[str, Any]) -> None:
    set_lang(ff, options, "en")
    try:
        url = servers["evil"].url("/landing?en=1", host="evil.test")
        page = ff.new_page()
        ff.goto(page, url)
        ff.wait_for(page, "u => location.href === u && document.body.dataset.ready", warning_url(url),
                    timeout=CHECK_TIMEOUT)
        assert ff.eval(page, "() => document.getElementById('back').textContent") == "Back to safety"
        assert ff.eval(page, "() => document.documentElement.lang") == "en"
        ff.screenshot(page, ARTIFACTS / "firefox-warning-en.png")
        ff.close_page(page)
    finally:
        set_lang(ff, options, "zh")


def test_ff_open_anyway_once_then_trust_and_remove(
        ff: Firefox, servers: dict[str, Server], options: int, paired: dict[str, Any]) -> None:
    """E-08/E-09 in Firefox: "Open anyway" lets the host load in that tab only (a session allow rule
    with tabIds); "Don't warn me again" adds an allow rule, removable in the options page."""
    evil = servers["evil"]
    evil.reset()
    url = evil.url("/landing?anyway=1", host="evil.test")
    page = ff.new_page()
    ff.goto(page, url)
    ff.wait_for(page, "u => location.href === u && document.body.dataset.ready", warning_url(url),
                timeout=CHECK_TIMEOUT)
    ff.click(page, "#more summary")
    ff.click(page, "#proceed")  # arms: danger needs a second, confirming click
    assert "再次点击" in ff.eval(page, "() => document.getElementById('proceed').textContent")
    ff.click(page, "#proceed")
    ff.wait_for(page, "u => location.href === u", url, timeout=CHECK_TIMEOUT)
    assert evil.count("/landing") == 1
    other = ff.new_page()  # another tab is still protected
    ff.goto(other, url)
    ff.wait_for(other, "u => location.href === u", warning_url(url), timeout=CHECK_TIMEOUT)
    assert evil.count("/landing") == 1
    # Trust the site from the warning page, then remove it in the options page.
    ff.wait_for(other, "() => document.body.dataset.ready")
    ff.click(other, "#more summary")
    ff.click(other, "#trust")
    ff.click(other, "#proceed")
    ff.click(other, "#proceed")
    ff.wait_for(other, "u => location.href === u", url, timeout=CHECK_TIMEOUT)
    fresh = ff.new_page()
    assert ff.goto(fresh, url) is None
    assert ff.url(fresh) == url  # no warning in a new tab
    ff.eval(options, "() => { window.__old = true; location.reload(); return true; }")
    ff.wait_for(options, "() => !window.__old && document.body.dataset.ready")
    assert ff.eval(options, "() => document.querySelector('#trusted code').textContent") == "evil.test"
    ff.click(options, "#trusted button[data-domain='evil.test']")
    ff.wait_for(options, "() => !document.getElementById('trusted-empty').hidden")
    hits = evil.count("/landing")
    last = ff.new_page()
    ff.goto(last, url)
    ff.wait_for(last, "u => location.href === u", warning_url(url), timeout=CHECK_TIMEOUT)
    assert evil.count("/landing") == hits
    for p in (page, other, fresh, last):
        ff.close_page(p)


def test_ff_held_link_is_checked_before_it_opens(
        ff: Firefox, service: Service, servers: dict[str, Server], options: int,
        paired: dict[str, Any]) -> None:
    site, evil = servers["site"], servers["evil"]
    ff.click(options, "#check-every-link")
    ff.wait_for(options, "() => browser.storage.local.get('checkEveryLink').then(v => v.checkEveryLink)")
    site.html("/links", LINKS_HTML.format(safe=site.url("/target", host="shop.test"),
                                           late=evil.url("/late", host="late-ff.test")))
    links = site.url("/links", host="www.test")
    page = ff.new_page()
    try:
        ff.goto(page, links)
        time.sleep(0.5)  # the content script has read its config
        t_click = time.monotonic()
        ff.click(page, "#safe")
        target = site.url("/target", host="shop.test")
        ff.wait_for(page, "u => location.href === u", target, timeout=CHECK_TIMEOUT)
        checks = [e for e in service.log.api("/api/v1/check") if e.at >= t_click]
        hits = firefox_hits(site, "/target")
        assert checks and hits
        assert min(h.at for h in hits) > min(e.at for e in checks), "hit before the verdict"
        # A link the service knows to be bad (not in the rules), with the page's own onclick
        # navigating too: the warning page, the destination never contacted.
        ff.goto(page, links)
        time.sleep(0.5)
        evil.reset()
        late = evil.url("/late", host="late-ff.test")
        ff.click(page, "#late")
        ff.wait_for(page, "u => location.href === u && document.body.dataset.ready", warning_url(late),
                    timeout=CHECK_TIMEOUT)
        assert evil.count() == 0
    finally:
        ff.close_page(page)
        ff.click(options, "#check-every-link")
        ff.wait_for(options,
                    "() => browser.storage.local.get('checkEveryLink').then(v => v.checkEveryLink === false)")


def test_ff_popup_analyses_the_rendered_page(
        ff: Firefox, service: Service, servers: dict[str, Server], options: int,
        paired: dict[str, Any]) -> None:
    site = servers["site"]
    url = site.url("/jobs", host="jobs.test")
    page = ff.new_page()
    ff.goto(page, url)
    ff.wait_for(page, "() => !!document.querySelector('input[name=idcard]')")
    tid = tab_id(ff, options, url)
    popup = open_by_extension(ff, options, f"popup.html?tabId={tid}")
    assert "已连接" in ff.eval(popup, "() => document.getElementById('status').textContent")
    t0 = time.monotonic()
    ff.click(popup, "#analyse")
    level = ff.wait_for(popup, "() => document.getElementById('verdict').dataset.level",
                        timeout=CHECK_TIMEOUT)
    posts = [e for e in service.log.api("/api/v1/page") if e.at >= t0]
    assert len(posts) == 1 and posts[0].status == 200 and posts[0].origin == ORIGIN
    assert level in ("caution", "danger")  # the form exists only after the page's script ran
    assert ff.eval(popup, "() => document.querySelectorAll('#reasons li').length") >= 1
    ff.viewport(popup, 380, 560)
    ff.screenshot(popup, ARTIFACTS / "firefox-popup.png")
    ff.close_page(popup)
    ff.close_page(page)


QR_PAGE = """<!doctype html><html><body><h1>扫码领取</h1>
<img id="qr" src="/qr.png" width="264" height="264" alt="qr">
<img id="xqr" src="{cross}" width="264" height="264" alt="qr2">
<img id="dqr" src="data:image/png;base64,{data}" width="264" height="264" alt="qr3">
</body></html>"""


def _qr_png(text: str) -> bytes:
    import io

    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=8, border=4)
    return buf.getvalue()


def test_ff_scan_qr_images_without_refetching(
        ff: Firefox, service: Service, servers: dict[str, Server], options: int,
        paired: dict[str, Any]) -> None:
    """E-12/E-13 in Firefox: "Scan this QR image" (through the options page's test hook, as headless
    browsers cannot open native menus) reads the loaded image; the service never fetches it."""
    import base64

    site, evil = servers["site"], servers["evil"]
    payloads = {k: site.url("/ok", host="shop.test") + f"?from={k}" for k in ("same", "cross", "data")}
    site.route("/qr.png", body=_qr_png(payloads["same"]), content_type="image/png")
    evil.route("/qr2.png", body=_qr_png(payloads["cross"]), content_type="image/png")  # no CORS: tainted
    site.html("/qr", QR_PAGE.format(cross=evil.url("/qr2.png", host="www.test"),
                                     data=base64.b64encode(_qr_png(payloads["data"])).decode()))
    url = site.url("/qr", host="shop.test")
    page = ff.new_page()
    ff.goto(page, url)
    ff.wait_for(page, "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    tid = tab_id(ff, options, url)
    t0 = time.monotonic()
    for img, key in (("qr", "same"), ("dqr", "data"), ("xqr", "cross")):
        src = ff.eval(page, "id => document.getElementById(id).currentSrc", img)
        res = ff.eval(options, "m => browser.runtime.sendMessage(m)", {
            "type": "test:contextMenu", "tabId": tid,
            "info": {"menuItemId": "ll-scan-qr", "srcUrl": src, "frameId": 0, "mediaType": "image"}})
        assert res.get("ok") is True, (key, res)
        assert payloads[key] in [p["text"] for p in res["report"]["payloads"]], (key, res)
    assert site.count("/qr.png") == 1 and evil.count("/qr2.png") == 1  # the page's own loads only
    scans = [e for e in service.log.api("/api/v1/scan") if e.at >= t0]
    assert len(scans) == 3 and all(e.origin == ORIGIN and e.status == 200 for e in scans)
    # The verdict panel is on the page (a closed shadow root; its host carries the level).
    ff.wait_for(page, "() => !!document.querySelector('lurelens-ui#lurelens-toast')")
    ff.close_page(page)


def test_ff_framed_warning_page_does_nothing(
        ff: Firefox, service: Service, servers: dict[str, Server], options: int,
        paired: dict[str, Any]) -> None:
    site = servers["site"]
    target = site.url("/target?framed=1", host="shop.test")
    site.html("/frame", f'<!doctype html><iframe src="{warning_url(target)}" style="opacity:0"></iframe>')
    site.reset()
    t0 = time.monotonic()
    page = ff.new_page()
    ff.goto(page, site.url("/frame", host="www.test"))
    time.sleep(1.5)
    assert [e for e in service.log.api("/api/v1/check") if e.at >= t0] == []
    assert site.count("/target") == 0
    st = ff.eval(options, "() => browser.runtime.sendMessage({type: 'status'})")
    assert st["trusted"] == []
    ff.close_page(page)


# ---- E-20: host permission revoked (keep last: the grant needs a user's click on a prompt) ----------

def test_ff_e20_host_permission_revoked(ff: Firefox, servers: dict[str, Server], options: int,
        paired: dict[str, Any]) -> None:
    origins = ["http://127.0.0.1/*", "<all_urls>"]
    assert ff.eval(options, "o => browser.permissions.contains({origins: o})", origins) is True
    assert ff.eval(options, "() => document.getElementById('perm').hidden") is True
    assert ff.eval(options, "() => browser.action.getBadgeText({})") == ""
    assert ff.eval(options, "o => browser.permissions.remove({origins: o})", origins) is True
    assert ff.eval(options, "o => browser.permissions.contains({origins: o})", origins) is False
    # The open options page says at once what no longer works and offers the grant button.
    ff.wait_for(options, "() => !document.getElementById('perm').hidden", timeout=5)
    text = ff.eval(options, "() => document.getElementById('perm').innerText")
    assert "127.0.0.1" in text and "无法拦截已知恶意页面" in text and "授予权限" in text
    assert ff.eval(options, "() => !!document.getElementById('grant').offsetParent")  # visible
    ff.screenshot(options, ARTIFACTS / "firefox-permission-revoked.png", full_page=False)
    # So do the toolbar badge and the popup.
    ff.wait_for(options, "() => browser.action.getBadgeText({}).then(t => t === '!')", timeout=5)
    assert "无网站访问权限" in ff.eval(options, "() => browser.action.getTitle({})")
    web = ff.new_page()
    url = servers["site"].url("/ok?e20=1", host="shop.test")
    assert ff.goto(web, url) is None  # nothing breaks: pages still load (the extension fails open)
    popup = open_by_extension(ff, options, f"popup.html?tabId={tab_id(ff, options, url)}")
    assert ff.eval(popup, "() => !document.getElementById('perm-note').hidden")
    assert "无法拦截已知恶意页面" in ff.eval(popup, "() => document.getElementById('perm-note').textContent")
    st = ff.eval(options, "() => browser.runtime.sendMessage({type: 'status'})")
    assert st["paired"] is True and st["hostAccess"] is False
    ff.close_page(popup)
    ff.close_page(web)
