"""The offline URL model: a hashed-feature logistic regression over the parts of a host name.

Why a model at all: a phishing domain registered yesterday is on no list yet, and no hand rule
describes every way such names are spelled. The model learns, from public phishing/scam feeds
(dated, see ``scripts/train_url_model.py``) against a popularity list, how the *parts* of a host
name look: the name the owner registered (its words and character 3–5-grams), its ending, the
labels left of it, the hosting platform a tenant lives on, and a few shape figures (length,
hyphens, digits, vowels).

Inference needs numpy only (the weights ship as ``scanner/data/url_model.npz``, float16). Every
feature belongs to one part of the URL, so a score is explained by summing the weights per part:
:func:`explain` says which parts drove it (``name "icbc-verify"``, ``ending .top``…).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

DIM_BITS = 19
"""The feature space has 2**DIM_BITS hashed buckets."""
GRAMS = (3, 4, 5)

_WORDS = re.compile(r"[a-z]+|[0-9]+")
_VOWELS = frozenset("aeiou")

PARTS = ("name", "ending", "subdomain", "platform", "bias")
"""The parts of a URL a feature can belong to (used to explain a score; the shape figures of the
name — length, hyphens, digits, vowels, entropy — count as the name)."""


@dataclass(frozen=True, slots=True)
class HostView:
    """The host split the way the model reads it."""

    name: str
    """The label the owner chose: the registered label, or a tenant's label on a hosting platform."""
    ending: str
    """The public suffix, or the platform root for a tenant."""
    sub: tuple[str, ...]
    """Labels left of ``name`` (``www`` dropped), nearest first."""
    platform: str
    """The hosting platform's root when ``name`` is a tenant of one, else ``""``."""


def host_view(
    host: str, registrable: str, suffix: str, platform_of: Callable[[str], str | None] | None = None
) -> HostView:
    """Split ``host`` into the parts the model scores (``platform_of`` maps a host to its platform root)."""
    host = host.lower().rstrip(".")
    plat = platform_of(host) if platform_of is not None else None
    if plat:
        left = host[: -len(plat) - 1].split(".") if host.endswith("." + plat) else [host]
        name, ending, rest = left[-1], plat, left[:-1]
    else:
        reg = registrable or host
        name = reg[: -len(suffix) - 1] if suffix and reg.endswith("." + suffix) else reg.split(".")[0]
        ending = suffix
        rest = host[: -len(reg) - 1].split(".") if host.endswith("." + reg) else []
    sub = tuple(x for x in reversed(rest) if x and x != "www")
    return HostView(name=name, ending=ending, sub=sub, platform=plat or "")


def _bucket(x: float, edges: tuple[float, ...]) -> int:
    return sum(1 for e in edges if x >= e)


def _entropy(s: str) -> float:
    if not s:
        return 0.0
    counts: dict[str, int] = {}
    for c in s:
        counts[c] = counts.get(c, 0) + 1
    n = len(s)
    return -sum(v / n * math.log2(v / n) for v in counts.values())


def features(v: HostView) -> list[tuple[str, str]]:
    """``(feature, part)`` pairs of a host view (the same in training and use)."""
    out: list[tuple[str, str]] = []
    name = v.name[:63]
    s = "^" + name + "$"
    for n in GRAMS:
        out.extend(("g:" + s[i : i + n], "name") for i in range(len(s) - n + 1))
    words = _WORDS.findall(name)
    out.extend(("w:" + w, "name") for w in dict.fromkeys(words) if not w.isdigit())
    out.append(("e:" + v.ending, "ending"))
    out.append(("tld:" + v.ending.rsplit(".", 1)[-1], "ending"))
    for i, lab in enumerate(v.sub[:3]):
        for w in dict.fromkeys(_WORDS.findall(lab)):
            out.append(("s:" + (w if not w.isdigit() else "#"), "subdomain"))
        if i == 0:
            out.append((f"s0len:{_bucket(len(lab), (1, 4, 8, 13, 20))}", "subdomain"))
    out.append((f"depth:{min(len(v.sub), 4)}", "subdomain"))
    if v.platform:
        out.append(("p:" + v.platform, "platform"))
    letters = [c for c in name if c.isalpha()]
    vow = sum(c in _VOWELS for c in letters) / len(letters) if letters else 0.0
    digits = sum(c.isdigit() for c in name)
    out += [
        (f"len:{_bucket(len(name), (4, 6, 8, 10, 13, 16, 20, 26))}", "name"),
        (f"hy:{min(name.count('-'), 4)}", "name"),
        (f"dg:{_bucket(digits, (1, 2, 4, 7))}", "name"),
        (f"vow:{_bucket(vow, (0.15, 0.25, 0.35, 0.45))}", "name"),
        (f"ent:{_bucket(_entropy(name), (2.5, 3.0, 3.5, 3.8))}", "name"),
        (f"idn:{int('xn--' in name)}", "name"),
        ("bias", "bias"),
    ]
    return out


