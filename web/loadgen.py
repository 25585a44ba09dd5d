"""A small load generator for the local API, run from its own process (``lurelens bench api`` reuses it).

``python -m web.loadgen --spawn --duration 60`` starts ``python -m web serve`` on a free loopback port
(offline, rate limit raised, a throw-away data dir), drives ``POST /api/v1/check`` from this process
with keep-alive connections in threads, and prints requests/s, latency percentiles, errors and the
server's RSS at start and end. ``--url``/``--token`` target a server that is already running.
Traffic only ever goes to 127.0.0.1; every loop is bounded by ``duration``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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


@dataclass
class LoadResult:
    """What one run measured."""

    duration_s: float
    concurrency: int
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    rss_start_kib: int | None = None
    rss_end_kib: int | None = None

    def summary(self) -> str:
        """One human line."""
        rss = ""
        if self.rss_start_kib is not None and self.rss_end_kib is not None:
            rss = f", RSS {self.rss_start_kib / 1024:.1f} → {self.rss_end_kib / 1024:.1f} MiB"
        return (f"{self.requests} requests in {self.duration_s:.1f}s with {self.concurrency} clients: "
                f"{self.rps:.1f} req/s, p50 {self.p50_ms:.1f} ms, p90 {self.p90_ms:.1f} ms, "
                f"p99 {self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms, errors {self.errors}{rss}")


def rss_kib(pid: int) -> int | None:
    """Resident set size of ``pid`` from /proc (None where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _percentile(sorted_ms: Sequence[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    i = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[i]


def run_load(base_url: str, token: str, *, duration: float = 10.0, concurrency: int = 8,
             offline: bool = True, texts: Sequence[str] | None = None,
             server_pid: int | None = None) -> LoadResult:
    """Drive ``POST /api/v1/check`` for ``duration`` seconds from ``concurrency`` threads."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load generator only targets loopback addresses")
    pool = list(texts or sample_texts())
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    headers = {"X-LureLens-Token": token, "Content-Type": "application/json",
               "Host": f"{'127.0.0.1' if host == 'localhost' else host}:{port}"}

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        local: list[float] = []
        local_status: Counter[str] = Counter()
        i = k
        while time.monotonic() < deadline:
            body = json.dumps({"text": pool[i % len(pool)], "offline": offline}).encode()
            i += concurrency
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/check", body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                local_status[str(r.status)] += 1
                if r.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
            except (OSError, http.client.HTTPException) as e:
                local_status[type(e).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            local.append((time.perf_counter() - t0) * 1000)
        conn.close()
        with lock:
            latencies.extend(local)
            statuses.update(local_status)

    rss_start = rss_kib(server_pid) if server_pid else None
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    elapsed = time.monotonic() - started
    rss_end = rss_kib(server_pid) if server_pid else None
    latencies.sort()
    total = len(latencies)
    return LoadResult(
        duration_s=elapsed, concurrency=concurrency, requests=total,
        errors=total - statuses.get("200", 0), rps=total / elapsed if elapsed else 0.0,
        p50_ms=_percentile(latencies, 0.50), p90_ms=_percentile(latencies, 0.90),
        p99_ms=_percentile(latencies, 0.99), max_ms=latencies[-1] if latencies else 0.0,
        statuses=dict(statuses), rss_start_kib=rss_start, rss_end_kib=rss_end,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def spawn_and_load(*, duration: float = 10.0, concurrency: int = 8, threads: int = 32,
                   warmup: float = 1.0, extra_env: dict[str, str] | None = None) -> LoadResult:
    """Start ``python -m web serve`` in its own process, load it from this one, stop it."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="lurelens-load-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LURELENS_")}
        env.update({"LURELENS_DATA_DIR": data_dir, "LURELENS_OFFLINE": "1",
                    "LURELENS_RATE_LIMIT_PER_MINUTE": "100000000", "LURELENS_THREADS": str(threads)})
        env.update(extra_env or {})
        root = Path(__file__).resolve().parent.parent
        env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.Popen([sys.executable, "-m", "web", "serve", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=root)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if "running at" not in line:
                raise RuntimeError(f"the server did not start: {line.strip()!r}")
            token = Path(data_dir, "api-token").read_text().strip()
            base = f"http://127.0.0.1:{port}"
            if warmup:
                run_load(base, token, duration=warmup, concurrency=2)
            return run_load(base, token, duration=duration, concurrency=concurrency, server_pid=proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m web.loadgen``."""
    p = argparse.ArgumentParser(prog="python -m web.loadgen", description=__doc__.splitlines()[0])
    p.add_argument("--spawn", action="store_true", help="start a throw-away server and load it")
    p.add_argument("--url", default="http://127.0.0.1:8765", help="a running server (loopback only)")
    p.add_argument("--token", default=None, help="its API token (default: read --token-file)")
    p.add_argument("--token-file", type=Path, default=None)
    p.add_argument("--server-pid", type=int, default=None, help="measure this process's RSS")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    args = p.parse_args(argv)
    if args.spawn:
        result = spawn_and_load(duration=args.duration, concurrency=args.concurrency)
    else:
        token = args.token or (args.token_file.read_text().strip() if args.token_file else "")
        if not token:
            p.error("--token or --token-file is needed without --spawn")
        result = run_load(args.url, token, duration=args.duration, concurrency=args.concurrency,
                          server_pid=args.server_pid)
    print(json.dumps(asdict(result)) if args.json else result.summary())
    return 0 if result.errors == 0 and result.requests > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
