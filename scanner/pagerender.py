"""The optional page renderer: see a landing page as the browser builds it (``render_pages``).

:func:`render_page` loads the given HTML as if served from its URL in headless Debian Chromium
(through Playwright), lets its scripts run for a bounded time, clicks through "下一步"/"Next"-style
buttons that reveal more fields, and returns the DOM of every state it saw. :func:`render_findings`
hands those snapshots to the same static reader (:func:`scanner.heuristics.page.analyze_html`) and
merges the findings. Why each guard exists (``docs/rendering.md``):

* **No connection of Chromium's own.** Every request the page makes is intercepted (``route``) and
  either served through the guarded fetcher (:mod:`scanner.fetch`: the same SSRF rules, sizes and
  deadlines as link expansion; GET only, a few resource types, a bounded count) or refused. With
  ``offline`` nothing is fetched at all. Underneath, Chromium resolves no name (``MAP * ~NOTFOUND``),
  sends everything else to a proxy that does not exist (loopback included), blocks service workers,
  answers WebSockets itself and has WebRTC, beacons and pop-ups switched off.
* **Nothing is submitted.** Form submission and navigation away from the page are blocked; only
  buttons whose words are in ``scanner/data/wizard_buttons.toml`` are clicked, and no field is filled.
* **Bounded.** The page gets :data:`BUDGET` seconds from navigation to the last snapshot; a watchdog
  kills the browser's process tree at the hard limit or when it holds more than :data:`MAX_RSS` bytes.

Without Playwright or Chromium :class:`RenderUnavailable` is raised and the caller reads the page
statically (the report says so). Playwright is imported only here, on first use.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import threading
import time
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from . import reasons as R
from .chromium import FIND_NEXT_JS, INIT_SCRIPT, SNAPSHOT_JS, chromium_flags
from .errors import ScannerError
from .models import PII_KINDS, Reason
from .procwatch import kill, marked_roots, marked_tree, rss, tree

if TYPE_CHECKING:
    from .fetch import GuardedClient
    from .heuristics.page import PageFindings
    from .settings import Settings

__all__ = [
    "BUDGET",
    "RenderSession",
    "RenderUnavailable",
    "Rendering",
    "chromium_path",
    "render_findings",
    "render_page",
]

BUDGET = 3.0
"""Seconds the page may run, from navigation to its last snapshot."""
LAUNCH_LIMIT = 8.0
"""Seconds Chromium may take to start (a cold start on a loaded machine takes 1–3 s)."""
CLOSE_LIMIT = 2.0
"""Seconds allowed to close the browser before its processes are killed."""
MAX_RSS = 1536 * 1024 * 1024
"""Bytes of resident memory the browser's processes may hold together before they are killed."""
MAX_REQUESTS = 48
"""Requests of one page served through the fetcher; later ones are refused."""
MAX_FETCHED_BYTES = 4 * 1024 * 1024
"""Body bytes served to one page in total."""
MAX_REDIRECTS = 4
"""Redirects followed (each through the fetcher) for one sub-resource."""
MAX_STEPS = 6
"""Wizard buttons clicked per page."""
MAX_FRAMES = 4
"""Frames of a page read (their own wizard buttons are not clicked)."""
MAX_SNAPSHOT = 2 * 1024 * 1024
"""Characters of one DOM snapshot."""
STOP_MARGIN = 0.6
"""Seconds of the budget kept for stopping: cancelling calls (slow on a loaded machine), a page that
never yields."""
SETTLE = 0.25
"""Seconds given to timers and transitions after the load event and after each click."""
FETCHED_TYPES = frozenset({"document", "script", "stylesheet", "xhr", "fetch", "eventsource"})
"""Resource types served through the fetcher; images, fonts, media, pings and the rest are refused."""
RENDERS_AT_ONCE = 2
"""Browsers running at once in one process (a service renders at most this many pages in parallel)."""
_SLOTS = threading.BoundedSemaphore(RENDERS_AT_ONCE)
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")

_CUT_WORDS = {
    "deadline": ("time limit reached", "超过时限"),
    "memory": ("too much memory", "占用内存过多"),
    "crash": ("the page crashed", "页面崩溃"),
}


