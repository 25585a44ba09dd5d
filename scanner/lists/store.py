"""Where lists live: the sources config, the user's own lists and allowlist, downloaded feeds.

Layout under ``settings.data_dir / "lists"``::

    index.bin            the compiled index (scanner.lists.index)
    user_lists.json      lists added with ``lurelens lists add`` (name, format, category, origin)
    user/<name>.list     a private copy of each added local file (the original may move)
    feeds/<name>.list    the last good download of a remote feed, with feeds/<name>.json (ETag…)
    allow.txt            the user's allowlist, one domain per line

Every write goes to a temporary file in the same folder and is renamed into place, so a crash, a
full disk or bad input never leaves half a file behind (the previous version stays).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError, StorageError
from ..settings import Settings
from .formats import FORMATS

BLOCK_CATEGORIES = ("phishing", "scam", "malware", "crypto_phishing", "user")
"""Categories whose entries block (reason code ``blocklist.<category>``)."""
TRUST_TIERS = ("danger", "caution")
"""A block list's trust tier (``trust`` in sources.toml; see :class:`SourceSpec`)."""
CATEGORIES = BLOCK_CATEGORIES + ("shortener", "popular", "allow")
"""Every category: ``shortener`` is informational (never warns alone), ``popular`` is the popular-domain
allowlist (exact registrable domain or ``www.`` only), ``allow`` makes every entry an allow entry."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_REFRESH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One list: where it comes from and what its entries mean."""

    name: str
    category: str
    format: str = "auto"
    path: Path | None = None
    """A local file: bundled data, or the user's private copy."""
    url: str | None = None
    """Where ``lurelens lists update`` downloads it from (the file at ``path`` is the seed)."""
    licence: str = ""
    refresh: float = 86400.0
    """Seconds after which ``status`` reports the list as due for an update."""
    homepage: str = ""
    origin: str = "bundled"
    """``bundled`` (shipped sources.toml), ``config`` (the user's sources_file) or ``user`` (lists add)."""
    enabled: bool = True
    sha256: str | None = None
    """When set, a download must have exactly this checksum (a pinned file)."""
    date: float | None = None
    """When the bundled seed was published upstream (epoch seconds), from ``date = 2026-05-31``."""
    trust: str = "danger"
    """``danger`` (curated feeds, official anti-fraud lists, the user's own lists): a hit stops the user;
    ``caution`` (broad aggregators): a hit warns, and stops only when another list or a heuristic agrees."""


def lists_dir(settings: Settings) -> Path:
    """The folder of everything list-related under the data dir."""
    return settings.data_dir / "lists"


def index_path(settings: Settings) -> Path:
    """The compiled index."""
    return lists_dir(settings) / "index.bin"


def feed_path(settings: Settings, name: str) -> Path:
    """The last good download of a remote list."""
    return lists_dir(settings) / "feeds" / f"{name}.list"


def feed_meta_path(settings: Settings, name: str) -> Path:
    """ETag, Last-Modified, checksum and errors of a remote list."""
    return lists_dir(settings) / "feeds" / f"{name}.json"


def user_file(settings: Settings, name: str) -> Path:
    """The private copy of a user-added list."""
    return lists_dir(settings) / "user" / f"{name}.list"


def allow_path(settings: Settings) -> Path:
    """The user's allowlist."""
    return lists_dir(settings) / "allow.txt"


def registry_path(settings: Settings) -> Path:
    """The record of user-added lists."""
    return lists_dir(settings) / "user_lists.json"


def bundled_sources_file() -> Path:
    """The ``sources.toml`` shipped in the ``blocklists`` package."""
    import blocklists

    return blocklists.path() / "sources.toml"


def parse_refresh(value: object) -> float:
    """Seconds from ``3600``, ``"12h"``, ``"1d"``, ``"30m"``.

    >>> parse_refresh("12h")
    43200.0
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError(value)
        return float(value)
    m = _REFRESH.match(str(value).lower())
    if not m or float(m.group(1)) <= 0:
        raise ValueError(value)
    return float(m.group(1)) * _UNITS[m.group(2)]


def valid_name(name: str) -> bool:
    """List names: lower-case letters, digits, ``.``, ``_``, ``-`` (they become file names)."""
    return bool(_NAME.match(name))


def load_sources(settings: Settings) -> list[SourceSpec]:
    """The bundled (or configured) sources, then the user's own lists; raise ConfigError when malformed."""
    file = settings.sources_file or bundled_sources_file()
    origin = "config" if settings.sources_file else "bundled"
    specs = read_sources_toml(file, origin)
    names = {s.name for s in specs}
    for spec in read_registry(settings):
        if spec.name not in names:  # a config file may later claim a name: the config wins
            specs.append(spec)
            names.add(spec.name)
    return specs


