"""Parsers for every common blocklist format, and format auto-detection. Pure: text in, entries out.

Formats (``FORMATS``): ``plain`` (one domain per line), ``wildcard`` (``*.d``), ``hosts``
(``0.0.0.0 d1 d2``), ``adblock`` (``||d^``, ``||d^$opts``, ``||d/path^``, ``|http://…|``, ``@@`` allow
rules; cosmetic, regex and modifier-only rules skipped), ``dnsmasq`` (``address=/d/…``,
``server=/d/``), ``unbound`` (``local-zone:``), ``rpz`` (DNS response-policy zone), ``urls`` (one URL
per line), ``csv`` (PhishTank ``online-valid.csv``, URLhaus CSV: any CSV with a ``url`` column),
``metamask`` (``config.json``: blacklist / whitelist / fuzzylist) and ``polkadot`` (``all.json``:
deny / allow / denySub).

Every domain entry matches the host and its subdomains; URL entries match a URL prefix. A line that
should hold an entry but does not parse is counted in ``malformed``; a valid rule we do not use
(cosmetic filter, regex, DNS forwarding…) is counted in ``skipped``. Neither is ever fatal.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ada_url import URL, idna_to_ascii

FORMATS = (
    "plain", "wildcard", "hosts", "adblock", "dnsmasq", "unbound", "rpz", "urls", "csv",
    "metamask", "polkadot",
)
"""Format names accepted in ``sources.toml`` and by ``lists add --format`` (plus ``auto``)."""

MAX_LINE = 4096
"""Longer lines are malformed (no real entry is that long)."""

# URL-entry flags (stored in the index).
SUBDOMAINS = 1
"""The URL entry also matches subdomains of its host (adblock ``||``)."""
SEPARATOR = 2
"""After the prefix must come a separator or the end (adblock ``^``)."""
EXACT = 4
"""The whole path+query must equal the entry (adblock trailing ``|``)."""


@dataclass(frozen=True, slots=True)
class UrlEntry:
    """A URL or URL-prefix entry: ``host`` plus a lower-case ``path`` (with ``?query``)."""

    host: str
    path: str
    """Starts with ``/``; includes ``?query`` when the entry had one."""
    flags: int = 0

    @property
    def text(self) -> str:
        """The entry as shown in evidence: ``host/path``."""
        return self.host + self.path


@dataclass(slots=True)
class ParsedList:
    """What one list file holds, with its bookkeeping."""

    format: str
    block: list[str] = field(default_factory=list)
    """Blocked domains (host and subdomains), normalised ASCII."""
    allow: list[str] = field(default_factory=list)
    """Allowed domains (exception rules, whitelists)."""
    url_block: list[UrlEntry] = field(default_factory=list)
    url_allow: list[UrlEntry] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    """Lookalike targets (MetaMask ``fuzzylist``): legitimate domains others imitate."""
    malformed: int = 0
    skipped: int = 0
    malformed_samples: list[str] = field(default_factory=list)
    """The first few malformed lines (``line N: text``), for status output."""

    @property
    def entries(self) -> int:
        """Number of usable entries (block + allow + URL entries)."""
        return len(self.block) + len(self.allow) + len(self.url_block) + len(self.url_allow)

    def bad(self, lineno: int, line: str) -> None:
        """Count a malformed line (and keep a short sample of the first ones)."""
        self.malformed += 1
        if len(self.malformed_samples) < 5:
            self.malformed_samples.append(f"line {lineno}: {line[:80]}")


# ---------------------------------------------------------------------------------------------- domains

# Lenient on purpose: real DNS names carry "_" and leading "-" labels that browsers still open.
_LABELS = re.compile(r"^(?:[a-z0-9_-]{1,63}\.)+(?:[a-z0-9-]{1,63})$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_LOCAL_NAMES = frozenset({
    "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
    "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts", "0.0.0.0",
})


def normalize_domain(text: str) -> str | None:
    """The ASCII form of a domain entry, or ``None`` when it is not one.

    Lower-cases, drops a trailing dot and a leading ``*.`` or ``.``, converts IDN to punycode and
    accepts IP literals.

    >>> normalize_domain("*.Example.COM.")
    'example.com'
    >>> normalize_domain("例子.测试")
    'xn--fsqu00a.xn--0zwm56d'
    >>> normalize_domain("no_dot") is None
    True
    """
    s = text.strip().lower()
    if s.endswith("."):
        s = s[:-1]
    if s.startswith("*."):
        s = s[2:]
    elif s.startswith("."):
        s = s[1:]
    if not s or len(s) > 253:
        return None
    if not s.isascii():
        try:
            raw = idna_to_ascii(s)
        except Exception:  # noqa: BLE001 - ada raises a bare Exception on bad IDN
            return None
        s = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
        if not s or not s.isascii():
            return None
        s = s.lower()
    if _LABELS.match(s):
        last = s.rsplit(".", 1)[1]
        if _IPV4.match(s):
            return _ip(s)
        if last.isdigit():
            return None
        return s
    if ":" in s:
        return _ip(s.strip("[]"))
    return None


def _ip(s: str) -> str | None:
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return None


def _ascii_host(host: str) -> str | None:
    # ada already lower-cases and punycodes; IPv6 comes bracketed.
    h = host.strip("[]")
    return h or None


def parse_url_entry(text: str, flags: int = 0) -> UrlEntry | None:
    """A URL entry from ``scheme://host/path?query`` (or ``host/path`` without a scheme).

    >>> parse_url_entry("HTTP://Evil.Example/Login.php?a=1")
    UrlEntry(host='evil.example', path='/login.php?a=1', flags=0)
    """
    s = text.strip()
    if not s or len(s) > MAX_LINE:
        return None
    if "://" not in s[:12]:
        s = "http://" + s
    try:
        u = URL(s)
    except ValueError:
        return None
    if u.protocol not in ("http:", "https:"):
        return None
    host = _ascii_host(u.hostname or "")
    if not host:
        return None
    if normalize_domain(host) is None:
        return None
    path = (u.pathname or "/") + (u.search or "")
    return UrlEntry(normalize_domain(host) or host, path.lower(), flags)


# ---------------------------------------------------------------------------------------------- line formats


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line:
            yield n, line


def _strip_comment(line: str, marks: str = "#") -> str:
    for m in marks:
        i = line.find(m)
        if i >= 0:
            line = line[:i]
    return line.strip()


def parse_plain(text: str, fmt: str = "plain") -> ParsedList:
    """One domain per line (``#``/``!``/``;`` comments); ``*.d`` wildcards and stray URLs accepted."""
    out = ParsedList(fmt)
    for n, line in _lines(text):
        if line[0] in "#!;[" or line.startswith("//"):
            continue
        line = _strip_comment(line, "#")
        if not line:
            continue
        if len(line) > MAX_LINE:
            out.bad(n, line)
            continue
        _domain_or_url(out, n, line.split()[0] if " " in line or "\t" in line else line)
    return out


def _domain_or_url(out: ParsedList, n: int, token: str, allow: bool = False) -> None:
    if "/" in token:
        entry = parse_url_entry(token)
        if entry is None:
            out.bad(n, token)
        elif allow:
            out.url_allow.append(entry)
        else:
            out.url_block.append(entry)
        return
    if token.lower().rstrip(".") in _LOCAL_NAMES:
        out.skipped += 1
        return
    d = normalize_domain(token)
    if d is None:
        out.bad(n, token)
    elif allow:
        out.allow.append(d)
    else:
        out.block.append(d)


def parse_hosts(text: str) -> ParsedList:
    """Hosts files: ``IP name [name…]`` (``0.0.0.0``, ``127.0.0.1``, ``::``…); localhost names skipped."""
    out = ParsedList("hosts")
    for n, line in _lines(text):
        if line[0] == "#":
            continue
        line = _strip_comment(line)
        if not line:
            continue
        parts = line.split()
        if len(parts) == 1:  # some hosts files mix in bare domains
            _domain_or_url(out, n, parts[0])
            continue
        if _ip(parts[0]) is None:
            out.bad(n, line)
            continue
        for name in parts[1:]:
            _domain_or_url(out, n, name)
    return out


_COSMETIC = ("##", "#@#", "#?#", "#$#", "#%#", "#@$#", "#@%#", "$$", "#@?#")
# Options that make a rule something other than "block requests to this address".
_NON_BLOCKING_OPTIONS = frozenset({
    "badfilter", "removeparam", "queryprune", "redirect", "redirect-rule", "csp", "replace", "rewrite",
    "cookie", "header", "removeheader", "permissions", "urltransform", "hls", "jsonprune", "denyallow",
    "domain", "from", "to", "app", "method", "generichide", "ghide", "elemhide", "ehide", "specifichide",
    "shide", "content", "genericblock", "jsinject", "urlblock", "extension", "stealth", "referrerpolicy",
    "empty", "mp4", "xmlprune", "inline-script", "inline-font",
})
_OPTIONS = re.compile(r"^[a-z0-9~_,=|.\-]*$")
_HOSTPART = re.compile(r"^([^/^|?:$]+)(?::\d+)?(.*)$")


def parse_adblock(text: str) -> ParsedList:
    """Adblock Plus / uBlock Origin / AdGuard network rules (see the module docstring)."""
    out = ParsedList("adblock")
    for n, line in _lines(text):
        if line[0] in "![" or (line[0] == "#" and not line.startswith("##")):
            continue  # comments, the [Adblock Plus] header, "#||d^" commented-out rules
        if any(c in line for c in _COSMETIC):
            out.skipped += 1
            continue
        if len(line) > MAX_LINE:
            out.bad(n, line)
            continue
        allow = line.startswith("@@")
        rule = line[2:] if allow else line
        if "$" in rule:
            body, _, opts = rule.rpartition("$")
            if body and _OPTIONS.match(opts.lower()):
                names = {o.lstrip("~").split("=", 1)[0] for o in opts.lower().split(",") if o}
                if names & _NON_BLOCKING_OPTIONS:
                    out.skipped += 1
                    continue
                rule = body
        if len(rule) > 2 and rule.startswith("/") and rule.endswith("/"):
            out.skipped += 1  # regex rule
            continue
        if rule.startswith("||"):
            _adblock_domain_rule(out, n, rule[2:], allow)
        elif rule.startswith("|"):
            body = rule[1:]
            flags = 0
            if body.endswith("|"):
                body, flags = body[:-1], EXACT
            body = body.rstrip("^")
            if "*" in body or "://" not in body:
                out.skipped += 1
                continue
            entry = parse_url_entry(body, flags)
            if entry is None:
                out.bad(n, line)
            else:
                (out.url_allow if allow else out.url_block).append(entry)
        elif "*" in rule or "^" in rule.rstrip("^"):
            out.skipped += 1  # generic substring patterns are not address rules
        else:
            token = rule.rstrip("^")
            if "/" in token or "." in token:
                _domain_or_url(out, n, token, allow)
            else:
                out.skipped += 1
    return out


def _adblock_domain_rule(out: ParsedList, n: int, body: str, allow: bool) -> None:
    if body.startswith("*."):
        body = body[2:]
    m = _HOSTPART.match(body)
    if not m:
        out.bad(n, body)
        return
    host, rest = m.group(1), m.group(2)
    if "*" in host:
        out.skipped += 1
        return
    if rest in ("", "^", "^|", "|", "^*", "*"):
        d = normalize_domain(host)
        if d is None:
            out.bad(n, body)
        else:
            (out.allow if allow else out.block).append(d)
        return
    if not rest.startswith("/"):
        out.skipped += 1
        return
    flags = SUBDOMAINS
    if rest.endswith("|"):
        rest, flags = rest[:-1], flags | EXACT
    if rest.endswith("*"):
        rest = rest.rstrip("*")
    elif rest.endswith("^"):
        rest, flags = rest[:-1], flags | SEPARATOR
    if "*" in rest or "^" in rest:
        out.skipped += 1  # wildcards inside a path: not a prefix rule
        return
    entry = parse_url_entry(host + rest, flags)
    if entry is None:
        out.bad(n, body)
    else:
        (out.url_allow if allow else out.url_block).append(entry)


def parse_dnsmasq(text: str) -> ParsedList:
    """dnsmasq: ``address=/d/[d2/]target`` and ``local=/d/`` block; ``server=/d/`` (no upstream) blocks."""
    out = ParsedList("dnsmasq")
    for n, line in _lines(text):
        if line[0] == "#":
            continue
        key, sep, value = line.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("address", "server", "local"):
            out.skipped += 1
            continue
        if not value.startswith("/"):
            out.bad(n, line)
            continue
        parts = value[1:].split("/")
        if len(parts) < 2:
            out.bad(n, line)
            continue
        domains, target = parts[:-1], parts[-1].strip()
        if key == "server" and target and target != "#":
            out.skipped += 1  # forwarding to an upstream, not a block
            continue
        for d in domains:
            if d:
                _domain_or_url(out, n, d)
    return out


_UNBOUND_ALLOW = frozenset({"transparent", "typetransparent", "always_transparent"})


def parse_unbound(text: str) -> ParsedList:
    """unbound: ``local-zone: "d" always_nxdomain`` etc.; ``transparent`` zones are allow entries."""
    out = ParsedList("unbound")
    for n, line in _lines(text):
        if line[0] == "#" or line.startswith("server:"):
            continue
        line = _strip_comment(line)
        if not line.startswith("local-zone:"):
            out.skipped += 1
            continue
        rest = line[len("local-zone:"):].strip()
        m = re.match(r'^"([^"]*)"\s*(\S*)|^(\S+)\s*(\S*)', rest)
        if not m:
            out.bad(n, line)
            continue
        name = m.group(1) if m.group(1) is not None else m.group(3)
        typ = (m.group(2) if m.group(1) is not None else m.group(4)) or ""
        _domain_or_url(out, n, name, allow=typ.lower() in _UNBOUND_ALLOW)
    return out


_RPZ_TYPES = frozenset({"CNAME", "A", "AAAA", "TXT", "MX", "PTR", "DNAME", "SRV", "HTTPS", "SVCB"})
_RPZ_TRIGGERS = (".rpz-ip", ".rpz-nsip", ".rpz-nsdname", ".rpz-client-ip")


def parse_rpz(text: str) -> ParsedList:
    """RPZ zone files: ``name CNAME .`` / ``*.`` / ``rpz-drop.`` block, ``rpz-passthru.`` allows."""
    out = ParsedList("rpz")
    origin = ""
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw[:1] in " \t":
            continue  # continuation lines (NS, multi-line SOA) carry no policy
        line = _strip_comment(raw, ";")
        if not line or line.startswith(("$TTL", "$INCLUDE", "@", "(", ")")):
            continue
        if line.startswith("$ORIGIN"):
            parts = line.split()
            origin = parts[1].lower().rstrip(".") if len(parts) > 1 else ""
            continue
        parts = line.split()
        types = [i for i, p in enumerate(parts) if p.upper() in _RPZ_TYPES]
        if not types or types[0] == 0:
            if any(p.upper() in ("SOA", "NS") for p in parts):
                continue
            out.bad(n, line)
            continue
        t = types[0]
        name = parts[0].lower()
        if name.endswith("."):
            name = name[:-1]
            if origin and name.endswith("." + origin):
                name = name[: -len(origin) - 1]
        if any(name.endswith(s) or (s[1:] in name) for s in _RPZ_TRIGGERS):
            out.skipped += 1
            continue
        rdata = parts[t + 1].lower() if len(parts) > t + 1 else ""
        allow = parts[t].upper() == "CNAME" and rdata.startswith("rpz-passthru")
        _domain_or_url(out, n, name, allow=allow)
    return out


def parse_urls(text: str) -> ParsedList:
    """One URL per line (``#`` comments); bare domains become domain entries."""
    out = ParsedList("urls")
    for n, line in _lines(text):
        if line[0] in "#!;":
            continue
        token = line.split()[0]
        if "://" in token[:12]:
            entry = parse_url_entry(token)
            if entry is None:
                out.bad(n, line)
            else:
                out.url_block.append(entry)
        else:
            _domain_or_url(out, n, token)
    return out


def parse_csv(text: str) -> ParsedList:
    """CSV feeds with a ``url`` column (PhishTank ``online-valid.csv``, URLhaus CSV with ``#`` header)."""
    out = ParsedList("csv")
    header_line = ""
    body: list[str] = []
    for raw in text.splitlines():
        s = raw.strip()
        if not s:
            continue
        if s.startswith("#"):
            h = s.lstrip("#").strip()
            if "url" in h.lower().split(",") or '"url"' in h.lower():
                header_line = h  # URLhaus puts its header in a comment
            continue
        body.append(raw)
    rows = csv.reader(io.StringIO("\n".join(([header_line] if header_line else []) + body)))
    col: int | None = None
    for n, row in enumerate(rows, 1):
        if col is None:
            names = [c.strip().strip('"').lower() for c in row]
            if "url" in names:
                col = names.index("url")
                continue
            col = next((i for i, c in enumerate(row) if "://" in c), -1)
            if col < 0:
                out.bad(n, ",".join(row))
                col = None
                continue
        if col >= len(row):
            out.bad(n, ",".join(row))
            continue
        cell = row[col].strip()
        entry = parse_url_entry(cell) if "://" in cell else None
        if entry is None:
            d = normalize_domain(cell) if cell and "/" not in cell else None
            if d is None:
                out.bad(n, cell)
            else:
                out.block.append(d)
        else:
            out.url_block.append(entry)
    return out


# ---------------------------------------------------------------------------------------------- JSON formats


def _json_list(obj: object) -> list[str] | None:
    if isinstance(obj, list):
        return [x for x in obj if isinstance(x, str)]
    return None


def _load_json(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def parse_metamask(text: str) -> ParsedList:
    """MetaMask ``config.json``: ``blacklist`` blocks, ``whitelist`` allows, ``fuzzylist`` kept aside."""
    out = ParsedList("metamask")
    data = _load_json(text)
    if not isinstance(data, dict):
        out.bad(1, text[:80])
        return out
    # Newer releases renamed blacklist/whitelist to blocklist/allowlist.
    for keys, allow in ((("blacklist", "blocklist"), False), (("whitelist", "allowlist"), True)):
        key = next((k for k in keys if k in data), keys[0])
        items = _json_list(data.get(key, []))
        if items is None:
            out.bad(1, key)
            continue
        for i, item in enumerate(items, 1):
            _domain_or_url(out, i, item, allow)
    for i, item in enumerate(_json_list(data.get("fuzzylist", [])) or [], 1):
        d = normalize_domain(item)
        if d is None:
            out.bad(i, item)
        else:
            out.fuzzy.append(d)
    return out


def parse_polkadot(text: str) -> ParsedList:
    """polkadot-js ``all.json``: ``deny`` blocks, ``denySub`` are ``host/path`` URL entries, ``allow`` allows.

    The ``allow`` section names hosting platforms (``pages.dev``, ``github.io``): they are allow entries
    for the platform's root only (see ``scanner.lists.index``), never blocks.
    """
    out = ParsedList("polkadot")
    data = _load_json(text)
    if not isinstance(data, dict):
        out.bad(1, text[:80])
        return out
    for key, allow in (("deny", False), ("allow", True)):
        for i, item in enumerate(_json_list(data.get(key, [])) or [], 1):
            _domain_or_url(out, i, item, allow)
    subs = data.get("denySub", [])
    items: Iterable[str] = []
    if isinstance(subs, dict):  # older releases: {"host": ["path", …]}
        items = [f"{h}/{p.lstrip('/')}" for h, ps in subs.items() if isinstance(ps, list)
                 for p in ps if isinstance(p, str)]
    elif isinstance(subs, list):
        items = [x for x in subs if isinstance(x, str)]
    for i, item in enumerate(items, 1):
        entry = parse_url_entry(item, SEPARATOR)
        if entry is None:
            out.bad(i, item)
        else:
            out.url_block.append(entry)
    return out


# ---------------------------------------------------------------------------------------------- detection

_PARSERS: dict[str, Callable[[str], ParsedList]] = {
    "plain": parse_plain,
    "wildcard": lambda t: parse_plain(t, "wildcard"),
    "hosts": parse_hosts,
    "adblock": parse_adblock,
    "dnsmasq": parse_dnsmasq,
    "unbound": parse_unbound,
    "rpz": parse_rpz,
    "urls": parse_urls,
    "csv": parse_csv,
    "metamask": parse_metamask,
    "polkadot": parse_polkadot,
}

_HOSTS_LINE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:]*)\s+\S")