class RenderUnavailable(ScannerError):
    """Chromium or Playwright is missing, or the browser would not start."""

    code = "render_unavailable"


@dataclass
class Rendering:
    """What one rendering saw."""

    snapshots: list[str] = field(default_factory=list)
    """The DOM (open shadow roots included) after the scripts ran, then after each effective click."""
    frames: list[str] = field(default_factory=list)
    """The DOM of the page's frames after its scripts ran."""
    requests: int = 0
    """Requests the page made (the page itself excluded)."""
    fetched: int = 0
    """Requests served through the guarded fetcher."""
    refused: int = 0
    """Requests refused (offline, a forbidden target, a method other than GET, navigation away…)."""
    clicks: int = 0
    cut: str = ""
    """Why the page was stopped early (``deadline``, ``memory``), or empty."""
    seconds: float = 0.0
    """The whole call: Chromium's start and close included."""
    page_seconds: float = 0.0
    """The page's own time: navigation to the last snapshot (at most the budget, plus a stop)."""
    fetched_urls: list[str] = field(default_factory=list)
    detail: str = ""
    """What stopped the page, for logs (an exception's first words)."""
    browser_id: str = ""
    """The marker of this call's browser processes (``--lurelens-render=<id>``)."""


# --------------------------------------------------------------------------------------------
# Finding the browser


def chromium_path() -> str | None:
    """Debian's Chromium binary, or None when it is not installed."""
    for p in CHROMIUM_CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    return shutil.which("chromium")


@cache
def _wizard_words() -> tuple[list[str], list[str], int]:
    data = tomllib.loads((Path(__file__).parent / "data" / "wizard_buttons.toml").read_text("utf-8"))
    low = [str(w).replace(" ", "").lower() for w in data["next"]]
    never = [str(w).replace(" ", "").lower() for w in data["never"]]
    return low, never, int(data.get("max_chars", 16))


# --------------------------------------------------------------------------------------------
# Rendering


@dataclass
class _Job:
    html: str
    url: str
    settings: Settings
    client: GuardedClient | None
    budget: float
    marker: str
    out: Rendering = field(default_factory=Rendering)
    error: BaseException | None = None
    deadline: float = 0.0
    bytes_served: int = 0
    main_served: bool = False


def render_page(
    html: str,
    url: str,
    settings: Settings,
    *,
    client: GuardedClient | None = None,
    budget: float = BUDGET,
) -> Rendering:
    """Render ``html`` as served from the http(s) ``url``; every state's DOM in ``.snapshots``.

    ``client`` is the guarded fetcher the page's requests go through (default: a new one over
    ``settings``). Raises :class:`RenderUnavailable` when Playwright or Chromium is missing or will
    not start; never leaves a browser process behind. One browser per call: for many pages, a
    :class:`RenderSession` keeps one browser (a new, empty context per page).
    """
    with RenderSession(settings, client=client) as session:
        return session.render(html, url, budget=budget)


