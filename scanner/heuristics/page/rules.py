"""The page heuristics: small functions over a :class:`Context`, each with its reason codes.

:func:`scanner.heuristics.page.analyze_view` builds the context once (fields, purpose, brand, the
page's own lure words) and runs :data:`RULES` in order. The scoring constants live in
:mod:`scanner.verdict` (``PAGE_*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ... import verdict as V
from ...canonical import canonicalize
from ...errors import InvalidURL
from ...htmltree import PageView
from ...models import Reason, Severity
from ...pii import pii_words
from ...reasons import make
from ..text import lure_points
from ..url import Brand
from .fields import Field
from .purpose import Purpose, surplus

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO


SENSITIVE = ("id_card", "bank_card", "face", "sms_code", "password")


@dataclass
class Context:
    """Everything the rules read about one page, computed once by ``analyze_view``."""

    view: PageView
    url: str
    host: str
    reg: str
    scheme: str
    fields: dict[str, Field]
    """The strongest field of each kind asked for."""
    pii: tuple[str, ...]
    brand: Brand | None
    official: bool
    text_reasons: list[Reason]
    advice: bool
    lure_weight: int
    purpose: Purpose | None
    lure_text: str = ""
    """Title and the first part of the visible text (what lure words are read in)."""
    lure_norm: str = ""
    """``lure_text`` normalised (:func:`scanner.heuristics.text.normalize`), computed once."""
    popular: bool | None = None
    """The serving domain is on the popularity list (``None``: not known here)."""
    camera: bool = False
    telegram: bool = False
    extra: list[Reason] = field(default_factory=list)

    @property
    def payment(self) -> bool:
        """A payment/ATM/service password is asked for."""
        f = self.fields.get("password")
        return f is not None and f.payment

    @property
    def form(self) -> int:
        """The form weight (:data:`scanner.verdict.PAGE_FIELD_WEIGHTS`)."""
        return sum(V.PAGE_FIELD_WEIGHTS[k] for k in self.pii) + (2 if self.payment else 0)

    @property
    def sensitive(self) -> list[str]:
        return [k for k in self.pii if k in SENSITIVE]

    @property
    def side_form(self) -> bool:
        """The form is an ordinary page's side form (comments, newsletter) asking nothing sensitive."""
        return self.purpose is not None and self.purpose.ordinary and not self.sensitive

    @property
    def strong_field(self) -> bool:
        return any(k in self.fields for k in ("id_card", "bank_card", "face")) or self.payment


def host_parts(url: str) -> tuple[str, str, str]:
    """``(host, registrable domain, scheme)`` as the browser reads ``url`` (``scanner.canonical``)."""
    try:
        c = canonicalize(url, infer_scheme=False)
    except (InvalidURL, ValueError):
        return "", "", url.split(":", 1)[0].lower() if ":" in url else ""
    return c.host, c.registrable_domain or c.host, c.scheme


def _named(
    code: str,
    kinds: tuple[str, ...] | list[str],
    *,
    evidence: str | None = None,
    weight: int | None = None,
    severity: Severity | None = None,
    **params: str,
) -> Reason:
    """A page reason whose message names ``kinds`` in words (``fields_en``/``fields_zh``)."""
    en, zh = pii_words(kinds)
    ev = ", ".join(kinds) if evidence is None else evidence
    return make(
        code, ev, weight=weight, severity=severity, source="page", fields_en=en, fields_zh=zh, **params
    )


def asks_pii(c: Context) -> list[Reason]:
    """``page.asks_pii`` (info): the fields, named; ``page.official`` and ``page.advice`` (info)."""
    out = []
    if c.pii:
        out.append(_named("page.asks_pii", c.pii))
    if c.official:
        out.append(make("page.official", c.host, source="page", brand=c.brand.label if c.brand else c.host))
    if c.advice:
        out.append(make("page.advice", source="page"))
    return out


_ICP = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP[备证]\s*\d{6,10}号")


