"""The page read once, fields named from all their evidence, purpose-aware over-collection.

The pages under ``tests/data/pages_own/`` are written for these tests in coding styles the dev set
does not use (compiled Vue 2/3, React ``createElement``, jQuery ``append``, base64 configuration,
hidden wizard steps, CSS-drawn labels, Traditional Chinese, English) plus over-collection pages.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from scanner import htmltree
from scanner.bench.evaldetect import page_adapter
from scanner.cli import ExitStatus, main
from scanner.errors import EmptyInput, NotText
from scanner.expand import _title
from scanner.heuristics.page import analyze_html, analyze_view, page_view
from scanner.heuristics.page.fields import classify_control
from scanner.heuristics.page.purpose import purposes
from scanner.htmltree import Control, check_markup
from scanner.models import PII_KINDS, Level
from scanner.pii import pii_labels
from scanner.pipeline import Scanner
from scanner.redirects import find_page_redirects
from scanner.settings import Settings

OWN = Path(__file__).resolve().parents[1] / "data" / "pages_own"
MANIFEST = json.loads((OWN / "manifest.json").read_text(encoding="utf-8"))


def _page(fid: str) -> tuple[str, str]:
    entry = next(e for e in MANIFEST["pages"] if e["id"] == fid)
    return (OWN / entry["file"]).read_text(encoding="utf-8"), entry["url"]


LATER = OWN.parent / "pages_blind"
FAMILIES = [(OWN, e) for e in MANIFEST["pages"]] + [
    (LATER, e) for e in json.loads((LATER / "manifest.json").read_text(encoding="utf-8"))["pages"]
]


@pytest.mark.parametrize(("folder", "entry"), FAMILIES, ids=lambda x: x["id"] if isinstance(x, dict) else "")
def test_own_page_families(folder: Path, entry: dict[str, object]) -> None:
    """Each own page: the fields it asks for exactly, and a warning exactly when expected."""
    html = (folder / str(entry["file"])).read_text(encoding="utf-8")
    out = page_adapter(html, str(entry["url"]))
    assert set(out["pii"]) == set(entry["pii"])  # type: ignore[arg-type]
    assert out["warn"] is (entry["label"] == "harvest"), out


# --- over-collection: purpose decides ---------------------------------------------------------------


def _reason(html: str, url: str, code: str) -> object:
    return next((r for r in analyze_html(html, url).reasons if r.code == code), None)


def test_ordering_page_asking_for_an_id_number_is_a_caution_naming_the_surplus() -> None:
    html, url = _page("ordering_asks_id")
    r = _reason(html, url, "page.asks_more_than_needed")
    assert r is not None
    assert "点餐" in r.message.zh and "身份证号" in r.message.zh and "不需要" in r.message.zh  # type: ignore[attr-defined]
    assert "手机号" not in r.message.zh  # type: ignore[attr-defined]  # the phone is needed: not surplus
    assert page_adapter(html, url)["level"] == "caution"


def test_parcel_page_asking_for_a_bank_card_is_danger() -> None:
    html, url = _page("parcel_asks_bank")
    r = _reason(html, url, "page.asks_more_than_needed")
    assert r is not None and "银行卡" in r.message.zh  # type: ignore[attr-defined]
    assert page_adapter(html, url)["level"] == "danger"


@pytest.mark.parametrize(
    "fid", ["ordering_phone_table_only", "railway_official_id", "blog_comment_form", "newsletter_box"]
)
def test_pages_that_ask_only_what_they_need_are_quiet(fid: str) -> None:
    html, url = _page(fid)
    assert _reason(html, url, "page.asks_more_than_needed") is None
    assert page_adapter(html, url)["level"] == "safe"


def test_the_same_railway_form_off_its_official_domain_warns() -> None:
    html, _ = _page("railway_official_id")
    out = page_adapter(html, "http://12306-kyfw.top/otn/passengers")
    assert out["warn"] and "page.brand_mismatch" in out["reasons"]


# Written in another style again: a static English ordering page, a parcel page in a config array.
ORDER_EN = """<html><head><title>Table 7 - order food</title></head><body><h1>Menu</h1>
<p>Choose your dishes, then tell us where to bring them.</p><form>
<input name="table" placeholder="Table number"><input type="tel" name="phone" placeholder="Phone">
<input name="ssn" placeholder="Social security number"><input name="card" autocomplete="cc-number"></form>
</body></html>"""


def test_english_ordering_page_with_ssn_and_card_is_danger_and_named_in_english() -> None:
    f = analyze_html(ORDER_EN, "https://table7-orders.example/")
    r = next(r for r in f.reasons if r.code == "page.asks_more_than_needed")
    assert r.weight >= 70 and "ID number" in r.message.en and "bank card" in r.message.en
    assert "phone" not in r.message.en.split(":")[0].split("asks for")[1]
    assert f.purpose == "ordering"


def test_official_pages_and_advice_never_over_collect() -> None:
    html, url = _page("shop_checkout_own")
    assert analyze_html(html, url).official
    assert _reason(html, url, "page.asks_more_than_needed") is None


def test_purposes_table_is_consistent() -> None:
    rows = purposes()
    assert {
        "ordering",
        "parcel",
        "wifi",
        "survey",
        "lucky_draw",
        "checkout",
        "registration",
        "government",
        "bank",
        "job",
        "loan",
    } <= {p.key for p in rows}
    for p in rows:
        assert p.zh and p.en and p.cues and p.needs <= set(PII_KINDS)


# --- one parse ---------------------------------------------------------------------------------------


def test_title_redirects_and_pii_share_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = htmltree.parse_html

    def counting(html: str):  # type: ignore[no-untyped-def]
        calls.append(len(html))
        return real(html)

    monkeypatch.setattr(htmltree, "parse_html", counting)
    htmltree.page_view.cache_clear()
    html = (
        "<html><head><title>领取补贴</title><meta http-equiv=refresh content='5;url=/next'></head><body>"
        "<label for=i>身份证号</label><input id=i name=idNo></body></html>"
    ) + " " * 17  # a string no other test uses
    assert _title(html) == "领取补贴"
    assert find_page_redirects(html).redirects[0].target == "/next"
    assert analyze_html(html, "https://a.example/").pii == ("id_card",)
    assert len(calls) == 1


def test_analyze_view_is_reusable_on_snapshots() -> None:
    html, url = _page("wizard_hidden_steps_etc")
    view = page_view(html)
    a, b = analyze_view(view, url), analyze_view(view, url)
    assert a == b and "bank_card" in a.pii


def test_hidden_wizard_steps_count_and_are_marked() -> None:
    html, _ = _page("wizard_hidden_steps_etc")
    hidden = [c for c in page_view(html).controls if c.hidden_at_load]
    named = [classify_control(c) for c in hidden]
    assert {f.kind for f in named if f is not None} >= {"id_card", "bank_card"}
    assert all(c.step for c in hidden)


def test_hosts_are_read_as_the_browser_reads_them() -> None:
    """``evil.test\\@bank.example``: the browser goes to evil.test, so the page is not the bank's."""
    html = (
        "<html><head><title>中国工商银行</title></head><body><h1>中国工商银行</h1>"
        "<input name=yhkh placeholder=银行卡号></body></html>"
    )
    f = analyze_html(html, "http://evil.test\\@icbc.com.cn/")
    assert not f.official and any(r.code == "page.brand_mismatch" for r in f.reasons)
    assert analyze_html(html, "https://www.icbc.com.cn/").official


