"""Security for the web app: response headers, CORS from an allowlist, rate limits and proxy trust.

- Our HTML pages get a Content-Security-Policy without ``unsafe-inline``; every response gets
  ``X-Content-Type-Options`` and ``Referrer-Policy``.
- ``CORS_ORIGINS`` is a list of exact origins (no ``*``, no ``null``): those origins may call
  ``/api/*`` from the browser, and the same list makes up ``frame-ancestors`` for ``/embed``.
- Flask-Limiter limits POSTs per client address (``RATELIMIT_DEFAULT``, stored in memory or in Redis via
  ``RATELIMIT_STORAGE_URI``): one budget for questions, whether asked through ``/api/ask``, ``/`` or
  ``/embed``, and one for ``/api/feedback``. In Redis each limit costs a request one round trip, its headers included
  (:mod:`assistant.rate_storage`). A Redis that fails or does not answer within ``REDIS_TIMEOUT``
  is left for each process's memory (the same limits, counted per worker) until it answers again: limits
  fail to memory, never open and never with a 500.
- ``SECRET_KEY``: a well-known or short key (``dev``, the default) is never used to sign anything. It is
  replaced at start by a random key of this process (:func:`init_secret_key`); the editor refuses logins
  and every editor session under such a generated key unless DEBUG or TESTING is on.
- The chat form (no JavaScript) carries a token signed with ``SECRET_KEY`` and bound to the visitor's
  address (:func:`form_token`), so other sites cannot make their visitors' browsers post questions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from .rate_storage import counting_uri
from .redis_clients import RedisCheck, guarded_pool, is_redis_url

#: Endpoints that answer questions: their POSTs share one rate-limit budget per visitor.
ASK_ENDPOINTS = frozenset({"api.ask", "web.index", "web.embed"})
#: Other endpoints whose POSTs are rate-limited (each its own budget).
LIMITED_ENDPOINTS = frozenset({"api.feedback"})
#: Secret keys known to everyone (and anything shorter than :data:`MIN_SECRET_CHARS`).
WEAK_SECRETS = frozenset({"", "dev", "changeme", "secret"})
MIN_SECRET_CHARS = 16
#: ``app.config`` flag set when ``SECRET_KEY`` was weak and replaced by a random key of this process.
GENERATED_SECRET = "SECRET_KEY_GENERATED"
FORM_TOKEN_FIELD = "form_token"
#: Responses that other sites load with <script>/<link>; they may be read cross-origin.
PUBLIC_ASSETS = frozenset({"web.asset"})

_ORIGIN = re.compile(r"(https?)://([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+\])(:[0-9]{1,5})?")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def parse_origins(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Validate the configured origins; a list, or a string of origins separated by commas or spaces.

    Each must be ``scheme://host[:port]`` exactly, as a browser sends it in ``Origin``; a path,
    a wildcard or ``null`` raises ValueError.
    """
    if value is None:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    origins = []
    for item in items:
        origin = item.strip().lower() if isinstance(item, str) else ""
        match = _ORIGIN.fullmatch(origin)
        if not match:
            raise ValueError(f"CORS_ORIGINS: {item!r} is not an exact origin such as https://www.example.no")
        if match.group(4) == _DEFAULT_PORTS[match.group(1)]:
            origin = origin.removesuffix(match.group(4))
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def page_csp(origins: Iterable[str] | None) -> str:
    """The Content-Security-Policy of our HTML pages; ``origins`` may frame them (None: nobody may)."""
    frame = "'none'" if origins is None else " ".join(["'self'", *origins])
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
        "form-action 'self'", "base-uri 'none'", "frame-ancestors " + frame,
    ])


def weak_secret_key(value: object) -> bool:
    """Whether ``value`` is a secret key anyone could know or guess: well-known, or shorter than 16 characters."""
    secret = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")
    return secret.strip().lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_CHARS


