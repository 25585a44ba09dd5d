"""Issue 17, service side: one test per row (1–5, 9, 10) that failed on the code before the fix.

Rows 4–5 at full size (a flood against ``lurelens serve`` in its own process, peak RSS) are in
``tests/robust/test_flood.py``; here the gate's behaviour is pinned with a slow fake scanner.
"""

from __future__ import annotations

import argparse
import html.parser
import io
import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from liveservice import LiveService
from PIL import Image
from websupport import BASE, PORT, FakeScanner, csrf_of, fake_report

import web
from scanner.images import load_frames
from scanner.models import Report
from scanner.settings import Settings
from web.admission import Gate, Limits
from web.serve import make_server
from web.session import LOGIN_FILE, new_login_secret


class RecordingLists:
    """A list manager that records what the service asked of it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.allow: list[str] = []

    def status(self, settings: Settings) -> list[dict[str, Any]]:
        return []

    def update(self, settings: Settings) -> list[Any]:
        return []

    def add_list(self, settings: Settings, source: str, **kw: Any) -> dict[str, Any]:
        seen = Path(source).read_text(encoding="utf-8") if not source.startswith("http") else None
        self.calls.append(("add", (source, seen)))
        return {"name": kw.get("name") or "x", "entries": 1}

    def remove_list(self, settings: Settings, name: str) -> None:
        self.calls.append(("remove", name))

    def allow_domain(self, settings: Settings, domain: str) -> str:
        self.calls.append(("allow", domain))
        self.allow.append(domain)
        return domain

    def unallow_domain(self, settings: Settings, domain: str) -> str:
        self.calls.append(("unallow", domain))
        return domain

    def rules_for_extension(self, settings: Settings, limit: int) -> dict[str, Any]:
        return {"block": [], "allow": list(self.allow), "version": "1"}


@pytest.fixture
def lists(app: Flask) -> RecordingLists:
    rec = RecordingLists()
    web.state(app).lists_module = rec
    return rec


# ---- row 1: another local account gets neither the token nor the pages ---------------------------

def test_row1_other_account_cannot_pair_or_change_lists(anon_client: FlaskClient, token: str,
                                                        lists: RecordingLists) -> None:
    # What the attacker did: GET /pair, post its CSRF token back, receive the API token.
    r = anon_client.get("/pair", base_url=BASE)
    assert r.status_code == 401
    page = r.get_data(as_text=True)
    assert "lurelens serve" in page and token not in page
    csrf = csrf_of(anon_client)  # the language switch still hands out a CSRF token: it must not help
    r = anon_client.post("/pair", base_url=BASE, data={"csrf_token": csrf})
    assert r.status_code == 401 and token not in r.get_data(as_text=True)
    r = anon_client.post("/lists/allow", base_url=BASE, data={"domain": "evil.example", "csrf_token": csrf})
    assert r.status_code == 401
    for path in ("/", "/lists", "/go?url=https%3A%2F%2Fa.test%2F"):
        assert anon_client.get(path, base_url=BASE).status_code == 401, path
    assert lists.calls == []


def test_row1_login_link_works_once_and_sets_a_strict_httponly_cookie(anon_client: FlaskClient,
                                                                      web_settings: Settings,
                                                                      token: str) -> None:
    secret = new_login_secret(web_settings.data_dir)
    assert stat.S_IMODE(os.stat(web_settings.data_dir / LOGIN_FILE).st_mode) == 0o600
    wrong = secret[:-2] + "xx"
    assert anon_client.get("/login", query_string={"secret": wrong}, base_url=BASE).status_code == 401
    r = anon_client.get("/login", query_string={"secret": secret}, base_url=BASE)
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(f"lurelens_session_{PORT}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert 'http-equiv="refresh"' in r.get_data(as_text=True)
    # Signed in: the pairing page shows the token after the click.
    r = anon_client.post("/pair", base_url=BASE, data={"csrf_token": csrf_of(anon_client)})
    assert r.status_code == 200 and token in r.get_data(as_text=True)
    # The same link in another browser does nothing: it was spent.
    other = anon_client.application.test_client()
    r = other.get("/login", query_string={"secret": secret}, base_url=BASE)
    assert r.status_code == 401 and other.get("/pair", base_url=BASE).status_code == 401


def test_row1_lurelens_login_prints_a_new_link(web_settings: Settings, capsys: pytest.CaptureFixture[str],
                                               app: Flask) -> None:
    from web.cli import run_login

    assert run_login(argparse.Namespace(port=None, open_browser=False), web_settings) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith(f"http://127.0.0.1:{web_settings.port}/login?secret=")
    c = app.test_client()
    assert c.get(url.removeprefix(f"http://127.0.0.1:{web_settings.port}"), base_url=BASE).status_code == 200
    assert c.get("/", base_url=BASE).status_code == 200


def test_row1_two_processes_share_the_session_key(web_settings: Settings, fake: FakeScanner) -> None:
    """A cookie from one service process is accepted by another on the same data dir (--processes)."""
    one, two = web.create_app(web_settings, scanner=fake), web.create_app(web_settings, scanner=fake)
    assert one.config["SECRET_KEY"] == two.config["SECRET_KEY"]
    mode = stat.S_IMODE(os.stat(web_settings.data_dir / "session-key").st_mode)
    assert mode == 0o600


# ---- row 2: no server-side paths -------------------------------------------------------------------

@pytest.mark.parametrize("source", ["/etc/passwd", "~/secret.txt", "relative/list.txt", "file:///etc/hosts",
                                    "C:\\lists\\x.txt"])
def test_row2_api_refuses_a_server_path(client: FlaskClient, auth: dict[str, str], lists: RecordingLists,
                                        source: str, tmp_path: Path) -> None:
    r = client.post("/api/v1/lists/add", json={"source": source}, headers=auth)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_input"
    assert lists.calls == []


def test_row2_page_refuses_a_server_path_and_takes_an_upload(client: FlaskClient,
                                                             lists: RecordingLists, tmp_path: Path) -> None:
    secret = tmp_path / "payroll.txt"
    secret.write_text("payroll.corp.example\n", encoding="utf-8")
    token = csrf_of(client)
    r = client.post("/lists/add", base_url=BASE, data={"source": str(secret), "csrf_token": token})
    assert r.status_code == 303 and lists.calls == []
    assert "never reads a path" in client.get("/lists", base_url=BASE).get_data(as_text=True)
    r = client.post("/lists/add", base_url=BASE, data={
        "csrf_token": token, "name": "mine",
        "list_file": (io.BytesIO(b"bad.example\nworse.example\n"), "my list.txt")})
    assert r.status_code == 303
    [(kind, (path, seen))] = lists.calls
    assert kind == "add" and seen == "bad.example\nworse.example\n"
    assert not Path(path).exists() and str(secret) != path  # a private copy, removed afterwards


def test_row2_api_takes_list_content(client: FlaskClient, auth: dict[str, str],
                                     lists: RecordingLists) -> None:
    r = client.post("/api/v1/lists/add", json={"content": "bad.example\n", "name": "up"}, headers=auth)
    assert r.status_code == 200
    assert lists.calls[0][1][1] == "bad.example\n"
    r = client.post("/api/v1/lists/add", json={"source": "https://l.example/x", "content": "a"}, headers=auth)
    assert r.status_code == 400


# ---- row 3: private files; `cached` tells nothing ----------------------------------------------------

def test_row3_data_dir_is_tightened_at_start(web_settings: Settings, fake: FakeScanner) -> None:
    data = Path(web_settings.data_dir)
    (data / "cache").mkdir(parents=True, exist_ok=True)
    for path in (data / "cache" / "expand.sqlite3", data / "paired-origins.json"):
        path.write_text("x", encoding="utf-8")
        os.chmod(path, 0o644)
    os.chmod(data / "cache", 0o755)
    os.chmod(data, 0o755)
    server = make_server(web_settings, scanner=fake, port=0)
    try:
        modes = {p.relative_to(data).as_posix(): stat.S_IMODE(os.lstat(p).st_mode)
                 for p in [data, *data.rglob("*")]}
    finally:
        server.close()
    assert modes.pop(".") == 0o700
    assert modes and all(m == (0o700 if (data / p).is_dir() else 0o600) for p, m in modes.items()), modes


def test_row3_cached_never_leaks(web_settings: Settings, auth: dict[str, str]) -> None:
    class Cached(FakeScanner):
        def check(self, text: str, *, offline: bool | None = None) -> Report:
            import dataclasses

            r = fake_report(text)
            return dataclasses.replace(r, links=tuple(dataclasses.replace(x, cached=True) for x in r.links))

    app = web.create_app(web_settings, scanner=Cached())
    r = app.test_client().post("/api/v1/check", json={"text": "https://someone-checked.example/"},
                               headers=auth)
    links = r.get_json()["links"]
    assert links and all(link["cached"] is False for link in links)


# ---- rows 4–5: the admission gate and the per-image budget -----------------------------------------

class Slow(FakeScanner):
    """Each call takes ``delay`` s; records how many ran at once."""

    def __init__(self, delay: float) -> None:
        super().__init__(delay=delay)
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def _maybe(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            super()._maybe()
        finally:
            with self._lock:
                self.now -= 1


def _post(live: LiveService, path: str, body: bytes, ctype: str) -> tuple[int, dict[str, str], bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={
            "Host": f"127.0.0.1:{live.port}", "X-LureLens-Token": live.token, "Content-Type": ctype})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["scan", "check"])
def test_rows4_5_gate_runs_n_at_once_and_answers_busy(web_settings: Settings, kind: str) -> None:
    scanner = Slow(delay=1.5)
    live = LiveService(web_settings, scanner=scanner, start=False)
    st = web.state(live.app)
    gate = Gate(kind, slots=2, queue=1, wait=0.3)
    st.image_gate = gate if kind == "scan" else st.image_gate
    st.check_gate = gate if kind == "check" else st.check_gate
    live.start()
    if kind == "scan":
        body, ctype, path = json.dumps({"image_base64": __import__("base64").b64encode(_png()).decode()}), \
            "application/json", "/api/v1/scan"
    else:
        body, ctype, path = json.dumps({"text": "x " * 1000 + "https://a.test/"}), "application/json", \
            "/api/v1/check"
    out: list[tuple[int, dict[str, str], bytes]] = []
    try:
        workers = [threading.Thread(target=lambda: out.append(_post(live, path, body.encode(), ctype)))
                   for _ in range(8)]
        for w in workers:
            w.start()
        time.sleep(0.4)
        t0 = time.monotonic()
        health = _get(live, "/api/v1/health")
        health_s = time.monotonic() - t0
        for w in workers:
            w.join(30)
    finally:
        scanner.release.set()
        live.close()
    statuses = sorted(s for s, _, _ in out)
    assert scanner.most == 2, scanner.most
    assert statuses.count(200) == 2 and statuses.count(503) == 6, statuses
    for status, headers, data in out:
        if status == 503:
            assert json.loads(data)["error"]["code"] == "busy" and int(headers["retry-after"]) >= 1
    assert health == 200 and health_s < 1.0, health_s


def _get(live: LiveService, path: str) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{live.port}", "X-LureLens-Token": live.token})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_rows4_5_gates_leave_threads_for_health_and_pages() -> None:
    for threads in (4, 8, 16, 32, 64):
        for cores in (1, 2, 8, 64):
            lim = Limits.for_machine(threads, cores)
            heavy = lim.image_queue + lim.check_queue + min(threads, lim.image_slots + lim.check_slots)
            assert lim.image_slots == cores and lim.check_slots == cores
            if threads > lim.image_slots + lim.check_slots:
                assert threads - heavy >= min(2, threads // 8), (threads, cores, lim)


def test_row4_animation_frames_times_pixels_is_budgeted_before_decoding(web_settings: Settings) -> None:
    frames = [Image.new("L", (2000, 2000), v) for v in (0, 80, 160, 240)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    # 4 frames of 4 MP: 16 MP of pixels; a 10 MP budget decodes two of them, 40 MP all four.
    assert len(load_frames(buf.getvalue(), web_settings.replace(max_image_pixels=10_000_000))) == 2
    assert len(load_frames(buf.getvalue(), web_settings.replace(max_image_pixels=40_000_000))) == 4


# ---- row 9: per-route limits; /lang needs a same-origin POST ----------------------------------------

def test_row9_lang_needs_a_same_origin_post(client: FlaskClient) -> None:
    assert client.get("/lang?to=en&next=/", base_url=BASE).status_code == 405
    r = client.post("/lang", base_url=BASE, data={"to": "en", "csrf_token": csrf_of(client)},
                    headers={"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.test"})
    assert r.status_code == 403 and "lang=" not in r.headers.get("Set-Cookie", "")
    r = client.post("/lang", base_url=BASE, data={"to": "en"})
    assert r.status_code == 403
    form = {"to": "en", "next": "/lists", "csrf_token": csrf_of(client)}
    own = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
    r = client.post("/lang", base_url=BASE, data=form, headers=own)
    assert r.status_code == 303 and "lang=en" in r.headers["Set-Cookie"]
    assert "SameSite=Strict" in r.headers["Set-Cookie"]


def test_row9_callers_without_the_token_cannot_use_up_the_extensions_limit(
        web_settings: Settings, fake: FakeScanner, token: str) -> None:
    app = web.create_app(web_settings.replace(rate_limit_per_minute=5), scanner=fake)
    c = app.test_client()
    host = {"Host": f"127.0.0.1:{PORT}"}
    codes = [c.get("/api/v1/health", headers=host).status_code for _ in range(20)]
    assert codes[-1] == 429 and set(codes) == {401, 429}
    assert c.get("/api/v1/health", headers={**host, "X-LureLens-Token": token}).status_code == 200


# ---- row 10: "open anyway" goes to exactly the checked URL --------------------------------------------

class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and "danger" in (a.get("class") or ""):
            self.hrefs["open"] = a.get("href") or ""


@pytest.mark.parametrize("url", ["https://evil.example/invoice\u202egnp.exe",
                                 "https://a.example/?q=<b>&x=\"y\"&z='w'",
                                 "https://b.example/\u200bpath#frag"])
def test_row10_open_anyway_is_exactly_the_checked_url(client: FlaskClient, fake: FakeScanner,
                                                       url: str) -> None:
    r = client.get("/go", query_string={"url": url}, base_url=BASE)
    assert r.status_code == 200
    parser = _Links()
    page = r.get_data(as_text=True)
    parser.feed(page)
    assert ("check", url) in fake.calls
    assert parser.hrefs["open"] == url
    if "\u202e" in url:
        assert "[U+202E]" in page  # the text shown still marks the hidden character


# ---- the worker processes behind rows 4–5 -------------------------------------------------------------

def test_rows4_5_worker_process_runs_the_real_scanner_and_survives_a_crash(web_settings: Settings) -> None:
    import os as _os

    from web.workers import WorkerCrashed, WorkerPool

    pool = WorkerPool(web_settings, 1)
    try:
        report = pool.submit("check", "https://evil.example/兼职 register", offline=True).result(120)
        assert report.links and report.links[0].host == "evil.example"
        scanned = pool.submit("scan_image", _png(), offline=True, decode_only=True).result(60)
        assert scanned.input_kind == "image"
        with pytest.raises(Exception) as typed:
            pool.submit("check", "", offline=True).result(60)
        assert getattr(typed.value, "code", "") == "empty_input"  # typed errors cross the process line
        # A decoder crash (here: the worker simply dies) costs that request, not the service.
        doomed = pool._executor().submit(_os._exit, 3)
        with pytest.raises(Exception):  # noqa: B017 - BrokenProcessPool, whatever its module
            doomed.result(60)
        crashed = pool.submit("check", "https://a.example/", offline=True)
        try:
            crashed.result(120)
        except WorkerCrashed:
            pass  # submitted while the broken pool was being noticed: the next one works
        again = pool.submit("check", "https://a.example/", offline=True).result(120)
        assert again.links[0].host == "a.example"
        pool.lists_changed()
        assert pool.submit("check", "https://b.example/", offline=True).result(120).links
    finally:
        pool.shutdown()


def test_workers_end_when_the_service_is_killed(web_settings: Settings) -> None:
    """A SIGKILLed service leaves no worker behind (each holds the queue's write end: no EOF)."""
    import signal
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from scanner.settings import Settings\n"
        "from web.workers import WorkerPool\n"
        "pool = WorkerPool(Settings.load(environ={}, data_dir=Path(sys.argv[1]), offline=True), 2)\n"
        "pool.warm()\n"
        "print(' '.join(str(p) for p in pool._executor()._processes), flush=True)\n"
        "time.sleep(120)\n")
    # "-c" from the source tree: this checkout's web package, whatever is installed.
    proc = subprocess.Popen([sys.executable, "-c", code, str(web_settings.data_dir)], stdout=subprocess.PIPE,
                            text=True, cwd=Path(web.__file__).parents[1])
    try:
        pids = [int(p) for p in (proc.stdout.readline() if proc.stdout else "").split()]
        assert len(pids) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
            time.sleep(0.1)
        assert not [p for p in pids if Path(f"/proc/{p}").exists()
                    and "spawn_main" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
