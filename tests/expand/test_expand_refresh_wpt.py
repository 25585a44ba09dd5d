"""B-19: the WHATWG refresh parser against every vector of WPT's meta-refresh ``parsing.html``.

Vectors from web-platform-tests/wpt, html/semantics/document-metadata/the-meta-element/
pragma-directives/attr-meta-http-equiv-refresh/parsing.html (BSD-3-Clause). ``SELF`` stands for
the WPT page's own URL ('refresh.sub.html'): a refresh without a URL reloads the same page.
"""

from __future__ import annotations

import pytest

from scanner.redirects import parse_refresh

SELF = object()

WPT_VECTORS: list[tuple[str, list[object]]] = [
    ("", []), ("1", [1, SELF]), ("1 ", [1, SELF]), ("1\t", [1, SELF]), ("1\r", [1, SELF]),
    ("1\n", [1, SELF]), ("1\f", [1, SELF]), ("1;", [1, SELF]), ("1,", [1, SELF]),
    ("1; url=foo", [1, "foo"]), ("1, url=foo", [1, "foo"]), ("1 url=foo", [1, "foo"]),
    ("1;\turl=foo", [1, "foo"]), ("1,\turl=foo", [1, "foo"]), ("1\turl=foo", [1, "foo"]),
    ("1;\rurl=foo", [1, "foo"]), ("1,\rurl=foo", [1, "foo"]), ("1\rurl=foo", [1, "foo"]),
    ("1;\nurl=foo", [1, "foo"]), ("1,\nurl=foo", [1, "foo"]), ("1\nurl=foo", [1, "foo"]),
    ("1;\furl=foo", [1, "foo"]), ("1,\furl=foo", [1, "foo"]), ("1\furl=foo", [1, "foo"]),
    ("1url=foo", []), ("1x;url=foo", []), ("1 x;url=foo", [1, "x;url=foo"]),
    ("1;;url=foo", [1, ";url=foo"]), ("  1  ;  url  =  foo", [1, "foo"]),
    ("  1  ,  url  =  foo", [1, "foo"]), ("  1  ;  foo", [1, "foo"]), ("  1  ,  foo", [1, "foo"]),
    ("  1  url  =  foo", [1, "foo"]), ("1; url=foo ", [1, "foo"]), ("1; url=f\to\no", [1, "foo"]),
    ('1; url="foo"bar', [1, "foo"]), ("1; url='foo'bar", [1, "foo"]), ("1; url=\"foo'bar", [1, "foo'bar"]),
    ("1; url foo", [1, "url foo"]), ("1; urlfoo", [1, "urlfoo"]), ("1; urfoo", [1, "urfoo"]),
    ("1; ufoo", [1, "ufoo"]), ('1; "foo"bar', [1, "foo"]), ("; foo", []), (", foo", []), ("foo", []),
    ("+1; url=foo", []), ("-1; url=foo", []), ("+0; url=foo", []), ("-0; url=foo", []),
    ("0; url=foo", [0, "foo"]), ("+1; foo", []), ("-1; foo", []), ("+0; foo", []), ("-0; foo", []),
    ("0; foo", [0, "foo"]), ("+1", []), ("-1", []), ("+0", []), ("-0", []), ("0", [0, SELF]),
    ("1.9; url=foo", [1, "foo"]), ("1.9..5.; url=foo", [1, "foo"]), (".9; url=foo", [0, "foo"]),
    ("0.9; url=foo", [0, "foo"]), ("1e0; url=foo", []), ("1e1; url=foo", []), ("10e-1; url=foo", []),
    ("-0.1; url=foo", []),
]


def test_all_vectors_present() -> None:
    assert len(WPT_VECTORS) == 69  # every {input, expected} pair of the WPT file


@pytest.mark.parametrize(("content", "expected"), WPT_VECTORS, ids=[repr(v[0]) for v in WPT_VECTORS])
def test_wpt_vector(content: str, expected: list[object]) -> None:
    got = parse_refresh(content)
    if not expected:
        assert got is None
        return
    assert got is not None
    delay, url = got
    assert delay == expected[0]
    assert url == ("" if expected[1] is SELF else expected[1])
