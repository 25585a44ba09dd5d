"""TESTSPEC group C: every private target is refused before connect (CANARY sees no connection)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest
from loopback import Server, StubResolver

from scanner.expand import Expander
from scanner.fetch import BlockedAddress, GuardedClient
from scanner.models import StopReason
from scanner.settings import Settings

Make = Callable[..., Expander]
BLOCKED = (StopReason.BLOCKED_ADDRESS, StopReason.BLOCKED_PORT)


class SpyBackend(httpcore.SyncBackend):
    """The real backend, counting connect_tcp calls (and refusing anything but loopback, to be safe)."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        assert host.startswith("127."), f"test tried to reach {host}"
        return super().connect_tcp(host, port, timeout, local_address, socket_options)


@pytest.fixture
def spy() -> SpyBackend:
    return SpyBackend()


def codes(e: object) -> set[str]:
    return {r.code for r in e.reasons}  # type: ignore[attr-defined]


def blocked(e: Any, *, port_ok: bool = True) -> bool:
    return e.stop_reason in (BLOCKED if port_ok else (StopReason.BLOCKED_ADDRESS,)) and not e.expanded


# ---- S-01..S-12: address literals in every notation


def test_s01_loopback_literal(expander: Make, canary: Server, spy: SpyBackend) -> None:
    e = expander(backend=spy).expand(canary.url("/"))
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and "loopback" in e.chain[0].note
    r = next(r for r in e.reasons if r.code == "expand.blocked_address")
    assert "127.0.0.0/8" in r.evidence and spy.connects == []


@pytest.mark.parametrize("host", ["127.1", "2130706441", "0x7f000009", "0x7f.9", "017700000011",
                                  "0177.0.0.011", "127。0。0。9", "①②⑦.0.0.9", "127.0.0.9.",
                                  "%31%32%37.0.0.9"])
