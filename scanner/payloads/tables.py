"""Limits, kind explanations and scheme tables for :mod:`scanner.payloads`."""

from __future__ import annotations

import re

from ..models import Message, PayloadKind

MASK = "••••••"
"""What a secret looks like in every human-facing output (fixed: the length is not revealed)."""
DATA_URI_MAX = 64 * 1024
"""Largest ``data:`` URI body decoded (decoded bytes)."""
MAX_NESTING = 2
"""How deep a QR picture inside a ``data:`` URI inside a QR code is decoded."""
NESTED_BUDGET = 0.5
"""Seconds spent decoding one nested QR picture."""
MAX_FIELDS = 200
"""Fields of a MECARD/WIFI/vCard record that are read (real ones have a dozen)."""
MAX_PAYLOAD_LINKS = 50
"""Links kept per payload (the pipeline checks at most ``Settings.max_links`` of them)."""
MAX_CLASSIFY_CHARS = 256 * 1024
"""Text beyond this is not parsed (the input limits upstream are smaller)."""

K = PayloadKind

_EXPLAIN: dict[PayloadKind, Message] = {
    K.URL: Message("Opens a web page.", "打开一个网页。"),
    K.TEXT: Message("Plain text: nothing opens.", "纯文本：不会打开任何东西。"),
    K.TEXT_WITH_URL: Message(
        "Text with links: the links are checked one by one.",
        "含链接的文本：逐个检查其中的链接。",
    ),
    K.WECHAT: Message("Opens a page or mini program inside WeChat.", "在微信内打开页面或小程序。"),
    K.WECHAT_PAY: Message("Opens a WeChat Pay payment.", "打开微信支付付款。"),
    K.ALIPAY: Message("Opens Alipay (a page, mini program or payment).", "打开支付宝（页面、小程序或付款）"),
    K.APP_LINK: Message("Opens another app on the phone directly.", "直接打开手机上的其他应用。"),
    K.APP_TOKEN: Message(
        "A share code that the shopping app reads from the clipboard.",
        "购物应用从剪贴板读取的分享口令。",
    ),
    K.WIFI: Message("Joins a Wi-Fi network.", "连接一个Wi-Fi网络。"),
    K.PHONE: Message("Calls a phone number.", "拨打一个电话号码。"),
    K.SMS: Message("Prepares a text message to a number.", "准备向某号码发送短信。"),
    K.EMAIL: Message("Prepares an email.", "准备发送一封邮件。"),
    K.CONTACT: Message("Adds a contact card.", "添加一张联系人名片。"),
    K.GEO: Message("Shows a place on a map.", "在地图上显示一个位置。"),
    K.INTENT: Message(
        "Opens an Android app, or a web page if the app is missing.",
        "打开安卓应用；未安装时打开备用网页。",
    ),
    K.ITMS_SERVICES: Message(
        "Installs an iPhone app from outside the App Store.",
        "绕过App Store安装苹果应用。",
    ),
    K.OTP: Message("Adds a two-factor login code generator.", "添加两步验证动态码。"),
    K.CRYPTO_PAYMENT: Message("Asks for a cryptocurrency payment.", "请求加密货币付款。"),
    K.DATA_URI: Message(
        "Contains the data itself (a page, text or picture), not an address.",
        "直接包含数据（网页、文字或图片），不是网址。",
    ),
    K.JAVASCRIPT: Message(
        "A script that would run in the browser (never run here).",
        "会在浏览器中运行的脚本（此处不会运行）。",
    ),
    K.BLOCKED_SCHEME: Message(
        "A kind of address we never open (files, FTP, sockets…).",
        "我们不会打开的地址类型（文件、FTP、套接字等）。",
    ),
    K.BINARY: Message("Raw data that is not text.", "非文本的原始数据。"),
    K.MINI_PROGRAM: Message(
        "Opens a WeChat mini program: what it shows cannot be checked from outside WeChat.",
        "打开一个微信小程序：其中内容无法在微信之外检查。",
    ),
}

