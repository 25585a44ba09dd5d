"""Blocklists at scale: every common format, live feeds, user lists, a compact compiled index.

The pipeline calls :meth:`ListSet.load` once and :meth:`ListSet.check` per URL (microseconds). The
CLI, the API and the web page call the library functions below. Reason codes ``blocklist.*`` are
defined in :mod:`scanner.lists.listset`. See ``docs/blocklists.md``.
"""

from __future__ import annotations

from .listset import EMPTY, ListMatch, ListSet, ListVerdict
from .manage import (
    ListStatus,
    add_list,
    allow_domain,
    remove_list,
    rules_for_extension,
    status,
    unallow_domain,
)
from .update import UpdateResult, update

__all__ = [
    "EMPTY",
    "ListMatch",
    "ListSet",
    "ListStatus",
    "ListVerdict",
    "UpdateResult",
    "add_list",
    "allow_domain",
    "remove_list",
    "rules_for_extension",
    "status",
    "unallow_domain",
    "update",
]
