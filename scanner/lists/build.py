"""Compile the configured lists into the index file, and decide when it must be rebuilt.

The rules applied while compiling (they are data decisions, made once, not per lookup):

* a block entry that is a public suffix (``com``, ``pages.dev``), a hosting platform's root
  (``scanner/data/platforms.txt``, the platform roots polkadot's list allows), a URL shortener's
  domain or a popular registrable domain is **suppressed**: one tenant's phishing page must not
  block every tenant, and a feed that lists ``bit.ly`` must not flag every short link. Suppressed
  entries are counted per list. URL entries with a real path on those hosts are kept;
* an allow entry for such a root allows the root only (``pages.dev`` allows ``pages.dev``, never
  ``evil.pages.dev``); other allow entries cover the host and its subdomains;
* the popular list contributes the registrable domain (ICANN suffix) of each entry; a
  private-suffix tenant (``x.github.io``) is never popular;
* list hygiene by trust tier (``trust`` in sources.toml): an entry that is a popular registrable
  domain (or its ``www.``) or known infrastructure (:func:`is_infrastructure`: CDN/DNS roots,
  certificate-status hosts, brand TLDs) is **dropped as popular** from every bundled or configured
  block list; a ``caution``-tier list (broad aggregators) also loses every entry *under* a popular
  registrable domain that is not a hosting-platform tenant. Both are counted per list
  (``dropped_popular``). The user's own lists (``lists add``) are never dropped, only marked
  (``marked_popular``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from ..errors import ListError, StorageError
from ..settings import Settings
from . import formats, index, store
from .store import BLOCK_CATEGORIES, SourceSpec

log = logging.getLogger(__name__)

RULES_VERSION = 4
"""Bump when the compile rules change, so existing indexes are rebuilt."""
MAX_LIST_BYTES = 512 * 1024 * 1024
"""A list file larger than this is refused (a 2.2-million-domain feed is ~50 MB)."""
USER_ALLOW = "user-allow"
"""The list name under which the user's allowlist appears in matches."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """One parsed source, ready for the index."""

    spec: SourceSpec
    parsed: formats.ParsedList | None
    file: Path | None
    error: str = ""


def platforms_file() -> Path | None:
    """``scanner/data/platforms.txt`` (hosting platforms whose tenants are subdomains), when present."""
    from importlib.resources import files

    p = Path(str(files("scanner"))) / "data" / "platforms.txt"
    return p if p.is_file() else None


def _data_file(name: str) -> Path | None:
    from importlib.resources import files

    p = Path(str(files("scanner"))) / "data" / name
    return p if p.is_file() else None


@cache
def _platform_roots(path: str | None, mtime: int) -> frozenset[str]:
    del mtime  # part of the cache key only
    if path is None:
        return frozenset()
    out = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        token = line.split("#", 1)[0].split()
        if token:
            d = formats.normalize_domain(token[0])
            if d:
                out.add(d)
    return frozenset(out)


def platform_roots() -> frozenset[str]:
    """Hosting-platform roots from ``scanner/data/platforms.txt``."""
    p = platforms_file()
    if p is None:
        return frozenset()
    return _platform_roots(str(p), p.stat().st_mtime_ns)


@cache
def public_suffixes() -> frozenset[str]:
    """Every Public Suffix List rule (ICANN and private sections) in ASCII, from tldextract's snapshot."""
    from ada_url import idna_to_ascii

    from ..canonical import _extractor

    try:
        rules: Iterable[str] = _extractor()._get_tld_extractor().tlds_incl_private
    except AttributeError:  # pragma: no cover - tldextract moved its internals
        return frozenset()
    out = set()
    for r in rules:
        if not r.isascii():
            try:
                raw = idna_to_ascii(r.lstrip("*.!"))
            except Exception:  # noqa: BLE001 - ada raises a bare Exception on bad IDN
                continue
            r = raw.decode() if isinstance(raw, bytes) else str(raw)
        out.add(r.lower())
    return frozenset(out)


def is_public_suffix(domain: str, suffixes: frozenset[str]) -> bool:
    """True for ``com``, ``co.uk``, ``pages.dev``, and names covered by a ``*.`` rule."""
    if domain in suffixes:
        return True
    _, _, parent = domain.partition(".")
    return bool(parent) and ("*." + parent) in suffixes and ("!" + domain) not in suffixes


