"""``bench decode``: our decoding pipeline vs zxing-cpp alone on the same photos.

With a manifest (the built-in ``scanner/data/qr/manifest.json`` or ``--photos FILE.json``; format in
:mod:`scanner.bench.evalqr`), a code counts as decoded only when its exact expected text comes back, and
``rate`` is decoded codes ÷ expected codes. With a bare folder of photos (``--photos DIR`` without
a ``manifest.json``) nothing is known about the right answer, so ``rate`` is the share of photos in
which at least one code was read. ``ms_per_photo`` is the mean wall time per photo including image
loading from bytes; ``median_ms``/``p95_ms`` are per-photo. ``ratio`` = our rate ÷ zxing-cpp's
rate (above 1: we read codes the raw decoder misses); ``ratios.ms_per_photo`` is the time price.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from ..errors import InputError, ScannerError
from ..settings import Settings
from .core import BenchResult, Stat

__all__ = ["bench_decode"]


def _manifest_for(photos: Path | None) -> Path | None:
    if photos is None:
        from .evalqr import default_manifest

        m = default_manifest()
        return m if m.is_file() else None
    if photos.is_dir():
        m = photos / "manifest.json"
        return m if m.is_file() else None
    if photos.suffix.lower() == ".json":
        return photos
    return None


def bench_decode(settings: Settings, photos: Path | None = None, *, repeat: int = 3) -> BenchResult:
    """Decode rate and time per photo: ``decode_raw`` (our cascade) vs ``zxing_only``."""
    started = time.perf_counter()
    manifest = _manifest_for(photos)
    if manifest is not None:
        res = _with_manifest(settings, manifest, repeat)
    elif photos is not None:
        res = _folder(settings, photos, repeat)
    else:
        res = BenchResult(
            "decode",
            "",
            "",
            "rate",
            skipped="no built-in photos (scanner/data/qr/manifest.json missing): use --photos",
        )
    res.seconds = time.perf_counter() - started
    return res


def _with_manifest(settings: Settings, manifest: Path, repeat: int) -> BenchResult:
    from .evalqr import bench

    keys = ("rate", "ms_per_photo", "median_ms", "p95_ms")
    a: dict[str, list[float]] = {k: [] for k in keys}
    b: dict[str, list[float]] = {k: [] for k in keys}
    last = None
    for _ in range(max(1, repeat)):
        try:
            ours, ref = bench(manifest, settings)
        except (OSError, ValueError, KeyError) as e:
            raise InputError(f"cannot run the photo manifest {manifest}: {e}") from None
        for side, s in ((a, ours), (b, ref)):
            side["rate"].append(s.rate)
            side["ms_per_photo"].append(sum(r.ms for r in s.results) / max(1, s.images))
            side["median_ms"].append(s.median_ms)
            side["p95_ms"].append(s.p95_ms)
        last = (ours, ref)
    assert last is not None
    ours, ref = last
    by_cat: dict[str, dict[str, int]] = {}
    for r_ours, r_ref in zip(ours.results, ref.results, strict=True):
        c = by_cat.setdefault(r_ours.category or "-", {"codes": 0, "ours": 0, "zxing": 0})
        c["codes"] += len(r_ours.expected)
        c["ours"] += r_ours.hits
        c["zxing"] += r_ref.hits
    return BenchResult(
        name="decode",
        ours_label="scanner.decode.decode_raw (zxing-cpp + retries + pyzbar + OpenCV cascade)",
        reference_label="zxing-cpp alone (read_barcodes, QR, grayscale)",
        primary="rate",
        figures=_stats(a),
        reference=_stats(b),
        params={
            "manifest": str(manifest),
            "photos": ours.images,
            "codes": ours.codes,
            "repeat": repeat,
            "decode_budget_s": settings.decode_budget,
        },
        extra={
            "decoded": {"ours": ours.decoded, "zxing": ref.decoded, "codes": ours.codes},
            "by_category": by_cat,
            "max_ms": {"ours": round(ours.max_ms, 1), "zxing": round(ref.max_ms, 1)},
        },
    )


def _stats(d: dict[str, list[float]]) -> dict[str, Stat]:
    return {
        "rate": Stat.of("fraction of codes", d["rate"]),
        "ms_per_photo": Stat.of("ms", d["ms_per_photo"], "lower"),
        "median_ms": Stat.of("ms", d["median_ms"], "lower"),
        "p95_ms": Stat.of("ms", d["p95_ms"], "lower"),
    }


def _folder(settings: Settings, folder: Path, repeat: int) -> BenchResult:
    from ..decode import decode_raw, zxing_only
    from .evalqr import _percentile
    from .inputs import load_photos

    photos = load_photos(folder)
    if not photos:
        return BenchResult("decode", "", "", "rate", skipped=f"no photos in {folder}")

    def ours(data: bytes) -> bool:
        return bool(decode_raw(data, settings))

    def ref(data: bytes) -> bool:
        return bool(zxing_only(data))

    keys = ("rate", "ms_per_photo", "median_ms", "p95_ms")
    a: dict[str, list[float]] = {k: [] for k in keys}
    b: dict[str, list[float]] = {k: [] for k in keys}
    errors = 0
    for _ in range(max(1, repeat)):
        for side, fn in ((a, ours), (b, ref)):
            times: list[float] = []
            hits = 0
            for p in photos:
                t0 = time.perf_counter()
                try:
                    hits += fn(p.data)
                except ScannerError:
                    errors += 1
                times.append((time.perf_counter() - t0) * 1000)
            side["rate"].append(hits / len(photos))
            side["ms_per_photo"].append(sum(times) / len(times))
            side["median_ms"].append(statistics.median(times))
            side["p95_ms"].append(_percentile(times, 0.95))
    res = BenchResult(
        name="decode",
        ours_label="scanner.decode.decode_raw",
        reference_label="zxing-cpp alone",
        primary="rate",
        figures=_stats(a),
        reference=_stats(b),
        params={
            "folder": str(folder),
            "photos": len(photos),
            "repeat": repeat,
            "rate_means": "photos with at least one code read (no manifest: answers unknown)",
        },
        extra={"unreadable_files": errors // max(1, repeat)},
    )
    return res
