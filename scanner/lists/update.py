"""``lurelens lists update``: download remote lists safely and swap them in atomically.

For each source with a ``url``: a conditional GET (``If-None-Match`` / ``If-Modified-Since``) through
the guarded fetcher (the same egress rules as link expansion: public addresses and allowed ports
only, unless the exact ``(ip, port)`` is in ``settings.egress_allow``), then validation — HTTP status,
content type, size, truncation, binary or HTML garbage, optional pinned SHA-256, entries parsed, and
shrinkage (a feed that lost more than half of its entries is suspicious). Only a feed that passes
every check replaces the previous file, by rename; anything else keeps the previous version and
says so. The index is rebuilt once at the end when something changed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import FeedError, StorageError
from ..settings import Settings
from . import build, formats, store
from .store import SourceSpec

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 256 * 1024 * 1024
"""The largest feed accepted (HaGeZi's 2.2-million-domain list is ~50 MB)."""
MAX_REDIRECTS = 5
FEED_TIMEOUT = 600.0
"""Wall-clock seconds one feed download may take (connect and DNS have their own, short limits)."""
SHRINK_LIMIT = 0.5
"""A feed with fewer than this fraction of the previous entries is refused."""
ProgressFn = Callable[[str, int, int | None], None]
"""``progress(list_name, bytes_done, bytes_total_or_None)``."""

_BAD_TYPES = ("text/html", "application/xhtml", "application/pdf", "application/zip",
              "application/gzip", "application/x-gzip", "image/", "audio/", "video/", "font/")


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """What a fetcher returns: status, lower-case headers and the (decoded, bounded) body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class FeedFetcher(Protocol):
    """Downloads one URL through the egress guards; raises :class:`FeedError` on any failure."""

    def __call__(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        max_bytes: int,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> FeedResponse: ...


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The outcome for one list."""

    name: str
    status: str
    """``updated``, ``not_modified``, ``failed`` or ``skipped`` (no URL, disabled)."""
    entries: int = 0
    previous_entries: int | None = None
    message: str = ""
    kept_previous: bool = False
    """True when a failure left the previous version in place."""
    sha256: str = ""
    bytes: int = 0

    @property
    def failed(self) -> bool:
        """True when this list could not be updated."""
        return self.status == "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name, "status": self.status, "entries": self.entries,
            "previous_entries": self.previous_entries, "message": self.message,
            "kept_previous": self.kept_previous, "sha256": self.sha256, "bytes": self.bytes,
        }


# ---------------------------------------------------------------------------------------------- fetching


