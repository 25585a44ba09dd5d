"""The scanner: wires the stages together. The only caller of the I/O parts (lists, fetcher, decoder).

``text → payload → links → (expand) → lists + URL heuristics on every hop → page analysis → verdict``.
Stages are passed in or built lazily, so a ``Scanner`` for ``--offline --no-lists`` never opens the
index or a socket, and ``import scanner`` stays light.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from . import reasons as R
from .canonical import CanonicalURL, canonicalize
from .codewords import code_words
from .errors import InvalidURL, NotText
from .inputs import scrub_surrogates, validate_text
from .models import (
    Hop,
    Level,
    LinkReport,
    Message,
    Payload,
    PayloadKind,
    Reason,
    Report,
    Severity,
    StopReason,
)
from .settings import Settings
from .verdict import advice, combine, decide, order, summary

if TYPE_CHECKING:
    from .expand import Expander, Expansion
    from .lists import ListSet

log = logging.getLogger("lurelens")


@cache
def _pure() -> SimpleNamespace:
    """The pure stages, imported on first use (``import scanner`` stays light) and then bound once:
    an import statement in a function costs microseconds on every call, and a batch check makes
    several per link."""
    from .heuristics.text import asked_pii, text_reasons
    from .heuristics.url import url_reasons
    from .payloads import classify, payload_reasons

    return SimpleNamespace(classify=classify, payload_reasons=payload_reasons, text_reasons=text_reasons,
                           url_reasons=url_reasons, asked_pii=asked_pii)


_SINGLE_WEB_URL = re.compile(r"^https?://\S*$", re.IGNORECASE)
_TEXT_KINDS = frozenset({PayloadKind.TEXT, PayloadKind.TEXT_WITH_URL, PayloadKind.OCR_TEXT})
_CHECKABLE_KINDS = frozenset({PayloadKind.URL, PayloadKind.TEXT, PayloadKind.TEXT_WITH_URL,
                              PayloadKind.OCR_TEXT})


class Scanner:
    """Checks text, images and pages; holds the loaded lists and the expander for reuse."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        lists: ListSet | None = None,
        expander: Expander | None = None,
    ) -> None:
        self.settings = settings if settings is not None else Settings.load()
        self._lists = lists
        self._no_lists: ListSet | None = None
        self._expander = expander
        self._lock = threading.Lock()
        self._nested = _nested_decoder(self.settings)

    # -- stages, built on first use -------------------------------------------------------------
    def lists(self, use_lists: bool | None = None) -> ListSet:
        """The loaded lists (or an empty set when lists are off)."""
        use = self.settings.use_lists if use_lists is None else use_lists
        loaded = self._lists if use else self._no_lists
        if loaded is not None:  # every hop of every link asks: no import statement on this path
            return loaded
        from .lists import ListSet

        if not use:
            if self._no_lists is None:
                self._no_lists = ListSet.empty()
            return self._no_lists
        if self._lists is None:
            with self._lock:
                if self._lists is None:
                    self._lists = ListSet.load(self.settings, on_built=self._lists_built)
        return self._lists

    def prepare_lists(self) -> None:
        """The setup step (``serve`` at start, the CLI before its first input): build the index if
        it is missing or stale, then load it. A check itself never builds it."""
        if not self.settings.use_lists:
            return
        from .lists import ListSet

        lists = ListSet.prepare(self.settings)
        with self._lock:
            self._lists = lists

    def reload_lists(self) -> None:
        """Drop the loaded lists so the next check reads the freshly built index."""
        with self._lock:
            self._lists = None

    def _lists_built(self, lists: ListSet) -> None:
        """A background build ended: later checks use its lists."""
        with self._lock:
            self._lists = lists

    def _shortener(self, host: str) -> tuple[str, str] | None:
        """Shortener status from the loaded lists (``lists update`` reaches expansion)."""
        return self.lists().shortener(host)

    @property
    def expander(self) -> Expander:
        """The link expander (guarded fetcher, cache)."""
        if self._expander is None:
            from .expand import Expander

            with self._lock:
                if self._expander is None:
                    self._expander = Expander(self.settings, shortener=self._shortener)
        return self._expander

    # -- public entry points ---------------------------------------------------------------------
    def check(self, text: str, *, offline: bool | None = None, use_lists: bool | None = None) -> Report:
        """Check a URL or a whole pasted message."""
        classify = _pure().classify

        clean = validate_text(text, self.settings)
        if _SINGLE_WEB_URL.match(clean):
            canonicalize(clean)  # one pasted web URL that no browser would open: say so (InvalidURL)
        payload = classify(clean, source="text", nested=self._nested)
        return self._report((payload,), "text", offline=offline, use_lists=use_lists)

    def check_payloads(
        self,
        payloads: Sequence[Payload],
        *,
        input_kind: str = "image",
        offline: bool | None = None,
        use_lists: bool | None = None,
    ) -> Report:
        """Check already-decoded payloads (one QR photo may hold several codes)."""
        return self._report(tuple(payloads), input_kind, offline=offline, use_lists=use_lists)

    def scan_image(
        self,
        data: bytes,
        *,
        offline: bool | None = None,
        decode_only: bool = False,
        use_lists: bool | None = None,
    ) -> Report:
        """Read every code and the text in a photo and check it all (``decode_only``: just read).

        The text (a chat screenshot's bubbles) is one payload of kind ``ocr_text``; ``Settings.ocr``
        turns it off (:mod:`scanner.ocr`).
        """
        from .ocr import read_image

        read = read_image(data, self.settings)
        payloads = tuple(read.payloads)
        if not payloads:
            if read.ocr_ran or self.settings.ocr:
                nothing = R.make("input.no_text_or_code", source="image")
                said = Message(en="No QR code or text found in this image.", zh="未识别到二维码或文字。")
            else:
                nothing = R.make("input.no_code_found", source="image")
                said = Message(en="No QR code found in this image.", zh="未识别到二维码。")
            return Report(
                level=Level.UNKNOWN,
                score=0,
                reasons=(nothing,),
                summary=said,
                input_kind="image",
                offline=self._offline(offline),
            )
        if decode_only:
            return Report(
                level=Level.UNKNOWN,
                score=0,
                reasons=(),
                payloads=payloads,
                input_kind="image",
                summary=Message(en="Decoded only: not checked.", zh="仅识别，未检查。"),
                offline=True,
            )
        return self.check_payloads(payloads, input_kind="image", offline=offline, use_lists=use_lists)

    def analyze_page(self, html: str, url: str, *, use_lists: bool | None = None) -> Report:
        """Judge a landing page's HTML as served from ``url`` (the extension sends rendered pages)."""
        from .heuristics.page import analyze_html
        from .htmltree import check_markup

        if not isinstance(html, str) or not isinstance(url, str):
            raise NotText("page HTML and URL must be text")
        html, url = scrub_surrogates(html), scrub_surrogates(url)
        check_markup(html)  # random bytes, an image or an empty file are not a page
        cap = max(self.settings.max_body_bytes, 2 * 1024 * 1024)
        if len(html) > cap:
            html = html[:cap]
        canon = canonicalize(url)
        notices: tuple[Reason, ...] = ()
        popular = self._page_popular(canon.href, use_lists)
        if self.settings.render_pages:  # scripts run in headless Chromium (scanner/pagerender.py)
            from .pagerender import render_findings

            findings, notices, _ = render_findings(html, canon.href, self.settings,
                                                   client=self.expander.client, popular=popular)
        else:
            findings = analyze_html(html, canon.href, popular=popular)
        base = self._url_reasons(canon, 0, use_lists=use_lists)
        link = _unfetched_link(
            canon,
            url,
            StopReason.NOT_EXPANDED,
            (*base, *findings.reasons, *notices),
            pii=tuple(findings.pii),
            title=findings.title,
        )
        level, score, reasons = link.level, link.score, link.reasons
        return Report(
            level=level,
            score=score,
            reasons=reasons,
            links=(link,),
            pii=tuple(findings.pii),
            advice=advice(reasons, findings.pii, level),
            summary=summary(level, reasons),
            input_kind="page",
            offline=self.settings.offline or not self.settings.render_pages,
        )

    # -- internals -------------------------------------------------------------------------------
    def _page_popular(self, url: str, use_lists: bool | None) -> bool | None:
        """Whether a page's domain is on the popularity list; ``None`` when lists are off or empty."""
        ls = self.lists(use_lists)
        if not ls.info:
            return None
        try:
            c = canonicalize(url, infer_scheme=False)
        except InvalidURL:
            return None
        return ls.check(c).popular if c.is_http else None

    def _offline(self, offline: bool | None) -> bool:
        return self.settings.offline if offline is None else offline

    def _report(
        self,
        payloads: tuple[Payload, ...],
        input_kind: str,
        *,
        offline: bool | None,
        use_lists: bool | None,
    ) -> Report:
        off = self._offline(offline)
        own, urls, page_pii, checked = _gather(payloads)
        if len(urls) > self.settings.max_links:
            own.append(R.make("input.too_many_links", limit=self.settings.max_links))
            urls = urls[: self.settings.max_links]
        if urls and not self.lists(use_lists).ready:  # before the links: a build may end meanwhile
            own.append(R.make("lists.not_ready"))
        links = self._check_links(urls, offline=off, use_lists=use_lists)
        level, score, reasons, pii = combine(own, links, pii=page_pii, checked=checked)
        report = Report(
            level=level,
            score=score,
            reasons=reasons,
            payloads=payloads,
            links=tuple(links),
            pii=tuple(pii),
            advice=advice(reasons, pii, level),
            summary=summary(level, reasons),
            input_kind=input_kind,
            offline=off,
        )
        # A code with no link (Wi-Fi, a payment code…): say what it is, not "could not be checked".
        words = code_words(report)
        if words is None:
            return report
        head, tip = words
        return replace(report, summary=Message(en=f"{head.en}. {tip.en}", zh=f"{head.zh}。{tip.zh}"))

    def _check_links(
        self, urls: list[tuple[str, str]], *, offline: bool, use_lists: bool | None
    ) -> list[LinkReport]:
        pure = _pure()
        classify, payload_reasons = pure.classify, pure.payload_reasons

        out: list[LinkReport | None] = [None] * len(urls)
        to_expand: list[tuple[int, CanonicalURL]] = []
        for i, (original, url) in enumerate(urls):
            try:
                canon = canonicalize(url)
            except InvalidURL:
                r = R.make("input.invalid_link", _clip(original), source="text")
                out[i] = LinkReport(
                    url=url,
                    original=original,
                    final_url=url,
                    chain=(),
                    level=Level.CAUTION if r.weight >= 35 else Level.SAFE,
                    score=r.weight,
                    reasons=(r,),
                    stop_reason=StopReason.INVALID_URL,
                )
                continue
            if canon.is_http:
                to_expand.append((i, canon))
                continue
            # An app link, a payment code, javascript:… found inside text: classify, never fetch.
            p = classify(canon.href, source="link", nested=self._nested)
            out[i] = _unfetched_link(
                canon, original, StopReason.NON_HTTP_TARGET, payload_reasons(p), checked=False
            )
        if to_expand:
            # The URL as written, not canon.href: the expander refuses links whose host the browser
            # and the HTTP client would read differently, and the canonical form hides that trick.
            expansions = self.expander.expand_many([urls[i][1] for i, _ in to_expand], offline=offline)
            for (i, canon), exp in zip(to_expand, expansions, strict=True):
                out[i] = self._link_report(urls[i][0], canon, exp, use_lists=use_lists, offline=offline)
        return [lr for lr in out if lr is not None]

    def _url_reasons(self, canon: CanonicalURL, hop: int, *, use_lists: bool | None) -> list[Reason]:
        url_reasons = _pure().url_reasons

        verdict = self.lists(use_lists).check(canon)
        out = list(verdict.reasons)
        if not verdict.allowed:
            out.extend(url_reasons(canon, popular=verdict.popular))
        if hop:
            out = [_at_hop(r, hop) for r in out]
        return out

    def _link_report(
        self, original: str, canon: CanonicalURL, exp: Expansion, *, use_lists: bool | None, offline: bool
    ) -> LinkReport:
        from .heuristics.page import analyze_html

        reasons: list[Reason] = []
        final = canon
        # Every hop of both client profiles goes through the lists and URL heuristics, not only
        # the last: a blocklisted domain in the middle of a chain is as telling as at its end.
        for n, hop in enumerate(exp.hops):
            url = hop.url
            try:
                hc = canon if n == 0 else hop.canonical or canonicalize(url, infer_scheme=False)
            except InvalidURL:
                continue
            if url == exp.final_url:
                final = hc
            if hc.is_http:
                reasons.extend(self._url_reasons(hc, n, use_lists=use_lists))
        reasons.extend(exp.reasons)
        if offline:
            reasons.append(R.make("link.not_expanded", source="link"))
        pii: list[str] = []
        title = ""
        for page in exp.pages:
            if not page.html:
                continue
            findings = analyze_html(page.html, page.url, popular=self._page_popular(page.url, use_lists))
            reasons.extend(findings.reasons)
            pii.extend(k for k in findings.pii if k not in pii)
            title = title or findings.title
        ordered = order(reasons)
        level, score = decide(ordered, pii=pii)
        return LinkReport(
            url=canon.href,
            original=original,
            final_url=exp.final_url,
            chain=exp.chain,
            stop_reason=exp.stop_reason,
            level=level,
            score=score,
            reasons=ordered,
            host=final.host,
            host_unicode=final.host_unicode,
            registrable_domain=final.registrable_domain,
            pii=tuple(pii),
            expanded=exp.expanded,
            cached=exp.cached,
            profiles=dict(exp.profiles),
            page_title=title,
        )