def detect_format(text: str) -> str:
    """Guess the format from the first lines.

    >>> detect_format("0.0.0.0 evil.example\\n")
    'hosts'
    >>> detect_format("[Adblock Plus]\\n||evil.example^\\n")
    'adblock'
    """
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head in "{[" and head:
        if head == "[" and text.lstrip().startswith("[Adblock"):
            return "adblock"
        data = _load_json(text)
        if isinstance(data, dict):
            if {"blacklist", "whitelist", "fuzzylist", "blocklist", "allowlist"} & set(data):
                return "metamask"
            if "deny" in data or "denySub" in data:
                return "polkadot"
    votes = dict.fromkeys(_PARSERS, 0)
    seen = 0
    for raw in text.splitlines()[:2000]:
        line = raw.strip()
        if not line:
            continue
        low = line.lower()
        if line.startswith("!") or line.startswith("[adblock") or "||" in line[:3] or line.startswith("@@"):
            votes["adblock"] += 3
        elif low.startswith(("address=/", "server=/", "local=/")):
            votes["dnsmasq"] += 3
        elif low.startswith("local-zone:"):
            votes["unbound"] += 3
        elif line.startswith(("$TTL", "$ORIGIN")) or re.search(r"\s(?:CNAME|SOA)\s", line):
            votes["rpz"] += 3
        elif line.startswith("#"):
            if low.lstrip("# ").startswith(("id,", "phish_id,", "\"id\",")) and "url" in low:
                votes["csv"] += 5
            continue
        elif _HOSTS_LINE.match(line):
            votes["hosts"] += 2
        elif low.startswith(("http://", "https://")):
            votes["urls"] += 2
        elif line.count(",") >= 2 and ("://" in line or "url" in low.split(",")):
            votes["csv"] += 2
        elif line.startswith("*."):
            votes["wildcard"] += 1
        else:
            votes["plain"] += 1
        seen += 1
        if seen >= 400:
            break
    # Plain domains are valid lines in every other format: any specific syntax wins over them.
    specific = {k: v for k, v in votes.items() if k not in ("plain", "wildcard") and v}
    if specific:
        return max(specific, key=lambda k: specific[k])
    return "wildcard" if votes["wildcard"] > votes["plain"] else "plain"


def parse(text: str, fmt: str = "auto") -> ParsedList:
    """Parse ``text`` as ``fmt`` (``auto``: detected); raise ``ValueError`` for an unknown format name."""
    text = text.lstrip("\ufeff")
    if fmt == "auto":
        fmt = detect_format(text)
    parser = _PARSERS.get(fmt)
    if parser is None:
        raise ValueError(f"unknown list format {fmt!r}: use one of {', '.join(FORMATS)} or auto")
    return parser(text)


def decode(data: bytes) -> str:
    """Bytes of a list file as text (UTF-8, BOM dropped, bad bytes replaced: they become malformed lines)."""
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")