def default_fetcher(settings: Settings) -> FeedFetcher:
    """Downloads through :class:`scanner.fetch.GuardedClient`: the same egress guards as link expansion.

    Redirects are followed here (each hop passes the guards again); the body is capped at
    ``max_bytes`` after decompression; any network or guard failure becomes a :class:`FeedError`.
    """
    from ..canonical import join
    from ..errors import InvalidURL
    from ..fetch import FetchError, GuardedClient

    client = GuardedClient(settings)

    def fetch(
        url: str,
        headers: Mapping[str, str],
        *,
        max_bytes: int,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> FeedResponse:
        progress = (lambda done: on_progress(done, None)) if on_progress is not None else None
        deadline = time.monotonic() + FEED_TIMEOUT  # for the whole download, redirects included
        for _ in range(MAX_REDIRECTS + 1):
            try:
                r = client.get(url, headers=dict(headers), max_bytes=max_bytes, progress=progress,
                               timeout=FEED_TIMEOUT, deadline=deadline)
            except FetchError as e:
                if e.code == "dns_error":  # a list host that does not resolve: almost always offline
                    raise FeedError(f"no internet connection ({e.message})") from None
                raise FeedError(f"download failed: {e.message}") from None
            location = r.header("location")
            if r.status in (301, 302, 303, 307, 308) and location:
                try:
                    url = join(url, location)
                except InvalidURL:
                    raise FeedError("the feed redirected to an invalid URL") from None
                continue
            if r.truncated:
                raise FeedError(f"feed larger than {max_bytes} bytes")
            hdrs = {k: v for k, v in reversed(r.headers)}  # first value wins
            return FeedResponse(r.status, hdrs, r.body)
        raise FeedError(f"more than {MAX_REDIRECTS} redirects")

    return fetch


# ---------------------------------------------------------------------------------------------- validation


def validate(spec: SourceSpec, resp: FeedResponse, previous_entries: int | None) -> formats.ParsedList:
    """Parse a 200 response and check it is a sane, complete list; raise :class:`FeedError` if not."""
    ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if any(ctype.startswith(t) for t in _BAD_TYPES):
        raise FeedError(f"wrong content type {ctype!r} (a web page or binary file, not a list)")
    body = resp.body
    length = resp.headers.get("content-length", "")
    if length.isdigit() and "content-encoding" not in resp.headers and len(body) < int(length):
        raise FeedError(f"truncated download: {len(body)} of {length} bytes")
    if not body.strip():
        raise FeedError("empty download")
    head = body[:65536]
    if b"\0" in head:
        raise FeedError("binary data, not a text list")
    if head.lstrip()[:15].lower().startswith((b"<!doctype", b"<html", b"<?xml", b"<head")):
        raise FeedError("an HTML/XML page, not a list (captive portal or error page?)")
    if spec.sha256 and hashlib.sha256(body).hexdigest() != spec.sha256:
        raise FeedError("checksum mismatch with the pinned sha256")
    parsed = formats.parse(formats.decode(body), spec.format)
    if parsed.entries + len(parsed.fuzzy) == 0:
        raise FeedError(f"no entries recognised ({parsed.malformed} malformed lines): "
                        "corrupt or wrong format")
    if parsed.malformed > parsed.entries:
        raise FeedError(f"mostly malformed: {parsed.malformed} bad lines for {parsed.entries} entries")
    if previous_entries and parsed.entries < previous_entries * SHRINK_LIMIT:
        raise FeedError(f"suspiciously shrunk from {previous_entries} to {parsed.entries} entries")
    return parsed


def _previous_entries(settings: Settings, spec: SourceSpec, meta: Mapping[str, Any]) -> int | None:
    if store.feed_path(settings, spec.name).is_file() and isinstance(meta.get("entries"), int):
        return int(meta["entries"])
    c = build.read_list(settings, spec)
    return c.parsed.entries if c.parsed is not None else None


def fetch_one(
    settings: Settings, spec: SourceSpec, fetcher: FeedFetcher, progress: ProgressFn | None = None
) -> UpdateResult:
    """Download, validate and atomically install one remote list (never raises for feed trouble)."""
    if not spec.url:
        return UpdateResult(spec.name, "skipped", message="no url")
    meta_path = store.feed_meta_path(settings, spec.name)
    meta = store.read_json(meta_path)
    have_file = store.feed_path(settings, spec.name).is_file()
    headers: dict[str, str] = {}
    if have_file and meta.get("url") == spec.url:
        if meta.get("etag"):
            headers["If-None-Match"] = str(meta["etag"])
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = str(meta["last_modified"])
    previous = _previous_entries(settings, spec, meta)
    kept = store.effective_file(settings, spec) is not None
    now = time.time()
    cb = (lambda done, total: progress(spec.name, done, total)) if progress is not None else None
    if progress is not None:
        progress(spec.name, 0, None)
    try:
        resp = fetcher(spec.url, headers, max_bytes=MAX_FEED_BYTES, on_progress=cb)
        if resp.status == 304 and have_file:
            meta.update(checked_at=now, last_error=None)
            _save_meta(meta_path, meta)
            return UpdateResult(spec.name, "not_modified", previous or 0, previous, "not modified")
        if resp.status != 200:
            raise FeedError(f"HTTP {resp.status}")
        parsed = validate(spec, resp, previous)
    except FeedError as e:
        meta.update(checked_at=now, last_error=e.message, last_error_at=now)
        _save_meta(meta_path, meta)
        note = "; kept the previous version" if kept else ""
        log.info("list %s not updated: %s", spec.name, e.message)  # the result says it, once
        return UpdateResult(spec.name, "failed", previous or 0, previous, e.message + note, kept)
    sha = hashlib.sha256(resp.body).hexdigest()
    store.write_bytes(store.feed_path(settings, spec.name), resp.body)
    meta = {
        "url": spec.url, "etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified"),
        "sha256": sha, "bytes": len(resp.body), "entries": parsed.entries, "format": parsed.format,
        "malformed": parsed.malformed, "fetched_at": now, "checked_at": now, "last_error": None,
    }
    _save_meta(meta_path, meta)
    return UpdateResult(spec.name, "updated", parsed.entries, previous,
                        f"{parsed.entries} entries ({parsed.malformed} malformed)", False, sha,
                        len(resp.body))


def _save_meta(path: Any, meta: Mapping[str, Any]) -> None:
    import json

    try:
        store.write_bytes(path, json.dumps(dict(meta), indent=1).encode())
    except StorageError as e:  # status is best effort; the list itself is what matters
        log.warning("cannot record list status: %s", e.message)


def update(
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    names: Iterable[str] | None = None,
    fetcher: FeedFetcher | None = None,
) -> list[UpdateResult]:
    """Update every remote list (or only ``names``), then rebuild the index if anything changed."""
    specs = store.load_sources(settings)
    wanted = set(names) if names is not None else None
    if wanted is not None:
        unknown = wanted - {s.name for s in specs}
        if unknown:
            from ..errors import InputError

            raise InputError(f"unknown list(s): {', '.join(sorted(unknown))}: see `lurelens lists status`")
    fetch = fetcher or default_fetcher(settings)
    results: list[UpdateResult] = []
    for spec in specs:
        if wanted is not None and spec.name not in wanted:
            continue
        if not spec.enabled:
            results.append(UpdateResult(spec.name, "skipped", message="disabled"))
        elif not spec.url:
            results.append(UpdateResult(spec.name, "skipped", message="no url (bundled or local file)"))
        else:
            results.append(fetch_one(settings, spec, fetch, progress))
    if any(r.status == "updated" for r in results) or not _index_fresh(settings, specs):
        build.build(settings, specs)
    return results


def _index_fresh(settings: Settings, specs: list[SourceSpec]) -> bool:
    from . import index

    head = index.read_header(store.index_path(settings))
    return head is not None and head == (index.VERSION, build.fingerprint(settings, specs))
