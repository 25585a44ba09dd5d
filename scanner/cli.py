"""The ``lurelens`` command: one ``main(argv) -> int`` that maps every error to an exit code.

Exit codes: 0 nothing warns (``unknown`` included), 1 something warns, 2 usage or bad input,
3 configuration error, 130 interrupted. Bad input gets one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import IO, Any

from .errors import ConfigError, EmptyInput, ImageTooLarge, InputError, InputTooLarge, ScannerError
from .models import Report
from .settings import Settings

log = logging.getLogger("lurelens")


class ExitStatus(IntEnum):
    """Process exit codes (public API)."""

    OK = 0
    WARN = 1
    BAD_INPUT = 2
    CONFIG = 3
    INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() owns every exit code."""

    def error(self, message: str) -> Any:
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML settings file (else LURELENS_CONFIG)")
    p.add_argument("--lang", choices=("zh", "en"), help="output language (default: from LANG)")


def build_parser() -> argparse.ArgumentParser:
    """The full command line."""
    parser = _Parser(prog="lurelens", description="Check links, messages and QR photos for lures.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("check", help="check a URL or a whole message ('-' reads stdin, one per line)")
    p.add_argument("input", help="URL or text; '-' for stdin")
    p.add_argument("--offline", action="store_true", help="do not follow redirects (no network)")
    p.add_argument("--no-lists", action="store_true", help="heuristics only: no blocklists/allowlist")
    p.add_argument("--json", action="store_true", help="JSON output (one object per input line)")
    _common(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("scan", help="decode QR codes in photos and check them")
    p.add_argument("images", nargs="+", type=Path, help="image files (JPEG, PNG, WebP, GIF, BMP, TIFF, HEIC)")
    p.add_argument("--decode-only", action="store_true", help="only decode, do not check")
    p.add_argument("--offline", action="store_true", help="do not follow redirects")
    p.add_argument("--no-lists", action="store_true", help="heuristics only")
    p.add_argument("--json", action="store_true", help="JSON output (one object per image)")
    _common(p)
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("page", help="analyse a saved landing page")
    p.add_argument("file", type=Path, help="HTML file")
    p.add_argument("--url", required=True, help="the address the page was served from")
    p.add_argument("--no-lists", action="store_true", help="heuristics only")
    p.add_argument("--json", action="store_true", help="JSON output")
    _common(p)
    p.set_defaults(func=_cmd_page)

    p = sub.add_parser("serve", help="run the local web service and API")
    p.add_argument("--port", type=int, help="port (default 8765)")
    p.add_argument("--host", help="interface (default 127.0.0.1)")
    p.add_argument("--threads", type=int, help="worker threads (default 32)")
    p.add_argument(
        "--allow-public-bind",
        "--i-know-this-exposes-the-service",
        dest="allow_public_bind",
        action="store_true",
        help="allow a non-loopback address (exposes the service to your network)",
    )
    p.add_argument("--open", dest="open_browser", action="store_true", help="open the sign-in link")
    _common(p)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("login", help="print a new one-time sign-in link for the running service")
    p.add_argument("--port", type=int, help="port of the service (default 8765)")
    p.add_argument("--open", dest="open_browser", action="store_true", help="open it in the browser")
    _common(p)
    p.set_defaults(func=_cmd_login)

    p = sub.add_parser("token", help="print the API token for the browser extension")
    p.add_argument("--rotate", action="store_true", help="replace the token with a new one")
    _common(p)
    p.set_defaults(func=_cmd_token)

    _optional_parsers(sub)
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


_orjson: Any
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; the standard library still works
    _orjson = None


def json_line(obj: dict[str, Any]) -> str:
    """``obj`` as one compact JSON line, the same bytes as ``json.dumps(…, ensure_ascii=False)``.

    orjson writes it five times faster, which is a tenth of a batch check's time per URL; the
    standard library takes over for anything orjson refuses (a lone surrogate, a huge integer).
    """
    if _orjson is not None:
        try:
            line: str = _orjson.dumps(obj).decode("utf-8")
            return line + "\n"
        except TypeError:  # orjson.JSONEncodeError
            pass
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _emit_report(report: Report, args: argparse.Namespace, settings: Settings, out: IO[str]) -> None:
    if args.json:
        out.write(json_line(report.to_dict()))
    else:
        from .render import render_report

        out.write(render_report(report, _lang(settings)) + "\n")


def _error_obj(e: ScannerError) -> dict[str, Any]:
    return {"error": {"code": e.code, "message": e.message}}


def _cmd_check(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from .pipeline import Scanner, decode_text_bytes

    settings = _settings(args, offline=args.offline or None, use_lists=False if args.no_lists else None)
    scanner = Scanner(settings)
    if args.input != "-":
        report = scanner.check(args.input)
        _emit_report(report, args, settings, out)
        return ExitStatus.WARN if report.warn else ExitStatus.OK
    cap = settings.max_input_bytes * 64
    data = stdin.read(cap + 1)
    if len(data) > cap:  # never check a silently cut batch
        raise InputTooLarge(f"stdin is over {cap // (1024 * 1024)} MiB: split the input into smaller batches")
    if not data.strip():
        raise EmptyInput("nothing on stdin: give one URL or message per line")
    text = decode_text_bytes(data)
    warned = failed = False
    for n, line in enumerate(text.splitlines(), 1):
        try:
            report = scanner.check(line)
        except InputError as e:
            failed = True
            if args.json:
                out.write(json.dumps({**_error_obj(e), "line": n}, ensure_ascii=False) + "\n")
            else:
                out.write(f"line {n}: {e.message}\n")
            continue
        warned = warned or report.warn
        _emit_report(report, args, settings, out)
    if warned:
        return ExitStatus.WARN
    return ExitStatus.BAD_INPUT if failed else ExitStatus.OK


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

    settings = _settings(args, offline=args.offline or None, use_lists=False if args.no_lists else None)
    scanner = Scanner(settings)
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
    from .pipeline import Scanner, decode_text_bytes

    settings = _settings(args, use_lists=False if args.no_lists else None)
    data = _read_file(args.file, 16 * 1024 * 1024)
    try:
        html = decode_text_bytes(data)
    except InputError:
        html = data.decode("utf-8", "replace")
    report = Scanner(settings).analyze_page(html, args.url)
    _emit_report(report, args, settings, out)
    return ExitStatus.WARN if report.warn else ExitStatus.OK


def _cmd_serve(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from web.cli import run_serve

    overrides: dict[str, Any] = {"port": args.port, "host": args.host, "threads": args.threads}
    if args.allow_public_bind:
        overrides["allow_public_bind"] = True
    return int(run_serve(args, _settings(args, **overrides)))


def _cmd_login(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from web.cli import run_login

    return int(run_login(args, _settings(args)))


def _cmd_token(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
    from web.cli import run_token

    return int(run_token(args, _settings(args)))


def _cmd_delegate(func: Callable[[argparse.Namespace, Settings], int]) -> Callable[..., int]:
    def run(args: argparse.Namespace, out: IO[str], stdin: IO[bytes]) -> int:
        return int(func(args, _settings(args)))

    return run


def main(
    argv: Sequence[str] | None = None, *, out: IO[str] | None = None, stdin: IO[bytes] | None = None
) -> int:
    """Run one command; return the exit status (never raises for bad input)."""
    out = out if out is not None else sys.stdout
    stdin = stdin if stdin is not None else sys.stdin.buffer
    logging.basicConfig(level=logging.WARNING, format="lurelens: %(message)s")
    try:
        parser = build_parser()
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
        return ExitStatus.CONFIG if e.http_status >= 500 else ExitStatus.BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("lurelens: interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # `lurelens check - | head`
        return ExitStatus.OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
