"""The console script: the library's commands plus the service's ``serve`` and ``token``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO


def main(
    argv: Sequence[str] | None = None, *, out: IO[str] | None = None, stdin: IO[bytes] | None = None
) -> int:
    """Run one ``lurelens`` command; return its exit status (never raises for bad input)."""
    from scanner import cli as core
    from web.cli import add_parsers

    return core.main(argv, out=out, stdin=stdin, plugins=(add_parsers,))


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
