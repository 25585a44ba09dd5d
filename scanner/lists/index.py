"""The compiled list index: millions of entries in one memory-mapped array, looked up in microseconds.

Every record is one 64-bit word, sorted::

    bits 63..32  CRC-32 of the host (a domain entry, or the host of a URL entry)
    bits 31..16  16 bits of a BLAKE2b hash of the host, salted with a random per-index salt
    bits 15..0   meta: list id (12 bits), kind (2 bits: block/allow/popular/info), exact-only, URL

A lookup hashes the host and each parent domain with CRC-32 (cheap), bisects a 2^16-bucket range
for it, and only when a CRC matches computes the salted check bits: 48 bits must agree, and since
the salt is secret to this index, nobody can craft a domain that collides with an allow entry. A
domain match needs nothing else: its entry *is* the looked-up name, so the entry texts (kept for
exports) are never touched on the hot path. URL entries live in a small side table keyed by the
same word, with their path prefix and flags.

File layout (little-endian, arrays 8-byte aligned)::

    header   128 bytes      magic, version, n, m, blob size, side size, fingerprint, salt
    buckets  65,538 × u32   first record of each CRC top-16-bit prefix
    keys     n × u64        the records above
    doffs    (n+1) × u32    each record's host text in the blob (exports only)
    ukeys    m × u64        URL entries: the key of their host record
    uflags   m × u32        URL flags (SUBDOMAINS, SEPARATOR, EXACT from :mod:`.formats`)
    uoffs    (m+1) × u32    each URL entry's ``host/path`` text in the blob
    blob     bytes          record texts, then URL texts
    side     JSON           the lists (name, category, counts…), lookalike targets

So 2.2 million domains cost 8 bytes each of resident memory at most (17.6 MB), however large the
text. Loading is an ``mmap``: nothing is parsed at start-up. The builder uses numpy to sort; the
reader needs only the standard library.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import sys
import time
import zlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import ListError

MAGIC = b"LLIDX\x00\x02\x00"
VERSION = 4
_HEADER = struct.Struct("<8sIIIIQQ32s16s")  # magic, version, n, m, pad, blob_len, side_len, fp, salt
HEADER_SIZE = 128
NBUCKETS = 1 << 16
_NB = NBUCKETS + 2  # one sentinel, one pad so the 64-bit keys stay 8-byte aligned

# meta (the low 16 bits of a record)
LIST_MASK = 0xFFF
KIND_SHIFT = 12
BLOCK, ALLOW, POPULAR, INFO = 0, 1, 2, 3
"""Record kinds: a block entry, an allow entry, a popular registrable domain, an informational entry."""
KIND_NAMES = ("block", "allow", "popular", "info")
EXACT_BIT = 1 << 14
"""The entry matches its own host only, not subdomains (allow entries for platform roots, popular)."""
URL_BIT = 1 << 15
"""The record stands for URL entries on this host (see the URL table)."""
MAX_LISTS = LIST_MASK + 1


def pack_meta(list_id: int, kind: int, *, exact: bool = False, url: bool = False) -> int:
    """One record's 16-bit meta."""
    if not 0 <= list_id <= LIST_MASK:
        raise ListError(f"too many lists: at most {MAX_LISTS}")
    return list_id | (kind << KIND_SHIFT) | (EXACT_BIT if exact else 0) | (URL_BIT if url else 0)


def check_bits(name: bytes, salt: bytes) -> int:
    """The 16 salted check bits of a host name."""
    return int.from_bytes(hashlib.blake2b(salt + name, digest_size=2).digest(), "little")


def record_key(name: bytes, meta: int, salt: bytes) -> int:
    """The full 64-bit record for ``name`` with ``meta``."""
    return (zlib.crc32(name) << 32) | (check_bits(name, salt) << 16) | meta


