"""The optional page renderer (issue 14 item 3) in real Debian Chromium, against real loopback servers.

Each page here is written for these tests (no evaluation item): a wizard whose form exists only
after its script fetched its field list and a "下一步" click; a page that tries every way to reach a
loopback port that is not allowlisted; pages that never yield or allocate without end.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback import Server, drop
from pytest_httpserver import HTTPServer

import scanner
from scanner import pagerender, procwatch
from scanner.fetch import FetchResult, GuardedClient
from scanner.heuristics.page import analyze_html
from scanner.settings import Settings

pytestmark = pytest.mark.browser

# Field definitions the wizard's script fetches: nothing of them is in the page's HTML.
STEPS = [
    [{"k": "xm", "t": "text", "l": "真实姓名"}, {"k": "sfzh", "t": "text", "l": "身份证号码"}],
    [{"k": "yhkh", "t": "text", "l": "银行卡号"}, {"k": "sjh", "t": "tel", "l": "预留手机号"}],
    [{"k": "yzm", "t": "text", "l": "短信验证码"}],
]
APP_JS = r"""
(async function () {
  const steps = await (await fetch('/api/steps')).json();
  let i = 0;
  const root = document.getElementById('root');
  function draw() {
    root.textContent = '';
    const box = document.createElement('section');
    for (const f of steps[i]) {
      const row = document.createElement('div');
      const cap = document.createElement('span');
      cap.textContent = f.l;
      const inp = document.createElement('input');
      inp.type = f.t; inp.name = f.k;
      row.append(cap, inp); box.append(row);
    }
    const b = document.createElement('a');
    b.href = '/submit';
    b.textContent = i < steps.length - 1 ? '下一步' : '提交认证';
    b.onclick = (e) => { e.preventDefault(); if (i < steps.length - 1) { i++; draw(); } };
    box.append(b); root.append(box);
  }
  draw();
})();
"""
WIZARD = """<!doctype html><html><head><meta charset="utf-8"><title>账户安全升级</title>
<link rel="stylesheet" href="/style.css"></head>
<body><h1>您的账户存在风险，请立即完成实名认证</h1><div id="root"></div>
<script src="/app.js"></script></body></html>"""


@pytest.fixture
def site() -> Iterator[HTTPServer]:
    """The page's own server on 127.0.0.2 (allowlisted in the tests that fetch)."""
    srv = HTTPServer(host="127.0.0.2", port=0)
    srv.start()
    srv.expect_request("/app.js").respond_with_data(APP_JS, content_type="application/javascript")
    srv.expect_request("/style.css").respond_with_data("h1{color:red}", content_type="text/css")
    srv.expect_request("/api/steps").respond_with_data(json.dumps(STEPS), content_type="application/json")
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


class Canary:
    """A loopback port that counts every TCP connection and UDP datagram it receives."""

    def __init__(self) -> None:
        self.tcp = Server("127.0.0.1", on_connect=drop)  # accepts and closes, counted
        self.port = self.tcp.port
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.settimeout(0.1)
        self.datagrams = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._recv, daemon=True)
        self._thread.start()

    @property
    def hits(self) -> list[str]:
        return ["tcp"] * self.tcp.connections + ["udp"] * self.datagrams

    def _recv(self) -> None:
        while not self._stop.is_set():
            try:
                self.udp.recvfrom(2048)
            except OSError:
                continue
            self.datagrams += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