MINI_PROGRAM_IN_LURE = 35
"""Weight of ``link.mini_program`` when the words around it read as a lure: the data is collected
inside a program LureLens cannot see, like a link it cannot open (10 when the words are calm)."""


def _mini_program_in_lure(own: list[Reason], said: Sequence[Reason]) -> list[Reason]:
    lure = any(r.code.startswith("text.") and r.severity is not Severity.INFO and r.weight >= 25
               and r.code not in ("text.urgency", "text.advice_context") for r in said)
    if not lure:
        return own
    return [replace(r, weight=max(r.weight, MINI_PROGRAM_IN_LURE)) if r.code == "link.mini_program" else r
            for r in own]


def _gather(payloads: Sequence[Payload]) -> tuple[list[Reason], list[tuple[str, str]], list[str], bool]:
    """What the payloads say themselves: their reasons, their links as ``(original, url)``, the
    personal data an inline page asks for, and whether anything in them can be checked at all."""
    pure = _pure()
    own: list[Reason] = []
    urls: list[tuple[str, str]] = []
    page_pii: list[str] = []
    checked = False
    for p in payloads:
        own.extend(pure.payload_reasons(p))
        # A mini-program entry is judged as what carries it (a text, a link) besides its own reason.
        kind = PayloadKind(p.fields["carrier"]) if p.kind is PayloadKind.MINI_PROGRAM else p.kind
        if kind in _TEXT_KINDS:
            said = pure.text_reasons(p.text)
            own.extend(said)
            if p.kind is PayloadKind.MINI_PROGRAM:
                own[:] = _mini_program_in_lure(own, said)
            # Personal data the message itself asks for ("填写手机号和验证码") is named like a page's.
            page_pii.extend(k for k in pure.asked_pii(p.text, said) if k not in page_pii)
        if p.kind is PayloadKind.DATA_URI and p.fields.get("html"):
            # An inline page (data:text/html) is never rendered: read it like a landing page.
            from .heuristics.page import analyze_html

            found = analyze_html(p.fields["html"], "data:text/html")
            own.extend(found.reasons)
            page_pii.extend(k for k in found.pii if k not in page_pii)
            checked = True
        if kind in _CHECKABLE_KINDS:
            checked = True
        originals: Mapping[str, str] = p.originals  # the text as written, kept by classify
        if kind is PayloadKind.URL and len(p.links) == 1:
            originals = {p.links[0]: p.text}
        urls.extend((originals.get(link, link), link) for link in p.links)
    return own, urls, page_pii, checked


