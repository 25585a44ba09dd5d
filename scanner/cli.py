"""The ``lurelens`` command: one ``main(argv) -> int`` that maps every error to an exit code.

Exit codes: 0 nothing warns (``unknown`` included), 1 something warns, 2 usage or bad input,
3 configuration error, 130 interrupted. Bad input gets one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from .errors import (
    ConfigError,
    EmptyInput,
    ExitStatus,
    ImageTooLarge,
    InputError,
    InputTooLarge,
    ScannerError,
)
from .models import Report
from .output import error_obj as _error_obj
from .output import json_line, report_text
from .settings import Settings

log = logging.getLogger("lurelens")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns every exit code."""

    def error(self, message: str) -> Any:
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML settings file (else LURELENS_CONFIG)")
    p.add_argument("--lang", choices=("zh", "en"), help="output language (default: from LANG)")


Plugin = Callable[[Any], None]
"""Adds subcommands to an argparse subparsers object (``web.cli.add_parsers`` adds ``serve``)."""


def build_parser(plugins: Sequence[Plugin] = ()) -> argparse.ArgumentParser:
    """The library's command line, plus the subcommands ``plugins`` add (the faces above it)."""
    parser = _Parser(
        prog="lurelens", description="LureLens (识饵): check links, messages and QR photos for lures."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("check", help="check a URL or a whole message ('-' reads stdin, one per line)")
    p.add_argument("input", help="URL or text; '-' for stdin")
    p.add_argument("--offline", action="store_true", help="do not follow redirects (no network)")
    p.add_argument("--no-lists", action="store_true", help="heuristics only: no blocklists/allowlist")
    p.add_argument("--json", action="store_true", help="JSON output (one object per input line)")
    p.add_argument("--jobs", default="1", metavar="N",
                   help="with '-': check in N worker processes ('auto': one per core); same output")
    _common(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("scan", help="read QR codes and text in photos and screenshots, and check them")
    p.add_argument("images", nargs="+", type=Path, help="image files (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC)")
    p.add_argument("--decode-only", action="store_true", help="only decode, do not check")
    p.add_argument("--no-ocr", action="store_true", help="read QR codes only, not the text in the image")
    p.add_argument("--offline", action="store_true", help="do not follow redirects")
    p.add_argument("--no-lists", action="store_true", help="heuristics only")
    p.add_argument("--json", action="store_true", help="JSON output (one object per image)")
    _common(p)
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("page", help="analyse a saved landing page")
    p.add_argument("file", type=Path, help="HTML file")
    p.add_argument("--url", required=True, help="the address the page was served from")
    p.add_argument("--render", action="store_true", help="run its scripts in headless Chromium first")
    p.add_argument("--offline", action="store_true", help="with --render: fetch nothing the page asks for")
    p.add_argument("--no-lists", action="store_true", help="heuristics only")
    p.add_argument("--json", action="store_true", help="JSON output")
    _common(p)
    p.set_defaults(func=_cmd_page)

    _optional_parsers(sub)
    for plugin in plugins:
        before = set(sub.choices)
        plugin(sub)
        for name in sub.choices.keys() - before:
            _common(sub.choices[name])
    return parser


def _optional_parsers(sub: Any) -> None:
    """Subcommands that live with their stage: ``lists`` and ``bench``."""
    from .lists import cli as lists_cli

    lists_cli.add_parser(sub)
    for action in sub.choices["lists"]._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _common(child)
    try:
        from . import bench
    except ModuleNotFoundError as e:  # pragma: no cover - bench ships with the package
        if e.name != "scanner.bench":
            raise
    else:
        bench.add_parser(sub)


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    lang = getattr(args, "lang", None)
    return Settings.load(config_file=getattr(args, "config", None), lang=lang, **overrides)


def _lang(settings: Settings) -> str:
    return settings.ui_lang


def _emit_report(report: Report, args: argparse.Namespace, settings: Settings, out: IO[str]) -> None:
    out.write(report_text(report, as_json=args.json, lang=_lang(settings)))


def _cmd_check(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from .inputs import decode_text_bytes
    from .pipeline import Scanner

    settings = _settings(args, offline=args.offline or None, use_lists=False if args.no_lists else None)
    scanner = Scanner(settings)
    if args.input != "-":
        scanner.prepare_lists()  # the setup step (first run, or lists changed by hand): not in the check
        report = scanner.check(args.input)
        _emit_report(report, args, settings, out)
        return ExitStatus.WARN if report.warn else ExitStatus.OK
    cap = settings.max_input_bytes * 64
    data = stdin.read(cap + 1)
    if len(data) > cap:  # never check a silently cut batch
        raise InputTooLarge(f"stdin is over {cap // (1024 * 1024)} MiB: split the input into smaller batches")
    if not data.strip():
        raise EmptyInput("nothing on stdin: give one URL or message per line")
    lines = decode_text_bytes(data).splitlines()
    from .batch import run_batch

    warned, failed = run_batch(lines, settings, out, as_json=args.json, lang=_lang(settings),
                               jobs=_jobs(args.jobs), scanner=scanner)
    if warned:
        return ExitStatus.WARN
    return ExitStatus.BAD_INPUT if failed else ExitStatus.OK


def _jobs(value: str) -> int:
    """``--jobs``: a positive number, or ``auto`` for every core."""
    if value == "auto":
        return max(1, os.cpu_count() or 1)
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise InputError(f"--jobs takes a positive number or 'auto', not {value!r}")
    return n


def _read_file(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    if len(data) > limit:
        raise ImageTooLarge(f"{path} is over the {limit // (1024 * 1024)} MiB limit")
    return data


def _cmd_scan(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from .pipeline import Scanner
    from .render import safe_for_terminal

    settings = _settings(args, offline=args.offline or None, use_lists=False if args.no_lists else None,
                         ocr=False if args.no_ocr else None)
    scanner = Scanner(settings)
    scanner.prepare_lists()
    warned = failed = False
    for path in args.images:
        try:
            data = _read_file(path, settings.max_image_bytes)
            report = scanner.scan_image(data, decode_only=args.decode_only)
        except InputError as e:
            failed = True
            if args.json:
                out.write(json.dumps({**_error_obj(e), "file": str(path)}, ensure_ascii=False) + "\n")
            else:
                sys.stderr.write(safe_for_terminal(f"lurelens: {path}: {e.message}") + "\n")
            continue
        warned = warned or report.warn
        if args.json:
            d = report.to_dict()
            d["file"] = str(path)
            out.write(json_line(d))
        else:
            out.write(safe_for_terminal(f"== {path}") + "\n")
            _emit_report(report, args, settings, out)
    if warned:
        return ExitStatus.WARN
    return ExitStatus.BAD_INPUT if failed else ExitStatus.OK


def _cmd_page(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from .inputs import decode_text_bytes
    from .pipeline import Scanner

    settings = _settings(args, use_lists=False if args.no_lists else None,
                         render_pages=args.render or None, offline=args.offline or None)
    data = _read_file(args.file, 16 * 1024 * 1024)
    try:
        html = decode_text_bytes(data)
    except InputError:
        html = data.decode("utf-8", "replace")
    scanner = Scanner(settings)
    scanner.prepare_lists()
    report = scanner.analyze_page(html, args.url)
    _emit_report(report, args, settings, out)
    return ExitStatus.WARN if report.warn else ExitStatus.OK


def _cmd_delegate(func: Callable[[argparse.Namespace, Settings], int]) -> Callable[..., int]:
    def run(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
        return int(func(args, _settings(args)))

    return run


def main(
    argv: Sequence[str] | None = None,
    *,
    out: IO[str] | None = None,
    stdin: IO[bytes] | None = None,
    plugins: Sequence[Plugin] = (),
) -> int:
    """Run one command; return the exit status (never raises for bad input)."""
    out = out if out is not None else sys.stdout
    stdin = stdin if stdin is not None else sys.stdin.buffer
    logging.basicConfig(level=logging.WARNING, format="lurelens: %(message)s")
    try:
        parser = build_parser(plugins)
        args = parser.parse_args(argv)
        if args.version:
            from importlib.metadata import PackageNotFoundError, version

            try:
                out.write(version("lurelens") + "\n")
            except PackageNotFoundError:  # pragma: no cover - running from a source tree
                out.write("unknown\n")
            return ExitStatus.OK
        if not getattr(args, "command", None):
            parser.print_help(out)
            return ExitStatus.BAD_INPUT
        func = args.func
        if getattr(func, "__module__", "") != __name__:
            func = _cmd_delegate(func)
        return int(func(args, out, stdin))
    except _UsageError as e:
        sys.stderr.write(f"{e}\n")
        return ExitStatus.BAD_INPUT
    except ConfigError as e:
        sys.stderr.write(f"lurelens: {e.message}\n")
        return ExitStatus.CONFIG
    except InputError as e:
        sys.stderr.write(f"lurelens: {e.message}\n")
        return ExitStatus.BAD_INPUT
    except ScannerError as e:
        sys.stderr.write(f"lurelens: {e.message}\n")
        return ExitStatus.BAD_INPUT if e.http_status < 500 else ExitStatus.UNAVAILABLE
    except KeyboardInterrupt:
        sys.stderr.write("lurelens: interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # `lurelens check - | head`
        return ExitStatus.OK


def run() -> None:
    """``python -m scanner``: the library's commands (the ``lurelens`` script adds ``serve``)."""
    sys.exit(main())