class RecordingClient(GuardedClient):
    """The real guarded fetcher, recording what it was asked to fetch."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.asked: list[str] = []

    def get(self, url: str, **kw: Any) -> FetchResult:
        self.asked.append(url)
        return super().get(url, **kw)


def _settings(data_dir: Path, site: HTTPServer | None = None, **kw: Any) -> Settings:
    allow = frozenset({("127.0.0.2", site.port)}) if site is not None else frozenset()
    return Settings.load(
        environ={}, data_dir=data_dir, egress_allow=allow, connect_timeout=1.0, read_timeout=1.0, **kw
    )


def test_wizard_built_by_script_is_named_and_only_the_fetcher_reaches_the_server(
    data_dir: Path, site: HTTPServer
) -> None:
    url = f"http://127.0.0.2:{site.port}/verify"
    settings = _settings(data_dir, site)
    assert analyze_html(WIZARD, url).pii == ()  # statically: no field at all
    client = RecordingClient(settings)
    findings, notices, rendering = pagerender.render_findings(WIZARD, url, settings, client=client)
    assert rendering is not None and not rendering.cut
    assert set(findings.pii) == {"real_name", "id_card", "bank_card", "phone", "sms_code"}
    assert "page.kyc_bundle" in {r.code for r in findings.reasons}
    assert len(rendering.snapshots) == 3 and rendering.clicks == 2  # every step; never "提交认证"
    assert [n.code for n in notices] == ["page.rendered"]
    # The server saw exactly what the guarded fetcher asked for, with the fetcher's own headers;
    # the page itself (served from memory), the link's /submit and Chromium saw nothing.
    seen = [f"http://127.0.0.2:{site.port}{req.path}" for req, _ in site.log]
    assert sorted(seen) == sorted(client.asked)
    assert {p.rsplit("/", 1)[1] for p in seen} == {"app.js", "style.css", "steps"}
    for req, _ in site.log:
        assert "LureLens" in req.headers.get("User-Agent", "")
        assert "Chrome" not in req.headers.get("User-Agent", "")
        assert "Cookie" not in req.headers and "Referer" not in req.headers
    assert rendering.fetched == len(client.asked) == 3


def test_scanner_analyze_page_renders_with_the_setting(data_dir: Path, site: HTTPServer) -> None:
    url = f"http://127.0.0.2:{site.port}/verify"
    static = scanner.analyze_page(WIZARD, url, settings=_settings(data_dir, site))
    assert static.pii == () and static.level != scanner.Level.DANGER and static.offline
    rendered = scanner.analyze_page(WIZARD, url, settings=_settings(data_dir, site, render_pages=True))
    assert {"id_card", "bank_card", "sms_code"} <= set(rendered.pii)
    assert rendered.level == scanner.Level.DANGER and not rendered.offline
    assert "page.rendered" in {r.code for r in rendered.reasons}
    env = Settings.load(environ={"LURELENS_RENDER_PAGES": "1"}, data_dir=data_dir)
    assert env.render_pages


CANARY_PAGE = """<!doctype html><html><head><title>x</title>
<link rel="preconnect" href="http://127.0.0.1:{p}"><link rel="dns-prefetch" href="http://127.0.0.1:{p}">
<link rel="prefetch" href="http://127.0.0.1:{p}/prefetch"><link rel="stylesheet" href="http://127.0.0.1:{p}/s.css">
<script src="http://127.0.0.1:{p}/a.js"></script></head><body>
<img src="http://127.0.0.1:{p}/img.png"><iframe src="http://127.0.0.1:{p}/frame"></iframe>
<form id="f" method="post" action="http://127.0.0.1:{p}/post"><input name="sfzh"></form>
<a id="go" href="http://127.0.0.1:{p}/nav">下一步</a>
<script>
const u = 'http://127.0.0.1:{p}';
fetch(u + '/fetch').catch(() => {{}});
fetch(u + '/post', {{method: 'POST', body: 'x'}}).catch(() => {{}});
const x = new XMLHttpRequest(); x.open('GET', u + '/xhr'); x.send();
try {{ new WebSocket('ws://127.0.0.1:{p}/ws'); }} catch (e) {{}}
try {{ new EventSource(u + '/es'); }} catch (e) {{}}
try {{ navigator.sendBeacon(u + '/beacon', 'x'); }} catch (e) {{}}
try {{ new Image().src = u + '/pixel'; }} catch (e) {{}}
try {{ window.open(u + '/popup'); }} catch (e) {{}}
try {{ navigator.serviceWorker.register('/sw.js'); }} catch (e) {{}}
try {{
  const pc = new RTCPeerConnection({{iceServers: [{{urls: 'stun:127.0.0.1:{p}'}}]}});
  pc.createDataChannel('d'); pc.createOffer().then(o => pc.setLocalDescription(o));
}} catch (e) {{}}
setTimeout(() => {{ try {{ document.getElementById('f').submit(); }} catch (e) {{}} }}, 50);
setTimeout(() => {{ location.href = u + '/away'; }}, 100);
</script></body></html>"""


@pytest.mark.parametrize("offline", [False, True])
def test_a_loopback_port_not_allowlisted_gets_nothing(
    data_dir: Path, canary: Canary, site: HTTPServer, offline: bool
) -> None:
    html = CANARY_PAGE.format(p=canary.port)
    settings = _settings(data_dir, site, offline=offline)
    client = RecordingClient(settings)
    rendering = pagerender.render_page(html, f"http://127.0.0.2:{site.port}/", settings, client=client)
    time.sleep(0.3)  # anything late would have arrived by now
    assert canary.hits == []
    assert rendering.requests >= 8 and rendering.fetched == 0
    assert rendering.refused == rendering.requests
    # Online, the GETs reached the guarded fetcher, which refused the address; offline, not even that.
    assert (client.asked == []) if offline else any("/fetch" in u for u in client.asked)
    assert not any("/post" in u or "/beacon" in u or "/away" in u for u in client.asked)
    assert site.log == []


def test_a_redirect_from_the_allowed_server_to_the_canary_is_refused(
    data_dir: Path, canary: Canary, site: HTTPServer
) -> None:
    """The page's own (allowlisted) server redirects a script and an XHR to the canary port."""
    target = f"http://127.0.0.1:{canary.port}/x"
    site.expect_request("/r.js").respond_with_data("", status=302, headers={"Location": target + ".js"})
    site.expect_request("/data").respond_with_data("", status=307, headers={"Location": target})
    html = (
        "<title>r</title><script src='/r.js'></script>"
        "<script>fetch('/data').then(r => r.text()).then(t => document.title = 'got ' + t)</script>"
    )
    settings = _settings(data_dir, site)
    client = RecordingClient(settings)
    rendering = pagerender.render_page(html, f"http://127.0.0.2:{site.port}/", settings, client=client)
    time.sleep(0.3)
    assert canary.hits == []
    assert sorted(req.path for req, _ in site.log) == ["/data", "/r.js"]  # fetched, then redirected
    assert target + ".js" in client.asked and target in client.asked  # vetted, and refused
    assert rendering.fetched == 0 and rendering.refused == 2
    assert "<title>got" not in rendering.snapshots[-1]


