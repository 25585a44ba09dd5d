"""Fixtures for the expansion and SSRF tests: FX-A/FX-B/FX-TLS/CANARY servers, resolver, settings."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback import Server, StubResolver

from scanner.expand import Expander
from scanner.fetch import GuardedClient
from scanner.settings import Settings

# ---- session CA (openssl CLI: the `cryptography` package is not installed here)


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ca")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
        "/CN=LureLens Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "shop.key", "-out", "shop.csr", "-subj", "/CN=shop.test")
    (d / "ext.cnf").write_text(
        "subjectAltName=DNS:shop.test\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
    )
    run("x509", "-req", "-in", "shop.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "ext.cnf", "-out", "shop.pem")
    return {"ca": d / "ca.pem", "cert": d / "shop.pem", "key": d / "shop.key"}


@pytest.fixture(scope="session")
def client_ssl(test_ca: dict[str, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(test_ca["ca"]))


# ---- servers (one per test: hit counters start at zero)


@pytest.fixture
def fx_a() -> Iterator[Server]:
    f = Server("127.0.0.1")
    yield f
    f.close()


@pytest.fixture
def fx_b() -> Iterator[Server]:
    f = Server("127.0.0.2")
    yield f
    f.close()


@pytest.fixture
def fx_tls(test_ca: dict[str, Path]) -> Iterator[Server]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(test_ca["cert"]), str(test_ca["key"]))
    f = Server("127.0.0.3", ctx)
    yield f
    f.close()


@pytest.fixture
def canary() -> Iterator[Server]:
    f = Server("127.0.0.9")
    f.route("/", 200, body="canary")
    yield f
    f.close()
    assert f.connections == 0, "CANARY was reached"


@pytest.fixture
def resolver() -> StubResolver:
    return StubResolver({
        "a.test": ["127.0.0.1"], "b.test": ["127.0.0.2"], "shop.test": ["127.0.0.3"],
        "other.test": ["127.0.0.3"], "evil.test": ["127.0.0.9"],
        "t.cn": ["127.0.0.1"], "m.tb.cn": ["127.0.0.1"], "qr.alipay.com": ["127.0.0.1"],
        "xhslink.com": ["127.0.0.1"], "bit.ly": ["127.0.0.1"], "bitly.com": ["127.0.0.2"],
    })


@pytest.fixture
def make_settings(data_dir: Path, fx_a: Server, fx_b: Server) -> Callable[..., Settings]:
    def make(**kw: Any) -> Settings:
        allow = {(fx_a.host, fx_a.port), (fx_b.host, fx_b.port)} | set(kw.pop("extra_allow", ()))
        base: dict[str, Any] = dict(
            data_dir=data_dir, egress_allow=frozenset(allow), expand_deadline=3.0, check_deadline=6.0,
            connect_timeout=1.0, read_timeout=1.0, compare_profiles=False, cache_ttl=0,
        )
        base.update(kw)
        return Settings.load(environ={}, **base)

    return make


@pytest.fixture
def expander(make_settings: Callable[..., Settings], resolver: StubResolver,
             client_ssl: ssl.SSLContext) -> Callable[..., Expander]:
    def make(resolver_: StubResolver | None = None, backend: Any = None, **kw: Any) -> Expander:
        s = make_settings(**kw)
        client = GuardedClient(s, resolver_ or resolver, ssl_context=client_ssl, backend=backend)
        return Expander(s, client=client)

    return make
