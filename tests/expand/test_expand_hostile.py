"""Hostile and malformed input never raises: parsers are total, the expander returns data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.expand import Expander, decode_html
from scanner.models import StopReason
from scanner.redirects import decode_app_link, decode_wrapper, find_page_redirects, parse_refresh

Make = Callable[..., Expander]

TOKENS = [*"<>/=\"' ;:{}()+.abcdefhlmnoprstuwxyz0123456789\n\\", "<script>", "</script>", "location.href",
          "meta", "http-equiv=refresh", "content=", "url=", "atob(", "function", "setTimeout(", "<noscript>",
          "window.open(", "_self", "`", "${", "//", "/*", "*/"]
HTMLISH = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTMLISH)
def test_page_scanner_is_total(html: str) -> None:
    scan = find_page_redirects(html)
    assert all(isinstance(r.target, str) for r in scan.redirects)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_refresh_parser_is_total(text: str) -> None:
    got = parse_refresh(text)
    assert got is None or (got[0] >= 0 and isinstance(got[1], str))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_wrapper_decoders_are_total(text: str) -> None:
    for url in (text, "https://link.zhihu.com/?target=" + text, "alipays://x?url=" + text,
                "intent://x#Intent;S.browser_fallback_url=" + text + ";end"):
        decode_wrapper(url)
        decode_app_link(url)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["", "text/html; charset=gbk", "text/html; charset=bogus",
                                                  "text/html; charset=utf-16"]))
def test_decode_html_is_total(body: bytes, ct: str) -> None:
    text, charset = decode_html(body, ct)
    assert isinstance(text, str) and charset


@pytest.mark.parametrize("url", ["", "   ", "http://", "http://[", "http://a b.test/", "::::", "x" * 20000,
                                 "http://" + "a." * 200 + "test/", "https://%zz/", "\x00\x01",
                                 "http://a.test:99999/", "mailto:a@b.test", "weixin://dl/business/?t=x"])
def test_expander_never_raises(expander: Make, url: str) -> None:
    for offline in (True, False):
        e = expander().expand(url, offline=offline)
        assert isinstance(e.stop_reason, StopReason) and e.chain
