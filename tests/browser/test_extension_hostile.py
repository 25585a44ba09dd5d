"""Issue 17 rows 6, 8 and 11: hostile pages against the extension, in real Debian Chromium.

* Row 6: a page on another loopback origin frames the web-accessible warning page (visible and at
  opacity 0): no check runs, the trusted list and the allow rules stay as they were, and even a
  script running inside the framed page gets nothing from the service worker.
* Row 8: with "check every link", a page's own ``onclick = () => location.href = a.href`` does not
  reach the destination before the verdict; the worker's DNR hold backs the content script up.
* Row 11: the QR toast shows a text-direction override as a visible marker, never obeys it.

Same service, fixtures and browser helpers as ``test_extension.py`` (``extension_env.py``).
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from pathlib import Path
from typing import Any

import extension_env as base
import pytest
from ext_fixtures import CHROME_UA, CHROMIUM, EXT_DIR, Browser, Service, launch, wait_until
from extension_env import CHECK_TIMEOUT, RESOLVER_RULES, _menu, goto, is_warning, qr_png
from loopback import Server

# The service, fixture servers and paired browser of extension_env (fresh ones for this module).
pw, servers, data_root, service = base.pw, base.servers, base.data_root, base.service
shared, paired = base.shared, base.paired

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
    pytest.mark.timeout(120),
]

FRAMING_HTML = """<!doctype html><html><body><h1>Win a prize</h1>
<iframe id="seen" src="{unlisted}" width="600" height="400"></iframe>
<iframe id="hidden" src="{listed}" width="600" height="400" style="opacity:0"></iframe>
</body></html>"""


def _allow_rules(b: Browser) -> list[dict[str, Any]]:
    rules = b.sw("chrome.declarativeNetRequest.getDynamicRules()")
    return [r for r in rules if r["action"]["type"] == "allow"]


def _frame_the_warning_page(paired: Browser, service: Service, servers: dict[str, Server]) -> int:
    """A hostile page frames warning.html twice; returns how many frames loaded (asserting the rest)."""
    site, other, evil = servers["site"], servers["other"], servers["evil"]
    unlisted = site.url("/target?row6=1", host="shop.test")  # an online check would fetch it
    listed = evil.url("/landing?row6=1", host="evil.test")
    warning = paired.ext_url("warning.html")
    other.html("/frame", FRAMING_HTML.format(unlisted=f"{warning}#{unlisted}", listed=f"{warning}#{listed}"))
    site.reset()
    t0 = time.monotonic()
    page = paired.context.new_page()
    page.goto(other.url("/frame", host="other.test"))
    page.wait_for_load_state("load")
    time.sleep(1.5)  # time for a framed page to send its messages, had it any
    framed = [f for f in page.frames if f.url.startswith(warning)]
    for f in framed:
        # Where the browser lets the frame load at all, its script refused to act and says why.
        assert f.get_attribute("body", "data-framed", timeout=5_000) == "1"
        assert f.locator("#proceed").count() == 0 and f.locator("#trust").count() == 0
        # A script in the framed page (as if the page's own checks were bypassed) gets nothing.
        for msg in ({"type": "warning:info", "url": unlisted},
                    {"type": "warning:proceed", "url": listed, "trust": True},
                    {"type": "options:setCheckEveryLink", "value": True},
                    {"type": "status"}):
            ans = f.evaluate("m => chrome.runtime.sendMessage(m)", msg)
            assert ans == {"error": {"code": "forbidden"}}, (msg, ans)
    checks = [e for e in service.log.api("/api/v1/check") if e.at >= t0]
    assert checks == []  # no check of an attacker-chosen URL
    assert site.count("/target") == 0 and evil.count("/landing", ua=CHROME_UA) == 0
    cfg = paired.sw("chrome.storage.local.get({trusted: [], checkEveryLink: false})")
    assert cfg == {"trusted": [], "checkEveryLink": False}
    assert _allow_rules(paired) == []
    assert paired.sw("chrome.declarativeNetRequest.getSessionRules()") == []
    # The same page opened as a tab of its own still works (blocking keeps working).
    top = paired.context.new_page()
    goto(top, listed)
    top.wait_for_url(lambda u: is_warning(paired, u), timeout=10_000)
    top.wait_for_selector("body[data-ready]", timeout=CHECK_TIMEOUT)
    assert top.get_attribute("body", "data-framed") is None
    assert evil.count("/landing", ua=CHROME_UA) == 0
    return len(framed)


def test_row6_framed_warning_page_does_nothing(paired: Browser, service: Service,
                                               servers: dict[str, Server]) -> None:
    loaded = _frame_the_warning_page(paired, service, servers)
    print(f"row 6: {loaded} of 2 framed warning pages loaded (CSP frame-ancestors refused the rest)")


def test_row6_without_frame_ancestors_the_page_and_worker_still_refuse(
        pw: Any, service: Service, servers: dict[str, Server], tmp_path: Path) -> None:
    """A browser that ignores the CSP's frame-ancestors: the page's top-level check and the worker's
    sender check are what stop the framed page (same extension, the directive taken out)."""
    ext = tmp_path / "extension"
    shutil.copytree(EXT_DIR, ext)
    manifest = json.loads((ext / "manifest.json").read_text(encoding="utf-8"))
    csp = manifest["content_security_policy"]["extension_pages"]
    manifest["content_security_policy"]["extension_pages"] = csp.replace("frame-ancestors 'none'", "")
    (ext / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    b = launch(pw, resolver_rules=RESOLVER_RULES, ext_dir=ext)
    try:
        assert b.pair(service.port, service.token)["state"] == "ok"
        assert _frame_the_warning_page(b, service, servers) == 2
    finally:
        b.close()


def test_row6_warning_page_acts_only_on_its_own_url(paired: Browser,
                                                   servers: dict[str, Server]) -> None:
    listed = servers["evil"].url("/landing?own=1", host="evil.test")
    page = paired.context.new_page()
    goto(page, listed)
    page.wait_for_url(lambda u: is_warning(paired, u), timeout=10_000)
    page.wait_for_selector("body[data-ready]", timeout=CHECK_TIMEOUT)
    other = servers["site"].url("/target", host="attacker.test")
    ans = page.evaluate("m => chrome.runtime.sendMessage(m)",
                        {"type": "warning:proceed", "url": other, "trust": True})
    assert ans == {"error": {"code": "bad_url"}}
    # Page kinds are not interchangeable either: the warning page cannot pair or change options.
    ans = page.evaluate("m => chrome.runtime.sendMessage(m)", {"type": "options:untrust", "domain": "x.test"})
    assert ans == {"error": {"code": "forbidden"}}
    assert paired.sw("chrome.storage.local.get({trusted: []})")["trusted"] == []


ONCLICK_HTML = """<!doctype html><html><body>
<p><a id="late" href="{late}">a prize</a></p>
<script>
const a = document.getElementById("late");
a.onclick = () => {{ location.href = a.href; return false; }};
a.addEventListener("click", (e) => {{ window.top.location = a.href; }});
</script></body></html>"""


def test_row8_page_onclick_does_not_beat_the_verdict(
        paired: Browser, service: Service, servers: dict[str, Server], tmp_path: Path) -> None:
    from scanner.lists import add_list, remove_list

    site, evil = servers["site"], servers["evil"]
    paired.message({"type": "options:setCheckEveryLink", "value": True})
    late_file = tmp_path / "late.txt"
    late_file.write_text("late-row8.test\n", encoding="utf-8")
    add_list(service.settings, str(late_file), name="test-late-row8", category="phishing")
    service.app.extensions["lurelens"].scanner.reload_lists()
    try:
        site.html("/onclick", ONCLICK_HTML.format(late=evil.url("/late", host="late-row8.test")))
        page = paired.context.new_page()
        page.goto(site.url("/onclick", host="www.test"))
        time.sleep(0.3)  # the content script has read its config
        evil.reset()
        page.click("#late")
        page.wait_for_url(lambda u: is_warning(paired, u), timeout=CHECK_TIMEOUT)
        page.wait_for_selector("body[data-ready]", timeout=CHECK_TIMEOUT)
        assert evil.count("/late", ua=CHROME_UA) == 0  # the page's handler never got there
    finally:
        remove_list(service.settings, "test-late-row8")
        service.app.extensions["lurelens"].scanner.reload_lists()


def test_row8_hold_rule_blocks_the_host_in_that_tab_until_released(
        paired: Browser, servers: dict[str, Server]) -> None:
    site = servers["site"]
    page = paired.context.new_page()
    page.goto(site.url("/ok", host="www.test"))
    tab = paired.tab_id(page)
    target = site.url("/target?hold=1", host="held.test")
    rule = paired.sw("([t, u]) => LLTest.holdNavigation(t, u)", [tab, target])
    assert rule >= 500
    site.reset()
    page.evaluate("u => { location.href = u; }", target)  # the page navigating by itself
    time.sleep(1.0)
    assert site.count("/target") == 0
    # Other tabs are not held.
    other = paired.context.new_page()
    other.goto(target)
    assert site.count("/target") == 1
    paired.sw("id => LLTest.releaseHold(id)", rule)
    goto(page, target)
    page.wait_for_url(target)
    assert site.count("/target") == 2
    assert paired.sw("chrome.declarativeNetRequest.getSessionRules()") == []


def _shadow_texts(page: Any) -> list[str]:
    """Every text node of the page, closed shadow roots included (CDP's pierce)."""
    cdp = page.context.new_cdp_session(page)
    try:
        doc = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
    finally:
        cdp.detach()
    out: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("nodeType") == 3:
            out.append(node.get("nodeValue", ""))
        for key in ("children", "shadowRoots"):
            for child in node.get(key, []) or []:
                walk(child)

    walk(doc["root"])
    return out


def test_row11_qr_toast_shows_a_direction_override_as_a_marker(
        paired: Browser, servers: dict[str, Server]) -> None:
    site = servers["site"]
    payload = "\u202emoc.lapyap"  # shows as "paypal.com" when obeyed
    b64 = base64.b64encode(qr_png(payload)).decode()
    site.html("/qr-rlo", f'<!doctype html><body><img id="q" src="data:image/png;base64,{b64}"></body>')
    page = paired.context.new_page()
    page.goto(site.url("/qr-rlo", host="shop.test"))
    page.wait_for_function("() => document.getElementById('q').complete")
    src = page.evaluate("document.getElementById('q').currentSrc")
    res = _menu(paired, page, {"menuItemId": "ll-scan-qr", "srcUrl": src, "mediaType": "image"})
    assert res["ok"] is True, res
    assert [p["text"] for p in res["report"]["payloads"]] == [payload]
    page.locator("lurelens-ui#lurelens-toast").wait_for(state="attached")
    texts = wait_until(lambda: [t for t in _shadow_texts(page) if "moc.lapyap" in t])
    assert any("[U+202E]moc.lapyap" in t for t in texts), texts
    assert not any("\u202e" in t for t in _shadow_texts(page))