# --- field evidence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "kind"),
    [
        (Control(keys=("zsxm",)), "real_name"),  # pinyin initials of 真实姓名
        (Control(maxlength=18), None),  # a length alone names nothing
        (Control(inputmode="numeric", maxlength=6), None),
        (Control(keys=("sfzh",), maxlength=18), "id_card"),
        (Control(keys=("q1",), pattern=r"^\d{17}[\dXx]$"), "id_card"),
        (Control(label="身分證字號"), "id_card"),
        (Control(label="行動電話"), "phone"),
        (Control(label="簡訊驗證碼"), "sms_code"),
        (Control(placeholder="Name on card"), "real_name"),
        (Control(autocomplete="shipping street-address"), "address"),
        (Control(autocomplete="one-time-code"), "sms_code"),
        (Control(type="tel", keys=("contact",)), None),
        (Control(type="tel", keys=("contact",), maxlength=11, label="联系电话"), "phone"),
        (Control(label="图形验证码", keys=("yzm",)), None),
        (Control(label="邀请码", keys=("code",)), None),
        (Control(near="获取验证码", maxlength=6), "sms_code"),
        (Control(type="email", label="电子邮箱"), None),
        (Control(type="password", label="支付密码"), "password"),
    ],
)
def test_control_is_named_from_all_its_evidence(control: Control, kind: str | None) -> None:
    f = classify_control(control)
    assert (f.kind if f else None) == kind


def test_script_prompts_and_model_keys_count() -> None:
    html = """<html><body><div id=app></div><script>
    var rules = {a: [{required: true, message: '请输入持卡人身份证号'}],
                 b: [{message: '银行卡号格式不正确'}]};
    var state = {form: {telNo: '', remark: ''}};
    </script></body></html>"""
    assert set(analyze_html(html, "https://x.example/").pii) == {"id_card", "bank_card", "phone"}


def test_news_script_strings_are_not_fields() -> None:
    html = """<html><body><p>今日新闻</p><script>
    var nav = [{title: '手机', url: '/mobile'}, {title: '银行', url: '/bank'}, {title: '地址', url: '/map'}];
    var t = '身份证丢了怎么办'; </script></body></html>"""
    assert analyze_html(html, "https://news.example/").pii == ()


