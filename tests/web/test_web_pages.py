"""Pages (server-rendered, no JS needed) and the lists/pair flows; TESTSPEC H cases that need no browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from websupport import BASE, PORT, FakeScanner, csrf_of, fake_report, login

import web
from scanner.errors import InputError, ListError
from scanner.lists.update import UpdateResult
from scanner.models import Level, Message, Payload, PayloadKind, Report
from scanner.settings import Settings


def post_check(c: FlaskClient, text: str, **headers: str) -> Any:
    return c.post("/check", base_url=BASE, data={"text": text, "csrf_token": csrf_of(c)}, headers=headers)


def main_html(html: str) -> str:
    return html.split('<main id="main">', 1)[1].split("</main>", 1)[0]


# ---- home ----------------------------------------------------------------------------------------


def test_home_defaults_to_chinese(client: FlaskClient) -> None:
    html = client.get("/", base_url=BASE).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "打开链接或扫码之前" in html


def test_home_follows_accept_language_and_switch(client: FlaskClient) -> None:
    html = client.get("/", base_url=BASE, headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in html and "Check a link or a QR code" in html
    r = client.post("/lang", data={"to": "zh", "next": "/lists", "csrf_token": csrf_of(client)},
                    base_url=BASE, headers={"Accept-Language": "en"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/lists")
    html = client.get("/", base_url=BASE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html  # the cookie wins over the header


@pytest.mark.parametrize(
    "nxt", ["//evil.test/", "https://evil.test/", "/\\evil.test", "javascript:alert(1)", "/\t/evil.test",
            "/\n/evil.test"],
)
def test_language_switch_is_not_an_open_redirect(client: FlaskClient, nxt: str) -> None:
    r = client.post("/lang", data={"to": "en", "next": nxt, "csrf_token": csrf_of(client)}, base_url=BASE)
    assert r.status_code == 303
    assert r.headers["Location"] in ("/", f"{BASE}/")


def test_home_form_works_without_javascript(client: FlaskClient) -> None:
    html = client.get("/", base_url=BASE).get_data(as_text=True)
    assert re.search(
        r'<form id="scan-form" action="/scan" method="post" enctype="multipart/form-data">', html
    )
    assert re.search(r'<label for="image">', html) and re.search(
        r'<input type="file" id="image" name="image" '
        r'accept="image/\*"',
        html,
    )
    assert 'capture="environment"' in html
    assert re.search(r'<label for="text">', html) and '<textarea id="text" name="text"' in html
    assert html.count('name="csrf_token"') == 3  # the two forms and the language switch
    assert '<script src="/static/app.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "cdn" not in html.lower() and "https://" not in html


def test_static_assets_served_locally(client: FlaskClient) -> None:
    for path in ("/static/app.js", "/static/style.css"):
        r = client.get(path, base_url=BASE)
        assert r.status_code == 200
        assert "http://" not in r.get_data(as_text=True) and "https://" not in r.get_data(as_text=True)


# ---- result --------------------------------------------------------------------------------------


def test_danger_result_layout_zh(page_client: FlaskClient) -> None:
    r = post_check(page_client, "兼职日结 https://evil.example/reg?id=1")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    body = main_html(html)
    # Verdict first, words and icon, alert role for danger.
    first_h2 = re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S)
    assert first_h2 and 'id="result-heading"' in first_h2.group(0)
    assert "高风险：不要打开" in first_h2.group(1)
    assert re.search(r'<div class="verdict level-danger" role="alert">', body)
    # Each reason with its evidence, in Chinese.
    assert (
        "消息以兼职佣金为诱饵，引导注册。" in body
        and "依据" in body
        and '<code class="wrap">兼职</code>' in body
    )
    # Personal data asked for, and the advice.
    assert "身份证号" in body and "手机号" in body and "不要填写身份证号。" in body
    # The final URL as text, never a link; the registrable domain highlighted.
    assert "<mark>evil.example</mark>" in body
    assert 'href="https://evil.example' not in html
    assert 'data-copy="https://evil.example/reg?id=1"' in body
    # The chain is collapsed in a details element with scoped headers.
    details = re.search(r'<details class="chain">(.*?)</details>', body, re.S)
    assert details and '<th scope="col">' in details.group(1) and "203.0.113.7" in details.group(1)
    assert '<details class="chain" open' not in body


def test_safe_result_english(page_client: FlaskClient) -> None:
    r = post_check(page_client, "https://www.example.com/", **{"Accept-Language": "en"})
    html = r.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert re.search(r'<div class="verdict level-safe" role="status">', html)
    assert "No problems found" in html


def test_idn_shown_in_unicode_and_punycode(page_client: FlaskClient) -> None:
    html = post_check(page_client, "https://例子.测试/path").get_data(as_text=True)
    assert "例子.测试" in html and "xn--fsqu00a.xn--0zwm56d" in html


def test_text_reversing_characters_are_shown_not_obeyed(page_client: FlaskClient) -> None:
    # U+202E would make "invoice<RLO>gnp.exe" display as "invoiceexe.png" in the result page.
    html = post_check(page_client, "发票 https://a.test/invoice\u202egnp.exe 请查收").get_data(as_text=True)
    body = main_html(html)
    assert "\u202e" not in body
    assert "invoice[U+202E]gnp.exe" in body


def test_long_url_is_wrapped(page_client: FlaskClient) -> None:
    long = "https://a.test/" + "x" * 2000
    html = post_check(page_client, long).get_data(as_text=True)
    assert "x" * 2000 in html
    css = page_client.get("/static/style.css", base_url=BASE).get_data(as_text=True)
    assert "word-break: break-all" in css and "overflow-wrap: anywhere" in css


def test_wifi_password_masked(web_settings: Settings) -> None:
    class Wifi(FakeScanner):
        def scan_image(
            self, data: bytes, *, offline: bool | None = None, decode_only: bool = False
        ) -> Report:
            return Report(
                level=Level.UNKNOWN,
                score=0,
                reasons=(),
                input_kind="image",
                payloads=(
                    Payload(
                        text="WIFI:T:WPA;S:CafeNet;P:hunter2;;",
                        kind=PayloadKind.WIFI,
                        display="Wi-Fi CafeNet (password ••••••)",
                        fields={"ssid": "CafeNet", "password": "••••••", "security": "WPA"},
                        explanation=Message(en="Joins a Wi-Fi network.", zh="连接 Wi-Fi 网络。"),
                        source="image",
                    ),
                ),
            )

    app = web.create_app(web_settings, scanner=Wifi())
    c = login(app.test_client())
    import io

    r = c.post(
        "/scan",
        base_url=BASE,
        data={"image": (io.BytesIO(b"\x89PNG\r\n\x1a\n0000"), "w.png"), "csrf_token": csrf_of(c)},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "hunter2" not in html
    assert "CafeNet" in html and "Wi-Fi 网络" in html and "连接 Wi-Fi 网络。" in html


def test_empty_text_is_a_friendly_error(page_client: FlaskClient) -> None:
    r = post_check(page_client, "   ")
    assert r.status_code == 400
    assert "nothing to check" in r.get_data(as_text=True)


# ---- /go interstitial ----------------------------------------------------------------------------


def test_go_interstitial(client: FlaskClient, fake: FakeScanner) -> None:
    r = client.get("/go", query_string={"url": "https://evil.example/win"}, base_url=BASE)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = main_html(r.get_data(as_text=True))
    back = html.index('id="go-back"')
    assert "autofocus" in html[back - 80 : back + 80]
    details = re.search(r'<details class="card danger-zone">(.*?)</details>', html, re.S)
    assert details and 'href="https://evil.example/win"' in details.group(1)
    assert 'rel="noreferrer noopener"' in details.group(1)
    assert html.index('id="go-back"') < html.index('<details class="card danger-zone">')
    assert fake.calls == [("check", "https://evil.example/win")]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"]
)
def test_go_never_links_dangerous_schemes(client: FlaskClient, url: str) -> None:
    html = client.get("/go", query_string={"url": url}, base_url=BASE).get_data(as_text=True)
    assert 'class="button danger"' not in html
    assert f'href="{url}' not in html


def test_go_is_rate_limited_and_checks_one_address(web_settings: Settings, fake: FakeScanner) -> None:
    # Any page can make a browser GET /go (an <img> is enough): it must not run checks without limit.
    app = web.create_app(web_settings.replace(rate_limit_per_minute=5), scanner=fake)
    c = login(app.test_client())
    codes = [c.get("/go", query_string={"url": f"http://evil.example/{i}"}, base_url=BASE,
                   headers={"Sec-Fetch-Site": "cross-site"}).status_code for i in range(20)]
    assert codes.count(200) <= 6 and codes[-1] == 429
    assert len(fake.calls) == codes.count(200)
    fake.calls.clear()
    c2 = login(web.create_app(web_settings, scanner=fake).test_client())
    r = c2.get("/go", query_string={"url": "b.cn " * 4000}, base_url=BASE)
    assert r.status_code == 200 and fake.calls == []  # too long for an address: not checked


def test_row9_cross_site_go_flood_leaves_the_users_limit_alone(web_settings: Settings,
                                                               fake: FakeScanner) -> None:
    """Issue 17 row 9: cross-site GETs to /go used up the signed-in user's /go rate limit."""
    app = web.create_app(web_settings.replace(rate_limit_per_minute=5), scanner=fake)
    user = login(app.test_client())
    # What a hostile page can send: no cookie (SameSite=Strict), or a replayed one marked cross-site.
    stranger = app.test_client()
    for i in range(20):
        stranger.get("/go", query_string={"url": f"http://evil.example/{i}"}, base_url=BASE,
                     headers={"Sec-Fetch-Site": "cross-site"})
        user.get("/go", query_string={"url": f"http://evil.example/{i}"}, base_url=BASE,
                 headers={"Sec-Fetch-Site": "cross-site"})
    assert all(u != "https://mine.example/" for _, u in fake.calls)
    r = user.get("/go", query_string={"url": "https://mine.example/"}, base_url=BASE,
                 headers={"Sec-Fetch-Site": "none"})
    assert r.status_code == 200 and ("check", "https://mine.example/") in fake.calls
    # Someone without the session gets the sign-in page and runs no check at all.
    before = len(fake.calls)
    r = stranger.get("/go", query_string={"url": "https://other.example/"}, base_url=BASE)
    assert r.status_code == 401 and "lurelens serve" in r.get_data(as_text=True)
    assert len(fake.calls) == before


