"""``lurelens bench detect``: the issue-6 detection figures on a labelled evaluation folder.

No network, on:

* URLs (``urls/urls_dev.csv``), three ways: heuristics alone (no lists, no popularity prior:
  :func:`scanner.heuristics.url.url_reasons` with ``popular=False``); lists off with the prior on
  (what ``--no-lists`` gives); and as shipped (bundled lists compiled in a temporary folder, plus
  the prior). Warn = caution or danger; TPR/FPR overall, warned and danger per category and per
  source. Beside them: the URL model's time-split table (from its training, see
  ``scripts/train_url_model.py``) and how many bundled list entries were dropped as popular. The
  bundled popularity list and the dev split's benign rows share a source, so the prior-on figures
  for popular rows are optimistic: the heuristics-alone and time-split figures are the honest ones.
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
from .lists import ListSet
from .models import Level, Reason
from .verdict import decide


def url_warns(url: str) -> bool:
    """The URL-only verdict (lists off, popularity prior off) warns."""
    return url_level(url).warns


def url_level(url: str, lists: ListSet | None = None) -> Level:
    """The URL-only verdict: heuristics alone, or (``lists``) list reasons and the prior as the pipeline
    applies them (an allow match silences, a popular site keeps the heuristics to one light reason)."""
    try:
        cu = canonicalize(url)
    except ScannerError:
        return Level.SAFE
    reasons: list[Reason] = []
    popular = False
    if lists is not None:
        v = lists.check(cu)
        if v.allowed:
            return Level.SAFE
        reasons.extend(v.reasons)
        popular = v.popular
    reasons.extend(url_reasons(cu, popular=popular))
    return decide(reasons)[0]


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


def bench_urls(csv_path: Path, lists: ListSet | None = None) -> dict[str, Any]:
    """TPR/FPR of the URL verdict (see :func:`url_level`) on a ``url,label,source,category,…`` CSV."""
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    tot: Counter[tuple[str, str]] = Counter()
    hit: Counter[tuple[str, str]] = Counter()
    danger: Counter[tuple[str, str]] = Counter()
    t0 = time.perf_counter()
    for r in rows:
        level = url_level(r["url"], lists)
        for key in (("label", r["label"]), ("category", r["category"]), ("source", r["source"])):
            tot[key] += 1
            hit[key] += level.warns
            danger[key] += level is Level.DANGER
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
        out["by_" + kind][name] = {"n": n, "warned": hit[(kind, name)], "rate": _rate(hit[(kind, name)], n),
                                   "danger": danger[(kind, name)]}
    return out


def bundled_lists(tmp: Path) -> tuple[ListSet, int]:
    """The bundled lists compiled under ``tmp``, and how many entries were dropped as popular."""
    from .lists.manage import status
    from .settings import Settings

    settings = Settings.load(environ={}, data_dir=tmp)
    dropped = sum(r.dropped_popular for r in status(settings))
    return ListSet.load(settings), dropped


def url_model_split() -> list[dict[str, Any]]:
    """The time-split table stored with the shipped URL model (empty when there is no model)."""
    from .heuristics.urlmodel import load

    m = load()
    return list(m.meta.get("time_split", [])) if m is not None else []


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


def bench_detect(shared_dir: Path) -> dict[str, Any]:
    """All issue-6 figures for an evaluation folder laid out as ``urls/`` and ``pages/``."""
    eval_dir = shared_dir / "eval" if (shared_dir / "eval").is_dir() else shared_dir
    out: dict[str, Any] = {}
    urls = eval_dir / "urls" / "urls_dev.csv"
    if urls.exists():
        import tempfile

        out["urls"] = bench_urls(urls)
        out["urls_prior"] = bench_urls(urls, ListSet.empty())
        with tempfile.TemporaryDirectory(prefix="lurelens-bench-") as tmp:
            lists, dropped = bundled_lists(Path(tmp))
            out["urls_lists"] = bench_urls(urls, lists)
            out["urls_lists"]["bundled_dropped_popular"] = dropped
            del lists
        out["url_model_time_split"] = url_model_split()
    manifest = eval_dir / "pages" / "manifest.json"
    if manifest.exists():
        out["pages"] = bench_pages(manifest)
    msgs = eval_dir / "pages" / "messages.csv"
    if msgs.exists():
        out["messages"] = bench_messages(msgs)
    return out


def format_report(res: dict[str, Any]) -> str:
    """The figures as plain text."""
    lines: list[str] = []
    titles = (("urls", "heuristics alone: lists off, popularity prior off"),
              ("urls_prior", "lists off (--no-lists), popularity prior on"),
              ("urls_lists", "as shipped: bundled lists and popularity prior on"))
    for key, title in titles:
        if key not in res:
            continue
        u = res[key]
        lines.append(
            f"URLs ({title}): {u['rows']} rows  TPR {u['tpr']:.3f}  FPR {u['fpr']:.4f}"
            f"  ({u['urls_per_second']:.0f} URLs/s incl. parsing)"
        )
        if "bundled_dropped_popular" in u:
            lines.append(f"  bundled list entries dropped as popular: {u['bundled_dropped_popular']}")
        for kind in ("by_category", "by_source"):
            lines.append(f"  {kind[3:]}:")
            for name, v in u[kind].items():
                lines.append(f"    {name:32s} n={v['n']:5d}  warned={v['warned']:5d}  rate={v['rate']:.3f}"
                             f"  danger={v.get('danger', 0):5d}")
    if res.get("url_model_time_split"):
        lines.append("URL model, time split (its training data, not this folder): warned at held-out "
                     "benign FPR 2% / 0.5% / 0.1%")
        for r in res["url_model_time_split"]:
            cells = "  ".join("     -" if r.get(k) is None else f"{r[k]:6.3f}"
                              for k in ("low", "mid", "high"))
            lines.append(f"    {r['set']:40s} n={r['n']:6d}  {cells}")
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
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scanner.evaldetect [SHARED_DIR] [--json]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="lurelens bench detect", description=__doc__.split("\n")[0])
    ap.add_argument("shared_dir", nargs="?", default="../shared", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = bench_detect(args.shared_dir)
    print(json.dumps(res, indent=1) if args.json else format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
