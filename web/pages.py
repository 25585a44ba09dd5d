"""Pages for people: home (photo upload + text box), result, the ``/go`` interstitial, lists, pairing.

Server-rendered and complete without JavaScript; ``static/app.js`` only adds drag-and-drop, paste,
copy buttons and focus management. Every POST form carries the per-session CSRF token.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response as WResponse

from scanner import codewords
from scanner.errors import InputError, ScannerError
from scanner.models import LinkReport, Message, Report
from scanner.render import INVISIBLE

from . import i18n, security, state
from .api import _lists, audit, jsonable, read_upload_bytes
from .errors import WebError

bp = Blueprint("pages", __name__)


# ---- gates and template helpers ------------------------------------------------------------------

@bp.before_app_request
def _page_gate() -> None:
    if request.path.startswith(("/api/", "/static/")):
        return
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    st = state()
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site in ("cross-site", "same-site"):
        raise WebError(403, "forbidden_origin", "Forms are accepted from LureLens's own pages only.")
    # Our pages send Referrer-Policy: no-referrer, so the browser's own form POSTs carry
    # "Origin: null"; it is accepted only with Sec-Fetch-Site: same-origin (or no Fetch Metadata at
    # all, in old browsers). The CSRF token below is checked in every case.
    if origin == "null":
        if site not in ("", "same-origin"):
            raise WebError(403, "forbidden_origin", "Forms are accepted from LureLens's own pages only.")
    elif origin is not None and not st.origins.is_own(origin):
        raise WebError(403, "forbidden_origin", "Forms are accepted from LureLens's own pages only.")
    st.throttle(f"{request.remote_addr}|page")
    presented = request.headers.get(security.CSRF_HEADER) or request.form.get(security.CSRF_FIELD)
    if not security.csrf_ok(session.get("csrf"), presented):
        raise WebError(403, "csrf_failed", "The form expired or did not come from this page: reload it "
                       "and try again.")


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = security.new_csrf_token()
        session["csrf"] = token
    return token


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    lang = getattr(g, "lang", "zh")
    return {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "other_lang": "en" if lang == "zh" else "zh",
        "t": lambda key, **kw: i18n.t(key, lang, **kw),
        "msg": lambda m: m.get(lang) if isinstance(m, Message) else "",
        "level_label": lambda level: i18n.t(f"level_{level}", lang),
        "level_icon": lambda level: i18n.LEVEL_ICON.get(str(level), "?"),
        "severity_label": lambda s: i18n.label(i18n.SEVERITY, str(s), lang),
        "pii_label": lambda p: i18n.label(i18n.PII, p, lang),
        "kind_label": lambda k: i18n.label(i18n.PAYLOAD_KIND, str(k), lang),
        "hop_label": lambda k: i18n.label(i18n.HOP_KIND, str(k), lang),
        "stop_label": lambda k: i18n.label(i18n.STOP_REASON, str(k), lang),
        "csrf_token": csrf_token,
        "url_parts": url_parts,
        "code_words": codewords.code_words,  # a code with no link: its own headline and advice
        "field_rows": lambda p: codewords.field_rows(p, lang),
        "outcome": lambda link: i18n.outcome(link, lang),
        "stop_codes": i18n.STOP_REASON,
        "lw": i18n.list_words(lang),
        "evidence": lambda r: i18n.evidence(r, lang),
        "host_of": host_of,
        "lang_next": request.path if request.method == "GET" else "/",
    }


# Control characters but tab and newlines (a pasted message keeps its lines), and the invisible ones.
_HIDDEN = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{INVISIBLE}]")


def visible(value: Any) -> Any:
    """``value`` with control, invisible and text-direction characters shown as ``[U+202E]`` markers.

    Jinja's ``finalize`` for every page: non-strings and already-safe markup pass unchanged.

    >>> visible("invoice\\u202egnp.exe")
    'invoice[U+202E]gnp.exe'
    """
    if not isinstance(value, str) or isinstance(value, Markup) or not _HIDDEN.search(value):
        return value
    return _HIDDEN.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


def url_parts(link: LinkReport) -> tuple[str, str, str]:
    """Split the final URL into (before, registrable domain, after) to highlight the domain.

    Falls back to (url, "", "") when the domain cannot be found in the host.
    """
    url = link.final_url
    reg = link.registrable_domain
    host = link.host
    start = url.find("://")
    if not reg or not host or start < 0:
        return url, "", ""
    at = url.find(host, start + 3)
    if at < 0 or not host.endswith(reg):
        return url, "", ""
    cut = at + len(host) - len(reg)
    return url[:cut], reg, url[cut + len(reg):]


def host_of(url: str) -> str:
    """The host of a hop URL for the chain table."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _result(report: Report, status: int = 200) -> Response:
    resp = make_response(render_template("result.html", report=report), status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ---- routes --------------------------------------------------------------------------------------

@bp.get("/")
def home() -> str:
    """The upload form and the text box."""
    return render_template("home.html", offline_default=state().settings.offline)


@bp.post("/check")
def check() -> Response:
    """Check the pasted link or message."""
    text = request.form.get("text", "")
    offline = True if request.form.get("offline") else None
    st, started = state(), time.monotonic()
    report = st.run(st.scanner.check, text, offline=offline)
    audit("check", report, started)
    return _result(report)


@bp.post("/scan")
def scan() -> Response:
    """Decode and check an uploaded photo."""
    data = read_upload_bytes()
    offline = True if request.form.get("offline") else None
    st, started = state(), time.monotonic()
    report = st.run(st.scanner.scan_image, data, offline=offline)
    audit("scan", report, started)
    return _result(report)


GO_URL_CHARS = 16 * 1024
"""Longest address ``/go`` checks (the URL parser refuses longer ones anyway)."""


@bp.get("/go")
def go() -> Response:
    """The interstitial the extension sends people to: offline verdict, Back first, Open behind details."""
    url = request.args.get("url", "")
    st = state()
    # Any web page can point a browser here (an <img> is enough): each GET runs a check, so it is
    # rate-limited like a form, and what it checks is one address, not a whole message.
    st.throttle(f"{request.remote_addr}|go")
    report: Report | None = None
    error = ""
    if len(url) > GO_URL_CHARS:
        error = "too long"
    else:
        try:
            # Offline: a GET must not make this service fetch anything (any page can link here).
            report = st.run(st.scanner.check, url, offline=True)
        except InputError as e:
            error = e.message
    try:
        openable = urlsplit(url).scheme.lower() in ("http", "https") if url else False
    except ValueError:  # "http://[::1": the check above already said what is wrong with it
        openable = False
    resp = make_response(render_template("go.html", url=url, report=report, error=error, openable=openable))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/lists")
def lists_page() -> str:
    """List status, update button, user lists and the allowlist with undo."""
    st = state()
    status: Any = None
    unavailable = False
    allow: list[str] = []
    try:
        mod = _lists()
        status = jsonable(st.run(mod.status, st.settings))
        allow = _user_allow(mod)
    except WebError as e:
        if e.code != "lists_unavailable":
            raise
        unavailable = True
    view = _status_view(status)
    if allow:
        view["allow"] = allow
    return render_template("lists.html", status=status, unavailable=unavailable, view=view,
                           flashes=get_flashed_messages(with_categories=True))


def _user_allow(mod: Any) -> list[str]:
    """The user's own allowlist, when the list manager exposes it."""
    reader = getattr(getattr(mod, "store", None), "read_allow", None)
    if not callable(reader):
        return []
    try:
        return [str(d) for d in reader(state().settings)]
    except (OSError, ScannerError):
        return []


_LIST_COLUMNS = ("name", "category", "origin", "entries", "updated_at", "last_error", "age_seconds", "due")


def _status_view(status: Any) -> dict[str, Any]:
    """Pick the parts of the list status the page shows (a list of per-list dicts, or one dict)."""
    view: dict[str, Any] = {"scalars": [], "user_lists": [], "allow": [], "other": [], "rows": []}
    if isinstance(status, list):
        for item in status:
            if not isinstance(item, dict):
                continue
            row = {k: item.get(k) for k in _LIST_COLUMNS}
            if isinstance(row["updated_at"], int | float):
                row["updated_at"] = time.strftime("%Y-%m-%d", time.gmtime(row["updated_at"]))
            view["rows"].append(row)
            if item.get("origin") == "user" and item.get("category") != "allow":
                view["user_lists"].append({"name": item.get("name", "")})
        return view
    if not isinstance(status, dict):
        return view
    for key, value in status.items():
        if key in ("user_lists", "user") and isinstance(value, list):
            view["user_lists"] = [v if isinstance(v, dict) else {"name": str(v)} for v in value]
        elif key in ("allow", "allowlist", "allowed", "user_allow") and isinstance(value, list):
            view["allow"] = [str(v.get("domain", v)) if isinstance(v, dict) else str(v) for v in value]
        elif isinstance(value, str | int | float | bool) or value is None:
            view["scalars"].append((key, value))
        else:
            view["other"].append((key, value))
    return view


def _lists_action(fn_name: str, *args: Any, **kwargs: Any) -> Any:
    st = state()
    result = st.run(getattr(_lists(), fn_name), st.settings, *args, **kwargs)
    reload = getattr(st.scanner, "reload_lists", None)
    if callable(reload):
        reload()
    return result


@bp.post("/lists/update")
def lists_update() -> WResponse:
    """Update the lists now."""
    try:
        results = _lists_action("update")
        failed = [r for r in (results if isinstance(results, list) else []) if getattr(r, "failed", False)]
        if failed:
            for r in failed:  # the previous version of each list was kept: say which and why
                message = i18n.list_words(g.lang)["error"](getattr(r, "message", ""))
                flash(f"{getattr(r, 'name', '?')}: {message}", "error")
        else:
            flash(i18n.t("updated", g.lang), "ok")
    except ScannerError as e:
        flash(e.message, "error")
    return redirect(url_for("pages.lists_page"), 303)


@bp.post("/lists/add")
def lists_add() -> WResponse:
    """Add a user list."""
    source = request.form.get("source", "").strip()
    name = request.form.get("name", "").strip() or None
    if not source:
        abort(400)
    try:
        _lists_action("add_list", source, name=name)
        flash(i18n.t("added", g.lang, x=name or source[:80]), "ok")
    except ScannerError as e:
        flash(e.message, "error")
    return redirect(url_for("pages.lists_page"), 303)


@bp.post("/lists/remove")
def lists_remove() -> WResponse:
    """Remove a user list."""
    name = request.form.get("name", "").strip()
    try:
        _lists_action("remove_list", name)
        flash(i18n.t("removed", g.lang, x=name), "ok")
    except ScannerError as e:
        flash(e.message, "error")
    return redirect(url_for("pages.lists_page"), 303)


@bp.post("/lists/allow")
def lists_allow() -> WResponse:
    """Trust a domain, or stop trusting it; the message after either offers the undo."""
    domain = request.form.get("domain", "").strip()
    remove = request.form.get("remove") == "1"
    try:
        _lists_action("unallow_domain" if remove else "allow_domain", domain)
        # The category carries the undo action: "undo-add:<domain>" or "undo-remove:<domain>".
        flash(i18n.t("removed" if remove else "added", g.lang, x=domain),
              ("undo-allow:" if remove else "undo-unallow:") + domain)
    except ScannerError as e:
        flash(e.message, "error")
    return redirect(url_for("pages.lists_page"), 303)


@bp.route("/pair", methods=["GET", "POST"])
def pair() -> Response:
    """Show the access key for the extension's options page, only after a click on this page."""
    token = state().tokens.current() if request.method == "POST" else None
    resp = make_response(render_template("pair.html", token=token))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/lang")
def switch_lang() -> WResponse:
    """Remember the chosen language and go back to where the switch was clicked."""
    to = request.args.get("to", "")
    nxt = request.args.get("next", "/")
    # Browsers drop tabs and newlines from a URL: "/\t/evil.example" would leave the site.
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt or not nxt.isprintable():
        nxt = "/"
    resp = redirect(nxt, 303)
    if to in i18n.LANGS:
        resp.set_cookie("lang", to, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp
