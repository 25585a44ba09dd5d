"""URL heuristics: what the link itself gives away, before anything is fetched.

Pure and fast (a few microseconds a URL): :func:`url_reasons` looks only at a
:class:`~scanner.canonical.CanonicalURL`. Every heuristic is one small function returning reasons
with evidence; the lists they use (platform roots, TLDs, brands, infrastructure roots) are data
files under ``scanner/data/``, loaded once on first use. ``docs/heuristics.md`` documents each code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache, lru_cache
from urllib.parse import quote, unquote_plus

from ..canonical import CanonicalURL, to_unicode
from ..models import Reason, Severity
from ..reasons import make
from .brandmatch import (
    Brand,
    _brand_hits,
    _brand_owned,
    _brand_tokens,
    _data_lines,
    _one_edit,
    brand_tlds,
    brands,
)
from .urlwords import _KEYWORD_RE, _KEYWORDS, _STATIC_EXT, _WP_STOCK

H = Severity.HIGH

# --- data -------------------------------------------------------------------------------------------


@cache
def platforms() -> dict[str, str]:
    """Tenant-hosting roots → class (``site``, ``app``, ``tunnel``, ``ddns``, ``storage``…)."""
    return {p[0].lower(): (p[1] if len(p) > 1 else "site") for p in _data_lines("platforms.txt")}


@cache
def suspicious_tlds() -> dict[str, int]:
    """Suspicious TLD → weight 1–3."""
    return {p[0].lower(): int(p[1]) if len(p) > 1 else 1 for p in _data_lines("tlds.txt")}


@cache
def infra_roots() -> frozenset[str]:
    """CDN/DNS infrastructure roots whose names embed other names by design."""
    return frozenset(p[0].lower() for p in _data_lines("infra.txt"))


# Look-alike characters folded before looking for brand tokens (paypa1, arnazon, micros0ft).
_FOLD = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})


_PATH_WORDS = re.compile(
    r"(?:log-?in|sign-?in|log-?on|verif|validat|auth|unlock|confirm|recover|secur|account|update"
    r"|webscr|wallet|claim|redeem|billing|kyc|password|passwd|suspend|restore|reactivat|unblock"
    r"|invoice|refund|payment|bank|checkpoint|session|upgrade|lingqu|renzheng|jifen)",
    re.I,
)
_PATH_KITS = re.compile(r"(?:wp-admin|wp-includes|wp-content|\.well-known|cgi-bin)/", re.I)
_VOWELS = frozenset("aeiouy")
_HEXISH = re.compile(r"^(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-f])[0-9a-f]{12,}$")
_PHONE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
_IDNO = re.compile(
    r"(?<![\dA-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|"
    r"1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_ok(s: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    s = s.upper()
    if len(s) != 18 or not s[:17].isdigit():
        return False
    return "10X98765432"[sum(int(a) * w for a, w in zip(s[:17], _ID_WEIGHTS, strict=True)) % 11] == s[17]


# --- helpers ----------------------------------------------------------------------------------------


def _under(host: str, roots: Iterable[str]) -> str | None:
    """The root ``host`` is a strict subdomain of, if any (longest first)."""
    labels = host.split(".")
    for i in range(1, len(labels) - 1):
        cand = ".".join(labels[i:])
        if cand in roots:
            return cand
    return None


def _platform_of(u: CanonicalURL) -> tuple[str, str] | None:
    """``(root, class)`` when the host is a tenant of a hosting platform."""
    plats = platforms()
    labels = u.host.split(".")
    for i in range(1, len(labels) - 1):
        cand = ".".join(labels[i:])
        cls = plats.get(cand)
        if cls is not None:
            return cand, cls
    return None


def _name_part(u: CanonicalURL) -> str:
    """The host without its public suffix: the part a site owner chose (``a.b`` of ``a.b.co.uk``)."""
    suf = u.suffix
    if suf and u.host.endswith("." + suf):
        return u.host[: -len(suf) - 1]
    return u.host


def _is_random(word: str) -> bool:
    """A label piece that no person would choose: long consonant runs, hex blobs, too few vowels."""
    n = len(word)
    if n < 5:
        return False
    if _HEXISH.match(word):
        return True
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    run = best = 0
    for c in letters:
        if c in _VOWELS:
            run = 0
        else:
            run += 1
            best = max(best, run)
    vow = sum(1 for c in letters if c in _VOWELS) / len(letters)
    if best >= 5 and n >= 7:
        return True
    if n >= 9 and vow < 0.2:
        return True
    digits = sum(c.isdigit() for c in word)
    # letters and digits interleaved (a7k2m9q…)
    switches = sum(1 for a, b in zip(word, word[1:], strict=False) if a.isdigit() != b.isdigit())
    return n >= 8 and digits >= 3 and switches >= 4


# --- the heuristics ---------------------------------------------------------------------------------

Check = Callable[[CanonicalURL], list[Reason]]


_LAN_V4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")


def _ip(u: CanonicalURL) -> list[Reason]:
    if not u.ip:
        return []
    import ipaddress

    addr = ipaddress.ip_address(u.ip)
    lan = addr.version == 4 and any(addr in ipaddress.ip_network(n) for n in _LAN_V4)
    if lan or addr.is_loopback or addr.is_link_local or (addr.version == 6 and addr.is_private):
        return [make("url.private_ip", u.ip, source="url")]
    return [make("url.ip_host", u.ip, source="url")]


def _idn(u: CanonicalURL) -> list[Reason]:
    if not u.is_idn:
        return []
    out = []
    mixed = []
    for label in u.host_unicode.split("."):
        scripts = set()
        for ch in label:
            if ch.isascii():
                if ch.isalpha():
                    scripts.add("LATIN")
                continue
            if not ch.isalpha():
                continue
            name = unicodedata.name(ch, "")
            scripts.add(name.split(" ", 1)[0] if name else "OTHER")
        confusable = scripts & {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"}
        if (
            "LATIN" in scripts
            and len(scripts) > 1
            and not scripts <= {"LATIN", "CJK", "HIRAGANA", "KATAKANA", "HANGUL"}
        ) or (confusable and _looks_latin(label)):
            mixed.append(label)
    if mixed:
        out.append(make("url.mixed_script", ", ".join(mixed)[:80], source="url"))
    else:
        out.append(make("url.punycode", u.host_unicode[:80], source="url"))
    return out


_CONFUSABLE = str.maketrans("аеорсхуіјѕԁɡһӏοαντκ", "aeopcxyijsdghlоavtk")


def _looks_latin(label: str) -> bool:
    """A label written entirely in Latin look-alikes (``аррӏе`` in Cyrillic)."""
    folded = label.translate(_CONFUSABLE)
    return all(c.isascii() for c in folded if c.isalpha())


def _userinfo(u: CanonicalURL) -> list[Reason]:
    if not u.userinfo:
        return []
    return [make("url.userinfo", f"{u.userinfo}@{u.host}"[:80], source="url")]


_TLD_WEIGHT = {1: 12, 2: 40, 3: 45}


def _tld(u: CanonicalURL) -> list[Reason]:
    if u.ip:
        return []
    tlds = suspicious_tlds()
    suf = u.suffix or u.host.rsplit(".", 1)[-1]
    w = tlds.get(suf)
    if w is None:
        w = tlds.get(suf.rsplit(".", 1)[-1]) if "." in suf else None
    if not w:
        return []
    return [make("url.suspicious_tld", "." + suf, weight=_TLD_WEIGHT[min(w, 3)], source="url")]


def _hosting(u: CanonicalURL) -> list[Reason]:
    p = _platform_of(u)
    if p is None and re.match(r"^/ip[fn]s/[a-z0-9]{20,}", u.path or "", re.I) and not _infra(u):
        return [make("url.free_hosting", u.host + "/ipfs/…", weight=45, source="url", platform="IPFS")]
    tenant = u.is_private_suffix and u.registrable_domain.endswith("." + u.suffix)
    if p is None and tenant and not _infra(u) and not _brand_owned(u.host):
        # Any other platform of the Public Suffix List's private section (blogspot.lu, x.sa.com…).
        return [make("url.free_hosting", u.host, weight=40, source="url", platform=u.suffix)]
    if p is None:
        return []
    root, cls = p
    weight = {
        "site": 40,
        "app": 40,
        "tunnel": 45,
        "ddns": 40,
        "ipfs": 45,
        "storage": 40,
        "doc": 40,
        "form": 30,
    }.get(cls, 35)
    return [make("url.free_hosting", u.host, weight=weight, source="url", platform=root)]


_INFRA_WORD = re.compile(r"cdn|dns|gslb|edge|cache|akam|lb\d|-lb|lb-|slb|clb|static|sdk|msft")


def _infra(u: CanonicalURL) -> bool:
    """CDN/DNS infrastructure names (listed roots, or a registrable name that says it is one)."""
    return _infra_host(u.host, u.registrable_domain, u.suffix, u.is_private_suffix)


@lru_cache(maxsize=4096)  # three heuristics ask about the same host; bounded (attacker hosts)
def _infra_host(host: str, registrable: str, suffix: str, private: bool) -> bool:
    if _under(host, infra_roots()) or registrable in infra_roots():
        return True
    if _INFRA_WORD.search(registrable.split(".", 1)[0]):
        return True
    # A CDN's own private suffix (x.rsc.cdn77.org): the platform root names the infrastructure.
    return private and bool(_INFRA_WORD.search(suffix))


def _brand(u: CanonicalURL) -> list[Reason]:
    if u.ip or _infra(u):
        return []
    name = _name_part(u)
    reg_label = name.rsplit(".", 1)[-1]
    hits = _brand_hits(name)
    folded = name.translate(_FOLD).replace("rn", "m").replace("vv", "w")
    if folded != name:
        hits += [h for h in _brand_hits(folded) if h[1].isalpha()]
    best: dict[str, tuple[int, Brand]] = {}
    sub = u.subdomain
    for b, tok, part in hits:
        if b.owns(u.host):
            continue
        in_sub = bool(sub) and tok in sub
        if in_sub and tok not in reg_label:
            w = 50  # brand left of someone else's domain: telstra-1.weeblysite.com, paypal.com.x.top
        elif reg_label == tok:
            w = 20  # the bare brand under another suffix: often the brand's own country domain
        elif part == tok or reg_label.startswith(tok + "-") or reg_label.endswith("-" + tok):
            w = 40  # brand plus other words: paypal-verify.com, 10086-jf.com
        else:
            w = 25  # brand glued to a word: tiktokshop.com, paypalsecure.com
        if w > best.get(b.key, (0, b))[0]:
            best[b.key] = (w, b)
    return [
        make("url.brand_in_domain", u.host[:80], weight=w, source="url", brand=b.label)
        for w, b in sorted(best.values(), key=lambda x: -x[0])[:2]
    ]


_EMBEDDED_DOMAIN = re.compile(r"[a-z0-9]\.(?:com|net|org|gov|edu|co|cn)[.\-]")


def _deceptive(u: CanonicalURL) -> list[Reason]:
    if u.ip or _infra(u):
        return []
    sub = u.subdomain
    reg_label = u.registrable_domain.split(".", 1)[0]
    # "paypal.com.secure.example" / "usps.com-track.example": a full domain left of the real one.
    if sub and _EMBEDDED_DOMAIN.search(sub + ".") and not _owned_embedded(sub, u):
        return [make("url.deceptive_subdomain", u.host[:80], source="url")]
    if sub and _TLD_PREFIX.match(reg_label):
        return [make("url.deceptive_subdomain", u.host[:80], source="url")]
    return []


def _owned_embedded(sub: str, u: CanonicalURL) -> bool:
    """``microsoft.com.delivery.microsoft.com``: the embedded name is the real domain itself."""
    return u.registrable_domain in sub + "."


def _keywords(u: CanonicalURL) -> list[Reason]:
    if u.ip or _infra(u):
        return []
    name = _name_part(u)
    found = {m.group(0) for m in _KEYWORD_RE.finditer(name)}
    if not found:
        return []
    # Overlapping finds ("bitcoin" and "bit") count once, by the longer word.
    found = {k for k in found if not any(k != o and k in o for o in found)}
    pts = sum(_KEYWORDS[k] for k in found)
    weight = min(45, 8 * pts + (10 if len(found) > 1 else 0))
    if weight < 10:
        return []
    return [make("url.lure_keyword", ", ".join(sorted(found)), weight=weight, source="url")]


_SPLIT_DASH = re.compile(r"[\-_]")
_SPLIT_LABEL = re.compile(r"[.\-_]")
_DASH = re.compile(r"[-_]")
_TLD_PREFIX = re.compile(r"^(?:com|net|org|gov)-")


def _shape(u: CanonicalURL) -> list[Reason]:
    if u.ip or _infra(u):
        return []
    out: list[Reason] = []
    name = _name_part(u)
    reg = u.registrable_domain.split(".", 1)[0]
    if len(u.host) > 45:
        out.append(make("url.long_host", str(len(u.host)), source="url"))
    # Random-looking names: the part the owner registered, or a tenant name on a hosting platform.
    scope = reg
    if _platform_of(u) is not None or u.is_private_suffix:
        scope = u.subdomain.split(".")[-1] if u.subdomain else reg
    random_parts = [w for w in _SPLIT_DASH.split(scope) if _is_random(w)]
    if not random_parts and u.subdomain:
        # A long machine-made label left of the domain (2k47467bsnsspgrcvry.example.com).
        random_parts = [w for w in _SPLIT_LABEL.split(u.subdomain) if len(w) >= 12 and _is_random(w)]
    if random_parts:
        out.append(make("url.random_label", random_parts[0][:40], source="url"))
    hy = max(lbl.count("-") for lbl in name.split("."))
    if hy >= 3:
        out.append(make("url.many_hyphens", name[:60], source="url", weight=10 + 5 * min(hy - 3, 3)))
    digits = sum(c.isdigit() for c in reg)
    if digits >= 4 and any(c.isalpha() for c in reg) and not random_parts:
        out.append(make("url.digit_heavy", reg[:40], source="url"))
    return out


# Percent-encoded U+200B–U+200F (zero-width, LRM/RLM), U+202A–U+202E (embeddings, overrides),
# U+2060 and U+2066–U+2069 (word joiner, isolates), U+FEFF: nothing a real address needs.
_HIDDEN = re.compile(r"(?i)%E2%80%(?:8[B-F]|A[A-E])|%E2%81%(?:A0|A[6-9])|%EF%BB%BF")
_HIDDEN_NAMES = {"8B": "ZWSP", "8C": "ZWNJ", "8D": "ZWJ", "8E": "LRM", "8F": "RLM", "AA": "LRE",
                 "AB": "RLE", "AC": "PDF", "AD": "LRO", "AE": "RLO", "A0": "WJ", "A6": "LRI",
                 "A7": "RLI", "A8": "FSI", "A9": "PDI", "BF": "BOM"}


def _hidden(u: CanonicalURL) -> list[Reason]:
    # In the host they vanish when the browser maps the name (a\u200bpple.com opens apple.com), so
    # the name shown and the name opened differ, and list lookups of the shown name miss: danger.
    in_host = _HIDDEN.search(quote(u.raw_host, safe="%")) if u.raw_host else None
    if "%" not in u.href and not in_host:
        return []
    found = sorted({_HIDDEN_NAMES.get(m.group(0)[-2:].upper(), "?")
                    for m in _HIDDEN.finditer(u.href + " " + quote(u.raw_host, safe="%"))})
    if not found:
        return []
    if in_host:
        return [make("url.hidden_characters", ", ".join(found), source="url", severity=H, weight=80)]
    return [make("url.hidden_characters", ", ".join(found), source="url")]


def _port(u: CanonicalURL) -> list[Reason]:
    if u.port is None or u.port in (80, 443):
        return []
    return [make("url.nonstandard_port", str(u.port), source="url")]


def _not_slug(path: str) -> str:
    """The path without prose slugs (``/2015/05/how-to-secure-your-account``): those are articles."""
    return "/".join(seg for seg in path.split("/") if len(_DASH.findall(seg)) <= 3)


def _path(u: CanonicalURL) -> list[Reason]:
    path = u.path or ""
    if len(path) <= 1:
        return []
    low = _not_slug(unquote_plus(path).lower())
    words = sorted({m.group(0).lower() for m in _PATH_WORDS.finditer(low)})
    kit = _PATH_KITS.search(low)
    if not words:
        return []
    weight = 30 + 10 * min(len(words) - 1, 2)
    if kit or low.endswith((".php", ".html", ".htm")) and path.count("/") >= 3:
        weight += 10
    return [make("url.credential_path", ", ".join(words)[:60], weight=weight, source="url")]


def _query(u: CanonicalURL) -> list[Reason]:
    frag = u.href.split("#", 1)[1] if "#" in u.href else ""
    q = u.query + ("#" + frag if frag else "")
    if len(q) < 8:
        return []
    text = unquote_plus(q[:4096])
    kinds = []
    if "@" not in text and _hidden_email(q):
        kinds.append("email (base64)")
    if _PHONE.search(text):
        kinds.append("phone")
    m = _IDNO.search(text)
    if m and id_number_ok(m.group(0)):
        kinds.append("id_card")
    if _EMAIL.search(text):
        kinds.append("email")
    if not kinds:
        return []
    return [make("url.pii_in_query", ", ".join(kinds), source="url")]


def _lookalike(u: CanonicalURL) -> list[Reason]:
    if u.ip or _infra(u):
        return []
    host = u.host
    if u.is_idn:
        # Diacritics and look-alike letters dropped: xn--myetherwalet-… → myetherwallet.
        folded = unicodedata.normalize("NFKD", u.host_unicode.translate(_CONFUSABLE))
        host = "".join(c for c in folded if c.isascii())
        hit = _brand_hits(host.rsplit(".", 1)[0])
        for b, _tok, _part in hit:
            if not b.owns(u.host):
                return [make("url.lookalike_domain", u.host_unicode[:80], source="url", brand=b.label)]
    name = _name_part(u) if not u.is_idn else host.rsplit(".", 1)[0]
    for label in name.split(".")[-2:]:
        for part in label.split("-"):
            m = _one_edit(part) if len(part) <= 20 else None
            if m is not None and not m[0].owns(u.host):
                return [make("url.lookalike_domain", u.host_unicode[:80], source="url", brand=m[0].label)]
    return []


def _path_brand(u: CanonicalURL) -> list[Reason]:
    """Brand names as whole path segments (``/chase/login.php``) and planted kits (``/wp-includes/x/``)."""
    path = (u.path or "").lower()
    if len(path) <= 1 or u.ip and False:
        return []
    segs = [seg for seg in unquote_plus(path).split("/") if seg]
    out: list[Reason] = []
    whole = _brand_tokens()[0]
    for seg in segs[:12]:
        stem = re.sub(r"\.(?:php|html?|aspx?)$", "", seg)
        stem = re.sub(r"\d+$", "", stem)
        b = whole.get(stem)
        if b is None and 0 < stem.count("-") <= 2:
            b = next((whole[p] for p in stem.split("-") if p in whole and len(p) >= 4), None)
        if b is not None and len(stem) >= 3 and not b.owns(u.host):
            kitish = bool(_PATH_WORDS.search(_not_slug(path))) or path.endswith(
                (".php", ".html", ".htm", ".aspx")
            )
            out.append(
                make("url.brand_in_path", seg[:40], weight=30 if kitish else 10, source="url", brand=b.label)
            )
            break
    kit = _PATH_KITS.search(path)
    if kit and segs:
        last = segs[-1]
        if not last.endswith(_STATIC_EXT) and last not in _WP_STOCK and len(segs) >= 3:
            out.append(make("url.hacked_site_path", "/" + "/".join(segs[:3])[:60], source="url"))
    return out


_B64 = re.compile(r"(?:^|[=/&#?])([A-Za-z0-9+/_-]{16,}={0,2})(?=$|[&#/])")


def _hidden_email(text: str) -> bool:
    """A victim's e-mail address carried base64-encoded (``?vcc=c3VqdW5n…``)."""
    import base64
    import binascii

    for m in _B64.finditer(text[:2048]):
        raw = m.group(1)
        try:
            dec = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=False)
        except (binascii.Error, ValueError):
            continue
        if b"@" in dec and _EMAIL.search(dec.decode("latin-1")):
            return True
    return False


