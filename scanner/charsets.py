"""Bytes from a QR code → the text its author meant, never mojibake.

QR byte segments carry no charset unless the code has an ECI header. Codes made in China usually hold
GBK/GB18030 bytes without one, Japanese codes Shift_JIS, Taiwanese and Hong Kong codes often Big5,
Korean ones EUC-KR, most others UTF-8, and the standard's default is ISO-8859-1. Decoders pick the
first charset that does not fail, which is how GBK comes out as Latin-1 and Shift_JIS as Chinese.
Here every candidate is decoded strictly and the text that reads most like real writing wins: each
character scores by how common it is (short frequency lists of Simplified and Traditional Chinese
characters and of Hangul syllables; GB2312, JIS X 0208, Big5 and KS X 1001 levels), control and
private-use characters score badly, and passing UTF-8's strict structure is itself strong evidence.
Big5 and EUC-KR decodings are judged as Traditional Chinese and Korean writing, and must read better
by a small margin to displace GBK or Shift_JIS.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# ECI assignment number → Python codec (AIM ECI specification; the ones QR encoders write).
ECI_CODECS: dict[int, str] = {
    0: "cp437", 1: "latin-1", 2: "cp437", 3: "latin-1", 4: "iso8859-2", 5: "iso8859-3",
    6: "iso8859-4", 7: "iso8859-5", 8: "iso8859-6", 9: "iso8859-7", 10: "iso8859-8",
    11: "iso8859-9", 12: "iso8859-10", 13: "iso8859-11", 15: "iso8859-13", 16: "iso8859-14",
    17: "iso8859-15", 18: "iso8859-16", 20: "cp932", 21: "cp1250", 22: "cp1251", 23: "cp1252",
    24: "cp1256", 25: "utf-16-be", 26: "utf-8", 27: "ascii", 28: "cp950", 29: "gb18030",
    30: "euc-kr", 31: "gbk", 32: "gb18030", 33: "utf-16-le", 34: "utf-32-be", 35: "utf-32-le",
    170: "ascii",
}

# Candidates tried for bytes without ECI, in tie-break order (on an exact tie the earlier wins).
# Big5 is read as "cp950", what Taiwanese Windows writes: Big5 with the ETEN extensions, the euro
# sign, and ～ ￥ ￠ ￡ where Python's "big5" and "big5hkscs" give ∼ ¥ ¢ £. When that fails the bytes
# are read as "big5hkscs", for the Hong Kong supplementary characters Cantonese needs (嘅, 咗, 啲…).
# "cp949" is EUC-KR plus the Unified Hangul Code syllables Korean Windows writes.
GUESS_CODECS = ("utf-8", "gb18030", "cp932", "cp950", "cp949", "latin-1")
_FALLBACK_CODECS = {"cp950": "big5hkscs"}

# Codes without ECI hold GBK or Shift_JIS far more often than Big5 or EUC-KR, and the same bytes
# often decode validly in all of them: Big5 and EUC-KR must read better by this much to win, so a
# word or two that reads equally well either way keeps its GBK or Shift_JIS reading.
_CODEC_PRIOR = {"cp950": -0.5, "big5hkscs": -0.5, "cp949": -0.5}

# The writing a candidate's text is judged as. A legacy charset serves one language: Traditional
# frequencies and Big5 levels count for Big5 (and UTF-8, which carries any language); hanja are no
# evidence for EUC-KR (modern Korean hardly uses them), kana none for either.
_ANY, _HANT, _KO, _OTHER = "any", "hant", "ko", "other"
_CODEC_WRITING = {"utf-8": _ANY, "cp950": _HANT, "big5hkscs": _HANT, "cp949": _KO}

# The 1,000 most frequent Chinese characters (modern corpus frequency order).
_TOP_HANZI = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
    "解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象"
    "完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
    "深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列"
    "武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值"
    "仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷"
    "洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央"
    "户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康"
    "虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶"
)

# Traditional forms of the frequent characters above where they differ (in the same order), then
# Traditional characters common in lures (accounts, payments, parcels) and Cantonese particles.
_TOP_HANT = frozenset(
    "這個們來為國說時會對於著過發後裡種經麼學現當沒動還進樣開從實軍無與長機關點業將兩間問並應戰頭體見產製話內給門兒東聲員"
    "論處義幾認條係氣題爾別變總電數報結務場計資許統區隊決馬書則聽卻達強難權設記類據邊張該規萬覺術領確傳師觀讓識帶導爭運飛風乾幹"
    "聯組濟車親極辦議證轉準遠單羅愛擊備連調質團價黨華級離況亞請際約復複線斷滿視須寫稱嗎輕農裝廣顯標談圖歷醫專費號盡較語僅隨選"
    "紅響雖勢參眾構節維劃敵陳態護興驗責營夠嚴續講終緊黃絕項圍織鬥雙紀採舉殺蘇訴細願錢網熱屬臉職樂剛狀獨彈創錯蘭試腦預誰陽繼驚"
    "傷藥適衛險陸習勞財環納歡獲負雲遊龍樹層衝範異漢簡擔靜積餘檢靈協佔徵揮勝階審堅媽劉讀壓銀買養懷執亂幫歲優鐵稅藝陣腳惡塊頓島"
    "託戶評寶釋顧貨歐換聞壞討麗監臨艦魚雜誤灣減編測敗夢溫劍漸貴槍樓縣畫遺謝魯慮銷鐘詩趕劇損舊錄葉鄉禮婦歸飯額順輸搖脫補謂療澤"
    "滅筆鮮詞聖擇尋廠煙諾倫奧賣載陰園謀榮孫頂"
    "帳碼填註冊傭兼獎勵惠貸款購遞詢訂認錄擊結站頁訊憑罰違輛繳匯儲值兌換贈彩郵裹籤迎臺灣貼券裏麵"
    "攞嘅咗啲冇嚟佢喺睇咁哋俾嘢"
)

# Hangul syllables by frequency, all within KS X 1001's 2,350: the ~130 most frequent, then ~400
# more, then those of common lure words (delivery, banking, accounts) and polite verb endings.
_HANGUL_TOP = frozenset(
    "이다는의에하고을가지기리사서한로도자대정인수어나아시들으게해있를과구제와부전보일상주화성원여스만것내라적국였니면우마동소장경비생"
    "문조요유되했각연신관까모히오없무개방회미물치계식공실그러진중트세르간위교행용당말합음단학운저선데안분발때람었거결명드체통된"
)
_HANGUL_COMMON = frozenset(
    "업설터노현야속금법차알달두산재점반영던살심민래름른력록류립령료루바배백번변별병복본봉불빌빠색석섭센셔손송쇼숙순술쉬슬습승십싸"
    "쓰씨악않암압앞애액약양억언얼엄엔역열염예온올옵완왕외욕울움웃월웨육윤은응익임입작잔잘잠잡쟁절접져족존종좋좌죄죽준줄즈즉즐증"
    "직질집짜째쪽찾착찬찰참창채책처척천철첫청초촌총최추축출충취측층칙친칠침카캐커컴케코콘쿠크큰클키타탁탄탈탕태택테텔토톡투특티"
    "팀파판팔패퍼페편평폐포폭표푸품풍프플피필할함항핵향허헌험혈협형혜호혹혼홍확환활황획효후훈휘휴흐흥희힘갈감갑강같객건걸검겠격"
    "견겸곡곤골곳광괴군굴궁권귀규균극근글급긴길김깨께꼬꾸꿈끄끝난날남납낮냈냐너넣네녀년념녹논놀농높놓누눈뉴느늘능님담답댓더덕독"
    "돈돌돼될둘뒤득든듯등디따딸떠떤떻또뜻락란랑랜략량럼럽렇레려련렬렴론롭뢰린릴림막많망매맥맞머먹먼메며몇목몸못뭐므밀및박밖받밝"
    "밤버벌범베벤벨벽볼봄북붙브빛삼새샘"
    "앱웹링핑좌번팡림십까왔갔겼렸웠졌뒀워줘봐잖죠군"
)
# Particles and endings that close a Korean word, also after a Latin one ("URL을", "ID가"): 은/는,
# 이/가, 을/를, 의, 에, 와/과, 로, 도, 만, and 다, 요, 고, 서, 며, 면, 지, 게, 음, 함, 됨, 니, 까.
_HANGUL_WORD_ENDS = frozenset("은는이가을를의에와과로도만다요고서며면지게음함됨니까")
# Common two-syllable Korean words and word pieces: a pair that forms one is evidence that single
# syllable frequencies cannot give (GBK or Big5 bytes read as Hangul make random pairs).
_HANGUL_WORDS_TEXT = (
    "가게가능가입가장가족감독감사같은같이거절건강검색검찰결과결제경우경제경찰경품계속계정계좌고객공식공지공항관계관련교육교환국가국민"
    "국세그래그런그리금리금액금융기간기사기업기차기한긴급나중날짜남자납부내역내용내일너무누구니다다시다운다음닫기당첨대출대한대해도용"
    "도착되어되었된다됩니등록따라때문또한로그링크마감마음마트많이먼저메시메일면허명의몇개모든모집목록무료무엇문의문자문제문화물론미납"
    "바로반송발급발송방문방법배달배송뱅킹버스버전번호벌금법원변경병원보관보기보상보안보험보호복사본인부모부분불가비밀사람사랑사실사용"
    "사이사진사회삭제상담상세상품생각생년서비서울선물선생선정선택설정설치성공세계세금세요센터송금수령수수수정습니승인시간시작시장식당"
    "신고신규신용신청실패실행아버아이아주아직안내안녕알림약국어디어떤어머어제언제얼마없다없습여권여기여러여자역시연락연체열기영수예정"
    "오늘오류오전오후완료요금요즘우리우체월일위원위해위험은행응모의미의한이동이런이름이미이상이유이지이체이후인증인터일부입금입니입력"
    "있다있습자신잔액저런저장저희적립전기전체전화접수정도정말정보정부정상정지정치조금조회종료주말주문주민주소주의주차중요증정지금지급"
    "지역지연지원지하직접차단참여처리처음첨부청구최대최소최신추가추첨축하출금출발취소친구카드카페쿠폰클릭탈퇴택배택시통해특가특별파일"
    "페이편의편집피해필요하고하는하루하면하세하여학교학생한국한다한도할인함께합니해서해야해제했습행운현금혜택호텔홈페화면확인환급환불"
    "환영회사회원"
)
_HANGUL_WORDS = frozenset(_HANGUL_WORDS_TEXT[i : i + 2] for i in range(0, len(_HANGUL_WORDS_TEXT), 2))
_TOP_CJK = _TOP_HANZI | _TOP_HANT | _HANGUL_TOP | _HANGUL_COMMON


@lru_cache(maxsize=65536)
def _ideograph_score(c: str, hant: bool = False) -> float:
    if c in _TOP_HANZI or hant and c in _TOP_HANT:
        return 2.0
    level = 0
    try:
        b = c.encode("gb2312")
        level = 1 if 0xB0 <= b[0] <= 0xD7 else 2
    except UnicodeEncodeError:
        pass
    try:
        s = c.encode("shift_jis")
        code = (s[0] << 8) | s[1]
        jis = 1 if 0x889F <= code <= 0x9872 else 2
        level = jis if not level else min(level, jis)
    except UnicodeEncodeError:
        pass
    if hant and not level:
        try:  # Big5 level 1 (0xA440–0xC67E): 5,401 "common" characters, many of them rare
            b = c.encode("big5")
            if 0xA440 <= ((b[0] << 8) | b[1]) <= 0xC67E:
                level = 2
        except UnicodeEncodeError:
            pass
    return {0: -1.0, 1: 1.3, 2: 0.5}[level]


@lru_cache(maxsize=16384)
def _hangul_score(c: str) -> float:
    """A Hangul syllable by frequency: KS X 1001's 2,350 are the common ones, the other 8,822 rare."""
    if c in _HANGUL_TOP:
        return 2.2
    if c in _HANGUL_COMMON:
        return 1.9
    if len(c.encode("euc-kr")) != 2:  # Python spells syllables outside KS X 1001 as 8 bytes of jamo
        return -1.0
    return 1.1


_SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ")
_HW_VOICEABLE = frozenset("ｳｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ")
_HW_SEMIVOICEABLE = frozenset("ﾊﾋﾌﾍﾎ")
# Small half-width kana and what may precede them (ﾌｧｲﾙ, ﾁｪｯｸ, ｼｮｯﾌﾟ, ﾃﾞｨｽｸ, ｷｬﾝﾍﾟｰﾝ):
# elsewhere they are Big5 or GBK lead bytes read as Shift_JIS.
_HW_SMALL_AFTER = {
    **dict.fromkeys("ｧｨｩｪｫ", frozenset("ｳｸｽﾂﾃﾄﾌﾁｼﾞ")),
    **dict.fromkeys("ｬｭｮ", frozenset("ｷｼﾁﾆﾋﾐﾘﾃﾌﾞﾟ")),
}


def _is_ideograph_or_kana(c: str) -> bool:
    return "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"


def _is_cjk_letter(c: str) -> bool:
    return "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7a3" or "\uff66" <= c <= "\uff9f"


def _cjk_score(c: str, o: int, prev: str, nxt: str, writing: str) -> float:
    """An ideograph or a Hangul syllable, judged with its neighbours."""
    if o >= 0xAC00:
        if _is_ideograph_or_kana(prev) or _is_ideograph_or_kana(nxt):
            return min(_hangul_score(c), 0.0)  # run into kanji or kana: EUC-KR's hanja and kana rows
        if c in _HANGUL_WORD_ENDS and prev and (prev.isalnum() or prev in ")]>\"'") and not nxt.isalnum():
            return 2.5
        score = _hangul_score(c)
        if score > 0 and c + nxt in _HANGUL_WORDS:
            score += 0.6
    else:
        score = _ideograph_score(c, writing in (_ANY, _HANT))
        if writing == _KO:
            return min(score, 0.0)
    if score > 0 and not (_is_cjk_letter(prev) or _is_cjk_letter(nxt)):
        # Alone and glued to Latin letters or digits: a misread pair of Latin-1 or UTF-8 bytes
        # ("Zürich" → "Z체rich", "Ärger" → "礪ger"), unless a frequent character ("4月1日").
        letter = prev.isascii() and prev.isalpha(), nxt.isascii() and nxt.isalpha()
        if o >= 0xAC00 and any(letter) or all(letter) and c not in _TOP_CJK:
            return 0.0
        if writing in (_HANT, _KO) and (any(letter) or o < 0xAC00 and c not in _TOP_CJK):
            return 0.0  # Big5 and EUC-KR must show real words, not one character among Latin text
        digit = prev.isascii() and prev.isdigit() or nxt.isascii() and nxt.isdigit()
        if c not in _TOP_CJK and (any(letter) or digit):
            return 0.0
    return score