def read_sources_toml(file: Path, origin: str = "config") -> list[SourceSpec]:
    """Parse a ``sources.toml`` (``[[list]]`` tables); relative paths are relative to the file."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"sources file {file} does not exist: fix sources_file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"sources file {file} cannot be read: {e}") from None
    tables = data.get("list", [])
    if not isinstance(tables, list):
        raise ConfigError(f"sources file {file}: `list` must be an array of tables ([[list]])")
    out: list[SourceSpec] = []
    seen: set[str] = set()
    for n, t in enumerate(tables, 1):
        where = f"sources file {file}, list #{n}"
        if not isinstance(t, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(t) - {"name", "category", "format", "path", "url", "licence", "license", "refresh",
                            "homepage", "enabled", "sha256", "description", "commit", "date", "trust"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        name = str(t.get("name", ""))
        if not valid_name(name):
            raise ConfigError(f"{where}: name={name!r} must be lower-case letters, digits, . _ -")
        if name in seen:
            raise ConfigError(f"{where}: name {name!r} is used twice")
        seen.add(name)
        category = str(t.get("category", ""))
        if category not in CATEGORIES:
            raise ConfigError(f"{where}: category={category!r} must be one of {', '.join(CATEGORIES)}")
        trust = str(t.get("trust", "danger"))
        if trust not in TRUST_TIERS:
            raise ConfigError(f"{where}: trust={trust!r} must be one of {', '.join(TRUST_TIERS)}")
        fmt = str(t.get("format", "auto"))
        if fmt != "auto" and fmt not in FORMATS:
            raise ConfigError(f"{where}: format={fmt!r} must be auto or one of {', '.join(FORMATS)}")
        path = Path(str(t["path"])).expanduser() if t.get("path") else None
        if path is not None and not path.is_absolute():
            path = file.parent / path
        url = str(t["url"]) if t.get("url") else None
        if url is not None and not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: url={url!r} must start with http:// or https://")
        if path is None and url is None:
            raise ConfigError(f"{where}: give a path, a url or both")
        try:
            refresh = parse_refresh(t.get("refresh", "1d"))
        except ValueError:
            bad = t.get("refresh")
            raise ConfigError(f"{where}: refresh={bad!r} must look like 12h, 1d or 3600") from None
        sha = t.get("sha256")
        date = t.get("date")
        if date is not None:
            try:
                stamp = (date if isinstance(date, datetime.datetime)
                         else datetime.datetime.fromisoformat(str(date)))
            except ValueError:
                raise ConfigError(f"{where}: date={date!r} must be a date such as 2026-05-31") from None
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=datetime.UTC)
            date = stamp.timestamp()
        out.append(SourceSpec(
            name=name, category=category, format=fmt, path=path, url=url,
            licence=str(t.get("licence", t.get("license", ""))), refresh=refresh,
            homepage=str(t.get("homepage", "")), origin=origin, enabled=bool(t.get("enabled", True)),
            sha256=str(sha).lower() if sha else None, date=date, trust=trust,
        ))
    return out


def read_registry(settings: Settings) -> list[SourceSpec]:
    """The user's added lists (an unreadable registry counts as empty: it is rewritten on the next add)."""
    try:
        raw = json.loads(registry_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for item in raw.get("lists", []) if isinstance(raw, dict) else []:
        try:
            out.append(SourceSpec(
                name=item["name"], category=item["category"], format=item.get("format", "auto"),
                path=user_file(settings, item["name"]) if item.get("local", True) else None,
                url=item.get("url"), licence=item.get("licence", ""),
                refresh=float(item.get("refresh", 86400.0)), origin="user",
            ))
        except (KeyError, TypeError, ValueError):
            continue
    return [s for s in out if valid_name(s.name) and s.category in CATEGORIES]


def write_registry(settings: Settings, specs: list[SourceSpec]) -> None:
    """Record the user's lists (atomically)."""
    items = []
    for s in specs:
        d = asdict(s)
        d.pop("path")
        d.pop("origin")
        d["local"] = s.path is not None
        items.append(d)
    write_bytes(registry_path(settings), json.dumps({"lists": items}, indent=1).encode())


def effective_file(settings: Settings, spec: SourceSpec) -> Path | None:
    """The file the index reads for ``spec``: the last good download, else the local/bundled file."""
    if spec.url:
        fp = feed_path(settings, spec.name)
        if fp.is_file():
            return fp
    if spec.path is not None and spec.path.is_file():
        return spec.path
    return None


def read_json(path: Path) -> dict[str, Any]:
    """A small JSON object, or ``{}`` when missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError as e:
        raise StorageError(f"cannot write {path}: {e.strerror or e}: make the data folder writable "
                           "(LURELENS_DATA_DIR)") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StorageError(f"cannot write {path}: {e.strerror or e}: free some space or make the data "
                           "folder writable") from None


def read_allow(settings: Settings) -> list[str]:
    """The user's allowlist (normalised domains, in the order added)."""
    path = allow_path(settings)
    try:
        data = path.read_bytes()
    except OSError:
        return []
    # A hand edit on Chinese Windows saves GB18030: read it rather than fail (the next write stores
    # UTF-8 again). Anything else is refused, never silently rewritten with characters lost.
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise StorageError(f"{path} is not text in UTF-8 or GB18030: fix or remove it")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def write_allow(settings: Settings, domains: list[str]) -> None:
    """Replace the user's allowlist (atomically)."""
    body = "# LureLens allowlist: one domain per line (lurelens lists allow DOMAIN)\n"
    write_bytes(allow_path(settings), (body + "".join(d + "\n" for d in domains)).encode())


def check_category(category: str) -> str:
    """``category`` if known, else InputError naming the choices."""
    if category not in CATEGORIES:
        raise InputError(f"unknown category {category!r}: use one of {', '.join(CATEGORIES)}")
    return category
