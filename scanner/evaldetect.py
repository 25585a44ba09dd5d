"""``lurelens bench detect``: the issue-6 detection figures on a labelled evaluation folder.

Heuristics alone — no blocklists, no popular-domain allowlist, no network — on:

* URLs (``urls/urls_dev.csv``): warn = the verdict of :func:`scanner.heuristics.url.url_reasons`
  (``popular=False``) is caution or danger; TPR/FPR overall, per category and per source.
* Pages (``pages/manifest.json``): :func:`page_adapter` is the ``MODULE:FUNCTION`` the folder's
  ``eval_pages.py`` scorer calls (``f(html, url) -> {"warn", "pii"}``); this module computes the
  same figures itself.
* Messages (``pages/messages.csv``): text reasons plus URL reasons of the links in the text.

Nothing here knows any item of the evaluation sets; it only reads and counts.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .canonical import canonicalize
from .errors import ScannerError
from .heuristics.page import analyze_html
from .heuristics.text import text_reasons
from .heuristics.url import url_reasons
from .models import Reason
from .verdict import decide


def url_warns(url: str) -> bool:
    """The URL-only verdict (lists off, popularity prior off) warns."""
    try:
        cu = canonicalize(url)
    except ScannerError:
        return False
    return decide(url_reasons(cu, popular=False))[0].warns


def message_reasons(text: str) -> list[Reason]:
    """Reasons for a pasted message: its words plus the heuristics of the links in it."""
    from .extract import extract_links

    out = text_reasons(text)
    for link in extract_links(text, limit=5):
        try:
            out.extend(url_reasons(canonicalize(link.url)))
        except ScannerError:
            continue
    return out


def page_adapter(html: str, url: str) -> dict[str, Any]:
    """The function ``eval_pages.py`` calls: ``{"warn": bool, "pii": [...], "level", "score", "reasons"}``."""
    f = analyze_html(html, url)
    reasons = list(f.reasons)
    try:
        reasons.extend(url_reasons(canonicalize(url)))
    except ScannerError:
        pass
    level, score = decide(reasons, pii=f.pii)
    return {
        "warn": level.warns,
        "pii": list(f.pii),
        "level": level.value,
        "score": score,
        "reasons": [r.code for r in reasons],
    }


def _rate(hit: int, n: int) -> float:
    return hit / n if n else float("nan")


def bench_urls(csv_path: Path) -> dict[str, Any]:
    """TPR/FPR of the URL heuristics on a ``url,label,source,category,…`` CSV."""
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    tot: Counter[tuple[str, str]] = Counter()
    hit: Counter[tuple[str, str]] = Counter()
    t0 = time.perf_counter()
    for r in rows:
        w = url_warns(r["url"])
        for key in (("label", r["label"]), ("category", r["category"]), ("source", r["source"])):
            tot[key] += 1
            hit[key] += w
    secs = time.perf_counter() - t0
    out: dict[str, Any] = {
        "rows": len(rows),
        "tpr": _rate(hit[("label", "malicious")], tot[("label", "malicious")]),
        "fpr": _rate(hit[("label", "benign")], tot[("label", "benign")]),
        "urls_per_second": len(rows) / secs if secs else 0.0,
        "by_category": {},
        "by_source": {},
    }
    for (kind, name), n in sorted(tot.items()):
        if kind == "label":
            continue
        out["by_" + kind][name] = {"n": n, "warned": hit[(kind, name)], "rate": _rate(hit[(kind, name)], n)}
    return out


def bench_pages(manifest: Path) -> dict[str, Any]:
    """TPR/FPR and PII precision/recall on a pages manifest (same rules as its eval_pages.py)."""
    man = json.loads(manifest.read_text(encoding="utf-8"))
    base = manifest.parent
    tp = fn = fp = tn = 0
    ptp = pfp = pfn = 0
    for e in man["pages"]:
        raw = (base / e["file"]).read_bytes()
        try:
            html = raw.decode("utf-8")
        except UnicodeDecodeError:
            html = raw.decode("gb18030", errors="replace")
        out = page_adapter(html, e.get("url", ""))
        pos = e["label"] == man.get("warn_expected_for", "harvest")
        if pos and out["warn"]:
            tp += 1
        elif pos:
            fn += 1
        elif out["warn"]:
            fp += 1
        else:
            tn += 1
        pred, gold = set(out["pii"]), set(e.get("pii", []))
        ptp += len(pred & gold)
        pfp += len(pred - gold)
        pfn += len(gold - pred)
    return {
        "pages": tp + fn + fp + tn,
        "tpr": _rate(tp, tp + fn),
        "fpr": _rate(fp, fp + tn),
        "pii_precision": _rate(ptp, ptp + pfp),
        "pii_recall": _rate(ptp, ptp + pfn),
    }


def bench_messages(csv_path: Path) -> dict[str, Any]:
    """TPR/FPR on a ``text,label,source`` CSV (``lure``/``benign``), overall and per source."""
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    tot: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    for r in rows:
        w = decide(message_reasons(r["text"]))[0].warns
        tot[r["label"]] += 1
        hit[r["label"]] += w
        tot["src:" + r["source"]] += 1
        hit["src:" + r["source"]] += w
    return {
        "rows": len(rows),
        "tpr": _rate(hit["lure"], tot["lure"]),
        "fpr": _rate(hit["benign"], tot["benign"]),
        "by_source": {
            k[4:]: {"n": v, "warned": hit[k], "rate": _rate(hit[k], v)}
            for k, v in sorted(tot.items())
            if k.startswith("src:")
        },
    }


def bench_detect(shared_dir: Path, links_fixtures: Path | None = None) -> dict[str, Any]:
    """All issue-6 figures for an evaluation folder laid out as ``urls/`` and ``pages/``, and the
    link-extraction rates (:mod:`scanner.linkbench`; other projects' fixtures when
    ``links_fixtures`` holds them)."""
    eval_dir = shared_dir / "eval" if (shared_dir / "eval").is_dir() else shared_dir
    out: dict[str, Any] = {}
    urls = eval_dir / "urls" / "urls_dev.csv"
    if urls.exists():
        out["urls"] = bench_urls(urls)
    manifest = eval_dir / "pages" / "manifest.json"
    if manifest.exists():
        out["pages"] = bench_pages(manifest)
    msgs = eval_dir / "pages" / "messages.csv"
    if msgs.exists():
        out["messages"] = bench_messages(msgs)
    from .bench.linkbench import locate_fixtures, measure

    out["links"] = measure(*locate_fixtures(links_fixtures)) if links_fixtures else measure()
    return out


def format_report(res: dict[str, Any]) -> str:
    """The figures as plain text."""
    lines: list[str] = []
    if "urls" in res:
        u = res["urls"]
        lines.append(
            f"URLs (heuristics alone, lists off): {u['rows']} rows  TPR {u['tpr']:.3f}  FPR {u['fpr']:.4f}"
            f"  ({u['urls_per_second']:.0f} URLs/s incl. parsing)"
        )
        for kind in ("by_category", "by_source"):
            lines.append(f"  {kind[3:]}:")
            for name, v in u[kind].items():
                lines.append(f"    {name:32s} n={v['n']:5d}  warned={v['warned']:5d}  rate={v['rate']:.3f}")
    if "pages" in res:
        p = res["pages"]
        lines.append(
            f"Pages: {p['pages']}  TPR {p['tpr']:.3f}  FPR {p['fpr']:.3f}  PII precision "
            f"{p['pii_precision']:.3f}  recall {p['pii_recall']:.3f}"
        )
    if "messages" in res:
        m = res["messages"]
        lines.append(f"Messages: {m['rows']}  TPR {m['tpr']:.3f}  FPR {m['fpr']:.4f}")
        for name, v in m["by_source"].items():
            lines.append(f"    {name:48s} n={v['n']:4d}  warned={v['warned']:4d}  rate={v['rate']:.3f}")
    if "links" in res:
        from .bench.linkbench import format_links

        lines.append(format_links(res["links"]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scanner.evaldetect [SHARED_DIR] [--json]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="lurelens bench detect", description=__doc__.split("\n")[0])
    ap.add_argument("shared_dir", nargs="?", default="../shared", type=Path, metavar="EVAL_DIR",
                    help="the evaluation data folder (its urls/ and pages/)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--links-fixtures", type=Path, help="folder with linkify-it and URLExtract (fetched)")
    args = ap.parse_args(argv)
    res = bench_detect(args.shared_dir, args.links_fixtures)
    print(json.dumps(res, indent=1) if args.json else format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