def _char_score(c: str, prev: str, nxt: str, writing: str = _ANY) -> float:
    """How plausible ``c`` is in real text (0 for ASCII, which every candidate shares)."""
    o = ord(c)
    if o < 0x80:
        return 0.0
    if o < 0xA0 or 0xE000 <= o <= 0xF8FF or o >= 0xF0000 or o in (0xFFFD, 0xFFFE, 0xFFFF):
        return -6.0  # C1 controls, private use, replacement: the signature of a wrong guess
    if writing in (_HANT, _KO) and (o <= 0x2FF or 0x370 <= o <= 0x52F):
        return 0.0  # Latin, Greek and Cyrillic letters in the symbol rows of Big5 and EUC-KR
    if o <= 0xFF:
        if c.isalpha():
            return 0.6 if (prev.isalpha() or nxt.isalpha()) else 0.2
        return 0.2 if c in "\xa0©®°±·×÷£¥€§«»" else -0.4
    if 0x4E00 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7A3:
        return _cjk_score(c, o, prev, nxt, writing)
    if 0x3040 <= o <= 0x30FF:  # hiragana, katakana
        if writing in (_HANT, _KO):
            return -1.0  # Big5's and EUC-KR's kana rows: not Chinese or Korean writing
        if c in _SMALL_KANA and not ("\u3041" <= prev <= "\u30fc"):
            return -0.5  # a small kana follows another kana (ファイル, ちょっと); alone it is a misreading
        return 2.0
    if 0xFF61 <= o <= 0xFF9F:  # half-width katakana: plausible in runs, telling with voice marks
        if prev and "\u4e00" <= prev <= "\u9fff" or nxt and "\u4e00" <= nxt <= "\u9fff":
            return 0.0
        if c == "ﾞ":
            return 2.0 if prev in _HW_VOICEABLE else -1.0
        if c == "ﾟ":
            return 2.0 if prev in _HW_SEMIVOICEABLE else -1.0
        if c == "ｰ":
            return 1.5 if "\uff66" <= prev <= "\uff9d" else 0.0
        if c in _HW_SMALL_AFTER:
            return 0.75 if prev in _HW_SMALL_AFTER[c] else -0.5
        if c <= "･":  # ｡｢｣､･ half-width punctuation: rare inside kana words
            return 0.0
        if not ("\uff61" <= prev <= "\uff9f" or "\uff61" <= nxt <= "\uff9f"):
            return 0.1  # a lone half-width kana among Latin letters is a misread Latin-1 byte
        return 0.75
    if 0x1F000 <= o <= 0x1FAFF:  # emoji
        return 2.0
    if 0x3131 <= o <= 0x318E:  # Hangul compatibility jamo: ㅋㅋ in chats, an EUC-KR misreading elsewhere
        return 0.0
    if 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or 0x2010 <= o <= 0x2027:
        if writing in (_HANT, _KO) and not (_is_cjk_letter(prev) or _is_cjk_letter(nxt)):
            return 0.0  # Big5 and EUC-KR punctuation rows hold what Latin-1 bytes and letters become
        return 1.2 if o >= 0x3000 else 0.8  # CJK and full-width punctuation; dashes, quotes, ellipsis
    if 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3FFFF or 0xF900 <= o <= 0xFAFF:
        return -2.0  # extension and compatibility ideographs: almost never meant
    if 0x2500 <= o <= 0x257F:  # box drawing (GBK and Shift_JIS symbol rows)
        return -0.5
    cat = unicodedata.category(c)
    if cat.startswith("L") or cat.startswith("M"):
        return 0.8
    if cat == "Cf":
        # Zero-width joiners (emoji sequences), direction marks and overrides: only UTF-8 yields
        # them, never a misread legacy charset, and a lure that hides text with them must be read.
        return 0.0
    if cat in ("Cc", "Co", "Cn", "Cs"):
        return -6.0
    return 0.0


