"""Where the content and the built index live, and the defaults for the web app."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def content_root() -> Path:
    """The folder holding ``faq/``, ``corpus/`` and ``eval/``.

    ``$ASSISTANT_ROOT`` when set; else the project checkout this package runs from; else the
    current directory (for a non-editable install run from a checkout).
    """
    if "ASSISTANT_ROOT" in os.environ:
        return Path(os.environ["ASSISTANT_ROOT"]).resolve()
    return PROJECT_ROOT if (PROJECT_ROOT / "faq").is_dir() else Path.cwd().resolve()


def build_dir(root: Path | None = None) -> Path:
    """Where built indexes are kept: ``$ASSISTANT_BUILD_DIR`` or ``<root>/build``."""
    return Path(os.environ.get("ASSISTANT_BUILD_DIR", (root or content_root()) / "build")).resolve()


#: Flask configuration defaults; an instance ``config.py`` and ``ASSISTANT_*`` variables override them.
DEFAULTS: dict[str, object] = {
    # Signs the editor's login cookie and the chat form's token; keys the question log's session hash. Set
    # ASSISTANT_SECRET_KEY to a long random value, the same on every worker and host. A well-known or short value
    # (such as this default) is never used: it is replaced by a random key of the process (assistant/security.py).
    "SECRET_KEY": "dev",
    "CONTENT_ROOT": None,
    "BUILD_DIR": None,
    "MAX_CONTENT_LENGTH": 8 * 1024,
    "MAX_QUESTION_CHARS": 500,
    # JSON bodies of the API may nest arrays and objects this deep (the API's own bodies are flat).
    "MAX_JSON_DEPTH": 20,
    "JSON_AS_ASCII": False,
    # Web (assistant/api.py, web.py, security.py):
    # Exact origins (scheme://host[:port], no "*" or "null") of the sites that embed the widget: they get CORS on
    # /api/* and may frame /embed (CSP frame-ancestors). Env: ASSISTANT_CORS_ORIGINS='["https://www.x.kommune.no"]'.
    "CORS_ORIGINS": [],
    # Flask-Limiter: limits per client address: one budget for questions (POST /api/ask, / and /embed together),
    # and one for POST /api/feedback.
    "RATELIMIT_DEFAULT": "30 per minute;300 per hour",
    # Seconds the chat form's token (its CSRF token, bound to the visitor's address) stays valid.
    "FORM_TOKEN_SECONDS": 12 * 3600,
    # "memory://" (one process) or e.g. "redis://localhost:6379/0" (shared by every worker; needs `pip install redis`).
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,  # X-RateLimit-* and Retry-After headers
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,  # keep limiting (per process) if Redis goes away, never a 500
    # How many reverse proxies in front set X-Forwarded-For/-Proto (werkzeug ProxyFix); 0 trusts none.
    "TRUSTED_PROXIES": 0,
    # Where widget.js, widget.css and page.css live; None: the web/ folder of the checkout.
    "WEB_DIR": None,
    # Conversation state: in memory (one process) unless a redis:// URL shares it between workers.
    "SESSION_STORE_URL": None,
    # Every Redis client (sessions, rate limits, /api/health) gives up after REDIS_TIMEOUT seconds (connect and read,
    # no retries), and the session store leaves a failed Redis alone for REDIS_RETRY_SECONDS: a hung Redis costs a
    # request at most a few REDIS_TIMEOUTs, not seconds (assistant/redis_clients.py).
    "REDIS_TIMEOUT": 0.05,
    "REDIS_RETRY_SECONDS": 5.0,
    # Seconds of inactivity after which a conversation's context is forgotten.
    "SESSION_TTL": 1800,
    # How often (seconds) a worker looks at build/current for a newly published index.
    "INDEX_CHECK_SECONDS": 2.0,
    # Question log (assistant/database.py): an SQLAlchemy URL, e.g. "postgresql+psycopg://user@host/db"; None: SQLite
    # in the instance folder. Env: DATABASE_URL or ASSISTANT_DATABASE_URL.
    "DATABASE_URL": None,
    # While the database is unreachable, up to LOG_QUEUE_SIZE records per host wait in a spool file on local disk
    # (SQLite, fsynced, shared by the host's workers; in LOG_SPOOL_DIR, None: the instance folder; 0: no spool, they
    # are lost), and the workers try to store them every LOG_RETRY_SECONDS; /api/health reports pending and dropped.
    "LOG_QUEUE_SIZE": 50_000,
    "LOG_RETRY_SECONDS": 5.0,
    "LOG_SPOOL_DIR": None,
    # Logged questions older than this many days are deleted once a day by the running app (None or 0: never).
    "RETENTION_DAYS": 90,
    # Editor pages (assistant/editor/, /editor; accounts: `python -m assistant editor add|passwd|remove|list`).
    # Editor logins and sessions are refused while SECRET_KEY is a well-known or short value such as "dev" (unless
    # DEBUG or TESTING, where a random key of the process is used): set ASSISTANT_SECRET_KEY.
    # The editor's login cookie (Flask's session cookie): not readable from JavaScript, not sent with cross-site
    # posts, and Secure (sent over https only; browsers also keep it from http://localhost). SESSION_COOKIE_SECURE
    # None means Secure unless DEBUG or TESTING is on; False only for plain http to another host in development.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,
    # Seconds an editor stays logged in after logging in (Flask's permanent session lifetime; also an absolute limit,
    # however active the session is). Logging out, `editor passwd` and `editor remove` end every session at once.
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # Login attempts per client address (Flask-Limiter syntax) on POST /editor/login.
    "EDITOR_LOGIN_LIMIT": "5 per minute",
    # Failed login attempts per account name, from any address.
    "EDITOR_LOGIN_ACCOUNT_LIMIT": "20 per hour",
    # The review queue holds fallbacks, 👎 replies and answers whose confidence is below this value.
    "EDITOR_LOW_CONFIDENCE": 0.9,
    # Only questions from the last this many days are reviewed (the log keeps RETENTION_DAYS).
    "EDITOR_QUEUE_DAYS": 90,
    # Questions in one cluster are at most this cosine distance apart on average (0: identical, 1: unrelated).
    "EDITOR_CLUSTER_DISTANCE": 0.75,
    # The regression gate: a change is refused when cross-validated top-1 on the development set drops by more than
    # this, or when the rate of false answers to out-of-scope questions rises by more than EDITOR_MAX_OOS_RISE.
    "EDITOR_MAX_TOP1_DROP": 0.01,
    "EDITOR_MAX_OOS_RISE": 0.01,
    # Office hours for the dashboard's "asked outside office hours" (local time, Monday to Friday, [start, end)).
    "EDITOR_TIMEZONE": "Europe/Oslo",
    "EDITOR_OFFICE_HOURS": (8, 16),
}
