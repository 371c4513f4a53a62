"""Who is logged in, and the CSRF token every editor form carries.

Flask's signed session cookie holds the editor's name and a random CSRF token, nothing else. The
cookie is HttpOnly, SameSite=Lax and (outside development) Secure; see ``SESSION_COOKIE_*`` in
:mod:`assistant.config`. Every POST to the editor pages must carry the session's token in the form
field ``csrf_token`` (compared in constant time), the login form included.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session

SESSION_EDITOR = "editor"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
#: Secret keys that are known to everyone: the editor refuses logins under them outside development.
WEAK_SECRETS = frozenset({"", "dev", "changeme", "secret"})


def csrf_token() -> str:
    """The session's CSRF token (made on first use); put it in every form as ``csrf_token``."""
    token = session.get(SESSION_CSRF)
    if not token:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Abort with 400 unless the posted ``csrf_token`` matches the session's."""
    expected = session.get(SESSION_CSRF)
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected).encode(), sent.encode()):
        abort(400, description="csrf")


def current_editor() -> str | None:
    """The logged-in editor's name, or None."""
    return g.get("editor")


def log_in(name: str) -> None:
    """Start a fresh session for ``name`` (a new CSRF token; nothing of the old session is kept)."""
    session.clear()
    session.permanent = True
    session[SESSION_EDITOR] = name
    session[SESSION_CSRF] = secrets.token_urlsafe(32)


def log_out() -> None:
    """End the session."""
    session.clear()


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site under ``/editor`` (no open redirect); ``default`` otherwise."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/editor"):
        return default
    return target


def weak_secret(app: Flask | None = None) -> bool:
    """Whether logins must be refused: a well-known ``SECRET_KEY`` outside development (DEBUG/TESTING)."""
    app = app or current_app
    secret = str(app.config.get("SECRET_KEY") or "")
    return (secret in WEAK_SECRETS or len(secret) < 16) and not (app.debug or app.testing)


def resolve_cookie_settings(app: Flask) -> None:
    """``SESSION_COOKIE_SECURE`` None means Secure unless DEBUG or TESTING is on (plain http in development)."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
