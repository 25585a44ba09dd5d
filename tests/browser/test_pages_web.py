"""TESTSPEC group H (and U-15, W-09): the service's own pages in real Chromium through Playwright.

Run with ``python -m pytest -m browser``. Needs Debian's chromium (/usr/lib/chromium/chromium) and
axe-core installed by ``npm ci --prefix tests/browser``. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from liveservice import LiveService
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import web
from scanner.settings import Settings
from web.session import new_login_secret

_SIGN_IN: dict[str, Path] = {}
"""Service base URL → its data dir: each new browser context opens a fresh one-time sign-in link."""

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE.parent / "artifacts"
CHROMIUM = "/usr/lib/chromium/chromium"
DANGER_TEXT = ("兼职刷单，日结300元，注册即送佣金，填写身份证号和银行卡号领取 "
               "http://jianzhi-fanli.top/reg?idcard=1&bankcard=2")
IDN_URL = "http://paypal.com.secure-login.xn--80ak6aa92e.top/verify"
SAFE_URL = "https://www.example.com/docs/start"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app and Scanner (offline: no network) on waitress, 127.0.0.1:<ephemeral>."""
    data = tmp_path_factory.mktemp("browser-data")
    settings = Settings.load(environ={}, data_dir=data, offline=True, rate_limit_per_minute=100_000)
    with LiveService(settings, app=web.create_app(settings)) as svc:
        _SIGN_IN[svc.base] = data
        yield svc.base
        _SIGN_IN.pop(svc.base, None)




def new_page(browser: Any, *, locale: str = "zh-CN", size: str = "desktop", bypass_csp: bool = True,
             **kw: Any) -> Any:
    """A fresh context; ``bypass_csp`` lets axe-core be injected (our CSP forbids inline scripts)."""
    w, h = SIZES[size]
    ctx = browser.new_context(locale=locale, viewport={"width": w, "height": h}, bypass_csp=bypass_csp,
                              extra_http_headers={"Accept-Language": locale}, **kw)
    page = ctx.new_page()
    for base, data in _SIGN_IN.items():  # as a person does: the link printed by `lurelens serve`
        page.goto(f"{base}/login?secret={new_login_secret(data)}")
        page.wait_for_url(f"{base}/")  # the sign-in page refreshes to the home page
    return page


def qr_png(tmp_path: Path, text: str, name: str = "qr.png") -> Path:
    path = tmp_path / name
    segno.make(text, error="m").save(str(path), kind="png", scale=8, border=4)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check_text(page: Any, base: str, text: str) -> None:
    page.goto(base + "/")
    page.fill("#text", text)
    page.click("#text-heading ~ form button[type=submit]")
    page.wait_for_selector("#result-heading")
    page.wait_for_load_state("load")  # the stylesheet applied, not just the DOM parsed


def shoot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---- W-01 / W-05: axe-core ------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_w01_axe_home_and_danger_result(browser: Any, server: str, locale: str) -> None:
    page = new_page(browser, locale=locale)
    page.goto(server + "/")
    assert axe_violations(page) == []
    check_text(page, server, DANGER_TEXT)
    assert page.get_attribute(".verdict", "class") == "verdict level-danger"
    assert axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize("path", ["/lists", "/pair", "/go?url=" + IDN_URL])
def test_w01_axe_other_pages(browser: Any, server: str, path: str) -> None:
    page = new_page(browser)
    page.goto(server + path)
    assert axe_violations(page) == []
    page.context.close()


# ---- W-02 ------------------------------------------------------------------------------------------

