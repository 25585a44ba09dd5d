"""UI strings in zh-CN and en, and the choice between them.

The language comes from, in order: a ``lang`` cookie set by the switch on every page, then
``Accept-Language``, then ``settings.lang`` (``auto`` → Chinese, the product's first audience).
Report text (reasons, advice, summaries) comes from the report's own :class:`Message` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner import codewords
from scanner.codewords import UNKNOWN_LABEL
from scanner.pii import pii_labels

LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}

STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, zh)
    "app_name": ("LureLens", "LureLens 识饵"),
    "tagline": ("Check a link or a QR code before you open it.", "打开链接或扫码之前，先查一查。"),
    "skip": ("Skip to content", "跳到正文"),
    "nav_home": ("Check", "检查"),
    "nav_lists": ("Lists", "名单"),
    "nav_pair": ("Connect extension", "连接浏览器扩展"),
    "switch_lang": ("中文", "English"),
    "photo_heading": ("A chat screenshot or a photo of a QR code", "上传截图或二维码照片"),
    "photo_label": ("Choose a photo or screenshot", "选择照片或截图"),
    "photo_hint": ("Drop an image here, or paste one (Ctrl+V). Nothing leaves this computer "
                   "except the link checks.",
                   "可把图片拖到这里，或直接粘贴（Ctrl+V）。除检查链接外，不会上传任何内容。"),
    "camera_label": ("Take a photo with the camera", "用相机拍照"),
    "photo_submit": ("Scan the photo", "识别并检查"),
    "text_heading": ("A link or a whole message", "链接或整段消息"),
    "text_label": ("Paste the link or the message you received", "粘贴收到的链接或消息"),
    "text_submit": ("Check", "检查"),
    "offline_label": ("Do not open the links (offline check only)", "不打开链接（仅离线检查）"),
    "result_title": ("Result", "检查结果"),
    "level_danger": ("Dangerous: do not open it", "高风险：不要打开"),
    "level_caution": ("Suspicious: be careful", "可疑：请谨慎"),
    "level_safe": ("No problems found", "未发现问题"),
    "level_unknown": UNKNOWN_LABEL,  # the same words in the CLI and the extension
    "score": ("Risk score", "风险分"),
    "reasons": ("Why", "原因"),
    "no_reasons": ("No warning signs were found. That does not prove a link is safe.",
                   "没有发现警示迹象。但这并不证明链接一定安全。"),
    "no_reasons_no_link": ("No warning signs were found.", "没有发现警示迹象。"),
    "evidence": ("Evidence", "依据"),
    "pii_heading": ("Personal data it asks for", "它索取的个人信息"),
    "advice": ("What to do", "建议"),
    "links_heading": ("Links checked", "已检查的链接"),
    "final_url": ("Where it really goes", "实际去往"),
    "link_as_written": ("The link", "链接"),
    "domain": ("Website it belongs to", "所属网站"),
    "idn": ("Internationalised name", "国际化域名"),
    "punycode": ("Punycode", "Punycode 编码"),
    "copy": ("Copy the address", "复制地址"),
    "copied": ("Copied", "已复制"),
    "not_link_note": ("Shown as text on purpose, so it cannot be opened by accident.",
                      "特意显示为文字，以免误点打开。"),
    "original": ("As written", "原文"),
    "chain": ("Redirect chain", "跳转链"),
    "chain_summary": ("Show the redirect chain (hops: {n})", "展开跳转链（{n} 步）"),
    "hop_n": ("#", "序号"),
    "hop_kind": ("How", "方式"),
    "hop_status": ("Status", "状态码"),
    "hop_host": ("Host", "主机"),
    "hop_ip": ("IP address", "IP 地址"),
    "stop_reason": ("What happened", "检查经过"),
    "outcome_expanded": ("Opened safely by LureLens and followed to the end ({n} steps)",
                         "已由 LureLens 安全打开并跟到底（{n} 步）"),
    "outcome_blocked": ("Not opened, for safety: {why}", "为安全起见没有打开：{why}"),
    "link_own_level": ("This link alone:", "单看这个链接："),
    "link_vs_message": ("The risk comes from what the message says (see Why above), so still do not "
                        "open it.", "风险来自消息内容本身（见上面的“原因”），所以仍然不要打开。"),
    "page_title": ("Page title", "页面标题"),
    "payloads_heading": ("What the picture contains", "图片中的内容"),
    "payload_kind": ("Type", "类型"),
    "payload_text": ("Content", "内容"),
    "ocr_text_summary": ("Text read from the picture ({n} lines; what drove the verdict is marked)",
                         "图片中识别出的文字（{n} 行，导致判断的部分已标出）"),
    "payload_fields": ("Details", "详细信息"),
    "check_another": ("Check something else", "检查其他内容"),
    "offline_note": ("Offline check: links were judged as written, without opening them.",
                     "离线检查：只按原文判断，未打开链接。"),
    "go_title": ("LureLens stopped this page", "LureLens 拦下了这个网页"),
    "go_intro": ("You were about to open:", "你正要打开："),
    "go_back": ("Back to safety", "返回安全页面"),
    "go_more": ("I understand the risk", "我了解风险"),
    "go_open": ("Open anyway", "仍然打开"),
    "go_full_check": ("Open the link in a safe way and check where it leads",
                      "安全地展开链接，查看它最终去往哪里"),
    "go_bad_url": ("This address cannot be opened.", "这个地址无法打开。"),
    "lists_title": ("Blocklists and allowlist", "拦截名单与信任名单"),
    "lists_status": ("Status", "状态"),
    "lists_update": ("Update the lists now", "立即更新名单"),
    "list_category": ("Category", "类别"),
    "list_origin": ("Source", "来源"),
    "list_entries": ("Entries", "条目数"),
    "list_updated": ("Age", "更新时间"),
    "list_error": ("Last error", "最近错误"),
    "lists_user": ("Your own lists", "自定义名单"),
    "lists_add": ("Add a list", "添加名单"),
    "lists_source": ("The list's https:// address", "名单的 https:// 地址"),
    "lists_file": ("…or a list file from this computer", "……或从本机选择名单文件"),
    "lists_name": ("Name (optional)", "名称（可选）"),
    "lists_remove": ("Remove", "删除"),
    "allow_title": ("Domains you trust", "你信任的域名"),
    "allow_domain": ("Domain to trust (for example example.com)", "要信任的域名（如 example.com）"),
    "allow_add": ("Trust this domain", "信任此域名"),
    "allow_remove": ("Stop trusting", "取消信任"),
    "undo": ("Undo", "撤销"),
    "removed": ("Removed {x}.", "已删除 {x}。"),
    "added": ("Added {x}.", "已添加 {x}。"),
    "updated": ("Lists updated.", "名单已更新。"),
    "lists_unavailable": ("The list manager is not available in this build.", "此版本没有名单管理功能。"),
    "none": ("None", "无"),
    "name": ("Name", "名称"),
    "value": ("Value", "值"),
    "pair_title": ("Connect the browser extension", "连接浏览器扩展"),
    "pair_intro": ("The LureLens browser extension needs this computer's access key. Show it, then paste "
                   "it into the extension's options page. Keep it private: anyone with it can use "
                   "this service.",
                   "LureLens 浏览器扩展需要本机的访问密钥。点击显示后，粘贴到扩展的设置页。"
                   "请勿泄露：拿到它的人都能使用本服务。"),
    "pair_show": ("Show the access key", "显示访问密钥"),
    "pair_token": ("Access key", "访问密钥"),
    "pair_copy": ("Copy the key", "复制密钥"),
    "pair_rotate_hint": ("To replace the key, run: lurelens token --rotate",
                         "如需更换密钥，请运行：lurelens token --rotate"),
    "login_title": ("Sign in to LureLens", "登录 LureLens"),
    "login_needed": ("Open the link printed by “lurelens serve” in the terminal where you started it "
                     "(or run “lurelens login” for a new one). Only the person who started the "
                     "service can use these pages.",
                     "请打开启动「lurelens serve」的终端里显示的登录链接（或运行「lurelens login」"
                     "获取新链接）。只有启动本服务的人才能使用这些页面。"),
    "login_hint": ("Each link works once. The browser extension uses its access key instead.",
                   "每个链接只能用一次。浏览器扩展使用访问密钥，不需要登录。"),
    "login_failed": ("That sign-in link is wrong or was already used.", "该登录链接无效或已被使用。"),
    "login_done": ("You are signed in.", "已登录。"),
    "login_continue": ("Continue", "继续"),
    "error_title": ("Something went wrong", "出错了"),
    "error_back": ("Back to the start", "返回首页"),
    "noscript": ("Works without JavaScript; with it you can also drop or paste an image.",
                 "无需 JavaScript 也能使用；启用后还可拖放或粘贴图片。"),
    "footer": ("Runs on this computer. Links are opened by LureLens, not by your browser.",
               "在本机运行。链接由 LureLens 代为打开，而不是你的浏览器。"),
}

LEVEL_ICON = {"danger": "✖", "caution": "⚠", "safe": "✓", "unknown": "?"}  # glyphs common fonts have

SEVERITY = {
    "high": ("High", "高"), "medium": ("Medium", "中"), "low": ("Low", "低"), "info": ("Info", "提示"),
}

# The one PII table of the product (scanner/data/pii.toml), as (en, zh) pairs; labels capitalised.
PII = {k: (v["en"][:1].upper() + v["en"][1:], v["zh"]) for k, v in pii_labels().items()}



PAYLOAD_KIND = codewords.KIND_NAMES  # the same words as the CLI's
STOP_REASON = codewords.STOP_WORDS

HOP_KIND = {
    "start": ("Start", "起点"), "http": ("HTTP redirect", "HTTP 跳转"),
    "refresh_header": ("Refresh header", "Refresh 头跳转"), "meta": ("Meta refresh", "Meta 刷新跳转"),
    "js_static": ("Script redirect", "脚本跳转"), "wrapper": ("Link wrapper", "链接包装"),
    "non_http_target": ("Non-web target", "非网页目标"),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    """The ``lang`` half of an (en, zh) pair.

    >>> pick(("Yes", "是"), "zh"), pick(("Yes", "是"), "en")
    ('是', 'Yes')
    """
    return pair[1] if lang == "zh" else pair[0]


def t(key: str, lang: str, **params: object) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``params``."""
    text = pick(STRINGS[key], lang)
    return text.format(**params) if params else text


