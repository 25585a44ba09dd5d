"""The bundled URL-shortener lists: which hosts hide a link's destination. Pure data, read lazily.

``url_shorteners_active.txt`` and ``url_shorteners_inactive.txt`` (the public shortener lists) and
``shorteners_cn_extra.txt`` (Chinese shorteners they miss) ship in ``blocklists/``.
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


def shortener_status(host: str) -> tuple[str, str] | None:
    """``("active"|"cn_extra"|"inactive", matched_domain)`` when ``host`` is a URL shortener.

    The most specific listed domain wins (``m.tb.cn`` is active though ``tb.cn`` is not).

    >>> shortener_status("t.cn")
    ('active', 't.cn')
    >>> shortener_status("xhslink.com")
    ('cn_extra', 'xhslink.com')
    """
    active, extra, inactive = _shortener_lists()
    labels = host.rstrip(".").lower().split(".")
    for i in range(len(labels) - 1):
        d = ".".join(labels[i:])
        if d in active:
            return "active", d
        if d in extra:
            return "cn_extra", d
        if d in inactive:
            return "inactive", d
    return None
