"""The API token: 256 random bits in a 0600 file in ``settings.data_dir``, created on first run.

The extension and scripts send it in ``X-LureLens-Token``. ``lurelens token`` prints it and
``lurelens token --rotate`` replaces it; a running service notices the new file on the next request
(:class:`TokenStore` re-reads it when the file changes), so the old token stops working at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from pathlib import Path

from scanner.errors import StorageError
from scanner.settings import Settings

TOKEN_FILE = "api-token"
TOKEN_BYTES = 32  # 256 bits


def token_path(settings: Settings) -> Path:
    """Where the token lives."""
    return Path(settings.data_dir) / TOKEN_FILE


def _write_new(path: Path) -> str:
    """Write a fresh token to ``path`` atomically with mode 0600 and return it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        # O_EXCL + 0600 from the start: the secret is never readable by others, not even briefly.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token + "\n")
        os.replace(tmp, path)
    except OSError as e:
        raise StorageError(f"cannot write the API token in {path.parent}: {e.strerror}; "
                           "check that the data folder is writable") from None
    return token


def read_token(settings: Settings) -> str | None:
    """The current token, or None when none was created yet (or the file is empty)."""
    try:
        text = token_path(settings).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise StorageError(f"cannot read the API token file: {e}; delete it to make a new one") from None
    return text or None


def ensure_token(settings: Settings) -> str:
    """The token, created (0600) on first use; a too-open file is tightened to 0600."""
    path = token_path(settings)
    token = read_token(settings)
    if token is None:
        return _write_new(path)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return token


def rotate_token(settings: Settings) -> str:
    """Replace the token with a new one and return it."""
    return _write_new(token_path(settings))


class TokenStore:
    """The token as the running service sees it: re-read when the file changes (rotation)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._token: str | None = None

    def current(self) -> str:
        """The valid token (creating the file if it vanished)."""
        path = token_path(self._settings)
        with self._lock:
            try:
                st = path.stat()
                stamp = (st.st_mtime_ns, st.st_ino, st.st_size)
            except FileNotFoundError:
                stamp = None
            if stamp is None or stamp != self._stamp or self._token is None:
                self._token = ensure_token(self._settings)
                st = path.stat()
                self._stamp = (st.st_mtime_ns, st.st_ino, st.st_size)
            return self._token

    def matches(self, presented: str | None) -> bool:
        """Constant-time comparison of a presented token with the current one."""
        if not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8", "replace"), self.current().encode("ascii"))
