#!/usr/bin/env python3
"""Package the browser extension in ``web/extension/`` for Chrome/Edge and for Firefox.

    python scripts/build_extension.py          # dist/lurelens-chrome.zip, dist/lurelens-firefox.zip (+ .xpi)
    python scripts/build_extension.py --store  # the Chrome zip without the manifest "key" (Web Store)

Stdlib only. The archives are reproducible: entries sorted, fixed timestamps and permissions.

The folder itself is the Chrome build (it loads unpacked as it is in git). The Firefox build
changes only the manifest:

* ``background.service_worker`` → ``background.scripts``: the files the worker loads with its
  ``importScripts(...)`` call (read from the worker itself, so the list has one source), then the
  worker. Firefox MV3 runs an event page, not a service worker, and has no ``importScripts`` there;
* ``key`` and ``minimum_chrome_version`` are removed (Chrome-only fields; Firefox warns about them);
* ``browser_specific_settings.gecko`` (the add-on id) is kept; it is ignored by Chrome.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "web" / "extension"
DIST = ROOT / "dist"
EPOCH = (1980, 1, 1, 0, 0, 0)
SKIP_SUFFIXES = (".map", ".md", "~")


def source_files(src: Path) -> list[Path]:
    """Every file of the extension except dotfiles and editor leftovers, sorted."""
    out = []
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if p.name.endswith(SKIP_SUFFIXES) or p.name == "manifest.json":
            continue
        out.append(p)
    return out


def chrome_manifest(manifest: dict[str, Any], *, store: bool = False) -> dict[str, Any]:
    """The Chrome/Edge manifest: as in git, or without ``key`` for a Web Store upload."""
    m = copy.deepcopy(manifest)
    if store:
        m.pop("key", None)
    return m


_IMPORT_SCRIPTS = re.compile(r"importScripts\(([^)]*)\)")


def background_scripts(src: Path, worker: str) -> list[str]:
    """``[*files the worker importScripts(), worker]``: Firefox's event page loads them in order."""
    path = src / worker
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    m = _IMPORT_SCRIPTS.search(text)
    libs = re.findall(r"[\"']([^\"']+)[\"']", m.group(1)) if m else ["common.js"]
    return [*libs, worker]


def firefox_manifest(manifest: dict[str, Any], src: Path = SRC) -> dict[str, Any]:
    """The Firefox manifest derived from the Chrome one (see the module docstring)."""
    m = copy.deepcopy(manifest)
    bg = m.get("background", {})
    worker = bg.get("service_worker", "sw.js")
    m["background"] = {"scripts": background_scripts(src, worker)}
    for key in ("key", "minimum_chrome_version"):
        m.pop(key, None)
    gecko = m.setdefault("browser_specific_settings", {}).setdefault("gecko", {})
    gecko.setdefault("id", "lurelens@lurelens.invalid")
    gecko.setdefault("strict_min_version", "128.0")
    for war in m.get("web_accessible_resources", []):
        war.pop("use_dynamic_url", None)
    return m


def write_zip(path: Path, src: Path, manifest: dict[str, Any]) -> int:
    """Write one archive; returns the number of entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())]
    entries += [(p.relative_to(src).as_posix(), p.read_bytes()) for p in source_files(src)]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    tmp.replace(path)
    return len(entries)


def build(src: Path = SRC, dist: Path = DIST, *, store: bool = False) -> dict[str, Path]:
    """Build both archives; returns their paths by name (``chrome``, ``firefox``, ``firefox_xpi``)."""
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    out = {
        "chrome": dist / "lurelens-chrome.zip",
        "firefox": dist / "lurelens-firefox.zip",
        "firefox_xpi": dist / "lurelens-firefox.xpi",
    }
    write_zip(out["chrome"], src, chrome_manifest(manifest, store=store))
    ff = firefox_manifest(manifest, src)
    write_zip(out["firefox"], src, ff)
    write_zip(out["firefox_xpi"], src, ff)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=SRC, help="extension folder (default: web/extension)")
    parser.add_argument("--dist", type=Path, default=DIST, help="output folder (default: dist)")
    parser.add_argument("--store", action="store_true",
                        help="drop the manifest key from the Chrome zip (for a Web Store upload)")
    args = parser.parse_args(argv)
    if not (args.src / "manifest.json").is_file():
        print(f"error: no manifest.json in {args.src}", file=sys.stderr)
        return 2
    for name, path in build(args.src, args.dist, store=args.store).items():
        print(f"{name}: {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
