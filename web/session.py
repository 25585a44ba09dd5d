"""Who may use the pages: a one-time login secret, then a signed ``HttpOnly; SameSite=Strict`` cookie.

Like a notebook server, ``lurelens serve`` writes a fresh random secret to ``<data_dir>/login-secret``
(0600) and prints ``http://127.0.0.1:<port>/login?secret=…``. Opening that link once sets the session
cookie; the secret is then spent (the file is claimed with an atomic rename, so two processes can
never both accept it). ``lurelens login`` writes a new one for the running service. Another account
on the machine can reach the port but cannot read the data dir, so it has neither the secret nor the
API token, and every page but the "open the link printed by ``lurelens serve``" one stays closed.

The key that signs the session cookie lives in ``<data_dir>/session-key`` (0600, created once), so
several service processes sharing a data dir (``--processes``) accept each other's cookies.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from scanner.errors import StorageError

LOGIN_FILE = "login-secret"
SESSION_KEY_FILE = "session-key"
SECRET_BYTES = 32


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (0600 from the first byte)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise StorageError(f"cannot write {path.name} in {path.parent}: {e.strerror}; "
                           "check that the data folder is writable") from None


def session_key(data_dir: Path) -> bytes:
    """The cookie-signing key shared by every process on ``data_dir`` (created on first use)."""
    path = Path(data_dir) / SESSION_KEY_FILE
    for _ in range(3):
        try:
            text = path.read_text(encoding="ascii").strip()
            if len(text) >= 2 * SECRET_BYTES:
                return bytes.fromhex(text)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:
            raise StorageError(f"cannot read {path}: {e}; delete it to make a new one") from None
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # O_EXCL: when two processes start at once, one writes the key and both read it.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # another process is writing it: read again
        except OSError as e:
            raise StorageError(f"cannot create {path}: {e.strerror}") from None
        key = secrets.token_bytes(SECRET_BYTES)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key.hex() + "\n")
        return key
    raise StorageError(f"{path} is empty or damaged: delete it to make a new one")


def new_login_secret(data_dir: Path) -> str:
    """Write a fresh one-time login secret (replacing any unused one) and return it."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    write_private(Path(data_dir) / LOGIN_FILE, secret + "\n")
    return secret


def consume_login_secret(data_dir: Path, presented: str | None) -> bool:
    """True, once, for the secret in the login file; the file is spent whatever the outcome of a race."""
    if not presented or len(presented) > 256:
        return False
    path = Path(data_dir) / LOGIN_FILE
    try:
        expected = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if not expected or not hmac.compare_digest(expected.encode(), presented.encode("utf-8", "replace")):
        return False
    claimed = path.with_name(f".{LOGIN_FILE}.{secrets.token_hex(6)}.used")
    try:
        os.rename(path, claimed)  # atomic: of two simultaneous logins only one wins
    except OSError:
        return False
    try:
        still = claimed.read_text(encoding="ascii").strip()
    finally:
        claimed.unlink(missing_ok=True)
    # A new secret may have replaced the file between the read and the rename: then it is spent
    # (the user asks for another link), never accepted on the strength of the old one.
    return hmac.compare_digest(still.encode(), expected.encode())


def login_url(port: int, secret: str) -> str:
    """The link ``lurelens serve`` prints."""
    return f"http://127.0.0.1:{port}/login?secret={secret}"