class RenderSession:
    """One headless Chromium for many pages, each in a fresh context; ``close()`` (or ``with``) ends it.

    The browser runs on a private event loop in a thread of its own (a caller's own loop never
    matters). A page past the hard limit, or a browser over :data:`MAX_RSS`, gets the browser killed;
    the next page starts a new one. At most :data:`RENDERS_AT_ONCE` sessions exist at once.
    """

    def __init__(self, settings: Settings, *, client: GuardedClient | None = None) -> None:
        if chromium_path() is None:
            raise RenderUnavailable("Chromium is not installed")
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            raise RenderUnavailable("Playwright is not installed") from None
        if not _SLOTS.acquire(timeout=LAUNCH_LIMIT / 2):
            raise RenderUnavailable(f"{RENDERS_AT_ONCE} pages are being rendered already")
        self.settings, self.client = settings, client
        self.marker = uuid.uuid4().hex
        self._browser: Any = None
        self._pw: Any = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lurelens-render-fetch")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lurelens-render", daemon=True)
        self._thread.start()
        self._closed = False

    def __enter__(self) -> RenderSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def render(self, html: str, url: str, *, budget: float = BUDGET) -> Rendering:
        """One page (see :func:`render_page`)."""
        if self._closed:
            raise RenderUnavailable("the render session is closed")
        if self.client is None and not self.settings.offline:
            from .fetch import GuardedClient

            self.client = GuardedClient(self.settings)  # one per session: its TLS context loads once
        job = _Job(html, url, self.settings, self.client, max(0.2, min(budget, BUDGET)), self.marker)
        job.out.browser_id = self.marker
        t0 = time.monotonic()
        fut = asyncio.run_coroutine_threadsafe(self._one(job), self._loop)
        if self._watch(job, fut.done, t0 + LAUNCH_LIMIT + job.budget + CLOSE_LIMIT):
            self._browser = None  # killed: the next page starts a new browser
        try:
            fut.result(timeout=CLOSE_LIMIT)
        except BaseException as e:  # noqa: BLE001 - reported below, or a partial rendering stands
            fut.cancel()
            job.error = job.error or e
        job.out.seconds = time.monotonic() - t0
        if job.error is not None and not job.out.snapshots:
            if isinstance(job.error, RenderUnavailable):
                raise job.error
            raise RenderUnavailable(f"the browser failed: {type(job.error).__name__}")
        return job.out

    def _watch(self, job: _Job, done: Any, hard: float) -> bool:
        """Poll until ``done()``; kill the browser at ``hard`` or over :data:`MAX_RSS` (True if killed)."""
        roots: list[int] = []
        while not done():
            time.sleep(0.05)
            if done():
                return False
            # Found once by a scan of /proc; later polls only check the marker is still theirs.
            roots = marked_roots(self.marker, roots or None)
            pids = tree(roots)
            over = rss(pids) > MAX_RSS
            if over or time.monotonic() > hard:
                job.out.cut = "memory" if over else job.out.cut or "deadline"
                kill(pids)
                return True
        return False

    async def _one(self, job: _Job) -> None:
        if self._browser is None or not self._browser.is_connected():
            self._browser = await self._launch()
        await _in_browser(job, self._browser, self._pool)

    async def _launch(self) -> Any:
        from playwright.async_api import async_playwright

        if self._pw is None:
            self._pw = await async_playwright().start()
        try:
            return await asyncio.wait_for(
                self._pw.chromium.launch(
                    executable_path=chromium_path(),
                    headless=True,
                    args=chromium_flags(self.marker),
                    timeout=LAUNCH_LIMIT * 1000,
                    handle_sigint=False,
                    handle_sigterm=False,
                    handle_sighup=False,
                ),
                LAUNCH_LIMIT,
            )
        except Exception as e:  # noqa: BLE001 - any launch failure means "not available"
            raise RenderUnavailable(f"Chromium would not start: {type(e).__name__}") from None

    async def _shutdown(self) -> None:
        for step in (self._browser.close if self._browser else None, self._pw.stop if self._pw else None):
            if step is not None:
                try:
                    await asyncio.wait_for(step(), CLOSE_LIMIT)
                except Exception:  # noqa: BLE001 - the kill below ends what is left
                    pass

    def close(self) -> None:
        """Close the browser (kill what does not close in time) and end the thread."""
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(2 * CLOSE_LIMIT + 1)
        except Exception:  # noqa: BLE001 - killed below
            pass
        kill(marked_tree(self.marker))
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CLOSE_LIMIT)
        if not self._thread.is_alive():
            self._loop.close()
        _SLOTS.release()


async def _in_browser(job: _Job, browser: Any, pool: ThreadPoolExecutor) -> None:
    context = await browser.new_context(
        service_workers="block",
        java_script_enabled=True,
        accept_downloads=False,
        bypass_csp=False,
        ignore_https_errors=False,
        viewport={"width": 414, "height": 896},
        locale="zh-CN",
    )
    try:
        await context.add_init_script(INIT_SCRIPT)
        await context.route("**/*", lambda route: _route(job, route, pool))
        await context.route_web_socket("**/*", _refuse_socket(job))
        page = await context.new_page()
        context.on("page", lambda p: asyncio.ensure_future(p.close()))  # pop-ups are closed at once
        cdp = await context.new_cdp_session(page)  # attached now: a page stuck in a loop cannot attach
        await _drive_page(job, page, cdp)
    finally:
        try:
            await asyncio.wait_for(context.close(), CLOSE_LIMIT)
        except Exception:  # noqa: BLE001 - a stuck context: the session's kill ends it
            pass


