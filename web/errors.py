"""One exception, two renderings: JSON ``{"error": {"code", "message"}}`` under ``/api/``, a page elsewhere.

:class:`scanner.errors.ScannerError` answers with its own ``code`` and ``http_status``; Werkzeug's
HTTP errors (404, 405, 413, 415, 429…) use the same shape; anything else is a 500 with a generic
message and a log line (never a traceback, never request data).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from scanner.errors import ScannerError

log = logging.getLogger("lurelens.web")

# Werkzeug status → our stable error code.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}


class WebError(ScannerError):
    """An error raised by the web layer itself, with an explicit code and status."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = status
        self.headers = headers or {}


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one JSON error shape."""
    return {"error": {"code": code, "message": message}}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """JSON under /api/, the error page elsewhere."""
    from scanner.inputs import scrub_surrogates

    message = scrub_surrogates(message)  # a message may echo input; JSON/UTF-8 cannot carry lone surrogates
    if _wants_json():
        resp = jsonify(error_body(code, message))
    else:
        try:
            html = render_template("error.html", status=status, code=code, message=message)
        except Exception:  # the error page itself failed: plain text, still no traceback
            log.exception("error page failed to render")
            html = f"Error {status}: {code}"
        resp = Response(html, mimetype="text/html")
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(ScannerError)
    def _scanner_error(e: ScannerError) -> Response:
        headers = getattr(e, "headers", None)
        g.error_code = e.code
        return render_error(int(e.http_status), e.code, e.message, headers)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException) -> Response:
        status = e.code or 500
        code = HTTP_CODES.get(status, "http_error")
        headers: dict[str, str] = {}
        if status == 405 and e.get_headers():
            headers.update({k: v for k, v in e.get_headers() if k == "Allow"})
        g.error_code = code
        return render_error(status, code, _message(status, e), headers)

    @app.errorhandler(Exception)
    def _internal(e: Exception) -> Response:
        # Log the type and where, not the request: payloads and URLs stay out of logs.
        log.error("internal error in %s: %s", request.endpoint, type(e).__name__, exc_info=e)
        g.error_code = "internal_error"
        return render_error(500, "internal_error", "Something went wrong inside LureLens; try again.")


def _message(status: int, e: HTTPException) -> str:
    messages = {
        404: "No such page or API route.",
        405: "This route does not take that method.",
        413: "The upload or body is too large.",
        415: "Send JSON (Content-Type: application/json), or the image as multipart field 'image'.",
        429: "Too many requests; wait and try again.",
    }
    return messages.get(status) or (e.description or e.name or "error").strip()
