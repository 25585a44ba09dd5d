"""Fuzz the page readers: meta refresh / JS redirect extraction, wrapper decoding, HTML analysis.

Pages are built from hostile fragments (unclosed tags, nested scripts, escapes, huge attributes,
lone surrogates) so the parsers see the shapes that break regex- and tree-based readers. No input may
raise anything but a typed error, and the worst-case shapes must stay fast (no regex blow-up).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from scanner.redirects import PageScan, decode_app_link, decode_wrapper, find_page_redirects, parse_refresh

from .conftest import ANY_CHAR, FUZZ, HOSTILE_TEXT, only_typed_errors

_JS = st.sampled_from(
    [
        'location.href = "',
        "location='",
        "window.location.replace(",
        "top.location.assign(`",
        'location["href"]=',
        "document.location = atob('",
        "setTimeout(\"location.href='",
        "window.open('",
        "','_self')",
        "document.getElementById('go').click()",
        "document.forms[0].submit()",
        "\\x68\\x74\\x74\\x70",
        "\\u0068",
        "\\u{1F600}",
        '" + "',
        "'.concat('",
        "aHR0cDovL2IudGVzdC94",
        '");',
        "';",
        "`;",
        "\n",
        "//",
        "/*",
        "*/",
        "${x}",
        "\\",
        "\\\\",
        "eval(",
        "unescape('%68",
        "String.fromCharCode(104,",
        "location",
        "=",
        "==",
        ";",
    ]
)
_TAGS = st.sampled_from(
    [
        "<html>",
        "<head>",
        "<body>",
        "</body>",
        "<script>",
        "</script>",
        "<script type=text/template>",
        "<noscript>",
        "</noscript>",
        '<meta http-equiv="refresh" content="',
        "<meta http-equiv=REFRESH content=",
        "0;url=",
        "0; URL='",
        "5,url=",
        '">',
        "<meta charset=gbk>",
        "<meta charset=utf-16>",
        "<title>",
        "</title>",
        '<form action="',
        '" method=post>',
        "</form>",
        '<input name="idcard" placeholder="身份证号">',
        "<input type=password name=paypwd>",
        "<input name=phone placeholder=手机号>",
        '<a id="go" href="',
        "<iframe src=",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<svg><script>",
        "<math>",
        "<template>",
        "<style>",
        "</style>",
        "<textarea>",
        "<plaintext>",
        "<xmp>",
        "&#x68;",
        "&amp;",
        "&#0;",
        "&#xD800;",
        "<a href=javascript:alert(1)>",
        "兼职注册领佣金",
        "免费领取礼品",
        "请填写银行卡号",
        "<",
        ">",
        '"',
        "'",
    ]
)
HTML = st.lists(st.one_of(_TAGS, _JS, st.text(ANY_CHAR, max_size=30), HOSTILE_TEXT), max_size=40).map("".join)

# Pathological pages a crafted landing page could serve (the fetcher reads at most 512 KiB per hop;
# the extension may send up to 2 MiB of rendered HTML).
WORST = [
    "<script>" + "'" + "\\" * 100_000 + "</script>",
    "<script>location.href=" + '"a"+' * 20_000 + "</script>",
    '<meta http-equiv=refresh content="0;url=' + "a" * 400_000 + '">',
    "<script>" * 20_000,
    "<form action=x>" * 5_000 + "<script>f.submit()</script>",
    "<script>" + "atob('" + "A" * 300_000 + "')</script>",
    "<script>document.getElementById('" + "x" * 190 + "').click()</script>" * 2_000,
    "<div>" * 5_000,
    # These three took 4–80 s in find_page_redirects before it was fixed (test_found_bugs.py):
    '<script>setTimeout("' * 5_000 + "</script>",
    "<script>" + "location=" * 60_000 + "</script>",
    "<div>" * 50_000,
]


@FUZZ
@given(HTML)
@example("")
@example('<script>location.href = "http://b.test/x";</script>')
@example("<noscript><meta http-equiv=refresh content=\"0;URL='http://b.test/m'\"></noscript>")
@example("<script>window.location = atob('aHR0cDovL2IudGVzdC94')</script>")
@example("\ud800<script>location='\ud800'</script>")
def test_find_page_redirects_never_crashes(html: str) -> None:
    scan = only_typed_errors(find_page_redirects, html)
    if isinstance(scan, PageScan):
        for r in scan.redirects:
            assert r.kind in ("meta", "js_static")
            assert isinstance(r.target, str) and r.target
            assert r.delay >= 0


@FUZZ
@given(st.one_of(HOSTILE_TEXT, st.text(ANY_CHAR, max_size=80)))
@example("0;URL='http://b.test/m'")
@example("1e0; url=foo")
@example('0;url="' + "'" * 3000)
def test_parse_refresh_never_crashes(content: str) -> None:
    out = only_typed_errors(parse_refresh, content)
    if out is not None and not isinstance(out, Exception):
        delay, url = out
        assert delay >= 0 and isinstance(url, str)


_WRAP = st.sampled_from(
    [
        "https://link.zhihu.com/?target=",
        "https://links.jianshu.com/go?to=",
        "https://www.douban.com/link2/?url=",
        "https://link.juejin.cn/?target=",
        "https://gitee.com/link?target=",
        "https://link.csdn.net/?target=",
        "https://c.pc.qq.com/middlem.html?pfurl=",
        "https://docs.qq.com/scenario/link.html?url=",
        "https://weixin110.qq.com/cgi-bin/mmspamsupport-bin/newredirectconfirmcgi?main_type=2&evil_type=20&url=",
        "https://www.google.com/url?q=",
        "https://tieba.baidu.com/safecheck/index?url=",
        "alipays://platformapi/startapp?appId=1&url=",
        "intent://x#Intent;S.browser_fallback_url=",
        "weixin://x?url=",
        "taobao://x?h5Url=",
        "http://[::1",
        "https://link.zhihu.com:99999/?target=",
    ]
)


@FUZZ
@given(_WRAP, st.one_of(HOSTILE_TEXT, st.text(ANY_CHAR, max_size=60)))
@example("https://link.zhihu.com/?target=", "https%3A%2F%2Fb.test%2Fw")
@example("http://[::1", "]/?target=x")
def test_wrapper_and_app_link_decoding_never_crash(prefix: str, rest: str) -> None:
    for fn in (decode_wrapper, decode_app_link):
        hit = only_typed_errors(fn, prefix + rest)
        if hit is not None and not isinstance(hit, Exception):
            assert isinstance(hit.target, str) and hit.target


@FUZZ
@given(
    HTML,
    st.sampled_from(
        [
            "https://a.test/p",
            "http://例子.cn/",
            "https://127.0.0.1:8443/x?y#z",
            "https://xn--fiqs8s.com/",
            "http://a.test/" + "%" * 300,
        ]
    ),
)
@example("<form><input name=idcard placeholder=身份证号><input type=password></form>", "https://a.test/")
@example("<title>\ud800</title><input name=\ud800>", "https://a.test/")
def test_page_analysis_never_crashes(html: str, url: str) -> None:
    """``heuristics.page.analyze_html`` and the pipeline's ``analyze_page`` on crafted pages."""
    from scanner.heuristics.page import analyze_html
    from scanner.models import Report
    from scanner.pipeline import Scanner
    from scanner.settings import Settings

    findings = only_typed_errors(analyze_html, html, url)
    assert not isinstance(findings, Exception) or hasattr(findings, "code")
    report = only_typed_errors(
        Scanner(Settings.load(environ={}, use_lists=False)).analyze_page, html, url, use_lists=False
    )
    if isinstance(report, Report):
        assert report.input_kind == "page"
        report.to_dict()


