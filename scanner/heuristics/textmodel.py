"""The learned text judgement: hashed n-grams → a linear model → a calibrated lure probability.

Pure, numpy only at run time. ``scripts/train_text_model.py`` fits the weights with scikit-learn
from public SMS corpora and writes ``scanner/data/text_model.npz``; this module loads that file
lazily (the first message scored pays ~10 ms, ``import scanner`` pays nothing).

Features are the same in training and use because both call :func:`features`:

* the text goes through :func:`scanner.heuristics.text.normalize` (NFKC, lower case, Traditional →
  Simplified, separators inside CJK words dropped), then :func:`prepare` folds what differs between
  corpora and not between lures: every digit run and every corpus mask (``xxx``, ``XX``) → ``0``,
  every link → ``§``, every run of punctuation → one mark;
* character 1–3-grams of that string, plus word 1–2-grams of its Latin words, each hashed with
  CRC-32 into :data:`DIM` buckets; presence only, L2-normalised.

The reason ``text.model_lure`` names the phrases whose n-grams pushed the score up the most, cut
from the normalised message (so they are the message's own words, in simplified form).
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

DIM = 1 << 18
"""Hash buckets (a power of two)."""
MIN_CHARS = 10
"""Meaningful characters (CJK or Latin letters) a text needs before the model says anything."""
MODEL_FILE = "text_model.npz"
MAX_MODEL_CHARS = 2000
"""Characters of a text the model reads (the rules read more)."""

_LINK = re.compile(
    r"(?:https?://|www\.)[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]+"
    r"|(?<![a-z0-9@.])[a-z0-9][a-z0-9\-]{0,40}(?:\.[a-z0-9\-]{1,40})*\.(?:com|cn|net|cc|top|xyz|vip|"
    r"org|me|co|info|io|ly|tk|ml|ga|cf|gq|club|shop|site|online|link|app|hk|tw|uk|us)"
    r"(?:/[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]*)?(?![a-z0-9])"
)
# Corpora mask numbers as runs of x (``xxxx元``, ``尾号xxxx``); a lone x inside Latin words stays.
_MASK = re.compile(r"(?<![a-z])(?:x{2,}|x(?=[0-9\u4e00-\u9fff]))(?:[.,:]x+)*(?![a-z])|[0-9]+(?:[.,:][0-9]+)*")
_LATIN_WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")


@cache
def _fold_table() -> dict[int, str]:
    """Punctuation → ``,`` or ``!``, every space → `` `` (one char for one char, so positions hold)."""
    table: dict[int, str] = {}
    for o in list(range(0x2E80)) + list(range(0x3000, 0x3040)) + list(range(0xFE30, 0xFFF0)):
        c = chr(o)
        if c.isspace():
            table[o] = " "
        elif not c.isalnum() and c not in "§\0":
            table[o] = "!" if c in "!?！？" else ","
    return table


_FOLD = re.compile(_LINK.pattern + "|" + _MASK.pattern)


def prepare(norm: str) -> tuple[str, list[int]]:
    """Fold digits, masks, links and punctuation; return the string and, per char, its index in ``norm``.

    >>> prepare("点击t.cn/ab领取123元!!")[0]
    '点击§领取0元!'
    """
    # Links and numbers become one mark padded with NULs (positions hold), punctuation one of two
    # marks; then NULs go and runs of one mark shrink to one.
    parts: list[str] = []
    i = 0
    for m in _FOLD.finditer(norm):
        a, b = m.span()
        parts.append(norm[i:a])
        mark = "§" if m.group(0)[:1].isalpha() and _LINK.fullmatch(m.group(0)) else "0"
        parts.append(mark + "\0" * (b - a - 1))
        i = b
    parts.append(norm[i:])
    t = "".join(parts).translate(_fold_table())
    out: list[str] = []
    pos: list[int] = []
    prev = ""
    for k, ch in enumerate(t):
        if ch == "\0" or (ch == prev and ch in " ,!0§"):
            continue
        out.append(ch)
        pos.append(k)
        prev = ch
    return "".join(out), pos


_M1, _M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9


def _word_hash(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) & (DIM - 1)


def gram_hashes(prep: str) -> tuple[Any, Any, Any]:
    """Hashed n-grams of a prepared string as numpy arrays ``(bucket, start, end)``.

    Character 1–3-grams (those that are not all spaces) are hashed with a vectorised multiplicative
    mix of their code points; Latin words and word pairs with CRC-32.
    """
    import numpy as np

    c = np.frombuffer(prep.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(c)
    sp = c == 32
    hs, starts, ends = [], [], []
    with np.errstate(over="ignore"):
        for k in (1, 2, 3):
            if n < k:
                break
            h = np.full(n - k + 1, np.uint64(k), dtype=np.uint64)
            allsp = np.ones(n - k + 1, dtype=bool)
            for j in range(k):
                h = (h * np.uint64(_M1)) ^ c[j : n - k + 1 + j]
                allsp &= sp[j : n - k + 1 + j]
            h = (h ^ (h >> np.uint64(31))) * np.uint64(_M2)
            keep = ~allsp
            st = np.arange(n - k + 1)[keep]
            hs.append((h[keep] >> np.uint64(40)) & np.uint64(DIM - 1))
            starts.append(st)
            ends.append(st + k)
    words = [(m.group(0), m.start(), m.end()) for m in _LATIN_WORD.finditer(prep)]
    wh, ws, we = [], [], []
    for i, (w, a, b) in enumerate(words):
        wh.append(_word_hash("w:" + w))
        ws.append(a)
        we.append(b)
        if i + 1 < len(words):
            wh.append(_word_hash("w:" + w + " " + words[i + 1][0]))
            ws.append(a)
            we.append(words[i + 1][2])
    hs.append(np.array(wh, dtype=np.uint64))
    starts.append(np.array(ws, dtype=np.int64))
    ends.append(np.array(we, dtype=np.int64))
    return np.concatenate(hs).astype(np.int64), np.concatenate(starts), np.concatenate(ends)


Grams = tuple[Any, Any, Any]


def features(norm: str) -> tuple[Any, float, Grams, list[int], str]:
    """Hashed presence features of a normalised text.

    Returns ``(unique buckets, value of each, (bucket, start, end) of every gram, position map,
    prepared string)``; the value is ``1/sqrt(#buckets)`` (L2-normalised presence).
    """
    import numpy as np

    prep, pos = prepare(norm[:MAX_MODEL_CHARS])
    h, st, en = gram_hashes(prep)
    uniq = np.unique(h)
    v = 1.0 / math.sqrt(len(uniq)) if len(uniq) else 0.0
    return uniq, v, (h, st, en), pos, prep


def meaningful_chars(norm: str) -> int:
    """CJK characters plus Latin letters: what a few-character message lacks."""
    return sum(1 for c in norm if "\u4e00" <= c <= "\u9fff" or "a" <= c <= "z")


@dataclass(frozen=True, slots=True)
class TextModel:
    """Weights and calibration of the shipped model."""

    weights: Any
    """float32 array of :data:`DIM` weights."""
    bias: float
    calib_a: float
    """Platt scaling: ``p = 1 / (1 + exp(-(a * margin + b)))``."""
    calib_b: float
    warn_at: float
    """Probability from which the model alone warns (chosen on benign corpora, see the training report)."""
    note_at: float
    """Probability from which the model's reason is shown (it adds to the rules' reasons)."""


@cache
def load_model() -> TextModel | None:
    """The shipped model, or None when the data file is missing (the rules still work)."""
    import io

    import numpy as np

    try:
        raw = resources.files("scanner").joinpath("data", MODEL_FILE).read_bytes()
    except (FileNotFoundError, OSError):
        return None
    with np.load(io.BytesIO(raw)) as z:
        w = z["weights"].astype(np.float32)
        meta = z["meta"].astype(np.float64)
    if w.shape != (DIM,):
        return None
    return TextModel(w, float(meta[0]), float(meta[1]), float(meta[2]), float(meta[3]), float(meta[4]))


def training_report() -> dict[str, Any]:
    """The shipped model's training report (sources, thresholds, leave-one-source-out table)."""
    import json

    try:
        raw = (
            resources.files("scanner").joinpath("data", "text_model_report.json").read_text(encoding="utf-8")
        )
    except (FileNotFoundError, OSError):
        return {}
    data = json.loads(raw)
    return data if isinstance(data, dict) else {}