def _model(u: CanonicalURL) -> list[Reason]:
    from .urlmodel import model_reasons

    if u.ip or not u.suffix or _infra(u):
        return []
    return model_reasons(u, _platform_root)


def _platform_root(host: str) -> str | None:
    labels = host.split(".")
    plats = platforms()
    return next((".".join(labels[i:]) for i in range(1, len(labels) - 1) if ".".join(labels[i:]) in plats),
                None)


HEURISTICS: tuple[Check, ...] = (
    _hidden,
    _ip,
    _idn,
    _userinfo,
    _tld,
    _hosting,
    _brand,
    _lookalike,
    _deceptive,
    _keywords,
    _shape,
    _port,
    _path,
    _path_brand,
    _query,
    _model,
)
"""Every URL heuristic, in the order they run."""


POPULAR_CAP = 40
"""Heaviest weight a URL heuristic may have on a popular site (one reason at most)."""
MODEL_TENANT_COMPANION = 15
"""Lowest ``url.model`` weight that counts as something a tenant says (the platform left out)."""
TENANT_ALONE_WEIGHT = 10
"""``url.free_hosting`` weight when nothing else about the tenant looks wrong."""
_TENANT_COMPANIONS = frozenset({
    "url.brand_in_domain", "url.lure_keyword", "url.random_label", "url.credential_path", "url.model",
    "url.lookalike_domain", "url.deceptive_subdomain", "url.brand_in_path", "url.pii_in_query",
    "url.hacked_site_path", "url.mixed_script", "url.userinfo", "url.many_hyphens",
})