def test_s02_s03_s20_s21_numeric_forms(expander: Make, canary: Server, spy: SpyBackend, host: str) -> None:
    e = expander(backend=spy).expand(f"http://{host}:{canary.port}/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and spy.connects == []
    assert e.chain[0].url.startswith("http://127.")


@pytest.mark.parametrize("host", ["0", "0.0.0.0"])
def test_s04_zero(expander: Make, canary: Server, spy: SpyBackend, host: str) -> None:
    e = expander(backend=spy).expand(f"http://{host}:{canary.port}/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and spy.connects == []


@pytest.mark.parametrize("ip", ["10.0.0.1", "100.64.0.1", "169.254.169.254", "172.16.0.1", "192.168.1.1",
                                "192.0.0.170", "198.18.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.1",
                                "224.0.0.1", "240.0.0.1", "255.255.255.255"])
def test_s05_private_literals_never_connected(expander: Make, spy: SpyBackend, ip: str) -> None:
    e = expander(backend=spy).expand(f"http://{ip}/latest/meta-data/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and spy.connects == []


@pytest.mark.parametrize("host", [
    "[::1]", "[::]", "[::ffff:127.0.0.9]", "[::ffff:7f00:9]", "[0:0:0:0:0:ffff:127.0.0.9]", "[::127.0.0.1]",
    "[64:ff9b::7f00:1]", "[64:ff9b:1::a9fe:a9fe]", "[2002:7f00:1::1]", "[2002:a9fe:a9fe::1]",
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "[fc00::1]", "[fec0::1]", "[ff02::1]", "[2001:db8::1]",
    "[100::1]",
])
def test_s06_to_s12_ipv6(expander: Make, canary: Server, spy: SpyBackend, host: str) -> None:
    e = expander(backend=spy).expand(f"http://{host}:{canary.port}/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and spy.connects == []


def test_s12_zone_id_rejected(expander: Make, canary: Server, spy: SpyBackend) -> None:
    e = expander(backend=spy).expand(f"http://[fe80::1%25lo]:{canary.port}/")
    assert e.stop_reason in (StopReason.INVALID_URL, StopReason.BLOCKED_ADDRESS) and spy.connects == []


# ---- S-13..S-17 names and the resolver


@pytest.mark.parametrize("name", ["localhost", "LOCALHOST.", "localhost.localdomain", "foo.localhost",
                                  "ip6-localhost", "ip6-loopback"])
def test_s13_local_names(expander: Make, canary: Server, resolver: StubResolver, name: str) -> None:
    resolver.table.update({n: ["127.0.0.9"] for n in ("localhost", "ip6-localhost", "ip6-loopback")})
    e = expander().expand(f"http://{name}:{canary.port}/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS


def test_s14_name_to_loopback(expander: Make, fx_a: Server, resolver: StubResolver) -> None:
    e = expander().expand(fx_a.url("/", "evil.test"))  # FX-A's port: only the address can block it
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and resolver.calls["evil.test"] == 1


def test_s15_any_bad_address_blocks(expander: Make, fx_a: Server, resolver: StubResolver) -> None:
    resolver.table["mixed.test"] = ["127.0.0.1", "127.0.0.9"]
    e = expander().expand(fx_a.url("/", "mixed.test"))
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and fx_a.total_hits == 0


def test_s16_mapped_answer(expander: Make, resolver: StubResolver, spy: SpyBackend) -> None:
    resolver.table["v6.test"] = ["::ffff:10.0.0.1"]
    e = expander(backend=spy).expand("http://v6.test/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and spy.connects == []


@pytest.fixture
def same_port_canary(fx_a: Server) -> Iterator[Server]:
    f = Server("127.0.0.9", port=fx_a.port)  # the rebinding target listens on FX-A's port
    yield f
    f.close()
    assert f.connections == 0


def test_s17_rebinding_pinned(expander: Make, fx_a: Server, same_port_canary: Server,
                              resolver: StubResolver) -> None:
    resolver.table["rebind.test"] = [["127.0.0.1"], ["127.0.0.9"]]
    fx_a.html("/", "first answer")
    e = expander().expand(fx_a.url("/", "rebind.test"))
    assert e.chain[0].ip == "127.0.0.1" and fx_a.hits["/"] == 1
    assert resolver.calls["rebind.test"] == 1


def test_s17_rebinding_across_hops(expander: Make, fx_a: Server, same_port_canary: Server,
                                   resolver: StubResolver) -> None:
    resolver.table["rebind.test"] = [["127.0.0.1"], ["127.0.0.9"]]
    fx_a.redirect("/", "/again?x=1")
    e = expander().expand(fx_a.url("/", "rebind.test"))
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and resolver.calls["rebind.test"] == 2


# ---- S-18/S-19 TLS pinned to the checked address, verified against the name


def test_s18_tls_pinning(expander: Make, fx_tls: Server) -> None:
    fx_tls.html("/", "secure")
    ex = expander(extra_allow={(fx_tls.host, fx_tls.port)})
    e = ex.expand(fx_tls.url("/", "shop.test"))
    assert e.stop_reason is StopReason.FINAL and e.chain[0].status == 200 and e.chain[0].ip == "127.0.0.3"
    assert fx_tls.sni == ["shop.test"]
    assert fx_tls.requests[0].header("host") == f"shop.test:{fx_tls.port}"


def test_s19_tls_name_mismatch(expander: Make, fx_tls: Server) -> None:
    fx_tls.html("/", "secure")
    e = expander(extra_allow={(fx_tls.host, fx_tls.port)}).expand(fx_tls.url("/", "other.test"))
    assert e.stop_reason is StopReason.TLS_ERROR and fx_tls.total_hits == 0
    assert "expand.tls_error" in codes(e)


def test_s19_untrusted_ca(make_settings: Callable[..., Settings], resolver: StubResolver,
                          fx_tls: Server) -> None:
    s = make_settings(extra_allow={(fx_tls.host, fx_tls.port)})
    e = Expander(s, client=GuardedClient(s, resolver)).expand(fx_tls.url("/", "shop.test"))
    assert e.stop_reason is StopReason.TLS_ERROR and fx_tls.total_hits == 0


# ---- S-22..S-25 userinfo and redirect targets


def test_s22_userinfo(expander: Make, canary: Server) -> None:
    e = expander().expand(f"http://shop.test@127.0.0.9:{canary.port}/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and "127.0.0.9" in e.chain[0].url


def test_s23_redirect_to_canary(expander: Make, fx_a: Server, canary: Server) -> None:
    fx_a.redirect("/r", canary.url("/"))
    e = expander().expand(fx_a.url("/r", "a.test"))
    assert e.chain[0].status == 302 and e.chain[1].error == "blocked_address"
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and "expand.blocked_address" in codes(e)


@pytest.mark.parametrize("target", ["http://[::1]:{p}/", "http://169.254.169.254/latest/meta-data/",
                                    "http://2130706441:{p}/", "http://localhost:{p}/"])
def test_s24_redirects_to_private(expander: Make, fx_a: Server, canary: Server, spy: SpyBackend,
                                  target: str) -> None:
    fx_a.redirect("/r", target.format(p=canary.port))
    e = expander(backend=spy).expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and len(e.chain) == 2
    assert spy.connects == [("127.0.0.1", fx_a.port)]


@pytest.mark.parametrize("how", ["refresh", "meta", "js"])
def test_s25_page_redirects_to_private(expander: Make, fx_a: Server, canary: Server, how: str) -> None:
    t = canary.url("/")
    if how == "refresh":
        fx_a.route("/p", 200, [("Refresh", f"0; url={t}")], "x")
    elif how == "meta":
        fx_a.html("/p", f'<meta http-equiv="refresh" content="0; url={t}">')
    else:
        fx_a.html("/p", f'<script>location.href="{t}"</script>')
    e = expander().expand(fx_a.url("/p", "a.test"))
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and e.chain[-1].url == t


# ---- S-26, S-27, S-32 ports


@pytest.mark.parametrize("port", [22, 25, 6379, 11434, 23119, 8080])
def test_s26_ports(expander: Make, resolver: StubResolver, spy: SpyBackend, port: int) -> None:
    e = expander(backend=spy).expand(f"http://a.test:{port}/")
    assert e.stop_reason is StopReason.BLOCKED_PORT and spy.connects == []
    assert sum(resolver.calls.values()) == 0  # refused before any lookup


def test_s27_own_port_blocked_even_when_allowed(expander: Make, fx_a: Server, spy: SpyBackend) -> None:
    fx_a.html("/", "the service itself")
    e = expander(backend=spy, port=fx_a.port).expand(fx_a.url("/", "a.test"))
    assert e.stop_reason is StopReason.BLOCKED_PORT and fx_a.total_hits == 0 and spy.connects == []


def test_s32_allowlist_is_exact(expander: Make, fx_a: Server, canary: Server) -> None:
    e = expander().expand(f"http://127.0.0.1:{canary.port}/")
    assert e.stop_reason in BLOCKED


def test_same_chain_blocked_without_allowlist(make_settings: Callable[..., Settings], resolver: StubResolver,
                                              fx_a: Server, fx_b: Server) -> None:
    fx_a.redirect("/r", fx_b.url("/final", "b.test"))
    s = make_settings(egress_allow=frozenset())
    e = Expander(s, client=GuardedClient(s, resolver)).expand(fx_a.url("/r", "a.test"))
    assert e.stop_reason in BLOCKED and fx_a.total_hits == 0


def test_allowlist_not_settable_from_environment(data_dir: Path) -> None:
    s = Settings.load(environ={"LURELENS_EGRESS_ALLOW": "127.0.0.1:80"}, data_dir=data_dir)
    assert s.egress_allow == frozenset()


# ---- S-28/S-29 ambient configuration


def test_s28_proxy_variables_ignored(expander: Make, fx_a: Server, fx_b: Server,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(var, fx_b.url("/"))
    fx_a.html("/", "direct")
    e = expander().expand(fx_a.url("/", "a.test"))
    assert e.chain[0].status == 200 and fx_b.total_hits == 0 and fx_a.hits["/"] == 1


def test_s29_netrc_ignored(expander: Make, fx_a: Server, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".netrc").write_text("machine a.test login u password p\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    fx_a.html("/", "x")
    expander().expand(fx_a.url("/", "a.test"))
    assert fx_a.requests[0].header("authorization") is None


# ---- S-30/S-31 parser differentials


def test_s30_backslash_trick(expander: Make, canary: Server, spy: SpyBackend) -> None:
    e = expander(backend=spy).expand(f"http://127.0.0.9:{canary.port}\\@shop.test/")
    assert e.stop_reason is StopReason.BLOCKED_ADDRESS and spy.connects == []


def test_s30_parsers_disagree_on_a_name(expander: Make, fx_a: Server, resolver: StubResolver) -> None:
    e = expander().expand(f"http://evil.test:{fx_a.port}\\@a.test/")
    assert e.stop_reason is StopReason.INVALID_URL and "expand.parser_confusion" in codes(e)
    assert sum(resolver.calls.values()) == 0 and fx_a.total_hits == 0


def test_a_cached_clean_link_does_not_answer_for_its_backslash_twin(
    expander: Make, fx_a: Server, resolver: StubResolver
) -> None:
    # Both spellings canonicalise to the same address; only the backslash one is a parser trick,
    # so they must not share a cache entry (either order hid or invented the warning).
    fx_a.html("/", "<title>t</title>")
    ex = expander(cache_ttl=3600)
    clean = ex.expand(f"http://evil.test:{fx_a.port}/@a.test/")
    tricky = ex.expand(f"http://evil.test:{fx_a.port}\\@a.test/")
    assert not tricky.cached and "expand.parser_confusion" in codes(tricky)
    again = ex.expand(f"http://evil.test:{fx_a.port}/@a.test/")
    assert again.cached and again.stop_reason is clean.stop_reason
    assert "expand.parser_confusion" not in codes(again)


def test_s31_mixed_confusion(expander: Make, canary: Server, spy: SpyBackend) -> None:
    e = expander(backend=spy).expand(f"http://1.1.1.1 &@127.0.0.9:{canary.port}# @shop.test/")
    assert e.stop_reason in (StopReason.BLOCKED_ADDRESS, StopReason.INVALID_URL) and spy.connects == []


# ---- S-33 the guard runs on every connection


def test_s33_guard_at_connect(make_settings: Callable[..., Settings], resolver: StubResolver,
                              fx_a: Server, canary: Server) -> None:
    client = GuardedClient(make_settings(), resolver)
    with pytest.raises(BlockedAddress):
        client.backend.connect_tcp("127.0.0.9", canary.port)
    with pytest.raises(BlockedAddress):
        client.backend.connect_tcp("a.test", fx_a.port)  # a name never reaches a socket
    with pytest.raises(BlockedAddress):
        client.backend.connect_unix_socket("/run/x.sock")


def test_s33_one_check_per_connection(make_settings: Callable[..., Settings], resolver: StubResolver,
                                      fx_a: Server, spy: SpyBackend, monkeypatch: pytest.MonkeyPatch,
                                      client_ssl: ssl.SSLContext) -> None:
    for i in range(3):
        fx_a.redirect(f"/{i}", f"/{i + 1}")
    fx_a.html("/3", "end")
    s = make_settings()
    client = GuardedClient(s, resolver, backend=spy)
    checks: list[tuple[str, int]] = []
    real = client.permit
    monkeypatch.setattr(client, "permit", lambda ip, port: (checks.append((ip, port)), real(ip, port)))
    Expander(s, client=client).expand(fx_a.url("/0", "a.test"))
    assert len(spy.connects) == 4 and fx_a.connections == 4  # no connection is ever reused
    assert checks.count(("127.0.0.1", fx_a.port)) >= 2 * len(spy.connects)  # at resolve and at connect