async def _drive_page(job: _Job, page: Any, cdp: Any) -> None:
    started = time.monotonic()
    job.deadline = started + job.budget - STOP_MARGIN
    try:
        await _drive(job, page)
    except TimeoutError:
        job.out.cut = job.out.cut or "deadline"
    except Exception as e:  # noqa: BLE001 - the page's renderer crashed (out of memory) or was killed
        job.out.cut = job.out.cut or "crash"
        job.out.detail = f"{type(e).__name__}: {str(e)[:200]}"
    if not job.out.snapshots and job.out.cut == "deadline":
        await _last_chance(job, cdp, page)
    job.out.page_seconds = time.monotonic() - started


def _refuse_socket(job: _Job) -> Any:
    async def handler(ws: Any) -> None:
        job.out.requests += 1
        job.out.refused += 1
        await ws.close()  # answered here: no connection is ever made

    return handler


def _left(job: _Job) -> float:
    return job.deadline - time.monotonic()


async def _bounded(job: _Job, aw: Any, reserve: float = 0.0) -> Any:
    """Await ``aw`` until the page's deadline (minus ``reserve``); TimeoutError past it."""
    left = _left(job) - reserve
    if left <= 0:
        if asyncio.iscoroutine(aw):
            aw.close()
        raise TimeoutError
    return await asyncio.wait_for(aw, left)


async def _drive(job: _Job, page: Any) -> None:
    """Load, let the scripts run, snapshot, then click through the wizard's steps."""
    await _bounded(job, page.goto(job.url, wait_until="commit"), 0.3)
    try:
        await _bounded(job, page.wait_for_load_state("load"), 0.6)
    except TimeoutError:
        job.out.cut = "deadline"  # still loading (or a script that never yields): read what is there
    except Exception:  # noqa: BLE001 - a crashed page: the snapshot below says what it can
        pass
    await _settle(job, page)
    seen = set()
    snap = await _bounded(job, page.evaluate(SNAPSHOT_JS, MAX_SNAPSHOT), 0.05)
    job.out.snapshots.append(snap)
    seen.add(_digest(snap))
    await _read_frames(job, page)
    words, never, max_chars = _wizard_words()
    for _ in range(MAX_STEPS):
        if _left(job) < 0.3:
            break
        handles = await _bounded(job, page.evaluate_handle(FIND_NEXT_JS, [words, never, max_chars]), 0.2)
        props = await _bounded(job, handles.get_properties(), 0.2)
        buttons = [p.as_element() for p in props.values() if p.as_element() is not None]
        moved = False
        for button in buttons[:4]:
            await _click(job, page, button)
            snap = await _bounded(job, page.evaluate(SNAPSHOT_JS, MAX_SNAPSHOT), 0.05)
            if _digest(snap) not in seen:
                seen.add(_digest(snap))
                job.out.snapshots.append(snap)
                moved = True
                break
        if not moved:
            break


async def _read_frames(job: _Job, page: Any) -> None:
    """The DOM of the page's frames (``srcdoc`` ones, or documents the fetcher served), a few at most."""
    for frame in page.frames[1 : 1 + MAX_FRAMES]:
        try:
            snap = await _bounded(job, frame.evaluate(SNAPSHOT_JS, MAX_SNAPSHOT), 0.3)
        except TimeoutError:
            raise
        except Exception:  # noqa: BLE001 - a frame that went away or was refused (an error page)
            continue
        if isinstance(snap, str) and not frame.url.startswith("chrome-error:"):
            job.out.frames.append(snap)


