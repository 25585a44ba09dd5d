"""Issue 19 items 7 and 9: one Chinese product name everywhere; no message names a private folder."""

from __future__ import annotations

import io
import re
import subprocess
from contextlib import redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME = "识饵"
# Built from pieces so this file does not contain the retired names itself.
RETIRED = ("识" + "诱镜", "链接" + "卫士")
TEXT_SUFFIXES = {".py", ".md", ".html", ".json", ".js", ".css", ".toml", ".txt", ".cfg", ".yml", ""}


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / p for p in out.decode().split("\0") if p]


def test_one_chinese_product_name() -> None:
    hits = []
    for path in _tracked():
        if path.suffix not in TEXT_SUFFIXES or path.name == "CHANGELOG.md" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        hits += [f"{path.relative_to(ROOT)}: {name}" for name in RETIRED if name in text]
    assert not hits


@pytest.mark.parametrize(
    "path", ["README.md", "web/i18n.py", "web/extension/_locales/zh_CN/messages.json", "scanner/cli.py"]
)
def test_the_name_is_used_where_a_person_reads_it(path: str) -> None:
    assert NAME in (ROOT / path).read_text(encoding="utf-8")


_REASON = re.compile(r"""(?:reason=|pytest\.skip\()\s*f?["']([^"']*)["']""")


def test_skip_reasons_do_not_name_a_private_folder() -> None:
    reasons = []
    for path in (ROOT / "tests").rglob("*.py"):
        reasons += _REASON.findall(path.read_text(encoding="utf-8"))
    assert reasons  # the pattern finds the skip reasons at all
    bad = [r for r in reasons if "../shared" in r or "shared/" in r]
    assert not bad


def test_bench_help_says_evaluation_data_folder() -> None:
    from scanner.cli import main

    buf = io.StringIO()
    with redirect_stdout(buf), pytest.raises(SystemExit):
        main(["bench", "--help"], out=buf)
    text = " ".join(buf.getvalue().split())
    assert "../shared" not in text
    assert "evaluation data folder" in text
