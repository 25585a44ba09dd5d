"""Decode-rate and latency bench over a manifest of labelled QR images.

A manifest is JSON: ``{"images": [{"file": "rel/path.jpg", "texts": ["expected", …]}, …]}`` with
files relative to the manifest's folder (the format of ``shared/eval/qr/manifest.json``). A code
counts as decoded when its exact text is returned. The same images are run through the full
pipeline (:func:`scanner.decode.decode_raw`: loading, limits, cascade, charset choice) and through
zxing-cpp alone, so the two rates sit side by side. ``lurelens bench decode`` prints the result.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..settings import Settings


@dataclass(frozen=True, slots=True)
class ImageResult:
    """One image of the bench."""

    file: str
    category: str
    expected: tuple[str, ...]
    found: tuple[str, ...]
    ms: float
    error: str = ""
    step: str = ""

    @property
    def hits(self) -> int:
        """Expected texts that were returned exactly."""
        return sum(1 for t in self.expected if t in self.found)


@dataclass(frozen=True, slots=True)
class BenchSummary:
    """Rates and latencies of one decoder over one manifest."""

    decoder: str
    images: int
    codes: int
    decoded: int
    images_full: int
    median_ms: float
    p95_ms: float
    max_ms: float
    results: tuple[ImageResult, ...] = field(repr=False, default=())

    @property
    def rate(self) -> float:
        """Fraction of codes decoded exactly."""
        return self.decoded / self.codes if self.codes else 0.0

    def to_dict(self, *, per_image: bool = False) -> dict[str, Any]:
        """JSON form (``per_image`` adds one row per image)."""
        out: dict[str, Any] = {
            "decoder": self.decoder,
            "images": self.images,
            "codes": self.codes,
            "decoded": self.decoded,
            "rate": round(self.rate, 4),
            "images_fully_decoded": self.images_full,
            "median_ms": round(self.median_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "max_ms": round(self.max_ms, 2),
        }
        if per_image:
            out["per_image"] = [
                {"file": r.file, "category": r.category, "expected": len(r.expected), "hits": r.hits,
                 "ms": round(r.ms, 2), "step": r.step, "error": r.error}
                for r in self.results
            ]
        return out


def default_manifest() -> Path:
    """The small built-in set (``scanner/data/qr/manifest.json``), used when no manifest is given."""
    return Path(str(resources.files("scanner") / "data" / "qr" / "manifest.json"))


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile ``q`` (0–1) of ``values`` (0.0 when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.5
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


_percentile = percentile  # the name scanner.bench.decode imports


def _summarise(decoder: str, results: list[ImageResult]) -> BenchSummary:
    times = [r.ms for r in results]
    return BenchSummary(
        decoder=decoder,
        images=len(results),
        codes=sum(len(r.expected) for r in results),
        decoded=sum(r.hits for r in results),
        images_full=sum(1 for r in results if r.hits == len(r.expected)),
        median_ms=statistics.median(times) if times else 0.0,
        p95_ms=percentile(times, 0.95),
        max_ms=max(times, default=0.0),
        results=tuple(results),
    )


def load_manifest(path: Path) -> list[dict[str, Any]]:
    """The image entries of a manifest file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    images = data["images"] if isinstance(data, dict) else data
    return [im for im in images if isinstance(im, dict) and "file" in im]


def _run(
    name: str, entries: list[dict[str, Any]], root: Path, decode: Callable[[bytes], tuple[list[str], str]]
) -> BenchSummary:
    results = []
    for im in entries:
        data = (root / im["file"]).read_bytes()
        start = time.perf_counter()
        error = step = ""
        try:
            found, step = decode(data)
        except InputError as e:
            found, error = [], e.code
        ms = (time.perf_counter() - start) * 1000
        results.append(ImageResult(im["file"], str(im.get("category", "")), tuple(im.get("texts", ())),
                                   tuple(found), ms, error, step))
    return _summarise(name, results)


def bench(
    manifest: Path | str | None = None, settings: Settings | None = None, *, baseline: bool = True
) -> list[BenchSummary]:
    """Run the pipeline (and zxing-cpp alone when ``baseline``) over ``manifest``.

    Returns one :class:`BenchSummary` per decoder: ``pipeline`` first, then ``zxing-cpp``.
    Timings include reading the image from bytes (not from disk).
    """
    from ..decode import decode_raw, zxing_only

    path = Path(manifest) if manifest else default_manifest()
    entries = load_manifest(path)
    root = path.parent
    settings = settings or Settings()

    def pipeline(data: bytes) -> tuple[list[str], str]:
        codes = decode_raw(data, settings)
        return [c.text for c in codes], ",".join(sorted({c.step for c in codes}))

    def zxing(data: bytes) -> tuple[list[str], str]:
        return zxing_only(data), "zxing"

    # One warm-up so library loading is not charged to the first image.
    if entries:
        warm = (root / entries[0]["file"]).read_bytes()
        try:
            decode_raw(warm, settings)
            zxing_only(warm)
        except InputError:
            pass
    out = [_run("pipeline", entries, root, pipeline)]
    if baseline:
        out.append(_run("zxing-cpp", entries, root, zxing))
    return out


def format_table(summaries: Sequence[BenchSummary]) -> str:
    """A plain-text table of the summaries (what ``lurelens bench decode`` prints)."""
    head = f"{'decoder':<10} {'codes':>11} {'rate':>7} {'images':>9} {'median':>9} {'p95':>9} {'max':>9}"
    lines = [head]
    for s in summaries:
        lines.append(
            f"{s.decoder:<10} {s.decoded:>5}/{s.codes:<5} {s.rate * 100:>6.1f}% "
            f"{s.images_full:>4}/{s.images:<4} {s.median_ms:>7.1f}ms {s.p95_ms:>7.1f}ms {s.max_ms:>7.1f}ms"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scanner.bench.evalqr [MANIFEST] [--json] [--failures]``."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m scanner.bench.evalqr", description=__doc__)
    p.add_argument("manifest", nargs="?", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--failures", action="store_true", help="list the images not fully decoded")
    args = p.parse_args(argv)
    summaries = bench(args.manifest)
    if args.json:
        print(json.dumps([s.to_dict(per_image=True) for s in summaries], ensure_ascii=False, indent=1))
    else:
        print(format_table(summaries))
        if args.failures:
            for r in summaries[0].results:
                if r.hits < len(r.expected):
                    print(f"  miss {r.file} ({r.hits}/{len(r.expected)}, {r.ms:.0f} ms, {r.error or r.step})")
            slow = sorted(summaries[0].results, key=lambda r: -r.ms)[:8]
            print("  slowest: " + ", ".join(f"{r.file} {r.ms:.0f}ms" for r in slow))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