def test_w02_html_lang(browser: Any, server: str) -> None:
    page = new_page(browser, locale="zh-CN")
    page.goto(server + "/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click("text=English")
    assert page.get_attribute("html", "lang") == "en"
    assert "Check a link or a QR code" in page.inner_text("h1")
    page.context.close()


# ---- W-03 / W-04 / U-15: keyboard-only upload -----------------------------------------------------

def test_w03_w04_u15_keyboard_only_upload(browser: Any, server: str, tmp_path: Path) -> None:
    image = qr_png(tmp_path, DANGER_TEXT)
    page = new_page(browser)
    page.goto(server + "/")
    # Tab until the file input has focus; every stop must show a visible focus ring.
    for _ in range(20):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {id: e.id, outline: s.outlineStyle, shadow: s.boxShadow}; }""")
        assert info["outline"] != "none" or info["shadow"] != "none", info
        if info["id"] == "image":
            break
    else:
        pytest.fail("the file input is not reachable with Tab")
    chooser = None
    for key in ("Space", "Enter", "Space"):  # both keys open a focused file input; retry once under load
        try:
            with page.expect_file_chooser(timeout=8000) as fc:
                page.keyboard.press(key)
            chooser = fc.value
            break
        except PlaywrightTimeout:
            assert page.evaluate("document.activeElement.id") == "image"
    assert chooser is not None, "the file chooser never opened from the keyboard"
    chooser.set_files(str(image))
    # JS would auto-submit on drop/paste, not on a normal choice: Tab to the button and press Enter.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    heading = page.wait_for_selector("#result-heading")
    assert page.evaluate("document.activeElement.id") == "result-heading"  # W-04: focus moved
    assert "高风险" in heading.inner_text()
    assert page.get_attribute(".verdict", "role") == "alert"
    assert "jianzhi-fanli.top" in page.inner_text("main")
    page.context.close()


# ---- W-05 / W-06 / W-07 ---------------------------------------------------------------------------

def test_w05_w06_w07_result_details(browser: Any, server: str) -> None:
    page = new_page(browser, locale="en", permissions=["clipboard-read", "clipboard-write"])
    check_text(page, server, IDN_URL)
    # Words, not colour alone.
    assert page.inner_text("#result-heading").strip().endswith("Dangerous: do not open it")
    # The final URL is text, not a link; the registrable domain is marked.
    assert page.evaluate("document.querySelector('.url code').closest('a')") is None
    assert page.locator(f"a[href^='{IDN_URL[:20]}']").count() == 0
    assert page.inner_text(".url mark") == "xn--80ak6aa92e.top"
    main = page.inner_text("main")
    assert "xn--80ak6aa92e.top" in main and "аррӏе.top" in main  # punycode and Unicode (Cyrillic "apple")
    # The copy button copies the exact canonical URL.
    page.click("button.copy")
    # writeText is asynchronous: wait for the button to confirm before reading the clipboard.
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == IDN_URL
    # The chain: collapsed, scoped headers, opens from the keyboard.
    details = page.locator("details.chain").first
    assert details.evaluate("d => d.open") is False
    assert page.locator("details.chain th[scope=col]").count() == 5
    page.focus("details.chain summary")
    page.keyboard.press("Enter")
    assert details.evaluate("d => d.open") is True
    page.context.close()


# ---- W-08 ------------------------------------------------------------------------------------------

def test_w08_long_url_wraps_at_320px(browser: Any, server: str) -> None:
    page = new_page(browser)
    page.set_viewport_size({"width": 320, "height": 700})
    check_text(page, server, "https://a.example.com/" + "x" * 2000)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.context.close()


# ---- /go interstitial ------------------------------------------------------------------------------

def test_go_back_focused_and_open_hidden(browser: Any, server: str) -> None:
    page = new_page(browser)
    page.goto(server + "/go?url=" + IDN_URL)
    assert page.evaluate("document.activeElement.id") == "go-back"
    assert not page.is_visible("a.button.danger")
    page.click("details.danger-zone summary")
    assert page.is_visible("a.button.danger")
    page.context.close()


# ---- JS only improves: drop and paste, and no CSP violations --------------------------------------

def _dispatch_file(page: Any, event: str, target: str, png: bytes) -> None:
    page.evaluate("""([event, target, b64]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const file = new File([bytes], 'shot.png', {type: 'image/png'});
        const dt = new DataTransfer(); dt.items.add(file);
        const ev = event === 'paste'
            ? new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})
            : new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
        document.querySelector(target).dispatchEvent(ev);
    }""", [event, target, base64.b64encode(png).decode()])


@pytest.mark.parametrize(("event", "target"), [("drop", "#dropzone"), ("paste", "body")])
def test_drop_and_paste_an_image(browser: Any, server: str, tmp_path: Path, event: str, target: str) -> None:
    png = qr_png(tmp_path, SAFE_URL).read_bytes()
    page = new_page(browser, locale="en", bypass_csp=False)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    with page.expect_navigation():
        _dispatch_file(page, event, target, png)
    page.wait_for_selector("#result-heading")
    assert "example.com" in page.inner_text("main")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.context.close()


# ---- W-09: screenshots -----------------------------------------------------------------------------

def test_w09_screenshots(browser: Any, server: str, tmp_path: Path) -> None:
    shots = []
    for size in SIZES:
        page = new_page(browser, locale="zh-CN", size=size)
        page.goto(server + "/")
        shots.append(shoot(page, f"home-zh-{size}"))
        check_text(page, server, DANGER_TEXT)
        shots.append(shoot(page, f"result-danger-zh-{size}"))
        check_text(page, server, "http://192.168.1.1/login")
        shots.append(shoot(page, f"result-caution-zh-{size}"))
        page.goto(server + "/go?url=" + IDN_URL)
        shots.append(shoot(page, f"go-zh-{size}"))
        page.goto(server + "/lists")
        shots.append(shoot(page, f"lists-zh-{size}"))
        page.context.close()
        page = new_page(browser, locale="en", size=size)
        check_text(page, server, SAFE_URL)
        shots.append(shoot(page, f"result-safe-en-{size}"))
        check_text(page, server, IDN_URL)
        shots.append(shoot(page, f"result-danger-en-{size}"))
        page.context.close()
    for path in shots:
        assert path.stat().st_size > 5_000
    (ARTIFACTS / "screenshots.json").write_text(json.dumps([p.name for p in shots], indent=1))


def test_qr_photo_upload_reads_danger(browser: Any, server: str, tmp_path: Path) -> None:
    """The plain mouse path: choose a photo, submit, read the verdict."""
    from PIL import Image

    qr = Image.open(qr_png(tmp_path, DANGER_TEXT)).convert("RGB")
    photo = Image.new("RGB", (qr.width + 200, qr.height + 300), (210, 205, 195))
    photo.paste(qr, (100, 150))
    buf = io.BytesIO()
    photo.rotate(8, expand=True, fillcolor=(90, 90, 90)).save(buf, format="JPEG", quality=88)
    path = tmp_path / "poster.jpg"
    path.write_bytes(buf.getvalue())
    page = new_page(browser)
    page.goto(server + "/")
    page.set_input_files("#image", str(path))
    page.click("#scan-form button[type=submit]")
    page.wait_for_selector("#result-heading")
    assert "高风险" in page.inner_text("#result-heading")
    assert "兼职" in page.inner_text("main")
    page.context.close()


def test_bundled_extension_id_matches_chromium(browser: Any, tmp_path: Path) -> None:
    """The ID web.security derives from the manifest key is the one Chromium gives the extension."""
    from web.security import MANIFEST, bundled_extension_id

    expected = bundled_extension_id()
    if expected is None:
        pytest.fail(f"{MANIFEST} has no key")
    ext = str(MANIFEST.parent)
    # A persistent context from the same Playwright instance (a second sync_playwright() cannot start).
    ctx = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), headless=True, executable_path=CHROMIUM,
        args=["--no-sandbox", f"--disable-extensions-except={ext}", f"--load-extension={ext}"])
    try:
        worker = ctx.service_workers[0] if ctx.service_workers else ctx.wait_for_event("serviceworker")
        assert worker.url.split("/")[2] == expected
    finally:
        ctx.close()
