"""The reason catalogue is data (scanner/data/reasons.toml): complete, well formed, and no dead rows.

Every code the source can give must be in the file (a literal passed to ``make``, or a prefix such as
``make(f"text.{…}")`` whose codes are all there), and every row must still be given somewhere.
"""

from __future__ import annotations

import ast
import re
import string
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from scanner import reasons as R
from scanner import verdict as V
from scanner.models import Severity

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for pkg in ("scanner", "web", "lurelens") for p in (ROOT / pkg).rglob("*.py"))


def _rows() -> list[dict[str, object]]:
    text = resources.files("scanner.data").joinpath(R.CATALOGUE).read_text(encoding="utf-8")
    return tomllib.loads(text)["reason"]


def _product_codes() -> dict[str, R.ReasonSpec]:
    return {c: s for c, s in R.all_specs().items() if not c.startswith("test.")}


def _source_facts() -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """(every string literal, (code, file) of literal ``make`` calls, f-string prefixes given to ``make``)."""
    literals: set[str] = set()
    made: set[tuple[str, str]] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # A docstring that names a code does not give it: only string values in code count.
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                literals.add(node.value)
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name != "make":
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                made.add((first.value, str(path.relative_to(ROOT))))
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                prefixes.add(str(first.values[0].value))
    return literals, made, prefixes


def test_catalogue_rows_are_well_formed() -> None:
    rows = _rows()
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)), "a code appears twice"
    assert len(rows) > 100
    for r in rows:
        assert set(r) <= {"code", "severity", "weight", "category", "en", "zh"}, r["code"]
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", str(r["code"])), r["code"]
        assert r["severity"] in {s.value for s in Severity}, r["code"]
        assert isinstance(r["weight"], int) and -100 <= r["weight"] <= 100, r["code"]
        assert str(r["en"]).strip() and str(r["zh"]).strip(), r["code"]


def test_en_and_zh_messages_use_the_same_parameters() -> None:
    def params(template: str) -> set[str]:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        return {re.sub(r"_(en|zh)$", "", n) for n in names}

    for code, s in _product_codes().items():
        assert params(s.en) == params(s.zh), code


def test_every_code_the_source_gives_is_in_the_catalogue() -> None:
    _, made, prefixes = _source_facts()
    codes = _product_codes()
    missing = sorted(f"{code} ({where})" for code, where in made if code not in codes)
    assert not missing, missing
    assert prefixes == {"text.", "blocklist."}, "a new dynamic code prefix: check its codes are catalogued"
    assert len(made) > 60  # the walk found the calls


def test_dynamic_codes_are_catalogued() -> None:
    """``text.{category}`` from the lure vocabulary and ``blocklist.{category}`` from the list index."""
    from scanner.heuristics.text import vocabulary
    from scanner.lists.store import BLOCK_CATEGORIES

    codes = _product_codes()
    assert {f"text.{c.name}" for c in vocabulary()} <= set(codes)
    assert {f"blocklist.{c}" for c in BLOCK_CATEGORIES} <= set(codes)


def test_no_catalogue_row_is_dead() -> None:
    literals, _, prefixes = _source_facts()
    dead = [c for c in _product_codes() if c not in literals and not any(c.startswith(p) for p in prefixes)]
    assert not dead, dead


def test_weights_shared_with_the_verdict_agree() -> None:
    assert R.spec("page.asks_more_than_needed").weight == V.PAGE_OVER_CAUTION


def test_an_unknown_code_is_refused_and_a_known_one_cannot_be_reworded() -> None:
    with pytest.raises(KeyError, match="reasons.toml"):
        R.make("url.no_such_code")
    s = R.spec("url.ip_host")
    with pytest.raises(ValueError):
        R.define(s.code, s.severity, s.weight, s.en + " (changed)", s.zh, s.category)
    assert R.define(s.code, s.severity, s.weight, s.en, s.zh, s.category) == s
