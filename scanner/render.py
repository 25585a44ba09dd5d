"""Human-readable text for a :class:`Report` (the CLI's default output). Pure; secrets stay masked.

Everything shown may come from an attacker (a QR code's text, a page's evidence, a link), so every
line is made safe for a terminal before it is returned: control characters (an ESC could clear the
screen, retitle the window or hide text) and invisible or direction-changing characters (which
can make ``evil.test`` read as something else) are shown as escapes.
"""

from __future__ import annotations

import re

from .codewords import KIND_NAMES, STOP_WORDS, UNKNOWN_LABEL, code_words, field_rows
from .models import Hop, Level, LinkReport, Payload, Report
from .pii import pii_label

# Zero-width characters, line/paragraph separators, bidi embeddings and overrides, isolates, BOM.
INVISIBLE = "\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
"""A regex character-class body of the characters that change how text reads without showing."""
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{INVISIBLE}]")
DISPLAY_CHARS = 160
"""Longest payload text shown on one line (the JSON output has it whole)."""

_LEVEL_WORDS = {
    Level.DANGER: ("DANGER", "高风险"),
    Level.CAUTION: ("CAUTION", "可疑"),
    Level.SAFE: ("SAFE", "未发现问题"),
    Level.UNKNOWN: (UNKNOWN_LABEL[0].upper(), UNKNOWN_LABEL[1]),
}
_SEVERITY_WORDS = {
    "high": ("high", "高"),
    "medium": ("medium", "中"),
    "low": ("low", "低"),
    "info": ("info", "提示"),
}
_LABELS = {
    "reasons": ("Why", "原因"),
    "links": ("Links", "链接"),
    "payloads": ("Content", "内容"),
    "advice": ("What to do", "建议"),
    "pii": ("It asks for", "它索取"),
    "evidence": ("evidence", "证据"),
    "chain": ("chain", "跳转"),
    "stop": ("stopped", "结束原因"),
    "score": ("score", "风险分"),
}


def _w(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def level_word(level: Level, lang: str) -> str:
    """The verdict in words."""
    return _w(_LEVEL_WORDS[level], lang)


def render_report(report: Report, lang: str = "en") -> str:
    """The verdict first, then the reasons, links, payloads and advice, in ``lang``."""
    icon = {"danger": "⛔", "caution": "⚠", "safe": "✓", "unknown": "?"}[report.level.value]
    plain = code_words(report)  # a code with no link: what it is and what to do, not "unknown"
    if plain:
        lines = [f"ℹ {plain[0].get(lang)}", "  " + plain[1].get(lang)]
    else:
        score = f"{_w(_LABELS['score'], lang)} {report.score}/100"
        lines = [f"{icon} {level_word(report.level, lang)}  ({score})"]
    if report.summary and not plain:
        lines.append("  " + report.summary.get(lang))
    shown = [r for r in report.reasons if r.severity.value != "info" or len(report.reasons) <= 6][:12]
    if shown:
        lines.append(_w(_LABELS["reasons"], lang) + ":")
        for r in shown:
            sev = _w(_SEVERITY_WORDS[r.severity.value], lang)
            line = f"  [{sev}] {r.message.get(lang)}"
            if r.evidence:  # a stop code ("dns_error") in plain words
                ev = _w(STOP_WORDS[r.evidence], lang) if r.evidence in STOP_WORDS else r.evidence
                line += f"  ({_w(_LABELS['evidence'], lang)}: {ev})"
            lines.append(line + f"  <{r.code}>")
    if report.pii:
        words = ", ".join(pii_label(p, lang) for p in report.pii)
        lines.append(f"{_w(_LABELS['pii'], lang)}: {words}")
    # A pasted text is known to its reader; what a QR code says is not, so a photo shows every code.
    payloads = list(report.payloads) if report.input_kind == "image" else [
        p for p in report.payloads if p.kind.value not in ("text", "text_with_url", "url")]
    if payloads:
        lines.append(_w(_LABELS["payloads"], lang) + ":")
        for i, p in enumerate(payloads, 1):
            lines.append(_payload_line(p, lang, f"{i}. " if len(payloads) > 1 else ""))
            if plain:
                lines.extend(f"     {name}: {value}" for name, value in field_rows(p, lang))
    if report.links:
        lines.append(_w(_LABELS["links"], lang) + ":")
        for link in report.links:
            lines.extend(_link_lines(link, lang))
    if report.advice:
        lines.append(_w(_LABELS["advice"], lang) + ":")
        lines.extend("  • " + a.get(lang) for a in report.advice)
    return "\n".join(safe_for_terminal(line) for line in lines)


def safe_for_terminal(text: str) -> str:
    r"""``text`` with control, invisible and bidi characters shown as escapes.

    >>> safe_for_terminal("ok\x1b[2J\u202egnp.exe")
    'ok\\x1b[2J\\u202egnp.exe'
    """
    return _UNSAFE.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _payload_line(p: Payload, lang: str, number: str) -> str:
    shown = " ".join((p.display or p.text).split())  # a vCard's or a message's lines on one line
    if len(shown) > DISPLAY_CHARS:
        shown = shown[: DISPLAY_CHARS - 1] + "…"
    what = p.explanation.get(lang) if p.explanation else ""
    kind = _w(KIND_NAMES[p.kind.value], lang) if p.kind.value in KIND_NAMES else p.kind.value
    return f"  {number}{kind}: {shown}" + (f" — {what}" if what else "")


def _link_lines(link: LinkReport, lang: str) -> list[str]:
    out = [f"  {link.original} → {link.final_url}  [{level_word(link.level, lang)} {link.score}]"]
    if link.host_unicode and link.host_unicode != link.host:
        out.append(f"    host: {link.host_unicode} ({link.host})")
    if len(link.chain) > 1:
        out.append(f"    {_w(_LABELS['chain'], lang)}: " + " → ".join(_hop(h) for h in link.chain))
    if link.stop_reason.value not in ("final", "not_expanded"):
        stop = link.stop_reason.value
        words = _w(STOP_WORDS[stop], lang) if stop in STOP_WORDS else stop
        out.append(f"    {_w(_LABELS['stop'], lang)}: {words}")
    return out


def _hop(h: Hop) -> str:
    status = f" {h.status}" if h.status is not None else ""
    ip = f" @{h.ip}" if h.ip else ""
    err = f" !{h.error}" if h.error else ""
    return f"{h.url} ({h.kind.value}{status}{ip}{err})"
