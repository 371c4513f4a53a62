"""The assistant's settings, each declared once, and where the content and the built index live.

Every setting is a :class:`Setting`: its name (the Flask configuration key), default, type, environment variable
(``ASSISTANT_<NAME>``, and for a few an older variable read when nothing else sets them) and what it means.
:func:`assistant.app.create_app` applies them in this order: the defaults, then the instance ``config.py`` (or
the test configuration), then the environment, where each value is parsed as its type and a bad value is an
error (:class:`SettingError`) that names the variable. ``python -m assistant settings`` prints the table the
README's configuration section holds (a test keeps the two equal).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The prefix of the settings' environment variables.
ENV_PREFIX = "ASSISTANT_"
_TRUE, _FALSE, _NONE = ("1", "true", "yes", "on"), ("0", "false", "no", "off"), ("", "null", "none")


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot take."""


@dataclass(frozen=True)
class Setting:
    """One setting: a Flask configuration key with its default, type, environment variable and meaning.

    ``type`` is ``str``, ``int``, ``float``, ``bool``, ``list`` (a JSON list, or words separated by commas or
    spaces) or ``tuple`` (a JSON list of two integers). ``optional`` settings also take ``none`` (or an empty
    value). ``fallback_env`` are older variables read only when neither the instance file nor ``env`` set a value.
    """

    name: str
    default: Any
    type: type
    help: str
    optional: bool = False
    fallback_env: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        """The environment variable that sets it: ``ASSISTANT_<NAME>``."""
        return ENV_PREFIX + self.name

    def parse(self, raw: str, variable: str | None = None) -> Any:
        """The value of ``raw`` (the text of environment variable ``variable``) as this setting's type."""
        text = raw.strip()
        if self.optional and text.lower() in _NONE:
            return None
        try:
            return raw if self.type is str else _PARSERS[self.type](text)  # text as given (a key may hold spaces)
        except (ValueError, TypeError) as exc:
            raise SettingError(f"{variable or self.env}={raw!r}: {self.name} must be {_KINDS[self.type]}"
                               f"{' or none' if self.optional else ''} ({exc})") from None

    def from_environ(self, environ: Mapping[str, str] | None = None) -> Any:
        """The value the environment gives (``env``, then ``fallback_env``), or the default."""
        environ = os.environ if environ is None else environ
        for variable in (self.env, *self.fallback_env):
            if variable in environ:
                return self.parse(environ[variable], variable)
        return self.default


