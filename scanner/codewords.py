"""Plain words for what a code is, shared by the CLI, the result page and the extension's labels.

A code that holds no link (a Wi-Fi password, a payment code, a contact card…) cannot be "checked"
the way a link is, and "could not be checked, be careful" alarms without helping. Each such kind
gets its own headline and one piece of advice, and its fields get names a person reads
(``ssid`` → "network name"). Pairs are ``(en, zh)``.
"""

from __future__ import annotations

from .models import Level, Message, Payload, Report

UNKNOWN_LABEL = ("Could not be judged", "无法判断")
"""The one label for :attr:`Level.UNKNOWN` (CLI, page and extension)."""

KIND_NAMES: dict[str, tuple[str, str]] = {
    "url": ("Web link", "网址"),
    "text": ("Text", "文字"),
    "text_with_url": ("Text with a link", "含链接的文字"),
    "wechat": ("WeChat link", "微信链接"),
    "wechat_pay": ("WeChat Pay", "微信支付"),
    "alipay": ("Alipay", "支付宝"),
    "app_link": ("App link", "应用链接"),
    "app_token": ("App share code", "应用口令"),
    "wifi": ("Wi-Fi network", "Wi-Fi 网络"),
    "phone": ("Phone number", "电话号码"),
    "sms": ("Text message", "短信"),
    "email": ("E-mail", "电子邮件"),
    "contact": ("Contact card", "联系人名片"),
    "geo": ("Location", "地理位置"),
    "intent": ("Android app intent", "安卓应用调用"),
    "itms_services": ("iOS app install", "iOS 应用安装"),
    "otp": ("One-time password setup", "动态口令设置"),
    "crypto_payment": ("Cryptocurrency payment", "加密货币支付"),
    "data_uri": ("Embedded data", "内嵌数据"),
    "javascript": ("Script", "脚本"),
    "blocked_scheme": ("Blocked link type", "被禁止的链接类型"),
    "binary": ("Binary data", "二进制数据"),
    "mini_program": ("WeChat mini program", "微信小程序"),
    "ocr_text": ("Text in the picture", "图片中的文字"),
}
"""What a payload is, in a word or two (CLI and page)."""

STOP_WORDS: dict[str, tuple[str, str]] = {
    "final": ("Reached the final page", "已到达最终页面"),
    "not_expanded": ("Not opened: you chose an offline check", "未打开：你选择了离线检查"),
    "max_hops": ("Too many redirects", "跳转次数过多"),
    "loop": ("Redirect loop", "循环跳转"),
    "blocked_address": ("Stopped: points into a private network", "已拦截：指向内网地址"),
    "blocked_port": ("Stopped: unusual port", "已拦截：非常规端口"),
    "blocked_scheme": ("Stopped: not a web link", "已拦截：不是网页链接"),
    "non_http_target": ("Leads to an app or another kind of link", "跳向应用或其他类型的链接"),
    "timeout": (
        "The address cannot be opened (the site did not answer in time)",
        "网址无法打开（网站没有响应）",
    ),
    "too_large": ("The page was too large", "页面过大"),
    "tls_error": (
        "The address cannot be opened (its secure connection failed)",
        "网址无法打开（安全连接失败）",
    ),
    "dns_error": (
        "The address cannot be opened (the site name does not exist)",
        "网址无法打开（域名不存在）",
    ),
    "protocol_error": (
        "The address cannot be opened (the site answered wrongly)",
        "网址无法打开（网站响应异常）",
    ),
    "connect_error": ("The address cannot be opened (could not connect)", "网址无法打开（连不上网站）"),
    "invalid_url": ("Not a valid address", "不是有效的网址"),
}
"""How a link's check ended, in plain words (CLI and page); never "offline" for a failed lookup."""

