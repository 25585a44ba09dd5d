"""TESTSPEC group D: the local API's gates (Flask test client; raw-socket cases are in test_serve.py)."""

from __future__ import annotations

import inspect
import json
import logging
import re
import stat
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from websupport import BASE, PORT, FakeScanner, csrf_of, fake_report, login

import web
from scanner.models import Payload, PayloadKind, Report
from scanner.settings import Settings
from web import security
from web.security import RateLimiter, bundled_extension_id, extension_id_from_key, host_allowed
from web.session import new_login_secret
from web.token import TokenStore, ensure_token, rotate_token, token_path

EXT_ID = "abcdefghijklmnopabcdefghijklmnop"
EXT = f"chrome-extension://{EXT_ID}"
MOZ = "moz-extension://0b8c5e2a-1d3f-4a6b-9c7d-2e4f6a8b0c1d"
MOZ_OTHER = "moz-extension://ffffffff-1d3f-4a6b-9c7d-2e4f6a8b0c1d"


@pytest.fixture
def ext_client(web_settings: Settings, fake: FakeScanner) -> FlaskClient:
    """An app that trusts one configured Chrome extension origin."""
    app = web.create_app(web_settings.replace(extension_origins=(EXT,)), scanner=fake)
    return app.test_client()


def check(client: FlaskClient, headers: dict[str, str], **kw: object) -> object:
    return client.post("/api/v1/check", json={"text": "https://a.test/x"}, headers=headers, **kw)


# ---- Host gate (L-03, L-04, L-05) ------------------------------------------------------------------

@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"[::1]:{PORT}"],
                         ids=["ipv4", "localhost", "ipv6"])
def test_l03_loopback_hosts_allowed(client: FlaskClient, auth: dict[str, str], host: str) -> None:
    r = client.get("/api/v1/health", headers={**auth, "Host": host})
    assert r.status_code == 200
    assert r.get_json()["ok"] is True


@pytest.mark.parametrize("host", [
    f"evil.test:{PORT}", f"127.0.0.1:{PORT + 1}", f"127.0.0.1.nip.io:{PORT}", f"localhost.:{PORT}",
    "127.0.0.1", "localhost", f"0.0.0.0:{PORT}", f"127.0.0.2:{PORT}", f"LOCALHOST.evil.test:{PORT}",
], ids=["rebinding", "other-port", "nip-io", "trailing-dot", "no-port", "localhost-no-port", "wildcard",
        "other-loopback", "suffix"])
def test_l04_l05_foreign_hosts_refused_before_routing(
    client: FlaskClient, auth: dict[str, str], fake: FakeScanner, host: str
) -> None:
    r = check(client, {**auth, "Host": host})
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "forbidden_host"
    assert fake.calls == []  # nothing ran
    # Pages too, and unknown paths: the gate sits before routing.
    assert client.get("/", headers={"Host": host}).status_code == 403
    assert client.get("/no/such/route", headers={"Host": host}).status_code == 403


def test_l05_missing_host_refused(app: web.Flask) -> None:
    # Werkzeug's test client always sends Host, so call the WSGI app with an environ without one.
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/health", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": str(PORT), "wsgi.url_scheme": "http", "wsgi.input": None}
    seen: list[str] = []
    body = b"".join(app.wsgi_app(environ, lambda status, headers: seen.append(status)))
    assert seen == ["403 Forbidden"]
    assert b"forbidden_host" in body


def test_host_allowed_table() -> None:
    assert host_allowed("127.0.0.1:8765", 8765)
    assert host_allowed("LOCALHOST:8765", 8765)
    assert not host_allowed("", 8765)
    # Public bind on a wildcard: IP literals on our port pass, names never do.
    assert host_allowed("192.168.1.5:8765", 8765, "0.0.0.0", public=True)
    assert not host_allowed("evil.test:8765", 8765, "0.0.0.0", public=True)
    assert not host_allowed("192.168.1.5:8765", 8765, "0.0.0.0", public=False)


# ---- Origins and CORS (L-06 … L-10, L-14, L-15, L-18) ----------------------------------------------

