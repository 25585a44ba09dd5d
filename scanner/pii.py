"""The personal-data kinds in words: one table (``scanner/data/pii.toml``) for the whole product.

Page reasons, advice, the text report and the web pages all name a kind the same way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources

from .models import PII_KINDS

__all__ = ["pii_label", "pii_labels", "pii_object", "pii_words"]


@cache
def pii_labels() -> dict[str, dict[str, str]]:
    """``kind → {"en", "zh", "en_object"}`` for every kind of :data:`scanner.models.PII_KINDS`."""
    raw = tomllib.loads(resources.files("scanner").joinpath("data/pii.toml").read_text(encoding="utf-8"))
    return {k: {"en": raw[k]["en"], "zh": raw[k]["zh"], "en_object": raw[k]["en_object"]} for k in PII_KINDS}


def pii_label(kind: str, lang: str = "en") -> str:
    """The short label of ``kind`` in ``lang`` (``en``/``zh``); unknown kinds are returned as given."""
    entry = pii_labels().get(kind)
    if entry is None:
        return kind
    return entry["zh"] if lang == "zh" else entry["en"]


def pii_object(kind: str) -> str:
    """``kind`` as the English object of a sentence ("your ID number")."""
    entry = pii_labels().get(kind)
    return entry["en_object"] if entry else kind


def pii_words(kinds: Iterable[str]) -> tuple[str, str]:
    """Several kinds in words people read, ``(en, zh)``: ``("ID number, bank card", "身份证号、银行卡")``."""
    ks = list(kinds)
    return ", ".join(pii_label(k, "en") for k in ks), "、".join(pii_label(k, "zh") for k in ks)