def test_offline_makes_no_request_at_all(data_dir: Path, site: HTTPServer) -> None:
    url = f"http://127.0.0.2:{site.port}/verify"
    settings = _settings(data_dir, site, offline=True)
    client = RecordingClient(settings)
    findings, notices, rendering = pagerender.render_findings(WIZARD, url, settings, client=client)
    assert rendering is not None and rendering.requests >= 2 and rendering.fetched == 0
    assert client.asked == [] and site.log == []
    assert findings.pii == ()  # its script could not be loaded: nothing was built


def _browser_processes(marker: str) -> list[int]:
    return procwatch.marked_tree(marker)


@pytest.mark.parametrize(
    "script",
    [
        "document.body.append(Object.assign(document.createElement('input'), {name: 'sfzh'}));"
        "while (true) {}",
        "const keep = []; while (true) keep.push(new Array(1 << 20).fill(Math.random()));",
        "const bufs = []; setInterval(() => {"
        " for (let i = 0; i < 8; i++) bufs.push(new Uint8Array(1 << 26).fill(1)); }, 1);",
    ],
    ids=["busy-loop", "heap", "buffers"],
)
def test_a_page_that_never_yields_is_cut_at_the_deadline(data_dir: Path, script: str) -> None:
    html = f"<!doctype html><html><head><title>t</title></head><body><p>hi</p><script>{script}</script>"
    settings = _settings(data_dir, offline=True)
    t0 = time.monotonic()
    findings, notices, rendering = pagerender.render_findings(
        html, "https://loop.example/", settings, budget=2.0
    )
    took = time.monotonic() - t0
    assert rendering is not None
    assert took < pagerender.LAUNCH_LIMIT + 2.0 + pagerender.CLOSE_LIMIT
    assert rendering.page_seconds < 2.0 + 2.0  # the budget, then at most 1.5 s to stop it and read
    codes = [n.code for n in notices]
    assert "page.rendered" in codes
    if script.startswith("document"):
        assert rendering.cut == "deadline" and "page.render_cut" in codes
        assert rendering.snapshots and "sfzh" in rendering.snapshots[-1]  # the loop was stopped, DOM read
        assert "id_card" in findings.pii
    else:
        assert rendering.cut in ("deadline", "memory", "crash") and "page.render_cut" in codes
    assert _browser_processes(rendering.browser_id) == []


