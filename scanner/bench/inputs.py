"""Benchmark inputs: the URL list and the photo set a user names, or the small built-in defaults.

The default URL list (``scanner/data/bench_urls.txt``) is synthetic: :func:`synthetic_urls` made it
from invented names, so it carries no real lure and nothing from any evaluation set. It mixes what
people paste: plain shop links, shorteners, long tracking queries, IDNs, IP hosts, free-hosting
pages, app links and some lure-shaped paths, so every stage of an offline check runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import InputError

__all__ = ["Photo", "load_photos", "load_urls", "synthetic_urls"]

MAX_URLS = 200_000
MAX_PHOTOS = 2_000
_PHOTO_EXT = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif")


@dataclass(frozen=True)
class Photo:
    """One benchmark photo from a folder without a manifest."""

    name: str
    data: bytes


def load_urls(path: Path | None) -> list[str]:
    """URLs from ``path`` (one per line, ``#`` comments) or the built-in list."""
    if path is None:
        text = resources.files("scanner").joinpath("data/bench_urls.txt").read_text(encoding="utf-8")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read the URL list {path}: {e}") from None
    urls = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not urls:
        raise InputError(f"no URLs in {path or 'the built-in list'}: give one URL per line")
    return urls[:MAX_URLS]


def load_photos(source: Path) -> list[Photo]:
    """Every image in a folder (sorted, at most ``MAX_PHOTOS``), or one image file."""
    if source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.suffix.lower() in _PHOTO_EXT and p.is_file())
        return [Photo(str(p.relative_to(source)), p.read_bytes()) for p in files[:MAX_PHOTOS]]
    if source.is_file():
        return [Photo(source.name, source.read_bytes())]
    raise InputError(f"{source} is neither a photo folder nor a manifest: check --photos")


# ---- the synthetic URL list ------------------------------------------------------------------------

_WORDS = (
    "shop",
    "mall",
    "gift",
    "vip",
    "club",
    "app",
    "cloud",
    "news",
    "daily",
    "data",
    "fast",
    "go",
    "home",
    "life",
    "my",
    "pay",
    "point",
    "star",
    "sun",
    "tech",
    "trip",
    "union",
    "web",
    "world",
)
_TLDS = (
    "com",
    "cn",
    "com.cn",
    "net",
    "org",
    "top",
    "xyz",
    "vip",
    "shop",
    "site",
    "club",
    "io",
    "cc",
    "info",
    "online",
    "work",
    "co.uk",
    "de",
    "jp",
)
_POPULAR = (
    "www.taobao.com",
    "item.jd.com",
    "www.baidu.com",
    "mp.weixin.qq.com",
    "www.bilibili.com",
    "github.com",
    "www.wikipedia.org",
    "www.apple.com",
    "news.qq.com",
    "www.zhihu.com",
)
_SHORT = ("t.cn", "bit.ly", "dwz.cn", "url.cn", "tinyurl.com", "is.gd")
_FREEHOST = ("pages.dev", "github.io", "vercel.app", "netlify.app", "web.app", "r2.dev")
_PATHS = (
    "/",
    "/index.html",
    "/p/{n}",
    "/item/{n}.html",
    "/s?k=phone&page={n}",
    "/article/{n}",
    "/user/login",
    "/m/activity/{n}",
    "/download/app.apk",
    "/api/v1/{n}",
    "/register?invite={n}",
    "/gift/claim?id={n}",
    "/points/exchange",
    "/loan/apply?ch={n}",
    "/static/js/app.{n}.js",
    "/#/home?from=qr",
)
_IDN = ("例子", "购物", "积分商城", "领奖", "bücher", "пример")


def _host(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.18:
        return rng.choice(_POPULAR)
    if kind < 0.26:
        return f"{rng.choice(_WORDS)}-{rng.randint(1, 999)}.{rng.choice(_FREEHOST)}"
    if kind < 0.31:
        return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind < 0.36:
        return f"{rng.choice(_IDN)}{rng.randint(1, 99)}.{rng.choice(('com', 'cn', 'net'))}"
    parts = [
        rng.choice(_WORDS) + (str(rng.randint(1, 99)) if rng.random() < 0.4 else "")
        for _ in range(rng.randint(1, 2))
    ]
    sub = rng.choice(("", "", "www.", "m.", "h5.", "login.", "secure-"))
    return f"{sub}{'-'.join(parts)}.{rng.choice(_TLDS)}"


def synthetic_urls(n: int = 500, seed: int = 9) -> list[str]:
    """``n`` invented URLs, the same for the same seed (how ``bench_urls.txt`` was made)."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.07:
            out.append(
                f"https://{rng.choice(_SHORT)}/{''.join(rng.choices('abcdefghkmnpqrstuvwxyz23456789', k=6))}"
            )
            continue
        if r < 0.09:
            out.append(
                rng.choice(
                    (
                        f"weixin://dl/business/?t={rng.randint(10**6, 10**7)}",
                        f"alipays://platformapi/startapp?appId={rng.randint(10**7, 10**8)}",
                    )
                )
            )
            continue
        scheme = "https" if rng.random() < 0.8 else "http"
        host = _host(rng)
        port = f":{rng.choice((8080, 8443, 8888))}" if rng.random() < 0.04 else ""
        path = rng.choice(_PATHS).format(n=rng.randint(1, 99999))
        if rng.random() < 0.2:
            sep = "&" if "?" in path else "?"
            path += (
                f"{sep}utm_source=wechat&utm_medium=share&spm=a2h0c.{rng.randint(1000, 9999)}"
                f"&token={''.join(rng.choices('0123456789abcdef', k=24))}"
            )
        out.append(f"{scheme}://{host}{port}{path}")
    return out