def test_l06_configured_extension_origin(ext_client: FlaskClient, auth: dict[str, str]) -> None:
    r = check(ext_client, {**auth, "Origin": EXT})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == EXT
    assert "Origin" in r.headers.get_all("Vary") or "Origin" in r.headers.get("Vary", "")
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_l07_other_chrome_extension_refused(ext_client: FlaskClient, auth: dict[str, str]) -> None:
    r = check(ext_client, {**auth, "Origin": "chrome-extension://" + "p" * 32})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers


def test_bundled_extension_id_is_allowed(client: FlaskClient, auth: dict[str, str]) -> None:
    ext_id = bundled_extension_id()
    if ext_id is None:
        pytest.skip("web/extension/manifest.json has no key yet")
    r = check(client, {**auth, "Origin": f"chrome-extension://{ext_id}"})
    assert r.status_code == 200


def test_extension_id_from_key_matches_chromes_rule(tmp_path: Path) -> None:
    # Chrome's rule as documented: sha256(DER key), first 32 hex digits, 0-f mapped to a-p.
    import base64
    import hashlib

    der = bytes(range(256)) * 2
    key = base64.b64encode(der).decode()
    expected = hashlib.sha256(der).hexdigest()[:32].translate(str.maketrans("0123456789abcdef",
                                                                           "abcdefghijklmnop"))
    assert extension_id_from_key(key) == expected
    assert len(expected) == 32 and set(expected) <= set("abcdefghijklmnop")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"key": key}))
    assert bundled_extension_id(manifest) == expected
    assert bundled_extension_id(tmp_path / "missing.json") is None
    manifest.write_text("{not json")
    assert bundled_extension_id(manifest) is None
    manifest.write_text('{"name": "no key"}')
    assert bundled_extension_id(manifest) is None


def test_l08_moz_extension_paired_and_unpaired(client: FlaskClient, auth: dict[str, str],
                                               web_settings: Settings) -> None:
    assert check(client, {**auth, "Origin": MOZ}).status_code == 403
    # Pairing: the extension presents the token once; its origin is remembered (on disk too).
    r = client.post("/api/v1/pair", headers={**auth, "Origin": MOZ})
    assert r.status_code == 200 and r.get_json()["paired"] is True
    assert r.headers["Access-Control-Allow-Origin"] == MOZ
    assert check(client, {**auth, "Origin": MOZ}).status_code == 200
    assert check(client, {**auth, "Origin": MOZ_OTHER}).status_code == 403
    # A fresh app over the same data dir still knows the pairing.
    again = web.create_app(web_settings, scanner=FakeScanner()).test_client()
    assert check(again, {**auth, "Origin": MOZ}).status_code == 200


def test_pairing_past_the_bound_keeps_the_new_origin_and_drops_the_oldest(tmp_path: Path) -> None:
    from web.security import PairedOrigins

    paired = PairedOrigins(tmp_path)
    first = [f"moz-extension://{i:08x}-0000-4000-8000-000000000000" for i in range(PairedOrigins.MAX)]
    for o in first:
        paired.add(o)
    newest = "moz-extension://ffffffff-0000-4000-8000-000000000000"
    paired.add(newest)
    assert newest in paired and first[0] not in paired and first[1] in paired
    assert newest in PairedOrigins(tmp_path)  # and it was saved


def test_pair_needs_the_token(client: FlaskClient, auth: dict[str, str]) -> None:
    r = client.post("/api/v1/pair", headers={"Host": auth["Host"], "Origin": MOZ})
    assert r.status_code == 401
    assert check(client, {**auth, "Origin": MOZ}).status_code == 403


@pytest.mark.parametrize("origin", [f"http://127.0.0.1:{PORT + 1}", "https://evil.test", "null",
                                    f"http://127.0.0.1.nip.io:{PORT}", "file://"],
                         ids=["other-port", "foreign", "null", "rebinding-name", "file"])
def test_l09_foreign_origins_refused_even_with_token(
    client: FlaskClient, auth: dict[str, str], fake: FakeScanner, origin: str
) -> None:
    r = check(client, {**auth, "Origin": origin})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers
    assert fake.calls == []


def test_own_origin_allowed(client: FlaskClient, auth: dict[str, str]) -> None:
    r = check(client, {**auth, "Origin": BASE})
    assert r.status_code == 200