# --- scheme tables -------------------------------------------------------------------------------
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]{0,39}):")
_BLOCKED = frozenset({
    "file", "ftp", "ftps", "sftp", "gopher", "dict", "ws", "wss", "ldap", "ldaps", "smb", "cifs",
    "telnet", "ssh", "tftp", "jar", "netdoc", "nfs", "afp", "rtsp", "mms", "chrome", "chrome-extension",
    "about", "view-source", "blob", "filesystem", "ms-msdt", "search-ms", "ms-officecmd", "res",
})
_SCRIPT = frozenset({"javascript", "vbscript", "livescript"})
_CRYPTO = {
    "bitcoin": "Bitcoin", "bitcoincash": "Bitcoin Cash", "ethereum": "Ethereum", "litecoin": "Litecoin",
    "dogecoin": "Dogecoin", "monero": "Monero", "tron": "TRON", "solana": "Solana", "ripple": "XRP",
    "xrp": "XRP", "dash": "Dash", "zcash": "Zcash", "cardano": "Cardano", "binancecoin": "BNB",
    "usdt": "USDT", "tether": "USDT", "ton": "TON", "stellar": "Stellar", "web+stellar": "Stellar",
}
# App schemes people meet in Chinese QR codes (name shown as "the X app").
_APPS = {
    "taobao": ("Taobao", "淘宝"), "tbopen": ("Taobao", "淘宝"), "tmall": ("Tmall", "天猫"),
    "openapp.jdmobile": ("JD", "京东"), "jdmobile": ("JD", "京东"), "pinduoduo": ("Pinduoduo", "拼多多"),
    "snssdk1128": ("Douyin", "抖音"), "snssdk1233": ("TikTok", "TikTok"),
    "snssdk2329": ("Douyin Lite", "抖音极速版"),
    "snssdk143": ("Toutiao", "今日头条"), "kwai": ("Kuaishou", "快手"),
    "ksnebula": ("Kuaishou Lite", "快手极速版"),
    "mqq": ("QQ", "QQ"), "mqqapi": ("QQ", "QQ"), "mqqwpa": ("QQ", "QQ"), "tim": ("TIM", "TIM"),
    "baiduboxapp": ("Baidu", "百度"), "bdapp": ("Baidu", "百度"), "imeituan": ("Meituan", "美团"),
    "meituanwaimai": ("Meituan Waimai", "美团外卖"), "dianping": ("Dianping", "大众点评"),
    "eleme": ("Ele.me", "饿了么"), "xhsdiscover": ("Xiaohongshu", "小红书"), "sinaweibo": ("Weibo", "微博"),
    "weibo": ("Weibo", "微博"), "zhihu": ("Zhihu", "知乎"), "bilibili": ("Bilibili", "哔哩哔哩"),
    "orpheus": ("NetEase Music", "网易云音乐"), "upwallet": ("UnionPay", "云闪付"),
    "upwrp": ("UnionPay", "云闪付"),
    "unionpay": ("UnionPay", "云闪付"), "ctrip": ("Trip.com", "携程"), "diditaxi": ("DiDi", "滴滴"),
    "amapuri": ("Amap", "高德地图"), "iosamap": ("Amap", "高德地图"), "baidumap": ("Baidu Maps", "百度地图"),
    "dingtalk": ("DingTalk", "钉钉"), "wxwork": ("WeCom", "企业微信"), "whatsapp": ("WhatsApp", "WhatsApp"),
    "tg": ("Telegram", "Telegram"), "line": ("LINE", "LINE"), "market": ("app store", "应用商店"),
    "itms-apps": ("App Store", "App Store"), "youku": ("Youku", "优酷"), "alipayqr": ("Alipay", "支付宝"),
}
_WECHAT = ("WeChat", "微信")
_ALIPAY = ("Alipay", "支付宝")
# Query parameters that carry an embedded address in app links.
_URL_PARAMS = ("url", "qrcode", "h5url", "h5_url", "target", "redirect", "redirect_url", "link",
               "weburl", "web_url", "page_url", "fallback", "u", "to", "jump_url", "jumpurl")
_TOKEN = re.compile(
    r"([￥¥$€£₤¢₳₴₰₵₲₱€₭₦%]|\(|\uff08|/)([A-Za-z0-9]{8,14})(\1|\)|\uff09|/)"
)
_TOKEN_PAIRS = {"(": ")", "\uff08": "\uff09"}