def harvest_form(c: Context) -> list[Reason]:
    """``page.kyc_bundle`` and ``page.pii_with_lure``: an identity bundle or a lured form, unofficial."""
    if c.official or c.side_form:
        return []
    out = []
    top = 0
    if c.strong_field and c.form >= 2 and c.lure_weight < V.PAGE_LURE_WEIGHT and not c.advice:
        weak = ("urgency", "flash_sale", "contact_handle", "asks_for_pii")
        top = max((v for k, v in lure_points(c.lure_text).items() if k not in weak), default=0)
    if c.form >= V.PAGE_KYC_FORM and len(c.sensitive) >= 2:
        # Tie-breaker only (SIGNALS §6): an https page with an ICP filing and no lure wording is
        # more likely an unlisted real service than a harvest page.
        quiet = c.scheme == "https" and bool(_ICP.search(c.view.text)) and c.lure_weight < V.PAGE_LURE_WEIGHT
        quiet = quiet and top < 3
        w = V.PAGE_KYC_QUIET if quiet else 75
        out.append(_named("page.kyc_bundle", c.pii, weight=w))
    if (
        not c.advice
        and c.form >= 2
        and (c.lure_weight >= V.PAGE_LURE_WEIGHT or (top >= 3 and c.strong_field))
    ):
        w = min(80, 45 + 5 * c.form)
        out.append(_named("page.pii_with_lure", c.pii, weight=w))
    return out


def sensitive_fields(c: Context) -> list[Reason]:
    """``page.payment_password``, ``page.id_photo_upload``, ``page.camera_capture`` (unofficial pages)."""
    if c.official:
        return []
    out = []
    if c.payment:
        out.append(make("page.payment_password", c.fields["password"].evidence, source="page"))
    if "id_card" in c.fields and c.fields["id_card"].upload and not c.advice:
        out.append(make("page.id_photo_upload", "身份证照片", source="page"))
    if "face" in c.fields and not c.advice:
        out.append(make("page.camera_capture", c.fields["face"].evidence, source="page"))
    return out


def brand_mismatch(c: Context) -> list[Reason]:
    """``page.brand_mismatch``: the page names a brand that does not own the serving domain."""
    if c.official or c.brand is None or not c.host:
        return []
    if any(k in c.fields for k in ("password", "sms_code", "bank_card", "id_card")):
        return [make("page.brand_mismatch", c.reg or c.host, source="page", brand=c.brand.label)]
    if c.advice:
        return []
    return [
        make(
            "page.brand_mismatch", c.reg or c.host, weight=10, severity=L, source="page", brand=c.brand.label
        )
    ]


def asks_more_than_needed(c: Context) -> list[Reason]:
    """``page.asks_more_than_needed``: the page's purpose does not need some of the data it asks for.

    Caution; danger when the surplus is a bank card, a face scan or a payment password, or when the
    page also carries a lure or names a brand it does not belong to, or when two sensitive kinds are
    surplus on a domain known to be outside the popularity list. Official sites keep their needs.
    """
    if c.purpose is None or c.official or c.advice or not c.pii:
        return []
    # A login password is how any site with accounts works: only a payment password is surplus.
    extra = [k for k in surplus(c.purpose, c.pii) if k != "password"]
    if c.payment and "password" not in c.purpose.needs:
        extra.append("password")
    if not extra:
        return []
    severe = c.payment or any(k in V.PAGE_SEVERE_SURPLUS for k in extra)
    risky = c.lure_weight >= V.PAGE_LURE_WEIGHT or c.brand is not None
    unknown = c.popular is False and sum(k in SENSITIVE for k in extra) >= 2
    danger = severe or risky or unknown
    return [
        _named(
            "page.asks_more_than_needed",
            extra,
            evidence=f"{c.purpose.key}: {', '.join(extra)}",
            weight=V.PAGE_OVER_DANGER if danger else V.PAGE_OVER_CAUTION,
            severity=H if danger else M,
            purpose_en=c.purpose.en,
            purpose_zh=c.purpose.zh,
        )
    ]


_APP_STORES = (
    "apps.apple.com",
    "itunes.apple.com",
    "play.google.com",
    "appgallery.huawei.com",
    "app.mi.com",
    "sj.qq.com",
    "app.qq.com",
    "m.app.so.com",
    "appstore.vivo.com.cn",
    "app.meizu.com",
    "store.apple.com",
    "apps.samsung.com",
    "galaxystore.samsung.com",
)


