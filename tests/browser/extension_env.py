"""The environment of the extension tests: fixture servers, the real service, Chromium with the
unpacked extension (fresh or paired), and the helpers the tests share. Imported by
``test_extension*.py``; each importing module gets its own module-scoped service and servers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from ext_fixtures import (
    Browser,
    Service,
    launch,
    page_server,
)
from loopback import Server

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
def servers() -> Iterator[dict[str, Server]]:
    evil = page_server("127.0.0.1")  # blocklisted destinations (evil.test, late-*.test)
    site = page_server("127.0.0.1")  # ordinary pages (shop.test)
    other = page_server("127.0.0.2")  # a different origin (other.test)
    evil.html("/landing", LURE_HTML)
    evil.html("/late", LURE_HTML)
    site.html("/ok", OK_HTML)
    site.html("/target", OK_HTML)
    yield {"evil": evil, "site": site, "other": other}
    for s in (evil, site, other):
        s.close()


def _settings(data: Path, servers: dict[str, Server]) -> Any:
    from scanner.settings import Settings

    allow = frozenset((s.host, s.port) for s in servers.values())
    return Settings.load(environ={}, data_dir=data, rate_limit_per_minute=100_000, request_timeout=20.0,
                         connect_timeout=2.0, read_timeout=3.0, expand_deadline=6.0, check_deadline=8.0,
                         egress_allow=allow, cache_ttl=0.0)


def _start_service(data: Path, servers: dict[str, Server], port: int = 0) -> Service:
    from scanner.expand import Expander
    from scanner.pipeline import Scanner

    settings = _settings(data, servers)
    scanner = Scanner(settings, expander=Expander(settings, resolver=resolve_test_names))
    return Service(settings, scanner, port=port)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory, servers: dict[str, Server]) -> Path:
    """A data dir whose user list (category phishing) blocks evil.test."""
    from scanner.lists import add_list

    data = tmp_path_factory.mktemp("ext-service")
    listed = data / "test-phish.txt"
    listed.write_text("evil.test\n", encoding="utf-8")
    add_list(_settings(data, servers), str(listed), name="test-phish", category="phishing")
    return data


@pytest.fixture(scope="module")
def service(data_root: Path, servers: dict[str, Server]) -> Iterator[Service]:
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
