"""Python side of ``driver.mjs``: Debian's firefox-esr with the Firefox build of the extension.

:class:`Firefox` runs ``node driver.mjs`` (puppeteer-core over WebDriver BiDi) and sends it one JSON
command per line. :func:`unpacked_firefox_build` makes the extension folder Firefox loads from the
very archive ``scripts/build_extension.py`` ships (``dist/lurelens-firefox.zip``).
"""

from __future__ import annotations

import importlib.util
import json
import queue
import shutil
import subprocess
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FIREFOX = "/usr/bin/firefox-esr"
ADDON_ID = "lurelens@lurelens.invalid"
NODE_MODULES = HERE.parent / "node_modules" / "puppeteer-core"


def unpacked_firefox_build(work: Path) -> Path:
    """Build both packages into ``work/dist`` and unzip the Firefox one into ``work/firefox``."""
    spec = importlib.util.spec_from_file_location("build_extension", ROOT / "scripts" / "build_extension.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.build(dist=work / "dist")
    target = work / "firefox"
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(out["firefox"]) as zf:
        zf.extractall(target)
    return target


class DriverError(RuntimeError):
    """A command failed in the Node driver (the message carries its JavaScript stack)."""


class Firefox:
    """One headless firefox-esr with the extension installed, controlled through ``driver.mjs``."""

    def __init__(self, ext_dir: Path, *, uuid: str, prefs: dict[str, Any] | None = None,
                 timeout: float = 90.0) -> None:
        self.uuid = uuid
        self.base = f"moz-extension://{uuid}/"
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._next = 0
        self.stderr: list[str] = []
        self.proc = subprocess.Popen(
            ["node", str(HERE / "driver.mjs")], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()
        all_prefs = {"extensions.webextensions.uuids": json.dumps({ADDON_ID: uuid}), **(prefs or {})}
        info = self.call("launch", timeout=timeout, executable=FIREFOX, prefs=all_prefs,
                         extension=str(ext_dir))
        self.version: str = info["version"]
        self.addon_id: str = info["id"]

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self._answers.put(json.loads(line))
            except json.JSONDecodeError:
                continue

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())
            del self.stderr[:-200]

    def call(self, cmd: str, *, timeout: float = 30.0, **args: Any) -> Any:
        """Run one driver command and return its value (raises :class:`DriverError` on failure)."""
        self._next += 1
        msg_id = self._next
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"id": msg_id, "cmd": cmd, "args": args}) + "\n")
        self.proc.stdin.flush()
        end = time.monotonic() + timeout
        while True:
            try:
                answer = self._answers.get(timeout=max(0.05, end - time.monotonic()))
            except queue.Empty:
                raise DriverError(f"{cmd}: no answer in {timeout} s; stderr: {self.stderr[-5:]}") from None
            if answer.get("id") != msg_id:
                continue  # the late answer of a command that timed out
            if not answer.get("ok"):
                raise DriverError(f"{cmd}: {answer.get('error')}")
            return answer.get("value")

    # ---- pages -----------------------------------------------------------------------------------

    def pages(self) -> list[dict[str, Any]]:
        """Every tab: ``{"page": id, "url": location.href}``."""
        result: list[dict[str, Any]] = self.call("pages")
        return result

    def new_page(self) -> int:
        return int(self.call("newPage"))

    def goto(self, page: int, url: str) -> str | None:
        """Navigate; returns the navigation error (a DNR redirect may abort the load) or None."""
        result: str | None = self.call("goto", timeout=30, page=page, url=url)["error"]
        return result

    def eval(self, page: int, fn: str, arg: Any = None) -> Any:
        """Evaluate a JavaScript function's source with ``arg`` in the page (promises awaited)."""
        return self.call("eval", page=page, fn=fn, arg=arg)

    def wait_for(self, page: int, fn: str, arg: Any = None, timeout: float = 15.0) -> Any:
        """Poll a JavaScript function in the page until it returns something truthy."""
        return self.call("waitFor", timeout=timeout + 10, page=page, fn=fn, arg=arg, ms=timeout * 1000)

    def url(self, page: int) -> str:
        return str(self.eval(page, "() => location.href"))

    def click(self, page: int, selector: str) -> None:
        self.call("click", page=page, selector=selector)

    def type(self, page: int, selector: str, text: str) -> None:
        self.call("type", page=page, selector=selector, text=text)

    def screenshot(self, page: int, path: Path, *, full_page: bool = True) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.call("screenshot", page=page, path=str(path), fullPage=full_page)
        return path

    def viewport(self, page: int, width: int, height: int) -> None:
        self.call("viewport", page=page, width=width, height=height)

    def close_page(self, page: int) -> None:
        self.call("close", page=page)

    def wait_page(self, pred: Any, timeout: float = 15.0) -> dict[str, Any]:
        """The first tab whose URL satisfies ``pred`` (polling the tab list)."""
        end = time.monotonic() + timeout
        while True:
            for p in self.pages():
                if pred(p["url"]):
                    return p
            if time.monotonic() > end:
                raise AssertionError(f"no tab matched; tabs: {self.pages()}")
            time.sleep(0.1)

    def quit(self) -> None:
        try:
            self.call("quit", timeout=20)
        except DriverError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
