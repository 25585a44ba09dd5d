"""Detection that needs no list: what a link, a message and a landing page show by themselves.

* :func:`url_reasons` — the link itself (``scanner.heuristics.url``);
* :func:`text_reasons` — lure wording in messages, QR text and page text (``…text``);
* :func:`analyze_html` — the personal data a page asks for, and whether its purpose allows it
  (``…page``).

All pure; their lists and vocabularies are data files under ``scanner/data/``. Every reason code
is documented in ``docs/heuristics.md``; ``scanner.verdict`` turns reasons into one verdict.
"""

from __future__ import annotations

from .page import PageFindings, analyze_html
from .text import normalize, text_reasons
from .url import url_reasons

__all__ = ["PageFindings", "analyze_html", "normalize", "text_reasons", "url_reasons"]