def test_l10_no_origin_with_token_reads_and_posts(client: FlaskClient, auth: dict[str, str]) -> None:
    h = {**auth, "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "cors"}
    assert client.get("/api/v1/health", headers=h).status_code == 200
    assert check(client, h).status_code == 200


@pytest.mark.parametrize("route", ["/api/v1/check", "/api/v1/scan", "/api/v1/page", "/api/v1/lists/update",
                                   "/api/v1/lists/add", "/api/v1/lists/remove", "/api/v1/lists/allow",
                                   "/api/v1/pair"])
def test_l17_state_changing_routes_refuse_get(client: FlaskClient, auth: dict[str, str], route: str) -> None:
    r = client.get(route, headers=auth)
    assert r.status_code == 405
    assert r.get_json()["error"]["code"] == "method_not_allowed"


def test_l11_no_origin_no_token(client: FlaskClient, fake: FakeScanner) -> None:
    r = check(client, {"Host": f"127.0.0.1:{PORT}"})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/health", headers={"Host": f"127.0.0.1:{PORT}"}).status_code == 401
    assert fake.calls == []


@pytest.mark.parametrize("variant", ["wrong", "upper", "lower", "empty", "prefix", "suffix", "spaces"])
def test_l12_bad_tokens(client: FlaskClient, token: str, variant: str) -> None:
    bad = {"wrong": "x" * len(token), "upper": token.upper(), "lower": token.lower(), "empty": "",
           "prefix": token[:-1], "suffix": token + "a", "spaces": f" {token} "}[variant]
    if bad == token:
        pytest.skip("case change did not change this token")
    r = check(client, {"Host": f"127.0.0.1:{PORT}", "X-LureLens-Token": bad})
    assert r.status_code == 401


def test_l12_constant_time_comparison_by_code_review() -> None:
    src = inspect.getsource(TokenStore.matches)
    assert "hmac.compare_digest" in src
    assert "==" not in src.replace("compare_digest", "")
    api_src = Path(web.__file__).with_name("api.py").read_text()
    assert "tokens.matches(request.headers.get(security.TOKEN_HEADER))" in api_src
    assert "request.args.get(\"token\"" not in api_src and "request.values" not in api_src


def test_l13_token_in_query_string_never_accepted(client: FlaskClient, token: str) -> None:
    r = client.post(f"/api/v1/check?token={token}&X-LureLens-Token={token}", json={"text": "a.test"},
                    headers={"Host": f"127.0.0.1:{PORT}"})
    assert r.status_code == 401


def test_l14_preflight_from_foreign_origin(client: FlaskClient) -> None:
    r = client.options("/api/v1/check", headers={
        "Host": f"127.0.0.1:{PORT}", "Origin": "https://evil.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-lurelens-token, content-type",
        "Access-Control-Request-Private-Network": "true"})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Private-Network" not in r.headers


def test_l15_preflight_from_extension(ext_client: FlaskClient) -> None:
    r = ext_client.options("/api/v1/check", headers={
        "Host": f"127.0.0.1:{PORT}", "Origin": EXT, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-lurelens-token, content-type",
        "Access-Control-Request-Private-Network": "true"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == EXT
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-lurelens-token", "content-type"} <= allowed
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert r.headers["Access-Control-Allow-Private-Network"] == "true"
    assert "Origin" in r.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert r.headers["Access-Control-Allow-Origin"] != "*"


def test_preflight_for_pairing_from_unpaired_firefox_extension(client: FlaskClient) -> None:
    h = {"Host": f"127.0.0.1:{PORT}", "Origin": MOZ, "Access-Control-Request-Method": "POST"}
    assert client.options("/api/v1/pair", headers=h).status_code == 204
    assert client.options("/api/v1/check", headers=h).status_code == 403


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_l16_simple_request_csrf_has_no_side_effect(
    client: FlaskClient, auth: dict[str, str], fake: FakeScanner, ctype: str
) -> None:
    body = '{"text": "https://a.test/x"}'
    # Without the custom header (what a foreign page's simple request looks like): 401.
    r = client.post("/api/v1/check", data=body, content_type=ctype, headers={"Host": auth["Host"]})
    assert r.status_code in (401, 415)
    # Even with the token, a non-JSON body is refused.
    r = client.post("/api/v1/check", data=body, content_type=ctype, headers=auth)
    assert r.status_code == 415
    assert r.get_json()["error"]["code"] == "unsupported_media_type"
    assert fake.calls == []


def test_l18_cross_site_fetch_metadata_refused(client: FlaskClient, auth: dict[str, str],
                                               fake: FakeScanner) -> None:
    r = check(client, {**auth, "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert fake.calls == []


# ---- Token (L-19, L-20) ----------------------------------------------------------------------------

def test_l19_rotation(client: FlaskClient, token: str, web_settings: Settings) -> None:
    h = {"Host": f"127.0.0.1:{PORT}"}
    assert client.get("/api/v1/health", headers={**h, "X-LureLens-Token": token}).status_code == 200
    new = rotate_token(web_settings)
    assert new != token
    assert client.get("/api/v1/health", headers={**h, "X-LureLens-Token": token}).status_code == 401
    assert client.get("/api/v1/health", headers={**h, "X-LureLens-Token": new}).status_code == 200


def test_l19_token_cli_prints_token_alone(web_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from web.cli import run_token

    assert run_token(argparse.Namespace(rotate=False), web_settings) == 0
    first = capsys.readouterr().out
    assert first == ensure_token(web_settings) + "\n"
    assert run_token(argparse.Namespace(rotate=True), web_settings) == 0
    second = capsys.readouterr().out
    assert second.strip() != first.strip()
    assert second == token_path(web_settings).read_text()


def test_l20_token_file_mode_and_entropy(web_settings: Settings) -> None:
    path = token_path(web_settings)
    assert not path.exists()
    token = ensure_token(web_settings)
    st = path.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600
    import os

    assert st.st_uid == os.getuid()
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # 32 bytes, urlsafe base64
    assert ensure_token(web_settings) == token  # created once
    path.chmod(0o644)
    ensure_token(web_settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened
    rotate_token(web_settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens = {rotate_token(web_settings) for _ in range(20)}
    assert len(tokens) == 20


def test_token_exists_after_create_app(web_settings: Settings, auth: dict[str, str]) -> None:
    # The first API request works even if nobody ran `lurelens token`.
    assert token_path(web_settings).exists()


# ---- Rate limit (L-21) -----------------------------------------------------------------------------

def test_l21_rate_limit(web_settings: Settings, fake: FakeScanner, token: str) -> None:
    app = web.create_app(web_settings.replace(rate_limit_per_minute=5), scanner=fake)
    c = app.test_client()
    h = {"Host": f"127.0.0.1:{PORT}", "X-LureLens-Token": token}
    codes = [c.get("/api/v1/health", headers=h).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]
    r = c.get("/api/v1/health", headers=h)
    assert r.get_json()["error"]["code"] == "too_many_requests"
    assert int(r.headers["Retry-After"]) >= 1


def test_rate_limiter_refills() -> None:
    now = [0.0]
    rl = RateLimiter(60, clock=lambda: now[0])
    assert all(rl.hit("a") == 0.0 for _ in range(60))
    wait = rl.hit("a")
    assert 0.9 < wait <= 1.0
    assert rl.hit("b") == 0.0  # per client
    now[0] += 1.0
    assert rl.hit("a") == 0.0
    assert RateLimiter.retry_after(0.2) == "1"


# ---- Errors, headers, XSS (L-22, L-23, L-24, L-25) -------------------------------------------------

def test_l22_no_debugger_no_traceback(client: FlaskClient, auth: dict[str, str], fake: FakeScanner) -> None:
    assert client.get("/console", headers=auth).status_code == 404
    assert client.get("/api/v1/console", headers=auth).status_code == 404
    fake.raises = RuntimeError("secret internal detail")
    r = check(client, auth)
    assert r.status_code == 500
    assert r.get_json() == {"error": {"code": "internal_error",
                                      "message": "Something went wrong inside LureLens; try again."}}
    assert b"Traceback" not in r.data and b"secret internal detail" not in r.data
    assert not client.application.debug


def test_l23_hostile_title_escaped(web_settings: Settings, token: str) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    app = web.create_app(web_settings, scanner=FakeScanner(title=hostile))
    c = login(app.test_client())
    r = c.post("/check", base_url=BASE, data={"text": "https://evil.example/x", "csrf_token": csrf_of(c)})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert hostile not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Content-Security-Policy" in r.headers
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline event handlers
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline scripts


@pytest.mark.parametrize("path", ["/", "/lists", "/pair", "/go?url=https%3A%2F%2Fa.test%2F"])
def test_l24_page_headers(client: FlaskClient, path: str) -> None:
    r = client.get(path, base_url=BASE)
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'self'; frame-ancestors 'none'")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"


def test_l24_results_not_cached(page_client: FlaskClient) -> None:
    data = {"text": "https://a.test/", "csrf_token": csrf_of(page_client)}
    r = page_client.post("/check", base_url=BASE, data=data)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"


def test_l25_page_form_without_csrf_refused(page_client: FlaskClient, fake: FakeScanner) -> None:
    r = page_client.post("/check", base_url=BASE, data={"text": "https://a.test/"})
    assert r.status_code == 403
    assert "text/html" in r.headers["Content-Type"]
    r = page_client.post("/check", base_url=BASE, data={"text": "https://a.test/", "csrf_token": "forged"})
    assert r.status_code == 403
    r = page_client.post("/scan", base_url=BASE, data={"image": (__import__("io").BytesIO(b"x"), "a.png")})
    assert r.status_code == 403
    assert fake.calls == []
    # With the token it works, but not from another origin (another localhost port is "same-site").
    ok = {"text": "https://a.test/", "csrf_token": csrf_of(page_client)}
    r = page_client.post("/check", base_url=BASE, data=ok, headers={"Origin": f"http://127.0.0.1:{PORT + 1}"})
    assert r.status_code == 403
    r = page_client.post("/check", base_url=BASE, data=ok, headers={"Sec-Fetch-Site": "same-site"})
    assert r.status_code == 403
    r = page_client.post("/check", base_url=BASE, data=ok, headers={"Origin": BASE,
                                                                    "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200


def test_session_cookie_is_strict_and_port_scoped(anon_client: FlaskClient, web_settings: Settings) -> None:
    secret = new_login_secret(web_settings.data_dir)
    r = anon_client.get("/login", query_string={"secret": secret}, base_url=BASE)
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(f"lurelens_session_{PORT}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


# ---- Audit log (L-26) ------------------------------------------------------------------------------

def test_l26_audit_log_has_no_secrets(web_settings: Settings, token: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    wifi = "WIFI:T:WPA;S:CafeNet;P:hunter2-secret;;"

    class WifiScanner(FakeScanner):
        def check(self, text: str, *, offline: bool | None = None) -> Report:
            base = fake_report("https://evil.example/reg?idcard=110101199003077777&otp=123456")
            return Report(level=base.level, score=base.score, reasons=base.reasons, links=base.links,
                          payloads=(Payload(text=text, kind=PayloadKind.WIFI,
                                            display="WIFI:S:CafeNet;P:••••"),))

    app = web.create_app(web_settings, scanner=WifiScanner())
    h = {"Host": f"127.0.0.1:{PORT}", "X-LureLens-Token": token}
    with caplog.at_level(logging.DEBUG):
        r = app.test_client().post("/api/v1/check", json={"text": wifi}, headers=h)
    assert r.status_code == 200
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    audit = [rec for rec in caplog.records if rec.name == "lurelens.audit"]
    assert len(audit) == 1
    line = audit[0].getMessage()
    assert "level=danger" in line and "domains=evil.example" in line and audit[0].created > 0
    for secret in ("hunter2", "110101199003077777", "123456", "idcard=", "/reg", token):
        assert secret not in logged


def test_security_headers_constant_is_what_is_sent(client: FlaskClient) -> None:
    r = client.get("/", base_url=BASE)
    for k, v in security.SECURITY_HEADERS.items():
        assert r.headers[k] == v


def test_page_post_with_origin_null_needs_same_origin_fetch_metadata(page_client: FlaskClient) -> None:
    # Our Referrer-Policy: no-referrer makes browsers send "Origin: null" on our own form POSTs.
    ok = {"text": "https://a.test/", "csrf_token": csrf_of(page_client)}
    r = page_client.post("/check", base_url=BASE, data=ok, headers={"Origin": "null",
                                                                    "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200
    r = page_client.post("/check", base_url=BASE, data=ok, headers={"Origin": "null",
                                                                    "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    # Without the CSRF token, Origin: null never passes.
    r = page_client.post("/check", base_url=BASE, data={"text": "x"},
                         headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 403