def probability(model: TextModel, buckets: Any, value: float) -> float:
    """The calibrated probability of a text's features."""
    m = model.bias + float(model.weights[buckets].sum()) * value
    z = model.calib_a * m + model.calib_b
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def push_phrases(
    model: TextModel, norm: str, grams: Grams, pos: list[int], prep: str, k: int = 3
) -> list[str]:
    """The ``k`` phrases of ``norm`` whose n-grams raised the score most, in reading order."""
    import numpy as np

    h, st, en = grams
    n = len(prep)
    contrib = model.weights[h] / (en - st)
    per = np.zeros(n + 1)
    # Spread each gram's weight over its characters (difference array, then a running sum).
    np.add.at(per, st, contrib)
    np.add.at(per, en, -contrib)
    per = np.cumsum(per)[:n].tolist()
    used = [False] * n
    spans: list[tuple[int, int]] = []
    for i in sorted(range(n), key=lambda i: -per[i]):
        if per[i] <= 0 or len(spans) >= k:
            break
        if used[i] or not prep[i].isalpha():
            continue
        a = b = i
        while b - a < 10 and _grows(a - 1, -1, per, used, prep):
            a -= 1
        while b - a < 10 and _grows(b + 1, 1, per, used, prep):
            b += 1
        for j in range(a, b + 1):
            used[j] = True
        if b - a >= 1 or not prep[a].isascii():
            spans.append((a, b))
    out: list[tuple[int, str]] = []
    for a, b in spans:
        lo = pos[a]
        hi = pos[b + 1] if b + 1 < len(pos) else len(norm)
        phrase = norm[lo:hi].strip(" ,.，。!！?？:：")
        if phrase:
            out.append((lo, phrase[:16]))
    return [p for _lo, p in sorted(out)]


def _grows(j: int, step: int, per: list[float], used: list[bool], prep: str) -> bool:
    """May a phrase grow to character ``j``? Pushing characters yes; one that pulls down a little
    too when the next one pushes again (填写手机号: 机 alone may score low), so a phrase is not cut
    in the middle of a word; never across punctuation or spaces."""
    n = len(prep)
    if not 0 <= j < n or used[j] or prep[j] in ",! ":
        return False
    nxt = j + step
    return per[j] > 0 or (0 <= nxt < n and not used[nxt] and per[nxt] > 0 and prep[nxt] not in ",! ")


def judge(norm: str) -> tuple[float, list[str]] | None:
    """``(probability, phrases)`` for a normalised text, or None (no model, or too few characters)."""
    if meaningful_chars(norm) < MIN_CHARS:
        return None
    model = load_model()
    if model is None:
        return None
    buckets, value, grams, pos, prep = features(norm)
    if not len(buckets):
        return None
    p = probability(model, buckets, value)
    phrases = push_phrases(model, norm, grams, pos, prep) if p >= model.note_at else []
    return p, phrases


__all__ = [
    "DIM",
    "MIN_CHARS",
    "TextModel",
    "features",
    "gram_hashes",
    "judge",
    "load_model",
    "prepare",
    "probability",
]
