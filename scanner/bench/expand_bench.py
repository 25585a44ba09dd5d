"""Expansion benchmark (``lurelens bench expand``): parallel chains and a gzip bomb, all on 127.0.0.1.

:func:`bench_expand` serves ``links`` redirect chains of ``hops`` hops, each hop answered after
``latency`` seconds, from a threaded server it starts on 127.0.0.1, expands them all with
:meth:`~scanner.expand.Expander.expand_many` and compares the wall time with the slowest single
chain expanded alone (goal: at most 2×). It then fetches a 200 MiB gzip bomb in a child process
and reports that process's peak RSS growth (goal: under 32 MiB). Nothing leaves the machine:
the loopback server is reached through an exact ``egress_allow`` pair.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..settings import Settings

__all__ = ["bench_expand"]

_MiB = 1024 * 1024


def _gzip_zeros(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * _MiB
    return b"".join(c.compress(block) for _ in range(size // _MiB)) + c.flush()


def _serve(latency: float, hops: int, bomb_mib: int) -> None:
    """Run in a child process: serve the chains and the bomb, print the port, stop on stdin EOF."""
    with _server(latency, hops, _gzip_zeros(bomb_mib * _MiB)) as port:
        print(port, flush=True)
        sys.stdin.read()


@contextmanager
def _server_process(latency: float, hops: int, bomb_mib: int) -> Iterator[int]:
    """The fixture server in its own process, so its work does not share our interpreter lock."""
    code = ("import sys; from scanner.bench.expand_bench import _serve; "
            "_serve(float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(latency), str(hops), str(bomb_mib)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_root(),
    )
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _root() -> str:
    # ``python -c`` puts the working directory on sys.path: run children where ``scanner`` lives.
    return str(Path(__file__).resolve().parent.parent)


@contextmanager
def _server(latency: float, hops: int, bomb: bytes) -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path == "/bomb":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(bomb)))
                self.send_header("Connection", "close")
                self.end_headers()
                for i in range(0, len(bomb), 16384):
                    self.wfile.write(bomb[i:i + 16384])
                return
            time.sleep(latency)
            parts = self.path.strip("/").split("/")  # c/<link>/<hop>
            hop = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else hops
            if hop + 1 < hops:
                self.send_response(302)
                self.send_header("Location", f"/c/{parts[1]}/{hop + 1}")
                self.send_header("Content-Length", "0")
            else:
                body = b"<html><head><title>landing</title></head><body>ok</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if hop + 1 >= hops:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 1024
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            # The expander hangs up once it has what it needs (the bomb cap): a broken pipe is expected.
            return

    srv = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(srv.server_address[1])
    finally:
        srv.shutdown()
        srv.server_close()


def _bomb_child(url: str, port: int, data_dir: str) -> None:
    """Run in a fresh interpreter: fetch the bomb and print the peak RSS growth as JSON."""
    from ..fetch import GuardedClient

    settings = Settings.load(environ={}, data_dir=Path(data_dir),
                             egress_allow=frozenset({("127.0.0.1", port)}))
    client = GuardedClient(settings)
    client.get(url.replace("/bomb", "/c/0/99"))  # warm up imports, TLS store, buffers
    exact = True
    try:
        with open("/proc/self/clear_refs", "w") as f:  # reset VmHWM to the current RSS
            f.write("5")
    except OSError:
        exact = False
    base = _proc_kib("VmRSS")
    t0 = time.monotonic()
    r = client.get(url)
    took = time.monotonic() - t0
    peak = _proc_kib("VmHWM")
    print(json.dumps({
        "rss_base_mib": round(base / 1024, 1),
        "rss_peak_growth_mib": round((peak - base) / 1024, 1),
        "decoded_bytes": r.decoded_bytes,
        "raw_bytes": r.raw_bytes,
        "truncated": r.truncated,
        "bomb_detected": r.bomb,
        "seconds": round(took, 3),
        "exact_peak": exact,
    }))


def _proc_kib(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def bench_expand(
    links: int = 50,
    hops: int = 3,
    latency: float = 0.1,
    *,
    workers: int | None = None,
    bomb_mib: int = 200,
    compare_profiles: bool = True,
) -> dict[str, Any]:
    """Measure parallel expansion and the bomb's memory cost; returns the figures as a dict.

    ``workers`` defaults to ``links`` (the pool is sized so a message's links all run at once).
    """
    from ..expand import Expander

    with (tempfile.TemporaryDirectory(prefix="lurelens-bench-") as tmp,
          _server_process(latency, hops, bomb_mib) as port):
        settings = Settings.load(
            environ={}, data_dir=Path(tmp), egress_allow=frozenset({("127.0.0.1", port)}),
            expand_workers=workers or links, cache_ttl=0, compare_profiles=compare_profiles,
            expand_deadline=30.0, check_deadline=60.0,
        )
        ex = Expander(settings)
        base = f"http://127.0.0.1:{port}"
        ex.expand(f"{base}/c/warm/0")
        singles = []
        for i in range(3):
            t0 = time.monotonic()
            one = ex.expand(f"{base}/c/single{i}/0")
            singles.append(time.monotonic() - t0)
        assert one.stop_reason.value == "final", one.stop_reason
        urls = [f"{base}/c/{i}/0" for i in range(links)]
        t0 = time.monotonic()
        results = ex.expand_many(urls)
        wall = time.monotonic() - t0
        ok_chains = sum(1 for r in results if r.stop_reason.value == "final" and len(r.chain) == hops)
        slowest = max(singles)
        code = ("import sys; from scanner.bench.expand_bench import _bomb_child; "
                "_bomb_child(sys.argv[1], int(sys.argv[2]), sys.argv[3])")
        proc = subprocess.run(
            [sys.executable, "-c", code, f"{base}/bomb", str(port), tmp],
            capture_output=True, text=True, timeout=120, cwd=_root(), check=False,
        )
        try:
            bomb_result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            bomb_result = {"error": (proc.stderr or "no output")[-500:]}
    ratio = wall / slowest if slowest else float("inf")
    growth = bomb_result.get("rss_peak_growth_mib")
    return {
        "links": links,
        "hops": hops,
        "latency_ms": round(latency * 1000),
        "workers": settings.expand_workers,
        "profiles": 2 if compare_profiles else 1,
        "chains_ok": ok_chains,
        "wall_s": round(wall, 3),
        "slowest_single_chain_s": round(slowest, 3),
        "ratio": round(ratio, 2),
        "goal_ratio": 2.0,
        "parallel_ok": ratio <= 2.0 and ok_chains == links,
        "bomb_mib": bomb_mib,
        "bomb": bomb_result,
        "bomb_goal_mib": 32,
        "bomb_ok": isinstance(growth, int | float) and growth < 32,
    }


if __name__ == "__main__":  # pragma: no cover - manual run
    print(json.dumps(bench_expand(), indent=2))
