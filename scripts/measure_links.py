"""Link extraction against other projects' published fixtures and LureLens's own CJK set (issue 13 §1).

Usage (fetch the two public repositories first; their files are read in place, never copied)::

    python scripts/measure_links.py --linkify /work/.mirror/markdown-it+linkify-it/repo \
        --urlextract /work/.mirror/lipoja+URLExtract/repo \
        --twitter /work/.mirror/twitter+twitter-text/repo [--misses] [--json]

Each location is a checkout, a folder holding the files, or a bare git repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scanner.bench.linkbench import format_links, measure


def main(argv: list[str] | None = None) -> int:
    """Print the rates; exit 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--linkify", type=Path, help="markdown-it/linkify-it (checkout, folder or bare git dir)")
    ap.add_argument("--urlextract", type=Path, help="lipoja/URLExtract (checkout, folder or bare git dir)")
    ap.add_argument("--twitter", type=Path, help="twitter/twitter-text (checkout, folder or bare git dir)")
    ap.add_argument("--misses", action="store_true", help="list every failed case")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = measure(args.linkify, args.urlextract, args.twitter)
    print(
        json.dumps(res, indent=1, ensure_ascii=False) if args.json else format_links(res, misses=args.misses)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