def plausibility(text: str, codec: str = "") -> float:
    """Sum of per-character plausibility scores (higher reads more like real writing).

    ``codec`` names the charset the text was decoded with, when the scores depend on it (Big5 text
    should read as Traditional Chinese, EUC-KR as Korean); without it any writing is allowed.

    >>> plausibility("你好") > plausibility("ÄãºÃ")
    True
    """
    writing = _CODEC_WRITING.get(codec, _OTHER) if codec else _ANY
    total = 0.0
    # A space stands in for the text's edges: every rule treats it as it treats nothing.
    for prev, c, nxt in zip(" " + text, text, text[1:] + " ", strict=False):
        if c >= "\x80":
            total += _char_score(c, prev, nxt, writing)
    return total


# Zero-width, direction-mark, embedding/override, word-joiner/isolate characters and U+FEFF.
_HIDDEN_BETWEEN_ASCII = re.compile(
    "[A-Za-z0-9][\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+[A-Za-z0-9]"
)


def _utf8_with_hidden_between_ascii(raw: bytes) -> str | None:
    """The UTF-8 text when ``raw`` is valid UTF-8 hiding invisible characters inside ASCII words.

    ``a\u200bpple.com`` is ``a E2 80 8B pple.com``: Shift_JIS and GBK read the three bytes as two
    plausible ideographs, which outscore the one zero-width character UTF-8 gives, so the lure came
    out as ``a窶菊ple.com``, not the address a phone opens. Such a sequence between ASCII letters or
    digits is no accident of a legacy charset: the bytes are UTF-8, written to hide something.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _HIDDEN_BETWEEN_ASCII.search(text) else None


def guess_decode(raw: bytes) -> tuple[str, str]:
    """``(text, codec)`` for bytes without ECI: the most plausible strict decoding.

    >>> guess_decode("扫码领取".encode("gbk"))
    ('扫码领取', 'gb18030')
    >>> guess_decode("こんにちは".encode("shift_jis"))
    ('こんにちは', 'cp932')
    >>> guess_decode("請輸入驗證碼".encode("cp950"))
    ('請輸入驗證碼', 'cp950')
    >>> guess_decode("택배 조회".encode("euc-kr"))
    ('택배 조회', 'cp949')
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if raw.isascii():
        return raw.decode("ascii"), "ascii"
    hidden = _utf8_with_hidden_between_ascii(raw)
    if hidden is not None:
        return hidden, "utf-8"
    best: tuple[float, str, str] | None = None
    for rank, codec in enumerate(GUESS_CODECS):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            if codec not in _FALLBACK_CODECS:
                continue
            codec = _FALLBACK_CODECS[codec]
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
        score = plausibility(text, codec) + _CODEC_PRIOR.get(codec, 0.0)
        if codec == "utf-8":
            # Passing UTF-8's strict structure by chance is rare: count it as evidence.
            score += sum(1.0 for c in text if ord(c) >= 0x80)
        key = score - rank * 1e-6
        if best is None or key > best[0]:
            best = (key, text, codec)
    assert best is not None  # latin-1 decodes every byte string
    return best[1], best[2]


