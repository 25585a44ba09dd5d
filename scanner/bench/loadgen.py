"""The load generator for the local API (the only one), run as its own process.

``python -m scanner.bench.loadgen --base http://127.0.0.1:PORT --token-file F --duration 10 --rate 50``
loads a running service; ``python -m scanner.bench.loadgen --spawn --duration 60`` first starts
``lurelens serve`` on a free loopback port (offline, rate limit raised, a throw-away data dir, via
:class:`scanner.bench.api.ServiceProcess`), loads it, reports its RSS at start and end, and stops it.

Two modes:

* **open loop** (``--rate R``): request *i* is due at ``start + i/R`` whatever happened before, so a
  slow server shows up as latency (measured from the due time) instead of quietly lowering the load;
* **closed loop** (``--concurrency C``, no rate): C workers send back to back over keep-alive
  connections — the service's throughput ceiling.

The mix (``--mix check=9,scan=1``) picks request kinds round-robin in proportion: ``check`` posts
one text from ``--urls``/``--texts`` (default: synthetic lure messages and links,
:func:`sample_texts`) to ``/api/v1/check`` (offline), ``scan`` posts ``--image`` as base64 to
``/api/v1/scan`` (offline), ``health`` gets ``/api/v1/health``. It prints one JSON object (``--text``:
one human line). Traffic only goes to loopback addresses and every loop is bounded by ``--duration``.
The load itself uses only the standard library, so the generator adds no import cost and competes
little for the CPU.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import random
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .core import rss_bytes

__all__ = ["main", "percentile", "run_load", "sample_texts", "spawn_and_load", "summary_line"]

TOKEN_HEADER = "X-LureLens-Token"
_KINDS = ("check", "scan", "health")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_TEMPLATES = (
    "兼职刷单，日结{n}元，注册即送佣金 https://job-{n}.example.top/reg?uid={n}",
    "【积分兑换】您的{n}积分即将清零，立即兑换：http://jf{n}.example.cn/dh",
    "免费领取礼品，填写地址和手机号即可 https://gift{n}.example.xyz/?from=wx",
    "低价秒杀 iPhone 仅需{n}元 https://ms{n}.example.shop/item/{n}",
    "助贷额度{n}万，无需征信 http://dai{n}.example.vip/apply?idcard=",
    "https://www.example.com/docs/{n}",
    "Meeting notes are at https://wiki.example.org/page/{n} see you",
    "https://bit.example/{n}",
    "Your parcel {n} is waiting: https://post-{n}.example.info/track",
    "http://xn--80ak6aa92e.example/{n}",
)


def sample_texts(count: int = 200, seed: int = 7) -> list[str]:
    """Synthetic messages and links of the kinds the service checks (none from the eval set)."""
    rnd = random.Random(seed)
    return [rnd.choice(_TEMPLATES).format(n=rnd.randint(1, 99999)) for _ in range(count)]


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


class _Load:
    """The state one load run shares between its worker threads (under one lock)."""

    def __init__(self, schedule: list[str], bodies: dict[str, list[bytes]], duration: float,
                 rate: float | None) -> None:
        self.schedule, self.bodies, self.rate = schedule, bodies, rate
        self.lock = threading.Lock()
        self.counter = 0
        self.lat: dict[str, list[float]] = {k: [] for k in _KINDS}
        self.status_counts: dict[str, int] = {}
        self.errors: list[str] = []
        self.late_max = 0.0
        self.start = time.perf_counter() + 0.05
        self.deadline = self.start + duration

    def next_index(self) -> int:
        with self.lock:
            i = self.counter
            self.counter += 1
            return i

    def due(self, i: int) -> float | None:
        """When request ``i`` counts from (open loop: its due time, waited for), or None: stop."""
        if not self.rate:
            t0 = time.perf_counter()
            return None if t0 >= self.deadline else t0
        due = self.start + i / self.rate
        if due >= self.deadline:
            return None
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        else:
            with self.lock:
                self.late_max = max(self.late_max, now - due)
        return due

    def request(self, i: int) -> tuple[str, str, str, bytes | None]:
        kind = self.schedule[i % len(self.schedule)]
        if kind == "check":
            checks = self.bodies["check"]
            return kind, "POST", "/api/v1/check", checks[i % len(checks)]
        if kind == "scan":
            return kind, "POST", "/api/v1/scan", self.bodies["scan"][0]
        return kind, "GET", "/api/v1/health", None

    def record(self, kind: str, status: int, ms: float, err: str) -> None:
        with self.lock:
            key = str(status)
            self.status_counts[key] = self.status_counts.get(key, 0) + 1
            if not err:
                self.lat[kind].append(ms)
            else:
                self.errors.append(err)

    def work(self, worker: _Worker, headers: dict[str, str]) -> None:
        try:
            while True:
                i = self.next_index()
                t0 = self.due(i)
                if t0 is None:
                    return
                kind, method, path, body = self.request(i)
                try:
                    status, data = worker.request(method, path, body, headers)
                    err = "" if status == 200 else f"{kind}: HTTP {status} {data[:160]!r}"
                except (OSError, http.client.HTTPException) as e:
                    status, err = 0, f"{kind}: {type(e).__name__}: {e}"
                self.record(kind, status, (time.perf_counter() - t0) * 1000, err)
        finally:
            worker.close()

    def summary(self, n_workers: int, timeout: float) -> dict[str, Any]:
        elapsed = max(1e-9, min(time.perf_counter(), self.deadline + timeout) - self.start)
        everything = sorted(x for v in self.lat.values() for x in v)
        ok_n = len(everything)
        return {
            "mode": "open" if self.rate else "closed",
            "target_rate": self.rate,
            "workers": n_workers,
            "duration_s": round(elapsed, 3),
            "sent": ok_n + len(self.errors),
            "ok": ok_n,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "status_counts": self.status_counts,
            "rps": round(ok_n / elapsed, 2),
            "late_max_ms": round(self.late_max * 1000, 2),
            "latency_ms": _summary(everything),
            "by_kind": {k: _summary(sorted(v)) | {"n": len(v)} for k, v in self.lat.items() if v},
        }


def _loopback(base: str) -> tuple[str, int]:
    """Host and port of ``base``; anything but a loopback address is refused."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in _LOOPBACK:
        raise ValueError(f"the load generator only targets loopback addresses, not {host!r}")
    return ("127.0.0.1" if host == "localhost" else host), port


