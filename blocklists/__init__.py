"""Bundled list data (``sources.toml`` and the files it names), shipped inside the wheel.

Only helpers live here: no parsing, no I/O at import time. ``scanner.lists`` reads the files.
"""

from __future__ import annotations

from importlib.resources import files as _files
from pathlib import Path

__all__ = ["files", "path"]


def path() -> Path:
    """The folder holding the bundled lists (a real directory: the package is never zipped)."""
    return Path(str(_files(__name__)))


def files() -> list[Path]:
    """Every bundled data file (not the Python or Markdown files), sorted by name."""
    return sorted(
        p for p in path().iterdir() if p.is_file() and p.suffix not in (".py", ".pyc", ".md")
    )
