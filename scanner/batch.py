"""Batch checks: ``lurelens check --jobs N -`` on every core, and one partition on a Dask worker.

The scanner is a pure function of (settings, memory-mapped list index), so a batch scales by
running more of it: each worker process builds one :class:`~scanner.pipeline.Scanner` and maps the
same index file (the operating system shares its pages); nothing else is shared. Output is written
through :mod:`scanner.output` in input order, so ``--jobs N`` prints the same bytes as ``--jobs 1``.

For a cluster, :func:`check_partition` is the function to map over partitions (docs/scaling.md)::

    import dask.bag as db
    bag = db.from_sequence(enumerate(lines, 1), npartitions=64)
    out = bag.map_partitions(check_partition, settings=settings).compute()

``settings`` travel to the workers (small, picklable); the index travels as a path inside them
(``settings.data_dir``) that every worker maps read-only — never pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

from .errors import InputError
from .output import line_error_text, report_text
from .settings import Settings

if TYPE_CHECKING:
    from .pipeline import Scanner

__all__ = ["CHUNK", "check_lines", "check_partition", "run_batch"]

CHUNK = 500
"""Lines a worker checks per task: large enough that the hand-over costs little, small enough that
the progress bar moves and the last worker does not finish long after the others."""

MAX_JOBS_PER_CORE = 4
"""``--jobs 1000`` starts at most this many worker processes per core (each maps the index and
holds a scanner: hundreds would only exhaust memory)."""

Numbered = tuple[int, str]


def check_lines(
    items: Iterable[Numbered], scanner: Scanner, *, as_json: bool = True, lang: str = "en"
) -> tuple[str, bool, bool]:
    """``(output, warned, failed)`` for numbered input lines, exactly as ``lurelens check -`` prints."""
    parts: list[str] = []
    warned = failed = False
    for n, line in items:
        try:
            report = scanner.check(line)
        except InputError as e:
            failed = True
            parts.append(line_error_text(e, n, as_json=as_json))
            continue
        warned = warned or report.warn
        parts.append(report_text(report, as_json=as_json, lang=lang))
    return "".join(parts), warned, failed


def check_partition(lines: Iterable[str | Numbered], settings: Settings) -> list[str]:
    """One JSON line per input line of a partition (Dask's ``map_partitions``).

    Items are texts or ``(line number, text)`` pairs (numbers name the line in error objects). The
    worker's scanner is built once per process and settings, and maps the index named by
    ``settings.data_dir``.
    """
    from .pipeline import default_scanner

    scanner = default_scanner(settings)
    out: list[str] = []
    for i, item in enumerate(lines, 1):
        n, text = item if isinstance(item, tuple) else (i, item)
        out.append(check_lines(((n, text),), scanner)[0])
    return out


# -- worker processes ------------------------------------------------------------------------

_WORKER: Scanner | None = None


def _init_worker(settings: Settings) -> None:
    global _WORKER
    from .pipeline import Scanner

    _WORKER = Scanner(settings)


def _check_chunk(first: int, lines: Sequence[str], as_json: bool, lang: str) -> tuple[str, bool, bool]:
    assert _WORKER is not None, "worker not initialised"
    return check_lines(enumerate(lines, first), _WORKER, as_json=as_json, lang=lang)


def _chunks(lines: Sequence[str]) -> Iterator[tuple[int, Sequence[str]]]:
    for start in range(0, len(lines), CHUNK):
        yield start + 1, lines[start : start + CHUNK]


def run_batch(
    lines: Sequence[str],
    settings: Settings,
    out: IO[str],
    *,
    as_json: bool,
    lang: str,
    jobs: int = 1,
    scanner: Scanner | None = None,
) -> tuple[bool, bool]:
    """Check every line, write the results in input order; ``(warned, failed)``.

    ``jobs > 1`` runs that many worker processes. A progress bar goes to stderr when it is a
    terminal.
    """
    from .pipeline import Scanner

    scanner = scanner if scanner is not None else Scanner(settings)
    scanner.prepare_lists()  # the setup step, once here, not once per worker racing each other
    warned = failed = False
    with _progress(len(lines)) as advance:
        if jobs <= 1 or len(lines) <= CHUNK:
            results: Iterable[tuple[str, bool, bool]] = (
                check_lines(enumerate(chunk, first), scanner, as_json=as_json, lang=lang)
                for first, chunk in _chunks(lines)
            )
            warned, failed = _write(results, out, advance)
        else:
            context = multiprocessing.get_context("spawn")  # no inherited threads or locks; Windows too
            chunks = list(_chunks(lines))
            # More processes than chunks or than MAX_JOBS_PER_CORE × cores only cost memory.
            jobs = min(jobs, len(chunks), MAX_JOBS_PER_CORE * (os.cpu_count() or 1))
            with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                     initargs=(settings,)) as pool:
                results = pool.map(_check_chunk, [f for f, _ in chunks], [c for _, c in chunks],
                                   [as_json] * len(chunks), [lang] * len(chunks))
                warned, failed = _write(results, out, advance)
    return warned, failed


def _write(
    results: Iterable[tuple[str, bool, bool]], out: IO[str], advance: Callable[[int], object]
) -> tuple[bool, bool]:
    warned = failed = False
    for text, w, f in results:
        out.write(text)
        warned, failed = warned or w, failed or f
        advance(CHUNK)
    return warned, failed


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], object]]:
    """A rich progress bar on stderr when it is a terminal; a no-op otherwise (pipes, CI, tests)."""
    if not sys.stderr.isatty() or total <= CHUNK:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("checking", total=total)
        yield lambda n: bar.advance(task, n)
