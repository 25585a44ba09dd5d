"""The catalogue of reason codes: every code, its default severity and weight, and its zh/en text.

The catalogue is data, ``scanner/data/reasons.toml``, read once when this module is imported; every
stage builds its reasons from it with :func:`make`. Codes are public API (``docs/heuristics.md``
documents every one, a test checks it, and another that every code the source can give is in the
file). Messages are ``str.format`` templates over the keyword arguments given to :func:`make`
(``evidence`` is always available).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .models import Message, Reason, Severity

CATALOGUE = "reasons.toml"
"""The catalogue's file name in ``scanner/data``."""


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    """How a reason code reads and weighs by default."""

    code: str
    severity: Severity
    weight: int
    en: str
    zh: str
    category: str = ""
    """Lure category label for the UI chip (e.g. ``part_time``), when the code names one."""


def _load() -> dict[str, ReasonSpec]:
    """Every entry of the bundled catalogue; a malformed or repeated entry is a packaging error."""
    raw = tomllib.loads(resources.files("scanner.data").joinpath(CATALOGUE).read_text(encoding="utf-8"))
    out: dict[str, ReasonSpec] = {}
    for entry in raw.get("reason", []):
        spec = ReasonSpec(
            code=entry["code"],
            severity=Severity(entry["severity"]),
            weight=int(entry["weight"]),
            en=entry["en"],
            zh=entry["zh"],
            category=entry.get("category", ""),
        )
        if spec.code in out:
            raise ValueError(f"{CATALOGUE}: reason code {spec.code!r} appears twice")
        out[spec.code] = spec
    return out


_REGISTRY: dict[str, ReasonSpec] = _load()


def define(code: str, severity: Severity, weight: int, en: str, zh: str, category: str = "") -> ReasonSpec:
    """Add a code that is not in the catalogue (tests); the product's codes live in the TOML file.

    Idempotent for an identical definition; a different text for a known code is refused.
    """
    spec = ReasonSpec(code, severity, weight, en, zh, category)
    old = _REGISTRY.get(code)
    if old is not None and old != spec:
        raise ValueError(f"reason code {code!r} defined twice with different text")
    _REGISTRY[code] = spec
    _message.cache_clear()
    return spec


class _Safe(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def make(
    code: str,
    evidence: str = "",
    *,
    severity: Severity | None = None,
    weight: int | None = None,
    source: str = "",
    **params: object,
) -> Reason:
    """Build a :class:`Reason` from its catalogue entry; ``params`` fill the message templates."""
    spec = _REGISTRY.get(code)
    if spec is None:
        raise KeyError(f"reason code {code!r} is not in scanner/data/{CATALOGUE}")
    if params:
        values = _Safe(params)
        values.setdefault("evidence", evidence)
        message = Message(en=spec.en.format_map(values), zh=spec.zh.format_map(values))
    else:
        message = _message(code, evidence)
    return Reason(
        code=code,
        severity=severity or spec.severity,
        message=message,
        evidence=evidence,
        weight=spec.weight if weight is None else weight,
        source=source,
        category=spec.category,
    )


@lru_cache(maxsize=4096)  # a batch repeats the same few (code, evidence) pairs; bounded
def _message(code: str, evidence: str) -> Message:
    spec = _REGISTRY[code]
    values = _Safe(evidence=evidence)
    return Message(en=spec.en.format_map(values), zh=spec.zh.format_map(values))


def spec(code: str) -> ReasonSpec:
    """The catalogue entry of ``code``."""
    return _REGISTRY[code]


def all_specs() -> dict[str, ReasonSpec]:
    """Every code in the catalogue (and any a test added), sorted by code."""
    return dict(sorted(_REGISTRY.items()))
