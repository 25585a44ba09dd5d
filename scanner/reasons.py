"""The catalogue of reason codes: every code, its default severity and weight, and its zh/en text.

Each stage declares the codes it emits next to the code that emits them, with :func:`define`; the
catalogue is the union. Codes are public API (``docs/heuristics.md`` documents every one, a test
checks it). Messages are ``str.format`` templates over the keyword arguments given to
:func:`make` (``evidence`` is always available).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

from .models import Message, Reason, Severity

# Modules that define reason codes; imported by all_specs() so the catalogue is complete.
_DEFINING_MODULES = (
    "scanner.payloads",
    "scanner.heuristics.url",
    "scanner.heuristics.text",
    "scanner.heuristics.page",
    "scanner.lists",
    "scanner.expand",
    "scanner.pipeline",
    "scanner.pagerender",
)


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


_REGISTRY: dict[str, ReasonSpec] = {}


def define(code: str, severity: Severity, weight: int, en: str, zh: str, category: str = "") -> ReasonSpec:
    """Register a reason code (idempotent for an identical definition)."""
    spec = ReasonSpec(code, severity, weight, en, zh, category)
    old = _REGISTRY.get(code)
    if old is not None and old != spec:
        raise ValueError(f"reason code {code!r} defined twice with different text")
    _REGISTRY[code] = spec
    _message.cache_clear()  # a redefined code must not keep its old text
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
        raise KeyError(f"undefined reason code {code!r}: define() it first")
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
    all_specs()
    return _REGISTRY[code]


def all_specs() -> dict[str, ReasonSpec]:
    """Every defined code (imports the defining modules first)."""
    for name in _DEFINING_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:  # a stage not built yet
            if e.name != name:
                raise
    return dict(sorted(_REGISTRY.items()))