def label(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    """A label from one of the tables above, or the key itself when unknown."""
    pair = table.get(key)
    return pick(pair, lang) if pair else key


def negotiate(cookie: str | None, accept_language: str | None, default: str = "zh") -> str:
    """Choose ``zh`` or ``en``.

    >>> negotiate(None, "en-US,en;q=0.9")
    'en'
    >>> negotiate(None, "en;q=0.5, zh-CN;q=0.9")
    'zh'
    >>> negotiate("en", "zh-CN")
    'en'
    >>> negotiate(None, None)
    'zh'
    """
    if cookie in LANGS:
        return cookie
    best: tuple[float, str] | None = None
    for part in (accept_language or "")[:512].split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        lang = "zh" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        if lang and q > 0 and (best is None or q > best[0]):
            best = (q, lang)
    return best[1] if best else default


_BLOCKED = ("blocked_address", "blocked_port", "blocked_scheme", "too_large", "max_hops", "loop")


def outcome(link: Any, lang: str) -> str:
    """What happened to a link, in words: expanded, offline by choice, not reachable, or blocked.

    Never "offline" unless the link was left unopened on purpose (``stop_reason`` ``not_expanded``):
    a link whose site name did not resolve was tried, and says so.
    """
    stop = str(getattr(link.stop_reason, "value", link.stop_reason))
    if stop in _BLOCKED:
        return t("outcome_blocked", lang, why=label(STOP_REASON, stop, lang))
    if stop == "final" and link.expanded:
        return t("outcome_expanded", lang, n=max(0, len(link.chain) - 1))
    return label(STOP_REASON, stop, lang)


def evidence(reason: Any, lang: str) -> str:
    """A reason's evidence for a person: a stop code (``dns_error``) becomes its plain words."""
    ev = str(reason.evidence or "")
    return label(STOP_REASON, ev, lang) if ev in STOP_REASON else ev


def list_words(lang: str) -> dict[str, Any]:
    """The lists page's translators (category, origin, error, age), bound to ``lang``."""
    from scanner.lists import words

    return {
        "category": lambda c: words.category_words(str(c or ""), lang),
        "origin": lambda o: words.origin_words(str(o or ""), lang),
        "error": lambda e: words.error_words(str(e or ""), lang),
        "age": lambda s, due: words.age_words(s if isinstance(s, int | float) else None, bool(due), lang),
        "hint": lambda: words.update_hint(lang),
    }
