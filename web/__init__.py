"""The local service: pages for people and a hardened JSON API for the browser extension.

``create_app(settings, scanner)`` is the factory (flaskr pattern). The :class:`scanner.pipeline.Scanner`
is built lazily on first use unless one is passed in (tests pass a fake; ``serve`` warms it before
listening). Security gates live in :mod:`web.security`; see ``docs/service.md``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from scanner.settings import Settings

from . import security
from .appstate import UPLOAD_SLACK, AppState, ScannerLike, state
from .session import session_key

__all__ = ["UPLOAD_SLACK", "AppState", "ScannerLike", "create_app", "state"]


def create_app(settings: Settings | None = None, scanner: ScannerLike | None = None) -> Flask:
    """Build the Flask app (no network, no list loading: the scanner is built on first use)."""
    settings = settings if settings is not None else Settings.load()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_image_bytes + UPLOAD_SLACK,
        MAX_FORM_MEMORY_SIZE=max(settings.max_input_bytes * 2, 512 * 1024),
        # Shared by every process on this data dir (``--processes``): the login session holds.
        SECRET_KEY=session_key(settings.data_dir),
        SESSION_COOKIE_NAME=f"lurelens_session_{settings.port}",  # cookies ignore ports: don't clash
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    st = AppState(settings, scanner)
    app.extensions["lurelens"] = st
    # The Host gate wraps everything, so DNS-rebinding requests never reach routing.
    app.wsgi_app = security.HostGate(app.wsgi_app, st.host_ok)  # type: ignore[method-assign]

    from scanner.lists.store import index_path as lists_index

    from . import api, errors, i18n, listwatch, pages

    errors.init_app(app)
    # Every {{ value }} a page shows passes through here: a code's text, a page title or a piece
    # of evidence may carry direction overrides or invisible characters that make one thing read
    # as another (``invoice<U+202E>gnp.exe``). They are shown as visible markers instead.
    app.jinja_env.finalize = pages.visible
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)

    # A list added or updated by another process takes effect at the next request (issue 19).
    # The service's scanner and its worker processes both reload (AppState.lists_changed).
    listwatch.install(app, lambda: st.lists_changed, lists_index(settings))

    @app.before_request
    def _language() -> None:
        g.lang = i18n.negotiate(request.cookies.get("lang"), request.headers.get("Accept-Language"),
                                "en" if settings.lang == "en" else "zh")

    @app.after_request
    def _headers(resp: Any) -> Any:
        for k, v in security.SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"
        resp.headers.pop("Server", None)
        return resp

    return app


def set_port(app: Flask, port: int) -> None:
    """Tell the app which port it really listens on (after binding port 0)."""
    st = state(app)
    st.port = port
    app.config["SESSION_COOKIE_NAME"] = f"lurelens_session_{port}"
