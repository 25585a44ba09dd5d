"""Brands in host names: the catalogue (``scanner/data/brands.toml``), whole-token matching, owned
domains and brand TLDs, and one-typo look-alikes. Used by the URL, text and page heuristics."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .urlwords import _KEYWORD_RE, _KEYWORDS


def _data_text(name: str) -> str:
    return resources.files("scanner").joinpath("data", name).read_text(encoding="utf-8")


def _data_lines(name: str) -> Iterable[list[str]]:
    for line in _data_text(name).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield line.split()


@cache
def brand_tlds() -> frozenset[str]:
    """Brand TLDs (``.aws``, ``.google``): every name under one belongs to that brand."""
    return frozenset(p[0].lower() for p in _data_lines("brand_tlds.txt"))


@dataclass(frozen=True, slots=True)
class Brand:
    """One brand: its key, host tokens, display names and official registrable domains."""

    key: str
    host: tuple[str, ...]
    word: frozenset[str]
    names: tuple[str, ...]
    domains: frozenset[str]

    @property
    def label(self) -> str:
        """The name shown to people."""
        return self.names[0] if self.names else self.key

    def owns(self, host: str) -> bool:
        """True when ``host`` is one of the brand's domains or under one."""
        h = host.lower().rstrip(".")
        return any(h == d or h.endswith("." + d) for d in self.domains)


@cache
def brands() -> tuple[Brand, ...]:
    """All brands of ``brands.toml``."""
    raw = tomllib.loads(_data_text("brands.toml"))
    out = []
    for key, b in raw.items():
        out.append(
            Brand(
                key=key,
                host=tuple(t.lower() for t in b.get("host", ())),
                word=frozenset(t.lower() for t in b.get("word", ())),
                names=tuple(b.get("names", ())),
                domains=frozenset(d.lower() for d in b.get("domains", ())),
            )
        )
    return tuple(out)


@cache
def _brand_tokens() -> tuple[dict[str, Brand], dict[str, Brand], tuple[int, ...]]:
    """``(whole-part tokens, affix tokens, affix lengths)``.

    Short or common tokens (``jd``, ``etc``, ``apple``) only count as a whole part of a label;
    longer ones (``paypal``, ``10086``) also count at the start or end of a part
    (``paypalsecure``, ``secure-10086jf``), never buried in the middle (``hicloudcam`` is not
    ``icloud``).
    """
    whole: dict[str, Brand] = {}
    affix: dict[str, Brand] = {}
    for b in brands():
        for t in b.host:
            whole.setdefault(t, b)
            if t not in b.word and len(t) >= 5:
                affix.setdefault(t, b)
    return whole, affix, tuple(sorted({len(t) for t in affix}))


_PARTS = re.compile(r"[a-z]+|[0-9]+")


def _brand_hits(text: str) -> list[tuple[Brand, str, str]]:
    """``(brand, token, part)`` for brand tokens in a dotted/hyphenated name."""
    whole, affix, lens = _brand_tokens()
    out = []
    for label in text.split("."):
        for part in label.split("-"):
            if not part:
                continue
            subs = [part] if part.isalpha() or part.isdigit() else [part, *_PARTS.findall(part)]
            for p in subs:
                b = whole.get(p)
                if b is not None:
                    out.append((b, p, part))
                    continue
                for k in lens:
                    if k >= len(p):
                        break
                    for cand, rest in ((p[:k], p[k:]), (p[-k:], p[:-k])):
                        b = affix.get(cand)
                        if b is not None and _is_glue_word(rest):
                            out.append((b, cand, part))
    return out


# Words glued to a brand in look-alike names (paypalsecure, tiktokshop, applesupport): besides the
# lure vocabulary (_KEYWORDS), these. Anything else glued on makes a different name: "xiaoming" is a
# person's name, not Xiaomi + "ng"; "hicloudcam" is not iCloud.
_GLUE = frozenset(
    "shop store mall app apps web site online help care center centre service services pay payment "
    "id my the get go official vip hk cn us uk au ca jp tw sg my global intl home club pro plus "
    "team info mail box cloud net hub desk page pages link now today gift card cards center bank "
    "auth user users member members ticket tickets job jobs work cash loan deal deals sale sales "
    "es de fr it br mx in id ph vn th kr ru tr".split()
)


def _is_glue_word(rest: str) -> bool:
    """True when ``rest`` (what is left of a part beside a brand token) is a word on its own."""
    if not rest or rest.isdigit():
        return True
    if rest in _GLUE or rest in _KEYWORDS:
        return True
    return any(rest.startswith(k) and len(k) >= 4 for k in _KEYWORDS) or bool(
        _KEYWORD_RE.fullmatch(rest))


def _brand_owned(host: str) -> bool:
    """The host is under a registrable domain a catalogued brand owns (then only structural tricks count)."""
    labels = host.split(".")
    owned = _owned_domains()
    return labels[-1] in brand_tlds() or any(".".join(labels[i:]) in owned for i in range(len(labels) - 1))


@cache
def _owned_domains() -> frozenset[str]:
    return frozenset(d for b in brands() for d in b.domains if "." in d and d not in _SHARED_SUFFIXES)


# Domains listed for a brand that many others share (never treat all of gov.cn as "owned").
_SHARED_SUFFIXES = frozenset({"gov.cn", "gov.uk", "mass.gov"})


@cache
def _deletes() -> dict[str, Brand]:
    """Symmetric-delete index of brand tokens (6+ letters) for one-edit look-alikes."""
    out: dict[str, Brand] = {}
    for b in brands():
        for t in b.host:
            if len(t) >= 6 and t.isalpha():
                if len(t) >= 7:
                    for i in range(len(t)):
                        out.setdefault(t[:i] + t[i + 1 :], b)
    return out


def _one_edit(word: str) -> tuple[Brand, str] | None:
    """The brand whose token (7+ letters) is one typo from ``word``.

    Typos counted: a dropped letter (``myetherwalet``), a doubled letter (``coinbasee``), one
    letter replaced or two swapped (``ledqer``, ``paypla``). Not counted: an extra different
    letter (``tiktokv`` is a brand's own service name far more often than a fake).
    """
    whole = _brand_tokens()[0]
    n = len(word)
    if word in whole or n < 6 or n > 20:
        return None
    dels = _deletes()
    b = dels.get(word)  # word = token minus one letter
    if b is not None:
        return b, word
    for i in range(n):
        cand = word[:i] + word[i + 1 :]
        t = whole.get(cand)
        if t is not None and len(cand) >= 7 and i > 0 and word[i] == word[i - 1]:
            return t, word  # doubled letter
        b = dels.get(cand)
        if b is not None and any(len(tok) == n and _subst_or_swap(tok, word) for tok in b.host):
            return b, word
    return None


def _subst_or_swap(a: str, b: str) -> bool:
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


