"""The lists' categories, origins and errors in words a person reads, in English and Chinese.

Shared by ``lurelens lists`` and the service's lists page, so both say the same thing.
Messages from the updater are English sentences with a few fixed shapes; :func:`error_words`
turns those shapes into Chinese and leaves anything else as it is. Pairs are ``(en, zh)``.
"""

from __future__ import annotations

import re

CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "phishing": ("phishing", "钓鱼网站"),
    "scam": ("scam", "诈骗"),
    "malware": ("malware", "恶意软件"),
    "crypto_phishing": ("crypto phishing", "加密货币钓鱼"),
    "user": ("your own", "自定义"),
    "shortener": ("link shorteners", "短链接服务"),
    "popular": ("popular sites", "热门网站"),
    "allow": ("trusted", "信任名单"),
}

ORIGIN_WORDS: dict[str, tuple[str, str]] = {
    "bundled": ("built in", "内置"),
    "config": ("your settings", "配置文件"),
    "user": ("added by you", "你添加的"),
}

_ERRORS: tuple[tuple[re.Pattern[str], tuple[str, str]], ...] = tuple(
    (re.compile(p), pair)
    for p, pair in (
        (
            r"^no internet connection \(could not look up (?P<x>[^)]*)\)",
            ("no internet connection (could not look up {x})", "没有网络连接（无法查找 {x}）"),
        ),
        (r"^download failed: (?P<x>.*)$", ("download failed: {x}", "下载失败：{x}")),
        (r"^HTTP (?P<x>\d+)$", ("the server answered HTTP {x}", "服务器返回 HTTP {x}")),
        (r"^not modified$", ("not modified", "无变化")),
        (r"^no url.*$", ("a local list, nothing to download", "本地名单，无需下载")),
        (r"^disabled$", ("turned off", "已停用")),
    )
)
_KEPT = ("; kept the previous version", "；已保留旧版本")


def _w(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def category_words(category: str, lang: str) -> str:
    """``phishing`` → 钓鱼网站 (unknown categories as they are)."""
    pair = CATEGORY_WORDS.get(category)
    return _w(pair, lang) if pair else category


def origin_words(origin: str, lang: str) -> str:
    """``bundled`` → 内置 (unknown origins as they are)."""
    pair = ORIGIN_WORDS.get(origin)
    return _w(pair, lang) if pair else origin


def error_words(message: str, lang: str) -> str:
    """An updater message in ``lang``.

    >>> error_words("no internet connection (could not look up raw.example); kept the previous version", "zh")
    '没有网络连接（无法查找 raw.example）；已保留旧版本'
    """
    kept = message.endswith(_KEPT[0])
    body = message[: -len(_KEPT[0])] if kept else message
    for pattern, pair in _ERRORS:
        m = pattern.match(body)
        if m:
            x = m.groupdict().get("x")
            inner = error_words(x, lang) if x and pattern.pattern.startswith("^download") else x
            body = _w(pair, lang).format(x=inner)
            break
    return body + (_w(_KEPT, lang) if kept else "")


def age_words(seconds: float | None, due: bool, lang: str) -> str:
    """``12 days old`` / ``12 天前``, with a hint to update when the list is due for it."""
    if seconds is None:
        return _w(("never", "从未"), lang)
    days = int(seconds // 86400)
    if days >= 1:
        text = _w((f"{days} days old" if days > 1 else "1 day old", f"{days} 天前"), lang)
    else:
        text = _w(("today", "今天"), lang)
    if due:
        text += _w((" (out of date)", "（已过期）"), lang)
    return text


def update_hint(lang: str) -> str:
    """The line under a status table with out-of-date lists."""
    return _w(
        (
            'Lists marked "out of date" are older than their refresh interval: run '
            'lurelens lists update (or press "Update the lists now").',
            "标有“已过期”的名单超过了更新周期：请运行 lurelens lists update（或点“立即更新名单”）。",
        ),
        lang,
    )