async def _click(job: _Job, page: Any, button: Any) -> None:
    job.out.clicks += 1
    try:
        await _bounded(
            job, button.click(timeout=max(50, (_left(job) - 0.3) * 500), force=True, no_wait_after=True), 0.2
        )
    except TimeoutError:
        raise
    except Exception:  # noqa: BLE001 - covered or detached: a script click does what the page wants
        try:
            await _bounded(job, button.evaluate("b => b.click()"), 0.2)
        except TimeoutError:
            raise
        except Exception:  # noqa: BLE001
            return
    await _settle(job, page)


async def _settle(job: _Job, page: Any) -> None:
    wait = min(SETTLE, _left(job) - 0.3)
    if wait > 0:
        await asyncio.sleep(wait)


async def _last_chance(job: _Job, cdp: Any, page: Any) -> None:
    """A script that never yields blocks every snapshot: stop it and read the DOM it built."""
    try:
        # The page's scripts had their time; stopping them and reading the DOM gets a bounded extra.
        await asyncio.wait_for(cdp.send("Runtime.terminateExecution"), 0.5)
        snap = await asyncio.wait_for(page.evaluate(SNAPSHOT_JS, MAX_SNAPSHOT), 1.0)
        if isinstance(snap, str) and snap:
            job.out.snapshots.append(snap)
    except Exception:  # noqa: BLE001 - nothing more to read: the static reading stands
        return


def _digest(snap: str) -> bytes:
    return hashlib.blake2b(snap.encode("utf-8", "replace"), digest_size=16).digest()


# --------------------------------------------------------------------------------------------
# Requests: the main document from memory, the rest through the guarded fetcher or refused


async def _route(job: _Job, route: Any, pool: ThreadPoolExecutor) -> None:
    req = route.request
    doc = req.resource_type == "document"
    try:
        main = doc and req.frame.parent_frame is None
    except Exception:  # noqa: BLE001 - no frame yet (the first navigation) or a closed one
        main = doc
    if doc and not job.main_served:  # the first document is our own goto(url): served from memory
        job.main_served = True
        await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=job.html)
        return
    job.out.requests += 1
    why = _refusal(job, req, main)
    if why:
        job.out.refused += 1
        await _abort(route)
        return
    loop = asyncio.get_running_loop()
    try:
        res = await asyncio.wait_for(
            loop.run_in_executor(pool, _fetch_follow, job, req.url), max(0.05, _left(job))
        )
    except Exception:  # noqa: BLE001 - a refused target, a timeout or a network failure alike
        res = None
    if res is None:
        job.out.refused += 1
        await _abort(route)
        return
    status, ctype, body = res
    job.out.fetched += 1
    job.out.fetched_urls.append(req.url)
    job.bytes_served += len(body)
    try:
        await route.fulfill(status=status, body=body, headers={"content-type": ctype} if ctype else {})
    except Exception:  # noqa: BLE001 - the page went away meanwhile
        return


def _refusal(job: _Job, req: Any, main: bool) -> str:
    if job.settings.offline:
        return "offline"
    if main:
        return "navigation away"
    if req.method != "GET":
        return "method"
    if req.resource_type not in FETCHED_TYPES:
        return "resource type"
    if not req.url.lower().startswith(("http://", "https://")):
        return "scheme"
    if job.out.requests > MAX_REQUESTS or job.bytes_served >= MAX_FETCHED_BYTES or _left(job) <= 0.05:
        return "budget"
    return ""


async def _abort(route: Any) -> None:
    try:
        await route.abort("blockedbyclient")
    except Exception:  # noqa: BLE001 - the page went away meanwhile
        return


def _fetch_follow(job: _Job, url: str) -> tuple[int, str, bytes] | None:
    """GET ``url`` through the guarded fetcher, following a few redirects (each one vetted again)."""
    from .fetch import REDIRECT_STATUSES, FetchError

    client = job.client
    if client is None:  # offline: never asked; refused before any fetch
        return None
    cap = max(0, min(job.settings.max_body_bytes, MAX_FETCHED_BYTES - job.bytes_served))
    for _ in range(MAX_REDIRECTS + 1):
        try:
            r = client.get(url, max_bytes=cap, deadline=job.deadline)
        except FetchError:
            return None
        if r.status in REDIRECT_STATUSES and r.header("location"):
            url = urljoin(url, r.header("location") or "")
            continue
        return r.status, r.header("content-type") or "", r.body
    return None


