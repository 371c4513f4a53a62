"""Who is logged in, and the CSRF token every editor form carries.

Flask's signed session cookie holds the editor's name, the account's session token, the time of login and a
random CSRF token, nothing else. A session counts only while the account exists and still has that token
(logging out, a new password or removing the account changes it: every copy of the cookie stops working), and
for at most ``PERMANENT_SESSION_LIFETIME`` after login, however often the cookie is re-sent. No session counts
while the app runs on a generated secret key outside development (:func:`logins_disabled`).

The cookie is HttpOnly, SameSite=Lax and (outside development) Secure; see ``SESSION_COOKIE_*`` in
:mod:`assistant.config`. Every POST to the editor pages must carry the session's token in the form
field ``csrf_token`` (compared in constant time), the login form included.
"""

from __future__ import annotations

import hmac
import secrets
import time
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session

from ..security import GENERATED_SECRET
from .store import Account, EditorStore

SESSION_EDITOR = "editor"
SESSION_TOKEN = "token"
SESSION_SINCE = "since"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"


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


def log_in(account: Account) -> None:
    """Start a fresh session for ``account`` (a new CSRF token; nothing of the old session is kept)."""
    session.clear()
    session.permanent = True
    session[SESSION_EDITOR] = account.name
    session[SESSION_TOKEN] = account.session_token
    session[SESSION_SINCE] = int(time.time())
    session[SESSION_CSRF] = secrets.token_urlsafe(32)


def session_editor(store: EditorStore) -> str | None:
    """The editor whose session the request carries, if that session still counts; a session that does not
    count is cleared."""
    name = session.get(SESSION_EDITOR)
    if not name:
        return None
    account = store.get_account(name) if isinstance(name, str) and not logins_disabled() else None
    since = session.get(SESSION_SINCE)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if account is None or not account.holds(session.get(SESSION_TOKEN)) or not isinstance(since, int) \
            or not 0 <= time.time() - since <= lifetime:
        log_out()
        return None
    return account.name


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


def logins_disabled(app: Flask | None = None) -> bool:
    """Whether logins and sessions must be refused: no strong ``SECRET_KEY`` was configured (the app runs on a
    generated one, see :func:`assistant.security.init_secret_key`) and neither DEBUG nor TESTING is on."""
    app = app or current_app
    return bool(app.config.get(GENERATED_SECRET)) and not (app.debug or app.testing)


def resolve_cookie_settings(app: Flask) -> None:
    """``SESSION_COOKIE_SECURE`` None means Secure unless DEBUG or TESTING is on (plain http in development)."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
