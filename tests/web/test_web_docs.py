"""The docs name every setting, route and error code (datasette's test_settings_are_documented)."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields
from pathlib import Path

import pytest

import scanner.errors as errors
import web
from scanner.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert f"| `{name}` |" in text, f"docs/configuration.md has no row for {name}"


def test_every_api_route_is_documented(settings: Settings) -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    app = web.create_app(settings, scanner=object())  # type: ignore[arg-type]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            methods = sorted(m for m in rule.methods or () if m in ("GET", "POST"))
            for m in methods:
                assert f"`{m} {rule.rule.removeprefix('/api/v1')}" in text, f"{m} {rule.rule}"


def test_every_error_code_is_documented() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    codes = {cls.code for _, cls in inspect.getmembers(errors, inspect.isclass)
             if issubclass(cls, errors.ScannerError)}
    codes |= set(re.findall(r'WebError\(\d+, "([a-z_]+)"', _web_sources()))
    codes |= {"not_found", "method_not_allowed", "payload_too_large", "unsupported_media_type",
              "too_many_requests", "internal_error"}
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert not missing, f"docs/api.md does not name: {missing}"


def _web_sources() -> str:
    root = Path(web.__file__).parent
    return "\n".join(p.read_text(encoding="utf-8") for p in root.glob("*.py"))


def test_service_doc_covers_running_and_security() -> None:
    text = (DOCS / "service.md").read_text(encoding="utf-8")
    for phrase in ("lurelens serve", "lurelens token", "--allow-public-bind", "Content-Security-Policy",
                   "/go?url=", "/pair", "npm ci --prefix tests/browser", "requests/s"):
        assert phrase in text, phrase
