"""List hygiene (issue 15): trust tiers, popular and infrastructure entries dropped and counted, the
user's own lists only marked, a hit on a popular site a probable list error, the prior without lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.canonical import canonicalize
from scanner.lists import ListSet
from scanner.lists import cli as lists_cli
from scanner.lists.build import is_infrastructure
from scanner.lists.listset import popular_prior
from scanner.lists.manage import add_list, status
from scanner.models import Level
from scanner.settings import Settings
from scanner.verdict import decide

FILES = {
    # an aggregator: lists a popular site, a host under it, a CDN root's tenant, an OCSP host, a brand TLD
    "agg.txt": "popular-site.com\nimg.popular-site.com\nd1.cloudfront.net\nocsp.some-ca.example\n"
               "signin.aws\nonly-here.example\nboth.example\n",
    # a curated feed: keeps a host under a popular domain (a hit there becomes a probable list error)
    "feed.txt": "popular-site.com\nphish.popular-site.com\nboth.example\ncurated.example\n",
    "feed-urls.txt": "http://popular-site.com/landing/verify-account\n",
    "popular.txt": "popular-site.com\nwww.another-site.net\n",
}
SOURCES = """
[[list]]
name = "agg"
category = "scam"
path = "agg.txt"
trust = "caution"

[[list]]
name = "feed"
category = "phishing"
path = "feed.txt"

[[list]]
name = "feed-urls"
category = "phishing"
format = "urls"
path = "feed-urls.txt"

[[list]]
name = "popular"
category = "popular"
path = "popular.txt"
"""


@pytest.fixture
def tiered(make_sources: Callable[..., Settings]) -> Settings:
    return make_sources(FILES, SOURCES)


def _check(lists: ListSet, url: str) -> tuple[Level, list[str]]:
    v = lists.check(canonicalize(url))
    return decide(list(v.reasons))[0], [r.code for r in v.reasons]


def test_drops_are_counted_per_source_by_tier(tiered: Settings) -> None:
    rows = {r.name: r for r in status(tiered)}
    agg, feed = rows["agg"], rows["feed"]
    assert (agg.trust, feed.trust) == ("caution", "danger")
    # caution tier: the popular domain, the host under it, the CDN tenant, OCSP and the brand TLD go
    assert agg.dropped_popular == 5 and agg.kept == 2
    # danger tier: only the popular domain itself goes; the host under it stays
    assert feed.dropped_popular == 1 and feed.kept == 3
    assert rows["feed-urls"].kept == 1  # a URL with a path on a popular host is kept


def test_user_list_is_never_dropped_only_marked(tiered: Settings, tmp_path: Path) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("popular-site.com\nmine.example\n", encoding="utf-8")
    add_list(tiered, str(mine), name="mine", category="scam")
    row = {r.name: r for r in status(tiered)}["mine"]
    assert (row.kept, row.marked_popular, row.dropped_popular) == (2, 1, 0)
    lists = ListSet.prepare(tiered)
    level, codes = _check(lists, "https://popular-site.com/")
    assert codes == ["blocklist.scam"] and level is Level.DANGER  # the user's word stands


def test_lone_caution_tier_hit_warns_and_agreement_stops(tiered: Settings) -> None:
    lists = ListSet.prepare(tiered)
    level, codes = _check(lists, "http://only-here.example/")
    assert codes == ["blocklist.scam"] and level is Level.CAUTION
    level, codes = _check(lists, "http://both.example/")
    assert sorted(codes) == ["blocklist.phishing", "blocklist.scam"] and level is Level.DANGER
    assert _check(lists, "http://curated.example/")[0] is Level.DANGER


def test_hit_on_popular_site_is_a_probable_list_error(tiered: Settings) -> None:
    lists = ListSet.prepare(tiered)
    for url in ("http://phish.popular-site.com/", "http://popular-site.com/landing/verify-account"):
        v = lists.check(canonicalize(url))
        assert v.popular and [r.code for r in v.reasons] == ["blocklist.popular_listed"]
        assert "probably a list error" in v.reasons[0].message.en
        assert "很可能是名单有误" in v.reasons[0].message.zh
        assert decide(list(v.reasons))[0] is Level.CAUTION


def test_cli_status_shows_kept_and_dropped(tiered: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    lists_cli.add_parser(parser.add_subparsers(dest="command"))
    assert lists_cli.run(parser.parse_args(["lists", "status"]), tiered.replace(lang="en")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "dropped popular" in lines[0] and "kept" in lines[0]
    agg = next(line.split() for line in lines if line.startswith("agg "))
    assert agg[:5] == ["agg", "scam", "caution", "7", "2"] and agg[5] == "5"
    assert lists_cli.run(parser.parse_args(["lists", "status", "--json"]), tiered) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["lists"] if r["name"] == "agg")
    assert (row["kept"], row["dropped_popular"], row["trust"]) == (2, 5, "caution")


@pytest.mark.parametrize(
    ("name", "infra"),
    [("crlocsp.example.cn", True), ("ocsp.digicert.example", True), ("crl3.ca.example", True),
     ("signin.aws", True), ("cloudfront.net", True), ("d1.cloudfront.net", False),
     ("crleague.example", False), ("paypal-login.example", False)],
)
def test_infrastructure_names(name: str, infra: bool) -> None:
    assert is_infrastructure(name) is infra


def test_bad_trust_value_is_a_config_error(make_sources: Callable[..., Settings]) -> None:
    from scanner.errors import ConfigError

    settings = make_sources(FILES, SOURCES.replace('trust = "caution"', 'trust = "maybe"'))
    with pytest.raises(ConfigError, match="trust"):
        status(settings)


def test_prior_stays_on_without_lists() -> None:
    prior = popular_prior()
    assert len(prior) > 10_000
    bundled = Path(__file__).resolve().parents[2] / "blocklists" / "umbrella_top100k_devhalf.txt"
    top = next(d for d in bundled.read_text(encoding="utf-8").split() if d.count(".") == 1)
    empty = ListSet.empty()
    assert empty.check(canonicalize(f"https://{top}/")).popular
    assert empty.check(canonicalize(f"https://docs.{top}/")).popular
    assert not empty.check(canonicalize("https://surely-not-popular-4821.example/")).popular
    assert not ListSet.empty(prior=False).check(canonicalize(f"https://{top}/")).popular


def test_caution_tier_lists_are_not_hard_blocked_in_the_browser(tiered: Settings) -> None:
    from scanner.lists.manage import rules_for_extension

    block = set(rules_for_extension(tiered, 1000)["block"])
    assert "curated.example" in block and "both.example" in block
    assert "only-here.example" not in block  # the aggregator's hit alone only warns
