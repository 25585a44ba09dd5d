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

from . import i18n, security
from .api import MAX_LIST_UPLOAD, UPLOAD_NAME, _lists, add_list_from, audit, jsonable, read_upload_bytes
from .appstate import state
from .errors import WebError
from .session import consume_login_secret

bp = Blueprint("pages", __name__)


# ---- gates and template helpers ------------------------------------------------------------------

OPEN_ENDPOINTS = frozenset({"pages.login", "pages.switch_lang"})
"""Pages served without the login session (the login itself, and the language switch)."""


def logged_in() -> bool:
    """True when this browser opened the login link printed by ``lurelens serve``."""
    return session.get("auth") is True


def client_key(route: str) -> str:
    """The rate-limit bucket of this request on ``route``.

    The signed-in user has a bucket of its own: a cross-site page (which never carries our
    ``SameSite=Strict`` cookie) or another local account only drains the anonymous one.
    """
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site in ("cross-site", "same-site"):
        who = "cross"
    else:
        who = "user" if logged_in() else "anon"
    return f"{request.remote_addr}|{route}|{who}"


@bp.before_app_request
def _page_gate() -> Response | None:
    if request.path.startswith(("/api/", "/static/")):
        return None
    st = state()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _same_origin_only(st)
    routed = request.url_rule is not None  # else a plain 404/405
    if routed and request.endpoint not in OPEN_ENDPOINTS and not logged_in():
        # Not rate-limited: cheap, and a hostile page must not be able to lock the user out.
        resp = make_response(render_template("login.html"), 401)
        resp.headers["Cache-Control"] = "no-store"
        return resp
    if request.endpoint in ("pages.scan", "pages.check") and request.method == "POST":
        st.refuse_if_full(st.image_gate if request.endpoint == "pages.scan" else st.check_gate)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        st.throttle(client_key("page"))
        presented = request.headers.get(security.CSRF_HEADER) or request.form.get(security.CSRF_FIELD)
        if not security.csrf_ok(session.get("csrf"), presented):
            raise WebError(403, "csrf_failed", "The form expired or did not come from this page: reload "
                           "it and try again.")
    return None


def _same_origin_only(st: Any) -> None:
    """Refuse a form POST that another site (or another localhost port) sent."""
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site in ("cross-site", "same-site"):
        raise WebError(403, "forbidden_origin", "Forms are accepted from LureLens's own pages only.")
    # Our pages send Referrer-Policy: no-referrer, so the browser's own form POSTs carry
    # "Origin: null"; it is accepted only with Sec-Fetch-Site: same-origin (or no Fetch Metadata at
    # all, in old browsers). The CSRF token is checked in every case.
    if origin == "null":
        if site not in ("", "same-origin"):
            raise WebError(403, "forbidden_origin", "Forms are accepted from LureLens's own pages only.")
    elif origin is not None and not st.origins.is_own(origin):
        raise WebError(403, "forbidden_origin", "Forms are accepted from LureLens's own pages only.")


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
        "ocr_parts": _ocr_parts,
        "hop_label": lambda k: i18n.label(i18n.HOP_KIND, str(k), lang),
        "stop_label": lambda k: i18n.label(i18n.STOP_REASON, str(k), lang),
        "csrf_token": csrf_token,
        "logged_in": logged_in,
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


def _ocr_parts(text: str, report: Any) -> list[tuple[str, bool]]:
    from scanner.ocrtext import highlight_parts

    return highlight_parts(text, report)


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
    report = st.scan("check", text, offline=offline, gate=st.check_gate)
    audit("check", report, started)
    return _result(report)


@bp.post("/scan")
def scan() -> Response:
    """Decode and check an uploaded photo."""
    data = read_upload_bytes()
    offline = True if request.form.get("offline") else None
    st, started = state(), time.monotonic()
    report = st.scan("scan_image", data, offline=offline, gate=st.image_gate)
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
    st.throttle(client_key("go"))
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
    # "Open anyway" goes to exactly the address checked: only HTML-escaped here, never passed
    # through the display filter (which shows hidden characters as [U+202E] markers for reading).
    open_href = Markup.escape(url) if openable else None
    resp = make_response(render_template("go.html", url=url, report=report, error=error, openable=openable,
                                         open_href=open_href))
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
    st.lists_changed()
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
    """Add a user list: an http(s) address, or a file chosen in the browser (never a server path)."""
    source = request.form.get("source", "").strip()
    name = request.form.get("name", "").strip() or None
    upload = next((f for f in request.files.getlist("list_file") if f.filename or f.content_length), None)
    content = upload.stream.read(MAX_LIST_UPLOAD + 1) if upload is not None else None
    if not source and not content:
        abort(400)
    try:
        add_list_from("" if content else source, content or None, name=name)
        state().lists_changed()
        flash(i18n.t("added", g.lang, x=name or (source[:80] if not content else UPLOAD_NAME)), "ok")
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


@bp.post("/lang")
def switch_lang() -> WResponse:
    """Remember the chosen language and go back to where the switch was clicked.

    A same-origin POST with the CSRF token (the gate checks both): another site cannot switch it.
    """
    to = request.form.get("to", "")
    nxt = request.form.get("next", "/")
    # Browsers drop tabs and newlines from a URL: "/\t/evil.example" would leave the site.
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt or not nxt.isprintable():
        nxt = "/"
    resp = redirect(nxt, 303)
    if to in i18n.LANGS:
        resp.set_cookie("lang", to, max_age=365 * 24 * 3600, samesite="Strict", httponly=True)
    return resp


@bp.get("/login")
def login() -> Response:
    """Open the session with the one-time secret from ``lurelens serve`` (or ``lurelens login``)."""
    st = state()
    # Not rate-limited (a hostile page could then lock the user out); 256 random bits are not guessed.
    if not consume_login_secret(st.settings.data_dir, request.args.get("secret")):
        if logged_in():
            return make_response(redirect(url_for("pages.home"), 303))
        resp = make_response(render_template("login.html", failed=True), 401)
        resp.headers["Cache-Control"] = "no-store"
        return resp
    session.clear()
    session["auth"] = True
    session["csrf"] = security.new_csrf_token()
    # A page rather than a redirect: a SameSite=Strict cookie is not sent on a redirect that a
    # cross-site click started, while this page's own refresh is same-site.
    resp = make_response(render_template("login.html", done=True))
    resp.headers["Cache-Control"] = "no-store"
    return resp