def init_secret_key(app: Flask) -> None:
    """Replace a weak ``SECRET_KEY`` by a random key of this process, so nothing is signed with a known key.

    gunicorn workers forked from a preloaded app share it; it changes on every restart. ``GENERATED_SECRET``
    in the config records that it happened (the editor then refuses logins outside development).
    """
    app.config[GENERATED_SECRET] = weak_secret_key(app.config.get("SECRET_KEY"))
    if app.config[GENERATED_SECRET]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        if not (app.debug or app.testing):
            app.logger.warning("ASSISTANT_SECRET_KEY er ikke satt (eller er kjent/kort): bruker en tilfeldig nøkkel "
                               "som byttes ved omstart. Innlogging for redaktører er slått av.")


def _form_serializer() -> URLSafeTimedSerializer:
    """Signs chat-form tokens with ``SECRET_KEY``, salted with a hash of the client's address."""
    address = hashlib.sha256((request.remote_addr or "").encode()).hexdigest()
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"chat-form:{address}")  # type: ignore[arg-type]


def form_token() -> str:
    """A token for the chat form that only this client address can send back (a CSRF token without a cookie)."""
    return str(_form_serializer().dumps(1))


def valid_form_token(token: object) -> bool:
    """Whether ``token`` was made by :func:`form_token` for this address within ``FORM_TOKEN_SECONDS``."""
    if not isinstance(token, str) or not token:
        return False
    try:
        _form_serializer().loads(token, max_age=int(current_app.config["FORM_TOKEN_SECONDS"]))
    except BadData:
        return False
    return True


def _ask_request_exempt() -> bool:
    return request.method != "POST" or request.endpoint not in ASK_ENDPOINTS


def _limited_request_exempt() -> bool:
    return request.method != "POST" or request.endpoint not in LIMITED_ENDPOINTS


def init_app(app: Flask) -> Limiter:
    """Validate the security settings, install the headers, CORS and the rate limiter on ``app``.

    ``RATELIMIT_DEFAULT`` is one budget for every question a visitor sends, by API or form (Flask-Limiter's
    application limit, exempt for everything else), and a budget of its own for ``/api/feedback``.
    """
    origins = parse_origins(app.config["CORS_ORIGINS"])
    app.config["CORS_ORIGINS"] = list(origins)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    html_csp = page_csp(origins)
    private_csp = page_csp(None)  # the editor pages are never framed, not even by the widget's hosts

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        if response.status_code != 429:
            headers.pop("Retry-After", None)  # Flask-Limiter sends it on every response
        if response.mimetype == "text/html":
            headers["Content-Security-Policy"] = private_csp if request.path.startswith("/editor") else html_csp
        else:
            headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        if request.method == "POST":
            headers["Cache-Control"] = "no-store"
        if request.endpoint in PUBLIC_ASSETS:
            headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if request.path.startswith("/api/"):
            _cors(response, origins)
        return response

    storage = app.config["RATELIMIT_STORAGE_URI"]
    storage_uri = None
    if is_redis_url(storage):  # a hung Redis: fail fast, then count in this process's memory (in-memory fallback)
        timeout = float(app.config["REDIS_TIMEOUT"])
        pause = float(app.config["REDIS_RETRY_SECONDS"])
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"connection_pool": guarded_pool(storage, timeout, pause),
                                                   **app.config.get("RATELIMIT_STORAGE_OPTIONS", {})}
        app.extensions.setdefault("redis_checks", {})["rate_limits"] = RedisCheck(storage, timeout, pause)
        storage_uri = counting_uri(storage)  # one round trip per limit, headers included
    limits = str(app.config["RATELIMIT_DEFAULT"])
    return Limiter(get_remote_address, app=app, default_limits=[limits], storage_uri=storage_uri,
                   default_limits_exempt_when=_limited_request_exempt,
                   application_limits=[limits], application_limits_exempt_when=_ask_request_exempt)


def _cors(response: Response, origins: tuple[str, ...]) -> None:
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin not in origins:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
