"""Issue 15 through the whole pipeline, offline, with the bundled lists compiled for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.canonical import canonicalize
from scanner.models import Level
from scanner.pipeline import Scanner
from scanner.settings import Settings


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Scanner:
    data: Path = tmp_path_factory.mktemp("lurelens-data")
    return Scanner(Settings.load(environ={}, data_dir=data))


@pytest.mark.parametrize("use_lists", [True, False])
@pytest.mark.parametrize(
    ("url", "level"),
    [
        ("https://gtimg.com/", Level.SAFE),  # a CDN an aggregator lists: dropped at build
        ("https://microsoft.github.io/", Level.SAFE),  # an organisation's own project pages
        ("https://xiaoming.github.io/", Level.SAFE),  # a person's pages: not Xiaomi
        ("https://signin.aws/", Level.SAFE),  # a brand TLD
        ("https://icbc-verify-login.pages.dev/", Level.DANGER),
    ],
)
def test_check_offline(pipeline: Scanner, url: str, level: Level, use_lists: bool) -> None:
    report = pipeline.check(url, offline=True, use_lists=use_lists)
    assert report.links[0].level is level, [r.code for r in report.links[0].reasons]


def test_popular_site_never_danger_with_or_without_lists(pipeline: Scanner) -> None:
    bundled = Path(__file__).resolve().parents[2] / "blocklists" / "umbrella_top100k_devhalf.txt"
    names = [d for d in bundled.read_text(encoding="utf-8").split() if d.count(".") == 1]
    popular = [d for d in names if canonicalize(f"http://{d}/").suffix != d][:300]  # not a public suffix
    for use_lists in (True, False):
        for d in popular:
            # the worst a link on a popular site can carry from heuristics: @, a port, personal data
            link = pipeline.check(f"http://user@{d}:8443/r?phone=13812345678", offline=True,
                                  use_lists=use_lists).links[0]
            assert link.level is not Level.DANGER, (d, [r.code for r in link.reasons])
