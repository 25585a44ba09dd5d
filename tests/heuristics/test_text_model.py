"""The learned text judgement (issue 13 item 2): same features in training and use, calibrated
probability, evidence in the message's own words, lazy loading, speed, never on a few characters."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from scanner.heuristics.text import normalize, text_reasons
from scanner.heuristics.textmodel import (
    DIM,
    MIN_CHARS,
    features,
    judge,
    load_model,
    prepare,
    training_report,
)


@pytest.mark.parametrize(
    ("raw", "prepared"),
    [
        ("点击t.cn/ab领取123元!!", "点击§领取0元!"),
        ("尾号xxxx的卡消费xx.xx元", "尾号0的卡消费0元"),  # corpus masks fold like digits
        ("尾号1234的卡消费56.78元", "尾号0的卡消费0元"),
        ("请登录 www.icbc-jf.cc 兑换", "请登录 § 兑换"),
        ("hello,,,   world", "hello, world"),
        ("next xmas", "next xmas"),  # an x inside a word is a letter
    ],
)
def test_prepare_folds_what_differs_between_corpora(raw: str, prepared: str) -> None:
    assert prepare(normalize(raw))[0] == prepared


def test_prepare_maps_back_to_the_normalised_text() -> None:
    norm = normalize("您的积分12345即将清零，点击 t.cn/x 兑换现金")
    prep, pos = prepare(norm)
    assert len(pos) == len(prep)
    for ch, i in zip(prep, pos, strict=True):
        if ch not in "0§,! ":
            assert norm[i] == ch


def test_features_are_deterministic_and_normalised() -> None:
    a = features(normalize("您的积分即将清零，请尽快兑换"))
    b = features(normalize("您的积分即将清零，请尽快兑换"))
    assert np.array_equal(a[0], b[0])
    assert a[0].min() >= 0 and a[0].max() < DIM
    assert abs(a[1] ** 2 * len(a[0]) - 1.0) < 1e-9  # unit L2 norm
    # Different numbers, same features: the model never learns a corpus's digits.
    assert np.array_equal(features(normalize("回复1领取"))[0], features(normalize("回复88领取"))[0])


def test_shipped_model_loads_with_calibration() -> None:
    model = load_model()
    assert model is not None
    assert model.weights.shape == (DIM,)
    assert 0.0 < model.note_at < model.warn_at < 1.0
    report = training_report()
    assert report["loso"] and {r["source"] for r in report["loso"]} >= {"zh_sms2014", "zh_80w_head"}


def test_few_characters_are_never_judged() -> None:
    for text in ("领红包", "贷款", "中奖了", "加微信", "ok"):
        assert judge(normalize(text)) is None
    assert len([c for c in normalize("您的积分即将清零请尽快兑换现金") if "\u4e00" <= c]) >= MIN_CHARS


def test_probability_orders_lure_above_chat() -> None:
    lure = judge(normalize("尊敬的客户，您的信用卡积分即将清零，请登录网址兑换现金礼包，逾期作废"))
    chat = judge(normalize("妈妈我今天晚上不回家吃饭了，和同学去图书馆复习功课"))
    assert lure is not None and chat is not None
    assert 0.0 <= chat[0] < lure[0] <= 1.0
    assert chat[0] < load_model().note_at  # type: ignore[union-attr]


def test_model_reason_names_phrases_of_the_message() -> None:
    text = "急用钱找我们，无抵押信用贷款，只要身份证当天就能放款，手续简单利息低，详询王经理"
    reasons = [r for r in text_reasons(text) if r.code == "text.model_lure"]
    assert reasons, "the model should find this loan script lure-like"
    phrases = reasons[0].evidence.split("、")
    assert phrases and all(p and p in normalize(text) for p in phrases)
    assert reasons[0].message.zh and reasons[0].message.en


def test_rules_never_need_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.heuristics.textmodel as tm

    monkeypatch.setattr(tm, "load_model", lambda: None)
    codes = {r.code for r in text_reasons("兼职日结，帮忙注册APP即可领佣金，每单返佣30元")}
    assert "text.part_time_commission" in codes and "text.model_lure" not in codes


def test_import_scanner_does_not_load_the_model() -> None:
    code = "import sys, scanner; print('scanner.heuristics.textmodel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_throughput_with_the_model_on() -> None:
    base = [
        "您的积分即将清零，请登录网址兑换现金礼包，逾期作废，退订回T",
        "明天下午三点在会议室开会，请大家带上上周的报表，谢谢",
        "URGENT! Your account has been suspended, verify your details at the link below",
        "Hey, running late, see you at the cafe in ten minutes",
    ]
    texts = [f"{t} {i}" for i in range(100) for t in base]
    text_reasons(texts[0])
    start = time.process_time()
    for t in texts:
        text_reasons(t)
    per_second = len(texts) / max(1e-9, time.process_time() - start)
    # The brief asks for >= 1,000 messages/s on one core; a loaded CI machine gets slack.
    assert per_second >= 300, per_second


def test_contact_verbs_are_a_way_to_act() -> None:
    """A loan script that says "call us" (来电咨询) but writes no number warns on the model alone;
    the same words without a way to act, or signed with a sender tag, only add to other reasons."""

    def model_reason(text: str) -> tuple[int, str] | None:
        got = [r for r in text_reasons(text) if r.code == "text.model_lure"]
        return (got[0].weight, got[0].severity.value) if got else None

    body = "工薪族凭工作证明即可申请信用贷款，额度最高五十万，当天到账"
    assert model_reason(body + "，欢迎来电咨询") == (45, "high")
    silent = model_reason(body)
    assert silent is not None and silent[0] <= 30 and silent[1] != "high"
    tagged = model_reason("【工商银行】" + body + "，欢迎来电咨询")
    assert tagged is not None and tagged[0] <= 20
