"""Landing-page analysis: which personal data a page asks for, why, and whether its purpose needs it.

Pure: :func:`analyze_html` takes HTML text and the URL it was served from; :func:`analyze_view`
takes an already-built :class:`~scanner.htmltree.PageView` (one parse, shared with the title and
redirect readers, and cheap to call again on several DOM snapshots of one page from a renderer).

1. Fields (:mod:`.fields`): every control of the markup, templates and script data, named from all
   its evidence with the vocabulary of ``scanner/data/pii_vocab.toml``.
2. Purpose (:mod:`.purpose`): ordering, parcel, Wi-Fi, survey, lucky draw, checkout… from
   ``scanner/data/purposes.toml``; the data a purpose does not need is the surplus.
3. Rules (:mod:`.rules`): small heuristics over the context, each with its reason code. A bank or
   railway page on its own domain may ask for an ID number; a "free gift" page on a fresh domain
   may not; anti-fraud articles and official pages stay quiet.

Work is bounded on hostile HTML (sizes and counts are capped; no script is executed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...htmltree import PageView, page_view
from ...models import PII_KINDS, Reason
from ...verdict import PAGE_FIELD_WEIGHTS as FIELD_WEIGHTS
from ..text import NOT_LURE, normalize, text_reasons
from ..url import Brand, brands
from .fields import FACE_WORDS, HOLD_ID, Field, classify_key, classify_label, page_fields
from .purpose import page_purpose
from .rules import RULES, Context, host_parts

__all__ = [
    "FIELD_WEIGHTS",
    "PageFindings",
    "analyze_html",
    "analyze_view",
    "classify_key",
    "classify_label",
    "page_view",
]

MAX_HTML = 3 * 1024 * 1024
"""Characters of HTML parsed (the rest is ignored)."""
MAX_LURE_TEXT = 4000
"""Characters of visible text read for lure words (the density scaling uses the whole text)."""


@dataclass(frozen=True, slots=True)
class PageFindings:
    """What one page shows: reasons, the personal data it asks for, its title and claimed brand."""

    reasons: tuple[Reason, ...]
    pii: tuple[str, ...]
    """Subset of :data:`scanner.models.PII_KINDS`, in that order."""
    title: str = ""
    brand: str | None = None
    """The brand the page presents itself as (display name), if any."""
    official: bool = False
    """True when the brand on the page owns the serving domain (or it is a gov/edu site)."""
    purpose: str | None = None
    """The page's purpose (a key of ``purposes.toml``) when one clearly leads."""


def _page_brand(view: PageView) -> Brand | None:
    """The brand the page presents itself as: its title, logo, main heading, header or copyright line.

    Footers and banners also list partners and payment methods (支付宝, 银联…): only the text right
    after a ``©``/``版权所有``/``Copyright`` mark counts there (the view keeps only that part).
    """
    blob = normalize(" ".join(view.brand_spots))
    best: tuple[int, Brand] | None = None
    for b in brands():
        for name in b.names:
            n = normalize(name)
            if len(n) < 2 or (n.isascii() and len(n) < 3):
                continue
            if n.isascii():
                hit = re.search(r"(?<![a-z0-9])" + re.escape(n) + r"(?![a-z0-9])", blob) is not None
            else:
                hit = n in blob
            if hit and (best is None or len(n) > best[0]):
                best = (len(n), b)
    return best[1] if best else None


_OFFICIAL_SUFFIX = re.compile(
    r"(?:^|\.)(?:gov|edu|mil)(?:\.[a-z]{2})?$|\.gov\.[a-z]{2,3}$|\.edu\.[a-z]{2,3}$"
)
_S_CAMERA = re.compile(r"getUserMedia\s*\(|mediaDevices")
_S_CAPTURE = re.compile(r"toDataURL|drawImage|takePhoto|MediaRecorder")
_TELEGRAM = re.compile(r"api\.telegram\.org/bot|t\.me/bot|sendMessage\?chat_id")


def _official(brand: Brand | None, host: str) -> bool:
    if _OFFICIAL_SUFFIX.search(host) or (brand is not None and brand.owns(host)):
        return True
    if brand is None and host:
        return any(b.owns(host) and not b.domains <= {"gov.cn"} for b in brands())
    return False


def _strongest(fields: list[Field]) -> dict[str, Field]:
    kinds: dict[str, Field] = {}
    for f in fields:
        old = kinds.get(f.kind)
        if old is None or (f.payment and not old.payment) or (f.upload and not old.upload):
            kinds[f.kind] = f
    return kinds


def _face_evidence(view: PageView, fields: list[Field], norm: str) -> tuple[list[Field], bool]:
    """A face scan the page asks for through the camera (script or capture input), or its text."""
    camera = any(
        _S_CAMERA.search(s) and _S_CAPTURE.search(s) and re.search(r"video|facingMode", s)
        for s in view.js[:50]
    )
    capture = any(f.kind == "face" for f in fields)
    out = list(fields)
    has_id = any(f.kind == "id_card" for f in fields)
    if camera and not capture:
        out.append(Field("face", "camera (getUserMedia)"))
    elif (
        not capture
        and FACE_WORDS.search(norm)
        and has_id
        and re.search(r"video|camera|摄像头", view.html_head[:200_000], re.I)
    ):
        out.append(Field("face", "face scan"))
    if HOLD_ID.search(norm) and has_id:
        out.append(Field("face", "手持身份证"))
    return out, camera


def analyze_view(view: PageView, url: str, *, popular: bool | None = None) -> PageFindings:
    """Everything the page in ``view`` shows, served from ``url`` (see the module docstring).

    ``popular``: whether the serving domain is on the popularity list, when the caller knows.
    """
    host, reg, scheme = host_parts(url)
    # Lure words are read in the first part of the text: a harvest page says why you should comply
    # near its form, and the lure vocabulary costs ~50 µs a character on long articles.
    page_text = f"{view.title} {view.text[:MAX_LURE_TEXT]}"
    norm = normalize(page_text)
    fields, camera = _face_evidence(view, page_fields(view), norm)
    kinds = _strongest(fields)
    pii = tuple(k for k in PII_KINDS if k in kinds)
    brand = _page_brand(view)
    tr = text_reasons(page_text, message=False)
    # Why the user would comply. On a page, "asks for PII" is what the form itself does: not a lure.
    ctx = Context(
        view=view,
        url=url,
        host=host,
        reg=reg,
        scheme=scheme,
        fields=kinds,
        pii=pii,
        brand=brand,
        official=_official(brand, host),
        text_reasons=tr,
        advice=any(r.code == "text.advice_context" for r in tr),
        lure_weight=max((r.weight for r in tr if r.code not in NOT_LURE), default=0),
        purpose=page_purpose(view, url, norm),
        lure_text=page_text,
        lure_norm=norm,
        popular=popular,
        camera=camera,
        telegram=any(_TELEGRAM.search(s) for s in view.js[:200]),
    )
    reasons = [r for rule in RULES for r in rule(ctx)]
    return PageFindings(
        reasons=tuple(reasons),
        pii=pii,
        title=view.title[:200],
        brand=brand.label if brand else None,
        official=ctx.official,
        purpose=ctx.purpose.key if ctx.purpose else None,
    )


def analyze_html(html: str, url: str, *, popular: bool | None = None) -> PageFindings:
    """:func:`analyze_view` of ``html`` (the first :data:`MAX_HTML` characters). Never raises on bad HTML."""
    html = html or ""
    return analyze_view(page_view(html if len(html) <= MAX_HTML else html[:MAX_HTML]), url, popular=popular)
