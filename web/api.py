"""``/api/v1``: the JSON API the browser extension and scripts call.

Every route needs ``X-LureLens-Token``; the gates run in :func:`_gate` before any view, in the
order documented in :mod:`web.security`. Each checking route answers with ``Report.to_dict()``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import logging
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from scanner.errors import EmptyInput, ImageTooLarge, InputError, UnsupportedImage
from scanner.models import Report

from . import security
from .appstate import state
from .errors import WebError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
audit_log = logging.getLogger("lurelens.audit")

PREFIX = "/api/"
MAX_RULES = 30_000
DEFAULT_RULES = 5_000
# Routes that take a body other than JSON (or none at all).
_BODY_EXEMPT = {"api.scan", "api.pair"}
_PREFLIGHT_HEADERS = f"{security.TOKEN_HEADER}, Content-Type"


@cache  # package metadata is read from disk: once per process, not on every /health
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lurelens")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.1.0"


# ---- gates ---------------------------------------------------------------------------------------

def _origin_allowed(origin: str) -> bool:
    st = state()
    if st.origins.allowed(origin):
        return True
    # An unpaired Firefox extension may reach exactly one route: pairing (with the token).
    return request.endpoint == "api.pair" and security.is_moz_extension_origin(origin)


@bp.before_app_request
def _gate() -> Response | None:
    if not request.path.startswith(PREFIX):
        return None
    st = state()
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        raise WebError(403, "forbidden_origin", "Cross-site requests are refused.")
    if origin is not None and not _origin_allowed(origin):
        raise WebError(403, "forbidden_origin", "This origin may not call the LureLens API.")
    if request.method == "OPTIONS":
        return _preflight(origin)
    if request.endpoint == "api.scan" and request.is_json:
        # base64 is 4/3 the size of the image: allow for it on this one route.
        request.max_content_length = st.settings.max_image_bytes * 4 // 3 + 64 * 1024
    # Only the header counts: a token in the query string is ignored (it would end up in logs).
    authorized = st.tokens.matches(request.headers.get(security.TOKEN_HEADER))
    # Callers without the token have a bucket of their own: they cannot use up the extension's.
    st.throttle(f"{request.remote_addr}|{origin or '-'}|{'token' if authorized else 'anon'}")
    if not authorized:
        raise WebError(401, "unauthorized",
                       f"Send the access key in the {security.TOKEN_HEADER} header (see `lurelens token`).")
    # Heavy routes answer "busy" before their body is parsed when their gate has no room.
    if request.endpoint in ("api.scan", "api.check", "api.page") and request.method == "POST":
        st.refuse_if_full(st.image_gate if request.endpoint == "api.scan" else st.check_gate)
    routed = request.url_rule is not None  # else the 404/405 is answered by the view machinery
    if routed and request.method == "POST" and request.endpoint not in _BODY_EXEMPT and not request.is_json:
        raise WebError(415, "unsupported_media_type",
                       "Send the body as JSON (Content-Type: application/json).")
    return None


def _preflight(origin: str | None) -> Response:
    if origin is None or not request.headers.get("Access-Control-Request-Method"):
        raise WebError(403, "forbidden_origin", "Preflight without an allowed origin.")
    resp = Response(status=204)
    resp.headers["Access-Control-Allow-Origin"] = origin
    resp.headers["Access-Control-Allow-Methods"] = "GET, POST"
    resp.headers["Access-Control-Allow-Headers"] = _PREFLIGHT_HEADERS
    resp.headers["Access-Control-Max-Age"] = "600"
    if request.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
        resp.headers["Access-Control-Allow-Private-Network"] = "true"
    resp.headers["Vary"] = "Origin"
    return resp


@bp.after_app_request
def _cors(resp: Response) -> Response:
    if not request.path.startswith(PREFIX) or request.method == "OPTIONS":
        return resp
    origin = request.headers.get("Origin")
    resp.headers.add("Vary", "Origin")
    if origin and resp.status_code != 403 and _origin_allowed(origin):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return resp


# ---- helpers -------------------------------------------------------------------------------------

def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    return body


def _opt_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InputError(f"{key!r} must be true or false")
    return value


def _str_field(body: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{key!r} must be a string")
    return value


def jsonable(obj: Any) -> Any:
    """Turn list-manager results (dataclasses, paths, enums…) into JSON values."""
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    return str(obj)


def audit(kind: str, report: Report, started: float) -> None:
    """One line per check: level, score, reason codes and final registrable domains, never full URLs."""
    st = state()
    if st.settings.log_full_urls:
        where = ",".join(link.final_url for link in report.links)
    else:
        where = ",".join(sorted({link.registrable_domain or link.host or "-" for link in report.links}))
    audit_log.info(
        "%s level=%s score=%d domains=%s reasons=%s payloads=%s ms=%d", kind, report.level.value,
        report.score, where or "-", ",".join(r.code for r in report.reasons[:8]) or "-",
        ",".join(p.kind.value for p in report.payloads) or "-", (time.monotonic() - started) * 1000,
    )


def public(report: Report) -> dict[str, Any]:
    """``report.to_dict()`` as callers see it: ``cached`` is always false.

    Whether an answer came from the expansion cache tells whether someone checked that URL in the
    last hour; the field stays (schema version 1) but no longer says so.
    """
    out = report.to_dict()
    for link in out.get("links") or ():
        if isinstance(link, dict) and "cached" in link:
            link["cached"] = False
    return out


def read_upload_bytes() -> bytes:
    """The first non-empty multipart file field ``image``, bounded and sniffed (shared with pages)."""
    st = state()
    for f in request.files.getlist("image"):
        data = f.stream.read(st.settings.max_image_bytes + 1)
        if data:
            return check_image_bytes(data)
    raise EmptyInput("no image was sent: use the multipart field 'image'")


def check_image_bytes(data: bytes) -> bytes:
    """Size and magic-byte checks done before any decoder sees the bytes."""
    from scanner.images import sniff_format

    limit = state().settings.max_image_bytes
    if len(data) > limit:
        raise ImageTooLarge(f"the image is over {limit // (1024 * 1024)} MiB: send a smaller photo")
    if sniff_format(data) is None:
        raise UnsupportedImage("this file is not a photo format LureLens reads (PNG, JPEG, GIF, WebP, "
                               "BMP, TIFF, HEIC): send a photo or screenshot")
    # A ZIP's end-of-central-directory record sits in its last 64 KiB: an image that is also an
    # archive (GIF/JAR polyglot) is refused rather than passed on.
    if b"PK\x05\x06" in data[-(65536 + 22):]:
        raise UnsupportedImage("this file is an image and an archive at once: send a plain photo")
    return data


_LIST_FUNCS = ("status", "update", "add_list", "remove_list", "allow_domain", "unallow_domain",
               "rules_for_extension")


def _lists() -> Any:
    """The list manager (``scanner.lists``, or the one injected in ``AppState.lists_module``)."""
    st = state()
    mod = st.lists_module
    if mod is None:
        try:
            import scanner.lists as mod
        except ModuleNotFoundError as e:  # the list manager is not in this build
            if e.name != "scanner.lists":
                raise
            mod = None
    if mod is None or not all(callable(getattr(mod, f, None)) for f in _LIST_FUNCS):
        raise WebError(503, "lists_unavailable", "The list manager is not available.")
    return mod


def _as_object(result: Any, **fallback: Any) -> dict[str, Any]:
    """A JSON object for a list-manager result (which may be None, a string or a dataclass)."""
    value = jsonable(result)
    if isinstance(value, dict):
        return value
    out = dict(fallback)
    if value is not None:
        out["result"] = value
    return out


def _lists_changed() -> None:
    state().lists_changed()


# ---- routes --------------------------------------------------------------------------------------

@bp.get("/health")
def health() -> Response:
    """Liveness and version (token required like every route)."""
    return jsonify({"ok": True, "version": _version(), "schema_version": Report.__dataclass_fields__[
        "schema_version"].default})


@bp.post("/check")
def check() -> Response:
    """Check a URL or a whole message."""
    body = _json_body()
    text = _str_field(body, "text")
    offline = _opt_bool(body, "offline")
    st, started = state(), time.monotonic()
    report = st.scan("check", text, offline=offline, gate=st.check_gate)
    audit("check", report, started)
    return jsonify(public(report))


@bp.post("/scan")
def scan() -> Response:
    """Decode the QR codes in a photo (multipart ``image`` or JSON ``image_base64``) and check them."""
    st = state()
    offline: bool | None = None
    decode_only = False
    if request.is_json:
        body = _json_body()
        b64 = _str_field(body, "image_base64")
        offline = _opt_bool(body, "offline")
        decode_only = bool(_opt_bool(body, "decode_only"))
        if b64.startswith("data:"):
            b64 = b64.partition(",")[2]
        if len(b64) * 3 // 4 > st.settings.max_image_bytes + 3:
            raise ImageTooLarge("the image is too large: send a smaller photo")
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise InputError("image_base64 is not valid base64") from None
        check_image_bytes(data)
    elif request.mimetype == "multipart/form-data":
        data = read_upload_bytes()
        offline = _form_bool("offline")
        decode_only = bool(_form_bool("decode_only"))
    else:
        raise WebError(415, "unsupported_media_type",
                       "Send the image as multipart field 'image' or JSON {\"image_base64\": …}.")
    started = time.monotonic()
    report = st.scan("scan_image", data, offline=offline, decode_only=decode_only, gate=st.image_gate)
    audit("scan", report, started)
    return jsonify(public(report))


def _form_bool(key: str) -> bool | None:
    value = request.form.get(key)
    if value is None:
        return None
    return value.strip().lower() in ("1", "true", "on", "yes")


@bp.post("/page")
def page() -> Response:
    """Judge the rendered HTML of the page the user is on."""
    body = _json_body()
    html = _str_field(body, "html")
    url = _str_field(body, "url")
    if not url.strip():
        raise EmptyInput("'url' is empty: send the address of the page")
    st, started = state(), time.monotonic()
    report = st.scan("analyze_page", html, url, gate=st.check_gate)
    audit("page", report, started)
    return jsonify(public(report))


@bp.get("/lists")
def lists_status() -> Response:
    """Status of the bundled, fetched and user lists and the allowlist."""
    st = state()
    return jsonify(jsonable(st.run(_lists().status, st.settings)))


@bp.post("/lists/update")
def lists_update() -> Response:
    """Fetch the configured feeds now and rebuild the index."""
    st = state()
    result = st.run(_lists().update, st.settings)
    _lists_changed()
    results = result if isinstance(result, list) else []
    failed = [getattr(r, "name", "?") for r in results if getattr(r, "failed", False)]
    return jsonify({
        "updated": any(getattr(r, "status", "") == "updated" for r in results),
        "failed": failed,
        "ok": not failed,
        "results": jsonable(results),
    })


MAX_LIST_UPLOAD = 8 * 1024 * 1024
"""Largest list sent as content (the request body cap is about the same)."""
UPLOAD_NAME = "uploaded.txt"


def add_list_from(source: str, content: bytes | None, **kwargs: Any) -> Any:
    """Add a user list from an http(s) address (the guarded fetcher) or from uploaded content.

    The service never reads a path on this computer: another local account could otherwise have
    a file it cannot read (but this service can) turned into a list and echoed back by the rules and
    evidence. The CLI, running as the user, still adds files (``lurelens lists add FILE``).
    """
    st = state()
    mod = _lists()
    if content is not None:
        if not content.strip():
            raise EmptyInput("the list file is empty")
        if len(content) > MAX_LIST_UPLOAD:
            raise InputError(f"the list is over {MAX_LIST_UPLOAD // (1024 * 1024)} MiB: add it by its "
                             "address or with `lurelens lists add` instead")
        # Written to a private folder of our own (0700, random name) only for the list manager to
        # copy: nothing about the path comes from the request.
        with tempfile.TemporaryDirectory(prefix="lurelens-upload-") as tmp:
            path = Path(tmp) / UPLOAD_NAME
            path.write_bytes(content)
            return st.run(mod.add_list, st.settings, str(path), **kwargs)
    if not source.strip().lower().startswith(("http://", "https://")):
        raise InputError("a list is added by its http:// or https:// address, or by uploading the file; "
                         "the service never reads a path on this computer (use `lurelens lists add FILE`)")
    return st.run(mod.add_list, st.settings, source.strip(), **kwargs)


@bp.post("/lists/add")
def lists_add() -> Response:
    """Add a user list from an http(s):// feed (``source``) or from its text (``content``)."""
    body = _json_body()
    source = _str_field(body, "source", required=False)
    content = _str_field(body, "content", required=False)
    if bool(source) == bool(content):
        raise InputError("send either 'source' (an http:// or https:// address) or 'content' (the list)")
    kwargs = {k: _str_field(body, key, required=False) or None
              for k, key in (("name", "name"), ("fmt", "format"), ("category", "category"))}
    data = content.encode("utf-8", "surrogatepass") if content else None
    result = add_list_from(source, data, **kwargs)
    _lists_changed()
    return jsonify(_as_object(result, added=True))