KIND_WORDS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    # kind: ((headline en, zh), (advice en, zh))
    "wifi": (
        ("This is a Wi-Fi password code", "这是一个 Wi-Fi 密码二维码"),
        (
            "Before joining, make sure the shop or the owner put it up: a fake free Wi-Fi can watch "
            "what you do online.",
            "连接前确认是店家提供的：假冒的免费 Wi-Fi 可能偷看你上网的内容。",
        ),
    ),
    "wechat_pay": (
        ("This is a WeChat Pay payment code", "这是一个微信支付付款码"),
        (
            "Scanning it opens a payment in WeChat. Before paying, check the payee's name and the "
            "amount there; never pay a code a stranger sends you.",
            "扫码会在微信里打开付款。付款前在微信里核对收款人和金额；陌生人发来的付款码不要付。",
        ),
    ),
    "alipay": (
        ("This is an Alipay code", "这是一个支付宝二维码"),
        (
            "It opens Alipay. Before paying, check the payee's name and the amount there; never pay a "
            "code a stranger sends you.",
            "扫码会打开支付宝。付款前核对收款人和金额；陌生人发来的付款码不要付。",
        ),
    ),
    "crypto_payment": (
        ("This is a cryptocurrency payment code", "这是一个加密货币付款码"),
        (
            "A cryptocurrency payment cannot be taken back: never pay because a stranger asked you to.",
            "加密货币付出去就追不回来：不要按陌生人的要求付款。",
        ),
    ),
    "contact": (
        ("This is a contact card", "这是一张联系人名片"),
        (
            "Saving it adds a name and a number to your phone. Check who it is before you call or pay "
            "anyone on it.",
            "保存后会在手机里添加一个联系人。打电话或付款之前，先确认对方是谁。",
        ),
    ),
    "phone": (
        ("This is a phone number", "这是一个电话号码"),
        (
            "Before calling, check whose number it is. If a caller says they are support, a bank or "
            "the police, hang up and call the official number yourself.",
            "拨打前确认号码是谁的。自称客服、银行或公检法的，挂断后自己查官方电话再打。",
        ),
    ),
    "sms": (
        ("This is a ready-made text message", "这是一条写好的短信"),
        (
            "Read the number and the words before sending. Never send a verification code to anyone.",
            "发送前看清号码和内容；验证码不要发给任何人。",
        ),
    ),
    "email": (
        ("This is a ready-made e-mail", "这是一封写好的邮件"),
        ("Read the address and the words before sending.", "发送前看清收件地址和内容。"),
    ),
    "geo": (
        ("This is a place on a map", "这是一个地图位置"),
        ("It only shows a place on the map.", "它只会在地图上显示一个位置。"),
    ),
    "app_link": (
        ("This code opens an app on your phone", "这个二维码会打开手机上的应用"),
        (
            "Open it only if you know the app and what you are about to do; never follow a stranger's "
            "steps in it to pay or to type a code.",
            "只有认识这个应用、也清楚要做什么时才打开；不要按陌生人的指引在应用里付款或填验证码。",
        ),
    ),
    "wechat": (
        ("This code opens WeChat", "这个二维码会打开微信"),
        (
            "Check who you are adding or what you are joining before you confirm.",
            "确认之前，看清要添加的是谁、要加入的是什么。",
        ),
    ),
    "mini_program": (
        ("This code opens a WeChat mini program", "这个二维码会打开一个微信小程序"),
        (
            "Before typing your phone number, ID or a code into it, check who runs the mini program.",
            "在小程序里填写手机号、身份证或验证码之前，先看清是谁开的小程序。",
        ),
    ),
    "app_token": (
        ("This is an app share code", "这是一段应用口令"),
        (
            "Copying it opens a page in a shopping or video app; treat what it shows like any ad.",
            "复制后会在购物或视频应用里打开一个页面；对里面的内容像对广告一样谨慎。",
        ),
    ),
    "otp": (
        ("This code sets up one-time login codes", "这是一个动态验证码（二次验证）设置码"),
        (
            "Only scan one your own account's settings just showed you, and never tell anyone the codes "
            "it makes.",
            "只扫自己账号设置里刚出现的这种码；它生成的验证码不要告诉任何人。",
        ),
    ),
    "itms_services": (
        (
            "This code installs an iPhone app from outside the App Store",
            "这个二维码会绕过 App Store 安装苹果应用",
        ),
        ("Do not install it: real apps come from the App Store.", "不要安装：正规应用都在 App Store 里。"),
    ),
    "intent": (
        ("This code calls an Android app", "这个二维码会调用一个安卓应用"),
        ("Open it only if you know the app it names.", "只有认识它调用的应用时才打开。"),
    ),
    "text": (
        ("This code holds only text", "这个二维码里只有文字"),
        (
            "Text opens nothing by itself. Check before you do what it asks.",
            "文字本身不会打开任何东西；按文字的要求做任何事之前先核实。",
        ),
    ),
}

