"""The guarded client as the feed updater uses it: streaming, caps, progress, redirects returned."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable

import pytest
from loopback import Server, StubResolver

from scanner.errors import ScannerError, StorageError
from scanner.fetch import BlockedScheme, FetchError, FetchTimeout, GuardedClient, InvalidTarget, fetch
from scanner.models import StopReason
from scanner.settings import Settings

MiB = 1024 * 1024


@pytest.fixture
def client(make_settings: Callable[..., Settings], resolver: StubResolver) -> GuardedClient:
    return GuardedClient(make_settings(), resolver)


def test_stream_large_feed_to_file(client: GuardedClient, fx_a: Server) -> None:
    payload = b"".join(b"evil%d.example\n" % i for i in range(400_000))  # ~6 MiB
    fx_a.route("/feed.txt", 200, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
               gzip.compress(payload))
    out = io.BytesIO()
    seen: list[int] = []
    r = client.get(fx_a.url("/feed.txt", "a.test"), max_bytes=64 * MiB, stream_to=out, progress=seen.append,
                   timeout=10)
    assert r.status == 200 and not r.truncated and r.body == b"" and out.getvalue() == payload
    assert seen[-1] == len(payload) and seen == sorted(seen) and len(seen) > 10
    assert r.ip == "127.0.0.1" and r.header("content-encoding") == "gzip"


def test_a_full_disk_is_a_storage_error_not_a_network_one(client: GuardedClient, fx_a: Server) -> None:
    # It used to become ConnectFailure: retried on the next address, data written twice.
    import errno

    class FullDisk(io.BytesIO):
        def write(self, data: bytes, /) -> int:  # type: ignore[override]
            raise OSError(errno.ENOSPC, "No space left on device")

    fx_a.route("/feed.txt", 200, [("Content-Type", "text/plain")], b"evil.example\n" * 1000)
    with pytest.raises(StorageError, match="No space left"):
        client.get(fx_a.url("/feed.txt", "a.test"), max_bytes=MiB, stream_to=FullDisk(), timeout=10)
    assert fx_a.total_hits == 1


def test_cap_marks_truncated(client: GuardedClient, fx_a: Server) -> None:
    fx_a.route("/big", 200, [("Content-Type", "text/plain")], b"x" * (3 * MiB))
    r = client.get(fx_a.url("/big", "a.test"), max_bytes=MiB)
    assert r.truncated and len(r.body) == MiB and not r.bomb


def test_redirect_returned_not_followed(client: GuardedClient, fx_a: Server) -> None:
    fx_a.redirect("/r", "/elsewhere", 301)
    r = client.get(fx_a.url("/r", "a.test"))
    assert r.status == 301 and r.header("location") == "/elsewhere" and fx_a.hits["/elsewhere"] == 0


def test_caller_cannot_add_ambient_credentials(client: GuardedClient, fx_a: Server) -> None:
    fx_a.html("/", "x")
    client.get(fx_a.url("/", "a.test"), headers={"Cookie": "a=1", "Authorization": "Basic eA==",
                                                 "Referer": "http://x/", "If-None-Match": '"v1"'})
    req = fx_a.requests[0]
    assert req.header("cookie") is None and req.header("authorization") is None
    assert req.header("referer") is None and req.header("if-none-match") == '"v1"'


@pytest.mark.parametrize(("url", "exc", "stop"), [
    ("ftp://a.test/x", BlockedScheme, StopReason.BLOCKED_SCHEME),
    ("gopher://a.test/", BlockedScheme, StopReason.BLOCKED_SCHEME),
    ("http://", InvalidTarget, StopReason.INVALID_URL),
])
def test_typed_errors(client: GuardedClient, url: str, exc: type[FetchError], stop: StopReason) -> None:
    with pytest.raises(exc) as info:
        client.get(url)
    assert info.value.stop is stop and isinstance(info.value, ScannerError)


def test_a21_blocked_schemes_open_no_socket(expander: Callable[..., object], fx_a: Server,
                                            canary: Server) -> None:
    for url in ("file:///etc/passwd", f"ftp://a.test:{fx_a.port}/x", "gopher://a.test/", "dict://a.test/",
                f"ws://a.test:{fx_a.port}/"):
        e = expander().expand(url)  # type: ignore[attr-defined]
        assert e.stop_reason in (StopReason.BLOCKED_SCHEME, StopReason.NON_HTTP_TARGET)
    assert fx_a.connections == 0


def test_deadline_already_passed(client: GuardedClient, fx_a: Server) -> None:
    import time

    with pytest.raises(FetchTimeout):
        client.get(fx_a.url("/", "a.test"), deadline=time.monotonic() - 1)
    assert fx_a.connections == 0


def test_module_level_fetch(make_settings: Callable[..., Settings], resolver: StubResolver,
                            fx_a: Server) -> None:
    fx_a.html("/", "hello")
    r = fetch(fx_a.url("/", "a.test"), make_settings(), resolver=resolver)
    assert r.body == b"hello"
