#!/usr/bin/env python3
"""Train the bilingual text model behind ``text.model_lure`` and print its leave-one-source-out table.

Corpora (public GitHub repositories brought to this machine as bare git mirrors; pass their parent
folder with ``--mirrors``; files are read with ``git show`` and never copied into the project):

* ``zh_sms2014`` — x-hacker/SpamMessagesLR ``train.txt`` (commit 766f7ee, 2017; ~11k real Chinese
  SMS of 2014, 0 = normal, 1 = spam; no licence stated: used for training only, not redistributed);
* ``zh_80w_head`` — ZPdesu/Spam-Message-Classifier-sklearn ``RawData/`` (commit bb6d82d, 2016;
  the first 10,000 lines of the public 80-万 labelled Chinese SMS set; its "normal" lines are mostly
  web sentence fragments; no licence stated);
* ``zh_spam_categories`` — xiaojie16/SpamMessageProcessing ``数据/6类训练集`` (commit bd92da2, 2016;
  spam of the same 80-万 set sorted by hand into loan fraud, bank-transfer fraud, car, property and
  service adverts, plus ``数据/测试集/spamMessage.txt``, 10,000 more spam lines of that set, as the
  separate source ``zh_80w_spam_sample``; no licence stated);
* ``zh_chat_tencent`` — 502ping/RetrievalBased_Chatbot ``data_Q.txt`` (commit 07a1eaa, 2019): the
  prompts of Tencent AI Lab's "Manually Annotated Chinese Corpus for Non-task-oriented Dialogue
  Systems" (Li et al., 2018; CC BY 3.0), ~12k distinct chit-chat lines of 6+ characters; benign;
* ``en_exais_ham`` — AbayomiAlli/SMS-Spam-Dataset (commit 2284081, 2021; ExAIS SMS, 2,890 personal
  English SMS of a Nigerian university, 2014; its "spam" is carrier promotions and quotes and is not
  used).

Labels. "Lure" here means fraud or phishing, not advertising (the product warns on lures; a shop's
advert is benign). The Chinese spam corpora mix both, so spam lines are weakly labelled: a spam
line is a lure when it carries one of the fraud-family cues in :data:`FRAUD_CUES` (loans,
points-to-cash, prizes, gambling bonuses, part-time pay, transfers, account trouble, fake invoices),
otherwise an advert (benign). The hand-sorted fraud categories are lures, the advert categories
benign. Normal SMS, web sentences and English personal SMS are benign.

The evaluation folder (``--eval``, e.g. the dev ``messages.csv``) is only measured, never trained
on or tuned against; the reserved corpora of the product brief are never read.

Usage: python scripts/train_text_model.py --mirrors /work/.mirror [--eval CSV] [--out DIR]
Needs the ``train`` extra (scikit-learn, scipy).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.heuristics.text import normalize  # noqa: E402
from scanner.heuristics.textmodel import DIM, MIN_CHARS, features, meaningful_chars, prepare  # noqa: E402

FRAUD_CUES = re.compile(
    r"贷款|借款|下款|放款|额度|无抵押|信用卡.{0,4}(办理|提额|套现)|套现|积分.{0,8}(兑换|清零|现金|过期)"
    r"|中奖|获奖|领奖|奖金|大奖|彩金|博彩|娱乐城|百家乐|真人|棋牌|六合彩|特码|彩票|赌|注册.{0,2}送|首充|首存|开户送"
    r"|兼职|日结|刷单|佣金|返利|汇款|打款|转账|转入|汇到|账户.{0,6}(异常|冻结|过期|失效)|密码器|验证码|卡号"
    r"|代开.{0,4}发票|发票|免费领|领取.{0,6}(礼品|奖品|红包)|安全账户|涉嫌|公安|法院"
)

REPOS = {
    "sms2014": "x-hacker+SpamMessagesLR",
    "80w": "ZPdesu+Spam-Message-Classifier-sklearn",
    "cats": "xiaojie16+SpamMessageProcessing",
    "exais": "AbayomiAlli+SMS-Spam-Dataset",
    "chat": "502ping+RetrievalBased_Chatbot",
}


def _git(mirrors: Path, key: str, path: str) -> bytes:
    base = mirrors / REPOS[key] / "repo"
    gd = base / ".git" if (base / ".git").is_dir() else base
    return subprocess.run(
        ["git", "--git-dir", str(gd), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout


def _spam_kind(text: str) -> str:
    return "lure" if FRAUD_CUES.search(normalize(text)) else "ad"


def load_corpora(mirrors: Path) -> Iterator[tuple[str, str, str]]:
    """``(source, text, kind)`` rows of every training corpus; kind: ``lure``, ``ad`` or ``ham``."""
    for line in _git(mirrors, "sms2014", "train.txt").decode("utf-8", "replace").splitlines():
        lab, _, text = line.partition("\t")
        if text.strip() and lab in ("0", "1"):
            yield "zh_sms2014", text, _spam_kind(text) if lab == "1" else "ham"
    content = json.loads(_git(mirrors, "80w", "RawData/train_content.json"))
    labels = json.loads(_git(mirrors, "80w", "RawData/train_label.json"))
    for text, lab in zip(content, labels, strict=False):
        if text.strip():
            yield "zh_80w_head", text.strip(), _spam_kind(text) if str(lab) == "1" else "ham"
    # A further 10,000 spam lines of the same 80-万 set (ids ~98,700 on), spam only.
    for line in (
        _git(mirrors, "cats", "数据/测试集/spamMessage.txt").decode("utf-8-sig", "replace").splitlines()
    ):
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1] == "1" and parts[2].strip():
            yield "zh_80w_spam_sample", parts[2].strip(), _spam_kind(parts[2])
    cats = {"贷款诈骗_1": "lure", "冒充银行扣款类、提供姓名及卡号转账诈骗_5": "lure"}
    cats |= {"二手车推销信息_2": "ad", "房地产推销信息_3": "ad", "服务业广告推送信息_4": "ad"}
    for name, lab in cats.items():
        raw = _git(mirrors, "cats", f"数据/6类训练集/{name}.txt").decode("utf-8-sig", "replace")
        for line in raw.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2].strip():
                yield "zh_spam_categories", parts[2].strip(), lab
    # Chit-chat prompts (word-segmented; normalize() drops the spaces inside CJK text): benign
    # chat-like Chinese, the kind of text a user pastes beside a link, so the model does not take
    # "加微信" or "支付宝" in ordinary talk for a lure. Lines of 6+ characters are trained on (the
    # model scores only 10+, but shorter lines still teach what chat n-grams look like).
    chat = _git(mirrors, "chat", "data_Q.txt").decode("utf-8-sig", "replace").splitlines()
    for text in dict.fromkeys(t.strip() for t in chat):
        if text and meaningful_chars(normalize(text)) >= 6:
            yield "zh_chat_tencent", text, "ham"
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_git(mirrors, "exais", "ExAIS_SMS Spam Dataset.zip"))) as z:
        for name in z.namelist():
            if not name.endswith(".csv"):
                continue
            for row in csv.reader(io.StringIO(z.read(name).decode("latin-1"))):
                if len(row) > 7 and row[6].strip().upper() == "HAM":
                    text = ",".join(x for x in row[7:] if x).strip()
                    if text:
                        yield "en_exais_ham", text, "ham"


def vectorize(texts: list[str]) -> tuple[object, list[str]]:
    """Sparse feature matrix and the prepared strings (for de-duplication)."""
    from scipy.sparse import csr_matrix

    indptr, indices, data, preps = [0], [], [], []
    for t in texts:
        norm = normalize(t)
        buckets, value, _g, _p, prep = features(norm)
        indices.extend(buckets.tolist())
        data.extend([value] * len(buckets))
        indptr.append(len(indices))
        preps.append(prep)
    return csr_matrix((data, indices, indptr), shape=(len(texts), DIM), dtype=np.float32), preps


def fit(x: object, y: np.ndarray, c: float) -> object:
    """A class-balanced logistic regression."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=200).fit(x, y)


def platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling fitted on out-of-fold margins."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4).fit(margins.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _auc(scores: np.ndarray, y: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else None


def _eligible(texts: list[str]) -> np.ndarray:
    return np.array([meaningful_chars(normalize(t)) >= MIN_CHARS for t in texts])


def main(argv: list[str] | None = None) -> int:
    """Train, print the leave-one-source-out table, write the model and its report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirrors", type=Path, required=True)
    ap.add_argument("--eval", type=Path, help="labelled text,label,source CSV: measured only")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "scanner" / "data")
    ap.add_argument("--C", type=float, default=4.0)
    args = ap.parse_args(argv)
    t0 = time.time()
    srcs, texts, kinds = _dedupe(load_corpora(args.mirrors))
    kind_arr, src_arr = np.array(kinds), np.array(srcs)
    y = (kind_arr == "lure").astype(int)
    x, _preps = vectorize(texts)
    elig = _eligible(texts)
    n_ad = int((kind_arr == "ad").sum())
    print(f"{len(texts)} texts ({int(y.sum())} lure, {n_ad} adverts) from {len(set(srcs))} sources")
    loso = _loso(x, kind_arr, src_arr, elig, texts, args.C)
    report = _fit_final(x, y, elig, args.C, args.out)
    report |= {
        "texts": len(texts),
        "lure": int(y.sum()),
        "by_source": {
            s: {k: int(((src_arr == s) & (kind_arr == k)).sum()) for k in ("lure", "ad", "ham")}
            for s in set(srcs)
        },
        "loso": loso,
    }
    if args.eval:
        w = np.load(args.out / "text_model.npz")["weights"].astype(np.float32)
        report["eval"] = _measure(args.eval, w, report["bias"], report["warn_margin"])
        e = report["eval"]
        print(f"\nmodel alone on {args.eval.name}: TPR {e['tpr']:.3f}  FPR {e['fpr']:.4f}  (measured only)")
    (args.out / "text_model_report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    size = (args.out / "text_model.npz").stat().st_size
    print(f"warn_at p={report['warn_at']:.3f}  note_at p={report['note_at']:.3f}  model {size / 1e6:.2f} MB")
    print(f"{time.time() - t0:.0f}s")
    return 0


def _dedupe(rows: Iterator[tuple[str, str, str]]) -> tuple[list[str], list[str], list[str]]:
    """One copy of each prepared text (sources, texts, kinds); a text seen both ways stays a lure."""
    seen: dict[str, int] = {}
    srcs: list[str] = []
    texts: list[str] = []
    kinds: list[str] = []
    for src, text, kind in rows:
        key = prepare(normalize(text))[0]
        if key in seen:
            if kind == "lure":
                kinds[seen[key]] = "lure"
            continue
        seen[key] = len(texts)
        srcs.append(src)
        texts.append(text)
        kinds.append(kind)
    return srcs, texts, kinds


def _loso(
    x: object, kind_arr: np.ndarray, src_arr: np.ndarray, elig: np.ndarray, texts: list[str], c: float
) -> list[dict[str, object]]:
    """Train on all corpora but one, score that one: model alone, rules alone, both; print the table."""
    y = (kind_arr == "lure").astype(int)
    loso = []
    head = f"\n{'held-out source':20s} {'n':>5s} {'lure':>5s} {'AUC':>6s}"
    for k in ("model", "rules", "both"):
        head += f" | {k + ' TPR':>10s} {'FPR ham':>7s} {'FPR ad':>7s}"
    print(head)
    rule_warn = _rule_verdicts(texts)
    for held in sorted(set(src_arr.tolist())):
        tr, te = src_arr != held, (src_arr == held) & elig
        m = fit(x[tr], y[tr], c)
        # Thresholds from the training sources only (inner out-of-fold margins).
        warn_m, note_m = _margins(x[tr], y[tr], elig[tr], c)
        s = m.decision_function(x[te])
        kt = kind_arr[te]
        row: dict[str, object] = {"source": held, "n": int(te.sum()), "lure": int((kt == "lure").sum())}
        row["auc"] = _auc(s, (kt == "lure").astype(int))
        both = _combine(rule_warn[te], s, warn_m, note_m)
        line = f"{held:20s} {row['n']:5d} {row['lure']:5d} {_f(row['auc']):>6s}"
        for name, warned in (("model", s >= warn_m), ("rules", rule_warn[te][:, 0] > 0), ("both", both)):
            for kind, key in (("lure", "tpr"), ("ham", "fpr_ham"), ("ad", "fpr_ad")):
                sel = kt == kind
                row[f"{name}_{key}"] = float(warned[sel].mean()) if sel.any() else None
            line += f" | {_f(row[name + '_tpr']):>10s} {_f(row[name + '_fpr_ham'], 4):>7s}"
            line += f" {_f(row[name + '_fpr_ad'], 4):>7s}"
        loso.append(row)
        print(line)
    return loso


def _fit_final(x: object, y: np.ndarray, elig: np.ndarray, c: float, out: Path) -> dict[str, object]:
    """The shipped model on all corpora; Platt calibration and thresholds from 5-fold out-of-fold margins."""
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros(len(y))
    for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        oof[b] = fit(x[a], y[a], c).decision_function(x[b])
    ca, cb = platt(oof, y)
    warn_m, note_m = _cut(oof, y, elig, 0.001), _cut(oof, y, elig, 0.01)
    final = fit(x, y, c)
    bias = float(final.intercept_[0])

    def prob(m: float) -> float:
        return float(1 / (1 + np.exp(-(ca * m + cb))))

    meta = np.array([bias, ca, cb, prob(warn_m), prob(note_m)], dtype=np.float64)
    out.mkdir(parents=True, exist_ok=True)
    weights = final.coef_[0].astype(np.float16)
    np.savez_compressed(out / "text_model.npz", weights=weights, meta=meta)
    return {
        "trained": time.strftime("%Y-%m-%d"),
        "C": c,
        "bias": bias,
        "warn_at": prob(warn_m),
        "note_at": prob(note_m),
        "warn_margin": warn_m,
        "oof_auc": _auc(oof, y),
    }


def _cut(scores: np.ndarray, y: np.ndarray, elig: np.ndarray, fpr: float) -> float:
    """The margin above which at most ``fpr`` of the eligible benign texts score."""
    neg = np.sort(scores[(y == 0) & elig])
    return float(neg[min(len(neg) - 1, int(np.ceil(len(neg) * (1 - fpr))))])


def _margins(x: object, y: np.ndarray, elig: np.ndarray, c: float) -> tuple[float, float]:
    """Warn and note margins (0.1 % and 1 % of benign texts above) from 3-fold out-of-fold scores."""
    from sklearn.model_selection import StratifiedKFold

    oof = np.zeros(len(y))
    for a, b in StratifiedKFold(3, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        oof[b] = fit(x[a], y[a], c).decision_function(x[b])
    return _cut(oof, y, elig, 0.001), _cut(oof, y, elig, 0.01)


_CORPUS_MASK = re.compile(r"(?<![a-z])x{2,}(?![a-z])")


def _rule_verdicts(texts: list[str]) -> np.ndarray:
    """Per text: rules alone warn, their noisy-OR keep factor (model left out), and 0 / 1 / 2 for
    no way to act / a way to act / a sender tag (see ``text._model_reason``)."""
    from scanner.heuristics.text import _ACTION, _tagged, text_reasons
    from scanner.verdict import decide

    out = np.zeros((len(texts), 3))
    for i, t in enumerate(texts):
        norm = normalize(t)
        # The corpora mask digits (``详询xxxxxxxxxxx``); a real message carries the number, so the
        # way-to-act test reads masks as digits (the rules and the model still see the masked text).
        act = _ACTION.search(_CORPUS_MASK.sub(lambda m: "5" * len(m.group(0)), norm))
        out[i, 2] = 2 if _tagged(norm) else int(bool(act))
        rs = [r for r in text_reasons(t) if r.code != "text.model_lure"]
        out[i, 0] = decide(rs)[0].warns
        keep = 1.0
        for r in rs:
            if r.weight > 0 and r.severity.value != "info":
                keep *= 1 - min(r.weight, 99) / 100
        out[i, 1] = keep if rs else 1.0
    return out


def _combine(rules: np.ndarray, margins: np.ndarray, warn_m: float, note_m: float) -> np.ndarray:
    """Rules plus a held-out model, as ``text._model_reason`` combines them (margins stand in for
    the calibrated probabilities: the same order, so the same thresholds)."""
    alone = (margins >= warn_m) & (rules[:, 2] == 1)
    add = np.clip(0.05 + 0.25 * (margins - note_m) / max(1e-6, warn_m - note_m), 0.05, 0.30)
    add = np.where(rules[:, 2] == 2, np.minimum(add, 0.20), add)
    w = np.where(alone, 0.45, np.where(margins >= note_m, add, 0.0))
    score = 100 * (1 - rules[:, 1] * (1 - w))
    return (rules[:, 0] > 0) | alone | (score >= 40)


def _measure(path: Path, w: np.ndarray, bias: float, warn_m: float) -> dict[str, object]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    x, _ = vectorize([r["text"] for r in rows])
    s = x @ w + bias
    elig = _eligible([r["text"] for r in rows])
    lab = np.array([r["label"] == "lure" for r in rows])
    warn = (s >= warn_m) & elig
    return {"rows": len(rows), "tpr": float(warn[lab].mean()), "fpr": float(warn[~lab].mean())}


def _f(v: float | None, d: int = 3) -> str:
    return "-" if v is None else f"{v:.{d}f}"


if __name__ == "__main__":
    raise SystemExit(main())
