"""A small HTTP load generator for the local API, run as its own process.

``python -m scanner.bench.loadgen --base http://127.0.0.1:PORT --token T --duration 10 --rate 50``

Two modes:

* **open loop** (``--rate R``): request *i* is due at ``start + i/R`` whatever happened before, so a
  slow server shows up as latency (measured from the due time) instead of quietly lowering the load;
* **closed loop** (``--concurrency C``, no rate): C workers send back to back — the service's
  throughput ceiling.

The mix (``--mix check=9,scan=1``) picks request kinds round-robin in proportion: ``check`` posts
one URL from ``--urls`` to ``/api/v1/check`` (offline), ``scan`` posts ``--image`` as base64 to
``/api/v1/scan`` (offline), ``health`` gets ``/api/v1/health``. It prints one JSON object. Only the
standard library is used, so the generator adds no import cost and competes little for the CPU.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["main", "percentile", "run_load"]

TOKEN_HEADER = "X-LureLens-Token"
_KINDS = ("check", "scan", "health")


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of already sorted values, nearest-rank; NaN when empty."""
    if not sorted_values:
        return math.nan
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return float(sorted_values[k])


def _parse_mix(text: str) -> list[str]:
    """``check=9,scan=1`` → a round-robin schedule of kinds (lowest terms)."""
    weights: dict[str, int] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in _KINDS:
            raise ValueError(f"unknown request kind {name!r} (use {', '.join(_KINDS)})")
        weights[name] = int(weight or "1")
    if not weights or any(w < 0 for w in weights.values()) or sum(weights.values()) == 0:
        raise ValueError("the mix needs at least one kind with a positive weight")
    g = 0
    for w in weights.values():
        g = math.gcd(g, w)
    # Interleave: spread each kind evenly over the cycle instead of bunching them.
    total = sum(w // g for w in weights.values())
    slots: list[tuple[float, str]] = []
    for name, w in weights.items():
        n = w // g
        slots.extend(((i + 0.5) / n, name) for i in range(n))
    slots.sort()
    assert len(slots) == total
    return [name for _, name in slots]


class _Worker:
    """One keep-alive connection; reconnects after any error."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            return resp.status, data
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None


def run_load(
    base: str,
    token: str,
    *,
    duration: float,
    rate: float | None = None,
    concurrency: int = 16,
    mix: str = "check=1",
    urls: Sequence[str] = ("https://example.com/",),
    image: bytes | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Send load for ``duration`` seconds and return counts, rates and latency percentiles (ms)."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    schedule = _parse_mix(mix)
    if "scan" in schedule and not image:
        raise ValueError("the mix has 'scan' requests: give --image")
    headers = {TOKEN_HEADER: token, "Content-Type": "application/json", "Accept": "application/json"}
    scan_body = json.dumps(
        {"image_base64": base64.b64encode(image or b"").decode("ascii"), "offline": True}
    ).encode()
    check_bodies = [json.dumps({"text": u, "offline": True}, ensure_ascii=False).encode() for u in urls]

    lock = threading.Lock()
    counter = [0]
    lat: dict[str, list[float]] = {k: [] for k in _KINDS}
    status_counts: dict[str, int] = {}
    errors: list[str] = []
    late_max = [0.0]
    start = time.perf_counter() + 0.05
    deadline = start + duration
    n_workers = max(1, concurrency)

    def next_index() -> int:
        with lock:
            i = counter[0]
            counter[0] += 1
            return i

    def work() -> None:
        w = _Worker(host, port, timeout)
        try:
            while True:
                i = next_index()
                if rate:
                    due = start + i / rate
                    if due >= deadline:
                        return
                    now = time.perf_counter()
                    if due > now:
                        time.sleep(due - now)
                    else:
                        with lock:
                            late_max[0] = max(late_max[0], now - due)
                    t0 = due
                else:
                    t0 = time.perf_counter()
                    if t0 >= deadline:
                        return
                kind = schedule[i % len(schedule)]
                if kind == "check":
                    method, path, body = "POST", "/api/v1/check", check_bodies[i % len(check_bodies)]
                elif kind == "scan":
                    method, path, body = "POST", "/api/v1/scan", scan_body
                else:
                    method, path, body = "GET", "/api/v1/health", None
                try:
                    status, data = w.request(method, path, body, headers)
                    ok = status == 200
                    err = "" if ok else f"{kind}: HTTP {status} {data[:160]!r}"
                except (OSError, http.client.HTTPException) as e:
                    status, ok, err = 0, False, f"{kind}: {type(e).__name__}: {e}"
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    key = str(status)
                    status_counts[key] = status_counts.get(key, 0) + 1
                    if ok:
                        lat[kind].append(ms)
                    else:
                        errors.append(err)
        finally:
            w.close()

    if rate:
        # Enough workers that a slow answer does not delay the next due request.
        n_workers = max(n_workers, min(256, math.ceil(rate * 0.25) + 4))
    threads = [threading.Thread(target=work, daemon=True) for _ in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + timeout + 5)
    elapsed = max(1e-9, min(time.perf_counter(), deadline + timeout) - start)
    everything = sorted(x for v in lat.values() for x in v)
    ok_n = len(everything)
    out: dict[str, Any] = {
        "mode": "open" if rate else "closed",
        "target_rate": rate,
        "workers": n_workers,
        "duration_s": round(elapsed, 3),
        "sent": ok_n + len(errors),
        "ok": ok_n,
        "errors": len(errors),
        "error_samples": errors[:5],
        "status_counts": status_counts,
        "rps": round(ok_n / elapsed, 2),
        "late_max_ms": round(late_max[0] * 1000, 2),
        "latency_ms": _summary(everything),
        "by_kind": {k: _summary(sorted(v)) | {"n": len(v)} for k, v in lat.items() if v},
    }
    return out


def _summary(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None, "mean": None}
    return {
        "p50": round(percentile(values, 50), 3),
        "p90": round(percentile(values, 90), 3),
        "p99": round(percentile(values, 99), 3),
        "max": round(values[-1], 3),
        "mean": round(sum(values) / len(values), 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the load and print the JSON summary on stdout."""
    p = argparse.ArgumentParser(prog="python -m scanner.bench.loadgen", description=__doc__.split("\n")[0])
    p.add_argument("--base", required=True, help="service root, e.g. http://127.0.0.1:8765")
    p.add_argument("--token", help="API token (else read from --token-file)")
    p.add_argument("--token-file", type=Path)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=None, help="requests/s (open loop); omit for closed loop")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--mix", default="check=1")
    p.add_argument("--urls", type=Path, help="URL list, one per line")
    p.add_argument("--image", type=Path, help="photo posted by 'scan' requests")
    p.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args(argv)
    token = args.token
    if not token and args.token_file:
        token = args.token_file.read_text(encoding="ascii").strip()
    if not token:
        p.error("give --token or --token-file")
    urls = ["https://example.com/"]
    if args.urls:
        urls = [
            u.strip()
            for u in args.urls.read_text(encoding="utf-8").splitlines()
            if u.strip() and not u.startswith("#")
        ] or urls
    image = args.image.read_bytes() if args.image else None
    try:
        result = run_load(
            args.base,
            token,
            duration=args.duration,
            rate=args.rate,
            concurrency=args.concurrency,
            mix=args.mix,
            urls=urls,
            image=image,
            timeout=args.timeout,
        )
    except ValueError as e:
        p.error(str(e))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
