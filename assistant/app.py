"""The Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import DEFAULTS, ENV_PREFIX, build_dir, content_root, environment_config
from .dialogue import Assistant, open_assistant
from .index import Progress
from .redis_clients import RedisCheck
from .reload import IndexWatcher
from .sessions import RedisSessionStore, session_store


def configured_flask(test_config: dict[str, Any] | None = None) -> Flask:
    """A bare Flask app with its configuration loaded, as :func:`create_app` and the ``purge`` command use it.

    Defaults, then the instance ``config.py`` (or ``test_config``), then ``ASSISTANT_*`` variables: the settings
    of :mod:`assistant.config` parsed as their types (:class:`~assistant.config.SettingError` for a bad value),
    other Flask keys (``ASSISTANT_DEBUG`` …) as Flask parses them.
    """
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env(ENV_PREFIX.rstrip("_"))
    app.config.update(environment_config(app.config))
    return app


def create_app(test_config: dict[str, Any] | None = None, assistant: Assistant | None = None,
               progress: Progress | None = None) -> Flask:
    """Create the app: defaults, then the instance ``config.py`` (or ``test_config``), then ``ASSISTANT_*``.

    ``assistant`` lets a caller (tests, a worker that already loaded the index) hand in a ready
    :class:`Assistant`; otherwise the index for the configured content is loaded or built (``progress``
    shows a build).
    """
    app = configured_flask(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if assistant is None:
        root = Path(app.config["CONTENT_ROOT"] or content_root())
        sessions = session_store(app.config["SESSION_STORE_URL"], int(app.config["SESSION_TTL"]),
                                 float(app.config["REDIS_TIMEOUT"]), float(app.config["REDIS_RETRY_SECONDS"]))
        build = Path(app.config["BUILD_DIR"] or build_dir(root))
        assistant = open_assistant(root, build, progress=progress, sessions=sessions)
        # Follow build/current, so a published FAQ change reaches this worker without a restart.
        watcher = IndexWatcher(assistant, build, float(app.config["INDEX_CHECK_SECONDS"]))

        @app.before_request
        def _follow_current_index() -> None:
            watcher.check()  # a before_request function must return None, or Flask takes its value as the response
    app.extensions["assistant"] = assistant
    if isinstance(getattr(assistant, "sessions", None), RedisSessionStore):  # /api/health pings it
        app.extensions.setdefault("redis_checks", {})["sessions"] = RedisCheck(
            assistant.sessions.url, float(app.config["REDIS_TIMEOUT"]), float(app.config["REDIS_RETRY_SECONDS"]))

    from . import api, database, editor, security, web

    security.init_secret_key(app)  # first: the log's session hash and every signature use the key
    database.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
    editor.init_app(app)  # /editor; after the log and the rate limiter it uses
    return app