def test_without_chromium_the_static_reading_is_used_and_said(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagerender, "CHROMIUM_CANDIDATES", ("/nonexistent/chromium",))
    monkeypatch.setattr(pagerender.shutil, "which", lambda name: None)
    html = '<form><label>身份证号<input name="sfzh"></label></form>'
    report = scanner.analyze_page(
        html, "https://x.example/", settings=Settings.load(environ={}, data_dir=data_dir, render_pages=True)
    )
    notice = next(r for r in report.reasons if r.code == "page.render_unavailable")
    assert "Chromium" in notice.message.en and "Chromium" in notice.message.zh
    assert "id_card" in report.pii


def _opaque(value: object) -> str:
    """``value`` as a script expression no static reader can see into: the JSON rebuilt from character
    codes at run time (the static reading finds literals, objects and base64 config in scripts)."""
    codes = ",".join(str(ord(c)) for c in json.dumps(value))
    return f"JSON.parse(String.fromCharCode({codes}))"


def test_bench_puts_rendered_figures_beside_static(tmp_path: Path) -> None:
    """``lurelens bench detect --render`` on a two-page folder of our own: a wizard and a plain page."""
    from scanner.bench.evaldetect import page_adapter
    from scanner.bench.render_pages import bench_pages_rendered, format_rendered

    inline = WIZARD.replace(
        '<script src="/app.js"></script>',
        f"<script>const STEPS = {_opaque(STEPS)};</script><script>"
        + APP_JS.replace("await (await fetch('/api/steps')).json()", "STEPS")
        + "</script>",
    )
    (tmp_path / "wizard.html").write_text(inline, encoding="utf-8")
    (tmp_path / "blog.html").write_text("<title>Notes</title><p>On gardening.</p>", encoding="utf-8")
    pages = [
        {
            "id": "w",
            "file": "wizard.html",
            "url": "http://verify-acct.example/",
            "label": "harvest",
            "pii": ["real_name", "id_card", "bank_card", "phone", "sms_code"],
            "synthetic": True,
        },
        {
            "id": "b",
            "file": "blog.html",
            "url": "https://blog.example/",
            "label": "benign",
            "pii": [],
            "synthetic": False,
        },
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"warn_expected_for": "harvest", "pages": pages}))
    res = bench_pages_rendered(tmp_path / "manifest.json", page_adapter)
    assert res["static"]["all"]["pii_recall"] < 0.5  # field data only in script: the loop builds it
    assert res["rendered"]["all"]["pii_recall"] == 1.0 and res["rendered"]["all"]["pii_precision"] == 1.0
    assert res["rendered"]["all"]["fpr"] == 0.0 and res["rendered"]["synthetic"]["tpr"] == 1.0
    assert 0 < res["median_seconds"] <= res["max_seconds"]
    assert "rendered n=  2" in format_rendered(res)


