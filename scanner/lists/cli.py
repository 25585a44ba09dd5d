"""``lurelens lists status|update|add|remove|allow``: the command line over :mod:`scanner.lists`.

Exit codes: 0 ok, 1 an update (or a download for ``add``) failed and the previous lists were kept,
2 bad input, 3 configuration error. Human output follows the user's language; ``--json`` gives the
same data for programs.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from typing import IO, Any

from ..errors import ConfigError, ExitStatus, InputError, ScannerError
from ..settings import Settings
from .formats import FORMATS
from .store import BLOCK_CATEGORIES, CATEGORIES
from .words import age_words, category_words, error_words, update_hint

OK, BAD_INPUT, CONFIG, FAILED = (
    ExitStatus.OK, ExitStatus.BAD_INPUT, ExitStatus.CONFIG, ExitStatus.UNAVAILABLE
)

_T = {
    "en": {
        "head": ("list", "category", "trust", "entries", "kept", "dropped popular", "bad", "ignored", "age",
                 "last error"),
        "updated": "updated: {entries} entries (was {previous})",
        "not_modified": "not modified",
        "failed": "not updated: {message}",
        "skipped": "skipped ({message})",
        "added": "Added list {name}: {entries} entries, {malformed} malformed lines.",
        "removed": "Removed list {name}.",
        "allowed": "Allowed {domain} (and its subdomains, unless it is a hosting platform's root).",
        "unallowed": "Removed {domain} from your allowlist.",
        "summary": "{ok} lists checked, {failed} failed (previous versions kept).",
        "never": "never",
        "lang": "en",
        "off": "off",
    },
    "zh": {
        "head": ("名单", "类别", "可信度", "条目", "保留", "因热门剔除", "格式错误", "已忽略", "更新于",
                 "最近错误"),
        "updated": "已更新：{entries} 条（原 {previous} 条）",
        "not_modified": "无变化",
        "failed": "更新失败：{message}",
        "skipped": "跳过（{message}）",
        "added": "已添加名单 {name}：{entries} 条，{malformed} 行格式错误。",
        "removed": "已删除名单 {name}。",
        "allowed": "已信任 {domain}（含其子域名；托管平台的根域名只信任其本身）。",
        "unallowed": "已从信任名单中删除 {domain}。",
        "summary": "已检查 {ok} 个名单，{failed} 个失败（已保留旧版本）。",
        "never": "从未",
        "lang": "zh",
        "off": "已停用",
    },
}


def add_parser(subparsers: Any) -> None:
    """Register ``lists`` and its subcommands on the main parser's subparsers."""
    p = subparsers.add_parser("lists", help="show, update and manage blocklists and your allowlist")
    p.set_defaults(func=run, lists_command=None)
    sub = p.add_subparsers(dest="lists_command")
    s = sub.add_parser("status", help="each list's entries, age and last error")
    s.add_argument("--json", action="store_true", help="JSON output")
    u = sub.add_parser("update", help="download remote lists (keeps the old version on any problem)")
    u.add_argument("names", nargs="*", help="only these lists (default: all remote lists)")
    u.add_argument("--json", action="store_true", help="JSON output")
    a = sub.add_parser("add", help="add your own list from a file or an http(s) URL")
    a.add_argument("source", metavar="PATH_OR_URL")
    a.add_argument("--name", help="list name (default: from the file name)")
    a.add_argument("--format", dest="fmt", choices=("auto", *FORMATS), default=None,
                   help="list format (default: detected)")
    a.add_argument("--category", choices=CATEGORIES, default=None,
                   help="what its entries are (default: user)")
    a.add_argument("--json", action="store_true", help="JSON output")
    r = sub.add_parser("remove", help="remove a list you added")
    r.add_argument("name")
    r.add_argument("--json", action="store_true", help="JSON output")
    w = sub.add_parser("allow", help="trust a domain (your allowlist wins over lists and heuristics)")
    w.add_argument("domain")
    w.add_argument("--remove", action="store_true", help="remove it from the allowlist instead")
    w.add_argument("--json", action="store_true", help="JSON output")
    for q in (s, u, a, r, w):
        q.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings, out: IO[str] | None = None) -> int:
    """Run one ``lists`` subcommand; returns the exit code (never raises for bad input)."""
    out = out if out is not None else sys.stdout
    cmd = getattr(args, "lists_command", None)
    as_json = bool(getattr(args, "json", False))
    t = _T["zh" if settings.ui_lang == "zh" else "en"]
    handlers: dict[str, Callable[[argparse.Namespace, Settings, IO[str], bool, dict[str, Any]], int]] = {
        "status": _status, "update": _update, "add": _add, "remove": _remove, "allow": _allow,
    }
    if cmd not in handlers:
        sys.stderr.write("lurelens lists: choose status, update, add, remove or allow\n")
        return BAD_INPUT
    try:
        return handlers[cmd](args, settings, out, as_json, t)
    except InputError as e:
        return _fail(e, out, as_json, BAD_INPUT)
    except ConfigError as e:
        return _fail(e, out, as_json, CONFIG)
    except ScannerError as e:
        return _fail(e, out, as_json, FAILED)


