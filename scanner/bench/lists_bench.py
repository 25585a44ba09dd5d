"""``lurelens bench lists``: the compiled index against a plain Python ``set`` of the same domains.

Generates synthetic-but-realistic domains (word-like labels, a real TLD mix, subdomains, hosting
tenants), compiles them, then measures in fresh subprocesses — so peak RSS is the loaded structure's,
not the generator's — load time, peak RSS and lookup latency (host + each parent domain), for both
the index and a ``set`` built in the same run.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_TLDS = (
    ("com", 420), ("net", 50), ("org", 40), ("xyz", 40), ("top", 40), ("cn", 40), ("ru", 30),
    ("info", 25), ("online", 20), ("site", 20), ("shop", 20), ("de", 20), ("icu", 12), ("vip", 12),
    ("club", 10), ("co.uk", 10), ("com.cn", 10), ("com.br", 10), ("io", 10), ("app", 10), ("cc", 10),
    ("live", 8), ("store", 8), ("fr", 8), ("jp", 8), ("in", 8), ("tk", 6), ("buzz", 6), ("me", 6),
    ("co", 6), ("us", 6), ("tw", 6), ("hk", 4), ("net.cn", 4), ("com.tw", 4), ("life", 4), ("pro", 4),
)
_PLATFORMS = ("pages.dev", "weebly.com", "vercel.app", "github.io", "netlify.app", "r2.dev",
              "wixsite.com", "firebaseapp.com", "web.app", "workers.dev", "duckdns.org", "ngrok-free.app")
_SUBS = ("www", "m", "login", "secure", "app", "account", "verify", "mail", "api", "my", "cdn", "h5", "wap")
_SYL = ("ka", "ri", "to", "shi", "an", "bo", "ex", "pay", "bit", "coin", "lo", "gin", "se", "cure",
        "ma", "net", "tech", "jing", "zhou", "xin", "hua", "bao", "wei", "tao", "dai", "qian", "fu",
        "li", "ning", "gou", "shop", "mall", "bank", "fin", "ok", "go", "ze", "ra", "mi", "no", "vo")


def synthetic_domains(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct realistic-looking domains (deterministic for a seed)."""
    rng = random.Random(seed)
    tlds = [t for t, _ in _TLDS]
    weights = [w for _, w in _TLDS]
    out: set[str] = set()
    while len(out) < n:
        batch = max(1024, n - len(out))
        tl = rng.choices(tlds, weights, k=batch)
        for tld in tl:
            name = "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 5)))
            r = rng.random()
            if r < 0.2:
                name += str(rng.randint(0, 9999))
            elif r < 0.3:
                name += "-" + "".join(rng.choice(_SYL) for _ in range(rng.randint(1, 3)))
            r = rng.random()
            if r < 0.05:
                d = f"{name}{rng.randint(0, 999)}.{rng.choice(_PLATFORMS)}"
            elif r < 0.25:
                d = f"{rng.choice(_SUBS)}.{name}.{tld}"
            else:
                d = f"{name}.{tld}"
            out.add(d)
            if len(out) >= n:
                break
    return sorted(out)


_INDEX_CHILD = r"""
import json, resource, sys, time
def rss():  # VmHWM: peak RSS of this process image (ru_maxrss would include the parent's, kept over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from scanner.canonical import CanonicalURL
from scanner.lists.index import Index
from scanner.lists.listset import ListSet
base = rss()
t0 = time.perf_counter()
ls = ListSet(Index.open(__import__("pathlib").Path(sys.argv[1])))
load = time.perf_counter() - t0
qs = open(sys.argv[2]).read().split()
def url(h):
    return CanonicalURL(href="http://" + h + "/", scheme="http", host=h, host_unicode=h, port=None,
                        path="/", query="", userinfo="", registrable_domain="", suffix="",
                        is_private_suffix=False, ip=None)
match = ls.match_host
pc = time.perf_counter_ns
check = ls.check
for h in qs[:2000]: check(url(h))
hits = miss = 0
t_look, t_check = [], []
for h in qs:
    u = url(h)
    a = pc(); found = bool(match(h)); b = pc(); check(u); c = pc()
    t_look.append(b - a); t_check.append((c - b, found))
    hits += found
t_look.sort()
ch = sorted(t for t, f in t_check if f); cm = sorted(t for t, f in t_check if not f)
call = sorted(t for t, _ in t_check)
print(json.dumps({"load_s": load, "rss_base_mb": base, "rss_peak_mb": rss(), "hits": hits,
    "lookup_p50_us": t_look[len(t_look)//2] / 1000, "lookup_p99_us": t_look[int(len(t_look)*.99)] / 1000,
    "check_p50_us": call[len(call)//2] / 1000,
    "check_hit_p50_us": (ch[len(ch)//2] / 1000) if ch else None,
    "check_miss_p50_us": (cm[len(cm)//2] / 1000) if cm else None}))
"""

_SET_CHILD = r"""
import json, resource, sys, time
def rss():  # VmHWM: peak RSS of this process image (ru_maxrss would include the parent's, kept over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
base = rss()
t0 = time.perf_counter()
with open(sys.argv[1]) as f:
    s = set(f.read().split())
load = time.perf_counter() - t0
qs = open(sys.argv[2]).read().split()
def match(h):
    level = h
    while True:
        if level in s:
            return True
        dot = level.find(".")
        if dot < 0:
            return False
        level = level[dot + 1:]
        if "." not in level:
            return False
pc = time.perf_counter_ns
ts = []
hits = 0
for h in qs:
    a = pc(); hits += match(h); ts.append(pc() - a)
ts.sort()
print(json.dumps({"load_s": load, "rss_base_mb": base, "rss_peak_mb": rss(), "hits": hits,
    "lookup_p50_us": ts[len(ts)//2] / 1000, "lookup_p99_us": ts[int(len(ts)*.99)] / 1000}))
"""


