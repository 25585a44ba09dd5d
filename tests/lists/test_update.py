"""``lists update`` against real servers on 127.0.0.1: success, 304, and failures that keep the old list."""

from __future__ import annotations

import importlib
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from loopback import Route, Server
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scanner.canonical import canonicalize
from scanner.errors import FeedError
from scanner.lists import ListSet, add_list, status, update
from scanner.lists import store as list_store
from scanner.settings import Settings

FRESH = "".join(f"fresh-{i}.example\n" for i in range(10))


@pytest.fixture
def feed(httpserver_ipv4: HTTPServer, make_sources: Callable[..., Settings]) -> tuple[HTTPServer, Settings]:
    """The test sources with ``phish`` served by a local server the fetcher may reach."""
    server = httpserver_ipv4
    settings = make_sources(base=server.url_for("").rstrip("/"),
                            egress_allow=frozenset({("127.0.0.1", server.port)}))
    return server, settings


def _blocked(settings: Settings, host: str) -> bool:
    return ListSet.prepare(settings).check(canonicalize(f"http://{host}/")).blocked


def _result(results: list, name: str = "phish"):  # type: ignore[no-untyped-def]
    return next(r for r in results if r.name == name)


def test_update_installs_a_good_feed_and_rebuilds(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    server.expect_request("/phish.txt").respond_with_data(FRESH, content_type="text/plain")
    assert _blocked(settings, "evil-login.example")
    results = update(settings)
    r = _result(results)
    assert (r.status, r.entries, r.previous_entries, r.kept_previous) == ("updated", 10, 8, False)
    assert len(r.sha256) == 64
    assert {x.status for x in results if x.name != "phish"} == {"skipped"}
    assert _blocked(settings, "fresh-3.example")
    assert not _blocked(settings, "evil-login.example")  # the feed replaced the bundled seed
    st = next(s for s in status(settings) if s.name == "phish")
    assert st.entries == 10 and st.last_error == "" and st.age_seconds is not None and not st.due


def test_conditional_get_and_304(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    seen: list[tuple[str | None, str | None]] = []

    def handler(request: Request) -> Response:
        seen.append((request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(FRESH, content_type="text/plain",
                        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jul 2026 00:00:00 GMT"})

    server.expect_request("/phish.txt").respond_with_handler(handler)
    assert _result(update(settings)).status == "updated"
    r = _result(update(settings))
    assert (r.status, r.entries) == ("not_modified", 10)
    assert seen == [(None, None), ('"v1"', "Wed, 01 Jul 2026 00:00:00 GMT")]
    assert _blocked(settings, "fresh-1.example")


@pytest.mark.parametrize(
    ("status_code", "body", "ctype", "message"),
    [
        (500, "oops", "text/plain", "HTTP 500"),
        (404, "missing", "text/plain", "HTTP 404"),
        (200, b"\x00\x01\x02\xff" * 100, "application/octet-stream", "binary"),
        (200, "<html><body>Log in to the Wi-Fi</body></html>", "text/html", "content type"),
        (200, "<!DOCTYPE html><html>portal</html>", "text/plain", "HTML"),
        (200, b"\x89PNG\r\n\x1a\n", "image/png", "content type"),
        (200, "only-one.example\n", "text/plain", "shrunk from 8 to 1"),
        (200, "", "text/plain", "empty"),
        (200, "!!!\n???\n%%%\n", "text/plain", "no entries"),
        (200, "ok1.example\nok2.example\nok3.example\nok4.example\n" + "bad line!\n" * 10, "text/plain",
         "mostly malformed"),
    ],
    ids=["500", "404", "garbage-binary", "html-type", "html-body", "image", "shrunk", "empty",
         "all-malformed", "mostly-malformed"],
)
def test_bad_feed_keeps_previous_version(
    feed: tuple[HTTPServer, Settings], status_code: int, body: str | bytes, ctype: str, message: str
) -> None:
    server, settings = feed
    server.expect_request("/phish.txt").respond_with_data(body, status=status_code, content_type=ctype)
    ListSet.prepare(settings)
    r = _result(update(settings))
    assert r.status == "failed" and r.kept_previous
    assert message in r.message and "kept the previous version" in r.message
    assert _blocked(settings, "evil-login.example")
    assert not list_store.feed_path(settings, "phish").exists()
    st = next(s for s in status(settings) if s.name == "phish")
    assert message in st.last_error and st.entries == 8


def test_failure_after_success_keeps_the_downloaded_version(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    server.expect_ordered_request("/phish.txt").respond_with_data(FRESH, content_type="text/plain")
    server.expect_ordered_request("/phish.txt").respond_with_data("x", status=503)
    assert _result(update(settings)).status == "updated"
    before = list_store.feed_path(settings, "phish").read_bytes()
    r = _result(update(settings))
    assert r.status == "failed" and r.previous_entries == 10
    assert list_store.feed_path(settings, "phish").read_bytes() == before
    assert _blocked(settings, "fresh-9.example")


@pytest.fixture
def truncating_server() -> Iterator[int]:
    """Announces 5000 bytes, sends 60, closes: a cut connection (whatever the path)."""
    cut = Route(200, [("Content-Type", "text/plain"), ("Content-Length", "5000")],
                b"fresh-0.example\nfresh-1.example\nfresh-2.example\nfresh-3.e")
    with Server("127.0.0.1", handler=lambda req: cut) as srv:
        yield srv.port


def test_truncated_body_keeps_previous_version(
    truncating_server: int, make_sources: Callable[..., Settings]
) -> None:
    port = truncating_server
    settings = make_sources(base=f"http://127.0.0.1:{port}", egress_allow=frozenset({("127.0.0.1", port)}))
    r = _result(update(settings))
    assert r.status == "failed" and r.kept_previous
    assert _blocked(settings, "evil-login.example")
    assert not _blocked(settings, "fresh-0.example")


def test_guard_blocks_loopback_without_egress_allow(
    httpserver_ipv4: HTTPServer, make_sources: Callable[..., Settings]
) -> None:
    httpserver_ipv4.expect_request("/phish.txt").respond_with_data(FRESH)
    settings = make_sources(base=httpserver_ipv4.url_for("").rstrip("/"))
    r = _result(update(settings))
    assert r.status == "failed" and "download failed" in r.message
    assert len(httpserver_ipv4.log) == 0  # the request never left
    assert _blocked(settings, "evil-login.example")


def test_unreachable_feed_fails_fast(make_sources: Callable[..., Settings]) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connection refused, as without network
    settings = make_sources(base=f"http://127.0.0.1:{port}", egress_allow=frozenset({("127.0.0.1", port)}))
    t0 = time.monotonic()
    r = _result(update(settings))
    assert time.monotonic() - t0 < 5
    assert r.status == "failed" and r.kept_previous


def test_redirect_is_followed(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    server.expect_request("/phish.txt").respond_with_data("", status=302,
                                                          headers={"Location": "/v2/list.txt"})
    server.expect_request("/v2/list.txt").respond_with_data(FRESH, content_type="text/plain")
    assert _result(update(settings)).status == "updated"


def test_feed_time_limit_covers_the_whole_redirect_chain(
    feed: tuple[HTTPServer, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each hop got the full limit before: six slow redirects took six times FEED_TIMEOUT.
    server, settings = feed
    monkeypatch.setattr(importlib.import_module("scanner.lists.update"), "FEED_TIMEOUT", 1.0)

    def slow_redirect(request: Request) -> Response:
        time.sleep(0.4)
        n = int(request.args.get("n", "0"))
        return Response("", status=302, headers={"Location": f"/phish.txt?n={n + 1}"})

    server.expect_request("/phish.txt").respond_with_handler(slow_redirect)
    t0 = time.monotonic()
    r = _result(update(settings))
    assert r.status == "failed" and r.kept_previous
    assert time.monotonic() - t0 < 2.0


def test_pinned_checksum_mismatch(httpserver_ipv4: HTTPServer, make_sources: Callable[..., Settings]) -> None:
    httpserver_ipv4.expect_request("/p.txt").respond_with_data(FRESH, content_type="text/plain")
    base = httpserver_ipv4.url_for("").rstrip("/")
    settings = make_sources(
        files={"seed.txt": "seed.example\n"},
        sources=f'[[list]]\nname = "pinned"\ncategory = "phishing"\npath = "seed.txt"\nurl = "{base}/p.txt"\n'
                f'sha256 = "{"0" * 64}"\n',
        egress_allow=frozenset({("127.0.0.1", httpserver_ipv4.port)}))
    r = _result(update(settings), "pinned")
    assert r.status == "failed" and "checksum" in r.message


def test_update_only_named_lists(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    results = update(settings, names=["scam"])
    assert [(r.name, r.status) for r in results] == [("scam", "skipped")]
    assert len(server.log) == 0


def test_progress_is_reported(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    server.expect_request("/phish.txt").respond_with_data(FRESH, content_type="text/plain")
    calls: list[tuple[str, int, int | None]] = []
    update(settings, progress=lambda name, done, total: calls.append((name, done, total)))
    assert calls[0] == ("phish", 0, None)
    assert calls[-1][0] == "phish" and calls[-1][1] == len(FRESH)


def test_add_remote_list(httpserver_ipv4: HTTPServer, make_sources: Callable[..., Settings]) -> None:
    server = httpserver_ipv4
    server.expect_request("/mine.txt").respond_with_data("0.0.0.0 remote-bad.example\n",
                                                         content_type="text/plain")
    server.expect_request("/broken.txt").respond_with_data("nope", status=500)
    settings = make_sources(egress_allow=frozenset({("127.0.0.1", server.port)}))
    st = add_list(settings, server.url_for("/mine.txt"), category="scam")
    assert (st.name, st.category, st.origin, st.entries) == ("mine", "scam", "user", 1)
    v = ListSet.prepare(settings).check(canonicalize("http://a.remote-bad.example/"))
    assert [r.code for r in v.reasons] == ["blocklist.scam"]
    with pytest.raises(FeedError, match="HTTP 500"):
        add_list(settings, server.url_for("/broken.txt"), name="broken")
    assert "broken" not in {s.name for s in status(settings)}
    assert not list_store.feed_path(settings, "broken").exists()


def test_feed_meta_is_recorded(feed: tuple[HTTPServer, Settings]) -> None:
    server, settings = feed
    server.expect_request("/phish.txt").respond_with_data(FRESH, content_type="text/plain",
                                                          headers={"ETag": "W/1"})
    update(settings)
    meta = list_store.read_json(list_store.feed_meta_path(settings, "phish"))
    assert meta["etag"] == "W/1" and meta["entries"] == 10 and meta["bytes"] == len(FRESH)
    assert isinstance(meta["fetched_at"], float)
    assert Path(list_store.feed_path(settings, "phish")).read_text() == FRESH


def test_oversized_feed_is_refused(
    feed: tuple[HTTPServer, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    update_mod = importlib.import_module("scanner.lists.update")  # the package re-exports update()
    server, settings = feed
    monkeypatch.setattr(update_mod, "MAX_FEED_BYTES", 64)
    server.expect_request("/phish.txt").respond_with_data(FRESH, content_type="text/plain")
    r = _result(update(settings))
    assert r.status == "failed" and "larger than 64 bytes" in r.message
    assert _blocked(settings, "evil-login.example")


def test_gzip_encoded_feed(feed: tuple[HTTPServer, Settings]) -> None:
    import gzip

    server, settings = feed
    server.expect_request("/phish.txt").respond_with_data(
        gzip.compress(FRESH.encode()), content_type="text/plain", headers={"Content-Encoding": "gzip"})
    r = _result(update(settings))
    assert (r.status, r.entries) == ("updated", 10)
    assert list_store.feed_path(settings, "phish").read_text() == FRESH


def test_an_updated_shortener_list_reaches_expansion(
    httpserver_ipv4: HTTPServer, make_sources: Callable[..., Settings]
) -> None:
    """Shortener data comes from the list index: a host a feed adds is a shortener at the next check."""
    from scanner import Scanner

    server = httpserver_ipv4
    sources = ('[[list]]\nname = "shorteners"\ncategory = "shortener"\n'
               'path = "short.txt"\nurl = "{base}/short.txt"\n')
    settings = make_sources(files={"short.txt": "bit.ly\nt.cn\n"}, sources=sources,
                            base=server.url_for("").rstrip("/"),
                            egress_allow=frozenset({("127.0.0.1", server.port)}))
    server.expect_request("/short.txt").respond_with_data("bit.ly\nt.cn\nnew-short.example\n")

    def codes(url: str) -> set[str]:
        return {r["code"] for r in Scanner(settings).check(url, offline=True).to_dict()["reasons"]}

    assert "expand.shortener" not in codes("http://new-short.example/abc")
    assert "expand.shortener" in codes("http://t.cn/abc")
    assert _result(update(settings), "shorteners").status == "updated"
    assert "expand.shortener" in codes("http://new-short.example/abc")
    assert "expand.shortener" in codes("http://go.new-short.example/abc")
    assert "expand.shortener" not in codes("http://new-short.example.org/abc")