# --- one PII table ----------------------------------------------------------------------------------


def test_one_pii_table_for_every_reader() -> None:
    from scanner.render import render_report
    from web import i18n

    table = pii_labels()
    assert set(table) == set(PII_KINDS)
    assert all(i18n.PII[k][1] == table[k]["zh"] for k in PII_KINDS)
    html, url = _page("ordering_asks_id")
    report = Scanner(Settings(offline=True)).analyze_page(html, url, use_lists=False)
    assert table["id_card"]["zh"] in render_report(report, "zh")
    assert any(table["id_card"]["zh"] in a.zh for a in report.advice)


# --- not a page: issue 19 item 2 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyInput),
        (b"   \n ", EmptyInput),
        (bytes(range(256)) * 8, NotText),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)) * 20, NotText),
        (b"just words, no markup at all", NotText),
    ],
)
def test_not_html_is_refused(
    data: bytes, error: type[Exception], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(error):
        check_markup(data.decode("utf-8", "replace"))
    path = tmp_path / "page.bin"
    path.write_bytes(data)
    out = io.StringIO()
    code = main(["page", str(path), "--url", "https://a.example/", "--no-lists"], out=out, stdin=io.BytesIO())
    err = capsys.readouterr().err
    assert code == ExitStatus.BAD_INPUT and out.getvalue() == ""
    assert err.count("\n") == 1 and err.startswith("lurelens: ") and ("HTML" in err or "empty" in err)
    assert "Traceback" not in err


def test_the_same_command_judges_a_real_page(tmp_path: Path) -> None:
    html, url = _page("parcel_asks_bank")
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    out = io.StringIO()
    code = main(["page", str(path), "--url", url, "--no-lists", "--lang", "zh"], out=out, stdin=io.BytesIO())
    assert code == ExitStatus.WARN and "快递取件页面要求填写银行卡" in out.getvalue()


def test_real_page_passes_the_markup_check() -> None:
    html, url = _page("blog_comment_form")
    check_markup(html)
    assert Scanner(Settings(offline=True)).analyze_page(html, url, use_lists=False).level is Level.SAFE


# --- over-collection in other styles (paraphrases of the cases) ------------------------------

WIFI_ID_JS = """<html><head><title>商场免费Wi-Fi</title></head><body><h1>连接免费WiFi</h1><div id=f></div>
<script>
var cfg = [{name: 'mobile', placeholder: '手机号'}, {name: 'vcode', placeholder: '短信验证码'},
           {name: 'sfzh', placeholder: '身份证号码'}];
</script></body></html>"""

PARCEL_FACE = """<html><head><title>Parcel redelivery</title></head><body><h1>Your parcel is waiting</h1>
<p>Confirm the delivery address for your package.</p><form>
<input name="address" autocomplete="street-address"><input name="tel" type="tel" placeholder="Phone">
<input type="file" accept="image/*" capture="user" name="selfie" aria-label="Take a selfie"></form>
</body></html>"""


def test_wifi_portal_asking_for_an_id_number_is_a_caution() -> None:
    f = analyze_html(WIFI_ID_JS, "https://free-wifi-mall.example/")
    r = next(r for r in f.reasons if r.code == "page.asks_more_than_needed")
    assert f.purpose == "wifi" and "身份证号" in r.message.zh and r.weight < 70


SURVEY_ID_SMS = """<html><head><title>Customer survey</title></head><body>
<h1>Customer satisfaction survey</h1><form>
<label>How was your visit?</label><select name="q1"><option>Good</option></select>
<label for=i>ID number</label><input id=i name=idNumber>
<label for=c>SMS code</label><input id=c name=smsCode>
</form></body></html>"""


def test_two_sensitive_surplus_kinds_off_the_popularity_list_are_danger() -> None:
    def weight(popular: bool | None) -> int:
        f = analyze_html(SURVEY_ID_SMS, "https://survey-rewards.example/", popular=popular)
        assert f.purpose == "survey"
        return next(r.weight for r in f.reasons if r.code == "page.asks_more_than_needed")

    assert weight(False) >= 70  # known to be outside the popularity list
    assert weight(None) < 70 and weight(True) < 70  # unknown or popular: a caution


def test_parcel_page_asking_for_a_selfie_is_danger() -> None:
    out = page_adapter(PARCEL_FACE, "https://parcel-redeliver.example/")
    assert "face" in out["pii"] and out["level"] == "danger"
    assert "page.asks_more_than_needed" in out["reasons"]


def test_snapshots_of_one_page_are_merged() -> None:
    """A renderer's DOM before and after "下一步": the fields of both steps are named once."""
    from scanner.htmltree import merge_views

    step1 = (
        "<html><head><title>认证</title></head><body><label for=a>手机号</label><input id=a></body></html>"
    )
    step2 = (
        "<html><body><label for=b>银行卡号</label><input id=b>"
        "<label for=a>手机号</label><input id=a></body></html>"
    )
    view = merge_views([page_view(step1), page_view(step2)])
    f = analyze_view(view, "https://renzheng.example/")
    assert f.pii == ("phone", "bank_card") and f.title == "认证"
    assert len(view.controls) == 2


LISTED_ARRAYS = """<html><body><h2>资料登记</h2><div id=f></div><script>
var F = [["xingming", "姓名"], ["sfzh", "身份证号码"], ["yhkh", "银行卡号"]];
F.forEach(function (x) { var i = document.createElement("input"); i.name = x[0]; i.title = x[1];
  document.getElementById("f").appendChild(i); });
</script></body></html>"""

MENU_WORDS = """<html><body><div id=nav></div><script>
var menu = ["手机", "地址", "电脑", "家电"];
var s = document.createElement("input"); s.type = "search"; document.body.appendChild(s);
</script></body></html>"""

ARIA_AND_FLOATING = """<html><body><span id=l1>Passport number</span><input aria-labelledby="l1">
<div class="mdc"><input id=x name=q7><label>Card verification code</label></div></body></html>"""


def test_field_lists_in_script_arrays_count() -> None:
    assert set(analyze_html(LISTED_ARRAYS, "https://a.example/").pii) == {"real_name", "id_card", "bank_card"}


def test_menu_words_in_a_script_are_not_fields() -> None:
    assert analyze_html(MENU_WORDS, "https://shop.example/").pii == ()


def test_aria_labelledby_and_floating_labels() -> None:
    assert set(analyze_html(ARIA_AND_FLOATING, "https://a.example/").pii) == {"id_card", "bank_card"}


@pytest.mark.parametrize(
    "html",
    [
        '<script>var s="' + "<input name=a>" * 30000 + '"</script>',
        "<el-input v-model=a></el-input>" * 20000,
        "<div>" * 400 + "<label>身份证号</label><input>" * 3000 + "</div>" * 400,
        "<script>" + "{k:'sfzh',t:'身份证号'}," * 40000 + "</script>",
        "<script>" + ("'" + "a\\\\b" * 2) * 60000 + "</script>",
        '<span id=l>x</span><img src="captcha.png">' + "<input aria-labelledby=l>" * 5000,
    ],
    ids=["inputs-in-js", "custom-components", "nested-labels", "config-objects", "escapes", "aria-captcha"],
)
def test_crafted_pages_are_read_in_bounded_time(html: str) -> None:
    """Context for each control is read from small nodes only: no work grows with controls × page."""
    t0 = time.perf_counter()
    analyze_html(html, "https://a.example/")
    assert time.perf_counter() - t0 < 3.0


JSX = """<html><body><div id=root></div><script type="text/babel">
function KycForm() {
  return (<form>
    <Input placeholder="请输入身份证号" name="idCard" />
    <TextField label="银行卡号" name="cardNo" />
    <TextField label="Search" name="q" />
  </form>);
}
ReactDOM.render(<KycForm />, document.getElementById("root"));
</script></body></html>"""


def test_jsx_props_are_fields() -> None:
    view = page_view(JSX)
    assert analyze_view(view, "https://a.example/").pii == ("id_card", "bank_card")
    assert len([c for c in view.controls if c.keys == ("idCard",)]) == 1  # one control, not two


PROMO_NEWSLETTER = """<html><head><title>Win big: the best giveaways this week</title></head><body>
<h1>Free gift cards and prizes you can claim this week</h1>
<p>Claim your free gift now, limited time only! We round up sweepstakes and giveaways.</p>
<aside><h3>Subscribe to our newsletter</h3><form><input name=name placeholder="Your name">
<input name=phone type=tel placeholder="Phone (optional)"><input type=email name=email placeholder=Email>
<button>Subscribe</button></form></aside></body></html>"""


def test_a_newsletter_box_on_a_promotional_page_is_not_a_harvest_form() -> None:
    out = page_adapter(PROMO_NEWSLETTER, "https://deals-weekly.example/")
    assert set(out["pii"]) == {"real_name", "phone"}
    assert "page.pii_with_lure" not in out["reasons"] and "page.asks_more_than_needed" not in out["reasons"]
    assert not out["warn"]
    # The same words with a form that asks for an ID number and a bank card are a harvest.
    harvest = PROMO_NEWSLETTER.replace(
        '<input name=phone type=tel placeholder="Phone (optional)">',
        '<input name=ssn placeholder="Social security number"><input name=card autocomplete=cc-number>',
    )
    assert page_adapter(harvest, "https://deals-weekly.example/")["level"] == "danger"