@cache
def _brand_tlds() -> frozenset[str]:
    p = _data_file("brand_tlds.txt")
    if p is None:
        return frozenset()
    lines = (line.split("#", 1)[0].strip().lower() for line in p.read_text(encoding="utf-8").splitlines())
    return frozenset(t for t in lines if t)


_CERT_STATUS = re.compile(r"ocsp|(?:^|[.\-])crls?\d*(?:[.\-]|$)")


def is_infrastructure(domain: str, *, under: bool = False) -> bool:
    """Names people are never sent to and no feed should list as a whole.

    CDN/DNS roots of ``scanner/data/infra.txt`` (hosts under them too when ``under``: phishing
    does get served from CDN tenant names, so only low-trust lists lose those), certificate-status
    hosts (OCSP/CRL responders: browsers fetch them by themselves), and brand TLDs (``.aws``,
    ``.google``: every name under them belongs to the one company that runs the TLD).
    """
    from ..heuristics.url import infra_roots

    labels = domain.split(".")
    if labels[-1] in _brand_tlds():
        return True
    roots = infra_roots()
    base = domain[4:] if domain.startswith("www.") else domain
    if base in roots or under and any(".".join(labels[i:]) in roots for i in range(1, len(labels) - 1)):
        return True
    return bool(_CERT_STATUS.search(".".join(labels[:-1])))


def popular_domains(domains: Iterable[str]) -> set[str]:
    """Registrable domains from a popularity list: every entry's registrable domain.

    A DNS popularity list (Umbrella) ranks host names: ``mail.example.com`` in it makes
    ``example.com`` popular. A private-suffix entry (a tenant such as ``x.github.io``, or
    ``github.io`` itself) never counts, nor does the root of a tenant it names.
    """
    from ..canonical import domain_parts

    out = set()
    for d in domains:
        base = d[4:] if d.startswith("www.") else d
        if "." not in base or formats._IPV4.match(base):
            continue
        reg, suffix, private = domain_parts(base)
        if suffix and not private and reg != suffix:
            out.add(reg)
    return out


def read_list(settings: Settings, spec: SourceSpec) -> Compiled:
    """Parse the file behind ``spec`` (never raises: an unreadable file is an error in the status)."""
    file = store.effective_file(settings, spec)
    if file is None:
        return Compiled(spec, None, None, "no file yet (run `lurelens lists update`)" if spec.url
                        else f"file not found: {spec.path}")
    try:
        size = file.stat().st_size
        if size > MAX_LIST_BYTES:
            return Compiled(spec, None, file, f"file too large ({size} bytes)")
        with file.open("rb") as f:  # bounded read as well: the file may grow after the stat()
            data = f.read(MAX_LIST_BYTES + 1)
        if len(data) > MAX_LIST_BYTES:
            return Compiled(spec, None, file, f"file too large (over {MAX_LIST_BYTES} bytes)")
    except OSError as e:
        return Compiled(spec, None, file, f"cannot read {file}: {e.strerror or e}")
    try:
        parsed = formats.parse(formats.decode(data), spec.format)
    except ValueError as e:
        return Compiled(spec, None, file, str(e))
    return Compiled(spec, parsed, file)


def _stat(path: Path | None, base: Path | None = None) -> list[Any]:
    if path is None:
        return [None]
    name = str(path)
    if base is not None and path.is_relative_to(base):
        name = str(path.relative_to(base))  # a copied data dir keeps its index valid
    try:
        st = path.stat()
    except OSError:
        return [name, None]
    return [name, st.st_size, st.st_mtime_ns]


def fingerprint(settings: Settings, specs: Sequence[SourceSpec]) -> bytes:
    """A digest of everything the index depends on: rules, sources, their files, the allowlist."""
    parts: list[Any] = [index.VERSION, RULES_VERSION, sys.byteorder]
    for s in specs:
        parts.append([s.name, s.category, s.format, s.origin, s.enabled, s.trust,
                      _stat(store.effective_file(settings, s), settings.data_dir)])
    parts.append(_stat(store.allow_path(settings), settings.data_dir))
    parts.append(_stat(platforms_file()))
    parts.append(_stat(_data_file("infra.txt")))
    parts.append(_stat(_data_file("brand_tlds.txt")))
    return hashlib.sha256(json.dumps(parts, default=str).encode()).digest()


