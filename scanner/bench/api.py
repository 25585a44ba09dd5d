"""``bench api``: requests/s and latency of ``POST /api/v1/check`` against a real ``lurelens serve``.

The service runs as its own process on 127.0.0.1 (a free port, a fresh data dir, a raised rate
limit); the load comes from another process (:mod:`scanner.bench.loadgen`), so the generator's
threads do not share the service's interpreter lock. The reference is ``GET /api/v1/health`` on the
same service with the same load: every gate (Host, origin, rate limit, token) and the HTTP stack,
but no check. ``ratio`` = check requests/s ÷ health requests/s: the share of the service's capacity
a real check leaves.

:class:`ServiceProcess` is also what the load and fault tests use to start and stop the service.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import ScannerError
from ..settings import Settings, environment_without_settings
from .core import BenchResult, Stat, rss_bytes

__all__ = ["ServiceProcess", "bench_api", "free_port", "run_loadgen"]

TOKEN_HEADER = "X-LureLens-Token"
# Run ``python -m scanner`` from the folder that holds the package, so a source checkout works too.
_ROOT = str(Path(__file__).resolve().parents[2])


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServiceProcess:
    """``lurelens serve`` in a subprocess on 127.0.0.1 with its own data dir; a context manager.

    Settings go through a TOML file (``--config``): ``LURELENS_*`` variables already set in the
    environment still win over it, as for any ``lurelens`` run — unless ``clean_env`` drops them
    from the service's environment (the load generator's ``--spawn``).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        port: int | None = None,
        rate_limit_per_minute: int = 10_000_000,
        threads: int = 16,
        extra_settings: dict[str, Any] | None = None,
        start_timeout: float = 90.0,
        clean_env: bool = False,
    ) -> None:
        self.env: dict[str, str] | None = None
        if clean_env:
            self.env = environment_without_settings()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lurelens-bench-")
            data_dir = Path(self._tmp.name) / "data"
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.work = Path(tempfile.mkdtemp(prefix="lurelens-svc-"))
        self.config = self.work / "lurelens.toml"
        values: dict[str, Any] = {
            "data_dir": str(data_dir),
            "rate_limit_per_minute": rate_limit_per_minute,
            "threads": threads,
            **(extra_settings or {}),
        }
        self.config.write_text(
            "[lurelens]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items()), encoding="utf-8"
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""
        self.log_path = self.work / "serve.log"

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> ServiceProcess:
        """Start the service and wait until ``/api/v1/health`` answers 200."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.token = self._token()
        (self.work / "token").write_text(self.token, encoding="ascii")
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lurelens",
                "serve",
                "--port",
                str(self.port),
                "--config",
                str(self.config),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=_ROOT,
            env=self.env,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ScannerError(f"lurelens serve exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                status, _ = self.request("GET", "/api/v1/health", timeout=2.0)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ScannerError(
            f"lurelens serve did not answer within {self.start_timeout:.0f} s: {self.log_tail()}"
        )

    def _token(self) -> str:
        """The API token of this data dir, as ``lurelens token`` prints it."""
        out = subprocess.run(
            [sys.executable, "-m", "lurelens", "token", "--config", str(self.config)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            cwd=_ROOT,
            env=self.env,
        )
        words = [
            w for w in out.stdout.split() if len(w) >= 32 and w.replace("-", "").replace("_", "").isalnum()
        ]
        if out.returncode != 0 or not words:
            raise ScannerError(f"lurelens token failed ({out.returncode}): {out.stderr.strip()[-300:]}")
        return words[-1]

    def stop(self, timeout: float = 10.0) -> int | None:
        """Terminate the service (SIGTERM, then SIGKILL); its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: the crash case (no clean-up runs)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def close(self) -> None:
        """Stop and remove the temporary folders."""
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> ServiceProcess:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------------------
    @property
    def pid(self) -> int:
        """The service's process id."""
        if self.proc is None:
            raise ScannerError("the service is not running")
        return self.proc.pid

    def rss(self) -> int:
        """The service's resident memory in bytes."""
        return rss_bytes(self.pid)

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 30.0) -> tuple[int, Any]:
        """One API call with the token; JSON in, JSON (or text) out."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {TOKEN_HEADER: self.token, "Accept": "application/json"}
            data = None
            if body is not None:
                data = json.dumps(body, ensure_ascii=False).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                return resp.status, json.loads(raw)
            except ValueError:
                return resp.status, raw.decode("utf-8", "replace")
        finally:
            conn.close()

    def log_tail(self, n: int = 1500) -> str:
        """The end of the service's output (for error messages)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""


