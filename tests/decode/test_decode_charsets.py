"""Charset choice for QR byte payloads: ECI honoured, else the most plausible decoding (never mojibake)."""

from __future__ import annotations

import pytest

from scanner.charsets import decode_qr_payload, decode_with_eci, guess_decode, parse_bytes_eci, plausibility


@pytest.mark.parametrize(
    ("text", "encoding", "codec"),
    [
        ("扫码领取红包", "gbk", "gb18030"),
        ("兼职刷单日结，点击注册领佣金", "gbk", "gb18030"),
        ("请扫码支付停车费", "gb18030", "gb18030"),
        ("中", "gbk", "gb18030"),
        ("こんにちは世界", "shift_jis", "cp932"),
        ("東京都渋谷区", "shift_jis", "cp932"),
        ("Google モバイル\r\nhttp://google.jp", "shift_jis", "cp932"),
        ("ﾃﾞｻﾞｲﾝQR", "shift_jis", "cp932"),
        ("*ﾀﾞﾌﾞﾙQR*", "shift_jis", "cp932"),
        ("ﾊﾟｽﾜｰﾄﾞ", "shift_jis", "cp932"),
        ("你好世界 こんにちは", "utf-8", "utf-8"),
        ("Zürich Straße – Öffnungszeiten", "utf-8", "utf-8"),
        ("Привет, мир!", "utf-8", "utf-8"),
        ("Emoji 🚗💳 ✅", "utf-8", "utf-8"),
        ("한국어 주차", "utf-8", "utf-8"),
        ("Café crème", "latin-1", "latin-1"),
        ("Émile Zola", "latin-1", "latin-1"),
        ("Zürich", "latin-1", "latin-1"),
        ("plain ascii", "ascii", "ascii"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None,
)
def test_guess_decode_picks_the_meant_charset(text: str, encoding: str, codec: str) -> None:
    got, used = guess_decode(text.encode(encoding))
    assert got == text
    assert used == codec


def test_shift_jis_is_not_taken_for_gb18030_although_both_decode() -> None:
    raw = "こんにちは世界".encode("shift_jis")
    raw.decode("gb18030")  # valid GB18030 too: the first-valid rule would return Chinese mojibake
    assert guess_decode(raw)[0] == "こんにちは世界"


def test_gbk_is_not_taken_for_latin1() -> None:
    raw = "你好世界".encode("gbk")
    assert raw.decode("latin-1") != "你好世界"
    assert guess_decode(raw)[0] == "你好世界"


def test_utf8_bom_is_dropped() -> None:
    assert guess_decode(b"\xef\xbb\xbfhttps://a.test/") == ("https://a.test/", "utf-8")


def test_plausibility_orders_real_text_over_mojibake() -> None:
    assert plausibility("你好世界") > plausibility("ÄãºÃÊÀ½ç")
    assert plausibility("こんにちは") > plausibility("こんにちは".encode("shift_jis").decode("gb18030"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"]Q1abc", (False, [(None, b"abc")])),
        (b"]Q2\\000026abc", (True, [(26, b"abc")])),
        (b"]Q2\\000026a\\\\b", (True, [(26, b"a\\b")])),
        (b"]Q2\\000020\x82\xa0\\000026\xe4\xbd\xa0", (True, [(20, b"\x82\xa0"), (26, b"\xe4\xbd\xa0")])),
        (b"]Q2x\\000003\xe9", (True, [(None, b"x"), (3, b"\xe9")])),
        (b"]Q3\x1dabc", (False, [(None, b"\x1dabc")])),
        (b"no prefix", (False, [(None, b"no prefix")])),
    ],
    ids=["no-eci", "utf8-eci", "escaped-backslash", "two-ecis", "data-before-eci", "gs1", "no-prefix"],
)
def test_parse_bytes_eci(data: bytes, expected: tuple[bool, list[tuple[int | None, bytes]]]) -> None:
    assert parse_bytes_eci(data) == expected


def test_eci_is_honoured_even_when_a_guess_would_differ() -> None:
    # Latin-1 ECI on bytes that would also read as GBK: the ECI wins.
    raw = "ÄãºÃ".encode("latin-1")
    assert decode_with_eci(raw, 3) == ("ÄãºÃ", "latin-1")
    assert decode_qr_payload(b"]Q2\\000003" + raw) == "ÄãºÃ"


def test_a_lying_eci_falls_back_to_guessing() -> None:
    raw = "扫码".encode("gbk")
    assert decode_with_eci(raw, 26)[0] == "扫码"  # says UTF-8, is not


def test_unknown_eci_number_guesses() -> None:
    assert decode_with_eci("你好".encode(), 999)[0] == "你好"