def decode_with_eci(raw: bytes, eci: int | None) -> tuple[str, str]:
    """Decode ``raw`` with the charset its ECI names; guess when there is none or it lies."""
    codec = ECI_CODECS.get(eci) if eci is not None else None
    if codec:
        try:
            return raw.decode(codec), codec
        except UnicodeDecodeError:
            pass
    return guess_decode(raw)


def parse_bytes_eci(data: bytes) -> tuple[bool, list[tuple[int | None, bytes]]]:
    r"""Split zxing-cpp's ``bytes_eci`` form (``]Q2\000026…``) into ``(eci, bytes)`` segments.

    Returns ``(has_eci, segments)``; without an ECI the whole payload is one ``(None, raw)`` segment.

    >>> parse_bytes_eci(b"]Q2\\000026abc\\\\d")
    (True, [(26, b'abc\\d')])
    >>> parse_bytes_eci(b"]Q1abc")
    (False, [(None, b'abc')])
    """
    body = data
    modifier = b""
    if data[:2] == b"]Q" and len(data) >= 3:
        modifier, body = data[2:3], data[3:]
    if modifier not in (b"2", b"4", b"6"):
        return False, [(None, body)]
    segments: list[tuple[int | None, bytearray]] = [(None, bytearray())]
    i, n = 0, len(body)
    while i < n:
        b = body[i]
        if b == 0x5C:  # backslash: either an escaped backslash or an ECI designator
            if body[i + 1 : i + 2] == b"\\":
                segments[-1][1].append(0x5C)
                i += 2
                continue
            digits = body[i + 1 : i + 7]
            if len(digits) == 6 and digits.isdigit():
                segments.append((int(digits), bytearray()))
                i += 7
                continue
        segments[-1][1].append(b)
        i += 1
    out = [(eci, bytes(buf)) for eci, buf in segments if buf or eci is not None]
    return True, [(eci, b) for eci, b in out if b] or [(None, b"")]


def decode_qr_payload(bytes_eci: bytes) -> str:
    """The text of one QR code from zxing-cpp's ``bytes_eci`` (ECI honoured, else guessed)."""
    has_eci, segments = parse_bytes_eci(bytes_eci)
    if not has_eci:
        return guess_decode(segments[0][1])[0]
    parts = []
    current: int | None = None
    for eci, chunk in segments:
        if eci is not None:
            current = eci
        parts.append(decode_with_eci(chunk, current)[0])
    return "".join(parts)
