"""`lurelens scan IMAGE... [--decode-only] [--offline] [--json]` end to end (issue 3 §1)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import segno
from PIL import Image

from scanner.cli import ExitStatus, main

LURE = "https://jd-bt-zhuxiao.com/login?phone=13800138000"


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, out=out, stdin=io.BytesIO(b""))
    return code, out.getvalue()


def code_png(path: Path, *texts: str) -> Path:
    """One PNG holding each text as a code, side by side."""
    tiles = []
    for t in texts:
        buf = io.BytesIO()
        segno.make_qr(t).save(buf, kind="png", scale=6, border=4)
        tiles.append(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    sheet = Image.new("L", (sum(t.width for t in tiles) + 20 * len(tiles), max(t.height for t in tiles)), 255)
    x = 0
    for t in tiles:
        sheet.paste(t, (x, 0))
        x += t.width + 20
    sheet.save(path)
    return path


def test_one_json_object_per_image_in_order(tmp_path: Path) -> None:
    a = code_png(tmp_path / "poster.png", LURE)
    b = code_png(tmp_path / "two.png", "WIFI:T:WPA;S:Cafe;P:hunter2;;", "https://example.com/menu")
    code, out = run(["scan", "--offline", "--json", str(a), str(b)])
    assert code == ExitStatus.WARN
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["file"] == str(a) and second["file"] == str(b)
    assert first["input_kind"] == "image" and first["warn"] is True
    assert [p["text"] for p in first["payloads"]] == [LURE]
    assert {r["code"] for r in first["reasons"]} & {"url.brand_in_domain", "url.pii_in_query"}
    assert sorted(p["kind"] for p in second["payloads"]) == ["url", "wifi"]
    wifi = next(p for p in second["payloads"] if p["kind"] == "wifi")
    assert "hunter2" not in wifi["display"]  # masked for people; .text keeps it for programs


def test_decode_only_returns_the_codes_unchecked(tmp_path: Path) -> None:
    a = code_png(tmp_path / "a.png", LURE)
    code, out = run(["scan", "--decode-only", "--json", str(a)])
    report = json.loads(out)
    assert code == ExitStatus.OK
    assert [p["text"] for p in report["payloads"]] == [LURE]
    assert report["level"] == "unknown" and report["links"] == []


def test_human_output_lists_every_code_and_is_safe_for_a_terminal(tmp_path: Path) -> None:
    hostile = "Claim your free gift today, only 3 left!\x1b]0;pwned\x07"  # retitles a terminal
    a = code_png(tmp_path / "a.png", hostile, "https://example.com/\u202egnp.exe")
    code, out = run(["scan", "--offline", str(a)])
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;pwned\\x07" in out
    assert "1. Text:" in out and "2. Web link:" in out
    assert "url.hidden_characters" in out
    assert code == ExitStatus.WARN


def test_a_photo_without_a_code_is_not_an_error(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (300, 200), 200).save(blank)
    code, out = run(["scan", "--json", str(blank)])
    report = json.loads(out)
    assert code == ExitStatus.OK
    assert report["payloads"] == [] and report["level"] == "unknown"
    assert [r["code"] for r in report["reasons"]] == ["input.no_text_or_code"]
    assert report["summary"]["en"] == "No QR code or text found in this image."
    # Without OCR only codes were looked for, and the report says so.
    code, out = run(["scan", "--json", "--no-ocr", str(blank)])
    assert [r["code"] for r in json.loads(out)["reasons"]] == ["input.no_code_found"]


def test_bad_files_give_one_line_each_and_exit_2(tmp_path: Path, capsys: object) -> None:
    good = code_png(tmp_path / "ok.png", "https://example.com/")
    html = tmp_path / "page.jpg"
    html.write_text("<html><body>not a photo</body></html>")
    code, out = run(["scan", "--offline", "--json", str(tmp_path / "missing.png"), str(html), str(good)])
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("error", {}).get("code") for r in rows[:2]] == ["bad_input", "unsupported_image"]
    assert "HTML" in rows[1]["error"]["message"]
    assert rows[2]["payloads"][0]["text"] == "https://example.com/"
    assert code == ExitStatus.BAD_INPUT
