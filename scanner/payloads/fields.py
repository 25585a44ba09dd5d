"""Shared parsing helpers: escaped records, query strings, embedded links, the Payload builder."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ..models import Payload, PayloadKind
from .masking import mask_secrets
from .tables import _EXPLAIN, _URL_PARAMS, MAX_FIELDS, MAX_PAYLOAD_LINKS


def _is_binary(text: str, raw: bytes | None) -> bool:
    """Mostly control characters (or a NUL): data, not text."""
    if "\x00" in text:
        return True
    if not text:
        return bool(raw)
    if text.isprintable():  # the common case, at C speed
        return False
    ctrl = sum(1 for c in text if (ord(c) < 0x20 and c not in "\t\r\n\x1d\x1e\x04") or 0x7F <= ord(c) < 0xA0)
    return ctrl / len(text) > 0.1


def _query(s: str) -> dict[str, str]:
    """Query parameters of a URL-ish string, keys lower-cased, values percent-decoded (first wins)."""
    q = s.split("?", 1)[1] if "?" in s else ""
    q = q.split("#", 1)[0]
    out: dict[str, str] = {}
    for k, v in parse_qsl(q, keep_blank_values=True):
        out.setdefault(k.lower(), v)
    return out


def _embedded_urls(params: dict[str, str]) -> list[str]:
    """Web addresses carried in app-link parameters (``url=``, ``qrcode=``…), decoded once more if needed."""
    out: list[str] = []
    for key in _URL_PARAMS:
        v = params.get(key, "").strip()
        for _ in range(2):
            if re.match(r"(?i)^https?%3a", v):
                v = unquote(v)
        if re.match(r"(?i)^https?://", v) and v not in out:
            out.append(v)
    return out


def _links_in(text: str) -> list[str]:
    from ..extract import extract_links

    out: list[str] = []
    for f in extract_links(text):
        if f.url not in out:
            out.append(f.url)
    return out


def _url_field(value: str) -> list[str]:
    """Links in a field meant to hold a URL: what extraction finds, else the value if it has a scheme."""
    v = value.strip()
    found = _links_in(v)
    if found:
        return found
    return [v] if re.match(r"(?i)^[a-z][a-z0-9+.\-]*://\S", v) else []


def _dedupe(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for x in items:
        if x:
            seen.setdefault(x)
            if len(seen) >= MAX_PAYLOAD_LINKS:
                break
    return tuple(seen)


def _payload(
    text: str, kind: PayloadKind, source: str, *, fields: dict[str, str] | None = None,
    links: list[str] | tuple[str, ...] = (), display: str | None = None, raw_hex: str = "",
    originals: dict[str, str] | None = None,
) -> Payload:
    return Payload(
        text=text,
        kind=kind,
        display=mask_secrets(text) if display is None else display,
        fields={k: v for k, v in (fields or {}).items() if v != ""},
        links=_dedupe(list(links)),
        explanation=_EXPLAIN[kind],
        source=source,
        raw_hex=raw_hex,
        originals=originals or {},
    )


def _split_escaped(s: str, sep: str) -> list[str]:
    r"""Split on ``sep`` not preceded by a backslash, unescaping ``\x`` → ``x``.

    >>> _split_escaped(r"S:Cafe\;Guest;P:a\:b", ";")
    ['S:Cafe;Guest', 'P:a:b']
    """
    parts, cur, i = [], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur.append(s[i + 1])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _me_fields(body: str) -> list[tuple[str, str]]:
    """``KEY:value;KEY:value;;`` records (MECARD, WIFI, MATMSG, MEBKM) with escapes undone."""
    out = []
    for part in _split_escaped(body, ";")[:MAX_FIELDS]:
        if ":" in part:
            k, v = part.split(":", 1)
            out.append((k.strip().upper(), v))
    return out


def _clip(text: str, n: int) -> str:
    t = mask_secrets(text)
    return t if len(t) <= n else t[: n - 1] + "…"


def _split(s: str) -> tuple[str, str, str]:
    """``(scheme, netloc, path)`` of ``s``; empty parts when Python's parser refuses it."""
    try:
        parts = urlsplit(s)
    except ValueError:
        return "", "", ""
    return parts.scheme, parts.netloc, parts.path


def _host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or url[:80]
    except ValueError:
        return url[:80]
