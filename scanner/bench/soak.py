"""Load and soak run: fixed-rate mixed check/scan traffic against a real ``lurelens serve``.

``python -m scanner.bench.soak --rate 200 --duration 60`` starts the service on 127.0.0.1 (fresh data
dir, raised rate limit), warms it up, then drives ``--rate`` requests/s (open loop, from a separate
process) of ``POST /api/v1/check`` and ``POST /api/v1/scan`` in the ``--mix`` proportion, sampling the
service's RSS every half second. It passes when no request failed, the achieved rate is within 5 % of
the target, and RSS at the end is within ``--rss-tolerance`` of RSS after warm-up. It prints one JSON
object and exits 0 (pass) or 1 (fail). The CI load test runs the same code with small numbers.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .api import ServiceProcess, run_loadgen
from .core import machine_info

__all__ = ["main", "qr_png", "run_soak"]


def qr_png(text: str = "https://shop.example/item/1?from=qr") -> bytes:
    """A small QR code PNG for the ``scan`` requests (zxing-cpp's writer, so no test-only package)."""
    import numpy as np
    import zxingcpp
    from PIL import Image

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    pixels = np.asarray(zxingcpp.write_barcode_to_image(code, scale=4))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def _failures(
    load: dict[str, Any],
    warm: dict[str, Any],
    rate: float,
    rss: tuple[int, int],
    tolerance: float,
    slack_mib: float,
) -> list[str]:
    """Why a soak failed: failed requests, a rate below 95 % of the target, RSS growth past the bound."""
    mib = 2**20
    rss_warm, rss_end = rss
    growth = (rss_end - rss_warm) / rss_warm if rss_warm else 0.0
    failures: list[str] = []
    if load["errors"] or warm["errors"]:
        failures.append(
            f"{load['errors']} failed requests (warm-up {warm['errors']}): {load['error_samples'][:2]}"
        )
    if load["rps"] < rate * 0.95:
        failures.append(f"achieved {load['rps']} requests/s, below 95% of {rate}")
    if rss_end > rss_warm * (1 + tolerance) + slack_mib * mib:
        failures.append(
            f"RSS grew {growth * 100:.1f}% ({rss_warm / mib:.1f} → {rss_end / mib:.1f} MiB), "
            f"over {tolerance * 100:.0f}%"
        )
    return failures


def run_soak(
    *,
    rate: float = 200.0,
    duration: float = 60.0,
    mix: str = "check=4,scan=1",
    warmup: float = 5.0,
    rss_tolerance: float = 0.10,
    rss_slack_mib: float = 0.0,
    urls: list[str] | None = None,
    threads: int = 16,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Run the soak; the result carries ``passed`` and the reasons when it did not."""
    from .inputs import load_urls

    url_list = urls or load_urls(None)
    with ServiceProcess(data_dir, threads=threads) as svc:
        urls_file = svc.work / "urls.txt"
        urls_file.write_text("\n".join(url_list) + "\n", encoding="utf-8")
        image = svc.work / "qr.png"
        image.write_bytes(qr_png())
        rss_start = svc.rss()
        warm = run_loadgen(svc, duration=warmup, rate=rate, mix=mix, urls_file=urls_file, image_file=image)
        rss_warm = svc.rss()
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            t0 = time.monotonic()
            while not stop.wait(0.5):
                samples.append((round(time.monotonic() - t0, 2), svc.rss()))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            load = run_loadgen(
                svc, duration=duration, rate=rate, mix=mix, urls_file=urls_file, image_file=image
            )
        finally:
            stop.set()
            sampler.join(2)
        rss_end = svc.rss()
        alive = svc.alive()
        log_tail = svc.log_tail(4000) if (load["errors"] or warm["errors"]) else ""
        health, _ = svc.request("GET", "/api/v1/health", timeout=5) if alive else (0, None)
    mib = 2**20
    peak = max([r for _, r in samples] + [rss_end])
    growth = (rss_end - rss_warm) / rss_warm if rss_warm else 0.0
    failures = _failures(load, warm, rate, (rss_warm, rss_end), rss_tolerance, rss_slack_mib)
    if not alive or health != 200:
        failures.append("the service was not answering at the end")
    return {
        "passed": not failures,
        "failures": failures,
        "target_rate": rate,
        "duration_s": duration,
        "mix": mix,
        "requests": load["sent"],
        "ok": load["ok"],
        "errors": load["errors"],
        "rps": load["rps"],
        "latency_ms": load["latency_ms"],
        "by_kind": load["by_kind"],
        "late_max_ms": load["late_max_ms"],
        "status_counts": load["status_counts"],
        "rss_mib": {
            "start": round(rss_start / mib, 1),
            "after_warmup": round(rss_warm / mib, 1),
            "end": round(rss_end / mib, 1),
            "peak": round(peak / mib, 1),
            "growth_pct": round(growth * 100, 2),
        },
        "rss_samples_mib": [(t, round(r / mib, 1)) for t, r in samples[:: max(1, len(samples) // 30)]],
        "service_log_tail": log_tail,
        "warmup": {"duration_s": warmup, "requests": warm["sent"], "errors": warm["errors"]},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the soak, print JSON, exit 0 when it passed."""
    p = argparse.ArgumentParser(prog="python -m scanner.bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    p.add_argument("--duration", type=float, default=60.0, help="measured seconds (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of the same load before measuring")
    p.add_argument("--mix", default="check=4,scan=1", help="request kinds and weights")
    p.add_argument("--rss-tolerance", type=float, default=0.10, help="allowed RSS growth (default 0.10)")
    p.add_argument("--threads", type=int, default=16, help="service worker threads")
    args = p.parse_args(argv)
    started = time.perf_counter()
    res = run_soak(
        rate=args.rate,
        duration=args.duration,
        mix=args.mix,
        warmup=args.warmup,
        rss_tolerance=args.rss_tolerance,
        threads=args.threads,
    )
    res["wall_s"] = round(time.perf_counter() - started, 1)
    res["machine"] = machine_info()
    sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=1) + "\n")
    return 0 if res["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