def _nested_decoder(settings: Settings) -> Callable[[bytes], Sequence[Any]]:
    """Reads a QR picture inside a ``data:image/…`` link with this scanner's limits; the decoder
    (OpenCV, zxing-cpp) is imported only when such a picture turns up."""

    def decode(data: bytes) -> Sequence[Any]:
        from .decode import nested_decoder

        return nested_decoder(settings)(data)

    return decode


def _unfetched_link(
    canon: CanonicalURL,
    original: str,
    stop: StopReason,
    reasons: Sequence[Reason],
    *,
    pii: tuple[str, ...] = (),
    title: str = "",
    checked: bool = True,
) -> LinkReport:
    """A one-hop link report for a link judged as written (an app link, a page sent to us)."""
    ordered = order(reasons)
    level, score = decide(ordered, pii=pii, checked=checked)
    return LinkReport(
        url=canon.href,
        original=original,
        final_url=canon.href,
        chain=(Hop(canon.href),),
        stop_reason=stop,
        level=level,
        score=score,
        reasons=ordered,
        host=canon.host,
        host_unicode=canon.host_unicode,
        registrable_domain=canon.registrable_domain,
        pii=pii,
        page_title=title,
    )


def _at_hop(r: Reason, hop: int) -> Reason:
    return replace(r, source=f"hop:{hop}" if not r.source else f"{r.source}@hop:{hop}")


def _clip(s: str, n: int = 120) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


_DEFAULT: dict[Settings, Scanner] = {}
_DEFAULT_LOCK = threading.Lock()


def default_scanner(settings: Settings | None = None) -> Scanner:
    """One shared Scanner per settings (lists are loaded once)."""
    s = settings if settings is not None else Settings.load()
    with _DEFAULT_LOCK:
        sc = _DEFAULT.get(s)
        if sc is None:
            if len(_DEFAULT) >= 8:  # a caller cycling through settings must not pile up loaded lists
                del _DEFAULT[next(iter(_DEFAULT))]
            sc = _DEFAULT[s] = Scanner(s)
        return sc


def check(
    text_or_url: str, *, offline: bool | None = None, settings: Settings | None = None, **kw: Any
) -> Report:
    """Check a URL or a pasted message and explain the verdict (the library's front door).

    ``offline=None`` follows ``settings.offline``: ``check(url, settings=Settings(offline=True))``
    never opens a socket."""
    return default_scanner(settings).check(text_or_url, offline=offline, **kw)
