"""The atheris targets in ``fuzz/`` stay importable and runnable without atheris (a smoke run)."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import pytest

FUZZ = Path(__file__).resolve().parents[2] / "fuzz" / "lurelens_fuzz.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lurelens_fuzz", FUZZ)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("lurelens_fuzz", mod)
    spec.loader.exec_module(mod)
    return mod


def _png() -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make("https://a.test/x").save(buf, kind="png", scale=3)
    return buf.getvalue()


SEEDS = [b"", b"http://a.test/x", "兼职 t.cn/AbCd 领取".encode(), b"WIFI:T:WPA;S:x;P:y;;", b"\x00\xff\xfe",
         b"<meta http-equiv=refresh content='0;url=http://b.test/'>", b"0.0.0.0 evil.example\n||x.test^"]


AREAS = ["extract", "canonical", "payload", "lists", "redirects", "page", "image", "check"]


def test_every_issue_area_has_a_target() -> None:
    assert set(_module().TARGETS) >= set(AREAS)


@pytest.mark.parametrize("name", AREAS)
def test_target_runs_on_seeds(name: str) -> None:
    target = _module().TARGETS[name]
    for seed in [*SEEDS, _png()]:
        target(seed)
