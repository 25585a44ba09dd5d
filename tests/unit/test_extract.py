"""Links from real chat messages (issue 2 §5)."""

from __future__ import annotations

import pytest

from scanner.extract import extract_links


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        pytest.param(
            "兼职注册APP，日结佣金，点击 t.cn/A6xYz 领取", ["http://t.cn/A6xYz"], id="schemeless-in-chinese"
        ),
        pytest.param("访问https://a.example/x限时领取", ["https://a.example/x"], id="glued-to-chinese"),
        pytest.param("http：／／evil。com／login", ["http://evil.com/login"], id="fullwidth-punctuation"),
        pytest.param("ＷＷＷ．ＥＸＡＭＰＬＥ．ＣＯＭ", ["http://WWW.EXAMPLE.COM"], id="fullwidth-letters"),
        pytest.param("www。x。cn/p。", ["http://www.x.cn/p"], id="ideographic-dots"),
        pytest.param(
            "hxxps://evil[.]com/a and fxp://x[.]org", ["https://evil.com/a", "ftp://x.org"], id="defanged"
        ),
        pytest.param("see evil(.)com/path", ["http://evil.com/path"], id="defanged-paren-dot"),
        pytest.param(
            "1) https://a.example/x, 2) www.b-shop.com; 3) c-shop.cn/q?x=1!",
            ["https://a.example/x", "http://www.b-shop.com", "http://c-shop.cn/q?x=1"],
            id="several-with-punctuation",
        ),
        pytest.param(
            "(see http://a.example/wiki/X_(y))", ["http://a.example/wiki/X_(y)"], id="balanced-parens"
        ),
        pytest.param("“https://a.example/q”", ["https://a.example/q"], id="curly-quotes"),
        pytest.param("【链接】https://a.example/x】", ["https://a.example/x"], id="cjk-brackets"),
        pytest.param("https://中国.cn/x", ["https://中国.cn/x"], id="idn-host"),
        pytest.param("go to 1.2.3.4/login now", ["http://1.2.3.4/login"], id="bare-ip-with-path"),
        pytest.param("weixin://dl/business/?t=abc", ["weixin://dl/business/?t=abc"], id="app-scheme"),
        pytest.param("mail me: a@b-shop.com", [], id="email-is-not-a-link"),
        pytest.param("version 1.2.3, file.txt, readme.md, e.g. this", [], id="not-links"),
        pytest.param("", [], id="empty"),
    ],
)
def test_extract_links(text: str, urls: list[str]) -> None:
    assert [f.url for f in extract_links(text)] == urls


def test_original_span_is_exact() -> None:
    text = "点击 hxxp://evil[.]com/a 领取"
    (found,) = extract_links(text)
    assert found.original == "hxxp://evil[.]com/a"
    assert text[found.start : found.end] == found.original
    assert found.defanged


def test_limit() -> None:
    text = " ".join(f"https://a{i}.example/" for i in range(50))
    assert len(extract_links(text, limit=7)) == 7


def test_thousands_of_bare_names_take_linear_time() -> None:
    # A 120 KB paste of bare names took 15.8 s when each match was compared with every link found
    # before it (a check the local API would run for any web page that asks).
    import time

    start = time.perf_counter()
    found = extract_links("b.cn " * 24000)
    assert len(found) == 100
    assert time.perf_counter() - start < 3.0