@bp.post("/lists/remove")
def lists_remove() -> Response:
    """Remove a user list by name."""
    name = _str_field(_json_body(), "name")
    st = state()
    result = st.run(_lists().remove_list, st.settings, name)
    _lists_changed()
    return jsonify(_as_object(result, removed=True, name=name))


@bp.post("/lists/allow")
def lists_allow() -> Response:
    """Trust a domain (``remove: true`` stops trusting it: the undo)."""
    body = _json_body()
    domain = _str_field(body, "domain")
    remove = bool(_opt_bool(body, "remove"))
    st, mod = state(), _lists()
    result = st.run(mod.unallow_domain if remove else mod.allow_domain, st.settings, domain)
    _lists_changed()
    return jsonify({"domain": result if isinstance(result, str) else domain, "allowed": not remove})


@bp.get("/lists/rules")
def lists_rules() -> Response:
    """Blocked and allowed domains for the extension's declarativeNetRequest rules."""
    raw = request.args.get("limit", str(DEFAULT_RULES))
    try:
        limit = int(raw)
    except ValueError:
        raise InputError("'limit' must be a whole number") from None
    if not 1 <= limit <= MAX_RULES:
        raise InputError(f"'limit' must be between 1 and {MAX_RULES}")
    st = state()
    rules = jsonable(st.run(_lists().rules_for_extension, st.settings, limit))
    if isinstance(rules, dict) and "version" not in rules:
        # The extension replaces its rules when this changes: the index build time serves.
        rules["version"] = str(rules.get("built_at") or "")
    return jsonify(rules)


@bp.post("/pair")
def pair() -> Response:
    """Record the calling Firefox extension origin as paired (the token proves the user's consent)."""
    origin = request.headers.get("Origin")
    st = state()
    if origin and security.is_moz_extension_origin(origin):
        st.paired.add(origin)
    g.paired = True
    return jsonify({"paired": True, "origin": origin})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    from .openapi import document

    return jsonify(document(_version()))
