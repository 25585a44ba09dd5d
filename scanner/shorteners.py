"""Which hosts are URL shorteners (they hide a link's destination), and whether one is dead.

The shortener lists are list sources like the blocklists (``blocklists/sources.toml``: category
``shortener``), so ``lurelens lists update`` and a list the user adds reach expansion through the
compiled index: :meth:`scanner.lists.ListSet.shortener` answers from it. This module holds the rules
both share and the bundled files, read lazily, that answer when there is no index (``--no-lists``:
shortener status is product data, like the popularity prior) and for dead shorteners, whose list
(``url_shorteners_inactive.txt``) is off in the index by default.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files

log = logging.getLogger(__name__)


def _read_list(name: str) -> frozenset[str]:
    try:
        text = files("blocklists").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        log.warning("shortener list %s missing", name)
        return frozenset()
    return frozenset(
        line.strip().lower().rstrip(".") for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    )


@cache
def _shortener_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    return (
        _read_list("url_shorteners_active.txt"),
        _read_list("shorteners_cn_extra.txt"),
        _read_list("url_shorteners_inactive.txt"),
    )


STATUS_OF_LIST = {"url-shorteners-cn": "cn_extra", "url-shorteners-inactive": "inactive"}
"""A shortener list's status word; every other list of the category (the user's too) is ``active``."""

_RANK = {"active": 0, "cn_extra": 1, "inactive": 2}


def most_specific(found: list[tuple[str, str]]) -> tuple[str, str] | None:
    """Of ``(status, domain)`` matches for one host: the longest domain; then active, cn_extra, inactive."""
    if not found:
        return None
    return min(found, key=lambda f: (-f[1].count("."), _RANK.get(f[0], 0)))


def _parents(host: str) -> list[str]:
    labels = host.rstrip(".").lower().split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def inactive_status(host: str) -> tuple[str, str] | None:
    """``("inactive", domain)`` when ``host`` is under a dead shortener of the bundled inactive list."""
    inactive = _shortener_lists()[2]
    return next((("inactive", d) for d in _parents(host) if d in inactive), None)


def shortener_status(host: str) -> tuple[str, str] | None:
    """``("active"|"cn_extra"|"inactive", matched_domain)`` from the bundled files alone.

    The most specific listed domain wins (``m.tb.cn`` is active though ``tb.cn`` is not).

    >>> shortener_status("t.cn")
    ('active', 't.cn')
    >>> shortener_status("xhslink.com")
    ('cn_extra', 'xhslink.com')
    """
    active, extra, inactive = _shortener_lists()
    for d in _parents(host):
        for status, table in (("active", active), ("cn_extra", extra), ("inactive", inactive)):
            if d in table:
                return status, d
    return None
