#!/usr/bin/env python3
"""Train the offline URL model (``scanner/data/url_model.npz``) with a time split, and print the table.

Data (public; nothing from an evaluation set is trained on):

* malicious, dated — the *first commit* that added each host to a feed repository's list, read from
  its git history up to ``--cutoff`` (2026-05-31; later commits are reserved and never read):
  Zaczero/pihole-phishtank ``hosts.txt`` (MIT; PhishTank data), invisiblethreat/openphish-pihole
  ``openphish.txt`` (OpenPhish community feed), houboyjacky/Ad-Malicious-Scams-Boring-Farm-Filter
  ``ScamSiteGetFromTaiwan165.txt`` (MIT; Taiwan NPA 165 open data). Pass each as
  ``--feed NAME=GITDIR:PATH`` (a bare git directory, e.g. a mirror).
* malicious, snapshots — lists with one publication date (``--snapshot NAME=FILE``): polkadot-js
  phishing ``all.json`` (2026-02-03), MetaMask eth-phishing-detect 1.2.0 (2024-12-09), jarelllama
  scams light (2025-04-13), urlhaus-filter domains (2025-07-19). Their entries carry no first-seen
  date, so they are used for training only, never in the dated test.
* benign (``--benign``, repeatable) — the Umbrella top-100k file bundled with the product
  (2026-07-24, the one popularity snapshot after 2026-06-30 the data rules allow) and
  felixonmars/dnsmasq-china-list ``accelerated-domains.china.conf`` at its last commit before
  2026-06-30 (WTFPL; domains served from mainland China: the Chinese names Umbrella has few of;
  it leaves out ``.cn`` by design, so the ``.cn`` ending weights are zeroed after fitting — see
  ``NEUTRAL_ENDINGS``; ``--names-only`` instead drops all of its endings, which measured worse),
  split 80/20 by a hash of the registrable domain: the 20 % never trains and sets the thresholds.

Every registrable domain of ``--exclude`` CSVs (the dev evaluation split) is removed first.

The time split: train on malicious hosts first seen before ``--split`` (2026-01-01) plus the
snapshots (minus any registrable domain of the test period), test on hosts first seen from
``--split`` to ``--cutoff``. The table gives TPR per feed at the thresholds where the held-out benign
names warn 2 %, 0.5 % and 0.1 % (each threshold set on the benign source where it is highest). The
shipped model is then refitted on every malicious host up to the cutoff (same benign 80 %, same
settings) and its thresholds set on the same benign 20 %.

Needs the ``train`` extra (scikit-learn). Usage::

    python scripts/train_url_model.py --feed phishtank=DIR:hosts.txt --feed openphish=DIR:openphish.txt \
        --feed tw165=DIR:ScamSiteGetFromTaiwan165.txt --snapshot polkadot=FILE ... \
        --benign umbrella_top100k_devhalf.txt --exclude urls_dev.csv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from scanner.canonical import domain_parts as _domain_parts  # noqa: E402
from scanner.heuristics import urlmodel as um  # noqa: E402

domain_parts = cache(_domain_parts)  # a million feed hosts, each asked about several times

_HOST = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,252}\.[a-z][a-z0-9\-]{1,62}$")
FPRS = (0.02, 0.005, 0.001)


def host_of(line: str) -> str | None:
    """The host of a list line (plain, hosts, adblock ``||x^``, ``*.x``); ``None`` for comments."""
    line = line.strip().lower()
    if not line or line[0] in "#!":
        return None
    if line.startswith(("server=/", "address=/")):  # dnsmasq
        line = line.split("/")[1]
    if line.startswith("||"):
        line = line[2:].split("^", 1)[0]
    line = line.split()[-1] if " " in line else line
    line = line.split("/", 1)[0].lstrip("*.").rstrip(".")
    return line if _HOST.match(line) else None


def first_seen(gitdir: str, path: str, cutoff: str) -> dict[str, str]:
    """Host → date of the first commit (up to ``cutoff``) whose diff added it."""
    cmd = ["git", "--git-dir", gitdir, "log", "--reverse", f"--before={cutoff}T23:59:59Z", "-p", "-U0",
           "--no-renames", "--format=@@C %cI", "--", path]
    out: dict[str, str] = {}
    day = ""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("@@C "):
                day = line[4:14]
            elif line.startswith("+") and not line.startswith("+++"):
                h = host_of(line[1:])
                if h and h not in out:
                    out[h] = day
    return out


def snapshot_hosts(path: Path) -> list[str]:
    """Hosts of a plain/adblock list or a polkadot/MetaMask JSON file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        data = json.loads(text)
        items = data.get("deny") or data.get("blacklist") or []
        return [h for h in (host_of(x) for x in items if isinstance(x, str)) if h]
    return [h for h in map(host_of, text.splitlines()) if h]


@cache
def _platform_root(host: str) -> str | None:
    from scanner.heuristics.url import platforms

    labels = host.split(".")
    plats = platforms()
    return next((".".join(labels[i:]) for i in range(1, len(labels) - 1) if ".".join(labels[i:]) in plats),
                None)