@dataclass(slots=True)
class IndexBuilder:
    """Collects records, then writes the sorted index file (``numpy`` does the sorting)."""

    names: list[bytes] = field(default_factory=list)
    metas: list[int] = field(default_factory=list)
    urls: list[tuple[bytes, int, int, bytes]] = field(default_factory=list)
    """``(host, meta, flags, text)`` per URL entry."""

    def add_domains(self, domains: Iterable[str], meta: int) -> int:
        """Add domain records with the same meta; returns how many."""
        n0 = len(self.names)
        self.names.extend(d.encode() for d in domains)
        self.metas.extend([meta] * (len(self.names) - n0))
        return len(self.names) - n0

    def add_url(self, host: str, meta: int, flags: int, text: str) -> None:
        """Add a URL entry (``text`` is ``host/path?query``) on ``host``."""
        self.urls.append((host.encode(), meta | URL_BIT, flags, text.encode()))

    def __len__(self) -> int:
        return len(self.names) + len(self.urls)

    def write(
        self, out: IO[bytes], fingerprint: bytes, side: dict[str, Any], salt: bytes | None = None
    ) -> None:
        """Write the index to ``out`` (records sorted, duplicates dropped)."""
        import numpy as np

        salt = os.urandom(16) if salt is None else salt
        crc = zlib.crc32
        blake = hashlib.blake2b
        names = list(self.names)
        metas = list(self.metas)
        seen_url_hosts: set[tuple[bytes, int]] = set()
        for host, meta, _flags, _text in self.urls:
            if (host, meta) not in seen_url_hosts:
                seen_url_hosts.add((host, meta))
                names.append(host)
                metas.append(meta)

        def keys_of(items: list[bytes], ms: list[int]) -> Any:
            k = np.fromiter((crc(b) for b in items), dtype=np.uint64, count=len(items)) << np.uint64(32)
            v = np.fromiter(
                (int.from_bytes(blake(salt + b, digest_size=2).digest(), "little") for b in items),
                dtype=np.uint64, count=len(items))
            return k | (v << np.uint64(16)) | np.asarray(ms, dtype=np.uint64)

        keys = keys_of(names, metas)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        keep = np.ones(len(keys), dtype=bool)
        if len(keys) > 1:
            keep[1:] = keys[1:] != keys[:-1]
        keys = keys[keep]
        texts = [names[i] for i in order[keep].tolist()]
        n = len(keys)
        crc_top = (keys >> np.uint64(48)).astype(np.int64)
        buckets = np.searchsorted(crc_top, np.arange(NBUCKETS + 1, dtype=np.int64), side="left")
        buckets = np.concatenate([buckets, [n]]).astype("<u4")

        urls = sorted(self.urls, key=lambda u: (record_key(u[0], u[1], salt), u[3]))
        ukeys = np.array([record_key(h, meta, salt) for h, meta, _, _ in urls], dtype="<u8")
        uflags = np.array([f for _, _, f, _ in urls], dtype="<u4")
        utexts = [t for _, _, _, t in urls]
        m = len(urls)

        doffs = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(np.fromiter((len(t) for t in texts), dtype=np.uint64, count=n), out=doffs[1:])
        base = int(doffs[-1])
        uoffs = np.full(m + 1, base, dtype=np.uint64)
        np.cumsum(np.fromiter((len(t) for t in utexts), dtype=np.uint64, count=m), out=uoffs[1:])
        uoffs[1:] += np.uint64(base)
        blob_len = int(uoffs[-1])
        if blob_len >= 1 << 32:
            raise ListError("the lists are too large for one index (4 GiB of entry text): remove a list")
        side_bytes = json.dumps(side, ensure_ascii=False, separators=(",", ":")).encode()
        out.write(_HEADER.pack(MAGIC, VERSION, n, m, 0, blob_len, len(side_bytes), fingerprint, salt)
                  .ljust(HEADER_SIZE, b"\0"))
        out.write(buckets.tobytes())
        out.write(keys.astype("<u8").tobytes())
        out.write(_pad8(doffs.astype("<u4").tobytes()))
        out.write(ukeys.tobytes())
        out.write(_pad8(uflags.tobytes()))
        out.write(_pad8(uoffs.astype("<u4").tobytes()))
        chunk = 1 << 16
        for i in range(0, n, chunk):
            out.write(b"".join(texts[i:i + chunk]))
        out.write(b"".join(utexts))
        out.write(side_bytes)


def _pad8(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 8)


def _size8(n: int) -> int:
    return n + (-n % 8)