def compile_lists(
    compiled: Sequence[Compiled], user_allow: Sequence[str] = ()
) -> tuple[index.IndexBuilder, dict[str, Any]]:
    """Records and side table for ``compiled`` (the rules are in the module docstring)."""
    if len(compiled) + 1 > index.MAX_LISTS:
        raise ListError(f"too many lists ({len(compiled)}): at most {index.MAX_LISTS - 1}")
    suffixes = public_suffixes()
    platforms = set(platform_roots())
    shorteners: set[str] = set()
    popular: set[str] = set()
    popular_of: dict[int, set[str]] = {}
    for list_id, c in enumerate(compiled):
        if c.parsed is None or not c.spec.enabled:
            continue
        if c.spec.category == "shortener":
            shorteners.update(c.parsed.block)
        elif c.spec.category == "popular":
            popular_of[list_id] = popular_domains(c.parsed.block)
            popular.update(popular_of[list_id])
        if c.parsed.format == "polkadot":
            platforms.update(c.parsed.allow)  # its allow section is a list of hosting platforms
    roots = platforms | shorteners | popular
    protected = roots | {"www." + d for d in roots}

    def shielded(d: str) -> bool:
        return d in protected or is_public_suffix(d, suffixes)

    popular_entry = partial(_popular_entry, popular=popular, platforms=platforms)

    builder = index.IndexBuilder()
    lists_info: list[dict[str, Any]] = []
    fuzzy: dict[str, list[str]] = {}
    for list_id, c in enumerate(compiled):
        spec, p = c.spec, c.parsed
        info: dict[str, Any] = {
            "name": spec.name, "category": spec.category, "format": p.format if p else spec.format,
            "origin": spec.origin, "url": spec.url, "path": str(c.file) if c.file else None,
            "licence": spec.licence, "refresh": spec.refresh, "enabled": spec.enabled,
            "entries": 0, "malformed": 0, "skipped": 0, "suppressed": 0, "error": c.error,
            "malformed_samples": [], "mtime": None, "trust": spec.trust,
            "kept": 0, "dropped_popular": 0, "marked_popular": 0,
        }
        lists_info.append(info)
        if p is None or not spec.enabled:
            continue
        if c.file is not None:
            try:
                info["mtime"] = c.file.stat().st_mtime
            except OSError:
                pass
        info.update(entries=p.entries, malformed=p.malformed, skipped=p.skipped,
                    malformed_samples=p.malformed_samples)
        if spec.category == "popular":
            mine = popular_of.get(list_id, set())
            builder.add_domains(sorted(mine), index.pack_meta(list_id, index.POPULAR))
            info["entries"] = info["kept"] = len(mine)
            continue
        info.update(_add_entries(builder, list_id, spec, p, shielded, popular_entry))
        if p.fuzzy:
            fuzzy[spec.name] = p.fuzzy
    allow_id = len(compiled)
    lists_info.append({"name": USER_ALLOW, "category": "allow", "format": "plain", "origin": "user",
                       "url": None, "path": None, "licence": "", "refresh": 0, "enabled": True,
                       "entries": len(user_allow), "malformed": 0, "skipped": 0, "suppressed": 0,
                       "error": "", "malformed_samples": [], "mtime": None, "trust": "danger",
                       "kept": len(user_allow), "dropped_popular": 0, "marked_popular": 0})
    _add_allow(builder, allow_id, user_allow, shielded)
    side = {"lists": lists_info, "fuzzy": fuzzy, "built_at": time.time(),
            "block_categories": list(BLOCK_CATEGORIES)}
    return builder, side


def _popular_entry(d: str, tier: str, *, popular: set[str], platforms: set[str]) -> bool:
    """Dropped as popular: a popular domain itself, infrastructure, or (low trust) a host under one."""
    base = d[4:] if d.startswith("www.") else d
    if base in popular or is_infrastructure(d, under=tier == "caution"):
        return True
    if tier != "caution" or "." not in base:
        return False
    from ..canonical import domain_parts

    reg, _suffix, private = domain_parts(base)
    return not private and reg in popular and not any(
        ".".join(base.split(".")[i:]) in platforms for i in range(1, base.count(".")))