def _rss_mib(pid: int | None) -> float | None:
    rss = rss_bytes(pid) if pid else 0
    return round(rss / 2**20, 1) if rss else None


def run_load(
    base: str,
    token: str,
    *,
    duration: float,
    rate: float | None = None,
    concurrency: int = 16,
    mix: str = "check=1",
    texts: Sequence[str] | None = None,
    image: bytes | None = None,
    timeout: float = 30.0,
    offline: bool = True,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """Send load for ``duration`` seconds and return counts, rates and latency percentiles (ms).

    ``texts`` are what ``check`` requests post (default :func:`sample_texts`); with ``server_pid``
    the result also has ``server_rss_mib`` at start and end (Linux ``/proc``; None elsewhere).
    """
    host, port = _loopback(base)
    schedule = _parse_mix(mix)
    if "scan" in schedule and not image:
        raise ValueError("the mix has 'scan' requests: give --image")
    headers = {TOKEN_HEADER: token, "Content-Type": "application/json", "Accept": "application/json"}
    bodies = {
        "scan": [json.dumps(
            {"image_base64": base64.b64encode(image or b"").decode("ascii"), "offline": offline}
        ).encode()],
        "check": [json.dumps({"text": t, "offline": offline}, ensure_ascii=False).encode()
                  for t in (texts or sample_texts())],
    }
    rss_start = _rss_mib(server_pid)
    load = _Load(schedule, bodies, duration, rate)
    n_workers = max(1, concurrency)
    if rate:
        # Enough workers that a slow answer does not delay the next due request.
        n_workers = max(n_workers, min(256, math.ceil(rate * 0.25) + 4))
    threads = [threading.Thread(target=load.work, args=(_Worker(host, port, timeout), headers), daemon=True)
               for _ in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + timeout + 5)
    result = load.summary(n_workers, timeout)
    if server_pid:
        result["server_rss_mib"] = {"start": rss_start, "end": _rss_mib(server_pid)}
    return result


def spawn_and_load(
    *,
    duration: float = 10.0,
    concurrency: int = 8,
    threads: int = 32,
    warmup: float = 1.0,
    extra_settings: dict[str, Any] | None = None,
    **load: Any,
) -> dict[str, Any]:
    """Start ``lurelens serve`` (offline, a throw-away data dir), load it from this process, stop it.

    ``warmup`` seconds of the same load come first and are not counted; ``load`` goes to
    :func:`run_load` (``rate``, ``mix``, ``texts``, ``image``, ``timeout``).
    """
    from .api import ServiceProcess

    settings = {"offline": True, **(extra_settings or {})}
    with ServiceProcess(threads=threads, extra_settings=settings, clean_env=True) as svc:
        if warmup:
            run_load(svc.base, svc.token, duration=warmup, concurrency=min(2, concurrency), **load)
        return run_load(svc.base, svc.token, duration=duration, concurrency=concurrency,
                        server_pid=svc.pid, **load)


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


def summary_line(result: dict[str, Any]) -> str:
    """One human line for a :func:`run_load` result."""
    lat = result["latency_ms"]

    def ms(key: str) -> str:
        return "-" if lat[key] is None else f"{lat[key]:.1f} ms"

    rss = result.get("server_rss_mib") or {}
    shown = ""
    if rss.get("start") is not None and rss.get("end") is not None:
        shown = f", RSS {rss['start']:.1f} → {rss['end']:.1f} MiB"
    return (f"{result['sent']} requests in {result['duration_s']:.1f}s ({result['mode']} loop, "
            f"{result['workers']} workers): {result['rps']:.1f} req/s, p50 {ms('p50')}, p90 {ms('p90')}, "
            f"p99 {ms('p99')}, max {ms('max')}, errors {result['errors']}{shown}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scanner.bench.loadgen", description=__doc__.split("\n")[0])
    p.add_argument("--spawn", action="store_true", help="start a throw-away service, load it, stop it")
    p.add_argument("--base", "--url", dest="base", default="http://127.0.0.1:8765",
                   help="a running service's root (loopback only); ignored with --spawn")
    p.add_argument("--token", help="API token (else read from --token-file)")
    p.add_argument("--token-file", type=Path)
    p.add_argument("--server-pid", type=int, help="report this process's RSS at start and end")
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=None, help="requests/s (open loop); omit for closed loop")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--mix", default="check=1")
    p.add_argument("--urls", "--texts", dest="texts", type=Path,
                   help="what 'check' posts, one per line (default: synthetic messages and links)")
    p.add_argument("--image", type=Path, help="photo posted by 'scan' requests")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--threads", type=int, default=32, help="service threads (--spawn)")
    p.add_argument("--warmup", type=float, default=1.0, help="uncounted seconds first (--spawn)")
    p.add_argument("--text", action="store_true", help="print one human line instead of JSON")
    p.add_argument("--strict", action="store_true", help="exit 1 on any error or when nothing succeeded")
    return p