def test_go_with_an_unparsable_url_is_a_page_not_a_500(client: FlaskClient) -> None:
    r = client.get("/go", query_string={"url": "http://[::1"}, base_url=BASE)
    assert r.status_code == 200
    assert 'class="button danger"' not in r.get_data(as_text=True)


def test_go_checks_offline_only(web_settings: Settings) -> None:
    seen: list[bool | None] = []

    class Spy(FakeScanner):
        def check(self, text: str, *, offline: bool | None = None) -> Report:
            seen.append(offline)
            return fake_report(text)

    login(web.create_app(web_settings.replace(offline=False), scanner=Spy()).test_client()).get(
        "/go?url=https://a.test/", base_url=BASE
    )
    assert seen == [True]


# ---- lists (fake list manager injected) ----------------------------------------------------------


@dataclass
class FakeLists:
    allow: list[str] = field(default_factory=lambda: ["trusted.example"])
    user: list[str] = field(default_factory=lambda: ["mine"])
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def status(self, settings: Settings) -> list[dict[str, Any]]:
        # The shape of scanner.lists.status(): one entry per list.
        return [{"name": "bundled", "category": "phishing", "origin": "bundled", "entries": 12345,
                 "updated_at": 1780185600.0, "last_error": ""},
                *({"name": n, "category": "scam", "origin": "user", "entries": 3, "updated_at": None,
                   "last_error": ""} for n in self.user),
                {"name": "user-allow", "category": "allow", "origin": "user", "entries": len(self.allow)}]

    @property
    def store(self) -> Any:
        allow = self.allow

        class Store:
            @staticmethod
            def read_allow(settings: Settings) -> list[str]:
                return list(allow)

        return Store

    def update(self, settings: Settings, progress: Any = None) -> list[UpdateResult]:
        self.calls.append(("update", None))
        return [UpdateResult("bundled", "updated", entries=10), UpdateResult("feed", "failed", message="500")]

    def add_list(
        self,
        settings: Settings,
        path_or_url: str,
        *,
        name: str | None = None,
        fmt: str | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        if path_or_url.startswith(("bad", "https://bad")):
            raise ListError("cannot read that list: check the path")
        self.calls.append(("add", (path_or_url, name, fmt, category)))
        self.user.append(name or path_or_url)
        return {"name": name or path_or_url, "entries": 2}

    def remove_list(self, settings: Settings, name: str) -> None:
        if name not in self.user:
            raise InputError(f"no user list named {name!r}")
        self.calls.append(("remove", name))
        self.user.remove(name)

    def allow_domain(self, settings: Settings, domain: str) -> None:
        self.calls.append(("allow", domain))
        self.allow.append(domain)

    def unallow_domain(self, settings: Settings, domain: str) -> None:
        if domain not in self.allow:
            raise InputError(f"{domain!r} is not on your allowlist")
        self.calls.append(("unallow", domain))
        self.allow.remove(domain)

    def rules_for_extension(self, settings: Settings, limit: int) -> dict[str, Any]:
        return {"block": ["bad.example", "worse.example"][:limit], "allow": self.allow, "built_at": 17.5}


@pytest.fixture
def lists(app: Flask) -> FakeLists:
    fl = FakeLists()
    web.state(app).lists_module = fl
    return fl


def test_lists_api(client: FlaskClient, auth: dict[str, str], lists: FakeLists) -> None:
    assert client.get("/api/v1/lists", headers=auth).get_json()[0]["entries"] == 12345
    body = client.post("/api/v1/lists/update", json={}, headers=auth).get_json()
    assert (body["updated"], body["failed"], body["ok"]) == (True, ["feed"], False)
    assert [r["status"] for r in body["results"]] == ["updated", "failed"]
    r = client.post(
        "/api/v1/lists/add", json={"source": "https://l.example/l.txt", "name": "x", "format": "hosts"},
        headers=auth,
    )
    assert r.status_code == 200 and ("add", ("https://l.example/l.txt", "x", "hosts", None)) in lists.calls
    r = client.post("/api/v1/lists/add", json={"content": "bad.example\n", "name": "up"}, headers=auth)
    assert r.status_code == 200 and lists.calls[-1][1][0].endswith("/uploaded.txt")
    r = client.post("/api/v1/lists/add", json={"source": "https://bad"}, headers=auth)
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "list_error"
    assert client.post("/api/v1/lists/remove", json={"name": "x"}, headers=auth).status_code == 200
    assert client.post("/api/v1/lists/allow", json={"domain": "a.example"}, headers=auth).status_code == 200
    assert "a.example" in lists.allow
    r = client.post("/api/v1/lists/allow", json={"domain": "a.example", "remove": True}, headers=auth)
    assert r.status_code == 200 and "a.example" not in lists.allow
    rules = client.get("/api/v1/lists/rules?limit=1", headers=auth).get_json()
    assert rules == {"version": "17.5", "block": ["bad.example"], "allow": ["trusted.example"],
                     "built_at": 17.5}
    for bad in ("0", "30001", "x"):
        assert client.get(f"/api/v1/lists/rules?limit={bad}", headers=auth).status_code == 400


def test_lists_api_unavailable_is_503(client: FlaskClient, auth: dict[str, str], app: Flask) -> None:
    web.state(app).lists_module = object()
    r = client.get("/api/v1/lists", headers=auth)
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "lists_unavailable"
    assert "此版本没有名单管理功能" in client.get("/lists", base_url=BASE).get_data(as_text=True)


def test_lists_page_and_allowlist_undo(page_client: FlaskClient, lists: FakeLists) -> None:
    html = page_client.get("/lists", base_url=BASE).get_data(as_text=True)
    assert "12,345" in html and "trusted.example" in html and "mine" in html
    token = csrf_of(page_client)
    r = page_client.post("/lists/allow", base_url=BASE, data={"domain": "shop.example", "csrf_token": token})
    assert r.status_code == 303
    html = page_client.get("/lists", base_url=BASE).get_data(as_text=True)
    assert "shop.example" in lists.allow and "撤销" in html
    # The undo form is a real form: submit it as a browser would.
    form = re.search(
        r'<form action="/lists/allow" method="post">\s*<input type="hidden" name="csrf_token" '
        r'value="([^"]+)">\s*<input type="hidden" name="domain" value="shop.example">\s*'
        r'<input type="hidden" name="remove" value="1">',
        html,
    )
    assert form
    page_client.post(
        "/lists/allow",
        base_url=BASE,
        data={"domain": "shop.example", "remove": "1", "csrf_token": form.group(1)},
    )
    assert "shop.example" not in lists.allow
    html = page_client.get("/lists", base_url=BASE).get_data(as_text=True)
    assert 'name="domain" value="shop.example">\n    \n    <button' in html or "shop.example" in html
    # Update, add, remove.
    page_client.post("/lists/update", base_url=BASE, data={"csrf_token": token})
    page_client.post(
        "/lists/add", base_url=BASE, data={"source": "https://l.example/", "name": "n2", "csrf_token": token}
    )
    page_client.post("/lists/remove", base_url=BASE, data={"name": "mine", "csrf_token": token})
    assert [c[0] for c in lists.calls] == ["allow", "unallow", "update", "add", "remove"]
    r = page_client.post("/lists/add", base_url=BASE, data={"source": "https://bad", "csrf_token": token})
    assert r.status_code == 303
    assert "cannot read that list" in page_client.get("/lists", base_url=BASE).get_data(as_text=True)


def test_lists_forms_need_csrf(page_client: FlaskClient, lists: FakeLists) -> None:
    assert page_client.post("/lists/allow", base_url=BASE, data={"domain": "x.example"}).status_code == 403
    assert lists.calls == []


# ---- pairing page --------------------------------------------------------------------------------


def test_pair_page_shows_token_only_after_a_click(page_client: FlaskClient, token: str) -> None:
    html = page_client.get("/pair", base_url=BASE).get_data(as_text=True)
    assert token not in html
    assert page_client.post("/pair", base_url=BASE).status_code == 403  # no CSRF token
    r = page_client.post(
        "/pair",
        base_url=BASE,
        data={"csrf_token": csrf_of(page_client)},
        headers={"Origin": f"http://127.0.0.1:{PORT + 1}"},
    )
    assert r.status_code == 403  # another localhost port may not read it
    r = page_client.post(
        "/pair",
        base_url=BASE,
        data={"csrf_token": csrf_of(page_client)},
        headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 200 and token in r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'; frame-ancestors 'none'")


# ---- every reason reads in both languages --------------------------------------------------------


def test_every_reason_code_has_zh_and_en() -> None:
    from scanner.reasons import all_specs

    specs = all_specs()
    assert specs, "no reason codes registered"
    for code, spec in specs.items():
        assert spec.en.strip() and spec.zh.strip(), code
        assert re.search(r"[\u4e00-\u9fff]", spec.zh), f"{code}: zh text has no Chinese"


def test_ui_strings_complete() -> None:
    from web.i18n import STRINGS

    for key, (en, zh) in STRINGS.items():
        assert en.strip() and zh.strip(), key


def test_real_list_manager_end_to_end(web_settings: Settings, auth: dict[str, str]) -> None:
    """The real scanner.lists behind the API and the page (the data dir is this test's own)."""
    app = web.create_app(web_settings)
    c = app.test_client()
    status = c.get("/api/v1/lists", headers=auth).get_json()
    assert isinstance(status, list) and any(s["origin"] == "bundled" and s["entries"] > 0 for s in status)
    rules = c.get("/api/v1/lists/rules?limit=3", headers=auth).get_json()
    assert len(rules["block"]) == 3 and isinstance(rules["version"], str) and rules["version"]
    r = c.post("/api/v1/lists/allow", json={"domain": "shop.example.com"}, headers=auth)
    assert r.get_json() == {"domain": "shop.example.com", "allowed": True}
    login(c)
    html = c.get("/lists", base_url=BASE).get_data(as_text=True)
    assert "<code>shop.example.com</code>" in html and "phishtank" in html.lower()
    r = c.post("/api/v1/lists/allow", json={"domain": "shop.example.com", "remove": True}, headers=auth)
    assert r.get_json() == {"domain": "shop.example.com", "allowed": False}
    r = c.post("/api/v1/lists/remove", json={"name": "no-such-list"}, headers=auth)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_input"
