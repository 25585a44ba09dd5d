"""TESTSPEC B-33..B-42 and B-50: timeouts, deadlines, size caps, bombs and broken HTTP."""

from __future__ import annotations

import functools
import gzip
import socket
import time
import zlib
from collections.abc import Callable, Iterator

import brotli
import pytest
from loopback import Req, Server

from scanner.expand import Expander
from scanner.models import StopReason

Make = Callable[..., Expander]
MiB = 1024 * 1024


def codes(e: object) -> set[str]:
    return {r.code for r in e.reasons}  # type: ignore[attr-defined]


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


class PeakRSS:
    """Peak resident memory growth while the block runs (Linux: VmHWM reset through clear_refs)."""

    def __enter__(self) -> PeakRSS:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        self.base = _rss_kib("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth_mib = (_rss_kib("VmHWM") - self.base) / 1024


@functools.cache
def _zeros_compressed(kind: str, size: int) -> bytes:
    if kind == "br":
        return brotli.compress(b"\0" * size, quality=5)  # fast; ~10 KB for 200 MiB
    c = zlib.compressobj(9, zlib.DEFLATED, 31 if kind == "gzip" else 15)
    block = b"\0" * MiB
    return b"".join(c.compress(block) for _ in range(size // MiB)) + c.flush()


def _chunks(blob: bytes, n: int = 16384) -> Callable[[], Iterator[bytes]]:
    return lambda: (blob[i:i + n] for i in range(0, len(blob), n))


# ---- timeouts and deadlines


def test_b33_no_headers_times_out(expander: Make, fx_a: Server) -> None:
    fx_a.route("/hang", raw=lambda req, sock: time.sleep(5))
    t0 = time.monotonic()
    e = expander(read_timeout=1.0).expand(fx_a.url("/hang", "a.test"))
    assert e.stop_reason is StopReason.TIMEOUT and time.monotonic() - t0 <= 1.5
    assert e.chain[-1].error == "timeout"


def test_b34_drip_stopped_by_the_deadline(expander: Make, fx_a: Server) -> None:
    def drip(req: Req, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(40):
            sock.sendall(b"x")
            time.sleep(0.5)  # well under the read timeout: only the deadline can stop this

    fx_a.route("/drip", raw=drip)
    t0 = time.monotonic()
    e = expander(read_timeout=1.0, expand_deadline=3.0).expand(fx_a.url("/drip", "a.test"))
    took = time.monotonic() - t0
    assert e.stop_reason is StopReason.TIMEOUT and 2.5 <= took <= 3.5


def test_b35_connect_timeout(expander: Make) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    held = []
    for _ in range(4):  # fill the accept queue: further SYNs are dropped, connect() hangs
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append(c)
    time.sleep(0.1)
    try:
        t0 = time.monotonic()
        e = expander(connect_timeout=1.0, extra_allow={("127.0.0.1", port)}).expand(
            f"http://a.test:{port}/")
        assert e.stop_reason is StopReason.TIMEOUT and time.monotonic() - t0 <= 1.5
    finally:
        for c in held:
            c.close()
        srv.close()


def test_b50_many_slow_links_bounded(expander: Make, fx_a: Server) -> None:
    def drip(req: Req, sock: socket.socket) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(20):
            sock.sendall(b"x")
            time.sleep(0.4)

    fx_a.route("/drip", raw=drip)
    fx_a.html("/fast", "ok")
    ex = expander(expand_deadline=2.0, check_deadline=2.5, expand_workers=8)
    t0 = time.monotonic()
    out = ex.expand_many([fx_a.url(f"/drip?{i}", "a.test") for i in range(20)])
    assert time.monotonic() - t0 <= 2.5 + 1.0
    assert all(e.stop_reason is StopReason.TIMEOUT for e in out)
    assert ex.expand(fx_a.url("/fast", "a.test")).stop_reason is StopReason.FINAL


# ---- sizes


def test_b36_huge_redirect_body_not_read(expander: Make, fx_a: Server, fx_b: Server) -> None:
    block = b"r" * MiB
    fx_a.route("/r", 302, [("Location", fx_b.url("/ok", "b.test")), ("Content-Length", str(50 * MiB))],
               body=lambda: (block for _ in range(50)))
    fx_b.html("/ok", "ok")
    with PeakRSS() as rss:
        e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.final_url == fx_b.url("/ok", "b.test") and e.stop_reason is StopReason.FINAL
    assert rss.growth_mib < 32


def test_b36_fetch_skips_redirect_body(make_settings: Callable[..., object], fx_a: Server,
                                       resolver: object) -> None:
    from scanner.fetch import GuardedClient

    block = b"r" * MiB
    fx_a.route("/r", 302, [("Location", "/x"), ("Content-Length", str(50 * MiB))],
               body=lambda: (block for _ in range(50)))
    r = GuardedClient(make_settings(), resolver).get(fx_a.url("/r", "a.test"))  # type: ignore[arg-type]
    assert r.status == 302 and not r.body_read and r.raw_bytes == 0 and r.body == b""


def test_b37_huge_page_truncated(expander: Make, fx_a: Server) -> None:
    block = b"<p>" + b"a" * (MiB - 3)
    fx_a.route("/big", 200, [("Content-Type", "text/html"), ("Content-Length", str(50 * MiB))],
               body=lambda: (block for _ in range(50)))
    with PeakRSS() as rss:
        e = expander().expand(fx_a.url("/big", "a.test"))
    assert e.page is not None and e.page.truncated and len(e.page.html) <= 512 * 1024
    assert "expand.truncated" in codes(e) and rss.growth_mib < 32


def test_b38_content_length_too_small(expander: Make, fx_a: Server) -> None:
    fx_a.route("/cl", 200, [("Content-Type", "text/html"), ("Content-Length", "10")],
               body=lambda: (b"0123456789" + b"z" * MiB for _ in range(10)))
    e = expander().expand(fx_a.url("/cl", "a.test"))
    assert e.page is not None and e.page.html == "0123456789"


def test_b38_content_length_too_large(expander: Make, fx_a: Server) -> None:
    fx_a.route("/cl", 200, [("Content-Type", "text/html"), ("Content-Length", str(100 * MiB))], body=b"short")
    t0 = time.monotonic()
    e = expander().expand(fx_a.url("/cl", "a.test"))
    assert e.stop_reason is StopReason.PROTOCOL_ERROR and time.monotonic() - t0 < 2


@pytest.mark.parametrize("kind", ["gzip", "deflate", "br"])
def test_b39_b40_compression_bombs(expander: Make, fx_a: Server, kind: str) -> None:
    blob = _zeros_compressed(kind, 200 * MiB)
    assert len(blob) < 300 * 1024
    fx_a.route("/bomb", 200, [("Content-Type", "text/html"), ("Content-Encoding", kind)], body=_chunks(blob))
    with PeakRSS() as rss:
        e = expander().expand(fx_a.url("/bomb", "a.test"))
    assert e.page is not None and e.page.truncated and len(e.page.html) <= 2 * MiB + 64 * 1024
    assert "expand.decompression_bomb" in codes(e)
    assert rss.growth_mib < 32


def test_b41_nested_gzip_bounded(expander: Make, fx_a: Server) -> None:
    inner = _zeros_compressed("gzip", 200 * MiB)
    blob = gzip.compress(inner)
    fx_a.route("/n", 200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip, gzip")],
               body=_chunks(blob))
    with PeakRSS() as rss:
        e = expander().expand(fx_a.url("/n", "a.test"))
    assert e.page is not None and e.page.truncated and rss.growth_mib < 32


@pytest.mark.parametrize("enc", ["x-foo", "gzip, gzip, gzip", "compress"])
def test_b41_unknown_or_too_deep_encoding(expander: Make, fx_a: Server, enc: str) -> None:
    fx_a.route("/e", 200, [("Content-Type", "text/html"), ("Content-Encoding", enc)], body=b"xxxx")
    e = expander().expand(fx_a.url("/e", "a.test"))
    assert e.stop_reason is StopReason.PROTOCOL_ERROR


def test_b41_corrupt_gzip(expander: Make, fx_a: Server) -> None:
    fx_a.route("/e", 200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body=b"not gzip")
    assert expander().expand(fx_a.url("/e", "a.test")).stop_reason is StopReason.PROTOCOL_ERROR


def test_b42_huge_header(expander: Make, fx_a: Server) -> None:
    fx_a.redirect("/r", "/big")
    fx_a.route("/big", 200, [("X-Big", "a" * 200_000)], body=b"x")
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.PROTOCOL_ERROR and len(e.chain) == 2 and e.chain[0].status == 302