# A web component: its config is base64 JSON, its fields live in an open shadow root and are labelled
# only by placeholder/aria-label, and its "Next" button is in the shadow root too.
SHADOW_CONFIG = [
    [{"p": "Full legal name", "a": "name"}, {"p": "Social security number", "a": "ssn"}],
    [{"p": "Card number", "a": "card"}, {"p": "One-time passcode sent by text", "a": "otp"}],
]
SHADOW_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Account review</title></head>
<body><p>Your account is on hold. Confirm your identity within 24 hours to avoid suspension.</p>
<acct-check data-cfg="{cfg}"></acct-check>
<script>
customElements.define('acct-check', class extends HTMLElement {{
  connectedCallback() {{
    const steps = JSON.parse(atob(this.dataset.cfg)); let i = 0;
    const root = this.attachShadow({{mode: 'open'}});
    const draw = () => {{
      root.innerHTML = '';
      for (const f of steps[i]) {{
        const inp = document.createElement('input');
        inp.placeholder = f.p; inp.setAttribute('aria-label', f.p);
        root.appendChild(inp);
      }}
      const b = document.createElement('button');
      b.textContent = i < steps.length - 1 ? 'Next' : 'Finish';
      b.addEventListener('click', () => {{ if (i < steps.length - 1) {{ i++; draw(); }} }});
      root.appendChild(b);
    }};
    draw();
  }}
}});
</script></body></html>"""


def test_fields_in_a_shadow_root_from_base64_config_are_named(data_dir: Path) -> None:
    import base64

    cfg = base64.b64encode(json.dumps(SHADOW_CONFIG).encode()).decode()
    html = SHADOW_PAGE.format(cfg=cfg)
    url = "https://acct-review-center.example/hold"
    assert not {"id_card", "bank_card"} & set(analyze_html(html, url).pii)
    findings, _, rendering = pagerender.render_findings(html, url, _settings(data_dir, offline=True))
    assert rendering is not None and len(rendering.snapshots) == 2 and rendering.clicks >= 1
    assert {"real_name", "id_card", "bank_card", "sms_code"} <= set(findings.pii)


def test_a_session_keeps_one_browser_and_leaves_nothing_behind(data_dir: Path) -> None:
    settings = _settings(data_dir, offline=True)
    html = "<div id=r></div><script>r.innerHTML = '<label>手机号<input type=tel></label>'</script>"
    with pagerender.RenderSession(settings) as session:
        first = session.render(html, "https://a.example/")
        roots = procwatch.marked_roots(session.marker)
        second = session.render(html, "https://b.example/")
        assert procwatch.marked_roots(session.marker) == roots and len(roots) == 1  # the same browser
    assert 'type="tel"' in first.snapshots[0] and 'type="tel"' in second.snapshots[0]
    assert procwatch.marked_tree(session.marker) == []


def test_cli_page_render_names_the_script_built_fields(tmp_path: Path) -> None:
    import io

    from scanner.cli import main

    page = tmp_path / "wizard.html"
    page.write_text(
        WIZARD.replace(
            '<script src="/app.js"></script>',
            f"<script>const STEPS = {_opaque(STEPS)};</script><script>"
            + APP_JS.replace("await (await fetch('/api/steps')).json()", "STEPS")
            + "</script>",
        ),
        encoding="utf-8",
    )
    args = [str(page), "--url", "http://verify-acct.example/", "--json", "--lang", "en"]
    static, rendered = io.StringIO(), io.StringIO()
    assert main(["page", *args], out=static) in (0, 1)
    assert main(["page", *args, "--render", "--offline"], out=rendered) == 1  # it warns
    assert "bank_card" not in json.loads(static.getvalue())["pii"]
    doc = json.loads(rendered.getvalue())
    assert {"id_card", "bank_card", "sms_code"} <= set(doc["pii"])
    assert "page.rendered" in {r["code"] for r in doc["reasons"]} and doc["offline"] is True


def test_the_page_keeps_the_origin_it_was_served_from(data_dir: Path) -> None:
    """No HTTPS upgrade: an http:// page's scripts see http:// (its relative requests go there too)."""
    html = "<title>t</title><script>document.title = location.href</script>"
    for url in ("http://plain-http-shop.cc/a/b?x=1", "https://tls-shop.example/"):
        rendering = pagerender.render_page(html, url, _settings(data_dir, offline=True))
        assert f"<title>{url}</title>" in rendering.snapshots[0]


def test_a_form_built_inside_a_srcdoc_frame_is_read(data_dir: Path) -> None:
    inner = (
        "<div id=f></div><script>const f = document.getElementById('f');"
        "for (const [k, l] of [['idno', '证件号码'], ['cardno', '银行卡号']]) {"
        "const i = document.createElement('input'); i.name = k; i.placeholder = l; f.append(i); }</script>"
    )
    import html as html_lib

    html = f'<title>领取补贴</title><iframe srcdoc="{html_lib.escape(inner)}"></iframe>'
    url = "https://butie-lingqu.example/"
    assert not {"id_card", "bank_card"} & set(analyze_html(html, url).pii)
    findings, _, rendering = pagerender.render_findings(html, url, _settings(data_dir, offline=True))
    assert rendering is not None and len(rendering.frames) == 1
    assert {"id_card", "bank_card"} <= set(findings.pii)