def index_of(feature: str) -> int:
    """The hashed bucket of a feature."""
    return zlib.crc32(feature.encode()) & ((1 << DIM_BITS) - 1)


@dataclass(frozen=True, slots=True)
class Model:
    """Shipped weights and the thresholds chosen on held-out benign names."""

    weights: Any
    """numpy float32 array of 2**DIM_BITS weights (the bias is the ``bias`` feature's)."""
    thresholds: dict[str, float]
    """``{"low", "mid", "high"}`` probabilities (benign held-out FPR ≈ 2 %, 0.5 %, 0.1 %)."""
    meta: dict[str, Any]


@cache
def load() -> Model | None:
    """The bundled model, or ``None`` when its file is missing (then the heuristic is silent)."""
    import json

    import numpy as np

    try:
        ref = resources.files("scanner").joinpath("data", "url_model.npz")
        with ref.open("rb") as f:
            npz = np.load(f, allow_pickle=False)
            weights = npz["weights"].astype(np.float32)
            meta = json.loads(bytes(npz["meta"]).decode())
    except (FileNotFoundError, KeyError, ValueError, OSError):
        return None
    if weights.shape != (1 << DIM_BITS,):
        return None
    return Model(weights, {k: float(v) for k, v in meta["thresholds"].items()}, meta)


def raw_score(
    m: Model, feats: list[tuple[str, str]], skip: frozenset[str] = frozenset()
) -> tuple[float, dict[str, float]]:
    """``(probability, summed weight per part)``, leaving out the features of the ``skip`` parts."""
    per: dict[str, float] = {}
    w = m.weights
    total = 0.0
    for f, part in feats:
        if part in skip:
            continue
        x = float(w[index_of(f)])
        total += x
        per[part] = per.get(part, 0.0) + x
    total = max(-30.0, min(30.0, total))
    return 1.0 / (1.0 + math.exp(-total)), per


def explain(v: HostView, per: dict[str, float], top: int = 2) -> list[str]:
    """The parts that pushed the score up most, in words a person can check against the URL."""
    shown = {
        "name": f'name "{v.name[:40]}"',
        "ending": f".{v.ending}" if not v.platform else f"a tenant of {v.platform}",
        "subdomain": f'"{".".join(reversed(v.sub))[:40]}" in front',
        "platform": f"a tenant of {v.platform}",
    }
    parts = sorted((p for p in per if p != "bias" and per[p] > 0.25), key=lambda p: -per[p])
    out = []
    for p in parts[:top]:
        text = shown.get(p, p)
        if text not in out:
            out.append(text)
    return out


# --- the heuristic ---------------------------------------------------------------------------------

MODEL_WEIGHTS = (("high", 45), ("mid", 30), ("low", 15))
"""(threshold name, reason weight): the first threshold the probability reaches sets the weight.
``high`` warns by itself (caution); ``mid`` and ``low`` only add to other evidence."""


_TENANT_SKIP = frozenset({"platform", "ending"})


def model_reasons(u: Any, platform_of: Callable[[str], str | None]) -> list[Any]:
    """``url.model`` for a canonical URL whose host scores at or above the ``low`` threshold."""
    from ..reasons import make

    m = load()
    if m is None or not u.host:
        return []
    v = host_view(u.host, u.registrable_domain, u.suffix, platform_of)
    if len(v.name) < 2:
        return []
    # A tenant is judged by what it says, not by the platform it lives on (url.free_hosting says that).
    p, per = raw_score(m, features(v), _TENANT_SKIP if v.platform else frozenset())
    for name, weight in MODEL_WEIGHTS:
        if p >= m.thresholds.get(name, 2.0):
            parts = explain(v, per) or [f'name "{v.name[:40]}"']
            evidence = f"score {p:.2f}; driven by " + ", ".join(parts)
            return [make("url.model", evidence, weight=weight, source="url", score=round(p, 3),
                         parts=parts)]
    return []
