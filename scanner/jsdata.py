"""What inline scripts carry, read without running them: literals, objects, markup, model keys.

Forms built at run time keep their definitions in script data, whatever the framework: field
config arrays (``[{key:'sfzh', label:'身份证号'}]``), ``createElement``/``h()`` props, compiled Vue
templates (``attrs:{placeholder:…}``, ``expression:"form.idCard"``, ``_ctx.form.x = $event``),
JSX and HTML in strings (jQuery ``append``, ``innerHTML``), form models initialised empty
(``data:{form:{cardNo:''}}``), request bodies (``FormData.append('ssn', …)``,
``JSON.stringify({idNo: a.value})``) and base64-encoded configuration (``JSON.parse(atob('…'))``).
:func:`script_data` collects these generically; naming what each one asks for is the page
heuristics' job. Work is bounded: characters read, literals and objects kept, one level of base64.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

__all__ = ["ScriptData", "script_data"]

MAX_CODE = 400_000
"""Characters of script read per page in total."""
MAX_STRINGS = 4000
MAX_OBJECTS = 2000

_STR = re.compile(r"""'((?:[^'\\\n]|\\.){1,400})'|"((?:[^"\\\n]|\\.){1,400})"|`((?:[^`\\]|\\.){1,400})`""")
_OBJ = re.compile(r"\{([^{}]{1,800})\}")
_PAIR = re.compile(
    r"""["']?([A-Za-z_$][\w$.:\-]{0,40})["']?\s*:\s*"""
    r"""(?:'((?:[^'\\\n]|\\.){0,200})'|"((?:[^"\\\n]|\\.){0,200})"|`([^`]{0,200})`|([^,}\n]{0,120}))"""
)
_CALL_PAIRS = re.compile(
    r"""(?:\.(?:attr|prop|setAttribute|set)\(|\battr\(\s*[\w$]{1,40}\s*,)"""
    r"""\s*['"](placeholder|name|id|title|aria-label|type|maxlength)['"]\s*,\s*"""
    r"""['"]([^'"\n]{1,120})['"]"""
    r"""|\.append\(\s*['"]([A-Za-z_][\w.\[\]]{1,40})['"]\s*,"""
    r"""|\.(placeholder|name)\s*=\s*['"]([^'"\n]{1,120})['"]"""
)
_MODEL_ASSIGN = re.compile(r"\.([A-Za-z_]\w{1,40})\s*=\s*\$event\b")
_B64 = re.compile(r"^[A-Za-z0-9+/]{24,}={0,2}$")
_MARKUP = re.compile(r"<\s*(?:input|select|textarea)\b", re.I)
_ESC = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)


@dataclass(frozen=True, slots=True)
class ScriptData:
    """Literals, objects (``(key, value)`` pairs), markup fragments and form-model keys of scripts."""

    strings: tuple[str, ...] = ()
    objects: tuple[tuple[tuple[str, str], ...], ...] = ()
    markup: tuple[str, ...] = ()
    model_keys: tuple[str, ...] = ()
    """Keys a script binds to a form model or sends in a request body."""


def _unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            try:
                return chr(int(e[1:], 16))
            except ValueError:
                return e
        return {"n": "\n", "t": "\t", "r": ""}.get(e, e)

    return _ESC.sub(one, s) if "\\" in s else s


def _b64_text(s: str) -> str | None:
    """The text a base64 literal encodes, when it is text that could hold configuration."""
    if len(s) % 4 or not _B64.match(s):
        return None
    try:
        raw = base64.b64decode(s, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not any(ch in text for ch in "{<:") or sum(c.isprintable() or c.isspace() for c in text) < 0.95 * len(
        text
    ):
        return None
    return text


class _Collector:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self.objects: list[tuple[tuple[str, str], ...]] = []
        self.markup: list[str] = []
        self.model_keys: list[str] = []

    def read(self, code: str, depth: int = 0) -> None:
        """Collect from one script (``depth`` 1 = text decoded from base64 inside a script)."""
        if _MARKUP.search(code):
            self.markup.append(_unescape(code))
        for m in _STR.finditer(code):
            if len(self.strings) >= MAX_STRINGS:
                break
            s = _unescape(next(g for g in m.groups() if g is not None))
            decoded = _b64_text(s) if depth == 0 and len(s) >= 24 else None
            if decoded is not None:
                self.read(decoded, depth + 1)
                continue
            self.strings.append(s)
            if depth == 0 and s.lstrip().startswith(("{", "[")) and '":' in s:
                self.read(s, depth + 1)  # JSON.parse('{"fields":[…]}')
        for m in _OBJ.finditer(code):
            if len(self.objects) >= MAX_OBJECTS:
                break
            self._object(m.group(1))
        for m in _CALL_PAIRS.finditer(code):
            if m.group(1):
                self.objects.append(((m.group(1), m.group(2)),))
            elif m.group(3):
                self.model_keys.append(m.group(3))
            else:
                self.objects.append(((m.group(4), m.group(5)),))
        self.model_keys += [m.group(1) for m in _MODEL_ASSIGN.finditer(code)][:200]

    def _object(self, body: str) -> None:
        pairs: list[tuple[str, str]] = []
        for p in _PAIR.finditer(body):
            key = p.group(1)
            lit = next((g for g in p.group(2, 3, 4) if g is not None), None)
            if lit is not None:
                pairs.append((key, _unescape(lit)))
                if lit == "":
                    self.model_keys.append(key)  # form: {cardNo: '', …}
                continue
            expr = (p.group(5) or "").strip()
            if re.search(r"\.value\b|\.val\(\)|^null$|^\[\]$|\$event|getElementById|querySelector", expr):
                self.model_keys.append(key)  # {idNo: el.value} in a request body
            m = re.search(r"([A-Za-z_][\w.]{0,60})\s*=\s*\$event", expr)
            pairs.append((key, m.group(1) if m else expr[:80]))
        if pairs:
            self.objects.append(tuple(pairs[:30]))


def script_data(scripts: list[str]) -> ScriptData:
    """Everything :class:`ScriptData` holds, from inline scripts (bounded by :data:`MAX_CODE`)."""
    c = _Collector()
    budget = MAX_CODE
    for code in scripts:
        if budget <= 0:
            break
        code = code[:budget]
        budget -= len(code)
        c.read(code)
    return ScriptData(
        strings=tuple(c.strings[:MAX_STRINGS]),
        objects=tuple(c.objects[:MAX_OBJECTS]),
        markup=tuple(c.markup[:20]),
        model_keys=tuple(dict.fromkeys(c.model_keys))[:400],
    )
