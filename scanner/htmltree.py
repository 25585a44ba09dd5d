"""HTML parsing that stays fast on hostile pages: one place that feeds lexbor.

Lexbor (like every HTML5 parser) slows down quadratically with nesting depth: 50,000 nested ``<div>``
take seconds. Real pages nest a few dozen levels, so before parsing, any start tag that would nest
deeper than :data:`MAX_DEPTH` is dropped (its content is kept): the text and the form fields a check
looks at survive, the crafted depth does not.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

MAX_DEPTH = 512
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,40})\b[^<>]{0,4096}?(/?)>")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr basefont bgsound frame keygen"
    .split()
)


def flatten_deep_nesting(html: str, max_depth: int = MAX_DEPTH) -> str:
    """``html`` with start tags past ``max_depth`` removed (content kept); unchanged when shallow.

    >>> flatten_deep_nesting("<div>" * 5 + "x", max_depth=3)
    '<div><div><div>x'
    """
    closes = html.count("</")
    if html.count("<") - 2 * closes <= max_depth:  # cheap pre-check: few unclosed tags
        return html
    depth = 0

    def keep(m: re.Match[str]) -> str:
        nonlocal depth
        closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or selfclose:
            return m.group(0)
        if closing:
            depth = max(0, depth - 1)
            return m.group(0)
        if depth >= max_depth:
            return ""
        depth += 1
        return m.group(0)

    return _TAG.sub(keep, html)


def parse_html(html: str) -> LexborHTMLParser:
    """A lexbor tree of ``html`` after :func:`flatten_deep_nesting`."""
    return LexborHTMLParser(flatten_deep_nesting(html))
