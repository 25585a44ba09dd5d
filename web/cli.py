"""``lurelens serve`` and ``lurelens token``: subcommands the main CLI adds lazily.

The ``lurelens`` console script (``lurelens/cli.py``) hands :func:`add_parsers` to the library's
parser, so ``scanner`` never imports ``web`` or Flask. ``python -m web`` runs the same commands alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from scanner.errors import ExitStatus, ScannerError, StorageError
from scanner.settings import Settings


def add_parsers(subparsers: Any) -> None:
    """Add ``serve`` and ``token`` to an argparse subparsers object."""
    p = subparsers.add_parser("serve", help="Run the local web page and API (http://127.0.0.1:8765/).")
    p.add_argument("--port", type=int, default=None, help="port (default: settings.port, 8765)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; loopback only)")
    p.add_argument("--allow-public-bind", "--i-know-this-exposes-the-service", dest="allow_public_bind",
                   action="store_true", default=None,
                   help="allow a non-loopback --host (exposes the service to the network)")
    p.add_argument("--threads", type=int, default=None, help="worker threads (default 32)")
    p.add_argument("--processes", type=int, default=None,
                   help="serve from N processes behind gunicorn (POSIX; default 1: waitress)")
    p.add_argument("--open", dest="open_browser", action="store_true",
                   help="open the sign-in link in the default browser")
    p.set_defaults(func=run_serve)
    lg = subparsers.add_parser("login", help="Print a new one-time sign-in link for the running service.")
    lg.add_argument("--port", type=int, default=None, help="port of the service (default: settings.port)")
    lg.add_argument("--open", dest="open_browser", action="store_true", help="open it in the browser")
    lg.set_defaults(func=run_login)
    t = subparsers.add_parser("token", help="Print the API access key for the browser extension.")
    t.add_argument("--rotate", action="store_true",
                   help="replace the key with a new one (the old one stops working)")
    t.set_defaults(func=run_token)


def _apply(args: argparse.Namespace, settings: Settings) -> Settings:
    keys = ("port", "host", "allow_public_bind", "threads", "processes")
    changes = {k: getattr(args, k, None) for k in keys}
    # A store_true flag left off means "not given", not "force off" (keep the TOML/env value).
    changes = {k: v for k, v in changes.items() if v is not None and v is not False}
    return settings.replace(**changes) if changes else settings


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """``lurelens serve``: 0 after a clean stop, 2 when the bind is refused or fails."""
    from .serve import serve

    try:
        settings = _apply(args, settings)
        return serve(settings, open_browser=bool(getattr(args, "open_browser", False)))
    except ScannerError as e:
        print(f"lurelens serve: {e.message}", file=sys.stderr)
        return ExitStatus.BAD_INPUT
    except OSError as e:  # port in use, permission denied
        print(f"lurelens serve: cannot listen: {e.strerror or e}", file=sys.stderr)
        return ExitStatus.BAD_INPUT


def run_login(args: argparse.Namespace, settings: Settings) -> int:
    """``lurelens login``: write a fresh one-time secret to the data dir and print its link.

    Only someone who can write the data dir (the user who runs the service) can do this.
    """
    from .session import login_url, new_login_secret

    try:
        url = login_url(args.port or settings.port, new_login_secret(settings.data_dir))
    except ScannerError as e:
        print(f"lurelens login: {e.message}", file=sys.stderr)
        return ExitStatus.UNAVAILABLE if isinstance(e, StorageError) else ExitStatus.CONFIG
    print(url)
    if args.open_browser:
        import webbrowser

        webbrowser.open(url)
    return ExitStatus.OK


def run_token(args: argparse.Namespace, settings: Settings) -> int:
    """``lurelens token [--rotate]``: print the token alone on stdout."""
    from .token import ensure_token, rotate_token

    try:
        token = rotate_token(settings) if args.rotate else ensure_token(settings)
    except ScannerError as e:
        print(f"lurelens token: {e.message}", file=sys.stderr)
        return ExitStatus.UNAVAILABLE if isinstance(e, StorageError) else ExitStatus.CONFIG
    print(token)
    return ExitStatus.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (``python -m web serve|token``)."""
    parser = argparse.ArgumentParser(prog="python -m web")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        settings = Settings.load()
    except ScannerError as e:
        print(f"lurelens: {e.message}", file=sys.stderr)
        return ExitStatus.CONFIG
    code: int = args.func(args, settings)
    return code
