#!/usr/bin/env python3
"""Print the issue-6 detection figures (URLs, pages, messages) for an evaluation folder.

Usage: python scripts/eval_detect.py [SHARED_DIR] [--json]     (default SHARED_DIR: ../shared)

Heuristics alone: no blocklists, no popular-domain allowlist, no network. The same numbers come
from ``lurelens bench detect`` (``scanner.bench.evaldetect.bench_detect``). The pages figure can be
cross-checked with the folder's own scorer:
``python eval_pages.py scanner.bench.evaldetect:page_adapter --path /path/to/repo``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.bench.evaldetect import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