def _run(args: argparse.Namespace, p: argparse.ArgumentParser) -> dict[str, Any]:
    texts = None
    if args.texts:
        texts = [
            u.strip()
            for u in args.texts.read_text(encoding="utf-8").splitlines()
            if u.strip() and not u.startswith("#")
        ] or None
    load: dict[str, Any] = {
        "rate": args.rate, "mix": args.mix, "texts": texts, "timeout": args.timeout,
        "image": args.image.read_bytes() if args.image else None,
    }
    if args.spawn:
        return spawn_and_load(duration=args.duration, concurrency=args.concurrency,
                              threads=args.threads, warmup=args.warmup, **load)
    token = args.token
    if not token and args.token_file:
        token = args.token_file.read_text(encoding="ascii").strip()
    if not token:
        p.error("give --token or --token-file (or --spawn)")
    return run_load(args.base, token, duration=args.duration, concurrency=args.concurrency,
                    server_pid=args.server_pid, **load)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the load and print the JSON summary (or ``--text``: one line) on stdout."""
    p = _parser()
    args = p.parse_args(argv)
    try:
        result = _run(args, p)
    except (OSError, ValueError) as e:  # a missing or unreadable file, a bad address: one line, exit 2
        p.error(str(e))
    sys.stdout.write((summary_line(result) if args.text else json.dumps(result)) + "\n")
    if args.strict and (result["errors"] or not result["ok"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