# --------------------------------------------------------------------------------------------
# Reading the snapshots


def _fields_markup(snapshot: str, limit: int = 200_000) -> str:
    """The forms (or, without a form, the fields with their surroundings) of one snapshot."""
    from .htmltree import parse_html

    tree = parse_html(snapshot)
    parts = [str(n.html or "") for n in tree.css("form")[:20]]
    if not parts:
        for n in tree.css("input, select, textarea")[:60]:
            box = n.parent.parent if n.parent is not None and n.parent.parent is not None else n.parent
            parts.append(str((box or n).html or ""))
    return "".join(parts)[:limit]


def merge_findings(all_findings: list[PageFindings]) -> PageFindings:
    """One finding from several readings of a page: union of pii and of reasons (first of each code)."""
    from .heuristics.page import PageFindings

    first = all_findings[0]
    pii = {k for f in all_findings for k in f.pii}
    seen: set[str] = set()
    reasons: list[Reason] = []
    for f in all_findings:
        for r in f.reasons:
            if r.code not in seen:
                seen.add(r.code)
                reasons.append(r)
    title = next((f.title for f in all_findings if f.title), "")
    return PageFindings(
        reasons=tuple(reasons),
        pii=tuple(k for k in PII_KINDS if k in pii),
        title=title,
        brand=first.brand,
        official=first.official,
    )


def render_findings(
    html: str,
    url: str,
    settings: Settings,
    *,
    client: GuardedClient | None = None,
    budget: float = BUDGET,
    session: RenderSession | None = None,
    popular: bool | None = None,
) -> tuple[PageFindings, tuple[Reason, ...], Rendering | None]:
    """The page's findings as the browser builds it, merged with its static reading.

    ``popular`` says whether the page's domain is on the popularity list (as for ``analyze_html``).

    Returns ``(findings, notices, rendering)``: the notices say the page was rendered, cut at the
    deadline, or could not be rendered (then ``rendering`` is None and the findings are static).
    Every wizard state counts: the last state plus the forms of the earlier ones are read as one
    page (so ID on step 1 and bank card on step 2 make one bundle), then each state and the HTML as
    given are read too, and all findings are merged (:func:`merge_findings`).
    """
    from .heuristics.page import analyze_html

    static = analyze_html(html, url, popular=popular)
    if not url.lower().startswith(("http://", "https://")):
        return static, (R.make("page.render_unavailable", "not a web address", source="page"),), None
    try:
        if session is not None:  # a batch: one browser for many pages
            rendering = session.render(html, url, budget=budget)
        else:
            rendering = render_page(html, url, settings, client=client, budget=budget)
    except RenderUnavailable as e:
        return static, (R.make("page.render_unavailable", e.message, source="page"),), None
    snaps = rendering.snapshots
    readings = []
    if snaps:
        earlier = "".join(_fields_markup(s) for s in [*snaps[:-1], *rendering.frames])
        last = snaps[-1]
        if earlier:
            cut = last.rfind("</body>")
            last = f"{last[:cut]}<div hidden>{earlier}</div>{last[cut:]}" if cut >= 0 else last + earlier
        readings.append(analyze_html(last, url, popular=popular))
        readings.extend(analyze_html(s, url, popular=popular) for s in [*snaps, *rendering.frames])
    readings.append(static)
    notices = [
        R.make(
            "page.rendered",
            f"{len(snaps)} states",
            source="page",
            states=len(snaps),
            fetched=rendering.fetched,
            refused=rendering.refused,
        )
    ]
    if rendering.cut:
        en, zh = _CUT_WORDS.get(rendering.cut, (rendering.cut, rendering.cut))
        notices.append(
            R.make(
                "page.render_cut", rendering.cut, source="page", seconds=f"{budget:g}", why_en=en, why_zh=zh
            )
        )
    return merge_findings(readings), tuple(notices), rendering