def view(host: str) -> um.HostView:
    reg, suffix, _private = domain_parts(host)
    return um.host_view(host, reg, suffix, _platform_root)


def _hash_test(reg: str) -> bool:
    return hashlib.sha1(reg.encode()).digest()[0] < 52  # ~20 %


NAMES_ONLY: set[str] = set()
"""Benign hosts whose names train but whose endings do not: the regional list (dnsmasq-china-list)
leaves out ``.cn`` by design, so its endings would teach that ``.cn`` is rare among real sites."""


def matrix(hosts: list[str]) -> object:
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, h in enumerate(hosts):
        skip = ("ending",) if h in NAMES_ONLY else ()
        idx = {um.index_of(f) for f, part in um.features(view(h)) if part not in skip}
        rows.extend([i] * len(idx))
        cols.extend(idx)
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(hosts), 1 << um.DIM_BITS))


def fit(mal: list[str], ben: list[str], c: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x = matrix(mal + ben)
    y = np.array([1] * len(mal) + [0] * len(ben))
    clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=200)
    clf.fit(x, y)
    w = clf.coef_[0].astype(np.float32)
    w[um.index_of("bias")] += np.float32(clf.intercept_[0])
    for f in NEUTRAL_ENDINGS:
        w[um.index_of(f)] = 0.0
    return w


NEUTRAL_ENDINGS = ("e:cn", "tld:cn", "e:com.cn", "e:net.cn", "e:org.cn", "e:gov.cn", "e:edu.cn")
"""Ending features set to 0 after fitting: dnsmasq-china-list leaves out ``.cn`` by design (its
users resolve the whole TLD apart), so against it ``.cn`` would look rare among real sites — an
artifact of the list, not a property of Chinese names. The model then judges a ``.cn`` host by its
name alone."""


def probs(w: np.ndarray, hosts: list[str]) -> np.ndarray:
    m = um.Model(w, {}, {})
    return np.array([um.raw_score(m, um.features(view(h)))[0] for h in hosts])


def thresholds(ben_p: np.ndarray) -> dict[str, float]:
    q = np.sort(ben_p)
    return {name: float(q[min(len(q) - 1, int(len(q) * (1 - f)))]) + 1e-6
            for name, f in zip(("low", "mid", "high"), FPRS, strict=True)}


def dedupe(hosts: list[str], per: int = 2) -> list[str]:
    """At most ``per`` hosts per owner-chosen name (a feed lists hundreds of one kit's subdomains)."""
    seen: Counter[tuple[str, str]] = Counter()
    out = []
    for h in hosts:
        v = view(h)
        key = (v.name, v.ending)
        if seen[key] < per:
            seen[key] += 1
            out.append(h)
    return out


def _thin(dated: dict[str, str], limit: int) -> dict[str, str]:
    """At most 2 hosts per last-three-labels group, then a seeded sample of ``limit`` (bounded time)."""
    import random

    seen: Counter[str] = Counter()
    out = {}
    for h, d in dated.items():
        key = ".".join(h.split(".")[-3:])
        if seen[key] < 2:
            seen[key] += 1
            out[h] = d
    if len(out) > limit:
        keys = sorted(out)
        random.Random(15).shuffle(keys)
        out = {k: out[k] for k in keys[:limit]}
    return out


