"""Charset choice for QR byte payloads: ECI honoured, else the most plausible decoding (never mojibake)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import segno
from PIL import Image

from scanner import charsets
from scanner import decode as D
from scanner.charsets import decode_qr_payload, decode_with_eci, guess_decode, parse_bytes_eci, plausibility
from scanner.decode import decode_image


@pytest.mark.parametrize(
    ("text", "encoding", "codec"),
    [
        ("扫码领取红包", "gbk", "gb18030"),
        ("兼职刷单日结，点击注册领佣金", "gbk", "gb18030"),
        ("请扫码支付停车费", "gb18030", "gb18030"),
        ("中", "gbk", "gb18030"),
        ("こんにちは世界", "shift_jis", "cp932"),
        ("東京都渋谷区", "shift_jis", "cp932"),
        ("Google モバイル\r\nhttp://google.jp", "shift_jis", "cp932"),
        ("ﾃﾞｻﾞｲﾝQR", "shift_jis", "cp932"),
        ("*ﾀﾞﾌﾞﾙQR*", "shift_jis", "cp932"),
        ("ﾊﾟｽﾜｰﾄﾞ", "shift_jis", "cp932"),
        ("你好世界 こんにちは", "utf-8", "utf-8"),
        ("Zürich Straße – Öffnungszeiten", "utf-8", "utf-8"),
        ("Привет, мир!", "utf-8", "utf-8"),
        ("Emoji 🚗💳 ✅", "utf-8", "utf-8"),
        ("한국어 주차", "utf-8", "utf-8"),
        ("Café crème", "latin-1", "latin-1"),
        ("Émile Zola", "latin-1", "latin-1"),
        ("Zürich", "latin-1", "latin-1"),
        ("plain ascii", "ascii", "ascii"),
        ("免費領取禮品，請填寫身分證字號與手機號碼", "cp950", "cp950"),
        ("高額佣金兼職，註冊即送現金", "cp950", "cp950"),
        ("您的包裹配送失敗，請點擊 https://post.test/tw?id=123 更新地址", "cp950", "cp950"),
        ("營業時間 10:00～19:00", "cp950", "cp950"),  # cp950's ～, where big5hkscs reads ∼
        ("你嘅包裹未能派送，請重新預約", "big5hkscs", "big5hkscs"),  # 嘅 is HKSCS: cp950 fails
        # EUC-KR has no U+2014 em dash: Korean text writes KS X 1001's horizontal bar (U+2015).
        ("무료 선물 받기 ― 주민등록번호 입력", "euc-kr", "cp949"),
        ("안녕하세요 택배 조회", "euc-kr", "cp949"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None,
)
def test_guess_decode_picks_the_meant_charset(text: str, encoding: str, codec: str) -> None:
    got, used = guess_decode(text.encode(encoding))
    assert got == text
    assert used == codec


def test_shift_jis_is_not_taken_for_gb18030_although_both_decode() -> None:
    raw = "こんにちは世界".encode("shift_jis")
    raw.decode("gb18030")  # valid GB18030 too: the first-valid rule would return Chinese mojibake
    assert guess_decode(raw)[0] == "こんにちは世界"


def test_gbk_is_not_taken_for_latin1() -> None:
    raw = "你好世界".encode("gbk")
    assert raw.decode("latin-1") != "你好世界"
    assert guess_decode(raw)[0] == "你好世界"


def test_big5_is_not_taken_for_gbk_nor_gbk_for_big5_although_both_decode() -> None:
    simplified = "中国工商银行提醒您：账户存在异常，请于24小时内完成身份验证"
    gbk, big5 = simplified.encode("gbk"), "高額佣金兼職，註冊即送現金".encode("cp950")
    gbk.decode("cp950"), big5.decode("gb18030")  # each is valid in the other charset too
    assert guess_decode(gbk) == (simplified, "gb18030")
    assert guess_decode(big5) == ("高額佣金兼職，註冊即送現金", "cp950")


def test_euc_kr_is_not_taken_for_gbk_nor_gbk_for_euc_kr_although_both_decode() -> None:
    korean, gbk = "안녕하세요 택배 조회".encode("euc-kr"), "付款".encode("gbk")
    korean.decode("gb18030"), gbk.decode("cp949")  # 付款 reads as two common Hangul syllables (마운)
    assert guess_decode(korean) == ("안녕하세요 택배 조회", "cp949")
    assert guess_decode(gbk) == ("付款", "gb18030")  # a tie within the margin keeps GBK


def test_latin_bytes_that_decode_as_big5_or_euc_kr_stay_latin() -> None:
    latin1, utf8 = "Ärger im Büro".encode("latin-1"), "Zürich Straße".encode()
    assert latin1.decode("big5hkscs") == "礪ger im B僡o"  # accent + letter = one Big5 character
    assert utf8.decode("cp949").startswith("Z체rich")  # a UTF-8 pair = one Hangul syllable
    assert guess_decode(latin1) == ("Ärger im Büro", "latin-1")
    assert guess_decode(utf8) == ("Zürich Straße", "utf-8")


def test_half_width_katakana_stays_shift_jis() -> None:
    raw = "ﾃﾞｻﾞｲﾝQR".encode("shift_jis")
    assert (raw.decode("cp950"), raw.decode("cp949")) == ("蹬靼翌QR", "춈쁩꿇QR")  # pairs of kana: valid
    assert guess_decode(raw) == ("ﾃﾞｻﾞｲﾝQR", "cp932")


def test_cp950_only_characters_and_euro() -> None:
    assert guess_decode("會員專屬優惠 €20 折價券".encode("cp950")) == ("會員專屬優惠 €20 折價券", "cp950")


def test_ascii_never_scores_a_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(text: str, codec: str = "") -> float:
        raise AssertionError("an ASCII payload must take the fast path")

    monkeypatch.setattr(charsets, "plausibility", boom)
    url = "https://a.test/x?id=1&q=%E4%BD%A0"
    assert guess_decode(url.encode()) == (url, "ascii")


def test_utf8_bom_is_dropped() -> None:
    assert guess_decode(b"\xef\xbb\xbfhttps://a.test/") == ("https://a.test/", "utf-8")


def test_plausibility_orders_real_text_over_mojibake() -> None:
    assert plausibility("你好世界") > plausibility("ÄãºÃÊÀ½ç")
    assert plausibility("こんにちは") > plausibility("こんにちは".encode("shift_jis").decode("gb18030"))
    big5 = "請輸入驗證碼".encode("cp950")
    assert plausibility("請輸入驗證碼", "cp950") > plausibility(big5.decode("gb18030"), "gb18030")
    assert plausibility("請輸入驗證碼", "cp950") > plausibility(big5.decode("cp932"), "cp932")
    korean = "비밀번호를 입력하세요".encode("euc-kr")
    assert plausibility("비밀번호를 입력하세요", "cp949") > plausibility(korean.decode("gb18030"), "gb18030")


def test_big5_and_euc_kr_text_is_judged_as_chinese_and_korean() -> None:
    # Kana are Big5's and EUC-KR's symbol rows misread; hanja are no evidence of Korean.
    assert plausibility("カそ", "cp949") < 0 < plausibility("カそ")
    assert plausibility("中國", "cp949") <= 0 < plausibility("中國", "cp950")
    # Traditional frequencies count for Big5 and UTF-8, not for GBK readings.
    assert plausibility("這個們", "cp950") > plausibility("這個們", "gb18030")


# Texts whose charset was guessed right before Big5 and EUC-KR became candidates: short and long,
# with and without links and digits. Each must keep its reading (and so its codec).
SIMPLIFIED = [
    "扫码领取红包", "兼职刷单日结，点击注册领佣金", "请扫码支付停车费",
    "恭喜您获得一等奖，请登录 http://prize.test/claim 领取",
    "您的快递因地址不详被退回，请点击链接重新填写：https://kd.test/a?id=88231",
    "中国工商银行提醒您：账户存在异常，请于24小时内完成身份验证", "微信支付", "免费领取口罩",
    "高薪招聘，日赚五百元，无需经验，在家即可工作", "医保卡余额清零通知，请扫码办理",
    "本店支持支付宝和微信付款", "关注公众号领取优惠券 www.coupon.test", "你好", "北京市朝阳区建国路88号",
    "电话：010-12345678 联系人：王先生", "疫情防控健康码申报", "投资理财，稳赚不赔，月收益百分之三十",
    "限时抢购，全场五折起", "扫一扫，加我为好友",
    "税务局通知：您有一笔个人所得税退税待领取，请在三日内办理", "会员积分即将过期，立即兑换礼品",
    "欢迎光临", "密码", "退款", "付款", "中", "点击下载安装最新版本APP，注册送88元现金",
    "上海市浦东新区世纪大道100号 邮编200120", "您的银行卡已被冻结，请联系客服 400-800-1234",
    "学生兼职 每天两小时 月入过万", "请输入手机验证码", "公安局提醒：谨防电信诈骗",
    "点我领取流量包 http://ll.test/?a=1",
]
JAPANESE = [
    "こんにちは世界", "東京都渋谷区", "Google モバイル\r\nhttp://google.jp", "ﾃﾞｻﾞｲﾝQR", "*ﾀﾞﾌﾞﾙQR*",
    "ﾊﾟｽﾜｰﾄﾞ", "お荷物のお届けにあがりましたが不在のため持ち帰りました。https://sagawa.test/x",
    "アカウントが一時的にロックされました。確認してください", "ありがとうございます",
    "【重要】お客様の口座が凍結されました", "大阪府大阪市北区梅田1-2-3", "電話番号：03-1234-5678",
    "無料でギフト券をプレゼント", "ポイントが失効します", "日本語", "カタカナ",
    "メールアドレスを入力してください", "ログインはこちら http://login.test/jp", "本日限定セール50%オフ",
    "[外側QRコード]\r\n \r\n*ﾀﾞﾌﾞﾙQR*\r\nhttp://d-qr.net/ex/", "駐車場の料金はこちら", "ﾎﾟｲﾝﾄｶｰﾄﾞ",
    "令和6年4月1日", "お問い合わせ", "ｱﾝｹｰﾄにご協力ください", "ｷｬﾝﾍﾟｰﾝ", "ﾛｸﾞｲﾝ",
    "今すぐ登録して500円分のポイントをゲット", "詳しくは https://jp.test/info をご覧ください",
]
UTF8 = [
    "你好世界 こんにちは", "Zürich Straße – Öffnungszeiten", "Привет, мир!", "Emoji 🚗💳 ✅", "한국어 주차",
    "扫码领取红包", "免費領取禮品", "무료 선물 받기", "Ünïcödé café – crème brûlée", "עברית ושלום",
    "مرحبا بالعالم", "Ελληνικά κείμενα", "ภาษาไทย", "Café", "https://例子.测试/路径?q=中文",
    "日本語とEnglish mixed 123", "Tiếng Việt có dấu", "Polski: zażółć gęślą jaźń",
    "Čeština: příliš žluťoučký kůň", "繁體中文：請掃描條碼 https://tw.test/", "안녕하세요 택배 조회",
    "Emoji 🚗🅿️💳 pay here ✅ pfxz", "Ваш заказ отправлен", "Zürich", "Łódź", "Smørrebrød",
]
WESTERN = [
    "Café crème", "Émile Zola", "Zürich", "Ärger im Büro", "Öl und Äpfel", "Übersicht", "Ça va? À bientôt",
    "École élémentaire", "Señor Muñoz, mañana", "Ñandú", "Ærøskøbing", "Åland", "Straße",
    "© 2024 Société Générale", "Gruß aus München http://muenchen.test/", "Façade rénovée", "naïve résumé",
    "Ísland", "São Paulo", "Iñtërnâtiônàlizætiøn", "Mötley Crüe", "Bjørn Østergård",
    "Über uns: https://firma.test/ueber?x=1", "Führerschein", "Bürgeramt Köln", "Fußgängerzone",
    "Mañana será otro día", "Gödel",
]
TRADITIONAL = [
    "免費領取禮品，請填寫身分證字號與手機號碼", "高額佣金兼職，註冊即送現金",
    "您的包裹配送失敗，請點擊 https://post.test/tw?id=123 更新地址",
    "台灣銀行通知：您的帳戶異常，請立即驗證", "繁體中文", "掃碼領紅包", "停車費繳納",
    "恭喜中獎，請於三日內兌換", "健保卡資料更新", "個人資料", "香港郵政：你的郵件因地址不完整未能派送",
    "投資理財，穩賺不賠，每月收益百分之三十", "請輸入驗證碼", "優惠券限時領取 www.coupon.tw",
    "電話：02-2345-6789", "歡迎光臨", "臺北市信義區市府路1號", "中華電信帳單繳費通知", "加LINE好友領取獎金",
    "下載APP註冊送100元", "謝謝", "會員點數即將到期",
    "您好，這是您的電子發票 https://einvoice.test/q?n=AB12345678", "營業時間 10:00～19:00",
    "今日特價：蘋果手機只要九千九百元",
]
KOREAN = [
    "무료 선물 받기 ― 주민등록번호 입력", "안녕하세요 택배 조회",
    "고객님의 택배가 주소 불명으로 반송되었습니다. https://cj.test/kr?id=1", "계좌 확인",
    "국민은행 보안 인증", "한국어", "주차 요금 결제", "당첨을 축하합니다", "비밀번호를 입력하세요",
    "서울특별시 강남구 테헤란로 123", "전화: 02-123-4567", "무료 쿠폰 다운로드", "카카오톡 친구 추가",
    "본인 확인을 위해 링크를 눌러주세요", "건강보험 환급금 조회", "대출 상담", "감사합니다",
    "신용카드 결제 승인", "이벤트 참여하고 경품 받기", "로그인", "주문 내역 확인 www.shop.kr", "한국",
    "URL을 확인하세요",
]
CORPORA = [
    ("gbk", SIMPLIFIED, "gbk", "gb18030"),
    ("sjis", JAPANESE, "shift_jis", "cp932"),
    ("utf8", UTF8, "utf-8", "utf-8"),
    ("latin1", WESTERN, "latin-1", "latin-1"),
    ("big5", TRADITIONAL, "cp950", "cp950"),
    ("euckr", KOREAN, "euc-kr", "cp949"),
]


def _variants(text: str) -> list[str]:
    return [text, f"{text} https://a.test/p?id=42", f"No.7 {text}", f"{text} 2024"]


@pytest.mark.parametrize(
    ("texts", "encoding", "codec"), [c[1:] for c in CORPORA], ids=[c[0] for c in CORPORA]
)
def test_every_text_of_a_corpus_keeps_its_charset(texts: list[str], encoding: str, codec: str) -> None:
    assert len(texts) >= 20
    wrong = [
        (variant, guess_decode(variant.encode(encoding)))
        for text in texts
        for variant in _variants(text)
        if guess_decode(variant.encode(encoding)) != (variant, codec)
    ]
    assert wrong == []


def test_the_guess_is_deterministic() -> None:
    raws = [t.encode(enc) for _, texts, enc, _ in CORPORA for t in texts]
    first = [guess_decode(r) for r in raws]
    charsets._ideograph_score.cache_clear()
    charsets._hangul_score.cache_clear()
    assert [guess_decode(r) for r in reversed(raws)] == first[::-1]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"]Q1abc", (False, [(None, b"abc")])),
        (b"]Q2\\000026abc", (True, [(26, b"abc")])),
        (b"]Q2\\000026a\\\\b", (True, [(26, b"a\\b")])),
        (b"]Q2\\000020\x82\xa0\\000026\xe4\xbd\xa0", (True, [(20, b"\x82\xa0"), (26, b"\xe4\xbd\xa0")])),
        (b"]Q2x\\000003\xe9", (True, [(None, b"x"), (3, b"\xe9")])),
        (b"]Q3\x1dabc", (False, [(None, b"\x1dabc")])),
        (b"no prefix", (False, [(None, b"no prefix")])),
    ],
    ids=["no-eci", "utf8-eci", "escaped-backslash", "two-ecis", "data-before-eci", "gs1", "no-prefix"],
)
def test_parse_bytes_eci(data: bytes, expected: tuple[bool, list[tuple[int | None, bytes]]]) -> None:
    assert parse_bytes_eci(data) == expected


def test_eci_is_honoured_even_when_a_guess_would_differ() -> None:
    # Latin-1 ECI on bytes that would also read as GBK: the ECI wins.
    raw = "ÄãºÃ".encode("latin-1")
    assert decode_with_eci(raw, 3) == ("ÄãºÃ", "latin-1")
    assert decode_qr_payload(b"]Q2\\000003" + raw) == "ÄãºÃ"


def test_a_lying_eci_falls_back_to_guessing() -> None:
    raw = "扫码".encode("gbk")
    assert decode_with_eci(raw, 26)[0] == "扫码"  # says UTF-8, is not


def test_unknown_eci_number_guesses() -> None:
    assert decode_with_eci("你好".encode(), 999)[0] == "你好"


def _qr_png(data: bytes) -> bytes:
    buf = io.BytesIO()
    segno.make_qr(data, eci=False).save(buf, kind="png", scale=5, border=4)
    return buf.getvalue()


BIG5_AND_EUC_KR_CODES = [
    ("免費領取禮品，請填寫身分證字號與手機號碼", "cp950"),
    ("高額佣金兼職，註冊即送現金", "cp950"),
    ("您的包裹配送失敗，請點擊 https://post.test/tw?id=123 更新地址", "cp950"),
    ("你嘅包裹未能派送，請重新預約", "big5hkscs"),
    ("무료 선물 받기 ― 주민등록번호 입력", "euc-kr"),
    ("안녕하세요 택배 조회", "euc-kr"),
    ("고객님의 택배가 주소 불명으로 반송되었습니다. https://cj.test/kr?id=1", "euc-kr"),
]


@pytest.mark.parametrize(
    ("text", "encoding"),
    BIG5_AND_EUC_KR_CODES,
    ids=["big5-gift", "big5-job", "big5-url", "big5-hkscs", "euckr-gift", "euckr-parcel", "euckr-url"],
)
def test_big5_and_euc_kr_codes_without_eci_decode_exactly(text: str, encoding: str) -> None:
    [p] = decode_image(_qr_png(text.encode(encoding)))
    assert p.text == text


@pytest.mark.parametrize("reader", ["zxing", "zbar", "opencv"])
@pytest.mark.parametrize(
    ("text", "encoding"), [BIG5_AND_EUC_KR_CODES[0], BIG5_AND_EUC_KR_CODES[4]], ids=["big5", "euckr"]
)
def test_each_decoder_hands_big5_and_euc_kr_bytes_to_the_guesser(
    reader: str, text: str, encoding: str
) -> None:
    img = np.asarray(Image.open(io.BytesIO(_qr_png(text.encode(encoding)))).convert("L"))
    fn = {"zxing": D._zxing_read, "zbar": D._zbar_read, "opencv": D._opencv_read}[reader]
    codes = fn(img)
    assert [c.text for c in codes] == [text]
    assert codes[0].raw == text.encode(encoding)


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/invoice\u202egnp.exe",
        "👨\u200d👩\u200d👧 扫码领红包",
        "领\u200b取\u200b礼\u200b品",
    ],
)
def test_utf8_with_format_characters_is_not_taken_for_a_legacy_charset(text: str) -> None:
    # Bidi overrides and zero-width characters only come out of UTF-8; a lure that hides text
    # with them must be read as written, or the hidden-character warning can never fire.
    assert guess_decode(text.encode("utf-8")) == (text, "utf-8")
