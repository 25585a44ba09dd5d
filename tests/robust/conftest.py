"""Shared pieces of the robustness suite: the hypothesis profile, hostile-text strategies, a checker.

Fuzz tests here are bounded and derandomised (the same examples on every run, so CI is
deterministic). Each test carries :data:`FUZZ` (not a global profile, so other folders' hypothesis
tests keep their own settings). For a longer, randomised hunt set ``FUZZ_EXAMPLES``, e.g.
``FUZZ_EXAMPLES=5000 pytest tests/robust -m 'not load'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from scanner.errors import ScannerError

T = TypeVar("T")

_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0") or 0)


def fuzz(max_examples: int = 120) -> settings:
    """Hypothesis settings for one fuzz test: ``max_examples`` in CI, ``FUZZ_EXAMPLES`` when set."""
    return settings(
        max_examples=_EXAMPLES or max_examples,
        deadline=None,
        derandomize=not _EXAMPLES,
        database=None,
        print_blob=True,
        suppress_health_check=(
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ),
    )


FUZZ = fuzz()


def only_typed_errors(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | ScannerError:
    """Call ``fn``; return its result, or the :class:`ScannerError` it raised on purpose.

    Anything else (``IndexError``, ``UnicodeError``, ``RecursionError``…) fails the test with the
    input that caused it — the contract is "bad input gets a typed error, never a traceback".
    """
    try:
        return fn(*args, **kwargs)
    except ScannerError as e:
        assert e.message, f"{type(e).__name__} without a message"
        return e
    except Exception as e:  # noqa: BLE001 - this is the point of the test
        shown = ", ".join(repr(a)[:300] for a in args)
        pytest.fail(f"{fn.__qualname__} raised {type(e).__name__}: {e!r} for input ({shown})")


# ---- strategies -------------------------------------------------------------------------------------

# Everything a crafted input may hold: lone surrogates (valid in JSON strings), controls, bidi
# overrides, full-width forms, CJK, combining marks, private use, unassigned code points.
ANY_CHAR = st.characters(exclude_categories=())
URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "hxxps://",
        "//",
        "javascript:",
        "data:text/html;base64,",
        "weixin://",
        "alipays://platformapi/startapp?appId=",
        "intent://",
        "itms-services://?action=download-manifest&url=",
        "WIFI:T:WPA;S:",
        "MATMSG:TO:",
        "SMSTO:",
        "tel:",
        "mailto:",
        "geo:",
        "BEGIN:VCARD\n",
        "otpauth://totp/",
        "bitcoin:",
        "0x7f000001",
        "127.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "xn--",
        "xn--fiqs8s",
        "例子",
        "。",
        "．",
        "／",
        "：",
        "@",
        "\\@",
        "%",
        "%00",
        "%2e%2e",
        "..",
        "/../",
        "?",
        "#",
        "&",
        "=",
        ":",
        ":99999",
        ":0",
        "[.]",
        "(dot)",
        "t.cn/",
        "www.",
        ".com",
        ".cn",
        ".top",
        ".xn--p1ai",
        "\u202e",
        "\u200b",
        "\ufeff",
        "\x00",
        "\r\n",
        "\t",
        " ",
        "\ud800",
        "🧧",
        "兼职",
        "佣金",
        "领取",
        "身份证",
        "a" * 300,
        "%" * 50,
        "[" * 20,
        "(" * 20,
        "a.b." * 40,
        "1." * 130,
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(URL_PIECES, st.text(ANY_CHAR, max_size=20)), max_size=25).map("".join)