def read_header(path: Path) -> tuple[int, bytes] | None:
    """``(version, fingerprint)`` of an index file, or ``None`` when it is missing or not an index."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
    except OSError:
        return None
    if len(head) < _HEADER.size:
        return None
    magic, version, _n, _m, _p, _b, _s, fp, _salt = _HEADER.unpack_from(head)
    if magic != MAGIC:
        return None
    return version, fp


class Index:
    """A mapped index file (see the module docstring)."""

    __slots__ = ("_mm", "n", "m", "salt", "buckets", "keys", "doffs", "ukeys", "uflags", "uoffs", "blob",
                 "side", "fingerprint", "path")

    def __init__(self, buf: mmap.mmap | bytes, path: Path | None = None) -> None:
        if sys.byteorder != "little":  # pragma: no cover - every supported platform is little-endian
            raise ListError("the compiled index needs a little-endian machine")
        self._mm = buf
        self.path = path
        mv = memoryview(buf)
        if len(mv) < HEADER_SIZE:
            raise ListError("the compiled list index is truncated: it will be rebuilt")
        magic, version, n, m, _pad, blob_len, side_len, fp, salt = _HEADER.unpack_from(mv[:HEADER_SIZE])
        if magic != MAGIC or version != VERSION:
            raise ListError("the compiled list index is from another version: it will be rebuilt")
        sizes = [4 * _NB, 8 * n, _size8(4 * (n + 1)), 8 * m, _size8(4 * m), _size8(4 * (m + 1)), blob_len,
                 side_len]
        if len(mv) != HEADER_SIZE + sum(sizes):
            raise ListError("the compiled list index is damaged (wrong size): it will be rebuilt")
        pos = HEADER_SIZE
        parts = []
        for size in sizes:
            parts.append(mv[pos:pos + size])
            pos += size
        self.n, self.m, self.salt, self.fingerprint = n, m, bytes(salt), bytes(fp)
        self.buckets = parts[0].cast("I")
        self.keys = parts[1].cast("Q")
        self.doffs = parts[2][:4 * (n + 1)].cast("I")
        self.ukeys = parts[3].cast("Q")
        self.uflags = parts[4][:4 * m].cast("I")
        self.uoffs = parts[5][:4 * (m + 1)].cast("I")
        self.blob = parts[6]
        try:
            self.side: dict[str, Any] = json.loads(bytes(parts[7]))
        except ValueError:
            raise ListError("the compiled list index is damaged (side table): it will be rebuilt") from None

    @classmethod
    def open(cls, path: Path) -> Index:
        """Map ``path`` read-only."""
        with open(path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(mm, path)

    @classmethod
    def from_file(cls, f: IO[bytes]) -> Index:
        """Map an open (possibly anonymous temporary) file."""
        f.flush()
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(mm)

    def lookup(self, name: str) -> list[int]:
        """Metas of the records whose host is exactly ``name``."""
        b = name.encode()
        c = zlib.crc32(b)
        top = c >> 16
        lo, hi = self.buckets[top], self.buckets[top + 1]
        keys = self.keys
        i = bisect_left(keys, c << 32, lo, hi)
        if i >= hi or keys[i] >> 32 != c:
            return []
        v = check_bits(b, self.salt)
        out = []
        while i < hi and (k := keys[i]) >> 32 == c:
            if (k >> 16) & 0xFFFF == v:
                out.append(k & 0xFFFF)
            i += 1
        return out

    def url_entries(self, name: str, meta: int) -> Iterator[tuple[int, bytes]]:
        """``(flags, text)`` of the URL entries of one URL record (``meta`` has :data:`URL_BIT`)."""
        key = record_key(name.encode(), meta, self.salt)
        i = bisect_left(self.ukeys, key)
        while i < self.m and self.ukeys[i] == key:
            yield self.uflags[i], bytes(self.blob[self.uoffs[i]:self.uoffs[i + 1]])
            i += 1

    def records(self) -> Iterator[tuple[int, bytes]]:
        """Every host record as ``(meta, host)`` in key order (exports such as the extension's rules)."""
        keys, doffs, blob = self.keys, self.doffs, self.blob
        for i in range(self.n):
            yield keys[i] & 0xFFFF, bytes(blob[doffs[i]:doffs[i + 1]])

    def close(self) -> None:
        """Release the mapping (lookups after this fail)."""
        for name in ("buckets", "keys", "doffs", "ukeys", "uflags", "uoffs", "blob"):
            getattr(self, name).release()
        if isinstance(self._mm, mmap.mmap):
            try:
                self._mm.close()
            except BufferError:  # a view is still exported somewhere: let GC close it
                pass


def write_atomic(path: Path, builder: IndexBuilder, fingerprint: bytes, side: dict[str, Any]) -> None:
    """Write the index next to ``path`` and rename it into place (readers keep the old mapping)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            builder.write(f, fingerprint, side)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


ABANDONED_AFTER = 600.0
"""A ``.index-*`` file this old is a build that was killed before its rename: removed at the next write."""


def _remove_abandoned(folder: Path) -> None:
    now = time.time()
    for p in folder.glob(".index-*"):
        try:
            if now - p.stat().st_mtime > ABANDONED_AFTER:
                p.unlink()
        except OSError:
            pass


def levels(host: str) -> list[str]:
    """The host and each parent domain with at least two labels (what a lookup checks).

    >>> levels("a.b.example.com")
    ['a.b.example.com', 'b.example.com', 'example.com']
    """
    out = [host]
    while True:
        dot = host.find(".")
        if dot < 0:
            break
        host = host[dot + 1:]
        if "." not in host:
            break
        out.append(host)
    return out
