"""The rendered half of ``lurelens bench detect``'s pages section (``--render``; docs/rendering.md).

Every page of a ``pages/manifest.json`` is read twice — statically
(:func:`scanner.bench.evaldetect.page_adapter`) and as headless Chromium builds it
(:func:`scanner.pagerender.render_findings`, offline: nothing fetched) — and scored the same way,
so the two sets of figures sit side by side, overall and per group of the manifest (synthetic pages
vs real captures: the renderer is not tuned on either, so the groups show how it carries over).
Nothing here knows any item of the evaluation set; it only reads and counts.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..settings import Settings

__all__ = ["bench_pages_rendered", "format_rendered"]


def _rendered_adapter(settings: Settings, session: Any) -> Callable[[str, str], dict[str, Any]]:
    from ..canonical import canonicalize
    from ..errors import ScannerError
    from ..heuristics.url import url_reasons
    from ..pagerender import render_findings
    from ..verdict import decide

    def adapt(html: str, url: str) -> dict[str, Any]:
        findings, notices, rendering = render_findings(html, url, settings, session=session)
        reasons = [*findings.reasons, *notices]
        try:
            reasons.extend(url_reasons(canonicalize(url)))
        except ScannerError:
            pass
        level, _ = decide(reasons, pii=findings.pii)
        cut = rendering.cut if rendering is not None else "unavailable"
        page_s = rendering.page_seconds if rendering is not None else float("nan")
        return {"warn": level.warns, "pii": list(findings.pii), "cut": cut, "page_seconds": page_s}

    return adapt


def _score(rows: list[tuple[bool, bool, set[str], set[str]]]) -> dict[str, Any]:
    """TPR/FPR and PII precision/recall of ``(positive, warned, predicted pii, gold pii)`` rows."""
    pos = [w for p, w, _, _ in rows if p]
    neg = [w for p, w, _, _ in rows if not p]
    tp = sum(len(pr & g) for _, _, pr, g in rows)
    fp = sum(len(pr - g) for _, _, pr, g in rows)
    fn = sum(len(g - pr) for _, _, pr, g in rows)
    nan = float("nan")
    return {
        "pages": len(rows),
        "tpr": sum(pos) / len(pos) if pos else nan,
        "fpr": sum(neg) / len(neg) if neg else nan,
        "pii_precision": tp / (tp + fp) if tp + fp else nan,
        "pii_recall": tp / (tp + fn) if tp + fn else nan,
    }


def bench_pages_rendered(
    manifest: Path, static: Callable[[str, str], dict[str, Any]], settings: Settings | None = None
) -> dict[str, Any]:
    """Rendered vs static figures on a pages manifest, with seconds per rendered page; ``static`` is
    the static reading's adapter (``evaldetect.page_adapter``), handed in by its caller.

    One browser serves every page (a fresh context each): the seconds are per page with Chromium
    already running; the first page's figure includes its start.
    """
    from ..pagerender import RenderSession, RenderUnavailable

    man = json.loads(manifest.read_text(encoding="utf-8"))
    s = (settings or Settings.load(environ={})).replace(offline=True, use_lists=False, render_pages=True)
    try:
        session: Any = RenderSession(s)
    except RenderUnavailable:
        session = None  # every page then reads statically, and says so ("unavailable" cuts)
    try:
        return _run(man, manifest.parent, _rendered_adapter(s, session), static)
    finally:
        if session is not None:
            session.close()


def _run(
    man: dict[str, Any],
    base: Path,
    rendered: Callable[[str, str], dict[str, Any]],
    static: Callable[[str, str], dict[str, Any]],
) -> dict[str, Any]:
    rows: dict[str, dict[str, list[tuple[bool, bool, set[str], set[str]]]]] = {}
    seconds: list[float] = []
    page_seconds: list[float] = []
    cuts: dict[str, int] = {}
    for e in man["pages"]:
        raw = (base / e["file"]).read_bytes()
        try:
            html = raw.decode("utf-8")
        except UnicodeDecodeError:
            html = raw.decode("gb18030", errors="replace")
        url, gold = e.get("url", ""), set(e.get("pii", []))
        pos = e["label"] == man.get("warn_expected_for", "harvest")
        group = "synthetic" if e.get("synthetic") else "real"
        st = static(html, url)
        t0 = time.perf_counter()
        rd = rendered(html, url)
        seconds.append(time.perf_counter() - t0)
        page_seconds.append(rd["page_seconds"])
        if rd["cut"]:
            cuts[rd["cut"]] = cuts.get(rd["cut"], 0) + 1
        for mode, out in (("static", st), ("rendered", rd)):
            for g in ("all", group):
                rows.setdefault(mode, {}).setdefault(g, []).append((pos, out["warn"], set(out["pii"]), gold))
    res: dict[str, Any] = {m: {g: _score(r) for g, r in by.items()} for m, by in rows.items()}
    res["median_seconds"] = statistics.median(seconds) if seconds else float("nan")
    res["max_seconds"] = max(seconds, default=float("nan"))
    res["median_page_seconds"] = statistics.median(page_seconds) if page_seconds else float("nan")
    res["max_page_seconds"] = max(page_seconds, default=float("nan"))
    res["cut"] = cuts
    for key in ("tpr", "fpr", "pii_precision", "pii_recall"):
        res[key] = res.get("rendered", {}).get("all", {}).get(key, float("nan"))
    return res


def format_rendered(r: dict[str, Any]) -> str:
    """The rendered figures as plain text lines."""
    lines = [
        f"Pages rendered (headless Chromium, offline): {r['median_seconds']:.2f} s median, "
        f"{r['max_seconds']:.2f} s max per page (one browser for all; the first start included); "
        f"the page's own time {r['median_page_seconds']:.2f} s median, {r['max_page_seconds']:.2f} s max; "
        f"cut: {r['cut'] or 'none'}"
    ]
    for group in ("all", "synthetic", "real"):
        for mode in ("static", "rendered"):
            v = r.get(mode, {}).get(group)
            if v:
                lines.append(
                    f"    {group:9s} {mode:8s} n={v['pages']:3d}  TPR {v['tpr']:.3f}  FPR {v['fpr']:.3f}  "
                    f"PII precision {v['pii_precision']:.3f}  recall {v['pii_recall']:.3f}"
                )
    return "\n".join(lines)