def _boolean(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError(f"not one of {', '.join(_TRUE + _FALSE)}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _words(text: str) -> list[str]:
    if text.startswith("["):
        value = json.loads(text)
        if not all(isinstance(item, str) for item in value):
            raise ValueError("a JSON list of strings was expected")
        return value
    return text.replace(",", " ").split()


def _pair(text: str) -> tuple[int, int]:
    value = json.loads(text)
    if not (isinstance(value, list) and len(value) == 2 and all(type(item) is int for item in value)):
        raise ValueError("a JSON list of two integers was expected")
    return value[0], value[1]


_PARSERS: dict[type, Any] = {int: int, float: _finite, bool: _boolean, list: _words, tuple: _pair}
_KINDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
          list: "a JSON list or words separated by commas", tuple: "a JSON list of two whole numbers, e.g. [8, 16]"}

#: Every setting, in the order of the README's table.
SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", "dev", str,
            "Signs the editor's login cookie and the chat form's token; keys the question log's session hash. A long "
            "random value, the same on every worker and host. A well-known or short value (such as the default) is "
            "never used: it is replaced by a random key of the process, and editor logins are refused."),
    Setting("CONTENT_ROOT", None, str, "The folder with `faq/`, `corpus/` and `eval/`; none: this checkout, "
            "else the current folder.", optional=True, fallback_env=("ASSISTANT_ROOT",)),
    Setting("BUILD_DIR", None, str, "Where built indexes are kept; none: `build/` in the content folder.",
            optional=True),
    Setting("MAX_CONTENT_LENGTH", 8 * 1024, int, "Largest request body in bytes (Flask)."),
    Setting("MAX_QUESTION_CHARS", 500, int, "Longest question in characters (API, chat form and widget)."),
    Setting("MAX_JSON_DEPTH", 20, int, "How deep JSON bodies of the API may nest arrays and objects (the API's own "
            "bodies are flat)."),
    Setting("JSON_AS_ASCII", False, bool, "Escape non-ASCII characters in JSON (Flask); æøå are sent as they are."),
    Setting("CORS_ORIGINS", [], list, "Exact origins (`scheme://host[:port]`, no `*` or `null`) of the sites that "
            "embed the widget: they get CORS on `/api/*` and may frame `/embed`. A JSON list, or origins separated "
            "by commas or spaces."),
    Setting("RATELIMIT_ENABLED", True, bool, "Limit requests per client address (Flask-Limiter); off e.g. in tests."),
    Setting("RATELIMIT_DEFAULT", "30 per minute;300 per hour", str, "Requests per client address: one budget for "
            "questions (`POST /api/ask`, `/` and `/embed` together) and one for `POST /api/feedback`."),
    Setting("FORM_TOKEN_SECONDS", 12 * 3600, int, "Seconds the chat form's token (its CSRF token, bound to the "
            "visitor's address) stays valid."),
    Setting("RATELIMIT_STORAGE_URI", "memory://", str, "Where requests are counted: `memory://` (one process) or "
            "`redis://…` (one count for every worker and host)."),
    Setting("RATELIMIT_HEADERS_ENABLED", True, bool, "Send X-RateLimit-* and Retry-After headers."),
    Setting("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True, bool, "Keep limiting per process if Redis goes away, "
            "never a 500."),
    Setting("TRUSTED_PROXIES", 0, int, "How many reverse proxies in front set X-Forwarded-For/-Proto/-Host "
            "(werkzeug ProxyFix); 0 trusts none."),
    Setting("WEB_DIR", None, str, "The folder with `widget.js`, `widget.css` and `page.css`; none: `web/` of the "
            "checkout.", optional=True),
    Setting("SESSION_STORE_URL", None, str, "Conversation state: in memory (one process) unless a `redis://` URL "
            "shares it between workers.", optional=True),
    Setting("REDIS_TIMEOUT", 0.05, float, "Seconds every Redis client (sessions, rate limits, `/api/health`) waits "
            "to connect and to read, without retries: a hung Redis costs a request at most a few of these."),
    Setting("REDIS_RETRY_SECONDS", 5.0, float, "Seconds the session store leaves a failed Redis alone."),
    Setting("SESSION_TTL", 1800, int, "Seconds of inactivity after which a conversation's context is forgotten."),
    Setting("INDEX_CHECK_SECONDS", 2.0, float, "How often (seconds) a worker looks at `build/current` for a newly "
            "published index."),
    Setting("DATABASE_URL", None, str, "The question log: an SQLAlchemy URL, e.g. `postgresql+psycopg://user@host/db`;"
            " none: SQLite in the instance folder.", optional=True, fallback_env=("DATABASE_URL",)),
    Setting("LOG_QUEUE_SIZE", 50_000, int, "While the database is unreachable, up to this many records per host wait "
            "in a spool file on local disk (fsynced, shared by the host's workers); 0: no spool, they are lost."),
    Setting("LOG_RETRY_SECONDS", 5.0, float, "How often (seconds) the workers try to store the spooled records."),
    Setting("LOG_SPOOL_DIR", None, str, "The folder of the spool file; none: the instance folder.", optional=True),
    Setting("RETENTION_DAYS", 90, int, "Logged questions older than this many days are deleted once a day by the "
            "running app; none or 0: never.", optional=True),
    Setting("SESSION_COOKIE_HTTPONLY", True, bool, "The editor's login cookie is not readable from JavaScript."),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", str, "The editor's login cookie is not sent with cross-site posts."),
    Setting("SESSION_COOKIE_SECURE", None, bool, "The editor's login cookie is sent over https only; none: Secure "
            "unless DEBUG or TESTING is on; false only for plain http to another host in development.",
            optional=True),
    Setting("PERMANENT_SESSION_LIFETIME", 8 * 3600, int, "Seconds an editor stays logged in after logging in, "
            "however active (logging out, `editor passwd` and `editor remove` end every session at once)."),
    Setting("EDITOR_LOGIN_LIMIT", "5 per minute", str, "Login attempts per client address on `POST /editor/login`."),
    Setting("EDITOR_LOGIN_ACCOUNT_LIMIT", "20 per hour", str, "Failed login attempts per account name, from any "
            "address."),
    Setting("EDITOR_LOW_CONFIDENCE", 0.9, float, "The review queue holds fallbacks, 👎 replies and answers whose "
            "confidence is below this."),
    Setting("EDITOR_QUEUE_DAYS", 90, int, "Only questions from the last this many days are reviewed."),
    Setting("EDITOR_CLUSTER_DISTANCE", 0.75, float, "Questions in one cluster of the review queue are at most this "
            "cosine distance apart on average (0: identical, 1: unrelated)."),
    Setting("EDITOR_MAX_TOP1_DROP", 0.01, float, "A change is refused when cross-validated top-1 on the development "
            "set, or right answers on the blind set, drop by more than this."),
    Setting("EDITOR_MAX_OOS_RISE", 0.01, float, "A change is refused when false answers to out-of-scope questions "
            "rise by more than this."),
    Setting("EDITOR_TIMEZONE", "Europe/Oslo", str, "The editors' time zone (dashboard, exports, review dates)."),
    Setting("EDITOR_OFFICE_HOURS", (8, 16), tuple, "Office hours for the dashboard's \"asked outside office hours\" "
            "(local time, Monday to Friday, [start, end))."),
)
#: The settings by name.
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}
#: Flask configuration defaults; an instance ``config.py`` and the environment override them.
DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}


