"""Coverage-guided fuzz targets (atheris / libFuzzer) for every parser that reads hostile input.

Run one target (not part of the test suite; see docs/fuzzing.md)::

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/lurelens_fuzz.py --make-corpus fuzz/corpus
    .venv/bin/python fuzz/lurelens_fuzz.py extract -max_total_time=300 fuzz/corpus/extract
    .venv/bin/python fuzz/lurelens_fuzz.py --list

Each target takes raw bytes and feeds the parser; a crash is any exception that is not a
``scanner.errors.ScannerError`` (the project's contract for bad input), or a single input taking
longer than libFuzzer's ``-timeout`` (default here 10 s). ``TARGETS`` is importable without
atheris, so ``tests/robust/test_fuzz_targets.py`` runs every target once in the normal suite.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from scanner.errors import ScannerError  # noqa: E402

Target = Callable[[bytes], None]


def _text(data: bytes) -> str:
    # Invalid bytes become lone surrogates: those are valid in JSON strings sent to the API too.
    return data.decode("utf-8", "surrogateescape")


def _guard(fn: Callable[[], object]) -> None:
    try:
        fn()
    except ScannerError:
        pass


def t_extract(data: bytes) -> None:
    """Link extraction from pasted text."""
    from scanner.canonical import canonicalize
    from scanner.extract import extract_links

    text = _text(data)
    for link in extract_links(text):
        assert link.original == text[link.start : link.end]
        _guard(lambda u=link.url: canonicalize(u))


def t_canonical(data: bytes) -> None:
    """WHATWG canonicalisation; what we show must re-parse to itself."""
    from scanner.canonical import canonicalize

    try:
        c = canonicalize(_text(data))
    except ScannerError:
        return
    assert canonicalize(c.href).href == c.href


def t_payload(data: bytes) -> None:
    """QR payload classification (Wi-Fi, vCard, MATMSG, app links, data: URIs…) and its reasons."""
    from scanner.payloads import classify, payload_reasons

    _guard(lambda: payload_reasons(classify(_text(data), source="image")))


def t_check(data: bytes) -> None:
    """The whole offline check without lists: payload → links → heuristics → verdict."""
    from scanner.pipeline import Scanner
    from scanner.settings import Settings

    scanner = _cached("scanner", lambda: Scanner(Settings.load(environ={}, offline=True, use_lists=False)))
    _guard(lambda: scanner.check(_text(data), offline=True, use_lists=False).to_dict())


def t_lists(data: bytes) -> None:
    """Every blocklist format parser (the first byte picks the format)."""
    from scanner.lists import formats

    if not data:
        return
    names = (*formats.FORMATS, "auto")
    fmt = names[data[0] % len(names)]
    _guard(lambda: formats.parse(formats.decode(data[1:]), fmt))


def t_redirects(data: bytes) -> None:
    """Meta refresh / script redirect extraction, Refresh headers, wrapper and app-link decoding."""
    from scanner.redirects import decode_app_link, decode_wrapper, find_page_redirects, parse_refresh

    text = _text(data)
    _guard(lambda: find_page_redirects(text))
    _guard(lambda: parse_refresh(text[:2000]))
    _guard(lambda: decode_wrapper(text[:4000]))
    _guard(lambda: decode_app_link(text[:4000]))


def t_page(data: bytes) -> None:
    """Landing-page analysis (forms, PII fields, lure text, brand use)."""
    from scanner.heuristics.page import analyze_html

    _guard(lambda: analyze_html(_text(data), "https://a.test/landing"))


def t_image(data: bytes) -> None:
    """Image loading (every format, limits before pixels) and the decoder cascade, short budget."""
    from scanner.decode import decode_image
    from scanner.settings import Settings

    settings = _cached("img", lambda: Settings.load(environ={}, decode_budget=0.2))
    _guard(lambda: decode_image(data, settings))


_CACHE: dict[str, object] = {}


def _cached(key: str, make: Callable[[], object]) -> object:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


TARGETS: dict[str, Target] = {
    "extract": t_extract,
    "canonical": t_canonical,
    "payload": t_payload,
    "check": t_check,
    "lists": t_lists,
    "redirects": t_redirects,
    "page": t_page,
    "image": t_image,
}


_TEXT_SEEDS = [
    "兼职注册APP，日结佣金，点击 t.cn/A6xYz 领取",
    "hxxps://evil[.]com/a，或访问 www。x。cn/p。",
    "WIFI:T:WPA;S:Cafe\\;Guest;P:p\\:a\\,s;H:true;;",
    "MATMSG:TO:a@b.test;SUB:x;;",
    "SMSTO:10690000:TD",
    "weixin://dl/business/?t=abc123",
    "alipays://platformapi/startapp?appId=1&url=https%3A%2F%2Fa.test%2Fx",
    "data:text/html;base64,PGZvcm0+6Lqr5Lu96K+B5Y+3PC9mb3JtPg==",
    "http://0x7f000001/a/../b",
    "BEGIN:VCARD\nURL:x\nEND:VCARD",
]
_PAGE_SEEDS = [
    "<meta http-equiv=refresh content=\"0;URL='http://b.test/m'\">",
    "<script>location.href = atob('aHR0cDovL2IudGVzdC94');</script>",
    "<title>免费领取</title><form action=/s><input name=idcard placeholder=身份证号>"
    "<input type=password></form>",
]


def make_corpus(root: Path) -> None:
    """Write starting inputs for every target under ``root/<target>/`` (real photos for ``image``)."""
    repo = Path(__file__).resolve().parents[1]
    seeds: dict[str, list[bytes]] = {name: [] for name in TARGETS}
    for t in _TEXT_SEEDS:
        for name in ("extract", "canonical", "payload", "check"):
            seeds[name].append(t.encode())
    for page in _PAGE_SEEDS:
        seeds["redirects"].append(page.encode())
        seeds["page"].append(page.encode())
    for i, f in enumerate(sorted((repo / "blocklists").glob("*.*"))):
        if f.suffix in (".txt", ".json", ".csv"):
            with f.open("rb") as fh:
                seeds["lists"].append(bytes([i]) + fh.read(4096))
    for f in sorted((repo / "scanner" / "data" / "qr").glob("*")):
        if f.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".webp"):
            seeds["image"].append(f.read_bytes())
    for name, items in seeds.items():
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        for n, data in enumerate(items):
            (d / f"seed-{n:03d}").write_bytes(data)


def main(argv: list[str]) -> int:
    """``lurelens_fuzz.py TARGET [libFuzzer flags and corpus dirs]`` or ``--make-corpus DIR``."""
    if len(argv) == 3 and argv[1] == "--make-corpus":
        make_corpus(Path(argv[2]))
        return 0
    if len(argv) < 2 or argv[1] in ("-h", "--help", "--list") or argv[1] not in TARGETS:
        print("targets: " + ", ".join(TARGETS))
        return 0 if len(argv) > 1 and argv[1] == "--list" else 2
    name = argv[1]
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: .venv/bin/pip install atheris (Linux x86-64, CPython ≤ 3.12)")
        return 2
    with atheris.instrument_imports():
        import scanner.canonical  # noqa: F401
        import scanner.extract  # noqa: F401
        import scanner.lists.formats  # noqa: F401
        import scanner.payloads  # noqa: F401
        import scanner.redirects  # noqa: F401

        if name in ("page", "check"):
            import scanner.heuristics.page  # noqa: F401
            import scanner.heuristics.text  # noqa: F401
            import scanner.heuristics.url  # noqa: F401
        if name == "image":
            import scanner.decode  # noqa: F401
            import scanner.images  # noqa: F401
    flags = list(argv[2:])
    if not any(a.startswith("-timeout=") for a in flags):
        flags.append("-timeout=10")
    atheris.Setup([argv[0], *flags], TARGETS[name])
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
