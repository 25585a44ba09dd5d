"""Secrets (Wi-Fi passwords, OTP seeds) masked in everything a person or a log sees."""

from __future__ import annotations

import re

from .tables import MASK

_WIFI_START = re.compile(r"(?i)WIFI:")
_WIFI_SECRET_KEYS = frozenset({"P", "PH2", "PASS", "PASSWORD"})
_SECRET_PARAM = re.compile(r"(?i)([?&](?:secret|password|passwd|pwd)=)([^&#\s]*)")


def mask_secrets(text: str) -> str:
    """``text`` with Wi-Fi passwords and OTP secrets replaced by a fixed mask (for people and logs).

    >>> mask_secrets("WIFI:T:WPA;S:Cafe;P:hunter2;;")
    'WIFI:T:WPA;S:Cafe;P:••••••;;'
    >>> mask_secrets("otpauth://totp/x?secret=JBSWY3DP&issuer=y")
    'otpauth://totp/x?secret=••••••&issuer=y'
    """
    out = _mask_wifi(text) if "wifi:" in text.lower() else text
    if "=" in out:
        out = _SECRET_PARAM.sub(lambda m: m.group(1) + (MASK if m.group(2) else ""), out)
    return out


def _mask_wifi(text: str) -> str:
    """Mask the password field of every ``WIFI:`` record, reading fields as a phone does (escapes kept)."""
    out: list[str] = []
    pos = 0
    for m in _WIFI_START.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos : m.end()])
        i = m.end()
        while i < len(text):
            # One field: up to the next unescaped ';'.
            j = i
            while j < len(text) and text[j] != ";":
                j += 2 if text[j] == "\\" else 1
            field = text[i : min(j, len(text))]
            key, colon, value = field.partition(":")
            if colon and key.strip().upper() in _WIFI_SECRET_KEYS and value:
                field = f"{key}:{MASK}"
            out.append(field)
            if j >= len(text):
                i = len(text)
                break
            out.append(";")
            i = j + 1
            if not field:  # ";;" ends the record
                break
        pos = i
    out.append(text[pos:])
    return "".join(out)
