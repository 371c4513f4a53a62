"""The editor pages (``/editor``): review what the assistant could not answer, and publish better content.

Editors log in with accounts made by ``python -m assistant editor add NAME``. The review queue groups
fallbacks, uncertain answers and 👎 replies into clusters of similar questions; from a question an editor
adds a phrasing to an entry, starts a new entry, or marks it out of scope. Every change is validated,
rebuilt and checked against the development set before it is written back to ``faq/`` and ``eval/`` and
answered from at once (:mod:`.publish`). The dashboard shows the daily figures as server-drawn SVG.

Modules: :mod:`.store` (accounts, review decisions), :mod:`.auth` (session, CSRF), :mod:`.queue`
(clustering), :mod:`.validation` and :mod:`.content` (content rules, writing YAML), :mod:`.publish`
(the regression gate), :mod:`.dashboard`, :mod:`.charts`, :mod:`.export` and :mod:`.views` (the blueprint).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ..config import build_dir, content_root
from .auth import resolve_cookie_settings, weak_secret
from .store import EditorStore
from .views import Editor, bp, init_editor


def init_app(app: Flask) -> Editor:
    """Register the editor pages on ``app`` (after the question log and the rate limiter are set up)."""
    resolve_cookie_settings(app)
    if weak_secret(app):
        app.logger.warning("SECRET_KEY er ikke satt (eller er kjent): innlogging for redaktører er slått av. "
                           "Sett ASSISTANT_SECRET_KEY til en lang, tilfeldig verdi.")
    root = Path(app.config["CONTENT_ROOT"] or content_root())
    build = Path(app.config["BUILD_DIR"] or build_dir(root))
    editor = init_editor(app, root, build, EditorStore(app.extensions["log"]))

    app.register_blueprint(bp)
    for limiter in app.extensions.get("limiter", ()):
        # Only the POST (a login attempt) counts; showing the form does not.
        app.view_functions["editor.login"] = limiter.limit(
            str(app.config["EDITOR_LOGIN_LIMIT"]), methods=["POST"])(app.view_functions["editor.login"])
    return editor
