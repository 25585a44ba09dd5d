"""One typed settings object: defaults, then a TOML file, then ``LURELENS_*`` variables, then flags.

This is the only module that reads ``os.environ``. ``egress_allow`` (the exact ``(ip, port)`` pairs
the fetcher may reach despite its guards) can only be given from Python — never from TOML, the
environment, a page or a URL — so tests can reach their loopback servers and nothing else can.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

ENV_PREFIX = "LURELENS_"
# Fields that may only be set from Python code (tests): never from a file or the environment.
_PYTHON_ONLY = frozenset({"egress_allow", "config_file", "system_lang"})


def _default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("lurelens", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Every knob of LureLens, validated once (``docs/configuration.md`` lists each field)."""

    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={"help": "Where user lists, the compiled index, the cache and the API token live."},
    )
    config_file: Path | None = field(default=None, metadata={"help": "The TOML file read."})
    lang: str = field(default="auto", metadata={"help": "Output language: zh, en or auto (LANG)."})
    system_lang: str = field(
        default="en",
        metadata={"help": "The system's language (zh or en), read from LC_ALL/LC_MESSAGES/LANG at load."},
    )
    offline: bool = field(default=False, metadata={"help": "Never fetch: check links as written."})
    use_lists: bool = field(
        default=True,
        metadata={"help": "Use blocklists and the popular-domain allowlist (off: heuristics alone)."},
    )
    max_input_bytes: int = field(
        default=256 * 1024, metadata={"help": "Largest pasted text or stdin line accepted."}
    )
    max_links: int = field(default=20, metadata={"help": "Most links checked in one input."})
    # Local service
    host: str = field(default="127.0.0.1", metadata={"help": "Interface the local service binds to."})
    port: int = field(default=8765, metadata={"help": "Port of the local service."})
    allow_public_bind: bool = field(
        default=False, metadata={"help": "Allow binding to a non-loopback address (explicit flag)."}
    )
    threads: int = field(default=32, metadata={"help": "Worker threads of the local service."})
    processes: int = field(
        default=1,
        metadata={"help": "Service processes: above 1, gunicorn runs that many (POSIX only)."},
    )
    request_timeout: float = field(
        default=25.0, metadata={"help": "Seconds one API request may take before it answers an error."}
    )
    rate_limit_per_minute: int = field(
        default=120, metadata={"help": "API requests per minute per client before 429."}
    )
    extension_origins: tuple[str, ...] = field(
        default=(), metadata={"help": "Extra extension origins (chrome-extension://ID) the API accepts."}
    )
    log_full_urls: bool = field(
        default=False, metadata={"help": "Log full URLs (off: only registrable domains)."}
    )
    # Fetching
    connect_timeout: float = field(default=3.0, metadata={"help": "Seconds to connect, per hop."})
    read_timeout: float = field(default=5.0, metadata={"help": "Seconds per read, per hop."})
    expand_deadline: float = field(
        default=15.0, metadata={"help": "Wall-clock limit for expanding one link (all hops)."}
    )
    check_deadline: float = field(
        default=20.0, metadata={"help": "Wall-clock limit for expanding all links of one input."}
    )
    max_hops: int = field(default=10, metadata={"help": "Most redirects followed per link."})
    max_body_bytes: int = field(
        default=512 * 1024, metadata={"help": "Most bytes of page HTML read per hop."}
    )
    max_decoded_bytes: int = field(
        default=2 * 1024 * 1024, metadata={"help": "Decompression cap per response."}
    )
    allowed_ports: tuple[int, ...] = field(
        default=(80, 443), metadata={"help": "Ports the fetcher may connect to."}
    )
    expand_workers: int = field(default=20, metadata={"help": "Links expanded in parallel for one input."})
    compare_profiles: bool = field(
        default=True,
        metadata={"help": "Fetch with both the WeChat and desktop profiles to detect cloaking."},
    )
    cache_ttl: float = field(
        default=3600.0, metadata={"help": "Seconds an expansion is answered from the cache (0: off)."}
    )
    egress_allow: frozenset[tuple[str, int]] = field(
        default=frozenset(),
        metadata={"help": "Exact (ip, port) pairs the fetcher may reach despite its guards (Python only)."},
    )
    render_pages: bool = field(
        default=False,
        metadata={"help": "Render pages in headless Chromium (scripts, wizard steps) before reading them."},
    )
    # Images
    max_image_bytes: int = field(default=8 * 1024 * 1024, metadata={"help": "Largest image file accepted."})
    max_image_pixels: int = field(
        default=40_000_000, metadata={"help": "Largest image (width × height) decoded."}
    )
    decode_budget: float = field(
        default=1.5, metadata={"help": "Seconds the QR decoder may spend on one image."}
    )
    ocr: bool = field(
        default=True, metadata={"help": "Read the text in images (chat screenshots) as well as QR codes."}
    )
    ocr_budget: float = field(
        default=3.0, metadata={"help": "Seconds text recognition may spend on one image (after decoding)."}
    )
    # Lists
    sources_file: Path | None = field(
        default=None, metadata={"help": "A sources.toml that replaces the bundled one."}
    )

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.port < 65536:
            problems.append(f"port={self.port!r} must be 1–65535")
        for name in (
            "max_input_bytes",
            "max_links",
            "threads",
            "processes",
            "max_hops",
            "max_body_bytes",
            "max_decoded_bytes",
            "expand_workers",
            "max_image_bytes",
            "max_image_pixels",
            "rate_limit_per_minute",
        ):
            if getattr(self, name) <= 0:
                problems.append(f"{name}={getattr(self, name)!r} must be positive")
        for name in (
            "connect_timeout",
            "read_timeout",
            "expand_deadline",
            "check_deadline",
            "decode_budget",
            "ocr_budget",
            "request_timeout",
        ):
            if getattr(self, name) <= 0:
                problems.append(f"{name}={getattr(self, name)!r} must be positive")
        if self.system_lang not in ("zh", "en"):
            problems.append(f"system_lang={self.system_lang!r} must be zh or en")
        if self.lang not in ("auto", "zh", "en"):
            problems.append(f"lang={self.lang!r} must be zh, en or auto")
        if problems:
            raise ConfigError("bad setting: " + "; ".join(problems))

    @property
    def ui_lang(self) -> str:
        """``zh`` or ``en``: the language for people (``auto`` follows ``LANG``)."""
        return self.system_lang if self.lang == "auto" else self.lang

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        config_file: Path | str | None = None,
        **overrides: Any,
    ) -> Settings:
        """Build settings from defaults, TOML, ``LURELENS_*`` variables and ``overrides``, in that order.

        >>> Settings.load(environ={"LURELENS_PORT": "9000"}, data_dir=Path("/tmp/x")).port
        9000
        """
        env = os.environ if environ is None else environ
        locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG", "")
        values: dict[str, Any] = {"system_lang": "zh" if locale.lower().startswith("zh") else "en"}
        path = config_file or env.get(ENV_PREFIX + "CONFIG")
        if path:
            values.update(_read_toml(Path(path)))
            values["config_file"] = Path(path)
        by_field = {f.name: f for f in fields(cls)}
        for key, raw in env.items():
            if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
                continue
            name = key[len(ENV_PREFIX) :].lower()
            if name not in by_field or name in _PYTHON_ONLY:
                continue
            values[name] = _coerce(name, raw, by_field[name].type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("data_dir", "sources_file"):
            if isinstance(values.get(name), str):
                values[name] = Path(values[name]).expanduser()
        try:
            return cls(**values)
        except TypeError as e:  # pragma: no cover - a programming error in overrides
            raise ConfigError(f"bad setting: {e}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist: fix --config or LURELENS_CONFIG") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"config file {path} cannot be read: {e}") from None
    section = data.get("lurelens", data)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [lurelens] must be a table")
    by_field = {f.name: f for f in fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in section.items():
        if key not in by_field:
            raise ConfigError(f"config file {path}: unknown setting {key!r}")
        if key in _PYTHON_ONLY:
            raise ConfigError(f"config file {path}: {key!r} cannot be set from a file")
        out[key] = _coerce(key, value, by_field[key].type)
    return out


def _coerce(name: str, value: Any, type_name: Any) -> Any:
    """Turn a TOML value or an environment string into the field's type, naming the bad value."""
    t = str(type_name)
    try:
        if t == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in ("1", "true", "yes", "on"):
                return True
            if s in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if t == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if t == "float":
            return float(value)
        if t.startswith("Path"):
            return Path(str(value)).expanduser()
        if t.startswith("tuple[int"):
            items = value if isinstance(value, list) else str(value).split(",")
            return tuple(int(x) for x in items if str(x).strip())
        if t.startswith("tuple[str"):
            items = value if isinstance(value, list) else str(value).split(",")
            return tuple(str(x).strip() for x in items if str(x).strip())
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"bad setting: {name}={value!r} is not a valid {t}") from None


def environment_without_settings() -> dict[str, str]:
    """This process's environment minus every ``LURELENS_*`` variable: for a child process that must
    take only the settings it is handed (the bench's throw-away service)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
