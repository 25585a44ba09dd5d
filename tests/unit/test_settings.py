"""Settings: defaults, TOML, LURELENS_* variables, overrides; egress_allow only from Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ConfigError
from scanner.settings import Settings


def test_precedence(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[lurelens]\nport = 9001\nmax_hops = 4\noffline = true\n", encoding="utf-8")
    env = {"LURELENS_PORT": "9002", "LURELENS_DATA_DIR": str(tmp_path / "d")}
    s = Settings.load(environ=env, config_file=cfg, max_hops=7)
    assert (s.port, s.max_hops, s.offline) == (9002, 7, True)
    assert s.data_dir == tmp_path / "d"


def test_config_from_env_var(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("lang = 'zh'\n", encoding="utf-8")
    assert Settings.load(environ={"LURELENS_CONFIG": str(cfg)}).lang == "zh"


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("port = 0", "port"),
        ("port = 'x'", "port"),
        ("nonsense = 1", "nonsense"),
        ("egress_allow = [['127.0.0.1', 80]]", "egress_allow"),
        ("lang = 'fr'", "lang"),
        ("this is not toml", "cannot be read"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, toml: str, needle: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle):
        Settings.load(environ={}, config_file=cfg)


def test_egress_allow_never_from_environment() -> None:
    s = Settings.load(environ={"LURELENS_EGRESS_ALLOW": "127.0.0.1:80"})
    assert s.egress_allow == frozenset()
    s2 = Settings.load(environ={}, egress_allow=frozenset({("127.0.0.2", 8080)}))
    assert s2.egress_allow == {("127.0.0.2", 8080)}


def test_bad_env_value() -> None:
    with pytest.raises(ConfigError, match="LURELENS|max_hops"):
        Settings.load(environ={"LURELENS_MAX_HOPS": "many"})


def test_only_settings_reads_environ() -> None:
    root = Path(__file__).resolve().parents[2] / "scanner"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "settings.py"
        and ("os.environ" in p.read_text(encoding="utf-8") or "getenv(" in p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