_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
import robust.test_fuzz_pages as m
which, pages = sys.argv[2], getattr(m, sys.argv[3])
if which == "redirects":
    from scanner.redirects import find_page_redirects as fn
    args, cap = (), 512 * 1024
else:
    from scanner.heuristics.page import analyze_html as fn
    args, cap = ("https://a.test/",), 2 * 1024 * 1024
for i, html in enumerate(pages):
    t0 = time.perf_counter()
    fn(html[:cap], *args)
    print(i, round(time.perf_counter() - t0, 3), flush=True)
"""


def page_timings(which: str, pages: str, budget: float) -> dict[int, float]:
    """Seconds per page of ``pages`` (a list in this module) read by ``which``, in a child process
    killed after ``budget`` seconds (so a regex that runs away cannot hang the suite)."""
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(root / "tests"), which, pages],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=budget,
        ).stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
    return {int(i): float(t) for i, t in (line.split() for line in out.splitlines() if line.strip())}


@pytest.mark.parametrize("which", ["redirects", "page"])
def test_worst_case_pages_stay_fast(which: str) -> None:
    """Each pathological page is read in under ``limit`` seconds."""
    limit, budget = 3.0, 40.0
    times = page_timings(which, "WORST", budget)
    slow = {WORST[i][:40]: t for i, t in times.items() if t > limit}
    unfinished = [WORST[i][:40] for i in range(len(WORST)) if i not in times]
    assert not slow and not unfinished, f"over {limit} s: {slow}; unfinished after {budget} s: {unfinished}"
