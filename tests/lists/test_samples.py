"""Every real sample list in ../shared/eval/urls/blocklists loads, with its entry and malformed counts.

The counts are pinned: a parser change that loses or invents entries shows up here. Skipped when
../shared is absent (a bare clone).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.canonical import canonicalize
from scanner.lists import ListSet
from scanner.lists.formats import decode, parse
from scanner.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "urls" / "blocklists"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="no eval/urls/blocklists in the evaluation data folder (set with --eval)"
)

# file, detected format, block domains, allow domains, URL entries, malformed lines, skipped rules
EXPECTED = [
    ("jarelllama_scams_light_adblock.txt", "adblock", 18254, 0, 0, 0, 0),
    ("jarelllama_scams_light_wildcard.txt", "plain", 18254, 0, 0, 0, 0),
    ("metamask_eth_phishing_detect_config.json", "metamask", 13750, 1138, 0, 2, 0),
    ("openphish_pihole_domains.txt", "plain", 50915, 0, 0, 0, 0),
    ("openphish_ubo_filters.txt", "adblock", 38466, 0, 6618, 11, 0),
    ("phishtank_pihole_domains.txt", "plain", 19550, 0, 0, 0, 0),
    ("polkadot_phishing_all.json", "polkadot", 54863, 29, 2, 0, 0),
    ("tw165_scam_adblock.txt", "adblock", 32032, 0, 0, 15, 1),
    ("umbrella_top100k_devhalf.txt", "plain", 51422, 0, 0, 0, 0),
    ("url_shorteners_active.txt", "plain", 1479, 0, 0, 0, 0),
    ("url_shorteners_inactive.txt", "plain", 1099, 0, 0, 0, 0),
    ("urlhaus-filter-agh.txt", "adblock", 25768, 0, 0, 0, 0),
    ("urlhaus-filter-dnsmasq.conf", "dnsmasq", 2689, 0, 0, 0, 0),
    ("urlhaus-filter-domains.txt", "plain", 25768, 0, 0, 0, 0),
    ("urlhaus-filter-hosts.txt", "hosts", 2689, 0, 0, 0, 0),
    ("urlhaus-filter-online.txt", "adblock", 2854, 0, 3509, 0, 0),
    ("urlhaus-filter-rpz.conf", "rpz", 2689, 0, 0, 0, 0),
    ("urlhaus-filter-unbound.conf", "unbound", 2689, 0, 0, 0, 0),
    ("urlhaus-filter-wildcard.txt", "wildcard", 25768, 0, 0, 0, 0),
    ("urlhaus-filter.txt", "adblock", 25771, 0, 6051, 0, 0),
]


def test_every_sample_file_is_covered() -> None:
    on_disk = {p.name for p in SAMPLES.iterdir() if p.name != "MANIFEST.csv"}
    assert on_disk == {row[0] for row in EXPECTED}


@pytest.mark.parametrize(("name", "fmt", "block", "allow", "urls", "malformed", "skipped"), EXPECTED,
                         ids=[row[0] for row in EXPECTED])
def test_sample_loads_with_counts(
    name: str, fmt: str, block: int, allow: int, urls: int, malformed: int, skipped: int
) -> None:
    p = parse(decode((SAMPLES / name).read_bytes()))
    assert p.format == fmt
    assert (len(p.block), len(p.allow), len(p.url_block), p.malformed, p.skipped) == (
        block, allow, urls, malformed, skipped)


def test_same_data_in_every_urlhaus_dns_format_gives_the_same_domains() -> None:
    sets = [set(parse(decode((SAMPLES / f).read_bytes())).block) for f in (
        "urlhaus-filter-hosts.txt", "urlhaus-filter-dnsmasq.conf", "urlhaus-filter-unbound.conf",
        "urlhaus-filter-rpz.conf")]
    assert sets[0] == sets[1] == sets[2] == sets[3]
    wide = [set(parse(decode((SAMPLES / f).read_bytes())).block) for f in (
        "urlhaus-filter-domains.txt", "urlhaus-filter-wildcard.txt", "urlhaus-filter-agh.txt")]
    assert wide[0] == wide[1] == wide[2]


def test_all_samples_compile_and_platform_roots_stay_unblocked(tmp_path: Path, data_dir: Path) -> None:
    cats = {"umbrella": "popular", "url_shorteners_active": "shortener", "polkadot": "crypto_phishing",
            "metamask": "crypto_phishing", "tw165": "scam", "jarelllama": "scam", "urlhaus": "malware"}
    lines = []
    for i, row in enumerate(EXPECTED):
        name = row[0]
        if name == "url_shorteners_inactive.txt":
            continue
        cat = next((c for k, c in cats.items() if name.startswith(k)), "phishing")
        lines.append(f'[[list]]\nname = "s{i}"\ncategory = "{cat}"\npath = "{SAMPLES / name}"\n')
    (tmp_path / "sources.toml").write_text("\n".join(lines), encoding="utf-8")
    settings = Settings.load(environ={}, data_dir=data_dir, sources_file=tmp_path / "sources.toml")
    ls = ListSet.prepare(settings)
    info = {i["name"]: i for i in ls.lists()}
    assert sum(i["entries"] for i in info.values()) > 350_000
    assert sum(i["suppressed"] for i in info.values()) > 0
    # polkadot's allow section lists hosting platforms: their roots are allowed, never blocked …
    for root in ("pages.dev", "github.io", "vercel.app", "weebly.com", "duckdns.org"):
        v = ls.check(canonicalize(f"https://{root}/"))
        assert not v.reasons, root
    # … and a tenant of them is not allowed by that (it is blocked if listed, else unknown)
    tenant = ls.check(canonicalize("https://some-unlisted-tenant-xyz.pages.dev/"))
    assert not tenant.allowed
