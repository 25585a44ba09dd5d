"""The shape docs/architecture.md promises, derived from the code: import directions, no cycles,
and sizes a reader can hold in their head."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .importgraph import ROOT, cycles, graph, module_files

CORE = frozenset(
    {"scanner.models", "scanner.errors", "scanner.settings", "scanner.reasons", "scanner.canonical"}
)
PIPELINE = frozenset({"scanner.pipeline", "scanner.batch"})
FACES = ("lurelens", "web", "scanner.cli", "scanner.lists.cli", "scanner.bench", "scanner.__main__")


def layer(module: str) -> int:
    """0 core, 1 stages, 2 pipeline, 3 faces (the package ``scanner`` itself is the library's face)."""
    if module in CORE:
        return 0
    if module in PIPELINE:
        return 2
    if module == "scanner" or any(module == f or module.startswith(f + ".") for f in FACES):
        return 3
    return 1


NAMES = {0: "core", 1: "stage", 2: "pipeline", 3: "face"}


@pytest.fixture(scope="module")
def imports() -> dict[str, set[str]]:
    return graph()


def test_the_graph_sees_function_level_and_importlib_imports(imports: dict[str, set[str]]) -> None:
    # A guard that the reader works: scanner.cli imports the pipeline only inside functions.
    assert "scanner.pipeline" in imports["scanner.cli"]
    assert "scanner" in imports and imports["lurelens.cli"] >= {"scanner.cli", "web.cli"}


def test_no_import_cycles(imports: dict[str, set[str]]) -> None:
    assert cycles(imports) == []


def test_scanner_never_imports_the_faces_above_it(imports: dict[str, set[str]]) -> None:
    bad = sorted(
        f"{m} -> {t}"
        for m, targets in imports.items()
        if m.startswith("scanner")
        for t in targets
        if t.startswith(("web", "lurelens"))
    )
    assert bad == []
    assert not any(t.startswith("lurelens") for m, ts in imports.items() if m.startswith("web") for t in ts)


def test_imports_point_down(imports: dict[str, set[str]]) -> None:
    """core imports only core; stages never import the pipeline or a face; the pipeline no face."""
    bad = sorted(
        f"{m} ({NAMES[layer(m)]}) -> {t} ({NAMES[layer(t)]})"
        for m, targets in imports.items()
        if layer(m) < 3
        for t in targets
        if layer(t) > layer(m)
    )
    assert bad == []


MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80
# Tables and literals a reader scans rather than reads (the OpenAPI document is one JSON literal).
EXEMPT_FUNCTIONS = frozenset({("web/openapi.py", "document")})


def _python_files() -> list[Path]:
    skip = {".venv", "node_modules", ".git", "build", "dist"}
    return [p for p in sorted(ROOT.rglob("*.py")) if not skip & set(p.relative_to(ROOT).parts)]


def test_no_module_over_700_lines() -> None:
    big = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_MODULE_LINES
    }
    assert big == {}


def test_no_function_over_80_lines() -> None:
    long: dict[str, int] = {}
    for p in _python_files():
        rel = str(p.relative_to(ROOT))
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES and (rel, node.name) not in EXEMPT_FUNCTIONS:
                    long[f"{rel}:{node.name}"] = n
    assert long == {}


def test_every_module_is_in_the_architecture_doc() -> None:
    """Each module is named in docs/architecture.md: by its path, or by its file name in its
    package's row."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for path in module_files().values():
        rel = path.relative_to(ROOT).as_posix()
        if path.name == "__main__.py" or f"`{rel}`" in doc:
            continue
        package = path.parent.relative_to(ROOT).as_posix()
        if path.name == "__init__.py" and f"`{package}/`" in doc:
            continue
        if f"`{package}/`" in doc and f"`{path.name}`" in doc:
            continue
        missing.append(rel)
    assert missing == []
