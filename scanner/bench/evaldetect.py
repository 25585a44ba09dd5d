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

from ..canonical import canonicalize
from ..errors import ScannerError
from ..heuristics.page import analyze_html
from ..heuristics.text import text_reasons
from ..heuristics.url import url_reasons
from ..lists import ListSet
from ..models import Level, Reason
from ..verdict import decide


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
    from ..extract import extract_links

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


def _page_html(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def bundled_lists(tmp: Path) -> tuple[ListSet, int]:
    """The bundled lists compiled under ``tmp``, and how many entries were dropped as popular."""
    from ..lists.manage import status
    from ..settings import Settings

    settings = Settings.load(environ={}, data_dir=tmp)
    dropped = sum(r.dropped_popular for r in status(settings))
    return ListSet.load(settings), dropped


def url_model_split() -> list[dict[str, Any]]:
    """The time-split table stored with the shipped URL model (empty when there is no model)."""
    from ..heuristics.urlmodel import load

    m = load()
    return list(m.meta.get("time_split", [])) if m is not None else []


def bench_pages(manifest: Path) -> dict[str, Any]:
    """TPR/FPR, PII precision/recall (overall and per field) and time per page on a pages manifest.

    Same rules as the folder's ``eval_pages.py``. Time is :func:`page_adapter` per page (parse +
    analysis + URL heuristics), each page parsed afresh.
    """
    from ..htmltree import page_view

    man = json.loads(manifest.read_text(encoding="utf-8"))
    base = manifest.parent
    page_adapter("<p>warm-up</p>", "https://warm-up.example/")  # vocabularies load once per process
    tp = fn = fp = tn = 0
    per: dict[str, Counter[str]] = {k: Counter() for k in man.get("pii_fields", [])}
    times: list[float] = []
    for e in man["pages"]:
        html = _page_html(base / e["file"])
        page_view.cache_clear()
        t0 = time.perf_counter()
        out = page_adapter(html, e.get("url", ""))
        times.append((time.perf_counter() - t0) * 1000)
        pos = e["label"] == man.get("warn_expected_for", "harvest")
        tp, fn, fp, tn = (
            tp + (pos and out["warn"]),
            fn + (pos and not out["warn"]),
            fp + (not pos and out["warn"]),
            tn + (not pos and not out["warn"]),
        )
        pred, gold = set(out["pii"]), set(e.get("pii", []))
        for k in pred | gold:
            per.setdefault(k, Counter())["tp" if k in pred & gold else "fp" if k in pred else "fn"] += 1
    ptp, pfp, pfn = (sum(c[x] for c in per.values()) for x in ("tp", "fp", "fn"))
    times.sort()
    return {
        "pages": tp + fn + fp + tn,
        "tpr": _rate(tp, tp + fn),
        "fpr": _rate(fp, fp + tn),
        "pii_precision": _rate(ptp, ptp + pfp),
        "pii_recall": _rate(ptp, ptp + pfn),
        "ms_median": times[len(times) // 2] if times else float("nan"),
        "ms_max": times[-1] if times else float("nan"),
        "by_field": {
            k: {
                "n": c["tp"] + c["fn"],
                "precision": _rate(c["tp"], c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None,
                "recall": _rate(c["tp"], c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None,
            }
            for k, c in per.items()
        },
    }


_TEST_DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
OWN_PAGES = {
    "pages_own": _TEST_DATA / "pages_own" / "manifest.json",
    "pages_later": _TEST_DATA / "pages_blind" / "manifest.json",
}
"""The project's own page sets (a source checkout only), in other coding styles than the dev set:
``pages_own`` written beside the rules; ``pages_later`` written after them (first scored blind,
see docs/heuristics.md)."""


def bench_messages(csv_path: Path) -> dict[str, Any]:
    """TPR/FPR on a ``text,label,source`` CSV (``lure``/``benign``), overall and per source.

    Also the throughput (messages per second of wall time and of CPU time, text and link reasons
    with the text model on) and the model's leave-one-source-out table from its training report.
    """
    from ..heuristics.textmodel import load_model, training_report

    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    tot: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    model_on = load_model() is not None
    t0, c0 = time.perf_counter(), time.process_time()
    for r in rows:
        w = decide(message_reasons(r["text"]))[0].warns
        tot[r["label"]] += 1
        hit[r["label"]] += w
        tot["src:" + r["source"]] += 1
        hit["src:" + r["source"]] += w
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    report = training_report()
    return {
        "rows": len(rows),
        "tpr": _rate(hit["lure"], tot["lure"]),
        "fpr": _rate(hit["benign"], tot["benign"]),
        "model": model_on,
        "messages_per_second": len(rows) / wall if wall else 0.0,
        "messages_per_cpu_second": len(rows) / cpu if cpu else 0.0,
        "by_source": {
            k[4:]: {"n": v, "warned": hit[k], "rate": _rate(hit[k], v)}
            for k, v in sorted(tot.items())
            if k.startswith("src:")
        },
        "loso": report.get("loso", []),
        "model_trained": report.get("trained"),
    }


def bench_detect(
    shared_dir: Path, links_fixtures: Path | None = None, render: bool = False
) -> dict[str, Any]:
    """All issue-6 figures for an evaluation folder laid out as ``urls/`` and ``pages/``, and the
    link-extraction rates (:mod:`scanner.bench.linkbench`; other projects' fixtures when
    ``links_fixtures`` holds them). ``render``: the pages also as headless Chromium builds them
    (``pages_rendered``)."""
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
        if render:
            from .render_pages import bench_pages_rendered

            out["pages_rendered"] = bench_pages_rendered(manifest, page_adapter)
    for key, path in OWN_PAGES.items():
        if path.exists():
            out[key] = bench_pages(path)
    msgs = eval_dir / "pages" / "messages.csv"
    if msgs.exists():
        out["messages"] = bench_messages(msgs)
    from .linkbench import locate_fixtures, measure

    out["links"] = measure(*locate_fixtures(links_fixtures)) if links_fixtures else measure()
    return out


def _page_lines(p: dict[str, Any], name: str) -> list[str]:
    lines = [
        f"{name}: {p['pages']}  TPR {p['tpr']:.3f}  FPR {p['fpr']:.3f}  PII precision "
        f"{p['pii_precision']:.3f}  recall {p['pii_recall']:.3f}  median {p['ms_median']:.1f} ms/page "
        f"(max {p['ms_max']:.1f})"
    ]
    for k, v in p.get("by_field", {}).items():
        prec, rec = (f"{x:.3f}" if x is not None else "-" for x in (v["precision"], v["recall"]))
        lines.append(f"    {k:10s} n={v['n']:3d}  precision={prec}  recall={rec}")
    return lines


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
    for key, name in (
        ("pages", "Pages (dev)"),
        ("pages_own", "Pages (own families, tests/data/pages_own)"),
        ("pages_later", "Pages (written after the rules, tests/data/pages_blind)"),
    ):
        if key in res:
            lines += _page_lines(res[key], name)
    if "pages_rendered" in res:
        from .render_pages import format_rendered

        lines.append(format_rendered(res["pages_rendered"]))
    if "messages" in res:
        m = res["messages"]
        lines.append(
            f"Messages: {m['rows']}  TPR {m['tpr']:.3f}  FPR {m['fpr']:.4f}  (text model "
            f"{'on' if m.get('model') else 'off'}; {m.get('messages_per_second', 0):.0f} messages/s, "
            f"{m.get('messages_per_cpu_second', 0):.0f} per CPU-second)"
        )
        for name, v in m["by_source"].items():
            lines.append(f"    {name:48s} n={v['n']:4d}  warned={v['warned']:4d}  rate={v['rate']:.3f}")
        lines.extend(loso_lines(m.get("loso", []), m.get("model_trained")))
    if "links" in res:
        from .linkbench import format_links

        lines.append(format_links(res["links"]))
    return "\n".join(lines)


def loso_lines(loso: list[dict[str, Any]], trained: str | None) -> list[str]:
    """The text model's leave-one-source-out table (train on the other corpora, score this one)."""
    if not loso:
        return []

    def f(v: Any, d: int = 3) -> str:
        return "-" if v is None else f"{v:.{d}f}"

    out = [
        f"  Text model, leave-one-source-out (trained {trained}; warned = caution or danger;"
        " ham = personal/notice SMS, ad = adverts):",
        f"    {'held-out corpus':20s} {'n':>5s} {'lure':>5s}  {'AUC':>5s}  model TPR/FPRham/FPRad"
        "   rules TPR/FPRham/FPRad   both TPR/FPRham/FPRad",
    ]
    for r in loso:
        line = f"    {r['source']:20s} {r['n']:5d} {r['lure']:5d}  {f(r.get('auc')):>5s}"
        for k in ("model", "rules", "both"):
            line += (
                f"   {f(r.get(k + '_tpr')):>5s}/{f(r.get(k + '_fpr_ham'), 4)}/{f(r.get(k + '_fpr_ad'), 4)}"
            )
        out.append(line)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scanner.evaldetect [SHARED_DIR] [--json]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="lurelens bench detect", description=__doc__.split("\n")[0])
    ap.add_argument("shared_dir", nargs="?", default="../shared", type=Path, metavar="EVAL_DIR",
                    help="the evaluation data folder (its urls/ and pages/)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--links-fixtures", type=Path, help="folder with linkify-it and URLExtract (fetched)")
    ap.add_argument("--render", action="store_true", help="pages also rendered in headless Chromium")
    args = ap.parse_args(argv)
    res = bench_detect(args.shared_dir, args.links_fixtures, render=args.render)
    print(json.dumps(res, indent=1) if args.json else format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
