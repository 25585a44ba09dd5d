#!/usr/bin/env python3
"""Train the small character n-gram model behind the ``url.ngram_label`` heuristic.

What it learns: how the name a site owner registered (the label left of the public suffix, e.g.
``paypal-verify`` in ``paypal-verify.top``) is spelled on phishing/scam lists versus on a DNS
popularity list. A naive-Bayes log-likelihood ratio per character 2–4-gram, averaged over the
label; only the ``--keep`` most frequent n-grams are written.

Data sources (public, permissively licensed; pass the folder that holds them with ``--lists``):

* malicious — ``phishtank_pihole_domains.txt`` (Zaczero/pihole-phishtank, MIT),
  ``tw165_scam_adblock.txt`` (houboyjacky/Ad-Malicious-Scams-Boring-Farm-Filter, MIT, Taiwan
  NPA 165 open data), ``polkadot_phishing_all.json`` (polkadot-js/phishing, Apache-2.0),
  ``urlhaus-filter-domains.txt`` (curbengh/urlhaus-filter, CC0), ``metamask_eth_phishing_detect_config.json``
  (npm eth-phishing-detect 1.2.0, "DBAD");
* benign — ``umbrella_top100k_devhalf.txt`` (Cisco Umbrella top-1M, top 100k, described as free of charge).

Held-out-style validation: every registrable domain that occurs in ``--exclude`` (a labelled CSV
with a ``url`` column, e.g. the dev evaluation split) is removed from training, so measuring the
heuristics on that CSV afterwards (``python -m scanner.evaldetect``) is measuring on unseen names.
Tenant names on hosting platforms (``scanner/data/platforms.txt``) are skipped: the platform
heuristic covers them. Runs offline; writes ``scanner/data/url_ngram.json``.

Usage: python scripts/train_url_model.py --lists DIR [--exclude CSV] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.canonical import domain_parts  # noqa: E402
from scanner.heuristics.url import NGRAM_SIZES, label_ngrams, platforms  # noqa: E402

_HOST = re.compile(r"^[a-z0-9][a-z0-9.\-]*\.[a-z]{2,}$")


def _hosts_plain(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip().lower()
        if not line or line[0] in "#!":
            continue
        if line.startswith("||"):
            line = line[2:].split("^", 1)[0]
        line = line.split()[-1] if " " in line else line
        line = line.lstrip("*.").rstrip(".")
        if _HOST.match(line):
            out.append(line)
    return out


def _hosts_json(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.get("deny") or data.get("blacklist") or []
    return [h.lower() for h in items if isinstance(h, str) and _HOST.match(h.lower())]


def _label(host: str, plats: dict[str, str]) -> str | None:
    labels = host.split(".")
    if any(".".join(labels[i:]) in plats for i in range(1, len(labels))):
        return None
    reg, suffix, private = domain_parts(host)
    if private or not suffix:
        return None
    return reg[: -len(suffix) - 1] if reg.endswith("." + suffix) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lists", type=Path, required=True)
    ap.add_argument("--exclude", type=Path, action="append", default=[])
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "scanner/data/url_ngram.json"
    )
    ap.add_argument("--keep", type=int, default=40000)
    args = ap.parse_args(argv)

    plats = platforms()
    excluded: set[str] = set()
    for ex in args.exclude:
        for row in csv.DictReader(ex.open(encoding="utf-8")):
            m = re.match(r"^[a-z]+://([^/:?#]+)", row["url"].lower())
            if m:
                excluded.add(domain_parts(m.group(1))[0])

    mal_files = ["phishtank_pihole_domains.txt", "tw165_scam_adblock.txt", "urlhaus-filter-domains.txt"]
    mal_hosts: list[str] = []
    for name in mal_files:
        mal_hosts += _hosts_plain(args.lists / name)
    for name in ["polkadot_phishing_all.json", "metamask_eth_phishing_detect_config.json"]:
        mal_hosts += _hosts_json(args.lists / name)
    ben_hosts = _hosts_plain(args.lists / "umbrella_top100k_devhalf.txt")

    def labels(hosts: list[str]) -> set[str]:
        out = set()
        for h in hosts:
            if domain_parts(h)[0] in excluded:
                continue
            lab = _label(h, plats)
            if lab and not lab.replace("-", "").isdigit():
                out.add(lab)
        return out

    mal, ben = labels(mal_hosts), labels(ben_hosts)
    ben -= mal
    counts = {"mal": Counter[str](), "ben": Counter[str]()}
    for name, group in (("mal", mal), ("ben", ben)):
        for lab in group:
            counts[name].update(set(label_ngrams(lab)))
    n_mal, n_ben = len(mal), len(ben)
    vocab = [g for g, _ in (counts["mal"] + counts["ben"]).most_common(args.keep)]
    # Per-n-gram log-likelihood ratio of document frequencies, add-one smoothed.
    llr = {
        g: round(
            math.log((counts["mal"][g] + 1) / (n_mal + 2)) - math.log((counts["ben"][g] + 1) / (n_ben + 2)), 2
        )
        for g in vocab
    }
    model = {
        "about": "char n-gram log-likelihood ratios of registered labels; see scripts/train_url_model.py",
        "sizes": list(NGRAM_SIZES),
        "trained_on": {"malicious_labels": n_mal, "benign_labels": n_ben, "excluded_domains": len(excluded)},
        "prior": round(math.log(n_mal / n_ben), 3),
        "llr": llr,
    }
    args.out.write_text(json.dumps(model, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    print(
        f"malicious labels {n_mal}, benign labels {n_ben}, excluded domains {len(excluded)}, "
        f"n-grams kept {len(llr)} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
