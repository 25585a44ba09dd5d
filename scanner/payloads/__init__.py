"""What a pasted text or a decoded QR payload is, what opening it would do, and which links it holds.

Pure: no network, no clock. :func:`classify` turns any string into a :class:`~scanner.models.Payload`
(kind, masked display text, parsed fields, links to check, a zh/en explanation);
:func:`payload_reasons` gives the warnings the payload earns by its kind alone (an enterprise app
install, a script link, a payment request…). Secrets (Wi-Fi passwords, OTP seeds) stay in
``Payload.text`` for programs and are masked everywhere else (:func:`mask_secrets`).
"""

from __future__ import annotations

from .dispatch import classify
from .masking import mask_secrets
from .signals import payload_reasons
from .tables import (
    DATA_URI_MAX,
    MASK,
    MAX_CLASSIFY_CHARS,
    MAX_FIELDS,
    MAX_NESTING,
    MAX_PAYLOAD_LINKS,
    NESTED_BUDGET,
)

__all__ = [
    "DATA_URI_MAX", "MASK", "MAX_CLASSIFY_CHARS", "MAX_FIELDS", "MAX_NESTING", "MAX_PAYLOAD_LINKS",
    "NESTED_BUDGET", "classify", "mask_secrets", "payload_reasons",
]
