"""Fuzz the pure text stages: link extraction, canonicalisation, payload classification, input checks.

No input may raise anything but a :class:`scanner.errors.ScannerError` subclass; results keep their
documented invariants (offsets point into the input, canonical URLs are stable when re-parsed).
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from scanner.canonical import CanonicalURL, canonicalize, join
from scanner.errors import InputError, InvalidURL
from scanner.extract import extract_links
from scanner.settings import Settings

from .conftest import ANY_CHAR, FUZZ, HOSTILE_TEXT, only_typed_errors


@FUZZ
@given(HOSTILE_TEXT)
@example("兼职注册APP，日结佣金，点击 t.cn/A6xYz 领取")
@example("hxxps://evil[.]com/a，或访问 www。x。cn/p。")
@example("http://" + "a." * 5000 + "com")
@example("x" * 300_000)
def test_extract_links_never_crashes(text: str) -> None:
    found = only_typed_errors(extract_links, text)
    assert isinstance(found, list)
    for f in found:
        assert 0 <= f.start <= f.end <= len(text)
        assert f.original == text[f.start : f.end]
        only_typed_errors(canonicalize, f.url)


@FUZZ
@given(HOSTILE_TEXT)
@example("http://127。0。0。1:80/")
@example("http://[::ffff:127.0.0.1]/")
@example("http://xn--/")
@example("http://" + "\ud800" + ".com/")
@example("http://a@b@c/")
@example("weixin://dl/business/?t=" + "%" * 100)
def test_canonicalize_is_typed_and_stable(text: str) -> None:
    c = only_typed_errors(canonicalize, text)
    if isinstance(c, InputError):
        assert isinstance(c, InvalidURL)
        return
    assert isinstance(c, CanonicalURL)
    assert c.href and c.href == c.href.strip()
    # Re-parsing what we show must give the same URL: otherwise the UI and the fetcher disagree.
    again = only_typed_errors(canonicalize, c.href)
    assert isinstance(again, CanonicalURL), f"{c.href!r} no longer parses"
    assert again.href == c.href
    assert again.host == c.host


@FUZZ
@given(
    st.sampled_from(["http://a.test/x/y", "https://例子.cn/a?b#c", "http://[::1]/", "weixin://x"]),
    HOSTILE_TEXT,
)
def test_join_is_typed(base: str, ref: str) -> None:
    out = only_typed_errors(join, base, ref)
    assert isinstance(out, str | InvalidURL)


@FUZZ
@given(st.one_of(HOSTILE_TEXT, st.text(ANY_CHAR, max_size=400)))
@example("WIFI:T:WPA;S:Cafe\\;Guest;P:p\\:a\\,s;H:true;;")
@example("BEGIN:VCARD\nVERSION:3.0\nURL:http://a.test\nEND:VCARD")
@example("data:text/html;base64," + "A" * 5000)
@example("data:text/html;base64,PGZvcm0+6Lqr5Lu96K+B5Y+3PC9mb3JtPg==")
@example("MATMSG:TO:a@b.test;SUB:x;;")
@example("SMSTO:10690000:TD")
@example("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
@example(
    "intent://scan/#Intent;scheme=zxing;package=com.google.zxing.client.android;S.browser_fallback_url="
    "http%3A%2F%2Fa.test;end"
)
@example("alipays://platformapi/startapp?appId=20000067&url=" + "%25" * 40)
def test_classify_payload_never_crashes(text: str) -> None:
    from scanner.models import Payload
    from scanner.payloads import classify, payload_reasons

    p = only_typed_errors(classify, text, source="image")
    if isinstance(p, Payload):
        rs = only_typed_errors(payload_reasons, p)
        assert not isinstance(rs, Exception)
        for r in rs:
            assert r.code and r.message.en and r.message.zh
        assert isinstance(p.to_dict(), dict)


@FUZZ
@given(st.one_of(HOSTILE_TEXT, st.binary(max_size=300).map(lambda b: b.decode("utf-8", "surrogateescape"))))
@example("http://a.test/\ud800")
def test_full_offline_check_never_crashes(text: str) -> None:
    """The whole offline pipeline without lists: text → payload → links → heuristics → verdict."""
    from scanner.models import Report
    from scanner.pipeline import Scanner

    scanner = Scanner(Settings.load(environ={}, offline=True, use_lists=False))
    report = only_typed_errors(scanner.check, text, offline=True, use_lists=False)
    if isinstance(report, Report):
        d = report.to_dict()
        assert d["level"] in ("safe", "caution", "danger", "unknown")
    else:
        assert isinstance(report, InputError)


@FUZZ
@given(st.binary(max_size=600))
@example(b"\xff\xfe" + "http://a.test".encode("utf-16-le"))
@example("兼职 http://a.test".encode("gb18030"))
@example(b"\xef\xbb\xbfhttp://a.test")
def test_input_bytes_are_text_or_typed_error(data: bytes) -> None:
    from scanner.inputs import decode_text_bytes, validate_text

    settings = Settings.load(environ={})
    out = only_typed_errors(decode_text_bytes, data)
    if isinstance(out, str):
        only_typed_errors(validate_text, out, settings)
    only_typed_errors(validate_text, data, settings)
