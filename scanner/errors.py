"""Errors the scanner raises on purpose.

The tree (every class carries a stable ``code`` and the HTTP status the API answers with)::

    ScannerError                      scanner_error      500
    ├── InputError (ValueError)       bad_input          400
    │   ├── EmptyInput                empty_input        400
    │   ├── InputTooLarge             input_too_large    413
    │   ├── NotText                   not_text           400
    │   ├── InvalidURL                invalid_url        400
    │   ├── UnsupportedImage          unsupported_image  415
    │   ├── ImageTooLarge             image_too_large    413
    │   ├── CorruptImage              corrupt_image      422
    │   └── NoCodeFound               no_code_found      422
    ├── ConfigError                   bad_config         500  (start-up only)
    ├── ListError                     list_error         500
    │   └── FeedError                 feed_error         502
    └── StorageError (OSError)        storage_error      507

Network trouble while expanding a link is *data* (a hop with an ``error``), never an exception.
Every message says what to do next.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes of every ``lurelens`` command (public API; one table for all faces)."""

    OK = 0
    """Nothing warns (``unknown`` included); the command did what was asked."""
    WARN = 1
    """Something warns."""
    BAD_INPUT = 2
    """Usage or bad input: one line on stderr."""
    CONFIG = 3
    """A configuration error (settings file, sources file)."""
    UNAVAILABLE = 4
    """A network or storage failure: a feed could not be downloaded, a file could not be written."""
    INTERRUPTED = 130


class ScannerError(Exception):
    """Base for everything scanner raises on purpose."""

    code = "scanner_error"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ScannerError, ValueError):
    """The input cannot be checked as given."""

    code, http_status = "bad_input", 400


class EmptyInput(InputError):
    """Nothing to check."""

    code, http_status = "empty_input", 400


class InputTooLarge(InputError):
    """Input over the configured size limit."""

    code, http_status = "input_too_large", 413


class NotText(InputError):
    """Bytes that are not text in any encoding we accept."""

    code, http_status = "not_text", 400


class InvalidURL(InputError):
    """A URL that no browser would open."""

    code, http_status = "invalid_url", 400


class UnsupportedImage(InputError):
    """Not an image format we read."""

    code, http_status = "unsupported_image", 415


class ImageTooLarge(InputError):
    """Image over the byte, dimension or pixel limit."""

    code, http_status = "image_too_large", 413


class CorruptImage(InputError):
    """Truncated or damaged image file."""

    code, http_status = "corrupt_image", 422


class NoCodeFound(InputError):
    """The image holds no readable code."""

    code, http_status = "no_code_found", 422


class ConfigError(ScannerError):
    """A bad setting; raised at start-up only, never per request."""

    code = "bad_config"


class ListError(ScannerError):
    """A blocklist could not be read, built or stored."""

    code = "list_error"


class FeedError(ListError):
    """A remote feed could not be fetched or failed validation."""

    code, http_status = "feed_error", 502


class StorageError(ScannerError, OSError):
    """The data folder cannot be written (full disk, read-only)."""

    code, http_status = "storage_error", 507
