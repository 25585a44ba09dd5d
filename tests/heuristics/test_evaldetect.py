"""The bench-detect figures on a tiny labelled folder laid out like the evaluation data folder."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.bench.evaldetect import bench_detect, format_report, message_reasons, page_adapter


def _folder(tmp: Path) -> Path:
    ev = tmp / "eval"
    (ev / "urls").mkdir(parents=True)
    (ev / "pages" / "html").mkdir(parents=True)
    (ev / "urls" / "urls_dev.csv").write_text(
        "url,label,source,category,first_seen,url_kind,rank\n"
        "http://10086-jfdh.top/jf/,malicious,s1,phishing,2025-01-01,full_url,\n"
        "http://203.0.113.7/x.apk,malicious,s1,malware,2025-01-01,full_url,\n"
        "http://www.example.com/,benign,s2,popular_global,,host_only,10\n"
        "http://bit.ly/,benign,s3,shortener_service,,host_only,\n",
        encoding="utf-8",
    )
    (ev / "pages" / "html" / "h.html").write_text(
        "<html><body><h1>兼职日结 注册领佣金</h1><label for=a>身份证号</label><input id=a>"
        "<label for=b>短信验证码</label><input id=b></body></html>",
        encoding="utf-8",
    )
    (ev / "pages" / "html" / "b.html").write_text("<html><body><p>hello</p></body></html>", encoding="utf-8")
    man = {
        "warn_expected_for": "harvest",
        "pages": [
            {
                "id": "h",
                "file": "html/h.html",
                "url": "http://jz.example/",
                "label": "harvest",
                "pii": ["id_card", "sms_code"],
            },
            {"id": "b", "file": "html/b.html", "url": "https://ok.example/", "label": "benign", "pii": []},
        ],
    }
    (ev / "pages" / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    (ev / "pages" / "messages.csv").write_text(
        "text,label,source\n兼职日结，注册APP领佣金，提供身份证和验证码,lure,a\n晚上一起吃饭吗,benign,a\n",
        encoding="utf-8",
    )
    return tmp


def test_bench_detect_figures(tmp_path: Path) -> None:
    res = bench_detect(_folder(tmp_path))
    assert res["urls"]["rows"] == 4
    assert res["urls"]["tpr"] == 1.0 and res["urls"]["fpr"] == 0.0
    assert res["urls"]["by_category"]["shortener_service"]["warned"] == 0
    pages = res["pages"]
    assert {k: pages[k] for k in ("pages", "tpr", "fpr", "pii_precision", "pii_recall")} == {
        "pages": 2,
        "tpr": 1.0,
        "fpr": 0.0,
        "pii_precision": 1.0,
        "pii_recall": 1.0,
    }
    assert pages["by_field"]["id_card"] == {"n": 1, "precision": 1.0, "recall": 1.0}
    assert 0 < pages["ms_median"] <= pages["ms_max"]
    # The project's own page families are measured beside the given folder (source checkout).
    assert res["pages_own"]["pages"] >= 15 and res["pages_own"]["pii_recall"] >= 0.75
    assert res["messages"]["tpr"] == 1.0 and res["messages"]["fpr"] == 0.0
    assert res["messages"]["model"] is True and res["messages"]["messages_per_second"] > 0
    # The leave-one-source-out table comes from the shipped model's training report.
    sources = {r["source"] for r in res["messages"]["loso"]}
    assert {"zh_sms2014", "en_exais_ham"} <= sources
    text = format_report(res)
    assert "TPR" in text and "leave-one-source-out" in text and "zh_sms2014" in text
    # lists off with the prior on, and as shipped (bundled lists compiled in a temporary folder)
    for key in ("urls_prior", "urls_lists"):
        assert res[key]["rows"] == 4 and res[key]["tpr"] == 1.0 and res[key]["fpr"] == 0.0
        assert res[key]["by_category"]["popular_global"]["danger"] == 0
    assert res["urls_lists"]["bundled_dropped_popular"] > 0
    split = res["url_model_time_split"]
    assert split and {"set", "n", "low", "mid", "high"} <= set(split[0])
    report = format_report(res)
    assert "as shipped" in report and "dropped as popular" in report and "time split" in report


def test_adapter_shape() -> None:
    out = page_adapter("<html></html>", "")
    assert set(out) >= {"warn", "pii"}
    assert out["warn"] is False


def test_message_reasons_include_link_heuristics() -> None:
    codes = {r.code for r in message_reasons("【中国移动】积分即将清零，请登录 10086-jfdh.top 兑换现金")}
    assert "url.brand_in_domain" in codes and "text.points_expiry" in codes


def test_bench_detect_adapter_messages_section(tmp_path: Path) -> None:
    from scanner.bench.adapters import bench_detect_adapter
    from scanner.settings import Settings

    res = bench_detect_adapter(Settings(), eval_dir=_folder(tmp_path) / "eval")
    assert {"messages_tpr", "messages_fpr", "messages_messages_per_second"} <= set(res.figures)
    assert res.figures["messages_messages_per_second"].unit == "messages/s"
    assert any("leave-one-source-out" in n for n in res.notes)
    assert any(n.startswith("zh_sms2014") for n in res.notes)
