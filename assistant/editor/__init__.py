"""The editor pages (``/editor``): review what the assistant could not answer, and publish better content.

Editors log in with accounts made by ``python -m assistant editor add NAME``. The review queue groups
fallbacks, uncertain answers and 👎 replies into clusters of similar questions; from a question an editor
adds a phrasing to an entry, starts a new entry, or marks it out of scope. Every change is validated,
rebuilt and checked against the development set before it is written back to ``faq/`` and ``eval/`` and
answered from at once (:mod:`.publish`). The dashboard shows the daily figures as server-drawn SVG.

Modules: :mod:`.store` (accounts, review decisions), :mod:`.auth` (session, CSRF), :mod:`.queue`
(clustering), :mod:`.content` (writing YAML; the content rules are :mod:`assistant.rules`), :mod:`.publish`
(the regression gate), :mod:`.dashboard`, :mod:`.charts`, :mod:`.export` and :mod:`.views` (the blueprint).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from ..config import build_dir, content_root
from .auth import resolve_cookie_settings
from .store import EditorStore
from .views import Editor, bp, init_editor


def _login_account() -> str:
    """The rate-limit key of a login attempt: the account name tried (as the login form reads it)."""
    return "editor-login:" + request.form.get("name", "").strip().lower()[:64]


def init_app(app: Flask) -> Editor:
    """Register the editor pages on ``app`` (after the question log and the rate limiter are set up)."""
    resolve_cookie_settings(app)
    root = Path(app.config["CONTENT_ROOT"] or content_root())
    build = Path(app.config["BUILD_DIR"] or build_dir(root))
    editor = init_editor(app, root, build, EditorStore(app.extensions["log"]))

    app.register_blueprint(bp)
    for limiter in app.extensions.get("limiter", ()):
        # Only the POST (a login attempt) counts; showing the form does not. Per client address every attempt
        # counts; per account name (from any address) every failed one.
        view = app.view_functions["editor.login"]
        view = limiter.limit(str(app.config["EDITOR_LOGIN_LIMIT"]), methods=["POST"])(view)
        app.view_functions["editor.login"] = limiter.limit(
            str(app.config["EDITOR_LOGIN_ACCOUNT_LIMIT"]), key_func=_login_account, methods=["POST"],
            deduct_when=lambda response: response.status_code == 401)(view)
    return editor
