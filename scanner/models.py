"""The one result model shared by the CLI, the JSON API, the web page and the extension.

Everything here is a frozen dataclass or a ``StrEnum``; :meth:`Report.to_dict` is the only
serialiser (the API body, ``--json`` output and the extension all read it). The keys are public
API: see ``docs/api.md``; ``tests/unit/test_report_schema.py`` pins them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .canonical import CanonicalURL

SCHEMA_VERSION = 1


class Level(StrEnum):
    """The verdict a person reads first."""

    SAFE = "safe"
    CAUTION = "caution"
    DANGER = "danger"
    UNKNOWN = "unknown"  # nothing could be checked (an app link, a phone number…)

    @property
    def warns(self) -> bool:
        """True when the user should be stopped or warned."""
        return self in (Level.CAUTION, Level.DANGER)

    @property
    def rank(self) -> int:
        """Order for "the worst of": unknown < safe < caution < danger."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.UNKNOWN: 0, Level.SAFE: 1, Level.CAUTION: 2, Level.DANGER: 3}


class Severity(StrEnum):
    """How much one reason weighs, in words."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Order: info < low < medium < high."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence in both languages the product speaks."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        """The text for ``lang`` (``zh…`` gives Chinese, anything else English)."""
        return self.zh if lang.lower().startswith("zh") else self.en

    def to_dict(self) -> dict[str, str]:
        """JSON form: ``{"en": …, "zh": …}``."""
        return {"en": self.en, "zh": self.zh}


@dataclass(frozen=True, slots=True)
class Reason:
    """One explained finding: a stable code, what triggered it and what it means."""

    code: str
    """Stable dotted id, e.g. ``blocklist.phishing`` or ``url.ip_host`` (public API)."""
    severity: Severity
    message: Message
    """Plain words for a frightened user, in zh and en."""
    evidence: str = ""
    """The host, list entry, field or phrase that triggered it (never a secret)."""
    weight: int = 0
    """Contribution to the 0–100 score (see ``scanner.verdict``)."""
    source: str = ""
    """Where it was seen: ``text``, ``url``, ``hop:2``, ``page``, ``list:<name>``…"""
    category: str = ""
    """The lure category the reason names (``part_time``, ``free_gift``…), for the UI chip."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the reason."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "evidence": self.evidence,
            "message": self.message.to_dict(),
            "weight": self.weight,
            "source": self.source,
            "category": self.category,
        }


class PayloadKind(StrEnum):
    """What a pasted or decoded payload is (TESTSPEC group A)."""

    URL = "url"
    TEXT = "text"
    TEXT_WITH_URL = "text_with_url"
    WECHAT = "wechat"
    WECHAT_PAY = "wechat_pay"
    ALIPAY = "alipay"
    APP_LINK = "app_link"
    APP_TOKEN = "app_token"
    WIFI = "wifi"
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    CONTACT = "contact"
    GEO = "geo"
    INTENT = "intent"
    ITMS_SERVICES = "itms_services"
    OTP = "otp"
    CRYPTO_PAYMENT = "crypto_payment"
    DATA_URI = "data_uri"
    JAVASCRIPT = "javascript"
    BLOCKED_SCHEME = "blocked_scheme"
    BINARY = "binary"
    MINI_PROGRAM = "mini_program"
    OCR_TEXT = "ocr_text"  # the text read from a picture (a chat screenshot), not from a code


@dataclass(frozen=True, slots=True)
class Payload:
    """One thing to check: a pasted text or the content of one decoded code."""

    text: str
    """The exact text, for programs (may hold a Wi-Fi password: never log it)."""
    kind: PayloadKind
    display: str = ""
    """The same text for people: secrets masked."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Parsed parts (ssid, number, app…), secrets already masked."""
    links: tuple[str, ...] = ()
    """URLs found in or embedded in the payload, in order, as written."""
    explanation: Message | None = None
    """What this kind of payload does when opened, in plain words."""
    source: str = "text"
    """``text`` (pasted) or ``image`` (decoded from a code)."""
    raw_hex: str = ""
    """For binary payloads: the first bytes in hex."""
    originals: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """For links found in a text: each link's URL → the text as it was written (not serialised;
    the report's link cards show it as ``original``)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the payload."""
        out: dict[str, Any] = {
            "text": self.text,
            "kind": self.kind.value,
            "display": self.display or self.text,
            "fields": dict(self.fields),
            "links": list(self.links),
            "source": self.source,
            "explanation": self.explanation.to_dict() if self.explanation else None,
        }
        if self.raw_hex:
            out["raw_hex"] = self.raw_hex
        return out


