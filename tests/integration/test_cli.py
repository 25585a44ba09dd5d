"""The CLI end to end through main(argv) (issue 2 §9 and its must-show)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from scanner.cli import ExitStatus, main


def run(argv: list[str], stdin: bytes = b"") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out, stdin=io.BytesIO(stdin))
    return code, out.getvalue()


def test_message_with_link_found_and_explained() -> None:
    code, out = run(["check", "--offline", "--json", "兼职注册APP，日结佣金，点击 t.cn/A6xYz 领取"])
    report = json.loads(out)
    assert code == ExitStatus.WARN
    assert report["warn"] is True
    (link,) = report["links"]
    assert link["original"] == "t.cn/A6xYz"
    assert link["url"] == "http://t.cn/A6xYz"
    codes = {r["code"] for r in report["reasons"]}
    assert any(c.startswith("text.") for c in codes), codes
    for r in report["reasons"]:
        assert r["message"]["en"] and r["message"]["zh"]


def test_human_output_verdict_first_in_chinese() -> None:
    code, out = run(["check", "--offline", "--lang", "zh", "兼职注册APP，日结佣金，点击 t.cn/A6xYz 领取"])
    assert code == ExitStatus.WARN
    first = out.splitlines()[0]
    assert "高风险" in first or "可疑" in first
    assert "原因" in out


def test_popular_site_is_quiet() -> None:
    code, out = run(["check", "--offline", "--json", "https://www.baidu.com/"])
    assert code == ExitStatus.OK, out
    assert json.loads(out)["level"] == "safe"


def test_stdin_one_json_object_per_line() -> None:
    lines = "https://www.baidu.com/\nhttp://192.168.1.1@evil-login-verify.top/account\nhttps://github.com/\n"
    code, out = run(["check", "--offline", "--json", "-"], lines.encode())
    objs = [json.loads(x) for x in out.splitlines()]
    assert len(objs) == 3
    assert [o["warn"] for o in objs] == [False, True, False]
    assert code == ExitStatus.WARN


@pytest.mark.parametrize(
    ("argv", "stdin", "needle"),
    [
        pytest.param(["check", ""], b"", "nothing to check", id="empty"),
        pytest.param(["check", "   "], b"", "nothing to check", id="blank"),
        pytest.param(["check", "-"], b"\x00\xff\xfe\x00garbage\x00", "binary", id="binary-stdin"),
        pytest.param(["check", "-"], b"", "nothing on stdin", id="empty-stdin"),
        pytest.param(["check", "http://[::1/"], b"", "not a valid URL", id="unparsable-url"),
        pytest.param(["check", "x" * 300_000], b"", "limit", id="too-large"),
        pytest.param(["nonsense"], b"", "invalid choice", id="usage"),
    ],
)
def test_bad_input_one_line_exit_2(
    argv: list[str], stdin: bytes, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(argv, stdin)
    err = capsys.readouterr().err
    assert code == ExitStatus.BAD_INPUT
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_size_limit_is_configurable(tmp_path: pytest.TempPathFactory) -> None:
    cfg = os.path.join(str(tmp_path), "c.toml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("max_input_bytes = 100\n")
    code, _ = run(["check", "--config", cfg, "--offline", "a" * 101])
    assert code == ExitStatus.BAD_INPUT


def test_stdin_over_the_batch_cap_is_refused_not_cut(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = os.path.join(str(tmp_path), "c.toml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("max_input_bytes = 16384\n")  # the stdin batch cap is 64 × this: 1 MiB
    code, out = run(["check", "--config", cfg, "--offline", "--json", "-"], b"a.example.com\n" * 80_000)
    assert code == ExitStatus.BAD_INPUT and out == ""
    assert "over 1 MiB" in capsys.readouterr().err


def test_bad_config_exit_3(tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = os.path.join(str(tmp_path), "c.toml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("port = -1\n")
    assert run(["check", "--config", cfg, "x.com"])[0] == ExitStatus.CONFIG
    assert "port" in capsys.readouterr().err


def test_console_script_runs_as_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "check", "--offline", "--json", "https://evil.pages.dev/login"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["links"][0]["registrable_domain"] == "evil.pages.dev"


def test_json_lines_are_the_standard_library_s_bytes() -> None:
    # orjson writes the batch output; it must be exactly what json.dumps would write, and the
    # standard library must take over for what orjson refuses (a lone surrogate).
    from scanner.cli import json_line

    obj = {"a": "扫码\u2028\x1b", "n": 3, "f": 0.5, "l": [None, True], "e": {}}
    assert json_line(obj) == json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    odd = {"s": "\udcff"}
    assert json_line(odd) == json.dumps(odd, ensure_ascii=False, separators=(",", ":")) + "\n"
