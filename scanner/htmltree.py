"""HTML read once: one place that feeds lexbor, and :class:`PageView`, everything later readers need.

Lexbor (like every HTML5 parser) slows down quadratically with nesting depth: 50,000 nested ``<div>``
take seconds. Real pages nest a few dozen levels, so before parsing, any start tag that would nest
deeper than :data:`MAX_DEPTH` is dropped (its content is kept), and tags after :data:`MAX_TAGS` are
cut: the text and the form fields a check looks at survive, the crafted depth does not.

:func:`page_view` parses a page ONCE and keeps what the title reader (``expand``), the redirect
reader (``redirects.find_page_redirects``) and the personal-data reader (``heuristics.page``) use:
title, visible text, headings, every form control with all its evidence (label, placeholder,
name/id, type, inputmode, maxlength, pattern, autocomplete, accept/capture, wizard step), inline
scripts, anchors, meta refresh values and form actions. What scripts carry (string literals, object
literals, base64 configuration, markup in strings, JSX) is read by :mod:`scanner.jsdata`. Views are
cached per HTML string, so the three readers of one fetched page share one parse.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .errors import EmptyInput, NotText
from .jsdata import ScriptData, script_data

__all__ = [
    "Control",
    "check_markup",
    "PageView",
    "controls_of_markup",
    "flatten_deep_nesting",
    "merge_views",
    "page_view",
    "parse_html",
]

MAX_DEPTH = 512
MAX_TAGS = 60_000
"""Tags kept per document (the rest of the document is cut)."""
MAX_CONTROLS = 400
"""Form controls read per document."""
MAX_TEXT = 30_000
"""Characters of visible text kept."""
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]{0,40})\b[^<>]{0,4096}?(/?)>")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
    + "basefont bgsound frame keygen".split()
)


def flatten_deep_nesting(html: str, max_depth: int = MAX_DEPTH, max_tags: int = MAX_TAGS) -> str:
    """``html`` with start tags past ``max_depth`` removed (content kept) and cut after ``max_tags`` tags.

    >>> flatten_deep_nesting("<div>" * 5 + "x", max_depth=3)
    '<div><div><div>x'
    """
    lt = html.count("<")
    if lt - 2 * html.count("</") <= max_depth and lt <= max_tags:  # cheap pre-check
        return html
    depth = 0
    count = 0
    cut_at = -1

    def keep(m: re.Match[str]) -> str:
        nonlocal depth, count, cut_at
        count += 1
        if count > max_tags:
            if cut_at < 0:
                cut_at = m.start()
            return ""
        closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or selfclose:
            return m.group(0)
        if closing:
            depth = max(0, depth - 1)
            return m.group(0)
        if depth >= max_depth:
            return ""
        depth += 1
        return m.group(0)

    out = _TAG.sub(keep, html)
    if cut_at >= 0:
        # Cut the text after the last kept tag too: the position in ``out`` of the cut is unknown,
        # so cut the original and flatten again (no more than max_tags tags remain).
        return flatten_deep_nesting(html[:cut_at], max_depth, max_tags)
    return out


def check_markup(html: str) -> None:
    """Raise unless ``html`` reads as a web page: empty, binary or tagless input is not one.

    Random bytes, a JPEG or an empty file given as a page are refused (``EmptyInput``/``NotText``)
    instead of being judged "safe".
    """
    head = html[:65536]
    if not head.strip():
        raise EmptyInput("the page is empty: save the page as HTML and try again")
    bad = sum(1 for c in head if (c < " " and c not in "\r\n\t\f") or c == "\ufffd")
    if bad > len(head) // 50 or _TAG.search(head) is None:
        raise NotText("this is not an HTML page (binary data or plain text): save the page as HTML")


def parse_html(html: str) -> LexborHTMLParser:
    """A lexbor tree of ``html`` after :func:`flatten_deep_nesting`."""
    return LexborHTMLParser(flatten_deep_nesting(html))


# --- the view --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Control:
    """One place a person types or uploads something, with every piece of evidence about it."""

    tag: str = "input"
    type: str = "text"
    keys: tuple[str, ...] = ()
    """name, id, v-model, formcontrolname… (as written)."""
    label: str = ""
    placeholder: str = ""
    hints: tuple[str, ...] = ()
    """aria-label, title, CSS ``::before`` content, data-label."""
    autocomplete: str = ""
    inputmode: str = ""
    maxlength: int = 0
    pattern: str = ""
    accept: str = ""
    capture: str | None = None
    step: str = ""
    """The wizard step (container id/class) it belongs to, if any."""
    hidden_at_load: bool = False
    near: str = ""
    """Text around it (its block), for context only."""
    captcha_nearby: bool = False
    """An image captcha sits next to it (its "验证码" is the picture's, not an SMS code)."""
    contact_form: bool = False
    """Its form also holds an e-mail/phone/city field (makes a bare ``name`` a person's name)."""
    source: str = "markup"
    """``markup``, ``template`` (``<template>``/x-template), or ``script`` (built by a script)."""


@dataclass(frozen=True, slots=True)
class PageView:
    """A page as read by one parser pass (see the module docstring). Immutable and shareable."""

    title: str = ""
    text: str = ""
    """Visible body text (scripts, styles, templates dropped), whitespace collapsed."""
    headings: tuple[str, ...] = ()
    """h1–h3, legends and buttons: what names the page's purpose."""
    controls: tuple[Control, ...] = ()
    scripts: tuple[tuple[str, str], ...] = ()
    """Inline scripts as ``(type attribute, code)``."""
    handlers: tuple[str, ...] = ()
    """``onload``/``onpageshow`` attribute code."""
    templates: tuple[str, ...] = ()
    """``<template>`` and ``<script type=…template/html>`` markup."""
    links: tuple[str, ...] = ()
    anchor_ids: dict[str, str] = field(default_factory=dict)
    meta_refresh: tuple[str, ...] = ()
    form_actions: tuple[str, ...] = ()
    script_strings: tuple[str, ...] = ()
    """String literals of inline scripts (unescaped; base64 configuration decoded)."""
    script_objects: tuple[tuple[tuple[str, str], ...], ...] = ()
    """Object literals and JSON objects of inline scripts, as ``(key, value)`` pairs."""
    brand_spots: tuple[str, ...] = ()
    """Title, logo, main heading, header, and the text after a copyright mark."""
    html_head: str = ""
    """The first 300,000 characters of the HTML, for the few raw-text checks."""

    @property
    def js(self) -> tuple[str, ...]:
        """Inline JavaScript (module scripts included), then the load handlers."""
        out = [c for t, c in self.scripts if not t or "javascript" in t or t in ("module", "text/ecmascript")]
        return (*out, *self.handlers)


_SKIP_TYPES = frozenset({"hidden", "submit", "button", "reset", "image", "range", "color", "search"})
_KEY_ATTRS = (
    "name",
    "id",
    "v-model",
    "v-model.trim",
    "v-model.number",
    "formcontrolname",
    "ng-model",
    "data-field",
    "data-name",
    "data-key",
    ":value",
    "x-model",
    "wire:model",
)
_MODEL_SELECTOR = (
    ", ".join(f"[{a}]" for a in ("v-model", "x-model", "formcontrolname", "ng-model", "wire:model")).replace(
        "wire:model", "wire\\:model"
    )
    # component props (JSX <TextField name label/>, <van-field name label>)
    + ", [name][label], [name][placeholder]"
)
_HINT_ATTRS = ("aria-label", "title", "data-label", ":placeholder", "v-bind:placeholder", "data-placeholder")
_STEP = re.compile(r"step|wizard|stage|tab-pane|panel-?\d|page-?\d|pane", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_CSS_LABEL = re.compile(
    r"([#.][\w-]{1,60})[^{}]{0,80}?::?(?:before|after)\s*\{[^{}]{0,300}?content\s*:\s*(['\"])([^'\"]{1,60})\2"
)


_SMALL_NODE = 60
"""Nodes (elements and text) a node may hold for its whole text to be read as context."""


def _text(node: LexborNode | None, limit: int = 80) -> str:
    """The text of a small node; of a big one (a whole form, a crafted page) only its own text.

    Context is read for up to 400 controls: reading a huge subtree for each would make the work
    grow with the square of the page.
    """
    if node is None:
        return ""
    small = sum(1 for _ in itertools.islice(node.traverse(include_text=True), _SMALL_NODE + 1)) <= _SMALL_NODE
    if small:
        txt = str(node.text(strip=True) or "")
    else:  # its first own text pieces only
        kids = itertools.islice(node.iter(include_text=True), 12)
        txt = " ".join(str(c.text(deep=False) or "") for c in kids if c.tag == "-text")
    return " ".join(txt.split())[:limit]


def _label_of(node: LexborNode, labels: dict[str, str]) -> str:
    """``<label for>``, an enclosing label, ``aria-labelledby``, or the nearest preceding text."""
    attrs = node.attributes
    nid = attrs.get("id") or ""
    if nid and nid in labels:
        return labels[nid]
    by = (attrs.get("aria-labelledby") or "").split()[:1]
    if by and "@" + by[0] in labels:
        return labels["@" + by[0]]
    p, depth = node.parent, 0
    while p is not None and depth < 3:
        if p.tag == "label":
            return _text(p)
        depth += 1
        p = p.parent
    prev, hops = node.prev, 0
    while prev is not None and hops < 4:
        if prev.tag not in ("script", "style", "br", "input", "select", "textarea"):
            txt = _text(prev)
            if txt:
                return txt
        prev, hops = prev.prev, hops + 1
    nxt = node.next
    while nxt is not None and nxt.tag == "-text" and not _text(nxt):
        nxt = nxt.next
    if nxt is not None and nxt.tag == "label":  # floating labels come after their input
        return _text(nxt)
    parent = node.parent
    if parent is not None:
        pp = parent.prev
        while pp is not None and pp.tag == "-text" and not _text(pp):
            pp = pp.prev
        if pp is not None and pp.tag not in ("script", "style"):
            txt = _text(pp, 41)
            if 0 < len(txt) <= 40:
                return txt
    return ""


def _step_of(node: LexborNode) -> tuple[str, bool]:
    """The wizard step container of ``node`` (id/class), and whether something above hides it."""
    step, hidden = "", False
    p, depth = node.parent, 0
    while p is not None and depth < 10 and p.tag not in ("body", "html"):
        a = p.attributes
        cls = f"{a.get('id') or ''} {a.get('class') or ''}".strip()
        if not step and ("data-step" in a or (cls and _STEP.search(cls))):
            step = (a.get("data-step") or cls)[:40]
        if (
            "hidden" in a
            or _HIDDEN.search(a.get("style") or "")
            or re.search(r"\b(?:hide|hidden|d-none)\b", cls)
        ):
            hidden = True
        p, depth = p.parent, depth + 1
    return step, hidden


def _near_text(node: LexborNode) -> str:
    p = node.parent
    for _ in range(2):
        if p is None:
            break
        txt = _text(p, 120)
        if txt:
            return txt
        p = p.parent
    return ""


_CAPTCHA = re.compile(r"captcha|seccode|checkcode|verifycode|vcode|imgcode|piccode|验证码|kaptcha", re.I)


def _captcha_nearby(node: LexborNode) -> bool:
    p = node.parent
    for _ in range(2):
        if p is None:
            return False
        near = [n for c in itertools.islice(p.iter(), 12) for n in (c, *itertools.islice(c.iter(), 4))]
        for img in (n for n in near if n.tag in ("img", "canvas")):
            a = img.attributes
            if _CAPTCHA.search(
                " ".join((a.get("src") or "", a.get("alt") or "", a.get("id") or "", a.get("class") or ""))
            ):
                return True
        p = p.parent
    return False


def _contact_form(node: LexborNode) -> bool:
    form = node.parent
    for _ in range(6):
        if form is None or form.tag == "form":
            break
        form = form.parent
    return form is not None and (
        form.css_first(
            "input[type=email], input[type=tel], input[name*=phone], input[name*=mail], input[name*=city]"
        )
        is not None
    )


def _int(v: str) -> int:
    return int(v) if v.strip().isdigit() and len(v.strip()) < 6 else 0


def _control(node: LexborNode, labels: dict[str, str], css: dict[str, str], source: str) -> Control | None:
    a = {k.lower(): (v or "") for k, v in node.attributes.items()}
    typ = a.get("type", "text").lower().strip() or "text"
    if node.tag == "select":
        typ = "select"
    elif node.tag == "textarea":
        typ = "textarea"
    if typ in _SKIP_TYPES or typ in ("checkbox", "radio"):
        return None
    hints = [a[h] for h in _HINT_ATTRS if a.get(h)]
    if node.tag not in ("input", "select", "textarea"):
        hints += [a["label"]] if a.get("label") else []
        if typ == "text" and not any(a.get(k) for k in _KEY_ATTRS):
            return None
    item = node.parent
    if item is not None and (item.tag or "").endswith("item") and item.attributes.get("label"):
        # <el-form-item label="姓名">, <a-form-item label=…>
        hints.append(item.attributes.get("label") or "")
    if css:
        hints += _css_hints(node, css)
    step, hidden = _step_of(node)
    return Control(
        tag=node.tag or "input",
        type=typ,
        keys=tuple(a[k][:80] for k in _KEY_ATTRS if a.get(k)),
        label=_label_of(node, labels),
        placeholder=a.get("placeholder", "")[:120],
        hints=tuple(h[:120] for h in hints),
        autocomplete=a.get("autocomplete", "").lower()[:60],
        inputmode=a.get("inputmode", "").lower()[:20],
        maxlength=_int(a.get("maxlength", "")),
        pattern=a.get("pattern", "")[:120],
        accept=a.get("accept", "").lower()[:80],
        capture=a["capture"].lower() if "capture" in a else None,
        step=step,
        hidden_at_load=hidden or "hidden" in a,
        near=_near_text(node),
        captcha_nearby=_captcha_nearby(node),
        contact_form=_contact_form(node) if a.get("name", "").lower() == "name" else False,
        source=source,
    )


def _css_hints(node: LexborNode, css: dict[str, str]) -> list[str]:
    """Labels drawn by CSS (``#f1::before{content:"…"}``) on the control or its wrapper."""
    out: list[str] = []
    for n in (node, node.parent):
        if n is None:
            continue
        a = n.attributes
        classes = (a.get("class") or "").split()[:4]
        sels = [f"#{a.get('id')}" if a.get("id") else "", *(f".{c}" for c in classes)]
        out += [css[s] for s in sels if s and s in css]
        if out:
            break
    return out


def _css_labels(tree: LexborHTMLParser) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in tree.css("style")[:20]:
        for m in _CSS_LABEL.finditer(str(n.text() or "")[:100_000]):
            out.setdefault(m.group(1), m.group(3))
    return out


def _controls(tree: LexborHTMLParser, source: str) -> list[Control]:
    labels: dict[str, str] = {}
    for lab in tree.css("label[for]")[:MAX_CONTROLS]:
        labels[lab.attributes.get("for") or ""] = _text(lab)
    for n in tree.css("[aria-labelledby]")[:MAX_CONTROLS]:
        ref = (n.attributes.get("aria-labelledby") or "").split()[:1]
        if ref and '"' not in ref[0] and "\\" not in ref[0]:
            target = tree.css_first(f'[id="{ref[0]}"]')
            labels["@" + ref[0]] = _text(target)  # "@" keeps these apart from <label for> ids
    css = _css_labels(tree)
    out: list[Control] = []
    # Custom components bound to a form model (<el-input v-model>, <van-field v-model>) are
    # controls too: the framework renders an input for them.
    seen: set[int] = set()
    for node in tree.css(f"input, select, textarea, {_MODEL_SELECTOR}")[: 2 * MAX_CONTROLS]:
        if node.mem_id in seen:  # matched by two selectors
            continue
        seen.add(node.mem_id)
        c = _control(node, labels, css, source)
        if c is not None:
            out.append(c)
    return out[:MAX_CONTROLS]


def controls_of_markup(markup: str, source: str = "template") -> list[Control]:
    """The controls of a markup fragment (a template, HTML inside a script string, JSX)."""
    return _controls(parse_html(markup), source)


_OBJ_KEYS = frozenset(
    "name key k field prop model id dataindex expression v-model vmodel formcontrolname fieldname "
    "fieldkey code".split()
)
_OBJ_LABELS = frozenset("label t title text desc tip caption fieldlabel labeltext itemlabel".split())
_OBJ_HINTS = frozenset("placeholder ph hint placeholdertext aria-label errmsg message msg".split())


def _object_control(pairs: tuple[tuple[str, str], ...]) -> Control | None:
    """A field definition in script data (config entry, createElement/h() props), if it is one."""
    keys: list[str] = []
    label = placeholder = typ = pattern = ac = ""
    hints: list[str] = []
    maxlength = 0
    for k, v in pairs:
        lk = k.lower().rsplit(".", 1)[-1]
        if not v or len(v) > 120:
            continue
        if lk in _OBJ_KEYS and re.fullmatch(r"[A-Za-z_$][\w$.\[\]-]{0,60}", v):
            keys.append(v)
        elif lk in _OBJ_LABELS:
            label = label or v
        elif lk == "placeholder" or lk == "ph":
            placeholder = v
        elif lk in _OBJ_HINTS:
            hints.append(v)
        elif lk == "type":
            typ = v.lower()
        elif lk in ("maxlength", "max"):
            maxlength = _int(v)
        elif lk in ("pattern", "reg", "regex"):
            pattern = v
        elif lk == "autocomplete":
            ac = v.lower()
    if typ in _SKIP_TYPES or not (placeholder or (keys and (label or typ or hints))):
        return None
    return Control(
        type=typ or "text",
        keys=tuple(keys),
        label=label,
        placeholder=placeholder,
        hints=tuple(hints[:3]),
        autocomplete=ac,
        maxlength=maxlength,
        pattern=pattern,
        source="script",
    )


def _script_controls(data: ScriptData) -> list[Control]:
    out: list[Control] = []
    for frag in data.markup:
        out += controls_of_markup(frag[:400_000], "script")
    for pairs in data.objects:
        c = _object_control(pairs)
        if c is not None:
            out.append(c)
    out += [Control(keys=(k,), source="script") for k in data.model_keys]
    return out[:MAX_CONTROLS]


def _brand_spots(tree: LexborHTMLParser, title: str) -> tuple[str, ...]:
    spots = [title]
    for sel in ("h1", "[class*=logo]", "[id*=logo]", "header", "[class*=header]"):
        for n in tree.css(sel)[:4]:
            spots.append(_text(n, 120))
    for n in tree.css("img[alt]")[:40]:
        a = n.attributes
        if "logo" in " ".join((a.get("class") or "", a.get("id") or "", a.get("src") or "")).lower():
            spots.append(a.get("alt") or "")
    for n in tree.css("footer, [class*=footer], [class*=copyright]")[:4]:
        for m in re.finditer(r"(?:©|copyright|版权所有)(.{0,40})", _text(n, 2000), re.I):
            spots.append(m.group(1))
    return tuple(s for s in spots if s)


def _scripts(tree: LexborHTMLParser) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    scripts: list[tuple[str, str]] = []
    templates: list[str] = []
    for n in tree.css("script")[:300]:
        a = n.attributes
        if a.get("src"):
            continue
        kind = (a.get("type") or "").strip().lower()
        code = str(n.text(deep=True) or "")
        if "template" in kind or "html" in kind:
            templates.append(code)
        scripts.append((kind, code))
    for n in tree.css("template")[:50]:
        templates.append(re.sub(r"^<template[^>]*>|</template>$", "", str(n.html or "")))
    handlers = [
        n.attributes.get(attr) or "" for attr in ("onload", "onpageshow") for n in tree.css(f"[{attr}]")[:50]
    ]
    return scripts, templates, handlers


def _anchor_ids(anchors: list[LexborNode]) -> dict[str, str]:
    """``id → href`` of anchors (the first anchor of an id wins, as ``getElementById`` does)."""
    out: dict[str, str] = {}
    for n in anchors:
        aid = n.attributes.get("id")
        if aid:
            out.setdefault(aid, (n.attributes.get("href") or "").strip())
    return out


def _visible_text(tree: LexborHTMLParser) -> str:
    """Body text without scripts and styles. Mutates ``tree``: call last."""
    body = tree.body
    if body is None:
        return ""
    for n in body.css("script, style, noscript, template, svg"):
        n.decompose()
    return " ".join(str(body.text(separator=" ") or "").split())[:MAX_TEXT]


@lru_cache(maxsize=8)
def page_view(html: str) -> PageView:
    """The :class:`PageView` of ``html`` (one parse; cached for the few readers of one page)."""
    tree = parse_html(html or "")
    title_node = tree.css_first("title")
    title = " ".join(str(title_node.text() or "").split())[:300] if title_node is not None else ""
    scripts, templates, handlers = _scripts(tree)
    controls = _controls(tree, "markup")
    for markup in templates[:50]:
        controls += controls_of_markup(markup[:400_000])
    data = script_data([c for _, c in scripts] + handlers)
    controls += _script_controls(data)
    anchors = tree.css("a[href]")[:2000]
    headings = tuple(_text(n, 80) for n in tree.css("h1, h2, h3, legend, button")[:40])
    meta_refresh = tuple(
        n.attributes.get("content") or ""
        for n in tree.css("meta")[:200]
        if (n.attributes.get("http-equiv") or "").strip().lower() == "refresh"
    )
    form_actions = tuple((n.attributes.get("action") or "") for n in tree.css("form")[:50])
    brand_spots = _brand_spots(tree, title)
    return PageView(
        title=title,
        text=_visible_text(tree),  # reading the text removes the scripts: the other parts first
        headings=headings,
        controls=tuple(controls[:MAX_CONTROLS]),
        scripts=tuple(scripts),
        handlers=tuple(handlers),
        templates=tuple(templates[:50]),
        links=tuple(n.attributes.get("href") or "" for n in anchors),
        anchor_ids=_anchor_ids(anchors),
        meta_refresh=meta_refresh,
        form_actions=form_actions,
        script_strings=data.strings,
        script_objects=data.objects,
        brand_spots=brand_spots,
        html_head=html[:300_000],
    )


def merge_views(views: list[PageView]) -> PageView:
    """One view of several DOM snapshots of a page (e.g. before and after "下一步" clicks).

    Controls (one per tag, type, keys, label and placeholder), scripts, links and headings are the
    union; the title is the first non-empty one, the text the longest.
    """
    if not views:
        return PageView()
    if len(views) == 1:
        return views[0]

    def union(name: str) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(x for v in views for x in getattr(v, name)))

    controls: dict[tuple[Any, ...], Control] = {}
    for v in views:
        for c in v.controls:
            controls.setdefault((c.tag, c.type, c.keys, c.label, c.placeholder, c.hints, c.source), c)
    anchor_ids: dict[str, str] = {}
    for v in views:
        for k, href in v.anchor_ids.items():
            anchor_ids.setdefault(k, href)
    return PageView(
        title=next((v.title for v in views if v.title), ""),
        text=max((v.text for v in views), key=len),
        headings=union("headings"),
        controls=tuple(controls.values())[:MAX_CONTROLS],
        scripts=union("scripts"),
        handlers=union("handlers"),
        templates=union("templates"),
        links=union("links"),
        anchor_ids=anchor_ids,
        meta_refresh=union("meta_refresh"),
        form_actions=union("form_actions"),
        script_strings=union("script_strings"),
        script_objects=union("script_objects"),
        brand_spots=union("brand_spots"),
        html_head=views[0].html_head,
    )
