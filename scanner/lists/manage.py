"""Library functions behind ``lurelens lists …``, the API and the web page: status, add, remove, allow.

Each mutation writes atomically and rebuilds the index, so the next check (in any process) sees it
and never has to build. Bad input raises :class:`~scanner.errors.InputError` and changes nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FeedError, InputError, StorageError
from ..settings import Settings
from . import build, formats, index, store
from .store import SourceSpec
from .update import FeedFetcher, default_fetcher, fetch_one


@dataclass(frozen=True, slots=True)
class ListStatus:
    """One list as ``lurelens lists status`` shows it."""

    name: str
    category: str
    format: str
    origin: str
    """``bundled``, ``config``, ``user`` (``lists add``) or ``user`` for the allowlist."""
    enabled: bool
    entries: int
    malformed: int
    skipped: int
    suppressed: int
    """Block entries ignored because they name a public suffix, a platform root or a shortener."""
    trust: str
    """``danger`` or ``caution`` (see sources.toml)."""
    kept: int
    """Entries in the index after hygiene."""
    dropped_popular: int
    """Block entries dropped because they name a popular domain or known infrastructure."""
    marked_popular: int
    """The user's own lists: entries that name a popular domain (kept, only counted)."""
    path: str | None
    url: str | None
    licence: str
    updated_at: float | None
    """When the file in use was written (download time for feeds)."""
    age_seconds: float | None
    refresh: float
    due: bool
    """A remote list older than its refresh interval."""
    last_error: str
    last_checked: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def status(settings: Settings, *, now: float | None = None) -> list[ListStatus]:
    """Every list with its entry counts, age and last error (builds the index if it is stale)."""
    now = time.time() if now is None else now
    specs = store.load_sources(settings)
    idx = build.ensure_index(settings, specs)
    by_name = {s.name: s for s in specs}
    out = []
    for info in idx.side.get("lists", []):
        name = str(info["name"])
        spec = by_name.get(name)
        meta = store.read_json(store.feed_meta_path(settings, name)) if spec and spec.url else {}
        if store.feed_path(settings, name).is_file():
            updated = meta.get("fetched_at")
        else:  # the bundled seed: its upstream date when known, else the file's
            updated = spec.date if spec is not None and spec.date else info.get("mtime")
        age = now - float(updated) if isinstance(updated, int | float) else None
        refresh = float(info.get("refresh") or 0)
        err = meta.get("last_error") or info.get("error") or ""
        out.append(ListStatus(
            name=name, category=str(info["category"]), format=str(info.get("format", "")),
            origin=str(info.get("origin", "")), enabled=bool(info.get("enabled", True)),
            entries=int(info.get("entries", 0)), malformed=int(info.get("malformed", 0)),
            skipped=int(info.get("skipped", 0)), suppressed=int(info.get("suppressed", 0)),
            trust=str(info.get("trust", "danger")), kept=int(info.get("kept", 0)),
            dropped_popular=int(info.get("dropped_popular", 0)),
            marked_popular=int(info.get("marked_popular", 0)),
            path=info.get("path"), url=info.get("url"), licence=str(info.get("licence", "")),
            updated_at=float(updated) if isinstance(updated, int | float) else None,
            age_seconds=age, refresh=refresh,
            due=bool(spec and spec.url and spec.enabled and (age is None or age > refresh)),
            last_error=str(err), last_checked=meta.get("checked_at"),
        ))
    idx.close()
    return out


def _status_of(settings: Settings, name: str) -> ListStatus:
    for s in status(settings):
        if s.name == name:
            return s
    raise StorageError(f"list {name!r} vanished while being added: try again")  # pragma: no cover


def _derive_name(source: str, taken: set[str]) -> str:
    stem = source.rstrip("/").rsplit("/", 1)[-1] or "list"
    stem = re.sub(r"\.(txt|list|conf|csv|json|hosts)$", "", stem.lower())
    base = re.sub(r"[^a-z0-9._-]+", "-", stem).strip("-._")[:48] or "list"
    if not base[0].isalnum():
        base = "l" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def add_list(
    settings: Settings,
    path_or_url: str,
    *,
    name: str | None = None,
    fmt: str | None = None,
    category: str | None = None,
    fetcher: FeedFetcher | None = None,
) -> ListStatus:
    """Add a local file (copied into the data dir) or a URL (downloaded now) as the user's list."""
    source = path_or_url.strip()
    if not source:
        raise InputError("give a file path or an http(s) URL to add")
    category = store.check_category(category or "user")
    fmt = fmt or "auto"
    if fmt != "auto" and fmt not in formats.FORMATS:
        raise InputError(f"unknown format {fmt!r}: use auto or one of {', '.join(formats.FORMATS)}")
    specs = store.load_sources(settings)
    taken = {s.name for s in specs} | {build.USER_ALLOW}
    if name is None:
        name = _derive_name(source, taken)
    elif not store.valid_name(name):
        raise InputError(f"bad list name {name!r}: use lower-case letters, digits, . _ - (max 64)")
    elif name in taken:
        raise InputError(f"a list named {name!r} already exists: pick another --name or remove it first")
    user_specs = store.read_registry(settings)
    if source.startswith(("http://", "https://")):
        spec = SourceSpec(name=name, category=category, format=fmt, url=source, origin="user")
        result = fetch_one(settings, spec, fetcher or default_fetcher(settings))
        if result.failed:
            for p in (store.feed_path(settings, name), store.feed_meta_path(settings, name)):
                p.unlink(missing_ok=True)
            raise FeedError(f"cannot add {source}: {result.message}")
    elif "://" in source[:12]:
        raise InputError(f"only http:// and https:// lists can be downloaded, not {source.split(':')[0]}:")
    else:
        path = Path(source).expanduser()
        try:
            if not path.is_file():
                raise InputError(f"no such file: {path}")
            if path.stat().st_size > build.MAX_LIST_BYTES:
                raise InputError(f"{path} is larger than {build.MAX_LIST_BYTES} bytes")
            data = path.read_bytes()
        except OSError as e:
            raise InputError(f"cannot read {path}: {e.strerror or e}") from None
        try:
            parsed = formats.parse(formats.decode(data), fmt)
        except ValueError as e:
            raise InputError(str(e)) from None
        if parsed.entries == 0:
            raise InputError(f"no entries recognised in {path} ({parsed.malformed} malformed lines): "
                             "check the file or give --format")
        store.write_bytes(store.user_file(settings, name), data)
        spec = SourceSpec(name=name, category=category, format=fmt,
                          path=store.user_file(settings, name), origin="user")
    try:
        store.write_registry(settings, [*user_specs, spec])
    except StorageError:
        store.user_file(settings, name).unlink(missing_ok=True)
        raise
    build.build(settings)
    return _status_of(settings, name)