FIELD_NAMES: dict[str, tuple[str, str]] = {
    "ssid": ("Network name", "网络名称"),
    "security": ("Password type", "加密方式"),
    "hidden": ("Hidden network", "隐藏网络"),
    "password": ("Password", "密码"),
    "eap_method": ("Sign-in method", "登录方式"),
    "identity": ("User name", "用户名"),
    "app": ("App", "应用"),
    "app_zh": ("App", "应用"),
    "scheme": ("Link type", "链接类型"),
    "path": ("Address in the app", "应用内地址"),
    "number": ("Number", "号码"),
    "to": ("To", "收件人"),
    "subject": ("Subject", "主题"),
    "body": ("Text", "正文"),
    "name": ("Name", "姓名"),
    "tel": ("Phone", "电话"),
    "email": ("E-mail", "邮箱"),
    "org": ("Organisation", "单位"),
    "title": ("Title", "职务"),
    "address": ("Address", "地址"),
    "url": ("Web address", "网址"),
    "note": ("Note", "备注"),
    "lat": ("Latitude", "纬度"),
    "lon": ("Longitude", "经度"),
    "query": ("Search", "搜索"),
    "action": ("Action", "操作"),
    "manifest_url": ("Install file", "安装文件"),
    "package": ("App package", "应用包名"),
    "fallback_url": ("Fallback address", "备用网址"),
    "type": ("Type", "类型"),
    "label": ("Label", "标签"),
    "issuer": ("Issuer", "发行方"),
    "algorithm": ("Algorithm", "算法"),
    "digits": ("Digits", "位数"),
    "period": ("Period (s)", "周期（秒）"),
    "secret": ("Secret", "密钥"),
    "currency": ("Currency", "币种"),
    "amount": ("Amount", "金额"),
    "media_type": ("Content type", "内容类型"),
    "encoding": ("Encoding", "编码"),
    "bytes": ("Size (bytes)", "大小（字节）"),
    "target": ("Target", "目标"),
    "carrier": ("Carried in", "载体"),
    "error": ("Problem", "问题"),
    "too_large": ("Too large (bytes)", "过大（字节）"),
}

_VALUES: dict[tuple[str, str], tuple[str, str]] = {
    ("security", "nopass"): ("none (open network)", "无密码（开放网络）"),
    ("security", "WPA"): ("WPA (password)", "WPA（有密码）"),
    ("security", "WEP"): ("WEP (old, weak)", "WEP（老旧，不安全）"),
    ("security", "SAE"): ("WPA3 (password)", "WPA3（有密码）"),
    ("hidden", "true"): ("yes", "是"),
}


def _w(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def field_rows(payload: Payload, lang: str) -> list[tuple[str, str]]:
    """``payload``'s fields as (name a person reads, value) in ``lang``; one app name, not two."""
    rows = []
    for key, value in payload.fields.items():
        if (key == "app_zh" and lang != "zh") or (
            key == "app" and lang == "zh" and "app_zh" in payload.fields
        ):
            continue
        pair = _VALUES.get((key, value))
        rows.append((_w(FIELD_NAMES.get(key, (key, key)), lang), _w(pair, lang) if pair else value))
    return rows


def code_payload(report: Report) -> Payload | None:
    """The code a report is about when it holds no link and is a kind with its own words."""
    if report.links or report.level in (Level.DANGER, Level.CAUTION):
        return None
    for p in report.payloads:
        kind = p.kind.value
        if kind in KIND_WORDS and (kind != "text" or report.input_kind == "image"):
            return p
    return None


def code_words(report: Report) -> tuple[Message, Message] | None:
    """(headline, advice) for a report about a code that holds no link, else None."""
    p = code_payload(report)
    if p is None:
        return None
    (h_en, h_zh), (a_en, a_zh) = KIND_WORDS[p.kind.value]
    return Message(en=h_en, zh=h_zh), Message(en=a_en, zh=a_zh)