def _add_entries(builder: index.IndexBuilder, list_id: int, spec: SourceSpec, p: formats.ParsedList,
                 shielded: Any, popular_entry: Any) -> dict[str, int]:
    """Add one list's entries by the hygiene rules; returns its counts (suppressed, dropped…)."""
    cat = spec.category
    block_kind = index.INFO if cat == "shortener" else index.ALLOW if cat == "allow" else index.BLOCK
    block = list(dict.fromkeys(p.block))
    user = spec.origin == "user"
    suppressed = dropped = marked = 0
    if block_kind == index.BLOCK:
        pop = {d for d in block if popular_entry(d, spec.trust)}
        flagged = pop | {d for d in block if shielded(d)}
        if user:  # the user's own list: never dropped, only marked
            marked = len(pop)
        else:
            block = [d for d in block if d not in flagged]
            dropped = len(pop)
            suppressed += len(flagged) - dropped
    builder.add_domains(block, index.pack_meta(list_id, block_kind))
    n_kept = len(block)
    _add_allow(builder, list_id, p.allow, shielded)
    for entries, kind in ((p.url_block, block_kind), (p.url_allow, index.ALLOW)):
        for e in entries:
            if kind == index.BLOCK and e.path in ("", "/") and not user:
                if popular_entry(e.host, spec.trust):
                    dropped += 1
                    continue
                if shielded(e.host):
                    suppressed += 1
                    continue
            builder.add_url(e.host, index.pack_meta(list_id, kind), e.flags, e.text)
            n_kept += kind == index.BLOCK
    return {"suppressed": suppressed, "dropped_popular": dropped, "marked_popular": marked, "kept": n_kept}


def _add_allow(builder: index.IndexBuilder, list_id: int, domains: Iterable[str], shielded: Any) -> None:
    exact = index.pack_meta(list_id, index.ALLOW, exact=True)
    wide = index.pack_meta(list_id, index.ALLOW)
    for d in dict.fromkeys(domains):
        builder.add_domains((d,), exact if shielded(d) else wide)


def build(settings: Settings, specs: Sequence[SourceSpec] | None = None) -> index.Index:
    """Parse every source and write the index (to a private temporary file when the data dir is read-only)."""
    specs = list(store.load_sources(settings) if specs is None else specs)
    fp = fingerprint(settings, specs)
    compiled = [read_list(settings, s) if s.enabled else Compiled(s, None, None) for s in specs]
    user_allow = [d for d in (formats.normalize_domain(x) for x in store.read_allow(settings)) if d]
    builder, side = compile_lists(compiled, user_allow)
    side["fingerprint"] = fp.hex()
    path = store.index_path(settings)
    try:
        index.write_atomic(path, builder, fp, side)
        return index.Index.open(path)
    except OSError as e:
        log.warning("list index not saved (%s): using a temporary copy", e.strerror or e)
    try:
        tmp = tempfile.TemporaryFile(prefix="lurelens-index-")
        builder.write(tmp, fp, side)
        return index.Index.from_file(tmp)
    except OSError as e:
        raise StorageError(f"cannot build the list index: {e.strerror or e}: free some disk space") from None


def open_index(
    settings: Settings, specs: Sequence[SourceSpec] | None = None
) -> tuple[index.Index | None, bool]:
    """The index on disk as it is, never built: ``(index or None when missing or unreadable, fresh)``.

    ``fresh`` is whether its fingerprint matches the sources, files and rules of now.
    """
    specs = list(store.load_sources(settings) if specs is None else specs)
    path = store.index_path(settings)
    head = index.read_header(path)
    if head is None or head[0] != index.VERSION:
        return None, False
    try:
        idx = index.Index.open(path)
    except (OSError, ValueError, ListError) as e:
        log.warning("list index unreadable (%s)", e)
        return None, False
    return idx, head == (index.VERSION, fingerprint(settings, specs))


def ensure_index(settings: Settings, specs: Sequence[SourceSpec] | None = None) -> index.Index:
    """The current index: mapped as is when its fingerprint matches, rebuilt otherwise."""
    specs = list(store.load_sources(settings) if specs is None else specs)
    idx, fresh = open_index(settings, specs)
    if idx is not None and fresh:
        return idx
    return build(settings, specs)