def _child(code: str, *args: str) -> dict[str, Any]:
    root = str(Path(__file__).resolve().parents[2])
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600,
                       env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"}, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {r.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def bench_lists(
    n_domains: int = 2_200_000, *, lookups: int = 20_000, seed: int = 7, workdir: Path | None = None
) -> dict[str, Any]:
    """Build, load and query an index of ``n_domains`` synthetic domains, next to a Python ``set``.

    Returns ``{"n_domains", "index": {...}, "set": {...}, "targets": {...}, "ok": bool}``: build and
    parse time, index file size, load time, peak RSS (in a fresh subprocess) and lookup p50/p99 in µs.
    """
    from ..lists import formats, index

    tmp = tempfile.TemporaryDirectory(prefix="lurelens-bench-") if workdir is None else None
    work = Path(tmp.name) if tmp is not None else Path(workdir or ".")
    try:
        t0 = time.perf_counter()
        domains = synthetic_domains(n_domains, seed)
        gen_s = time.perf_counter() - t0
        text_path = work / "domains.txt"
        text_path.write_text("\n".join(domains) + "\n", encoding="ascii")
        t0 = time.perf_counter()
        parsed = formats.parse(text_path.read_text(encoding="ascii"), "plain")
        parse_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        builder = index.IndexBuilder()
        builder.add_domains(parsed.block, index.pack_meta(0, index.BLOCK))
        side = {"lists": [{"name": "bench", "category": "phishing"}], "fuzzy": {}, "built_at": time.time()}
        idx_path = work / "index.bin"
        index.write_atomic(idx_path, builder, b"\0" * 32, side)
        build_s = time.perf_counter() - t0
        del builder, parsed
        rng = random.Random(seed + 1)
        present = rng.sample(domains, lookups // 2)
        queries = [d if rng.random() < 0.5 else f"{rng.choice(_SUBS)}.x{rng.randint(0, 99)}.{d}"
                   for d in present]
        known = set(domains)
        extra = [d for d in synthetic_domains(lookups, seed + 2) if d not in known][: lookups - len(queries)]
        queries += [f"www.{d}" if rng.random() < 0.3 else d for d in extra]
        rng.shuffle(queries)
        del known, domains
        q_path = work / "queries.txt"
        q_path.write_text("\n".join(queries) + "\n", encoding="ascii")
        idx_res = _child(_INDEX_CHILD, str(idx_path), str(q_path))
        set_res = _child(_SET_CHILD, str(text_path), str(q_path))
        idx_res.update(build_s=build_s, parse_s=parse_s, file_mb=idx_path.stat().st_size / 2**20)
        targets = {"rss_peak_mb": 60.0, "load_s": 1.0, "lookup_p50_us": 5.0}
        ok = all(idx_res[k] <= v for k, v in targets.items())
        return {"n_domains": n_domains, "lookups": len(queries), "generate_s": gen_s,
                "index": idx_res, "set": set_res, "targets": targets, "ok": ok}
    finally:
        if tmp is not None:
            tmp.cleanup()


def format_bench(r: dict[str, Any]) -> str:
    """The result of :func:`bench_lists` as a small side-by-side table."""
    i, s = r["index"], r["set"]
    rows = [
        ("domains", f"{r['n_domains']:,}", f"{r['n_domains']:,}"),
        ("build (s)", f"{i['build_s']:.2f} (+ parse {i['parse_s']:.2f})", "-"),
        ("file (MB)", f"{i['file_mb']:.1f}", "-"),
        ("load (s)", f"{i['load_s']:.4f}", f"{s['load_s']:.2f}"),
        ("peak RSS (MB)", f"{i['rss_peak_mb']:.1f} (interpreter {i['rss_base_mb']:.1f})",
         f"{s['rss_peak_mb']:.1f} (interpreter {s['rss_base_mb']:.1f})"),
        ("lookup p50 (µs)", f"{i['lookup_p50_us']:.2f}", f"{s['lookup_p50_us']:.2f}"),
        ("lookup p99 (µs)", f"{i['lookup_p99_us']:.2f}", f"{s['lookup_p99_us']:.2f}"),
        ("check() p50 (µs)", f"{i['check_p50_us']:.2f} (hit {i['check_hit_p50_us']:.2f}, "
         f"miss {i['check_miss_p50_us']:.2f})", "-"),
        ("hits / lookups", f"{i['hits']:,} / {r['lookups']:,}", f"{s['hits']:,} / {r['lookups']:,}"),
    ]
    w0 = max(len(a) for a, _, _ in rows)
    w1 = max(len(b) for _, b, _ in rows + [("", "compiled index", "")])
    lines = [f"{'':{w0}}  {'compiled index':{w1}}  python set"]
    lines += [f"{a:{w0}}  {b:{w1}}  {c}" for a, b, c in rows]
    t = r["targets"]
    lines.append(f"targets: RSS ≤ {t['rss_peak_mb']:.0f} MB, load ≤ {t['load_s']:.0f} s, "
                 f"lookup p50 ≤ {t['lookup_p50_us']:.0f} µs: {'met' if r['ok'] else 'NOT met'}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - manual runs
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_200_000
    print(format_bench(bench_lists(n)))
