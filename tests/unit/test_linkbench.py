"""The link-extraction measurement (scripts/measure_links.py, `bench detect` links section) reads other
projects' fixture formats correctly. The fixtures here are the project's own, written in those formats."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.bench import linkbench
from scanner.bench.evaldetect import bench_detect, format_report

LINKS_TXT = """%
% comment lines start with %
%
Visit http://a.example.com/x today
http://a.example.com/x

www.b-shop.com/p

(see mail@c-shop.com)
mail@c-shop.com

this one fails http://d.example.com/测试
http://d.example.com/测试
"""

NOT_LINKS_TXT = """% not links
report.pdf
v1.2.3       % a version
hppt://typo.example.com
"""

FIND_URLS_PY = """
import pytest

@pytest.mark.parametrize(
    "text, expected",
    [
        ("%sb-shop.com" % chr(8231), ["b-shop.com"]),
        ("go to https://e.example.org/a now", ["https://e.example.org/a"]),
        ("nothing here", []),
    ],
)
def test_find_urls(urlextract, text, expected):
    assert urlextract.find_urls(text) == expected


@pytest.mark.parametrize("text, expected", [("x http://f.example.org http://f.example.org", ["http://f.example.org"])])
def test_find_urls_unique(urlextract, text, expected):
    assert urlextract.find_urls(text, only_unique=True) == expected


@pytest.mark.parametrize("text, expected", [("ignored.example.com", [])])
def test_find_urls_schema_only(urlextract, text, expected):
    pass
"""

EXTRACT_YML = """tests:
  urls:
    - description: "one"
      text: "see http://g.example.com/a"
      expected: ["http://g.example.com/a"]
    - description: "none"
      text: "v2.0.1 is out"
      expected: []
  hashtags: []
"""


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "links.txt").write_text(LINKS_TXT, encoding="utf-8")
    (folder / "not_links.txt").write_text(NOT_LINKS_TXT, encoding="utf-8")
    (folder / "test_find_urls.py").write_text(FIND_URLS_PY, encoding="utf-8")
    (folder / "extract.yml").write_text(EXTRACT_YML, encoding="utf-8")
    return folder


def test_linkify_format() -> None:
    urls, emails = linkbench.linkify_links(LINKS_TXT)
    assert (urls.passed, urls.total) == (2, 3)  # CJK after a path ends the link: the last case fails
    assert "d.example.com" in urls.misses[0]
    assert (emails.passed, emails.total) == (1, 1)
    bad = linkbench.linkify_not_links(NOT_LINKS_TXT)
    assert (bad.passed, bad.total) == (3, 3)


def test_urlextract_tables_are_parsed_not_run() -> None:
    cases = linkbench.urlextract_cases(FIND_URLS_PY)
    assert [c[0][:1] for c in cases][0] == chr(8231)
    assert len(cases) == 4  # the option-only test is not one of ours
    exact, found = linkbench.urlextract_score(FIND_URLS_PY)
    assert (exact.passed, exact.total) == (4, 4)
    assert (found.passed, found.total) == (3, 3)


def test_twitter_format() -> None:
    pytest.importorskip("yaml")
    cases, links, clean = linkbench.twitter_score(EXTRACT_YML)
    assert (cases.passed, cases.total, links.total, clean.total) == (2, 2, 1, 1)


def test_measure_reads_folders_and_bare_git(tmp_path: Path) -> None:
    plain = write(tmp_path / "plain")
    res = linkbench.measure(plain, plain, plain)
    assert res["linkify_links"]["total"] == 3 and res["urlextract_links"]["total"] == 3
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    work = tmp_path / "work"
    (work / "test" / "fixtures").mkdir(parents=True)
    for name in ("links.txt", "not_links.txt"):
        shutil.copy(plain / name, work / "test" / "fixtures" / name)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "f"]):
        subprocess.run(["git", "-C", str(work), *cmd], check=True, env={**env, "PATH": "/usr/bin:/bin"})
    bare = tmp_path / "mirror" / "someone+linkify-it" / "repo"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    linkify, urlextract, twitter = linkbench.locate_fixtures(tmp_path / "mirror")
    assert linkify == bare and urlextract is None and twitter is None
    res = linkbench.measure(linkify, urlextract)
    assert res["linkify_not_links"]["passed"] == 3
    assert any("URLExtract" in s for s in res["skipped"])


def test_missing_fixtures_are_a_note_not_an_error(tmp_path: Path) -> None:
    res = linkbench.measure(tmp_path / "nowhere")
    assert "linkify_links" not in res
    assert res["skipped"] and "not found" in res["skipped"][0]
    assert res["own_links"]["rate"] >= 0.95


def test_bench_detect_has_a_links_section(tmp_path: Path) -> None:
    res = bench_detect(tmp_path, write(tmp_path / "fixtures"))
    assert res["links"]["linkify_links"]["total"] == 3
    text = format_report(res)
    assert "own CJK-glued links found" in text and "linkify-it links.txt URL cases" in text
    res = bench_detect(tmp_path)
    assert "skipped: linkify-it" in format_report(res)