def environment_config(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment sets, parsed, over ``config`` (the defaults and the instance file).

    ``ASSISTANT_<NAME>`` always wins; a setting's ``fallback_env`` only fills a value ``config`` leaves None.
    Raises :class:`SettingError` for a value a setting cannot take.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        if setting.env in environ:
            values[setting.name] = setting.parse(environ[setting.env])
        elif config.get(setting.name) is None:
            for variable in setting.fallback_env:
                if variable in environ:
                    values[setting.name] = setting.parse(environ[variable], variable)
                    break
    return values


def _markdown(text: str) -> str:
    return text.replace("|", "\\|")


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, list | tuple):
        return f"`{json.dumps(list(value))}`"
    return f"`{value}`"


def settings_table() -> str:
    """The settings as a Markdown table (name, environment variable, default, meaning), as in the README."""
    lines = ["| Setting | Environment variable | Default | Meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        env = " or ".join(f"`{variable}`" for variable in (s.env, *s.fallback_env))
        lines.append(f"| `{s.name}` | {env} | {_markdown(_shown(s.default))} | {_markdown(s.help)} |")
    return "\n".join(lines)


def content_root() -> Path:
    """The folder holding ``faq/``, ``corpus/`` and ``eval/``.

    ``$ASSISTANT_CONTENT_ROOT`` (or the older ``$ASSISTANT_ROOT``) when set; else the project checkout this
    package runs from; else the current directory (for a non-editable install run from a checkout).
    """
    configured = BY_NAME["CONTENT_ROOT"].from_environ()
    if configured:
        return Path(configured).resolve()
    return PROJECT_ROOT if (PROJECT_ROOT / "faq").is_dir() else Path.cwd().resolve()


def build_dir(root: Path | None = None) -> Path:
    """Where built indexes are kept: ``$ASSISTANT_BUILD_DIR`` or ``<root>/build``."""
    return Path(BY_NAME["BUILD_DIR"].from_environ() or (root or content_root()) / "build").resolve()
