"""WeChat mini-program entries (issue 22 §3): recognised, named when the link carries a name, explained.

The four ways a message or a code opens a mini program:

* the short link WeChat's "copy link" gives: ``#小程序://名称/code`` (full-width ``＃``/``：``/``／`` too);
* the URL scheme: ``weixin://dl/business/?t=…`` (or ``?appid=…&path=…``);
* the URL link: ``https://wxaurl.cn/…`` and ``https://mp.weixin.qq.com/a/…``.

LureLens cannot see inside a mini program, so the reason ``link.mini_program`` explains instead of
warning: what opens, its name when known, and how to check who runs it. It is ``info`` (never warns
alone) with a weight that adds to lure reasons around it, as any lure link would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from .. import reasons as R
from ..models import Payload, Reason
from .fields import _payload
from .tables import K

_SHORT_LINK = re.compile(
    r"[#＃]小程序[:：][/／]{2}(?P<name>[^/／\s#＃?？，。！、；]{1,40})(?:[/／](?P<code>[A-Za-z0-9_\-]{1,64}))?"
)
_NAME_JUNK = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_QUICK = ("小程序", "weixin", "wxaurl", "mp.weixin.qq.com/a/")
_CARRIERS = frozenset({K.URL, K.TEXT, K.TEXT_WITH_URL, K.WECHAT})


@dataclass(frozen=True, slots=True)
class MiniProgramEntry:
    """One way into a mini program found in a payload."""

    form: str
    """``short_link`` (``#小程序://``), ``url_scheme`` (``weixin://dl/business``) or ``url_link``."""
    entry: str
    """The entry as written (clipped)."""
    name: str = ""
    """The mini program's name, when the link carries it (short links do)."""
    code: str = ""
    """The short link's code, the URL scheme's ticket (``t=``) or app id, or the URL link's path."""


def mini_program_url(url: str) -> MiniProgramEntry | None:
    """The entry a URL is (``weixin://dl/business/…``, ``wxaurl.cn/…``, ``mp.weixin.qq.com/a/…``), or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    if scheme == "weixin" and host == "dl" and parts.path.rstrip("/").lower() == "/business":
        q = {k.lower(): v for k, v in parse_qsl(parts.query)}
        return MiniProgramEntry("url_scheme", url[:120], code=(q.get("t") or q.get("appid") or "")[:64])
    if scheme not in ("http", "https"):
        return None
    if host == "wxaurl.cn" or host.endswith(".wxaurl.cn"):
        return MiniProgramEntry("url_link", url[:120], code=parts.path.strip("/")[:64])
    if host == "mp.weixin.qq.com" and parts.path.startswith("/a/"):
        return MiniProgramEntry("url_link", url[:120], code=parts.path[3:].strip("/")[:64])
    return None


def find_entries(text: str, links: tuple[str, ...] = ()) -> list[MiniProgramEntry]:
    """Every mini-program entry in a payload: short links in ``text``, URL forms among ``links``.

    >>> [(e.form, e.name) for e in find_entries("#小程序://腾讯文档/Xy9")]
    [('short_link', '腾讯文档')]
    """
    out: list[MiniProgramEntry] = []
    if "小程序" in text:
        for m in _SHORT_LINK.finditer(text):
            name = _NAME_JUNK.sub("", m.group("name")).strip()
            out.append(
                MiniProgramEntry("short_link", m.group(0)[:120], name=name, code=m.group("code") or "")
            )
            if len(out) >= 20:
                break
    for url in links or (text.strip(),):
        e = mini_program_url(url)
        if e is not None and e not in out:
            out.append(e)
    return out


def as_mini_program(p: Payload) -> Payload:
    """``p`` as a ``mini_program`` payload when it holds an entry (else ``p`` itself).

    ``fields["carrier"]`` keeps what the payload was (``text``, ``text_with_url``, ``url``,
    ``wechat``) so the pipeline still reads the words around the entry and checks its web links.
    """
    if p.kind not in _CARRIERS:
        return p
    low = p.text[:4096].lower() if len(p.text) > 4096 else p.text.lower()
    if not any(q in low for q in _QUICK) and not any("wxaurl" in x or "mp.weixin" in x for x in p.links):
        return p
    entries = find_entries(p.text, p.links if p.kind is not K.WECHAT else ())
    if not entries:
        return p
    first = entries[0]
    fields = dict(p.fields)
    fields.update(
        {
            "app": "WeChat",
            "app_zh": "微信",
            "carrier": p.kind.value,
            "form": first.form,
            "name": first.name,
            "code": first.code,
            "entry": first.entry,
            "entries": str(len(entries)),
        }
    )
    return _payload(
        p.text, K.MINI_PROGRAM, p.source or "text", fields=fields, links=p.links, display=p.display
    )


def mini_program_reasons(p: Payload) -> list[Reason]:
    """One ``link.mini_program`` per entry of a ``mini_program`` payload (or of a link classified as one)."""
    carrier = p.fields.get("carrier", "")
    entries = find_entries(p.text, p.links if carrier != K.WECHAT.value else ())
    out = []
    for e in entries[:10]:
        out.append(
            R.make(
                "link.mini_program",
                e.name or e.entry[:60],
                source=p.source or "text",
                what=f"the mini program “{e.name}”" if e.name else "a mini program",
                what_zh=f"小程序“{e.name}”" if e.name else "一个小程序",
            )
        )
    return out