MODEL_AGREES_TLD = 25
"""``url.suspicious_tld`` weight at most when ``url.model`` fired too (alone it is evidence only)."""
_MODEL_COVERS = {"url.suspicious_tld": 0, "url.random_label": 5, "url.digit_heavy": 0, "url.long_host": 0,
                 "url.many_hyphens": 5, "url.lure_keyword": 20}
"""What the host's shape rules weigh at most when the model is loaded: it scores the ending, the
name's words, length, hyphens, digits and randomness itself, so these stay as evidence (a person
can check them) without being counted twice."""


def _model_knows_tld(out: list[Reason]) -> list[Reason]:
    """Cap the host-shape reasons the model already scores (see :data:`_MODEL_COVERS`)."""
    from .urlmodel import load

    if load() is None:
        return out
    caps = _MODEL_COVERS
    if any(r.code == "url.model" for r in out):  # the model agrees: the ending counts a little
        caps = {**caps, "url.suspicious_tld": MODEL_AGREES_TLD}
    return [replace(r, weight=min(r.weight, caps[r.code])) if r.code in caps else r for r in out]


def _tenant_alone(out: list[Reason]) -> list[Reason]:
    """A hosting tenant is a signal only together with something else the tenant says.

    ``microsoft.github.io`` or ``my-blog.pages.dev`` alone: the platform reason stays (as evidence)
    at :data:`TENANT_ALONE_WEIGHT`; with a brand it does not own, lure words, a random name, a
    model score… (weight 15 or more) it keeps its full weight. A brand's bare name as the tenant
    (weight 20, e.g. an organisation's own project pages) does not count as a companion.
    """
    host = [i for i, r in enumerate(out) if r.code == "url.free_hosting"]
    if not host:
        return out
    def companion(r: Reason) -> bool:
        bare_brand = r.code == "url.brand_in_domain" and r.weight <= 20
        weak_model = r.code == "url.model" and r.weight < MODEL_TENANT_COMPANION
        return r.code in _TENANT_COMPANIONS and r.weight >= 15 and not bare_brand and not weak_model

    if any(companion(r) for r in out):
        return out
    for i in host:
        out[i] = replace(out[i], weight=min(out[i].weight, TENANT_ALONE_WEIGHT))
    return out


def url_reasons(url: CanonicalURL, *, popular: bool = False) -> list[Reason]:
    """Reasons the link itself gives for concern (pure, no I/O).

    ``popular=True`` (the popular-domain allowlist matched the host) keeps a well-known site quiet:
    only the ``@`` trick and personal data in the query are still reported.
    """
    if not url.host:
        return []
    if popular or _brand_owned(url.host):
        out = _userinfo(url) + _query(url) + _port(url) + _hidden(url)
        if popular and out:
            # Never danger from heuristics alone, and never danger with one list hit beside them.
            top = max(out, key=lambda r: r.weight)
            out = [replace(top, weight=min(top.weight, POPULAR_CAP))]
    else:
        out = []
        for check in HEURISTICS:
            out.extend(check(url))
        out = _tenant_alone(_model_knows_tld(out))
    if url.scheme_inferred:
        out.append(make("url.scheme_inferred", source="url"))
    return out


__all__ = ["Brand", "HEURISTICS", "brand_tlds", "brands", "id_number_ok", "platforms", "url_reasons",
           "to_unicode"]