class HopKind(StrEnum):
    """How one hop of a redirect chain was reached."""

    START = "start"
    HTTP = "http"
    REFRESH_HEADER = "refresh_header"
    META = "meta"
    JS_STATIC = "js_static"
    WRAPPER = "wrapper"
    NON_HTTP = "non_http_target"


class StopReason(StrEnum):
    """Why a chain ended (TESTSPEC §0)."""

    FINAL = "final"
    NOT_EXPANDED = "not_expanded"  # offline, or a scheme we never fetch
    MAX_HOPS = "max_hops"
    LOOP = "loop"
    BLOCKED_ADDRESS = "blocked_address"
    BLOCKED_PORT = "blocked_port"
    BLOCKED_SCHEME = "blocked_scheme"
    NON_HTTP_TARGET = "non_http_target"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    TLS_ERROR = "tls_error"
    DNS_ERROR = "dns_error"
    PROTOCOL_ERROR = "protocol_error"
    CONNECT_ERROR = "connect_error"
    INVALID_URL = "invalid_url"


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a redirect chain."""

    url: str
    kind: HopKind = HopKind.START
    status: int | None = None
    """HTTP status, ``None`` when no response was received (or not fetched)."""
    ip: str | None = None
    """The address actually connected to."""
    ms: float | None = None
    error: str | None = None
    """Set when this hop ended the chain abnormally (a ``StopReason`` value)."""
    note: str = ""
    canonical: CanonicalURL | None = field(default=None, compare=False, repr=False)
    """The hop's URL as the expander parsed it (not serialised): later stages read the host from
    it instead of parsing the URL again. ``None`` for hops read back from the cache."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the hop."""
        return {
            "url": self.url,
            "kind": self.kind.value,
            "status": self.status,
            "ip": self.ip,
            "ms": None if self.ms is None else round(self.ms, 1),
            "error": self.error,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class LinkReport:
    """The verdict on one link found in the input, with its chain."""

    url: str
    """The canonical URL that was checked (WHATWG serialisation)."""
    original: str
    """The link as it was written in the input."""
    final_url: str
    chain: tuple[Hop, ...]
    stop_reason: StopReason
    level: Level
    score: int
    reasons: tuple[Reason, ...]
    host: str = ""
    """Final host, ASCII (punycode) form."""
    host_unicode: str = ""
    registrable_domain: str = ""
    pii: tuple[str, ...] = ()
    expanded: bool = False
    cached: bool = False
    profiles: Mapping[str, str] = field(default_factory=dict)
    """Final URL per client profile when they were compared (cloaking)."""
    page_title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the link report."""
        return {
            "url": self.url,
            "original": self.original,
            "final_url": self.final_url,
            "chain": [h.to_dict() for h in self.chain],
            "stop_reason": self.stop_reason.value,
            "level": self.level.value,
            "warn": self.level.warns,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "host": self.host,
            "host_unicode": self.host_unicode,
            "registrable_domain": self.registrable_domain,
            "pii": list(self.pii),
            "expanded": self.expanded,
            "cached": self.cached,
            "profiles": dict(self.profiles),
            "page_title": self.page_title,
        }


PII_KINDS = ("id_card", "phone", "sms_code", "bank_card", "face", "address", "password", "real_name")


@dataclass(frozen=True, slots=True)
class Report:
    """The whole answer for one input: the worst of its links and of the text's own reasons."""

    level: Level
    score: int
    reasons: tuple[Reason, ...]
    payloads: tuple[Payload, ...] = ()
    links: tuple[LinkReport, ...] = ()
    pii: tuple[str, ...] = ()
    advice: tuple[Message, ...] = ()
    summary: Message | None = None
    input_kind: str = "text"
    """``text``, ``image`` or ``page``."""
    offline: bool = False
    schema_version: int = SCHEMA_VERSION

    @property
    def warn(self) -> bool:
        """True when anything in the input warns."""
        return self.level.warns

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (``docs/api.md``)."""
        return {
            "schema_version": self.schema_version,
            "input_kind": self.input_kind,
            "warn": self.warn,
            "level": self.level.value,
            "score": self.score,
            "summary": self.summary.to_dict() if self.summary else None,
            "reasons": [r.to_dict() for r in self.reasons],
            "pii": list(self.pii),
            "advice": [a.to_dict() for a in self.advice],
            "payloads": [p.to_dict() for p in self.payloads],
            "links": [link.to_dict() for link in self.links],
            "offline": self.offline,
        }
