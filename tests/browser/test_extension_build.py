"""The extension as files: the manifest, its references, the locales, and the packaging script.

No browser needed (these run in the default test run); the behaviour is in test_extension*.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ext_fixtures import EXT_DIR, ROOT, extension_id

LOCALES = ("en", "zh_CN")


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_extension", ROOT / "scripts" / "build_extension.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    return _load_build_script()


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXT_DIR / "manifest.json").read_text(encoding="utf-8"))
    return data


def _messages(locale: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXT_DIR / "_locales" / locale / "messages.json").read_text("utf-8"))
    return data


def test_manifest_is_mv3_with_a_stable_key(manifest: dict[str, Any]) -> None:
    from web.security import bundled_extension_id

    assert manifest["manifest_version"] == 3
    assert manifest["default_locale"] == "zh_CN"
    assert re.fullmatch(r"[a-p]{32}", extension_id())
    assert extension_id() == bundled_extension_id()
    assert manifest["background"] == {"service_worker": "sw.js"}
    assert "http://127.0.0.1/*" in manifest["host_permissions"]
    assert "declarativeNetRequest" in manifest["permissions"]
    war = [r for entry in manifest["web_accessible_resources"] for r in entry["resources"]]
    assert "warning.html" in war
    assert manifest["browser_specific_settings"]["gecko"]["id"]


def test_no_private_key_is_shipped() -> None:
    for path in [*EXT_DIR.rglob("*"), ROOT / "scripts" / "build_extension.py"]:
        if path.is_file() and path.suffix in (".js", ".json", ".html", ".css", ".py", ".pem", ".md", ""):
            assert "PRIVATE KEY" not in path.read_text(encoding="utf-8", errors="replace"), path


def _referenced_files(manifest: dict[str, Any]) -> set[str]:
    refs: set[str] = set()
    refs.update(manifest["icons"].values())
    refs.update(manifest["action"]["default_icon"].values())
    refs.add(manifest["action"]["default_popup"])
    refs.add(manifest["options_ui"]["page"])
    refs.add(manifest["background"]["service_worker"])
    for cs in manifest["content_scripts"]:
        refs.update(cs["js"])
    for entry in manifest["web_accessible_resources"]:
        refs.update(entry["resources"])
    for html in EXT_DIR.glob("*.html"):
        text = html.read_text(encoding="utf-8")
        refs.update(re.findall(r'<script src="([^"]+)"', text))
        refs.update(re.findall(r'<link rel="stylesheet" href="([^"]+)"', text))
        refs.update(re.findall(r'<img src="([^"]+)"', text))
    return refs


def test_every_referenced_file_exists(manifest: dict[str, Any]) -> None:
    refs = _referenced_files(manifest)
    assert {"warning.html", "warning.js", "common.js", "popup.html", "options.html", "content.js"} <= refs
    missing = [r for r in refs if not (EXT_DIR / r).is_file()]
    assert missing == []
    for size in ("16", "32", "48", "128"):
        assert (EXT_DIR / manifest["icons"][size]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_locales_have_the_same_keys_and_cover_every_use() -> None:
    en, zh = (_messages(loc) for loc in LOCALES)
    assert set(en) == set(zh)
    assert all(v["message"].strip() for v in [*en.values(), *zh.values()])
    used: set[str] = set()
    for path in EXT_DIR.glob("*.html"):
        used.update(re.findall(r'data-i18n(?:-[a-z]+)?="([A-Za-z_]+)"', path.read_text(encoding="utf-8")))
    for path in EXT_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r'\bt\("([A-Za-z_]+)"[,)]', text))
        used.update(re.findall(r'\["(status_[a-z_]+|level_[a-z]+)"', text))
    manifest_text = (EXT_DIR / "manifest.json").read_text(encoding="utf-8")
    used.update(m[len("__MSG_"):-2] for m in re.findall(r"__MSG_\w+__", manifest_text))
    assert len(used) > 40
    assert sorted(used - set(en)) == []
    # The words the tests and the spec rely on.
    assert zh["back"]["message"] == "返回"
    assert zh["proceed"]["message"] == "仍要访问"
    assert zh["trust_site"]["message"] == "不再提醒此网站"
    assert "本地服务未运行" in zh["status_down"]["message"]
    assert "需要重新配对" in zh["status_needs_pair"]["message"]


def test_content_script_cannot_reach_the_service() -> None:
    source = (EXT_DIR / "content.js").read_text(encoding="utf-8")
    for needle in ("fetch(", "XMLHttpRequest", "127.0.0.1", "X-LureLens-Token", "storage.local", "WebSocket",
                   "sendBeacon", "innerHTML", "insertAdjacentHTML"):
        assert needle not in source, needle


def test_only_the_service_worker_sends_the_token() -> None:
    for path in EXT_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        if path.name == "sw.js":
            assert text.count('"X-LureLens-Token"') == 1
        else:
            assert "X-LureLens-Token" not in text and "fetch(\"http" not in text, path.name


def test_build_makes_chrome_and_firefox_archives(builder: ModuleType, tmp_path: Path,
                                                 manifest: dict[str, Any]) -> None:
    out = builder.build(dist=tmp_path / "dist")
    assert set(out) == {"chrome", "firefox", "firefox_xpi"}
    with zipfile.ZipFile(out["chrome"]) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert json.loads(zf.read("manifest.json")) == manifest
        assert {"sw.js", "warning.html", "_locales/zh_CN/messages.json", "_locales/en/messages.json",
                "icons/icon128.png"} <= set(names)
        assert zf.read("sw.js") == (EXT_DIR / "sw.js").read_bytes()
    with zipfile.ZipFile(out["firefox"]) as zf:
        ff = json.loads(zf.read("manifest.json"))
    # The worker's importScripts files, in order, then the worker (Firefox runs an event page).
    assert ff["background"] == {"scripts": ["common.js", "rules.js", "menus.js", "sw.js"]}
    assert 'importScripts("common.js", "rules.js", "menus.js")' in (EXT_DIR / "sw.js").read_text("utf-8")
    assert "key" not in ff and "minimum_chrome_version" not in ff
    gecko = manifest["browser_specific_settings"]["gecko"]
    assert ff["browser_specific_settings"]["gecko"]["id"] == gecko["id"]
    assert out["firefox_xpi"].read_bytes() == out["firefox"].read_bytes()
    # Reproducible: a second build gives the same bytes.
    again = builder.build(dist=tmp_path / "again")
    assert again["chrome"].read_bytes() == out["chrome"].read_bytes()


def test_store_build_drops_the_key(builder: ModuleType, tmp_path: Path) -> None:
    out = builder.build(dist=tmp_path, store=True)
    with zipfile.ZipFile(out["chrome"]) as zf:
        assert "key" not in json.loads(zf.read("manifest.json"))


def test_build_command_line(builder: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert builder.main(["--dist", str(tmp_path)]) == 0
    assert "lurelens-chrome.zip" in capsys.readouterr().out
    assert (tmp_path / "lurelens-firefox.xpi").is_file()
    assert builder.main(["--src", str(tmp_path / "nowhere"), "--dist", str(tmp_path)]) == 2