def remove_list(settings: Settings, name: str) -> None:
    """Remove a list added with :func:`add_list` (bundled lists are disabled in a sources file instead)."""
    user_specs = store.read_registry(settings)
    if name not in {s.name for s in user_specs}:
        if name in {s.name for s in store.load_sources(settings)}:
            raise InputError(f"{name!r} is a bundled list: disable it with enabled = false in a sources file")
        raise InputError(f"no list named {name!r}: see `lurelens lists status`")
    store.write_registry(settings, [s for s in user_specs if s.name != name])
    for p in (store.user_file(settings, name), store.feed_path(settings, name),
              store.feed_meta_path(settings, name)):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass  # the registry no longer names it: a leftover file is harmless
    build.build(settings)


def _domain_arg(domain: str) -> str:
    text = domain.strip()
    if "/" in text or "://" in text:
        entry = formats.parse_url_entry(text)
        d = entry.host if entry is not None else None
    else:
        d = formats.normalize_domain(text)
    if d is None:
        raise InputError(f"not a domain: {domain[:80]!r} (example: lurelens lists allow example.com)")
    return d


def allow_domain(settings: Settings, domain: str) -> str:
    """Add ``domain`` (or a URL's host) to the user's allowlist; returns the normalised domain.

    A hosting platform's root (``pages.dev``, ``weebly.com``) is allowed exactly, never its tenants.
    """
    d = _domain_arg(domain)
    current = store.read_allow(settings)
    if d not in current:
        store.write_allow(settings, [*current, d])
        build.build(settings)
    return d


def unallow_domain(settings: Settings, domain: str) -> str:
    """Remove ``domain`` from the user's allowlist (InputError when it is not there)."""
    d = _domain_arg(domain)
    current = store.read_allow(settings)
    if d not in current:
        raise InputError(f"{d} is not in your allowlist")
    store.write_allow(settings, [x for x in current if x != d])
    build.build(settings)
    return d


_PRIORITY = {"user": 0, "phishing": 1, "crypto_phishing": 2, "scam": 3, "malware": 4}


def rules_for_extension(settings: Settings, limit: int) -> dict[str, Any]:
    """Block and allow domains for the extension's declarativeNetRequest rules, most valuable first.

    The user's own lists come first, then phishing, crypto phishing, scam and malware lists; lists of
    one rank share the budget round-robin; ``caution``-tier lists are left out (their hit alone only
    warns). Only whole-domain entries are exported (URL entries need
    the service). ``allow`` holds allow entries (exact-only roots are exported as they are).
    """
    if limit <= 0:
        raise InputError("limit must be a positive number of rules")
    idx = build.ensure_index(settings)
    try:
        infos = idx.side.get("lists", [])
        per_list: dict[int, list[str]] = {}
        allow: list[str] = []
        for meta, text in idx.records():
            kind = (meta >> index.KIND_SHIFT) & 3
            if meta & index.URL_BIT:
                continue
            if kind == index.BLOCK:
                per_list.setdefault(meta & index.LIST_MASK, []).append(text.decode())
            elif kind == index.ALLOW:
                allow.append(text.decode())
        built_at = idx.side.get("built_at")
    finally:
        idx.close()

    # A caution-tier list's hit alone only warns: never a hard block in the browser.
    per_list = {lid: v for lid, v in per_list.items() if infos[lid].get("trust") != "caution"}

    def rank(list_id: int) -> tuple[int, int, int]:
        info = infos[list_id]
        user = 0 if info.get("origin") == "user" else 1
        return (user, _PRIORITY.get(str(info.get("category")), 9), list_id)

    ordered = sorted(per_list, key=rank)
    for entries in per_list.values():
        entries.sort(key=lambda d: (d.count("."), d))  # registrable-level entries cover the most
    block: list[str] = []
    seen: set[str] = set()
    total = len({d for v in per_list.values() for d in v})
    groups: dict[tuple[int, int], list[int]] = {}
    for lid in ordered:
        groups.setdefault(rank(lid)[:2], []).append(lid)
    for _, members in sorted(groups.items()):
        iters = [iter(per_list[m]) for m in members]
        while iters and len(block) < limit:
            for it in list(iters):
                d = next(it, None)
                if d is None:
                    iters.remove(it)
                elif d not in seen:
                    seen.add(d)
                    block.append(d)
                    if len(block) >= limit:
                        break
        if len(block) >= limit:
            break
    return {
        "block": block,
        "allow": sorted(set(allow)),
        "total_block": total,
        "truncated": total > len(block),
        "built_at": built_at,
    }