def _fail(e: ScannerError, out: IO[str], as_json: bool, code: int) -> int:
    if as_json:
        out.write(json.dumps({"error": {"code": e.code, "message": e.message}}, ensure_ascii=False) + "\n")
    sys.stderr.write(f"lurelens: {e.message}\n")
    return code


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _status(args: argparse.Namespace, settings: Settings, out: IO[str], as_json: bool,
            t: dict[str, Any]) -> int:
    from .manage import status

    rows = status(settings)
    if as_json:
        out.write(json.dumps({"lists": [r.to_dict() for r in rows]}, ensure_ascii=False, indent=1) + "\n")
        return OK
    table = [t["head"]]
    for r in rows:
        name = r.name if r.enabled else f"{r.name} ({t['off']})"
        error = error_words(r.last_error, t["lang"])
        # The user's own lists are never dropped from: their popular entries show as "(N marked)".
        pop = f"({r.marked_popular:,} marked)" if r.marked_popular else f"{r.dropped_popular:,}"
        trust = r.trust if r.category in BLOCK_CATEGORIES else "-"
        age = age_words(r.age_seconds, r.due, t["lang"])
        table.append((name, category_words(r.category, t["lang"]), trust, f"{r.entries:,}", f"{r.kept:,}",
                      pop, f"{r.malformed:,}", f"{r.suppressed:,}", age, error[:70] or "-"))
    widths = [max(_width(str(row[i])) for row in table) for i in range(len(table[0]))]
    for row in table:
        cells = [_pad(str(c), w, right=3 <= i <= 7) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        out.write("  ".join(cells).rstrip() + "\n")
    if any(r.due and r.enabled for r in rows):
        out.write(update_hint(t["lang"]) + "\n")
    return OK


def _update(args: argparse.Namespace, settings: Settings, out: IO[str], as_json: bool,
            t: dict[str, Any]) -> int:
    from .update import update

    names = list(args.names) or None
    if as_json or not sys.stderr.isatty():
        results = update(settings, names=names)
    else:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(name: str, done: int, total: int | None) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=total)
                bar.update(tasks[name], completed=done, total=total)

            results = update(settings, progress=progress, names=names)
    failed = sum(r.failed for r in results)
    if as_json:
        out.write(json.dumps({"results": [r.to_dict() for r in results], "failed": failed},
                             ensure_ascii=False, indent=1) + "\n")
    else:
        for r in results:
            line = t[r.status].format(entries=f"{r.entries:,}", previous=r.previous_entries,
                                      message=error_words(r.message, t["lang"]))
            out.write(f"{r.name}: {line}\n")
        out.write(t["summary"].format(ok=len(results), failed=failed) + "\n")
    return FAILED if failed else OK


def _add(args: argparse.Namespace, settings: Settings, out: IO[str], as_json: bool,
         t: dict[str, Any]) -> int:
    from .manage import add_list

    st = add_list(settings, args.source, name=args.name, fmt=args.fmt, category=args.category)
    if as_json:
        out.write(json.dumps(st.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(t["added"].format(name=st.name, entries=f"{st.entries:,}", malformed=st.malformed) + "\n")
    return OK


def _remove(args: argparse.Namespace, settings: Settings, out: IO[str], as_json: bool,
            t: dict[str, Any]) -> int:
    from .manage import remove_list

    remove_list(settings, args.name)
    msg = json.dumps({"removed": args.name}) if as_json else t["removed"].format(name=args.name)
    out.write(msg + "\n")
    return OK


def _allow(args: argparse.Namespace, settings: Settings, out: IO[str], as_json: bool,
           t: dict[str, Any]) -> int:
    from .manage import allow_domain, unallow_domain

    if args.remove:
        d = unallow_domain(settings, args.domain)
        msg, key = t["unallowed"], "unallowed"
    else:
        d = allow_domain(settings, args.domain)
        msg, key = t["allowed"], "allowed"
    out.write(json.dumps({key: d}) + "\n" if as_json else msg.format(domain=d) + "\n")
    return OK