def install_lures(c: Context) -> list[Reason]:
    """``page.apk_download`` (outside stores and the brand's own site) and ``page.ios_enterprise_install``."""
    out = []
    apks = [h for h in c.view.links if re.search(r"\.apk(?:$|[?#])", h, re.I)]
    for h in apks[:1]:
        target = host_parts(h)[0] if "//" in h else c.host
        target = target or c.host
        own = c.brand is not None and c.brand.owns(target)
        if not own and not target.endswith(_APP_STORES) and not c.official:
            out.append(make("page.apk_download", h.rsplit("/", 1)[-1][:60] or h[:60], source="page"))
    if (
        any(h.lower().startswith("itms-services:") for h in c.view.links)
        or "itms-services://" in c.view.html_head
    ):
        out.append(make("page.ios_enterprise_install", "itms-services://", source="page"))
    return out


_COUNTDOWN_JS = re.compile(r"(setInterval|setTimeout)[\s\S]{0,400}?(--|-=\s*1)")
_SCARCITY = re.compile(
    r"(仅剩|剩余|还剩)\s*\d+\s*(个|份|名|台|位|件)?(名额)?|"
    r"名额有限|倒计时|已有\s*[\d,]+\s*人(领取|参与|申请)|"
    r"今日已发放|only \d+ left|\d+ (spots|items) left|offer ends in|expires in"
)


def pressure(c: Context) -> list[Reason]:
    """``page.countdown``: a countdown timer or "only N left"."""
    if c.official or c.advice:
        return []
    scarcity = _SCARCITY.search(c.lure_norm)
    js_countdown = any(_COUNTDOWN_JS.search(s[:50_000]) for s in c.view.js[:20]) and re.search(
        r"\d{1,2}:\d{2}|倒计时|countdown", c.view.html_head, re.I
    )
    if not (scarcity or js_countdown):
        return []
    return [make("page.countdown", scarcity.group(0)[:30] if scarcity else "countdown timer", source="page")]


_MAILER = re.compile(
    r"formspree\.io|formsubmit\.co|getform\.io|emailjs\.com|api\.emailjs|smtpjs\.com|"
    r"web3forms\.com|formcarry\.com|basin\.usebasin"
)


def data_destination(c: Context) -> list[Reason]:
    """Where typed data goes: another site, a Telegram bot, a mail-forwarder, plain http."""
    out = []
    if c.pii and not c.official:
        for act in c.view.form_actions:
            ah = host_parts(act)[0] if "//" in act else ""
            if ah and host_parts(act)[1] != c.reg:
                login_only = set(c.pii) <= {"password", "phone"}
                w = 15 if login_only else 30 if c.sensitive else 20
                out.append(make("page.foreign_form_action", ah[:60], weight=w, source="page"))
                break
    if c.sensitive and c.scheme == "http" and not c.official:
        out.append(make("page.insecure_form", source="page"))
    if c.telegram:
        out.append(make("page.telegram_exfil", "api.telegram.org", source="page"))
    if c.pii and any(_MAILER.search(s[:100_000]) for s in (*c.view.js, *c.view.form_actions)):
        out.append(make("page.form_to_mail", "form-forwarding service", source="page"))
    return out


def lure_words(c: Context) -> list[Reason]:
    """The page's own lure words, scaled: at most a caution without a form, less on long pages."""
    has_form = c.form >= 2 and not c.side_form
    # Long pages (articles, portals) mention every word somewhere: scale by lure density.
    density = min(1.0, 4000 / max(len(c.view.text), 1))
    out = []
    rank = 0
    for r in sorted(c.text_reasons, key=lambda r: -r.weight):
        if r.code == "text.advice_context":
            continue
        w = int(r.weight * density)
        if not has_form or c.official:
            w = min(w // 2, 25) if rank == 0 else min(w // 4, 8)
        if r.code == "text.asks_for_pii":
            w = min(w, 20)  # the page's PII reasons already say what it asks
        rank += 1
        if c.official:
            w = min(w, 10)
        out.append(replace(r, weight=w, severity=r.severity if w >= 20 else L, source="page"))
    return out


RULES: tuple[Callable[[Context], list[Reason]], ...] = (
    asks_pii,
    harvest_form,
    sensitive_fields,
    brand_mismatch,
    asks_more_than_needed,
    install_lures,
    pressure,
    data_destination,
    lure_words,
)
"""The page heuristics, in the order their reasons are listed."""