def load(args: argparse.Namespace) -> tuple[dict[str, dict[str, str]], list[str], dict[str, str], set[str]]:
    excluded: set[str] = set()
    for ex in args.exclude:
        for row in csv.DictReader(ex.open(encoding="utf-8")):
            m = re.match(r"^[a-z]+://([^/:?#]+)", row["url"].lower())
            if m:
                excluded.add(domain_parts(m.group(1))[0])
    feeds: dict[str, dict[str, str]] = {}
    for spec in args.feed:
        name, rest = spec.split("=", 1)
        gitdir, path = rest.rsplit(":", 1)
        t0 = time.time()
        cached = args.cache / f"{name}-{args.cutoff}.json" if args.cache else None
        if cached is not None and cached.is_file():
            feeds[name] = json.loads(cached.read_text(encoding="utf-8"))
        else:
            feeds[name] = first_seen(gitdir, path, args.cutoff)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps(feeds[name]), encoding="utf-8")
        feeds[name] = _thin(feeds[name], args.max_per_feed)
        print(f"# {name}: {len(feeds[name])} hosts dated from git history ({time.time() - t0:.0f} s)",
              file=sys.stderr)
    snap: list[str] = []
    for spec in args.snapshot:
        snap += list(_thin(dict.fromkeys(snapshot_hosts(Path(spec.split("=", 1)[1])), ""), 20000))
    ben: dict[str, str] = {}
    for f in args.benign:
        for h in map(host_of, f.read_text(encoding="utf-8").splitlines()):
            if h:
                ben.setdefault(h, f.stem)
    for f in args.names_only:
        for h in map(host_of, f.read_text(encoding="utf-8").splitlines()):
            if h and h not in ben:
                ben[h] = f.stem
                NAMES_ONLY.add(h)
    return feeds, snap, ben, excluded


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feed", action="append", default=[], help="NAME=GITDIR:PATH")
    ap.add_argument("--snapshot", action="append", default=[], help="NAME=FILE")
    ap.add_argument("--benign", type=Path, action="append", required=True)
    ap.add_argument("--names-only", type=Path, action="append", default=[],
                    help="benign list whose names train but whose endings do not (a regional list)")
    ap.add_argument("--exclude", type=Path, action="append", default=[])
    ap.add_argument("--split", default="2026-01-01")
    ap.add_argument("--cutoff", default="2026-05-31")
    ap.add_argument("--c", type=float, default=0.5)
    ap.add_argument("--cache", type=Path, default=None, help="keep the dated feed hosts here between runs")
    ap.add_argument("--max-per-feed", type=int, default=60000)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "scanner/data/url_model.npz")
    args = ap.parse_args(argv)
    feeds, snap, ben_all, excluded = load(args)

    def reg(h: str) -> str:
        return domain_parts(h)[0]

    ben_regs = {reg(h) for h in ben_all}
    ben_all = {h: src for h, src in ben_all.items()}
    mal_regs = {reg(h) for f in feeds.values() for h in f} | {reg(h) for h in snap}
    ben = [h for h in ben_all if reg(h) not in excluded and reg(h) not in mal_regs]
    ben_train = dedupe([h for h in ben if not _hash_test(reg(h))], 3)
    ben_test = dedupe([h for h in ben if _hash_test(reg(h))], 3)

    def usable(h: str) -> bool:  # a popular domain's host on a feed is a list error or a platform root
        r = reg(h)
        return r not in excluded and (r not in ben_regs or _platform_root(h) is not None)

    test: dict[str, list[str]] = defaultdict(list)
    train: list[str] = []
    for name, dated in feeds.items():
        for h, day in dated.items():
            if usable(h):
                (test[name] if day >= args.split else train).append(h)
    test_regs = {reg(h) for hs in test.values() for h in hs}
    train += [h for h in snap if usable(h) and reg(h) not in test_regs]
    train = dedupe(list(dict.fromkeys(h for h in train if reg(h) not in test_regs)))
    for k in list(test):
        test[k] = dedupe(test[k])
    test["own domain (all feeds)"] = [h for k in list(test) for h in test[k]
                                      if _platform_root(h) is None and not domain_parts(h)[2]]

    t0 = time.time()
    w = fit(train, ben_train, args.c)
    print(f"# time split: trained on {len(train)} malicious (first seen < {args.split}) + "
          f"{len(ben_train)} benign in {time.time() - t0:.0f} s", file=sys.stderr)
    th = thresholds_by_source(w, ben_test, ben_all)
    table = split_table(w, test, ben_test, th, ben_all)
    print(format_table(table, args.split, args.cutoff))

    all_mal = dedupe(list(dict.fromkeys(train + [h for k, hs in test.items() if "own" not in k for h in hs])))
    w = fit(all_mal, ben_train, args.c)
    th = thresholds_by_source(w, ben_test, ben_all)
    meta = {"about": "hashed logistic regression over host parts; scripts/train_url_model.py",
            "dim_bits": um.DIM_BITS, "thresholds": th, "split": args.split, "cutoff": args.cutoff,
            "trained_on": {"malicious": len(all_mal), "benign": len(ben_train),
                           "excluded_domains": len(excluded)},
            "time_split": table}
    np.savez_compressed(args.out, weights=w.astype(np.float16),
                        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    print(f"# shipped: {len(all_mal)} malicious + {len(ben_train)} benign -> {args.out}", file=sys.stderr)
    return 0


def thresholds_by_source(w: np.ndarray, ben_test: list[str], source: dict[str, str]) -> dict[str, float]:
    """Each threshold at its FPR on the *hardest* benign source (a popularity list's names are
    harder than a regional list's: calibrating on the mix would warn more on popular sites)."""
    names = sorted(set(source.values()))
    per = [thresholds(probs(w, [h for h in ben_test if source[h] == s])) for s in names]
    return {k: max(t[k] for t in per) for k in per[0]}


def split_table(w: np.ndarray, test: dict[str, list[str]], ben_test: list[str],
                th: dict[str, float], source: dict[str, str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    bens = [(f"benign held-out: {s}", [h for h in ben_test if source[h] == s])
            for s in sorted(set(source.values()))]
    for name, hosts in [*sorted(test.items()), *bens]:
        p = probs(w, hosts)
        rows.append({"set": name, "n": len(hosts),
                     **{k: round(float((p >= th[k]).mean()), 4) if len(p) else None for k in th}})
    return rows


def format_table(rows: list[dict[str, object]], split: str, cutoff: str) -> str:
    head = f"Time split: train < {split}, test {split} .. {cutoff}; warn rate at held-out benign FPR"
    lines = [head, f"  {'set':40s} {'n':>6s}  {'@2%':>6s}  {'@0.5%':>6s}  {'@0.1%':>6s}"]
    for r in rows:
        lines.append(f"  {r['set']:40s} {r['n']:6d}  " + "  ".join(
            f"{r[k]:6.3f}" if r[k] is not None else "     -" for k in ("low", "mid", "high")))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
