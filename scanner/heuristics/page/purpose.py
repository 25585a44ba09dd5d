"""What a page is for, and which of the data it asks for that purpose does not need.

The table is data (``scanner/data/purposes.toml``): purpose → cue words, words for people, and the
personal data it plausibly needs. A purpose is read from the title and headings, the URL path and
the visible text; it is given only when one purpose clearly leads, so an ordinary page with mixed
words gets none (and no surplus is reported).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import unquote

from ...htmltree import PageView
from ...models import PII_KINDS
from ..text import normalize

__all__ = ["Purpose", "page_purpose", "purposes", "surplus"]

MIN_SCORE = 3
"""Points a purpose needs (one cue in the title or a heading is enough)."""


@dataclass(frozen=True, slots=True)
class Purpose:
    """One row of the purposes table."""

    key: str
    zh: str
    en: str
    cues: tuple[str, ...]
    needs: frozenset[str]
    ordinary: bool = False
    """A side form of an ordinary page (comments, newsletter)."""


@cache
def purposes() -> tuple[Purpose, ...]:
    """All rows of ``purposes.toml``, in file order (earlier rows win ties)."""
    raw = tomllib.loads(resources.files("scanner").joinpath("data/purposes.toml").read_text(encoding="utf-8"))
    out = []
    for key, row in raw.items():
        needs = frozenset(row["needs"])
        unknown = needs - set(PII_KINDS)
        if unknown:
            raise ValueError(f"purposes.toml [{key}]: unknown kinds {sorted(unknown)}")
        cues = tuple(normalize(c) for c in row["cues"])
        out.append(Purpose(key, row["zh"], row["en"], cues, needs, bool(row.get("ordinary", False))))
    return tuple(out)


@cache
def _cue_rx(cue: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(cue) + r"(?![a-z0-9])")


def _hits(cue: str, text: str) -> int:
    """Occurrences of a cue (Latin cues as whole words: "menu" is not in "menus")."""
    if cue.isascii():
        return len(_cue_rx(cue).findall(text)) if cue in text else 0
    return text.count(cue)


def page_purpose(view: PageView, url: str, body: str | None = None) -> Purpose | None:
    """The page's purpose when one clearly leads (≥ :data:`MIN_SCORE` points and ahead of the next).

    ``body``: the page's text already normalised, when the caller has it.
    """
    head = normalize(" ".join((view.title, *view.headings[:20])))
    body = normalize(view.text[:8000]) if body is None else body
    path = normalize(unquote(url.split("//", 1)[-1].split("/", 1)[-1] if "/" in url else ""))[:300]
    scored: list[tuple[int, int, Purpose]] = []
    for n, p in enumerate(purposes()):
        points = 0
        for cue in p.cues:
            points += 3 * min(_hits(cue, head), 1) + 2 * min(_hits(cue, path), 1)
            points += min(_hits(cue, body), 3)
        if points:
            scored.append((points, -n, p))
    if not scored:
        return None
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    best = scored[0]
    if best[0] < MIN_SCORE or (len(scored) > 1 and scored[1][0] == best[0]):
        return None
    return best[2]


def surplus(purpose: Purpose, pii: Sequence[str]) -> tuple[str, ...]:
    """The kinds of ``pii`` the purpose does not need, in :data:`scanner.models.PII_KINDS` order."""
    return tuple(k for k in PII_KINDS if k in pii and k not in purpose.needs)