def _toml(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return json.dumps(str(v))


def run_loadgen(
    svc: ServiceProcess,
    *,
    duration: float,
    rate: float | None = None,
    concurrency: int = 8,
    mix: str = "check=1",
    urls_file: Path | None = None,
    image_file: Path | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Run :mod:`scanner.bench.loadgen` in its own process against ``svc``; its JSON summary."""
    cmd = [
        sys.executable,
        "-m",
        "scanner.bench.loadgen",
        "--base",
        svc.base,
        "--token-file",
        str(svc.work / "token"),
        "--duration",
        str(duration),
        "--concurrency",
        str(concurrency),
        "--mix",
        mix,
        "--timeout",
        str(timeout),
    ]
    if rate:
        cmd += ["--rate", str(rate)]
    if urls_file is not None:
        cmd += ["--urls", str(urls_file)]
    if image_file is not None:
        cmd += ["--image", str(image_file)]
    out = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=duration + timeout + 120,
        stdin=subprocess.DEVNULL,
        cwd=_ROOT,
    )
    if out.returncode != 0:
        raise ScannerError(f"the load generator failed ({out.returncode}): {out.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_api(
    settings: Settings,
    urls: list[str],
    *,
    repeat: int = 3,
    duration: float = 5.0,
    concurrency: int = 8,
) -> BenchResult:
    """Closed-loop throughput and latency of ``POST /api/v1/check`` vs ``GET /api/v1/health``."""
    started = time.perf_counter()
    with ServiceProcess(threads=max(4, min(settings.threads, 32))) as svc:
        urls_file = svc.work / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        rss0 = svc.rss()
        # Warm-up: first checks load the lists and fill caches; not counted.
        run_loadgen(svc, duration=min(2.0, duration), concurrency=concurrency, urls_file=urls_file)
        run_loadgen(svc, duration=min(1.0, duration), concurrency=concurrency, mix="health=1")
        rss_warm = svc.rss()
        a: dict[str, list[float]] = {"rps": [], "p50_ms": [], "p99_ms": []}
        b: dict[str, list[float]] = {"rps": [], "p50_ms": [], "p99_ms": []}
        errors = sent = 0
        samples: list[str] = []
        for _ in range(max(1, repeat)):
            for side, mix in ((a, "check=1"), (b, "health=1")):
                r = run_loadgen(svc, duration=duration, concurrency=concurrency, mix=mix, urls_file=urls_file)
                side["rps"].append(r["rps"])
                side["p50_ms"].append(r["latency_ms"]["p50"] or 0.0)
                side["p99_ms"].append(r["latency_ms"]["p99"] or 0.0)
                errors += r["errors"]
                sent += r["sent"]
                samples.extend(r["error_samples"])
        rss_end = svc.rss()
    res = BenchResult(
        name="api",
        ours_label="POST /api/v1/check {text: url, offline: true}",
        reference_label="GET /api/v1/health (same service, same load)",
        primary="rps",
        figures={
            "rps": Stat.of("requests/s", a["rps"]),
            "p50_ms": Stat.of("ms", a["p50_ms"], "lower"),
            "p99_ms": Stat.of("ms", a["p99_ms"], "lower"),
        },
        reference={
            "rps": Stat.of("requests/s", b["rps"]),
            "p50_ms": Stat.of("ms", b["p50_ms"], "lower"),
            "p99_ms": Stat.of("ms", b["p99_ms"], "lower"),
        },
        params={
            "duration_s": duration,
            "repeat": repeat,
            "concurrency": concurrency,
            "urls": len(urls),
            "service_threads": max(4, min(settings.threads, 32)),
            "load": "closed loop, separate process (scanner.bench.loadgen)",
        },
        extra={
            "requests": sent,
            "errors": errors,
            "error_samples": samples[:3],
            "server_rss_mib": {
                "start": round(rss0 / 2**20, 1),
                "warm": round(rss_warm / 2**20, 1),
                "end": round(rss_end / 2**20, 1),
            },
        },
    )
    if errors:
        res.notes.append(f"{errors} of {sent} requests failed: see extra.error_samples")
    res.seconds = time.perf_counter() - started
    return res
