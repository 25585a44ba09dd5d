"""Bounded decompression of HTTP bodies: gzip, deflate and br in steps of at most 64 KiB.

Every layer is fed the raw stream and asked for at most ``_STEP`` bytes at a time
(``decompress(…, max_length)``), so a bomb stops at the caller's cap instead of filling memory
(httpx's own ``iter_bytes`` once yielded 64 MiB from 64 KiB of gzip: design/NOTES.md).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Protocol

from .netguard import ProtocolFailure

_STEP = 64 * 1024  # the unit of every bounded read and decompression step

class _Layer(Protocol):
    consumed: int
    """Input bytes used so far (for the compression ratio)."""

    def push(self, data: bytes) -> Iterator[bytes]: ...
    def finish(self) -> Iterator[bytes]: ...


class _Zlib:
    """gzip (multi-member) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.d = zlib.decompressobj(16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS)
        self.started = False
        self.consumed = 0

    def push(self, data: bytes) -> Iterator[bytes]:
        buf = data
        while buf:
            if self.d.eof:
                if self.kind != "gzip" or not buf.strip(b"\0"):
                    return  # trailing bytes after a deflate stream, or gzip padding: ignored
                self.d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the next gzip member
            try:
                out = self.d.decompress(buf, _STEP)
            except zlib.error:
                if self.kind == "deflate" and not self.started:
                    self.d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
                    self.started = True
                    continue
                raise ProtocolFailure(f"corrupt {self.kind} body", detail=f"bad {self.kind}") from None
            self.started = True
            rest = self.d.unused_data if self.d.eof else self.d.unconsumed_tail
            self.consumed += len(buf) - len(rest)
            buf = rest
            if out:
                yield out

    def finish(self) -> Iterator[bytes]:
        while not self.d.eof:
            try:
                out = self.d.decompress(b"", _STEP)
            except zlib.error:
                return
            if not out:
                return
            yield out


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self.d = brotli.Decompressor()
        self.consumed = 0

    def push(self, data: bytes) -> Iterator[bytes]:
        import brotli

        self.consumed += len(data)
        try:
            out = self.d.process(data, output_buffer_limit=_STEP)
            if out:
                yield out
            while not self.d.can_accept_more_data():
                out = self.d.process(b"", output_buffer_limit=_STEP)
                if not out:
                    break
                yield out
        except brotli.error:
            raise ProtocolFailure("corrupt br body", detail="bad br") from None

    def finish(self) -> Iterator[bytes]:
        import brotli

        try:
            while not self.d.is_finished():
                out = self.d.process(b"", output_buffer_limit=_STEP)
                if not out:
                    return
                yield out
        except brotli.error:
            return


@cache
def _brotli_bounded() -> bool:
    try:
        import brotli

        brotli.Decompressor().process(b"", output_buffer_limit=1)
    except (ImportError, TypeError, AttributeError):
        return False
    except Exception:  # noqa: BLE001 - any other error still proves the argument exists
        return True
    return True


def accept_encoding() -> str:
    """Only the encodings we can decode with a bounded output size."""
    return "gzip, deflate, br" if _brotli_bounded() else "gzip, deflate"


MAX_ENCODING_LAYERS = 2
BOMB_RATIO = 50


def _layers(content_encoding: str) -> list[_Layer]:
    names = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
    names = [n for n in names if n != "identity"]
    if len(names) > MAX_ENCODING_LAYERS:
        raise ProtocolFailure("too many stacked content encodings", detail=f"{len(names)} encodings")
    layers: list[_Layer] = []
    for name in reversed(names):  # the last applied is the first removed
        if name in ("gzip", "x-gzip"):
            layers.append(_Zlib("gzip"))
        elif name == "deflate":
            layers.append(_Zlib("deflate"))
        elif name == "br" and _brotli_bounded():
            layers.append(_Brotli())
        else:
            raise ProtocolFailure("unknown content encoding", detail=f"encoding {name[:30]!r}")
    return layers


def _decode(layers: Sequence[_Layer], data: bytes, i: int = 0) -> Iterator[bytes]:
    if i == len(layers):
        if data:
            yield data
        return
    for piece in layers[i].push(data):
        yield from _decode(layers, piece, i + 1)


def _decode_end(layers: Sequence[_Layer], i: int = 0) -> Iterator[bytes]:
    if i == len(layers):
        return
    for piece in layers[i].finish():
        yield from _decode(layers, piece, i + 1)
    yield from _decode_end(layers, i + 1)
